//! The database operations: `CreateDatabase`, `DeleteDatabase`,
//! `DescribeDatabases`, `ModifyDBDescription`, `CheckDBNameAvailable`, and
//! PostgreSQL's extensions (`CreatePostgresExtensions`,
//! `DeletePostgresExtensions`, `UpdatePostgresExtensions`,
//! `DescribePostgresExtensions`). The rules they enforce are the model's
//! (see `model::databases`).

use serde_json::{json, Value};

use super::accounts::PAGING;
use super::{OperationOutput, OperationRequest};
use crate::error::ApiError;
use crate::model::databases::{check_database_name, extension_version, AVAILABLE_EXTENSIONS};
use crate::model::engines::privilege_detail;
use crate::model::lifecycle::require_running;
use crate::model::refusal::{self, Refusal};
use crate::model::status::check_description;
use crate::model::Model;

pub(crate) fn create_database(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let name = request.required("DBName")?;
    let character_set = request.required("CharacterSetName")?;
    let description = request.optional("DBDescription").unwrap_or_default();
    model
        .create_database(
            id,
            name,
            character_set,
            description,
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn delete_database(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let name = request.required("DBName")?;
    model
        .delete_database(id, name, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn describe_databases(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (id, instance) = request.existing_instance(model, "DBInstanceId")?;
    let page = PAGING.read(request)?;
    let wanted = request.optional("DBName");
    let status = request.optional("DBStatus");
    let databases: Vec<Value> = instance
        .databases
        .iter()
        .filter(|database| wanted.is_none_or(|wanted| wanted == database.name))
        .filter(|_| status.is_none_or(|status| status == "Running"))
        .map(|database| {
            let accounts: Vec<Value> = instance
                .accounts
                .on_database(&database.name)
                .map(|(account, privilege)| {
                    json!({
                        "Account": account.name,
                        "AccountPrivilege": privilege,
                        "AccountPrivilegeDetail": privilege_detail(privilege),
                    })
                })
                .collect();
            json!({
                "DBInstanceId": id,
                "DBName": database.name,
                "DBStatus": "Running",
                "DBDescription": database.description,
                "CharacterSetName": database.character_set,
                "Collate": database.collate,
                "Ctype": database.ctype,
                "Engine": instance.engine,
                "Tablespace": if instance.engine_info().is_postgresql() { "pg_default" } else { "" },
                "ConnLimit": "-1",
                "Accounts": { "AccountPrivilegeInfo": accounts },
                "PageNumber": page.number,
                "PageSize": page.size,
                "TotalCount": instance.databases.len(),
            })
        })
        .collect();
    request.answer(json!({ "Databases": { "Database": page.slice(&databases) } }))
}

pub(crate) fn modify_db_description(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let name = request.required("DBName")?;
    let description = request.required("DBDescription")?;
    check_description(description).map_err(|refusal| request.refuse(refusal))?;
    let database = model
        .find_mut(id)
        .and_then(|instance| instance.databases.find_mut(name))
        .map_err(|refusal| request.refuse(refusal))?;
    database.description = description.to_owned();
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({}))
}

pub(crate) fn check_db_name_available(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (_, instance) = request.existing_instance(model, "DBInstanceId")?;
    require_running(instance).map_err(|refusal| request.refuse(refusal))?;
    let name = request.required("DBName")?;
    check_database_name(name).map_err(|refusal| request.refuse(refusal))?;
    if instance.databases.get(name).is_some() {
        return Err(request.refuse(Refusal::new(
            refusal::DATABASE_EXISTS,
            format!("The instance has a database named {name} already."),
        )));
    }
    request.answer(json!({}))
}

/// The databases (`DBNames`, comma-separated) and extensions
/// (`Extensions`) of an extension request on a running PostgreSQL
/// instance.
fn extension_request<'a>(
    model: &Model,
    request: &OperationRequest<'a>,
) -> Result<(&'a str, Vec<&'a str>, Vec<&'a str>), ApiError> {
    let (id, instance) = request.existing_instance(model, "DBInstanceId")?;
    require_running(instance).map_err(|refusal| request.refuse(refusal))?;
    if !instance.engine_info().is_postgresql() {
        return Err(request.refuse(Refusal::new(
            refusal::INCORRECT_ENGINE,
            "Extensions exist on PostgreSQL instances only.",
        )));
    }
    let split = |text: &'a str| -> Vec<&'a str> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect()
    };
    let databases = split(request.required("DBNames")?);
    for database in &databases {
        instance
            .databases
            .find(database)
            .map_err(|refusal| request.refuse(refusal))?;
    }
    let extensions = split(request.optional("Extensions").unwrap_or_default());
    for extension in &extensions {
        if extension_version(extension).is_none() {
            return Err(request.refuse(Refusal::new(
                refusal::EXTENSION_INVALID,
                format!("{extension} is not an extension the instance offers; DescribePostgresExtensions lists them."),
            )));
        }
    }
    Ok((id, databases, extensions))
}

pub(crate) fn create_postgres_extensions(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (id, databases, extensions) = extension_request(model, request)?;
    let account = request.required("AccountName")?;
    model
        .find(id)
        .and_then(|instance| instance.accounts.find(account).map(drop))
        .map_err(|refusal| request.refuse(refusal))?;
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    for database in &databases {
        if let Ok(database) = instance.databases.find_mut(database) {
            for extension in &extensions {
                if !database
                    .extensions
                    .iter()
                    .any(|(name, _)| name == extension)
                {
                    let version = extension_version(extension).unwrap_or_default();
                    database
                        .extensions
                        .push(((*extension).to_owned(), version.to_owned()));
                }
            }
        }
    }
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({}))
}

pub(crate) fn delete_postgres_extensions(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (id, databases, extensions) = extension_request(model, request)?;
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    for database in &databases {
        if let Ok(database) = instance.databases.find_mut(database) {
            database
                .extensions
                .retain(|(name, _)| !extensions.contains(&name.as_str()));
        }
    }
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({}))
}

pub(crate) fn update_postgres_extensions(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (id, databases, extensions) = extension_request(model, request)?;
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    for database in &databases {
        if let Ok(database) = instance.databases.find_mut(database) {
            for (name, version) in &mut database.extensions {
                if extensions.contains(&name.as_str()) {
                    *version = extension_version(name).unwrap_or_default().to_owned();
                }
            }
        }
    }
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({}))
}

pub(crate) fn describe_postgres_extensions(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (_, instance) = request.existing_instance(model, "DBInstanceId")?;
    let name = request.required("DBName")?;
    let database = instance
        .databases
        .find(name)
        .map_err(|refusal| request.refuse(refusal))?;
    let owner = instance
        .accounts
        .iter()
        .find(|account| account.kind == "Super")
        .map(|account| account.name.clone())
        .unwrap_or_default();
    let entry = |name: &str, installed: Option<&str>| {
        let (_, default, comment) = AVAILABLE_EXTENSIONS
            .iter()
            .find(|(known, _, _)| *known == name)
            .copied()
            .unwrap_or((name, "", ""));
        json!({
            "Name": name,
            "DefaultVersion": default,
            "InstalledVersion": installed.unwrap_or_default(),
            "Comment": comment,
            "Owner": if installed.is_some() { owner.as_str() } else { "" },
            "Category": "",
            "Priority": "0",
            "Requires": "",
            "Uid": "",
        })
    };
    let installed: Vec<Value> = database
        .extensions
        .iter()
        .map(|(name, version)| entry(name, Some(version)))
        .collect();
    let uninstalled: Vec<Value> = AVAILABLE_EXTENSIONS
        .iter()
        .filter(|(name, _, _)| {
            !database
                .extensions
                .iter()
                .any(|(installed, _)| installed == name)
        })
        .map(|(name, _, _)| entry(name, None))
        .collect();
    request.answer(json!({
        "InstalledExtensions": installed,
        "UninstalledExtensions": uninstalled,
        "Overview": {},
    }))
}
