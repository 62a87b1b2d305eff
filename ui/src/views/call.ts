/** The call on the bar: who, which way, what media, held, and for how long. */
import type { CallView } from "../api";
import { setAttr, setHidden, setText } from "../dom";
import { t } from "../i18n";
import { callDurationText, directionLabel, kindLabel, mediaLabel } from "../model";
import type { Context } from "./context";

export function renderCall(ctx: Context, call: CallView | null): void {
  setHidden(ctx.el("call"), call === null);
  if (!call) return;
  setText(ctx.el("call-caller"), call.caller);
  setText(ctx.el("call-called"), call.called);
  const direction = ctx.el("call-direction");
  setText(direction, directionLabel(call.direction));
  setAttr(direction, "data-direction", call.direction);
  const media = ctx.el("call-media");
  setText(media, mediaLabel(call.media));
  setAttr(media, "data-media", call.media);
  const kind = ctx.el("call-kind");
  setText(kind, kindLabel(call.kind));
  setAttr(kind, "data-kind", call.kind);
  setHidden(kind, call.kind === "customer");
  setHidden(ctx.el("call-held"), !call.held);
  setHidden(ctx.el("call-muted"), !call.muted);
  const parties = ctx.el("call-parties");
  setText(parties, call.parties.length > 0 ? t("call.parties", { parties: call.parties.join(", ") }) : "");
  setHidden(parties, call.parties.length === 0);
  ctx.el("call").classList.toggle("ringing", call.answeredAt === null);
}

/** The call's running time (or how long it has rung). */
export function renderCallTimer(ctx: Context, now: number): void {
  if (ctx.bar.call) setText(ctx.el("call-duration"), callDurationText(ctx.bar.call, now));
}
