/**
 * The connection bar page: renders the BarView the Rust side sends, wires
 * buttons to commands, and keeps the recent-events list. One instance per page.
 */
import {
  api,
  asAppError,
  onEvent,
  onState,
  type AppError,
  type BarView,
  type EventRecord,
  type Settings,
  type ShortcutAction,
  type ShortcutStatus,
  type Snapshot,
} from "./api";
import { byId, setAttr, setDisabled, setHidden, setText } from "./dom";
import { resolveLanguage, setLanguage, t, translatePage } from "./i18n";
import { SHORTCUT_ACTIONS, actionFor, checkShortcuts, formatShortcut, parseShortcut } from "./shortcuts";
import { EventList } from "./event-list";
import { formatClock, stateLabel } from "./format";
import {
  BUSY_REASONS,
  DEFAULT_SETTINGS,
  SIGNED_OUT_BAR,
  callDurationText,
  checkCalldata,
  controlsFor,
  directionLabel,
  formFromSettings,
  healthText,
  mediaLabel,
  readSetting,
  restSecondsFromMinutes,
  sameError,
  settingsFromForm,
  showsBar,
  stateTimerText,
  validateSignIn,
  withSetting,
  type Controls,
  type SettingPath,
} from "./model";
import { FIELD_IDS, applyLocks, markInvalid, readForm, updateFormVisibility, writeForm } from "./signin";

export interface StartOptions {
  /** The clock, for tests. */
  now?: () => number;
  /** Whether to run the one-second timer (tests drive `tick` themselves). */
  ticking?: boolean;
}

/** Control key → button id. */
const CONTROL_IDS: Record<keyof Controls, string> = {
  ready: "btn-ready",
  busy: "btn-busy",
  cancelBusy: "btn-cancel-busy",
  rest: "btn-rest",
  cancelRest: "btn-cancel-rest",
  work: "btn-work",
  cancelWork: "btn-cancel-work",
  answer: "btn-answer",
  hangup: "btn-hangup",
  hold: "btn-hold",
  unhold: "btn-unhold",
};

/** Shortcut action → its input in the settings panel, and the button it presses in the window. */
const SHORTCUT_IDS: Record<ShortcutAction, { input: string; button: string }> = {
  answer: { input: "shortcut-answer", button: "btn-answer" },
  hangUp: { input: "shortcut-hang-up", button: "btn-hangup" },
  ready: { input: "shortcut-ready", button: "btn-ready" },
  busy: { input: "shortcut-busy", button: "btn-busy" },
};

/** Settings panel checkbox id → setting. */
const SETTING_IDS: Record<string, SettingPath> = {
  "notify-ringing": "notifications.ringing",
  "notify-signed-out": "notifications.signedOut",
  "notify-connection": "notifications.connection",
  "notify-rest-over": "notifications.restOver",
  "always-on-top": "alwaysOnTop",
  "quit-signs-out": "quitSignsOut",
  autostart: "autostart",
};

export async function start(doc: Document = document, options: StartOptions = {}): Promise<App> {
  const app = new App(doc, options.now ?? Date.now);
  await app.boot();
  if (options.ticking ?? true) app.startTicking();
  return app;
}

export class App {
  bar: BarView = SIGNED_OUT_BAR;
  settings: Settings = DEFAULT_SETTINGS;
  passwordRemembered = false;
  readonly events: EventList;

  /** Buttons whose command is running. */
  private readonly inFlight = new Set<string>();
  /** The error on the last-error line, null when none or dismissed. */
  private shownError: AppError | null = null;
  /** The sign-in attempt's error; wins over the fall-back reason. */
  private signInError: string | null = null;
  /** Call data as the gateway last had it, for the call on screen. */
  private calldataCallId: string | null = null;
  private calldataBase = "";
  private calldataNote: { text: string; kind: "ok" | "error" } | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** The OS locale's language as the Rust side detected it. */
  private systemLanguage: string | null = null;
  private version: string | null = null;
  private backendProblem: string | null = null;
  /** What became of each global shortcut (Rust side). */
  private shortcutStatuses: ShortcutStatus[] = [];
  /** Problems in what the agent typed in a shortcut field, before saving. */
  private shortcutProblems: Partial<Record<ShortcutAction, string>> = {};
  private signingIn = false;
  /** The certificate the agent checked, to show it again in another language. */
  private cert: { sha256: string; subject: string; trusted: boolean; willTrust: boolean } | null = null;

  constructor(
    private readonly doc: Document,
    private readonly now: () => number,
  ) {
    this.events = new EventList(this.el<HTMLOListElement>("events"));
  }

  private el<T extends HTMLElement = HTMLElement>(id: string): T {
    return byId<T>(this.doc, id);
  }

  // ------------------------------------------------------------ start-up

  async boot(): Promise<void> {
    this.fillBusyReasons();
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
    void this.loadShortcutStatus();
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

  private async loadShortcutStatus(): Promise<void> {
    try {
      this.shortcutStatuses = (await api.shortcutStatus()) ?? [];
    } catch {
      this.shortcutStatuses = [];
    }
    this.renderShortcuts();
  }

  /** Sets the page's language from the settings and shows every text in it. */
  private applyLanguage(): void {
    setLanguage(resolveLanguage(this.settings.language, this.systemLanguage));
    translatePage(this.doc);
    this.renderAllText();
  }

  /** Renders everything with words in it again (after a language change). */
  private renderAllText(): void {
    for (const option of this.el<HTMLSelectElement>("busy-reason").options) {
      option.textContent = t("bar.reason", { reason: option.value });
    }
    const password = this.el<HTMLInputElement>("password");
    password.placeholder = this.passwordRemembered ? t("signin.remembered") : "";
    password.title = this.passwordRemembered ? t("signin.rememberedTitle") : "";
    applyLocks(this.doc, this.settings.locked);
    setText(this.el("btn-sign-in"), this.signingIn ? t("signin.signingIn") : t("signin.submit"));
    this.renderAppInfo();
    this.renderCert();
    this.renderShortcuts();
    this.applyBar(this.bar);
  }

  startTicking(): void {
    if (this.timer === null) this.timer = setInterval(() => this.tick(), 1000);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Updates the running timers: two text nodes, once a second. */
  tick(): void {
    const now = this.now();
    const timer = this.el("state-timer");
    const text = stateTimerText(this.bar, now);
    setText(timer, text);
    setHidden(timer, text === "");
    if (this.bar.call) setText(this.el("call-duration"), callDurationText(this.bar.call, now));
  }

  // ------------------------------------------------------------ rendering

  applySettings(settings: Settings): void {
    this.settings = settings;
    writeForm(this.doc, formFromSettings(settings), this.passwordRemembered);
    applyLocks(this.doc, settings.locked);
    this.renderSettingsPanel();
    this.applyLanguage();
  }

  applyBar(bar: BarView): void {
    const previousError = this.bar.lastError;
    const previousState = this.bar.state;
    const previousShown = showsBar(this.bar);
    this.bar = bar;
    const barShown = showsBar(bar);
    const barEl = this.el("bar");
    setHidden(barEl, !barShown);
    setHidden(this.el("signin"), barShown);
    setAttr(barEl, "data-state", bar.state);
    setAttr(this.doc.body, "data-state", bar.state);

    const pill = this.el("agent-state");
    setAttr(pill, "data-state", bar.state);
    setText(pill, stateLabel(bar.state));
    const busyReason = bar.state === "busy" && bar.busyReason ? t("status.busyReason", { reason: bar.busyReason }) : "";
    if (busyReason) pill.title = busyReason;
    else pill.removeAttribute("title");

    const health = this.el("health");
    setAttr(health, "data-health", bar.health.kind);
    const words = healthText(bar.health);
    setText(health, words);
    health.title = words;

    const agent = this.el("agent-label");
    setText(agent, bar.agentId ? t("status.agent", { agent: bar.agentId }) : "");
    setHidden(agent, !barShown || !bar.agentId);
    setHidden(this.el("btn-sign-out"), !barShown);

    if (barShown) this.signInError = null;
    this.renderSignInMessage();

    if (!sameError(bar.lastError, previousError)) {
      if (bar.lastError) this.shownError = bar.lastError;
      else if (sameError(this.shownError, previousError)) this.shownError = null;
    }
    this.renderError();
    this.renderControls();
    this.renderCall();
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
    return [...this.el("bar").querySelectorAll<HTMLElement>("button, input, select, textarea")].find(usable);
  }

  private renderSignInMessage(): void {
    const box = this.el("signin-error");
    const reason = this.bar.health.kind === "signedout" ? this.bar.health.reason : null;
    const text = this.signInError ?? reason ?? "";
    setText(box, text);
    box.classList.toggle("notice", this.signInError === null);
    setHidden(box, text === "");
  }

  private renderError(): void {
    const line = this.el("last-error");
    const error = this.shownError;
    // On the sign-in form its own message line already says it.
    const duplicate = !showsBar(this.bar) && error !== null && error.message === this.el("signin-error").textContent;
    setHidden(line, error === null || duplicate);
    const text = this.el("last-error-text");
    setText(text, error?.message ?? "");
    line.title = error ? t("status.errorKind", { message: error.message, kind: error.kind }) : "";
  }

  showError(error: AppError): void {
    this.shownError = error;
    this.renderError();
  }

  private renderControls(): void {
    const controls = controlsFor(this.bar);
    for (const key of Object.keys(CONTROL_IDS) as (keyof Controls)[]) {
      const button = this.el<HTMLButtonElement>(CONTROL_IDS[key]);
      const availability = controls[key];
      setHidden(button, availability === "hidden");
      setDisabled(button, availability !== "enabled" || this.inFlight.has(button.id));
    }
    setDisabled(this.el<HTMLSelectElement>("busy-reason"), controls.busy !== "enabled");
    setDisabled(this.el<HTMLInputElement>("rest-minutes"), controls.rest !== "enabled");
    setDisabled(this.el<HTMLButtonElement>("btn-sign-out"), this.inFlight.has("btn-sign-out"));
  }

  private renderCall(): void {
    const call = this.bar.call;
    setHidden(this.el("call"), call === null);
    setHidden(this.el("no-call"), call !== null);
    if (!call) {
      this.calldataCallId = null;
      return;
    }
    setText(this.el("call-caller"), call.caller);
    setText(this.el("call-called"), call.called);
    const direction = this.el("call-direction");
    setText(direction, directionLabel(call.direction));
    setAttr(direction, "data-direction", call.direction);
    const media = this.el("call-media");
    setText(media, mediaLabel(call.media));
    setAttr(media, "data-media", call.media);
    setHidden(this.el("call-held"), !call.held);
    this.el("call").classList.toggle("ringing", call.answeredAt === null);

    const textarea = this.el<HTMLTextAreaElement>("calldata");
    const fromGateway = call.calldata ?? "";
    if (call.callId !== this.calldataCallId) {
      this.calldataCallId = call.callId;
      this.calldataBase = fromGateway;
      textarea.value = fromGateway;
      this.calldataNote = null;
    } else if (fromGateway !== this.calldataBase) {
      // Keep what the agent is typing; take the gateway's value otherwise.
      const editing = textarea.value !== this.calldataBase;
      this.calldataBase = fromGateway;
      if (!editing) textarea.value = fromGateway;
    }
    this.renderCalldata();
  }

  private renderCalldata(): void {
    const check = checkCalldata(this.el<HTMLTextAreaElement>("calldata").value);
    const count = this.el("calldata-count");
    setText(count, check.counter);
    count.classList.toggle("over", check.over);
    const save = this.el<HTMLButtonElement>("btn-save-calldata");
    setDisabled(save, check.over || this.inFlight.has(save.id));
    const status = this.el("calldata-status");
    const note = check.over ? { text: check.problem, kind: "error" as const } : this.calldataNote;
    setText(status, note?.text ?? "");
    status.classList.toggle("error", note?.kind === "error");
    status.title = note?.text ?? "";
  }

  private renderSettingsPanel(): void {
    for (const [id, path] of Object.entries(SETTING_IDS)) {
      this.el<HTMLInputElement>(id).checked = readSetting(this.settings, path);
    }
    this.el<HTMLSelectElement>("language").value = this.settings.language;
    for (const action of SHORTCUT_ACTIONS) {
      const input = this.el<HTMLInputElement>(SHORTCUT_IDS[action].input);
      if (this.doc.activeElement !== input) input.value = this.settings.shortcuts[action];
    }
    this.renderShortcuts();
  }

  /** Each shortcut's status beside its field: works everywhere, only in this window, off, or what is wrong. */
  private renderShortcuts(): void {
    for (const action of SHORTCUT_ACTIONS) {
      const input = this.el<HTMLInputElement>(SHORTCUT_IDS[action].input);
      const status = this.el(`${SHORTCUT_IDS[action].input}-status`);
      const problem = this.shortcutProblems[action];
      const reported = this.shortcutStatuses.find((s) => s.action === action && s.shortcut === this.settings.shortcuts[action].trim());
      let text: string;
      let kind: "ok" | "warn" | "error";
      let title = "";
      if (problem !== undefined) {
        text = problem;
        kind = "error";
      } else if (this.settings.shortcuts[action].trim() === "") {
        text = t("shortcut.off");
        kind = "ok";
      } else if (reported?.state === "registered") {
        text = t("shortcut.registered");
        kind = "ok";
      } else if (reported?.state === "invalid" || reported?.state === "duplicate") {
        text = reported.detail ?? reported.state;
        kind = "error";
      } else {
        // Refused by the desktop, or not reported yet: the window still handles it.
        text = t("shortcut.windowOnly");
        kind = "warn";
        title = reported?.detail ?? "";
      }
      setText(status, text);
      setAttr(status, "data-kind", kind);
      status.title = title;
      if (kind === "error") input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  // ------------------------------------------------------------ actions

  private fillBusyReasons(): void {
    const select = this.el<HTMLSelectElement>("busy-reason");
    if (select.options.length > 0) return;
    for (const reason of BUSY_REASONS) {
      const option = this.doc.createElement("option");
      option.value = String(reason);
      option.textContent = t("bar.reason", { reason });
      select.append(option);
    }
    select.value = "200";
  }

  /** Runs a command for a button: disabled while in flight, errors to the last-error line. */
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
      this.renderControls();
      if (buttonId === "btn-save-calldata") this.renderCalldata();
    }
  }

  private wire(): void {
    const click = (id: string, handler: () => void): void => {
      this.el(id).addEventListener("click", handler);
    };
    const command = (id: string, fn: () => Promise<unknown>): void => click(id, () => void this.run(id, fn));

    command("btn-ready", () => api.ready());
    command("btn-save-diagnostics", async () => {
      const path = await api.saveDiagnostics();
      setText(this.el("diagnostics-status"), t("settings.diagnosticsSaved", { path }));
    });
    command("btn-busy", () => api.busy(Number(this.el<HTMLSelectElement>("busy-reason").value)));
    command("btn-cancel-busy", () => api.cancelBusy());
    command("btn-rest", () => {
      const seconds = restSecondsFromMinutes(this.el<HTMLInputElement>("rest-minutes").value);
      if (seconds === null) {
        return Promise.reject<AppError>({ kind: "invalid", message: t("bar.restInvalid") });
      }
      return api.rest(seconds, 0);
    });
    command("btn-cancel-rest", () => api.cancelRest());
    command("btn-work", () => api.work());
    command("btn-cancel-work", () => api.cancelWork());
    command("btn-answer", () => api.answer());
    command("btn-hangup", () => api.hangUp());
    command("btn-hold", () => api.hold());
    command("btn-unhold", () => api.unhold());
    command("btn-sign-out", () => api.signOut());
    click("btn-save-calldata", () => void this.saveCalldata());
    click("btn-dismiss-error", () => {
      this.shownError = null;
      this.renderError();
    });

    const textarea = this.el<HTMLTextAreaElement>("calldata");
    textarea.addEventListener("input", () => {
      if (this.calldataNote?.kind === "ok") this.calldataNote = null;
      this.renderCalldata();
    });

    // Sign-in form.
    const form = this.el<HTMLFormElement>("signin");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.signIn();
    });
    form.addEventListener("change", (event) => {
      const id = (event.target as HTMLElement).id;
      if (id === "mode" || id === "trust") updateFormVisibility(this.doc);
    });
    this.el("gateway").addEventListener("input", () => this.clearCertInfo());
    click("btn-check-cert", () => void this.checkCertificate());
    click("btn-trust-cert", () => this.trustProbedCertificate());

    // Settings panel.
    const toggle = this.el<HTMLButtonElement>("btn-settings");
    const panel = this.el("settings");
    click("btn-settings", () => this.setPanelOpen(panel.hidden));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.setPanelOpen(false);
        toggle.focus();
      }
    });
    this.doc.addEventListener("mousedown", (event) => {
      const target = event.target as Node;
      if (!panel.hidden && !panel.contains(target) && !toggle.contains(target)) this.setPanelOpen(false);
    });
    for (const [id, path] of Object.entries(SETTING_IDS)) {
      const box = this.el<HTMLInputElement>(id);
      box.addEventListener("change", () => void this.saveSetting(box, path));
    }
    const lang = this.el<HTMLSelectElement>("language");
    lang.addEventListener("change", () => {
      const value = lang.value === "en" || lang.value === "zh-CN" ? lang.value : "auto";
      void this.save(lang, { ...this.settings, language: value });
    });
    for (const action of SHORTCUT_ACTIONS) {
      const input = this.el<HTMLInputElement>(SHORTCUT_IDS[action].input);
      input.addEventListener("change", () => void this.saveShortcut(action, input));
    }

    // Shortcuts inside the window: the configured ones the desktop did not
    // take globally (a global one never reaches the window).
    this.doc.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || event.repeat) return;
      const target = event.target;
      if (target instanceof Element && target.closest(".shortcuts")) return;
      const action = actionFor(this.settings.shortcuts, event);
      if (action === null) return;
      if (this.shortcutStatuses.some((s) => s.action === action && s.state === "registered")) return;
      const button = this.el<HTMLButtonElement>(SHORTCUT_IDS[action].button);
      event.preventDefault();
      if (!button.hidden && !button.disabled) button.click();
    });
  }

  private async saveShortcut(action: ShortcutAction, input: HTMLInputElement): Promise<void> {
    const parsed = parseShortcut(input.value);
    const value = parsed.ok && parsed.shortcut ? formatShortcut(parsed.shortcut) : input.value.trim();
    const wanted = { ...this.settings.shortcuts, [action]: value };
    this.shortcutProblems = checkShortcuts(wanted);
    if (this.shortcutProblems[action] !== undefined) {
      this.renderShortcuts();
      return;
    }
    input.value = value;
    await this.save(input, { ...this.settings, shortcuts: wanted });
    await this.loadShortcutStatus();
  }

  setPanelOpen(open: boolean): void {
    setHidden(this.el("settings"), !open);
    this.el("btn-settings").setAttribute("aria-expanded", String(open));
    if (open) this.el("settings").querySelector<HTMLInputElement>("input:not(:disabled)")?.focus();
  }

  private async saveSetting(box: HTMLInputElement, path: SettingPath): Promise<void> {
    await this.save(box, withSetting(this.settings, path, box.checked));
  }

  /** Saves settings changed in the panel; a refused change is put back. */
  private async save(control: HTMLInputElement | HTMLSelectElement, wanted: Settings): Promise<void> {
    const status = this.el("settings-status");
    const languageBefore = this.settings.language;
    control.disabled = true;
    try {
      const saved = await api.saveSettings(wanted);
      this.settings = saved;
      if (saved.language !== languageBefore) this.applyLanguage();
      applyLocks(this.doc, saved.locked);
      setText(status, t("settings.saved"));
    } catch (error) {
      const e = asAppError(error);
      setText(status, e.message);
      this.showError(e);
    } finally {
      applyLocks(this.doc, this.settings.locked);
      this.renderSettingsPanel();
    }
  }

  private async saveCalldata(): Promise<void> {
    const value = this.el<HTMLTextAreaElement>("calldata").value;
    if (checkCalldata(value).over) {
      this.renderCalldata();
      return;
    }
    this.calldataNote = { text: t("calldata.saving"), kind: "ok" };
    this.renderCalldata();
    let failure: AppError | null = null;
    const ok = await this.run("btn-save-calldata", () =>
      api.saveCalldata(value).catch((error: unknown) => {
        failure = asAppError(error);
        throw error;
      }),
    );
    if (ok) {
      this.calldataBase = value;
      this.calldataNote = { text: t("calldata.savedAt", { time: formatClock(this.now()) }), kind: "ok" };
    } else {
      this.calldataNote = { text: (failure as AppError | null)?.message ?? t("calldata.notSaved"), kind: "error" };
    }
    this.renderCalldata();
  }

  // ------------------------------------------------------------ sign-in

  private async signIn(): Promise<void> {
    const form = readForm(this.doc);
    const problems = validateSignIn(form, this.passwordRemembered);
    markInvalid(this.doc, problems.map((p) => p.field));
    const first = problems[0];
    if (first) {
      this.signInError = first.message;
      this.renderSignInMessage();
      this.el(FIELD_IDS[first.field]).focus();
      return;
    }
    this.signInError = null;
    this.renderSignInMessage();
    const settings = settingsFromForm(form, this.settings);
    const button = this.el<HTMLButtonElement>("btn-sign-in");
    button.disabled = true;
    this.signingIn = true;
    setText(button, t("signin.signingIn"));
    try {
      await api.signIn({ settings, password: form.password });
      this.settings = settings;
      this.el<HTMLInputElement>("password").value = "";
      if (settings.rememberPassword) this.passwordRemembered = true;
    } catch (error) {
      this.signInError = asAppError(error).message;
    } finally {
      button.disabled = false;
      this.signingIn = false;
      setText(button, t("signin.submit"));
      this.renderSignInMessage();
      this.renderError();
    }
  }

  private clearCertInfo(): void {
    const info = this.el("cert-info");
    setText(info, "");
    delete info.dataset.sha256;
    setHidden(info, true);
    setHidden(this.el("btn-trust-cert"), true);
    this.cert = null;
  }

  private async checkCertificate(): Promise<void> {
    const gateway = this.el<HTMLInputElement>("gateway").value.trim();
    const problem = validateSignIn(readForm(this.doc), true).find((p) => p.field === "gateway");
    if (problem) {
      this.signInError = problem.message;
      this.renderSignInMessage();
      this.el("gateway").focus();
      return;
    }
    this.clearCertInfo();
    let found: { sha256: string; subject: string; trusted: boolean } | null = null;
    await this.run("btn-check-cert", async () => {
      try {
        found = await api.probeCertificate(gateway);
        this.signInError = null;
      } catch (error) {
        this.signInError = asAppError(error).message;
      }
      this.renderSignInMessage();
    });
    const cert = found as { sha256: string; subject: string; trusted: boolean } | null;
    if (!cert) return;
    this.cert = { ...cert, willTrust: false };
    this.renderCert();
    setHidden(this.el("btn-trust-cert"), false);
  }

  /** The checked certificate's subject, whether it is trusted, and its fingerprint. */
  private renderCert(): void {
    const cert = this.cert;
    if (!cert) return;
    const info = this.el("cert-info");
    info.replaceChildren();
    const subject = this.doc.createElement("span");
    subject.className = "cert-subject";
    const key = cert.willTrust ? "signin.willTrust" : cert.trusted ? "signin.trusted" : "signin.notTrusted";
    subject.textContent = t(key, { subject: cert.subject });
    const sha = this.doc.createElement("span");
    sha.className = "cert-sha mono";
    sha.textContent = `SHA-256 ${cert.sha256}`;
    info.append(subject, sha);
    info.dataset.sha256 = cert.sha256;
    info.classList.toggle("trusted", cert.trusted || cert.willTrust);
    info.title = `${cert.subject}\nSHA-256 ${cert.sha256}`;
    setHidden(info, false);
  }

  private trustProbedCertificate(): void {
    const sha256 = this.el("cert-info").dataset.sha256;
    if (!sha256) return;
    this.el<HTMLSelectElement>("trust").value = "pin";
    this.el<HTMLInputElement>("pin-sha256").value = sha256;
    updateFormVisibility(this.doc);
    setHidden(this.el("btn-trust-cert"), true);
    if (this.cert) this.cert = { ...this.cert, willTrust: true };
    this.renderCert();
  }
}
