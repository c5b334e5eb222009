# SPDX-License-Identifier: GPL-2.0-or-later
"""s21: SIGTERM, the store deleted, a module loaded while the daemon is down, a restart with a
new store. The first start of this boot is kept where the deletion does not reach: the new
load is an unaudited load, not a module of before monitoring, and status says why."""
import json

import kcheck


def check(c, run, evs):
    ua = [a["module"]["name"] for a in run.alerts("attack3") if a["alert"]["code"] == "unaudited_load"]
    # and every module loaded since monitoring began with this store: its history is gone
    c.true("the load while down: an unaudited load", "crc7" in ua)
    c.eq("nothing loaded before monitoring began is", [m for m in ua if m == "crc_itu_t"], [])
    rows = {r["name"]: r for r in (json.loads(l) for l in
                                   run.text("store-modules.json").splitlines() if l.startswith("{"))}
    prov = lambda n: ((rows.get(n) or {}).get("provenance") or {}).get("kind")
    c.eq("modules: crc7 is not blessed", prov("crc7"), "unaudited")
    c.eq("modules: what came before monitoring still is", prov("crc_itu_t"), "before_monitoring")
    c.true("the daemon says the store lost this boot's history",
           "has no record of this boot" in run.text("attack3.err"))
    st = run.text("store-status.txt")
    c.true("status: degraded, and why", "DEGRADED" in st and "deleted or replaced" in st)


kcheck.main("21", check)
