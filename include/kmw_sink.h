/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_sink.h - outputs: JSON-lines files, syslog (RFC 5424/3164 over unix, UDP, TCP, TLS,
 * RELP), journald, and a memory sink for the tests. Each keeps what it could not deliver in a
 * bounded queue and retries with backoff. One file per kind (src/lib/sink_*.c); sink.c holds
 * what they share. What one kind alone offers is in its own header: kmw_sink_syslog.h,
 * kmw_sink_memory.h. */
#ifndef KMW_SINK_H
#define KMW_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kmw_format.h"

enum kmw_sink_kind {
	KMW_SINK_FILE, /* a file, or "-" for stdout */
	KMW_SINK_SYSLOG,
	KMW_SINK_JOURNAL,
	KMW_SINK_MEMORY, /* kept in memory, for the tests (sink_memory_*) */
};

struct kmw_sink_conf {
	enum kmw_sink_kind kind;
	const char *target; /* file path or "-"; syslog: unix:PATH, udp:HOST:PORT, tcp:HOST:PORT */
	enum kmw_format format; /* json, ecs or text */
	const char *prefix;	/* file: put before each line ("@cee: " for rsyslog mmjsonparse) */
	uint64_t rotate_bytes;	/* file: rotate past this size (0: never; logrotate may) */
	unsigned int rotate_keep; /* file: generations kept, FILE.1 ... FILE.N */
	gid_t group;		  /* file: group of a new file; (gid_t)-1 keeps the default */
	int rfc;		  /* syslog: 5424 or 3164 */
	int facility;	      /* syslog: LOG_DAEMON and the like (already shifted, as syslog.h) */
	int severity;	      /* syslog: fixed LOG_* level, or -1: from risk.level */
	const char *app_name; /* syslog: APP-NAME / TAG */
	uint64_t queue_bytes; /* what may wait for a failed sink (0: 4 MiB) */
	/* syslog tls: and relp+tls: (NULL: the default) */
	const char *tls_ca;		/* CA file or directory; NULL: the system's trust store */
	const char *tls_cert, *tls_key; /* ours, for mutual TLS */
	const char *tls_peer_name; /* the name the collector's certificate carries; NULL: HOST */
	const char *tls_min;	   /* "1.2" (default) or "1.3" */
	const char *tls_ciphers;   /* OpenSSL cipher list for TLS 1.2 */
};

struct kmw_sink_stats {
	uint64_t delivered; /* messages written whole */
	uint64_t failures;  /* attempts that failed */
	uint64_t dropped;   /* messages lost to a full queue */
	uint64_t queued;    /* messages waiting now */
	int last_error;	    /* -errno of the last attempt; 0 once one succeeded */
	char why[256];	    /* ... and in words when the kind knows more ("certificate has
				 * expired"); "" when it does not */
};

struct kmw_sink;

/**
 * sink_new - a sink for @c (the strings it points to must outlive it). It is
 * opened at once; a sink that cannot open keeps its messages and retries.
 * Returns NULL with errno set only for a configuration it cannot take.
 */
struct kmw_sink *sink_new(const struct kmw_sink_conf *c);

/**
 * sink_emit - send one event (@body: the formatted event, one line, without
 * newline; the event's risk level gives the syslog severity). A message is
 * written whole or not at all, once. What cannot go now waits in the queue.
 * Returns 0 when delivered now, 1 when queued, -ENOBUFS when dropped. Between
 * sink_batch_begin and sink_batch_end, a kind that takes several messages at
 * once (a file) only collects them: 0 then says so.
 */
int sink_emit(struct kmw_sink *s, const struct kmw_event *ev, const char *body, size_t len);

/**
 * sink_batch_begin - the messages emitted from now on go together, with one
 * write, at sink_batch_end (kinds that cannot take them so still send each).
 */
void sink_batch_begin(struct kmw_sink *s);

/**
 * sink_batch_end - write what the batch collected: whole, or each message of it
 * kept to retry, in order. Returns 0 when delivered, 1 when queued, -ENOBUFS
 * when some were dropped, -ENODATA when the batch collected nothing.
 */
int sink_batch_end(struct kmw_sink *s);

/**
 * sink_tick - retry what waits, when its backoff has passed. Cheap when
 * nothing waits. Returns the number of messages still waiting.
 */
uint64_t sink_tick(struct kmw_sink *s);

/**
 * sink_up - nothing waits and the sink is connected (a kind that has no connection is).
 */
bool sink_up(const struct kmw_sink *s);

/**
 * sink_reopen - a file sink reopens its path (after an external rotation), a
 * socket sink reconnects. Returns 0 or -errno.
 */
int sink_reopen(struct kmw_sink *s);

/**
 * sink_stats - counters of @s.
 */
void sink_stats(const struct kmw_sink *s, struct kmw_sink_stats *out);

/**
 * sink_add_counts - add the delivered, failed and dropped counts of @from (a sink the same
 * output had before a reload) to @s's, so that an output's counts go on across a reload.
 */
void sink_add_counts(struct kmw_sink *s, const struct kmw_sink *from);

/**
 * sink_stats_failed_open - whether the open at sink_new failed; @err gets why.
 */
bool sink_stats_failed_open(const struct kmw_sink *s, int *err);

/**
 * sink_name - "file:/var/log/...", "syslog:tcp:host:port", "journald".
 */
const char *sink_name(const struct kmw_sink *s);

/**
 * sink_drain - at exit: try to deliver what waits (in the queue, and what a kind's
 * sender thread holds), for at most @max_ms. Returns what still waits.
 */
uint64_t sink_drain(struct kmw_sink *s, unsigned int max_ms);

/**
 * sink_free - close @s; what still waits is counted as dropped.
 */
void sink_free(struct kmw_sink *s);

/**
 * sink_kind_name - "file", "syslog", "journald", "memory"; NULL for no such kind.
 */
const char *sink_kind_name(enum kmw_sink_kind kind);

#endif
