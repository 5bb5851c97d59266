//! Instance statuses: the one that serves, what a change in progress ends
//! in, and the check that a change may start.
//!
//! Every concept's changes need the instance in a status that allows them;
//! this module is what they share, below the instances that hold the
//! status.

use serde::{Deserialize, Serialize};

use super::pace::Due;
use super::refusal::{self, Refusal};

/// The status of an instance that serves.
pub(crate) const RUNNING: &str = "Running";

/// What an instance becomes when a change in progress ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Next {
    /// This status.
    Status(String),
    /// Released: the instance is gone.
    Removed,
}

impl Next {
    /// Back to `Running`.
    pub(crate) fn running() -> Next {
        Next::Status(RUNNING.to_owned())
    }
}

/// A change in progress on an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Pending {
    pub(crate) next: Next,
    pub(crate) due: Due,
    /// The task that shows the change, if any.
    pub(crate) task_id: Option<String>,
    /// Whether the change is a restart, after which parameters that waited
    /// for one take effect.
    pub(crate) restarts: bool,
}

/// Refuses a change unless `status` is one of `allowed`.
pub(crate) fn require_status(status: &str, allowed: &[&str]) -> Result<(), Refusal> {
    if allowed.contains(&status) {
        Ok(())
    } else {
        Err(Refusal::new(
            refusal::INCORRECT_STATE,
            format!(
                "The instance is {status}; this needs it {}. Wait for the change in progress to end (the DBInstanceRunning waiter), then retry.",
                allowed.join(" or ")
            ),
        ))
    }
}

/// Refuses a change unless `status` is `Running`.
pub(crate) fn require_running(status: &str) -> Result<(), Refusal> {
    require_status(status, &[RUNNING])
}

/// The description rules shared by instances, accounts and databases:
/// empty, or 2 to 256 characters starting with a letter, not a URL.
pub(crate) fn check_description(description: &str) -> Result<(), Refusal> {
    if description.is_empty() {
        return Ok(());
    }
    let length = description.chars().count();
    let starts_with_letter = description.chars().next().is_some_and(char::is_alphabetic);
    let is_url = description.starts_with("http://") || description.starts_with("https://");
    if !(2..=256).contains(&length) || !starts_with_letter || is_url {
        return Err(Refusal::new(
            refusal::DESCRIPTION_INVALID,
            "A description has 2 to 256 characters, starts with a letter and is not a URL.",
        ));
    }
    Ok(())
}
