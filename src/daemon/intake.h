/* SPDX-License-Identifier: GPL-2.0-or-later */
/* intake.h - the records on their way in: the source (netlink, or auditd's stream on stdin),
 * the reading thread and its queue (triage.h sorts a flood there, capture.h reads what dies
 * with the loader), lines into events (the parser, whose hook for CONFIG_CHANGE records the
 * caller gives), and what is lost on the way: counted, and each loss a gap for the worker to
 * backfill. Main thread; the reading thread is the queue's. */
#ifndef KMWD_INTAKE_H
#define KMWD_INTAKE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "control.h"
#include "kmw_capture.h"
#include "kmw_config.h"
#include "kmw_enrich.h"
#include "kmw_lines.h"
#include "kmw_parse.h"
#include "kmw_queue.h"
#include "kmw_source.h"
#include "kmw_triage.h"
#include "persist.h"
#include "worker.h"

/* an INTEGRITY_RULE whose SYSCALL has not come this long after it: suppressed */
#define INTAKE_ORPHAN_MS 6000
/* the plugin's queue at most, MB: about a second of what the worker takes */
#define INTAKE_PLUGIN_QUEUE_MB 8
/* after fewer chunks than this, the main thread waits this long before it looks again */
#define INTAKE_COALESCE_CHUNKS 4
#define INTAKE_COALESCE_US 1000
/* quiet this long: no record of a pending event is still coming */
#define INTAKE_IDLE_MS 50
/* the losses are looked at each tick: a gap is handed on a few ticks after its losses */
#define INTAKE_TICK_S 2

/* What came in and what was lost on the way in, from whichever source this is. */
struct intake_counts {
	uint64_t records, enobufs, dropped, lost_events, late, too_long, bad_lines;
	struct kmw_queue_stats q;
	struct kmw_triage_stats t;
	uint64_t queue_limit;	 /* bytes */
	uint64_t captures_early; /* calls whose loader was looked at by the reader */
	int64_t capture_p50_us, capture_p99_us;
};

struct intake {
	bool ready;		       /* intake_init ran: there is something to close */
	const struct kmw_config *conf; /* the generation in force */
	struct control *control;       /* the kernel's lost count; its socket for our marker */
	struct worker *worker;	       /* where events and gaps go */
	struct kmw_enricher *enricher; /* its first stage: what dies with the loader */
	const char *node;	       /* this host's name; NULL: none */
	struct kmw_source src;	       /* netlink (not a plugin) */
	FILE *record_log;	       /* --record-log: every record as received */
	struct kmw_parser *parser;
	struct kmw_lines *lines;
	struct kmw_queue *queue;	   /* the records, read on a thread of their own */
	struct kmw_triage *triage;	   /* ... sorted there: a flood is summarised */
	struct kmw_capture_env capenv;	   /* ... and what dies with each loader read there */
	struct kmw_capture_cache capcache; /* ... the reader's own: the loaders seen lately */
	struct kmw_captures captures;	   /* ... kept by serial for enrich_capture */
	struct kmw_event *summary_ev;	   /* a summary on its way to the worker */
	bool input_failed;		   /* the input ended on a read error: exit 1 */
	unsigned int ticks;
	uint64_t enobufs_seen; /* overruns already said (the reader sends their marker) */
	uint64_t lost_noted;   /* serial losses a gap was noted for */
	uint64_t loss_at[8];   /* records lost by then, at each of the last ticks */
	bool probe_failed;
	bool gap_open; /* a gap not yet handed to the worker */
	struct persist_gap gap;
	time_t gap_due; /* auditd has logged the gap by then */
};

/**
 * intake_init - @in for @conf, its events and gaps to @worker; the parser made, CONFIG_CHANGE
 * records to @config_change (with @arg); --record-log opened. Returns 0 or -1 having said why.
 */
int intake_init(struct intake *in, const struct kmw_config *conf, struct control *control,
		struct worker *worker, struct kmw_enricher *enricher, const char *node,
		void (*config_change)(const struct kmw_config_change *c, void *arg), void *arg);

/* intake_set_config - the generation in force from now on (a reload): the flood budget */
void intake_set_config(struct intake *in, const struct kmw_config *conf);

/**
 * intake_open_source - the netlink source, once audit is set up (not a plugin): multicast
 * beside a running audit daemon, else unicast. Returns 0 or -1 having said why.
 */
int intake_open_source(struct intake *in);

/* intake_multicast - the source reads the multicast group (its capability is kept) */
bool intake_multicast(const struct intake *in);

/**
 * intake_boost_begin - the daemon runs priority-boost nice levels higher than started, as
 * auditd does for itself, and its reader reader-boost levels more; raised on this thread
 * before the capabilities go, inherited by the reader. Returns the level to set back to
 * (intake_boost_end), which the worker, started later, inherits.
 */
int intake_boost_begin(struct intake *in);
void intake_boost_end(int level);

/**
 * intake_start - the reading thread: from now on the source is read into the queue.
 * Returns 0 or -1 having said why.
 */
int intake_start(struct intake *in);

/* intake_fd - what the main loop polls: records are waiting */
int intake_fd(const struct intake *in);

/**
 * intake_take - what the queue has now, into the parser. Returns the chunks taken, -1 at the
 * end of the plugin's input, or -2 on a fatal error.
 */
int intake_take(struct intake *in);

/* intake_idle - quiet for INTAKE_IDLE_MS: no record of a pending event is still coming */
void intake_idle(struct intake *in);

/**
 * intake_tick - every tick: the source's own tick, summaries whose interval is over, the
 * INTEGRITY_RULE records whose SYSCALL never came, and losses made gaps.
 */
void intake_tick(struct intake *in);

/**
 * intake_finish - at the end: what already came is taken, every event completed, every
 * summary said.
 */
void intake_finish(struct intake *in);

/**
 * intake_open_gap - at exit: a gap not yet handed on, into @g. Returns whether there is one.
 */
bool intake_open_gap(struct intake *in, struct persist_gap *g);

/* intake_counts - what came and what was lost, so far */
struct intake_counts intake_counts(struct intake *in);

/* intake_close - the reader stopped, the source closed; intake_fini - the rest */
void intake_close(struct intake *in);
void intake_fini(struct intake *in);

#endif
