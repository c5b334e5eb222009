# SPDX-License-Identifier: GPL-2.0-or-later
"""ocsf_validate.py - kmodwatch's OCSF documents against the OCSF schema's own definition of
the classes they claim and of every object in them.

The documents: every tests/expected/*.ocsf.json (test_golden checks each, byte for byte,
against what format_ocsf writes for the same records now). The definitions:
tests/data/ocsf-1.2.0.json, resolved from the OCSF schema's source at tag v1.2.0 (the version
format_ocsf.c declares): each class with its attributes as it extends its parents and
includes its profiles, each object likewise, each attribute's type from the dictionary.
`python3 tests/ocsf_validate.py --from DIR` makes it again from a checkout of ocsf-schema.

Each document must name a class it may (Module Activity 1005, Detection Finding 2004),
with category_uid, class_uid and type_uid (class_uid * 100 + activity_id) that agree; carry
every attribute the class requires; hold no attribute the class or the object does not
define, with each of the type it is (a string, an integer, a long, a boolean, a float, an
object of its object type, an array where the dictionary says so); and take only the
values an enum attribute defines (activity_id, severity_id, status_id, ...)."""
import glob
import json
import os
import sys

SRC = os.environ.get("KMW_SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DEFS = os.path.join(SRC, "tests", "data", "ocsf-1.2.0.json")
CLASSES = {"module_activity": "events/system/module.json",
           "detection_finding": "events/findings/detection_finding.json"}

failed = 0
passed = 0


def make_defs(top):
    """tests/data/ocsf-1.2.0.json from a checkout of ocsf-schema at v1.2.0."""
    def load(rel):
        with open(os.path.join(top, rel)) as f:
            return json.load(f)

    dictionary = load("dictionary.json")
    base_types = {k: v.get("type", k) for k, v in dictionary["types"]["attributes"].items()}
    categories = {k: v["uid"] for k, v in load("categories.json")["attributes"].items()}
    events = {}
    for root, _, files in os.walk(os.path.join(top, "events")):
        for f in files:
            d = load(os.path.relpath(os.path.join(root, f), top))
            events[d["name"]] = (os.path.relpath(os.path.join(root, f), top), d)
    objects = {}
    for f in os.listdir(os.path.join(top, "objects")):
        d = load(os.path.join("objects", f))
        objects[d["name"]] = d

    def attrs_of(d):
        out = {}
        a = dict(d.get("attributes", {}))
        for inc in a.pop("$include", []):
            for k, v in load(inc).get("attributes", {}).items():
                # a profile's attributes bind only a document that applies the profile
                out[k] = dict(v, requirement="optional") if inc.startswith("profiles/") else v
        for k, v in a.items():
            out[k] = dict(out.get(k, {}), **v)
        return out

    def resolve(d, table):
        chain = []
        while d:
            chain.append(d)
            parent = d.get("extends")
            d = table.get(parent) if parent else None
            if isinstance(d, tuple):
                d = d[1]
        out = {}
        for x in reversed(chain):
            for k, v in attrs_of(x).items():
                out[k] = dict(out.get(k, {}), **v)
        return out

    def describe(name, spec):
        dd = dictionary["attributes"].get(name, {})
        t = spec.get("type") or dd.get("type")
        out = {"requirement": spec.get("requirement", "optional")}
        if t in objects or t == "object":
            out["object"] = t
        else:
            out["type"] = base_types.get(t, t)
        if dd.get("is_array") or spec.get("is_array"):
            out["array"] = True
        # the dictionary's values (0 Unknown, 99 Other) and the object's or class's own
        enum = dict(dd.get("enum") or {}, **(spec.get("enum") or {}))
        if enum:
            out["enum"] = sorted((int(k) if k.lstrip("-").isdigit() else k for k in enum),
                                 key=str)
        return out

    classes = {}
    for name, rel in CLASSES.items():
        path, d = events[name]
        category = d.get("category")
        parent = d
        while not category and parent.get("extends"):
            parent = events[parent["extends"]][1]
            category = parent.get("category")
        attrs = resolve(d, {k: v[1] for k, v in events.items()})
        classes[name] = {"uid": categories[category] * 1000 + d["uid"],
                         "category_uid": categories[category],
                         "attributes": {k: describe(k, v) for k, v in attrs.items()}}
    objs = {name: {"attributes": {k: describe(k, v) for k, v in resolve(d, objects).items()}}
            for name, d in objects.items()}
    out = {"source": "OCSF schema v1.2.0 (github.com/ocsf/ocsf-schema, Apache-2.0), resolved: "
                     "the classes kmodwatch writes, every object, each attribute's type, "
                     "array-ness, requirement and enum values. Made by "
                     "tests/ocsf_validate.py --from DIR.",
           "version": "1.2.0", "classes": classes, "objects": objs}
    with open(DEFS, "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)


def type_ok(t, v):
    if t in ("string_t",):
        return isinstance(v, str)
    if t in ("integer_t", "long_t"):
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "float_t":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "boolean_t":
        return isinstance(v, bool)
    if t == "json_t":
        return True
    return isinstance(v, str)


def check_attrs(path, doc, attrs, defs, out, required=True):
    for k, spec in attrs.items():
        if required and spec["requirement"] == "required" and k not in doc:
            out.append("%s%s: required, missing" % (path, k))
    for k, v in doc.items():
        spec = attrs.get(k)
        if spec is None:
            out.append("%s%s: not an attribute here" % (path, k))
            continue
        vals = v if isinstance(v, list) else [v]
        if isinstance(v, list) and not spec.get("array"):
            out.append("%s%s: an array; OCSF has one value" % (path, k))
        if spec.get("array") and not isinstance(v, list):
            out.append("%s%s: one value; OCSF has an array" % (path, k))
        for x in vals:
            if "object" in spec:
                if not isinstance(x, dict):
                    out.append("%s%s: not an object" % (path, k))
                elif spec["object"] != "object":
                    check_attrs(path + k + ".", x, defs["objects"][spec["object"]]["attributes"],
                                defs, out)
            elif not type_ok(spec["type"], x):
                out.append("%s%s = %r: not a %s" % (path, k, x, spec["type"]))
            elif "enum" in spec and x not in spec["enum"] and \
                    k not in ("class_uid", "category_uid", "type_uid"):
                out.append("%s%s = %r: not one of %s" % (path, k, x, spec["enum"]))


def problems(doc, defs):
    out = []
    cls = [c for c in defs["classes"].values() if c["uid"] == doc.get("class_uid")]
    if not cls:
        return ["class_uid %r: not a class kmodwatch writes" % doc.get("class_uid")]
    c = cls[0]
    if doc.get("category_uid") != c["category_uid"]:
        out.append("category_uid %r, the class's is %d" % (doc.get("category_uid"),
                                                           c["category_uid"]))
    if doc.get("type_uid") != c["uid"] * 100 + (doc.get("activity_id") or 0):
        out.append("type_uid %r is not class_uid * 100 + activity_id" % doc.get("type_uid"))
    check_attrs("", doc, c["attributes"], defs, out)
    return out


def query_formats(defs):
    """kmodwatch query --format ocsf and ecs, from an audit log, from a store the log was
    imported into, and from a collector's native lines: every document valid. Returns the
    problems found."""
    import subprocess
    import tempfile
    import ecs_validate
    cli = os.path.join(os.environ.get("KMW_BUILDDIR", "."), "src", "kmodwatch")
    if not os.path.exists(cli):
        print("query formats: not checked, no %s (build first)" % cli)
        return 0
    log = os.path.join(SRC, "tests", "data", "real-6.1-auditd-enriched.log")
    bad = 0
    with tempfile.TemporaryDirectory() as t:
        store, lines = os.path.join(t, "s.db"), os.path.join(t, "events.json")
        subprocess.run([cli, "import", "--store", store, log], capture_output=True, check=True)
        with open(lines, "w") as f:
            subprocess.run([cli, "query", "--audit-log", log, "--format", "json"], stdout=f,
                           check=True)
        # the daemon's own output in ocsf: the plugin replaying the log
        daemon = os.path.join(os.path.dirname(cli), "kmodwatchd")
        out = os.path.join(t, "daemon.ocsf.json")
        env = dict(os.environ, KMW_STATE_FILE=os.path.join(t, "d.state"),
                   KMW_PLUGIN_STATE_FILE=os.path.join(t, "p.state"))
        with open(log, "rb") as f:
            r = subprocess.run([daemon, "--plugin", "--format", "ocsf", "--output", out,
                                "--store", "none", "--metrics-file", "none",
                                "--backfill-dir", "none"], stdin=f, capture_output=True,
                               env=env)
        docs = [json.loads(l) for l in open(out)] if os.path.exists(out) else []
        found = [p for d in docs for p in problems(d, defs)]
        if r.returncode or not docs or found:
            bad += 1
            print("FAIL: kmodwatchd --plugin --format ocsf: exit %d, %d documents, %s" %
                  (r.returncode, len(docs), found[:3] or r.stderr[-300:]))
        else:
            print("ok: kmodwatchd --plugin --format ocsf: %d documents valid" % len(docs))
        for src in (["--audit-log", log], ["--store", store], ["--events", lines]):
            for fmt, check in (("ocsf", lambda d: problems(d, defs)),
                               ("ecs", lambda d: ecs_validate.problems(
                                   d, ecs_validate.load_defs()))):
                r = subprocess.run([cli, "query", "--format", fmt] + src, capture_output=True,
                                   text=True)
                docs = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
                found = [p for d in docs for p in check(d)]
                what = "query --format %s %s" % (fmt, src[0])
                if r.returncode or not docs or found:
                    bad += 1
                    print("FAIL: %s: exit %d, %d documents, %s" % (what, r.returncode,
                                                                 len(docs), found[:3]))
                else:
                    print("ok: %s: %d documents valid" % (what, len(docs)))
    return bad


def main():
    global failed, passed
    if len(sys.argv) == 3 and sys.argv[1] == "--from":
        make_defs(sys.argv[2])
        return 0
    defs = json.load(open(DEFS))
    files = sorted(glob.glob(os.path.join(SRC, "tests", "expected", "*.ocsf.json")))
    if not files:
        print("SKIP: no tests/expected/*.ocsf.json under %s" % SRC)
        return 77
    seen = {}
    for path in files:
        for n, line in enumerate(open(path), 1):
            if not line.strip():
                continue
            doc = json.loads(line)
            key = (doc.get("class_uid"), doc.get("activity_id"))
            seen[key] = seen.get(key, 0) + 1
            found = problems(doc, defs)
            for p in found:
                failed += 1
                print("FAIL: %s:%d: %s" % (os.path.basename(path), n, p), flush=True)
            if not found:
                passed += 1
    failed += query_formats(defs)
    for want, what in (((1005, 1), "a load"), ((1005, 2), "an unload"),
                       ((2004, 1), "an alert")):
        if not seen.get(want):
            failed += 1
            print("FAIL: the documents hold no %s (class %d, activity %d)" % (what, *want))
    print("documents by (class, activity): %s" % seen)
    print("%d documents valid, %d problems" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
