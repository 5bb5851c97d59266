#!/usr/bin/env python3
"""Drive Alibaba Cloud's official Python SDK through a provisioning lifecycle
against the RDS emulator, as the service's own clients would.

The emulator is an oracle check only if a client written by someone else
agrees with it. This script uses ``alibabacloud-rds20140815`` (the official
Python SDK, version 16.0.2) to run twelve steps against the emulator and
reports each as PASS or FAIL, exiting 1 if any failed:

 1. CreateDBInstance: a PostgreSQL 15.0 instance.
 2. DescribeDBInstanceAttribute until the instance is Running.
 3. CreateAccount, read back with DescribeAccounts.
 4. CreateDatabase, read back with DescribeDatabases.
 5. GrantAccountPrivilege (DBOwner on the database), read back with
    DescribeAccounts.
 6. DescribeDatabases lists the account's privilege on the database, and a
    second CreateAccount of the same name is InvalidAccountName.Duplicate.
 7. ModifySecurityIps, read back with DescribeDBInstanceIPArrayList.
 8. ModifyDBInstanceDescription, read back with DescribeDBInstanceAttribute.
 9. TagResources, then ListTagResources and DescribeDBInstances find the
    instance by its tag.
10. CreateBackup, whose job DescribeBackupTasks lists.
11. DescribeBackups until the instance's one backup is listed as Success.
12. DeleteDBInstance of the running instance, which is then Deleting, and
    DescribeDBInstanceAttribute answers InvalidDBInstanceId.NotFound once
    it is gone.

Every step checks its effect through the API, so a step passes only when
the emulator keeps what the step changed.

Usage
-----
    python lifecycle.py [--endpoint http://127.0.0.1:PORT]

Without ``--endpoint`` it starts ``aliyun-rds emulator --pace 1s --seed 18``
with ``cargo run`` from the repository and stops it at the end. Requires
``alibabacloud-rds20140815==16.0.2`` and ``alibabacloud-tea-openapi`` (see
README.md for the venv/pip commands). It is a developer step, not part of CI.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

# A proxy configured in the environment must not swallow loopback traffic.
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var), "127.0.0.1", "localhost"]))

from alibabacloud_rds20140815 import models as rds_models  # noqa: E402
from alibabacloud_rds20140815.client import Client as RdsClient  # noqa: E402
from alibabacloud_tea_openapi import utils_models as open_api_models  # noqa: E402
from darabonba.runtime import RuntimeOptions  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[2]
REGION = "cn-hangzhou"
# The emulator's documented demo key pair.
ACCESS_KEY_ID = "LTAI5tRdsEmulatorDemoKey"
ACCESS_KEY_SECRET = "RdsEmulatorDemoSecretNotForProduction"
# How long to poll for a change that takes the emulator's pace.
WAIT_SECONDS = 60


def method_index() -> dict:
    """'createdbinstance' -> 'create_dbinstance_with_options' (the SDK's
    snake case of acronyms is irregular, so names are compared without
    underscores)."""
    return {
        name[: -len("with_options")].replace("_", "").lower(): name
        for name in dir(RdsClient)
        if name.endswith("with_options") and not name.startswith("_")
    }


class Rds:
    """Calls operations by their API name with wire-named parameters."""

    def __init__(self, endpoint: str):
        address = urlsplit(endpoint)
        config = open_api_models.Config(
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=ACCESS_KEY_SECRET,
            endpoint=address.netloc,
            protocol=address.scheme,
            region_id=REGION,
        )
        self.client = RdsClient(config)
        self.methods = method_index()

    def call(self, operation: str, **parameters) -> dict:
        request = getattr(rds_models, f"{operation}Request")().from_map(parameters)
        method = getattr(self.client, self.methods[operation.lower()])
        return method(request, RuntimeOptions()).body.to_map()

    def error_code(self, operation: str, **parameters) -> str | None:
        """The error code of a call that fails, or None when it succeeds."""
        try:
            self.call(operation, **parameters)
        except Exception as error:  # the SDK raises its own exception types
            return getattr(error, "code", None) or type(error).__name__
        return None


def wait_for(read, want, what: str):
    """Polls `read()` until it returns `want`; returns every value seen."""
    seen = []
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = read()
        seen.append(value)
        if value == want:
            return seen
        time.sleep(0.5)
    raise AssertionError(f"{what} never became {want!r}: saw {seen}")


def expect(condition: bool, message: str):
    if not condition:
        raise AssertionError(message)


def run(rds: Rds) -> list:
    """The twelve steps; returns (step, passed, detail) for each."""
    results = []
    state = {}

    def step(name, action):
        try:
            detail = action()
            results.append((name, True, detail or ""))
            return True
        except Exception as error:  # report and continue where possible
            results.append((name, False, f"{type(error).__name__}: {error}"))
            return False

    def create():
        body = rds.call(
            "CreateDBInstance",
            RegionId=REGION,
            Engine="PostgreSQL",
            EngineVersion="15.0",
            DBInstanceClass="pg.n2.2c.2m",
            DBInstanceStorage=20,
            DBInstanceNetType="Intranet",
            SecurityIPList="10.0.0.1",
            PayType="Postpaid",
        )
        state["id"] = body["DBInstanceId"]
        expect(state["id"].startswith("pgm-"), f"unexpected ID {state['id']}")
        return state["id"]

    def attribute():
        body = rds.call("DescribeDBInstanceAttribute", DBInstanceId=state["id"])
        return body["Items"]["DBInstanceAttribute"][0]

    def wait_running():
        seen = wait_for(lambda: attribute()["DBInstanceStatus"], "Running", "the status")
        expect(seen[0] == "Creating", f"the first status was {seen[0]}")
        return " -> ".join(dict.fromkeys(seen))

    def accounts():
        return rds.call("DescribeAccounts", DBInstanceId=state["id"])["Accounts"]["DBInstanceAccount"]

    def databases():
        return rds.call("DescribeDatabases", DBInstanceId=state["id"])["Databases"]["Database"]

    def account():
        rds.call("CreateAccount", DBInstanceId=state["id"], AccountName="app_user", AccountPassword="Passw0rd!")
        names = [entry["AccountName"] for entry in accounts()]
        expect(names == ["app_user"], f"accounts: {names}")

    def database():
        rds.call("CreateDatabase", DBInstanceId=state["id"], DBName="orders", CharacterSetName="UTF8")
        listed = databases()
        expect([entry["DBName"] for entry in listed] == ["orders"], f"databases: {listed}")
        expect(listed[0]["CharacterSetName"] == "UTF8", f"{listed[0]}")

    def grant():
        rds.call(
            "GrantAccountPrivilege",
            DBInstanceId=state["id"],
            AccountName="app_user",
            DBName="orders",
            AccountPrivilege="DBOwner",
        )
        privileges = accounts()[0]["DatabasePrivileges"]["DatabasePrivilege"]
        expect(
            [(entry["DBName"], entry["AccountPrivilege"]) for entry in privileges] == [("orders", "DBOwner")],
            f"privileges: {privileges}",
        )

    def read_back():
        listed = databases()
        holders = listed[0]["Accounts"]["AccountPrivilegeInfo"]
        expect(
            [(entry["Account"], entry["AccountPrivilege"]) for entry in holders] == [("app_user", "DBOwner")],
            f"the database's accounts: {holders}",
        )
        # The service refuses a second account of the same name.
        code = rds.error_code("CreateAccount", DBInstanceId=state["id"], AccountName="app_user", AccountPassword="Passw0rd!")
        expect(code == "InvalidAccountName.Duplicate", f"a duplicate account answered {code}")

    def whitelist():
        rds.call("ModifySecurityIps", DBInstanceId=state["id"], SecurityIps="10.1.0.0/16,192.168.3.4")
        arrays = rds.call("DescribeDBInstanceIPArrayList", DBInstanceId=state["id"])["Items"]["DBInstanceIPArray"]
        expect(arrays[0]["SecurityIPList"] == "10.1.0.0/16,192.168.3.4", f"{arrays}")

    def description():
        rds.call("ModifyDBInstanceDescription", DBInstanceId=state["id"], DBInstanceDescription="orders primary")
        expect(attribute()["DBInstanceDescription"] == "orders primary", "the description did not change")

    def tag():
        rds.call(
            "TagResources",
            RegionId=REGION,
            ResourceType="INSTANCE",
            ResourceId=[state["id"]],
            Tag=[{"Key": "team", "Value": "orders"}],
        )
        found = rds.call(
            "ListTagResources",
            RegionId=REGION,
            ResourceType="INSTANCE",
            Tag=[{"Key": "team", "Value": "orders"}],
        )["TagResources"]["TagResource"]
        expect(
            [(entry["ResourceId"], entry["TagKey"], entry["TagValue"]) for entry in found]
            == [(state["id"], "team", "orders")],
            f"found: {found}",
        )
        listed = rds.call("DescribeDBInstances", RegionId=REGION, Tags='{"team":"orders"}')["Items"]["DBInstance"]
        expect([entry["DBInstanceId"] for entry in listed] == [state["id"]], f"instances by tag: {listed}")

    def backup():
        state["job"] = rds.call("CreateBackup", DBInstanceId=state["id"])["BackupJobId"]
        jobs = rds.call("DescribeBackupTasks", DBInstanceId=state["id"], BackupJobId=state["job"])["Items"]["BackupJob"]
        expect([job["BackupJobId"] for job in jobs] == [state["job"]], f"jobs: {jobs}")
        return f"job {state['job']}"

    def backup_finished():
        def status():
            body = rds.call("DescribeBackups", DBInstanceId=state["id"])
            backups = body["Items"]["Backup"]
            expect(str(body["TotalRecordCount"]) == "1", f"backups: {backups}")
            expect(backups[0]["DBInstanceId"] == state["id"], f"backups: {backups}")
            return backups[0]["BackupStatus"]

        return " -> ".join(dict.fromkeys(wait_for(status, "Success", "the backup")))

    def delete():
        expect(attribute()["DBInstanceStatus"] == "Running", "the instance is not running before its deletion")
        rds.call("DeleteDBInstance", DBInstanceId=state["id"])
        expect(attribute()["DBInstanceStatus"] == "Deleting", "the instance is not being deleted")

        def code():
            return rds.error_code("DescribeDBInstanceAttribute", DBInstanceId=state["id"])

        wait_for(code, "InvalidDBInstanceId.NotFound", "DescribeDBInstanceAttribute's error")

    steps = [
        ("CreateDBInstance (PostgreSQL 15.0)", create),
        ("wait until Running", wait_running),
        ("CreateAccount", account),
        ("CreateDatabase", database),
        ("GrantAccountPrivilege", grant),
        ("the database's accounts, and no duplicate account", read_back),
        ("change the whitelist", whitelist),
        ("change the description", description),
        ("tag, and find by tag", tag),
        ("CreateBackup", backup),
        ("the backup is listed as finished", backup_finished),
        ("DeleteDBInstance: Deleting, then InvalidDBInstanceId.NotFound", delete),
    ]
    for name, action in steps:
        step(name, action)
    return results


def start_emulator() -> tuple[subprocess.Popen, str]:
    """`aliyun-rds emulator` through cargo; returns it and its URL."""
    process = subprocess.Popen(
        [
            "cargo", "run", "--quiet", "-p", "aliyun-rds-cli", "--",
            "emulator", "--listen", "127.0.0.1:0", "--pace", "1s", "--seed", "18",
        ],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().strip()
    if not line.startswith("listening on "):
        process.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return process, line[len("listening on "):]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", help="a running emulator, such as http://127.0.0.1:8080")
    args = parser.parse_args()
    process = None
    endpoint = args.endpoint
    if endpoint is None:
        process, endpoint = start_emulator()
    try:
        results = run(Rds(endpoint))
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    for number, (name, passed, detail) in enumerate(results, start=1):
        print(f"{number:2}. {'PASS' if passed else 'FAIL'}  {name}" + (f"  ({detail})" if detail else ""))
    passed = sum(1 for _, ok, _ in results if ok)
    print(f"{passed} of {len(results)} steps passed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
