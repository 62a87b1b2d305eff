import { describe, expect, it } from "vitest";
import { RENDER_MARK_LIMIT, markRendered } from "./event-list";

describe("markRendered", () => {
  it("leaves one timing mark per rendered event and stays bounded", () => {
    performance.clearMarks();
    markRendered(7);
    const marks = performance.getEntriesByName("agentbar:rendered:7");
    expect(marks).toHaveLength(1);
    for (let seq = 0; seq < RENDER_MARK_LIMIT + 10; seq++) markRendered(1000 + seq);
    expect(performance.getEntriesByType("mark").length).toBeLessThanOrEqual(RENDER_MARK_LIMIT);
  });
});
