//! Paginators of the generated client, against servers on loopback: the
//! emulator paging `DescribeDBInstances` by token over 250 seeded
//! instances, and a small test server paging by page number, answering
//! pages that fail, and repeating a token.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aliyun_rds::paginator::PaginationError;
use aliyun_rds::{CallOverrides, Client, Config, Credentials, RetryConfig, SdkError};
use aliyun_rds_emulator::{Emulator, Fault, Fixture, RunningEmulator};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const REGION: &str = "cn-hangzhou";
const INSTANCES: usize = 250;
const LIST: &str = "DescribeDBInstances";

/// Every page size the tests page with: one item, a size that does not
/// divide the total, the service's default, and the documented maximum.
const PAGE_SIZES: [u32; 4] = [1, 7, 30, 100];

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::empty())
        .seed_instances(REGION, INSTANCES)
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

fn client(endpoint: &str, max_attempts: u32) -> Client {
    Client::new(
        Config::builder()
            .endpoint_url(endpoint)
            .credentials(Credentials::new(
                aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
                aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
            ))
            .retry(
                RetryConfig::default()
                    .with_max_attempts(max_attempts)
                    .with_backoff(Duration::from_millis(1), Duration::from_millis(1)),
            )
            .build(),
    )
    .unwrap()
}

fn seeded_names() -> Vec<String> {
    (1..=INSTANCES)
        .map(|number| format!("rm-seed-{number:06}"))
        .collect()
}

#[tokio::test]
async fn every_instance_comes_once_and_in_order_at_every_page_size() {
    let emulator = emulator().await;
    let client = client(&emulator.base_url(), 1);
    let mut expected_requests = 0;
    for page_size in PAGE_SIZES {
        let mut items = client
            .describe_db_instances(REGION)
            .into_paginator()
            .page_size(page_size)
            .items();
        let mut names = Vec::new();
        while let Some(instance) = items.next().await {
            let instance =
                instance.unwrap_or_else(|error| panic!("page size {page_size}: {error}"));
            names.push(instance.db_instance_id.expect("an instance id"));
        }
        assert_eq!(names, seeded_names(), "page size {page_size}");
        // One request per page, and none after the last.
        expected_requests += INSTANCES.div_ceil(page_size as usize);
        assert_eq!(
            emulator.request_count(LIST),
            expected_requests,
            "page size {page_size}"
        );
    }
}

#[tokio::test]
async fn pages_are_a_stream_and_the_default_page_size_is_the_documented_one() {
    let emulator = emulator().await;
    let client = client(&emulator.base_url(), 1);
    let pages: Vec<_> = client
        .describe_db_instances(REGION)
        .into_paginator()
        .send()
        .collect()
        .await;
    // The spec sends the documented default, 30, so that the service pages
    // by token from the first request: 9 pages, the last of 10 items and
    // without a next token.
    assert_eq!(pages.len(), 9);
    let mut names = BTreeSet::new();
    for (index, page) in pages.into_iter().enumerate() {
        let page = page.unwrap();
        let instances = page.items.unwrap().db_instance.unwrap();
        assert_eq!(instances.len(), if index == 8 { 10 } else { 30 });
        let last = index == 8;
        assert_eq!(
            page.next_token.as_deref().is_none_or(str::is_empty),
            last,
            "page {index}"
        );
        names.extend(instances.into_iter().filter_map(|item| item.db_instance_id));
    }
    assert_eq!(names.len(), INSTANCES);
}

#[tokio::test]
async fn each_page_is_retried_like_a_single_call() {
    let emulator = emulator().await;
    let client = client(&emulator.base_url(), 3);
    let mut items = client
        .describe_db_instances(REGION)
        .into_paginator()
        .page_size(100)
        .items();
    let mut names = Vec::new();
    for _ in 0..100 {
        names.push(items.next().await.unwrap().unwrap().db_instance_id.unwrap());
    }
    // The second page fails once; the client's retry policy resends it.
    emulator
        .faults()
        .inject(LIST, Fault::service_unavailable(), 1);
    while let Some(instance) = items.next().await {
        names.push(instance.unwrap().db_instance_id.unwrap());
    }
    assert_eq!(names, seeded_names());
    assert_eq!(emulator.request_count(LIST), 4);
}

#[tokio::test]
async fn a_failed_page_is_an_error_item_and_ends_the_stream() {
    let emulator = emulator().await;
    let client = client(&emulator.base_url(), 1);
    let mut items = client
        .describe_db_instances(REGION)
        .into_paginator()
        .page_size(100)
        .items();
    for _ in 0..100 {
        items.next().await.unwrap().unwrap();
    }
    emulator
        .faults()
        .inject(LIST, Fault::service_unavailable(), 1);
    match items.next().await {
        Some(Err(SdkError::Service(error))) => assert_eq!(error.code(), "ServiceUnavailable"),
        other => panic!("expected the page's error, got {other:?}"),
    }
    assert!(
        items.next().await.is_none(),
        "the stream ends after an error"
    );
    assert_eq!(emulator.request_count(LIST), 2);
}

#[tokio::test]
async fn every_page_goes_where_the_calls_overrides_send_it() {
    let usual = emulator().await;
    let other = emulator().await;
    let client = client(&usual.base_url(), 1);
    // Overrides of the request builder, and of the paginator itself.
    let from_builder = client
        .describe_db_instances(REGION)
        .customize(CallOverrides::new().endpoint_url(other.base_url()))
        .into_paginator()
        .page_size(100)
        .items()
        .count()
        .await;
    let from_paginator = client
        .describe_db_instances(REGION)
        .into_paginator()
        .customize(CallOverrides::new().endpoint_url(other.base_url()))
        .page_size(50)
        .items()
        .count()
        .await;
    assert_eq!((from_builder, from_paginator), (INSTANCES, INSTANCES));
    assert_eq!(other.request_count(LIST), 3 + 5);
    assert_eq!(usual.request_count(LIST), 0);
}

/// What the test server answers to one request's parameters.
type Answer = Box<dyn Fn(&HashMap<String, String>) -> Value + Send + Sync>;

/// A loopback HTTP server answering every request with `answer`'s JSON,
/// counting the requests. It reads the parameters from the query string
/// and the form body, and checks no signature: the client's signing is
/// tested elsewhere.
struct TestServer {
    base_url: String,
    requests: Arc<AtomicUsize>,
}

impl TestServer {
    async fn start(answer: Answer) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let answer = Arc::new(answer);
        let counter = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((connection, _)) = listener.accept().await {
                let answer = Arc::clone(&answer);
                let counter = Arc::clone(&counter);
                tokio::spawn(serve(connection, answer, counter));
            }
        });
        TestServer { base_url, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Serves the requests of one keep-alive connection.
async fn serve(mut connection: TcpStream, answer: Arc<Answer>, counter: Arc<AtomicUsize>) {
    let mut buffer = Vec::new();
    loop {
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
                break end + 4;
            }
            let mut chunk = [0u8; 4096];
            match connection.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
        let length: usize = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, value)| value.trim().parse().unwrap());
        while buffer.len() < head_end + length {
            let mut chunk = [0u8; 4096];
            match connection.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
            }
        }
        let body = buffer[head_end..head_end + length].to_vec();
        buffer.drain(..head_end + length);

        let target = head.split_whitespace().nth(1).unwrap_or("/");
        let query = target.split_once('?').map_or("", |(_, query)| query);
        let mut parameters: HashMap<String, String> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        parameters.extend(form_urlencoded::parse(&body).into_owned());
        counter.fetch_add(1, Ordering::SeqCst);
        let body = answer(&parameters).to_string();
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        if connection.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn integer(parameters: &HashMap<String, String>, name: &str) -> Option<usize> {
    parameters.get(name).map(|value| value.parse().unwrap())
}

/// `DescribeDBInstancesByExpireTime` paged by number over `total` items;
/// pages hold at most `cap` items whatever the request asks, as the
/// service caps its page sizes.
fn expiring_instances(total: usize, cap: usize) -> Answer {
    Box::new(move |parameters| {
        assert_eq!(parameters["Action"], "DescribeDBInstancesByExpireTime");
        let number = integer(parameters, "PageNumber").unwrap_or(1);
        let size = integer(parameters, "PageSize").unwrap_or(30).min(cap);
        let items: Vec<Value> = ((number - 1) * size..(number * size).min(total))
            .map(|index| json!({ "DBInstanceId": format!("rm-expiring-{index:04}") }))
            .collect();
        json!({
            "RequestId": "paging-test",
            "PageNumber": number,
            "PageRecordCount": items.len(),
            "TotalRecordCount": total,
            "Items": { "DBInstanceExpireTime": items }
        })
    })
}

#[tokio::test]
async fn page_number_listings_stop_when_the_total_is_reached() {
    let server = TestServer::start(expiring_instances(INSTANCES, 100)).await;
    let client = client(&server.base_url, 1);
    let expected: Vec<String> = (0..INSTANCES)
        .map(|index| format!("rm-expiring-{index:04}"))
        .collect();
    let mut expected_requests = 0;
    for page_size in PAGE_SIZES {
        let names: Vec<String> = client
            .describe_db_instances_by_expire_time()
            .into_paginator()
            .page_size(page_size)
            .items()
            .map(|item| item.unwrap().db_instance_id.unwrap())
            .collect()
            .await;
        assert_eq!(names, expected, "page size {page_size}");
        expected_requests += INSTANCES.div_ceil(page_size as usize);
        assert_eq!(
            server.requests(),
            expected_requests,
            "page size {page_size}"
        );
    }

    // Asked for more than the service gives, the listing follows the
    // pages' real size rather than stopping after the first.
    let names: Vec<String> = client
        .describe_db_instances_by_expire_time()
        .into_paginator()
        .page_size(500)
        .items()
        .map(|item| item.unwrap().db_instance_id.unwrap())
        .collect()
        .await;
    assert_eq!(names, expected);
    assert_eq!(server.requests(), expected_requests + 3);
}

#[tokio::test]
async fn page_number_listings_start_at_the_requested_page() {
    let server = TestServer::start(expiring_instances(INSTANCES, 100)).await;
    let client = client(&server.base_url, 1);
    let names: Vec<String> = client
        .describe_db_instances_by_expire_time()
        .page_number(3)
        .into_paginator()
        .page_size(100)
        .items()
        .map(|item| item.unwrap().db_instance_id.unwrap())
        .collect()
        .await;
    assert_eq!(names.len(), 50);
    assert_eq!(names.first().map(String::as_str), Some("rm-expiring-0200"));
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_listing_without_a_total_stops_at_an_empty_page() {
    // DescribeDatabases documents no total.
    let server = TestServer::start(Box::new(|parameters| {
        let number = integer(parameters, "PageNumber").unwrap_or(1);
        let names: Vec<Value> = if number <= 2 {
            (0..10)
                .map(|index| json!({ "DBName": format!("db-{number}-{index}") }))
                .collect()
        } else {
            Vec::new()
        };
        json!({ "RequestId": "paging-test", "Databases": { "Database": names } })
    }))
    .await;
    let client = client(&server.base_url, 1);
    let count = client
        .describe_databases("rm-1")
        .into_paginator()
        .page_size(10)
        .items()
        .map(Result::unwrap)
        .count()
        .await;
    assert_eq!(count, 20);
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn a_repeated_token_ends_the_listing_with_a_typed_error() {
    // Pages chain A, B, then back to A: following it would loop forever.
    let server = TestServer::start(Box::new(|parameters| {
        assert_eq!(parameters["Action"], "ListTagResources");
        let next = match parameters.get("NextToken").map(String::as_str) {
            None => "token-a",
            Some("token-a") => "token-b",
            Some(_) => "token-a",
        };
        json!({
            "RequestId": "paging-test",
            "NextToken": next,
            "TagResources": { "TagResource": [ { "ResourceId": next, "TagKey": "k", "TagValue": "v" } ] }
        })
    }))
    .await;
    let client = client(&server.base_url, 1);
    let mut pages = client
        .list_tag_resources(REGION, "INSTANCE")
        .into_paginator()
        .send();
    for expected in ["token-a", "token-b", "token-a"] {
        let page = pages.next().await.unwrap().unwrap();
        assert_eq!(page.next_token.as_deref(), Some(expected));
    }
    let error = pages.next().await.unwrap().expect_err("a repeated token");
    let message = error.to_string();
    match error {
        SdkError::Pagination(PaginationError::RepeatedToken {
            operation,
            token,
            page,
        }) => {
            assert_eq!(operation, "ListTagResources");
            assert_eq!(token, "token-a");
            assert_eq!(page, 3);
        }
        other => panic!("expected a repeated token, got {other:?}"),
    }
    assert!(message.contains("token-a"), "{message}");
    assert!(message.contains("page 3"), "{message}");
    assert!(
        pages.next().await.is_none(),
        "the stream ends after the error"
    );
    assert_eq!(server.requests(), 3);
}
