# SPDX-License-Identifier: GPL-2.0-or-later
"""offline_common.py - what the offline tests share: the generator, the query command, and
the comparison with the generator's answer key."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ.get("KMW_SRCDIR", os.getcwd()), "bench"))
import answer_key  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kmwlive import check  # noqa: E402

BUILD = os.environ.get("KMW_BUILDDIR", os.getcwd())
SRC = os.environ.get("KMW_SRCDIR", os.getcwd())
CLI = os.path.join(BUILD, "src", "kmodwatch")
from kmwlive import GEN  # noqa: E402


def generate(tmp, name, *args):
    log = os.path.join(tmp, name + ".log")
    truth = os.path.join(tmp, name + ".truth")
    with open(log, "wb") as f:
        subprocess.run([sys.executable, GEN, "--truth", truth] + list(args), stdout=f, check=True)
    return log, [json.loads(l) for l in open(truth)]


def query(*paths, stdin=None):
    r = subprocess.run([CLI, "query", "--format", "json", "--audit-log"] + list(paths), input=stdin,
                       capture_output=True)
    evs = [json.loads(l) for l in r.stdout.split(b"\n") if l]
    return r, evs


def compare(what, evs, truth):
    """Field by field against the answer key (bench/answer_key.py, shared with the benchmark)."""
    diff = answer_key.differences(evs, truth)
    for d in diff[:5]:
        print("FAIL: %s: %s" % (what, d), flush=True)
    check(what + ": differences from the answer key", len(diff), 0)
    check(what + ": historical", all(e["historical"] for e in evs), True)
