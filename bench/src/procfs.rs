//! What Linux tells about a process tree: descendants (from `/proc/*/stat`),
//! memory (`/proc/PID/smaps_rollup`: RSS, PSS, USS) and CPU time
//! (`utime + stime` in clock ticks).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde::Serialize;

/// The fields of `/proc/PID/stat` the benchmarks use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub pid: u32,
    pub comm: String,
    pub ppid: u32,
    /// utime + stime, in clock ticks.
    pub cpu_ticks: u64,
    /// Start time, clock ticks after boot.
    pub start_ticks: u64,
}

/// Parses one `/proc/PID/stat` line. The command name is in parentheses and
/// may itself hold spaces and parentheses, so the fields are counted from
/// the last `)`.
pub fn parse_stat(line: &str) -> Option<Stat> {
    let open = line.find('(')?;
    let close = line.rfind(')')?;
    let pid = line[..open].trim().parse().ok()?;
    let comm = line[open + 1..close].to_owned();
    // After ')': state(3) ppid(4) ... utime(14) stime(15) ... starttime(22).
    let rest: Vec<&str> = line[close + 1..].split_whitespace().collect();
    let field = |n: usize| rest.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    Some(Stat {
        pid,
        comm,
        ppid: field(4)? as u32,
        cpu_ticks: field(14)? + field(15)?,
        start_ticks: field(22)?,
    })
}

pub fn stat(pid: u32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Every process now running.
pub fn all_stats() -> Vec<Stat> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(stat)
        .collect()
}

/// `root` and every process below it.
pub fn tree(root: u32) -> Vec<Stat> {
    let stats = all_stats();
    let mut children: BTreeMap<u32, Vec<&Stat>> = BTreeMap::new();
    for s in &stats {
        children.entry(s.ppid).or_default().push(s);
    }
    let mut out: Vec<Stat> = stats.iter().filter(|s| s.pid == root).cloned().collect();
    let mut seen = BTreeSet::from([root]);
    let mut i = 0;
    while i < out.len() {
        let pid = out[i].pid;
        for c in children.get(&pid).into_iter().flatten() {
            if seen.insert(c.pid) {
                out.push((*c).clone());
            }
        }
        i += 1;
    }
    out
}

/// Memory of one process, in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Mem {
    pub rss: u64,
    pub pss: u64,
    /// Private (clean + dirty): what only this process holds.
    pub uss: u64,
}

impl std::ops::Add for Mem {
    type Output = Mem;
    fn add(self, o: Mem) -> Mem {
        Mem {
            rss: self.rss + o.rss,
            pss: self.pss + o.pss,
            uss: self.uss + o.uss,
        }
    }
}

/// Parses `smaps_rollup` (values in kB).
pub fn parse_smaps_rollup(text: &str) -> Mem {
    let mut m = Mem::default();
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let (Some(key), Some(value)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Ok(kb) = value.parse::<u64>() else {
            continue;
        };
        match key {
            "Rss:" => m.rss = kb * 1024,
            "Pss:" => m.pss = kb * 1024,
            "Private_Clean:" | "Private_Dirty:" => m.uss += kb * 1024,
            _ => {}
        }
    }
    m
}

pub fn mem(pid: u32) -> Option<Mem> {
    Some(parse_smaps_rollup(
        &std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?,
    ))
}

/// The memory of `root` and every process below it, added up.
pub fn tree_mem(root: u32) -> Mem {
    tree(root)
        .iter()
        .filter_map(|s| mem(s.pid))
        .fold(Mem::default(), |a, m| a + m)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux in practice).
pub fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// When the machine booted, on the wall clock (from `/proc/uptime`, 10 ms).
pub fn boot_time() -> Option<SystemTime> {
    let text = std::fs::read_to_string("/proc/uptime").ok()?;
    let up: f64 = text.split_whitespace().next()?.parse().ok()?;
    SystemTime::now().checked_sub(Duration::from_secs_f64(up))
}

/// A process's start on the wall clock (10 ms resolution).
pub fn start_time(s: &Stat) -> Option<SystemTime> {
    boot_time()?.checked_add(Duration::from_secs_f64(
        s.start_ticks as f64 / clock_ticks() as f64,
    ))
}

/// The processes below `root` (itself included) whose executable is `exe`.
pub fn find_exe_below(root: u32, exe: &Path) -> Vec<u32> {
    let want = std::fs::canonicalize(exe).unwrap_or_else(|_| exe.to_path_buf());
    tree(root)
        .into_iter()
        .filter(|s| std::fs::read_link(format!("/proc/{}/exe", s.pid)).is_ok_and(|p| p == want))
        .map(|s| s.pid)
        .collect()
}

/// A one-line view of the load, for the notes (`/proc/loadavg`).
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_spaces_and_parentheses_in_the_name() {
        let line = "4242 (Web Content (x)) S 17 4242 4242 0 -1 4194560 100 0 0 0 \
                    250 35 0 0 20 0 12 0 987654 1000 200 18446744073709551615";
        let s = parse_stat(line).expect("parses");
        assert_eq!(s.pid, 4242);
        assert_eq!(s.comm, "Web Content (x)");
        assert_eq!(s.ppid, 17);
        assert_eq!(s.cpu_ticks, 285);
        assert_eq!(s.start_ticks, 987_654);
    }

    #[test]
    fn smaps_rollup_sums_private_pages() {
        let text = "55d0-7ffd ---p 00000000 00:00 0  [rollup]\nRss:  2048 kB\nPss:  1024 kB\n\
                    Pss_Anon: 10 kB\nPrivate_Clean: 100 kB\nPrivate_Dirty: 300 kB\n";
        let m = parse_smaps_rollup(text);
        assert_eq!(
            m,
            Mem {
                rss: 2048 * 1024,
                pss: 1024 * 1024,
                uss: 400 * 1024
            }
        );
    }

    #[test]
    fn a_child_is_in_our_tree_and_we_have_memory() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep runs");
        let me = std::process::id();
        let found = tree(me).iter().any(|s| s.pid == child.id() && s.ppid == me);
        let _ = child.kill();
        let _ = child.wait();
        assert!(found, "the child is below us");
        let m = mem(me).expect("smaps_rollup readable");
        assert!(m.pss > 0 && m.rss >= m.pss && m.pss >= m.uss, "{m:?}");
        assert!(stat(me).is_some_and(|s| start_time(&s).is_some()));
    }
}
