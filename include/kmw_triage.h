/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_triage.h - the reader's sorting of records under pressure: what must never be shed,
 * what a flood may be summarised into, what is no module event at all */
#ifndef KMW_TRIAGE_H
#define KMW_TRIAGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmw_lines.h"
#include "kmw_summary.h"

/*
 * The classes of a module call, from its SYSCALL record's own fields:
 * PROTECTED is never summarised (a success; uid or euid 0; a failure that
 * shows the caller passed the kernel's CAP_SYS_MODULE check; fields that
 * cannot be read); SHEDDABLE is a call any local user can make by the
 * thousand (refused with EPERM, or ENOSYS on a kernel without modules).
 */
enum kmw_class {
	KMW_CLASS_NONE = 0, /* no module syscall */
	KMW_CLASS_PROTECTED,
	KMW_CLASS_SHEDDABLE,
};

/**
 * triage_classify - the class of the SYSCALL record whose body is @body up to
 * @end, with what it says in @c (exe and node point into the record; the
 * caller fills node, time and serial from the header). Pure.
 */
enum kmw_class triage_classify(const char *body, const char *end, struct kmw_call *c);

struct kmw_triage_opts {
	unsigned int
		budget; /* sheddable calls of one uid passed one by one per interval; 0: no limit */
	unsigned int interval_s;   /* summary interval */
	unsigned int max_inflight; /* sheddable calls queued one by one at most */
};

#define KMW_TRIAGE_BUDGET 100
#define KMW_TRIAGE_INTERVAL_S 10
/* enough to keep the pipeline busy; the protected call behind them waits for no more */
#define KMW_TRIAGE_INFLIGHT 128

struct kmw_triage_stats {
	uint64_t calls;		  /* SYSCALL records of module calls read */
	uint64_t protected_calls; /* ... of them protected */
	uint64_t unreadable;	  /* ... of those, fields that could not be read */
	uint64_t shed_kept;	  /* sheddable calls passed on one by one */
	uint64_t summarised;	  /* sheddable calls counted into summaries */
	uint64_t summaries;	  /* summaries taken */
	uint64_t noise_dropped;	  /* records of no module event dropped under pressure */
	uint64_t budget_spent; /* sheddable calls summarised because their user's budget was spent */
};

/* Recent module events and what was decided for them: their later records follow. */
#define KMW_TRIAGE_IDS 64

struct kmw_triage_id {
	char key[KMW_ID_MAX];
	uint16_t len;
	bool shed; /* summarised: its records go too */
};

#define KMW_TRIAGE_BUDGETS 256

/*
 * Told of the SYSCALL record line of each module call kept one by one (@line, @len bytes,
 * no newline), on the reading thread, as the pass sorts it and before it is queued: what
 * dies with the loader is read there, not after a hand-off.
 */
typedef void (*kmw_triage_capture_fn)(void *arg, const char *line, size_t len);

/* Calls told to the capture function in one pass at most; past it they are captured later. */
#define KMW_TRIAGE_CAPTURES 64

struct kmw_triage {
	struct kmw_triage_opts o;
	kmw_triage_capture_fn capture;
	void *capture_arg;
	pthread_mutex_t lock; /* the reader filters, the main thread takes and reads */
	struct kmw_triage_stats st;
	struct kmw_summary_table sum;
	unsigned int nids, next_id;
	struct kmw_triage_id ids[KMW_TRIAGE_IDS];
	struct {
		int64_t uid, interval_ms;
		unsigned int used;
		bool taken;
	} budget[KMW_TRIAGE_BUDGETS];
};

/**
 * triage_new - with @o (NULL: the defaults). Returns NULL with errno set.
 */
struct kmw_triage *triage_new(const struct kmw_triage_opts *o);

/**
 * triage_set_capture - tell @fn (with @arg) of every module call kept one by one, first
 * (protected calls, and sheddable ones within the budget). Call before the reader starts.
 */
void triage_set_capture(struct kmw_triage *t, kmw_triage_capture_fn fn, void *arg);

/**
 * triage_set_budget - the budget from now on (a reload); the reader takes it at its next pass.
 */
void triage_set_budget(struct kmw_triage *t, unsigned int budget);

/**
 * triage_free - free @t and what it still counts.
 */
void triage_free(struct kmw_triage *t);

/* What the queue tells a pass, and learns from it. */
struct kmw_triage_pass {
	unsigned int inflight; /* sheddable calls queued one by one now */
	bool room;	       /* the queue can take more */
	bool squeeze;	       /* the queue is nearly full: records of no module event go */
	unsigned int kept;     /* out: sheddable calls this pass kept one by one */
};

/**
 * triage_filter - sort the whole lines of @data (@len bytes, each ending in a
 * newline) in place. A sheddable call is kept one by one while the queue has
 * room, fewer than max_inflight of them wait and its user's budget for the
 * interval lasts; else it is summarised, and its event's later records go
 * with it. Under squeeze, records of no module event go too. A line that goes
 * leaves its newline, so that line numbers stay true. Returns the new length.
 */
size_t triage_filter(struct kmw_triage *t, char *data, size_t len, struct kmw_triage_pass *p);

/**
 * triage_take - the summaries whose interval is over by @now_ms (all with
 * @all), to @fn, after the lock is released: the reader never waits on what
 * @fn does. Returns how many.
 */
typedef void (*kmw_triage_fn)(const struct kmw_summary_entry *e, void *arg);
unsigned int triage_take(struct kmw_triage *t, int64_t now_ms, bool all, kmw_triage_fn fn,
			 void *arg);

/**
 * triage_stats - a copy of the counters.
 */
struct kmw_triage_stats triage_stats(struct kmw_triage *t);

#endif
