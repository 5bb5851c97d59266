//! The JSON Schemas in `spec/schema/` agree with the loader.
//!
//! The generator validates specs with serde (`deny_unknown_fields`) and its
//! own semantic checks, which give precise messages; the schemas serve
//! editors and other tools. These tests keep the two in step: every spec
//! file of the repository and of the fixtures is valid under both, and
//! representative broken files are rejected by both.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

fn workspace_root() -> PathBuf {
    xtask::workspace_root()
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn validator(schema_file: &str) -> jsonschema::Validator {
    let schema = read_json(&workspace_root().join("spec/schema").join(schema_file));
    jsonschema::validator_for(&schema)
        .unwrap_or_else(|error| panic!("{schema_file} is not a valid schema: {error}"))
}

fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|error| format!("{}: {error}", error.instance_path))
        .collect()
}

/// Every product directory below `spec` directories we know of.
fn product_dirs() -> Vec<PathBuf> {
    vec![
        workspace_root().join("spec/rds/2014-08-15"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small/spec/rds/2014-08-15"),
    ]
}

#[test]
fn every_spec_file_is_valid_under_the_schemas_and_the_loader() {
    let product_schema = validator("product.schema.json");
    let operation_schema = validator("operation.schema.json");
    let mut checked = 0;
    for directory in product_dirs() {
        let product = directory.join("product.json");
        let problems = schema_errors(&product_schema, &read_json(&product));
        assert!(problems.is_empty(), "{}: {problems:#?}", product.display());
        xtask::spec::load_product_file(&product).unwrap_or_else(|errors| panic!("{errors}"));

        let mut operations: Vec<PathBuf> = std::fs::read_dir(directory.join("operations"))
            .expect("list operations")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| {
                path.extension()
                    .is_some_and(|extension| extension == "json")
            })
            .collect();
        operations.sort();
        for file in operations {
            let problems = schema_errors(&operation_schema, &read_json(&file));
            assert!(problems.is_empty(), "{}: {problems:#?}", file.display());
            xtask::spec::load_operation(&file).unwrap_or_else(|errors| panic!("{errors}"));
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} operation files were found");
}

/// Breaks the seed operation in one way and checks that both the schema
/// and the loader reject it.
fn assert_both_reject(description: &str, change: impl FnOnce(&mut Value)) {
    let source = workspace_root()
        .join("spec/rds/2014-08-15/operations/ActivateMigrationTargetInstance.json");
    let mut value = read_json(&source);
    change(&mut value);

    let problems = schema_errors(&validator("operation.schema.json"), &value);
    assert!(
        !problems.is_empty(),
        "the schema accepts a spec with {description}"
    );

    let directory = tempfile::tempdir().expect("temporary directory");
    let file = directory
        .path()
        .join("ActivateMigrationTargetInstance.json");
    std::fs::write(
        &file,
        serde_json::to_string_pretty(&value).expect("serialize"),
    )
    .expect("write");
    assert!(
        xtask::spec::load_operation(&file).is_err(),
        "the loader accepts a spec with {description}"
    );
}

#[test]
fn schema_and_loader_reject_the_same_mistakes() {
    assert_both_reject("an unknown top-level field", |spec| {
        spec["colour"] = json!("red")
    });
    assert_both_reject("an unknown parameter field", |spec| {
        spec["parameters"][0]["requird"] = json!(true)
    });
    assert_both_reject("a missing `required`", |spec| {
        spec["parameters"][0]
            .as_object_mut()
            .expect("object")
            .remove("required");
    });
    assert_both_reject("an unknown type", |spec| {
        spec["parameters"][0]["type"] = json!("strin")
    });
    assert_both_reject("an unknown style", |spec| {
        spec["parameters"][0]["style"] = json!("simple")
    });
    assert_both_reject("repeatList on a string", |spec| {
        spec["parameters"][0]["style"] = json!("repeatList")
    });
    assert_both_reject("an array without items", |spec| {
        spec["parameters"][0]["type"] = json!("array")
    });
    assert_both_reject("an object without fields", |spec| {
        spec["response"]["fields"][0]["type"] = json!("object")
    });
    assert_both_reject("items on a string", |spec| {
        spec["parameters"][0]["items"] = json!({"type": "string"})
    });
    assert_both_reject("enum on an integer", |spec| {
        spec["response"]["fields"][2]["enum"] = json!(["1"]);
    });
    assert_both_reject("an unknown pagination style", |spec| {
        spec["pagination"] = json!({"style": "offset", "itemsPath": "Items"});
    });
    assert_both_reject("a token pagination without its token parameter", |spec| {
        spec["pagination"] =
            json!({"style": "nextToken", "nextTokenPath": "NextToken", "itemsPath": "Items"});
    });
    assert_both_reject("a page-number pagination with a next token path", |spec| {
        spec["pagination"] = json!({
            "style": "pageNumber",
            "pageNumberParameter": "PageNumber",
            "nextTokenPath": "NextToken",
            "itemsPath": "Items"
        });
    });
    assert_both_reject("a pagination path with an index", |spec| {
        spec["pagination"] = json!({"style": "pageNumber", "pageNumberParameter": "PageNumber", "itemsPath": "Items[0]"});
    });
    assert_both_reject("an unknown field in an error row", |spec| {
        spec["errors"][0]["hint"] = json!("x")
    });
    assert_both_reject("a missing error message", |spec| {
        spec["errors"][0]
            .as_object_mut()
            .expect("object")
            .remove("message");
    });
    assert_both_reject("an impossible HTTP status", |spec| {
        spec["errors"][0]["httpStatus"] = json!(42)
    });
    assert_both_reject("an unknown HTTP method", |spec| {
        spec["request"]["method"] = json!("PUT")
    });
    assert_both_reject("an unknown documentation field", |spec| {
        spec["documentation"]["extra"] = json!("x")
    });
    assert_both_reject("a lower-case operation name", |spec| {
        spec["name"] = json!("activateMigrationTargetInstance")
    });
    let waiter_with = |condition: Value| {
        json!([{
            "name": "Answered",
            "summary": "Waits for an answer.",
            "minDelaySeconds": 1,
            "maxDelaySeconds": 1,
            "acceptors": [{ "state": "success", "conditions": [condition] }]
        }])
    };
    assert_both_reject("a condition with equals and contains", |spec| {
        spec["waiters"] = waiter_with(json!({
            "path": "SourceIpAddress", "equals": "10.0.0.1", "contains": "10."
        }))
    });
    assert_both_reject("a condition with neither equals nor contains", |spec| {
        spec["waiters"] = waiter_with(json!({ "path": "SourceIpAddress" }))
    });
    assert_both_reject("an empty contains", |spec| {
        spec["waiters"] = waiter_with(json!({ "path": "SourceIpAddress", "contains": "" }))
    });
}

/// A way to break a product file, for the rejection tests.
type ProductChange = Box<dyn Fn(&mut Value)>;

#[test]
fn the_product_schema_rejects_what_the_loader_rejects() {
    let source = workspace_root().join("spec/rds/2014-08-15/product.json");
    let cases: Vec<(&str, ProductChange)> = vec![
        (
            "an unknown field",
            Box::new(|product: &mut Value| product["extra"] = json!(1)),
        ),
        (
            "a style other than RPC",
            Box::new(|product: &mut Value| product["style"] = json!("ROA")),
        ),
        (
            "a gateway error without retryable",
            Box::new(|product: &mut Value| {
                product["gatewayErrors"][0]
                    .as_object_mut()
                    .expect("object")
                    .remove("retryable");
            }),
        ),
        (
            "an unknown endpoint rule",
            Box::new(|product: &mut Value| product["endpoints"]["rule"]["dualstack"] = json!("x")),
        ),
    ];
    for (description, change) in cases {
        let mut value = read_json(&source);
        change(&mut value);
        let problems = schema_errors(&validator("product.schema.json"), &value);
        assert!(
            !problems.is_empty(),
            "the schema accepts a product with {description}"
        );
        let directory = tempfile::tempdir().expect("temporary directory");
        let file = directory.path().join("product.json");
        std::fs::write(&file, serde_json::to_string(&value).expect("serialize")).expect("write");
        assert!(
            xtask::spec::load_product_file(&file).is_err(),
            "the loader accepts a product with {description}"
        );
    }
}

/// A valid waiter on the seed operation, for [`waiters_are_checked_alike`]
/// to break one way at a time.
fn with_waiter(spec: &mut Value) -> &mut Value {
    spec["waiters"] = json!([{
        "name": "NamedInstance",
        "summary": "Waits until the answer names the instance.",
        "minDelaySeconds": 1,
        "maxDelaySeconds": 5,
        "acceptors": [
            { "state": "success", "conditions": [ { "path": "DBInstanceName", "equals": "pgm-a" } ] }
        ]
    }]);
    &mut spec["waiters"][0]
}

#[test]
fn waiters_are_checked_alike() {
    // The unbroken waiter is valid under both, so each rejection below is
    // about its one change.
    let source = workspace_root()
        .join("spec/rds/2014-08-15/operations/ActivateMigrationTargetInstance.json");
    let mut valid = read_json(&source);
    with_waiter(&mut valid);
    let problems = schema_errors(&validator("operation.schema.json"), &valid);
    assert!(problems.is_empty(), "{problems:#?}");
    let directory = tempfile::tempdir().expect("temporary directory");
    let file = directory
        .path()
        .join("ActivateMigrationTargetInstance.json");
    std::fs::write(
        &file,
        serde_json::to_string_pretty(&valid).expect("serialize"),
    )
    .expect("write");
    xtask::spec::load_operation(&file).unwrap_or_else(|errors| panic!("{errors}"));

    assert_both_reject("an unknown waiter field", |spec| {
        with_waiter(spec)["timeout"] = json!(5)
    });
    assert_both_reject("an unknown acceptor state", |spec| {
        with_waiter(spec)["acceptors"][0]["state"] = json!("done")
    });
    assert_both_reject("a condition without a value", |spec| {
        with_waiter(spec)["acceptors"][0]["conditions"][0]
            .as_object_mut()
            .expect("object")
            .remove("equals");
    });
    assert_both_reject("a fractional value", |spec| {
        with_waiter(spec)["acceptors"][0]["conditions"][0]["equals"] = json!(1.5)
    });
    assert_both_reject("an acceptor without conditions", |spec| {
        with_waiter(spec)["acceptors"][0]["conditions"] = json!([])
    });
    assert_both_reject("a zero minimum delay", |spec| {
        with_waiter(spec)["minDelaySeconds"] = json!(0)
    });
    assert_both_reject("a malformed path", |spec| {
        with_waiter(spec)["acceptors"][0]["conditions"][0]["path"] = json!("Items[x]")
    });
    assert_both_reject("a lower-case waiter name", |spec| {
        with_waiter(spec)["name"] = json!("namedInstance")
    });
}
