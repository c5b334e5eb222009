/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmodwatchd.h - the daemon's own modules and what they share: its context, and the one
 * hand-off from the worker thread to the main thread (struct worker_view) */
#ifndef KMODWATCHD_H
#define KMODWATCHD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "kmw_buf.h"
#include "kmw_capture.h"
#include "kmw_config.h"
#include "kmw_enrich.h"
#include "kmw_evqueue.h"
#include "kmw_host.h"
#include "kmw_ledger.h"
#include "kmw_lines.h"
#include "kmw_parse.h"
#include "kmw_posture.h"
#include "kmw_queue.h"
#include "kmw_rules.h"
#include "kmw_sink.h"
#include "kmw_source.h"
#include "kmw_store.h"
#include "kmw_triage.h"

#define EXIT_USAGE 2
#define EXIT_NOPRIV 4
#define EXIT_OTHER_CONSUMER 5	/* another kmodwatchd reads this host's events already */
#define EXIT_CONFIG 6
/* the timer of the main thread: state file, rule check, stats, store maintenance */
#define TICK_S 2
/* the kernel's audit backlog is sampled this often, for its high-water mark */
#define TICK_SAMPLE_MS 100
/* events waiting for the slow enrichment at most; the capture thread waits beyond */
#define EVQUEUE_SLOTS 256
/* an INTEGRITY_RULE whose SYSCALL has not come this long after it: suppressed */
#define ORPHAN_MS 6000
/* quiet this long: no record of a pending event is still coming */
#define IDLE_MS 50
/* auditd's log has a lost event within a few seconds; a gap starts this much before */
#define GAP_MARGIN_MS 2000
#define MAX_SINKS 8

/* a finding of the module checks stands when two checks this far apart see it */
#define RECON_CONFIRM_MS 1500
/* a check this long after a load */
#define RECON_AFTER_LOAD_MS 3000
/* events lagging this long no more hold a finding back: it is said, marked so */
#define RECON_BEHIND_MAX_MS 30000
/* new taint bits wait this long for the audited load that explains them */
#define RECON_TAINT_WAIT_MS 4000
/* after audit was blind, the modules are checked every tick this long */
#define RECON_BLIND_AFTER_MS 10000

/* What the worker counts. */
struct worker_counts {
	uint64_t events;		/* syscall events delivered to the outputs */
	uint64_t summaries;		/* summary lines delivered */
	uint64_t alerts;		/* alert lines delivered */
	uint64_t checks;		/* module checks made */
	uint64_t modules;		/* modules loaded at the last check */
	int64_t check_us_max;		/* the longest check */
	uint64_t stored, store_failures;
	uint64_t recovered;		/* backfilled from auditd's logs */
	uint64_t enrich_gaveup;		/* events with a bound or a failure in enrichment */
	uint64_t gaps_backfilled;
	struct kmw_posture posture;	/* the kernel's protections at the last tick */
	int64_t boot_first_start_ms;	/* this boot's first start of kmodwatchd */
	bool store_history_lost;	/* the store had no record of this boot before this start */
	uint64_t modules_unchecked;	/* ... and so many modules' load time could not be read */
};

/*
 * The worker owns the outputs, the store and what they count. The main thread
 * sees them only through this copy, which the worker publishes under
 * view_lock after each step (pipeline_publish): the one hand-off between the
 * two, so that no thread reads what another may free (a reload swaps the outputs).
 */
struct worker_view {
	struct worker_counts c;
	const char *output;		/* the configuration's strings live until exit */
	enum kmw_format format;
	int nsinks;
	char sink_name[MAX_SINKS][128];
	struct kmw_sink_stats sink[MAX_SINKS];
};

/* The main thread's tick to the module checks: the gaps, and whether events lag behind. */
struct recon_tick {
	struct kmw_audit_gaps g;	/* the counters; the flags are the worker's */
	bool behind;
	bool blind;			/* audit is blind to module loads, or was a moment ago */
};

/* The worker's module checks (reconcile.c). */
struct recon {
	bool on;			/* live, on a kernel with modules, checks not turned off */
	struct kmw_ledger ledger;
	struct kmw_inventory inv;
	struct kmw_audit_gaps gaps;	/* the latest */
	int64_t next_ms;		/* the next periodic check */
	int64_t after_load_ms;		/* a check due after a load, or 0 */
	int64_t behind_since_ms;	/* events lag behind since, or 0 */
	bool behind;
	bool blind;			/* audit blind (guard.c): a check every tick */
	char last_act[192];		/* the last tampering alert, for what it may have hidden */
	/* the kernel's taint (/proc/sys/kernel/tainted): what is known of it, the bits audited
	 * loads explain, new bits that wait for the load that explains them */
	uint64_t malformed_said;	/* the malformed line of the list said last (a hash) */
	bool posture_on;
	bool ima_seen;			/* an event had an INTEGRITY_RULE record: IMA audits loads */
	bool taint_on;
	uint64_t taint_known, taint_explained, taint_pending;
	int64_t taint_pending_ms;
	int64_t last_act_ms;
	unsigned int waiting;		/* findings waiting for their second look */
	uint64_t rng;
	struct kmw_event *ev;		/* the alert being made */
};

/* An act of others on audit's configuration: one CONFIG_CHANGE record, and who made it. */
struct guard_act {
	char op[32], field[32], key[64];
	int64_t value, old;
	int res, list;
	uint64_t serial;
	int64_t ms;
	int64_t pid, ppid, uid, auid, ses;
	char comm[64], exe[256], user[64], auser[64];
	char args[512];			/* the command line: its words, each after the last */
	uint16_t arg_off[16], arg_len[16];
	unsigned int argc;
	bool told;			/* an alert names it already */
};

#define GUARD_ACTS 16

/* Audit's own configuration, watched (guard.c): main thread. */
struct guard {
	struct kmw_event *ev;		/* the alert being made */
	struct guard_act acts[GUARD_ACTS];	/* the newest acts, oldest first */
	unsigned int nacts;
	bool rules_blind;		/* a module syscall unaudited by the rules in force */
	bool rules_alerted;		/* ... and said */
	int64_t rules_since_ms;
	char partly_said[400];		/* unaudited where a rule's conditions match: said once */
	char baseline[400];		/* what went unaudited at start: no act of anyone */
	bool baseline_set;
	int64_t disabled_since_ms;	/* audit seen disabled since, or 0 */
	bool disabled_alerted;
	uint32_t audit_pid;		/* the audit daemon's pid, at the last sample */
	bool audit_pid_known;
	int64_t pid_waiting_ms;		/* a new audit pid waiting for its record */
	int64_t own_change_ms;		/* our own last change of audit's state */
	int64_t last_blind_ms;		/* audit was last seen blind */
	uint64_t alerts;
};

/* records lost on the way in, to be recovered from auditd's log */
struct gap {
	int64_t from_ms, to_ms;
	uint64_t lost;
};

/* What came in and what was lost on the way in, from whichever source this is. */
struct intake {
	uint64_t records, enobufs, dropped, lost_events, late, too_long;
	struct kmw_queue_stats q;
	struct kmw_triage_stats t;
	uint64_t queue_limit;		/* bytes */
};

struct daemon {
	struct kmw_config o;
	int argc;
	char **argv;
	time_t started;
	const char *state_file;		/* the daemon's, or the plugin's (kmw_state.h) */
	char *metrics_file;		/* NULL: none */
	int metrics_err;		/* the last write's -errno, said once */
	uint64_t loss_ring[30];		/* the losses counted at each of the last 30 ticks */
	unsigned int loss_ticks;
	int sigfd;
	int timerfd;			/* refreshes the state file */
	int samplefd;			/* samples the kernel's backlog */
	unsigned int ticks;

	/* main thread: audit control, the records on their way in (control.c, intake.c) */
	int ctl;			/* libaudit control socket */
	struct kmw_rules rules;
	int rules_added;
	uint64_t rules_removed;
	bool restore_enabled;		/* we enabled audit and turn it off again at exit */
	struct kmw_source src;
	FILE *record_log;		/* --record-log: every record as received, for debugging */
	struct kmw_queue *queue;	/* the records, read on a thread of their own */
	struct kmw_triage *triage;	/* ... sorted there: a flood is summarised */
	struct kmw_capture_env capenv;	/* ... and what dies with each loader read there */
	struct kmw_captures captures;	/* ... kept by serial for enrich_capture */
	struct kmw_event *summary_ev;	/* a summary on its way to the worker */
	struct kmw_host facts;	/* this host: its name, machine id, OS (fleet fields) */
	struct kmw_lines *lines;
	struct kmw_parser *parser;
	bool input_failed;		/* the input ended on a read error: exit 1 */
	bool have_lost;
	uint32_t lost_start;
	uint64_t kernel_lost;
	uint32_t lost_reported;		/* kernel lost count last logged */
	uint32_t backlog_max;		/* the kernel's audit backlog, the most seen */
	uint32_t backlog_now;		/* ... at the last sample */
	int audit_enabled;		/* at the last sample, -1 unknown */
	uint64_t audit_disabled;	/* times it was seen turned off */
	uint32_t backlog_limit, backlog_wait_ms;
	uint64_t enobufs_seen;		/* overruns already logged (the reader sends their marker) */
	uint64_t lost_noted;		/* serial losses a gap was noted for */
	uint64_t loss_at[8];		/* records lost by then, at each of the last ticks */
	bool probe_failed;
	bool gap_open;			/* a gap not yet handed to the worker */
	struct gap gap;
	time_t gap_due;			/* auditd has logged the gap by then */
	struct guard guard;		/* audit's own configuration, watched */

	/* the hand-off: capture -> worker, and the worker's published view */
	struct kmw_evqueue evq;
	pthread_mutex_t view_lock;
	struct worker_view view;	/* under view_lock */

	/* the worker thread (pipeline.c) */
	struct kmw_enricher *enricher;
	struct kmw_sink *sinks[MAX_SINKS];
	enum kmw_format fmt[MAX_SINKS];	/* the format of each sink */
	bool sink_down[MAX_SINKS];	/* a failure was logged; a recovery will be */
	bool sinks_batching;		/* between deliver_begin and deliver_end */
	int nsinks;
	struct kmw_buf body[3];		/* the event in each format, made once per event */
	struct kmw_buf json[KMW_EVQUEUE_BATCH];	/* a batch's events in JSON: store and outputs */
	struct kmw_store *store;
	char boot_id[40];
	int64_t boot_start_ms;
	char boot_scratch[64];
	struct worker_counts wc;
	struct recon recon;
};

/* kmodwatchd.c */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* control.c: audit state, rules and privileges (main thread) */
int control_check_privileges(const struct kmw_config *o);
int control_setup(struct daemon *d);
int control_drop_privileges(struct daemon *d);
void control_account_lost(struct daemon *d);
void control_sample_backlog(struct daemon *d);
void control_setup_plugin(struct daemon *d);
void control_teardown(struct daemon *d);

/* guard.c: audit's rules, enabled flag and pid watched; tampering said and undone (main thread) */
int guard_setup(struct daemon *d);
void guard_check_rules(struct daemon *d);
void guard_status(struct daemon *d, const struct audit_status *st);
void guard_config_change(const struct kmw_config_change *c, void *arg);
void guard_own_change(struct daemon *d);
/* whether audit is blind to module loads now, or was within @within_ms */
bool guard_blind(struct daemon *d, int64_t within_ms);
void guard_teardown(struct daemon *d);

/* intake.c: records from netlink or stdin into events, and what is lost on the way */
int intake_setup(struct daemon *d);
int intake_take(struct daemon *d);
struct intake intake_counts(struct daemon *d);
void intake_watch_losses(struct daemon *d, bool stopping);
void intake_keep_gap(struct daemon *d);
void intake_on_event(struct kmw_event *ev, void *arg);
void intake_on_suppressed(struct kmw_event *ev, void *arg);
void intake_orphans(struct daemon *d);
void intake_summaries(struct daemon *d, bool all);
void intake_bad_line(void *arg, const char *input, uint64_t lineno, const char *why,
		     const char *line, size_t len);
int intake_boost_begin(struct daemon *d);
void intake_boost_end(int old);
void intake_teardown(struct daemon *d);

/* pipeline.c: the worker, the store, retention, the outputs */
void pipeline_init(struct daemon *d);
int pipeline_open_sinks(struct daemon *d);
void pipeline_open_store(struct daemon *d);
bool pipeline_backfill_at_start(struct daemon *d);
int pipeline_start(struct daemon *d);
void pipeline_publish(struct daemon *d);
struct worker_view pipeline_view(struct daemon *d);
uint64_t pipeline_undelivered(const struct worker_view *v, uint64_t *waiting);
void pipeline_fini(struct daemon *d);

/* pipeline.c, for the other parts of the worker: one line to the store and every output */
void pipeline_emit(struct daemon *d, struct kmw_event *ev);

/* reconcile.c: the modules loaded now against what audit saw (start: main thread, before
 * the worker; tick_push: main thread; the rest: the worker) */
void reconcile_start(struct daemon *d, bool logs_filled_in);
void reconcile_tick_push(struct daemon *d);
void reconcile_tick(struct daemon *d, const struct recon_tick *t);
void reconcile_event(struct daemon *d, const struct kmw_event *ev);
void reconcile_fini(struct daemon *d);

/* report.c: the state file, the stats line, the stopping line; one consumer a host */
int report_one_consumer(struct daemon *d);

/**
 * report_metrics_path - settle d->metrics_file from --metrics-file (FILE, auto, none).
 * Returns 0 or -ENOMEM.
 */
int report_metrics_path(struct daemon *d);
void report_state(struct daemon *d);
void report_stats(struct daemon *d);
void report_stop(struct daemon *d);

#endif
