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
import type { CertificateView } from "./bindings/CertificateView";
import type { EventRecord } from "./bindings/EventRecord";
import type { PushSettings } from "./bindings/PushSettings";
import type { Settings } from "./bindings/Settings";
import type { ShortcutStatus } from "./bindings/ShortcutStatus";
import type { SignInRequest } from "./bindings/SignInRequest";
import type { Snapshot } from "./bindings/Snapshot";
import { EVENTS } from "./bindings/constants";

export type { AppError } from "./bindings/AppError";
export type { Availability } from "./bindings/Availability";
export type { BarView } from "./bindings/BarView";
export type { CallView } from "./bindings/CallView";
export type { CertificateView } from "./bindings/CertificateView";
export type { Controls } from "./bindings/Controls";
export type { EventRecord } from "./bindings/EventRecord";
export type { Health } from "./bindings/Health";
export type { HealthKind } from "./bindings/HealthKind";
export type { Settings } from "./bindings/Settings";
export type { ShortcutAction } from "./bindings/ShortcutAction";
export type { ShortcutSettings } from "./bindings/ShortcutSettings";
export type { ShortcutStatus } from "./bindings/ShortcutStatus";
export type { SignInRequest } from "./bindings/SignInRequest";
export type { Snapshot } from "./bindings/Snapshot";
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
