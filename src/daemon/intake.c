// SPDX-License-Identifier: GPL-2.0-or-later
/* intake.c - the records on their way in: the reading thread and its queue, lines into
 * events, and what is lost on the way (counted, marked as a gap for the worker). Main thread. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libaudit.h>

#include "kmw_import.h"
#include "kmodwatchd.h"

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void)
{
	return mono_us() / 1000;
}

/*
 * Reader thread, for each module call kept one by one, as its SYSCALL record is sorted and
 * before it is queued: what dies with the loader is read now, not after the hand-offs to the
 * main thread (the loader that exits right after its call is gone by then).
 */
static void capture_early(void *arg, const char *line, size_t len)
{
	struct daemon *d = arg;
	struct kmw_call_id id;
	struct kmw_capture *c;

	if (!capture_call_of(line, len, &id) || !(c = malloc(sizeof(*c))))
		return;
	capture_take(&d->capenv, &id, c);
	c->took_us = mono_us() - d->queue->filled_us;
	captures_put(&d->captures, c);
}

/* Main thread: what vanishes with the loader is taken (by the reader, else now), the rest goes
 * to the worker. */
void intake_on_event(struct kmw_event *ev, void *arg)
{
	struct daemon *d = arg;

	enrich_capture(d->enricher, ev);
	evqueue_push(&d->evq, KMW_ITEM_EVENT, ev);
}

/* records lost by the kernel, by serial and at the socket, all told */
static uint64_t lost_now(struct daemon *d)
{
	struct kmw_source_stats st = d->src.fd >= 0 ? source_stats(&d->src) :
				     (struct kmw_source_stats){ 0 };

	return d->kernel_lost + st.lost_events + st.dropped_records;
}

/*
 * An INTEGRITY_RULE whose SYSCALL never came: a load whose records were suppressed. Its
 * loader is looked at while it may live, and what was lost meanwhile (which could explain
 * the missing records instead) goes with it, as an alert.
 */
void intake_on_suppressed(struct kmw_event *ev, void *arg)
{
	struct daemon *d = arg;
	unsigned int n = sizeof(d->loss_at) / sizeof(d->loss_at[0]);

	ev->alert.lost_meanwhile = lost_now(d) - d->loss_at[d->ticks % n];
	ev->alert.why = ev->alert.lost_meanwhile ?
		"IMA logged the kernel reading this file for a load, and the call's SYSCALL record "
		"never came; records were lost meanwhile, which may explain it, or the load "
		"suppressed its own records" :
		"IMA logged the kernel reading this file for a load, and the call's SYSCALL record "
		"never came, though later records did and none was lost: the load suppressed its "
		"own records, as audit-filtering rootkits do";
	/* the alert is of now; the record of when the kernel read the file */
	ev->alert.first_ms = ev->sec * 1000 + ev->msec;
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ev->sec = ts.tv_sec;
		ev->msec = (unsigned int)(ts.tv_nsec / 1000000);
	}
	enrich_capture_process(d->enricher, ev);
	log_msg(LOG_ALERT, "suppressed_load: the kernel read %.*s for a load (IMA record %llu), "
		"and no SYSCALL record came", (int)ev->ima_file.len, event_str(ev, &ev->ima_file),
		(unsigned long long)ev->serial);
	evqueue_push(&d->evq, KMW_ITEM_EVENT, ev);
}

/*
 * Each tick: the INTEGRITY_RULE records whose SYSCALL has not come in ORPHAN_MS. A record of
 * a later serial must have come too, so that the SYSCALL is not merely on its way: when none
 * does, a record of our own brings one (our marker, as after an overrun).
 */
void intake_orphans(struct daemon *d)
{
	unsigned int n = sizeof(d->loss_at) / sizeof(d->loss_at[0]);

	/* quiet: no record moved the clock since the last came */
	lines_set_clock(d->lines, mono_ms());
	/* on our own socket: the reader's is the reader's alone (an acknowledgement it took
	 * would never come to us) */
	if (lines_orphans(d->lines, ORPHAN_MS) && !d->o.plugin && d->ctl >= 0)
		audit_log_user_message(d->ctl, AUDIT_USER, "op=kmodwatch-serial-probe", NULL, NULL,
				       NULL, 1);
	d->loss_at[(d->ticks + n / 2) % n] = lost_now(d);
}

/* Main thread: a summary the reader finished counting goes to the worker like an event. */
static void push_summary(const struct kmw_summary_entry *e, void *arg)
{
	struct daemon *d = arg;

	summary_to_event(&d->triage->sum, e, d->facts.name[0] ? d->facts.name : NULL, d->summary_ev);
	evqueue_push(&d->evq, KMW_ITEM_EVENT, d->summary_ev);
}

/* Every tick, and @all at the end: the summaries whose interval is over. */
void intake_summaries(struct daemon *d, bool all)
{
	if (d->triage)
		triage_take(d->triage, (int64_t)time(NULL) * 1000, all, push_summary, d);
}

/* the queue's size in chunks */
static unsigned int queue_chunks(const struct daemon *d)
{
	return (unsigned int)(((uint64_t)d->o.queue_mb << 20) / KMW_QUEUE_CHUNK);
}

struct intake intake_counts(struct daemon *d)
{
	struct intake in = { 0 };

	if (d->queue)
		in.q = queue_stats(d->queue);
	if (d->triage)
		in.t = triage_stats(d->triage);
	in.queue_limit = (uint64_t)queue_chunks(d) * KMW_QUEUE_CHUNK;
	if (d->o.plugin) {
		in.records = d->lines ? d->lines->stats.lines : 0;
	} else if (d->src.fd >= 0) {
		struct kmw_source_stats st = source_stats(&d->src);

		in.records = st.records;
		in.enobufs = st.enobufs;
		in.dropped = st.dropped_records;
		in.lost_events = st.lost_events;
		in.late = st.late;
		in.too_long = st.too_long;
	}
	return in;
}

/* the first ones, one by one, then a count: hostile input must not flood the log */
void intake_bad_line(void *arg, const char *input, uint64_t lineno, const char *why,
			const char *line, size_t len)
{
	log_msg(LOG_WARNING, "%s line %llu: %s%s", input, (unsigned long long)lineno, why,
		strcmp(why, KMW_BAD_MORE) ? ", skipped" : "");
}

/*
 * Take what the input has now. Returns the number of records or chunks taken,
 * -1 at the end of the plugin's input, or -2 on a fatal error.
 */
int intake_take(struct daemon *d)
{
	struct kmw_chunk *c;
	int rc, n = 0;

	/* bounded, so that signals and timers get their turn in a flood */
	while (n < 16 && (rc = queue_peek(d->queue, &c)) > 0) {
		if (c->gap_before)
			lines_drop_partial(d->lines, c->gap_mid_line);
		lines_set_clock(d->lines, mono_ms());
		lines_push(d->lines, c->data, c->len);
		queue_release(d->queue);
		n++;
	}
	/* the end of input wins: its wakeup was consumed by the last pop */
	if (rc < 0 && d->queue->read_error && !d->input_failed) {
		d->input_failed = true;
		log_msg(LOG_ERR, "reading %s: %s", d->o.plugin ? "stdin" : "audit records",
			strerror(d->queue->read_error));
		/* netlink has no end of its own: stop now; stdin's records so far are whole */
		if (!d->o.plugin)
			return -2;
	}
	return rc < 0 ? rc : n;
}

static void note_gap(struct daemon *d, int64_t from_ms, uint64_t lost, time_t now)
{
	if (!d->gap_open) {
		d->gap.from_ms = from_ms;
		d->gap.lost = 0;
	}
	if (from_ms < d->gap.from_ms)
		d->gap.from_ms = from_ms;
	d->gap.lost += lost;
	d->gap.to_ms = (int64_t)now * 1000;
	d->gap_open = true;
	/* a loss is counted within two ticks of its overrun: recover after that */
	d->gap_due = now + 2 * TICK_S + 1;
}

/*
 * Main thread, each tick (and @stopping: once at exit, when no backfill is
 * handed over). The reader sends a marker after an overrun, so the serials
 * count what was lost even when nothing else comes; a loss opens a gap,
 * which the worker backfills from auditd's log once auditd has written it.
 */
void intake_watch_losses(struct daemon *d, bool stopping)
{
	struct kmw_source_stats st = source_stats(&d->src);
	time_t now = time(NULL);
	int64_t since;

	if (st.enobufs != d->enobufs_seen) {
		if (!d->enobufs_seen)
			log_msg(LOG_WARNING, "receive overrun: records were lost (%llu dropped by the "
				"kernel); they are counted, and recovered from auditd's log",
				(unsigned long long)st.dropped_records);
		d->enobufs_seen = st.enobufs;
	}
	if (st.probe_errno && !d->probe_failed) {
		d->probe_failed = true;
		log_msg(LOG_WARNING, "cannot send the marker record after an overrun (%s): losses "
			"are counted when the next record comes", strerror(st.probe_errno));
	}
	if (source_overrun_take(&d->src, &since))
		note_gap(d, since * 1000 - GAP_MARGIN_MS, 0, now);
	if (st.lost_events != d->lost_noted) {
		/* settled a tick or two after they went missing */
		note_gap(d, ((int64_t)now - 3 * TICK_S) * 1000 - GAP_MARGIN_MS,
			 st.lost_events - d->lost_noted, now);
		d->lost_noted = st.lost_events;
	}
	if (!d->gap_open || stopping || now < d->gap_due)
		return;
	struct gap *g = malloc(sizeof(*g));

	if (!g)
		return;	/* next tick */
	*g = d->gap;
	d->gap_open = false;
	evqueue_push_ptr(&d->evq, KMW_ITEM_BACKFILL, g);
}

/* At exit: a gap not yet backfilled waits in the store for the next start. */
void intake_keep_gap(struct daemon *d)
{
	if (d->o.plugin || d->src.fd < 0)
		return;
	intake_watch_losses(d, true);
	if (!d->gap_open)
		return;
	d->gap_open = false;
	if (d->store && store_gap_note(d->store, d->gap.from_ms, d->gap.to_ms, d->gap.lost) == 0)
		log_msg(LOG_INFO, "records were lost before exit: the next start backfills from %lld ms",
			(long long)d->gap.from_ms);
}

/*
 * The records go into a queue on a thread that does nothing else, so the
 * writer never waits on the pipeline: the kernel gives a full socket a tenth
 * of a second, then moves the records aside and, unless audit=1 was on the
 * kernel command line, drops them uncounted; auditd, writing to a plugin,
 * blocks. The lines, netlink's or auditd's, are prefiltered to module events.
 */
int intake_setup(struct daemon *d)
{
	struct kmw_triage_opts to = {
		.budget = d->o.flood_budget, .interval_s = d->o.summary_interval,
		.max_inflight = KMW_TRIAGE_INFLIGHT,
	};
	struct stat st;
	int rc;

	d->queue = calloc(1, sizeof(*d->queue));
	d->lines = calloc(1, sizeof(*d->lines));
	d->summary_ev = malloc(sizeof(*d->summary_ev));
	d->triage = triage_new(&to);
	if (!d->queue || !d->lines || !d->summary_ev || !d->triage) {
		log_msg(LOG_ERR, "out of memory");
		return -1;
	}
	captures_init(&d->captures);
	capture_env_init(&d->capenv, "/proc", 64ull << 20);
	enrich_set_captures(d->enricher, &d->captures);
	triage_set_capture(d->triage, capture_early, d);
	lines_init(d->lines, &parse_lines_ops, d->parser, true);
	lines_set_bad(d->lines, intake_bad_line, d);
	lines_set_input(d->lines, d->o.plugin ? "stdin" : "netlink");
	if (d->o.plugin)
		rc = queue_start(d->queue, queue_fill_fd, (void *)(intptr_t)STDIN_FILENO,
				 queue_chunks(d), fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode),
				 d->triage);
	else
		rc = queue_start(d->queue, source_fill, &d->src, queue_chunks(d), false, d->triage);
	if (rc) {
		log_msg(LOG_ERR, "cannot start reading %s: %s", d->o.plugin ? "stdin" : "audit records",
			strerror(-rc));
		free(d->queue);
		d->queue = NULL;
		return -1;
	}
	return 0;
}

void intake_teardown(struct daemon *d)
{
	if (d->queue) {
		queue_stop(d->queue);
		free(d->queue);
		d->queue = NULL;
	}
	if (d->enricher)
		enrich_set_captures(d->enricher, NULL);
	captures_free(&d->captures);
	free(d->lines);
	d->lines = NULL;
	triage_free(d->triage);
	d->triage = NULL;
	free(d->summary_ev);
	d->summary_ev = NULL;
}

/*
 * The daemon runs priority_boost nice levels higher than it was started, as auditd does
 * for itself, and its reader reader_boost levels more: a flood by unprivileged processes
 * (nice 0) must not keep the records from being read, nor the events behind them from
 * being written. Raised on this thread before the capabilities go, inherited by the
 * reader, then set back to the daemon's level here (which needs no privilege), which the
 * worker, started later, inherits. Returns the level to set back to.
 */
int intake_boost_begin(struct daemon *d)
{
	int old, want = 0;

	errno = 0;
	old = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (old == -1 && errno)
		return 0;
	want = old - (int)d->o.priority_boost - (int)d->o.reader_boost;
	if (want != old && setpriority(PRIO_PROCESS, (id_t)gettid(), want) < 0)
		log_msg(LOG_WARNING, "cannot raise the daemon's priority: %s", strerror(errno));
	return old - (int)d->o.priority_boost;
}

void intake_boost_end(int level)
{
	setpriority(PRIO_PROCESS, (id_t)gettid(), level);
}
