//! What a benchmark hands back: rows for the markdown table (figure, target,
//! met or not) and the full data for `artifacts/bench/<name>.json`.

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

/// One line of the table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub measure: String,
    pub figure: String,
    pub target: Option<String>,
    pub met: Option<bool>,
}

impl Row {
    /// A figure with no target.
    pub fn info(measure: impl Into<String>, figure: impl Into<String>) -> Self {
        Self {
            measure: measure.into(),
            figure: figure.into(),
            target: None,
            met: None,
        }
    }

    /// A figure checked against a target.
    pub fn target(
        measure: impl Into<String>,
        figure: impl Into<String>,
        target: impl Into<String>,
        met: bool,
    ) -> Self {
        Self {
            measure: measure.into(),
            figure: figure.into(),
            target: Some(target.into()),
            met: Some(met),
        }
    }
}

/// One benchmark's result.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub name: String,
    pub title: String,
    pub rows: Vec<Row>,
    /// What was done exactly (counts, spacing, load), printed under the table.
    pub notes: Vec<String>,
    pub data: Value,
}

impl Report {
    pub fn new(name: &str, title: &str) -> Self {
        Self {
            name: name.to_owned(),
            title: title.to_owned(),
            rows: Vec::new(),
            notes: Vec::new(),
            data: Value::Null,
        }
    }

    /// The table, its heading and its notes as markdown.
    pub fn markdown(&self) -> String {
        let mut out = format!(
            "### {}\n\n| measurement | figure | target | |\n|---|---|---|---|\n",
            self.title
        );
        for row in &self.rows {
            let met = match row.met {
                Some(true) => "met",
                Some(false) => "**not met**",
                None => "",
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                row.measure,
                row.figure,
                row.target.as_deref().unwrap_or("—"),
                met
            ));
        }
        for note in &self.notes {
            out.push_str(&format!("\n- {note}"));
        }
        if !self.notes.is_empty() {
            out.push('\n');
        }
        out
    }

    /// Writes `<dir>/<name>.json`.
    pub fn write_json(&self, dir: &Path) -> std::io::Result<std::path::PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{}.json", self.name));
        std::fs::write(&path, serde_json::to_vec_pretty(self)?)?;
        Ok(path)
    }
}

/// Milliseconds with a sensible number of decimals.
pub fn ms(v: f64) -> String {
    if v.abs() < 10.0 {
        format!("{v:.2} ms")
    } else if v.abs() < 1000.0 {
        format!("{v:.1} ms")
    } else {
        format!("{:.2} s", v / 1000.0)
    }
}

/// Bytes as MB (10^6) with one decimal.
pub fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_marks_targets_met_and_not_met() {
        let mut r = Report::new("x", "X");
        r.rows.push(Row::target("a", "1 ms", "< 5 ms", true));
        r.rows.push(Row::target("b", "9 ms", "< 5 ms", false));
        r.rows.push(Row::info("c", "3"));
        r.notes.push("n".into());
        let md = r.markdown();
        assert!(md.contains("| a | 1 ms | < 5 ms | met |"), "{md}");
        assert!(md.contains("| b | 9 ms | < 5 ms | **not met** |"), "{md}");
        assert!(md.contains("| c | 3 | — |  |"), "{md}");
        assert!(md.ends_with("- n\n"), "{md}");
    }

    #[test]
    fn figures_read_well() {
        assert_eq!(ms(1.234), "1.23 ms");
        assert_eq!(ms(12.34), "12.3 ms");
        assert_eq!(ms(40_200.0), "40.20 s");
        assert_eq!(mb(279_000_000), "279.0 MB");
    }
}
