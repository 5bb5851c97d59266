//! Tests of the whole import, driven through [`super::import`] on the saved
//! metadata in `xtask/fixtures/import/` and spec copies in temporary
//! directories (the real `spec/` tree is never written).

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::pagination::Proposal;
use super::report::{Impact, OperationStatus};
use super::{import, ImportArgs, ImportError, ImportOutcome};
use crate::spec::pagination::{PaginationSpec, PaginationStyle};
use crate::spec::{OperationSpec, TypeName};

const OPERATION: &str = "ActivateMigrationTargetInstance";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

fn full_document() -> PathBuf {
    fixture("Rds-2014-08-15.api-docs.en-US.json")
}

/// A product directory with `product.json` and, optionally, the 2024 spec
/// of ActivateMigrationTargetInstance (written by hand from the doc page).
fn spec_dir(with_2024_spec: bool) -> TempDir {
    let directory = TempDir::new().expect("create a temporary directory");
    fs::copy(
        fixture("product.json"),
        directory.path().join("product.json"),
    )
    .expect("copy product.json");
    let operations = directory.path().join("operations");
    fs::create_dir(&operations).expect("create operations/");
    if with_2024_spec {
        fs::copy(
            fixture("ActivateMigrationTargetInstance.spec-2024.json"),
            operations.join("ActivateMigrationTargetInstance.json"),
        )
        .expect("copy the 2024 spec");
    }
    directory
}

fn args(api_docs: PathBuf, spec_dir: &Path, operations: &[&str], dry_run: bool) -> ImportArgs {
    ImportArgs {
        api_docs: Some(api_docs),
        sdk_metadata: None,
        operations: operations.iter().map(|name| name.to_string()).collect(),
        all: operations.is_empty(),
        dry_run,
        spec_dir: Some(spec_dir.to_path_buf()),
    }
}

fn run_import(args: &ImportArgs) -> (Result<ImportOutcome, ImportError>, String) {
    let mut out = Vec::new();
    let result = import(args, &mut out);
    (result, String::from_utf8(out).expect("the report is UTF-8"))
}

fn read_spec(directory: &Path, name: &str) -> OperationSpec {
    let file = directory.join("operations").join(format!("{name}.json"));
    let text = fs::read_to_string(&file).expect("read a written spec");
    serde_json::from_str(&text).expect("a written spec parses")
}

#[test]
fn the_hand_written_spec_renders_back_byte_for_byte() {
    // The importer writes files through the spec model; a file it did not
    // change must come out exactly as it went in, key order included.
    let file = fixture("ActivateMigrationTargetInstance.spec-2024.json");
    let text = fs::read_to_string(&file).expect("read the fixture");
    let spec: OperationSpec = serde_json::from_str(&text).expect("the fixture parses");
    assert_eq!(super::render_operation(&spec, &file).expect("render"), text);
}

#[test]
fn reimporting_the_2025_metadata_over_the_2024_spec_reports_the_error_table_changes() {
    let directory = spec_dir(true);
    let spec_file = directory
        .path()
        .join("operations/ActivateMigrationTargetInstance.json");
    let before = fs::read_to_string(&spec_file).expect("read the copy");
    let (result, printed) = run_import(&args(
        fixture("ActivateMigrationTargetInstance.api-docs.json"),
        directory.path(),
        &[OPERATION],
        true,
    ));
    let outcome = result.expect("the import succeeds");

    assert_eq!(outcome.reports.len(), 1);
    let report = &outcome.reports[0];
    assert_eq!(report.status, OperationStatus::Updated);
    let find = |subject: &str| {
        report
            .changes
            .iter()
            .filter(|change| change.subject == subject)
            .collect::<Vec<_>>()
    };

    let added = find("error 400 ProductInstanceReleased");
    assert_eq!(added.len(), 1, "{printed}");
    assert_eq!(added[0].impact, Impact::Additive);
    assert!(
        added[0].detail.starts_with("row added"),
        "{}",
        added[0].detail
    );

    // The 2024 table documented BasicInfoUncompleted twice (". Complete"
    // and ", Complete"); the 2025 table keeps only the first row.
    let basic_info = find("error 400 BasicInfoUncompleted");
    assert_eq!(basic_info.len(), 1, "{printed}");
    assert_eq!(basic_info[0].impact, Impact::Changed);
    assert!(
        basic_info[0]
            .detail
            .contains("row removed (message \"Your information is incomplete, Complete"),
        "{}",
        basic_info[0].detail
    );
    assert!(basic_info[0].detail.contains("stays documented"));

    // The code stays in the enum, so nothing in the report is breaking.
    assert_eq!(report.breaking_count(), 0, "{printed}");
    assert!(printed.contains("additive  error 400 ProductInstanceReleased: row added"));
    assert!(printed.contains("changed   error 400 BasicInfoUncompleted: row removed"));
    assert!(printed.contains("dry run: nothing written"));

    // A dry run writes nothing.
    assert!(outcome.written.is_empty());
    assert_eq!(fs::read_to_string(&spec_file).expect("read again"), before);
}

#[test]
fn reimporting_keeps_what_the_metadata_lacks() {
    let directory = spec_dir(true);
    let spec_file = directory
        .path()
        .join("operations/ActivateMigrationTargetInstance.json");
    // Overrides a reviewer might have added by hand.
    let mut existing: OperationSpec =
        serde_json::from_str(&fs::read_to_string(&spec_file).expect("read")).expect("parse");
    existing.rust_name = Some("activate_migration_target".to_string());
    existing.parameters[0].rust_name = Some("instance_name".to_string());
    existing.response.fields[0].rust_name = Some("destination_instance_name".to_string());
    let pay_row = existing
        .errors
        .iter_mut()
        .find(|row| row.code == "pay.noCreditCard")
        .expect("the 2024 table has pay.noCreditCard");
    pay_row.rust_name = Some("PayNoCreditCardLegacy".to_string());
    fs::write(
        &spec_file,
        super::render_operation(&existing, &spec_file).expect("render"),
    )
    .expect("write the edited copy");

    let (result, printed) = run_import(&args(
        full_document(),
        directory.path(),
        &[OPERATION],
        false,
    ));
    let outcome = result.expect("the import succeeds");
    assert_eq!(outcome.written, vec![spec_file.clone()], "{printed}");
    let spec = read_spec(directory.path(), OPERATION);

    assert_eq!(spec.documentation, existing.documentation);
    assert_eq!(spec.engines, Some(vec!["PostgreSQL".to_string()]));
    assert_eq!(spec.rust_name.as_deref(), Some("activate_migration_target"));
    assert_eq!(
        spec.parameters[0].rust_name.as_deref(),
        Some("instance_name")
    );
    let field = spec
        .response
        .fields
        .iter()
        .find(|field| field.name == "DBInstanceName")
        .expect("DBInstanceName is still documented");
    assert_eq!(
        field.rust_name.as_deref(),
        Some("destination_instance_name")
    );

    let row = |code: &str| {
        spec.errors
            .iter()
            .find(|row| row.code == code)
            .unwrap_or_else(|| panic!("{code} is documented"))
    };
    // Unchanged row: description kept by status, code and message.
    assert_eq!(
        row("IncorrectDBInstanceState").description.as_deref(),
        Some("The operation is not supported. The RDS instance is not in a ready state.")
    );
    // Reworded row: description kept by status and code.
    assert_eq!(
        row("RegionEndTimeDissolvedIndia").message,
        "The region is no longer supported."
    );
    assert!(row("RegionEndTimeDissolvedIndia")
        .description
        .as_deref()
        .is_some_and(|text| text.starts_with("Cloud services in the India (Mumbai) region")));
    assert_eq!(
        row("pay.noCreditCard").rust_name.as_deref(),
        Some("PayNoCreditCardLegacy")
    );
    // The new row has no description: the metadata has none to give.
    assert_eq!(row("ProductInstanceReleased").description, None);
    assert_eq!(
        spec.errors
            .iter()
            .filter(|row| row.code == "BasicInfoUncompleted")
            .count(),
        1
    );
    // The metadata's texts win where it has them, without trailing newlines.
    assert_eq!(spec.title, "ActivateMigrationTargetInstance");
    assert_eq!(
        spec.parameters[0].description.as_deref(),
        Some("The instance ID. You can call the DescribeDBInstances operation to query the instance ID.")
    );

    // A second import changes nothing and writes nothing.
    let (again, printed) = run_import(&args(
        full_document(),
        directory.path(),
        &[OPERATION],
        false,
    ));
    let again = again.expect("the second import succeeds");
    assert!(again.written.is_empty(), "{printed}");
    assert_eq!(
        again.reports[0].status,
        OperationStatus::Unchanged,
        "{printed}"
    );
}

#[test]
fn every_operation_of_the_full_document_imports_and_validates() {
    let directory = spec_dir(false);
    let (result, printed) = run_import(&args(full_document(), directory.path(), &[], false));
    let outcome = result.unwrap_or_else(|error| panic!("{error}\n{printed}"));
    assert_eq!(outcome.reports.len(), 313);
    // Every operation, and product.json with the feature groups derived
    // from the documentation's sections.
    assert_eq!(outcome.written.len(), 314);
    assert!(outcome
        .written
        .iter()
        .any(|file| file.ends_with(crate::spec::load::PRODUCT_FILE)));
    assert!(outcome
        .reports
        .iter()
        .all(|report| report.status == OperationStatus::New));
    assert!(printed.contains("313 operation(s): 313 new, 0 updated, 0 unchanged, 0 removed"));
    assert!(
        printed.contains("feature groups: 37 of 37 derived"),
        "{printed}"
    );

    // The spec module, which `cargo xtask codegen` uses, accepts the result.
    let loaded = crate::spec::load_product(directory.path())
        .unwrap_or_else(|errors| panic!("the imported specs do not load: {errors}"));
    assert_eq!(loaded.operations.len(), 313);
    let instances = loaded
        .product
        .feature_groups
        .iter()
        .find(|group| group.name == "instances")
        .expect("the instances group");
    assert!(instances
        .operations
        .contains(&"CreateDBInstance".to_owned()));
    // And so does name resolution, with every group and operation feature.
    let product_file = directory.path().join(crate::spec::load::PRODUCT_FILE);
    crate::resolve::resolve(&loaded, &product_file)
        .unwrap_or_else(|errors| panic!("the imported specs do not resolve: {errors}"));

    // Nothing keeps the metadata's trailing newline.
    for operation in &loaded.operations {
        let spec = &operation.spec;
        assert!(!spec.summary.ends_with('\n'), "{}", spec.name);
        for parameter in &spec.parameters {
            assert!(
                !parameter
                    .description
                    .as_deref()
                    .unwrap_or("")
                    .ends_with('\n'),
                "{}.{}",
                spec.name,
                parameter.name
            );
        }
    }

    // Importing the same document again is a no-op.
    let (again, printed) = run_import(&args(full_document(), directory.path(), &[], true));
    let again = again.expect("the second import succeeds");
    assert!(
        again
            .reports
            .iter()
            .all(|report| report.status == OperationStatus::Unchanged),
        "{printed}"
    );
}

/// Converts a few operations of the full document into a temporary
/// directory and returns them.
fn imported(names: &[&str]) -> (TempDir, Vec<OperationSpec>) {
    let directory = spec_dir(false);
    let (result, printed) = run_import(&args(full_document(), directory.path(), names, false));
    result.unwrap_or_else(|error| panic!("{error}\n{printed}"));
    let specs = names
        .iter()
        .map(|name| read_spec(directory.path(), name))
        .collect();
    (directory, specs)
}

fn parameter<'a>(spec: &'a OperationSpec, name: &str) -> &'a crate::spec::Parameter {
    spec.parameters
        .iter()
        .find(|parameter| parameter.name == name)
        .unwrap_or_else(|| panic!("{}.{name} exists", spec.name))
}

fn field<'a>(fields: &'a [crate::spec::Field], name: &str) -> &'a crate::spec::Field {
    fields
        .iter()
        .find(|field| field.name == name)
        .unwrap_or_else(|| panic!("field {name} exists"))
}

#[test]
fn parameter_styles_and_types_map_to_the_spec_format() {
    use crate::spec::ParameterStyle;
    let (_directory, specs) = imported(&[
        "CreateDBInstance",
        "ListTagResources",
        "ConfirmNotify",
        "AttachRCInstances",
        "DescribeDBInstanceDetail",
    ]);
    let [create, list_tags, confirm, attach, detail] = &specs[..] else {
        panic!("five specs");
    };

    // repeatList list of objects, with its fields.
    let tag = parameter(create, "Tag");
    assert_eq!(tag.style, Some(ParameterStyle::RepeatList));
    let tag_items = tag.items.as_deref().expect("Tag has items");
    assert_eq!(tag_items.type_name, TypeName::Object);
    let tag_fields: Vec<&str> = tag_items
        .fields
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|field| field.name.as_str())
        .collect();
    assert_eq!(tag_fields, ["Key", "Value"]);

    // json object with fields; numbers with format double.
    let serverless = parameter(create, "ServerlessConfig");
    assert_eq!(serverless.style, Some(ParameterStyle::Json));
    assert_eq!(serverless.type_name, TypeName::Object);
    let serverless_fields = serverless.fields.as_deref().unwrap_or_default();
    assert_eq!(
        field(serverless_fields, "MaxCapacity").type_name,
        TypeName::Number
    );

    // Enums on strings; int32 parameters.
    assert_eq!(
        parameter(create, "StorageAutoScale").enum_values.as_deref(),
        Some(&["Enable".to_string(), "Disable".to_string()][..])
    );
    assert_eq!(
        parameter(create, "DBInstanceStorage").type_name,
        TypeName::Int32
    );

    // repeatList list of strings.
    let resource_id = parameter(list_tags, "ResourceId");
    assert_eq!(resource_id.style, Some(ParameterStyle::RepeatList));
    assert_eq!(
        resource_id.items.as_deref().map(|items| items.type_name),
        Some(TypeName::String)
    );

    // json list of int64 in a form body.
    let notify_ids = parameter(confirm, "NotifyIdList");
    assert_eq!(notify_ids.style, Some(ParameterStyle::Json));
    assert_eq!(
        notify_ids.items.as_deref().map(|items| items.type_name),
        Some(TypeName::Int64)
    );
    assert_eq!(
        confirm.request.parameter_location,
        crate::spec::ParameterLocation::FormData
    );

    // A comma-joined ("simple") list becomes the string that goes on the wire.
    let instance_ids = parameter(attach, "InstanceIds");
    assert_eq!(instance_ids.type_name, TypeName::String);
    assert_eq!(instance_ids.style, None);
    assert!(instance_ids.required);
    assert!(instance_ids
        .description
        .as_deref()
        .is_some_and(|text| text.ends_with("Separate multiple values with commas (,).")));
    assert_eq!(
        instance_ids.example.as_deref(),
        Some("rc-e2g521l55k038cr8****")
    );

    // A parameter listed twice is one parameter, required.
    let instance_id: Vec<_> = detail
        .parameters
        .iter()
        .filter(|parameter| parameter.name == "DBInstanceId")
        .collect();
    assert_eq!(instance_id.len(), 1);
    assert!(instance_id[0].required);
}

#[test]
fn responses_keep_nesting_order_and_free_form_values() {
    let (_directory, specs) = imported(&[
        "DescribeDBInstances",
        "DescribePrice",
        "DescribeDatabases",
        "CreateDBInstance",
    ]);
    let [instances, price, databases, create] = &specs[..] else {
        panic!("four specs");
    };

    // Fields come in the metadata's order, which is not alphabetical here.
    let create_fields: Vec<&str> = create
        .response
        .fields
        .iter()
        .map(|field| field.name.as_str())
        .collect();
    assert_eq!(
        create_fields,
        [
            "DryRunResult",
            "TagResult",
            "RequestId",
            "ConnectionString",
            "Message",
            "DBInstanceId",
            "Port",
            "TaskId",
            "DryRun",
            "OrderId"
        ]
    );

    // Items.DBInstance[] is an array of objects two levels down, with the
    // metadata's property order kept.
    let items = field(&instances.response.fields, "Items");
    assert_eq!(items.type_name, TypeName::Object);
    let instance = field(items.fields.as_deref().unwrap_or_default(), "DBInstance");
    assert_eq!(instance.type_name, TypeName::Array);
    let instance_item = instance.items.as_deref().expect("DBInstance has items");
    assert_eq!(instance_item.type_name, TypeName::Object);
    let names: Vec<&str> = instance_item
        .fields
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|field| field.name.as_str())
        .collect();
    assert!(names.len() > 30, "{names:?}");
    assert!(names.contains(&"DBInstanceId"));
    // An `any` field and numbers of format float.
    let price_info = field(&price.response.fields, "PriceInfo");
    let price_fields = price_info.fields.as_deref().unwrap_or_default();
    assert_eq!(field(price_fields, "OrderLines").type_name, TypeName::Any);
    assert_eq!(
        field(price_fields, "TradePrice").type_name,
        TypeName::Number
    );
    assert!(price
        .sample_response
        .as_deref()
        .is_some_and(|text| text.starts_with('{')));

    // An object without documented properties is free-form JSON.
    let database = field(
        field(&databases.response.fields, "Databases")
            .fields
            .as_deref()
            .unwrap_or_default(),
        "Database",
    );
    let database_fields = database
        .items
        .as_deref()
        .and_then(|items| items.fields.as_deref())
        .unwrap_or_default();
    let advanced = field(database_fields, "AdvancedInfo");
    let property = field(
        advanced.fields.as_deref().unwrap_or_default(),
        "AdvancedDbProperty",
    );
    assert_eq!(
        property.items.as_deref().map(|items| items.type_name),
        Some(TypeName::Any)
    );
}

#[test]
fn methods_deprecation_idempotency_and_odd_error_codes() {
    let (_directory, specs) = imported(&[
        "DescribeDBInstanceConnectivity",
        "DescribeDBInstancesForClone",
        "ConfirmNotify",
        "DescribeComputeBurstConfig",
        "CreateSecret",
        "DescribeDBInstancesAsCsv",
        "DescribeHostGroupElasticStrategyParameters",
    ]);
    let [get_only, deprecated, confirm, burst, secret, csv, host_group] = &specs[..] else {
        panic!("seven specs");
    };
    assert_eq!(get_only.request.method, crate::spec::HttpMethod::Get);
    assert_eq!(deprecated.request.method, crate::spec::HttpMethod::Post);
    assert_eq!(deprecated.deprecated, Some(true));
    assert_eq!(get_only.deprecated, Some(false));

    // Tagged `get`, but a write by its name.
    assert_eq!(confirm.idempotency.operation_type, "get");
    assert!(!confirm.idempotency.idempotent);
    // Tagged `none`, a read by its name.
    assert_eq!(burst.idempotency.operation_type, "none");
    assert!(burst.idempotency.idempotent);
    // Not tagged at all.
    assert_eq!(secret.idempotency.operation_type, "none");
    assert!(!secret.idempotency.idempotent);

    // A numeric code gets a usable variant name.
    let numeric = csv
        .errors
        .iter()
        .find(|row| row.code == "400")
        .expect("the 400 code row");
    assert_eq!(numeric.rust_name.as_deref(), Some("Code400"));
    // A stray tab does not make a second code.
    assert!(host_group
        .errors
        .iter()
        .all(|row| row.code.trim() == row.code));
    assert_eq!(
        host_group
            .errors
            .iter()
            .filter(|row| row.code == "HostInfo.NotFound")
            .count(),
        2
    );
}

#[test]
fn operations_missing_from_the_metadata_are_reported_not_deleted() {
    let directory = spec_dir(true);
    let orphan = directory.path().join("operations/RetiredOperation.json");
    let mut spec: OperationSpec = serde_json::from_str(
        &fs::read_to_string(fixture("ActivateMigrationTargetInstance.spec-2024.json"))
            .expect("read"),
    )
    .expect("parse");
    spec.name = "RetiredOperation".to_string();
    fs::write(
        &orphan,
        super::render_operation(&spec, &orphan).expect("render"),
    )
    .expect("write");

    let (result, printed) = run_import(&args(full_document(), directory.path(), &[], true));
    let outcome = result.expect("the import succeeds");
    let retired = outcome
        .reports
        .iter()
        .find(|report| report.operation == "RetiredOperation")
        .expect("the orphan is reported");
    assert_eq!(retired.status, OperationStatus::Removed);
    assert_eq!(retired.breaking_count(), 1);
    assert!(printed.contains("RetiredOperation: removed"));
    assert!(orphan.exists());
}

#[test]
fn breaking_changes_are_marked() {
    let directory = spec_dir(true);
    let spec_file = directory
        .path()
        .join("operations/ActivateMigrationTargetInstance.json");
    let mut old: OperationSpec =
        serde_json::from_str(&fs::read_to_string(&spec_file).expect("read")).expect("parse");
    // Pretend the old spec had what the metadata now lacks or has otherwise.
    old.parameters
        .retain(|parameter| parameter.name != "SwitchTime");
    old.parameters
        .iter_mut()
        .find(|parameter| parameter.name == "ForceSwitch")
        .expect("ForceSwitch")
        .required = true;
    let mut gone = old.parameters[0].clone();
    gone.name = "RemovedParameter".to_string();
    old.parameters.push(gone);
    old.response
        .fields
        .iter_mut()
        .find(|field| field.name == "TaskId")
        .expect("TaskId")
        .type_name = TypeName::String;
    let mut gone_row = old.errors[0].clone();
    gone_row.code = "Gone.Code".to_string();
    old.errors.push(gone_row);
    fs::write(
        &spec_file,
        super::render_operation(&old, &spec_file).expect("render"),
    )
    .expect("write");

    let (result, printed) =
        run_import(&args(full_document(), directory.path(), &[OPERATION], true));
    let report = &result.expect("the import succeeds").reports[0];
    let impact_of = |subject: &str| {
        report
            .changes
            .iter()
            .find(|change| change.subject == subject)
            .map(|change| change.impact)
            .unwrap_or_else(|| panic!("no change for {subject}:\n{printed}"))
    };
    assert_eq!(impact_of("parameter SwitchTime"), Impact::Additive);
    assert_eq!(impact_of("parameter ForceSwitch"), Impact::Breaking);
    assert_eq!(impact_of("parameter RemovedParameter"), Impact::Breaking);
    assert_eq!(impact_of("response field TaskId"), Impact::Breaking);
    assert_eq!(impact_of("error 400 Gone.Code"), Impact::Breaking);
    assert_eq!(report.breaking_count(), 4, "{printed}");
    assert!(printed.contains("BREAKING  parameter RemovedParameter: removed"));
    assert!(printed.contains("type changed from string to int64"));
}

#[test]
fn bad_input_names_the_file_the_operation_and_the_json_path() {
    let directory = spec_dir(false);
    let scratch = TempDir::new().expect("create a temporary directory");
    let write = |name: &str, text: &str| {
        let path = scratch.path().join(name);
        fs::write(&path, text).expect("write a test document");
        path
    };
    let import_error = |document: PathBuf, operations: &[&str]| {
        let (result, _) = run_import(&args(document, directory.path(), operations, true));
        result.expect_err("the import fails").to_string()
    };

    let message = import_error(scratch.path().join("missing.json"), &[]);
    assert!(
        message.contains("missing.json: cannot read the file"),
        "{message}"
    );

    let broken = write("broken.json", "{\"apis\": {");
    let message = import_error(broken, &[]);
    assert!(message.contains("broken.json"), "{message}");
    assert!(message.contains("EOF"), "{message}");

    let wrong_shape = write(
        "shape.json",
        r#"{"apis": {"Op": {"parameters": [{"name": "A", "in": "query", "schema": 5}]}}}"#,
    );
    let message = import_error(wrong_shape, &[]);
    assert!(
        message.contains("shape.json: /apis/Op/parameters/0/schema:"),
        "{message}"
    );

    let message = import_error(full_document(), &["DescribeRegion"]);
    assert!(
        message.contains("no operation named \"DescribeRegion\" among their 313 operations"),
        "{message}"
    );

    let unknown_type = write(
        "type.json",
        r#"{"apis": {"Op": {"methods": ["post"], "parameters": [
            {"name": "A", "in": "query", "schema": {"type": "strin"}}]}}}"#,
    );
    let message = import_error(unknown_type, &["Op"]);
    assert!(
        message.contains(
            "type.json: operation Op: /apis/Op/parameters/0/schema/type: unknown type \"strin\""
        ),
        "{message}"
    );

    let unknown_nested_type = write(
        "nested.json",
        r#"{"apis": {"Op": {"methods": ["post"], "responses": {"200": {"schema": {
            "type": "object", "properties": {"Items": {"type": "array",
            "items": {"type": "tuple"}}}}}}}}}"#,
    );
    let message = import_error(unknown_nested_type, &["Op"]);
    assert!(
        message.contains(
            "/apis/Op/responses/200/schema/properties/Items/items/type: unknown type \"tuple\""
        ),
        "{message}"
    );

    let unknown_style = write(
        "style.json",
        r#"{"apis": {"Op": {"methods": ["post"], "parameters": [{"name": "A", "in": "query",
            "style": "spaceDelimited", "schema": {"type": "array", "items": {"type": "string"}}}]}}}"#,
    );
    let message = import_error(unknown_style, &["Op"]);
    assert!(
        message.contains("/apis/Op/parameters/0/style: unknown parameter style"),
        "{message}"
    );

    let unknown_location = write(
        "location.json",
        r#"{"apis": {"Op": {"methods": ["post"], "parameters": [{"name": "A", "in": "header",
            "schema": {"type": "string"}}]}}}"#,
    );
    let message = import_error(unknown_location, &["Op"]);
    assert!(
        message.contains("/apis/Op/parameters/0/in: unknown parameter location \"header\""),
        "{message}"
    );

    let other_version = write(
        "version.json",
        r#"{"info": {"style": "RPC", "product": "Rds", "version": "2099-01-01"}, "apis": {}}"#,
    );
    let message = import_error(other_version, &[]);
    assert!(
        message.contains("/info/version: the document describes version 2099-01-01"),
        "{message}"
    );
}

#[test]
fn a_broken_existing_spec_is_an_error_not_an_overwrite() {
    let directory = spec_dir(false);
    let spec_file = directory
        .path()
        .join("operations/ActivateMigrationTargetInstance.json");
    fs::write(
        &spec_file,
        r#"{"name": "ActivateMigrationTargetInstance", "titel": "x"}"#,
    )
    .expect("write");
    let (result, _) = run_import(&args(
        full_document(),
        directory.path(),
        &[OPERATION],
        false,
    ));
    let message = result.expect_err("the import fails").to_string();
    assert!(
        message.contains("ActivateMigrationTargetInstance.json"),
        "{message}"
    );
    assert!(message.contains("titel"), "{message}");
    assert!(fs::read_to_string(&spec_file)
        .expect("read")
        .contains("titel"));
}

#[test]
fn idempotency_follows_the_documented_rule() {
    use super::convert::is_idempotent;
    assert!(is_idempotent("get", "DescribeRegions"));
    assert!(is_idempotent("list", "DescribeHistoryEvents"));
    assert!(is_idempotent("get", "CalculateDBInstanceWeight"));
    assert!(!is_idempotent("get", "CreateOrderForDeleteDBNodes"));
    assert!(!is_idempotent(
        "get",
        "UpgradeDBInstanceMajorVersionPrecheck"
    ));
    assert!(is_idempotent("none", "DescribeComputeBurstConfig"));
    assert!(!is_idempotent("none", "ModifyComputeBurstConfig"));
    assert!(!is_idempotent("create", "CreateDBInstance"));
    assert!(!is_idempotent("update", "DescribeSomething"));
    assert!(!is_idempotent("delete", "DeleteDBInstance"));
}

#[test]
fn shapes_absent_from_the_rds_document_map_as_documented() {
    let directory = spec_dir(false);
    let scratch = TempDir::new().expect("create a temporary directory");
    let document = scratch.path().join("synthetic.json");
    // Shapes the converter supports although the RDS document lacks them:
    // a body parameter, an integer without format, an integer enum, a
    // deprecated parameter, an array without items, an explicit flat style,
    // a success body documented under 201 only, no JSON sample, GET only,
    // no system tags.
    fs::write(
        &document,
        r#"{"info": {"style": "RPC", "product": "Rds", "version": "2014-08-15"}, "apis": {
          "DescribeSynthetic": {
            "summary": "A synthetic operation.\n",
            "methods": ["get"],
            "parameters": [
              {"name": "Body", "in": "body", "schema": {"type": "string", "required": true}},
              {"name": "Count", "in": "query", "schema": {"type": "integer", "enum": ["1", "2"]}},
              {"name": "Old", "in": "query", "schema": {"type": "boolean", "deprecated": true}},
              {"name": "Flat", "in": "query", "style": "flat",
               "schema": {"type": "object", "properties": {"A": {"type": "number", "format": "float"}}}},
              {"name": "Loose", "in": "query", "style": "json", "schema": {"type": "array"}}
            ],
            "responses": {"201": {"schema": {"type": "object", "properties": {
              "Nested": {"type": "array", "items": {"type": "array", "items": {"type": "object",
                "properties": {"Deep": {"type": "string", "enum": ["x", "y"], "description": "Deep.\n"}}}}}}}}},
            "errorCodes": {"409": [{"errorCode": "Conflict", "errorMessage": "In use.\n"}]},
            "responseDemo": "[{\"type\":\"xml\",\"example\":\"<a/>\"}]"
          }}}"#,
    )
    .expect("write the synthetic document");
    let (result, printed) = run_import(&args(
        document,
        directory.path(),
        &["DescribeSynthetic"],
        false,
    ));
    result.unwrap_or_else(|error| panic!("{error}\n{printed}"));
    let spec = read_spec(directory.path(), "DescribeSynthetic");

    assert_eq!(
        spec.title, "DescribeSynthetic",
        "an empty title falls back to the name"
    );
    assert_eq!(spec.summary, "A synthetic operation.");
    assert_eq!(spec.request.method, crate::spec::HttpMethod::Get);
    assert_eq!(
        spec.request.parameter_location,
        crate::spec::ParameterLocation::FormData
    );
    assert_eq!(spec.idempotency.operation_type, "none");
    assert!(
        spec.idempotency.idempotent,
        "untagged, and a read by its name"
    );

    let count = parameter(&spec, "Count");
    assert_eq!(count.type_name, TypeName::Int64);
    assert_eq!(count.enum_values, None, "the spec has no integer enums");
    assert_eq!(parameter(&spec, "Old").deprecated, Some(true));
    assert!(parameter(&spec, "Body").required);
    let flat = parameter(&spec, "Flat");
    assert_eq!(flat.style, None);
    assert_eq!(
        field(flat.fields.as_deref().unwrap_or_default(), "A").type_name,
        TypeName::Number
    );
    let loose = parameter(&spec, "Loose");
    assert_eq!(
        loose.items.as_deref().map(|items| items.type_name),
        Some(TypeName::Any)
    );

    let nested = field(&spec.response.fields, "Nested");
    let inner = nested
        .items
        .as_deref()
        .and_then(|items| items.items.as_deref())
        .expect("an array of arrays");
    let deep = field(inner.fields.as_deref().unwrap_or_default(), "Deep");
    assert_eq!(deep.description.as_deref(), Some("Deep."));
    assert_eq!(
        deep.enum_values.as_deref(),
        Some(&["x".to_string(), "y".to_string()][..])
    );
    assert_eq!(spec.sample_response, None);
    assert_eq!(spec.errors[0].http_status, 409);
    assert_eq!(spec.errors[0].message, "In use.");
}

#[test]
fn reimporting_keeps_hand_written_waiters() {
    let directory = spec_dir(true);
    let spec_file = directory
        .path()
        .join("operations/ActivateMigrationTargetInstance.json");
    let mut existing: OperationSpec =
        serde_json::from_str(&fs::read_to_string(&spec_file).expect("read")).expect("parse");
    let waiters: Vec<crate::spec::waiter::WaiterSpec> = serde_json::from_value(serde_json::json!([{
        "name": "SwitchedOver",
        "summary": "Waits until the answer names the instance.",
        "minDelaySeconds": 2,
        "maxDelaySeconds": 20,
        "acceptors": [
            { "state": "success", "conditions": [ { "path": "DBInstanceName", "equals": "pgm-a" } ] }
        ],
        "retryOnErrors": ["Throttling.User"]
    }]))
    .expect("a valid waiter");
    existing.waiters = Some(waiters);
    fs::write(
        &spec_file,
        super::render_operation(&existing, &spec_file).expect("render"),
    )
    .expect("write the edited copy");

    let (result, printed) = run_import(&args(
        full_document(),
        directory.path(),
        &[OPERATION],
        false,
    ));
    result.expect("the import succeeds");
    let spec = read_spec(directory.path(), OPERATION);
    assert_eq!(spec.waiters, existing.waiters, "{printed}");
    assert!(
        fs::read_to_string(&spec_file)
            .expect("read the written spec")
            .contains("\"retryOnErrors\""),
        "the waiter is written back in the spec format"
    );
}

#[test]
fn where_the_example_contradicts_the_schema_the_spec_follows_the_example_and_says_so() {
    let directory = spec_dir(false);
    let names = ["DescribeSlowLogRecords", "DescribeDBInstanceAttribute"];
    let (result, printed) = run_import(&args(full_document(), directory.path(), &names, false));
    result.unwrap_or_else(|error| panic!("{error}\n{printed}"));
    assert!(
        printed
            .contains("response field Items.SQLSlowRecord[].CpuTime: widened from int64 to number"),
        "{printed}"
    );
    assert!(
        printed.contains("response field Items.DBInstanceAttribute[].BpeEnabled: added as string"),
        "{printed}"
    );
    let slow_logs = read_spec(directory.path(), "DescribeSlowLogRecords");
    let items = field(&slow_logs.response.fields, "Items");
    let records = field(items.fields.as_deref().unwrap_or_default(), "SQLSlowRecord");
    let record_fields = records
        .items
        .as_ref()
        .and_then(|items| items.fields.as_deref())
        .unwrap_or_default();
    assert_eq!(field(record_fields, "CpuTime").type_name, TypeName::Number);
}

#[test]
fn paged_operations_get_a_proposed_block_of_the_right_style() {
    let directory = spec_dir(false);
    let names = [
        "DescribeDBInstances",
        "DescribeBackups",
        "ListTagResources",
        "QueryNotify",
        "DescribeMetaList",
        "DescribeRegions",
    ];
    let (result, printed) = run_import(&args(full_document(), directory.path(), &names, false));
    let outcome = result.expect("the import succeeds");

    // Both styles documented: the token style is chosen.
    let instances = read_spec(directory.path(), "DescribeDBInstances");
    let block = instances.pagination.expect("DescribeDBInstances is paged");
    assert_eq!(block.style, PaginationStyle::NextToken);
    assert_eq!(block.token_parameter.as_deref(), Some("NextToken"));
    assert_eq!(block.max_results_parameter.as_deref(), Some("MaxResults"));
    assert_eq!(block.default_page_size, Some(30));
    assert_eq!(block.next_token_path.as_deref(), Some("NextToken"));
    assert_eq!(block.items_path, "Items.DBInstance");
    assert_eq!(block.page_number_parameter, None);

    // A total documented as a string is still a total.
    let backups = read_spec(directory.path(), "DescribeBackups")
        .pagination
        .expect("DescribeBackups is paged");
    assert_eq!(backups.style, PaginationStyle::PageNumber);
    assert_eq!(backups.page_number_parameter.as_deref(), Some("PageNumber"));
    assert_eq!(backups.page_size_parameter.as_deref(), Some("PageSize"));
    assert_eq!(backups.total_path.as_deref(), Some("TotalRecordCount"));
    assert_eq!(backups.items_path, "Items.Backup");

    // No MaxResults: a token block without a page size.
    let tags = read_spec(directory.path(), "ListTagResources")
        .pagination
        .expect("ListTagResources is paged");
    assert_eq!(tags.max_results_parameter, None);
    assert_eq!(tags.items_path, "TagResources.TagResource");

    // The total and the items inside an object.
    let notify = read_spec(directory.path(), "QueryNotify")
        .pagination
        .expect("QueryNotify is paged");
    assert_eq!(notify.total_path.as_deref(), Some("Data.TotalRecordCount"));
    assert_eq!(notify.items_path, "Data.NotifyItemList");

    // A page index is left to a person, and said so; an operation that is
    // not paged is not mentioned.
    assert_eq!(
        read_spec(directory.path(), "DescribeMetaList").pagination,
        None
    );
    assert_eq!(
        read_spec(directory.path(), "DescribeRegions").pagination,
        None
    );
    let undecided: Vec<&str> = outcome
        .pagination
        .iter()
        .filter(|(_, proposal)| matches!(proposal, Proposal::Undecided(_)))
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(undecided, ["DescribeMetaList"]);
    assert!(
        printed.contains("pagination: 4 block(s) proposed, 1 operation(s) undecided"),
        "{printed}"
    );
    assert!(
        printed.contains("undecided DescribeMetaList: no block written; pages by PageIndex"),
        "{printed}"
    );
    assert!(
        printed.contains("proposed  DescribeDBInstances: by token"),
        "{printed}"
    );
    assert!(!printed.contains("DescribeRegions: no block"), "{printed}");
}

#[test]
fn reimporting_keeps_a_hand_written_pagination_block() {
    let directory = spec_dir(false);
    let name = "DescribeDBInstances";
    run_import(&args(full_document(), directory.path(), &[name], false))
        .0
        .expect("the first import succeeds");
    let spec_file = directory.path().join(format!("operations/{name}.json"));
    let mut existing = read_spec(directory.path(), name);
    // A person decided to page this operation by number instead.
    let by_number: PaginationSpec = serde_json::from_value(serde_json::json!({
        "style": "pageNumber",
        "pageNumberParameter": "PageNumber",
        "pageSizeParameter": "PageSize",
        "totalPath": "TotalRecordCount",
        "itemsPath": "Items.DBInstance"
    }))
    .expect("a valid block");
    existing.pagination = Some(by_number.clone());
    fs::write(
        &spec_file,
        super::render_operation(&existing, &spec_file).expect("render"),
    )
    .expect("write the edited copy");

    let (result, printed) = run_import(&args(full_document(), directory.path(), &[name], false));
    let outcome = result.expect("the import succeeds");
    assert_eq!(
        read_spec(directory.path(), name).pagination,
        Some(by_number)
    );
    assert!(outcome.pagination.is_empty(), "{printed}");
    assert_eq!(outcome.reports[0].status, OperationStatus::Unchanged);
}

/// A small SDK metadata document, in the shape `sdk_metadata.py` writes:
/// ActivateMigrationTargetInstance as the SDK has it (an undocumented
/// parameter, one in another place, a reserved account field) and an
/// operation api-docs lacks.
fn sdk_document(directory: &Path) -> PathBuf {
    let document = serde_json::json!({
        "source": {"package": "alibabacloud-rds20140815", "version": "16.0.2"},
        "info": {"style": "RPC", "product": "Rds", "version": "2014-08-15"},
        "apis": {
            "ActivateMigrationTargetInstance": {
                "title": "ActivateMigrationTargetInstance",
                "methods": ["post"],
                "parameters": [
                    {"name": "DBInstanceName", "in": "query", "schema": {"type": "string", "required": true}},
                    {"name": "ForceSwitch", "in": "formData", "schema": {"type": "string"}},
                    {"name": "SwitchTime", "in": "query", "schema": {"type": "string"}},
                    {"name": "SwitchTimeMode", "in": "query", "schema": {"type": "integer"}},
                    {"name": "ResourceOwnerId", "in": "query", "schema": {"type": "integer"}},
                    {"name": "Newer", "in": "query", "schema": {"type": "boolean"}}
                ],
                "responses": {"200": {"schema": {"type": "object", "properties": {
                    "DBInstanceName": {"type": "string"},
                    "RequestId": {"type": "string"},
                    "SourceIpAddress": {"type": "string"},
                    "SourcePort": {"type": "integer"},
                    "TaskId": {"type": "integer"}
                }}}}
            },
            "RunRCInstances": {
                "title": "RunRCInstances",
                "methods": ["post"],
                "parameters": [
                    {"name": "InstanceType", "in": "query", "schema": {"type": "string", "required": true, "description": "The instance type."}},
                    {"name": "Amount", "in": "query", "schema": {"type": "integer"}},
                    {"name": "DataDisk", "in": "query", "style": "json", "schema": {"type": "array", "items": {"type": "object", "properties": {"Size": {"type": "integer"}}}}},
                    {"name": "OwnerAccount", "in": "query", "schema": {"type": "string"}}
                ],
                "responses": {"200": {"schema": {"type": "object", "properties": {
                    "InstanceIdSets": {"type": "object", "properties": {"InstanceIdSet": {"type": "array", "items": {"type": "string"}}}},
                    "OrderId": {"type": "string", "description": "The order ID."},
                    "Ready": {"type": "boolean"},
                    "RequestId": {"type": "string"}
                }}}}
            }
        }
    });
    let file = directory.join("sdk-metadata.json");
    fs::write(&file, document.to_string()).expect("write the SDK metadata");
    file
}

fn both_sources(spec_dir: &Path, sdk: PathBuf, operations: &[&str], dry_run: bool) -> ImportArgs {
    ImportArgs {
        sdk_metadata: Some(sdk),
        ..args(
            fixture("ActivateMigrationTargetInstance.api-docs.json"),
            spec_dir,
            operations,
            dry_run,
        )
    }
}

#[test]
fn an_operation_only_the_sdk_describes_is_imported_with_its_origin_common_errors_and_a_synthesized_sample(
) {
    let directory = spec_dir(false);
    let sdk = sdk_document(directory.path());
    let (result, printed) = run_import(&both_sources(directory.path(), sdk, &[], false));
    result.unwrap_or_else(|error| panic!("{error}\n{printed}"));
    assert!(
        printed.contains(
            "sources: 1 operation(s) from api-docs (1 new), 1 from the SDK metadata (1 new)"
        ),
        "{printed}"
    );

    let spec = read_spec(directory.path(), "RunRCInstances");
    assert_eq!(spec.source, Some(crate::spec::OperationSource::SdkMetadata));
    assert_eq!(spec.summary, "Run RDS Custom instances.");
    // The reserved account field is not imported.
    let names: Vec<&str> = spec.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["InstanceType", "Amount", "DataDisk"]);
    assert!(spec.parameters[0].required);
    // The errors every operation can answer: api-docs lists them for its
    // one operation here, so all of that operation's rows (66, with
    // several codes twice) are common; none is invented.
    let activate = read_spec(directory.path(), OPERATION);
    assert_eq!(activate.source, Some(crate::spec::OperationSource::ApiDocs));
    assert!(!spec.errors.is_empty());
    for row in &spec.errors {
        assert!(
            activate
                .errors
                .iter()
                .any(|documented| documented.code == row.code
                    && documented.http_status == row.http_status),
            "{row:?} is not a documented row"
        );
    }
    // The sample is synthesized from the response fields, and says so.
    assert_eq!(spec.sample_response_synthesized, Some(true));
    let sample: serde_json::Value =
        serde_json::from_str(spec.sample_response.as_deref().expect("a sample")).expect("JSON");
    assert_eq!(
        sample,
        serde_json::json!({
            "InstanceIdSets": {"InstanceIdSet": ["InstanceIdSet"]},
            "OrderId": "OrderId",
            "Ready": true,
            "RequestId": "RequestId"
        })
    );
    // api-docs stays authoritative for the operation both describe.
    assert!(activate.parameters.iter().all(|p| p.name != "Newer"));

    // A second import changes nothing.
    let sdk = directory.path().join("sdk-metadata.json");
    let (result, printed) = run_import(&both_sources(directory.path(), sdk, &[], true));
    result.expect("the second import succeeds");
    assert!(
        printed.contains("2 operation(s): 0 new, 0 updated, 2 unchanged, 0 removed"),
        "{printed}"
    );
}

#[test]
fn every_disagreement_of_the_sources_on_a_shared_operation_is_named() {
    let directory = spec_dir(false);
    let sdk = sdk_document(directory.path());
    let (result, printed) = run_import(&both_sources(directory.path(), sdk, &[OPERATION], true));
    let outcome = result.unwrap_or_else(|error| panic!("{error}\n{printed}"));
    let disagreements: Vec<String> = outcome.reports[0]
        .disagreements
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        disagreements,
        [
            "parameter SwitchTimeMode: type: api-docs string, the SDK integer",
            "parameter ForceSwitch: location: api-docs query, the SDK body",
            "parameter Newer: only in the SDK metadata",
        ],
        "{printed}"
    );
    assert!(printed.contains("  sources   parameter Newer: only in the SDK metadata"));
    assert!(
        printed.contains("3 disagreement(s) of the SDK metadata with api-docs on 1 operation(s)")
    );
}

#[test]
fn an_operation_that_appears_in_api_docs_switches_its_source() {
    let directory = spec_dir(false);
    let sdk = sdk_document(directory.path());
    // First only the SDK metadata describes ActivateMigrationTargetInstance.
    let only_sdk = ImportArgs {
        api_docs: None,
        ..both_sources(directory.path(), sdk.clone(), &[OPERATION], false)
    };
    let (result, printed) = run_import(&only_sdk);
    result.unwrap_or_else(|error| panic!("{error}\n{printed}"));
    let before = read_spec(directory.path(), OPERATION);
    assert!(before.is_sdk_only());
    assert!(before.has_synthesized_sample());

    // Then api-docs documents it: the import says so and follows api-docs.
    let (result, printed) = run_import(&both_sources(directory.path(), sdk, &[OPERATION], false));
    result.unwrap_or_else(|error| panic!("{error}\n{printed}"));
    assert!(
        printed.contains("changed   source: now in api-docs: the spec switches from the SDK metadata to api-docs"),
        "{printed}"
    );
    let after = read_spec(directory.path(), OPERATION);
    assert_eq!(after.source, Some(crate::spec::OperationSource::ApiDocs));
    assert!(!after.has_synthesized_sample());
    assert_eq!(after.errors.len(), 66);

    // Importing api-docs alone does not call the SDK's operations removed.
    let spec_only_in_sdk = ImportArgs {
        sdk_metadata: None,
        ..args(
            fixture("ActivateMigrationTargetInstance.api-docs.json"),
            directory.path(),
            &[],
            true,
        )
    };
    let sdk_only = directory.path().join("operations/RunRCInstances.json");
    let mut spec = after.clone();
    spec.name = "RunRCInstances".to_owned();
    spec.source = Some(crate::spec::OperationSource::SdkMetadata);
    fs::write(
        &sdk_only,
        super::render_operation(&spec, &sdk_only).expect("render"),
    )
    .expect("write");
    let (result, printed) = run_import(&spec_only_in_sdk);
    let outcome = result.unwrap_or_else(|error| panic!("{error}\n{printed}"));
    assert!(outcome
        .reports
        .iter()
        .all(|report| report.status != OperationStatus::Removed));
}

#[test]
fn the_common_errors_are_the_rows_nine_in_ten_operations_list() {
    let text = fs::read_to_string(full_document()).expect("read the document");
    let document: super::api_docs::ApiDocs = serde_json::from_str(&text).expect("parse");
    let rows = super::sdk_only::common_error_rows(&document);
    assert_eq!(rows.len(), 59);
    // Listed by every operation, with the message most of them give.
    let not_found = rows
        .iter()
        .find(|row| row.code == "InvalidDBInstanceId.NotFound")
        .expect("a common row");
    assert_eq!(not_found.http_status, 400);
    assert_eq!(
        not_found.message,
        "The DBInstanceId provided does not exist in records."
    );
    // Rows of a few operations only are not common.
    assert!(rows.iter().all(|row| row.code != "InvalidMigrateStatus"));
}
