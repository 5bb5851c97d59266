//! A local emulator of the Alibaba Cloud RDS API (version 2014-08-15).
//!
//! It stands beside the SDK rather than in its layers: it builds on the
//! model layer (`aliyun-codec`) alone, for the metadata of the operations
//! it answers, and checks signatures with code of its own, so that it is
//! an independent check of the runtime's signer.
//!
//! Nobody can call the real cloud from a test suite or a CI box, and a
//! database switchover is not something to try first in production. This crate
//! is a real HTTP server that speaks the RDS RPC protocol the way the real
//! endpoint does: it checks both signature schemes (`HMAC-SHA1` signature
//! version 1.0 and `ACS3-HMAC-SHA256`) with its own implementation, answers
//! the gateway errors of the real service with their exact codes and messages,
//! and keeps state: one in-memory model of the account (instances of the
//! four engines with their status machine, accounts and privileges,
//! databases, whitelists, endpoints, parameters, backups, tags, settings,
//! events and tasks, and the cloud migration workflow that ends with
//! `ActivateMigrationTargetInstance`) sits behind the operations, so what a
//! program creates it can describe, change and delete (see "The model"
//! below, and the [`coverage`] page for each operation).
//! Tests can inject faults (delays, error responses, malformed bodies, dropped
//! connections), shift the emulator's clock, count requests per action and
//! observe every request ([`EmulatorBuilder::observer`]). Every size, time
//! and count it keeps is bounded (see [`EmulatorBuilder::max_header_bytes`]
//! and the options after it), so it can serve as a shared service in CI.
//! With [`EmulatorBuilder::tls`] it serves HTTPS with a given certificate, so
//! that a client's handling of a private CA can be tested on loopback.
//! With its `postgres` feature (Linux), `EmulatorBuilder::postgres` puts a
//! real PostgreSQL cluster behind every PostgreSQL instance created
//! through the API and performs the cloud migration for real (see "Real
//! PostgreSQL" below).
//!
//! # Quick start
//!
//! ```no_run
//! use aliyun_rds_emulator::{Emulator, Fault, Fixture, Pace};
//!
//! # async fn example() -> std::io::Result<()> {
//! let emulator = Emulator::builder()
//!     .fixture(Fixture::demo())
//!     // Instances are created, restarted and deleted at once: no waiting.
//!     .pace(Pace::instant())
//!     // The same IDs on every run.
//!     .seed(42)
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
//! 1. The whole request is read (bodies above 1 MiB, or that take more than
//!    30 seconds to arrive, are refused with `InvalidParameter`; see
//!    [`EmulatorBuilder::max_body_bytes`] and the other limits). Parameters
//!    come from the query string and, when the
//!    content type is `application/x-www-form-urlencoded`, from the body.
//! 2. If the request names an action (the `Action` parameter, or the
//!    `x-acs-action` header for `ACS3-HMAC-SHA256`), that action's request
//!    counter is incremented, whatever the outcome of the request.
//! 3. The method must be `GET` or `POST` (`UnsupportedHTTPMethod`) and the
//!    path `/` (`InvalidAction.NotFound`), except for the emulator's own
//!    control requests under `/_emulator/` (see "Control for tests").
//! 4. Authentication ([`mod@signature`] holds the canonicalisation): signing
//!    parameters present and well formed, timestamp format, access key known,
//!    signature, clock skew (at most 15 minutes either way), security token,
//!    and finally the nonce, which is remembered for 15 minutes per access key.
//! 5. Injected faults for the action apply here, after the signature has been
//!    verified, as a real gateway throttles only requests it has
//!    authenticated. So a client that retries after an injected fault must
//!    sign again with a fresh nonce, exactly as against the real service.
//! 6. `Version` must be `2014-08-15` (`InvalidVersion`), and the action must
//!    be one the emulator models or was given the documentation of
//!    ([`EmulatorBuilder::documented_operations`]; otherwise
//!    `InvalidAction.NotFound`).
//! 7. The operation runs against the model, holding its lock (changes in
//!    progress whose time has come end first), and its JSON answer is sent.
//!    An operation that changes an instance a real engine stands behind
//!    ([`EngineBackend`]) is validated under the lock, applied by the
//!    engine without it, then committed under the lock again, so a slow
//!    engine never holds up the rest of the emulator.
//!
//! Every answer, success or error, carries a fresh upper-case `RequestId`
//! (also in the `x-acs-request-id` header) and a `Date` header from the
//! emulator's clock, so a client can correct its own clock skew. Answers are
//! always JSON, whatever the `Format` parameter says (`JSON` or `XML`, in any
//! case, are both accepted).
//!
//! # STS
//!
//! The emulator also answers the Security Token Service (API version
//! `2015-04-01`) on the same address, so the SDK's RAM role and OIDC
//! providers can be pointed at it with `ALIBABA_CLOUD_STS_ENDPOINT`. A
//! request whose `Version` is `2015-04-01` is routed to STS (step 6 above
//! then does not apply; injected faults apply by STS action name, after
//! authentication):
//!
//! * `AssumeRole` (`RoleArn`, `RoleSessionName`, `DurationSeconds` 900 to
//!   43200, optional `Policy` and `ExternalId`) is authenticated like an
//!   RDS call, so it can be signed with a long-lived pair or with
//!   temporary credentials (role chaining);
//! * `AssumeRoleWithOIDC` (`RoleArn`, `OIDCProviderArn`, `OIDCToken`,
//!   `RoleSessionName`, `DurationSeconds`) is unsigned and needs a token the
//!   emulator was given ([`EmulatorBuilder::oidc_token`], else
//!   [`DEMO_OIDC_TOKEN`] from [`DEMO_OIDC_PROVIDER_ARN`]).
//!
//! The role must be one the emulator knows ([`EmulatorBuilder::sts_role`],
//! else [`DEMO_ROLE_ARN`]). Errors use STS's codes:
//! `InvalidParameter.RoleArn`, `InvalidParameter.RoleSessionName`,
//! `InvalidParameter.DurationSeconds`, `EntityNotExist.Role`,
//! `EntityNotExist.OIDCProvider`, `AuthenticationFail.OIDCToken.Invalid`,
//! and the signature errors above. An answer carries `Credentials`
//! (`AccessKeyId` starting `STS.`, `AccessKeySecret`, `SecurityToken`,
//! `Expiration` as `YYYY-MM-DDThh:mm:ssZ`) and `AssumedRoleUser`. The
//! issued pair is accepted, with its token, until `Expiration` on the
//! emulator's clock ([`EmulatorBuilder::sts_credential_lifetime`] makes it
//! short); after that every request signed with it is refused with
//! `InvalidSecurityToken.Expired`.
//!
//! # Fixture format
//!
//! The emulator's starting state is read from a JSON document ([`Fixture`]);
//! its instances join the model like the ones created through the API. Unknown
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
//! | `DBInstanceStatus` | yes | The instance status as RDS reports it: `Running`, `Locked`, `Creating`, ... Only `Running` allows a switchover or a cloud migration. |
//! | `Engine` | yes | The database engine, for example `PostgreSQL`. Cloud migration needs `PostgreSQL`. |
//! | `EngineVersion` | no | The engine version, for example `16.0`. |
//! | `RegionId` | no | The region the instance lives in; `cn-hangzhou` when absent. |
//! | `ZoneId` | no | Its zone; the region followed by `-h` when absent. |
//! | `DBInstanceDescription` | no | A description; empty when absent. |
//! | `DBInstanceClass` | no | The instance type; by engine when absent (`pg.n2.2c.2m` for PostgreSQL). |
//! | `DBInstanceStorage` | no | Storage in GB; 20 when absent. |
//! | `DBInstanceType` | no | `Primary` (the default), `Readonly`, ... |
//! | `Category` | no | `HighAvailability` (the default), `Basic`, ... |
//! | `PayType` | no | `Postpaid` (the default) or `Prepaid`. |
//! | `InstanceNetworkType` | no | `VPC` (the default) or `Classic`. |
//! | `VpcId`, `VSwitchId` | no | The instance's VPC and vSwitch; placeholder IDs for a VPC instance when absent, empty for a classic one. |
//! | `ConnectionString` | no | The internal endpoint; `<DBInstanceName>.pg.rds.aliyuncs.com` (by engine) when absent. |
//! | `Port` | no | The internal port, 1 to 65535; by engine when absent (5432 for PostgreSQL). |
//! | `CreationTime` | no | `YYYY-MM-DDThh:mm:ssZ`; `2026-01-05T08:00:00Z` when absent, so answers are the same on every run. |
//! | `CloudResourceAuthorized` | no | Whether RDS may use the cloud resources the migration workflow needs; `true` when absent. |
//! | `MigrationTask` | no | The cloud migration task whose target is this instance. |
//! | `MigrationTask.TaskId` | yes | The task ID, a positive integer, unique in the fixture. |
//! | `MigrationTask.Stage` | yes | `basebackup`, `startup`, `syncing` (data still copying), `synchronized` (ready to switch over) or `completed` (switched over; no longer running); see [`MigrationStage`]. |
//! | `MigrationTask.SourceIpAddress` | yes | The address of the self-managed source database. |
//! | `MigrationTask.SourcePort` | yes | Its port, 1 to 65535. |
//! | `PendingStatus` | no | A status the instance moves to by itself, as a new instance moves from `Creating` to `Running`: `{"Status": "Running", "AfterPolls": 3}` reports `DBInstanceStatus` for the first 3 answers that describe the instance (`DescribeDBInstanceAttribute`, or `DescribeDBInstances` with the instance on the page), then `Running`. This is what a waiter such as `aliyun-rds --waiter` polls for. |
//!
//! Many instances, for paging, need no fixture file:
//! [`Fixture::with_seeded_instances`] and [`EmulatorBuilder::seed_instances`]
//! (or `aliyun-rds emulator --seed-instances 250`) add running MySQL
//! instances named `rm-seed-000001`, `rm-seed-000002`, ... in order.
//!
//! The built-in [`Fixture::demo`] holds these instances:
//!
//! | instance | what it is for |
//! | --- | --- |
//! | `pgm-demo-ready` | A synchronized task: the switchover succeeds. |
//! | `pgm-demo-syncing` | A task not yet synchronized (catching up): the switchover needs `ForceSwitch=1`, or polls of `DescribeCloudMigrationResult` until it is synchronized. |
//! | `pgm-demo-notask` | No migration task. |
//! | `pgm-demo-locked` | An instance that is not running (`Locked`). |
//! | `pgm-demo-target` | A running, authorized PostgreSQL instance without a task: the whole cloud migration workflow succeeds on it. |
//! | `pgm-demo-unauthorized` | Like `pgm-demo-target`, but its cloud resources are not authorized: prechecks and migration tasks are refused. |
//! | `rm-demo-mysql` | A MySQL instance in `cn-shanghai`: not a cloud migration target. |
//!
//! # The cloud migration workflow
//!
//! Moving a self-managed PostgreSQL into an RDS instance takes six steps,
//! all modelled here, deterministically so that tests and waiters can rely
//! on them:
//!
//! 1. **`CheckCloudResourceAuthorized`** (`DBInstanceId`) answers
//!    `AuthorizationState` `1` (authorized) or `0` (not authorized, from the
//!    fixture's `CloudResourceAuthorized: false`) and a `RoleArn`. Neither
//!    `DBInstanceId` nor `TargetRegionId`:
//!    `InvalidParameter.ByokInsnameAndRegionAllEmpty`; an unknown instance:
//!    `InvalidDBInstanceId.NotFound`.
//! 2. **`CreateCloudMigrationPrecheckTask`** checks its parameters
//!    (`DBInstanceName`, `SourceIpAddress`, `SourcePort`, `SourceAccount`,
//!    `SourcePassword`, `SourceCategory` required: `MissingParameter`; an
//!    address that is not IPv4 or IPv6, or a port outside 1 to 65535:
//!    `InvalidParameter`; a `SourceCategory` other than `idcOnVpc` or
//!    `ecsOnVpc`, in any case: `InvalidSourceCategory`), then the target (see
//!    below), and creates a precheck task, finished at once unless
//!    [`EmulatorBuilder::precheck_polls`] says otherwise. Its report fails
//!    when the target already has a migration task (`Check rds databases`)
//!    or when the source address lies in a range reserved for documentation
//!    (`192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`:
//!    the connectivity checks); otherwise it passes.
//! 3. **`DescribeCloudMigrationPrecheckResult`** lists the instance's
//!    precheck tasks, oldest first, filtered by `TaskId`, `TaskName`,
//!    `SourceIpAddress`, `SourcePort`, paged by `PageNumber` (default 1) and
//!    `PageSize` (30 to 100, default 30). `Detail` holds one
//!    `<check>: success` or `<check>: failed` line per item under `[group]`
//!    headings, and ends with `*Migrate check success*` or
//!    `*Migrate check failed*`. With `n` precheck polls
//!    ([`EmulatorBuilder::precheck_polls`], 0 by default) the first `n`
//!    answers that list a new task show its report still being written:
//!    the lines of the items checked so far (a growing share) and no
//!    verdict line; from answer `n + 1` on the report is complete. Until
//!    then `CreateCloudMigrationTask` refuses the source with
//!    `InvalidParameter`, saying the precheck is still running.
//! 4. **`CreateCloudMigrationTask`** takes the same parameters (an unknown
//!    `SourceCategory` is `InvalidParameter` here, the code this operation
//!    documents none for), checks the target, and needs the latest precheck
//!    of the same source (address, port, account, category) for that
//!    instance to have passed: otherwise `InvalidParameter` with the message
//!    `No passed precheck task matches this instance and source.` An
//!    instance that already has a migration task (in any stage) refuses a
//!    second one with `IncorrectDBInstanceState`. The new task becomes the
//!    instance's [`MigrationTask`], in [`MigrationStage::BaseBackup`].
//! 5. **`DescribeCloudMigrationResult`** (`DBInstanceName`; filters and
//!    paging as above, `PageSize` 1 to 100) reports the task. Every
//!    successful call is one poll, counted before the answer is built: with
//!    `n` polls per stage ([`EmulatorBuilder::polls_per_stage`], 2 by
//!    default) a new task is reported in each of the first three rows below
//!    for `n` polls, then synchronized from poll `3n + 1` on:
//!
//!    | [`MigrationStage`] | `MigrateStage` | `ReplicationState` | `ReplicationInfo` `Synced` |
//!    | --- | --- | --- | --- |
//!    | `BaseBackup` | `basebackup` | `unstarted` | `false` |
//!    | `Startup` | `startup` | `unstarted` | `false` |
//!    | `Syncing` | `increment` | `catchup` | `false` |
//!    | `Synchronized` | `increment` | `streaming` | `true` |
//!    | `Completed` | `success` | `finish` | `true` |
//!
//!    **Ready to switch over** means `MigrateStage` is `increment` and
//!    `ReplicationState` is `streaming` (the task is
//!    [`MigrationStage::Synchronized`]); a task stays there until it is
//!    switched over. A fixture task starts where its `Stage` says and
//!    progresses the same way (`pgm-demo-syncing` is synchronized after `n`
//!    polls).
//! 6. **`ActivateMigrationTargetInstance`** then succeeds (before that it
//!    answers `InvalidMigrateStatus` unless `ForceSwitch=1`), and the task
//!    reads `MigrateStage` `success` with a `SwitchTime`.
//!
//! The target checks of steps 2 and 4, in order: an unknown instance is
//! `InvalidDBInstanceName.NotFound`, one that is not `Running`
//! `IncorrectDBInstanceState`, one that does not run PostgreSQL
//! `InvalidDBInstanceEngineType.Format`, and one whose cloud resources are
//! not authorized `InvalidUserOperatorPermission`.
//!
//! `SourcePassword` is required but never stored: it appears in no answer
//! (the describe operations leave their `SourcePassword` field out), no
//! error hint and no `Debug` output. Task IDs are handed out in increasing
//! order from 441000000 (above any fixture task ID); a task created without
//! `TaskName` is named `precheck-<TaskId>` or `migration-<TaskId>`. Times
//! come from the emulator's clock.
//!
//! # Describing instances and regions
//!
//! `DescribeDBInstances` (`RegionId` required) lists the region's instances
//! in creation order (the fixture's first) as `Items.DBInstance[]`, with
//! `PageNumber`, `PageRecordCount` (the entries on this page) and
//! `TotalRecordCount` (all matching entries), however many there are; it
//! filters by `DBInstanceId` (comma-separated IDs; when none of them is an
//! instance, `InvalidDBInstanceId.NotFound`), `Engine`, `DBInstanceStatus`,
//! `EngineVersion`, `DBInstanceClass`, `DBInstanceType`, `ZoneId`,
//! `InstanceNetworkType`, `VpcId`, `VSwitchId`, `PayType`, `Category`,
//! `ConnectionString`, `ResourceGroupId`, `Tags` (a JSON object of keys and
//! values the instance must all carry), `Expired` and `SearchKey` (part of
//! an ID or description), and pages by `PageNumber` and `PageSize` (1 to
//! 100, default 30), or by `NextToken` and `MaxResults` (1 to 100, default
//! 30) when either is given: each answer's `NextToken` leads to the next
//! page and is empty on the last. `DescribeDBInstanceAttribute`
//! (`DBInstanceId`) answers `Items.DBInstanceAttribute[]` with one entry, or
//! `InvalidDBInstanceId.NotFound`. `DescribeRegions` answers
//! `Regions.RDSRegion[]`, one entry per zone: a few built-in regions plus
//! every region and zone an instance lives in; `AcceptLanguage` other than
//! `en-US` or `zh-CN` is `InvalidAcceptLanguage.NotFound`.
//!
//! # The model
//!
//! Every modelled operation reads and writes one in-memory model of the
//! account, kept behind one lock that each call holds while it runs, so
//! that no update is lost however many calls are in flight. The
//! [`coverage`] page lists, for each of the API's operations, whether it is
//! modelled (reads or writes the model), checked (names an instance, which
//! is checked) or documented (answers its documented example).
//!
//! **Instances** of the four engines (`MySQL`, `PostgreSQL`, `SQLServer`,
//! `MariaDB`, in the versions `CreateDBInstance` documents), primary,
//! read-only and temporary, move through the service's statuses; each
//! change ends at the emulator's [`Pace`] (three seconds by default, so a
//! waiter really waits; [`Pace::polls`] ends it after that many answers
//! that report it, [`Pace::instant`] at once), and shows as a task until it
//! ends:
//!
//! | operation | status while in progress | then |
//! | --- | --- | --- |
//! | `CreateDBInstance`, `CreateReadOnlyDBInstance`, `CloneDBInstance`, `CreateTempDBInstance` (the new instance) | `Creating` | `Running` |
//! | `CreateTempDBInstance` (its source) | `TempDBInstanceCreating` | `Running` |
//! | `RestartDBInstance`, `ModifyParameter` with `Forcerestart` | `Restarting` | `Running` |
//! | `ModifyDBInstanceSpec`, `UpgradeDBInstanceEngineVersion` | `DBInstanceClassChanging` | `Running` |
//! | `UpgradeDBInstanceKernelVersion` | `MinorVersionUpgrading` | `Running` |
//! | `MigrateToOtherZone` | `DBInstanceNetTypeChanging` | `Running` |
//! | `SwitchDBInstanceHA` | `HASwitching` | `Running` |
//! | `StopDBInstance` | `Stopping` | `Stopped` |
//! | `StartDBInstance` | `Starting` | `Running` |
//! | `DeleteDBInstance` | `Deleting` | gone: `InvalidDBInstanceId.NotFound` |
//!
//! New instance IDs are the engine's prefix and 16 lower-case letters and
//! digits: `pgm-` (`pgr-` read-only) for PostgreSQL, `rm-` (`rr-`) for the
//! others. Backups (`CreateBackup`) run at the same pace, one at a time per
//! instance, and then list as `Success`. Accounts, databases and privileges,
//! whitelists and templates, endpoints (the internal one, a public one
//! allocated and released, read/write splitting), parameters (each engine's
//! parameters with RDS's defaults and ranges, `DescribeParameterTemplates`
//! lists them) and parameter groups, the backup policy, tags (both
//! families), settings (SSL, TDE, deletion protection, the maintenance
//! window, high availability, the description, and the smaller settings
//! one operation changes and another reports) and events all change at
//! once. A change that needs a running instance refuses any other status.
//!
//! **Answers carry the state.** An answer has the shape of the operation's
//! documented example (when the emulator has its metadata) with every value
//! the model knows in place of the example's: IDs, names, statuses,
//! engines, counts, times and the totals of paged lists; lists the model
//! does not know of are empty and placeholder identifiers are blanked.
//! Filters and pages are computed from the model.
//!
//! **Errors are the operation's own.** A refused change answers the first of
//! its candidate codes that the operation's error table documents, with
//! that row's HTTP status and message (for example `IncorrectDBInstanceState`
//! with 403 for `CreateAccount`, or the common `InvalideStatus.Format` where
//! a table lists nothing more specific); without the metadata, the code's
//! most common documented row.
//!
//! **The rules modelled**, each with the operation's code:
//!
//! * an unknown instance: `InvalidDBInstanceId.NotFound` (or
//!   `InvalidDBInstanceName.NotFound` for operations that name it so); a
//!   change to an instance that is not in the status it needs: the
//!   documented state code;
//! * `Engine` and `EngineVersion` that `CreateDBInstance` does not document:
//!   `InvalidDBInstanceEngineType.Format`, `InvalidEngineVersion.Malformed`;
//! * deletion protection refuses `DeleteDBInstance`
//!   (`OperationDenied.DeletionProtection`), and so do read-only instances
//!   still attached (`ChildDBInstanceExists`);
//! * account names: 2 to the engine's maximum characters (32 for MySQL, 63
//!   for PostgreSQL, 64 for SQL Server, 16 for MariaDB) of lower-case
//!   letters (upper case too for MySQL), digits and underscores, starting
//!   with a letter and ending with a letter or digit
//!   (`InvalidCharacter.DbOrAccount`); not a reserved name such as `root`,
//!   `admin` or `postgres` (`InvalidAccountName.Forbid`); unique
//!   (`InvalidAccountName.Duplicate`); one privileged (`Super`) account per
//!   instance (`AccountLimitExceeded`); passwords of 8 to 32 characters with
//!   three of upper case, lower case, digits and `!@#$%^&*()_+-=`
//!   (`InvalidAccountPassword.Format`); passwords are never kept;
//! * database names: 2 to 64 lower-case letters, digits, underscores and
//!   hyphens, starting with a letter and ending with a letter or digit; not
//!   a reserved name (`mysql`, `postgres`, `template1`, `master`, ...:
//!   `InvalidDBName.Forbid`); unique (`InvalidDBName.Duplicate`); a
//!   character set the engine offers;
//! * privileges on an unknown account (`InvalidAccountName.NotFound`) or
//!   database (`InvalidDBName.NotFound`), privileges the engine does not
//!   have (PostgreSQL grants `DBOwner`, and on local disks, `local_ssd`,
//!   `ReadWrite`, `ReadOnly`, `DDLOnly` and `DMLOnly` too; MySQL and MariaDB `ReadWrite`,
//!   `ReadOnly`, `DDLOnly`, `DMLOnly`; SQL Server `ReadWrite`, `ReadOnly`,
//!   `DBOwner`: `InvalidAccountPrivilege.Malformed`), and lists of databases
//!   and privileges that do not pair up;
//! * whitelist entries: IPv4 or IPv6 addresses or CIDR blocks, each once,
//!   at most 1,000 per instance and 200 groups; a group may not take a
//!   template's name;
//! * connection string prefixes of 5 to 40 letters, digits and hyphens,
//!   unique on the account; public ports 1000 to 5999; one public endpoint
//!   per instance;
//! * parameters the engine has, with values in their documented range;
//!   those that need a restart wait for one;
//! * tags: keys of 1 to 128 characters not starting with `aliyun` or
//!   `acs:`, values of at most 128, at most 20 per instance, a key once per
//!   request;
//! * one backup job at a time per instance (`BackupJobExists`); a retention
//!   of 7 to 730 days, backup days `Monday` to `Sunday`, a one-hour backup
//!   window;
//! * a maintenance window of whole hours (`HH:00Z-HH:00Z`); TDE, once on,
//!   stays on (except on SQL Server).
//!
//! Operations that are not modelled but name an instance (`DBInstanceId`,
//! `DbInstanceId`, `DBInstanceName` or `InsName`; several IDs separated by
//! commas are each checked) check it: an unknown one gets the operation's
//! documented not-found code; a change (documented as `create`, `update` or
//! `delete`) to an instance that is not `Running` gets its documented state
//! code. They answer the documented example with the request's own
//! instance ID and parameter values in place of the example's.
//!
//! # Real PostgreSQL
//!
//! With the `postgres` feature on Linux, `EmulatorBuilder::postgres`
//! (`aliyun-rds emulator --postgres`) starts the `postgres` module's
//! engine with the emulator and makes its `PostgresBackend` the engine
//! backend (see [`EngineBackend`] for how changes reach it):
//!
//! * every PostgreSQL instance created through the API is a cluster of its
//!   own on a free port of `127.0.0.1`, which `DescribeDBInstanceAttribute`
//!   and `DescribeDBInstanceNetInfo` report (`ConnectionString`,
//!   `IPAddress`, `Port`); `CreateDBInstance` answers once the cluster
//!   accepts connections, and a change in progress ends once the cluster
//!   is at rest and the [`Pace`] has passed (the pace is a minimum);
//! * the account, database, privilege, whitelist, parameter, restart,
//!   stop, start and delete operations act on the cluster (the `postgres`
//!   module's table);
//! * the cloud migration into such an instance is real: the precheck runs
//!   the assessment report's checks against the source in the background
//!   (the task reports no verdict until it ends; each check reads
//!   `success`, `warning(...)` or `fail(error:...)`), the migration copies
//!   the source with `pg_basebackup` and streams from it
//!   (`DescribeCloudMigrationResult` reports the stages, the replication
//!   state and `ReplicationInfo` as read from both servers, every 250 ms),
//!   and `ActivateMigrationTargetInstance` waits (at most two minutes,
//!   else `SqlExecuteFailedOrTimeout`) until the target has replayed what
//!   the source had committed, then promotes it;
//! * without PostgreSQL's programs, or when a cluster does not start, the
//!   operation answers `ExternalFailure` with the reason as `Recommend`,
//!   and the reason is written to standard error; a statement a server
//!   refuses answers `SqlExecuteFailedOrTimeout`, or the operation's own
//!   code where one fits (`InvalidAccountName.Duplicate`,
//!   `InvalidDBName.Duplicate`, `InvalidParameters.Format`), and an
//!   `EngineVersion` of another major version than the installed one
//!   `InvalidEngineVersion.Malformed`.
//!
//! Fixture and state-file instances, and other engines, stay in memory,
//! with the migration model described above.
//!
//! # Control for tests
//!
//! * [`EmulatorBuilder::pace`] (`aliyun-rds emulator --pace 3s|500ms|2polls|instant`):
//!   how long changes take.
//! * [`EmulatorBuilder::seed`] (`--seed N`): the IDs of new instances,
//!   backups, tasks and groups are the same on every run with the same
//!   calls; changes take exactly the pace, so timings are reproducible too.
//! * [`EmulatorBuilder::state_file`] (`--state FILE`): start from the state
//!   saved in the file when it exists, and save the state there on
//!   [`RunningEmulator::shutdown`] (the CLI on Ctrl-C or SIGTERM).
//!   [`RunningEmulator::state_json`] and `GET /_emulator/state` answer the
//!   same JSON.
//! * [`RunningEmulator::reset`] and `POST /_emulator/reset` put the state the
//!   emulator started with back (with its seed), between tests. The control
//!   requests under `/_emulator/` are not signed, like the rest of a test
//!   harness's plumbing.
//! * [`EmulatorBuilder::engine_backend`]: an [`EngineBackend`] puts a real
//!   database engine behind the instances created with the engines it
//!   serves. The model checks each change against the rules, then the
//!   emulator awaits [`EngineBackend::apply`] with it ([`InstanceChange`]:
//!   an instance created, restarted, stopped, started or deleted; an
//!   account created, deleted, locked or given a new password; a database
//!   created or deleted; a privilege granted or revoked; the whitelist or
//!   parameters changed; a cloud migration started or switched over)
//!   without holding the model's lock, and commits it only then, so a
//!   refusal leaves the model unchanged (the `backend` module's
//!   documentation has the details); a change in progress ends only once
//!   [`EngineBackend::status`] is ready; and [`EngineBackend::endpoint`]
//!   is what the describe operations report as the instance's internal
//!   endpoint (connection string, IP address and port).
//! * `EmulatorBuilder::postgres` (the `postgres` feature): real PostgreSQL
//!   behind the PostgreSQL instances, as above; [`RunningEmulator::shutdown`]
//!   stops the clusters and removes their data, and dropping the emulator
//!   kills them.

mod backend;
mod clock;
pub mod coverage;
mod credentials;
mod error;
mod execute;
mod faults;
mod fixture;
mod gates;
mod limits;
mod model;
mod observe;
mod operations;
mod pipeline;
#[cfg(all(feature = "postgres", target_os = "linux"))]
pub mod postgres;
mod request;
mod server;
mod shared;
pub mod signature;
mod sts;
mod traffic;
mod verify;

pub use backend::{
    BackendEndpoint, BackendError, BackendFuture, BackendStatus, EngineBackend, InstanceChange,
    MigrationReport, MigrationSource, PrecheckOutcome,
};
pub use credentials::{KeyPair, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
pub use faults::{Fault, FaultHandle};
pub use fixture::{Fixture, FixtureError, InstanceSnapshot, MigrationStage, MigrationTask};
pub use model::pace::{Pace, PaceParseError};
pub use observe::Observation;
pub use request::API_VERSION;
pub use server::{Emulator, EmulatorBuilder, RunningEmulator, ShutdownHandle};
pub use sts::{DEMO_OIDC_PROVIDER_ARN, DEMO_OIDC_TOKEN, DEMO_ROLE_ARN, STS_API_VERSION};
