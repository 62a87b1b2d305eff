// The sign-in form's third mode, "Via the site relay": its fields, what they
// become in the settings, what is refused before sending, and the
// administrator's lock. The real page markup and app in jsdom, the Rust side mocked.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Settings } from "./api";
import { SETTINGS, snapshot } from "./fixtures";
import { $, flush, input, Page, shown } from "./harness";
import { setLanguage } from "./i18n";
import { SIGNED_OUT_BAR } from "./model";

let page: Page;

beforeEach(() => {
  page = new Page();
});

afterEach(() => {
  page.stop();
  setLanguage("en");
});

const select = (id: string) => $(id) as HTMLSelectElement;

function choose(id: string, value: string): void {
  select(id).value = value;
  select(id).dispatchEvent(new Event("change", { bubbles: true }));
}

function signIn(): void {
  input("password").value = "Agent#101";
  $("btn-sign-in").click();
}

function sentSettings(): Settings | undefined {
  const sent = page.sent.find((s) => s.cmd === "sign_in")?.args as
    | { request: { settings: Settings } }
    | undefined;
  return sent?.request.settings;
}

const RELAY: Settings = {
  ...SETTINGS,
  mode: "relay",
  relay: {
    urls: ["https://relay1.corp:9443", "https://relay2.corp:9443"],
    pushUrl: "",
    trust: { kind: "pin", sha256: "ab".repeat(32) },
  },
};

describe("via the site relay", () => {
  it("offers the mode and shows only its fields", async () => {
    await page.boot(snapshot(page.now, { bar: SIGNED_OUT_BAR }));
    const option = [...select("mode").options].find((o) => o.value === "relay");
    expect(option?.textContent).toBe("Via the site relay");
    expect(shown("relay-fields")).toBe(false);
    choose("mode", "relay");
    expect(shown("relay-fields")).toBe(true);
    expect(shown("push-fields")).toBe(false);
    expect(shown("relay-url")).toBe(true);
    expect(shown("relay-ca-file")).toBe(false);
    expect(shown("relay-pin-sha256")).toBe(false);
    choose("relay-trust", "pin");
    expect(shown("relay-pin-sha256")).toBe(true);
    expect(shown("relay-ca-file")).toBe(false);
    expect(shown("pin-field")).toBe(false);
    choose("relay-trust", "caFile");
    expect(shown("relay-ca-file")).toBe(true);
    choose("mode", "push");
    expect(shown("relay-fields")).toBe(false);
    expect(shown("push-fields")).toBe(true);
  });

  it("signs in with the relay addresses, its push URL and its trust", async () => {
    await page.boot(snapshot(page.now, { bar: SIGNED_OUT_BAR }));
    choose("mode", "relay");
    input("relay-url").value = " https://relay1.corp:9443 ";
    input("relay-backup").value = "https://relay2.corp:9443";
    input("relay-push-url").value = "https://relay.corp:8443/push";
    choose("relay-trust", "caFile");
    input("relay-ca-file").value = "/etc/agentbar/relay-ca.pem";
    signIn();
    await flush();
    const settings = sentSettings();
    expect(settings?.mode).toBe("relay");
    expect(settings?.relay).toEqual({
      urls: ["https://relay1.corp:9443", "https://relay2.corp:9443"],
      pushUrl: "https://relay.corp:8443/push",
      trust: { kind: "caFile", path: "/etc/agentbar/relay-ca.pem" },
    });
    expect(settings?.trust).toEqual(SETTINGS.trust);
  });

  it("shows saved relay settings in the form", async () => {
    await page.boot(snapshot(page.now, { bar: SIGNED_OUT_BAR, settings: RELAY }));
    expect(select("mode").value).toBe("relay");
    expect(shown("relay-fields")).toBe(true);
    expect(input("relay-url").value).toBe("https://relay1.corp:9443");
    expect(input("relay-backup").value).toBe("https://relay2.corp:9443");
    expect(input("relay-push-url").value).toBe("");
    expect(select("relay-trust").value).toBe("pin");
    expect(input("relay-pin-sha256").value).toBe("ab".repeat(32));
    expect(shown("relay-pin-sha256")).toBe(true);
  });

  it("refuses a relay address that is missing or not https://, before sending", async () => {
    await page.boot(snapshot(page.now, { bar: SIGNED_OUT_BAR }));
    choose("mode", "relay");
    input("relay-url").value = "";
    signIn();
    await flush();
    expect(page.count("sign_in")).toBe(0);
    expect($("signin-error").textContent).toBe("Enter the site relay's address (your administrator has it).");
    expect(document.activeElement?.id).toBe("relay-url");
    expect(input("relay-url").getAttribute("aria-invalid")).toBe("true");

    input("relay-url").value = "http://relay.corp:9443";
    signIn();
    await flush();
    expect(page.count("sign_in")).toBe(0);
    expect($("signin-error").textContent).toBe("The site relay's address must start with https://.");

    input("relay-url").value = "https://relay.corp:9443";
    input("relay-push-url").value = "relay.corp:8443";
    signIn();
    await flush();
    expect(page.count("sign_in")).toBe(0);
    expect(document.activeElement?.id).toBe("relay-push-url");
  });

  it("says it in Chinese too", async () => {
    await page.boot(snapshot(page.now, { bar: SIGNED_OUT_BAR, settings: { ...SETTINGS, language: "zh-CN" } }));
    await flush();
    const option = [...select("mode").options].find((o) => o.value === "relay");
    expect(option?.textContent).toBe("经站点中继");
    choose("mode", "relay");
    input("relay-url").value = "http://relay.corp:9443";
    signIn();
    await flush();
    expect($("signin-error").textContent).toBe("站点中继的地址必须以 https:// 开头。");
  });

  it("keeps the relay an administrator locked out of reach", async () => {
    await page.boot(
      snapshot(page.now, { bar: SIGNED_OUT_BAR, settings: { ...RELAY, locked: ["mode", "relay"] } }),
    );
    expect(select("mode").disabled).toBe(true);
    for (const id of ["relay-url", "relay-backup", "relay-push-url", "relay-trust", "relay-pin-sha256"]) {
      expect(($(id) as HTMLInputElement).disabled, id).toBe(true);
    }
    expect(input("relay-url").closest("label")?.textContent).toContain("set by your administrator");
    expect(input("gateway").disabled).toBe(false);
  });
});
