#!/usr/bin/env python3
"""Extract the RDS operation metadata of Alibaba Cloud's official Python SDK.

Purpose
-------
The official SDKs ship operations that the OpenAPI Explorer ``api-docs``
document does not describe (RDS Custom, import tasks, replication links...).
They are generated from machine-readable metadata, and the published Python
package carries it in plain sight: ``client.py`` says, per operation, the
wire name and position (query or body) of every parameter, its style
(``array_to_string_with_specified_style(..., 'json' | 'simple')``), the HTTP
method, auth type and body types; ``models/`` gives every request and
response model with its field types, wire names and descriptions (as
comments, with "This parameter is required." on the required ones).

This script reads a downloaded wheel of that package WITHOUT importing or
running any of its code (Python's ``ast`` module parses the sources) and
writes ``spec/rds/2014-08-15/sdk-metadata.json``: the same shape as the
``api-docs`` document (``info``, ``apis``), so ``cargo xtask import`` reads
both sources with one reader, plus a ``source`` block naming the package,
its version and the wheel's SHA-256. Only data goes into the repository,
never the package's code.

Usage
-----
    pip download 'alibabacloud-rds20140815==16.0.2' --no-deps -d /tmp/sdk
    python3 sdk_metadata.py --wheel /tmp/sdk/alibabacloud_rds20140815-16.0.2-py3-none-any.whl

``--out`` defaults to ``spec/rds/2014-08-15/sdk-metadata.json`` in the
repository. The output is deterministic: the same wheel gives the same bytes.
Needs only the Python standard library.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path

SCRIPT_DIR = Path(__file__).resolve().parent
REPO_ROOT = SCRIPT_DIR.parent.parent
DEFAULT_OUT = REPO_ROOT / "spec" / "rds" / "2014-08-15" / "sdk-metadata.json"
PACKAGE = "alibabacloud-rds20140815"
MODULE = "alibabacloud_rds20140815"
PRODUCT = "Rds"
API_VERSION = "2014-08-15"
REQUIRED_NOTE = "This parameter is required."


class Model:
    """One model class: its fields in declaration order."""

    def __init__(self, name: str):
        self.name = name
        # attribute -> {"annotation": ast node, "description": str|None,
        #               "required": bool, "wire": str|None}
        self.fields: dict[str, dict] = {}


def comment_block(lines: list[str], start: int, end: int) -> list[str]:
    """The comment lines (without ``#``) between two source lines."""
    block = []
    for line in lines[start:end]:
        stripped = line.strip()
        if stripped.startswith("#"):
            text = stripped[1:]
            block.append(text[1:] if text.startswith(" ") else text)
    return block


def description_of(block: list[str]) -> tuple[str | None, bool]:
    """The description of a commented field, and whether it is required."""
    required = any(line.strip() == REQUIRED_NOTE for line in block)
    kept = [line.rstrip() for line in block if line.strip() != REQUIRED_NOTE]
    while kept and not kept[-1].strip():
        kept.pop()
    while kept and not kept[0].strip():
        kept.pop(0)
    text = "\n".join(kept)
    return (text or None), required


def parse_models(wheel: zipfile.ZipFile) -> dict[str, Model]:
    """Every model class of ``models/``, by class name."""
    models: dict[str, Model] = {}
    for info in sorted(wheel.infolist(), key=lambda item: item.filename):
        name = info.filename
        if not (name.startswith(f"{MODULE}/models/_") and name.endswith(".py")):
            continue
        source = wheel.read(info).decode("utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                models[node.name] = parse_model(node, lines)
    return models


def parse_model(node: ast.ClassDef, lines: list[str]) -> Model:
    model = Model(node.name)
    for function in node.body:
        if not isinstance(function, ast.FunctionDef):
            continue
        if function.name == "__init__":
            annotations = {
                argument.arg: argument.annotation for argument in function.args.args[1:]
            }
            # Comments sit between the previous statement (or the
            # signature, which holds no comment lines) and `self.x = x`.
            previous_end = function.lineno
            for statement in function.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.targets[0], ast.Attribute)
                    and statement.targets[0].attr in annotations
                ):
                    attribute = statement.targets[0].attr
                    block = comment_block(lines, previous_end, statement.lineno - 1)
                    description, required = description_of(block)
                    model.fields[attribute] = {
                        "annotation": annotations[attribute],
                        "description": description,
                        "required": required,
                        "wire": None,
                    }
                previous_end = statement.end_lineno or statement.lineno
        elif function.name == "to_map":
            # Each field is written under `if self.x is not None:` as
            # `result['Wire'] = ...` (or appended to `result['Wire']`, for
            # lists and maps): that names its wire name.
            for statement in ast.walk(function):
                if not isinstance(statement, ast.If):
                    continue
                attribute = self_attribute(statement.test)
                if attribute not in model.fields:
                    continue
                for inner in ast.walk(statement):
                    if (
                        isinstance(inner, ast.Subscript)
                        and isinstance(inner.value, ast.Name)
                        and inner.value.id == "result"
                        and literal(inner.slice) is not None
                    ):
                        model.fields[attribute]["wire"] = literal(inner.slice)
                        break
    return model


def self_attribute(node: ast.AST) -> str | None:
    """The `x` of the first `self.x` inside an expression."""
    for inner in ast.walk(node):
        if (
            isinstance(inner, ast.Attribute)
            and isinstance(inner.value, ast.Name)
            and inner.value.id == "self"
        ):
            return inner.attr
    return None


class SchemaBuilder:
    """Turns Python annotations into api-docs schema nodes."""

    def __init__(self, models: dict[str, Model]):
        self.models = models

    def schema(self, annotation: ast.AST, description: str | None, stack: tuple[str, ...]) -> dict:
        node = self.type_of(annotation, stack)
        if description:
            node = {**node, "description": description}
        return node

    def type_of(self, annotation: ast.AST, stack: tuple[str, ...]) -> dict:
        text = ast.unparse(annotation)
        scalars = {
            "str": {"type": "string"},
            "bytes": {"type": "string", "format": "byte"},
            "int": {"type": "integer"},
            "float": {"type": "number"},
            "bool": {"type": "boolean"},
            "Any": {"type": "any"},
        }
        if text in scalars:
            return dict(scalars[text])
        if text.startswith("Dict[") or text == "dict":
            # A free-form map: the SDK gives no keys to describe.
            return {"type": "object"}
        if isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value) == "List":
            return {"type": "array", "items": self.type_of(annotation.slice, stack)}
        if text.startswith("main_models."):
            return self.object_of(text[len("main_models."):], stack)
        raise SystemExit(f"error: unknown annotation {text!r}")

    def object_of(self, class_name: str, stack: tuple[str, ...]) -> dict:
        if class_name in stack:
            raise SystemExit(f"error: recursive model {' -> '.join(stack + (class_name,))}")
        model = self.models[class_name]
        properties = {}
        for attribute, field in model.fields.items():
            wire = field["wire"]
            if wire is None:
                raise SystemExit(f"error: {class_name}.{attribute} has no wire name in to_map")
            node = self.schema(field["annotation"], field["description"], stack + (class_name,))
            if field["required"]:
                node["required"] = True
            properties[wire] = node
        return {"type": "object", "properties": properties}


def literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def parse_operations(wheel: zipfile.ZipFile, models: dict[str, Model]) -> dict[str, dict]:
    source = wheel.read(f"{MODULE}/client.py").decode("utf-8")
    tree = ast.parse(source)
    client = next(node for node in tree.body if isinstance(node, ast.ClassDef))
    builder = SchemaBuilder(models)
    operations = {}
    for function in client.body:
        # The synchronous `<op>_with_options` methods hold everything; the
        # async twins say the same.
        if not isinstance(function, ast.FunctionDef) or not function.name.endswith("with_options"):
            continue
        operation = parse_operation(function, models, builder)
        if operation is not None:
            name, api = operation
            operations[name] = api
    return dict(sorted(operations.items()))


def parse_operation(function: ast.FunctionDef, models: dict[str, Model], builder: SchemaBuilder):
    request_class = ast.unparse(function.args.args[1].annotation).removeprefix("main_models.")
    request_model = models[request_class]
    params: dict[str, str] = {}
    styles: dict[str, str] = {}  # attribute of the original request -> style
    shrunk: dict[str, str] = {}  # attribute of the shrink request -> original attribute
    placements: list[tuple[str, str, str]] = []  # (wire, position, original attribute)
    whole_request_in_query = False
    response_class = None
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("Params"):
            params = {keyword.arg: literal(keyword.value) for keyword in node.keywords}
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "Utils.array_to_string_with_specified_style":
            original = node.args[0]
            if isinstance(original, ast.Attribute):
                styles[original.attr] = literal(node.args[2])
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Attribute):
            value = node.value
            if isinstance(value, ast.Call) and ast.unparse(value.func) == "Utils.array_to_string_with_specified_style":
                shrunk[node.targets[0].attr] = value.args[0].attr
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            target = node.targets[0]
            container = ast.unparse(target.value)
            wire = literal(target.slice)
            if container in ("query", "body") and wire is not None and isinstance(node.value, ast.Attribute):
                position = "query" if container == "query" else "body"
                placements.append((wire, position, node.value.attr))
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "query":
            if ast.unparse(node.value) == "Utils.query(request.to_map())":
                whole_request_in_query = True
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "DaraCore.from_map":
            response_class = ast.unparse(node.args[0].func).removeprefix("main_models.")
    action = params.get("action")
    if action is None:
        return None
    if whole_request_in_query:
        placements = [
            (field["wire"], "query", attribute) for attribute, field in request_model.fields.items()
        ]
    body_type = params.get("req_body_type")
    parameters = []
    for wire, position, attribute in placements:
        original = shrunk.get(attribute, attribute)
        field = request_model.fields[original]
        schema = builder.schema(field["annotation"], field["description"], (request_class,))
        if field["required"]:
            schema["required"] = True
        parameter = {
            "name": wire,
            "in": "query" if position == "query" else ("formData" if body_type == "formData" else "body"),
        }
        style = styles.get(original)
        if style is None and schema["type"] == "array":
            # The SDK's query flattening writes lists as Name.1, Name.2...
            style = "repeatList"
        if style is not None:
            parameter["style"] = style
        parameter["schema"] = schema
        parameters.append(parameter)
    response_model = models[response_class]
    body = response_model.fields["body"]
    response_schema = builder.type_of(body["annotation"], (response_class,))
    api = {
        "title": action,
        "methods": [params["method"].lower()],
        "pathname": params.get("pathname"),
        "authType": params.get("auth_type"),
        "reqBodyType": body_type,
        "bodyType": params.get("body_type"),
        "parameters": parameters,
        "responses": {"200": {"schema": response_schema}},
    }
    return action, api


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", required=True, type=Path, help="the downloaded wheel of " + PACKAGE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    data = args.wheel.read_bytes()
    match = re.match(rf"{MODULE}-([0-9][^-]*)-", args.wheel.name)
    if match is None:
        print(f"error: {args.wheel.name} is not a wheel of {PACKAGE}", file=sys.stderr)
        return 1
    with zipfile.ZipFile(args.wheel) as wheel:
        models = parse_models(wheel)
        operations = parse_operations(wheel, models)
    document = {
        "source": {
            "package": PACKAGE,
            "registry": "PyPI",
            "version": match.group(1),
            "file": args.wheel.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "extractedBy": "tests/conformance/sdk_metadata.py",
            "note": "Derived data: the operations, parameters and models of the package's client.py and models/, in the shape of the api-docs document. The package carries no summaries, examples or error tables.",
        },
        "info": {"style": "RPC", "product": PRODUCT, "version": API_VERSION},
        "apis": operations,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(operations)} operations from {args.wheel.name} written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
