// DOM tests: the real page markup and app in jsdom, the Rust side mocked with mockIPC.
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BarView, EventRecord, Settings, Snapshot } from "./api";
import { start, type App } from "./app";
import { bar, call, events, SETTINGS, snapshot } from "./fixtures";
import { SIGNED_OUT_BAR } from "./model";
import markup from "../index.html?raw";

const NOW = 1_700_000_000_000;

interface Call {
  cmd: string;
  args: unknown;
}

let calls: Call[];
let replies: Record<string, (args: unknown) => unknown>;
let app: App | null;

function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id}`);
  return el;
}
const input = (id: string) => $(id) as HTMLInputElement;
const button = (id: string) => $(id) as HTMLButtonElement;
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function boot(snap: Snapshot): Promise<App> {
  replies.snapshot = () => snap;
  app = await start(document, { now: () => NOW, ticking: false });
  await flush();
  return app;
}

async function state(view: BarView): Promise<void> {
  await emit("bar:state", view);
  await flush();
}

beforeEach(() => {
  document.body.innerHTML = new DOMParser().parseFromString(markup, "text/html").body.innerHTML;
  calls = [];
  app = null;
  replies = {
    app_info: () => ({ name: "AgentBar", version: "1.2.3" }),
    save_settings: (args) => (args as { settings: Settings }).settings,
  };
  mockWindows("main");
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args });
      const reply = replies[cmd];
      return reply ? reply(args) : null;
    },
    { shouldMockEvents: true },
  );
});

afterEach(() => {
  app?.stop();
  clearMocks();
});

const QUERIES = new Set(["snapshot", "app_info", "system_language", "shortcut_status", "skills", "queue_figures", "today"]);
const commands = () => calls.map((c) => c.cmd).filter((c) => !QUERIES.has(c));

describe("start-up", () => {
  it("shows the sign-in form, prefilled, when signed out", async () => {
    await boot(snapshot(NOW, { bar: SIGNED_OUT_BAR, passwordRemembered: true }));
    expect($("signin").hidden).toBe(false);
    expect($("bar").hidden).toBe(true);
    expect($("agent-state").textContent).toBe("Signed out");
    expect($("app-info").textContent).toBe("AgentBar 1.2.3");
    expect(input("gateway").value).toBe("https://cc-gw1.example.com:8043");
    expect(input("gateway-backup").value).toBe("https://cc-gw2.example.com:8043");
    expect(input("agent-id").value).toBe("1001");
    expect(input("password").placeholder).toMatch(/remembered/i);
    expect($("push-fields").hidden).toBe(true);
    expect($("btn-sign-out").hidden).toBe(true);
  });

  it("renders the bar and the recent events after a reload while signed in", async () => {
    await boot(snapshot(NOW));
    expect($("signin").hidden).toBe(true);
    expect($("bar").hidden).toBe(false);
    expect($("bar").dataset.state).toBe("idle");
    expect($("agent-state").textContent).toBe("Ready");
    expect($("health").dataset.health).toBe("connected");
    expect($("state-timer").textContent).toBe("2:34");
    const items = [...$("events").children] as HTMLElement[];
    expect(items).toHaveLength(events(NOW).length);
    expect(items[0]?.dataset.seq).toBe(String(events(NOW).length));
    expect(items.at(-1)?.dataset.eventType).toBe("AgentOther_InService");
  });

  it("a hidden bar does not repaint its timers, and catches up when shown", async () => {
    let clock = NOW;
    let visibility: DocumentVisibilityState = "visible";
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => visibility });
    replies.snapshot = () => snapshot(NOW);
    app = await start(document, { now: () => clock, ticking: false });
    await flush();
    expect($("state-timer").textContent).toBe("2:34");
    visibility = "hidden";
    clock += 60_000;
    app.tick();
    expect($("state-timer").textContent).toBe("2:34");
    visibility = "visible";
    app.tick();
    expect($("state-timer").textContent).toBe("3:34");
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
  });

  it("still shows the version and the form when the snapshot fails", async () => {
    replies.snapshot = () => {
      throw { kind: "internal", message: "no session store" };
    };
    app = await start(document, { now: () => NOW, ticking: false });
    await flush();
    expect($("agent-state").textContent).toBe("Signed out");
    expect($("signin").hidden).toBe(false);
    expect($("app-info").textContent).toBe("AgentBar 1.2.3");
    expect($("last-error").hidden).toBe(false);
    expect($("last-error").textContent).toContain("no session store");
  });
});

describe("live updates", () => {
  it("a ringing call shows the caller and Answer", async () => {
    await boot(snapshot(NOW));
    expect($("call").hidden).toBe(true);
    await state(bar(NOW, { state: "ringing", stateSince: NOW, call: call(NOW, { since: NOW - 3_000 }) }));
    expect($("call").hidden).toBe(false);
    expect($("call-caller").textContent).toBe("+49 30 1234567");
    expect($("call-called").textContent).toBe("4001");
    expect($("call-direction").textContent).toBe("Inbound");
    expect($("call-media").textContent).toBe("Voice");
    expect($("call-duration").textContent).toBe("Ringing 0:03");
    expect($("btn-answer").hidden).toBe(false);
    expect($("btn-hangup").hidden).toBe(false);
    expect($("btn-hold").hidden).toBe(true);
    expect($("agent-state").textContent).toBe("Ringing");
    expect($("bar").dataset.state).toBe("ringing");
    expect(button("btn-ready").disabled).toBe(true);

    $("btn-answer").click();
    await flush();
    expect(commands()).toEqual(["answer"]);
  });

  it("hold shows the badge and Unhold", async () => {
    await boot(snapshot(NOW));
    await state(bar(NOW, { state: "hold", call: call(NOW, { answeredAt: NOW - 61_000, held: true }) }));
    expect($("call-held").hidden).toBe(false);
    expect($("btn-unhold").hidden).toBe(false);
    expect($("btn-hold").hidden).toBe(true);
    expect($("btn-answer").hidden).toBe(true);
    expect($("call-duration").textContent).toBe("1:01");
  });

  it("falls back to the form with the reason when signed out", async () => {
    await boot(snapshot(NOW));
    await state({ ...SIGNED_OUT_BAR, health: { kind: "signedout", since: NOW, reason: "Signed in elsewhere.", gateway: null } });
    expect($("bar").hidden).toBe(true);
    expect($("signin").hidden).toBe(false);
    expect($("signin-error").hidden).toBe(false);
    expect($("signin-error").textContent).toBe("Signed in elsewhere.");
    expect($("health").textContent).toContain("Signed in elsewhere.");
    expect($("agent-state").textContent).toBe("Signed out");
  });

  it("prepends arriving events without re-rendering the list, capped at 50", async () => {
    await boot(snapshot(NOW, { events: [] }));
    const record = (seq: number): EventRecord => ({
      seq,
      receivedAt: new Date(2026, 0, 1, 10, 0, seq % 60).getTime(),
      eventType: seq === 60 ? "Chat_Whatever_New" : "AgentEvent_Ringing",
      raw: { eventType: "AgentEvent_Ringing", content: { callid: String(seq) } },
    });
    await emit("bar:event", record(1));
    await flush();
    const first = $("events").firstElementChild;
    expect(first?.textContent).toBe("10:00:01 AgentEvent_Ringing");
    expect(first?.getAttribute("title")).toBe(JSON.stringify(record(1).raw));
    for (let seq = 2; seq <= 60; seq++) await emit("bar:event", record(seq));
    await flush();
    const items = [...$("events").children] as HTMLElement[];
    expect(items).toHaveLength(50);
    expect(items[0]?.dataset.eventType).toBe("Chat_Whatever_New");
    expect(items[0]?.dataset.seq).toBe("60");
    expect(items.at(-1)?.dataset.seq).toBe("11");
    expect(app?.events.records).toHaveLength(50);
  });

  it("shows the last error and lets the agent dismiss it", async () => {
    await boot(snapshot(NOW));
    await state(bar(NOW, { lastError: { kind: "gateway", message: "The agent state does not allow this." } }));
    expect($("last-error").hidden).toBe(false);
    expect($("last-error").textContent?.trim()).toBe("The agent state does not allow this.");
    $("btn-dismiss-error").click();
    expect($("last-error").hidden).toBe(true);
    await state(bar(NOW, { lastError: { kind: "gateway", message: "The agent state does not allow this." } }));
    expect($("last-error").hidden).toBe(true);
  });

  it("shows reconnecting with since and why", async () => {
    await boot(snapshot(NOW));
    await state(bar(NOW, { health: { kind: "reconnecting", since: NOW - 5_000, reason: "gateway unreachable", gateway: null } }));
    expect($("health").dataset.health).toBe("reconnecting");
    expect($("health").textContent).toMatch(/^Reconnecting since \d\d:\d\d:\d\d — gateway unreachable$/);
    expect($("bar").hidden).toBe(false);
  });
});

describe("state controls", () => {
  it("shows each button as the bar's controls say", async () => {
    await boot(snapshot(NOW));
    // During a rest the gateway refuses Ready, Busy and Work: the Rust side says so.
    await state(bar(NOW, { state: "rest", stateSince: NOW, restUntil: NOW + 60_000 }));
    expect(button("btn-ready").disabled).toBe(true);
    expect(button("btn-busy").disabled).toBe(true);
    expect(button("btn-work").disabled).toBe(true);
    expect(($("busy-reason") as HTMLSelectElement).disabled).toBe(true);
    expect($("btn-cancel-rest").hidden).toBe(false);
    expect(button("btn-cancel-rest").disabled).toBe(false);
    // Whatever the controls say goes, whatever the state.
    const sent = bar(NOW);
    await state({ ...sent, controls: { ...sent.controls, ready: "enabled", hold: "enabled", busy: "hidden", signOut: "disabled" } });
    expect(button("btn-ready").disabled).toBe(false);
    expect($("btn-hold").hidden).toBe(false);
    expect($("btn-busy").hidden).toBe(true);
    expect(button("btn-sign-out").disabled).toBe(true);
  });


  it("Busy sends the chosen reason; the cancel shows only while busy", async () => {
    await boot(snapshot(NOW));
    expect($("btn-cancel-busy").hidden).toBe(true);
    const reason = $("busy-reason") as HTMLSelectElement;
    expect(reason.value).toBe("200");
    expect(reason.options).toHaveLength(51);
    reason.value = "217";
    $("btn-busy").click();
    await flush();
    expect(calls.find((c) => c.cmd === "set_busy")?.args).toEqual({ reason: 217 });
    await state(bar(NOW, { state: "busy", busyReason: "217" }));
    expect($("btn-cancel-busy").hidden).toBe(false);
    expect($("btn-cancel-rest").hidden).toBe(true);
    expect($("btn-cancel-work").hidden).toBe(true);
  });

  it("Rest sends minutes as seconds with cause 0, and counts down", async () => {
    await boot(snapshot(NOW));
    input("rest-minutes").value = "10";
    $("btn-rest").click();
    await flush();
    expect(calls.find((c) => c.cmd === "set_rest")?.args).toEqual({ seconds: 600, cause: 0 });
    await state(bar(NOW, { state: "rest", stateSince: NOW, restUntil: NOW + 600_000 }));
    expect($("state-timer").textContent).toBe("10:00 left");
    expect($("btn-cancel-rest").hidden).toBe(false);
  });

  it("refuses a rest time out of range without calling the gateway", async () => {
    await boot(snapshot(NOW));
    input("rest-minutes").value = "0";
    $("btn-rest").click();
    await flush();
    expect(commands()).toEqual([]);
    expect($("last-error").textContent).toMatch(/minutes/);
  });

  it("disables a button while its command runs and reports a failure", async () => {
    await boot(snapshot(NOW, { bar: bar(NOW, { state: "busy" }) }));
    let fail: (e: unknown) => void = () => {};
    replies.set_ready = () => new Promise((_, reject) => (fail = reject));
    $("btn-ready").click();
    await flush();
    expect(button("btn-ready").disabled).toBe(true);
    $("btn-ready").click();
    await flush();
    expect(commands()).toEqual(["set_ready"]);
    fail({ kind: "gateway", message: "The agent state does not allow this." });
    await flush();
    await flush();
    expect(button("btn-ready").disabled).toBe(false);
    expect($("last-error").hidden).toBe(false);
    expect($("last-error").textContent).toContain("does not allow");
  });
});

describe("call data", () => {
  const talking = (calldata: string | null, callId = "c1") =>
    bar(NOW, { state: "talking", call: call(NOW, { callId, answeredAt: NOW - 1_000, calldata }) });

  it("shows, counts and saves", async () => {
    await boot(snapshot(NOW, { bar: talking("héllo") }));
    const area = $("calldata") as HTMLTextAreaElement;
    expect(area.value).toBe("héllo");
    expect($("calldata-count").textContent).toBe("6 / 16,384 bytes");
    area.value = "new value";
    area.dispatchEvent(new Event("input"));
    expect($("calldata-count").textContent).toBe("9 / 16,384 bytes");
    $("btn-save-calldata").click();
    await flush();
    await flush();
    expect(calls.find((c) => c.cmd === "save_calldata")?.args).toEqual({ value: "new value" });
    expect($("calldata-status").textContent).toMatch(/^Saved/);
  });

  it("turns Save off over 16 KB, with a message", async () => {
    await boot(snapshot(NOW, { bar: talking(null) }));
    const area = $("calldata") as HTMLTextAreaElement;
    area.value = "€".repeat(5462); // 16386 bytes
    area.dispatchEvent(new Event("input"));
    expect(button("btn-save-calldata").disabled).toBe(true);
    expect($("calldata-status").textContent).toMatch(/Too long by 2 bytes/);
    area.value = "€".repeat(5461); // 16383 bytes
    area.dispatchEvent(new Event("input"));
    expect(button("btn-save-calldata").disabled).toBe(false);
    expect($("calldata-status").textContent).toBe("");
  });

  it("shows the error of a failed save", async () => {
    await boot(snapshot(NOW, { bar: talking("x") }));
    replies.save_calldata = () => {
      throw { kind: "gateway", message: "The gateway refused the call data." };
    };
    $("btn-save-calldata").click();
    await flush();
    await flush();
    expect($("calldata-status").textContent).toBe("The gateway refused the call data.");
  });

  it("keeps what the agent types when the gateway's value changes, resets on a new call", async () => {
    await boot(snapshot(NOW, { bar: talking("a") }));
    const area = $("calldata") as HTMLTextAreaElement;
    area.value = "typing";
    area.dispatchEvent(new Event("input"));
    await state(talking("b"));
    expect(area.value).toBe("typing");
    await state(talking("other call", "c2"));
    expect(area.value).toBe("other call");
    await state(talking("updated", "c2"));
    expect(area.value).toBe("updated");
  });
});

describe("sign-in", () => {
  it("sends the form's settings and password", async () => {
    await boot(snapshot(NOW, { bar: SIGNED_OUT_BAR }));
    input("password").value = "Agent#101";
    input("take-over").checked = true;
    ($("status-after") as HTMLSelectElement).value = "busy";
    $("btn-sign-in").click();
    await flush();
    const request = calls.find((c) => c.cmd === "sign_in")?.args as { request: { settings: Settings; password: string } };
    expect(request.request.password).toBe("Agent#101");
    expect(request.request.settings).toEqual({ ...SETTINGS, takeOver: true, statusAfterSignIn: "busy" });
  });

  it("says what is wrong before calling, and focuses the field", async () => {
    await boot(snapshot(NOW, { bar: SIGNED_OUT_BAR }));
    input("agent-id").value = "abc";
    input("password").value = "x";
    $("btn-sign-in").click();
    await flush();
    expect(commands()).toEqual([]);
    expect($("signin-error").textContent).toBe("The agent ID is digits only.");
    expect(document.activeElement?.id).toBe("agent-id");
    expect(input("agent-id").getAttribute("aria-invalid")).toBe("true");
  });

  it("shows the gateway's refusal in plain words", async () => {
    await boot(snapshot(NOW, { bar: SIGNED_OUT_BAR }));
    replies.sign_in = () => {
      throw { kind: "wrongPassword", message: "Wrong agent ID or password." };
    };
    input("password").value = "nope";
    $("btn-sign-in").click();
    await flush();
    await flush();
    expect($("signin-error").hidden).toBe(false);
    expect($("signin-error").textContent).toBe("Wrong agent ID or password.");
    expect(button("btn-sign-in").disabled).toBe(false);
  });

  it("shows push fields and the trust field that apply", async () => {
    await boot(snapshot(NOW, { bar: SIGNED_OUT_BAR }));
    const mode = $("mode") as HTMLSelectElement;
    mode.value = "push";
    mode.dispatchEvent(new Event("change", { bubbles: true }));
    expect($("push-fields").hidden).toBe(false);
    const trust = $("trust") as HTMLSelectElement;
    trust.value = "caFile";
    trust.dispatchEvent(new Event("change", { bubbles: true }));
    expect($("ca-file-field").hidden).toBe(false);
    expect($("pin-field").hidden).toBe(true);
  });

  it("checks the certificate and trusts it by fingerprint", async () => {
    await boot(snapshot(NOW, { bar: SIGNED_OUT_BAR }));
    const sha = "AB:".repeat(31) + "AB";
    replies.probe_certificate = () => ({ sha256: sha, subject: "CN=gw", trusted: false });
    expect($("btn-trust-cert").hidden).toBe(true);
    $("btn-check-cert").click();
    await flush();
    await flush();
    expect(calls.find((c) => c.cmd === "probe_certificate")?.args).toEqual({ gateway: "https://cc-gw1.example.com:8043" });
    expect($("cert-info").hidden).toBe(false);
    expect($("cert-info").textContent).toContain(sha);
    expect($("cert-info").textContent).toContain("CN=gw");
    $("btn-trust-cert").click();
    expect(($("trust") as HTMLSelectElement).value).toBe("pin");
    expect(input("pin-sha256").value).toBe(sha);
    expect($("pin-field").hidden).toBe(false);
  });
});

describe("settings panel", () => {
  it("opens, saves a change, and shows locked settings disabled", async () => {
    await boot(snapshot(NOW, { settings: { ...SETTINGS, locked: ["alwaysOnTop", "gateways"] } }));
    expect($("settings").hidden).toBe(true);
    $("btn-settings").click();
    expect($("settings").hidden).toBe(false);
    expect($("btn-settings").getAttribute("aria-expanded")).toBe("true");
    expect(input("always-on-top").disabled).toBe(true);
    expect(input("always-on-top").closest("label")?.textContent).toContain("set by your administrator");
    expect(input("gateway").disabled).toBe(true);
    expect(input("notify-ringing").disabled).toBe(false);

    input("notify-ringing").checked = false;
    input("notify-ringing").dispatchEvent(new Event("change"));
    await flush();
    const saved = calls.find((c) => c.cmd === "save_settings")?.args as { settings: Settings };
    expect(saved.settings.notifications.ringing).toBe(false);
    expect(app?.settings.notifications.ringing).toBe(false);
  });

  it("puts a refused change back", async () => {
    await boot(snapshot(NOW));
    replies.save_settings = () => {
      throw { kind: "io", message: "Could not write the settings file." };
    };
    input("quit-signs-out").checked = false;
    input("quit-signs-out").dispatchEvent(new Event("change"));
    await flush();
    await flush();
    expect(input("quit-signs-out").checked).toBe(true);
    expect($("last-error").textContent).toContain("Could not write");
  });
});

describe("accessibility", () => {
  it("gives every control an accessible name", async () => {
    await boot(snapshot(NOW, { bar: bar(NOW, { state: "talking", call: call(NOW, { answeredAt: NOW }) }) }));
    const controls = document.querySelectorAll<HTMLElement>("button, input, select, textarea");
    const nameless = [...controls].filter((el) => {
      if (el.getAttribute("aria-label")) return false;
      if (el.closest("label")) return false;
      if (el.id && document.querySelector(`label[for="${el.id}"]`)) return false;
      return (el.textContent ?? "").trim() === "";
    });
    expect(nameless.map((el) => el.id)).toEqual([]);
  });
});
