//! The account operations: `CreateAccount`, `DeleteAccount`,
//! `DescribeAccounts`, `GrantAccountPrivilege`, `RevokeAccountPrivilege`,
//! `ModifyAccountDescription`, `ModifyAccountCheckPolicy`,
//! `ResetAccountPassword`, `ResetAccount`, `LockAccount`, `UnlockAccount`
//! and `CheckAccountNameAvailable`. The rules they enforce are the model's
//! (see `model::accounts`).

use serde_json::{json, Value};

use super::paging::PagingRules;
use super::{OperationOutput, OperationRequest};
use crate::error::ApiError;
use crate::model::accounts::{check_account_name, NewAccount};
use crate::model::engines::privilege_detail;
use crate::model::lifecycle::require_running;
use crate::model::refusal::{self, Refusal};
use crate::model::status::check_description;
use crate::model::Model;

/// Accounts and databases page 1 to 200 a page, 30 by default.
pub(crate) const PAGING: PagingRules = PagingRules {
    default_size: 30,
    sizes: 1..=200,
    zero_is_first_page: true,
};

pub(crate) fn create_account(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let new = NewAccount {
        name: request.required("AccountName")?,
        password: request.required("AccountPassword")?,
        kind: request.optional("AccountType").unwrap_or("Normal"),
        description: request.optional("AccountDescription").unwrap_or_default(),
        check_policy: request.optional_bool("CheckPolicy")?.unwrap_or(false),
    };
    model
        .create_account(id, new, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn delete_account(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let name = request.required("AccountName")?;
    model
        .delete_account(id, name, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn describe_accounts(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (id, instance) = request.existing_instance(model, "DBInstanceId")?;
    let page = PAGING.read(request)?;
    let wanted = request.optional("AccountName");
    let accounts: Vec<Value> = instance
        .accounts
        .iter()
        .filter(|account| wanted.is_none_or(|wanted| wanted == account.name))
        .map(|account| {
            let privileges: Vec<Value> = account
                .privileges
                .iter()
                .map(|(database, privilege)| {
                    json!({
                        "DBName": database,
                        "AccountPrivilege": privilege,
                        "AccountPrivilegeDetail": privilege_detail(privilege),
                    })
                })
                .collect();
            json!({
                "DBInstanceId": id,
                "AccountName": account.name,
                "AccountStatus": account.status(),
                "AccountType": account.kind,
                "AccountDescription": account.description,
                "CheckPolicy": account.check_policy,
                "PrivExceeded": "0",
                "DatabasePrivileges": { "DatabasePrivilege": privileges },
            })
        })
        .collect();
    let total = accounts.len();
    request.answer(json!({
        "Accounts": { "DBInstanceAccount": page.slice(&accounts) },
        "PageNumber": page.number,
        "TotalRecordCount": total,
        "ResourceGroupId": instance.settings.resource_group_id,
        "SystemAdminAccountStatus": instance.accounts.iter().any(|account| account.kind == "Sysadmin").to_string(),
        "SystemAdminAccountFirstActivationTime": "",
    }))
}

/// `DBName` and `AccountPrivilege`, comma-separated lists of the same
/// length, paired up.
fn grants<'a>(request: &OperationRequest<'a>) -> Result<Vec<(&'a str, &'a str)>, ApiError> {
    let split = |text: &'a str| -> Vec<&'a str> {
        text.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect()
    };
    let databases = split(request.required("DBName")?);
    let privileges = split(request.required("AccountPrivilege")?);
    if databases.len() != privileges.len() {
        return Err(request.refuse(Refusal::new(
            refusal::PRIVILEGE_INVALID,
            "Give one AccountPrivilege per database named in DBName, in the same order.",
        )));
    }
    Ok(databases.into_iter().zip(privileges).collect())
}

pub(crate) fn grant_account_privilege(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let account = request.required("AccountName")?;
    let grants = grants(request)?;
    model
        .grant(id, account, &grants, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn revoke_account_privilege(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let account = request.required("AccountName")?;
    let databases: Vec<&str> = request
        .required("DBName")?
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    model
        .revoke(
            id,
            account,
            &databases,
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn modify_account_description(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let name = request.required("AccountName")?;
    let description = request.required("AccountDescription")?;
    check_description(description).map_err(|refusal| request.refuse(refusal))?;
    let account = model
        .find_mut(id)
        .and_then(|instance| instance.accounts.find_mut(name))
        .map_err(|refusal| request.refuse(refusal))?;
    account.description = description.to_owned();
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({}))
}

pub(crate) fn modify_account_check_policy(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let name = request.required("AccountName")?;
    let check_policy = request.optional_bool("CheckPolicy")?.unwrap_or(false);
    let account = model
        .find_mut(id)
        .and_then(|instance| instance.accounts.find_mut(name))
        .map_err(|refusal| request.refuse(refusal))?;
    account.check_policy = check_policy;
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({}))
}

pub(crate) fn reset_account_password(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let name = request.required("AccountName")?;
    let password = request.required("AccountPassword")?;
    model
        .reset_password(id, name, password, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn lock_account(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    set_lock(model, request, true)
}

pub(crate) fn unlock_account(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    set_lock(model, request, false)
}

fn set_lock(
    model: &mut Model,
    request: &OperationRequest<'_>,
    locked: bool,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let name = request.required("AccountName")?;
    model
        .lock_account(id, name, locked, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn check_account_name_available(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (_, instance) = request.existing_instance(model, "DBInstanceId")?;
    require_running(instance).map_err(|refusal| request.refuse(refusal))?;
    let name = request.required("AccountName")?;
    check_account_name(instance.engine_info(), name).map_err(|refusal| request.refuse(refusal))?;
    if instance.accounts.get(name).is_some() {
        return Err(request.refuse(Refusal::new(
            refusal::ACCOUNT_EXISTS,
            format!("The instance has an account named {name} already."),
        )));
    }
    request.answer(json!({ "ResourceGroupId": instance.settings.resource_group_id }))
}
