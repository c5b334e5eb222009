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
# the drop-in for auditd.service: it lifts the inaccessible module path and nothing else, and
# auditd stays unable to load modules (its exposure with the drop-in no worse than without)
drop=${KMW_SRCDIR:-.}/init/auditd-kmodwatch.conf
grep -qx 'ProtectKernelModules=no' "$drop" && grep -qx 'CapabilityBoundingSet=~CAP_SYS_MODULE' "$drop" &&
	grep -qx 'SystemCallFilter=~@module' "$drop" || { echo "FAIL: the drop-in"; exit 1; }
[ "$(grep -c '^[A-Z]' "$drop")" = 3 ] || { echo "FAIL: the drop-in sets more than the module path"; exit 1; }
if [ -f /lib/systemd/system/auditd.service ]; then
	tmp=$(mktemp -d)
	cp /lib/systemd/system/auditd.service "$tmp/auditd.service"
	before=$(systemd-analyze security --offline=yes "$tmp/auditd.service" 2>&1 |
		sed -n 's/.*Overall exposure level for auditd.service: \([0-9.]*\).*/\1/p')
	# the drop-in's settings after the unit's own, as systemd applies a drop-in
	sed -n '/^\[Service\]/,$p' "$drop" | grep -v '^\[Service\]' >> "$tmp/auditd.service"
	after=$(systemd-analyze security --offline=yes "$tmp/auditd.service" 2>&1 |
		sed -n 's/.*Overall exposure level for auditd.service: \([0-9.]*\).*/\1/p')
	rm -rf "$tmp"
	echo "auditd.service exposure: ${before:-?} without the drop-in, ${after:-?} with it"
	[ -n "$before" ] && [ -n "$after" ] && awk -v a="$after" -v b="$before" 'BEGIN { exit !(a <= b) }' ||
		{ echo "FAIL: the drop-in makes auditd more exposed"; exit 1; }
fi
echo "ok"
