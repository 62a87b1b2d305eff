import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import type { Settings, ShortcutStatus } from "./api";
import { start, type App } from "./app";
import { bar, call, snapshot } from "./fixtures";
import {
  DEFAULT_SHORTCUTS,
  actionFor,
  checkShortcuts,
  formatShortcut,
  matchesEvent,
  parseShortcut,
  type Shortcut,
} from "./shortcuts";
import markup from "../index.html?raw";

const ok = (text: string): Shortcut => {
  const parsed = parseShortcut(text);
  if (!parsed.ok || !parsed.shortcut) throw new Error(`${text} did not parse`);
  return parsed.shortcut;
};

describe("parsing", () => {
  it("reads modifiers and one key, in any case", () => {
    expect(ok("Ctrl+Alt+A")).toEqual({ ctrl: true, alt: true, shift: false, meta: false, code: "KeyA" });
    expect(ok(" ctrl + shift + f5 ")).toEqual({ ctrl: true, alt: false, shift: true, meta: false, code: "F5" });
    expect(ok("Super+1").code).toBe("Digit1");
    expect(ok("Alt+Space").code).toBe("Space");
    expect(ok("CmdOrCtrl+Up").code).toBe("ArrowUp");
  });

  it("treats empty as off", () => {
    expect(parseShortcut("  ")).toEqual({ ok: true, shortcut: null });
  });

  it("refuses what would take keys from typing or is not a key", () => {
    expect(parseShortcut("A").ok).toBe(false);
    expect(parseShortcut("Shift+A").ok).toBe(false);
    expect(parseShortcut("Ctrl+Alt").ok).toBe(false);
    expect(parseShortcut("Ctrl+A+B").ok).toBe(false);
    expect(parseShortcut("Ctrl++A").ok).toBe(false);
    const bad = parseShortcut("Ctrl+Banana");
    expect(bad.ok === false && bad.error).toContain("Banana");
  });

  it("writes the one form the settings keep", () => {
    expect(formatShortcut(ok("alt+ctrl+a"))).toBe("Ctrl+Alt+A");
    expect(formatShortcut(ok("shift+super+f12"))).toBe("Shift+Super+F12");
  });

  it("the defaults are valid and distinct", () => {
    expect(checkShortcuts(DEFAULT_SHORTCUTS)).toEqual({});
  });

  it("finds a combination used twice and a bad one", () => {
    const problems = checkShortcuts({ answer: "Ctrl+Alt+A", hangUp: "ctrl+alt+a", ready: "Ctrl+Q+Q", busy: "", mute: "" });
    expect(Object.keys(problems).sort()).toEqual(["hangUp", "ready"]);
    expect(problems.hangUp).toContain("Answer");
  });
});

describe("matching key presses", () => {
  const press = (code: string, mods: Partial<KeyboardEventInit> = {}) => new KeyboardEvent("keydown", { code, ...mods });

  it("needs exactly the modifiers", () => {
    const s = ok("Ctrl+Alt+A");
    expect(matchesEvent(s, press("KeyA", { ctrlKey: true, altKey: true }))).toBe(true);
    expect(matchesEvent(s, press("KeyA", { ctrlKey: true, altKey: true, shiftKey: true }))).toBe(false);
    expect(matchesEvent(s, press("KeyA", { ctrlKey: true }))).toBe(false);
    expect(actionFor(DEFAULT_SHORTCUTS, press("KeyH", { ctrlKey: true, altKey: true }))).toBe("hangUp");
    expect(actionFor(DEFAULT_SHORTCUTS, press("KeyZ", { ctrlKey: true, altKey: true }))).toBe(null);
  });
});

// ---------------------------------------------------------------- on the page

const NOW = 1_700_000_000_000;
let app: App | null = null;
let calls: string[] = [];
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (id: string) => document.getElementById(id) as HTMLElement;

async function boot(statuses: ShortcutStatus[], state = bar(NOW, { state: "ringing", stateSince: NOW, call: call(NOW) })): Promise<void> {
  document.body.innerHTML = new DOMParser().parseFromString(markup, "text/html").body.innerHTML;
  calls = [];
  mockWindows("main");
  mockIPC((cmd, args) => {
    calls.push(cmd);
    if (cmd === "snapshot") return snapshot(NOW, { bar: state });
    if (cmd === "shortcut_status") return statuses;
    if (cmd === "save_settings") return (args as { settings: Settings }).settings;
    return null;
  });
  app = await start(document, { now: () => NOW, ticking: false });
  await flush();
}

afterEach(() => {
  app?.stop();
  clearMocks();
});

const key = (code: string) => new KeyboardEvent("keydown", { code, ctrlKey: true, altKey: true, bubbles: true });

describe("shortcuts on the page", () => {
  it("a shortcut the desktop refused works in the window; a global one is left to the desktop", async () => {
    await boot([
      { action: "answer", shortcut: "Ctrl+Alt+A", state: "unavailable", detail: "Wayland" },
      { action: "hangUp", shortcut: "Ctrl+Alt+H", state: "registered", detail: null },
    ]);
    document.dispatchEvent(key("KeyH"));
    await flush();
    expect(calls).not.toContain("hang_up");
    document.dispatchEvent(key("KeyA"));
    await flush();
    expect(calls).toContain("answer");
  });

  it("the settings panel says what became of each shortcut", async () => {
    await boot([
      { action: "answer", shortcut: "Ctrl+Alt+A", state: "registered", detail: null },
      { action: "hangUp", shortcut: "Ctrl+Alt+H", state: "unavailable", detail: "The desktop refused it" },
    ]);
    expect(($("shortcut-answer") as HTMLInputElement).value).toBe("Ctrl+Alt+A");
    expect($("shortcut-answer-status").textContent).toBe("Works everywhere");
    expect($("shortcut-hang-up-status").textContent).toBe("Only in this window");
    expect($("shortcut-hang-up-status").title).toBe("The desktop refused it");
  });

  it("saves a changed shortcut in the one form, and refuses a duplicate without saving", async () => {
    await boot([]);
    const input = $("shortcut-busy") as HTMLInputElement;
    input.value = "alt+ctrl+f9";
    input.dispatchEvent(new Event("change"));
    await flush();
    expect(calls).toContain("save_settings");
    expect(app?.settings.shortcuts.busy).toBe("Ctrl+Alt+F9");
    expect(input.value).toBe("Ctrl+Alt+F9");

    calls = [];
    input.value = "Ctrl+Alt+A";
    input.dispatchEvent(new Event("change"));
    await flush();
    expect(calls).not.toContain("save_settings");
    expect($("shortcut-busy-status").textContent).toContain("Answer");
    expect(input.getAttribute("aria-invalid")).toBe("true");
  });

  it("a new ringing call brings focus to Answer", async () => {
    await boot([], bar(NOW));
    const { emit } = await import("@tauri-apps/api/event");
    mockIPC((cmd) => (cmd === "shortcut_status" ? [] : null), { shouldMockEvents: true });
    expect(document.activeElement?.id).not.toBe("btn-answer");
    app?.applyBar(bar(NOW, { state: "ringing", stateSince: NOW, call: call(NOW) }));
    expect(document.activeElement?.id).toBe("btn-answer");
    void emit;
  });
});
