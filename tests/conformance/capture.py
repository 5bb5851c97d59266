#!/usr/bin/env python3
"""Capture golden wire requests from Alibaba Cloud's official Python SDK for RDS.

Purpose
-------
The Rust SDK for the RDS API (version 2014-08-15) needs conformance fixtures:
for every operation, what the *official* Python SDK
(``alibabacloud-rds20140815``) actually puts on the wire.  This script drives
that SDK against a loopback HTTP server, records every request, strips the
signing/common parameters (which are random or time dependent) and writes a
deterministic JSON fixture that a Rust test can compare against without Python.

For each operation of the api-docs metadata document, and each operation of
the SDK metadata (``spec/rds/2014-08-15/sdk-metadata.json``) that api-docs
lacks, sorted by name, it:

1. derives a deterministic value for EVERY documented parameter from the
   parameter's schema (see ``value_for_schema``);
2. builds the SDK request model with ``<Op>Request().from_map({wire: value})``;
3. calls ``client.<snake_op>_with_options(request, RuntimeOptions())``, which
   sends the request to the capture server;
4. decodes the captured query string / form body and records them.

Usage
-----
    python capture.py [--api-docs PATH] [--sdk-metadata PATH] [--out PATH]

Defaults are the repository's copies:
``--api-docs``     -> ``xtask/fixtures/import/Rds-2014-08-15.api-docs.en-US.json``,
``--sdk-metadata`` -> ``spec/rds/2014-08-15/sdk-metadata.json``,
``--out``          -> ``fixtures/requests.json`` next to the script.

Requires ``alibabacloud-rds20140815==16.0.2`` and ``alibabacloud-tea-openapi``
(see README.md for the venv/pip commands).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

# The SDK talks to 127.0.0.1 through `requests`, which honours *_PROXY
# environment variables.  A proxy configured in the environment must not
# swallow our loopback traffic.
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var), "127.0.0.1", "localhost"]))

from alibabacloud_rds20140815 import models as rds_models  # noqa: E402
from alibabacloud_rds20140815.client import Client as RdsClient  # noqa: E402
from alibabacloud_tea_openapi import utils_models as open_api_models  # noqa: E402
from darabonba.runtime import RuntimeOptions  # noqa: E402

SCRIPT_DIR = Path(__file__).resolve().parent
SDK_PACKAGE = "alibabacloud-rds20140815"
EXPECTED_SDK_VERSION = "16.0.2"

# Parameters the SDK adds for signing / protocol plumbing (RPC V1 style).
# They are random or time dependent, so they are stripped from the fixture.
COMMON_PARAMETERS = [
    "AccessKeyId",
    "Action",
    "Format",
    "SecurityToken",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureType",
    "SignatureVersion",
    "Timestamp",
    "Version",
]
# Parameters of the SDK's request models that no reference page documents
# and that the importer does not import (see `RESERVED_SDK_PARAMETERS` in
# xtask/src/import/sources.rs): the account fields and a business parameter
# named like the STS token.  They are never set for an SDK-only operation.
RESERVED_SDK_PARAMETERS = {"OwnerAccount", "OwnerId", "ResourceOwnerAccount", "ResourceOwnerId", "SecurityToken"}
# Headers worth keeping in the fixture (the V3 signature carries the action
# and version in headers instead of the query).  Everything else (authorization,
# nonce, date, content hash, user-agent, host, ...) is volatile or
# transport-specific.
KEPT_HEADERS = ["content-type", "x-acs-action", "x-acs-version"]


# ---------------------------------------------------------------------------
# Loopback capture server
# ---------------------------------------------------------------------------

class CaptureHandler(BaseHTTPRequestHandler):
    """Records every request and answers 200 {"RequestId":"conformance"}."""

    # HTTP/1.1 so the SDK's keep-alive connection pool works as in production.
    protocol_version = "HTTP/1.1"
    RESPONSE = b'{"RequestId":"conformance"}'

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()  # trailing CRLF
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._read_body()
        split = urlsplit(self.path)
        self.server.captured.append({
            "method": self.command,
            "path": split.path,
            "raw_query": split.query,
            # Header names are case-insensitive; normalise to lower case.
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        })
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.RESPONSE)))
        self.end_headers()
        self.wfile.write(self.RESPONSE)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def log_message(self, fmt, *args):  # keep stdout for the summary
        pass


def start_capture_server() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), CaptureHandler)  # port 0: random free port
    server.captured = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---------------------------------------------------------------------------
# Deterministic parameter values
# ---------------------------------------------------------------------------

def usable_string_example(example) -> bool:
    """An example is reused verbatim only when it is a plain, simple token.

    Multi-line, comma-separated or JSON-looking examples (e.g. `["a","b"]`)
    are documentation prose rather than values, so they are replaced by
    `<Name>-value`.
    """
    return (
        isinstance(example, str)
        and example.strip() != ""
        and "\n" not in example
        and "\r" not in example
        and "," not in example
        and not example.lstrip().startswith(("[", "{"))
        # Some examples are the literal placeholder "None"/"null"; sending
        # that would look like a leaked Python None in the fixture.
        and example.strip() not in ("None", "null")
    )


def _as_int(text):
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def _as_float(text):
    try:
        return float(str(text).strip())
    except (TypeError, ValueError):
        return None


def scalar_value(name: str, schema: dict):
    """Value for a string/integer/number/boolean schema."""
    typ = schema.get("type", "string")
    enum = [e for e in (schema.get("enum") or []) if e is not None]
    example = schema.get("example")
    if typ == "boolean":
        return True
    if typ == "integer":
        # Enum values are documented as strings ("10"); convert to the type.
        for candidate in ([enum[0]] if enum else []) + [example]:
            v = _as_int(candidate)
            if v is not None:
                return v
        return 1
    if typ == "number":
        # Always a float so Python and Rust (f64) serialise the same way.
        for candidate in ([enum[0]] if enum else []) + [example]:
            v = _as_float(candidate)
            if v is not None:
                return v
        return 1.0
    # string (and anything unknown is treated as a string)
    if enum:
        return str(enum[0])
    if usable_string_example(example):
        return example
    return f"{name}-value"


def value_for_schema(name: str, schema: dict):
    """Deterministic value for any schema (recursive for arrays/objects)."""
    typ = schema.get("type", "string")
    if typ == "object":
        props = schema.get("properties") or {}
        return {p: value_for_schema(p, s) for p, s in sorted(props.items())}
    if typ == "array":
        items = schema.get("items") or {"type": "string"}
        if items.get("type") in ("object", "array"):
            # Arrays of structures: one element with every property set.
            return [value_for_schema(name, items)]
        # Arrays of scalars: two *distinct* elements, so ordering and
        # indexing (Name.1 / Name.2) are visible in the fixture.
        first = scalar_value(name, items)
        itype = items.get("type", "string")
        if itype == "boolean":
            second = False
        elif itype in ("integer", "number"):
            second = first + 1
        else:
            second = f"{name}-value2"
        return [first, second]
    return scalar_value(name, schema)


# ---------------------------------------------------------------------------
# SDK plumbing
# ---------------------------------------------------------------------------

def sdk_method_index(client_cls) -> dict:
    """Map 'describedbinstances' -> 'describe_dbinstances_with_options'.

    The SDK's snake_case conversion of acronyms is irregular
    (DBInstance -> dbinstance, RCInstances -> rcinstances, and even
    DescribeDBInstanceSSL -> describe_dbinstance_sslwith_options, with no
    underscore before "with"), so rather than re-implementing it we index the
    client's methods by their name with the underscores removed and compare
    case-insensitively.
    """
    index = {}
    for attr in dir(client_cls):
        if attr.endswith("with_options") and not attr.startswith("_"):
            key = attr[: -len("with_options")].replace("_", "").lower()
            if key in index:
                raise RuntimeError(f"ambiguous SDK method names: {index[key]} / {attr}")
            index[key] = attr
    return index


class RecordingDict(dict):
    """A dict that remembers which keys `from_map` asked for.

    Passing it to a model's `from_map` reveals every wire name the SDK model
    knows, including ones the api-docs do not document.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)


# api-docs schema type -> how the SDK model annotates the field.
DOC_TO_PY_TYPE = {"string": "str", "integer": "int", "boolean": "bool", "number": "float"}


def sdk_type_mismatches(request_cls, values: dict, doc_types: dict) -> list:
    """Documented parameters whose SDK model field has a different type.

    Python does not enforce annotations, so this has no effect on what the
    Python SDK sends for our values, but a statically typed Rust SDK has to
    pick one of the two types.
    """
    annotations = {
        name: str(param.annotation)
        for name, param in inspect.signature(request_cls.__init__).parameters.items()
    }
    out = []
    for wire, value in values.items():
        # Find which Python attribute `from_map` fills for this wire name.
        model = request_cls().from_map({wire: value})
        # (list fields are initialised to [] by from_map, so ignore empties)
        attrs = [a for a, v in vars(model).items() if v is not None and v != []]
        if len(attrs) != 1:
            continue
        sdk_type = annotations.get(attrs[0], "?")
        doc_type = doc_types[wire]
        expected = DOC_TO_PY_TYPE.get(doc_type)
        if expected is None:  # array/object: the SDK uses List[...] / nested models
            ok = (doc_type == "array") == sdk_type.startswith("List[")
        else:
            ok = sdk_type == expected
        if not ok:
            out.append(f"{wire} (docs {doc_type}, SDK {sdk_type})")
    return out


DOTTED = re.compile(r"^(?P<prefix>[A-Za-z0-9]+)\.(?P<index>[0-9]+)\.(?P<field>[A-Za-z0-9]+)$")


def regroup_flattened(values: dict, known: set) -> dict:
    """Turn documented flattened names into the SDK's structured field.

    A few operations (AddTagsToResource, RemoveTagsFromResource,
    DescribeDBInstancesByPerformance) document `Tag.1.key` ... `Tag.5.value`
    as individual parameters, while the SDK model only has a `Tag` list of
    `{key, value}` objects that it flattens back to `Tag.N.key` on the wire.
    `from_map` would silently ignore the dotted names, so they are regrouped
    here (only when the model does not know the dotted name but knows the
    prefix).
    """
    out, groups = {}, {}
    for name, value in values.items():
        m = DOTTED.match(name)
        if m and name not in known and m["prefix"] in known:
            groups.setdefault(m["prefix"], {}).setdefault(int(m["index"]), {})[m["field"]] = value
        else:
            out[name] = value
    for prefix, by_index in groups.items():
        if prefix in out:
            raise RuntimeError(f"{prefix} is documented both flattened and structured")
        # List position i+1 becomes index i+1 on the wire, so the indices
        # must be contiguous from 1.
        if sorted(by_index) != list(range(1, len(by_index) + 1)):
            raise RuntimeError(f"non-contiguous indices for {prefix}: {sorted(by_index)}")
        out[prefix] = [by_index[i] for i in sorted(by_index)]
    return out


def decode_pairs(raw: str) -> dict:
    # The SDK encodes both query and form with urllib's urlencode
    # (quote_plus), so '+' means space: parse_qsl decodes it correctly.
    out = {}
    for k, v in parse_qsl(raw, keep_blank_values=True, strict_parsing=False):
        if k in out:
            raise RuntimeError(f"duplicate parameter {k!r} in {raw!r}")
        out[k] = v
    return out


def signature_version(headers: dict, query: dict) -> str:
    auth = headers.get("authorization", "")
    if auth.startswith("ACS3-"):
        return "v3"
    if "Signature" in query and query.get("SignatureVersion") == "1.0":
        return "v1"
    return "unknown"


def top_level_name(wire_key: str) -> str:
    # Flattened keys look like Tag.1.Key -> Tag.
    return wire_key.split(".", 1)[0]


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def capture_operation(client, server, op_name, api, method_name):
    params = api.get("parameters") or []
    values = {p["name"]: value_for_schema(p["name"], p.get("schema") or {}) for p in params}

    method = getattr(client, method_name)
    takes_request = len(inspect.signature(method).parameters) >= 2
    model_known = set()
    type_mismatches = []
    sdk_input = values
    server.captured.clear()
    if takes_request:
        request_cls = getattr(rds_models, f"{op_name}Request")
        doc_types = {p["name"]: (p.get("schema") or {}).get("type", "string") for p in params}
        type_mismatches = sdk_type_mismatches(request_cls, values, doc_types)
        probe = RecordingDict(values)
        request_cls().from_map(probe)
        model_known = probe.asked
        sdk_input = regroup_flattened(values, model_known)
        request = request_cls().from_map(sdk_input)
        method(request, RuntimeOptions())
    else:
        method(RuntimeOptions())

    if len(server.captured) != 1:
        raise RuntimeError(f"expected exactly 1 request, captured {len(server.captured)}")
    cap = server.captured[0]

    query_all = decode_pairs(cap["raw_query"])
    headers = cap["headers"]
    ctype = headers.get("content-type", "")
    body = cap["body"]

    entry = {
        "method": cap["method"],
        "path": cap["path"],
        "values": values,
        "signature": signature_version(headers, query_all),
        "query": {k: v for k, v in query_all.items() if k not in COMMON_PARAMETERS},
        "form": {},
        "headers": {h: headers[h] for h in KEPT_HEADERS if h in headers},
    }
    if sdk_input != values:
        # Record what was really given to from_map when it differs from the
        # documented names (see regroup_flattened).
        entry["sdk_from_map"] = sdk_input
    if body:
        if ctype.startswith("application/x-www-form-urlencoded"):
            form_all = decode_pairs(body.decode("utf-8"))
            entry["form"] = {k: v for k, v in form_all.items() if k not in COMMON_PARAMETERS}
            if entry["signature"] == "v3":
                # Deterministic under V3 (no nonce/timestamp in the body):
                # keep the exact encoding for byte-level comparisons.
                entry["raw_form"] = body.decode("utf-8")
        else:
            # Not form-encoded (e.g. JSON): keep it raw.
            entry["body"] = body.decode("utf-8", errors="replace")
    if entry["signature"] == "v3":
        # Under V3 the query carries only operation parameters, so the raw
        # string is deterministic and shows the SDK's exact percent-encoding.
        entry["raw_query"] = cap["raw_query"]

    documented = set(values)
    # A sent key counts under its own name when that name is documented
    # (e.g. Tag.1.key), otherwise under its top-level name (Tag.1.Key -> Tag).
    in_query = {k if k in documented else top_level_name(k) for k in entry["query"]}
    in_form = {k if k in documented else top_level_name(k) for k in entry["form"]}
    sent = in_query | in_form
    if "body" in entry:
        sent.add("<raw body>")
    # Does the SDK put each parameter where the api-docs say (`in`)?
    wrong_place = []
    for p in params:
        where = "query" if p["name"] in in_query else "formData" if p["name"] in in_form else None
        if where is not None and where != p.get("in"):
            wrong_place.append(f"{p['name']} (docs {p.get('in')}, SDK {where})")
    diff = {
        "sent_not_documented": sorted(sent - documented),
        "documented_not_sent": sorted(documented - sent),
        "location_differs": wrong_place,
        "type_differs": type_mismatches,
        "model_fields_not_documented": sorted(model_known - documented),
    }
    return entry, diff


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--api-docs", type=Path,
                    default=SCRIPT_DIR.parent.parent / "xtask" / "fixtures" / "import" / "Rds-2014-08-15.api-docs.en-US.json",
                    help="api-docs metadata document (default: the repository copy under xtask/fixtures/import)")
    ap.add_argument("--sdk-metadata", type=Path,
                    default=SCRIPT_DIR.parent.parent / "spec" / "rds" / "2014-08-15" / "sdk-metadata.json",
                    help="the SDK metadata written by sdk_metadata.py, for the operations api-docs lacks")
    ap.add_argument("--out", type=Path, default=SCRIPT_DIR / "fixtures" / "requests.json",
                    help="fixture to write (default: fixtures/requests.json next to this script)")
    args = ap.parse_args(argv)
    if not args.api_docs.is_file():
        ap.error(f"api-docs document not found: {args.api_docs} (pass --api-docs PATH)")

    sdk_version = metadata.version(SDK_PACKAGE)
    if sdk_version != EXPECTED_SDK_VERSION:
        print(f"warning: {SDK_PACKAGE} {sdk_version} installed, fixtures expect {EXPECTED_SDK_VERSION}",
              file=sys.stderr)
    versions = {
        "package": SDK_PACKAGE,
        "version": sdk_version,
        "tea_openapi": metadata.version("alibabacloud-tea-openapi"),
    }

    apis = json.loads(args.api_docs.read_text(encoding="utf-8"))["apis"]
    sources = {name: "apiDocs" for name in apis}
    if args.sdk_metadata.is_file():
        for name, api in json.loads(args.sdk_metadata.read_text(encoding="utf-8"))["apis"].items():
            if name in apis:
                continue
            parameters = [p for p in api.get("parameters") or [] if p["name"] not in RESERVED_SDK_PARAMETERS]
            apis[name] = {**api, "parameters": parameters}
            sources[name] = "sdkMetadata"
    else:
        print(f"warning: no SDK metadata at {args.sdk_metadata}; only api-docs operations are captured",
              file=sys.stderr)

    server = start_capture_server()
    port = server.server_address[1]
    config = open_api_models.Config(
        access_key_id="LTAI5tConformance",
        access_key_secret="ConformanceSecret",
        endpoint=f"127.0.0.1:{port}",
        protocol="http",
        region_id="cn-hangzhou",
    )
    client = RdsClient(config)
    index = sdk_method_index(RdsClient)

    operations, failures, diffs = {}, {}, {}
    for op_name in sorted(apis):
        method_name = index.get(op_name.lower())
        if method_name is None:
            failures[op_name] = "no <op>_with_options method on the SDK client"
            continue
        try:
            entry, diff = capture_operation(client, server, op_name, apis[op_name], method_name)
        except Exception as exc:  # record and continue with the next operation
            failures[op_name] = f"{type(exc).__name__}: {exc}"
            if os.environ.get("CAPTURE_DEBUG"):
                traceback.print_exc()
            continue
        entry["source"] = sources[op_name]
        operations[op_name] = entry
        if any(diff.values()):
            diffs[op_name] = diff

    server.shutdown()

    fixture = {
        "sdk": versions,
        "common_parameters": COMMON_PARAMETERS,
        "operations": operations,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fixture, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                        encoding="utf-8")

    # ---- summary ----------------------------------------------------------
    print(f"SDK: {versions}")
    print(f"captured {len(operations)}/{len(apis)} operations -> {args.out} "
          f"({sum(1 for s in sources.values() if s == 'sdkMetadata')} from the SDK metadata)")
    by_sig, by_method = {}, {}
    for e in operations.values():
        by_sig[e["signature"]] = by_sig.get(e["signature"], 0) + 1
        by_method[e["method"]] = by_method.get(e["method"], 0) + 1
    print(f"signature versions: {by_sig}; HTTP methods: {by_method}")
    if failures:
        print(f"FAILED ({len(failures)}):")
        for op, err in failures.items():
            print(f"  {op}: {err}")
    if diffs:
        # Most request models carry the same undocumented account fields;
        # report those once instead of once per operation.
        ubiquitous = {"OwnerAccount", "OwnerId", "ResourceOwnerAccount", "ResourceOwnerId", "SecurityToken"}
        counts = {}
        for d in diffs.values():
            for name in d["model_fields_not_documented"]:
                if name in ubiquitous:
                    counts[name] = counts.get(name, 0) + 1
        print("parameter differences between the documented parameters and the SDK:")
        if counts:
            print("  (all ops) undocumented SDK model fields, never set here: "
                  + ", ".join(f"{k} in {v} ops" for k, v in sorted(counts.items())))
        for op, d in diffs.items():
            for kind, names in d.items():
                if kind == "model_fields_not_documented":
                    names = [n for n in names if n not in ubiquitous]
                if names:
                    print(f"  {op}: {kind}: {', '.join(names)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
