/** The sign-in form: fields ↔ SignInForm, what shows for which mode and trust, locks. */
import { byId, setHidden, setText } from "./dom";
import { t } from "./i18n";
import { isLocked, type SignInForm } from "./model";

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

export function readForm(doc: Document): SignInForm {
  return {
    gateway: value(doc, "gateway"),
    gatewayBackup: value(doc, "gatewayBackup"),
    agentId: value(doc, "agentId"),
    phone: value(doc, "phone"),
    password: value(doc, "password"),
    mode: value(doc, "mode") === "push" ? "push" : "poll",
    pushListen: value(doc, "pushListen"),
    pushUrl: value(doc, "pushUrl"),
    pushCert: value(doc, "pushCert"),
    pushKey: value(doc, "pushKey"),
    trust: ((t) => (t === "caFile" || t === "pin" ? t : "system"))(value(doc, "trust")),
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

/** Push fields only for push; the CA path or the fingerprint only for its trust. */
export function updateFormVisibility(doc: Document): void {
  const trust = value(doc, "trust");
  setHidden(byId(doc, "push-fields"), value(doc, "mode") !== "push");
  setHidden(byId(doc, "ca-file-field"), trust !== "caFile");
  setHidden(byId(doc, "pin-field"), trust !== "pin");
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
