//! The wire protocol end to end over loopback HTTP: both signature schemes,
//! credentials, STS tokens, clock skew, nonces, parameters and the common
//! answer headers.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use aliyun_rds_emulator::KeyPair;
use common::{Acs3Request, RpcRequest, Signer, ACTION};

const READY: (&str, &str) = ("DBInstanceName", "pgm-demo-ready");

#[tokio::test]
async fn rpc_get_with_query_parameters_switches_over() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .send(&emulator, &signer.secret)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let json = reply.json();
    assert_eq!(json["DBInstanceName"], "pgm-demo-ready");
    assert_eq!(json["TaskId"], 440913675);
    assert!(json["TaskId"].is_i64());
    assert_eq!(json["SourceIpAddress"], "172.16.10.21");
    assert_eq!(json["SourcePort"], 5432);
    assert!(json["SourcePort"].is_u64());
    let request_id = json["RequestId"].as_str().expect("RequestId");
    assert_eq!(
        reply.header("x-acs-request-id").as_deref(),
        Some(request_id)
    );
}

#[tokio::test]
async fn rpc_post_with_form_body_and_mixed_placement_is_verified() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    // Everything in the body.
    let all_in_body = RpcRequest::new(&signer, ACTION, &[READY]).post_form(&[
        "Action",
        "Version",
        "Format",
        "AccessKeyId",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "Timestamp",
        "DBInstanceName",
    ]);
    assert!(all_in_body.query.is_empty());
    let reply = all_in_body.send(&emulator, &signer.secret).await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // Operation parameters in the body, signing parameters in the query;
    // the syncing instance with ForceSwitch, which needs both to be read.
    let reply = RpcRequest::new(
        &signer,
        ACTION,
        &[("DBInstanceName", "pgm-demo-syncing"), ("ForceSwitch", "1")],
    )
    .post_form(&["DBInstanceName", "ForceSwitch"])
    .send(&emulator, &signer.secret)
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["TaskId"], 440913676);
}

#[tokio::test]
async fn rpc_encoding_of_special_characters_is_verified() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    // Spaces, reserved characters and non-ASCII survive the round trip: the
    // operation refuses the name, which proves the signature was accepted.
    let reply = RpcRequest::new(&signer, ACTION, &[("DBInstanceName", "pgm demo+/*~ é&x=y")])
        .send(&emulator, &signer.secret)
        .await;
    reply.assert_error(404, "InvalidDBInstanceName.NotFound");
}

#[tokio::test]
async fn format_xml_is_accepted_and_answered_in_json_and_bad_format_refused() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    let reply = RpcRequest::new(&signer, ACTION, &[("DBInstanceName", "pgm-demo-notask")])
        .set("Format", "xml")
        .send(&emulator, &signer.secret)
        .await;
    reply.assert_error(400, "InvalidMigrateTask");
    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .set("Format", "YAML")
        .send(&emulator, &signer.secret)
        .await;
    reply.assert_error(400, "InvalidParameter");
    assert!(reply.message().contains("\"Format\""), "{}", reply.body);
}

#[tokio::test]
async fn acs3_with_extra_signed_headers_and_query_parameters_switches_over() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    let mut request = Acs3Request::new(&signer, ACTION, &[READY, ("SwitchTimeMode", "0")])
        .header("accept", "application/json")
        .header("user-agent", "emulator-tests/1.0 (signed)");
    request.extra_signed = vec!["accept".into(), "user-agent".into()];
    let reply = request.send(&emulator, &signer.id, &signer.secret).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["DBInstanceName"], "pgm-demo-ready");
}

#[tokio::test]
async fn acs3_with_form_body_parameters_and_get_are_verified() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    let reply = Acs3Request::new(&signer, ACTION, &[])
        .form_body(&[READY])
        .send(&emulator, &signer.id, &signer.secret)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    let mut get = Acs3Request::new(&signer, ACTION, &[("DBInstanceName", "pgm-demo-notask")]);
    get.method = "GET";
    let reply = get.send(&emulator, &signer.id, &signer.secret).await;
    reply.assert_error(400, "InvalidMigrateTask");
}

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match_for_both_schemes() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .send(&emulator, "not-the-secret")
        .await;
    reply.assert_error(400, "SignatureDoesNotMatch");
    assert_eq!(
        reply.message(),
        "Specified signature is not matched with our calculation."
    );
    assert!(!reply.body.contains(&signer.secret));
    // The server's string to sign helps the client author find the
    // difference.
    assert!(
        reply.json()["Recommend"]
            .as_str()
            .is_some_and(|hint| hint.contains("GET&%2F&AccessKeyId%3D")),
        "{}",
        reply.body
    );

    let reply = Acs3Request::new(&signer, ACTION, &[READY])
        .send(&emulator, &signer.id, "not-the-secret")
        .await;
    reply.assert_error(400, "SignatureDoesNotMatch");
    assert!(!reply.body.contains(&signer.secret));
    // Nothing happened to the instance.
    let task = emulator
        .instance("pgm-demo-ready")
        .and_then(|instance| instance.migration_task)
        .expect("task");
    assert_eq!(
        task.stage,
        aliyun_rds_emulator::MigrationStage::Synchronized
    );
}

#[tokio::test]
async fn tampering_after_signing_is_detected() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    let mut request = RpcRequest::new(&signer, ACTION, &[READY]);
    request
        .query_after_signing
        .push(("ForceSwitch".into(), "1".into()));
    request
        .send(&emulator, &signer.secret)
        .await
        .assert_error(400, "SignatureDoesNotMatch");

    // A body that does not hash to x-acs-content-sha256.
    let mut request = Acs3Request::new(&signer, ACTION, &[]).form_body(&[READY]);
    request.content_sha256_override = Some(common::encode("0").repeat(32));
    request
        .send(&emulator, &signer.id, &signer.secret)
        .await
        .assert_error(400, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn unknown_access_key_is_not_found_for_both_schemes() {
    let emulator = common::start(vec![]).await;
    let stranger = Signer::new("LTAIunknownkey", "whatever");
    let reply = RpcRequest::new(&stranger, ACTION, &[READY])
        .send(&emulator, &stranger.secret)
        .await;
    reply.assert_error(404, "InvalidAccessKeyId.NotFound");
    assert_eq!(reply.message(), "Specified access key is not found.");
    Acs3Request::new(&stranger, ACTION, &[READY])
        .send(&emulator, &stranger.id, &stranger.secret)
        .await
        .assert_error(404, "InvalidAccessKeyId.NotFound");
}

#[tokio::test]
async fn configured_key_pairs_replace_the_demo_pair() {
    let emulator = common::start(vec![
        KeyPair::new("first-id", "first-secret"),
        KeyPair::new("second-id", "second-secret"),
    ])
    .await;
    for signer in [
        Signer::new("first-id", "first-secret"),
        Signer::new("second-id", "second-secret"),
    ] {
        let reply = RpcRequest::new(&signer, ACTION, &[("DBInstanceName", "pgm-demo-notask")])
            .send(&emulator, &signer.secret)
            .await;
        reply.assert_error(400, "InvalidMigrateTask");
    }
    let demo = Signer::demo();
    RpcRequest::new(&demo, ACTION, &[READY])
        .send(&emulator, &demo.secret)
        .await
        .assert_error(404, "InvalidAccessKeyId.NotFound");
}

#[tokio::test]
async fn sts_tokens_are_required_and_checked() {
    let emulator = common::start(vec![
        KeyPair::with_security_token("STS.first", "first-secret", "token-of-first"),
        KeyPair::with_security_token("STS.second", "second-secret", "token-of-second"),
        KeyPair::new("permanent", "permanent-secret"),
    ])
    .await;
    let notask = ("DBInstanceName", "pgm-demo-notask");
    let first = Signer::new("STS.first", "first-secret");

    // The right token: accepted (the operation's own error proves it).
    let with_token = first.clone().with_token("token-of-first");
    RpcRequest::new(&with_token, ACTION, &[notask])
        .send(&emulator, &with_token.secret)
        .await
        .assert_error(400, "InvalidMigrateTask");
    Acs3Request::new(&with_token, ACTION, &[notask])
        .send(&emulator, &with_token.id, &with_token.secret)
        .await
        .assert_error(400, "InvalidMigrateTask");

    // No token at all.
    let reply = RpcRequest::new(&first, ACTION, &[notask])
        .send(&emulator, &first.secret)
        .await;
    reply.assert_error(400, "InvalidSecurityToken.MismatchWithAccessKey");
    assert_eq!(
        reply.message(),
        "Specified SecurityToken mismatch with the AccessKey."
    );
    Acs3Request::new(&first, ACTION, &[notask])
        .send(&emulator, &first.id, &first.secret)
        .await
        .assert_error(400, "InvalidSecurityToken.MismatchWithAccessKey");

    // Another pair's token.
    let crossed = first.clone().with_token("token-of-second");
    Acs3Request::new(&crossed, ACTION, &[notask])
        .send(&emulator, &crossed.id, &crossed.secret)
        .await
        .assert_error(400, "InvalidSecurityToken.MismatchWithAccessKey");

    // A wrong secret: the answer shows the server's computation without the
    // token.
    let reply = RpcRequest::new(&with_token, ACTION, &[notask])
        .send(&emulator, "wrong-secret")
        .await;
    reply.assert_error(400, "SignatureDoesNotMatch");
    assert!(!reply.body.contains("token-of-first"), "{}", reply.body);
    let reply = Acs3Request::new(&with_token, ACTION, &[notask])
        .send(&emulator, &with_token.id, "wrong-secret")
        .await;
    reply.assert_error(400, "SignatureDoesNotMatch");
    assert!(!reply.body.contains("token-of-first"), "{}", reply.body);

    // A token nobody issued.
    let garbage = first.clone().with_token("not-a-token");
    let reply = RpcRequest::new(&garbage, ACTION, &[notask])
        .send(&emulator, &garbage.secret)
        .await;
    reply.assert_error(400, "InvalidSecurityToken.Malformed");
    assert_eq!(reply.message(), "Specified SecurityToken is malformed.");
    assert!(!reply.body.contains("not-a-token"));

    // A permanent key needs no token.
    let permanent = Signer::new("permanent", "permanent-secret");
    RpcRequest::new(&permanent, ACTION, &[notask])
        .send(&emulator, &permanent.secret)
        .await
        .assert_error(400, "InvalidMigrateTask");
}

#[tokio::test]
async fn clock_skew_beyond_fifteen_minutes_either_way_is_expired() {
    let signer = Signer::demo();
    for (offset, expired) in [
        (16 * 60, true),
        (-16 * 60, true),
        (14 * 60, false),
        (-14 * 60, false),
    ] {
        let emulator =
            common::start_with(aliyun_rds_emulator::Fixture::demo(), vec![], offset).await;
        let rpc = RpcRequest::new(&signer, ACTION, &[("DBInstanceName", "pgm-demo-notask")])
            .send(&emulator, &signer.secret)
            .await;
        let acs3 = Acs3Request::new(&signer, ACTION, &[("DBInstanceName", "pgm-demo-notask")])
            .send(&emulator, &signer.id, &signer.secret)
            .await;
        for reply in [rpc, acs3] {
            if expired {
                reply.assert_error(400, "InvalidTimeStamp.Expired");
                assert_eq!(
                    reply.message(),
                    "Specified time stamp or date value is expired."
                );
            } else {
                reply.assert_error(400, "InvalidMigrateTask");
            }
        }
    }
}

#[tokio::test]
async fn date_header_follows_the_emulator_clock_and_skew_can_be_corrected() {
    let offset = 3 * 3600;
    let emulator = common::start_with(aliyun_rds_emulator::Fixture::demo(), vec![], offset).await;
    let signer = Signer::demo();
    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .send(&emulator, &signer.secret)
        .await;
    reply.assert_error(400, "InvalidTimeStamp.Expired");
    let date = httpdate::parse_http_date(&reply.header("date").expect("Date header"))
        .expect("Date is an HTTP date");
    let server_ahead_by = date
        .duration_since(SystemTime::now())
        .expect("the emulator's clock is ahead");
    assert!(
        server_ahead_by > Duration::from_secs(3 * 3600 - 5)
            && server_ahead_by < Duration::from_secs(3 * 3600 + 5),
        "{server_ahead_by:?}"
    );
    // A client that corrects its clock from the Date header gets through.
    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .set("Timestamp", &common::timestamp(offset))
        .send(&emulator, &signer.secret)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);

    // The offset can move while the server runs.
    emulator.set_clock_offset(0);
    let reply = RpcRequest::new(&signer, ACTION, &[("DBInstanceName", "pgm-demo-notask")])
        .send(&emulator, &signer.secret)
        .await;
    reply.assert_error(400, "InvalidMigrateTask");
}

#[tokio::test]
async fn malformed_timestamps_are_format_errors() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    for bad in [
        "2024-01-01 00:00:00",
        "2024-01-01T00:00:00.000Z",
        "yesterday",
    ] {
        let reply = RpcRequest::new(&signer, ACTION, &[READY])
            .set("Timestamp", bad)
            .send(&emulator, &signer.secret)
            .await;
        reply.assert_error(400, "InvalidTimeStamp.Format");
        assert_eq!(
            reply.message(),
            "Specified time stamp or date value is not well formatted."
        );
    }
    Acs3Request::new(&signer, ACTION, &[READY])
        .header("x-acs-date", "Wed, 01 Jan 2024 00:00:00 GMT")
        .send(&emulator, &signer.id, &signer.secret)
        .await
        .assert_error(400, "InvalidTimeStamp.Format");
}

#[tokio::test]
async fn a_repeated_nonce_is_refused_but_a_refused_request_does_not_burn_it() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    let nonce = common::nonce();
    let request = || {
        RpcRequest::new(&signer, ACTION, &[("DBInstanceName", "pgm-demo-notask")])
            .set("SignatureNonce", &nonce)
    };
    // A badly signed request with the nonce does not use it up.
    request()
        .send(&emulator, "wrong-secret")
        .await
        .assert_error(400, "SignatureDoesNotMatch");
    request()
        .send(&emulator, &signer.secret)
        .await
        .assert_error(400, "InvalidMigrateTask");
    let reply = request().send(&emulator, &signer.secret).await;
    reply.assert_error(400, "SignatureNonceUsed");
    assert_eq!(
        reply.message(),
        "Specified signature nonce was used already."
    );

    let acs3_nonce = common::nonce();
    let request = || {
        Acs3Request::new(&signer, ACTION, &[("DBInstanceName", "pgm-demo-notask")])
            .header("x-acs-signature-nonce", &acs3_nonce)
    };
    request()
        .send(&emulator, &signer.id, &signer.secret)
        .await
        .assert_error(400, "InvalidMigrateTask");
    request()
        .send(&emulator, &signer.id, &signer.secret)
        .await
        .assert_error(400, "SignatureNonceUsed");

    let log = emulator.nonces();
    assert_eq!(log.iter().filter(|seen| **seen == nonce).count(), 3);
    assert_eq!(log.iter().filter(|seen| **seen == acs3_nonce).count(), 2);
}

#[tokio::test]
async fn missing_and_malformed_parameters_are_named() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    for missing in [
        "Action",
        "Version",
        "AccessKeyId",
        "SignatureNonce",
        "Timestamp",
        "SignatureMethod",
        "SignatureVersion",
    ] {
        let reply = RpcRequest::new(&signer, ACTION, &[READY])
            .remove(missing)
            .send(&emulator, &signer.secret)
            .await;
        reply.assert_error(400, "MissingParameter");
        assert!(
            reply.message().contains(&format!("\"{missing}\"")),
            "{}",
            reply.body
        );
    }
    let reply = RpcRequest::new(&signer, ACTION, &[])
        .send(&emulator, &signer.secret)
        .await;
    reply.assert_error(400, "MissingParameter");
    assert_eq!(
        reply.message(),
        "The input parameter \"DBInstanceName\" that is mandatory for processing this request is not supplied."
    );
    let reply = Acs3Request::new(&signer, ACTION, &[("DBInstanceName", "")])
        .send(&emulator, &signer.id, &signer.secret)
        .await;
    reply.assert_error(400, "MissingParameter");
    assert!(reply.message().contains("\"DBInstanceName\""));

    for (name, value) in [
        ("SwitchTimeMode", "1"),
        ("ForceSwitch", "yes"),
        ("SignatureMethod", "HMAC-SHA256"),
        ("SignatureVersion", "2.0"),
    ] {
        let reply = RpcRequest::new(&signer, ACTION, &[READY])
            .set(name, value)
            .send(&emulator, &signer.secret)
            .await;
        reply.assert_error(400, "InvalidParameter");
        assert_eq!(
            reply.message(),
            format!("The specified parameter \"{name}\" is not valid.")
        );
    }
    // RegionId is not required, and SwitchTime is ignored.
    let reply = RpcRequest::new(&signer, ACTION, &[READY, ("SwitchTime", "not a time")])
        .send(&emulator, &signer.secret)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn unknown_actions_versions_and_paths_are_refused() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    let reply = RpcRequest::new(&signer, "DescribeNothing", &[])
        .send(&emulator, &signer.secret)
        .await;
    reply.assert_error(404, "InvalidAction.NotFound");
    assert_eq!(
        reply.message(),
        "Specified api is not found, please check your url and method."
    );
    Acs3Request::new(&signer, "DescribeNothing", &[])
        .send(&emulator, &signer.id, &signer.secret)
        .await
        .assert_error(404, "InvalidAction.NotFound");

    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .set("Version", "2014-05-26")
        .send(&emulator, &signer.secret)
        .await;
    reply.assert_error(400, "InvalidVersion");
    assert_eq!(reply.message(), "Specified parameter Version is not valid.");
    Acs3Request::new(&signer, ACTION, &[READY])
        .header("x-acs-version", "2099-01-01")
        .send(&emulator, &signer.id, &signer.secret)
        .await
        .assert_error(400, "InvalidVersion");

    let reply = common::Reply::from(
        common::client()
            .get(format!("{}/other/path", emulator.base_url()))
            .send()
            .await
            .expect("answers"),
    )
    .await;
    reply.assert_error(404, "InvalidAction.NotFound");
    assert_eq!(
        emulator
            .instance("pgm-demo-ready")
            .map(|i| i.migration_task.map(|t| t.stage)),
        Some(Some(aliyun_rds_emulator::MigrationStage::Synchronized))
    );
}

#[tokio::test]
async fn acs3_authorization_problems_are_incomplete_signatures() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    for header in [
        "ACS3-HMAC-SHA256 Credential=x",
        "ACS3-HMAC-SHA256 garbage",
        "HMAC-SHA1 Credential=a,SignedHeaders=host,Signature=ab",
    ] {
        let mut request = Acs3Request::new(&signer, ACTION, &[READY]);
        request.authorization_override = Some(header.into());
        let reply = request.send(&emulator, &signer.id, &signer.secret).await;
        reply.assert_error(400, "IncompleteSignature");
        assert_eq!(
            reply.message(),
            "The request signature does not conform to Aliyun standards."
        );
    }
    // An x-acs-* header sent but not signed.
    let mut request = Acs3Request::new(&signer, ACTION, &[READY]);
    request.unsigned = vec!["x-acs-signature-nonce".into()];
    request
        .send(&emulator, &signer.id, &signer.secret)
        .await
        .assert_error(400, "IncompleteSignature");
    // The host not signed.
    let mut request = Acs3Request::new(&signer, ACTION, &[READY]);
    request.unsigned = vec!["host".into()];
    request
        .send(&emulator, &signer.id, &signer.secret)
        .await
        .assert_error(400, "IncompleteSignature");
    // Required headers.
    for missing in ["x-acs-date", "x-acs-signature-nonce", "x-acs-version"] {
        let reply = Acs3Request::new(&signer, ACTION, &[READY])
            .without_header(missing)
            .send(&emulator, &signer.id, &signer.secret)
            .await;
        reply.assert_error(400, "MissingParameter");
        assert!(reply.message().contains(missing), "{}", reply.body);
    }
}

#[tokio::test]
async fn every_answer_has_a_fresh_upper_case_request_id_and_a_date() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    let mut seen = Vec::new();
    for secret in [signer.secret.as_str(), "wrong", signer.secret.as_str()] {
        let reply = RpcRequest::new(&signer, ACTION, &[("DBInstanceName", "pgm-demo-notask")])
            .send(&emulator, secret)
            .await;
        let request_id = reply.json()["RequestId"]
            .as_str()
            .expect("RequestId")
            .to_owned();
        assert_eq!(request_id.len(), 36, "{request_id}");
        assert!(request_id
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert_eq!(reply.json()["HostId"], "rds.aliyuncs.com");
        assert!(reply.header("date").is_some());
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some("application/json;charset=utf-8")
        );
        assert!(!seen.contains(&request_id));
        seen.push(request_id);
    }
}
