/**
 * What the connection bar decides, without touching the page: the sign-in
 * form and its settings, validation, timer and health wording. Which
 * controls apply in which state comes with the bar from the Rust side
 * (`BarView.controls`); the limits and defaults are generated from Rust too.
 * Everything here is a pure function of its inputs.
 */
import type { AppError, BarView, CallView, DayView, Health, NamedReason, QueueView, Settings } from "./api";
import { DEFAULT_SETTINGS, LIMITS, SIGNED_OUT_BAR } from "./bindings/constants";
import { formatClock, formatDuration } from "./format";
import { t } from "./i18n";

export { DEFAULT_SETTINGS, LIMITS, SIGNED_OUT_BAR };

/** The gateway refuses call data over 16 KB. */
export const CALLDATA_LIMIT = LIMITS.calldataMaxBytes;
/** Events kept in memory and on the page. */
export const EVENT_LIMIT = 50;
/** The bar asks for a rest in whole minutes. */
export const REST_MAX_MINUTES = Math.floor(LIMITS.restMaxSeconds / 60);
/** Busy reasons a site may define. */
export const BUSY_REASONS: readonly number[] = Array.from(
  { length: LIMITS.busyReasonMax - LIMITS.busyReasonMin + 1 },
  (_, i) => LIMITS.busyReasonMin + i,
);
/** A phone number as the gateway takes it. */
const PHONE = new RegExp(`^[0-9+*#]{1,${LIMITS.phoneMaxChars}}$`);

// ---------------------------------------------------------------- sign-in form

/** How a certificate is trusted. */
export type TrustKind = Settings["trust"]["kind"];

/** The trust setting a kind and its fields describe. */
function trustFrom(kind: TrustKind, caFile: string, pin: string): Settings["trust"] {
  return kind === "caFile"
    ? { kind: "caFile", path: caFile.trim() }
    : kind === "pin"
      ? { kind: "pin", sha256: pin.trim() }
      : { kind: "system" };
}

/** The sign-in form's fields, as the agent typed them. */
export interface SignInForm {
  gateway: string;
  gatewayBackup: string;
  agentId: string;
  phone: string;
  password: string;
  mode: "poll" | "push" | "relay";
  pushListen: string;
  pushUrl: string;
  pushCert: string;
  pushKey: string;
  /** Via the site relay: its address, a second one, where the gateway pushes, its trust. */
  relayUrl: string;
  relayBackup: string;
  relayPushUrl: string;
  relayTrust: TrustKind;
  relayCaFile: string;
  relayPinSha256: string;
  trust: TrustKind;
  caFile: string;
  pinSha256: string;
  statusAfter: "idle" | "busy" | "work";
  rememberPassword: boolean;
  takeOver: boolean;
}

export function formFromSettings(s: Settings): SignInForm {
  return {
    gateway: s.gateways[0] ?? "",
    gatewayBackup: s.gateways[1] ?? "",
    agentId: s.agentId,
    phone: s.phone,
    password: "",
    mode: s.mode,
    pushListen: s.push.listen,
    pushUrl: s.push.publicUrl,
    pushCert: s.push.certFile,
    pushKey: s.push.keyFile,
    relayUrl: s.relay.urls[0] ?? "",
    relayBackup: s.relay.urls[1] ?? "",
    relayPushUrl: s.relay.pushUrl,
    relayTrust: s.relay.trust.kind,
    relayCaFile: s.relay.trust.kind === "caFile" ? s.relay.trust.path : "",
    relayPinSha256: s.relay.trust.kind === "pin" ? s.relay.trust.sha256 : "",
    trust: s.trust.kind,
    caFile: s.trust.kind === "caFile" ? s.trust.path : "",
    pinSha256: s.trust.kind === "pin" ? s.trust.sha256 : "",
    statusAfter: s.statusAfterSignIn,
    rememberPassword: s.rememberPassword,
    takeOver: s.takeOver,
  };
}

/**
 * The settings the form describes; what the form does not show comes from
 * `base` (relay addresses beyond the two the form shows too).
 */
export function settingsFromForm(f: SignInForm, base: Settings): Settings {
  const trust = trustFrom(f.trust, f.caFile, f.pinSha256);
  const relayUrls = [f.relayUrl, f.relayBackup, ...base.relay.urls.slice(2)]
    .map((u) => u.trim())
    .filter((u) => u !== "");
  return {
    ...base,
    gateways: [f.gateway, f.gatewayBackup].map((g) => g.trim()).filter((g) => g !== ""),
    agentId: f.agentId.trim(),
    phone: f.phone.trim(),
    mode: f.mode,
    push: {
      listen: f.pushListen.trim(),
      publicUrl: f.pushUrl.trim(),
      certFile: f.pushCert.trim(),
      keyFile: f.pushKey.trim(),
    },
    relay: {
      urls: relayUrls,
      pushUrl: f.relayPushUrl.trim(),
      trust: trustFrom(f.relayTrust, f.relayCaFile, f.relayPinSha256),
    },
    trust,
    statusAfterSignIn: f.statusAfter,
    rememberPassword: f.rememberPassword,
    takeOver: f.takeOver,
  };
}

export interface FieldError {
  field: keyof SignInForm;
  message: string;
}

export function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value.trim());
    return url.protocol === "https:" && url.hostname !== "";
  } catch {
    return false;
  }
}

/** A SHA-256 fingerprint: 64 hex digits, colons and spaces allowed between them. */
export function isSha256(value: string): boolean {
  return /^[0-9a-f]{64}$/i.test(value.replace(/[\s:]/g, ""));
}

/** What stops the form from being sent, first problem first (in page order). */
export function validateSignIn(f: SignInForm, passwordRemembered: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const need = (ok: boolean, field: keyof SignInForm, message: string): void => {
    if (!ok) errors.push({ field, message });
  };
  need(f.gateway.trim() !== "", "gateway", t("invalid.gateway"));
  if (f.gateway.trim() !== "") {
    need(isHttpsUrl(f.gateway), "gateway", t("invalid.gatewayHttps"));
  }
  if (f.gatewayBackup.trim() !== "") {
    need(isHttpsUrl(f.gatewayBackup), "gatewayBackup", t("invalid.backupHttps"));
  }
  need(/^\d{1,10}$/.test(f.agentId.trim()), "agentId", t("invalid.agentId"));
  need(PHONE.test(f.phone.trim()), "phone", t("invalid.phone"));
  need(
    f.password !== "" || passwordRemembered,
    "password",
    t("invalid.password"),
  );
  if (f.mode === "push") {
    need(/^\S+:\d{1,5}$/.test(f.pushListen.trim()), "pushListen", t("invalid.pushListen"));
    need(isHttpsUrl(f.pushUrl), "pushUrl", t("invalid.pushUrl"));
    need(
      (f.pushCert.trim() === "") === (f.pushKey.trim() === ""),
      f.pushCert.trim() === "" ? "pushCert" : "pushKey",
      t("invalid.pushPair"),
    );
  }
  if (f.mode === "relay") {
    need(f.relayUrl.trim() !== "", "relayUrl", t("invalid.relayUrl"));
    if (f.relayUrl.trim() !== "") need(isHttpsUrl(f.relayUrl), "relayUrl", t("invalid.relayHttps"));
    if (f.relayBackup.trim() !== "") {
      need(isHttpsUrl(f.relayBackup), "relayBackup", t("invalid.relayBackupHttps"));
    }
    if (f.relayPushUrl.trim() !== "") {
      need(isHttpsUrl(f.relayPushUrl), "relayPushUrl", t("invalid.relayPushHttps"));
    }
    if (f.relayTrust === "caFile") need(f.relayCaFile.trim() !== "", "relayCaFile", t("invalid.caFile"));
    if (f.relayTrust === "pin") need(isSha256(f.relayPinSha256), "relayPinSha256", t("invalid.pin"));
  }
  if (f.trust === "caFile") need(f.caFile.trim() !== "", "caFile", t("invalid.caFile"));
  if (f.trust === "pin") {
    need(isSha256(f.pinSha256), "pinSha256", t("invalid.pin"));
  }
  return errors;
}

// ---------------------------------------------------------------- locked settings

/**
 * Whether an administrator locked the setting at `path` ("alwaysOnTop",
 * "notifications.ringing"): a lock on a parent ("notifications") covers its fields.
 */
export function isLocked(locked: readonly string[], path: string): boolean {
  return locked.some((l) => l === path || path.startsWith(`${l}.`));
}

/** A copy of `s` with the boolean at `path` set; only the settings panel's paths. */
export function withSetting(s: Settings, path: SettingPath, value: boolean): Settings {
  switch (path) {
    case "alwaysOnTop":
      return { ...s, alwaysOnTop: value };
    case "quitSignsOut":
      return { ...s, quitSignsOut: value };
    case "autostart":
      return { ...s, autostart: value };
    case "keepRecentCalls":
      return { ...s, keepRecentCalls: value };
    default: {
      const key = path.slice("notifications.".length) as keyof Settings["notifications"];
      return { ...s, notifications: { ...s.notifications, [key]: value } };
    }
  }
}

export type SettingPath =
  | "notifications.ringing"
  | "notifications.signedOut"
  | "notifications.connection"
  | "notifications.restOver"
  | "alwaysOnTop"
  | "quitSignsOut"
  | "autostart"
  | "keepRecentCalls";

export function readSetting(s: Settings, path: SettingPath): boolean {
  switch (path) {
    case "alwaysOnTop":
      return s.alwaysOnTop;
    case "quitSignsOut":
      return s.quitSignsOut;
    case "autostart":
      return s.autostart;
    case "keepRecentCalls":
      return s.keepRecentCalls;
    default:
      return s.notifications[path.slice("notifications.".length) as keyof Settings["notifications"]];
  }
}

// ---------------------------------------------------------------- the bar

/** The bar shows while signed in or on the way there; otherwise the sign-in form. */
export function showsBar(bar: BarView): boolean {
  return bar.state !== "signedout" || bar.health.kind !== "signedout";
}

/** The pill's timer: time in the state, or for rest the time left (then over). */
export function stateTimerText(bar: BarView, now: number): string {
  if (bar.state === "signedout") return "";
  if (bar.state === "rest" && bar.restUntil !== null) {
    const left = bar.restUntil - now;
    return left >= 0 ? t("timer.left", { time: formatDuration(left) }) : t("timer.over", { time: formatDuration(-left) });
  }
  return bar.stateSince === null ? "" : formatDuration(now - bar.stateSince);
}

export function callDurationText(call: CallView, now: number): string {
  return call.answeredAt === null
    ? t("timer.ringing", { time: formatDuration(now - call.since) })
    : formatDuration(now - call.answeredAt);
}

export function directionLabel(direction: CallView["direction"]): string {
  return direction === "inbound" ? t("call.inbound") : direction === "internal" ? t("call.internal") : t("call.outbound");
}

export function mediaLabel(media: CallView["media"]): string {
  switch (media) {
    case "voice":
      return t("call.voice");
    case "video":
      return t("call.video");
    case "voice+video":
      return t("call.voiceVideo");
    default:
      return t("call.mediaUnknown");
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function healthText(h: Health): string {
  const why = h.reason ? ` — ${h.reason}` : "";
  switch (h.kind) {
    case "connected":
      return h.gateway ? t("health.connectedTo", { host: hostOf(h.gateway) }) : t("health.connected");
    case "connecting":
      return t("health.connecting");
    case "reconnecting":
      return `${h.since === null ? t("health.reconnecting") : t("health.reconnectingSince", { time: formatClock(h.since) })}${why}`;
    default:
      return h.reason ? t("health.signedOutWhy", { reason: h.reason }) : t("health.notConnected");
  }
}

/** Minutes as typed → seconds for the gateway, or null when out of range. */
export function restSecondsFromMinutes(input: string): number | null {
  const text = input.trim();
  if (!/^\d+$/.test(text)) return null;
  const minutes = Number(text);
  return minutes >= 1 && minutes <= REST_MAX_MINUTES ? minutes * 60 : null;
}

// ---------------------------------------------------------------- call data

export interface CalldataCheck {
  bytes: number;
  over: boolean;
  /** The counter's text. */
  counter: string;
  /** Why Save is off, empty when it is on. */
  problem: string;
}

const encoder = new TextEncoder();

export function utf8Bytes(value: string): number {
  return encoder.encode(value).length;
}

export function checkCalldata(value: string): CalldataCheck {
  const bytes = utf8Bytes(value);
  const over = bytes > CALLDATA_LIMIT;
  const over_ = bytes - CALLDATA_LIMIT;
  return {
    bytes,
    over,
    counter: t("calldata.count", { bytes: bytes.toLocaleString("en-US"), limit: CALLDATA_LIMIT.toLocaleString("en-US") }),
    problem: over
      ? over_ === 1
        ? t("calldata.tooLongOne")
        : t("calldata.tooLong", { over: over_.toLocaleString("en-US") })
      : "",
  };
}

// ---------------------------------------------------------------- errors

export function sameError(a: AppError | null, b: AppError | null): boolean {
  return a === b || (a !== null && b !== null && a.kind === b.kind && a.message === b.message);
}

/** Adds `item` at the front and drops what falls past `limit`; returns what was dropped. */
export function prependCapped<T>(list: T[], item: T, limit: number): T[] {
  list.unshift(item);
  return list.length > limit ? list.splice(limit) : [];
}

// ---------------------------------------------------------------- call control

/** What the gateway dials: 1 to 24 digits, `*` and `#`. */
const DIAL = new RegExp(`^[0-9*#]{1,${LIMITS.phoneMaxChars}}$`);
/** A colleague's work number. */
const WORK_NO = /^\d{1,10}$/;

export function isDialable(number: string): boolean {
  return DIAL.test(number);
}

export type DialCheck =
  | { ok: true; request: { kind: "dial"; number: string } | { kind: "callColleague"; workNo: string } }
  | { ok: false; message: string };

/**
 * What the dial field asks for: a number, or a colleague by work number
 * (`agent:1002`, or any digits with `colleague` on). Spaces and dashes a
 * pasted number carries are dropped; nothing else is guessed.
 */
export function checkDial(text: string, colleague = false): DialCheck {
  let value = text.trim();
  const prefixed = /^agent:/i.test(value);
  if (prefixed) value = value.slice("agent:".length).trim();
  if (value === "") return { ok: false, message: t(prefixed || colleague ? "dial.invalidColleague" : "dial.empty") };
  if (prefixed || colleague) {
    return WORK_NO.test(value)
      ? { ok: true, request: { kind: "callColleague", workNo: value } }
      : { ok: false, message: t("dial.invalidColleague") };
  }
  const number = value.replace(/[\s()-]/g, "");
  return isDialable(number) ? { ok: true, request: { kind: "dial", number } } : { ok: false, message: t("dial.invalid") };
}

/** The targets whose number/ID or name contains `query`, ignoring case. */
export function filterTargets<T extends { address: string; name: string }>(targets: readonly T[], query: string): T[] {
  const q = query.trim().toLowerCase();
  if (q === "") return [...targets];
  return targets.filter((x) => x.address.toLowerCase().includes(q) || x.name.toLowerCase().includes(q));
}

export function phaseLabel(phase: CallView["phase"]): string {
  return t(`phase.${phase}`);
}

/** The kind tag's words; empty for a customer call (the common case). */
export function kindLabel(kind: CallView["kind"]): string {
  return kind === "customer" ? "" : t(`kind.${kind}`);
}

export function queueText(q: QueueView): string {
  return q.waiting === 0 ? t("queue.none") : t("queue.figures", { waiting: q.waiting, time: formatDuration(q.longestWaitS * 1000) });
}

export function todayText(d: DayView): string {
  return t("today.figures", { answered: d.answered, missed: d.missed, outbound: d.outbound, talk: formatDuration(d.talkTimeS * 1000) });
}

export function skillsText(signedIn: readonly { name: string }[]): string {
  return signedIn.length === 0 ? t("skills.none") : t("skills.label", { names: signedIn.map((s) => s.name).join(", ") });
}

/** A busy or rest reason's option label: "201 — Training" when named, else the numeric label. */
export function reasonLabel(code: number, names: readonly NamedReason[]): string {
  const named = names.find((n) => n.code === code && n.name.trim() !== "");
  return named ? t("bar.namedReason", { code, name: named.name.trim() }) : t("bar.reason", { reason: code });
}
