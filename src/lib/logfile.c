// SPDX-License-Identifier: GPL-2.0-or-later
/* logfile.c - read audit log files, plain or gzip, and say when one was cut */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "kmw_logfile.h"

#define READ_SIZE (1 << 18)

int logfile_feed(struct kmw_lines *l, const char *path, char *err, size_t errlen,
		 kmw_progress_fn progress, int i, void *arg)
{
	bool stdin_ = !strcmp(path, "-");
	int fd = stdin_ ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int n, zerr = Z_OK, rc = 0;
	const char *msg;
	char *buf;
	gzFile gz;

	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return rc;
	}
	buf = malloc(READ_SIZE);
	gz = buf ? gzdopen(fd, "rb") : NULL;
	if (!gz) {
		snprintf(err, errlen, "cannot read %s: out of memory", path);
		close(fd);
		free(buf);
		return -ENOMEM;
	}
	gzbuffer(gz, READ_SIZE);
	lines_set_input(l, stdin_ ? "stdin" : path);
	while ((n = gzread(gz, buf, READ_SIZE)) > 0) {
		lines_push(l, buf, (size_t)n);
		if (progress)
			progress(arg, i, (uint64_t)gzoffset(gz));
	}
	/* zlib reports a stream that stops short as the end, with Z_BUF_ERROR left behind */
	msg = gzerror(gz, &zerr);
	if (n < 0 || zerr != Z_OK) {
		if (zerr == Z_ERRNO) {
			rc = -errno;
			snprintf(err, errlen, "reading %s: %s", path, strerror(errno));
		} else {
			rc = zerr == Z_BUF_ERROR ? -ENODATA : -EBADMSG;
			snprintf(err, errlen,
				 "%s is cut: %s (what came before the cut is read; the "
				 "events at the cut are left out)",
				 path,
				 zerr == Z_BUF_ERROR ? "the compressed data ends before its end"
				 : msg && *msg	     ? msg
						     : "corrupt compressed data");
		}
		lines_drop_partial(l, false);
		lines_abandon(l);
	} else {
		lines_end_input(l);
	}
	gzclose(gz);
	free(buf);
	return rc;
}

int logfile_feed_set(struct kmw_lines *l, char **files, int n, kmw_file_error_fn error,
		     kmw_progress_fn progress, void *arg)
{
	char err[4400];
	int i, failed = 0;

	lines_sort_rotated(files, n);
	for (i = 0; i < n; i++) {
		if (logfile_feed(l, files[i], err, sizeof(err), progress, i, arg) == 0)
			continue;
		failed++;
		if (error)
			error(arg, err);
	}
	lines_finish(l);
	return failed;
}
