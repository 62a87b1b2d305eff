/**
 * The settings panel: notifications, window, language and the diagnostics
 * archive. A change is saved at once; a refused one is put back.
 */
import { api, asAppError, type Settings } from "../api";
import { setHidden, setText } from "../dom";
import { t } from "../i18n";
import { readSetting, withSetting, type SettingPath } from "../model";
import type { Context } from "./context";
import { applyLocks } from "./signin";

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

export class SettingsPanel {
  /** `renderShortcuts` shows the shortcut fields, which live in the panel too. */
  constructor(
    private readonly ctx: Context,
    private readonly renderShortcuts: () => void,
  ) {}

  wire(): void {
    const ctx = this.ctx;
    const toggle = ctx.el<HTMLButtonElement>("btn-settings");
    const panel = ctx.el("settings");
    toggle.addEventListener("click", () => this.setOpen(panel.hidden));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        this.setOpen(false);
        toggle.focus();
      }
    });
    ctx.doc.addEventListener("mousedown", (event) => {
      const target = event.target as Node;
      if (!panel.hidden && !panel.contains(target) && !toggle.contains(target)) this.setOpen(false);
    });
    for (const [id, path] of Object.entries(SETTING_IDS)) {
      const box = ctx.el<HTMLInputElement>(id);
      box.addEventListener("change", () => void this.save(box, withSetting(ctx.settings, path, box.checked)));
    }
    const lang = ctx.el<HTMLSelectElement>("language");
    lang.addEventListener("change", () => {
      const value = lang.value === "en" || lang.value === "zh-CN" ? lang.value : "auto";
      void this.save(lang, { ...ctx.settings, language: value });
    });
    ctx.el("btn-save-diagnostics").addEventListener(
      "click",
      () =>
        void ctx.run("btn-save-diagnostics", async () => {
          const path = await api.saveDiagnostics();
          setText(ctx.el("diagnostics-status"), t("settings.diagnosticsSaved", { path }));
        }),
    );
  }

  setOpen(open: boolean): void {
    setHidden(this.ctx.el("settings"), !open);
    this.ctx.el("btn-settings").setAttribute("aria-expanded", String(open));
    if (open) this.ctx.el("settings").querySelector<HTMLInputElement>("input:not(:disabled)")?.focus();
  }

  render(): void {
    for (const [id, path] of Object.entries(SETTING_IDS)) {
      this.ctx.el<HTMLInputElement>(id).checked = readSetting(this.ctx.settings, path);
    }
    this.ctx.el<HTMLSelectElement>("language").value = this.ctx.settings.language;
    this.renderShortcuts();
  }

  /** Saves settings changed in the panel; a refused change is put back. */
  async save(control: HTMLInputElement | HTMLSelectElement, wanted: Settings): Promise<void> {
    const ctx = this.ctx;
    const status = ctx.el("settings-status");
    const languageBefore = ctx.settings.language;
    control.disabled = true;
    try {
      const saved = await api.saveSettings(wanted);
      ctx.settings = saved;
      if (saved.language !== languageBefore) ctx.applyLanguage();
      applyLocks(ctx.doc, saved.locked);
      setText(status, t("settings.saved"));
    } catch (error) {
      const e = asAppError(error);
      setText(status, e.message);
      ctx.showError(e);
    } finally {
      applyLocks(ctx.doc, ctx.settings.locked);
      this.render();
    }
  }
}
