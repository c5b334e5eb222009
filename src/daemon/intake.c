// SPDX-License-Identifier: GPL-2.0-or-later
/* intake.c - the records on their way in, and what is lost on the way (intake.h) */
#include <errno.h>
#include <poll.h>
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

#include "kmw_clock.h"
#include "intake.h"
#include "kmw_summary.h"
#include "log.h"

/*
 * Reader thread, for each module call kept one by one, as its SYSCALL record is sorted and
 * before it is queued: what dies with the loader is read now, not after the hand-offs to the
 * main thread (the loader that exits right after its call is gone by then).
 */
static void capture_early(void *arg, const char *line, size_t len)
{
	struct intake *in = arg;
	struct kmw_call_id id;
	struct kmw_capture *c;

	if (!capture_call_of(line, len, &id) || !(c = malloc(sizeof(*c))))
		return;
	capture_take_cached(&in->capenv, &in->capcache, &id, c);
	c->took_us = kmw_mono_us() - in->queue->filled_us;
	captures_put(&in->captures, c);
}

/* An event made: what vanishes with the loader is taken (by the reader, else now), the rest
 * goes to the worker. */
static void on_event(struct kmw_event *ev, void *arg)
{
	struct intake *in = arg;

	enrich_capture(in->enricher, ev);
	worker_push_event(in->worker, ev);
}

/* records lost by the kernel, by serial and at the socket, all told */
static uint64_t lost_now(struct intake *in)
{
	struct kmw_source_stats st = in->src.fd >= 0 ? source_stats(&in->src)
						     : (struct kmw_source_stats){ 0 };

	return in->control->kernel_lost + st.lost_events + st.dropped_records;
}

/*
 * An INTEGRITY_RULE whose SYSCALL never came: a load whose records were suppressed. Its
 * loader is looked at while it may live, and what was lost meanwhile (which could explain
 * the missing records instead) goes with it, as an alert.
 */
static void on_suppressed(struct kmw_event *ev, void *arg)
{
	struct intake *in = arg;
	unsigned int n = sizeof(in->loss_at) / sizeof(in->loss_at[0]);
	struct timespec ts;

	ev->alert.lost_meanwhile = lost_now(in) - in->loss_at[in->ticks % n];
	ev->alert.why =
		ev->alert.lost_meanwhile
			? "IMA logged the kernel reading this file for a load, and the call's SYSCALL record "
			  "never came; records were lost meanwhile, which may explain it, or the load "
			  "suppressed its own records"
			: "IMA logged the kernel reading this file for a load, and the call's SYSCALL record "
			  "never came, though later records did and none was lost: the load suppressed its "
			  "own records, as audit-filtering rootkits do";
	/* the alert is of now; the record of when the kernel read the file */
	ev->alert.first_ms = ev->sec * 1000 + ev->msec;
	clock_gettime(CLOCK_REALTIME, &ts);
	ev->sec = ts.tv_sec;
	ev->msec = (unsigned int)(ts.tv_nsec / 1000000);
	enrich_capture_process(in->enricher, ev);
	log_msg(LOG_ALERT,
		"suppressed_load: the kernel read %.*s for a load (IMA record %llu), "
		"and no SYSCALL record came",
		(int)ev->ima_file.len, event_str(ev, &ev->ima_file),
		(unsigned long long)ev->serial);
	worker_push_event(in->worker, ev);
}

/* the queue's size in chunks: queue-size, and for the plugin at most INTAKE_PLUGIN_QUEUE_MB
 * (auditd keeps a queue of its own before it: a deeper one here would only cost memory) */
static unsigned int queue_chunks(const struct intake *in)
{
	uint64_t mb = in->conf->queue_mb;

	if (in->conf->plugin && mb > INTAKE_PLUGIN_QUEUE_MB)
		mb = INTAKE_PLUGIN_QUEUE_MB;
	return (unsigned int)((mb << 20) / KMW_QUEUE_CHUNK);
}

int intake_init(struct intake *in, const struct kmw_config *conf, struct control *control,
		struct worker *worker, struct kmw_enricher *enricher, const char *node,
		void (*config_change)(const struct kmw_config_change *c, void *arg), void *arg)
{
	struct kmw_triage_opts to = {
		.budget = conf->flood_budget,
		.interval_s = conf->summary_interval,
		.max_inflight = KMW_TRIAGE_INFLIGHT,
	};

	memset(in, 0, sizeof(*in));
	in->ready = true;
	capture_cache_init(&in->capcache);
	in->conf = conf;
	in->control = control;
	in->worker = worker;
	in->enricher = enricher;
	in->node = node && node[0] ? node : NULL;
	in->src.fd = -1;
	if (conf->record_log && !(in->record_log = fopen(conf->record_log, "ae"))) {
		log_msg(LOG_ERR, "cannot open %s: %s", conf->record_log, strerror(errno));
		return -1;
	}
	in->parser = parse_new(on_event, in, in->node);
	in->queue = calloc(1, sizeof(*in->queue));
	in->lines = calloc(1, sizeof(*in->lines));
	in->summary_ev = malloc(sizeof(*in->summary_ev));
	in->triage = triage_new(&to);
	if (!in->parser || !in->queue || !in->lines || !in->summary_ev || !in->triage) {
		log_msg(LOG_ERR, "out of memory");
		return -1;
	}
	parse_set_hooks(in->parser, &(struct kmw_parse_hooks){ .config_change = config_change,
							       .config_change_arg = arg,
							       .suppressed = on_suppressed,
							       .suppressed_arg = in });
	return 0;
}

void intake_set_config(struct intake *in, const struct kmw_config *conf)
{
	in->conf = conf;
	triage_set_budget(in->triage, conf->flood_budget);
}

int intake_open_source(struct intake *in)
{
	int rc = source_open(&in->src, in->conf->source, in->control->audit_pid);

	if (rc == -EEXIST) {
		log_msg(LOG_ERR,
			"another process (pid %d) is the audit daemon: use --source multicast "
			"or auto",
			(int)in->control->audit_pid);
		return -1;
	}
	if (rc) {
		log_msg(LOG_ERR, "cannot open the %s audit source: %s",
			source_mode_name(in->conf->source), strerror(-rc));
		return -1;
	}
	/* the reader writes it, the lines it makes of the records */
	in->src.record_log = in->record_log;
	return 0;
}

bool intake_multicast(const struct intake *in)
{
	return in->src.fd >= 0 && in->src.mode == KMW_SRC_MULTICAST;
}

int intake_boost_begin(struct intake *in)
{
	int old, want = 0;

	errno = 0;
	old = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (old == -1 && errno)
		return 0;
	want = old - (int)in->conf->priority_boost - (int)in->conf->reader_boost;
	if (want != old && setpriority(PRIO_PROCESS, (id_t)gettid(), want) < 0)
		log_msg(LOG_WARNING, "cannot raise the daemon's priority: %s", strerror(errno));
	return old - (int)in->conf->priority_boost;
}

void intake_boost_end(int level)
{
	setpriority(PRIO_PROCESS, (id_t)gettid(), level);
}

/*
 * The records go into a queue on a thread that does nothing else, so the writer never waits
 * on the pipeline: the kernel gives a full socket a tenth of a second, then moves the records
 * aside and, unless audit=1 was on the kernel command line, drops them uncounted; auditd,
 * writing to a plugin, blocks. The lines, netlink's or auditd's, are prefiltered to module
 * events.
 */
int intake_start(struct intake *in)
{
	bool plugin = in->conf->plugin;
	struct stat st;
	int rc;

	captures_init(&in->captures);
	capture_env_init(&in->capenv, "/proc", 64ull << 20);
	enrich_set_captures(in->enricher, &in->captures);
	triage_set_capture(in->triage, capture_early, in);
	lines_init(in->lines, &parse_lines_ops, in->parser, true);
	lines_set_bad(in->lines, log_bad_line, in);
	lines_set_input(in->lines, plugin ? "stdin" : "netlink");
	if (plugin)
		rc = queue_start(in->queue, queue_fill_fd, (void *)(intptr_t)STDIN_FILENO,
				 queue_chunks(in),
				 fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode), in->triage);
	else
		rc = queue_start(in->queue, source_fill, &in->src, queue_chunks(in), false,
				 in->triage);
	if (rc) {
		log_msg(LOG_ERR, "cannot start reading %s: %s", plugin ? "stdin" : "audit records",
			strerror(-rc));
		free(in->queue);
		in->queue = NULL;
		return -1;
	}
	return 0;
}

int intake_fd(const struct intake *in)
{
	return in->queue ? in->queue->efd : -1;
}

int intake_take(struct intake *in)
{
	struct kmw_chunk *c;
	int rc, n = 0;

	/* bounded, so that signals and timers get their turn in a flood */
	while (n < 16 && (rc = queue_peek(in->queue, &c)) > 0) {
		if (c->gap_before)
			lines_drop_partial(in->lines, c->gap_mid_line);
		lines_set_clock(in->lines, kmw_mono_ms());
		lines_push(in->lines, c->data, c->len);
		queue_release(in->queue);
		n++;
	}
	/* drained after a trickle: a moment for more to come, so that one wakeup serves many
	 * (what dies with a loader was read by the reader already: only the outputs wait) */
	if (rc == 0 && n > 0 && n < INTAKE_COALESCE_CHUNKS)
		nanosleep(&(struct timespec){ .tv_nsec = INTAKE_COALESCE_US * 1000L }, NULL);
	/* the end of input wins: its wakeup was consumed by the last pop */
	if (rc < 0 && in->queue->read_error && !in->input_failed) {
		in->input_failed = true;
		log_msg(LOG_ERR, "reading %s: %s", in->conf->plugin ? "stdin" : "audit records",
			strerror(in->queue->read_error));
		/* netlink has no end of its own: stop now; stdin's records so far are whole */
		if (!in->conf->plugin)
			return -2;
	}
	return rc < 0 ? rc : n;
}

void intake_idle(struct intake *in)
{
	parse_flush(in->parser);
}

/* A summary the reader finished counting goes to the worker like an event. */
static void push_summary(const struct kmw_summary_entry *e, void *arg)
{
	struct intake *in = arg;

	summary_to_event(&in->triage->sum, e, in->node, in->summary_ev);
	worker_push_event(in->worker, in->summary_ev);
}

/* the summaries whose interval is over (@all at the end) */
static void summaries(struct intake *in, bool all)
{
	if (in->triage)
		triage_take(in->triage, (int64_t)time(NULL) * 1000, all, push_summary, in);
}

/*
 * The INTEGRITY_RULE records whose SYSCALL has not come in INTAKE_ORPHAN_MS. A record of a
 * later serial must have come too, so that the SYSCALL is not merely on its way: when none
 * does, a record of our own brings one (our marker, as after an overrun).
 */
static void orphans(struct intake *in)
{
	unsigned int n = sizeof(in->loss_at) / sizeof(in->loss_at[0]);

	/* quiet: no record moved the clock since the last came */
	lines_set_clock(in->lines, kmw_mono_ms());
	/* on the control socket: the reader's is the reader's alone (an acknowledgement it took
	 * would never come to us) */
	if (lines_orphans(in->lines, INTAKE_ORPHAN_MS) && !in->conf->plugin &&
	    in->control->ctl >= 0)
		audit_log_user_message(in->control->ctl, AUDIT_USER, "op=kmodwatch-serial-probe",
				       NULL, NULL, NULL, 1);
	in->loss_at[(in->ticks + n / 2) % n] = lost_now(in);
}

static void note_gap(struct intake *in, int64_t from_ms, uint64_t lost, time_t now)
{
	if (!in->gap_open) {
		in->gap.from_ms = from_ms;
		in->gap.lost = 0;
	}
	if (from_ms < in->gap.from_ms)
		in->gap.from_ms = from_ms;
	in->gap.lost += lost;
	in->gap.to_ms = (int64_t)now * 1000;
	in->gap_open = true;
	/* a loss is counted within two ticks of its overrun: recover after that */
	in->gap_due = now + 2 * INTAKE_TICK_S + 1;
}

/*
 * Each tick (and @stopping: once at exit, when no backfill is handed over). The reader sends a
 * marker after an overrun, so the serials count what was lost even when nothing else comes; a
 * loss opens a gap, which the worker backfills from auditd's log once auditd has written it.
 */
static void watch_losses(struct intake *in, bool stopping)
{
	struct kmw_source_stats st = source_stats(&in->src);
	time_t now = time(NULL);
	int64_t since;

	if (st.enobufs != in->enobufs_seen) {
		if (!in->enobufs_seen)
			log_msg(LOG_WARNING,
				"receive overrun: records were lost (%llu dropped by the "
				"kernel); they are counted, and recovered from auditd's log",
				(unsigned long long)st.dropped_records);
		in->enobufs_seen = st.enobufs;
	}
	if (st.probe_errno && !in->probe_failed) {
		in->probe_failed = true;
		log_msg(LOG_WARNING,
			"cannot send the marker record after an overrun (%s): losses "
			"are counted when the next record comes",
			strerror(st.probe_errno));
	}
	if (source_overrun_take(&in->src, &since))
		note_gap(in, since * 1000 - PERSIST_GAP_MARGIN_MS, 0, now);
	if (st.lost_events != in->lost_noted) {
		/* settled a tick or two after they went missing */
		note_gap(in, ((int64_t)now - 3 * INTAKE_TICK_S) * 1000 - PERSIST_GAP_MARGIN_MS,
			 st.lost_events - in->lost_noted, now);
		in->lost_noted = st.lost_events;
	}
	if (!in->gap_open || stopping || now < in->gap_due)
		return;
	in->gap_open = false;
	worker_push_gap(in->worker, &in->gap);
}

void intake_tick(struct intake *in)
{
	in->ticks++;
	if (!in->conf->plugin)
		source_tick(&in->src, false);
	summaries(in, false);
	orphans(in);
	if (!in->conf->plugin)
		watch_losses(in, false);
}

void intake_finish(struct intake *in)
{
	int rc;

	if (in->conf->plugin) {
		while (intake_take(in) > 0)
			;
	} else {
		/* the reader takes what the socket holds, then ends the input */
		queue_finish(in->queue);
		while ((rc = intake_take(in)) >= 0)
			if (!rc)
				poll(&(struct pollfd){ .fd = intake_fd(in), .events = POLLIN }, 1,
				     100);
	}
	lines_finish(in->lines);
	/* what was counted and not yet said: every summary, whatever its interval */
	summaries(in, true);
	if (!in->conf->plugin)
		source_tick(&in->src, true);
}

bool intake_open_gap(struct intake *in, struct persist_gap *g)
{
	if (in->conf->plugin || in->src.fd < 0)
		return false;
	watch_losses(in, true);
	if (!in->gap_open)
		return false;
	in->gap_open = false;
	*g = in->gap;
	return true;
}

struct intake_counts intake_counts(struct intake *in)
{
	struct intake_counts c = { 0 };

	if (in->queue)
		c.q = queue_stats(in->queue);
	if (in->triage)
		c.t = triage_stats(in->triage);
	c.queue_limit = (uint64_t)queue_chunks(in) * KMW_QUEUE_CHUNK;
	c.bad_lines = in->lines ? in->lines->stats.bad_lines : 0;
	if (in->conf->plugin) {
		c.records = in->lines ? in->lines->stats.lines : 0;
	} else if (in->src.fd >= 0) {
		struct kmw_source_stats st = source_stats(&in->src);

		c.records = st.records;
		c.enobufs = st.enobufs;
		c.dropped = st.dropped_records;
		c.lost_events = st.lost_events;
		c.late = st.late;
		c.too_long = st.too_long;
	}
	c.captures_early = in->captures.used;
	c.capture_p50_us = captures_latency(&in->captures, 50);
	c.capture_p99_us = captures_latency(&in->captures, 99);
	return c;
}

void intake_close(struct intake *in)
{
	if (!in->ready)
		return;
	if (in->queue) {
		queue_stop(in->queue);
		free(in->queue);
		in->queue = NULL;
	}
	source_close(&in->src);
}

void intake_fini(struct intake *in)
{
	if (!in->ready)
		return;
	intake_close(in);
	if (in->enricher)
		enrich_set_captures(in->enricher, NULL);
	captures_free(&in->captures);
	capture_cache_free(&in->capcache);
	free(in->lines);
	in->lines = NULL;
	triage_free(in->triage);
	in->triage = NULL;
	free(in->summary_ev);
	in->summary_ev = NULL;
	parse_free(in->parser);
	in->parser = NULL;
	if (in->record_log)
		fclose(in->record_log);
	in->record_log = NULL;
}
