/**
 * Placing a call, where no call is up but held ones: a number or a
 * colleague (`agent:1002`, or the Colleague box), checked as the gateway
 * checks it before anything is sent; and the shift's recent calls, each
 * with a button that calls it again.
 */
import { api, type CallRequest, type RecentCall } from "../api";
import { setDisabled, setHidden, setText } from "../dom";
import { formatTimeOfDay } from "../format";
import { t } from "../i18n";
import { checkDial, directionLabel } from "../model";
import type { Context } from "./context";

/** Recent calls shown (the bar keeps more). */
export const RECENT_SHOWN = 8;

const ARROWS: Record<RecentCall["direction"], string> = { inbound: "↙", outbound: "↗", internal: "↔" };

export class DialView {
  private problem: string | null = null;
  private listKey = "";

  constructor(private readonly ctx: Context) {}

  wire(): void {
    const ctx = this.ctx;
    ctx.el<HTMLFormElement>("dial").addEventListener("submit", (event) => {
      event.preventDefault();
      void this.dial();
    });
    ctx.el("dial-number").addEventListener("input", () => {
      if (this.problem !== null) this.say(null);
    });
    ctx.el("recent-calls").addEventListener("click", (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>("button.redial");
      if (button) void this.redial(button);
    });
  }

  private say(problem: string | null): void {
    this.problem = problem;
    const box = this.ctx.el("dial-error");
    setText(box, problem ?? "");
    setHidden(box, problem === null);
    const input = this.ctx.el("dial-number");
    if (problem !== null) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  private async dial(): Promise<void> {
    const input = this.ctx.el<HTMLInputElement>("dial-number");
    if (this.ctx.bar.controls.dial !== "enabled") return;
    const check = checkDial(input.value, this.ctx.el<HTMLInputElement>("dial-colleague").checked);
    if (!check.ok) {
      this.say(check.message);
      input.focus();
      return;
    }
    this.say(null);
    if (await this.send("btn-dial", check.request)) input.value = "";
  }

  private async redial(button: HTMLButtonElement): Promise<void> {
    const number = button.dataset.number ?? "";
    const check = checkDial(number, button.dataset.direction === "internal");
    if (!check.ok) {
      this.say(check.message);
      return;
    }
    this.say(null);
    await this.send(button.id, check.request);
  }

  private send(id: string, request: CallRequest): Promise<boolean> {
    return this.ctx.run(id, () => api.callControl(request));
  }

  /** Shown with no call, and (compact) beside held calls while dialling is possible. */
  render(): void {
    const ctx = this.ctx;
    const dial = ctx.bar.controls.dial;
    const call = ctx.bar.call;
    const area = ctx.el("no-call");
    setHidden(area, call !== null && dial !== "enabled");
    area.classList.toggle("compact", call !== null);
    setHidden(ctx.el("dial"), dial === "hidden");
    const off = dial !== "enabled";
    setDisabled(ctx.el<HTMLInputElement>("dial-number"), off);
    setDisabled(ctx.el<HTMLInputElement>("dial-colleague"), off);
    setDisabled(ctx.el<HTMLButtonElement>("btn-dial"), off || ctx.busy("btn-dial"));
    if (off && this.problem !== null) this.say(null);
    this.renderRecent();
  }

  private renderRecent(): void {
    const ctx = this.ctx;
    const list = ctx.el<HTMLOListElement>("recent-calls");
    const recent = ctx.bar.recentCalls.slice(0, RECENT_SHOWN);
    const key = JSON.stringify(recent);
    if (key !== this.listKey) {
      this.listKey = key;
      list.replaceChildren(...recent.map((c, i) => this.item(c, i)));
    }
    setHidden(ctx.el("no-call").querySelector<HTMLElement>(".recent") ?? list, recent.length === 0);
    const off = ctx.bar.controls.dial !== "enabled";
    for (const button of list.querySelectorAll<HTMLButtonElement>("button.redial")) setDisabled(button, off || ctx.busy(button.id));
  }

  private item(call: RecentCall, index: number): HTMLLIElement {
    const doc = this.ctx.doc;
    const li = doc.createElement("li");
    li.className = "recent-call";
    li.dataset.direction = call.direction;
    li.dataset.answered = String(call.answered);
    const arrow = doc.createElement("span");
    arrow.className = "recent-dir";
    arrow.textContent = ARROWS[call.direction];
    arrow.title = directionLabel(call.direction);
    arrow.setAttribute("aria-label", directionLabel(call.direction));
    arrow.setAttribute("role", "img");
    const number = doc.createElement("span");
    number.className = "recent-number";
    number.textContent = call.number;
    const time = doc.createElement("time");
    time.className = "recent-time";
    time.dateTime = new Date(call.at).toISOString();
    time.textContent = formatTimeOfDay(call.at);
    const mark = doc.createElement("span");
    mark.className = "recent-mark";
    mark.textContent = call.answered
      ? t("recent.answered")
      : call.direction === "inbound"
        ? t("recent.missed")
        : t("recent.noAnswer");
    const button = doc.createElement("button");
    button.type = "button";
    button.className = "btn redial";
    button.id = `redial-${index}`;
    button.dataset.number = call.number;
    button.dataset.direction = call.direction;
    button.textContent = t("dial.call");
    button.setAttribute("aria-label", t("recent.redial", { number: call.number }));
    li.append(arrow, number, time, mark, button);
    return li;
  }

  /** Texts in a new language. */
  renderText(): void {
    this.listKey = "";
    if (this.problem !== null) this.say(null);
    this.renderRecent();
  }
}
