// The transfer and consult picker: lists from the gateway, search, keyboard, the request it sends.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TargetsView } from "./api";
import { bar, call, CONTROLS_SENT, snapshot } from "./fixtures";
import { $, button, flush, input, key, Page, shown } from "./harness";

const NOW = 1_700_000_000_000;
let page: Page;

const TARGETS: TargetsView = {
  agents: [
    { target: "agent:102", address: "102", name: "Li Wei", idle: true },
    { target: "agent:103", address: "103", name: "Anna Schmidt", idle: false },
    { target: "agent:1104", address: "1104", name: "", idle: true },
  ],
  skills: [
    { target: "skill:3", address: "3", name: "Billing", idle: false },
    { target: "skill:4", address: "4", name: "General", idle: false },
  ],
  ivrs: [],
  accessCodes: [{ target: "access:8001", address: "8001", name: "Survey", idle: false }],
  unavailable: ["ivrs"],
};

beforeEach(async () => {
  page = new Page();
  page.replies.transfer_targets = () => TARGETS;
  await page.boot(snapshot(NOW, { bar: bar(NOW, { state: "talking", call: call(NOW, { answeredAt: NOW - 5_000 }) }) }));
});
afterEach(() => page.stop());

const items = () => [...document.querySelectorAll<HTMLButtonElement>("#picker-list button.target")];
const targets = () => items().map((b) => b.dataset.target);

async function open(id = "btn-transfer"): Promise<void> {
  button(id).click();
  await flush();
}

describe("the transfer picker", () => {
  it("asks for the lists each time it opens, showing loading meanwhile", async () => {
    let answer: (v: TargetsView) => void = () => {};
    page.replies.transfer_targets = () => new Promise<TargetsView>((resolve) => (answer = resolve));
    button("btn-transfer").click();
    expect(shown("picker")).toBe(true);
    expect($("picker").dataset.mode).toBe("transfer");
    expect($("picker-note").textContent).toBe("Loading…");
    expect(document.activeElement?.id).toBe("picker-search");
    answer(TARGETS);
    await flush();
    expect(targets()).toEqual(["agent:102", "agent:103", "agent:1104"]);
    expect($("picker-note").textContent).toBe("");
    button("btn-picker-close").click();
    expect(shown("picker")).toBe(false);
    page.replies.transfer_targets = () => TARGETS;
    await open();
    expect(page.count("transfer_targets")).toBe(2);
  });

  it("shows names, numbers and who is idle, as text", async () => {
    page.replies.transfer_targets = () => ({ ...TARGETS, agents: [{ target: "agent:9", address: "9", name: '<img src=x id="evil">', idle: true }] });
    await open();
    const first = items()[0];
    expect(first?.querySelector(".target-name")?.textContent).toBe('<img src=x id="evil">');
    expect(document.getElementById("evil")).toBeNull();
    expect(first?.querySelector(".target-idle")?.textContent).toBe("idle");
  });

  it("shows all five tabs, and filters by name or number ignoring case", async () => {
    await open();
    for (const tab of ["agents", "skills", "ivrs", "access", "number"]) expect(shown(`picker-tab-${tab}`), tab).toBe(true);
    expect($("picker-tab-agents").getAttribute("aria-selected")).toBe("true");
    const search = input("picker-search");
    search.value = "LI w";
    search.dispatchEvent(new Event("input"));
    expect(targets()).toEqual(["agent:102"]);
    search.value = "10";
    search.dispatchEvent(new Event("input"));
    expect(targets()).toEqual(["agent:102", "agent:103", "agent:1104"]);
    search.value = "110";
    search.dispatchEvent(new Event("input"));
    expect(targets()).toEqual(["agent:1104"]);
    search.value = "nobody";
    search.dispatchEvent(new Event("input"));
    expect(targets()).toEqual([]);
    expect($("picker-note").textContent).toBe("Nothing matches “nobody”.");
  });

  it("sends a transfer to the chosen colleague, waiting by default, and closes", async () => {
    await open();
    expect(input("picker-wait").checked).toBe(true);
    expect(shown("picker-three-way")).toBe(false);
    items()[1]?.click();
    expect(items()[1]?.getAttribute("aria-selected")).toBe("true");
    expect(items()[0]?.getAttribute("aria-selected")).toBe("false");
    button("btn-picker-go").click();
    await flush();
    expect(page.requests()).toEqual([{ kind: "transfer", target: "agent:103", wait: true }]);
    expect(shown("picker")).toBe(false);
    expect(document.activeElement?.id).toBe("btn-transfer");
  });

  it("to a skill queue does not wait by default; Go without a choice says so and sends nothing", async () => {
    await open();
    button("picker-tab-skills").click();
    expect(targets()).toEqual(["skill:3", "skill:4"]);
    expect(input("picker-wait").checked).toBe(false);
    button("btn-picker-go").click();
    await flush();
    expect(page.requests()).toEqual([]);
    expect($("picker-error").textContent).toBe("Choose a target first.");
    items()[0]?.click();
    button("btn-picker-go").click();
    await flush();
    expect(page.requests()).toEqual([{ kind: "transfer", target: "skill:3", wait: false }]);
  });

  it("says which list the gateway did not give", async () => {
    await open();
    button("picker-tab-ivrs").click();
    expect($("picker-note").textContent).toBe("The gateway did not give this list.");
    button("picker-tab-access").click();
    expect(targets()).toEqual(["access:8001"]);
  });

  it("transfers to a number checked as the gateway checks it", async () => {
    await open();
    button("picker-tab-number").click();
    expect(shown("picker-number")).toBe(true);
    expect(shown("picker-list")).toBe(false);
    input("picker-number").value = "0301234x";
    key(input("picker-number"), "Enter");
    await flush();
    expect(page.requests()).toEqual([]);
    expect($("picker-error").textContent).toBe("A number is 1 to 24 digits, * or #.");
    input("picker-number").value = "030 1234 567";
    key(input("picker-number"), "Enter");
    await flush();
    expect(page.requests()).toEqual([{ kind: "transfer", target: "number:0301234567", wait: false }]);
  });

  it("shows the gateway's refusal inside the picker and stays open", async () => {
    page.replies.call_control = () => {
      throw { kind: "gateway", message: "The colleague is not available." };
    };
    await open();
    items()[0]?.click();
    button("btn-picker-go").click();
    await flush();
    await flush();
    expect(shown("picker")).toBe(true);
    expect(shown("picker-error")).toBe(true);
    expect($("picker-error").textContent).toBe("The colleague is not available.");
    expect(button("btn-picker-go").disabled).toBe(false);
  });

  it("works from the keyboard: arrows through the list, Enter chooses and then sends, Escape closes", async () => {
    await open();
    key(input("picker-search"), "ArrowDown");
    expect(document.activeElement?.getAttribute("data-target")).toBe("agent:102");
    key(document.activeElement as Element, "ArrowDown");
    expect(document.activeElement?.getAttribute("data-target")).toBe("agent:103");
    key(document.activeElement as Element, "ArrowUp");
    key(document.activeElement as Element, "ArrowUp");
    expect(document.activeElement?.id).toBe("picker-search");
    key(input("picker-search"), "ArrowDown");
    (document.activeElement as HTMLButtonElement).click(); // Enter on a button clicks it
    expect(items()[0]?.getAttribute("aria-selected")).toBe("true");
    expect(items()[0]?.tabIndex).toBe(0);
    expect(items()[1]?.tabIndex).toBe(-1);
    key(document.activeElement as Element, "Enter");
    await flush();
    expect(page.requests()).toEqual([{ kind: "transfer", target: "agent:102", wait: true }]);

    await open();
    key($("picker-tab-agents"), "ArrowRight");
    expect(document.activeElement?.id).toBe("picker-tab-skills");
    expect($("picker-tab-skills").getAttribute("aria-selected")).toBe("true");
    key(document.activeElement as Element, "Escape");
    expect(shown("picker")).toBe(false);
    expect(document.activeElement?.id).toBe("btn-transfer");
  });

  it("closes when the call ends", async () => {
    await open();
    await page.state(bar(NOW));
    expect(shown("picker")).toBe(false);
  });
});

describe("the consult picker", () => {
  it("offers colleagues and skill queues only, and sends a consult, three-way when asked", async () => {
    await open("btn-consult");
    expect($("picker").dataset.mode).toBe("consult");
    expect($("picker-title").textContent).toBe("Consult with");
    expect(shown("picker-tab-agents")).toBe(true);
    expect(shown("picker-tab-skills")).toBe(true);
    for (const tab of ["ivrs", "access", "number"]) expect(shown(`picker-tab-${tab}`), tab).toBe(false);
    expect(shown("picker-wait")).toBe(false);
    expect(shown("picker-three-way")).toBe(true);
    items()[0]?.click();
    input("picker-three-way").checked = true;
    button("btn-picker-go").click();
    await flush();
    expect(page.requests()).toEqual([{ kind: "consult", target: "agent:102", threeWay: true }]);
    expect(shown("picker")).toBe(false);
  });

  it("says when the lists could not be had at all", async () => {
    page.replies.transfer_targets = () => {
      throw { kind: "transport", message: "Could not reach the gateway." };
    };
    await page.state(bar(NOW, { state: "talking", call: call(NOW, { answeredAt: NOW }), controls: CONTROLS_SENT.talking }));
    await open("btn-consult");
    await flush();
    expect($("picker-note").textContent).toBe("Could not reach the gateway.");
    expect(targets()).toEqual([]);
  });
});
