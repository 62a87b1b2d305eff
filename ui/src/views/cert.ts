/** First contact with a gateway: check its certificate, show it, trust it by fingerprint. */
import { api, asAppError, type CertificateView } from "../api";
import { setHidden, setText } from "../dom";
import { t } from "../i18n";
import { validateSignIn } from "../model";
import type { Context } from "./context";
import { readForm, updateFormVisibility } from "./signin";

export class CertView {
  /** The certificate the agent checked, to show it again in another language. */
  private cert: (CertificateView & { willTrust: boolean }) | null = null;

  /** `say` shows a problem (or null) on the sign-in form's message line. */
  constructor(
    private readonly ctx: Context,
    private readonly say: (problem: string | null, focus?: string) => void,
  ) {}

  wire(): void {
    this.ctx.el("gateway").addEventListener("input", () => this.clear());
    this.ctx.el("btn-check-cert").addEventListener("click", () => void this.check());
    this.ctx.el("btn-trust-cert").addEventListener("click", () => this.trust());
  }

  private clear(): void {
    const info = this.ctx.el("cert-info");
    setText(info, "");
    delete info.dataset.sha256;
    setHidden(info, true);
    setHidden(this.ctx.el("btn-trust-cert"), true);
    this.cert = null;
  }

  private async check(): Promise<void> {
    const gateway = this.ctx.el<HTMLInputElement>("gateway").value.trim();
    const problem = validateSignIn(readForm(this.ctx.doc), true).find((p) => p.field === "gateway");
    if (problem) {
      this.say(problem.message, "gateway");
      return;
    }
    this.clear();
    let found: CertificateView | null = null;
    await this.ctx.run("btn-check-cert", async () => {
      try {
        found = await api.probeCertificate(gateway);
        this.say(null);
      } catch (error) {
        this.say(asAppError(error).message);
      }
    });
    const cert = found as CertificateView | null;
    if (!cert) return;
    this.cert = { ...cert, willTrust: false };
    this.render();
    setHidden(this.ctx.el("btn-trust-cert"), false);
  }

  /** The checked certificate's subject, whether it is trusted, and its fingerprint. */
  render(): void {
    const cert = this.cert;
    if (!cert) return;
    const info = this.ctx.el("cert-info");
    info.replaceChildren();
    const subject = this.ctx.doc.createElement("span");
    subject.className = "cert-subject";
    const key = cert.willTrust ? "signin.willTrust" : cert.trusted ? "signin.trusted" : "signin.notTrusted";
    subject.textContent = t(key, { subject: cert.subject });
    const sha = this.ctx.doc.createElement("span");
    sha.className = "cert-sha mono";
    sha.textContent = `SHA-256 ${cert.sha256}`;
    info.append(subject, sha);
    info.dataset.sha256 = cert.sha256;
    info.classList.toggle("trusted", cert.trusted || cert.willTrust);
    info.title = `${cert.subject}\nSHA-256 ${cert.sha256}`;
    setHidden(info, false);
  }

  private trust(): void {
    const sha256 = this.ctx.el("cert-info").dataset.sha256;
    if (!sha256) return;
    this.ctx.el<HTMLSelectElement>("trust").value = "pin";
    this.ctx.el<HTMLInputElement>("pin-sha256").value = sha256;
    updateFormVisibility(this.ctx.doc);
    setHidden(this.ctx.el("btn-trust-cert"), true);
    if (this.cert) this.cert = { ...this.cert, willTrust: true };
    this.render();
  }
}
