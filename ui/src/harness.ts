/** For tests only: the real page and app in jsdom, the Rust side mocked with mockIPC. */
import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import type { BarView, CallRequest, Settings, Snapshot } from "./api";
import { start, type App } from "./app";
import markup from "../index.html?raw";

export interface Sent {
  cmd: string;
  args: unknown;
}

export class Page {
  app: App | null = null;
  sent: Sent[] = [];
  now = 1_700_000_000_000;
  replies: Record<string, (args: unknown) => unknown> = {};

  constructor() {
    document.body.innerHTML = new DOMParser().parseFromString(markup, "text/html").body.innerHTML;
    this.replies = {
      app_info: () => ({ name: "AgentBar", version: "1.2.3" }),
      save_settings: (args) => (args as { settings: Settings }).settings,
      shortcut_status: () => [],
    };
    mockWindows("main");
    mockIPC(
      (cmd, args) => {
        this.sent.push({ cmd, args });
        const reply = this.replies[cmd];
        return reply ? reply(args) : null;
      },
      { shouldMockEvents: true },
    );
  }

  async boot(snap: Snapshot): Promise<App> {
    this.replies.snapshot = () => snap;
    this.app = await start(document, { now: () => this.now, ticking: false });
    await flush();
    return this.app;
  }

  async state(view: BarView): Promise<void> {
    await emit("bar:state", view);
    await flush();
  }

  /** The call requests sent, in order. */
  requests(): CallRequest[] {
    return this.sent.filter((s) => s.cmd === "call_control").map((s) => (s.args as { request: CallRequest }).request);
  }

  count(cmd: string): number {
    return this.sent.filter((s) => s.cmd === cmd).length;
  }

  stop(): void {
    this.app?.stop();
    clearMocks();
  }
}

export const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id}`);
  return el;
}

export const button = (id: string): HTMLButtonElement => $(id) as HTMLButtonElement;
export const input = (id: string): HTMLInputElement => $(id) as HTMLInputElement;

export function key(target: Element, k: string, init: KeyboardEventInit = {}): void {
  target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init }));
}

/** Shown: neither it nor an ancestor is hidden. */
export function shown(id: string): boolean {
  return $(id).closest("[hidden]") === null;
}
