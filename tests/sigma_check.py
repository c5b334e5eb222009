# SPDX-License-Identifier: GPL-2.0-or-later
"""sigma_check.py - the Sigma rules kmodwatch ships (rules/sigma/) are well-formed Sigma and
fire on kmodwatch's own events, and only on those they are meant for.

No Sigma tool is packaged by Debian or npm, so the rules are checked here in two ways:
- against the Sigma specification v2's rule schema (SigmaHQ/sigma-specification,
  json-schema/sigma-detection-rule-schema.json), its constraints written out below: title,
  logsource and detection required; title at most 256 characters; id a UUID; status and
  level of their allowed values; date as YYYY-MM-DD; tags unique, namespace.name in
  lowercase; logsource of category, product, service and definition only; detection with a
  condition and search identifiers that are maps or lists; falsepositives unique strings.
- by evaluating each rule's detection (field names are dotted paths into the JSON line; the
  modifiers startswith, endswith and contains; a list of values is any of them; conditions
  of search identifiers with and, or, not) against every native JSON event of the golden
  tests, and comparing what fires with what each rule is meant to catch, said independently
  below. live_tamper runs the audit-tampering rule on a real tampering alert.

Run: python3 tests/sigma_check.py (from the source tree, or with KMW_SRCDIR)."""
import glob
import json
import os
import re
import sys
import uuid

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ecs_validate import get  # noqa: E402  (a dotted path into a JSON document)

SRC = os.environ.get("KMW_SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
RULES = os.path.join(SRC, "rules", "sigma")
STATUS = {"stable", "test", "experimental", "deprecated", "unsupported"}
LEVEL = {"informational", "low", "medium", "high", "critical"}
DATE = re.compile(r"^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$")
TAG = re.compile(r"^[a-z0-9_-]+\.[a-z0-9._-]+$")
LOGSOURCE = {"category", "product", "service", "definition"}


def load_rules():
    out = {}
    for path in sorted(glob.glob(os.path.join(RULES, "*.yml"))):
        with open(path) as f:
            out[os.path.basename(path)] = yaml.safe_load(f)
    return out


def spec_problems(r):
    """What in rule @r the Sigma specification v2 does not allow."""
    out = []
    for k in ("title", "logsource", "detection"):
        if k not in r:
            out.append("no %s" % k)
    if len(str(r.get("title", ""))) > 256:
        out.append("title longer than 256")
    try:
        uuid.UUID(str(r.get("id")))
    except ValueError:
        out.append("id %r is no UUID" % r.get("id"))
    if r.get("status") not in STATUS:
        out.append("status %r" % r.get("status"))
    if r.get("level") not in LEVEL:
        out.append("level %r" % r.get("level"))
    if not DATE.match(str(r.get("date", ""))):
        out.append("date %r is not YYYY-MM-DD" % r.get("date"))
    tags = r.get("tags", [])
    if len(set(tags)) != len(tags) or not all(isinstance(t, str) and TAG.match(t) for t in tags):
        out.append("tags %r" % tags)
    ls = r.get("logsource", {})
    if not isinstance(ls, dict) or set(ls) - LOGSOURCE or \
            not all(isinstance(v, str) for v in ls.values()):
        out.append("logsource %r" % ls)
    det = r.get("detection", {})
    if not isinstance(det, dict) or not isinstance(det.get("condition"), str):
        out.append("detection without a condition")
    else:
        for k, v in det.items():
            if k != "condition" and not isinstance(v, (dict, list)):
                out.append("search identifier %s is neither a map nor a list" % k)
    fp = r.get("falsepositives", [])
    if len(set(fp)) != len(fp) or not all(isinstance(x, str) and len(x) >= 2 for x in fp):
        out.append("falsepositives %r" % fp)
    return out


def field_matches(doc, key, want):
    name, *mods = key.split("|")
    v = get(doc, name)
    wants = want if isinstance(want, list) else [want]
    for w in wants:
        if isinstance(w, bool) or v is None or isinstance(v, (dict, list)):
            if v == w:
                return True
            continue
        s, ws = str(v), str(w)
        if "startswith" in mods and s.startswith(ws) or \
                "endswith" in mods and s.endswith(ws) or \
                "contains" in mods and ws in s or \
                not mods and s == ws:
            return True
    return False


def identifier_matches(doc, ident):
    if isinstance(ident, dict):
        return all(field_matches(doc, k, v) for k, v in ident.items())
    return any(identifier_matches(doc, x) for x in ident)


def matches(rule, doc):
    """Whether @rule's detection fires on @doc: its condition over its search identifiers
    (and, or, not, parentheses)."""
    det = rule["detection"]
    words = re.findall(r"\(|\)|[A-Za-z0-9_*]+", det["condition"])
    expr = []
    for w in words:
        if w in ("and", "or", "not", "(", ")"):
            expr.append(w)
        elif w in det:
            expr.append(str(identifier_matches(doc, det[w])))
        else:
            raise ValueError("condition names %r, which the rule does not define" % w)
    return eval(" ".join(expr), {"__builtins__": {}})


# what each rule is meant to catch, said without Sigma
MEANT = {
    "kmodwatch_suppressed_load.yml": lambda d: get(d, "alert.code") == "suppressed_load",
    "kmodwatch_audit_tampered.yml":
        lambda d: get(d, "alert.code") in ("audit_tampered", "audit_pid_changed"),
    "kmodwatch_hidden_module.yml": lambda d: get(d, "alert.code") == "hidden_module",
    "kmodwatch_unaudited_load.yml":
        lambda d: get(d, "alert.code") in ("unaudited_load", "unexplained_taint", "taint_cleared"),
    "kmodwatch_load_from_temp.yml":
        lambda d: d["kind"] == "syscall" and get(d, "syscall.name") == "finit_module" and
        str(get(d, "module.path") or "").startswith(("/tmp/", "/var/tmp/", "/dev/shm/")),
    "kmodwatch_high_risk_load.yml":
        lambda d: d["kind"] == "syscall" and
        get(d, "syscall.name") in ("finit_module", "init_module") and
        get(d, "risk.level") == "high",
}


def main():
    rules = load_rules()
    failed = 0
    if sorted(rules) != sorted(MEANT):
        print("FAIL: rules %s, the test knows %s" % (sorted(rules), sorted(MEANT)))
        failed += 1
    docs = []
    for path in sorted(glob.glob(os.path.join(SRC, "tests", "expected", "*.json"))):
        if path.endswith((".ecs.json", ".ocsf.json")):
            continue
        docs += [json.loads(l) for l in open(path) if l.strip()]
    for name, r in rules.items():
        for p in spec_problems(r):
            print("FAIL: %s: %s" % (name, p))
            failed += 1
        meant = MEANT.get(name)
        if not meant:
            continue
        fired = [matches(r, d) for d in docs]
        want = [meant(d) for d in docs]
        wrong = sum(1 for a, b in zip(fired, want) if a != b)
        if wrong:
            print("FAIL: %s: %d of %d events fire otherwise than meant" % (name, wrong,
                                                                             len(docs)))
            failed += 1
        elif not any(fired):
            print("ok: %s: well-formed; no golden event for it (live_tamper fires it)" % name)
        else:
            print("ok: %s: fires on the %d events meant, of %d" % (name, sum(fired), len(docs)))
    print("%d rules, %d problems" % (len(rules), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
