//! The instance operations: listing and describing instances, and their
//! lifecycle (create, delete, restart, stop, start, resize, temporary and
//! read-only instances).

pub(crate) mod changes;
pub(crate) mod describe_db_instance_attribute;
pub(crate) mod describe_db_instances;
pub(crate) mod lifecycle;
pub(crate) mod listing;

use serde_json::{json, Value};

use crate::clock::format_timestamp;
use crate::model::instances::Instance;
use crate::model::Model;

/// The fields `DescribeDBInstances` and `DescribeDBInstanceAttribute` both
/// answer for an instance.
pub(crate) fn instance_fields(model: &Model, instance: &Instance) -> Value {
    let (connection_string, _, _) = internal_endpoint(model, instance);
    json!({
        "DBInstanceId": instance.id,
        "DBInstanceDescription": instance.description,
        "DBInstanceStatus": instance.status,
        "DBInstanceType": instance.instance_type,
        "Engine": instance.engine,
        "EngineVersion": instance.engine_version,
        "DBInstanceClass": instance.class,
        "Category": instance.category,
        "RegionId": instance.region_id,
        "ZoneId": instance.zone_id,
        "InstanceNetworkType": instance.network_type,
        "DBInstanceNetType": "Intranet",
        "VpcId": instance.vpc_id,
        "VSwitchId": instance.vswitch_id,
        "VpcCloudInstanceId": if instance.vpc_id.is_empty() { String::new() } else { instance.id.clone() },
        "ConnectionString": connection_string,
        "ConnectionMode": "Standard",
        "PayType": instance.pay_type,
        "LockMode": instance.lock_mode(),
        "LockReason": "",
        "DeletionProtection": instance.settings.deletion_protection,
        "ResourceGroupId": instance.settings.resource_group_id,
        "MasterInstanceId": instance.primary_id.clone().unwrap_or_default(),
        "TempDBInstanceId": instance.temp_id.clone().unwrap_or_default(),
        "GuardDBInstanceId": "",
        "ReadOnlyDBInstanceIds": {
            "ReadOnlyDBInstanceId": instance
                .read_only_ids
                .iter()
                .map(|id| json!({ "DBInstanceId": id }))
                .collect::<Vec<_>>()
        },
        "ExpireTime": instance.expires.map(format_timestamp).unwrap_or_default(),
        "DBInstanceStorageType": instance.storage_type,
    })
}

/// The internal endpoint clients connect to, as its connection string,
/// port and IP address: the engine backend's when it stands behind the
/// instance and has one (its host is then both the connection string and
/// the address, so either connects), else the model's.
pub(crate) fn internal_endpoint(model: &Model, instance: &Instance) -> (String, u16, String) {
    match model.backend_endpoint(instance) {
        Some(endpoint) => (endpoint.host.clone(), endpoint.port, endpoint.host),
        None => (
            instance.endpoints.internal.connection_string.clone(),
            instance.endpoints.internal.port,
            instance.endpoints.internal.ip_address.clone(),
        ),
    }
}
