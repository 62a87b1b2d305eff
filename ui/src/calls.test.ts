// The call actions beside the call, other calls, a transfer's progress and the keypad.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Availability, BarView, CallView, Controls } from "./api";
import { bar, call, CONTROLS_SENT, SETTINGS, snapshot } from "./fixtures";
import { $, button, flush, key, Page, shown } from "./harness";

let page: Page;
beforeEach(() => {
  page = new Page();
});
afterEach(() => page.stop());

const NOW = 1_700_000_000_000;
const talkingCall = (patch: Partial<CallView> = {}) => call(NOW, { answeredAt: NOW - 65_000, ...patch });
const talking = (patch: Partial<BarView> = {}, controls: Partial<Controls> = {}) =>
  bar(NOW, { state: "talking", call: talkingCall(), ...patch, controls: { ...CONTROLS_SENT.talking, ...controls } });

/** Every new call control and its buttons. */
const BUTTONS: [keyof Controls, string[]][] = [
  ["reject", ["btn-reject", "btn-requeue"]],
  ["mute", ["btn-mute"]],
  ["unmute", ["btn-unmute"]],
  ["dtmf", ["btn-keypad"]],
  ["transfer", ["btn-transfer"]],
  ["consult", ["btn-consult"]],
  ["takeBack", ["btn-take-back"]],
  ["conference", ["btn-conference"]],
  ["cancelTransfer", ["btn-cancel-transfer"]],
];

describe("call actions follow the controls", () => {
  it("shows, enables and hides each button exactly as its control says", async () => {
    await page.boot(snapshot(NOW, { bar: talking() }));
    for (const availability of ["enabled", "disabled", "hidden"] as Availability[]) {
      const controls = Object.fromEntries(BUTTONS.map(([k]) => [k, availability])) as Partial<Controls>;
      await page.state(talking({}, controls));
      for (const [control, ids] of BUTTONS) {
        for (const id of ids) {
          expect(button(id).hidden, `${control} ${id} ${availability}`).toBe(availability === "hidden");
          expect(button(id).disabled, `${control} ${id} ${availability}`).toBe(availability !== "enabled");
        }
      }
    }
  });

  it("a ringing call offers Reject and Back to queue, and sends each", async () => {
    await page.boot(snapshot(NOW, { bar: bar(NOW, { state: "ringing", call: call(NOW) }) }));
    expect(shown("btn-reject")).toBe(true);
    expect(shown("btn-requeue")).toBe(true);
    expect($("btn-requeue").textContent).toBe("Back to queue");
    expect(shown("btn-mute")).toBe(false);
    expect(shown("btn-transfer")).toBe(false);
    button("btn-reject").click();
    await flush();
    button("btn-requeue").click();
    await flush();
    expect(page.requests()).toEqual([
      { kind: "reject", requeue: false },
      { kind: "reject", requeue: true },
    ]);
  });

  it("a talking customer call offers mute, keypad, transfer and consult, not reject", async () => {
    await page.boot(snapshot(NOW, { bar: talking() }));
    for (const id of ["btn-hold", "btn-mute", "btn-keypad", "btn-transfer", "btn-consult", "btn-hangup"]) expect(shown(id), id).toBe(true);
    for (const id of ["btn-reject", "btn-requeue", "btn-unmute", "btn-take-back", "btn-conference", "btn-cancel-transfer"]) expect(shown(id), id).toBe(false);
    expect(shown("call-muted")).toBe(false);
    expect(shown("call-kind")).toBe(false);
    button("btn-mute").click();
    await flush();
    expect(page.requests()).toEqual([{ kind: "mute" }]);
  });

  it("a muted call shows the tag and Unmute, and the focus moves from Mute to Unmute", async () => {
    await page.boot(snapshot(NOW, { bar: talking() }));
    button("btn-mute").focus();
    await page.state(talking({ call: talkingCall({ muted: true }) }, { mute: "hidden", unmute: "enabled" }));
    expect(shown("call-muted")).toBe(true);
    expect($("call-muted").textContent).toBe("Muted");
    expect(shown("btn-unmute")).toBe(true);
    expect(document.activeElement?.id).toBe("btn-unmute");
    button("btn-unmute").click();
    await flush();
    expect(page.requests()).toEqual([{ kind: "unmute" }]);
  });

  it("the mute shortcut toggles inside the window", async () => {
    await page.boot(snapshot(NOW, { bar: talking(), settings: { ...SETTINGS } }));
    const press = () => document.dispatchEvent(new KeyboardEvent("keydown", { code: "KeyM", ctrlKey: true, altKey: true, bubbles: true, cancelable: true }));
    press();
    await flush();
    await page.state(talking({ call: talkingCall({ muted: true }) }, { mute: "hidden", unmute: "enabled" }));
    press();
    await flush();
    expect(page.requests()).toEqual([{ kind: "mute" }, { kind: "unmute" }]);
    expect(($("shortcut-mute") as HTMLInputElement).value).toBe("Ctrl+Alt+M");
  });
});

describe("consults, conferences and other calls", () => {
  const customer = talkingCall({ callId: "c-customer", held: true, phase: "held", caller: "+49 30 1234567", answeredAt: NOW - 125_000 });
  const consult = call(NOW, {
    callId: "c-consult",
    kind: "consult",
    direction: "internal",
    caller: "4001",
    called: "1002",
    answeredAt: NOW - 20_000,
  });

  it("a consult shows its kind, the held customer below, and Take back and Conference", async () => {
    const view = bar(NOW, {
      state: "talking",
      call: consult,
      calls: [customer, consult],
      controls: { ...CONTROLS_SENT.talking, hold: "hidden", mute: "hidden", dtmf: "hidden", transfer: "hidden", consult: "hidden", takeBack: "enabled", conference: "enabled" },
    });
    await page.boot(snapshot(NOW, { bar: view }));
    expect(shown("call-kind")).toBe(true);
    expect($("call-kind").textContent).toBe("Consult call");
    expect($("call-direction").textContent).toBe("Internal");
    const items = [...document.querySelectorAll<HTMLElement>("#other-calls li.other-call")];
    expect(items.map((li) => li.dataset.callId)).toEqual(["c-customer"]);
    expect(items[0]?.querySelector(".other-number")?.textContent).toBe("+49 30 1234567");
    expect(items[0]?.querySelector(".other-phase")?.textContent).toBe("On hold");
    expect(items[0]?.querySelector(".other-time")?.textContent).toBe("2:05");
    expect(items[0]?.querySelector("button.switch-call")).toBeNull();
    page.now += 3_000;
    page.app?.tick();
    expect(items[0]?.querySelector(".other-time")?.textContent).toBe("2:08");

    button("btn-take-back").click();
    await flush();
    button("btn-conference").click();
    await flush();
    expect(page.requests()).toEqual([{ kind: "takeBack" }, { kind: "conference" }]);
  });

  it("a held call beside the one up can be switched to", async () => {
    const other = talkingCall({ callId: "c-other", caller: "+44 20 7946 0000" });
    const view = bar(NOW, { state: "talking", call: other, calls: [customer, other], controls: { ...CONTROLS_SENT.talking, switchCall: "enabled" } });
    await page.boot(snapshot(NOW, { bar: view }));
    expect(shown("other-calls")).toBe(true);
    const switcher = document.querySelector<HTMLButtonElement>('li.other-call[data-call-id="c-customer"] button.switch-call');
    expect(switcher?.textContent).toBe("Switch");
    expect(switcher?.getAttribute("aria-label")).toContain("+49 30 1234567");
    switcher?.click();
    await flush();
    expect(page.requests()).toEqual([{ kind: "switchCall", callId: "c-customer" }]);
    // Without the control, no switch.
    await page.state({ ...view, controls: { ...view.controls, switchCall: "hidden" } });
    expect(document.querySelector("button.switch-call")).toBeNull();
    // One call: no list.
    await page.state(talking());
    expect(shown("other-calls")).toBe(false);
  });

  it("a conference shows its parties", async () => {
    await page.boot(snapshot(NOW, { bar: talking({ call: talkingCall({ kind: "conference", parties: ["1002", "+49 40 555"] }) }) }));
    expect($("call-kind").textContent).toBe("Conference");
    expect(shown("call-parties")).toBe(true);
    expect($("call-parties").textContent).toBe("With 1002, +49 40 555");
  });
});

describe("transfer status", () => {
  it("says a transfer is waiting, offers to cancel, and says plainly when it failed", async () => {
    await page.boot(snapshot(NOW, { bar: talking() }));
    expect(shown("transfer-status")).toBe(false);
    await page.state(talking({ transfer: { callId: "c1", failed: false, result: null } }, { transfer: "hidden", cancelTransfer: "enabled" }));
    expect(shown("transfer-status")).toBe(true);
    expect($("transfer-status-text").textContent).toBe("Transferring — waiting for the answer");
    expect(shown("btn-dismiss-transfer")).toBe(false);
    button("btn-cancel-transfer").click();
    await flush();

    await page.state(talking({ transfer: { callId: "c1", failed: true, result: 10102 } }));
    expect($("transfer-status-text").textContent).toBe("The transfer did not go through: the customer is still with you (code 10102)");
    expect($("transfer-status").classList.contains("failed")).toBe(true);
    expect(shown("btn-dismiss-transfer")).toBe(true);
    button("btn-dismiss-transfer").click();
    await flush();
    expect(page.requests()).toEqual([{ kind: "cancelTransfer" }, { kind: "dismissTransfer" }]);

    await page.state(talking({ transfer: { callId: null, failed: true, result: null } }));
    expect($("transfer-status-text").textContent).toBe("The transfer did not go through: the customer is still with you");
  });
});

describe("keypad", () => {
  it("opens from its button, sends one tone per key in order, also typed, and closes with Escape", async () => {
    await page.boot(snapshot(NOW, { bar: talking() }));
    expect(shown("keypad")).toBe(false);
    button("btn-keypad").click();
    expect(shown("keypad")).toBe(true);
    expect($("btn-keypad").getAttribute("aria-expanded")).toBe("true");
    expect(document.activeElement?.id).toBe("key-1");
    const ids = ["key-1", "key-2", "key-3", "key-4", "key-5", "key-6", "key-7", "key-8", "key-9", "key-0", "key-star", "key-hash"];
    for (const id of ids) expect(shown(id), id).toBe(true);

    // The first tone is slow: the next waits for it, none is dropped.
    let release: () => void = () => {};
    page.replies.call_control = () => new Promise<null>((resolve) => (release = () => resolve(null)));
    button("key-1").click();
    button("key-star").click();
    await flush();
    expect(page.requests()).toEqual([{ kind: "dtmf", digits: "1" }]);
    page.replies.call_control = () => null;
    release();
    await flush();
    await flush();
    key($("keypad"), "#");
    key($("keypad"), "9");
    key($("keypad"), "a");
    await flush();
    await flush();
    expect(page.requests()).toEqual([
      { kind: "dtmf", digits: "1" },
      { kind: "dtmf", digits: "*" },
      { kind: "dtmf", digits: "#" },
      { kind: "dtmf", digits: "9" },
    ]);
    expect($("keypad-sent").textContent).toBe("Sent 1*#9");
    expect(document.activeElement?.id).toBe("key-9");

    key(document.activeElement as Element, "Escape");
    expect(shown("keypad")).toBe(false);
    expect(document.activeElement?.id).toBe("btn-keypad");
  });

  it("closes when the call no longer takes tones", async () => {
    await page.boot(snapshot(NOW, { bar: talking() }));
    button("btn-keypad").click();
    await page.state(bar(NOW, { state: "idle" }));
    expect(shown("keypad")).toBe(false);
  });
});

describe("busy and rest reasons", () => {
  it("names busy reasons and offers the site's rest causes", async () => {
    const settings = { ...SETTINGS, reasonNames: { busy: [{ code: 201, name: "Training" }], rest: [{ code: 3, name: "Lunch" }, { code: 7, name: "Meeting" }] } };
    await page.boot(snapshot(NOW, { settings }));
    const reasons = [...($("busy-reason") as HTMLSelectElement).options];
    expect(reasons.find((o) => o.value === "201")?.textContent).toBe("201 — Training");
    expect(reasons.find((o) => o.value === "202")?.textContent).toBe("Reason 202");
    const cause = $("rest-cause") as HTMLSelectElement;
    expect(shown("rest-cause")).toBe(true);
    expect([...cause.options].map((o) => o.textContent)).toEqual(["3 — Lunch", "7 — Meeting"]);
    cause.value = "7";
    button("btn-rest").click();
    await flush();
    expect(page.sent.find((s) => s.cmd === "set_rest")?.args).toEqual({ seconds: 900, cause: 7 });
  });

  it("without rest causes the select is hidden and the cause is 0", async () => {
    await page.boot(snapshot(NOW));
    expect(shown("rest-cause")).toBe(false);
    button("btn-rest").click();
    await flush();
    expect(page.sent.find((s) => s.cmd === "set_rest")?.args).toEqual({ seconds: 900, cause: 0 });
  });

  it("Busy during a call is taken for after it", async () => {
    await page.boot(snapshot(NOW, { bar: talking() }));
    expect(button("btn-busy").disabled).toBe(false);
    button("btn-busy").click();
    await flush();
    expect(page.sent.find((s) => s.cmd === "set_busy")?.args).toEqual({ reason: 200 });
  });
});
