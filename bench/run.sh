#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh - kmodwatch side by side with ausearch and LAUREL on the same generated log.
#
#   bench/run.sh [BUILD_DIR]      (default: the top of this checkout, built)
#
# Input: tests/gen-audit-log --events 200000 --seed 7 (kept in $KMW_BENCH_DIR,
# default /var/tmp/kmodwatch-bench). Each command runs $RUNS times (default 5); the table
# shows the median wall time and the largest RSS, and the ratios measured in this one run.
# Needs: python3, auditd (ausearch), laurel, GNU time. Prints a Markdown table.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${1:-$top}
gen=${KMW_GEN_AUDIT_LOG:-$top/tests/gen-audit-log}
dir=${KMW_BENCH_DIR:-/var/tmp/kmodwatch-bench}
runs=${RUNS:-5}
mkdir -p "$dir"
log=$dir/big.log
truth=$dir/truth.jsonl

for tool in ausearch laurel /usr/bin/time python3 hyperfine; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (apt-get install auditd laurel time python3 hyperfine)"; exit 1; }
done
# the kept log is the generator's: another generator (or version) makes it again
stamp=$(sha256sum < "$gen" | cut -d' ' -f1)
if [ ! -s "$log" ] || [ ! -s "$truth" ] || [ "$(cat "$dir/generator" 2>/dev/null)" != "$stamp" ]; then
	echo "bench: generating $log" >&2
	python3 "$gen" --events 200000 --seed 7 --truth "$truth" > "$log"
	echo "$stamp" > "$dir/generator"
fi
lines=$(wc -l < "$log")
mb=$(( $(stat -c %s "$log") / 1000000 ))

# measure NAME RUNS INPUT CMD...: median seconds and max RSS (KB) over RUNS runs, each
# reading INPUT (or nothing: /dev/null) on stdin; stdout to $dir/NAME.out
measure() {
	local name=$1 n=$2 input=$3
	shift 3
	local t
	: > "$dir/$name.times"
	for _ in $(seq "$n"); do
		rm -f "$dir/plugin.json"
		/usr/bin/time -f "%e %M" -o "$dir/$name.t1" "$@" < "$input" > "$dir/$name.out" 2> "$dir/$name.err"
		cat "$dir/$name.t1" >> "$dir/$name.times"
	done
	t=$(sort -n "$dir/$name.times" | awk -v n="$n" 'NR == int((n + 1) / 2) { print $1 }')
	rss=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$dir/$name.times")
	echo "$t $rss"
}

cat > "$dir/laurel.toml" <<EOT
directory = "$dir"
user = "root"
statusreport-period = 0
[auditlog]
file = "-"
[transform]
execve-argv = [ "array" ]
[enrich]
pid = true
EOT

# -k matches keys by substring: "module" finds module-load, module-unload and the rest
read -r as_t as_m < <(measure ausearch "$runs" /dev/null ausearch -if "$log" -k module --format raw)
as_n=$(grep -c '^type=SYSCALL' "$dir/ausearch.out" || true)
truth_n=$(wc -l < "$truth")
read -r q_t q_m < <(measure query "$runs" /dev/null "$build/src/kmodwatch" query --audit-log "$log" --format json)
qcheck=$(python3 "$here/answer_key.py" "$dir/query.out" "$truth" | tail -n1)
# LAUREL takes some 20 s: one run
read -r la_t la_m < <(measure laurel 1 "$log" laurel --config "$dir/laurel.toml")
# LAUREL keeps no store, and the machine's own store and audit logs are none of the bench's
read -r p_t p_m < <(measure plugin "$runs" "$log" "$build/src/kmodwatchd" --plugin --foreground \
	--output "$dir/plugin.json" --store none --backfill-dir none --metrics-file none)
pcheck=$(python3 "$here/answer_key.py" "$dir/plugin.json" "$truth" | tail -n1)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
lps() { awk -v l="$lines" -v t="$1" 'BEGIN { printf "%.0f", (t > 0 ? l / t : 0) }'; }
cat <<EOT
Input: gen-audit-log --events 200000 --seed 7: $lines lines, $mb MB. $(nproc) cores, $(date -u +%Y-%m-%d).

| command | time (median of $runs) | peak RSS | result |
|---|---|---|---|
| \`ausearch -if big.log -k module --format raw\` | $as_t s | $((as_m / 1024)) MB | $as_n events, $truth_n in the answer key |
| \`kmodwatch query --audit-log big.log --format json\` | $q_t s | $((q_m / 1024)) MB | $qcheck |
| \`laurel --config C < big.log\` (0.5.1, one run) | $la_t s ($(lps "$la_t") lines/s) | $((la_m / 1024)) MB | |
| \`kmodwatchd --plugin --output FILE < big.log\` | $p_t s ($(lps "$p_t") lines/s) | $((p_m / 1024)) MB | $pcheck |

- query: $(ratio "$q_t" "$as_t")× ausearch's time, $(ratio "$q_m" "$as_m")× its memory.
- plugin: $(ratio "$la_t" "$p_t")× LAUREL's speed, $(ratio "$p_m" "$la_m")× its memory.
EOT

# Enrichment cost per finit_module event, on a real 5 MB module from Debian's kernel
# package (the real-kernel harness's cache; fetched when missing)
big=$(ls "${KMW_KERNEL_CACHE:-/var/cache/kmodwatch-tests}"/*/modules/kernel/drivers/gpu/drm/nouveau/nouveau.ko 2>/dev/null | tail -n1 || true)
if [ -z "$big" ]; then
	KMW_BUILDDIR=$build KMW_SRCDIR=$top python3 -c "import sys; sys.path.insert(0, '$top/tests/kernel'); import vm; vm.fetch_kernel()" >&2 || true
	big=$(ls "${KMW_KERNEL_CACHE:-/var/cache/kmodwatch-tests}"/*/modules/kernel/drivers/gpu/drm/nouveau/nouveau.ko 2>/dev/null | tail -n1 || true)
fi
if [ -n "$big" ]; then
	echo
	echo "Enrichment of one finit_module event (fd resolution, /proc context, SHA-256, .modinfo,"
	echo "signature, risk) on nouveau.ko, $(( $(stat -c %s "$big") / 1000 )) kB:"
	echo
	"$build/bench/enrich_bench" "$big" 200
fi

# The store: insert rate as the daemon writes (one transaction per event), then queries
# over a store of $STORE_EVENTS events (default 1,000,000; the fill takes a few minutes)
n=${STORE_EVENTS:-1000000}
db=$dir/store.db
if [ "${SKIP_STORE:-}" != 1 ]; then
	echo
	if [ ! -s "$db" ] || [ "$(sqlite3 "$db" 'SELECT count(*) FROM events' 2>/dev/null)" != "$n" ]; then
		"$build/bench/store_bench" "$db" "$n"
	fi
	echo
	echo "| query over $n stored events | time (hyperfine, mean) | matches |"
	echo "|---|---|---|"
	for q in "--module rare_module --format json" "--module veth --count" \
		 "--syscall delete_module --count" "--flag MODULE_INIT_COMPRESSED_FILE --count" \
		 "--since 2026-03-01 --until 2026-03-08 --count" "--sha256 00000000000000000000000000000000000000000000000000000000000001f --count" \
		 "--count"; do
		m=$("$build/src/kmodwatch" query --store "$db" $q | wc -l)
		[ "${q##*--count}" = "" ] && m=$("$build/src/kmodwatch" query --store "$db" $q)
		t=$(hyperfine -N --warmup 2 -r 10 --export-json "$dir/h.json" "$build/src/kmodwatch query --store $db $q" >/dev/null 2>&1 &&
		    python3 -c "import json; print('%.1f ms' % (json.load(open('$dir/h.json'))['results'][0]['mean'] * 1000))")
		echo "| \`kmodwatch query $q\` | $t | $m |"
	done
fi

# Records that once cost time: events without PROCTITLE, many to a millisecond (the parser
# scanned a list per record), and `kmodwatch import` of many events (once one commit each)
if [ "${SKIP_RECORDS:-}" != 1 ]; then
	echo
	echo "| case | kmodwatch | peak RSS | ausearch |"
	echo "|---|---|---|---|"
	for per in 10 100000; do
		python3 "$here/noproctitle.py" 100000 "$per" > "$dir/np.log"
		read -r k_t k_m < <(measure np 1 /dev/null "$build/src/kmodwatch" query --audit-log "$dir/np.log" --count)
		k_n=$(cat "$dir/np.out")
		a="(not run: minutes)"
		if [ "$per" = 10 ]; then
			read -r a_t _ < <(measure npa 1 /dev/null ausearch -if "$dir/np.log" -k module --format raw)
			a="$a_t s"
		fi
		echo "| 100,000 events without PROCTITLE, $per per ms: \`query --count\` | $k_t s ($k_n) | $((k_m / 1024)) MB | $a |"
	done
	imp=$dir/import.log
	[ -s "$imp" ] || python3 "$gen" --events 300000 --module-share 1 --seed 21 > "$imp"
	rm -f "$dir/import.db" "$dir/import.db-wal" "$dir/import.db-shm"
	/usr/bin/time -f "%e %M %O" -o "$dir/import.t" "$build/src/kmodwatch" import --store "$dir/import.db" "$imp" > "$dir/import.out" 2>&1
	read -r i_t i_m i_o < "$dir/import.t"
	echo "| \`kmodwatch import\` of 300,000 module events | $i_t s ($(awk -v t="$i_t" 'BEGIN { printf "%.0f", 300000 / t }') events/s), $(( i_o / 2048 )) MB written | $((i_m / 1024)) MB | |"
fi
