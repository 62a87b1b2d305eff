/**
 * The call's data: shown as the gateway has it, edited by the agent (what
 * they type is kept when the gateway's value changes), counted against the
 * gateway's limit, saved.
 */
import { api, asAppError, type AppError, type CallView } from "../api";
import { setDisabled, setText } from "../dom";
import { formatClock } from "../format";
import { t } from "../i18n";
import { checkCalldata } from "../model";
import type { Context } from "./context";

const SAVE = "btn-save-calldata";

export class CalldataView {
  /** The call the text area belongs to. */
  private callId: string | null = null;
  /** Call data as the gateway last had it, for that call. */
  private base = "";
  private note: { text: string; kind: "ok" | "error" } | null = null;

  constructor(private readonly ctx: Context) {}

  wire(): void {
    this.ctx.el(SAVE).addEventListener("click", () => void this.save());
    this.ctx.el("calldata").addEventListener("input", () => {
      if (this.note?.kind === "ok") this.note = null;
      this.render();
    });
  }

  /** Takes the call data of `call` (the call on the bar). */
  update(call: CallView | null): void {
    if (!call) {
      this.callId = null;
      return;
    }
    const textarea = this.ctx.el<HTMLTextAreaElement>("calldata");
    const fromGateway = call.calldata ?? "";
    if (call.callId !== this.callId) {
      this.callId = call.callId;
      this.base = fromGateway;
      textarea.value = fromGateway;
      this.note = null;
    } else if (fromGateway !== this.base) {
      // Keep what the agent is typing; take the gateway's value otherwise.
      const editing = textarea.value !== this.base;
      this.base = fromGateway;
      if (!editing) textarea.value = fromGateway;
    }
    this.render();
  }

  render(): void {
    const check = checkCalldata(this.ctx.el<HTMLTextAreaElement>("calldata").value);
    const count = this.ctx.el("calldata-count");
    setText(count, check.counter);
    count.classList.toggle("over", check.over);
    const usable = this.ctx.bar.controls.saveCalldata === "enabled";
    setDisabled(this.ctx.el<HTMLButtonElement>(SAVE), !usable || check.over || this.ctx.busy(SAVE));
    const status = this.ctx.el("calldata-status");
    const note = check.over ? { text: check.problem, kind: "error" as const } : this.note;
    setText(status, note?.text ?? "");
    status.classList.toggle("error", note?.kind === "error");
    status.title = note?.text ?? "";
  }

  private async save(): Promise<void> {
    const value = this.ctx.el<HTMLTextAreaElement>("calldata").value;
    if (checkCalldata(value).over) {
      this.render();
      return;
    }
    this.note = { text: t("calldata.saving"), kind: "ok" };
    this.render();
    let failure: AppError | null = null;
    const ok = await this.ctx.run(SAVE, () =>
      api.saveCalldata(value).catch((error: unknown) => {
        failure = asAppError(error);
        throw error;
      }),
    );
    if (ok) {
      this.base = value;
      this.note = { text: t("calldata.savedAt", { time: formatClock(this.ctx.now()) }), kind: "ok" };
    } else {
      this.note = { text: (failure as AppError | null)?.message ?? t("calldata.notSaved"), kind: "error" };
    }
    this.render();
  }
}
