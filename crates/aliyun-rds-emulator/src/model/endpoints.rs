//! The endpoints of an instance: the internal one every instance has, the
//! public one `AllocateInstancePublicConnection` adds and
//! `ReleaseInstancePublicConnection` removes, and the read/write splitting
//! one.
//!
//! A connection string is `<prefix>.<engine label>.rds.aliyuncs.com` and
//! unique on the account; a prefix has 5 to 40 letters, digits and hyphens,
//! starting with a letter; ports are 1000 to 5999 for public endpoints and
//! 1000 to 65535 for internal ones. When an engine backend serves the
//! instance, its endpoint is what the describe operations report as the
//! internal one, so that it can be connected to.

use serde::{Deserialize, Serialize};

use super::refusal::{self, Refusal};

/// The domain every endpoint ends with.
pub(crate) const DOMAIN: &str = "rds.aliyuncs.com";

/// One endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Connection {
    pub(crate) connection_string: String,
    pub(crate) port: u16,
    pub(crate) ip_address: String,
}

/// The endpoints of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Endpoints {
    pub(crate) internal: Connection,
    pub(crate) public: Option<Connection>,
    pub(crate) read_write_splitting: Option<Connection>,
}

impl Endpoints {
    /// Every connection string of the instance.
    pub(crate) fn connection_strings(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&self.internal)
            .chain(self.public.iter())
            .chain(self.read_write_splitting.iter())
            .map(|connection| connection.connection_string.as_str())
    }

    /// The endpoint with this connection string.
    pub(crate) fn find_mut(&mut self, connection_string: &str) -> Result<&mut Connection, Refusal> {
        let internal = std::iter::once(&mut self.internal);
        internal
            .chain(self.public.iter_mut())
            .chain(self.read_write_splitting.iter_mut())
            .find(|connection| connection.connection_string == connection_string)
            .ok_or_else(|| not_found(connection_string))
    }
}

/// `CONNECTION_NOT_FOUND` for `connection_string`.
pub(crate) fn not_found(connection_string: &str) -> Refusal {
    Refusal::new(
        refusal::CONNECTION_NOT_FOUND,
        format!("The instance has no endpoint {connection_string}; DescribeDBInstanceNetInfo lists its endpoints."),
    )
}

/// The connection string of a prefix on an engine.
pub(crate) fn connection_string(prefix: &str, domain_label: &str) -> String {
    format!("{prefix}.{domain_label}.{DOMAIN}")
}

/// Checks a connection string prefix: 5 to 40 letters, digits and
/// hyphens, starting with a letter.
pub(crate) fn check_prefix(prefix: &str) -> Result<(), Refusal> {
    let length = prefix.chars().count();
    let valid = (5..=40).contains(&length)
        && prefix
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(Refusal::new(
            refusal::CONNECTION_PREFIX_INVALID,
            "A connection string prefix has 5 to 40 letters, digits and hyphens, starting with a letter.",
        ))
    }
}

/// Reads a port in `range`.
pub(crate) fn parse_port(text: &str, range: std::ops::RangeInclusive<u16>) -> Result<u16, Refusal> {
    text.trim()
        .parse::<u16>()
        .ok()
        .filter(|port| range.contains(port))
        .ok_or_else(|| {
            Refusal::new(
                refusal::PORT_INVALID,
                format!(
                    "The port must be between {} and {}.",
                    range.start(),
                    range.end()
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_ports_follow_the_rules() {
        assert!(check_prefix("app-public1").is_ok());
        for bad in ["app", "1abcde", "with_underscore", &"a".repeat(41)] {
            assert!(check_prefix(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_port("3306", 1000..=5999), Ok(3306));
        assert!(parse_port("6000", 1000..=5999).is_err());
        assert_eq!(connection_string("app", "pg"), "app.pg.rds.aliyuncs.com");
    }
}
