//! The databases of an instance, and the PostgreSQL extensions installed
//! in them.
//!
//! `CreateDatabase`'s documented rules are checked here: names of 2 to 64
//! characters, lower-case letters, digits, underscores and hyphens,
//! starting with a lower-case letter and ending with a lower-case letter or
//! digit, not a reserved word, unique on the instance; a character set the
//! engine offers (for PostgreSQL, `<charset>,<collate>,<ctype>`, whose
//! collate and ctype default to `C` and `en_US.utf8`).

use serde::{Deserialize, Serialize};

use super::engines::{engine_or_default, EngineInfo};
use super::refusal::{self, Refusal};
use super::status::{check_description, require_running};

/// Database names each engine keeps for itself.
pub(crate) const RESERVED_DATABASE_NAMES: &[&str] = &[
    "information_schema",
    "master",
    "model",
    "msdb",
    "mysql",
    "performance_schema",
    "postgres",
    "sys",
    "template0",
    "template1",
    "tempdb",
];

/// Extensions `DescribePostgresExtensions` reports as available, with
/// their default versions.
pub(crate) const AVAILABLE_EXTENSIONS: &[(&str, &str, &str)] = &[
    (
        "btree_gin",
        "1.3",
        "support for indexing common datatypes in GIN",
    ),
    (
        "btree_gist",
        "1.7",
        "support for indexing common datatypes in GiST",
    ),
    (
        "citext",
        "1.6",
        "data type for case-insensitive character strings",
    ),
    (
        "hstore",
        "1.8",
        "data type for storing sets of (key, value) pairs",
    ),
    ("pg_cron", "1.5", "Job scheduler for PostgreSQL"),
    (
        "pg_stat_statements",
        "1.10",
        "track planning and execution statistics of all SQL statements executed",
    ),
    (
        "pg_trgm",
        "1.6",
        "text similarity measurement and index searching based on trigrams",
    ),
    ("pgcrypto", "1.3", "cryptographic functions"),
    (
        "postgis",
        "3.3.2",
        "PostGIS geometry and geography spatial types and functions",
    ),
    (
        "uuid-ossp",
        "1.1",
        "generate universally unique identifiers (UUIDs)",
    ),
    (
        "vector",
        "0.5.1",
        "vector data type and ivfflat and hnsw access methods",
    ),
];

/// One database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Database {
    pub(crate) name: String,
    pub(crate) character_set: String,
    /// PostgreSQL's collate; empty for other engines.
    pub(crate) collate: String,
    /// PostgreSQL's ctype; empty for other engines.
    pub(crate) ctype: String,
    pub(crate) description: String,
    /// Installed PostgreSQL extensions, with their versions, in install
    /// order.
    pub(crate) extensions: Vec<(String, String)>,
}

/// The databases of one instance, in creation order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Databases(Vec<Database>);

impl Databases {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Database> {
        self.0.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Database> {
        self.0.iter().find(|database| database.name == name)
    }

    /// The database, or `InvalidDBName.NotFound`.
    pub(crate) fn find(&self, name: &str) -> Result<&Database, Refusal> {
        self.get(name).ok_or_else(|| not_found(name))
    }

    /// The database to change, or `InvalidDBName.NotFound`.
    pub(crate) fn find_mut(&mut self, name: &str) -> Result<&mut Database, Refusal> {
        self.0
            .iter_mut()
            .find(|database| database.name == name)
            .ok_or_else(|| not_found(name))
    }

    /// A new database, checked against the rules and the existing
    /// databases.
    pub(crate) fn check_new(
        &self,
        engine: &EngineInfo,
        name: &str,
        character_set: &str,
        description: &str,
    ) -> Result<Database, Refusal> {
        check_database_name(name)?;
        if self.get(name).is_some() {
            return Err(Refusal::new(
                refusal::DATABASE_EXISTS,
                format!("The instance has a database named {name} already."),
            ));
        }
        check_description(description)?;
        let mut parts = character_set.split(',').map(str::trim);
        let charset = parts.next().unwrap_or_default();
        let (collate, ctype) = if engine.is_postgresql() {
            (
                parts.next().unwrap_or("C").to_owned(),
                parts.next().unwrap_or("en_US.utf8").to_owned(),
            )
        } else {
            (String::new(), String::new())
        };
        let known = engine
            .character_sets
            .iter()
            .any(|known| known.eq_ignore_ascii_case(charset));
        if !known || parts.next().is_some() {
            return Err(Refusal::new(
                refusal::CHARACTER_SET_INVALID,
                format!(
                    "CharacterSetName must be one of {}{}.",
                    engine.character_sets.join(", "),
                    if engine.is_postgresql() {
                        ", optionally followed by ,<collate>,<ctype>"
                    } else {
                        ""
                    }
                ),
            ));
        }
        Ok(Database {
            name: name.to_owned(),
            character_set: charset.to_owned(),
            collate,
            ctype,
            description: description.to_owned(),
            extensions: Vec::new(),
        })
    }

    pub(crate) fn add(&mut self, database: Database) {
        self.0.push(database);
    }

    /// Removes the database, or `InvalidDBName.NotFound`.
    pub(crate) fn remove(&mut self, name: &str) -> Result<Database, Refusal> {
        let position = self
            .0
            .iter()
            .position(|database| database.name == name)
            .ok_or_else(|| not_found(name))?;
        Ok(self.0.remove(position))
    }
}

fn not_found(name: &str) -> Refusal {
    Refusal::new(
        refusal::DATABASE_NOT_FOUND,
        format!(
            "The instance has no database named {name}; DescribeDatabases lists its databases."
        ),
    )
}

/// The naming rules of databases.
pub(crate) fn check_database_name(name: &str) -> Result<(), Refusal> {
    let length = name.chars().count();
    let first_is_letter = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let last_is_alphanumeric = name
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    if !(2..=64).contains(&length)
        || !first_is_letter
        || !last_is_alphanumeric
        || !name.chars().all(allowed)
    {
        return Err(Refusal::new(
            refusal::DATABASE_NAME_INVALID,
            "A database name has 2 to 64 characters: lower-case letters, digits, underscores and hyphens, starting with a lower-case letter and ending with a lower-case letter or digit.",
        ));
    }
    if RESERVED_DATABASE_NAMES.contains(&name) {
        return Err(Refusal::new(
            refusal::DATABASE_NAME_FORBIDDEN,
            format!("{name} is reserved by the engine; choose another database name."),
        ));
    }
    Ok(())
}

/// The default version of an extension PostgreSQL instances offer.
pub(crate) fn extension_version(name: &str) -> Option<&'static str> {
    AVAILABLE_EXTENSIONS
        .iter()
        .find(|(known, _, _)| *known == name)
        .map(|(_, version, _)| *version)
}

impl super::Model {
    /// Creates a database on a running instance.
    pub(crate) fn create_database(
        &mut self,
        id: &str,
        name: &str,
        character_set: &str,
        description: &str,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        let instance = self.find(id)?;
        require_running(&instance.status)?;
        let database = instance.databases.check_new(
            engine_or_default(&instance.engine),
            name,
            character_set,
            description,
        )?;
        self.notify(
            id,
            crate::backend::InstanceChange::DatabaseCreated {
                name: name.to_owned(),
                character_set: character_set.to_owned(),
            },
        )?;
        self.find_mut(id)?.databases.add(database);
        self.record_event(action, id, now_millis, format!("{{\"DBName\":\"{name}\"}}"));
        Ok(())
    }

    /// Deletes a database of a running instance, and every privilege on it.
    pub(crate) fn delete_database(
        &mut self,
        id: &str,
        name: &str,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        let instance = self.find(id)?;
        require_running(&instance.status)?;
        instance.databases.find(name)?;
        self.notify(
            id,
            crate::backend::InstanceChange::DatabaseDeleted {
                name: name.to_owned(),
            },
        )?;
        let instance = self.find_mut(id)?;
        instance.databases.remove(name)?;
        instance.accounts.forget_database(name);
        self.record_event(action, id, now_millis, format!("{{\"DBName\":\"{name}\"}}"));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::engines::engine;
    use super::*;

    #[test]
    fn database_names_follow_the_rules() {
        assert!(check_database_name("orders-2024_db").is_ok());
        for bad in [
            "a",
            "Orders",
            "1db",
            "db_",
            "mysql",
            "x".repeat(65).as_str(),
        ] {
            assert!(check_database_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn postgresql_character_sets_carry_collate_and_ctype() {
        let postgresql = engine("PostgreSQL").expect("known");
        let databases = Databases::default();
        let database = databases
            .check_new(postgresql, "app", "UTF8", "")
            .expect("valid");
        assert_eq!(
            (database.collate.as_str(), database.ctype.as_str()),
            ("C", "en_US.utf8")
        );
        let database = databases
            .check_new(postgresql, "app", "UTF8,en_US.utf8,en_US.utf8", "")
            .expect("valid");
        assert_eq!(database.collate, "en_US.utf8");
        assert!(databases
            .check_new(postgresql, "app", "utf8mb4", "")
            .is_err());
        let mysql = engine("MySQL").expect("known");
        assert!(databases.check_new(mysql, "app", "utf8mb4", "").is_ok());
    }
}
