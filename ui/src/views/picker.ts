/**
 * The transfer and consult picker: a popover with the gateway's lists
 * (colleagues, skill queues, voice menus, access codes) or a number, a
 * search, and one button that sends the request. The lists are asked for
 * each time it opens; names and numbers from the gateway go in as text only.
 */
import { api, asAppError, type CallRequest, type TargetView, type TargetsView } from "../api";
import { setAttr, setDisabled, setHidden, setText } from "../dom";
import { t } from "../i18n";
import { filterTargets, isDialable } from "../model";
import type { Context } from "./context";

export type PickerMode = "transfer" | "consult";
export type PickerTab = "agents" | "skills" | "ivrs" | "access" | "number";

const TABS: readonly PickerTab[] = ["agents", "skills", "ivrs", "access", "number"];
const CONSULT_TABS: readonly PickerTab[] = ["agents", "skills"];
/** Tab → the list's name in `TargetsView.unavailable`. */
const LIST_NAMES: Record<Exclude<PickerTab, "number">, string> = {
  agents: "agents",
  skills: "skills",
  ivrs: "ivrs",
  access: "accessCodes",
};

const GO = "btn-picker-go";

export class PickerView {
  private mode: PickerMode = "transfer";
  private tab: PickerTab = "agents";
  private targets: TargetsView | null = null;
  private loadError: string | null = null;
  private selected: string | null = null;
  private sending = false;
  /** Answers to an earlier opening are dropped. */
  private generation = 0;
  private opener: HTMLElement | null = null;

  constructor(private readonly ctx: Context) {}

  private get picker(): HTMLElement {
    return this.ctx.el("picker");
  }

  wire(): void {
    const ctx = this.ctx;
    ctx.el("btn-transfer").addEventListener("click", () => void this.open("transfer"));
    ctx.el("btn-consult").addEventListener("click", () => void this.open("consult"));
    ctx.el("btn-picker-close").addEventListener("click", () => this.close());
    ctx.el(GO).addEventListener("click", () => void this.go());
    for (const tab of TABS) ctx.el(`picker-tab-${tab}`).addEventListener("click", () => this.setTab(tab));
    ctx.el("picker-search").addEventListener("input", () => this.renderList());
    ctx.el("picker-number").addEventListener("input", () => this.say(null));

    this.picker.addEventListener("keydown", (event) => this.onKey(event));
    ctx.el("picker-list").addEventListener("click", (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>("button.target");
      if (button?.dataset.target !== undefined) this.select(button.dataset.target);
    });
    ctx.doc.addEventListener("mousedown", (event) => {
      const target = event.target as Node;
      const openers = [ctx.el("btn-transfer"), ctx.el("btn-consult")];
      if (this.isOpen() && !this.picker.contains(target) && !openers.some((o) => o.contains(target))) this.close();
    });
  }

  isOpen(): boolean {
    return !this.picker.hidden;
  }

  async open(mode: PickerMode): Promise<void> {
    const ctx = this.ctx;
    this.opener = ctx.el(mode === "transfer" ? "btn-transfer" : "btn-consult");
    this.mode = mode;
    this.targets = null;
    this.loadError = null;
    this.selected = null;
    ctx.el<HTMLInputElement>("picker-search").value = "";
    ctx.el<HTMLInputElement>("picker-number").value = "";
    ctx.el<HTMLInputElement>("picker-three-way").checked = false;
    this.say(null);
    setAttr(this.picker, "data-mode", mode);
    setHidden(this.picker, false);
    this.setTab("agents");
    ctx.el("picker-search").focus();
    const generation = ++this.generation;
    try {
      const targets = await api.transferTargets();
      if (generation !== this.generation) return;
      this.targets = targets;
    } catch (error) {
      if (generation !== this.generation) return;
      this.loadError = asAppError(error).message;
    }
    this.renderList();
  }

  /** Closes, and gives the focus back to the button that opened it (or Hang up). */
  close(): void {
    if (!this.isOpen()) return;
    const hadFocus = this.picker.contains(this.ctx.doc.activeElement);
    this.generation++;
    setHidden(this.picker, true);
    if (!hadFocus) return;
    const usable = (el: HTMLElement | null): el is HTMLElement =>
      el !== null && el.closest("[hidden]") === null && !(el as HTMLButtonElement).disabled;
    const back = [this.opener, this.ctx.el("btn-hangup")].find(usable);
    back?.focus();
  }

  private tabs(): readonly PickerTab[] {
    return this.mode === "consult" ? CONSULT_TABS : TABS;
  }

  private setTab(tab: PickerTab): void {
    const ctx = this.ctx;
    this.tab = this.tabs().includes(tab) ? tab : "agents";
    this.selected = null;
    // Waiting for the answer makes sense where a person answers.
    ctx.el<HTMLInputElement>("picker-wait").checked = this.tab === "agents";
    this.say(null);
    this.render();
  }

  private select(target: string): void {
    this.selected = target;
    this.say(null);
    for (const button of this.listButtons()) setAttr(button, "aria-selected", String(button.dataset.target === target));
    this.rove();
  }

  /** The list of the tab shown, null for the number tab. */
  private list(): TargetView[] | null {
    const targets = this.targets;
    if (!targets) return [];
    switch (this.tab) {
      case "agents":
        return targets.agents;
      case "skills":
        return targets.skills;
      case "ivrs":
        return targets.ivrs;
      case "access":
        return targets.accessCodes;
      default:
        return null;
    }
  }

  /** Everything but the list's items. */
  render(): void {
    const ctx = this.ctx;
    const shown = this.tabs();
    for (const tab of TABS) {
      const el = ctx.el(`picker-tab-${tab}`);
      setHidden(el, !shown.includes(tab));
      setAttr(el, "aria-selected", String(tab === this.tab));
      el.tabIndex = tab === this.tab ? 0 : -1;
    }
    const number = this.tab === "number";
    setHidden(ctx.el("picker-find"), number);
    setHidden(ctx.el("picker-list"), number);
    setHidden(ctx.el("picker-number-field"), !number);
    setAttr(ctx.el("picker-body"), "aria-labelledby", `picker-tab-${this.tab}`);
    setHidden(ctx.el("picker-wait-field"), this.mode !== "transfer");
    setHidden(ctx.el("picker-three-way-field"), this.mode !== "consult");
    setText(ctx.el("picker-title"), t(this.mode === "transfer" ? "picker.transfer" : "picker.consult"));
    const go = ctx.el<HTMLButtonElement>(GO);
    setText(go, t(this.mode === "transfer" ? "call.transfer" : "call.consult"));
    setDisabled(go, this.sending);
    if (this.sending) go.setAttribute("aria-busy", "true");
    else go.removeAttribute("aria-busy");
    this.renderList();
  }

  private renderList(): void {
    const ctx = this.ctx;
    const all = this.list();
    const listEl = ctx.el<HTMLUListElement>("picker-list");
    if (all === null) return;
    const query = ctx.el<HTMLInputElement>("picker-search").value;
    const items = filterTargets(all, query);
    if (this.selected !== null && !items.some((x) => x.target === this.selected)) this.selected = null;
    listEl.replaceChildren(...items.map((x) => this.item(x)));
    this.rove();

    const tab = this.tab as Exclude<PickerTab, "number">;
    const unavailable = this.targets?.unavailable ?? [];
    let note = "";
    if (this.loadError !== null) note = this.loadError;
    else if (this.targets === null) note = t("picker.loading");
    else if (unavailable.includes(LIST_NAMES[tab])) note = t("picker.unavailable");
    else if (all.length === 0) note = t("picker.empty");
    else if (items.length === 0) note = t("picker.noMatch", { query: query.trim() });
    else if (tab === "agents" && unavailable.includes("idleAgents")) note = t("picker.idleUnknown");
    setText(ctx.el("picker-note"), note);
    this.picker.toggleAttribute("aria-busy", this.targets === null && this.loadError === null);
  }

  private item(target: TargetView): HTMLLIElement {
    const doc = this.ctx.doc;
    const li = doc.createElement("li");
    li.setAttribute("role", "none");
    const button = doc.createElement("button");
    button.type = "button";
    button.className = "target";
    button.setAttribute("role", "option");
    button.dataset.target = target.target;
    button.setAttribute("aria-selected", String(target.target === this.selected));
    const name = doc.createElement("span");
    name.className = "target-name";
    name.textContent = target.name.trim() === "" ? target.address : target.name;
    const address = doc.createElement("span");
    address.className = "target-address";
    address.textContent = target.name.trim() === "" ? "" : target.address;
    button.append(name, address);
    if (this.tab === "agents" && target.idle) {
      const idle = doc.createElement("span");
      idle.className = "target-idle";
      idle.textContent = t("picker.idle");
      button.append(idle);
    }
    li.append(button);
    return li;
  }

  private listButtons(): HTMLButtonElement[] {
    return [...this.ctx.el("picker-list").querySelectorAll<HTMLButtonElement>("button.target")];
  }

  /** One Tab stop in the list: the selected item, else the first. */
  private rove(): void {
    const buttons = this.listButtons();
    const current = buttons.find((b) => b.dataset.target === this.selected) ?? buttons[0];
    for (const b of buttons) b.tabIndex = b === current ? 0 : -1;
  }

  private onKey(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      this.close();
      return;
    }
    if (target.getAttribute("role") === "tab" && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      event.preventDefault();
      const tabs = this.tabs();
      const i = tabs.indexOf(this.tab);
      const next = tabs[(i + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length] ?? "agents";
      this.setTab(next);
      this.ctx.el(`picker-tab-${next}`).focus();
      return;
    }
    const buttons = this.listButtons();
    if (target.id === "picker-search") {
      if (event.key === "ArrowDown" && buttons.length > 0) {
        event.preventDefault();
        (buttons.find((b) => b.tabIndex === 0) ?? buttons[0])?.focus();
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (buttons.length === 1 && buttons[0]?.dataset.target !== undefined) this.select(buttons[0].dataset.target);
        else if (this.selected !== null) void this.go();
      }
      return;
    }
    if (target.id === "picker-number" && event.key === "Enter") {
      event.preventDefault();
      void this.go();
      return;
    }
    const i = buttons.indexOf(target as HTMLButtonElement);
    if (i < 0) return;
    const move = (to: number): void => {
      event.preventDefault();
      buttons[Math.max(0, Math.min(buttons.length - 1, to))]?.focus();
    };
    if (event.key === "ArrowDown") move(i + 1);
    else if (event.key === "ArrowUp") {
      if (i === 0) {
        event.preventDefault();
        this.ctx.el("picker-search").focus();
      } else move(i - 1);
    } else if (event.key === "Home") move(0);
    else if (event.key === "End") move(buttons.length - 1);
    else if (event.key === "Enter" && target.dataset.target === this.selected) {
      // Enter on the chosen one sends it.
      event.preventDefault();
      void this.go();
    }
  }

  private say(message: string | null): void {
    const box = this.ctx.el("picker-error");
    setText(box, message ?? "");
    setHidden(box, message === null);
    const number = this.ctx.el("picker-number");
    if (message !== null && this.tab === "number") number.setAttribute("aria-invalid", "true");
    else number.removeAttribute("aria-invalid");
  }

  /** The request the picker stands for, or what is missing. */
  request(): { ok: true; request: CallRequest } | { ok: false; message: string } {
    let target: string;
    if (this.tab === "number") {
      const digits = this.ctx.el<HTMLInputElement>("picker-number").value.trim().replace(/[\s()-]/g, "");
      if (!isDialable(digits)) return { ok: false, message: t(digits === "" ? "dial.empty" : "dial.invalid") };
      target = `number:${digits}`;
    } else if (this.selected !== null) {
      target = this.selected;
    } else {
      return { ok: false, message: t("picker.choose") };
    }
    return this.mode === "transfer"
      ? { ok: true, request: { kind: "transfer", target, wait: this.ctx.el<HTMLInputElement>("picker-wait").checked } }
      : { ok: true, request: { kind: "consult", target, threeWay: this.ctx.el<HTMLInputElement>("picker-three-way").checked } };
  }

  private async go(): Promise<void> {
    if (this.sending) return;
    const wanted = this.request();
    if (!wanted.ok) {
      this.say(wanted.message);
      if (this.tab === "number") this.ctx.el("picker-number").focus();
      return;
    }
    this.say(null);
    this.sending = true;
    this.render();
    try {
      await api.callControl(wanted.request);
      this.sending = false;
      this.close();
    } catch (error) {
      this.sending = false;
      this.say(asAppError(error).message);
    } finally {
      this.sending = false;
      if (this.isOpen()) this.render();
    }
  }

  /** Follows the bar: closes when its action is gone (the call ended). */
  follow(): void {
    if (!this.isOpen() || this.sending) return;
    const control = this.mode === "transfer" ? this.ctx.bar.controls.transfer : this.ctx.bar.controls.consult;
    if (control === "hidden") this.close();
  }

  renderText(): void {
    this.render();
  }
}
