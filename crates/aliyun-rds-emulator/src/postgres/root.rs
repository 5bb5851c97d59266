//! The data root: the one directory that holds every cluster of an
//! emulator, removed when the emulator shuts down, and cleaned up by the
//! next emulator when it was not.
//!
//! A root is a fresh directory `aliyun-rds-postgres-XXXXXX` in the parent
//! directory ([`EngineOptions::root_parent`], the system's temporary
//! directory by default), owned by the cluster user. Its `owner` file
//! records the emulator's process ID and the process's start time (from
//! `/proc/PID/stat`), so that a recycled process ID is not mistaken for a
//! live emulator. Each cluster has a directory of its own below it (see the
//! `cluster` module).
//!
//! An emulator that is killed (SIGKILL, a crash, `abort`) cannot remove its
//! root, and its servers die by their parent-death signal but leave their
//! data. So every [`Engine::start`] first looks at the roots in its parent
//! directory: a root whose owner is no longer running (or that has had no
//! `owner` file for a minute) is stale. Every process still working in it
//! (a process whose current directory is inside it: PostgreSQL's
//! processes all work in their data directory, and the layer starts its
//! programs in their cluster's directory) is killed with SIGKILL, and the
//! root is removed. [`Engine::stale_cleanup`] reports what was done.
//!
//! [`EngineOptions::root_parent`]: super::EngineOptions::root_parent
//! [`Engine::start`]: super::Engine::start
//! [`Engine::stale_cleanup`]: super::Engine::stale_cleanup

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rustix::process::{Pid, Signal};

use super::error::PostgresError;
use super::process::Launcher;

/// The name every root starts with.
pub(crate) const ROOT_PREFIX: &str = "aliyun-rds-postgres-";
/// The file naming the emulator process that owns a root.
const OWNER_FILE: &str = "owner";
/// How long a root may lack its owner file before it counts as stale (it
/// may be being created by another emulator that very moment).
const OWNERLESS_GRACE: Duration = Duration::from_secs(60);

/// The directory of one emulator's clusters.
#[derive(Debug)]
pub(crate) struct DataRoot {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl DataRoot {
    /// Creates a root in `parent`, records this process as its owner, and
    /// gives it to the cluster user.
    pub(crate) fn create(parent: &Path, launcher: &Launcher) -> Result<DataRoot, PostgresError> {
        let dir = tempfile::Builder::new()
            .prefix(ROOT_PREFIX)
            .tempdir_in(parent)
            .map_err(|error| PostgresError::io("create the data root in", parent, error))?;
        let path = dir.path().to_path_buf();
        let owner = path.join(OWNER_FILE);
        let identity = process_identity(std::process::id()).ok_or_else(|| {
            PostgresError::io(
                "read",
                "/proc/self/stat",
                std::io::Error::other("unreadable"),
            )
        })?;
        fs::write(&owner, format!("{identity}\n"))
            .map_err(|error| PostgresError::io("write", &owner, error))?;
        launcher.own(&path)?;
        Ok(DataRoot {
            dir: Some(dir),
            path,
        })
    }

    /// The root's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the root and everything in it.
    pub(crate) fn remove(&mut self) -> Result<(), PostgresError> {
        match self.dir.take() {
            Some(dir) => dir
                .close()
                .map_err(|error| PostgresError::io("remove the data root", &self.path, error)),
            None => Ok(()),
        }
    }
}

/// `PID STARTTIME` of a running process, or `None` when it is not running.
fn process_identity(pid: u32) -> Option<String> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces; the
    // start time is field 22, the 20th after the closing parenthesis.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let start_time = after_name.split_whitespace().nth(19)?;
    Some(format!("{pid} {start_time}"))
}

/// What starting an [`Engine`](super::Engine) did with the data roots that
/// killed emulators left behind ([`Engine::stale_cleanup`](super::Engine::stale_cleanup)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaleCleanup {
    /// The stale roots that were removed.
    pub removed_roots: Vec<PathBuf>,
    /// The processes that were still working in them and were killed.
    pub killed_processes: Vec<u32>,
    /// Stale roots that could not be removed, and why.
    pub failures: Vec<String>,
}

/// Removes the stale roots in `parent` (see the module documentation).
pub(crate) fn clean_stale_roots(parent: &Path) -> StaleCleanup {
    let mut report = StaleCleanup::default();
    let Ok(entries) = fs::read_dir(parent) else {
        return report;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(ROOT_PREFIX) {
            continue;
        }
        let path = entry.path();
        if !path.is_dir() || !is_stale(&path) {
            continue;
        }
        report.killed_processes.extend(kill_processes_in(&path));
        match fs::remove_dir_all(&path) {
            Ok(()) => report.removed_roots.push(path),
            Err(error) => report.failures.push(format!("{}: {error}", path.display())),
        }
    }
    report
}

/// Whether the root at `path` belongs to no running emulator.
fn is_stale(path: &Path) -> bool {
    match fs::read_to_string(path.join(OWNER_FILE)) {
        Ok(text) => {
            let recorded = text.trim();
            let pid = recorded
                .split_whitespace()
                .next()
                .and_then(|pid| pid.parse::<u32>().ok());
            match pid {
                Some(pid) => process_identity(pid).as_deref() != Some(recorded),
                None => older_than(path, OWNERLESS_GRACE),
            }
        }
        Err(_) => older_than(path, OWNERLESS_GRACE),
    }
}

fn older_than(path: &Path, age: Duration) -> bool {
    fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|elapsed| elapsed >= age)
}

/// Kills, with SIGKILL, every process whose current directory is `dir` or
/// inside it, until none is left (a few rounds at most); returns their
/// process IDs.
pub(crate) fn kill_processes_in(dir: &Path) -> Vec<u32> {
    let Ok(dir) = dir.canonicalize() else {
        return Vec::new();
    };
    let mut killed = Vec::new();
    for _ in 0..20 {
        let working = processes_working_in(&dir);
        if working.is_empty() {
            break;
        }
        for pid in working {
            if let Some(target) = i32::try_from(pid).ok().and_then(Pid::from_raw) {
                let _ = rustix::process::kill_process(target, Signal::KILL);
            }
            if !killed.contains(&pid) {
                killed.push(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    killed
}

/// The processes whose current directory is `dir` or inside it (those this
/// process may inspect: all of them as root).
pub(crate) fn processes_working_in(dir: &Path) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(dir))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_an_identity_and_a_dead_one_none() {
        let identity = process_identity(std::process::id()).unwrap();
        assert!(identity.starts_with(&format!("{} ", std::process::id())));
        assert!(process_identity(u32::MAX).is_none());
    }

    #[test]
    fn a_root_of_a_live_owner_is_kept_and_a_dead_owners_removed() {
        let parent = tempfile::tempdir().unwrap();
        let live = parent.path().join(format!("{ROOT_PREFIX}live"));
        fs::create_dir(&live).unwrap();
        fs::write(
            live.join(OWNER_FILE),
            process_identity(std::process::id()).unwrap(),
        )
        .unwrap();
        // A recycled process ID: this process, but another start time.
        let recycled = parent.path().join(format!("{ROOT_PREFIX}recycled"));
        fs::create_dir(&recycled).unwrap();
        fs::write(
            recycled.join(OWNER_FILE),
            format!("{} 1", std::process::id()),
        )
        .unwrap();
        // A fresh root whose owner file is not written yet.
        let fresh = parent.path().join(format!("{ROOT_PREFIX}fresh"));
        fs::create_dir(&fresh).unwrap();
        // Not a root at all.
        let other = parent.path().join("something-else");
        fs::create_dir(&other).unwrap();
        fs::write(other.join(OWNER_FILE), "4294967295 1").unwrap();

        let report = clean_stale_roots(parent.path());
        assert_eq!(report.removed_roots, vec![recycled.clone()]);
        assert!(live.exists() && fresh.exists() && other.exists());
        assert!(!recycled.exists());
    }
}
