#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# guest-init.sh - /init of the test VM: runs kmodwatchd and the module scenarios in a real
# modular kernel, then sends every result to the host over the second serial port.
#
# A scenario is a shell function s_NN; before it runs, a marker call
# (delete_module "kmw_mark_NN", which fails with ENOENT and names itself in a
# KERN_MODULE record) goes through audit, so the host can split the event
# stream by scenario. Each scenario's helper output goes to helper.log.
/bin/busybox mkdir -p /proc /sys /dev /run /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
export PATH=/sbin:/usr/sbin:/usr/bin:/bin
KVER=$(uname -r)
M=/lib/modules/$KVER/kernel
DATA=/dev/ttyS1
stty -F $DATA raw -echo 2>/dev/null
ONLY=$(sed -n 's/.*kmw\.only=\([^ ]*\).*/\1/p' /proc/cmdline)
H=/run/helper.log

want() { [ -z "$ONLY" ] || echo ",$ONLY," | grep -q ",$1,"; }
# the helper holds its fds until EOF: keep its stdin open half a second past the commands,
# so that the daemon's read of /proc/PID/fd is certain, not a race with the helper's exit
helper() { { cat; sleep 0.5; } | /usr/bin/modcall | sed "s/^/$CUR /" >> $H; }
scenario() {
	want "$1" || return 0
	CUR=$1
	echo "delete kmw_mark_$1 0" | /usr/bin/modcall > /dev/null
	echo "== scenario $1"
	"s_$1" >> /run/scenarios.log 2>&1
	echo "$1 exit=$?" >> /run/scenarios.log
}
start_daemon() {
	N=$1
	shift
	/usr/sbin/kmodwatchd --foreground --output /run/$N.json --source auto \
		--record-log /run/$N.records "$@" 2> /run/$N.err &
	KPID=$!
	i=0
	while ! grep -q "ready:" /run/$N.err && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}
stop_daemon() {
	kill -TERM $KPID
	wait $KPID
	echo "exit status $?" >> /run/$1.err
}
send() {
	echo "@@KMW-BEGIN $1" > $DATA
	[ -f "$2" ] && cat "$2" > $DATA
	echo "@@KMW-END $1" > $DATA
}

# kmod's tools by full path: the busybox shell would run its own applets in-process
INSMOD=/sbin/insmod
RMMOD=/sbin/rmmod
MODPROBE=/sbin/modprobe

# 01: kmod insmod of a module signed by Debian
s_01() { $INSMOD $M/lib/crc7.ko; }
# 02: modprobe through modules.dep, with a parameter
s_02() { $MODPROBE dummy numdummies=3 && ls /sys/class/net && $RMMOD dummy; }
# 03: a module whose signature objcopy stripped: it loads, and taints the kernel (E)
s_03() { $INSMOD /mods/crc-itu-t-unsigned.ko; echo "taint=$(cat /sys/module/crc_itu_t/taint)"; }
# 04: the same module twice: the second load fails with EEXIST
s_04() { $INSMOD /mods/crc16.ko; $INSMOD /mods/crc16.ko; $RMMOD crc16; }
# 05: in-kernel decompression is not in 6.1: EOPNOTSUPP; kmod decompresses in user space
s_05() { echo "finit /mods/crc16.ko.xz 4" | helper; $INSMOD /mods/crc16.ko.xz && $RMMOD crc16; }
# 06: a forced load, ignoring vermagic and modversions (the kernel allows it, and taints F)
s_06() { echo "finit $M/fs/nls/nls_utf8.ko 3" | helper; echo "taint=$(cat /sys/module/nls_utf8/taint)"; $RMMOD nls_utf8; true; }
# 07: rmmod, then busybox rmmod (a real process) of a module that is not there
s_07() { [ -d /sys/module/crc7 ] || $INSMOD $M/lib/crc7.ko; $RMMOD crc7; /bin/busybox rmmod crc7; true; }
# 08: a file that is not a module
s_08() { echo "finit /bin/busybox 0" | helper; }
# 09: an unprivileged user with a login uid
s_09() { printf 'loginuid 1000\nsetuid 1000\nfinit /mods/crc16.ko 0\n' | helper; }
# 10: beside a running auditd, kmodwatchd reads the multicast group; a file IMA has not
# audited yet, so that auditd's log holds an INTEGRITY_RULE too
s_10() { $INSMOD /mods/crc16-s10.ko && $RMMOD crc16; }

# 13: the b32 rule: a 32-bit program loads and unloads a module (a real success through
# the compat syscalls, which a host without 32-bit support cannot make)
s_13() {
	[ -x /usr/bin/modcall32 ] || { echo "no modcall32"; return 0; }
	printf 'finit /mods/crc16.ko 0\ndelete crc16 0\n' | { cat; sleep 0.5; } | /usr/bin/modcall32 |
		sed "s/^/$CUR /" >> $H
}

# 12: /sys/module facts and the loaded-versus-on-disk check: the genuine module with a
# parameter, then a copy whose srcversion differs from the file the name resolves to.
# The genuine load is made by the helper, which keeps its fd open a moment: the file
# read through /proc is then certain (kmod's insmod exits at once, and whether the
# daemon wins that race is s01's matter, not this scenario's).
s_12() {
	echo "finit $M/net/ipv4/tcp_nv.ko 0 nv_pad=5" | helper
	echo "srcversion=$(cat /sys/module/tcp_nv/srcversion)"
	$RMMOD tcp_nv
	$INSMOD /mods/tcp_nv-altered.ko
	echo "altered_srcversion=$(cat /sys/module/tcp_nv/srcversion) taint=$(cat /sys/module/tcp_nv/taint)"
	$RMMOD tcp_nv
}

# 14: an unprivileged flood, two processes as nobody calling flat out, while root loads
# and unloads a module: both are reported, and the flood is summarised, not lost. The
# backlog as audit's standard rules set it (-b 8192); it is put back after
s_14() {
	auditctl -b 8192 > /dev/null
	FLOODERS=
	for i in 1 2; do
		printf 'setuid 65534\nfinit-loop /dev/null 4\n' | /usr/bin/modcall |
			sed "s/^/$CUR flood /" >> $H &
		FLOODERS="$FLOODERS $!"
	done
	sleep 1
	$INSMOD /mods/crc16.ko && $RMMOD crc16
	# the flooders only: the daemon runs in the background of this shell too
	wait $FLOODERS
	auditctl -s | grep -E "^(backlog|lost)"
	auditctl -b 64 > /dev/null
}

# 15: IMA, the kernel's hash of what it read: a copy of crc7 overwritten in place right
# after its load (changed since load); then crc16 again, which IMA audited in scenario 04
# and will not again: the earlier record stands
s_15() {
	# as an attacker with root could: nothing runs between the load and the overwrite
	printf 'realtime\nfinit-overwrite /mods/crc7-over.ko 0\n' | helper
	$RMMOD crc7
	echo "finit /mods/crc16.ko 0" | helper
	$RMMOD crc16
	# the policy was written at boot, and this kernel takes one write a boot
	/usr/bin/kmodwatch ima status
	/usr/bin/kmodwatch ima enable
	echo "ima enable exit=$?"
}

# 22: the race for the loader's file: loaders that exit right after their finit_module
# (tests/loadexit.c): 30 successes (each unloaded again), 30 EEXIST, 30 unprivileged EPERM
s_22() {
	[ -x /usr/bin/loadexit ] || { echo "no loadexit"; return 0; }
	i=0
	while [ $i -lt 30 ]; do /usr/bin/loadexit $M/lib/crc7.ko; $RMMOD crc7; i=$((i + 1)); done
	$INSMOD /mods/crc16.ko
	i=0
	while [ $i -lt 30 ]; do /usr/bin/loadexit /mods/crc16.ko; i=$((i + 1)); done
	i=0
	while [ $i -lt 30 ]; do /usr/bin/loadexit -u 1000 /mods/crc16.ko; i=$((i + 1)); done
	$RMMOD crc16
}

echo "== kmodwatch test guest: kernel $KVER"
# IMA: every finit_module gets an INTEGRITY_RULE record with the file and the hash the
# kernel read (once per inode until it is written again): rules/kmodwatch.ima-policy,
# loaded from /etc/ima/ima-policy as systemd does at boot; this kernel takes one policy
# write per boot (no CONFIG_IMA_WRITE_POLICY)
mount -t securityfs securityfs /sys/kernel/security
if [ -w /sys/kernel/security/ima/policy ]; then
	cat /etc/ima/ima-policy > /sys/kernel/security/ima/policy && echo "ima policy written"
else
	echo "ima policy: no /sys/kernel/security/ima/policy"
fi
start_daemon unicast
for s in 01 02 03 04 05 06 07 08 09 12 13 14 15 22; do scenario $s; done
stop_daemon unicast

if want 10; then
	/sbin/auditd -n -c /etc/audit > /run/auditd.out 2>&1 &
	APID=$!
	i=0
	while ! auditctl -s | grep -q "^pid $APID" && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	start_daemon multicast
	scenario 10
	stop_daemon multicast
	auditctl -s > /run/auditctl-s.txt
	auditctl -l > /run/auditctl-l.txt
	kill -TERM $APID
	wait $APID
	cp /var/log/audit/audit.log /run/audit.log 2>/dev/null
fi

# 16: the modules loaded now against what audit saw, with a daemon of its own (its own
# store: this is the first start of the boot for it, and a check about every 3 s). Before
# it starts, kmw_hide_pre is loaded and unlinks itself from the module list, and crc7 is
# loaded: an ordinary module loaded before the daemon (as is crc_itu_t, which scenario 03
# left loaded). Then an
# ordinary load and unload, a failed load, a module that hides at once, one that hides from
# the list and sysfs two seconds after its load; last (it is a gap of audit's, and a gap
# makes what vanishes from both views afterwards an unaudited unload, not a hidden module),
# a module loaded while the rules are removed
s_16() {
	$INSMOD /mods/crc16.ko && $RMMOD crc16
	echo "finit /bin/busybox 0" | helper
	$INSMOD /mods/kmw_hide_now.ko
	$INSMOD /mods/kmw_hide_later.ko delay_ms=2000
	sleep 12
	auditctl -D
	sleep 3
	# init_module: IMA audits finit_module's file even with no rule (its INTEGRITY_RULE
	# record makes the syscall audited), and never init_module's image
	echo "init-file $M/fs/nls/nls_utf8.ko" | helper
	/usr/bin/kmodwatch rules install
	sleep 9
	echo "proc_modules:"
	cut -d' ' -f1 /proc/modules
	echo "sys_module:"
	ls /sys/module | while read m; do [ -f /sys/module/$m/initstate ] && echo $m; done
	/usr/bin/kmodwatch modules --store /run/inventory.db > /run/modules.txt 2>&1
	echo "modules exit=$?" >> /run/modules.txt
	/usr/bin/kmodwatch modules --store /run/inventory.db --format json > /run/modules.json 2> /run/modules.err
	echo "modules json exit=$?" >> /run/modules.err
	/usr/bin/kmodwatch query --store /run/inventory.db --kind alert --format json > /run/alerts.json
	echo "query exit=$?" >> /run/modules.err
}
if want 16; then
	if [ -f /mods/no-hiders ]; then
		cp /mods/no-hiders /run/inventory-skip
	else
		# init_module, which no IMA rule audits: a load no daemon hears of, even later
		CUR=16pre
		printf 'init-file /mods/kmw_hide_pre.ko\ninit-file %s\n' $M/lib/crc7.ko | helper
		start_daemon inventory --store /run/inventory.db --inventory-interval 3 \
			--reinstall-rules=no
		scenario 16
		stop_daemon inventory
		# a restart in the same boot: what the store says was said is not said again
		start_daemon inventory2 --store /run/inventory.db --inventory-interval 3
		sleep 9
		stop_daemon inventory2
	fi
fi

# 17-21: a root attacker's kill chain, each step as an attacker takes it, against daemons of
# their own (unicast, a store of their own, module checks at the default interval): the
# monitor must say each in an alert that reaches the outputs and the store.
# 17: blinding audit, with --reinstall-rules=no so that each act holds: audit disabled for a
# load and enabled again at once, a never rule in front of the rules, every rule deleted;
# each time a module loads while audit is blind
s_17() {
	auditctl -e 0 > /dev/null; $INSMOD $M/lib/crc7.ko; auditctl -e 1 > /dev/null
	sleep 4
	auditctl -A never,exit -F arch=b64 -S finit_module; $INSMOD $M/fs/nls/nls_utf8.ko
	/usr/bin/kmodwatch status > /run/status-never.txt
	echo "status exit=$?" >> /run/status-never.txt
	sleep 4
	auditctl -d never,exit -F arch=b64 -S finit_module
	auditctl -D > /dev/null; $INSMOD $M/net/ipv4/tcp_nv.ko
	sleep 4
	auditctl -l
}
# 18: the same acts with the default: undone at once (rules put back, first; audit enabled
# again), the next load audited; and a program that tries to take the audit pid
s_18() {
	echo "setpid 1" | /usr/bin/modcall | sed "s/^/$CUR /" >> $H
	auditctl -A never,exit -F arch=b64 -S finit_module
	sleep 2
	auditctl -l > /run/rules-after-never.txt
	/usr/bin/kmodwatch status > /run/status-fixed.txt
	echo "status exit=$?" >> /run/status-fixed.txt
	$INSMOD $M/lib/crc7.ko
	auditctl -d never,exit -F arch=b64 -S finit_module
	auditctl -D > /dev/null
	sleep 2
	$INSMOD $M/fs/nls/nls_utf8.ko
	auditctl -e 0 > /dev/null
	sleep 2
	$INSMOD $M/net/ipv4/tcp_nv.ko
	$RMMOD crc7 nls_utf8 tcp_nv
}
# 19: the rootkit: a silent module by init_module (no IMA record: only the taint, C, says
# it), one by finit_module (IMA's record alone), one whose init sleeps past the wait for
# its record; names that forge /proc/modules lines before a module that unlinks itself;
# hostile and long parameters; a module file changed after its load; an image from
# anonymous memory; the taint cleared; kernel.modules_disabled set back from inside
s_19() {
	sha256sum /mods/kmw_silent_ima.ko /mods/kmw_sleepy.ko
	echo "init-file /mods/kmw_silent.ko" | helper
	$INSMOD /mods/kmw_silent_ima.ko
	$INSMOD /mods/kmw_sleepy.ko sleep_ms=9000
	$INSMOD /mods/kmw_decoy1.ko && $INSMOD /mods/kmw_hide_lst.ko && $INSMOD /mods/kmw_decoy2.ko
	echo "proc_modules:"; cut -c1-60 /proc/modules | od -c | head -20
	# secret=4242 x<0x01>=1; pad= and 4,100 A and secret=1337; 20,000 bytes
	P1=$(printf 'secret=4242 x\001=1' | od -v -An -tx1 | tr -d ' \n')
	P2=$( { printf 'pad='; head -c 4100 /dev/zero | tr '\0' A; printf ' secret=1337'; } |
		od -v -An -tx1 | tr -d ' \n')
	P3=$( { printf 'pad='; head -c 19996 /dev/zero | tr '\0' B; } | od -v -An -tx1 | tr -d ' \n')
	F=$(printf /mods/kmw_params.ko | od -v -An -tx1 | tr -d ' \n')
	for p in $P1 $P2 $P3; do echo "finit-hex $F 0 $p" | helper; $RMMOD kmw_params; done
	cp /mods/crc16.ko /mods/crc16-chg.ko
	{ echo "finit /mods/crc16-chg.ko 0"; sleep 1; echo x >> /mods/crc16-chg.ko; } | helper
	echo "init-file $M/net/ipv4/tcp_nv.ko" | helper
	sleep 4
	$RMMOD tcp_nv
	$INSMOD /mods/kmw_untaint.ko
	echo "taint=$(cat /proc/sys/kernel/tainted)"
	sleep 3
	echo 1 > /proc/sys/kernel/modules_disabled
	sleep 3
	echo 1 > /sys/module/kmw_untaint/parameters/reenable
	echo "modules_disabled=$(cat /proc/sys/kernel/modules_disabled)"
	sleep 4
	/usr/bin/kmodwatch modules --store /run/attack.db --format json > /run/attack-modules.json
	/usr/bin/kmodwatch status > /run/attack-status.txt
	echo "status exit=$?" >> /run/attack-status.txt
	/usr/bin/kmodwatch query --store /run/attack.db --kind alert --format json > /run/attack-stored.json
	$RMMOD crc16
}
[ -f /mods/no-hiders ] && cp /mods/no-hiders /run/attack-skip
# what scenario 16 left loaded goes first: 17 loads them again
$RMMOD crc7 nls_utf8 2> /dev/null
if want 17 && [ ! -f /mods/no-hiders ]; then
	start_daemon tamper --store /run/tamper.db --reinstall-rules=no
	scenario 17
	stop_daemon tamper
	/usr/bin/kmodwatch query --store /run/tamper.db --kind alert --format json > /run/tamper-stored.json
	/usr/bin/kmodwatch rules remove > /dev/null 2>&1
	$RMMOD crc7 nls_utf8 tcp_nv 2> /dev/null
fi
if want 18 || want 19 || want 20 || want 21; then
	if [ ! -f /mods/no-hiders ]; then
		start_daemon attack --store /run/attack.db
		scenario 18
		scenario 19
		# 20: kmodwatchd killed with SIGKILL while a load is in the kernel: the kernel keeps
		# what it had not delivered, the SYSCALL record of the load lost with the socket
		$INSMOD /mods/kmw_sleepy2.ko sleep_ms=3000 &
		LPID=$!
		sleep 1
		kill -KILL $KPID
		wait $KPID
		wait $LPID
		start_daemon attack2 --store /run/attack.db
		sleep 5
		stop_daemon attack2
		# 21: the store deleted, and a module loaded while the daemon is down: a new store
		# on a kernel that ran a while blesses nothing
		rm -f /run/attack.db /run/attack.db-wal /run/attack.db-shm
		$INSMOD $M/lib/crc7.ko
		start_daemon attack3 --store /run/attack.db
		sleep 6
		/usr/bin/kmodwatch modules --store /run/attack.db --format json > /run/store-modules.json
		/usr/bin/kmodwatch status > /run/store-status.txt
		echo "status exit=$?" >> /run/store-status.txt
		stop_daemon attack3
		$RMMOD crc7
	fi
fi

# 11, last: audit made immutable (never do this on a host: only a reboot undoes it), with
# a rule for b64 in place: kmodwatchd says it cannot add the b32 rule and runs on
s_11() { $INSMOD /mods/crc16.ko && $RMMOD crc16; }
if want 11; then
	auditctl -D > /dev/null
	auditctl -a always,exit -F arch=b64 -S init_module,finit_module,delete_module -F key=module-load
	auditctl -e 2 > /dev/null
	start_daemon immutable
	scenario 11
	stop_daemon immutable
	auditctl -l > /run/immutable-rules.txt
fi

for f in unicast.json unicast.err unicast.records multicast.json multicast.err helper.log scenarios.log \
	 audit.log auditd.out auditctl-s.txt auditctl-l.txt immutable.json immutable.err \
	 immutable-rules.txt inventory.json inventory.err inventory2.json inventory2.err \
	 inventory-skip modules.txt modules.json \
	 modules.err alerts.json tamper.json tamper.err attack.json attack.err attack2.json \
	 attack2.err attack3.json attack3.err attack-skip attack-modules.json attack-status.txt \
	 status-never.txt status-fixed.txt rules-after-never.txt store-modules.json \
	 store-status.txt tamper-stored.json attack-stored.json; do
	send $f /run/$f
done
echo "@@KMW-DONE" > $DATA
sync
poweroff -f
