//! Database accounts of an instance and their privileges on its databases.
//!
//! The rules the service documents for `CreateAccount` and
//! `GrantAccountPrivilege` are checked here (the crate documentation lists
//! them): names of 2 to the engine's maximum characters, lower-case letters
//! (upper-case too for MySQL), digits and underscores, starting with a
//! letter and ending with a letter or digit, not a reserved word, unique on
//! the instance; passwords of 8 to 32 characters with three of the four
//! kinds (upper case, lower case, digits, `!@#$%^&*()_+-=`); one privileged
//! account per instance; privileges the engine has, one per database named.
//! Passwords are checked and handed to the engine backend, never kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::engines::{engine_or_default, EngineInfo};
use super::refusal::{self, Refusal};
use super::status::check_description;

/// Names the service keeps for itself.
pub(crate) const RESERVED_ACCOUNT_NAMES: &[&str] = &[
    "root",
    "admin",
    "administrator",
    "aurora",
    "mysql",
    "postgres",
    "replicator",
    "sa",
    "sys",
    "system",
];

/// The special characters a password may contain.
const PASSWORD_SPECIALS: &str = "!@#$%^&*()_+-=";

/// One account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Account {
    pub(crate) name: String,
    /// `Normal`, `Super` or `Sysadmin`.
    pub(crate) kind: String,
    pub(crate) description: String,
    /// Locked by `LockAccount`.
    pub(crate) locked: bool,
    /// Privilege per database name.
    pub(crate) privileges: BTreeMap<String, String>,
    /// Whether the password policy applies (`CheckPolicy`).
    pub(crate) check_policy: bool,
}

impl Account {
    /// `Available` or `Lock`, as `AccountStatus` reports it.
    pub(crate) fn status(&self) -> &'static str {
        if self.locked {
            "Lock"
        } else {
            "Available"
        }
    }
}

/// The accounts of one instance, in creation order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Accounts(Vec<Account>);

impl Accounts {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Account> {
        self.0.iter()
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Account> {
        self.0.iter().find(|account| account.name == name)
    }

    /// The account, or `InvalidAccountName.NotFound`.
    pub(crate) fn find(&self, name: &str) -> Result<&Account, Refusal> {
        self.get(name).ok_or_else(|| not_found(name))
    }

    /// The account to change, or `InvalidAccountName.NotFound`.
    pub(crate) fn find_mut(&mut self, name: &str) -> Result<&mut Account, Refusal> {
        self.0
            .iter_mut()
            .find(|account| account.name == name)
            .ok_or_else(|| not_found(name))
    }

    /// Checks a new account against the rules and the existing accounts.
    pub(crate) fn check_new(
        &self,
        engine: &EngineInfo,
        name: &str,
        kind: &str,
        description: &str,
    ) -> Result<(), Refusal> {
        check_account_name(engine, name)?;
        if self
            .0
            .iter()
            .any(|account| account.name.eq_ignore_ascii_case(name))
        {
            return Err(Refusal::new(
                refusal::ACCOUNT_EXISTS,
                format!("The instance has an account named {name} already; choose another name."),
            ));
        }
        if !engine.account_types.contains(&kind) {
            return Err(Refusal::new(
                refusal::ACCOUNT_TYPE_INVALID,
                format!(
                    "AccountType must be one of {} for {}.",
                    engine.account_types.join(", "),
                    engine.name
                ),
            ));
        }
        if kind == "Super" && self.0.iter().any(|account| account.kind == "Super") {
            return Err(Refusal::new(
                refusal::SUPER_ACCOUNT_EXISTS,
                "An instance has one privileged account; create a Normal account instead.",
            ));
        }
        check_description(description)
    }

    pub(crate) fn add(&mut self, account: Account) {
        self.0.push(account);
    }

    /// Removes the account, or `InvalidAccountName.NotFound`.
    pub(crate) fn remove(&mut self, name: &str) -> Result<Account, Refusal> {
        let position = self
            .0
            .iter()
            .position(|account| account.name == name)
            .ok_or_else(|| not_found(name))?;
        Ok(self.0.remove(position))
    }

    /// Drops every privilege on `database`, which is being deleted.
    pub(crate) fn forget_database(&mut self, database: &str) {
        for account in &mut self.0 {
            account.privileges.remove(database);
        }
    }

    /// The accounts with a privilege on `database`, with that privilege.
    pub(crate) fn on_database<'a>(
        &'a self,
        database: &'a str,
    ) -> impl Iterator<Item = (&'a Account, &'a str)> {
        self.0.iter().filter_map(move |account| {
            account
                .privileges
                .get(database)
                .map(|privilege| (account, privilege.as_str()))
        })
    }
}

fn not_found(name: &str) -> Refusal {
    Refusal::new(
        refusal::ACCOUNT_NOT_FOUND,
        format!("The instance has no account named {name}; DescribeAccounts lists its accounts."),
    )
}

/// The naming rules of accounts.
pub(crate) fn check_account_name(engine: &EngineInfo, name: &str) -> Result<(), Refusal> {
    let length = name.chars().count();
    let first_is_letter = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let last_is_alphanumeric = name
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let allowed = |c: char| {
        c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || c == '_'
            || (engine.upper_case_accounts && c.is_ascii_uppercase())
    };
    if !(2..=engine.max_account_name).contains(&length)
        || !first_is_letter
        || !last_is_alphanumeric
        || !name.chars().all(allowed)
    {
        return Err(Refusal::new(
            refusal::ACCOUNT_NAME_INVALID,
            format!(
                "An account name has 2 to {} characters: {}digits and underscores, starting with a letter and ending with a letter or digit.",
                engine.max_account_name,
                if engine.upper_case_accounts {
                    "letters, "
                } else {
                    "lower-case letters, "
                }
            ),
        ));
    }
    if RESERVED_ACCOUNT_NAMES.contains(&name.to_ascii_lowercase().as_str()) {
        return Err(Refusal::new(
            refusal::ACCOUNT_NAME_FORBIDDEN,
            format!("{name} is reserved by RDS; choose another account name."),
        ));
    }
    Ok(())
}

/// The password rules: 8 to 32 characters, three of the four kinds.
pub(crate) fn check_password(password: &str) -> Result<(), Refusal> {
    let length = password.chars().count();
    let kinds = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| PASSWORD_SPECIALS.contains(c)),
    ]
    .into_iter()
    .filter(|present| *present)
    .count();
    let only_allowed = password
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || PASSWORD_SPECIALS.contains(c));
    if !(8..=32).contains(&length) || kinds < 3 || !only_allowed {
        // The password itself is never quoted back.
        return Err(Refusal::new(
            refusal::PASSWORD_INVALID,
            "A password has 8 to 32 characters, with at least three of: upper-case letters, lower-case letters, digits, and !@#$%^&*()_+-=.",
        ));
    }
    Ok(())
}

/// A new account as a request describes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewAccount<'a> {
    pub(crate) name: &'a str,
    pub(crate) password: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) description: &'a str,
    pub(crate) check_policy: bool,
}

impl super::Model {
    /// Creates an account on a running instance.
    pub(crate) fn create_account(
        &mut self,
        id: &str,
        new: NewAccount<'_>,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        let instance = self.find(id)?;
        super::status::require_running(&instance.status)?;
        instance.accounts.check_new(
            engine_or_default(&instance.engine),
            new.name,
            new.kind,
            new.description,
        )?;
        check_password(new.password)?;
        self.notify(
            id,
            crate::backend::InstanceChange::AccountCreated {
                name: new.name.to_owned(),
                password: new.password.to_owned(),
                kind: new.kind.to_owned(),
            },
        )?;
        self.find_mut(id)?.accounts.add(Account {
            name: new.name.to_owned(),
            kind: new.kind.to_owned(),
            description: new.description.to_owned(),
            locked: false,
            privileges: BTreeMap::new(),
            check_policy: new.check_policy,
        });
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"AccountName\":\"{}\"}}", new.name),
        );
        Ok(())
    }

    /// Deletes an account of a running instance.
    pub(crate) fn delete_account(
        &mut self,
        id: &str,
        name: &str,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        let instance = self.find(id)?;
        super::status::require_running(&instance.status)?;
        instance.accounts.find(name)?;
        self.notify(
            id,
            crate::backend::InstanceChange::AccountDeleted {
                name: name.to_owned(),
            },
        )?;
        self.find_mut(id)?.accounts.remove(name)?;
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"AccountName\":\"{name}\"}}"),
        );
        Ok(())
    }

    /// Grants an account privileges on databases, one privilege per
    /// database.
    pub(crate) fn grant(
        &mut self,
        id: &str,
        account: &str,
        grants: &[(&str, &str)],
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        let instance = self.find(id)?;
        super::status::require_running(&instance.status)?;
        instance.accounts.find(account)?;
        let engine = engine_or_default(&instance.engine);
        let allowed = engine.privileges_for(&instance.storage_type);
        for (database, privilege) in grants {
            instance.databases.find(database)?;
            if !allowed.contains(privilege) {
                return Err(Refusal::new(
                    refusal::PRIVILEGE_INVALID,
                    format!(
                        "{} grants {} on {} storage, not {privilege}.",
                        engine.name,
                        allowed.join(", "),
                        instance.storage_type
                    ),
                ));
            }
        }
        for (database, privilege) in grants {
            self.notify(
                id,
                crate::backend::InstanceChange::PrivilegeGranted {
                    account: account.to_owned(),
                    database: (*database).to_owned(),
                    privilege: (*privilege).to_owned(),
                },
            )?;
        }
        let account_entry = self.find_mut(id)?.accounts.find_mut(account)?;
        for (database, privilege) in grants {
            account_entry
                .privileges
                .insert((*database).to_owned(), (*privilege).to_owned());
        }
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"AccountName\":\"{account}\"}}"),
        );
        Ok(())
    }

    /// Revokes an account's privileges on databases.
    pub(crate) fn revoke(
        &mut self,
        id: &str,
        account: &str,
        databases: &[&str],
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        let instance = self.find(id)?;
        super::status::require_running(&instance.status)?;
        let account_entry = instance.accounts.find(account)?;
        for database in databases {
            instance.databases.find(database)?;
            if !account_entry.privileges.contains_key(*database) {
                return Err(Refusal::new(
                    refusal::PRIVILEGE_INVALID,
                    format!("{account} has no privilege on {database}."),
                ));
            }
        }
        for database in databases {
            self.notify(
                id,
                crate::backend::InstanceChange::PrivilegeRevoked {
                    account: account.to_owned(),
                    database: (*database).to_owned(),
                },
            )?;
        }
        let account_entry = self.find_mut(id)?.accounts.find_mut(account)?;
        for database in databases {
            account_entry.privileges.remove(*database);
        }
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"AccountName\":\"{account}\"}}"),
        );
        Ok(())
    }

    /// Sets an account's password.
    pub(crate) fn reset_password(
        &mut self,
        id: &str,
        name: &str,
        password: &str,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        let instance = self.find(id)?;
        super::status::require_running(&instance.status)?;
        instance.accounts.find(name)?;
        check_password(password)?;
        self.notify(
            id,
            crate::backend::InstanceChange::PasswordReset {
                name: name.to_owned(),
                password: password.to_owned(),
            },
        )?;
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"AccountName\":\"{name}\"}}"),
        );
        Ok(())
    }

    /// Locks or unlocks an account.
    pub(crate) fn lock_account(
        &mut self,
        id: &str,
        name: &str,
        locked: bool,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        let instance = self.find(id)?;
        super::status::require_running(&instance.status)?;
        instance.accounts.find(name)?;
        self.notify(
            id,
            crate::backend::InstanceChange::AccountLocked {
                name: name.to_owned(),
                locked,
            },
        )?;
        self.find_mut(id)?.accounts.find_mut(name)?.locked = locked;
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"AccountName\":\"{name}\"}}"),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::engines::engine;
    use super::*;

    #[test]
    fn account_names_follow_the_engine_rules() {
        let postgresql = engine("PostgreSQL").expect("known");
        let mysql = engine("MySQL").expect("known");
        assert!(check_account_name(postgresql, "app_user1").is_ok());
        assert!(check_account_name(postgresql, "App").is_err());
        assert!(check_account_name(mysql, "App1").is_ok());
        for bad in ["a", "1abc", "abc_", "ab-c", "root", "Postgres"] {
            assert!(check_account_name(postgresql, bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_account_name(postgresql, "root").map_err(|refusal| refusal.codes[0]),
            Err("InvalidAccountName.Forbid")
        );
    }

    #[test]
    fn passwords_need_three_kinds_of_characters() {
        assert!(check_password("Test123456").is_ok());
        assert!(check_password("Ab1!Ab1!").is_ok());
        for bad in [
            "short1A",
            "alllowercase1",
            "NoDigitsHere",
            "Has space 1A",
            "A1a".repeat(11).as_str(),
        ] {
            assert!(check_password(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn one_privileged_account_per_instance() {
        let postgresql = engine("PostgreSQL").expect("known");
        let mut accounts = Accounts::default();
        accounts.add(Account {
            name: "owner".into(),
            kind: "Super".into(),
            description: String::new(),
            locked: false,
            privileges: BTreeMap::new(),
            check_policy: false,
        });
        let refused = accounts.check_new(postgresql, "second", "Super", "");
        assert_eq!(refused.map_err(|r| r.codes[0]), Err("AccountLimitExceeded"));
        let duplicate = accounts.check_new(postgresql, "owner", "Normal", "");
        assert_eq!(
            duplicate.map_err(|r| r.codes[0]),
            Err("InvalidAccountName.Duplicate")
        );
        assert!(accounts
            .check_new(postgresql, "reader", "Normal", "Reads")
            .is_ok());
    }
}
