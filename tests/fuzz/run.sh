#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/fuzz/run.sh TOP [RUNS] - build the libFuzzer harnesses with clang (ASan, UBSan) and run
# each RUNS times (default 100000) from the seeds kept here plus seeds made now. Exit 0 when
# no crash, 1 on a crash (the input is kept in tests/fuzz/work/), 77 when clang is missing.
set -uo pipefail
top=${1:-.}
runs=${2:-100000}
work=$top/tests/fuzz/work
command -v clang >/dev/null || { echo "SKIP: clang is missing (apt-get install clang libclang-rt-14-dev)"; exit 77; }
mkdir -p "$work"
libs="$(pkg-config --libs audit auparse libssl libcrypto relp jansson libelf liblzma libzstd zlib libkmod sqlite3) -lm -lpthread"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -DPACKAGE_VERSION=\"fuzz\" -I$top/include"
lib="$top/src/lib"
set -e
# the whole library: a module that moves or splits needs no change here
clang $cflags -o "$work/fuzz_records" "$top/tests/fuzz/fuzz_records.c" "$lib"/*.c $libs
clang $cflags -o "$work/fuzz_modfile" "$top/tests/fuzz/fuzz_modfile.c" "$lib"/modfile.c $libs
clang $cflags -o "$work/fuzz_collected" "$top/tests/fuzz/fuzz_collected.c" "$lib"/*.c $libs
set +e

# seeds: the recorded logs, cut in pieces; module images made by the compiler now
mkdir -p "$work/corpus-records" "$work/corpus-modfile" "$work/corpus-collected"
cp "$top"/tests/expected/*.json "$work/corpus-collected/"
cp "$top"/tests/fuzz/seeds-records/* "$work/corpus-records/" 2>/dev/null
for f in "$top"/tests/data/*.log; do
	split -l 6 "$f" "$work/corpus-records/$(basename "$f")."
done
cp "$top"/tests/fuzz/seeds-modfile/* "$work/corpus-modfile/" 2>/dev/null
cat > "$work/mod.c" <<'EOC'
__attribute__((section(".modinfo"), used)) static const char mi[] =
	"license=GPL\0name=fuzzmod\0vermagic=6.1.0 SMP\0srcversion=ABCDEF\0depends=\0intree=Y";
int init_module(void) { return 0; }
EOC
gcc -c -o "$work/mod.o" "$work/mod.c" && cp "$work/mod.o" "$work/corpus-modfile/plain.ko"
{ cat "$work/mod.o"; printf 'SIGDATA'; printf '\0\0\2\0\0\0\0\0\0\0\0\7~Module signature appended~\n'; } \
	> "$work/corpus-modfile/signed.ko"
xz -c "$work/mod.o" > "$work/corpus-modfile/mod.ko.xz" 2>/dev/null
gzip -c "$work/mod.o" > "$work/corpus-modfile/mod.ko.gz"
zstd -q -c "$work/mod.o" > "$work/corpus-modfile/mod.ko.zst" 2>/dev/null

status=0
export LSAN_OPTIONS="suppressions=$top/tests/fuzz/lsan.supp:print_suppressions=0"
for f in records modfile collected; do
	echo "== fuzz_$f: $runs runs"
	(cd "$work" && ./"fuzz_$f" -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 "corpus-$f" > "fuzz_$f.log" 2>&1)
	r=$?
	grep -E "stat::number_of_executed_units|Done|ERROR|SUMMARY" "$work/fuzz_$f.log" | tail -n 4
	if [ "$r" -ne 0 ]; then
		echo "fuzz_$f: a crash or a hang (exit $r); the input is in $work"
		tail -n 40 "$work/fuzz_$f.log"
		status=1
	fi
done
[ "$status" -eq 0 ] && echo "fuzz: 0 crashes"
exit "$status"
