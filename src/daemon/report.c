// SPDX-License-Identifier: GPL-2.0-or-later
/* report.c - what the daemon tells: the state file for `kmodwatch status`, the periodic
 * stats line, the stopping line. Main thread, from the worker's published view. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "kmw_config.h"
#include "kmw_format.h"
#include "kmw_state.h"
#include "kmodwatchd.h"

/*
 * The daemon and the auditd plugin read the same events: both would report each twice, as
 * would two daemons. Whichever starts second says so and stops. Returns 0, or the exit code.
 */
int report_one_consumer(struct daemon *d)
{
	const char *other = d->o.plugin ? KMW_STATE_FILE : KMW_PLUGIN_STATE_FILE;
	struct kmw_state st;

	if (!state_read(d->state_file, &st) && st.pid != getpid() && state_alive(&st)) {
		log_msg(LOG_ERR, "kmodwatchd already runs%s (pid %lld, source %s): one is enough, "
			"or every event is reported twice", d->o.plugin ? " as the auditd plugin" : "",
			(long long)st.pid, st.source);
		return EXIT_OTHER_CONSUMER;
	}
	if (!state_read(other, &st) && state_alive(&st)) {
		log_msg(LOG_ERR, "kmodwatchd runs %s (pid %lld): one consumer a host, or every event "
			"is reported twice; %s", d->o.plugin ? "as a daemon" : "as the auditd plugin",
			(long long)st.pid, d->o.plugin ? "stop the daemon (systemctl disable --now "
			"kmodwatchd) or disable this plugin (kmodwatch plugin disable)" :
			"use the plugin (then the daemon is not needed), or kmodwatch plugin disable");
		return EXIT_OTHER_CONSUMER;
	}
	if (!d->o.plugin && config_plugin_active(KMW_PLUGIN_CONF) == 1 && proc_find("auditd")) {
		log_msg(LOG_ERR, "the auditd plugin is active (" KMW_PLUGIN_CONF ") and auditd runs: "
			"it reads these events already, and this daemon would report each twice; run "
			"one (kmodwatch plugin disable, or do not start this daemon)");
		return EXIT_OTHER_CONSUMER;
	}
	return 0;
}

/* What was lost, all told: records, calls, stored and delivered events. */
static uint64_t losses(struct daemon *d, const struct intake *in, const struct worker_view *v)
{
	uint64_t n = d->kernel_lost + in->lost_events + in->dropped + in->q.dropped_lines +
		     v->c.store_failures;
	int i;

	for (i = 0; i < v->nsinks; i++)
		n += v->sink[i].dropped;
	return n;
}

void report_state(struct daemon *d)
{
	struct intake in = intake_counts(d);
	struct worker_view v = pipeline_view(d);
	uint64_t lost = losses(d, &in, &v);
	unsigned int n = sizeof(d->loss_ring) / sizeof(d->loss_ring[0]);
	/* the oldest of the last minute's samples (30 ticks of 2 s), or the first */
	uint64_t then = d->loss_ticks ? d->loss_ring[(d->loss_ticks >= n ? d->loss_ticks : 0) % n] :
			lost;
	struct kmw_state st = {
		.pid = getpid(), .started = d->started, .updated = time(NULL),
		.rules_added = d->rules_added, .records = in.records, .events = v.c.events,
		.enobufs = in.enobufs, .output_failures = pipeline_undelivered(&v, NULL), .stored = v.c.stored,
		.store_failures = v.c.store_failures, .recovered = v.c.recovered,
		.kernel_lost = d->kernel_lost, .serial_gaps = in.lost_events, .late_records = in.late,
		.records_too_long = in.too_long, .queue_dropped_records = in.q.dropped_lines,
		.queue_dropped_calls = in.q.dropped_calls,
		.queue_peak_bytes = in.q.peak_chunks * KMW_QUEUE_CHUNK,
		.queue_limit_bytes = in.queue_limit,
		.enrichment_gave_up = v.c.enrich_gaveup, .rules_removed_by_others = d->rules_removed,
		.socket_dropped_records = in.dropped, .gap_backfills = v.c.gaps_backfilled,
		.nsinks = v.nsinks, .module_calls = in.t.calls, .protected_calls = in.t.protected_calls,
		.unreadable_calls = in.t.unreadable,
		.calls_one_by_one = in.t.protected_calls + in.t.shed_kept,
		.calls_summarised = in.t.summarised, .summaries = v.c.summaries,
		.noise_records_dropped = in.t.noise_dropped, .backlog_max = d->backlog_max,
		.backlog_limit = d->backlog_limit, .backlog_wait_time_ms = d->backlog_wait_ms,
		.module_checks = v.c.checks, .modules_loaded = v.c.modules,
		.module_check_max_us = (uint64_t)v.c.check_us_max, .alerts = v.c.alerts,
		.audit_disabled = d->audit_disabled, .losses_last_minute = lost - then,
		.tamper_alerts = d->guard.alerts, .lockdown = v.c.posture.lockdown,
		.sig_enforce = v.c.posture.sig_enforce, .modules_disabled = v.c.posture.modules_disabled,
		.ima_modules = v.c.posture.ima_modules,
		.boot_first_start_ms = v.c.boot_first_start_ms,
		.store_history_lost = v.c.store_history_lost, .modules_unchecked = v.c.modules_unchecked,
	};
	const char *why = d->enricher ? enrich_moddir_problem(d->enricher) : NULL;
	int i;

	snprintf(st.module_dir, sizeof(st.module_dir), "%s", why ? why : "");
	st.captures_early = d->captures.used;
	st.captures_late = in.t.protected_calls + in.t.shed_kept - d->captures.used;
	st.capture_p50_us = captures_latency(&d->captures, 50);
	st.capture_p99_us = captures_latency(&d->captures, 99);
	d->loss_ring[d->loss_ticks++ % n] = lost;
	snprintf(st.source, sizeof(st.source), "%s",
		 d->o.plugin ? "plugin" : source_mode_name(d->src.mode));
	snprintf(st.output, sizeof(st.output), "%s", v.output);
	snprintf(st.format, sizeof(st.format), "%s", format_name(v.format));
	snprintf(st.rules_key, sizeof(st.rules_key), "%s", d->o.key);
	snprintf(st.store, sizeof(st.store), "%s", d->o.store ? d->o.store : "none");
	for (i = 0; i < v.nsinks && i < KMW_STATE_SINKS; i++) {
		snprintf(st.sink[i].name, sizeof(st.sink[i].name), "%s", v.sink_name[i]);
		st.sink[i].delivered = v.sink[i].delivered;
		st.sink[i].failures = v.sink[i].failures;
		st.sink[i].waiting = v.sink[i].queued;
		st.sink[i].dropped = v.sink[i].dropped;
	}
	/* a state file that cannot be written costs nothing but the status */
	if (d->state_file)
		(void)state_write(d->state_file, &st);
	if (d->metrics_file) {
		int rc = state_metrics(d->metrics_file, &st, d->o.plugin ? "plugin" : "daemon");

		/* said when it starts failing and when it works again, not every 2 s */
		if (rc && rc != d->metrics_err)
			log_msg(LOG_WARNING, "cannot write the metrics %s: %s", d->metrics_file,
				strerror(-rc));
		else if (!rc && d->metrics_err)
			log_msg(LOG_NOTICE, "metrics %s written again", d->metrics_file);
		d->metrics_err = rc;
	}
}

/* Where the metrics go: FILE, none, or auto (Debian's textfile directory when it exists;
 * none for a second consumer, whose counters would overwrite the first's). */
int report_metrics_path(struct daemon *d)
{
	const char *m = d->o.metrics_file;
	struct stat sb;

	if (!m || !strcmp(m, "none") ||
	    (!strcmp(m, "auto") && (d->o.second_consumer || stat(KMW_METRICS_DIR, &sb) ||
				    !S_ISDIR(sb.st_mode))))
		return 0;
	d->metrics_file = strdup(strcmp(m, "auto") ? m : KMW_METRICS_DIR "/kmodwatch.prom");
	return d->metrics_file ? 0 : -ENOMEM;
}

/* Where the module calls read went: one event each, a summary, or dropped by the queue. */
static void calls_line(struct kmw_buf *b, const struct intake *in, const struct worker_view *v)
{
	buf_printf(b, "%llu module calls read: %llu events one by one (%llu protected), %llu "
		   "summarised in %llu summaries, %llu dropped by the queue",
		   (unsigned long long)in->t.calls,
		   (unsigned long long)(in->t.protected_calls + in->t.shed_kept),
		   (unsigned long long)in->t.protected_calls, (unsigned long long)in->t.summarised,
		   (unsigned long long)v->c.summaries, (unsigned long long)in->q.dropped_calls);
}

void report_stats(struct daemon *d)
{
	struct intake in = intake_counts(d);
	struct worker_view v = pipeline_view(d);
	uint64_t waiting, undelivered = pipeline_undelivered(&v, &waiting);
	struct kmw_buf calls;

	buf_init(&calls);
	calls_line(&calls, &in, &v);
	log_msg(LOG_INFO, "stats: %llu events, %llu records; %.*s; lost: kernel %llu records "
		"(backlog at most %u of %u), %llu events by serial, %llu ENOBUFS; queue overflow %llu "
		"records (%llu module calls); enrichment gave up on %llu; not stored %llu; outputs "
		"undelivered %llu (%llu of them waiting for a retry)",
		(unsigned long long)v.c.events, (unsigned long long)in.records, (int)calls.len,
		calls.data ? calls.data : "", (unsigned long long)d->kernel_lost, d->backlog_max,
		d->backlog_limit, (unsigned long long)in.lost_events, (unsigned long long)in.enobufs,
		(unsigned long long)in.q.dropped_lines, (unsigned long long)in.q.dropped_calls,
		(unsigned long long)v.c.enrich_gaveup, (unsigned long long)v.c.store_failures,
		(unsigned long long)undelivered, (unsigned long long)waiting);
	buf_free(&calls);
}

void report_stop(struct daemon *d)
{
	struct intake in = intake_counts(d);
	struct worker_view v = pipeline_view(d);
	struct kmw_buf calls;

	buf_init(&calls);
	calls_line(&calls, &in, &v);
	log_msg(LOG_INFO, "stopping: %llu events (%llu stored, %llu not stored), %llu summaries, "
		"%llu alerts (%llu module checks), "
		"%llu records, %llu bad lines; %.*s; %llu records lost by the kernel (backlog at most "
		"%u of %u), %llu events lost by serial, %llu ENOBUFS overruns (%llu records "
		"dropped), %llu events recovered from auditd's log, %llu records "
		"(%llu module calls) lost to queue overflow, %llu outputs undelivered",
		(unsigned long long)v.c.events, (unsigned long long)v.c.stored,
		(unsigned long long)v.c.store_failures, (unsigned long long)v.c.summaries,
		(unsigned long long)v.c.alerts, (unsigned long long)v.c.checks,
		(unsigned long long)in.records,
		(unsigned long long)(d->lines ? d->lines->stats.bad_lines : 0), (int)calls.len,
		calls.data ? calls.data : "", (unsigned long long)d->kernel_lost, d->backlog_max,
		d->backlog_limit, (unsigned long long)in.lost_events, (unsigned long long)in.enobufs,
		(unsigned long long)in.dropped, (unsigned long long)v.c.recovered,
		(unsigned long long)in.q.dropped_lines, (unsigned long long)in.q.dropped_calls,
		(unsigned long long)pipeline_undelivered(&v, NULL));
	buf_free(&calls);
}
