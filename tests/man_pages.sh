# SPDX-License-Identifier: GPL-2.0-or-later
# man_pages.sh - the man pages render with no warning from man --warnings
set -u
s=${KMW_SRCDIR:-.}
command -v man >/dev/null || { echo "SKIP: man is missing (apt-get install man-db)"; exit 77; }
status=0
for f in "$s"/man/*.[58]; do
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$f" 2>&1 >/dev/null)
	if [ -n "$w" ]; then
		echo "FAIL: $f: $w"
		status=1
	else
		echo "ok: $f"
	fi
done
# every page has its EXAMPLES, FILES and EXIT STATUS
for f in "$s"/man/*.[58]; do
	for sec in EXAMPLES FILES "EXIT STATUS"; do
		if ! grep -q "^\.SH $sec\$" "$f"; then
			echo "FAIL: $f: no $sec section"
			status=1
		fi
	done
done
# same WHAT WANT GOT: a section of a man page holds what a table of the program says
same() {
	if [ "$2" != "$3" ] || [ -z "$2" ]; then
		echo "FAIL: $1 differs from the program's table:"
		diff <(echo "$2") <(echo "$3")
		status=1
	else
		echo "ok: $1 is the program's table"
	fi
}
# the reload classes of kmodwatchd.conf(5) are the keyword table's (--example-config says
# each), key for key
daemon=${KMW_BUILDDIR:-.}/src/kmodwatchd
if [ -x "$daemon" ]; then
	want=$("$daemon" --example-config | awk '/\(a reload \(SIGHUP\)/ {
			c = /at once/ ? "once" : /outputs/ ? "outputs" : "start" }
		/^# [a-z0-9-]+ = / { if (c) { print c, $2; c = "" } }' | sort)
	got=$(sed 's/\\-/-/g' "$s/man/kmodwatchd.conf.5" | awk '
		/^\.SH/ { in_reload = ($2 == "RELOAD") }
		in_reload && /^\.B at once/ { c = "once"; next }
		in_reload && /^\.B with the outputs/ { c = "outputs"; next }
		in_reload && /^\.B at the next start/ { c = "start"; next }
		in_reload && /^\./ { c = "" }
		in_reload && c { sub(/:.*/, ""); gsub(/,/, " "); for (i = 1; i <= NF; i++) print c, $i }' | sort)
	same "kmodwatchd.conf(5) RELOAD" "$want" "$got"
fi
# the filters of kmodwatch(8) are those of the filter table (kmodwatch query --help)
cli=${KMW_BUILDDIR:-.}/src/kmodwatch
if [ -x "$cli" ]; then
	want=$("$cli" query --help | awk '/FILTER:/ { on = 1; next } on && /^       --/ { print $1 }
		on && !/^       --/ { on = 0 }' | sort)
	got=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$s/man/kmodwatch.8" | awk '
		/^\.SH/ { on = ($2 == "FILTERS") }
		on && /^\.B[IR] / { for (i = 2; i <= NF; i++) if ($i ~ /^"?--[a-z0-9]/) {
			w = $i; gsub(/"/, "", w); print w } }' | sort -u)
	same "kmodwatch(8) FILTERS" "$want" "$got"
fi
exit $status
