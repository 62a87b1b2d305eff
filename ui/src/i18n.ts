/**
 * The page's words in English and Simplified Chinese. The language is the
 * `language` setting, or for "auto" the OS locale as the Rust side detects it
 * (command `system_language`), so the page, the tray and notifications agree.
 * Static text in index.html names its key in `data-i18n` (text),
 * `data-i18n-label` (aria-label), `data-i18n-title`, `data-i18n-placeholder`.
 * Error messages come from the Rust side already in the current language.
 */

export type Language = "en" | "zh-CN";
export type LanguageSetting = "auto" | Language;

const en = {
  // Status strip
  "status.region": "Status",
  "status.timer": "Time in this state",
  "status.dismissError": "Dismiss error",
  "status.settings": "Settings",
  "status.signOut": "Sign out",
  "status.agent": "Agent {agent}",
  "status.busyReason": "Busy, reason {reason}",
  "status.loadFailed": "Could not load the current state: {message}",
  "status.backendDown": "AgentBar (backend not reachable: {message})",
  "status.errorKind": "{message} ({kind})",
  // Agent states
  "state.signedout": "Signed out",
  "state.idle": "Ready",
  "state.busy": "Busy",
  "state.ringing": "Ringing",
  "state.talking": "Talking",
  "state.hold": "On hold",
  "state.rest": "Resting",
  "state.wrapup": "Wrap-up",
  // Timers
  "timer.left": "{time} left",
  "timer.over": "{time} over",
  "timer.ringing": "Ringing {time}",
  // Health
  "health.connectedTo": "Connected to {host}",
  "health.connected": "Connected",
  "health.connecting": "Connecting…",
  "health.reconnecting": "Reconnecting",
  "health.reconnectingSince": "Reconnecting since {time}",
  "health.signedOutWhy": "Signed out — {reason}",
  "health.notConnected": "Not connected",
  // Settings panel
  "settings.notifyLegend": "Notify me when",
  "settings.notifyRinging": "a call rings",
  "settings.notifySignedOut": "I am signed out",
  "settings.notifyConnection": "the connection is lost or back",
  "settings.notifyRestOver": "my rest time is over",
  "settings.windowLegend": "Window",
  "settings.alwaysOnTop": "Always on top",
  "settings.quitSignsOut": "Quitting signs me out",
  "settings.autostart": "Start AgentBar when I log in",
  "settings.saveDiagnostics": "Save diagnostics",
  "settings.diagnosticsSaved": "Saved for the help desk: {path}",
  "settings.languageLegend": "Language",
  "settings.language": "Language",
  "settings.languageAuto": "Follow the system",
  "settings.shortcutsLegend": "Keyboard shortcuts",
  "settings.saved": "Saved",
  "settings.lockHint": "set by your administrator",
  "settings.locked": "Locked: {hint}",
  // Shortcuts
  "shortcut.answer": "Answer",
  "shortcut.hangUp": "Hang up",
  "shortcut.ready": "Ready",
  "shortcut.busy": "Busy",
  "shortcut.registered": "Works everywhere",
  "shortcut.off": "Off",
  "shortcut.windowOnly": "Only in this window",
  "shortcut.empty": "Off (empty)",
  "shortcut.needsModifier": "Needs Ctrl, Alt or Super.",
  "shortcut.badKey": "Not a key: {key}.",
  "shortcut.oneKey": "One key after the modifiers, such as Ctrl+Alt+A.",
  "shortcut.duplicate": "Already used for {action}.",
  "shortcut.hint": "Such as Ctrl+Alt+A; empty turns it off.",
  // Sign-in form
  "signin.form": "Sign in",
  "signin.gateway": "Gateway",
  "signin.backup": "Backup",
  "signin.optional": "optional",
  "signin.agentId": "Agent ID",
  "signin.phone": "Phone",
  "signin.password": "Password",
  "signin.remembered": "Remembered",
  "signin.rememberedTitle": "A password is remembered: leave this empty to use it",
  "signin.eventsBy": "Events by",
  "signin.polling": "Polling",
  "signin.push": "Push",
  "signin.listenOn": "Listen on",
  "signin.gatewayReaches": "Gateway reaches",
  "signin.cert": "Cert",
  "signin.key": "Key",
  "signin.emptyToGenerate": "empty to generate",
  "signin.receiverSha256": "Receiver SHA-256",
  "signin.receiverSha256Title": "The gateway pins the receiver's certificate by this fingerprint",
  "signin.trust": "Trust",
  "signin.systemRoots": "System roots",
  "signin.caFile": "CA file",
  "signin.fingerprint": "Certificate fingerprint",
  "signin.hexDigits": "64 hex digits",
  "signin.checkCert": "Check certificate",
  "signin.trustCert": "Trust this certificate",
  "signin.trusted": "{subject} — trusted",
  "signin.notTrusted": "{subject} — not trusted yet",
  "signin.willTrust": "{subject} — will be trusted at sign-in",
  "signin.afterSignIn": "After sign-in",
  "signin.rememberPassword": "Remember password",
  "signin.takeOver": "Take over if signed in elsewhere",
  "signin.submit": "Sign in",
  "signin.signingIn": "Signing in…",
  // Sign-in validation
  "invalid.gateway": "Enter the gateway URL.",
  "invalid.gatewayHttps": "The gateway URL must start with https://.",
  "invalid.backupHttps": "The backup gateway URL must start with https://.",
  "invalid.agentId": "The agent ID is digits only.",
  "invalid.phone": "Enter the phone number (digits).",
  "invalid.password": "Enter your password.",
  "invalid.pushListen": "The listen address is host:port, such as 0.0.0.0:8443.",
  "invalid.pushUrl": "The URL the gateway reaches must start with https://.",
  "invalid.pushPair": "Give both the certificate and the key file, or neither to generate them.",
  "invalid.caFile": "Enter the CA file path.",
  "invalid.pin": "The fingerprint is 64 hexadecimal digits (SHA-256).",
  // The bar
  "bar.region": "Connection bar",
  "bar.agentState": "Agent state",
  "bar.ready": "Ready",
  "bar.busy": "Busy",
  "bar.busyReason": "Busy reason",
  "bar.reason": "Reason {reason}",
  "bar.cancelBusy": "Cancel busy",
  "bar.rest": "Rest",
  "bar.restMinutes": "Rest minutes",
  "bar.min": "min",
  "bar.cancelRest": "Cancel rest",
  "bar.work": "Wrap-up",
  "bar.cancelWork": "Cancel wrap-up",
  "bar.restInvalid": "Rest time is a whole number of minutes, 1 to 1439.",
  // The call
  "call.region": "Current call",
  "call.none": "No call right now",
  "call.held": "On hold",
  "call.caller": "Caller",
  "call.called": "Called",
  "call.answer": "Answer",
  "call.hold": "Hold",
  "call.unhold": "Unhold",
  "call.hangUp": "Hang up",
  "call.time": "Call time",
  "call.inbound": "Inbound",
  "call.outbound": "Outbound",
  "call.voice": "Voice",
  "call.video": "Video",
  "call.voiceVideo": "Voice + video",
  "call.mediaUnknown": "Media unknown",
  "calldata.label": "Call data",
  "calldata.count": "{bytes} / {limit} bytes",
  "calldata.tooLong": "Too long by {over} bytes: call data holds at most 16 KB.",
  "calldata.tooLongOne": "Too long by 1 byte: call data holds at most 16 KB.",
  "calldata.save": "Save",
  "calldata.saving": "Saving…",
  "calldata.savedAt": "Saved at {time}",
  "calldata.notSaved": "Not saved.",
  // Events
  "events.title": "Recent events",
} as const;

export type Key = keyof typeof en;
export type Catalogue = Record<Key, string>;

const zhCN: Catalogue = {
  "status.region": "状态",
  "status.timer": "当前状态持续时间",
  "status.dismissError": "关闭错误提示",
  "status.settings": "设置",
  "status.signOut": "签出",
  "status.agent": "座席 {agent}",
  "status.busyReason": "示忙，原因 {reason}",
  "status.loadFailed": "无法加载当前状态：{message}",
  "status.backendDown": "AgentBar（无法连接后台：{message}）",
  "status.errorKind": "{message}（{kind}）",
  "state.signedout": "已签出",
  "state.idle": "示闲",
  "state.busy": "示忙",
  "state.ringing": "振铃中",
  "state.talking": "通话中",
  "state.hold": "保持中",
  "state.rest": "休息中",
  "state.wrapup": "整理中",
  "timer.left": "剩余 {time}",
  "timer.over": "超时 {time}",
  "timer.ringing": "振铃 {time}",
  "health.connectedTo": "已连接到 {host}",
  "health.connected": "已连接",
  "health.connecting": "正在连接…",
  "health.reconnecting": "正在重新连接",
  "health.reconnectingSince": "自 {time} 起正在重新连接",
  "health.signedOutWhy": "已签出 — {reason}",
  "health.notConnected": "未连接",
  "settings.notifyLegend": "以下情况通知我",
  "settings.notifyRinging": "有来电振铃",
  "settings.notifySignedOut": "我被签出",
  "settings.notifyConnection": "连接断开或恢复",
  "settings.notifyRestOver": "休息时间已到",
  "settings.windowLegend": "窗口",
  "settings.alwaysOnTop": "窗口置顶",
  "settings.quitSignsOut": "退出时自动签出",
  "settings.autostart": "登录时启动 AgentBar",
  "settings.saveDiagnostics": "保存诊断信息",
  "settings.diagnosticsSaved": "已保存，供技术支持使用：{path}",
  "settings.languageLegend": "语言",
  "settings.language": "语言",
  "settings.languageAuto": "跟随系统",
  "settings.shortcutsLegend": "键盘快捷键",
  "settings.saved": "已保存",
  "settings.lockHint": "由管理员设定",
  "settings.locked": "已锁定：{hint}",
  "shortcut.answer": "应答",
  "shortcut.hangUp": "挂断",
  "shortcut.ready": "示闲",
  "shortcut.busy": "示忙",
  "shortcut.registered": "全局可用",
  "shortcut.off": "已关闭",
  "shortcut.windowOnly": "仅在本窗口内可用",
  "shortcut.empty": "已关闭（为空）",
  "shortcut.needsModifier": "需要包含 Ctrl、Alt 或 Super。",
  "shortcut.badKey": "无法识别的按键：{key}。",
  "shortcut.oneKey": "修饰键后只能跟一个按键，例如 Ctrl+Alt+A。",
  "shortcut.duplicate": "已用于“{action}”。",
  "shortcut.hint": "例如 Ctrl+Alt+A；留空即关闭。",
  "signin.form": "签入",
  "signin.gateway": "网关",
  "signin.backup": "备用网关",
  "signin.optional": "可选",
  "signin.agentId": "座席工号",
  "signin.phone": "电话",
  "signin.password": "密码",
  "signin.remembered": "已记住",
  "signin.rememberedTitle": "已记住密码：留空即使用已记住的密码",
  "signin.eventsBy": "事件获取方式",
  "signin.polling": "轮询",
  "signin.push": "推送",
  "signin.listenOn": "监听地址",
  "signin.gatewayReaches": "网关访问地址",
  "signin.cert": "证书",
  "signin.key": "私钥",
  "signin.emptyToGenerate": "留空则自动生成",
  "signin.receiverSha256": "接收端 SHA-256",
  "signin.receiverSha256Title": "网关按此指纹固定接收端的证书",
  "signin.trust": "信任",
  "signin.systemRoots": "系统根证书",
  "signin.caFile": "CA 文件",
  "signin.fingerprint": "证书指纹",
  "signin.hexDigits": "64 位十六进制数字",
  "signin.checkCert": "检查证书",
  "signin.trustCert": "信任此证书",
  "signin.trusted": "{subject} — 已信任",
  "signin.notTrusted": "{subject} — 尚未信任",
  "signin.willTrust": "{subject} — 将在签入时信任",
  "signin.afterSignIn": "签入后状态",
  "signin.rememberPassword": "记住密码",
  "signin.takeOver": "如已在别处签入则接管",
  "signin.submit": "签入",
  "signin.signingIn": "正在签入…",
  "invalid.gateway": "请输入网关 URL。",
  "invalid.gatewayHttps": "网关 URL 必须以 https:// 开头。",
  "invalid.backupHttps": "备用网关 URL 必须以 https:// 开头。",
  "invalid.agentId": "座席工号只能是数字。",
  "invalid.phone": "请输入电话号码（数字）。",
  "invalid.password": "请输入密码。",
  "invalid.pushListen": "监听地址格式为 主机:端口，例如 0.0.0.0:8443。",
  "invalid.pushUrl": "网关访问的 URL 必须以 https:// 开头。",
  "invalid.pushPair": "请同时提供证书和私钥文件，或都留空以自动生成。",
  "invalid.caFile": "请输入 CA 文件路径。",
  "invalid.pin": "证书指纹是 64 位十六进制数字（SHA-256）。",
  "bar.region": "连接条",
  "bar.agentState": "座席状态",
  "bar.ready": "示闲",
  "bar.busy": "示忙",
  "bar.busyReason": "示忙原因",
  "bar.reason": "原因 {reason}",
  "bar.cancelBusy": "取消示忙",
  "bar.rest": "休息",
  "bar.restMinutes": "休息分钟数",
  "bar.min": "分钟",
  "bar.cancelRest": "取消休息",
  "bar.work": "整理",
  "bar.cancelWork": "取消整理",
  "bar.restInvalid": "休息时长须为 1 到 1439 之间的整数分钟。",
  "call.region": "当前通话",
  "call.none": "当前没有通话",
  "call.held": "保持中",
  "call.caller": "主叫",
  "call.called": "被叫",
  "call.answer": "应答",
  "call.hold": "保持",
  "call.unhold": "取消保持",
  "call.hangUp": "挂断",
  "call.time": "通话时长",
  "call.inbound": "呼入",
  "call.outbound": "呼出",
  "call.voice": "语音",
  "call.video": "视频",
  "call.voiceVideo": "语音 + 视频",
  "call.mediaUnknown": "媒体未知",
  "calldata.label": "随路数据",
  "calldata.count": "{bytes} / {limit} 字节",
  "calldata.tooLong": "超出 {over} 字节：随路数据最多 16 KB。",
  "calldata.tooLongOne": "超出 1 字节：随路数据最多 16 KB。",
  "calldata.save": "保存",
  "calldata.saving": "正在保存…",
  "calldata.savedAt": "已于 {time} 保存",
  "calldata.notSaved": "未保存。",
  "events.title": "最近事件",
};

export const CATALOGUES: Record<Language, Catalogue> = { en, "zh-CN": zhCN };

let current: Language = "en";

export function language(): Language {
  return current;
}

export function setLanguage(lang: Language): void {
  current = lang;
}

/** The text of `key` in the current language, with `{name}` filled in. */
export function t(key: Key, args: Record<string, string | number> = {}): string {
  const template = CATALOGUES[current][key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in args ? String(args[name]) : whole));
}

/** The language of a locale name such as `zh_CN.UTF-8`, `zh-Hans` or `en-US`. */
export function languageOfLocale(locale: string | null | undefined): Language {
  const lang = (locale ?? "").split(/[._@-]/)[0]?.toLowerCase();
  return lang === "zh" ? "zh-CN" : "en";
}

/** The language a setting means; "auto" follows what the Rust side detected. */
export function resolveLanguage(setting: string | undefined, system: string | null | undefined): Language {
  if (setting === "en" || setting === "zh-CN") return setting;
  return languageOfLocale(system);
}

/** Puts the current language's words into the static page (marked with data-i18n*). */
export function translatePage(doc: Document): void {
  doc.documentElement.lang = current;
  const apply = (attr: string, set: (el: HTMLElement, text: string) => void): void => {
    for (const el of doc.querySelectorAll<HTMLElement>(`[${attr}]`)) {
      const key = el.getAttribute(attr) as Key;
      if (key in en) set(el, t(key));
    }
  };
  apply("data-i18n", (el, text) => {
    if (el.textContent !== text) el.textContent = text;
  });
  apply("data-i18n-label", (el, text) => el.setAttribute("aria-label", text));
  apply("data-i18n-title", (el, text) => el.setAttribute("title", text));
  apply("data-i18n-placeholder", (el, text) => el.setAttribute("placeholder", text));
}
