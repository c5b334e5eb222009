# SPDX-License-Identifier: GPL-2.0-or-later
"""ecs_validate.py - kmodwatch's ECS documents against ECS's own definitions, and Elastic's
prebuilt rules on module loads evaluated against them.

The documents: every tests/expected/*.ecs.json (test_golden checks each, byte for byte,
against what format_ecs writes for the same records now). The definitions:
tests/data/ecs-8.11.0.json, taken from ECS v8.11.0's generated/ecs/ecs_flat.yml (the version
format_ecs.c declares); `python3 tests/ecs_validate.py --from ecs_flat.yml` makes it again.

Each field outside kmodwatch.* and auditd.* (Auditbeat's names, which Elastic's rules read)
must be an ECS field of the right JSON type (keyword: a string, long: an integer, float: a
number, boolean, date: ISO 8601), an array only where ECS says so; event.kind, category,
type and outcome must take allowed values, and each category the event types it expects.

The rules (elastic/detection-rules, rules/linux/), their conditions written as Python:
  Kernel Driver Load (persistence_kernel_driver_load.toml, EQL over auditd_manager's data)
  Kernel Driver Load by non-root User (persistence_kernel_driver_load_by_non_root.toml)
  Drivers Load with Low Occurrence Frequency (hunting, ES|QL): the fields it groups by
Every load (finit_module, init_module; success or failure) must fire the first, a load by a
uid other than 0 the second, and no unload either."""
import glob
import json
import os
import re
import sys

SRC = os.environ.get("KMW_SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DEFS = os.path.join(SRC, "tests", "data", "ecs-8.11.0.json")
FIELD_SETS = ("@timestamp", "message", "ecs.", "event.", "host.", "agent.", "observer.",
              "process.", "user.", "group.", "file.", "container.", "package.", "threat.",
              "rule.", "error.", "related.", "labels", "tags")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

failed = 0
passed = 0


def fail(what):
    global failed
    failed += 1
    print("FAIL: " + what, flush=True)


def ok():
    global passed
    passed += 1


def make_defs(flat_yml):
    """tests/data/ecs-8.11.0.json from ECS's ecs_flat.yml (needs python3-yaml)."""
    import yaml
    d = yaml.safe_load(open(flat_yml))
    fields = {}
    for k, v in d.items():
        if k.startswith(FIELD_SETS) and k.count(".") <= 4:
            fields[k] = {"type": v["type"]}
            if "array" in (v.get("normalize") or []):
                fields[k]["array"] = True
    allowed = {f: [a["name"] for a in d[f]["allowed_values"]]
               for f in ("event.kind", "event.category", "event.type", "event.outcome")}
    expected = {a["name"]: a.get("expected_event_types", [])
                for a in d["event.category"]["allowed_values"]}
    out = {"source": "Elastic Common Schema v8.11.0, generated/ecs/ecs_flat.yml "
                     "(github.com/elastic/ecs, Apache-2.0): each field of the field sets "
                     "kmodwatch writes, with its type and whether it is an array; the allowed "
                     "values of event.kind, category, type and outcome, and the event types "
                     "each category expects. Made by tests/ecs_validate.py --from ecs_flat.yml.",
           "version": "8.11.0", "fields": fields, "allowed": allowed,
           "expected_event_types": expected}
    with open(DEFS, "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)


def flatten(doc, prefix=""):
    for k, v in doc.items():
        key = prefix + k
        if isinstance(v, dict):
            yield from flatten(v, key + ".")
        else:
            yield key, v


def type_ok(t, v):
    if v is None:
        return True  # null: the field is absent for Elasticsearch
    if t in ("keyword", "wildcard", "match_only_text", "text", "constant_keyword", "ip"):
        return isinstance(v, str)
    if t == "long":
        return isinstance(v, int) and not isinstance(v, bool)
    if t in ("float", "scaled_float", "double"):
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "date":
        return isinstance(v, str) and bool(ISO.match(v))
    if t in ("object", "flattened", "nested"):
        return isinstance(v, (dict, list))
    return False


def load_defs():
    return json.load(open(DEFS))


def problems(doc, defs):
    """What in ECS document @doc does not follow ECS's definitions @defs: a list of
    sentences, empty when all is well."""
    out = []
    fields = defs["fields"]
    for key, v in flatten(doc):
        if key.startswith(("kmodwatch.", "auditd.")):
            continue
        d = fields.get(key)
        if d is None:
            out.append("%s is no ECS %s field" % (key, defs["version"]))
            continue
        vals = v if isinstance(v, list) else [v]
        if isinstance(v, list) and not d.get("array") and d["type"] not in ("object", "nested"):
            out.append("%s is an array; ECS has one value (%s)" % (key, d["type"]))
        bad = [x for x in vals if not type_ok(d["type"], x)]
        if bad:
            out.append("%s = %r is not of ECS type %s" % (key, bad[0], d["type"]))
    ev = doc.get("event", {})
    for f in ("kind", "category", "type", "outcome"):
        vals = ev.get(f)
        for x in [] if vals is None else vals if isinstance(vals, list) else [vals]:
            if x not in defs["allowed"]["event." + f]:
                out.append("event.%s %r is not allowed" % (f, x))
    for c in ev.get("category", []):
        want = defs["expected_event_types"].get(c, [])
        for t in ev.get("type", []):
            if want and t not in want:
                out.append("event.type %r is not one category %r expects (%s)" %
                           (t, c, ", ".join(want)))
    return out


def validate(name, doc, defs):
    found = problems(doc, defs)
    for p in found:
        fail("%s: %s" % (name, p))
    if not found:
        ok()


def get(doc, path):
    for p in path.split("."):
        if not isinstance(doc, dict) or p not in doc:
            return None
        doc = doc[p]
    return doc


def kernel_driver_load(d):
    # driver where host.os.type == "linux" and event.action == "loaded-kernel-module" and
    # auditd.data.syscall in ("init_module", "finit_module")
    return ("driver" in (get(d, "event.category") or []) and
            get(d, "host.os.type") == "linux" and
            get(d, "event.action") == "loaded-kernel-module" and
            get(d, "auditd.data.syscall") in ("init_module", "finit_module"))


def kernel_driver_load_non_root(d):
    # ... and user.id != "0"
    return kernel_driver_load(d) and get(d, "user.id") != "0"


def rules(name, doc):
    sc = get(doc, "kmodwatch.syscall")
    if get(doc, "event.kind") != "event":
        return
    load = sc in ("init_module", "finit_module")
    if kernel_driver_load(doc) != load:
        fail("%s: serial %s (%s): Kernel Driver Load %s" %
             (name, get(doc, "kmodwatch.serial"), sc, "does not fire" if load else "fires"))
    else:
        ok()
    want = load and get(doc, "user.id") not in ("0", None)
    if kernel_driver_load_non_root(doc) != want:
        fail("%s: serial %s: Kernel Driver Load by non-root User %s" %
             (name, get(doc, "kmodwatch.serial"), "does not fire" if want else "fires"))
    else:
        ok()
    # the hunting query groups loads by these fields
    # the hunting query groups loads by auditd.data.name, process.executable and process.name
    if load and get(doc, "auditd.data.name") != get(doc, "kmodwatch.module"):
        fail("%s: auditd.data.name %r, the module is %r" %
             (name, get(doc, "auditd.data.name"), get(doc, "kmodwatch.module")))
    if load and get(doc, "process.name") is None and get(doc, "process.executable") is None:
        fail("%s: neither process.name nor process.executable, which the hunting query "
             "groups by" % name)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--from":
        make_defs(sys.argv[2])
        return 0
    defs = load_defs()
    files = sorted(glob.glob(os.path.join(SRC, "tests", "expected", "*.ecs.json")))
    if not files:
        print("SKIP: no tests/expected/*.ecs.json under %s" % SRC)
        return 77
    kinds = {"load": 0, "failed load": 0, "unload": 0, "non-root load": 0, "alert": 0}
    for path in files:
        name = os.path.basename(path)
        for n, line in enumerate(open(path), 1):
            if not line.strip():
                continue
            doc = json.loads(line)
            validate("%s:%d" % (name, n), doc, defs)
            rules("%s:%d" % (name, n), doc)
            sc = get(doc, "kmodwatch.syscall")
            if get(doc, "event.kind") == "alert":
                kinds["alert"] += 1
            elif get(doc, "event.kind") == "event" and sc == "delete_module":
                kinds["unload"] += 1
            elif get(doc, "event.kind") == "event":
                kinds["load" if get(doc, "event.outcome") == "success" else "failed load"] += 1
                if get(doc, "user.id") not in ("0", None):
                    kinds["non-root load"] += 1
    for k, v in kinds.items():
        if k != "alert" and not v:
            fail("the documents hold no %s: the rules were not tried on one" % k)
    print("documents: %s" % ", ".join("%d %s" % (v, k) for k, v in kinds.items()))
    print("%d checks passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
