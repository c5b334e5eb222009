#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/fleet_query.sh - `kmodwatch query --events` over a collector's tree of kmodwatch JSON
# lines: 1 GB of events from 16 hosts, each host a current file and a gzipped rotation, as
# rsyslog writes them (hosts/NAME/kmodwatch.json, kmodwatch.json.1.gz). Memory must stay flat
# in the input: the same queries run over one sixteenth of the tree too.
#
#   bench/fleet_query.sh [BUILD_DIR]     (default: the top of this checkout, built)
#
# The events: kmodwatchd --plugin over tests/gen-audit-log --events 40000 --module-share 1
# --ima-share 0.5, each host's copy with its own node and ids. Kept in $KMW_BENCH_DIR
# (default /var/tmp/kmodwatch-bench). Needs GNU time, python3, gzip. Prints a Markdown table.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-$top}
gen=${KMW_GEN_AUDIT_LOG:-$top/tests/gen-audit-log}
dir=${KMW_BENCH_DIR:-/var/tmp/kmodwatch-bench}/fleet
hosts=16
cli=$build/src/kmodwatch

for tool in /usr/bin/time python3 gzip; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing"; exit 1; }
done
mkdir -p "$dir"
stamp=$( (sha256sum < "$gen"; sha256sum < "$build/src/kmodwatchd") | sha256sum | cut -d' ' -f1)
if [ ! -d "$dir/hosts" ] || [ "$(cat "$dir/stamp" 2>/dev/null)" != "$stamp" ]; then
	echo "bench: making $hosts hosts' events in $dir/hosts" >&2
	rm -rf "$dir/hosts"
	python3 "$gen" --events 40000 --seed 7 --module-share 1 --ima-share 0.5 > "$dir/one.log"
	"$build/src/kmodwatchd" --foreground --plugin --second-consumer --store none \
		--metrics-file none --output "$dir/one.json" < "$dir/one.log" 2>/dev/null
	# each host: its own name in audit.node and in the id, half in a gzipped rotation
	python3 - "$dir" "$hosts" <<'EOF'
import gzip, json, os, sys
d, n = sys.argv[1], int(sys.argv[2])
lines = open(os.path.join(d, "one.json")).read().splitlines()
node = json.loads(lines[0])["audit"]["node"]
for h in range(1, n + 1):
    name = "web-%02d" % h
    os.makedirs(os.path.join(d, "hosts", name))
    out = [l.replace('"node":"%s"' % node, '"node":"%s"' % name).replace(
        '"id":"-:', '"id":"%s:' % name) for l in lines]
    half = len(out) // 2
    with gzip.open(os.path.join(d, "hosts", name, "kmodwatch.json.1.gz"), "wt") as f:
        f.write("\n".join(out[:half]) + "\n")
    with open(os.path.join(d, "hosts", name, "kmodwatch.json"), "w") as f:
        f.write("\n".join(out[half:]) + "\n")
EOF
	echo "$stamp" > "$dir/stamp"
fi
events=$(( $(wc -l < "$dir/one.json") * hosts ))
bytes=$(( $(stat -c %s "$dir/one.json") * hosts ))
gz=$(du -sb "$dir/hosts" | cut -f1)
sha=$(python3 -c "
import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    i = (e.get('module') or {}).get('ima')
    if i and i.get('algo') == 'sha256':
        print(i['hash']); break" "$dir/one.json")

# run NAME ARGS...: wall seconds and max RSS of one query (after one warm-up run)
run() {
	local name=$1
	shift
	"$cli" query --events "$@" > /dev/null 2>&1 || true
	/usr/bin/time -f "%e %M" -o "$dir/time" "$cli" query --events "$@" > "$dir/$name.out" 2>/dev/null || true
	read -r secs kb < "$dir/time"
	echo "$secs $kb $(wc -l < "$dir/$name.out")"
}

printf '%s\n' "Input: $hosts hosts, $events events, $((bytes / 1000000)) MB of JSON lines ($((gz / 1000000)) MB on disk, half of each host gzipped)." ""
echo "| query | time | peak RSS | output lines |"
echo "|---|---|---|---|"
row() {
	local what=$1
	shift
	read -r secs kb n <<< "$(run "$@")"
	printf '| %s | %s s | %d MB | %s |\n' "$what" "$secs" $((kb / 1024)) "$n"
}
row "\`--sha256 ${sha:0:12}… --format json\` (which hosts loaded it)" sha "$dir/hosts" --sha256 "$sha" --format json
row "\`--host web-07 --result failure --count\`" host "$dir/hosts" --host web-07 --result failure --count
row "\`--module veth --count\`" module "$dir/hosts" --module veth --count
row "\`--count\` (every line parsed)" count "$dir/hosts" --count
row "\`--format json\` (everything, to /dev/null)" all "$dir/hosts" --format json
row "one host (1/16 of the input), \`--format json\`" one "$dir/hosts/web-01" --format json
