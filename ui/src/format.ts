/** Formatting shared by every part of the connection bar. */
import type { AgentState } from "./bindings/AgentState";
import { t, type Key } from "./i18n";

export type { AgentState };

const STATE_KEYS: Record<AgentState, Key> = {
  signedout: "state.signedout",
  idle: "state.idle",
  busy: "state.busy",
  ringing: "state.ringing",
  talking: "state.talking",
  hold: "state.hold",
  rest: "state.rest",
  wrapup: "state.wrapup",
};

/** The label an agent reads on the state pill, in the current language. */
export function stateLabel(state: AgentState): string {
  return t(STATE_KEYS[state]);
}

/**
 * A running timer: `m:ss` under an hour, `h:mm:ss` from then on.
 * Negative spans (a clock that stepped back) show as zero.
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Wall-clock time of an event as `HH:MM:SS`, in the agent's local time. */
export function formatClock(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
}

/** Time of day as `HH:MM`, in the agent's local time. */
export function formatTimeOfDay(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes()].map((n) => String(n).padStart(2, "0")).join(":");
}
