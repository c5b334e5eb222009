# SPDX-License-Identifier: GPL-2.0-or-later
# no_cmocka.sh - stands in for the unit tests when configure found no cmocka
echo "SKIP: unit tests need cmocka; install libcmocka-dev and re-run configure"
exit 77
