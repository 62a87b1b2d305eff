// The header's figures: skills, callers waiting and the day, polled only while signed in and visible.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DayView, QueueView, Settings, SkillsView } from "./api";
import { bar, call, SETTINGS, snapshot } from "./fixtures";
import { $, flush, input, Page, shown } from "./harness";
import { SIGNED_OUT_BAR } from "./model";

const NOW = 1_700_000_000_000;
let page: Page;
let visibility: DocumentVisibilityState = "visible";

const QUEUE: QueueView = { waiting: 3, longestWaitS: 80, skills: [] };
const DAY: DayView = { answered: 12, missed: 1, outbound: 4, talkTimeS: 3720 };
const SKILLS: SkillsView = {
  configured: [
    { id: "1", name: "General" },
    { id: "2", name: "Billing" },
    { id: "3", name: "Sales" },
  ],
  signedIn: [
    { id: "1", name: "General" },
    { id: "2", name: "Billing" },
  ],
};

beforeEach(() => {
  visibility = "visible";
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => visibility });
  page = new Page();
  page.replies.queue_figures = () => QUEUE;
  page.replies.today = () => DAY;
  page.replies.skills = () => SKILLS;
  page.replies.sign_in_skills = (args) => {
    const ids = (args as { ids: string[] | null }).ids;
    return { ...SKILLS, signedIn: SKILLS.configured.filter((s) => ids === null || ids.includes(s.id)) };
  };
});
afterEach(() => page.stop());

async function tick(ms: number): Promise<void> {
  page.now += ms;
  page.app?.tick();
  await flush();
}

describe("the header's figures", () => {
  it("shows the skills, callers waiting and the day once signed in", async () => {
    await page.boot(snapshot(NOW));
    expect($("skills-label").textContent).toBe("Skills: General, Billing");
    expect($("queue-figures").textContent).toBe("3 waiting · longest 1:20");
    expect($("today").textContent).toBe("Answered 12 · Missed 1 · Out 4 · Talk 1:02:00");
    expect(page.count("skills")).toBe(1);
    expect(page.count("queue_figures")).toBe(1);
    expect(page.count("today")).toBe(1);
  });

  it("asks for nothing while signed out, and hides the figures", async () => {
    await page.boot(snapshot(NOW, { bar: SIGNED_OUT_BAR }));
    await tick(120_000);
    expect(page.count("skills") + page.count("queue_figures") + page.count("today")).toBe(0);
    expect(shown("queue-figures")).toBe(false);
    expect(shown("skills-label")).toBe(false);
  });

  it("refreshes callers waiting every 10 s, and the day every 15 min and after each call", async () => {
    await page.boot(snapshot(NOW));
    await tick(5_000);
    expect(page.count("queue_figures")).toBe(1);
    await tick(5_000);
    expect(page.count("queue_figures")).toBe(2);
    for (let i = 0; i < 5; i++) await tick(10_000);
    expect(page.count("queue_figures")).toBe(7);
    expect(page.count("today")).toBe(1);

    // A call comes and goes: the day is asked for shortly after it ends.
    await page.state(bar(page.now, { state: "talking", call: call(page.now, { answeredAt: page.now }) }));
    await tick(1_000);
    expect(page.count("today")).toBe(1);
    await page.state(bar(page.now, { state: "idle" }));
    await tick(1_000);
    expect(page.count("today")).toBe(1);
    await tick(1_500);
    expect(page.count("today")).toBe(2);

    // Then nothing until the quarter hour is up.
    await tick(14 * 60_000);
    expect(page.count("today")).toBe(2);
    await tick(60_000);
    expect(page.count("today")).toBe(3);
  });

  it("pauses while the window is hidden and catches up when it shows again", async () => {
    await page.boot(snapshot(NOW));
    visibility = "hidden";
    document.dispatchEvent(new Event("visibilitychange"));
    await page.state(bar(page.now, { state: "talking", call: call(page.now, { answeredAt: page.now }) }));
    await tick(30_000);
    await page.state(bar(page.now, { state: "idle" }));
    await tick(60_000);
    expect(page.count("queue_figures")).toBe(1);
    expect(page.count("today")).toBe(1);
    visibility = "visible";
    document.dispatchEvent(new Event("visibilitychange"));
    await flush();
    expect(page.count("queue_figures")).toBe(2);
    expect(page.count("today")).toBe(2);
  });

  it("never asks again while a request is out", async () => {
    await page.boot(snapshot(NOW));
    let answer: (q: QueueView) => void = () => {};
    page.replies.queue_figures = () => new Promise<QueueView>((resolve) => (answer = resolve));
    await tick(10_000);
    await tick(10_000);
    await tick(10_000);
    expect(page.count("queue_figures")).toBe(2);
    answer({ waiting: 0, longestWaitS: 0, skills: [] });
    await flush();
    expect($("queue-figures").textContent).toBe("No one waiting");
    page.replies.queue_figures = () => QUEUE;
    await tick(1_000);
    expect(page.count("queue_figures")).toBe(2);
    await tick(9_000);
    expect(page.count("queue_figures")).toBe(3);
  });

  it("keeps the last figures, marked stale, when a refresh fails, and says nothing louder", async () => {
    await page.boot(snapshot(NOW));
    page.replies.queue_figures = () => {
      throw { kind: "transport", message: "gateway unreachable" };
    };
    await tick(10_000);
    await flush();
    expect($("queue-figures").textContent).toBe("3 waiting · longest 1:20");
    expect($("queue-figures").classList.contains("stale")).toBe(true);
    expect($("queue-figures").title).toContain("Not updated since");
    expect(shown("last-error")).toBe(false);
    page.replies.queue_figures = () => QUEUE;
    await tick(10_000);
    expect($("queue-figures").classList.contains("stale")).toBe(false);
  });

  it("says when no skill queue is signed in to, and forgets everything at sign-out", async () => {
    page.replies.skills = () => ({ configured: SKILLS.configured, signedIn: [] });
    await page.boot(snapshot(NOW));
    expect($("skills-label").textContent).toBe("Not in any skill queue");
    await page.state(SIGNED_OUT_BAR);
    expect(shown("skills-label")).toBe(false);
    expect(shown("today")).toBe(false);
  });

  it("shows the state asked for after the call", async () => {
    await page.boot(snapshot(NOW));
    expect(shown("next-state")).toBe(false);
    await page.state(bar(NOW, { state: "talking", call: call(NOW, { answeredAt: NOW }), next: "rest" }));
    expect(shown("next-state")).toBe(true);
    expect($("next-state").textContent).toBe("Rest after this call");
    await page.state(bar(NOW, { state: "talking", call: call(NOW, { answeredAt: NOW }), next: "busy" }));
    expect($("next-state").textContent).toBe("Busy after this call");
  });
});

describe("skill queues and recent calls in the settings", () => {
  const saved = (): Settings[] =>
    page.sent.filter((s) => s.cmd === "save_settings").map((s) => (s.args as { settings: Settings }).settings);
  const box = (id: string) => document.querySelector<HTMLInputElement>(`#skills-list input[value="${id}"]`);

  it("saves only these skills or all, and signs in to them now", async () => {
    await page.boot(snapshot(NOW));
    page.app?.setPanelOpen(true);
    expect(input("skills-all").checked).toBe(true);
    expect([...document.querySelectorAll("#skills-list label")].map((l) => l.textContent?.trim())).toEqual(["General", "Billing", "Sales"]);
    expect(box("1")?.disabled).toBe(true);
    expect(shown("skills-hint")).toBe(false);

    input("skills-only").checked = true;
    input("skills-only").dispatchEvent(new Event("change", { bubbles: true }));
    await flush();
    await flush();
    expect(saved().at(-1)?.skills).toEqual({ kind: "only", ids: ["1", "2"] });
    expect(page.sent.filter((s) => s.cmd === "sign_in_skills").at(-1)?.args).toEqual({ ids: ["1", "2"] });
    expect(box("3")?.disabled).toBe(false);

    const sales = box("3") as HTMLInputElement;
    sales.checked = true;
    sales.dispatchEvent(new Event("change", { bubbles: true }));
    await flush();
    await flush();
    expect(saved().at(-1)?.skills).toEqual({ kind: "only", ids: ["1", "2", "3"] });
    expect($("skills-label").textContent).toBe("Skills: General, Billing, Sales");

    input("skills-all").checked = true;
    input("skills-all").dispatchEvent(new Event("change", { bubbles: true }));
    await flush();
    await flush();
    expect(saved().at(-1)?.skills).toEqual({ kind: "all" });
    expect(page.sent.filter((s) => s.cmd === "sign_in_skills").at(-1)?.args).toEqual({ ids: null });
  });

  it("while signed out, saves the choice only and says the list comes at sign-in", async () => {
    await page.boot(snapshot(NOW, { bar: SIGNED_OUT_BAR, settings: { ...SETTINGS, skills: { kind: "only", ids: ["7"] } } }));
    page.app?.setPanelOpen(true);
    expect(shown("skills-hint")).toBe(true);
    expect(input("skills-only").checked).toBe(true);
    expect(box("7")?.checked).toBe(true);
    (box("7") as HTMLInputElement).checked = false;
    (box("7") as HTMLInputElement).dispatchEvent(new Event("change", { bubbles: true }));
    await flush();
    expect(saved().at(-1)?.skills).toEqual({ kind: "only", ids: [] });
    expect(page.count("sign_in_skills")).toBe(0);
  });

  it("shows locked skills and recent-calls settings read-only", async () => {
    await page.boot(snapshot(NOW, { settings: { ...SETTINGS, locked: ["skills", "keepRecentCalls"] } }));
    page.app?.setPanelOpen(true);
    expect(input("skills-all").disabled).toBe(true);
    expect(input("skills-only").disabled).toBe(true);
    expect(box("1")?.disabled).toBe(true);
    expect(input("keep-recent-calls").disabled).toBe(true);
    expect(document.querySelector('[data-setting="skills"] .lock-hint')?.textContent).toBe("set by your administrator");
  });

  it("saves keeping recent calls", async () => {
    await page.boot(snapshot(NOW));
    expect(input("keep-recent-calls").checked).toBe(false);
    input("keep-recent-calls").checked = true;
    input("keep-recent-calls").dispatchEvent(new Event("change"));
    await flush();
    expect(saved().at(-1)?.keepRecentCalls).toBe(true);
  });
});
