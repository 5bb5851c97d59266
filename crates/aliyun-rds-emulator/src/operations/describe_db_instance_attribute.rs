//! `DescribeDBInstanceAttribute`: the details of one instance, as
//! `Items.DBInstanceAttribute[]` with a single entry. Each answer is one
//! poll of the instance's pending status, if its fixture gives one.

use serde_json::{json, Value};

use super::describe_db_instances::instance_fields;
use super::documented_errors::INSTANCE_ID_NOT_FOUND;
use super::{OperationOutput, OperationRequest};
use crate::error::ApiError;
use crate::state::AccountState;

pub(crate) fn handle(
    state: &mut AccountState,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    let id = request.required("DBInstanceId")?;
    state.poll_instance_status(id);
    let (instance, attributes) = state
        .instance(id)
        .zip(state.attributes(id))
        .ok_or_else(|| {
            INSTANCE_ID_NOT_FOUND
                .with_hint("Check the instance ID; DescribeDBInstances lists the instances.")
        })?;
    let mut fields = instance_fields(instance, attributes);
    let extra = [
        (
            "CreationTime",
            Value::from(attributes.creation_time.clone()),
        ),
        ("Port", Value::from(attributes.port.to_string())),
        ("DBInstanceStorage", Value::from(attributes.storage_gb)),
        ("DBInstanceStorageType", Value::from("cloud_essd")),
        ("IPType", Value::from("IPv4")),
        ("SecurityIPMode", Value::from("normal")),
        ("MaintainTime", Value::from("18:00Z-22:00Z")),
    ];
    for (name, value) in extra {
        fields.insert(name.into(), value);
    }
    let mut output = OperationOutput::new();
    output.insert(
        "Items".into(),
        json!({ "DBInstanceAttribute": [Value::Object(fields)] }),
    );
    Ok(output)
}
