/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_sink.h - where formatted events go: a file or stdout, whole lines only */
#ifndef KMW_SINK_H
#define KMW_SINK_H

#include <stddef.h>
#include <stdint.h>

struct kmw_sink {
	int fd;
	char *path;		/* NULL for stdout */
	uint64_t written;
	uint64_t failed;
	int last_error;
};

/**
 * sink_open - open @path for appending ("-" is stdout). The file is created
 * with mode 0640 and never opened through a symlink. Returns 0 or -errno.
 */
int sink_open(struct kmw_sink *s, const char *path);

/**
 * sink_reopen - reopen the file after an external rotation. The old fd stays
 * in use when the new open fails. Returns 0 or -errno.
 */
int sink_reopen(struct kmw_sink *s);

/**
 * sink_write - write @len bytes (one or more whole lines) with one write(2)
 * when possible, retrying on short writes. Returns 0 or -errno (counted).
 */
int sink_write(struct kmw_sink *s, const char *data, size_t len);

/**
 * sink_close - close the file (stdout stays open).
 */
void sink_close(struct kmw_sink *s);

#endif
