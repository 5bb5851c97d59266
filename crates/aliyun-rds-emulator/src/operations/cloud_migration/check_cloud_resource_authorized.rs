//! `CheckCloudResourceAuthorized`: whether RDS may use the cloud resources
//! an instance needs, the first step of the cloud migration workflow.
//!
//! With `DBInstanceId`, `AuthorizationState` is the instance's state: `1`
//! (authorized) unless its fixture entry says `"CloudResourceAuthorized":
//! false`, then `0` (not authorized). With only `TargetRegionId`, it is `1`
//! when no instance of that region is unauthorized. `RoleArn` names the RAM
//! role the authorization concerns, in both cases. `RegionId` only routes
//! the request on the real service and is not checked.

use serde_json::Value;

use super::super::describe_regions::is_known_region;
use super::super::documented_errors::{INSTANCE_AND_REGION_EMPTY, INSTANCE_ID_NOT_FOUND};
use super::super::{OperationOutput, OperationRequest};
use crate::error::ApiError;
use crate::model::Model;

/// The ID of the emulated Alibaba Cloud account, as ARNs name it.
const ACCOUNT_ID: &str = "1234567890123456";

pub(crate) fn handle(
    state: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    let authorized = match (
        request.optional("DBInstanceId"),
        request.optional("TargetRegionId"),
    ) {
        (Some(id), _) => {
            state
                .instances
                .get(id)
                .ok_or_else(|| {
                    INSTANCE_ID_NOT_FOUND.with_hint(
                        "Check the instance ID; DescribeDBInstances lists the instances.",
                    )
                })?
                .authorized
        }
        (None, Some(region_id)) => {
            if !is_known_region(state, region_id) {
                return Err(ApiError::invalid_parameter(
                    "TargetRegionId",
                    "TargetRegionId must be a region DescribeRegions lists.",
                ));
            }
            state
                .instances
                .iter()
                .filter(|instance| instance.region_id == region_id)
                .all(|instance| instance.authorized)
        }
        (None, None) => {
            return Err(INSTANCE_AND_REGION_EMPTY
                .with_hint("Send DBInstanceId (the instance to check) or TargetRegionId."))
        }
    };
    let mut output = OperationOutput::new();
    output.insert(
        "AuthorizationState".into(),
        Value::from(if authorized { 1 } else { 0 }),
    );
    output.insert(
        "RoleArn".into(),
        Value::from(format!(
            "acs:ram::{ACCOUNT_ID}:role/aliyunrdsinstanceencryptiondefaultrole"
        )),
    );
    Ok(output)
}
