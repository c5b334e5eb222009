/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_source.h - audit records from kernel netlink: multicast beside auditd, or unicast */
#ifndef KMW_SOURCE_H
#define KMW_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum kmw_source_mode {
	KMW_SRC_AUTO,
	KMW_SRC_MULTICAST,
	KMW_SRC_UNICAST,
};

struct kmw_source_stats {
	uint64_t records;
	uint64_t enobufs;	/* receive-queue overruns: records the kernel dropped for us */
	uint64_t foreign;	/* messages not from the kernel, ignored */
};

struct kmw_source {
	int fd;
	enum kmw_source_mode mode;	/* the mode in effect: never AUTO after open */
	bool own_pid;			/* we registered as the audit daemon */
	int rcvbuf;			/* receive buffer granted, bytes */
	struct kmw_source_stats stats;
	char buf[65536 + 4096];
};

/* Called for every audit record; @msg is the record text, not NUL-terminated. */
typedef void (*kmw_record_cb)(int type, const char *msg, size_t len, void *arg);

/**
 * source_mode_name - "auto", "multicast", "unicast".
 */
const char *source_mode_name(enum kmw_source_mode m);

/**
 * source_parse_mode - the reverse of source_mode_name. Returns 0 or -EINVAL.
 */
int source_parse_mode(const char *name, enum kmw_source_mode *out);

/**
 * source_open - open @s in @mode. AUTO joins the multicast group when
 * @audit_pid (from the audit status) names a live process, and otherwise
 * becomes the audit daemon. Returns 0 or -errno (-EEXIST: another process
 * owns the audit pid).
 */
int source_open(struct kmw_source *s, enum kmw_source_mode mode, pid_t audit_pid);

/**
 * source_read - read what is queued without blocking and call @cb per record.
 * Returns the number of records, 0 when nothing was queued, or -errno on a
 * fatal socket error. ENOBUFS is counted, not returned.
 */
int source_read(struct kmw_source *s, kmw_record_cb cb, void *arg);

/**
 * source_close - release the audit pid when held, and close.
 */
void source_close(struct kmw_source *s);

#endif
