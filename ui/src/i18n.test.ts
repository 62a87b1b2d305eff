// The catalogue is complete in both languages, the language follows the
// setting or the OS (as the Rust side reports it), and a page rendered in
// Chinese shows no English words of the catalogue.
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Settings, Snapshot } from "./api";
import { start, type App } from "./app";
import { bar, call, CONTROLS_SENT, SETTINGS, snapshot } from "./fixtures";
import { CATALOGUES, languageOfLocale, resolveLanguage, setLanguage, t, type Key } from "./i18n";
import { SIGNED_OUT_BAR } from "./model";
import markup from "../index.html?raw";

const NOW = 1_700_000_000_000;
const en = CATALOGUES.en;
const zh = CATALOGUES["zh-CN"];
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the catalogue", () => {
  it("has every key in both languages, none empty, with the same placeholders", () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as Key[]) {
      expect(en[key].trim(), key).not.toBe("");
      expect(zh[key].trim(), key).not.toBe("");
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("every key the page names in its markup exists", () => {
    const doc = new DOMParser().parseFromString(markup, "text/html");
    const used = [...doc.querySelectorAll("*")].flatMap((el) =>
      ["data-i18n", "data-i18n-label", "data-i18n-title", "data-i18n-placeholder"]
        .map((a) => el.getAttribute(a))
        .filter((k): k is string => k !== null),
    );
    expect(used.length).toBeGreaterThan(60);
    expect(used.filter((k) => !(k in en))).toEqual([]);
  });

  it("fills in values", () => {
    setLanguage("zh-CN");
    expect(t("status.agent", { agent: "101" })).toBe("座席 101");
    setLanguage("en");
    expect(t("status.agent", { agent: "101" })).toBe("Agent 101");
  });
});

describe("choosing the language", () => {
  it("reads locale names", () => {
    expect(languageOfLocale("zh_CN.UTF-8")).toBe("zh-CN");
    expect(languageOfLocale("zh-CN")).toBe("zh-CN");
    expect(languageOfLocale("zh-Hans")).toBe("zh-CN");
    expect(languageOfLocale("en_US.UTF-8")).toBe("en");
    expect(languageOfLocale("C.UTF-8")).toBe("en");
    expect(languageOfLocale("")).toBe("en");
    expect(languageOfLocale(null)).toBe("en");
  });

  it("follows the setting, or for auto what the Rust side detected", () => {
    expect(resolveLanguage("en", "zh-CN")).toBe("en");
    expect(resolveLanguage("zh-CN", "en")).toBe("zh-CN");
    expect(resolveLanguage("auto", "zh-CN")).toBe("zh-CN");
    expect(resolveLanguage("auto", "en")).toBe("en");
    expect(resolveLanguage("auto", null)).toBe("en");
  });
});

// ---------------------------------------------------------------- the page in Chinese

let app: App | null = null;
let system = "zh-CN";
let calls: { cmd: string; args: unknown }[] = [];
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const $ = (id: string) => document.getElementById(id) as HTMLElement;

beforeEach(() => {
  document.body.innerHTML = new DOMParser().parseFromString(markup, "text/html").body.innerHTML;
  system = "zh-CN";
  calls = [];
  mockWindows("main");
});

afterEach(() => {
  app?.stop();
  app = null;
  setLanguage("en");
  clearMocks();
});

async function boot(snap: Snapshot): Promise<App> {
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args });
      switch (cmd) {
        case "system_language":
          return system;
        case "snapshot":
          return snap;
        case "app_info":
          return { name: "AgentBar", version: "1.2.3" };
        case "save_settings":
          return (args as { settings: Settings }).settings;
        case "skills":
          return { configured: [{ id: "1", name: "综合" }], signedIn: [] };
        case "queue_figures":
          return { waiting: 2, longestWaitS: 75, skills: [] };
        case "today":
          return { answered: 3, missed: 1, outbound: 2, talkTimeS: 600 };
        case "transfer_targets":
          return {
            agents: [{ target: "agent:102", address: "102", name: "李伟", idle: true }],
            skills: [],
            ivrs: [],
            accessCodes: [],
            unavailable: ["idleAgents", "skills"],
          };
        case "shortcut_status":
          return [
            { action: "answer", shortcut: "Ctrl+Alt+A", state: "registered", detail: null },
            { action: "hangUp", shortcut: "Ctrl+Alt+H", state: "unavailable", detail: "此 Wayland 桌面不允许" },
          ];
        default:
          return null;
      }
    },
    { shouldMockEvents: true },
  );
  app = await start(document, { now: () => NOW, ticking: false });
  await flush();
  return app;
}

/** Every word an agent can see or hear: visible text, and names and hints of controls. */
function visibleWords(): string[] {
  const words: string[] = [];
  const shown = (el: Element) => el.closest("[hidden]") === null;
  for (const el of document.body.querySelectorAll("*")) {
    if (!shown(el) || el.closest("#events") || el.closest("option[lang]")) continue;
    for (const node of el.childNodes) {
      if (node.nodeType === node.TEXT_NODE && node.textContent?.trim()) words.push(node.textContent.trim());
    }
    for (const attr of ["aria-label", "title", "placeholder"]) {
      const value = el.getAttribute(attr);
      if (value) words.push(value);
    }
  }
  return words;
}

/** The English pieces of the catalogue an agent would notice (those that differ in Chinese). */
function englishPieces(): string[] {
  return (Object.keys(en) as Key[])
    .filter((key) => en[key] !== zh[key])
    .flatMap((key) => en[key].split(/\{\w+\}/))
    .map((piece) => piece.trim().replace(/^[—:(),.]+|[—:(),.]+$/g, "").trim())
    .filter((piece) => /[A-Za-z]{2,}/.test(piece));
}

function englishLeft(): string[] {
  const pieces = englishPieces();
  const words = visibleWords();
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return words.filter((w) => pieces.some((p) => new RegExp(`(^|[^A-Za-z_])${escape(p)}($|[^A-Za-z_])`).test(w)));
}

describe("the page in Simplified Chinese", () => {
  it("the sign-in form and the settings show no English words", async () => {
    await boot(snapshot(NOW, { bar: SIGNED_OUT_BAR, passwordRemembered: true, settings: { ...SETTINGS, locked: ["alwaysOnTop"] } }));
    app?.setPanelOpen(true);
    expect(document.documentElement.lang).toBe("zh-CN");
    expect($("btn-sign-in").textContent).toBe("签入");
    expect($("agent-state").textContent).toBe("已签出");
    expect(englishLeft()).toEqual([]);
  });

  it("the bar with a ringing call, then talking, shows no English words", async () => {
    await boot(snapshot(NOW));
    await emit("bar:state", bar(NOW, { state: "ringing", stateSince: NOW, call: call(NOW) }));
    await flush();
    expect($("btn-answer").textContent).toBe("应答");
    expect(englishLeft()).toEqual([]);
    await emit("bar:state", bar(NOW, { state: "rest", stateSince: NOW, restUntil: NOW + 60_000, busyReason: "201" }));
    await flush();
    expect(englishLeft()).toEqual([]);
    await emit("bar:state", bar(NOW, { state: "hold", call: call(NOW, { answeredAt: NOW, held: true, media: "voice+video" }) }));
    await flush();
    expect(englishLeft()).toEqual([]);
  });

  it("call control, the picker, the keypad, dialling and the figures show no English words", async () => {
    const customer = call(NOW, { callId: "a", answeredAt: NOW - 90_000, held: true, phase: "held" });
    const consult = call(NOW, { callId: "b", kind: "consult", direction: "internal", answeredAt: NOW - 5_000, parties: ["1002"] });
    const controls = { ...CONTROLS_SENT.talking, takeBack: "enabled", conference: "enabled", cancelTransfer: "enabled", switchCall: "enabled", reject: "enabled", unmute: "enabled" } as const;
    await boot(snapshot(NOW, { bar: bar(NOW, { state: "talking", call: consult, calls: [customer, consult], next: "busy", transfer: { callId: "a", failed: true, result: 3 }, controls }) }));
    expect($("btn-take-back").textContent).toBe("取回");
    expect($("today").textContent).toBe("接听 3 · 未接 1 · 呼出 2 · 通话 10:00");
    expect(englishLeft()).toEqual([]);
    await emit("bar:state", bar(NOW, { state: "talking", call: { ...consult, muted: true, kind: "conference" }, calls: [customer, consult], transfer: { callId: "a", failed: false, result: null }, controls }));
    await flush();
    expect(englishLeft()).toEqual([]);
    $("btn-keypad").click();
    $("key-1").click();
    await flush();
    expect($("keypad-sent").textContent).toBe("已发送 1");
    expect(englishLeft()).toEqual([]);
    for (const id of ["btn-transfer", "btn-consult"]) {
      $(id).click();
      await flush();
      expect(englishLeft()).toEqual([]);
      for (const tab of ["skills", "ivrs", "access", "number"]) {
        $(`picker-tab-${tab}`).click();
        expect(englishLeft()).toEqual([]);
      }
      $("btn-picker-go").click();
      await flush();
      expect($("picker-error").hidden).toBe(false);
      expect(englishLeft()).toEqual([]);
      $("btn-picker-close").click();
    }
  });

  it("the dial line, recent calls and the skill settings show no English words", async () => {
    const recentCalls = [
      { number: "4711", direction: "inbound", at: NOW, answered: false },
      { number: "1002", direction: "internal", at: NOW, answered: true },
      { number: "030123", direction: "outbound", at: NOW, answered: false },
    ] as const;
    const settings = { ...SETTINGS, reasonNames: { busy: [{ code: 200, name: "培训" }], rest: [{ code: 1, name: "午餐" }] }, locked: ["skills"] };
    await boot(snapshot(NOW, { bar: bar(NOW, { recentCalls: [...recentCalls] }), settings }));
    ($("dial-number") as HTMLInputElement).value = "12x";
    $("btn-dial").click();
    await flush();
    expect($("dial-error").hidden).toBe(false);
    expect($("dial-error").textContent).toBe("号码须为 1 到 24 位数字、* 或 #。");
    app?.setPanelOpen(true);
    expect(englishLeft()).toEqual([]);
  });

  it("the check itself finds English when there is some", async () => {
    system = "en";
    await boot(snapshot(NOW, { bar: SIGNED_OUT_BAR }));
    expect(englishLeft()).toContain("Sign in");
  });
});

describe("switching the language in the settings", () => {
  it("saves the choice and shows every text in the new language without a reload", async () => {
    system = "en";
    await boot(snapshot(NOW, { bar: SIGNED_OUT_BAR }));
    expect($("btn-sign-in").textContent).toBe("Sign in");
    const select = $("language") as HTMLSelectElement;
    expect(select.value).toBe("auto");
    select.value = "zh-CN";
    select.dispatchEvent(new Event("change"));
    await flush();
    const saved = calls.find((c) => c.cmd === "save_settings")?.args as { settings: Settings };
    expect(saved.settings.language).toBe("zh-CN");
    expect($("btn-sign-in").textContent).toBe("签入");
    expect($("agent-state").textContent).toBe("已签出");
    expect(($("busy-reason") as HTMLSelectElement).options[0]?.textContent).toBe("原因 200");
    expect($("settings-status").textContent).toBe("已保存");
    expect(englishLeft()).toEqual([]);

    select.value = "en";
    select.dispatchEvent(new Event("change"));
    await flush();
    expect($("btn-sign-in").textContent).toBe("Sign in");
    expect(document.documentElement.lang).toBe("en");
  });
});
