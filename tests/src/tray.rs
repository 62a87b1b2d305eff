//! Clicking the app's tray menu as the desktop does: over D-Bus, through the
//! `com.canonical.dbusmenu` interface the tray exports. Under Xvfb there is no
//! tray host to draw the icon, but the menu is exported all the same, and a
//! click runs the app's own menu handler.

use std::time::{Duration, Instant};

use crate::{Desktop, HarnessError, Result};

const INDICATOR_ROOT: &str = "/org/ayatana/NotificationItem";

/// Where a tray menu is exported: the bus name and the object path.
#[derive(Debug, Clone)]
pub struct TrayMenu {
    pub bus_name: String,
    pub path: String,
}

impl Desktop {
    /// Finds the tray menu the app exported (waiting up to `timeout`).
    pub fn tray_menu(&self, timeout: Duration) -> Result<TrayMenu> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            for name in self.bus_names()? {
                let Ok(out) = self.gdbus(&[
                    "introspect",
                    "--session",
                    "--dest",
                    &name,
                    "--object-path",
                    INDICATOR_ROOT,
                ]) else {
                    continue;
                };
                for line in out.lines() {
                    let line = line.trim();
                    if let Some(node) = line
                        .strip_prefix("node ")
                        .map(|n| n.trim_end_matches(['{', '}', ' ']))
                        .filter(|n| !n.is_empty() && !n.starts_with('/'))
                    {
                        let path = format!("{INDICATOR_ROOT}/{node}/Menu");
                        if self
                            .gdbus(&[
                                "introspect",
                                "--session",
                                "--dest",
                                &name,
                                "--object-path",
                                &path,
                            ])
                            .is_ok_and(|o| o.contains("com.canonical.dbusmenu"))
                        {
                            return Ok(TrayMenu {
                                bus_name: name,
                                path,
                            });
                        }
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(HarnessError::NotReady {
            what: "the tray menu on the session bus".into(),
            seconds: timeout.as_secs(),
            detail: "no com.canonical.dbusmenu under /org/ayatana/NotificationItem".into(),
        })
    }

    /// The labels of the tray menu's items, in order.
    pub fn tray_labels(&self, menu: &TrayMenu) -> Result<Vec<String>> {
        let layout = self.tray_layout(menu)?;
        Ok(items(&layout).into_iter().map(|(_, label)| label).collect())
    }

    /// Clicks the tray menu item labelled `label`.
    pub fn click_tray_item(&self, menu: &TrayMenu, label: &str) -> Result<()> {
        let layout = self.tray_layout(menu)?;
        let id = items(&layout)
            .into_iter()
            .find(|(_, l)| l == label)
            .map(|(id, _)| id)
            .ok_or_else(|| HarnessError::NotReady {
                what: format!("tray item {label:?}"),
                seconds: 0,
                detail: layout.clone(),
            })?;
        self.gdbus(&[
            "call",
            "--session",
            "--dest",
            &menu.bus_name,
            "--object-path",
            &menu.path,
            "--method",
            "com.canonical.dbusmenu.Event",
            "--",
            &id.to_string(),
            "clicked",
            "<int32 0>",
            "0",
        ])?;
        Ok(())
    }

    fn tray_layout(&self, menu: &TrayMenu) -> Result<String> {
        self.gdbus(&[
            "call",
            "--session",
            "--dest",
            &menu.bus_name,
            "--object-path",
            &menu.path,
            "--method",
            "com.canonical.dbusmenu.GetLayout",
            "--",
            "0",
            "-1",
            "[]",
        ])
    }

    fn bus_names(&self) -> Result<Vec<String>> {
        let out = self.gdbus(&[
            "call",
            "--session",
            "--dest",
            "org.freedesktop.DBus",
            "--object-path",
            "/org/freedesktop/DBus",
            "--method",
            "org.freedesktop.DBus.ListNames",
        ])?;
        Ok(out
            .split('\'')
            .filter(|s| s.starts_with(":1."))
            .map(str::to_owned)
            .collect())
    }
}

/// `(id, label)` of every item in a GetLayout answer (GVariant text), such as
/// `<(3, {'label': <'Sign out'>, 'enabled': <true>}, @av [])>`.
fn items(layout: &str) -> Vec<(i32, String)> {
    let mut found = Vec::new();
    let mut rest = layout;
    while let Some(at) = rest.find("'label': <'") {
        let before = &rest[..at];
        let label_start = at + "'label': <'".len();
        let label_end = rest[label_start..].find("'>").map(|e| label_start + e);
        if let (Some(open), Some(end)) = (before.rfind("<("), label_end) {
            let id: String = before[open + 2..]
                .chars()
                .skip_while(|c| !c.is_ascii_digit() && *c != '-')
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .collect();
            if let Ok(id) = id.parse() {
                found.push((id, rest[label_start..end].to_owned()));
            }
            rest = &rest[end..];
        } else {
            rest = &rest[label_start..];
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::items;

    #[test]
    fn reads_ids_and_labels_from_a_layout() {
        let layout = "(uint32 5, (0, {'children-display': <'submenu'>}, [<(1, {'label': <'Signed out'>, 'enabled': <false>}, @av [])>, <(2, {'type': <'separator'>}, @av [])>, <(7, {'label': <'Sign out'>}, @av [])>]))";
        assert_eq!(
            items(layout),
            vec![(1, "Signed out".to_owned()), (7, "Sign out".to_owned())]
        );
    }
}
