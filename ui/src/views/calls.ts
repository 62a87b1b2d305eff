/**
 * Call control beside the call: reject, mute, keypad tones, take back,
 * conference, a transfer's progress, and the agent's other calls (a held
 * customer beside a consult) with a switch to each.
 */
import { api, asAppError, type CallRequest, type CallView } from "../api";
import { setAttr, setDisabled, setHidden, setText } from "../dom";
import { formatDuration } from "../format";
import { t } from "../i18n";
import { phaseLabel } from "../model";
import type { Context } from "./context";

/** The other party of a call: who called in, or whom the agent called. */
export function otherParty(call: CallView): string {
  return call.direction === "inbound" ? call.caller : call.called;
}

/** Sends a call request for a button: off while in flight, errors to the error line. */
export function sendFor(ctx: Context, buttonId: string, request: CallRequest): Promise<boolean> {
  return ctx.run(buttonId, () => api.callControl(request));
}

export class CallsView {
  /** What the other-calls list was built from, to rebuild only on change. */
  private listKey = "";

  constructor(private readonly ctx: Context) {}

  wire(): void {
    const send = (id: string, request: CallRequest): void => {
      this.ctx.el(id).addEventListener("click", () => void sendFor(this.ctx, id, request));
    };
    send("btn-reject", { kind: "reject", requeue: false });
    send("btn-requeue", { kind: "reject", requeue: true });
    send("btn-mute", { kind: "mute" });
    send("btn-unmute", { kind: "unmute" });
    send("btn-take-back", { kind: "takeBack" });
    send("btn-conference", { kind: "conference" });
    send("btn-cancel-transfer", { kind: "cancelTransfer" });
    send("btn-dismiss-transfer", { kind: "dismissTransfer" });
    this.ctx.el("other-calls").addEventListener("click", (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>("button.switch-call");
      const callId = button?.closest<HTMLElement>("li.other-call")?.dataset.callId;
      if (button && callId !== undefined) void sendFor(this.ctx, button.id, { kind: "switchCall", callId });
    });
  }

  render(): void {
    this.renderTransfer();
    this.renderOthers();
  }

  private renderTransfer(): void {
    const transfer = this.ctx.bar.transfer;
    const text = !transfer
      ? ""
      : !transfer.failed
        ? t("transfer.waiting")
        : transfer.result !== null
          ? t("transfer.failedCode", { code: transfer.result })
          : t("transfer.failed");
    const box = this.ctx.el("transfer-status");
    setHidden(box, transfer === null);
    box.classList.toggle("failed", transfer?.failed === true);
    setText(this.ctx.el("transfer-status-text"), text);
    const dismiss = this.ctx.el<HTMLButtonElement>("btn-dismiss-transfer");
    setHidden(dismiss, transfer?.failed !== true);
    setDisabled(dismiss, this.ctx.busy(dismiss.id));
  }

  private others(): CallView[] {
    const active = this.ctx.bar.call?.callId;
    return this.ctx.bar.calls.filter((c) => c.callId !== active);
  }

  private renderOthers(): void {
    const list = this.ctx.el<HTMLUListElement>("other-calls");
    const others = this.others();
    const switching = this.ctx.bar.controls.switchCall;
    const key = JSON.stringify([others.map((c) => [c.callId, otherParty(c), c.phase, c.held]), switching !== "hidden", this.ctx.bar.call !== null]);
    if (key !== this.listKey) {
      this.listKey = key;
      list.replaceChildren(...others.map((c, i) => this.item(c, i, switching !== "hidden")));
    }
    setHidden(list, others.length === 0);
    for (const button of list.querySelectorAll<HTMLButtonElement>("button.switch-call")) {
      setDisabled(button, switching !== "enabled" || this.ctx.busy(button.id));
    }
    this.tick(this.ctx.now());
  }

  private item(call: CallView, index: number, switchable: boolean): HTMLLIElement {
    const doc = this.ctx.doc;
    const li = doc.createElement("li");
    li.className = "other-call";
    li.dataset.callId = call.callId;
    li.dataset.phase = call.phase;
    const number = doc.createElement("span");
    number.className = "other-number";
    number.textContent = otherParty(call);
    const phase = doc.createElement("span");
    phase.className = "other-phase";
    phase.textContent = phaseLabel(call.phase);
    const time = doc.createElement("time");
    time.className = "other-time";
    li.append(number, phase, time);
    if (switchable && call.held) {
      const button = doc.createElement("button");
      button.type = "button";
      button.className = "btn switch-call";
      button.id = `switch-call-${index}`;
      button.textContent = t("calls.switch");
      button.setAttribute("aria-label", t("calls.switchTo", { number: otherParty(call) }));
      li.append(button);
    }
    return li;
  }

  /** The other calls' running times. */
  tick(now: number): void {
    const byId = new Map(this.ctx.bar.calls.map((c) => [c.callId, c]));
    for (const li of this.ctx.el("other-calls").querySelectorAll<HTMLElement>("li.other-call")) {
      const call = byId.get(li.dataset.callId ?? "");
      const time = li.querySelector<HTMLElement>(".other-time");
      if (call && time) setText(time, formatDuration(now - (call.answeredAt ?? call.since)));
    }
  }

  /** Texts in a new language: rebuilt on the next render. */
  renderText(): void {
    this.listKey = "";
  }
}

/** The keypad popover: one tone per key press, in the order pressed. */
export class KeypadView {
  /** Tones sent in this call, shown on the keypad. */
  private sent = "";
  private callId: string | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: Context) {}

  wire(): void {
    const ctx = this.ctx;
    const toggle = ctx.el<HTMLButtonElement>("btn-keypad");
    const pad = ctx.el("keypad");
    toggle.addEventListener("click", () => this.setOpen(pad.hidden));
    pad.addEventListener("click", (event) => {
      const key = (event.target as Element).closest<HTMLButtonElement>("button.key")?.dataset.key;
      if (key !== undefined) this.press(key);
    });
    pad.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.setOpen(false);
        toggle.focus();
        return;
      }
      if (event.ctrlKey || event.altKey || event.metaKey || !/^[0-9*#]$/.test(event.key)) return;
      event.preventDefault();
      this.keyButton(event.key)?.focus();
      this.press(event.key);
    });
    ctx.doc.addEventListener("mousedown", (event) => {
      const target = event.target as Node;
      if (!pad.hidden && !pad.contains(target) && !toggle.contains(target)) this.setOpen(false);
    });
  }

  private keyButton(key: string): HTMLButtonElement | null {
    const id = key === "*" ? "key-star" : key === "#" ? "key-hash" : `key-${key}`;
    return this.ctx.doc.getElementById(id) as HTMLButtonElement | null;
  }

  setOpen(open: boolean): void {
    const usable = this.ctx.bar.controls.dtmf !== "hidden";
    const shown = open && usable;
    setHidden(this.ctx.el("keypad"), !shown);
    setAttr(this.ctx.el("btn-keypad"), "aria-expanded", String(shown));
    if (shown) this.ctx.el("key-1").focus();
  }

  isOpen(): boolean {
    return !this.ctx.el("keypad").hidden;
  }

  /** Sends one tone; tones go one after another, none dropped. */
  press(key: string): void {
    if (this.ctx.bar.controls.dtmf !== "enabled") return;
    this.sent = (this.sent + key).slice(-24);
    this.renderSent();
    this.queue = this.queue
      .then(() => api.callControl({ kind: "dtmf", digits: key }))
      .catch((error: unknown) => this.ctx.showError(asAppError(error)));
  }

  /** Follows the bar: a new call starts the sent digits afresh; no keypad without tones. */
  render(): void {
    const callId = this.ctx.bar.call?.callId ?? null;
    if (callId !== this.callId) {
      this.callId = callId;
      this.sent = "";
    }
    const dtmf = this.ctx.bar.controls.dtmf;
    if (dtmf === "hidden" && this.isOpen()) {
      const hadFocus = this.ctx.el("keypad").contains(this.ctx.doc.activeElement);
      this.setOpen(false);
      if (hadFocus) this.ctx.el<HTMLButtonElement>("btn-hangup").focus();
    }
    for (const key of this.ctx.el("keypad").querySelectorAll<HTMLButtonElement>("button.key")) {
      setDisabled(key, dtmf !== "enabled");
    }
    this.renderSent();
  }

  renderSent(): void {
    setText(this.ctx.el("keypad-sent"), this.sent === "" ? "" : t("keypad.sent", { digits: this.sent }));
  }

  renderText(): void {
    for (const key of this.ctx.el("keypad").querySelectorAll<HTMLButtonElement>("button.key")) {
      const k = key.dataset.key ?? "";
      const name = k === "*" ? t("keypad.star") : k === "#" ? t("keypad.hash") : k;
      key.setAttribute("aria-label", t("keypad.key", { key: name }));
    }
    this.renderSent();
  }
}
