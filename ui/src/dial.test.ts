// Placing a call: checked before sending, a colleague by work number, and the recent calls.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RecentCall } from "./api";
import { bar, call, snapshot } from "./fixtures";
import { formatTimeOfDay } from "./format";
import { $, button, flush, input, Page, shown } from "./harness";
import { checkDial } from "./model";

const NOW = 1_700_000_000_000;
let page: Page;
beforeEach(() => {
  page = new Page();
});
afterEach(() => page.stop());

async function dial(text: string, colleague = false): Promise<void> {
  input("dial-number").value = text;
  input("dial-colleague").checked = colleague;
  ($("dial") as HTMLFormElement).requestSubmit();
  await flush();
}

describe("the dial field", () => {
  it("refuses what the gateway would refuse, with a message, sending nothing", async () => {
    await page.boot(snapshot(NOW));
    expect(shown("no-call")).toBe(true);
    expect(shown("dial-number")).toBe(true);
    for (const bad of ["", "12a4", "+4930123", "1".repeat(25), "agent:", "agent:12x"]) {
      await dial(bad);
      expect(shown("dial-error"), bad).toBe(true);
      expect($("dial-error").textContent, bad).not.toBe("");
      expect(input("dial-number").getAttribute("aria-invalid"), bad).toBe("true");
    }
    await dial("1002x", true);
    expect($("dial-error").textContent).toBe("A colleague's work number is digits only.");
    expect(page.requests()).toEqual([]);
  });

  it("sends a number, a colleague by agent: or with the box, and clears the field", async () => {
    await page.boot(snapshot(NOW));
    await dial("1".repeat(24));
    await dial(" 030 1234-567 ");
    await dial("*21#");
    await dial("agent:1002");
    await dial("1003", true);
    expect(page.requests()).toEqual([
      { kind: "dial", number: "1".repeat(24) },
      { kind: "dial", number: "0301234567" },
      { kind: "dial", number: "*21#" },
      { kind: "callColleague", workNo: "1002" },
      { kind: "callColleague", workNo: "1003" },
    ]);
    expect(input("dial-number").value).toBe("");
    expect(shown("dial-error")).toBe(false);
  });

  it("Enter in the field and the Call button send", async () => {
    await page.boot(snapshot(NOW));
    input("dial-number").value = "4711";
    button("btn-dial").click();
    await flush();
    expect(page.requests()).toEqual([{ kind: "dial", number: "4711" }]);
  });

  it("follows controls.dial: away during a call, beside held calls only", async () => {
    await page.boot(snapshot(NOW, { bar: bar(NOW, { state: "talking", call: call(NOW, { answeredAt: NOW }) }) }));
    expect(shown("no-call")).toBe(false);
    await page.state(bar(NOW, { state: "hold", call: call(NOW, { answeredAt: NOW, held: true }) }));
    expect(shown("call")).toBe(true);
    expect(shown("dial-number")).toBe(true);
    expect(input("dial-number").disabled).toBe(false);
    expect($("no-call").classList.contains("compact")).toBe(true);
    await page.state(bar(NOW, { state: "rest", restUntil: NOW + 60_000 }));
    expect(shown("dial-number")).toBe(true);
    expect(input("dial-number").disabled).toBe(true);
    expect(button("btn-dial").disabled).toBe(true);
  });
});

describe("recent calls", () => {
  const recent = (n: number): RecentCall[] =>
    Array.from({ length: n }, (_, i) => ({
      number: i === 1 ? "1002" : `0301234${i}`,
      direction: i === 1 ? "internal" : i % 2 === 0 ? "inbound" : "outbound",
      at: NOW - i * 600_000,
      answered: i !== 2,
    }));

  it("shows the newest eight with direction, number, time and whether answered", async () => {
    await page.boot(snapshot(NOW, { bar: bar(NOW, { recentCalls: recent(11) }) }));
    const items = [...document.querySelectorAll<HTMLElement>("#recent-calls li")];
    expect(items).toHaveLength(8);
    const first = items[0];
    expect(first?.querySelector(".recent-number")?.textContent).toBe("03012340");
    expect(first?.querySelector(".recent-time")?.textContent).toBe(formatTimeOfDay(NOW));
    expect(first?.querySelector(".recent-mark")?.textContent).toBe("answered");
    expect(first?.querySelector(".recent-dir")?.getAttribute("aria-label")).toBe("Inbound");
    expect(items[2]?.querySelector(".recent-mark")?.textContent).toBe("missed");
    expect(items[3]?.querySelector(".recent-dir")?.getAttribute("aria-label")).toBe("Outbound");
    expect(items[0]?.querySelector("button.redial")?.getAttribute("data-number")).toBe("03012340");
  });

  it("calls a number again, and a colleague by work number", async () => {
    await page.boot(snapshot(NOW, { bar: bar(NOW, { recentCalls: recent(3) }) }));
    document.querySelector<HTMLButtonElement>('button.redial[data-number="03012340"]')?.click();
    await flush();
    document.querySelector<HTMLButtonElement>('button.redial[data-number="1002"]')?.click();
    await flush();
    expect(page.requests()).toEqual([
      { kind: "dial", number: "03012340" },
      { kind: "callColleague", workNo: "1002" },
    ]);
  });

  it("does not send a recent number the gateway would refuse", async () => {
    await page.boot(snapshot(NOW, { bar: bar(NOW, { recentCalls: [{ number: "+49 30 1234567", direction: "inbound", at: NOW, answered: false }] }) }));
    document.querySelector<HTMLButtonElement>("button.redial")?.click();
    await flush();
    expect(page.requests()).toEqual([]);
    expect(shown("dial-error")).toBe(true);
  });

  it("hides the list when there is none", async () => {
    await page.boot(snapshot(NOW));
    expect(document.querySelector("#no-call .recent")?.closest("[hidden]")).not.toBeNull();
  });
});

describe("checkDial", () => {
  it("reads numbers and colleagues", () => {
    expect(checkDial("4711")).toEqual({ ok: true, request: { kind: "dial", number: "4711" } });
    expect(checkDial("AGENT:77")).toEqual({ ok: true, request: { kind: "callColleague", workNo: "77" } });
    expect(checkDial("12345678901234567890123*#").ok).toBe(false);
    expect(checkDial("(030) 12-34").ok).toBe(true);
    expect(checkDial("+1").ok).toBe(false);
  });
});
