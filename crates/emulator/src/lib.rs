//! A local emulator of the Alibaba Cloud RDS API (version 2014-08-15).
//!
//! Nobody can call the real cloud from a test suite or a CI box, and a
//! database switchover is not something to try first in production. This crate
//! is a real HTTP server that speaks the RDS RPC protocol the way the real
//! endpoint does: it checks both signature schemes (`HMAC-SHA1` signature
//! version 1.0 and `ACS3-HMAC-SHA256`) with its own implementation, answers
//! the gateway errors of the real service with their exact codes and messages,
//! and models the migration state behind `ActivateMigrationTargetInstance`.
//! Tests can inject faults (delays, error responses, malformed bodies, dropped
//! connections), shift the emulator's clock and count requests per action.
//!
//! # Quick start
//!
//! ```no_run
//! use aliyun_rds_emulator::{Emulator, Fault, Fixture};
//!
//! # async fn example() -> std::io::Result<()> {
//! let emulator = Emulator::builder()
//!     .fixture(Fixture::demo())
//!     .start("127.0.0.1:0")
//!     .await?;
//! println!("RDS emulator listening on {}", emulator.base_url());
//!
//! // The next request naming this action is answered with `Throttling.User`
//! // and an `x-acs-retry-after: 1` header.
//! emulator
//!     .faults()
//!     .inject("ActivateMigrationTargetInstance", Fault::throttling(Some("1")), 1);
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Without any [`EmulatorBuilder::key_pair`] call the emulator accepts the
//! documented demo pair [`DEMO_ACCESS_KEY_ID`] / [`DEMO_ACCESS_KEY_SECRET`].
//!
//! # How a request is handled
//!
//! Every request goes through the same steps, in this order:
//!
//! 1. The whole request is read (bodies above 1 MiB are refused with
//!    `InvalidParameter`). Parameters come from the query string and, when the
//!    content type is `application/x-www-form-urlencoded`, from the body.
//! 2. If the request names an action (the `Action` parameter, or the
//!    `x-acs-action` header for `ACS3-HMAC-SHA256`), that action's request
//!    counter is incremented, whatever the outcome of the request.
//! 3. The method must be `GET` or `POST` (`UnsupportedHTTPMethod`) and the
//!    path `/` (`InvalidAction.NotFound`).
//! 4. Authentication ([`mod@signature`] holds the canonicalisation): signing
//!    parameters present and well formed, timestamp format, access key known,
//!    signature, clock skew (at most 15 minutes either way), security token,
//!    and finally the nonce, which is remembered for 15 minutes per access key.
//! 5. Injected faults for the action apply here, after the signature has been
//!    verified, as a real gateway throttles only requests it has
//!    authenticated. So a client that retries after an injected fault must
//!    sign again with a fresh nonce, exactly as against the real service.
//! 6. `Version` must be `2014-08-15` (`InvalidVersion`), and the action must
//!    be one the emulator implements (`InvalidAction.NotFound`).
//! 7. The operation runs against the shared state and its JSON answer is
//!    sent.
//!
//! Every answer, success or error, carries a fresh upper-case `RequestId`
//! (also in the `x-acs-request-id` header) and a `Date` header from the
//! emulator's clock, so a client can correct its own clock skew. Answers are
//! always JSON, whatever the `Format` parameter says (`JSON` or `XML`, in any
//! case, are both accepted).
//!
//! # Fixture format
//!
//! The emulator's state is read from a JSON document ([`Fixture`]). Unknown
//! fields are errors, so a typo is reported rather than ignored:
//!
//! ```json
//! {
//!   "Instances": [
//!     {
//!       "DBInstanceName": "pgm-demo-ready",
//!       "DBInstanceStatus": "Running",
//!       "Engine": "PostgreSQL",
//!       "EngineVersion": "16.0",
//!       "RegionId": "cn-hangzhou",
//!       "MigrationTask": {
//!         "TaskId": 440913675,
//!         "Stage": "synchronized",
//!         "SourceIpAddress": "172.16.10.21",
//!         "SourcePort": 5432
//!       }
//!     }
//!   ]
//! }
//! ```
//!
//! | field | required | meaning |
//! | --- | --- | --- |
//! | `Instances[]` | yes | The RDS instances the account owns. |
//! | `DBInstanceName` | yes | The instance ID, unique in the fixture, not empty. |
//! | `DBInstanceStatus` | yes | The instance status as RDS reports it: `Running`, `Locked`, `Creating`, ... Only `Running` allows a switchover. |
//! | `Engine` | yes | The database engine, for example `PostgreSQL`. |
//! | `EngineVersion` | no | The engine version, for example `16.0`. |
//! | `RegionId` | no | The region the instance lives in. |
//! | `MigrationTask` | no | The cloud migration task whose target is this instance. |
//! | `MigrationTask.TaskId` | yes | The task ID, a positive integer. |
//! | `MigrationTask.Stage` | yes | `syncing` (data still copying), `synchronized` (ready to switch over) or `completed` (switched over; no longer running). |
//! | `MigrationTask.SourceIpAddress` | yes | The address of the self-managed source database. |
//! | `MigrationTask.SourcePort` | yes | Its port, 1 to 65535. |
//!
//! The built-in [`Fixture::demo`] holds four instances: `pgm-demo-ready` (a
//! synchronized task: the switchover succeeds), `pgm-demo-syncing` (a task not
//! yet synchronized), `pgm-demo-notask` (no migration task) and
//! `pgm-demo-locked` (an instance that is not running).
//!
//! # Implemented operations
//!
//! Operations live in a dispatch table from action name to handler (see the
//! `operations` module); adding one is a new module and one table entry.
//! Today the table holds `ActivateMigrationTargetInstance`.
#![warn(missing_docs)]

mod clock;
mod credentials;
mod error;
mod faults;
mod fixture;
mod migration;
mod operations;
mod pipeline;
mod request;
mod server;
pub mod signature;
mod state;
mod verify;

pub use credentials::{KeyPair, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
pub use faults::{Fault, FaultHandle};
pub use fixture::{Fixture, FixtureError, InstanceSnapshot, MigrationStage, MigrationTask};
pub use server::{Emulator, EmulatorBuilder, RunningEmulator, ShutdownHandle};

/// The only API version the emulator serves, as sent in `Version` or
/// `x-acs-version`.
pub const API_VERSION: &str = "2014-08-15";
