/**
 * Keyboard shortcuts such as "Ctrl+Alt+A": parsing and checking what the agent
 * types in the settings panel, and matching key presses inside the window
 * (where the desktop refuses a global shortcut, it still works while the bar
 * has focus). The Rust side registers the global ones (src-tauri/src/shortcuts.rs).
 */
import type { ShortcutAction, ShortcutSettings } from "./api";
import { t, type Key } from "./i18n";

export interface Shortcut {
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
  meta: boolean;
  /** The key, as KeyboardEvent.code names it ("KeyA", "Digit1", "F5", "Space"). */
  code: string;
}

export const SHORTCUT_ACTIONS: readonly ShortcutAction[] = ["answer", "hangUp", "ready", "busy", "mute"];

export const DEFAULT_SHORTCUTS: ShortcutSettings = {
  answer: "Ctrl+Alt+A",
  hangUp: "Ctrl+Alt+H",
  ready: "Ctrl+Alt+R",
  busy: "Ctrl+Alt+B",
  mute: "Ctrl+Alt+M",
};

/** The action's name on the page. */
export const ACTION_KEYS: Record<ShortcutAction, Key> = {
  answer: "shortcut.answer",
  hangUp: "shortcut.hangUp",
  ready: "shortcut.ready",
  busy: "shortcut.busy",
  mute: "shortcut.mute",
};

const NAMED: Record<string, string> = {
  SPACE: "Space",
  ENTER: "Enter",
  TAB: "Tab",
  ESC: "Escape",
  ESCAPE: "Escape",
  HOME: "Home",
  END: "End",
  INSERT: "Insert",
  DELETE: "Delete",
  PAGEUP: "PageUp",
  PAGEDOWN: "PageDown",
  UP: "ArrowUp",
  DOWN: "ArrowDown",
  LEFT: "ArrowLeft",
  RIGHT: "ArrowRight",
  ARROWUP: "ArrowUp",
  ARROWDOWN: "ArrowDown",
  ARROWLEFT: "ArrowLeft",
  ARROWRIGHT: "ArrowRight",
};

function keyCode(token: string): string | null {
  const upper = token.toUpperCase();
  if (/^[A-Z]$/.test(upper)) return `Key${upper}`;
  if (/^[0-9]$/.test(upper)) return `Digit${upper}`;
  if (/^F([1-9]|1[0-9]|2[0-4])$/.test(upper)) return upper;
  return NAMED[upper] ?? null;
}

export type ParseResult = { ok: true; shortcut: Shortcut | null } | { ok: false; error: string };

/**
 * "Ctrl+Alt+A" → a shortcut; empty → null (off). A shortcut needs Ctrl, Alt
 * or Super, so it never takes a key away from typing; one key after the modifiers.
 */
export function parseShortcut(text: string): ParseResult {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, shortcut: null };
  const shortcut: Shortcut = { ctrl: false, alt: false, shift: false, meta: false, code: "" };
  for (const raw of trimmed.split("+")) {
    const token = raw.trim();
    if (shortcut.code !== "" || token === "") return { ok: false, error: t("shortcut.oneKey") };
    switch (token.toUpperCase()) {
      case "CTRL":
      case "CONTROL":
      case "CMDORCTRL":
      case "COMMANDORCONTROL":
        shortcut.ctrl = true;
        break;
      case "ALT":
      case "OPTION":
        shortcut.alt = true;
        break;
      case "SHIFT":
        shortcut.shift = true;
        break;
      case "SUPER":
      case "META":
      case "CMD":
      case "COMMAND":
        shortcut.meta = true;
        break;
      default: {
        const code = keyCode(token);
        if (code === null) return { ok: false, error: t("shortcut.badKey", { key: token }) };
        shortcut.code = code;
      }
    }
  }
  if (shortcut.code === "") return { ok: false, error: t("shortcut.oneKey") };
  if (!shortcut.ctrl && !shortcut.alt && !shortcut.meta) return { ok: false, error: t("shortcut.needsModifier") };
  return { ok: true, shortcut };
}

/** The shortcut written the one way the settings keep it: "Ctrl+Alt+A". */
export function formatShortcut(s: Shortcut): string {
  const key = s.code.replace(/^Key/, "").replace(/^Digit/, "");
  return [s.ctrl && "Ctrl", s.alt && "Alt", s.shift && "Shift", s.meta && "Super", key].filter(Boolean).join("+");
}

function same(a: Shortcut, b: Shortcut): boolean {
  return a.ctrl === b.ctrl && a.alt === b.alt && a.shift === b.shift && a.meta === b.meta && a.code === b.code;
}

/** What is wrong with each shortcut (absent when fine): not parsable, or used twice. */
export function checkShortcuts(settings: ShortcutSettings): Partial<Record<ShortcutAction, string>> {
  const problems: Partial<Record<ShortcutAction, string>> = {};
  const seen: { action: ShortcutAction; shortcut: Shortcut }[] = [];
  for (const action of SHORTCUT_ACTIONS) {
    const parsed = parseShortcut(settings[action]);
    if (!parsed.ok) {
      problems[action] = parsed.error;
      continue;
    }
    if (parsed.shortcut === null) continue;
    const shortcut = parsed.shortcut;
    const earlier = seen.find((s) => same(s.shortcut, shortcut));
    if (earlier) problems[action] = t("shortcut.duplicate", { action: t(ACTION_KEYS[earlier.action]) });
    else seen.push({ action, shortcut });
  }
  return problems;
}

/** Whether a key press is `shortcut`. */
export function matchesEvent(shortcut: Shortcut, event: KeyboardEvent): boolean {
  return (
    event.code === shortcut.code &&
    event.ctrlKey === shortcut.ctrl &&
    event.altKey === shortcut.alt &&
    event.shiftKey === shortcut.shift &&
    event.metaKey === shortcut.meta
  );
}

/** The action a key press asks for, among the configured shortcuts. */
export function actionFor(settings: ShortcutSettings, event: KeyboardEvent): ShortcutAction | null {
  for (const action of SHORTCUT_ACTIONS) {
    const parsed = parseShortcut(settings[action]);
    if (parsed.ok && parsed.shortcut && matchesEvent(parsed.shortcut, event)) return action;
  }
  return null;
}
