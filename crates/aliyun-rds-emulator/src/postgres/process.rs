//! Running cluster processes: as which user, and so that none outlives the
//! emulator.
//!
//! PostgreSQL refuses to run as root, and the emulator often runs as root
//! (in containers and CI). Every cluster process (`initdb`, `postgres`,
//! `pg_basebackup`) is therefore started through util-linux's `setpriv`:
//! as root, `setpriv --reuid=U --regid=G --init-groups` runs it as the
//! unprivileged [`ClusterUser`] (the `postgres` system user unless
//! configured otherwise), and the files it writes are that user's. Running
//! as anybody else, the processes keep the emulator's own user. The
//! workspace forbids `unsafe` code, which rules out calling `setuid` or
//! `prctl` between `fork` and `exec` ourselves; `setpriv` does exactly that
//! and is part of util-linux, present wherever PostgreSQL's Debian packages
//! are.
//!
//! Three mechanisms make sure that no process outlives the emulator:
//!
//! * **A parent-death signal.** `setpriv --pdeathsig KILL` (applied after
//!   the user change, which would clear it) makes the kernel kill the
//!   process when its parent goes, even when the emulator is killed with
//!   SIGKILL. The kernel's notion of "parent" is the *thread* that forked
//!   it, and tokio's blocking threads exit when idle, so every process is
//!   forked by one long-lived thread of this module (the spawner), which
//!   lives as long as the emulator's process. A postmaster's own children
//!   exit by themselves when they see the postmaster die.
//! * **Process groups.** Each process leads its own process group, so a
//!   timeout can kill a program and whatever it started at once.
//! * **Stale-root cleanup** (see the `root` module): what a killed emulator
//!   leaves on disk is removed, and any process still working in it killed,
//!   by the next emulator that starts.
//!
//! Each started process is watched by a reaper thread that waits for it and
//! publishes its exit status, so it can be awaited from async code, waited
//! for with a deadline from synchronous code (`Drop`), and signalled only
//! while it has not been reaped (never a recycled process ID).

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal};
use tokio::sync::{oneshot, watch};

use super::error::PostgresError;

/// The operating-system user that runs the clusters when the emulator runs
/// as root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterUser {
    name: String,
    uid: u32,
    gid: u32,
}

impl ClusterUser {
    /// The user the clusters run as by default: `postgres`, the user
    /// PostgreSQL's packages create.
    pub const DEFAULT_NAME: &'static str = "postgres";

    /// Looks `name` up (with `id`, so users from any name service work).
    pub fn resolve(name: &str) -> Result<ClusterUser, PostgresError> {
        let uid = id_of(name, "-u")?;
        let gid = id_of(name, "-g")?;
        if uid == 0 {
            return Err(PostgresError::UnknownUser {
                user: name.to_owned(),
                detail: "it is root, and PostgreSQL refuses to run as root".to_owned(),
            });
        }
        Ok(ClusterUser {
            name: name.to_owned(),
            uid,
            gid,
        })
    }

    /// The user name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The numeric user ID.
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// The numeric ID of the user's primary group.
    pub fn gid(&self) -> u32 {
        self.gid
    }
}

fn id_of(name: &str, flag: &str) -> Result<u32, PostgresError> {
    let output = Command::new("id")
        .arg(flag)
        .arg(name)
        .stdin(Stdio::null())
        .output()
        .map_err(|_| PostgresError::MissingTool {
            tool: "id",
            purpose: "it looks up the user that runs the clusters (coreutils)",
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(PostgresError::UnknownUser {
            user: name.to_owned(),
            detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    text.trim().parse().map_err(|_| PostgresError::UnknownUser {
        user: name.to_owned(),
        detail: format!("`id {flag}` printed `{}`", text.trim()),
    })
}

/// Whether this process runs as root, in which case the clusters run as a
/// [`ClusterUser`].
pub fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Builds the commands of cluster processes: as the cluster user, with a
/// parent-death signal, in a process group of their own, with a clean
/// environment.
#[derive(Debug, Clone)]
pub(crate) struct Launcher {
    user: Option<ClusterUser>,
}

impl Launcher {
    /// A launcher that runs processes as `user` (when the emulator is root)
    /// or as the emulator's own user (`None`). Checks that `setpriv` is
    /// there.
    pub(crate) fn new(user: Option<ClusterUser>) -> Result<Launcher, PostgresError> {
        let found = Command::new("setpriv")
            .arg("--version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|status| status.success())
            .unwrap_or(false);
        if !found {
            return Err(PostgresError::MissingTool {
                tool: "setpriv",
                purpose: "cluster processes are started through it, as an unprivileged user and \
                          killed with the emulator (Debian: apt-get install util-linux)",
            });
        }
        Ok(Launcher { user })
    }

    pub(crate) fn user(&self) -> Option<&ClusterUser> {
        self.user.as_ref()
    }

    /// The command that runs `program` with `args` as a cluster process,
    /// in `working_dir`, writing its output to `log` (opened for
    /// appending).
    pub(crate) fn command<I, S>(
        &self,
        program: &Path,
        args: I,
        working_dir: &Path,
        log: &Path,
    ) -> Result<Command, PostgresError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let output = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|error| PostgresError::io("open the log", log, error))?;
        self.own(log)?;
        let errors = output
            .try_clone()
            .map_err(|error| PostgresError::io("open the log", log, error))?;
        let mut command = Command::new("setpriv");
        if let Some(user) = &self.user {
            command
                .arg(format!("--reuid={}", user.uid))
                .arg(format!("--regid={}", user.gid))
                .arg("--init-groups");
        }
        command
            .args(["--pdeathsig", "KILL", "--"])
            .arg(program)
            .args(args)
            .current_dir(working_dir)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(output)
            .stderr(errors)
            .process_group(0);
        Ok(command)
    }

    /// Gives `path` to the cluster user, so that the clusters can write
    /// it; nothing to do when the clusters run as the emulator's user.
    pub(crate) fn own(&self, path: &Path) -> Result<(), PostgresError> {
        if let Some(user) = &self.user {
            std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid))
                .map_err(|error| PostgresError::io("change the owner of", path, error))?;
        }
        Ok(())
    }
}

/// A request to the spawner thread.
struct SpawnRequest {
    command: Command,
    reply: oneshot::Sender<std::io::Result<ChildProcess>>,
}

/// The spawner thread's queue, created with the thread on first use. The
/// thread never exits, so the parent-death signal of the processes it
/// forks fires only when the whole emulator process is gone.
fn spawner() -> Option<&'static Mutex<mpsc::Sender<SpawnRequest>>> {
    static SPAWNER: OnceLock<Option<Mutex<mpsc::Sender<SpawnRequest>>>> = OnceLock::new();
    SPAWNER
        .get_or_init(|| {
            let (sender, receiver) = mpsc::channel::<SpawnRequest>();
            thread::Builder::new()
                .name("postgres-spawner".to_owned())
                .spawn(move || {
                    for mut request in receiver {
                        let result = request.command.spawn().and_then(ChildProcess::watch);
                        let _ = request.reply.send(result);
                    }
                })
                .ok()
                .map(|_| Mutex::new(sender))
        })
        .as_ref()
}

/// Starts `command` from the spawner thread.
pub(crate) async fn spawn(command: Command, program: &str) -> Result<ChildProcess, PostgresError> {
    let failed = |error: std::io::Error| {
        PostgresError::io(format!("start {program} from"), "setpriv", error)
    };
    let (reply, answer) = oneshot::channel();
    let sent = match spawner() {
        Some(queue) => match queue.lock() {
            Ok(queue) => queue.send(SpawnRequest { command, reply }).is_ok(),
            Err(_) => false,
        },
        None => false,
    };
    if !sent {
        return Err(failed(std::io::Error::other(
            "the process spawner thread is not running",
        )));
    }
    match answer.await {
        Ok(result) => result.map_err(failed),
        Err(_) => Err(failed(std::io::Error::other(
            "the process spawner thread stopped",
        ))),
    }
}

/// A started process, watched by its reaper thread.
#[derive(Debug, Clone)]
pub(crate) struct ChildProcess {
    pid: u32,
    exit: watch::Receiver<Option<ExitStatus>>,
}

impl ChildProcess {
    /// Hands `child` to a reaper thread that waits for it.
    fn watch(mut child: std::process::Child) -> std::io::Result<ChildProcess> {
        let pid = child.id();
        let (sender, exit) = watch::channel(None);
        let reaper = thread::Builder::new()
            .name(format!("postgres-reaper-{pid}"))
            .spawn(move || {
                let status = child.wait();
                // A failed wait means the child is gone and its status
                // unknown: it reads as exit code 255.
                let status = status
                    .unwrap_or_else(|_| std::os::unix::process::ExitStatusExt::from_raw(255 << 8));
                let _ = sender.send(Some(status));
            });
        match reaper {
            Ok(_) => Ok(ChildProcess { pid, exit }),
            Err(error) => {
                // Without a reaper the process could not be watched: stop it.
                if let Some(pid) = Pid::from_raw(i32::try_from(pid).unwrap_or(0)) {
                    let _ = rustix::process::kill_process_group(pid, Signal::KILL);
                }
                Err(error)
            }
        }
    }

    /// The process ID (also its process group ID).
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// How the process ended, if it has.
    pub(crate) fn exit_status(&self) -> Option<ExitStatus> {
        *self.exit.borrow()
    }

    /// Waits for the process to end, at most `limit`; `None` if it still
    /// runs.
    pub(crate) async fn wait(&self, limit: Duration) -> Option<ExitStatus> {
        let mut exit = self.exit.clone();
        let ended = tokio::time::timeout(limit, async {
            // An error means the reaper is gone, having published the
            // status first.
            let _ = exit.wait_for(Option::is_some).await;
        })
        .await;
        match ended {
            Ok(()) => self.exit_status(),
            Err(_) => None,
        }
    }

    /// Waits for the process to end without a runtime (for `Drop`), at most
    /// `limit`.
    pub(crate) fn wait_blocking(&self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.exit_status() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends `signal` to the process, if it has not ended.
    pub(crate) fn signal(&self, signal: Signal) {
        if self.exit_status().is_none() {
            if let Some(pid) = self.rustix_pid() {
                let _ = rustix::process::kill_process(pid, signal);
            }
        }
    }

    /// Kills the process and its process group, if it has not ended.
    pub(crate) fn kill_group(&self) {
        if self.exit_status().is_none() {
            if let Some(pid) = self.rustix_pid() {
                let _ = rustix::process::kill_process_group(pid, Signal::KILL);
            }
        }
    }

    fn rustix_pid(&self) -> Option<Pid> {
        Pid::from_raw(i32::try_from(self.pid).ok()?)
    }
}

/// Runs `command` to its end, at most `limit`: a program that takes longer
/// is killed with its process group. On failure the error carries the last
/// lines of `log`, where the command's output went.
pub(crate) async fn run_to_end(
    command: Command,
    program: &str,
    log: &Path,
    limit: Duration,
) -> Result<(), PostgresError> {
    let child = spawn(command, program).await?;
    match child.wait(limit).await {
        Some(status) if status.success() => Ok(()),
        Some(status) => Err(PostgresError::CommandFailed {
            program: program.to_owned(),
            status: status.to_string(),
            output: log_tail(log, 12),
        }),
        None => {
            child.kill_group();
            child.wait(Duration::from_secs(5)).await;
            Err(PostgresError::timeout(
                format!("{program} (output: {})", log_tail(log, 6)),
                limit,
            ))
        }
    }
}

/// The last `lines` lines of a log file, on one line, for error messages.
pub(crate) fn log_tail(path: &Path, lines: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text
                .lines()
                .filter(|line| !line.trim().is_empty())
                .collect();
            let start = all.len().saturating_sub(lines);
            let tail = all[start..].join(" | ");
            if tail.is_empty() {
                "(empty)".to_owned()
            } else {
                tail
            }
        }
        Err(error) => format!("(cannot read {}: {error})", path.display()),
    }
}
