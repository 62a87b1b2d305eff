/**
 * The recent-events list: newest first, at most EVENT_LIMIT kept. Each new
 * event adds one line and drops at most one, so a burst stays cheap.
 */
import type { EventRecord } from "./api";
import { formatClock } from "./format";
import { EVENT_LIMIT, prependCapped } from "./model";

export class EventList {
  /** Newest first. */
  readonly records: EventRecord[] = [];

  constructor(
    private readonly list: HTMLOListElement,
    private readonly limit: number = EVENT_LIMIT,
  ) {}

  /** Snapshot events, in any order: shown oldest at the bottom. */
  addAll(records: readonly EventRecord[]): void {
    const ordered = [...records].sort((a, b) => a.receivedAt - b.receivedAt || a.seq - b.seq);
    for (const record of ordered.slice(-this.limit)) this.add(record);
  }

  add(record: EventRecord): void {
    const dropped = prependCapped(this.records, record, this.limit);
    this.list.prepend(this.line(record));
    for (let i = 0; i < dropped.length; i++) this.list.lastElementChild?.remove();
    markRendered(record.seq);
  }

  /** The highest sequence number shown, 0 when empty. */
  maxSeq(): number {
    return this.records.reduce((max, r) => Math.max(max, r.seq), 0);
  }

  private line(record: EventRecord): HTMLLIElement {
    const doc = this.list.ownerDocument;
    const li = doc.createElement("li");
    li.dataset.eventType = record.eventType;
    li.dataset.seq = String(record.seq);
    li.title = JSON.stringify(record.raw);
    const time = doc.createElement("time");
    time.dateTime = new Date(record.receivedAt).toISOString();
    time.textContent = formatClock(record.receivedAt);
    const name = doc.createElement("span");
    name.className = "event-type";
    name.textContent = record.eventType;
    li.append(time, " ", name);
    return li;
  }
}

/** Render marks kept at most; older ones are cleared in one go. */
export const RENDER_MARK_LIMIT = 5000;
let renderMarks = 0;

/**
 * Records when an event reached the DOM as a User Timing mark
 * (`agentbar:rendered:<seq>`), so latency benchmarks can read it with
 * `performance.getEntriesByName`. Bounded: a whole shift never grows memory.
 */
export function markRendered(seq: number): void {
  if (typeof performance === "undefined" || typeof performance.mark !== "function") return;
  if (renderMarks >= RENDER_MARK_LIMIT) {
    performance.clearMarks();
    renderMarks = 0;
  }
  performance.mark(`agentbar:rendered:${seq}`);
  renderMarks += 1;
}
