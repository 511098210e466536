#!/usr/bin/env python3
"""Checks messages against the contract files: schemas/asyncapi.yaml and the JSON Schemas it
points to. Used by the tests with the events the worker really produced.

    check_contracts.py CHANNEL FILE   CHANNEL: requests | results | deadLetters
        FILE: JSON lines; for requests and results each line is a message value, for
        deadLetters each line is {"headers": {...}} (the value is opaque bytes).

Prints one line per message that fails, and a summary; exit status 1 when any failed.
The document itself is checked too: AsyncAPI 3, the three channels and their addresses.
"""
import json
import os
import sys

import jsonschema
import yaml

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas")
channel, path = sys.argv[1], sys.argv[2]
with open(os.path.join(root, "asyncapi.yaml")) as f:
    document = yaml.safe_load(f)
assert document["asyncapi"].startswith("3."), "not an AsyncAPI 3 document"
addresses = {name: c["address"] for name, c in document["channels"].items()}
assert addresses == {
    "requests": "okayface.verification.requests",
    "results": "okayface.verification.results",
    "deadLetters": "okayface.verification.requests.dlq",
}, addresses


def resolve(reference):
    """A local '#/...' pointer into the document."""
    node = document
    for part in reference.lstrip("#/").split("/"):
        node = node[part]
    return node


channel_node = document["channels"][channel]
(message_ref,) = [m["$ref"] for m in channel_node["messages"].values()]
message = resolve(message_ref)
if channel == "deadLetters":
    schema = message["headers"]
    key = "headers"
else:
    with open(os.path.join(root, message["payload"]["schema"]["$ref"])) as f:
        schema = json.load(f)
    key = None
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())

failed = total = 0
with open(path) as f:
    for number, line in enumerate(f, 1):
        if not line.strip():
            continue
        total += 1
        instance = json.loads(line)
        if key:
            instance = instance[key]
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            failed += 1
            print(f"line {number}: " + "; ".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors))
print(f"{channel}: {total} messages, {failed} failed")
sys.exit(1 if failed or total == 0 else 0)
