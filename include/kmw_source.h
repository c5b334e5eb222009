/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_source.h - audit records from kernel netlink: multicast beside auditd, or unicast */
#ifndef KMW_SOURCE_H
#define KMW_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <linux/netlink.h>
#include <time.h>

#include "kmw_serials.h"

enum kmw_source_mode {
	KMW_SRC_AUTO,
	KMW_SRC_MULTICAST,
	KMW_SRC_UNICAST,
};

struct kmw_source_stats {
	uint64_t records;
	uint64_t enobufs;	  /* receive-queue overruns: records the kernel dropped for us */
	uint64_t lost_events;	  /* event serials that never came: lost on the way */
	uint64_t late;		  /* records that came after their serial was counted lost */
	uint64_t too_long;	  /* records longer than a queue chunk: skipped */
	uint64_t probes;	  /* marker records sent after overruns (source_probe) */
	int probe_errno;	  /* why the last marker could not be sent, or 0 */
	uint64_t dropped_records; /* records the kernel dropped for us: its count (SO_MEMINFO) */
};

/* Records received with one system call at most, and the room for each. */
#define KMW_RECV_BATCH 32
#define KMW_RECV_SIZE 16384

struct kmw_recv {
	struct sockaddr_nl from;
	size_t len; /* of the record's text */
	int type;   /* -1: not a record, skipped */
	char buf[KMW_RECV_SIZE];
};

struct kmw_source {
	int fd;
	enum kmw_source_mode mode; /* the mode in effect: never AUTO after open */
	bool own_pid;		   /* we registered as the audit daemon */
	int rcvbuf;		   /* receive buffer granted, bytes */
	int64_t since;		   /* serials are tracked from the first record this new */
	FILE *record_log;	   /* optional: every record's line is appended here too */
	pthread_mutex_t lock;	   /* stats and serials: the reader writes, others read */
	struct kmw_source_stats stats;
	struct kmw_serials serials;
	uint32_t settle_mark; /* serials below it are at least a tick old */
	bool settle_valid;
	bool stopping;		 /* the queue asked the fill to end ... */
	struct timespec stop_at; /* ... at this time */
	bool event_open;	 /* a SYSCALL record was taken, and not yet its EOE */
	int64_t last_sec;	 /* time of the newest record taken */
	bool probe_due;		 /* an overrun: send a marker once the queue is empty */
	int64_t overrun_since; /* an overrun not yet claimed: records from then on may be lost; 0 none */
	/* the reader's: records received and not yet taken into the queue */
	unsigned int batch_n, batch_next;
	bool batch_short; /* the last receive took less than a batch */
	struct mmsghdr msgs[KMW_RECV_BATCH];
	struct iovec iov[KMW_RECV_BATCH];
	struct kmw_recv batch[KMW_RECV_BATCH];
};

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
 * source_fill - a kmw_fill_fn (see kmw_queue.h) for @arg, a struct kmw_source:
 * the records waiting, as audit log lines ("type=NAME msg=audit(...): ...\n"),
 * waiting for the first. Records are counted, their serials tracked, and
 * their lines also written to s->record_log when set; ENOBUFS is counted, not
 * returned. Runs on one thread only.
 */
ssize_t source_fill(void *arg, char *buf, size_t cap, int stop_fd);

/**
 * source_tick - settle the serials older than the last tick: what has not come
 * by now is lost. Call every few seconds; @all settles everything (at the end).
 */
void source_tick(struct kmw_source *s, bool all);

/**
 * source_probe - have the kernel log a record of our own (AUDIT_USER, needs
 * CAP_AUDIT_WRITE). source_fill sends one once the queue is empty after an
 * overrun: its serial comes after every record lost, so the serials count
 * the loss even when no other record follows. Returns 0 or -errno.
 */
int source_probe(struct kmw_source *s);

/**
 * source_overrun_take - whether an overrun happened since the last call, and
 * if so, the time (epoch seconds) from which records may be missing.
 */
bool source_overrun_take(struct kmw_source *s, int64_t *since);

/**
 * source_stats - a copy of the counters.
 */
struct kmw_source_stats source_stats(struct kmw_source *s);

/**
 * source_close - release the audit pid when held, and close.
 */
void source_close(struct kmw_source *s);

#endif
