/**
 * The contract between the connection bar page and AgentBar's Rust side.
 * Commands go through `invoke`; live updates arrive as Tauri events.
 * The Rust side of this file is src-tauri/src/commands.rs and bridge.rs.
 */
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AgentState } from "./format";

/** An error from the Rust side: branch on `kind`, show `message`. */
export interface AppError {
  kind: string;
  message: string;
}

export type HealthKind = "signedout" | "connecting" | "connected" | "reconnecting";

export interface Health {
  kind: HealthKind;
  /** When this health began (epoch ms). */
  since: number | null;
  /** Why: the reason for reconnecting or for being signed out, in plain words. */
  reason: string | null;
  /** The gateway in use, when connected. */
  gateway: string | null;
}

export interface CallView {
  callId: string;
  caller: string;
  called: string;
  direction: "inbound" | "outbound";
  media: "voice" | "video" | "voice+video" | "unknown";
  held: boolean;
  /** When the call began ringing or was answered (epoch ms). */
  since: number;
  /** When the call was answered (epoch ms), null while ringing. */
  answeredAt: number | null;
  calldata: string | null;
}

/** What the connection bar shows: derived on the Rust side from the events. */
export interface BarView {
  agentId: string | null;
  state: AgentState;
  /** When the agent entered this state (epoch ms), for the running timer. */
  stateSince: number | null;
  /** For `rest`: when the requested rest time ends (epoch ms). */
  restUntil: number | null;
  /** For `busy`: the reason code given. */
  busyReason: string | null;
  health: Health;
  call: CallView | null;
  lastError: AppError | null;
}

/** One event as the gateway sent it, with when AgentBar received it. */
export interface EventRecord {
  /** Sequence number in this session, from 1. */
  seq: number;
  receivedAt: number;
  eventType: string;
  /** The whole event object exactly as received. */
  raw: Record<string, unknown>;
}

export type Trust =
  | { kind: "system" }
  | { kind: "caFile"; path: string }
  | { kind: "pin"; sha256: string };

export interface PushSettings {
  /** Local address the receiver listens on, such as 0.0.0.0:8443. */
  listen: string;
  /** The URL the gateway posts to (reaches the listener). */
  publicUrl: string;
  /** Certificate and key PEM files; both empty to generate one at start. */
  certFile: string;
  keyFile: string;
}

export interface NotificationSettings {
  ringing: boolean;
  signedOut: boolean;
  connection: boolean;
  restOver: boolean;
}

/** What a global shortcut does. */
export type ShortcutAction = "answer" | "hangUp" | "ready" | "busy";

/** Global keyboard shortcuts such as "Ctrl+Alt+A"; empty turns one off. */
export type ShortcutSettings = Record<ShortcutAction, string>;

/** What became of a configured global shortcut (Rust: shortcuts.rs). */
export interface ShortcutStatus {
  action: ShortcutAction;
  shortcut: string;
  state: "registered" | "off" | "invalid" | "duplicate" | "unavailable";
  /** Why, for invalid, duplicate and unavailable, in the current language. */
  detail: string | null;
}

/** Everything but secrets; persisted in the platform's config folder. */
export interface Settings {
  gateways: string[];
  agentId: string;
  phone: string;
  mode: "poll" | "push";
  push: PushSettings;
  trust: Trust;
  statusAfterSignIn: "idle" | "busy" | "work";
  rememberPassword: boolean;
  takeOver: boolean;
  notifications: NotificationSettings;
  alwaysOnTop: boolean;
  quitSignsOut: boolean;
  /** Start AgentBar at login (off by default). */
  autostart: boolean;
  /** "auto" follows the OS locale (as the Rust side detects it). */
  language: "auto" | "en" | "zh-CN";
  shortcuts: ShortcutSettings;
  /** Settings an administrator locked (names of the fields above). */
  locked: string[];
}

export interface SignInRequest {
  settings: Settings;
  /** Empty to use the password remembered in the keyring. */
  password: string;
}

/** The gateway's certificate, for confirmation at first contact. */
export interface CertificateInfo {
  sha256: string;
  subject: string;
  /** Whether the configured trust already accepts it. */
  trusted: boolean;
}

export interface Snapshot {
  bar: BarView;
  events: EventRecord[];
  settings: Settings;
  /** Whether a password is remembered in the keyring for the configured agent. */
  passwordRemembered: boolean;
}

export const api = {
  appInfo: () => invoke<{ name: string; version: string }>("app_info"),
  snapshot: () => invoke<Snapshot>("snapshot"),
  saveSettings: (settings: Settings) => invoke<Settings>("save_settings", { settings }),
  probeCertificate: (gateway: string) => invoke<CertificateInfo>("probe_certificate", { gateway }),
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

/** Event names the Rust side emits. */
export const EVENTS = {
  state: "bar:state",
  event: "bar:event",
} as const;

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
