//! The words the Rust side shows an agent (tray menu, notifications, error
//! messages) in English and Simplified Chinese, and which language is in use.
//!
//! The language follows the settings (`language`: "auto", "en" or "zh-CN");
//! "auto" follows the OS locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`).
//! The page asks for the same detection (`system_language`), so both sides agree.
//!
//! Errors are put into words on the Rust side, in the current language: the
//! page shows `AppError.message` as it comes. Every sentence is looked up by
//! its key here; the engine hands over causes, never text (see `errors.rs`).

use std::sync::atomic::{AtomicU8, Ordering};

/// A language AgentBar speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
}

impl Lang {
    /// The BCP 47 tag the page uses.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// The language in use.
pub fn current() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::ZhCn,
        _ => Lang::En,
    }
}

/// Switches the language in use.
pub fn set_current(lang: Lang) {
    CURRENT.store(
        match lang {
            Lang::En => 0,
            Lang::ZhCn => 1,
        },
        Ordering::Relaxed,
    );
}

/// The language of a locale name such as `zh_CN.UTF-8`, `zh-Hans` or `en_US`.
pub fn lang_of_locale(locale: &str) -> Lang {
    let name = locale.split(['.', '@']).next().unwrap_or_default();
    let language = name.split(['_', '-']).next().unwrap_or_default();
    if language.eq_ignore_ascii_case("zh") {
        Lang::ZhCn
    } else {
        Lang::En
    }
}

/// The OS locale's language from environment variables, POSIX precedence:
/// the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that is set and not empty.
pub fn system_language_from(var: impl Fn(&str) -> Option<String>) -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|name| var(name))
        .find(|value| !value.is_empty())
        .map_or(Lang::En, |value| lang_of_locale(&value))
}

/// The OS locale's language.
pub fn system_language() -> Lang {
    system_language_from(|name| std::env::var(name).ok())
}

/// The language a `language` setting means: "en", "zh-CN", or the system's.
pub fn resolve(setting: &str) -> Lang {
    match setting {
        "en" => Lang::En,
        "zh-CN" => Lang::ZhCn,
        _ => system_language(),
    }
}

/// Key, English, Simplified Chinese. `{name}` marks a value filled in.
const CATALOGUE: &[(&str, &str, &str)] = &[
    // Agent states (tray status line).
    ("state.signedout", "Signed out", "已签出"),
    ("state.idle", "Ready", "示闲"),
    ("state.busy", "Busy", "示忙"),
    ("state.ringing", "Ringing", "振铃中"),
    ("state.talking", "Talking", "通话中"),
    ("state.hold", "On hold", "保持中"),
    ("state.rest", "Resting", "休息中"),
    ("state.wrapup", "Wrap-up", "整理中"),
    // Tray menu.
    ("tray.ready", "Ready", "示闲"),
    ("tray.busy", "Busy", "示忙"),
    ("tray.rest", "Rest 15 minutes", "休息 15 分钟"),
    ("tray.show", "Show", "显示"),
    ("tray.hide", "Hide", "隐藏"),
    ("tray.signOut", "Sign out", "签出"),
    ("tray.quit", "Quit", "退出"),
    (
        "tray.reconnecting",
        "{state} — reconnecting",
        "{state} — 正在重新连接",
    ),
    (
        "tray.agent",
        "Agent {agent}: {state}",
        "座席 {agent}：{state}",
    ),
    ("tray.tooltip", "AgentBar: {status}", "AgentBar：{status}"),
    // Notifications.
    (
        "note.ringing",
        "Incoming call from {caller}",
        "{caller} 来电",
    ),
    (
        "note.ringingBody",
        "To {called}. Answer it on the connection bar.",
        "呼叫 {called}。请在连接条上应答。",
    ),
    ("note.answer", "Answer", "应答"),
    (
        "error.diagnostics",
        "The diagnostics could not be saved: {error}",
        "无法保存诊断信息：{error}",
    ),
    (
        "note.answered",
        "Call from {caller} answered",
        "已接听 {caller} 的来电",
    ),
    (
        "note.missed",
        "Missed call from {caller}",
        "未接来电：{caller}",
    ),
    (
        "note.missedBody",
        "The caller hung up before the call was answered.",
        "来电在应答前已挂断。",
    ),
    ("note.signedOut", "You were signed out", "您已被签出"),
    (
        "note.connectionLost",
        "Connection to the gateway lost",
        "与网关的连接已断开",
    ),
    (
        "note.connectionLostBody",
        "{reason}. AgentBar keeps trying to reconnect.",
        "{reason}。AgentBar 会持续尝试重新连接。",
    ),
    (
        "note.noAnswer",
        "The gateway does not answer",
        "网关没有响应",
    ),
    (
        "note.connectionBack",
        "Connection to the gateway restored",
        "与网关的连接已恢复",
    ),
    (
        "note.connectionBackBody",
        "You are back on the queue.",
        "您已重新回到队列中。",
    ),
    ("note.restOver", "Your rest time is over", "休息时间已到"),
    (
        "note.restOverBody",
        "Say Ready when you are back.",
        "回来后请示闲。",
    ),
    // Gateway refusals by retcode.
    (
        "retcode.100-004",
        "Wrong agent ID or password.",
        "座席工号或密码错误。",
    ),
    (
        "retcode.100-002",
        "This agent is already signed in elsewhere. Tick \u{201c}Take over\u{201d} to sign in here.",
        "该座席已在别处签入。勾选\u{201c}接管\u{201d}即可在此签入。",
    ),
    (
        "retcode.100-020",
        "Your password has expired. Change it, then sign in again.",
        "您的密码已过期。请修改密码后重新签入。",
    ),
    (
        "retcode.110-016",
        "Your account is locked. Ask your supervisor to unlock it.",
        "您的账号已被锁定。请联系班长解锁。",
    ),
    (
        "retcode.100-021",
        "A sign-in for this agent is already in progress. Try again in a moment.",
        "该座席正在签入中。请稍后再试。",
    ),
    (
        "retcode.100-003",
        "The gateway has no resource for you right now. Try again in a moment.",
        "网关暂时没有可用资源。请稍后再试。",
    ),
    (
        "retcode.100-001",
        "The gateway refused the sign-in details. Check the agent ID and phone number.",
        "网关拒绝了签入信息。请检查座席工号和电话号码。",
    ),
    (
        "retcode.100-009",
        "Your current state does not allow this.",
        "当前状态不允许此操作。",
    ),
    (
        "retcode.100-015",
        "This agent cannot be taken over.",
        "该座席无法被接管。",
    ),
    (
        "retcode.signedOut",
        "The gateway has signed you out. Sign in again.",
        "网关已将您签出。请重新签入。",
    ),
    (
        "retcode.100-007",
        "The gateway had an internal error. Try again.",
        "网关内部错误。请重试。",
    ),
    (
        "retcode.000-007",
        "That was sent twice; wait for the first one to finish.",
        "请求重复发送；请等待第一次请求完成。",
    ),
    (
        "retcode.000-004",
        "The gateway is switching over. AgentBar signs in again by itself.",
        "网关正在切换。AgentBar 会自动重新签入。",
    ),
    (
        "retcode.400-001",
        "The gateway rejected the call data.",
        "网关拒绝了随路数据。",
    ),
    (
        "retcode.invalid",
        "The gateway rejected the request as invalid.",
        "网关认为请求无效并拒绝了它。",
    ),
    // Errors by kind.
    (
        "error.notSignedIn",
        "You are not signed in.",
        "您尚未签入。",
    ),
    (
        "error.certificateNotTrusted",
        "The gateway's certificate is not trusted. Choose its CA file, or check its fingerprint with your administrator and trust it.",
        "网关的证书不受信任。请选择其 CA 文件，或与管理员核对证书指纹后信任它。",
    ),
    (
        "error.unreachable",
        "The gateway cannot be reached. Check its address and your network.",
        "无法连接到网关。请检查网关地址和网络。",
    ),
    (
        "error.timeout",
        "The gateway did not answer in time. Check your network.",
        "网关未及时响应。请检查网络。",
    ),
    (
        "error.tlsConfig",
        "The trust settings cannot be used: {detail}.",
        "无法使用该信任设置：{detail}。",
    ),
    (
        "error.signedOut",
        "The gateway no longer knows your session. Sign in again.",
        "网关已不再识别您的会话。请重新签入。",
    ),
    (
        "error.pushReceiver",
        "The event receiver for push mode could not start: {detail}.",
        "推送模式的事件接收器无法启动：{detail}。",
    ),
    (
        "error.keyring",
        "The system keyring cannot be used ({detail}). AgentBar needs it to keep your session safe.",
        "无法使用系统密钥环（{detail}）。AgentBar 需要它来安全地保存您的会话。",
    ),
    (
        "error.settingsInvalid",
        "The settings file {path} is not valid: {detail}",
        "设置文件 {path} 无效：{detail}",
    ),
    (
        "error.settingsIo",
        "Could not access the settings file {path}: {detail}",
        "无法访问设置文件 {path}：{detail}",
    ),
    (
        "error.busyReason",
        "The busy reason is a code from 200 to 250.",
        "示忙原因码须在 200 到 250 之间。",
    ),
    (
        "error.restLength",
        "A rest lasts from 1 second to 24 hours.",
        "休息时长须在 1 秒到 24 小时之间。",
    ),
    (
        "error.calldataTooLong",
        "The call data is {bytes} bytes; the gateway takes at most {max}.",
        "随路数据为 {bytes} 字节；网关最多接受 {max} 字节。",
    ),
    (
        "error.noCall",
        "There is no call on the bar.",
        "连接条上没有通话。",
    ),
    // Global shortcuts.
    (
        "shortcut.needsModifier",
        "A global shortcut needs Ctrl, Alt or Super.",
        "全局快捷键必须包含 Ctrl、Alt 或 Super。",
    ),
    (
        "shortcut.duplicate",
        "Already used for another action.",
        "已被另一个操作使用。",
    ),
    (
        "shortcut.wayland",
        "This Wayland desktop does not let programs take global shortcuts; it works while AgentBar has focus.",
        "此 Wayland 桌面不允许程序注册全局快捷键；在 AgentBar 窗口获得焦点时仍可使用。",
    ),
    (
        "shortcut.noDisplay",
        "There is no X display for global shortcuts; it works while AgentBar has focus.",
        "没有可用于全局快捷键的 X 显示；在 AgentBar 窗口获得焦点时仍可使用。",
    ),
    (
        "shortcut.refused",
        "The desktop refused it (another program may use it): {detail}. It works while AgentBar has focus.",
        "桌面拒绝了该快捷键（可能已被其他程序占用）：{detail}。在 AgentBar 窗口获得焦点时仍可使用。",
    ),
    (
        "error.transport",
        "The connection to the gateway broke off.",
        "与网关的连接中断。",
    ),
    (
        "error.malformed",
        "The gateway's answer could not be read.",
        "无法读取网关的应答。",
    ),
    (
        "error.httpStatus",
        "The gateway answered with HTTP error {status}.",
        "网关返回 HTTP 错误 {status}。",
    ),
    (
        "error.gatewayRefused",
        "The gateway refused ({retcode}: {meaning}).",
        "网关拒绝了请求（{retcode}：{meaning}）。",
    ),
    (
        "error.other",
        "Something went wrong ({kind}).",
        "出现错误（{kind}）。",
    ),
    (
        "error.invalidArgument",
        "That value cannot be sent to the gateway: {detail}.",
        "该值无法发送给网关：{detail}。",
    ),
    (
        "error.pushNeedsSignIn",
        "Your push-mode session cannot be resumed. Sign in again.",
        "无法恢复推送模式的会话。请重新签入。",
    ),
    (
        "meaning.000-001",
        "wrong way of getting events",
        "获取事件的方式错误",
    ),
    ("meaning.000-003", "the session has expired", "会话已过期"),
    ("meaning.100-006", "you are not signed in", "您未签入"),
    (
        "meaning.switchover",
        "the gateway is switching to its disaster-recovery site",
        "网关正在切换到容灾站点",
    ),
    ("meaning.unknown", "unknown gateway error", "未知网关错误"),
    (
        "meaning.100-009",
        "your state does not allow this",
        "当前状态不允许此操作",
    ),
    ("meaning.000-002", "a bad parameter", "参数错误"),
    (
        "meaning.200-001",
        "the number cannot be called",
        "无法呼叫该号码",
    ),
    (
        "meaning.200-002",
        "no call to answer or reject",
        "没有可应答或拒接的呼叫",
    ),
    ("meaning.200-003", "no call to mute", "没有可静音的通话"),
    (
        "meaning.200-004",
        "this call cannot be muted",
        "此通话无法静音",
    ),
    (
        "meaning.200-005",
        "no call to switch from",
        "没有可切换的通话",
    ),
    ("meaning.200-006", "no held call", "没有保持中的通话"),
    (
        "meaning.200-010",
        "no call for a three-way call",
        "没有可发起三方通话的通话",
    ),
    (
        "meaning.200-011",
        "no held call to join",
        "没有可加入的保持通话",
    ),
    ("meaning.200-012", "no call to transfer", "没有可转移的通话"),
    ("meaning.200-017", "no call to hang up", "没有可挂断的通话"),
    (
        "meaning.200-018",
        "no call to consult from",
        "没有可发起咨询的通话",
    ),
    (
        "meaning.hold",
        "the call cannot be held or taken off hold now",
        "当前无法保持或恢复该通话",
    ),
    (
        "invalid.called",
        "a number to call is 1 to 24 digits, * or #",
        "呼叫号码须为 1 到 24 位数字、* 或 #",
    ),
    (
        "invalid.caller",
        "a caller number is at most 24 digits",
        "主叫号码最多 24 位数字",
    ),
    (
        "invalid.digits",
        "keypad tones are digits, * and #, at most 24",
        "按键音为数字、* 和 #，最多 24 个",
    ),
    (
        "invalid.target",
        "choose a colleague, a skill queue, an IVR, an access code or a number",
        "请选择同事、技能队列、IVR、接入码或号码",
    ),
    (
        "invalid.consultTarget",
        "a consult goes to a colleague or a skill queue",
        "咨询只能发往同事或技能队列",
    ),
    (
        "invalid.noWait",
        "a transfer to an IVR cannot wait for an answer",
        "转接到 IVR 时无法等待应答",
    ),
    (
        "invalid.address",
        "that target's number or ID is not valid",
        "该目标的号码或 ID 无效",
    ),
    (
        "reconnect.unreachable",
        "The gateway cannot be reached.",
        "无法连接网关。",
    ),
    (
        "reconnect.timeout",
        "The gateway did not answer in time.",
        "网关未及时响应。",
    ),
    (
        "reconnect.certificate",
        "The gateway's certificate is not trusted.",
        "网关证书不受信任。",
    ),
    (
        "reconnect.transport",
        "The connection to the gateway broke off.",
        "与网关的连接中断。",
    ),
    (
        "reconnect.httpStatus",
        "The gateway answered with HTTP error {status}.",
        "网关返回 HTTP 错误 {status}。",
    ),
    (
        "reconnect.switchover",
        "The gateway is switching sites ({retcode}); signing in again on gateway {gateway}.",
        "网关正在切换站点（{retcode}）；正在网关 {gateway} 上重新签入。",
    ),
    (
        "reconnect.pushesStalled",
        "Events have stopped arriving from the gateway; the bar was brought up to date.",
        "已收不到网关推送的事件；连接条已按网关状态更新。",
    ),
    (
        "reconnect.relayDown",
        "The site relay cannot be reached or does not accept this sign-in: calls may not ring on the bar until it is back. Trying again…",
        "无法连接站点中继，或中继不接受本次签入：在中继恢复之前，来电可能不会在连接条上振铃。正在重试……",
    ),
    (
        "reconnect.failover",
        "Gateway {from} cannot be reached; signing in on gateway {to}.",
        "无法连接网关 {from}；正在网关 {to} 上签入。",
    ),
    (
        "msg.alreadySignedIn",
        "Agent {agent} is already signed in. Sign out first.",
        "座席 {agent} 已签入。请先签出。",
    ),
    ("msg.enterPassword", "Enter your password.", "请输入密码。"),
    (
        "msg.agentIdNumber",
        "The agent ID is a number, such as 291.",
        "座席工号是数字，例如 291。",
    ),
    (
        "msg.enterGateway",
        "Enter the gateway address.",
        "请输入网关地址。",
    ),
    (
        "msg.gatewayHttps",
        "The gateway address must start with https:// ({gateway}).",
        "网关地址必须以 https:// 开头（{gateway}）。",
    ),
    (
        "msg.enterPhone",
        "Enter your phone number.",
        "请输入电话号码。",
    ),
    (
        "msg.phoneTooLong",
        "The phone number has at most {max} characters.",
        "电话号码最多 {max} 个字符。",
    ),
    (
        "msg.caFile",
        "The CA file cannot be used: {detail}.",
        "无法使用该 CA 文件：{detail}。",
    ),
    (
        "msg.fingerprint",
        "The certificate fingerprint must be 64 hexadecimal digits.",
        "证书指纹必须是 64 位十六进制数字。",
    ),
    (
        "msg.pushListen",
        "The push listen address must look like 0.0.0.0:8443.",
        "推送监听地址的格式应类似 0.0.0.0:8443。",
    ),
    (
        "msg.enterRelay",
        "Enter the site relay's address (your administrator has it), such as https://relay.example.com:9443.",
        "请输入站点中继的地址（向管理员索取），例如 https://relay.example.com:9443。",
    ),
    (
        "msg.relayHttps",
        "The site relay's address must start with https:// ({url}).",
        "站点中继的地址必须以 https:// 开头（{url}）。",
    ),
    (
        "msg.relayPushHttps",
        "The address where the gateway reaches the site relay must start with https:// ({url}).",
        "网关访问站点中继的地址必须以 https:// 开头（{url}）。",
    ),
    (
        "msg.relayCaFile",
        "The CA file for the site relay cannot be used: {detail}.",
        "无法使用站点中继的 CA 文件：{detail}。",
    ),
    (
        "msg.relayFingerprint",
        "The site relay's certificate fingerprint must be 64 hexadecimal digits.",
        "站点中继的证书指纹必须是 64 位十六进制数字。",
    ),
    (
        "msg.notResumed",
        "Your previous session could not be resumed: {reason}",
        "无法恢复您之前的会话：{reason}",
    ),
    (
        "msg.gatewaySignedOut",
        "The gateway signed you out ({retcode}: {meaning}).",
        "网关已将您签出（{retcode}：{meaning}）。",
    ),
    (
        "msg.signInAgainFailed",
        "Signing in again failed. {error}",
        "重新签入失败。{error}",
    ),
];

fn entry(key: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    CATALOGUE.iter().find(|(k, _, _)| *k == key)
}

/// The text of `key` in `lang` (the key itself when it is missing, which a test forbids).
pub fn t_in(lang: Lang, key: &str) -> &'static str {
    match entry(key) {
        Some((_, en, zh)) => match lang {
            Lang::En => en,
            Lang::ZhCn => zh,
        },
        None => {
            tracing::warn!(key, "a text is missing from the catalogue");
            ""
        }
    }
}

/// The text of `key` in the current language.
pub fn t(key: &str) -> &'static str {
    t_in(current(), key)
}

/// The text of `key` in `lang` with each `{name}` replaced by its value.
pub fn tf_in(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    fill(t_in(lang, key), args)
}

/// The text of `key` in the current language, filled in.
pub fn tf(key: &str, args: &[(&str, &str)]) -> String {
    tf_in(current(), key, args)
}

fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut text = template.to_owned();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use super::*;

    /// The literal pieces and placeholder names of a template, alternating:
    /// `"a {x} b"` → `["a ", " b"]`, `["x"]`.
    fn pieces(template: &str) -> (Vec<&str>, Vec<&str>) {
        let mut literals = Vec::new();
        let mut names = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            literals.push(&rest[..open]);
            names.push(&rest[open + 1..open + close]);
            rest = &rest[open + close + 1..];
        }
        literals.push(rest);
        (literals, names)
    }

    fn placeholders(template: &str) -> BTreeSet<&str> {
        pieces(template).1.into_iter().collect()
    }

    #[test]
    fn every_key_has_both_languages_and_the_same_placeholders() {
        let mut seen = BTreeSet::new();
        for (key, en, zh) in CATALOGUE {
            assert!(seen.insert(*key), "{key} is in the catalogue twice");
            assert!(!en.trim().is_empty(), "{key} has no English text");
            assert!(!zh.trim().is_empty(), "{key} has no Chinese text");
            assert_eq!(
                placeholders(en),
                placeholders(zh),
                "{key} fills in different values"
            );
        }
    }

    #[test]
    fn every_key_the_code_uses_is_in_the_catalogue() {
        let sources = [
            include_str!("faces/tray.rs"),
            include_str!("faces/notify.rs"),
            include_str!("errors.rs"),
            include_str!("actions.rs"),
            include_str!("app.rs"),
            include_str!("desktop.rs"),
            include_str!("diagnostics.rs"),
            include_str!("shortcuts.rs"),
            include_str!("view/mod.rs"),
        ];
        let keys: BTreeSet<&str> = CATALOGUE.iter().map(|(k, _, _)| *k).collect();
        let mut used = 0;
        for source in sources {
            for call in ["t(\"", "tf(\""] {
                for (at, _) in source.match_indices(call) {
                    let rest = &source[at + call.len()..];
                    let key = &rest[..rest.find('"').unwrap_or(0)];
                    if key.contains('.') {
                        assert!(keys.contains(key), "{key} is used but not in the catalogue");
                        used += 1;
                    }
                }
            }
        }
        assert!(used > 20, "the scan found the uses ({used})");
    }

    #[test]
    fn the_locale_decides_the_language() {
        let env = |pairs: &[(&str, &str)]| {
            let map: HashMap<String, String> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            system_language_from(move |name| map.get(name).cloned())
        };
        assert_eq!(env(&[("LANG", "zh_CN.UTF-8")]), Lang::ZhCn);
        assert_eq!(env(&[("LANG", "en_US.UTF-8")]), Lang::En);
        assert_eq!(env(&[("LANG", "C.UTF-8")]), Lang::En);
        assert_eq!(env(&[]), Lang::En);
        assert_eq!(
            env(&[("LANG", "en_US.UTF-8"), ("LC_MESSAGES", "zh_CN.UTF-8")]),
            Lang::ZhCn
        );
        assert_eq!(
            env(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "en_GB.UTF-8")]),
            Lang::En,
            "LC_ALL wins"
        );
        assert_eq!(
            env(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "")]),
            Lang::ZhCn,
            "an empty variable is skipped"
        );
        assert_eq!(lang_of_locale("zh-Hans"), Lang::ZhCn);
        assert_eq!(lang_of_locale("zh_SG.GB2312"), Lang::ZhCn);
        assert_eq!(lang_of_locale("de_DE@euro"), Lang::En);
        assert_eq!(resolve("en"), Lang::En);
        assert_eq!(resolve("zh-CN"), Lang::ZhCn);
    }

    #[test]
    fn filled_in_texts_take_their_values() {
        assert_eq!(
            tf_in(
                Lang::ZhCn,
                "tray.agent",
                &[("agent", "101"), ("state", "示闲")]
            ),
            "座席 101：示闲"
        );
        assert_eq!(
            tf_in(Lang::En, "msg.alreadySignedIn", &[("agent", "101")]),
            "Agent 101 is already signed in. Sign out first."
        );
    }
}
