/**
 * The sign-in form: fields ↔ SignInForm, what shows for which mode and
 * trust, locks, and signing in.
 */
import { api, asAppError } from "../api";
import { byId, setHidden, setText } from "../dom";
import { t } from "../i18n";
import { isLocked, settingsFromForm, validateSignIn, type SignInForm, type TrustKind } from "../model";
import type { Context } from "./context";

/** Form field → element id, in page order (validation focuses the first problem). */
export const FIELD_IDS: Record<keyof SignInForm, string> = {
  gateway: "gateway",
  gatewayBackup: "gateway-backup",
  agentId: "agent-id",
  phone: "phone",
  password: "password",
  mode: "mode",
  pushListen: "push-listen",
  pushUrl: "push-url",
  pushCert: "push-cert",
  pushKey: "push-key",
  relayUrl: "relay-url",
  relayBackup: "relay-backup",
  relayPushUrl: "relay-push-url",
  relayTrust: "relay-trust",
  relayCaFile: "relay-ca-file",
  relayPinSha256: "relay-pin-sha256",
  trust: "trust",
  caFile: "ca-file",
  pinSha256: "pin-sha256",
  statusAfter: "status-after",
  rememberPassword: "remember-password",
  takeOver: "take-over",
};

type Field = HTMLInputElement | HTMLSelectElement;

function field(doc: Document, key: keyof SignInForm): Field {
  return byId<Field>(doc, FIELD_IDS[key]);
}

function value(doc: Document, key: keyof SignInForm): string {
  return field(doc, key).value;
}

function checked(doc: Document, key: keyof SignInForm): boolean {
  return (field(doc, key) as HTMLInputElement).checked;
}

function trustKind(v: string): TrustKind {
  return v === "caFile" || v === "pin" ? v : "system";
}

function modeOf(v: string): SignInForm["mode"] {
  return v === "push" || v === "relay" ? v : "poll";
}

export function readForm(doc: Document): SignInForm {
  return {
    gateway: value(doc, "gateway"),
    gatewayBackup: value(doc, "gatewayBackup"),
    agentId: value(doc, "agentId"),
    phone: value(doc, "phone"),
    password: value(doc, "password"),
    mode: modeOf(value(doc, "mode")),
    pushListen: value(doc, "pushListen"),
    pushUrl: value(doc, "pushUrl"),
    pushCert: value(doc, "pushCert"),
    pushKey: value(doc, "pushKey"),
    relayUrl: value(doc, "relayUrl"),
    relayBackup: value(doc, "relayBackup"),
    relayPushUrl: value(doc, "relayPushUrl"),
    relayTrust: trustKind(value(doc, "relayTrust")),
    relayCaFile: value(doc, "relayCaFile"),
    relayPinSha256: value(doc, "relayPinSha256"),
    trust: trustKind(value(doc, "trust")),
    caFile: value(doc, "caFile"),
    pinSha256: value(doc, "pinSha256"),
    statusAfter: ((s) => (s === "busy" || s === "work" ? s : "idle"))(value(doc, "statusAfter")),
    rememberPassword: checked(doc, "rememberPassword"),
    takeOver: checked(doc, "takeOver"),
  };
}

export function writeForm(doc: Document, form: SignInForm, passwordRemembered: boolean): void {
  for (const key of Object.keys(FIELD_IDS) as (keyof SignInForm)[]) {
    const el = field(doc, key);
    const v = form[key];
    if (typeof v === "boolean") (el as HTMLInputElement).checked = v;
    else el.value = v;
  }
  const password = byId<HTMLInputElement>(doc, "password");
  password.placeholder = passwordRemembered ? t("signin.remembered") : "";
  password.title = passwordRemembered ? t("signin.rememberedTitle") : "";
  updateFormVisibility(doc);
}

/**
 * Push fields only for push, relay fields only via the relay; the CA path or
 * the fingerprint only for its trust.
 */
export function updateFormVisibility(doc: Document): void {
  const trust = value(doc, "trust");
  const relayTrust = value(doc, "relayTrust");
  const mode = value(doc, "mode");
  setHidden(byId(doc, "push-fields"), mode !== "push");
  setHidden(byId(doc, "relay-fields"), mode !== "relay");
  setHidden(byId(doc, "ca-file-field"), trust !== "caFile");
  setHidden(byId(doc, "pin-field"), trust !== "pin");
  setHidden(byId(doc, "relay-ca-file-field"), relayTrust !== "caFile");
  setHidden(byId(doc, "relay-pin-field"), relayTrust !== "pin");
}

/** The words beside a locked setting, in the current language. */
export function lockHint(): string {
  return t("settings.lockHint");
}

/**
 * Disables every control inside a `[data-setting]` element whose setting is
 * locked, with a visible lock and the words "set by your administrator".
 */
export function applyLocks(doc: Document, locked: readonly string[]): void {
  for (const holder of doc.querySelectorAll<HTMLElement>("[data-setting]")) {
    const path = holder.dataset.setting ?? "";
    const isOn = isLocked(locked, path);
    holder.classList.toggle("locked", isOn);
    if (isOn) holder.title = t("settings.locked", { hint: lockHint() });
    else holder.removeAttribute("title");
    for (const control of holder.querySelectorAll<Field>("input, select")) control.disabled = isOn;
    let hint = holder.querySelector<HTMLElement>(".lock-hint");
    if (isOn && !hint) {
      hint = doc.createElement("span");
      hint.className = "lock-hint";
      holder.append(hint);
    }
    if (hint) {
      setText(hint, lockHint());
      setHidden(hint, !isOn);
    }
  }
  const trustLocked = isLocked(locked, "trust");
  byId<HTMLButtonElement>(doc, "btn-trust-cert").disabled = trustLocked;
}

/** Marks the fields with problems for assistive technology. */
export function markInvalid(doc: Document, bad: readonly (keyof SignInForm)[]): void {
  for (const key of Object.keys(FIELD_IDS) as (keyof SignInForm)[]) {
    const el = field(doc, key);
    if (bad.includes(key)) el.setAttribute("aria-invalid", "true");
    else el.removeAttribute("aria-invalid");
  }
}

/** The sign-in flow: validate, send, and say what went wrong. */
export class SignInView {
  /** The sign-in attempt's error; wins over the fall-back reason. */
  private error: string | null = null;
  private signingIn = false;

  constructor(private readonly ctx: Context) {}

  wire(): void {
    const form = this.ctx.el<HTMLFormElement>("signin");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.signIn();
    });
    form.addEventListener("change", (event) => {
      const id = (event.target as HTMLElement).id;
      if (id === "mode" || id === "trust" || id === "relay-trust") updateFormVisibility(this.ctx.doc);
      if (id === "mode" || id.startsWith("push-")) void this.showPushCertificate();
    });
  }

  /**
   * In push mode, the fingerprint of the receiver's certificate for the
   * push fields as they stand, where the administrator pins it at the gateway.
   */
  async showPushCertificate(): Promise<void> {
    const form = readForm(this.ctx.doc);
    const holder = this.ctx.el("push-fingerprint-field");
    const out = this.ctx.el("push-fingerprint");
    if (form.mode !== "push") {
      setHidden(holder, true);
      return;
    }
    const push = settingsFromForm(form, this.ctx.settings).push;
    let sha256 = "";
    try {
      sha256 = await api.pushCertificate(push);
    } catch {
      // Not a usable receiver yet (e.g. an address still being typed): nothing to pin.
    }
    if (readForm(this.ctx.doc).mode !== "push") return;
    setText(out, sha256);
    setHidden(holder, sha256 === "");
  }

  /** Shows `problem` (null: none) on the form's message line, and focuses `focus`. */
  say(problem: string | null, focus?: string): void {
    this.error = problem;
    this.renderMessage();
    if (focus !== undefined) this.ctx.el(focus).focus();
  }

  /** The bar is shown: an earlier attempt's error is over. */
  forget(): void {
    this.error = null;
  }

  /** The texts that depend on the language and the remembered password. */
  renderText(): void {
    const password = this.ctx.el<HTMLInputElement>("password");
    password.placeholder = this.ctx.passwordRemembered ? t("signin.remembered") : "";
    password.title = this.ctx.passwordRemembered ? t("signin.rememberedTitle") : "";
    setText(this.ctx.el("btn-sign-in"), this.signingIn ? t("signin.signingIn") : t("signin.submit"));
  }

  renderMessage(): void {
    const box = this.ctx.el("signin-error");
    const bar = this.ctx.bar;
    const reason = bar.health.kind === "signedout" ? bar.health.reason : null;
    const text = this.error ?? reason ?? "";
    setText(box, text);
    box.classList.toggle("notice", this.error === null);
    setHidden(box, text === "");
  }

  private async signIn(): Promise<void> {
    const form = readForm(this.ctx.doc);
    const problems = validateSignIn(form, this.ctx.passwordRemembered);
    markInvalid(this.ctx.doc, problems.map((p) => p.field));
    const first = problems[0];
    if (first) {
      this.say(first.message, FIELD_IDS[first.field]);
      return;
    }
    this.say(null);
    const settings = settingsFromForm(form, this.ctx.settings);
    const button = this.ctx.el<HTMLButtonElement>("btn-sign-in");
    button.disabled = true;
    this.signingIn = true;
    setText(button, t("signin.signingIn"));
    try {
      await api.signIn({ settings, password: form.password });
      this.ctx.settings = settings;
      this.ctx.el<HTMLInputElement>("password").value = "";
      if (settings.rememberPassword) this.ctx.passwordRemembered = true;
    } catch (error) {
      this.error = asAppError(error).message;
    } finally {
      button.disabled = false;
      this.signingIn = false;
      setText(button, t("signin.submit"));
      this.renderMessage();
      this.ctx.renderError();
    }
  }
}
