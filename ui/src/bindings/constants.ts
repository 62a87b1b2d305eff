// Generated from AgentBar's Rust types by `cargo test -p agentbar`. Do not edit.
import type { BarView } from "./BarView";
import type { Limits } from "./Limits";
import type { Settings } from "./Settings";

/** The limits the gateway sets. */
export const LIMITS: Limits = {
  "phoneMaxChars": 24,
  "calldataMaxBytes": 16384,
  "busyReasonMin": 200,
  "busyReasonMax": 250,
  "restMaxSeconds": 86399,
  "serviceTokenMaxChars": 50,
  "serviceTokenPattern": "^[A-Za-z0-9]{1,50}$",
  "defaultPushListen": "0.0.0.0:8443"
};

/** The settings before the agent or an administrator chose any. */
export const DEFAULT_SETTINGS: Settings = {
  "gateways": [],
  "agentId": "",
  "phone": "",
  "mode": "poll",
  "push": {
    "listen": "0.0.0.0:8443",
    "publicUrl": "",
    "certFile": "",
    "keyFile": ""
  },
  "relay": {
    "urls": [],
    "pushUrl": "",
    "trust": {
      "kind": "system"
    }
  },
  "trust": {
    "kind": "system"
  },
  "statusAfterSignIn": "idle",
  "rememberPassword": false,
  "takeOver": false,
  "notifications": {
    "ringing": true,
    "signedOut": true,
    "connection": true,
    "restOver": true
  },
  "alwaysOnTop": false,
  "quitSignsOut": true,
  "autostart": false,
  "language": "auto",
  "shortcuts": {
    "answer": "Ctrl+Alt+A",
    "hangUp": "Ctrl+Alt+H",
    "ready": "Ctrl+Alt+R",
    "busy": "Ctrl+Alt+B",
    "mute": "Ctrl+Alt+M"
  },
  "skills": {
    "kind": "all"
  },
  "keepRecentCalls": false,
  "reasonNames": {
    "busy": [],
    "rest": []
  },
  "locked": []
};

/** The bar before any sign-in. */
export const SIGNED_OUT_BAR: BarView = {
  "agentId": null,
  "state": "signedout",
  "stateSince": null,
  "restUntil": null,
  "busyReason": null,
  "health": {
    "kind": "signedout",
    "since": null,
    "reason": null,
    "gateway": null
  },
  "call": null,
  "calls": [],
  "next": null,
  "transfer": null,
  "recentCalls": [],
  "lastError": null,
  "controls": {
    "ready": "disabled",
    "busy": "disabled",
    "cancelBusy": "hidden",
    "rest": "disabled",
    "cancelRest": "hidden",
    "work": "disabled",
    "cancelWork": "hidden",
    "answer": "hidden",
    "reject": "hidden",
    "hangUp": "hidden",
    "hold": "hidden",
    "unhold": "hidden",
    "mute": "hidden",
    "unmute": "hidden",
    "dtmf": "hidden",
    "dial": "disabled",
    "transfer": "hidden",
    "cancelTransfer": "hidden",
    "consult": "hidden",
    "takeBack": "hidden",
    "conference": "hidden",
    "switchCall": "hidden",
    "saveCalldata": "hidden",
    "signOut": "hidden"
  }
};

/** The settings an administrator can lock, by name. */
export const LOCKABLE: readonly string[] = [
  "gateways",
  "agentId",
  "phone",
  "mode",
  "push",
  "relay",
  "trust",
  "statusAfterSignIn",
  "rememberPassword",
  "takeOver",
  "notifications",
  "alwaysOnTop",
  "quitSignsOut",
  "autostart",
  "language",
  "shortcuts",
  "skills",
  "keepRecentCalls",
  "reasonNames"
];

/** Event names the Rust side emits. */
export const EVENTS = { state: "bar:state", event: "bar:event" } as const;
