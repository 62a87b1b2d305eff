/** Sample data for tests and the preview page; never imported by the app. */
import type { AgentState } from "./bindings/AgentState";
import type { Availability, BarView, CallView, Controls, EventRecord, Settings, Snapshot } from "./api";
import { DEFAULT_SETTINGS, SIGNED_OUT_BAR } from "./model";

const E: Availability = "enabled";
const D: Availability = "disabled";

/**
 * The controls the Rust side sends with a bar in each state (as
 * src-tauri/src/view/controls.rs computes them; a hold is of a held call).
 */
export const CONTROLS_SENT: Record<AgentState, Controls> = {
  signedout: SIGNED_OUT_BAR.controls,
  idle: { ...SIGNED_OUT_BAR.controls, ready: D, busy: E, rest: E, work: E, dial: E, signOut: E },
  busy: { ...SIGNED_OUT_BAR.controls, ready: E, busy: E, cancelBusy: E, rest: E, work: E, dial: E, signOut: E },
  rest: { ...SIGNED_OUT_BAR.controls, cancelRest: E, dial: D, signOut: E },
  wrapup: { ...SIGNED_OUT_BAR.controls, ready: E, busy: E, rest: E, work: D, cancelWork: E, dial: E, signOut: E },
  ringing: { ...SIGNED_OUT_BAR.controls, answer: E, reject: E, hangUp: E, dial: D, saveCalldata: E, signOut: D },
  // One customer call, as most are.
  talking: {
    ...SIGNED_OUT_BAR.controls,
    busy: E,
    rest: E,
    hangUp: E,
    hold: E,
    mute: E,
    dtmf: E,
    transfer: E,
    consult: E,
    dial: D,
    saveCalldata: E,
    signOut: D,
  },
  hold: { ...SIGNED_OUT_BAR.controls, busy: E, rest: E, hangUp: E, unhold: E, dial: E, saveCalldata: E, signOut: D },
};

export const SETTINGS: Settings = {
  ...DEFAULT_SETTINGS,
  gateways: ["https://cc-gw1.example.com:8043", "https://cc-gw2.example.com:8043"],
  agentId: "1001",
  phone: "4001",
};

export function bar(now: number, patch: Partial<BarView> = {}): BarView {
  return {
    ...SIGNED_OUT_BAR,
    agentId: "1001",
    state: "idle",
    stateSince: now - 154_000,
    health: { kind: "connected", since: now - 3_600_000, reason: null, gateway: SETTINGS.gateways[0] ?? null },
    controls: CONTROLS_SENT[patch.state ?? "idle"],
    calls: patch.call ? [patch.call] : [],
    ...patch,
  };
}

export function call(now: number, patch: Partial<CallView> = {}): CallView {
  const answered = (patch.answeredAt ?? null) !== null;
  return {
    callId: "1712345678-1001",
    caller: "+49 30 1234567",
    called: "4001",
    direction: "inbound",
    media: "voice",
    phase: !answered ? "ringing" : patch.held ? "held" : "talking",
    kind: "customer",
    muted: false,
    parties: [],
    held: false,
    since: now - 7_000,
    answeredAt: null,
    calldata: null,
    ...patch,
  };
}

const TYPES = [
  "AgentOther_InService",
  "AgentState_Ready",
  "AgentEvent_Ringing",
  "AgentEvent_Talking",
  "AgentState_Busy",
  "AgentEvent_Call_Release",
  "AgentEvent_Customer_Release",
  "AgentOther_PhoneRelease",
  "AgentState_Work",
  "AgentState_CancelWork_Success",
  "AgentState_Ready",
];

/** `count` events, oldest first, ending `endAgo` ms before `now`. */
export function events(now: number, count = TYPES.length, endAgo = 8_000): EventRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const eventType = TYPES[i % TYPES.length] ?? "AgentState_Ready";
    return {
      seq: i + 1,
      receivedAt: now - endAgo - (count - 1 - i) * 9_000,
      eventType,
      raw: { eventType, workNo: "1001", content: null },
    };
  });
}

export function snapshot(now: number, patch: Partial<Snapshot> = {}): Snapshot {
  return { bar: bar(now), events: events(now), settings: SETTINGS, passwordRemembered: false, ...patch };
}

/** The scenes the preview page shows, by `?scene=`. */
export function scene(name: string, now: number): Snapshot {
  switch (name) {
    case "signin":
      return snapshot(now, {
        bar: { ...SIGNED_OUT_BAR, health: { kind: "signedout", since: now - 60_000, reason: "Signed in elsewhere: another PC took over agent 1001.", gateway: null } },
        events: [],
        passwordRemembered: true,
      });
    case "signin-push":
      return snapshot(now, {
        bar: SIGNED_OUT_BAR,
        events: [],
        settings: {
          ...SETTINGS,
          mode: "push",
          push: { listen: "0.0.0.0:8443", publicUrl: "https://agent-pc-17.example.com:8443", certFile: "", keyFile: "" },
          trust: { kind: "pin", sha256: "5F:3A:9C:21:04:BB:7E:19:AA:C2:0D:63:98:4E:11:F0:2B:6D:8C:3E:90:41:A7:5C:D2:E8:17:6B:0F:3C:99:A4" },
          locked: ["gateways"],
        },
      });
    case "ringing":
      return snapshot(now, { bar: bar(now, { state: "ringing", stateSince: now - 7_000, call: call(now) }) });
    case "talking":
      return snapshot(now, {
        bar: bar(now, {
          state: "talking",
          stateSince: now - 95_000,
          call: call(now, {
            since: now - 102_000,
            answeredAt: now - 95_000,
            calldata: '{"customer":"C-20931","topic":"billing","note":"asked about the March invoice"}',
          }),
        }),
      });
    case "hold":
      return snapshot(now, {
        bar: bar(now, { state: "hold", stateSince: now - 20_000, call: call(now, { held: true, answeredAt: now - 200_000, media: "voice+video", direction: "outbound", caller: "4001", called: "+44 20 7946 0000" }) }),
      });
    case "consult": {
      const customer = call(now, { callId: "c-1", answeredAt: now - 180_000, held: true, phase: "held" });
      const consult = call(now, { callId: "c-2", kind: "consult", direction: "internal", caller: "4001", called: "1002", answeredAt: now - 12_000 });
      return snapshot(now, {
        bar: bar(now, {
          state: "talking",
          stateSince: now - 12_000,
          call: consult,
          calls: [customer, consult],
          next: "rest",
          controls: { ...CONTROLS_SENT.talking, hold: "hidden", mute: "hidden", dtmf: "hidden", transfer: "hidden", consult: "hidden", takeBack: "enabled", conference: "enabled" },
        }),
      });
    }
    case "idle":
      return snapshot(now, {
        bar: bar(now, {
          recentCalls: [
            { number: "+49 30 1234567", direction: "inbound", at: now - 600_000, answered: true },
            { number: "4711", direction: "inbound", at: now - 1_200_000, answered: false },
            { number: "1002", direction: "internal", at: now - 2_400_000, answered: true },
            { number: "0307654321", direction: "outbound", at: now - 3_600_000, answered: false },
          ],
        }),
      });
    case "reconnecting":
      return snapshot(now, {
        bar: bar(now, {
          state: "busy",
          busyReason: "200",
          health: { kind: "reconnecting", since: now - 42_000, reason: "gateway unreachable (connection refused)", gateway: null },
          lastError: { kind: "transport", message: "Could not reach cc-gw1.example.com: connection refused" },
        }),
      });
    case "rest":
      return snapshot(now, { bar: bar(now, { state: "rest", stateSince: now - 300_000, restUntil: now + 600_000 }) });
    case "wrapup":
      return snapshot(now, { bar: bar(now, { state: "wrapup", stateSince: now - 31_000 }) });
    default:
      return snapshot(now);
  }
}
