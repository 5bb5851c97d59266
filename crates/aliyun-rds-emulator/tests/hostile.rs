//! Hostile clients against one emulator: malformed request lines, oversized
//! heads and bodies, clients that trickle bytes, abandon connections or hold
//! hundreds of idle ones, and parameters that are not UTF-8 or not valid
//! percent-encoding. Each test keeps its hostile client running while a
//! valid signed request is made, and asserts that it is answered: the
//! emulator is a shared service in users' CI, and one bad client must not
//! take it down for the others.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use aliyun_rds_emulator::{Emulator, RunningEmulator};
use common::{RpcRequest, Signer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for anything the emulator should do at once. Only
/// a hang reaches it; it is not a measure of speed.
const PATIENCE: Duration = Duration::from_secs(20);

/// A short header timeout, so that the tests of stalled clients end soon.
const SHORT_TIMEOUT: Duration = Duration::from_millis(400);

async fn start_with_short_timeouts() -> RunningEmulator {
    Emulator::builder()
        .header_read_timeout(SHORT_TIMEOUT)
        .body_read_timeout(SHORT_TIMEOUT)
        .max_body_bytes(64 * 1024)
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts")
}

/// Makes a valid signed request and asserts that it is answered with
/// success.
async fn assert_serves_valid_requests(emulator: &RunningEmulator) {
    let signer = Signer::demo();
    let reply = tokio::time::timeout(
        PATIENCE,
        RpcRequest::new(&signer, "DescribeRegions", &[]).send(emulator, &signer.secret),
    )
    .await
    .expect("a valid request is answered while the hostile client runs");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.json()["Regions"].is_object(), "{}", reply.body);
}

/// Sends `bytes` on a fresh connection and reads until the emulator closes
/// it.
async fn exchange(address: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(address).await.expect("connects");
    // The emulator may close the connection before reading everything; a
    // failed write is then part of the expected behaviour.
    let _ = stream.write_all(bytes).await;
    read_until_closed(&mut stream).await
}

/// Reads until the peer closes the connection (a reset counts as closed).
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(PATIENCE, stream.read(&mut buffer))
            .await
            .expect("the emulator closes the connection");
        match read {
            Ok(0) | Err(_) => return response,
            Ok(count) => response.extend_from_slice(&buffer[..count]),
        }
    }
}

fn status_of(response: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(response);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

fn body_of(response: &[u8]) -> String {
    let text = String::from_utf8_lossy(response);
    text.split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn malformed_request_lines_are_refused_and_the_server_carries_on() {
    let emulator = start_with_short_timeouts().await;
    let address = emulator.local_addr();
    let lines: &[&[u8]] = &[
        b"\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET / HTTP/1.1 extra\r\nhost: x\r\n\r\n",
        b"G\x00T / HTTP/1.1\r\nhost: x\r\n\r\n",
        b"GET /\xff\xfe HTTP/1.1\r\nhost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nhost: x\r\ncontent-length: -1\r\n\r\n",
        b"GET / HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
        b"POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ];
    for line in lines {
        let response = exchange(address, line).await;
        // Either an HTTP error or a closed connection; never a success, and
        // never a hang (`exchange` would fail).
        if let Some(status) = status_of(&response) {
            assert!(
                (400..600).contains(&status),
                "{:?} got {}",
                String::from_utf8_lossy(line),
                String::from_utf8_lossy(&response)
            );
        }
        assert_serves_valid_requests(&emulator).await;
    }
}

#[tokio::test]
async fn oversized_heads_get_431_while_valid_requests_are_answered() {
    let emulator = start_with_short_timeouts().await;
    let address = emulator.local_addr();
    let huge = "a".repeat(64 * 1024);
    let requests = [
        format!("GET /?Action={huge} HTTP/1.1\r\nhost: x\r\n\r\n"),
        format!("GET / HTTP/1.1\r\nhost: x\r\nx-big: {huge}\r\n\r\n"),
        format!(
            "GET / HTTP/1.1\r\nhost: x\r\n{}\r\n",
            (0..2000)
                .map(|index| format!("x-h{index}: v\r\n"))
                .collect::<String>()
        ),
    ];
    for request in &requests {
        let response = exchange(address, request.as_bytes()).await;
        assert_eq!(
            status_of(&response),
            Some(431),
            "{}",
            String::from_utf8_lossy(&response)
        );
        assert_serves_valid_requests(&emulator).await;
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_without_being_read() {
    let emulator = start_with_short_timeouts().await;
    let address = emulator.local_addr();

    // Announced too large: refused from the head alone, at once.
    let head = "POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 10000000000\r\n\r\n";
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    assert_serves_valid_requests(&emulator).await;
    let response = read_until_closed(&mut stream).await;
    assert_eq!(status_of(&response), Some(400));
    assert!(
        body_of(&response).contains("64 KiB"),
        "{}",
        body_of(&response)
    );

    // Chunked, with no announced length, sent until the emulator stops
    // reading and closes the connection, which makes a write fail.
    let head = "POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n";
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("4000\r\n{}\r\n", "b".repeat(0x4000));
    let mut sent = 0usize;
    let limit = 64 * 1024 * 1024;
    while sent < limit {
        let write = tokio::time::timeout(PATIENCE, stream.write_all(chunk.as_bytes()))
            .await
            .expect("a write either proceeds or fails");
        if write.is_err() {
            break;
        }
        sent += 0x4000;
    }
    assert!(
        sent < limit,
        "the emulator read 64 MiB of a body limited to 64 KiB"
    );
    assert_serves_valid_requests(&emulator).await;
}

#[tokio::test]
async fn a_client_trickling_its_head_is_disconnected() {
    let emulator = start_with_short_timeouts().await;
    let address = emulator.local_addr();
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = b"GET /?Action=DescribeRegions HTTP/1.1\r\nhost: x\r\nx-slow: ";
    let trickle = async {
        for byte in head.iter().chain(std::iter::repeat(&b'a')) {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let (_, ()) = tokio::join!(
        tokio::time::timeout(PATIENCE, trickle),
        assert_serves_valid_requests(&emulator)
    );
    // The loop above ends only when the emulator has closed the connection.
    let response = read_until_closed(&mut stream).await;
    assert_eq!(
        status_of(&response).unwrap_or(408),
        408,
        "{}",
        String::from_utf8_lossy(&response)
    );
}

#[tokio::test]
async fn a_client_trickling_its_body_gets_an_error_and_the_connection_closes() {
    let emulator = start_with_short_timeouts().await;
    let address = emulator.local_addr();
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = "POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 1000\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let (mut reader, mut writer) = stream.split();
    let trickle = async {
        for _ in 0..1000 {
            if writer.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let mut response = Vec::new();
    let read = async {
        reader.read_to_end(&mut response).await.ok();
    };
    let finished = tokio::time::timeout(PATIENCE, async {
        tokio::select! {
            () = trickle => false,
            () = read => true,
        }
    });
    let (read_first, ()) = tokio::join!(finished, assert_serves_valid_requests(&emulator));
    assert_eq!(
        read_first,
        Ok(true),
        "the emulator waited for the whole 1000-byte body"
    );
    assert_eq!(status_of(&response), Some(400));
    assert!(
        body_of(&response).contains("did not arrive"),
        "{}",
        body_of(&response)
    );
}

#[tokio::test]
async fn abandoned_connections_do_not_disturb_the_others() {
    let emulator = start_with_short_timeouts().await;
    let address = emulator.local_addr();
    for index in 0..200 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        // Some say nothing, some half a request line, some a whole head
        // announcing a body they never send.
        let partial: &[u8] = match index % 3 {
            0 => b"",
            1 => b"GET /?Action=Describe",
            _ => b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 50\r\n\r\nab",
        };
        stream.write_all(partial).await.unwrap();
        drop(stream);
    }
    assert_serves_valid_requests(&emulator).await;
}

/// Holds 300 idle connections open (about 600 file descriptors in the test
/// process, counting both ends, well under any default limit), makes a valid
/// request beside them, then checks that the header timeout closes every one.
#[tokio::test]
async fn hundreds_of_idle_connections_are_served_beside_and_then_closed() {
    let emulator = start_with_short_timeouts().await;
    let address = emulator.local_addr();
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(TcpStream::connect(address).await.unwrap());
    }
    assert_serves_valid_requests(&emulator).await;
    for stream in &mut idle {
        let response = read_until_closed(stream).await;
        // Closed with nothing, or with hyper's `408 Request Timeout`.
        assert!(
            response.is_empty() || status_of(&response) == Some(408),
            "{}",
            String::from_utf8_lossy(&response)
        );
    }
    assert_serves_valid_requests(&emulator).await;
}

/// At the connection limit, a new client waits until an idle connection is
/// closed by the header timeout, then is served.
#[tokio::test]
async fn the_connection_limit_queues_clients_until_idle_ones_time_out() {
    let emulator = Emulator::builder()
        .max_connections(4)
        .header_read_timeout(SHORT_TIMEOUT)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let address = emulator.local_addr();
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(address).await.unwrap());
    }
    assert_serves_valid_requests(&emulator).await;
    for stream in &mut idle {
        read_until_closed(stream).await;
    }
}

/// Parameters whose value the emulator reads, signing ones included.
const PARAMETERS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Signature",
    "SecurityToken",
    "RegionId",
    "DBInstanceName",
    "DBInstanceId",
    "SwitchTimeMode",
    "PageNumber",
    "PageSize",
];

/// Values that are not UTF-8 once decoded, or not valid percent-encoding.
const BAD_VALUES: &[&str] = &["%FF", "%C3%28", "%E2%82", "%G1", "%", "%%", "%F", "a%zz"];

#[tokio::test]
async fn invalid_utf8_and_percent_encoding_in_every_parameter_get_json_errors() {
    let emulator = start_with_short_timeouts().await;
    let address = emulator.local_addr();
    let signer = Signer::demo();
    for parameter in PARAMETERS {
        for value in BAD_VALUES {
            // In a signed request's query, replacing the parameter.
            let request = RpcRequest::new(&signer, "DescribeRegions", &[]);
            let signature = request.signature(&signer.secret);
            let mut query: Vec<String> = request
                .query
                .iter()
                .filter(|(name, _)| name != parameter)
                .map(|(name, value)| format!("{}={}", common::encode(name), common::encode(value)))
                .collect();
            if *parameter != "Signature" {
                query.push(format!("Signature={}", common::encode(&signature)));
            }
            query.push(format!("{parameter}={value}"));
            let head = format!(
                "GET /?{} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
                query.join("&")
            );
            let response = exchange(address, head.as_bytes()).await;
            assert_json_error(&response, parameter, value);

            // In a form body, with a raw byte that is not UTF-8 as well.
            let mut body = format!("{parameter}={value}&{parameter}=").into_bytes();
            body.extend_from_slice(b"\xff\xfe\xc3");
            let head = format!(
                "POST / HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let mut bytes = head.into_bytes();
            bytes.extend_from_slice(&body);
            let response = exchange(address, &bytes).await;
            assert_json_error(&response, parameter, value);
        }
    }
    // Header values that are not UTF-8, for the headers of ACS3.
    for header in [
        "authorization",
        "x-acs-action",
        "x-acs-date",
        "x-acs-signature-nonce",
        "content-type",
    ] {
        let mut bytes = b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n".to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(b": \xff\xfe\x80abc\r\n\r\n");
        let response = exchange(address, &bytes).await;
        assert_json_error(&response, header, "\\xff\\xfe\\x80");
    }
    assert_serves_valid_requests(&emulator).await;
}

fn assert_json_error(response: &[u8], parameter: &str, value: &str) {
    let status = status_of(response);
    assert!(
        matches!(status, Some(400..=404)),
        "{parameter}={value}: {}",
        String::from_utf8_lossy(response)
    );
    let json: serde_json::Value = serde_json::from_str(&body_of(response))
        .unwrap_or_else(|error| panic!("{parameter}={value}: {error}"));
    assert!(json["Code"].is_string(), "{parameter}={value}: {json}");
    assert!(json["RequestId"].is_string(), "{parameter}={value}: {json}");
}

/// Arbitrary bytes on the wire, after a plausible start or none: the
/// emulator answers an HTTP error or closes the connection, never hangs
/// past its timeouts, and still serves a valid request afterwards.
#[test]
fn arbitrary_bytes_on_the_wire_never_break_the_server() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emulator = runtime.block_on(start_with_short_timeouts());
    let address = emulator.local_addr();
    let prefixes: &[&[u8]] = &[
        b"",
        b"GET / HTTP/1.1\r\n",
        b"GET /?Action=DescribeRegions&",
        b"POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\n",
        b"POST / HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n",
    ];
    let strategy = (
        prop::sample::select(prefixes),
        prop::collection::vec(any::<u8>(), 0..400),
    );
    let mut runner = TestRunner::new(Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(prefix, noise)| {
            let mut bytes = prefix.to_vec();
            bytes.extend_from_slice(&noise);
            let response = runtime.block_on(exchange(address, &bytes));
            if let Some(status) = status_of(&response) {
                prop_assert!(
                    (400..600).contains(&status),
                    "{}",
                    String::from_utf8_lossy(&response)
                );
            }
            Ok(())
        })
        .expect("arbitrary bytes are refused");
    runtime.block_on(assert_serves_valid_requests(&emulator));
}
