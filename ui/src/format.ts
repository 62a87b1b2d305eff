/** Formatting shared by every part of the connection bar. */

/** Agent states the bar shows, one per tray icon. */
export type AgentState =
  | "signedout"
  | "idle"
  | "busy"
  | "ringing"
  | "talking"
  | "hold"
  | "rest"
  | "wrapup";

const STATE_LABELS: Record<AgentState, string> = {
  signedout: "Signed out",
  idle: "Ready",
  busy: "Busy",
  ringing: "Ringing",
  talking: "Talking",
  hold: "On hold",
  rest: "Resting",
  wrapup: "Wrap-up",
};

/** The label an agent reads on the state pill. */
export function stateLabel(state: AgentState): string {
  return STATE_LABELS[state];
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
