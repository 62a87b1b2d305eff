/**
 * The header's small figures: the state asked for after the call, the skill
 * queues signed in to, callers waiting (every 10 s) and the agent's day. The
 * day changes only when one of the agent's calls ends, and the reference
 * warns that asking for it often weighs on the gateway: it is asked for at
 * sign-in, shortly after each call ends, and every 15 minutes besides.
 * Figures are asked for only while signed in and the window is visible, one
 * request at a time each; a failure keeps the last figures, marked stale,
 * and says nothing louder.
 */
import { api, type DayView, type QueueView, type SkillsView } from "../api";
import { setAttr, setHidden, setText, setTitle } from "../dom";
import { formatClock } from "../format";
import { t } from "../i18n";
import { queueText, skillsText, todayText } from "../model";
import type { Context } from "./context";

export const QUEUE_EVERY_MS = 10_000;
export const TODAY_EVERY_MS = 15 * 60_000;
/** How long after a call ends the day is asked for (the gateway counts the call first). */
export const TODAY_AFTER_CALL_MS = 2_000;

/** One polled figure: the last answer, when it came, and whether a request is out. */
class Poll<T> {
  value: T | null = null;
  at: number | null = null;
  stale = false;
  inFlight = false;
  /** When the last request went out or came back (null: never, so due now). */
  asked: number | null = null;
  /** When an earlier refresh is wanted than `every` gives (null: none). */
  wanted: number | null = null;

  constructor(
    readonly every: number,
    private readonly fetch: () => Promise<T>,
    private readonly done: () => void,
  ) {}

  due(now: number): boolean {
    if (this.inFlight) return false;
    if (this.wanted !== null && now >= this.wanted) return true;
    return this.asked === null || now - this.asked >= this.every || now < this.asked;
  }

  /** Asks again at `at` at the latest, whatever `every` says. */
  want(at: number): void {
    if (this.wanted === null || at < this.wanted) this.wanted = at;
  }

  async run(now: () => number, current: () => boolean): Promise<void> {
    this.inFlight = true;
    this.asked = now();
    this.wanted = null;
    try {
      const value = await this.fetch();
      if (!current()) return;
      if (value === null || typeof value !== "object") throw new Error("no figures");
      this.value = value;
      this.at = now();
      this.stale = false;
    } catch {
      if (current()) this.stale = this.value !== null;
    } finally {
      // The next one counts from the answer: a slow gateway is not pressed.
      if (current()) this.asked = now();
      this.inFlight = false;
      this.done();
    }
  }

  reset(): void {
    this.value = null;
    this.at = null;
    this.stale = false;
    this.asked = null;
    this.wanted = null;
  }
}

export class FiguresView {
  private readonly queue: Poll<QueueView>;
  private readonly day: Poll<DayView>;
  /** Bumped at each sign-in and sign-out: answers for an earlier session are dropped. */
  private session = 0;
  private skillsAsked = false;

  constructor(private readonly ctx: Context) {
    this.queue = new Poll(QUEUE_EVERY_MS, () => api.queueFigures(), () => this.render());
    this.day = new Poll(TODAY_EVERY_MS, () => api.today(), () => this.render());
  }

  wire(): void {
    this.ctx.doc.addEventListener("visibilitychange", () => this.poll(this.ctx.now()));
  }

  private signedIn(): boolean {
    return this.ctx.bar.state !== "signedout";
  }

  /**
   * After each bar: a sign-in asks for the skills (and the figures on the
   * next tick); a sign-out forgets them; the end of a call asks for the day.
   */
  follow(wasSignedIn: boolean, hadCall: boolean): void {
    const now = this.signedIn();
    if (hadCall && this.ctx.bar.call === null) this.day.want(this.ctx.now() + TODAY_AFTER_CALL_MS);
    if (now !== wasSignedIn) {
      this.session++;
      this.queue.reset();
      this.day.reset();
      this.skillsAsked = false;
      if (!now) this.ctx.setSkills(null);
    }
    if (now && !this.skillsAsked) {
      this.skillsAsked = true;
      void this.loadSkills();
    }
    this.render();
  }

  async loadSkills(): Promise<void> {
    const session = this.session;
    try {
      const view = await api.skills();
      if (session === this.session && view && Array.isArray(view.signedIn)) this.ctx.setSkills(view);
    } catch {
      // Quiet: the label stays as it was.
    }
  }

  /** Asks for what is due, while signed in and visible. */
  poll(now: number): void {
    if (!this.signedIn() || this.ctx.doc.visibilityState !== "visible") return;
    const session = this.session;
    const current = (): boolean => session === this.session;
    for (const poll of [this.queue, this.day] as Poll<unknown>[]) {
      if (poll.due(now)) void poll.run(this.ctx.now, current);
    }
  }

  tick(now: number): void {
    this.poll(now);
  }

  render(): void {
    const ctx = this.ctx;
    const signedIn = this.signedIn();
    const next = ctx.el("next-state");
    const wanted = signedIn ? ctx.bar.next : null;
    setText(next, wanted === "busy" ? t("next.busy") : wanted === "rest" ? t("next.rest") : "");
    setAttr(next, "data-next", wanted ?? "");
    setHidden(next, wanted === null);

    const skills = ctx.el("skills-label");
    const view: SkillsView | null = signedIn ? ctx.skills : null;
    const text = view ? skillsText(view.signedIn) : "";
    setText(skills, text);
    setTitle(skills, text);
    setHidden(skills, view === null);

    this.renderPoll(ctx.el("queue-figures"), signedIn ? this.queue : null, queueText, t("figures.queueTitle"));
    this.renderPoll(ctx.el("today"), signedIn ? this.day : null, todayText, t("figures.todayTitle"));
  }

  private renderPoll<T>(el: HTMLElement, poll: Poll<T> | null, words: (value: T) => string, title: string): void {
    const value = poll?.value ?? null;
    setHidden(el, value === null);
    if (value === null || !poll) return;
    const text = words(value);
    setText(el, text);
    el.classList.toggle("stale", poll.stale);
    setTitle(el, poll.stale && poll.at !== null ? `${title}: ${text} — ${t("figures.stale", { time: formatClock(poll.at) })}` : `${title}: ${text}`);
  }
}
