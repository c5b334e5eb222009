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
exit $status
