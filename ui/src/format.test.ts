import { describe, expect, it } from "vitest";
import { formatClock, formatDuration, stateLabel } from "./format";

describe("formatDuration", () => {
  it("shows minutes and seconds under an hour", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(59_999)).toBe("0:59");
    expect(formatDuration(61_000)).toBe("1:01");
  });

  it("adds hours from an hour on", () => {
    expect(formatDuration(3_600_000)).toBe("1:00:00");
    expect(formatDuration(3_725_000)).toBe("1:02:05");
  });

  it("never shows a negative time", () => {
    expect(formatDuration(-5_000)).toBe("0:00");
  });
});

describe("formatClock", () => {
  it("pads every field to two digits", () => {
    const t = new Date(2026, 0, 2, 3, 4, 5).getTime();
    expect(formatClock(t)).toBe("03:04:05");
  });
});

describe("stateLabel", () => {
  it("names every state in words an agent uses", () => {
    expect(stateLabel("idle")).toBe("Ready");
    expect(stateLabel("wrapup")).toBe("Wrap-up");
    expect(stateLabel("signedout")).toBe("Signed out");
  });
});
