//! Finding the PostgreSQL programs: `initdb`, `postgres` and
//! `pg_basebackup`, all from one installation.
//!
//! They are looked for, in this order:
//!
//! 1. in the directory given ([`EngineOptions::bin_dir`], what
//!    `--postgres-bin DIR` passes), and nowhere else when one is given;
//! 2. in the directory `pg_config --bindir` prints (`pg_config` from PATH);
//! 3. on PATH: the directory of the first `postgres` found, after following
//!    symbolic links (Debian links `/usr/local/bin/postgres` into
//!    `/usr/lib/postgresql/15/bin`, where the other programs are), else
//!    that PATH directory itself.
//!
//! All three programs must come from the same directory: a `pg_basebackup`
//! of another major version than the `postgres` cannot copy its data. When
//! none of the places holds them all, [`PostgresError::MissingBinary`] names
//! what was missing and every place that was looked at.
//!
//! [`EngineOptions::bin_dir`]: super::EngineOptions::bin_dir

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::error::PostgresError;

/// The programs the layer runs.
const REQUIRED: [&str; 3] = ["initdb", "postgres", "pg_basebackup"];

/// The PostgreSQL programs of one installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binaries {
    dir: PathBuf,
}

impl Binaries {
    /// Finds the programs: in `explicit` alone when it is given, else
    /// through `pg_config --bindir`, else on PATH (see the module
    /// documentation).
    pub fn discover(explicit: Option<&Path>) -> Result<Binaries, PostgresError> {
        if let Some(dir) = explicit {
            let missing = missing_in(dir);
            if missing.is_empty() {
                return Ok(Binaries {
                    dir: dir.to_path_buf(),
                });
            }
            return Err(PostgresError::MissingBinary {
                programs: missing,
                searched: vec![format!("{} (the directory given)", dir.display())],
            });
        }

        let mut searched = Vec::new();
        let mut best_missing: Vec<&'static str> = REQUIRED.to_vec();
        let mut consider = |dir: PathBuf, label: String, searched: &mut Vec<String>| {
            let missing = missing_in(&dir);
            if missing.is_empty() {
                return Some(Binaries { dir });
            }
            searched.push(format!(
                "{} ({label}): no {}",
                dir.display(),
                missing.join(", ")
            ));
            if missing.len() < best_missing.len() {
                best_missing = missing;
            }
            None
        };

        match pg_config_bindir() {
            Ok(dir) => {
                if let Some(found) = consider(dir, "pg_config --bindir".to_owned(), &mut searched) {
                    return Ok(found);
                }
            }
            Err(reason) => searched.push(format!("pg_config --bindir: {reason}")),
        }

        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut found_postgres = false;
        for entry in std::env::split_paths(&path) {
            let candidate = entry.join("postgres");
            if !is_executable(&candidate) {
                continue;
            }
            found_postgres = true;
            if let Ok(real) = candidate.canonicalize() {
                if let Some(real_dir) = real.parent() {
                    if real_dir != entry {
                        let label = format!("where {} leads", candidate.display());
                        if let Some(found) = consider(real_dir.to_path_buf(), label, &mut searched)
                        {
                            return Ok(found);
                        }
                    }
                }
            }
            if let Some(found) = consider(entry, "on PATH".to_owned(), &mut searched) {
                return Ok(found);
            }
            break;
        }
        if !found_postgres {
            searched.push("PATH: no postgres".to_owned());
        }
        Err(PostgresError::MissingBinary {
            programs: best_missing,
            searched,
        })
    }

    /// The directory the programs are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `initdb`.
    pub fn initdb(&self) -> PathBuf {
        self.dir.join("initdb")
    }

    /// `postgres`, the server.
    pub fn postgres(&self) -> PathBuf {
        self.dir.join("postgres")
    }

    /// `pg_basebackup`.
    pub fn pg_basebackup(&self) -> PathBuf {
        self.dir.join("pg_basebackup")
    }

    /// The major version of the server (`15` for PostgreSQL 15.4), from
    /// `postgres --version`.
    pub fn major_version(&self) -> Result<u32, PostgresError> {
        let program = self.postgres();
        let output = Command::new(&program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|error| PostgresError::io("run", &program, error))?;
        let text = String::from_utf8_lossy(&output.stdout);
        parse_major_version(&text).ok_or_else(|| PostgresError::CommandFailed {
            program: format!("{} --version", program.display()),
            status: output.status.to_string(),
            output: text.trim().to_owned(),
        })
    }
}

/// The major version in `postgres --version`'s output:
/// `postgres (PostgreSQL) 15.4 (Debian 15.4-1)` is 15.
fn parse_major_version(text: &str) -> Option<u32> {
    let after = text.split_once(')')?.1.trim_start();
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The required programs `dir` lacks.
fn missing_in(dir: &Path) -> Vec<&'static str> {
    REQUIRED
        .into_iter()
        .filter(|program| !is_executable(&dir.join(program)))
        .collect()
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .map(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// What `pg_config --bindir` prints, or why it printed nothing useful.
/// `pg_config` only prints compiled-in paths, so it needs no timeout.
fn pg_config_bindir() -> Result<PathBuf, String> {
    let output = Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run pg_config from PATH ({error})"))?;
    if !output.status.success() {
        return Err(format!("pg_config failed ({})", output.status));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let dir = text.trim();
    if dir.is_empty() {
        return Err("pg_config printed nothing".to_owned());
    }
    Ok(PathBuf::from(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_major_version_is_read_from_the_version_line() {
        assert_eq!(
            parse_major_version("postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\n"),
            Some(15)
        );
        assert_eq!(parse_major_version("postgres (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(parse_major_version("garbage"), None);
    }

    #[test]
    fn an_explicit_directory_without_the_programs_names_them_and_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let error = Binaries::discover(Some(dir.path())).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("initdb, postgres, pg_basebackup"),
            "{message}"
        );
        assert!(
            message.contains(&dir.path().display().to_string()),
            "{message}"
        );
        assert!(message.contains("the directory given"), "{message}");
    }

    #[test]
    fn an_explicit_directory_with_the_programs_is_used() {
        let dir = tempfile::tempdir().unwrap();
        for program in REQUIRED {
            let path = dir.path().join(program);
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let binaries = Binaries::discover(Some(dir.path())).unwrap();
        assert_eq!(binaries.dir(), dir.path());
        assert_eq!(binaries.pg_basebackup(), dir.path().join("pg_basebackup"));
    }

    #[test]
    fn a_program_that_is_not_executable_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        for program in REQUIRED {
            let path = dir.path().join(program);
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            let mode = if program == "pg_basebackup" {
                0o644
            } else {
                0o755
            };
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        match Binaries::discover(Some(dir.path())).unwrap_err() {
            PostgresError::MissingBinary { programs, .. } => {
                assert_eq!(programs, vec!["pg_basebackup"]);
            }
            other => panic!("unexpected error: {other}"),
        }
    }
}
