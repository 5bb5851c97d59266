//! An instance's IP whitelists (`SecurityIps`, and the replication
//! clients a migration adds) and the `pg_hba.conf` they become.
//!
//! Below both the cluster, which writes the file when it starts, and the
//! SQL administration, whose `ModifySecurityIps` rewrites it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use super::error::PostgresError;

/// One entry of an IP whitelist (`SecurityIps`): an address or a CIDR
/// block. The servers listen on `127.0.0.1`, so the entries that matter
/// are loopback ones; the others are written all the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecurityIp {
    address: IpAddr,
    prefix: u8,
}

impl SecurityIp {
    /// `127.0.0.1/32`, every new instance's whitelist: the emulator's
    /// clients all connect from the loopback address.
    pub fn loopback() -> SecurityIp {
        SecurityIp {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            prefix: 32,
        }
    }

    /// The address (the block's first address for a CIDR block).
    pub fn address(&self) -> IpAddr {
        self.address
    }

    /// The prefix length (32 or 128 for a single address).
    pub fn prefix(&self) -> u8 {
        self.prefix
    }
}

impl FromStr for SecurityIp {
    type Err = PostgresError;

    /// Reads `10.23.1.2`, `10.23.1.0/24`, `::1` or `fd00::/8`.
    fn from_str(text: &str) -> Result<SecurityIp, PostgresError> {
        let invalid = |reason: &str| PostgresError::invalid("whitelist entry", text, reason);
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| invalid("not an IPv4 or IPv6 address"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= max)
                .ok_or_else(|| invalid(&format!("the prefix length must be 0 to {max}")))?,
            None => max,
        };
        Ok(SecurityIp { address, prefix })
    }
}

impl fmt::Display for SecurityIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// `pg_hba.conf` for the whitelists: the administrator's socket, client
/// connections from `security_ips`, replication connections from
/// `replication_ips`. Rules use `md5`, which also accepts SCRAM verifiers,
/// so roles a migration brings with MD5 passwords still log in.
pub(crate) fn render_hba(security_ips: &[SecurityIp], replication_ips: &[SecurityIp]) -> String {
    let mut text = String::from(
        "# Written by the emulator at every whitelist change; edits are lost.\n\
         # The emulator's own administration, over the cluster's private socket.\n\
         local   all           all                        trust\n\
         # The instance's IP whitelist (ModifySecurityIps).\n",
    );
    for ip in security_ips {
        text.push_str(&format!(
            "host    all           all           {ip:<24} md5\n"
        ));
    }
    text.push_str("# Replication clients.\n");
    for ip in replication_ips {
        text.push_str(&format!(
            "host    replication   all           {ip:<24} md5\n"
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitelist_entries_parse_as_addresses_and_blocks() {
        assert_eq!(
            "127.0.0.1".parse::<SecurityIp>().unwrap().to_string(),
            "127.0.0.1/32"
        );
        assert_eq!(
            "10.23.0.0/16".parse::<SecurityIp>().unwrap().to_string(),
            "10.23.0.0/16"
        );
        assert_eq!("::1".parse::<SecurityIp>().unwrap().to_string(), "::1/128");
        assert!("10.0.0.0/33".parse::<SecurityIp>().is_err());
        assert!("localhost".parse::<SecurityIp>().is_err());
        assert!("10.0.0.0/x".parse::<SecurityIp>().is_err());
    }

    #[test]
    fn the_hba_file_lists_both_whitelists() {
        let text = render_hba(
            &[SecurityIp::loopback(), "10.0.0.0/8".parse().unwrap()],
            &["127.0.0.1".parse().unwrap()],
        );
        assert!(text.contains("local   all           all                        trust"));
        assert!(text.contains("host    all           all           127.0.0.1/32"));
        assert!(text.contains("host    all           all           10.0.0.0/8"));
        assert!(text.contains("host    replication   all           127.0.0.1/32"));
    }
}
