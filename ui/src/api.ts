/**
 * The contract between the connection bar page and AgentBar's Rust side.
 * Commands go through `invoke`; live updates arrive as Tauri events. The
 * types are generated from the Rust ones (./bindings, by `cargo test -p agentbar`).
 */
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AppError } from "./bindings/AppError";
import type { AppInfo } from "./bindings/AppInfo";
import type { BarView } from "./bindings/BarView";
import type { CallRequest } from "./bindings/CallRequest";
import type { CertificateView } from "./bindings/CertificateView";
import type { DayView } from "./bindings/DayView";
import type { EventRecord } from "./bindings/EventRecord";
import type { PushSettings } from "./bindings/PushSettings";
import type { QueueView } from "./bindings/QueueView";
import type { Settings } from "./bindings/Settings";
import type { ShortcutStatus } from "./bindings/ShortcutStatus";
import type { SignInRequest } from "./bindings/SignInRequest";
import type { SkillsView } from "./bindings/SkillsView";
import type { Snapshot } from "./bindings/Snapshot";
import type { TargetsView } from "./bindings/TargetsView";
import { EVENTS } from "./bindings/constants";

export type { AppError } from "./bindings/AppError";
export type { Availability } from "./bindings/Availability";
export type { BarView } from "./bindings/BarView";
export type { CallKind } from "./bindings/CallKind";
export type { CallPhase } from "./bindings/CallPhase";
export type { CallRequest } from "./bindings/CallRequest";
export type { CallView } from "./bindings/CallView";
export type { CertificateView } from "./bindings/CertificateView";
export type { Controls } from "./bindings/Controls";
export type { DayView } from "./bindings/DayView";
export type { Direction } from "./bindings/Direction";
export type { EventRecord } from "./bindings/EventRecord";
export type { Health } from "./bindings/Health";
export type { HealthKind } from "./bindings/HealthKind";
export type { NamedReason } from "./bindings/NamedReason";
export type { NextStateView } from "./bindings/NextStateView";
export type { QueueView } from "./bindings/QueueView";
export type { ReasonNames } from "./bindings/ReasonNames";
export type { RecentCall } from "./bindings/RecentCall";
export type { Settings } from "./bindings/Settings";
export type { ShortcutAction } from "./bindings/ShortcutAction";
export type { ShortcutSettings } from "./bindings/ShortcutSettings";
export type { ShortcutStatus } from "./bindings/ShortcutStatus";
export type { SignInRequest } from "./bindings/SignInRequest";
export type { SkillQueueView } from "./bindings/SkillQueueView";
export type { Skills } from "./bindings/Skills";
export type { SkillView } from "./bindings/SkillView";
export type { SkillsView } from "./bindings/SkillsView";
export type { Snapshot } from "./bindings/Snapshot";
export type { TargetView } from "./bindings/TargetView";
export type { TargetsView } from "./bindings/TargetsView";
export type { TransferView } from "./bindings/TransferView";
export { EVENTS };

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
  snapshot: () => invoke<Snapshot>("snapshot"),
  saveSettings: (settings: Settings) => invoke<Settings>("save_settings", { settings }),
  probeCertificate: (gateway: string) => invoke<CertificateView>("probe_certificate", { gateway }),
  /** The SHA-256 of the certificate a push receiver with `push` serves, for the gateway to pin. */
  pushCertificate: (push: PushSettings) => invoke<string>("push_certificate", { push }),
  signIn: (request: SignInRequest) => invoke<void>("sign_in", { request }),
  signOut: () => invoke<void>("sign_out"),
  ready: () => invoke<void>("set_ready"),
  busy: (reason: number) => invoke<void>("set_busy", { reason }),
  cancelBusy: () => invoke<void>("cancel_busy"),
  rest: (seconds: number, cause: number) => invoke<void>("set_rest", { seconds, cause }),
  cancelRest: () => invoke<void>("cancel_rest"),
  work: () => invoke<void>("set_work"),
  cancelWork: () => invoke<void>("cancel_work"),
  answer: () => invoke<void>("answer"),
  hangUp: () => invoke<void>("hang_up"),
  hold: () => invoke<void>("hold"),
  unhold: () => invoke<void>("unhold"),
  /** Every other call action: reject, mute, keypad tones, dial, transfer, consult, conference… */
  callControl: (request: CallRequest) => invoke<void>("call_control", { request }),
  /** The transfer and consult pickers' lists (asked each time a picker opens). */
  transferTargets: () => invoke<TargetsView>("transfer_targets"),
  skills: () => invoke<SkillsView>("skills"),
  /** Signs in to these skill queues now; null: all configured ones. */
  signInSkills: (ids: string[] | null) => invoke<SkillsView>("sign_in_skills", { ids }),
  queueFigures: () => invoke<QueueView>("queue_figures"),
  today: () => invoke<DayView>("today"),
  saveCalldata: (value: string) => invoke<void>("save_calldata", { value }),
  /** Writes the diagnostics archive for the help desk; resolves with its path. */
  saveDiagnostics: () => invoke<string>("save_diagnostics"),
  /** The OS locale's language as the Rust side detects it: "en" or "zh-CN". */
  systemLanguage: () => invoke<string>("system_language"),
  shortcutStatus: () => invoke<ShortcutStatus[]>("shortcut_status"),
};

export function onState(handler: (bar: BarView) => void): Promise<UnlistenFn> {
  return listen<BarView>(EVENTS.state, (e) => handler(e.payload));
}

export function onEvent(handler: (record: EventRecord) => void): Promise<UnlistenFn> {
  return listen<EventRecord>(EVENTS.event, (e) => handler(e.payload));
}

/** Turns whatever `invoke` rejected with into an AppError. */
export function asAppError(error: unknown): AppError {
  if (error && typeof error === "object" && "kind" in error && "message" in error) {
    const e = error as { kind: unknown; message: unknown };
    return { kind: String(e.kind), message: String(e.message) };
  }
  return { kind: "internal", message: String(error) };
}
