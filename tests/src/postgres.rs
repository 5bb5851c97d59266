//! What the real-PostgreSQL tests share (the `postgres` feature): the
//! `psql` program as a client, and the checks that no server or file
//! outlives an emulator.

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Runs `sql` with the real `psql` program (from `pg_config --bindir`, else
/// PATH) as `user` on `database` at `host`:`port`: its output (unaligned,
/// tuples only) on success, its error output otherwise.
pub fn psql(
    host: &str,
    port: u16,
    user: &str,
    password: &str,
    database: &str,
    sql: &str,
) -> Result<String, String> {
    let output = Command::new(psql_program())
        .args([
            "--no-psqlrc",
            "--tuples-only",
            "--no-align",
            "--set",
            "ON_ERROR_STOP=1",
        ])
        .arg(format!(
            "host={host} port={port} user={user} dbname={database} connect_timeout=10"
        ))
        .args(["--command", sql])
        .env("PGPASSWORD", password)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run psql: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

fn psql_program() -> std::path::PathBuf {
    let bindir = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned());
    match bindir {
        Some(dir) if Path::new(&dir).join("psql").exists() => Path::new(&dir).join("psql"),
        _ => "psql".into(),
    }
}

/// Whether something accepts TCP connections at `host`:`port`.
pub fn port_open(host: &str, port: u16) -> bool {
    let Ok(ip) = host.parse() else {
        return false;
    };
    TcpStream::connect_timeout(&SocketAddr::new(ip, port), Duration::from_secs(2)).is_ok()
}

/// The processes whose current directory is inside `dir`: every server
/// and program the emulator starts works in its cluster's directory.
pub fn processes_in(dir: &Path) -> Vec<u32> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(&dir))
        })
        .collect()
}

/// The processes whose command line holds `text`: a server's processes
/// carry its instance's ID in their titles (`postgres: pgm-...: checkpointer`,
/// PostgreSQL's `cluster_name`), so they are found even when their
/// directory is gone.
pub fn processes_named(text: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|cmdline| String::from_utf8_lossy(&cmdline).contains(text))
        })
        .collect()
}
