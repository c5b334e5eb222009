// SPDX-License-Identifier: GPL-2.0-or-later
/* loadexit.c - the loader that races the monitor: finit_module of a file, then exit at once
 * (no fd held, no wait), as a static binary for the real-kernel guest.
 *   loadexit [-u UID] FILE [PARAMS]     -u: drop to UID first (an unprivileged EPERM)
 * Exit status: 0 when the call succeeded, else its errno. Prints nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned int uid;
	int fd, i = 1;

	if (argc > 2 && !strcmp(argv[1], "-u")) {
		uid = (unsigned int)strtoul(argv[2], NULL, 10);
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
			return 100;
		i = 3;
	}
	if (i >= argc)
		return 101;
	fd = open(argv[i], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 102;
	if (syscall(SYS_finit_module, fd, i + 1 < argc ? argv[i + 1] : "", 0) == 0)
		_exit(0);
	_exit(errno);
}
