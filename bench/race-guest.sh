#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# race-guest.sh - /init of the race benchmark's guest (bench/race.py): kmodwatchd, and loaders
# that exit right after their finit_module (tests/loadexit.c): N successes (each unloaded
# again), N EEXIST, N unprivileged EPERM; no IMA policy, so that the file is known only when
# the daemon wins the race for the loader's fd. N from kmw.race= on the kernel command line.
/bin/busybox mkdir -p /proc /sys /dev /run /tmp
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
export PATH=/sbin:/usr/sbin:/usr/bin:/bin
M=/lib/modules/$(uname -r)/kernel
DATA=/dev/ttyS1
stty -F $DATA raw -echo 2>/dev/null
N=$(sed -n 's/.*kmw\.race=\([0-9]*\).*/\1/p' /proc/cmdline)
N=${N:-100}
/usr/sbin/kmodwatchd --foreground --output /run/race.json --source unicast --store none \
	2> /run/race.err &
KPID=$!
i=0
while ! grep -q "ready:" /run/race.err && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
i=0
while [ $i -lt $N ]; do /usr/bin/loadexit $M/lib/crc7.ko; /sbin/rmmod crc7; i=$((i + 1)); done
/sbin/insmod $M/lib/crc16.ko
i=0
while [ $i -lt $N ]; do /usr/bin/loadexit $M/lib/crc16.ko; i=$((i + 1)); done
i=0
while [ $i -lt $N ]; do /usr/bin/loadexit -u 1000 $M/lib/crc16.ko; i=$((i + 1)); done
sleep 2
kill -TERM $KPID
wait $KPID
for f in race.json race.err; do
	echo "@@KMW-BEGIN $f" > $DATA
	cat /run/$f > $DATA
	echo "@@KMW-END $f" > $DATA
done
echo "@@KMW-DONE" > $DATA
sync
poweroff -f
