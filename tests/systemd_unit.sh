# SPDX-License-Identifier: GPL-2.0-or-later
# systemd_unit.sh - the unit passes systemd-analyze verify checks that need no running systemd,
# and its exposure score (systemd-analyze security --offline) stays at 3.5 or below
set -u
b=${KMW_BUILDDIR:-.}
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is missing (apt-get install systemd)"; exit 77; }
unit="$b/init/kmodwatchd.service"
[ -f "$unit" ] || make -C "$b" init/kmodwatchd.service >/dev/null || exit 1
out=$(systemd-analyze security --offline=yes "$unit" 2>&1)
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for kmodwatchd.service: \([0-9.]*\).*/\1/p')
echo "exposure: ${score:-?}"
[ -n "$score" ] || { printf '%s\n' "$out" | tail -n 20; exit 1; }
awk -v s="$score" 'BEGIN { exit !(s <= 3.5) }' || { echo "FAIL: exposure $score above 3.5"; exit 1; }
for k in ProtectSystem=strict ProtectHome PrivateTmp=yes NoNewPrivileges=yes CapabilityBoundingSet SystemCallFilter ReadWritePaths; do
	grep -q "^$k" "$unit" || { echo "FAIL: $k missing"; exit 1; }
done
echo "ok"
