/**
 * Preview only (preview.html, never in the app bundle): the real page on a
 * mocked backend. `?scene=signin|idle|ringing|talking|hold|consult|reconnecting|rest|wrapup|signin-push`,
 * `&settings` opens the settings panel, `&picker` the transfer picker, `&keypad` the keypad, `&lang=zh-CN` shows the page as under a Chinese locale.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { start } from "./app";
import { scene } from "./fixtures";
import markup from "../index.html?raw";

const params = new URLSearchParams(location.search);
const now = Date.now();
const snap = scene(params.get("scene") ?? "idle", now);

mockIPC(
  (cmd, args) => {
    switch (cmd) {
      case "app_info":
        return { name: "AgentBar", version: "0.1.0" };
      case "snapshot":
        return snap;
      case "system_language":
        return params.get("lang") ?? "en";
      case "shortcut_status":
        return [
          { action: "answer", shortcut: "Ctrl+Alt+A", state: "registered", detail: null },
          { action: "hangUp", shortcut: "Ctrl+Alt+H", state: "registered", detail: null },
          { action: "ready", shortcut: "Ctrl+Alt+R", state: "unavailable", detail: "The desktop refused it (another program may use it)." },
          { action: "busy", shortcut: "Ctrl+Alt+B", state: "registered", detail: null },
        ];
      case "probe_certificate":
        return { sha256: "5F:3A:9C:21:04:BB:7E:19:AA:C2:0D:63:98:4E:11:F0:2B:6D:8C:3E:90:41:A7:5C:D2:E8:17:6B:0F:3C:99:A4", subject: "CN=cc-gw1.example.com", trusted: false };
      case "save_settings":
        return (args as { settings: unknown }).settings;
      case "skills":
      case "sign_in_skills":
        return { configured: [{ id: "1", name: "General" }, { id: "2", name: "Billing" }], signedIn: [{ id: "1", name: "General" }] };
      case "queue_figures":
        return { waiting: 3, longestWaitS: 80, skills: [] };
      case "today":
        return { answered: 12, missed: 1, outbound: 4, talkTimeS: 3720 };
      case "transfer_targets":
        return {
          agents: [
            { target: "agent:1002", address: "1002", name: "Li Wei", idle: true },
            { target: "agent:1003", address: "1003", name: "Anna Schmidt", idle: false },
          ],
          skills: [{ target: "skill:2", address: "2", name: "Billing", idle: false }],
          ivrs: [],
          accessCodes: [{ target: "access:8001", address: "8001", name: "Survey", idle: false }],
          unavailable: ["ivrs"],
        };
      case "sign_in":
        throw { kind: "wrongPassword", message: "Wrong agent ID or password." };
      default:
        return null;
    }
  },
  { shouldMockEvents: true },
);

document.body.innerHTML = new DOMParser().parseFromString(markup, "text/html").body.innerHTML;
void start().then((app) => {
  if (params.has("settings")) app.setPanelOpen(true);
  if (params.has("check")) document.getElementById("btn-check-cert")?.click();
  if (params.has("picker")) document.getElementById("btn-transfer")?.click();
  if (params.has("keypad")) document.getElementById("btn-keypad")?.click();
});
