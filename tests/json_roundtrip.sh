# SPDX-License-Identifier: GPL-2.0-or-later
# json_roundtrip.sh - every event of every recorded log parses back as JSON, one line each,
# with the contract paths present, and hostile strings decode to what the kernel recorded
set -eu
b=${KMW_BUILDDIR:-.}
s=${KMW_SRCDIR:-.}
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to parse the JSON back"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in "$s"/tests/data/*.log; do
	"$b/tests/feedfile" < "$f" > "$out/$(basename "$f").json"
done
python3 - "$s" "$out"/*.json <<'PY'
import json, sys
contract = ["syscall.name", "syscall.arch", "syscall.success", "syscall.exit", "syscall.errno",
            "module.name", "module.path", "process.pid", "process.ppid", "process.exe",
            "process.comm", "process.cmdline", "process.uid", "process.auid", "audit.serial",
            "audit.key"]
finit_contract = ["args.fd", "args.flags", "args.flag_names", "args.unknown_flags"]
n = 0
for path in sys.argv[2:]:
    raw = open(path, "rb").read()
    raw.decode("utf-8")  # the whole output is valid UTF-8
    for line in raw.split(b"\n")[:-1]:
        ev = json.loads(line)
        n += 1
        keys = contract + (finit_contract if ev["syscall"]["name"] == "finit_module" else [])
        for k in keys:
            a, b = k.split(".")
            assert b in ev[a], (path, k)
        assert isinstance(ev["process"]["cmdline"], list)
        assert ev["schema_version"] == 1
        if "escapes" in path:
            p = ev["process"]
            assert p["comm"] == 'a"b\nc\x1b[31m', p["comm"]
            assert p["exe"] == "/tmp/\\xff\\xfe\\x/\u00e9t\u00e9\x7f", p["exe"]
            assert p["cmdline"] == ["evil\nline", '{"json":1}', "\u20ac", "tab\there"], p["cmdline"]
            assert ev["module"]["name"] == "mod\x00nul"
print("parsed back %d events" % n)
assert n > 40
PY
