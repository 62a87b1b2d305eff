import { describe, expect, it } from "vitest";
import { bar, call, SETTINGS } from "./fixtures";
import {
  CALLDATA_LIMIT,
  DEFAULT_SETTINGS,
  LIMITS,
  checkCalldata,
  callDurationText,
  formFromSettings,
  healthText,
  isHttpsUrl,
  isLocked,
  prependCapped,
  readSetting,
  restSecondsFromMinutes,
  settingsFromForm,
  showsBar,
  stateTimerText,
  validateSignIn,
  withSetting,
  type SignInForm,
} from "./model";

const NOW = 1_700_000_000_000;

function validForm(patch: Partial<SignInForm> = {}): SignInForm {
  return { ...formFromSettings(SETTINGS), password: "secret", ...patch };
}

describe("form ↔ settings", () => {
  it("round-trips every field the form shows", () => {
    const settings = {
      ...SETTINGS,
      mode: "push" as const,
      push: { listen: "0.0.0.0:9443", publicUrl: "https://pc.example.com:9443", certFile: "/c.pem", keyFile: "/k.pem" },
      trust: { kind: "pin" as const, sha256: "ab".repeat(32) },
      statusAfterSignIn: "work" as const,
      rememberPassword: true,
      takeOver: true,
    };
    expect(settingsFromForm(formFromSettings(settings), settings)).toEqual(settings);
  });

  it("round-trips the relay's fields, and keeps relays beyond the two the form shows", () => {
    const settings = {
      ...SETTINGS,
      mode: "relay" as const,
      relay: {
        urls: ["https://r1.corp:9443", "https://r2.corp:9443", "https://r3.corp:9443"],
        pushUrl: "https://r.corp:8443/push",
        trust: { kind: "caFile" as const, path: "/relay-ca.pem" },
      },
    };
    expect(settingsFromForm(formFromSettings(settings), settings)).toEqual(settings);
    const one = settingsFromForm(validForm({ mode: "relay", relayUrl: " https://r.corp:9443 ", relayBackup: " " }), SETTINGS);
    expect(one.relay.urls).toEqual(["https://r.corp:9443"]);
    expect(one.relay.trust).toEqual({ kind: "system" });
  });

  it("keeps what the form does not show from the base settings", () => {
    const base = { ...SETTINGS, alwaysOnTop: true, locked: ["trust"], notifications: { ...SETTINGS.notifications, ringing: false } };
    const out = settingsFromForm(validForm(), base);
    expect(out.alwaysOnTop).toBe(true);
    expect(out.locked).toEqual(["trust"]);
    expect(out.notifications.ringing).toBe(false);
  });

  it("drops an empty backup gateway and trims", () => {
    const out = settingsFromForm(validForm({ gateway: " https://a.example.com ", gatewayBackup: "  " }), SETTINGS);
    expect(out.gateways).toEqual(["https://a.example.com"]);
  });

  it("maps each trust kind", () => {
    expect(settingsFromForm(validForm({ trust: "system", caFile: "/x" }), SETTINGS).trust).toEqual({ kind: "system" });
    expect(settingsFromForm(validForm({ trust: "caFile", caFile: " /ca.pem " }), SETTINGS).trust).toEqual({ kind: "caFile", path: "/ca.pem" });
    expect(settingsFromForm(validForm({ trust: "pin", pinSha256: "AB:CD" }), SETTINGS).trust).toEqual({ kind: "pin", sha256: "AB:CD" });
  });

  it("starts with an empty password and the trust fields of the other kinds empty", () => {
    const f = formFromSettings({ ...DEFAULT_SETTINGS, trust: { kind: "caFile", path: "/ca.pem" } });
    expect(f.password).toBe("");
    expect(f.caFile).toBe("/ca.pem");
    expect(f.pinSha256).toBe("");
    expect(f.gateway).toBe("");
  });
});

describe("sign-in validation", () => {
  const fields = (f: SignInForm, remembered = false) => validateSignIn(f, remembered).map((e) => e.field);

  it("accepts a complete form", () => {
    expect(validateSignIn(validForm(), false)).toEqual([]);
  });

  it("wants https:// gateways", () => {
    expect(isHttpsUrl("https://gw.example.com:8043")).toBe(true);
    expect(isHttpsUrl("http://gw.example.com")).toBe(false);
    expect(isHttpsUrl("gw.example.com")).toBe(false);
    expect(fields(validForm({ gateway: "http://gw" }))).toEqual(["gateway"]);
    expect(fields(validForm({ gateway: "" }))).toEqual(["gateway"]);
    expect(fields(validForm({ gatewayBackup: "ftp://b" }))).toEqual(["gatewayBackup"]);
  });

  it("wants an agent ID of digits", () => {
    expect(fields(validForm({ agentId: "10a1" }))).toEqual(["agentId"]);
    expect(fields(validForm({ agentId: "" }))).toEqual(["agentId"]);
    expect(fields(validForm({ agentId: " 1001 " }))).toEqual([]);
  });

  it("takes a phone number as long as the gateway does", () => {
    expect(LIMITS.phoneMaxChars).toBe(24);
    expect(fields(validForm({ phone: "1".repeat(24) }))).toEqual([]);
    expect(fields(validForm({ phone: "1".repeat(25) }))).toEqual(["phone"]);
    expect(fields(validForm({ phone: "" }))).toEqual(["phone"]);
  });

  it("listens for pushes where the Rust side does by default", () => {
    expect(DEFAULT_SETTINGS.push.listen).toBe(LIMITS.defaultPushListen);
  });

  it("needs a password unless one is remembered", () => {
    expect(fields(validForm({ password: "" }))).toEqual(["password"]);
    expect(fields(validForm({ password: "" }), true)).toEqual([]);
  });

  it("checks push fields only in push mode", () => {
    const push = validForm({ mode: "push", pushListen: "0.0.0.0", pushUrl: "http://pc", pushCert: "/c.pem", pushKey: "" });
    expect(fields(push)).toEqual(["pushListen", "pushUrl", "pushKey"]);
    expect(fields({ ...push, mode: "poll" })).toEqual([]);
    expect(fields(validForm({ mode: "push", pushListen: "0.0.0.0:8443", pushUrl: "https://pc:8443", pushCert: "", pushKey: "" }))).toEqual([]);
  });

  it("checks the relay's fields only via the relay", () => {
    const relay = validForm({
      mode: "relay",
      relayUrl: "http://relay",
      relayBackup: "relay2:9443",
      relayPushUrl: "ftp://relay",
      relayTrust: "pin",
      relayPinSha256: "abc",
    });
    expect(fields(relay)).toEqual(["relayUrl", "relayBackup", "relayPushUrl", "relayPinSha256"]);
    expect(fields({ ...relay, mode: "poll" })).toEqual([]);
    expect(fields(validForm({ mode: "relay", relayUrl: "" }))).toEqual(["relayUrl"]);
    expect(fields(validForm({ mode: "relay", relayUrl: "https://relay:9443", relayTrust: "caFile", relayCaFile: "" }))).toEqual([
      "relayCaFile",
    ]);
    expect(fields(validForm({ mode: "relay", relayUrl: "https://relay:9443" }))).toEqual([]);
  });

  it("checks the CA path and the fingerprint for their trust kinds", () => {
    expect(fields(validForm({ trust: "caFile", caFile: "" }))).toEqual(["caFile"]);
    expect(fields(validForm({ trust: "pin", pinSha256: "abc" }))).toEqual(["pinSha256"]);
    const colons = Array.from({ length: 32 }, () => "5F").join(":");
    expect(fields(validForm({ trust: "pin", pinSha256: colons }))).toEqual([]);
    expect(fields(validForm({ trust: "pin", pinSha256: "a".repeat(64) }))).toEqual([]);
  });
});

describe("locked settings", () => {
  it("locks a field by its name or by its parent", () => {
    expect(isLocked(["alwaysOnTop"], "alwaysOnTop")).toBe(true);
    expect(isLocked(["notifications"], "notifications.ringing")).toBe(true);
    expect(isLocked(["notifications.ringing"], "notifications.ringing")).toBe(true);
    expect(isLocked(["notifications.ringing"], "notifications.restOver")).toBe(false);
    expect(isLocked(["push"], "pushy")).toBe(false);
    expect(isLocked([], "trust")).toBe(false);
  });

  it("changes one setting of the panel at a time", () => {
    const s = withSetting(SETTINGS, "notifications.restOver", false);
    expect(s.notifications).toEqual({ ...SETTINGS.notifications, restOver: false });
    expect(readSetting(s, "notifications.restOver")).toBe(false);
    expect(readSetting(withSetting(SETTINGS, "alwaysOnTop", true), "alwaysOnTop")).toBe(true);
    expect(withSetting(SETTINGS, "quitSignsOut", false).quitSignsOut).toBe(false);
  });
});

// Which controls apply in which state is decided on the Rust side
// (src-tauri/src/view/controls.rs, with its tests); the page shows them as sent.
describe("the bar or the form", () => {
  it("the bar shows while connecting, the form when signed out", () => {
    expect(showsBar(bar(NOW))).toBe(true);
    const out = bar(NOW, { state: "signedout", health: { kind: "signedout", since: null, reason: null, gateway: null } });
    expect(showsBar(out)).toBe(false);
    expect(showsBar({ ...out, health: { ...out.health, kind: "connecting" } })).toBe(true);
  });
});

describe("timers and words", () => {
  it("counts up from stateSince", () => {
    expect(stateTimerText(bar(NOW, { stateSince: NOW - 65_000 }), NOW)).toBe("1:05");
    expect(stateTimerText(bar(NOW, { stateSince: null }), NOW)).toBe("");
    expect(stateTimerText(bar(NOW, { state: "signedout" }), NOW)).toBe("");
  });

  it("counts rest down to restUntil, then over", () => {
    expect(stateTimerText(bar(NOW, { state: "rest", restUntil: NOW + 90_000 }), NOW)).toBe("1:30 left");
    expect(stateTimerText(bar(NOW, { state: "rest", restUntil: NOW - 5_000 }), NOW)).toBe("0:05 over");
  });

  it("times a call from its answer, or says ringing", () => {
    expect(callDurationText(call(NOW, { since: NOW - 4_000 }), NOW)).toBe("Ringing 0:04");
    expect(callDurationText(call(NOW, { answeredAt: NOW - 3_725_000 }), NOW)).toBe("1:02:05");
  });

  it("describes health with its reason", () => {
    const h = { since: null, reason: null, gateway: null };
    expect(healthText({ ...h, kind: "connected", gateway: "https://gw.example.com:8043" })).toBe("Connected to gw.example.com:8043");
    expect(healthText({ ...h, kind: "reconnecting", since: new Date(2026, 0, 1, 9, 5, 7).getTime(), reason: "gateway unreachable" })).toBe(
      "Reconnecting since 09:05:07 — gateway unreachable",
    );
    expect(healthText({ ...h, kind: "signedout", reason: "signed in elsewhere" })).toBe("Signed out — signed in elsewhere");
    expect(healthText({ ...h, kind: "signedout" })).toBe("Not connected");
  });

  it("turns rest minutes into seconds within the gateway's range", () => {
    expect(restSecondsFromMinutes("15")).toBe(900);
    expect(restSecondsFromMinutes("1439")).toBe(86_340);
    for (const bad of ["0", "1440", "-3", "2.5", "", "x"]) expect(restSecondsFromMinutes(bad)).toBeNull();
  });
});

describe("call data size", () => {
  it("counts UTF-8 bytes, not characters", () => {
    expect(checkCalldata("abc").bytes).toBe(3);
    expect(checkCalldata("é").bytes).toBe(2);
    expect(checkCalldata("€").bytes).toBe(3);
    expect(checkCalldata("😀").bytes).toBe(4);
  });

  it("allows exactly 16 KB and refuses one byte more", () => {
    const full = checkCalldata("a".repeat(CALLDATA_LIMIT));
    expect(full.over).toBe(false);
    expect(full.problem).toBe("");
    expect(full.counter).toBe("16,384 / 16,384 bytes");
    const over = checkCalldata(`${"a".repeat(CALLDATA_LIMIT - 1)}é`);
    expect(over.over).toBe(true);
    expect(over.problem).toMatch(/Too long by 1 byte:/);
  });
});

describe("event list capping", () => {
  it("keeps the newest first and drops past the limit", () => {
    const list: number[] = [];
    const dropped: number[] = [];
    for (let i = 1; i <= 53; i++) dropped.push(...prependCapped(list, i, 50));
    expect(list.length).toBe(50);
    expect(list[0]).toBe(53);
    expect(list[49]).toBe(4);
    expect(dropped).toEqual([1, 2, 3]);
  });
});
