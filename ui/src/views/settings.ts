/**
 * The settings panel: notifications, window, language, skill queues and the
 * diagnostics archive. A change is saved at once; a refused one is put back.
 */
import { api, asAppError, type Settings, type Skills } from "../api";
import { setHidden, setText } from "../dom";
import { t } from "../i18n";
import { isLocked, readSetting, withSetting, type SettingPath } from "../model";
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
  "keep-recent-calls": "keepRecentCalls",
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
    const skills = ctx.el("settings").querySelector<HTMLElement>('[data-setting="skills"]');
    skills?.addEventListener("change", (event) => void this.saveSkills(event.target as HTMLInputElement));
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
    this.renderSkills();
    this.renderShortcuts();
  }

  /**
   * All skills, or only the ticked ones: the agent's configured skills while
   * signed in, else the ones saved (by ID).
   */
  renderSkills(): void {
    const ctx = this.ctx;
    const chosen = ctx.settings.skills;
    const locked = isLocked(ctx.settings.locked, "skills");
    const all = ctx.el<HTMLInputElement>("skills-all");
    const only = ctx.el<HTMLInputElement>("skills-only");
    all.checked = chosen.kind === "all";
    only.checked = chosen.kind === "only";
    all.disabled = locked;
    only.disabled = locked;
    const ids = chosen.kind === "only" ? chosen.ids : [];
    const known = ctx.skills?.configured ?? ids.map((id) => ({ id, name: id }));
    const list = ctx.el("skills-list");
    const key = JSON.stringify(known);
    if (list.dataset.key !== key) {
      list.dataset.key = key;
      list.replaceChildren(
        ...known.map((skill) => {
          const label = ctx.doc.createElement("label");
          label.className = "check";
          const box = ctx.doc.createElement("input");
          box.type = "checkbox";
          box.className = "skill";
          box.value = skill.id;
          const name = ctx.doc.createElement("span");
          name.textContent = skill.name;
          label.append(box, " ", name);
          return label;
        }),
      );
    }
    for (const box of list.querySelectorAll<HTMLInputElement>("input.skill")) {
      box.checked = chosen.kind === "only" && ids.includes(box.value);
      box.disabled = locked || chosen.kind === "all";
    }
    setHidden(ctx.el("skills-hint"), ctx.skills !== null);
  }

  /** Saves the skill choice and, while signed in, signs in to those skills now. */
  private async saveSkills(control: HTMLInputElement): Promise<void> {
    const ctx = this.ctx;
    const list = ctx.el("skills-list");
    let ids = [...list.querySelectorAll<HTMLInputElement>("input.skill:checked")].map((b) => b.value);
    if (control.id === "skills-only" && ctx.settings.skills.kind === "all") {
      // Starting from all: tick the skills signed in to now (or every one).
      const now = ctx.skills?.signedIn.map((s) => s.id) ?? [];
      ids = now.length > 0 ? now : [...list.querySelectorAll<HTMLInputElement>("input.skill")].map((b) => b.value);
    }
    const skills: Skills = ctx.el<HTMLInputElement>("skills-all").checked ? { kind: "all" } : { kind: "only", ids };
    const saved = await this.save(control, { ...ctx.settings, skills });
    if (!saved || ctx.bar.state === "signedout") return;
    try {
      ctx.setSkills(await api.signInSkills(skills.kind === "all" ? null : skills.ids));
    } catch (error) {
      const e = asAppError(error);
      setText(ctx.el("settings-status"), e.message);
      ctx.showError(e);
    }
  }

  /** Saves settings changed in the panel; a refused change is put back. */
  async save(control: HTMLInputElement | HTMLSelectElement, wanted: Settings): Promise<boolean> {
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
      return true;
    } catch (error) {
      const e = asAppError(error);
      setText(status, e.message);
      ctx.showError(e);
      return false;
    } finally {
      applyLocks(ctx.doc, ctx.settings.locked);
      this.render();
    }
  }
}
