/**
 * The shortcut fields of the settings panel with what became of each
 * shortcut, and the shortcuts inside the window: the configured ones the
 * desktop did not take globally (a global one never reaches the window).
 */
import { api, type Settings, type ShortcutAction, type ShortcutStatus } from "../api";
import { setAttr, setText } from "../dom";
import { t } from "../i18n";
import { SHORTCUT_ACTIONS, actionFor, checkShortcuts, formatShortcut, parseShortcut } from "../shortcuts";
import type { Context } from "./context";

/**
 * Shortcut action → its input in the settings panel, and the buttons it
 * presses in the window: the first one shown and usable (mute toggles).
 */
const SHORTCUT_IDS: Record<ShortcutAction, { input: string; buttons: readonly string[] }> = {
  answer: { input: "shortcut-answer", buttons: ["btn-answer"] },
  hangUp: { input: "shortcut-hang-up", buttons: ["btn-hangup"] },
  ready: { input: "shortcut-ready", buttons: ["btn-ready"] },
  busy: { input: "shortcut-busy", buttons: ["btn-busy"] },
  mute: { input: "shortcut-mute", buttons: ["btn-mute", "btn-unmute"] },
};

export class ShortcutsView {
  /** What became of each global shortcut (Rust side). */
  private statuses: ShortcutStatus[] = [];
  /** Problems in what the agent typed in a shortcut field, before saving. */
  private problems: Partial<Record<ShortcutAction, string>> = {};

  /** `save` saves settings through the settings panel. */
  constructor(
    private readonly ctx: Context,
    private readonly save: (control: HTMLInputElement, wanted: Settings) => Promise<unknown>,
  ) {}

  wire(): void {
    const ctx = this.ctx;
    for (const action of SHORTCUT_ACTIONS) {
      const input = ctx.el<HTMLInputElement>(SHORTCUT_IDS[action].input);
      input.addEventListener("change", () => void this.saveShortcut(action, input));
    }
    ctx.doc.addEventListener("keydown", (event) => {
      if (event.defaultPrevented || event.repeat) return;
      const target = event.target;
      if (target instanceof Element && target.closest(".shortcuts")) return;
      const action = actionFor(ctx.settings.shortcuts, event);
      if (action === null) return;
      if (this.statuses.some((s) => s.action === action && s.state === "registered")) return;
      event.preventDefault();
      const button = SHORTCUT_IDS[action].buttons
        .map((id) => ctx.el<HTMLButtonElement>(id))
        .find((b) => !b.hidden && !b.disabled);
      button?.click();
    });
  }

  async load(): Promise<void> {
    try {
      this.statuses = (await api.shortcutStatus()) ?? [];
    } catch {
      this.statuses = [];
    }
    this.render();
  }

  /** The fields as the settings have them (not the one the agent is typing in). */
  renderFields(): void {
    for (const action of SHORTCUT_ACTIONS) {
      const input = this.ctx.el<HTMLInputElement>(SHORTCUT_IDS[action].input);
      if (this.ctx.doc.activeElement !== input) input.value = this.ctx.settings.shortcuts[action];
    }
    this.render();
  }

  /** Each shortcut's status beside its field: works everywhere, only in this window, off, or what is wrong. */
  render(): void {
    const shortcuts = this.ctx.settings.shortcuts;
    for (const action of SHORTCUT_ACTIONS) {
      const input = this.ctx.el<HTMLInputElement>(SHORTCUT_IDS[action].input);
      const status = this.ctx.el(`${SHORTCUT_IDS[action].input}-status`);
      const problem = this.problems[action];
      const reported = this.statuses.find((s) => s.action === action && s.shortcut === shortcuts[action].trim());
      let text: string;
      let kind: "ok" | "warn" | "error";
      let title = "";
      if (problem !== undefined) {
        text = problem;
        kind = "error";
      } else if (shortcuts[action].trim() === "") {
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

  private async saveShortcut(action: ShortcutAction, input: HTMLInputElement): Promise<void> {
    const parsed = parseShortcut(input.value);
    const value = parsed.ok && parsed.shortcut ? formatShortcut(parsed.shortcut) : input.value.trim();
    const wanted = { ...this.ctx.settings.shortcuts, [action]: value };
    this.problems = checkShortcuts(wanted);
    if (this.problems[action] !== undefined) {
      this.render();
      return;
    }
    input.value = value;
    await this.save(input, { ...this.ctx.settings, shortcuts: wanted });
    await this.load();
  }
}
