/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_summary.h - failed module calls of unprivileged users, counted per (node, uid, exe,
 * syscall, errno) and interval instead of one event each: what a flood costs */
#ifndef KMW_SUMMARY_H
#define KMW_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmw_event.h"

/* What one SYSCALL record of a module call says, as the reader reads it (triage.c). */
struct kmw_call {
	enum kmw_syscall sc;
	uint32_t arch;
	int nr;
	bool have_success, success;
	bool have_exit, have_uid, have_euid;
	int64_t exit, uid, euid;
	const char *exe; /* the raw value of exe= (quoted or hex), or NULL */
	size_t exelen;
	const char *node; /* node= of the record, or NULL */
	size_t nodelen;
	int64_t time_ms; /* the record's own time */
	uint64_t serial;
};

/* Distinct keys kept exactly in one table; past it, one user's executables are merged. */
#define KMW_SUMMARY_EXACT 1024
/* ... and past this many entries, whatever comes is counted in one overflow entry. */
#define KMW_SUMMARY_MAX 1536
/* An interval is taken this long after its end: records still on their way join it. */
#define KMW_SUMMARY_GRACE_MS 1000

/* One summary: calls of one key in one interval. */
struct kmw_summary_entry {
	int64_t interval_ms; /* start of its interval (the overflow entry: the first's) */
	int64_t uid;	     /* -1: many users (the overflow entry) */
	enum kmw_syscall sc; /* KMW_SC_NONE: several (the overflow entry) */
	uint32_t arch;
	int nr;
	int err;   /* positive errno */
	char *exe; /* the raw exe= value; NULL when merged or unknown */
	size_t exelen;
	bool exe_merged; /* several executables of this user, counted together */
	bool overflow;	 /* the table was full: every key counted together */
	char *node;
	size_t nodelen;
	uint64_t count;
	int64_t first_ms, last_ms;
	uint64_t first_serial, last_serial;
	uint32_t hash;
	bool used;
};

struct kmw_summary_table {
	int64_t interval_ms; /* length of an interval */
	unsigned int cap, n; /* slots, entries in use */
	struct kmw_summary_entry *slots;
	struct kmw_summary_entry overflow;
	uint64_t pending; /* calls counted and not yet taken */
};

/**
 * summary_init - an empty table of @interval_s second intervals (aligned to
 * the epoch: 10 s intervals start at :00, :10, ...). Returns 0 or -ENOMEM.
 */
int summary_init(struct kmw_summary_table *t, unsigned int interval_s);

/**
 * summary_fini - free every entry.
 */
void summary_fini(struct kmw_summary_table *t);

/**
 * summary_interval_of - the start of the interval @time_ms falls in.
 */
int64_t summary_interval_of(const struct kmw_summary_table *t, int64_t time_ms);

/**
 * summary_add - count @c (a failed call: its exit is -errno) in its key and
 * interval. Never fails: without room or memory the call is counted in a
 * coarser entry (merged executables, then the overflow entry), never lost.
 */
void summary_add(struct kmw_summary_table *t, const struct kmw_call *c);

/*
 * Gets one entry; it may take its exe and node (set them NULL), which are then
 * its to free. Returns false to leave the entry for the next take (no memory).
 */
typedef bool (*kmw_summary_fn)(struct kmw_summary_entry *e, void *arg);

/**
 * summary_take - hand @fn every entry whose interval ended at least
 * KMW_SUMMARY_GRACE_MS before @now_ms (every entry when @all), oldest
 * interval first, and forget those it took. Returns how many it took.
 */
unsigned int summary_take(struct kmw_summary_table *t, int64_t now_ms, bool all, kmw_summary_fn fn,
			  void *arg);

/**
 * summary_to_event - @e as an event of kind KMW_KIND_SUMMARY in @ev: the
 * syscall, arch, uid, exe (decoded), -errno as exit, the first call's time
 * and serial, and the summary facts. @host is its node when @e has none.
 */
void summary_to_event(const struct kmw_summary_table *t, const struct kmw_summary_entry *e,
		      const char *host, struct kmw_event *ev);

#endif
