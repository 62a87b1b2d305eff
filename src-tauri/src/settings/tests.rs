//! The settings files and their rules.

use std::path::Path;

use super::*;

fn store(dir: &tempfile::TempDir) -> SettingsStore {
    SettingsStore::at(
        dir.path().join("user/settings.json"),
        dir.path().join("defaults.json"),
    )
}

#[test]
fn missing_files_give_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(store(&dir).load().unwrap(), Settings::default());
}

#[test]
fn saved_settings_load_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let settings = Settings {
        gateways: vec!["https://gw.example:8043/agentgateway/resource".into()],
        agent_id: "291".into(),
        phone: "6001".into(),
        trust: TrustSetting::Pin {
            sha256: "ab".repeat(32),
        },
        ..Settings::default()
    };
    assert_eq!(store.save(&settings).unwrap(), settings);
    assert_eq!(store.load().unwrap(), settings);
}

#[test]
fn administrator_defaults_fill_in_and_locks_win() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    std::fs::write(
        dir.path().join("defaults.json"),
        r#"{"gateways":["https://cc.corp:8043/agentgateway/resource"],
            "trust":{"kind":"caFile","path":"/etc/agentbar/ca.pem"},
            "alwaysOnTop":true,
            "locked":["gateways","trust"]}"#,
    )
    .unwrap();
    let mine = Settings {
        gateways: vec!["https://elsewhere/agentgateway/resource".into()],
        trust: TrustSetting::System,
        agent_id: "101".into(),
        always_on_top: false,
        ..Settings::default()
    };
    let effective = store.save(&mine).unwrap();
    assert_eq!(
        effective.gateways,
        vec!["https://cc.corp:8043/agentgateway/resource"]
    );
    assert_eq!(
        effective.trust,
        TrustSetting::CaFile {
            path: "/etc/agentbar/ca.pem".into()
        }
    );
    assert_eq!(effective.agent_id, "101");
    assert!(
        !effective.always_on_top,
        "an unlocked default yields to the user's choice"
    );
    assert_eq!(effective.locked, vec!["gateways", "trust"]);
}

#[test]
fn an_administrator_presets_and_locks_the_relay() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    std::fs::write(
        dir.path().join("defaults.json"),
        r#"{"mode":"relay",
            "relay":{"urls":["https://relay.corp:9443","https://relay2.corp:9443"],
                     "trust":{"kind":"pin","sha256":"ab"}},
            "locked":["mode","relay"]}"#,
    )
    .unwrap();
    let mine = Settings {
        mode: Mode::Push,
        relay: RelaySettings {
            urls: vec!["https://elsewhere:9443".into()],
            push_url: "https://elsewhere:8443/x".into(),
            trust: TrustSetting::System,
        },
        ..Settings::default()
    };
    let effective = store.save(&mine).unwrap();
    assert_eq!(effective.mode, Mode::Relay);
    assert_eq!(
        effective.relay,
        RelaySettings {
            urls: vec![
                "https://relay.corp:9443".into(),
                "https://relay2.corp:9443".into()
            ],
            push_url: String::new(),
            trust: TrustSetting::Pin {
                sha256: "ab".into()
            },
        }
    );
    assert_eq!(effective.locked, vec!["mode", "relay"]);
    let json = serde_json::to_value(&effective).unwrap();
    assert_eq!(json["mode"], "relay");
    assert_eq!(json["relay"]["pushUrl"], "");
}

#[test]
fn settings_from_before_the_relay_load_without_it() {
    let old: Settings = serde_json::from_str(r#"{"mode":"push","agentId":"101"}"#).unwrap();
    assert_eq!(old.mode, Mode::Push);
    assert_eq!(old.relay, RelaySettings::default());
}

#[test]
fn language_and_shortcuts_have_defaults_and_load_back() {
    let old: Settings = serde_json::from_str(r#"{"agentId":"101"}"#).unwrap();
    assert_eq!(old.language, LanguageSetting::Auto);
    assert_eq!(old.shortcuts.answer, "Ctrl+Alt+A");
    assert_eq!(old.shortcuts.hang_up, "Ctrl+Alt+H");
    let chosen: Settings = serde_json::from_str(
        r#"{"language":"zh-CN","shortcuts":{"answer":"Ctrl+Shift+F1","busy":""}}"#,
    )
    .unwrap();
    assert_eq!(chosen.language, LanguageSetting::ZhCn);
    assert_eq!(chosen.shortcuts.answer, "Ctrl+Shift+F1");
    assert_eq!(chosen.shortcuts.busy, "");
    assert_eq!(chosen.shortcuts.ready, "Ctrl+Alt+R");
    let json = serde_json::to_value(&chosen).unwrap();
    assert_eq!(json["language"], "zh-CN");
    assert_eq!(json["shortcuts"]["hangUp"], "Ctrl+Alt+H");
}

#[test]
fn a_broken_administrator_file_locks_everything() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    std::fs::write(dir.path().join("defaults.json"), "{\"locked\": [\"trust\"").unwrap();
    let error = store.load().unwrap_err();
    assert!(
        error.to_string().contains("defaults.json"),
        "names the administrator's file: {error}"
    );
    let fallback = store.fallback(&error);
    for name in LOCKABLE {
        assert!(
            fallback.locked.iter().any(|l| l == name),
            "{name} stays locked"
        );
    }
}

#[test]
fn a_broken_user_file_gives_way_to_the_administrator_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    std::fs::write(
        dir.path().join("defaults.json"),
        r#"{"gateways":["https://cc.corp:8043/agentgateway/resource"],"locked":["gateways"]}"#,
    )
    .unwrap();
    std::fs::create_dir_all(store.user_path().parent().unwrap()).unwrap();
    std::fs::write(store.user_path(), "{not json").unwrap();
    let error = store.load().unwrap_err();
    let fallback = store.fallback(&error);
    assert_eq!(
        fallback.gateways,
        vec!["https://cc.corp:8043/agentgateway/resource"]
    );
    assert_eq!(fallback.locked, vec!["gateways"]);
}

fn lock_gateways(dir: &tempfile::TempDir) {
    std::fs::write(
        dir.path().join("defaults.json"),
        r#"{"gateways":["https://cc.corp:8043/agentgateway/resource"],
            "trust":{"kind":"caFile","path":"/etc/agentbar/ca.pem"},
            "locked":["gateways","trust"]}"#,
    )
    .unwrap();
}

fn wants_elsewhere() -> Settings {
    Settings {
        gateways: vec!["https://elsewhere/agentgateway/resource".into()],
        trust: TrustSetting::System,
        agent_id: "101".into(),
        ..Settings::default()
    }
}

#[test]
fn the_system_file_is_read_whatever_the_environment() {
    // `AGENTBAR_SYSTEM_DEFAULTS` may be set by any user: it never moves the system file.
    assert_eq!(SettingsStore::platform().system, Path::new(SYSTEM_DEFAULTS));
}

#[test]
fn a_missing_candidate_file_keeps_the_administrator_locks() {
    let dir = tempfile::tempdir().unwrap();
    lock_gateways(&dir);
    let store = store(&dir).with_candidate("/nonexistent/defaults.json");
    let effective = store.save(&wants_elsewhere()).unwrap();
    assert_eq!(
        effective.gateways,
        vec!["https://cc.corp:8043/agentgateway/resource"]
    );
    assert_eq!(effective.locked, vec!["gateways", "trust"]);
    assert_eq!(store.load().unwrap(), effective);
}

#[test]
fn a_candidate_file_adds_locks_but_never_lifts_or_changes_the_administrators() {
    let dir = tempfile::tempdir().unwrap();
    lock_gateways(&dir);
    let candidate = dir.path().join("mine.json");
    std::fs::write(
        &candidate,
        r#"{"gateways":["https://elsewhere/agentgateway/resource"],
            "trust":{"kind":"system"},
            "alwaysOnTop":true,
            "locked":["alwaysOnTop"]}"#,
    )
    .unwrap();
    let store = store(&dir).with_candidate(&candidate);
    let effective = store.save(&wants_elsewhere()).unwrap();
    assert_eq!(
        effective.gateways,
        vec!["https://cc.corp:8043/agentgateway/resource"]
    );
    assert_eq!(
        effective.trust,
        TrustSetting::CaFile {
            path: "/etc/agentbar/ca.pem".into()
        }
    );
    assert!(effective.always_on_top, "the candidate locks what is open");
    assert_eq!(effective.locked, vec!["gateways", "trust", "alwaysOnTop"]);
}

#[test]
fn without_a_system_file_the_candidate_is_the_administrator_file() {
    let dir = tempfile::tempdir().unwrap();
    let candidate = dir.path().join("candidate.json");
    std::fs::write(
        &candidate,
        r#"{"gateways":["https://cc.corp:8043/agentgateway/resource"],"locked":["gateways"]}"#,
    )
    .unwrap();
    let store = store(&dir).with_candidate(&candidate);
    let effective = store.save(&wants_elsewhere()).unwrap();
    assert_eq!(
        effective.gateways,
        vec!["https://cc.corp:8043/agentgateway/resource"]
    );
    assert_eq!(effective.locked, vec!["gateways"]);
}

#[test]
fn a_broken_candidate_file_locks_everything() {
    let dir = tempfile::tempdir().unwrap();
    let candidate = dir.path().join("candidate.json");
    std::fs::write(&candidate, "{\"locked\": [").unwrap();
    let store = store(&dir).with_candidate(&candidate);
    let error = store.load().unwrap_err();
    assert_eq!(store.fallback(&error).locked.len(), LOCKABLE.len());
}

#[test]
fn saved_settings_are_owner_only() {
    use crate::files::{DIR_MODE, FILE_MODE, mode_of};
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    store.save(&wants_elsewhere()).unwrap();
    assert_eq!(mode_of(store.user_path()), FILE_MODE);
    assert_eq!(mode_of(store.user_path().parent().unwrap()), DIR_MODE);
}

#[test]
fn quick_saves_from_many_threads_never_corrupt_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let saves: Vec<_> = (0..8)
        .map(|thread| {
            let store = store.clone();
            std::thread::spawn(move || {
                for n in 0..25 {
                    let settings = Settings {
                        agent_id: format!("{thread}{n}"),
                        phone: "6".repeat(1 + (thread * 31 + n) % 24),
                        ..Settings::default()
                    };
                    store.save(&settings).expect("every save succeeds");
                    store.load().expect("the file is whole after every save");
                }
            })
        })
        .collect();
    for save in saves {
        save.join().unwrap();
    }
    let names: Vec<_> = std::fs::read_dir(store.user_path().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["settings.json"], "no temporary file is left");
}

#[test]
fn a_corrupt_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    std::fs::create_dir_all(store.user_path().parent().unwrap()).unwrap();
    std::fs::write(store.user_path(), "{not json").unwrap();
    let error = store.load().unwrap_err().to_string();
    assert!(error.contains("settings.json"), "{error}");
}
