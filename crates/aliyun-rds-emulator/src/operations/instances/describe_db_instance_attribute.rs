//! `DescribeDBInstanceAttribute`: the details of one instance, as
//! `Items.DBInstanceAttribute[]` with a single entry. Each answer is one
//! poll of the instance's change in progress, if any (see the pace).

use serde_json::{json, Value};

use super::super::{OperationOutput, OperationRequest};
use super::{instance_fields, internal_endpoint};
use crate::clock::format_timestamp;
use crate::error::ApiError;
use crate::model::Model;

pub(crate) fn handle(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    let id = request.required("DBInstanceId")?;
    model.poll(id, request.now_millis());
    let instance = model.find(id).map_err(|refusal| request.refuse(refusal))?;
    let (_, port, _) = internal_endpoint(model, instance);
    let mut fields = instance_fields(model, instance);
    let settings = &instance.settings;
    let extra = json!({
        "CreationTime": format_timestamp(instance.created),
        "Port": port.to_string(),
        "DBInstanceStorage": instance.storage_gb,
        "IPType": "IPv4",
        "SecurityIPMode": instance.whitelist.mode,
        "SecurityIPList": instance.whitelist.all_entries(),
        "MaintainTime": settings.maintain_time,
        "AutoUpgradeMinorVersion": settings.value("AutoUpgradeMinorVersion"),
        "ReadonlyInstanceSQLDelayedTime": settings.value("ReadSQLReplicationTime"),
        "AccountMaxQuantity": 500,
        "DBMaxQuantity": 500,
        "Collation": if instance.engine == "SQLServer" { settings.value("Collation") } else { String::new() },
        "TimeZone": if instance.engine == "SQLServer" { settings.value("Timezone") } else { String::new() },
        "SlaveZones": { "SlaveZone": [] },
        "DBClusterNodes": { "DBClusterNode": [] },
        "Extra": { "DBInstanceIds": { "DBInstanceId": [instance.id.clone()] } },
    });
    if let (Value::Object(fields), Value::Object(extra)) = (&mut fields, extra) {
        fields.extend(extra);
    }
    request.answer(json!({
        "Items": { "DBInstanceAttribute": [fields] }
    }))
}
