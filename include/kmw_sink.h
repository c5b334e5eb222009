/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_sink.h - outputs: JSON-lines files, syslog (RFC 5424/3164 over unix, UDP, TCP), journald,
 * and a memory sink for the tests. Each keeps what it could not deliver in a bounded queue and
 * retries with backoff. One file per kind (src/lib/sink_*.c); sink.c holds what they share. */
#ifndef KMW_SINK_H
#define KMW_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kmw_format.h"

enum kmw_sink_kind {
	KMW_SINK_FILE,		/* a file, or "-" for stdout */
	KMW_SINK_SYSLOG,
	KMW_SINK_JOURNAL,
	KMW_SINK_MEMORY,	/* kept in memory, for the tests (sink_memory_*) */
};

struct kmw_sink_conf {
	enum kmw_sink_kind kind;
	const char *target;	/* file path or "-"; syslog: unix:PATH, udp:HOST:PORT, tcp:HOST:PORT */
	enum kmw_format format;	/* json, ecs or text */
	const char *prefix;	/* file: put before each line ("@cee: " for rsyslog mmjsonparse) */
	uint64_t rotate_bytes;	/* file: rotate past this size (0: never; logrotate may) */
	unsigned int rotate_keep;	/* file: generations kept, FILE.1 ... FILE.N */
	gid_t group;		/* file: group of a new file; (gid_t)-1 keeps the default */
	int rfc;		/* syslog: 5424 or 3164 */
	int facility;		/* syslog: LOG_DAEMON and the like (already shifted, as syslog.h) */
	int severity;		/* syslog: fixed LOG_* level, or -1: from risk.level */
	const char *app_name;	/* syslog: APP-NAME / TAG */
	uint64_t queue_bytes;	/* what may wait for a failed sink (0: 4 MiB) */
	/* syslog tls: and relp+tls: (NULL: the default) */
	const char *tls_ca;	/* CA file or directory; NULL: the system's trust store */
	const char *tls_cert, *tls_key;	/* ours, for mutual TLS */
	const char *tls_peer_name;	/* the name the collector's certificate carries; NULL: HOST */
	const char *tls_min;	/* "1.2" (default) or "1.3" */
	const char *tls_ciphers;	/* OpenSSL cipher list for TLS 1.2 */
};

struct kmw_sink_stats {
	uint64_t delivered;	/* messages written whole */
	uint64_t failures;	/* attempts that failed */
	uint64_t dropped;	/* messages lost to a full queue */
	uint64_t queued;	/* messages waiting now */
	int last_error;		/* -errno of the last attempt; 0 once one succeeded */
	char why[256];		/* ... and in words when the kind knows more ("certificate has
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

/**
 * sink_memory_fail - make the next @count sends (and opens) of memory sink @s
 * fail with @err (-errno); @count -1: all of them, 0: none. No effect on other kinds.
 */
void sink_memory_fail(struct kmw_sink *s, int err, long count);

/**
 * sink_memory_count - how many messages memory sink @s holds (0 for other kinds).
 */
size_t sink_memory_count(const struct kmw_sink *s);

/**
 * sink_memory_message - the @i-th message memory sink @s took, as framed
 * ("<SEVERITY>" then the body), NUL-ended; its length in @len. NULL past the end.
 */
const char *sink_memory_message(const struct kmw_sink *s, size_t i, size_t *len);

/**
 * sink_syslog_check - whether @target is a syslog destination (unix:PATH, udp:HOST:PORT,
 * tcp:HOST:PORT, tls:HOST:PORT, relp:HOST:PORT, relp+tls:HOST:PORT, a port from 1 to
 * 65535), and with @resolve whether HOST resolves.
 * Returns 0, or -EINVAL with the reason in @why.
 */
int sink_syslog_check(const char *target, bool resolve, char *why, size_t len);

/**
 * sink_tls_check - for a tls: or relp+tls: @target (others pass), whether the TLS settings
 * can make a client: @ca (file or directory, NULL: the system's), @cert and @key (both or
 * neither, and they match; relp+tls needs them), @min ("1.2", "1.3" or NULL) and @ciphers
 * (NULL: OpenSSL's). Returns 0, or -EINVAL with the reason.
 */
int sink_tls_check(const char *target, const char *ca, const char *cert, const char *key,
		   const char *min, const char *ciphers, char *why, size_t len);

/**
 * sink_parse_facility - "daemon", "local0" ... to LOG_* (shifted). Returns 0 or -EINVAL.
 */
int sink_parse_facility(const char *name, int *out);

/**
 * sink_parse_severity - "auto" (-1), "info", "warning" ... Returns 0 or -EINVAL.
 */
int sink_parse_severity(const char *name, int *out);

/**
 * sink_facility_name - the name sink_parse_facility takes for @facility; "?" for none.
 */
const char *sink_facility_name(int facility);

/**
 * sink_severity_name - "auto" for -1, else the name of LOG_* level @severity; "?" for none.
 */
const char *sink_severity_name(int severity);

#endif
