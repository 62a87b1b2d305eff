/**
 * The bar: the state pill and its timer, connection health, the agent, and
 * the state and call buttons, shown exactly as `BarView.controls` says.
 */
import { api, type AppError, type BarView, type Controls } from "../api";
import { setAttr, setDisabled, setHidden, setText, setTitle } from "../dom";
import { stateLabel } from "../format";
import { t } from "../i18n";
import { BUSY_REASONS, healthText, reasonLabel, restSecondsFromMinutes, showsBar, stateTimerText } from "../model";
import type { Context } from "./context";

/** Control → its buttons. */
export const CONTROL_IDS: Partial<Record<keyof Controls, readonly string[]>> = {
  ready: ["btn-ready"],
  busy: ["btn-busy"],
  cancelBusy: ["btn-cancel-busy"],
  rest: ["btn-rest"],
  cancelRest: ["btn-cancel-rest"],
  work: ["btn-work"],
  cancelWork: ["btn-cancel-work"],
  answer: ["btn-answer"],
  reject: ["btn-reject", "btn-requeue"],
  hangUp: ["btn-hangup"],
  hold: ["btn-hold"],
  unhold: ["btn-unhold"],
  mute: ["btn-mute"],
  unmute: ["btn-unmute"],
  dtmf: ["btn-keypad"],
  transfer: ["btn-transfer"],
  cancelTransfer: ["btn-cancel-transfer"],
  consult: ["btn-consult"],
  takeBack: ["btn-take-back"],
  conference: ["btn-conference"],
};

/** The pill, the health line and the agent label for `bar`. */
export function renderStatus(ctx: Context, bar: BarView): void {
  const barShown = showsBar(bar);
  const barEl = ctx.el("bar");
  setHidden(barEl, !barShown);
  setHidden(ctx.el("signin"), barShown);
  setAttr(barEl, "data-state", bar.state);
  setAttr(ctx.doc.body, "data-state", bar.state);

  const pill = ctx.el("agent-state");
  setAttr(pill, "data-state", bar.state);
  setText(pill, stateLabel(bar.state));
  const busyReason = bar.state === "busy" && bar.busyReason ? t("status.busyReason", { reason: bar.busyReason }) : "";
  if (busyReason) pill.title = busyReason;
  else pill.removeAttribute("title");

  const health = ctx.el("health");
  setAttr(health, "data-health", bar.health.kind);
  const words = healthText(bar.health);
  setText(health, words);
  setTitle(health, words);

  const agent = ctx.el("agent-label");
  setText(agent, bar.agentId ? t("status.agent", { agent: bar.agentId }) : "");
  setHidden(agent, !barShown || !bar.agentId);
  setHidden(ctx.el("btn-sign-out"), !barShown);
}

/** Each button as the bar's controls say, and off while its command runs. */
export function renderControls(ctx: Context): void {
  const controls = ctx.bar.controls;
  for (const [key, ids] of Object.entries(CONTROL_IDS) as [keyof Controls, readonly string[]][]) {
    const availability = controls[key];
    for (const id of ids) {
      const button = ctx.el<HTMLButtonElement>(id);
      setHidden(button, availability === "hidden");
      setDisabled(button, availability !== "enabled" || ctx.busy(id));
    }
  }
  setDisabled(ctx.el<HTMLSelectElement>("busy-reason"), controls.busy !== "enabled");
  setDisabled(ctx.el<HTMLInputElement>("rest-minutes"), controls.rest !== "enabled");
  const cause = ctx.el<HTMLSelectElement>("rest-cause");
  // During a rest the row shows its cancel instead.
  setHidden(cause, cause.options.length === 0 || controls.cancelRest !== "hidden");
  setDisabled(cause, controls.rest !== "enabled");
  setDisabled(ctx.el<HTMLButtonElement>("btn-sign-out"), controls.signOut === "disabled" || ctx.busy("btn-sign-out"));
}

/** The state timer: time in the state, or for rest the time left. */
export function renderStateTimer(ctx: Context, now: number): void {
  const timer = ctx.el("state-timer");
  const text = stateTimerText(ctx.bar, now);
  setText(timer, text);
  setHidden(timer, text === "");
}

export function fillBusyReasons(ctx: Context): void {
  const select = ctx.el<HTMLSelectElement>("busy-reason");
  if (select.options.length > 0) return;
  for (const reason of BUSY_REASONS) {
    const option = ctx.doc.createElement("option");
    option.value = String(reason);
    option.textContent = t("bar.reason", { reason });
    select.append(option);
  }
  select.value = "200";
}

/**
 * The busy reasons in the current language, named as the site names them;
 * the rest causes from the site's list (none: the select is hidden, cause 0).
 */
export function renderBusyReasons(ctx: Context): void {
  const names = ctx.settings.reasonNames;
  for (const option of ctx.el<HTMLSelectElement>("busy-reason").options) {
    setText(option, reasonLabel(Number(option.value), names.busy));
  }
  const cause = ctx.el<HTMLSelectElement>("rest-cause");
  const wanted = names.rest.filter((r) => r.name.trim() !== "");
  const same =
    cause.options.length === wanted.length && wanted.every((r, i) => cause.options[i]?.value === String(r.code));
  if (!same) {
    const previous = cause.value;
    cause.replaceChildren(
      ...wanted.map((r) => {
        const option = ctx.doc.createElement("option");
        option.value = String(r.code);
        return option;
      }),
    );
    if (wanted.some((r) => String(r.code) === previous)) cause.value = previous;
  }
  for (const option of cause.options) setText(option, reasonLabel(Number(option.value), names.rest));
}

/** The rest cause chosen, 0 when the site names none. */
export function restCause(ctx: Context): number {
  const cause = ctx.el<HTMLSelectElement>("rest-cause");
  return cause.options.length === 0 ? 0 : Number(cause.value);
}

/** The bar's buttons to their commands. */
export function wireBar(ctx: Context): void {
  const command = (id: string, fn: () => Promise<unknown>): void => {
    ctx.el(id).addEventListener("click", () => void ctx.run(id, fn));
  };
  command("btn-ready", () => api.ready());
  command("btn-busy", () => api.busy(Number(ctx.el<HTMLSelectElement>("busy-reason").value)));
  command("btn-cancel-busy", () => api.cancelBusy());
  command("btn-rest", () => {
    const seconds = restSecondsFromMinutes(ctx.el<HTMLInputElement>("rest-minutes").value);
    if (seconds === null) {
      return Promise.reject<AppError>({ kind: "invalid", message: t("bar.restInvalid") });
    }
    return api.rest(seconds, restCause(ctx));
  });
  command("btn-cancel-rest", () => api.cancelRest());
  command("btn-work", () => api.work());
  command("btn-cancel-work", () => api.cancelWork());
  command("btn-answer", () => api.answer());
  command("btn-hangup", () => api.hangUp());
  command("btn-hold", () => api.hold());
  command("btn-unhold", () => api.unhold());
  command("btn-sign-out", () => api.signOut());
}
