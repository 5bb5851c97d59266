//! Where providers read environment variables and the home directory.
//!
//! Reading `std::env` directly would force tests to mutate the process
//! environment, which races between tests running in parallel. Providers
//! instead read through an [`Environment`]: the process one in production,
//! a [`FixedEnvironment`] built from a map in tests.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

/// A read-only view of environment variables and the home directory.
pub trait Environment: Send + Sync + fmt::Debug {
    /// The value of a variable, `None` when unset or not valid UTF-8.
    fn var(&self, name: &str) -> Option<String>;

    /// The user's home directory.
    fn home_dir(&self) -> Option<PathBuf>;

    /// The value of a variable, `None` when unset or blank.
    fn non_empty_var(&self, name: &str) -> Option<String> {
        self.var(name).filter(|value| !value.trim().is_empty())
    }
}

/// The environment of the running process.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn home_dir(&self) -> Option<PathBuf> {
        // `HOME` on Unix; Windows sets `USERPROFILE` instead.
        std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .filter(|home| !home.is_empty())
            .map(PathBuf::from)
    }
}

/// An environment given explicitly, for tests and embedding.
#[derive(Clone, Default)]
pub struct FixedEnvironment {
    variables: HashMap<String, String>,
    home: Option<PathBuf>,
}

impl FixedEnvironment {
    /// An environment with no variables and no home directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a variable.
    pub fn with_var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// Sets the home directory.
    pub fn with_home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }
}

impl fmt::Debug for FixedEnvironment {
    /// Prints variable names only: values may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.variables.keys().collect();
        names.sort();
        f.debug_struct("FixedEnvironment")
            .field("variables", &names)
            .field("home", &self.home)
            .finish()
    }
}

impl Environment for FixedEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        self.variables.get(name).cloned()
    }

    fn home_dir(&self) -> Option<PathBuf> {
        self.home.clone()
    }
}
