// SPDX-License-Identifier: GPL-2.0-or-later
/* report.c - the state file, the metrics, the stats and stopping lines (report.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "kmw_config.h"
#include "kmw_format.h"
#include "kmw_exit.h"
#include "kmw_state.h"
#include "log.h"
#include "report.h"

/*
 * The daemon and the auditd plugin read the same events: both would report each twice, as
 * would two daemons. Whichever starts second says so and stops. Returns 0, or the exit code.
 */
static const char *state_file_of(const struct kmw_config *conf)
{
	return conf->second_consumer ? NULL : conf->plugin ? KMW_PLUGIN_STATE_FILE : KMW_STATE_FILE;
}

int report_one_consumer(const struct kmw_config *conf)
{
	const char *other = conf->plugin ? KMW_STATE_FILE : KMW_PLUGIN_STATE_FILE;
	struct kmw_state st;

	if (conf->second_consumer)
		return 0;
	if (!state_read(state_file_of(conf), &st) && st.pid != getpid() && state_alive(&st)) {
		log_msg(LOG_ERR,
			"kmodwatchd already runs%s (pid %lld, source %s): one is enough, "
			"or every event is reported twice",
			conf->plugin ? " as the auditd plugin" : "", (long long)st.pid, st.source);
		return KMW_EXIT_OTHER_CONSUMER;
	}
	if (!state_read(other, &st) && state_alive(&st)) {
		log_msg(LOG_ERR,
			"kmodwatchd runs %s (pid %lld): one consumer a host, or every event "
			"is reported twice; %s",
			conf->plugin ? "as a daemon" : "as the auditd plugin", (long long)st.pid,
			conf->plugin
				? "stop the daemon (systemctl disable --now "
				  "kmodwatchd) or disable this plugin (kmodwatch plugin disable)"
				: "use the plugin (then the daemon is not needed), or kmodwatch plugin disable");
		return KMW_EXIT_OTHER_CONSUMER;
	}
	if (!conf->plugin && config_plugin_active(KMW_PLUGIN_CONF) == 1 && proc_find("auditd")) {
		log_msg(LOG_ERR,
			"the auditd plugin is active (" KMW_PLUGIN_CONF ") and auditd runs: "
			"it reads these events already, and this daemon would report each twice; run "
			"one (kmodwatch plugin disable, or do not start this daemon)");
		return KMW_EXIT_OTHER_CONSUMER;
	}
	return 0;
}

/* What was lost, all told: records, calls, stored and delivered events. */
static uint64_t losses(struct report *r, const struct intake_counts *in,
		       const struct worker_view *v)
{
	uint64_t n = r->control->kernel_lost + in->lost_events + in->dropped + in->q.dropped_lines +
		     v->store.store_failures;
	int i;

	for (i = 0; i < v->nsinks; i++)
		n += v->sink[i].dropped;
	return n;
}

void report_state(struct report *r)
{
	struct intake_counts in = intake_counts(r->intake);
	struct worker_view v = worker_view(r->worker);
	struct control *c = r->control;
	uint64_t lost = losses(r, &in, &v);
	unsigned int n = sizeof(r->loss_ring) / sizeof(r->loss_ring[0]);
	/* the oldest of the last minute's samples (30 ticks of 2 s), or the first */
	uint64_t then = r->loss_ticks ? r->loss_ring[(r->loss_ticks >= n ? r->loss_ticks : 0) % n]
				      : lost;
	struct kmw_state st = {
		.pid = getpid(),
		.started = r->started,
		.updated = time(NULL),
		.rules_added = c->rules.n,
		.records = in.records,
		.events = v.out.events,
		.enobufs = in.enobufs,
		.output_failures = worker_undelivered(&v, NULL),
		.stored = v.store.stored,
		.store_failures = v.store.store_failures,
		.recovered = v.store.recovered,
		.kernel_lost = c->kernel_lost,
		.serial_gaps = in.lost_events,
		.late_records = in.late,
		.records_too_long = in.too_long,
		.queue_dropped_records = in.q.dropped_lines,
		.queue_dropped_calls = in.q.dropped_calls,
		.queue_peak_bytes = in.q.peak_chunks * KMW_QUEUE_CHUNK,
		.queue_limit_bytes = in.queue_limit,
		.enrichment_gave_up = v.enrich_gaveup,
		.rules_removed_by_others = r->guard->rules_removed,
		.socket_dropped_records = in.dropped,
		.gap_backfills = v.store.gaps_backfilled,
		.nsinks = v.nsinks,
		.module_calls = in.t.calls,
		.protected_calls = in.t.protected_calls,
		.unreadable_calls = in.t.unreadable,
		.calls_one_by_one = in.t.protected_calls + in.t.shed_kept,
		.calls_summarised = in.t.summarised,
		.summaries = v.out.summaries,
		.noise_records_dropped = in.t.noise_dropped,
		.backlog_max = c->backlog_max,
		.backlog_limit = c->backlog_limit,
		.backlog_wait_time_ms = c->backlog_wait_ms,
		.module_checks = v.checks.checks,
		.modules_loaded = v.checks.modules,
		.module_check_max_us = (uint64_t)v.checks.check_us_max,
		.alerts = v.out.alerts,
		.audit_disabled = r->guard->audit_disabled,
		.losses_last_minute = lost - then,
		.tamper_alerts = r->guard->alerts,
		.lockdown = v.checks.posture.lockdown,
		.sig_enforce = v.checks.posture.sig_enforce,
		.modules_disabled = v.checks.posture.modules_disabled,
		.ima_modules = v.checks.posture.ima_modules,
		.boot_first_start_ms = v.checks.boot_first_start_ms,
		.store_history_lost = v.checks.store_history_lost,
		.modules_unchecked = v.checks.modules_unchecked,
		.captures_early = in.captures_early,
		.captures_late = in.t.protected_calls + in.t.shed_kept - in.captures_early,
		.capture_p50_us = in.capture_p50_us,
		.capture_p99_us = in.capture_p99_us,
		.config_generation = r->reload->generation,
		.config_loaded = r->reload->loaded,
	};
	const char *why = r->enricher ? enrich_moddir_problem(r->enricher) : NULL;
	int i;

	snprintf(st.module_dir, sizeof(st.module_dir), "%s", why ? why : "");
	snprintf(st.config_pending, sizeof(st.config_pending), "%s", r->reload->pending);
	r->loss_ring[r->loss_ticks++ % n] = lost;
	snprintf(st.source, sizeof(st.source), "%s",
		 r->conf->plugin ? "plugin" : source_mode_name(r->intake->src.mode));
	snprintf(st.output, sizeof(st.output), "%s", v.output);
	snprintf(st.format, sizeof(st.format), "%s", format_name(v.format));
	snprintf(st.rules_key, sizeof(st.rules_key), "%s", r->conf->key);
	snprintf(st.store, sizeof(st.store), "%s", r->conf->store ? r->conf->store : "none");
	for (i = 0; i < v.nsinks && i < KMW_STATE_SINKS; i++) {
		snprintf(st.sink[i].name, sizeof(st.sink[i].name), "%s", v.sink_name[i]);
		st.sink[i].delivered = v.sink[i].delivered;
		st.sink[i].failures = v.sink[i].failures;
		st.sink[i].waiting = v.sink[i].queued;
		st.sink[i].dropped = v.sink[i].dropped;
	}
	log_recent(&st);
	/* a state file that cannot be written costs nothing but the status */
	if (r->state_file)
		(void)state_write(r->state_file, &st);
	if (r->metrics_file) {
		int rc = state_metrics(r->metrics_file, &st, r->conf->plugin ? "plugin" : "daemon");

		/* said when it starts failing and when it works again, not every 2 s */
		if (rc && rc != r->metrics_err)
			log_msg(LOG_WARNING, "cannot write the metrics %s: %s", r->metrics_file,
				strerror(-rc));
		else if (!rc && r->metrics_err)
			log_msg(LOG_NOTICE, "metrics %s written again", r->metrics_file);
		r->metrics_err = rc;
	}
}

/* Where the metrics go: FILE, none, or auto (Debian's textfile directory when it exists;
 * none for a second consumer, whose counters would overwrite the first's). NULL: none. */
static char *metrics_path(const struct kmw_config *conf)
{
	const char *m = conf->metrics_file;
	struct stat sb;

	if (!m || !strcmp(m, "none") ||
	    (!strcmp(m, "auto") &&
	     (conf->second_consumer || stat(KMW_METRICS_DIR, &sb) || !S_ISDIR(sb.st_mode))))
		return NULL;
	return strdup(strcmp(m, "auto") ? m : KMW_METRICS_DIR "/kmodwatch.prom");
}

int report_init(struct report *r, const struct kmw_config *conf, struct control *control,
		struct guard *guard, struct intake *intake, struct worker *worker,
		struct kmw_enricher *enricher, const struct options_reload *reload)
{
	memset(r, 0, sizeof(*r));
	r->conf = conf;
	r->state_file = state_file_of(conf);
	r->started = time(NULL);
	r->control = control;
	r->guard = guard;
	r->intake = intake;
	r->worker = worker;
	r->enricher = enricher;
	r->reload = reload;
	r->metrics_file = metrics_path(conf);
	if (!r->metrics_file && conf->metrics_file && strcmp(conf->metrics_file, "none") &&
	    strcmp(conf->metrics_file, "auto"))
		return -ENOMEM;
	return 0;
}

void report_set_config(struct report *r, const struct kmw_config *conf)
{
	char *m = metrics_path(conf);

	r->conf = conf;
	if (m && r->metrics_file && !strcmp(m, r->metrics_file)) {
		free(m);
		return;
	}
	/* the old file would keep counters frozen at their last values */
	if (r->metrics_file)
		unlink(r->metrics_file);
	free(r->metrics_file);
	r->metrics_file = m;
	r->metrics_err = 0;
}

void report_fini(struct report *r)
{
	if (r->state_file)
		unlink(r->state_file);
	if (r->metrics_file)
		unlink(r->metrics_file);
	free(r->metrics_file);
	r->metrics_file = NULL;
}

/* Where the module calls read went: one event each, a summary, or dropped by the queue. */
static void calls_line(struct kmw_buf *b, const struct intake_counts *in,
		       const struct worker_view *v)
{
	buf_printf(b,
		   "%llu module calls read: %llu events one by one (%llu protected), %llu "
		   "summarised in %llu summaries, %llu dropped by the queue",
		   (unsigned long long)in->t.calls,
		   (unsigned long long)(in->t.protected_calls + in->t.shed_kept),
		   (unsigned long long)in->t.protected_calls, (unsigned long long)in->t.summarised,
		   (unsigned long long)v->out.summaries, (unsigned long long)in->q.dropped_calls);
}

/* the kernel's backlog as sampled, or that it was not (the plugin reads auditd's stream) */
static const char *backlog_text(const struct control *c, char *out, size_t len)
{
	if (!c->backlog_limit)
		return "backlog not read";
	snprintf(out, len, "backlog at most %u of %u", c->backlog_max, c->backlog_limit);
	return out;
}

void report_stats(struct report *r)
{
	char backlog[64];
	struct intake_counts in = intake_counts(r->intake);
	struct worker_view v = worker_view(r->worker);
	struct control *c = r->control;
	uint64_t waiting, undelivered = worker_undelivered(&v, &waiting);
	struct kmw_buf calls;

	buf_init(&calls);
	calls_line(&calls, &in, &v);
	log_msg(LOG_INFO,
		"stats: %llu events, %llu records; %.*s; lost: kernel %llu records "
		"(%s), %llu events by serial, %llu ENOBUFS; queue overflow %llu "
		"records (%llu module calls); enrichment gave up on %llu; not stored %llu; outputs "
		"undelivered %llu (%llu of them waiting for a retry)",
		(unsigned long long)v.out.events, (unsigned long long)in.records, (int)calls.len,
		calls.data ? calls.data : "", (unsigned long long)c->kernel_lost,
		backlog_text(c, backlog, sizeof(backlog)), (unsigned long long)in.lost_events,
		(unsigned long long)in.enobufs, (unsigned long long)in.q.dropped_lines,
		(unsigned long long)in.q.dropped_calls, (unsigned long long)v.enrich_gaveup,
		(unsigned long long)v.store.store_failures, (unsigned long long)undelivered,
		(unsigned long long)waiting);
	buf_free(&calls);
}

void report_stop(struct report *r)
{
	char backlog[64];
	struct intake_counts in = intake_counts(r->intake);
	struct worker_view v = worker_view(r->worker);
	struct control *c = r->control;
	struct kmw_buf calls;

	buf_init(&calls);
	calls_line(&calls, &in, &v);
	log_msg(LOG_INFO,
		"stopping: %llu events (%llu stored, %llu not stored), %llu summaries, "
		"%llu alerts (%llu module checks), "
		"%llu records, %llu bad lines; %.*s; %llu records lost by the kernel (%s), %llu "
		"events lost by serial, %llu ENOBUFS overruns (%llu records "
		"dropped), %llu events recovered from auditd's log, %llu records "
		"(%llu module calls) lost to queue overflow, %llu outputs undelivered",
		(unsigned long long)v.out.events, (unsigned long long)v.store.stored,
		(unsigned long long)v.store.store_failures, (unsigned long long)v.out.summaries,
		(unsigned long long)v.out.alerts, (unsigned long long)v.checks.checks,
		(unsigned long long)in.records, (unsigned long long)in.bad_lines, (int)calls.len,
		calls.data ? calls.data : "", (unsigned long long)c->kernel_lost,
		backlog_text(c, backlog, sizeof(backlog)), (unsigned long long)in.lost_events,
		(unsigned long long)in.enobufs, (unsigned long long)in.dropped,
		(unsigned long long)v.store.recovered, (unsigned long long)in.q.dropped_lines,
		(unsigned long long)in.q.dropped_calls,
		(unsigned long long)worker_undelivered(&v, NULL));
	buf_free(&calls);
}
