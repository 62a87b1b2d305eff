/**
 * The connection bar page: holds what the Rust side sent (the bar, the
 * settings, recent events), boots, and hands rendering and input to the views
 * (./views). One instance per page.
 */
import { api, asAppError, onEvent, onState, type AppError, type BarView, type EventRecord, type Settings, type SkillsView, type Snapshot } from "./api";
import { byId, setHidden, setText, setTitle } from "./dom";
import { EventList } from "./event-list";
import { resolveLanguage, setLanguage, t, translatePage } from "./i18n";
import { DEFAULT_SETTINGS, SIGNED_OUT_BAR, formFromSettings, sameError, showsBar } from "./model";
import { fillBusyReasons, renderBusyReasons, renderControls, renderStateTimer, renderStatus, wireBar } from "./views/bar";
import { renderCall, renderCallTimer } from "./views/call";
import { CalldataView } from "./views/calldata";
import { CallsView, KeypadView } from "./views/calls";
import { CertView } from "./views/cert";
import type { Context } from "./views/context";
import { DialView } from "./views/dial";
import { FiguresView } from "./views/figures";
import { PickerView } from "./views/picker";
import { SettingsPanel } from "./views/settings";
import { ShortcutsView } from "./views/shortcuts";
import { FIELD_IDS, SignInView, applyLocks, writeForm } from "./views/signin";

/** Buttons that replace each other when pressed. */
const PARTNERS: Record<string, string> = {
  "btn-mute": "btn-unmute",
  "btn-unmute": "btn-mute",
  "btn-hold": "btn-unhold",
  "btn-unhold": "btn-hold",
};

export interface StartOptions {
  /** The clock, for tests. */
  now?: () => number;
  /** Whether to run the one-second timer (tests drive `tick` themselves). */
  ticking?: boolean;
}

export async function start(doc: Document = document, options: StartOptions = {}): Promise<App> {
  const app = new App(doc, options.now ?? Date.now);
  await app.boot();
  if (options.ticking ?? true) app.startTicking();
  return app;
}

export class App implements Context {
  bar: BarView = SIGNED_OUT_BAR;
  settings: Settings = DEFAULT_SETTINGS;
  passwordRemembered = false;
  skills: SkillsView | null = null;
  readonly events: EventList;

  /** Buttons whose command is running. */
  private readonly inFlight = new Set<string>();
  /** The error on the last-error line, null when none or dismissed. */
  private shownError: AppError | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** The OS locale's language as the Rust side detected it. */
  private systemLanguage: string | null = null;
  private version: string | null = null;
  private backendProblem: string | null = null;

  private readonly signIn: SignInView;
  private readonly cert: CertView;
  private readonly calldata: CalldataView;
  private readonly shortcuts: ShortcutsView;
  private readonly panel: SettingsPanel;
  private readonly calls: CallsView;
  private readonly keypad: KeypadView;
  private readonly picker: PickerView;
  private readonly dial: DialView;
  private readonly figures: FiguresView;

  constructor(
    readonly doc: Document,
    readonly now: () => number,
  ) {
    this.events = new EventList(this.el<HTMLOListElement>("events"));
    this.signIn = new SignInView(this);
    this.cert = new CertView(this, (problem, focus) => this.signIn.say(problem, focus));
    this.calldata = new CalldataView(this);
    this.shortcuts = new ShortcutsView(this, (control, wanted) => this.panel.save(control, wanted));
    this.panel = new SettingsPanel(this, () => this.shortcuts.renderFields());
    this.calls = new CallsView(this);
    this.keypad = new KeypadView(this);
    this.picker = new PickerView(this);
    this.dial = new DialView(this);
    this.figures = new FiguresView(this);
  }

  el<T extends HTMLElement = HTMLElement>(id: string): T {
    return byId<T>(this.doc, id);
  }

  busy(id: string): boolean {
    return this.inFlight.has(id);
  }

  // ------------------------------------------------------------ start-up

  async boot(): Promise<void> {
    fillBusyReasons(this);
    this.wire();
    // The language first, so the first render is already in it.
    try {
      this.systemLanguage = await api.systemLanguage();
    } catch {
      this.systemLanguage = null;
    }
    void this.loadAppInfo();

    // Listen first, then ask for the snapshot, so nothing falls in between.
    let booting = true;
    let stateDuringBoot: BarView | null = null;
    const early: EventRecord[] = [];
    try {
      await onState((bar) => {
        if (booting) stateDuringBoot = bar;
        else this.applyBar(bar);
      });
      await onEvent((record) => {
        if (booting) early.push(record);
        else this.events.add(record);
      });
    } catch (error) {
      this.showError(asAppError(error));
    }

    try {
      let snapshot = await api.snapshot();
      // A state that arrived while the snapshot was on its way may be newer
      // or older than it; asking again settles which (twice at most).
      for (let i = 0; i < 2 && stateDuringBoot !== null; i++) {
        stateDuringBoot = null;
        snapshot = { ...snapshot, bar: (await api.snapshot()).bar };
      }
      this.applySnapshot(snapshot);
    } catch (error) {
      const e = asAppError(error);
      this.applySettings(DEFAULT_SETTINGS);
      if (stateDuringBoot !== null) this.applyBar(stateDuringBoot);
      else this.applyBar(SIGNED_OUT_BAR);
      this.showError({ kind: e.kind, message: t("status.loadFailed", { message: e.message }) });
    }
    void this.shortcuts.load();
    const seen = this.events.maxSeq();
    for (const record of early) if (record.seq > seen) this.events.add(record);
    booting = false;
  }

  private applySnapshot(snapshot: Snapshot): void {
    this.passwordRemembered = snapshot.passwordRemembered;
    this.applySettings(snapshot.settings);
    this.events.addAll(snapshot.events);
    this.applyBar(snapshot.bar);
  }

  private async loadAppInfo(): Promise<void> {
    try {
      this.version = (await api.appInfo()).version;
    } catch (error) {
      this.backendProblem = asAppError(error).message;
    }
    this.renderAppInfo();
  }

  private renderAppInfo(): void {
    const info = this.el("app-info");
    if (this.version !== null) setText(info, `AgentBar ${this.version}`);
    else if (this.backendProblem !== null) setText(info, t("status.backendDown", { message: this.backendProblem }));
  }

  /** Sets the page's language from the settings and shows every text in it. */
  applyLanguage(): void {
    setLanguage(resolveLanguage(this.settings.language, this.systemLanguage));
    translatePage(this.doc);
    this.renderAllText();
  }

  /** Renders everything with words in it again (after a language change). */
  private renderAllText(): void {
    renderBusyReasons(this);
    this.signIn.renderText();
    applyLocks(this.doc, this.settings.locked);
    this.panel.renderSkills();
    this.calls.renderText();
    this.keypad.renderText();
    this.picker.renderText();
    this.dial.renderText();
    this.renderAppInfo();
    this.cert.render();
    this.shortcuts.render();
    this.applyBar(this.bar);
  }

  startTicking(): void {
    if (this.timer === null) this.timer = setInterval(() => this.tick(), 1000);
    this.doc.addEventListener("visibilitychange", () => this.tick());
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Updates the running timers: a few text nodes, once a second, and only
   * while the bar can be seen (a bar hidden to the tray repaints nothing;
   * it catches up the moment it is shown again).
   */
  tick(): void {
    const now = this.now();
    this.figures.tick(now);
    if (this.doc.visibilityState === "hidden") return;
    renderStateTimer(this, now);
    renderCallTimer(this, now);
    this.calls.tick(now);
  }

  // ------------------------------------------------------------ rendering

  applySettings(settings: Settings): void {
    this.settings = settings;
    writeForm(this.doc, formFromSettings(settings), this.passwordRemembered);
    applyLocks(this.doc, settings.locked);
    void this.signIn.showPushCertificate();
    this.panel.render();
    this.applyLanguage();
  }

  applyBar(bar: BarView): void {
    const previousError = this.bar.lastError;
    const previousState = this.bar.state;
    const previousShown = showsBar(this.bar);
    const wasSignedIn = this.bar.state !== "signedout";
    const hadCall = this.bar.call !== null;
    this.bar = bar;
    renderStatus(this, bar);
    if (showsBar(bar)) this.signIn.forget();
    this.signIn.renderMessage();

    if (!sameError(bar.lastError, previousError)) {
      if (bar.lastError) this.shownError = bar.lastError;
      else if (sameError(this.shownError, previousError)) this.shownError = null;
    }
    this.renderError();
    renderControls(this);
    renderCall(this, bar.call);
    this.calls.render();
    this.keypad.render();
    this.picker.follow();
    this.dial.render();
    this.calldata.update(bar.call);
    this.figures.follow(wasSignedIn, hadCall);
    this.tick();
    this.keepFocus(previousState, previousShown);
  }

  /**
   * Keyboard users never lose their place: when the view changes under the
   * focus (sign-in, sign-out) it moves to the first control of the new view,
   * and a new ringing call brings focus to Answer unless the agent is typing.
   */
  private keepFocus(previousState: string, previousShown: boolean): void {
    const active = this.doc.activeElement as HTMLElement | null;
    const lost =
      active === null ||
      active === this.doc.body ||
      active.closest("[hidden]") !== null ||
      (active as HTMLButtonElement).disabled === true;
    const typing = !lost && active !== null && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    const answer = this.el<HTMLButtonElement>("btn-answer");
    // A toggled button hands the focus to its partner (Mute → Unmute).
    const partner = active?.id ? PARTNERS[active.id] : undefined;
    if (lost && partner !== undefined) {
      const other = this.el<HTMLButtonElement>(partner);
      if (!other.hidden && !other.disabled) {
        other.focus();
        return;
      }
    }
    if (this.bar.state === "ringing" && previousState !== "ringing" && !answer.hidden && !typing) {
      answer.focus();
      return;
    }
    const viewChanged = previousShown !== showsBar(this.bar);
    if (!lost && (!viewChanged || this.el("settings").contains(active))) return;
    this.firstControl()?.focus();
  }

  /** Where focus goes in the view shown: the first empty sign-in field, or the first usable control. */
  private firstControl(): HTMLElement | undefined {
    const usable = (el: HTMLElement): boolean =>
      !(el as HTMLButtonElement).disabled && el.closest("[hidden]") === null;
    if (!showsBar(this.bar)) {
      const empty = (["gateway", "agentId", "phone", "password"] as const)
        .map((key) => this.el<HTMLInputElement>(FIELD_IDS[key]))
        .find((el) => usable(el) && el.value === "");
      if (empty) return empty;
      return this.el("btn-sign-in");
    }
    const controls = (within: string): HTMLElement[] => [
      ...this.el(within).querySelectorAll<HTMLElement>("button, input, select, textarea"),
    ];
    // On a call, its first action rather than the state buttons.
    const call = this.bar.call ? this.el("call").querySelector<HTMLElement>(".call-actions") : null;
    const first = call ? [...call.querySelectorAll<HTMLElement>("button")].find(usable) : undefined;
    return first ?? controls("bar").find(usable);
  }

  renderError(): void {
    const line = this.el("last-error");
    const error = this.shownError;
    // On the sign-in form its own message line already says it.
    const duplicate = !showsBar(this.bar) && error !== null && error.message === this.el("signin-error").textContent;
    setHidden(line, error === null || duplicate);
    const text = this.el("last-error-text");
    setText(text, error?.message ?? "");
    setTitle(line, error ? t("status.errorKind", { message: error.message, kind: error.kind }) : "");
  }

  showError(error: AppError): void {
    this.shownError = error;
    this.renderError();
  }

  // ------------------------------------------------------------ actions

  async run(buttonId: string, command: () => Promise<unknown>): Promise<boolean> {
    if (this.inFlight.has(buttonId)) return false;
    const button = this.el<HTMLButtonElement>(buttonId);
    this.inFlight.add(buttonId);
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      await command();
      return true;
    } catch (error) {
      this.showError(asAppError(error));
      return false;
    } finally {
      this.inFlight.delete(buttonId);
      button.removeAttribute("aria-busy");
      button.disabled = false;
      renderControls(this);
      this.calls.render();
      this.dial.render();
      if (buttonId === "btn-save-calldata") this.calldata.render();
    }
  }

  setSkills(view: SkillsView | null): void {
    this.skills = view;
    this.panel.renderSkills();
    this.figures.render();
  }

  private wire(): void {
    wireBar(this);
    this.calldata.wire();
    this.el("btn-dismiss-error").addEventListener("click", () => {
      this.shownError = null;
      this.renderError();
    });
    this.signIn.wire();
    this.cert.wire();
    this.panel.wire();
    this.shortcuts.wire();
    this.calls.wire();
    this.keypad.wire();
    this.picker.wire();
    this.dial.wire();
    this.figures.wire();
  }

  setPanelOpen(open: boolean): void {
    this.panel.setOpen(open);
  }
}
