// SPDX-License-Identifier: GPL-2.0-or-later
/* kmodwatchd.c - the daemon: options, privileges, audit setup, the event loop */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include <cap-ng.h>
#include <libaudit.h>

#include "kmw_buf.h"
#include "kmw_config.h"
#include "kmw_enrich.h"
#include "kmw_evqueue.h"
#include "kmw_format.h"
#include "kmw_import.h"
#include "kmw_lines.h"
#include "kmw_parse.h"
#include "kmw_queue.h"
#include "kmw_risk.h"
#include "kmw_rules.h"
#include "kmw_sink.h"
#include "kmw_source.h"
#include "kmw_state.h"
#include "kmw_store.h"

#define EXIT_USAGE 2
#define EXIT_NOPRIV 4
#define EXIT_CONFIG 6
/* the timer of the capture thread: state file, rule check, stats, store maintenance */
#define TICK_S 2
/* events waiting for the slow enrichment at most; the capture thread waits beyond */
#define EVQUEUE_SLOTS 64
/* an event whose last record came this long ago is complete */
#define IDLE_MS 50

/*
 * The worker owns the outputs, the store and what they count. The main thread
 * sees them only through this copy, which the worker publishes under
 * view_lock after each step (publish_view): the one hand-off between the two,
 * so that no thread reads what another may free (a reload swaps the outputs).
 */
struct worker_view {
	uint64_t events, stored, store_failures, recovered, enrich_gaveup, gaps_backfilled;
	const char *output;		/* the configuration's strings live until exit */
	enum kmw_format format;
	int nsinks;
	char sink_name[8][128];
	struct kmw_sink_stats sink[8];
};

struct daemon {
	struct kmw_config o;
	struct kmw_parser *parser;
	struct kmw_enricher *enricher;
	struct kmw_sink *sinks[8];
	int nsinks;
	struct kmw_buf body[3];		/* the event in each format, made once per event */
	struct kmw_buf json[KMW_EVQUEUE_BATCH];	/* a batch's events in JSON: store and outputs */
	enum kmw_format fmt[8];		/* the format of each sink */
	bool sink_down[8];		/* a failure was logged; a recovery will be */
	uint64_t sink_failures;
	struct kmw_source src;
	struct kmw_rules rules;
	struct kmw_evqueue evq;	/* capture thread -> slow enrichment, format, output */
	struct kmw_store *store;
	char boot_id[40];
	int64_t boot_start_ms;
	char boot_scratch[64];
	uint64_t stored, store_failures, recovered;
	unsigned int ticks;
	int ctl;		/* libaudit control socket */
	int sigfd;
	int timerfd;		/* refreshes the state file */
	time_t started;
	int rules_added;
	FILE *record_log;	/* --record-log: every record as received, for debugging */
	struct kmw_queue *queue;	/* the records, read on a thread of their own */
	struct kmw_lines *lines;
	bool restore_enabled;	/* we enabled audit and turn it off again at exit */
	bool input_failed;	/* the input ended on a read error: exit 1 */
	uint64_t events;
	uint64_t enrich_gaveup;		/* events with a bound or a failure in enrichment */
	bool have_lost;
	uint32_t lost_start;
	uint64_t kernel_lost, rules_removed;
	/* losses on the way in (main thread), then recovered by the worker */
	uint64_t enobufs_seen;		/* overruns already logged (the reader sends their marker) */
	uint64_t lost_noted;		/* serial losses a gap was noted for */
	bool probe_failed;
	bool gap_open;			/* a gap not yet handed to the worker */
	struct gap { int64_t from_ms, to_ms; uint64_t lost; } gap;
	time_t gap_due;			/* auditd has logged the gap by then */
	uint64_t gaps_backfilled;
	pthread_mutex_t view_lock;
	struct worker_view view;	/* under view_lock */
	int argc;
	char **argv;
};

static bool use_syslog;

static void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		fputs("kmodwatchd: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: kmodwatchd [OPTION]...\n"
		"Watch kernel-module loads and unloads through the audit subsystem.\n\n");
	config_usage(f);
	fprintf(f, "\nExit status: 0 stopped by a signal, 1 runtime error, 2 bad usage,\n"
		"4 missing privileges, 6 bad configuration file.\n");
}

/* what config_load or config_set found wrong, one message a line */
static void log_errors(struct kmw_buf *err)
{
	char *line, *save = NULL;

	if (!err->len)
		return;
	buf_putc(err, '\0');
	for (line = strtok_r(err->data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_msg(LOG_ERR, "%s", line);
	buf_reset(err);
}

/*
 * The configuration file first, whatever the place of --config among the
 * options, then the command line, which wins. One table (config.c) serves both.
 */
static int parse_opts(int argc, char **argv, struct kmw_config *o)
{
	struct option lopts[64];
	char shorts[64], *sp = shorts;
	const struct kmw_config_key *keys;
	const char *config = NULL;
	struct kmw_buf err;
	bool check = false;
	size_t n, i;
	int c, rc = 0;

	keys = config_keys(&n);
	for (i = 0; i < n && i < 63; i++) {
		lopts[i] = (struct option){ keys[i].name, keys[i].arg ? required_argument : no_argument,
					    NULL, 1000 + (int)i };
		if (keys[i].short_name) {
			*sp++ = (char)keys[i].short_name;
			if (keys[i].arg)
				*sp++ = ':';
		}
	}
	memset(&lopts[i], 0, sizeof(lopts[i]));
	*sp = '\0';
	config_defaults(o);
	for (c = 1; c < argc; c++) {
		if (!strncmp(argv[c], "--config=", 9))
			config = argv[c] + 9;
		else if (!strcmp(argv[c], "--config") && c + 1 < argc)
			config = argv[c + 1];
	}
	buf_init(&err);
	if (config_load(o, config ? config : KMW_CONFIG_FILE, config != NULL, &err)) {
		rc = EXIT_CONFIG;
		goto out;
	}
	while ((c = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		if (c == '?') {
			usage(stderr);
			rc = EXIT_USAGE;
			goto out;
		}
		for (i = 0; i < n && (c >= 1000 ? i != (size_t)(c - 1000) : keys[i].short_name != c); i++)
			;
		switch (keys[i].action) {
		case KMW_ACT_HELP: usage(stdout); exit(0);
		case KMW_ACT_VERSION: printf("kmodwatchd %s\n", PACKAGE_VERSION); exit(0);
		case KMW_ACT_CONFIG: break;
		case KMW_ACT_CHECK: check = true; break;
		case KMW_ACT_NONE:
			if (config_set(o, i, optarg, NULL, &err)) {
				rc = EXIT_USAGE;
				goto out;
			}
		}
	}
	if (optind < argc) {
		buf_printf(&err, "unexpected argument '%s'\n", argv[optind]);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!o->output)
		o->output = o->foreground && !o->plugin ? "-" : KMW_OUTPUT_DEFAULT;
	if (check) {
		config_print(stdout, o);
		exit(0);
	}
out:
	log_errors(&err);
	buf_free(&err);
	return rc;
}

/*
 * Keep only what the running daemon needs, in every set, the bounding set
 * cleared: CAP_SYS_PTRACE (another user's /proc/PID/fd and memory) and
 * CAP_DAC_READ_SEARCH (their module files) for enrichment; CAP_AUDIT_CONTROL
 * to remove its rules, release the audit pid or restore the enabled flag at
 * exit; CAP_AUDIT_READ beside auditd. Optionally switch to --user.
 */
static int drop_privileges(struct daemon *d)
{
	struct passwd *pw = NULL;
	int rc;

	if (d->o.user) {
		pw = getpwnam(d->o.user);
		if (!pw) {
			log_msg(LOG_ERR, "no user '%s' for --user", d->o.user);
			return -1;
		}
	}
	capng_clear(CAPNG_SELECT_BOTH);
	capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SYS_PTRACE,
		      CAP_DAC_READ_SEARCH, -1);
	if (!d->o.plugin && (d->rules.n || d->restore_enabled || d->src.own_pid))
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_AUDIT_CONTROL);
	if (!d->o.plugin && d->src.mode == KMW_SRC_MULTICAST)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_AUDIT_READ);
	/* the marker record after an overrun (source_probe) */
	if (!d->o.plugin)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_AUDIT_WRITE);
	if (pw)
		rc = capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
				     CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	else
		rc = capng_apply(CAPNG_SELECT_BOTH);
	if (rc) {
		log_msg(LOG_ERR, "cannot drop privileges (libcap-ng error %d)", rc);
		return -1;
	}
	/* and no way back up through a setuid program */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return 0;
}

/* Which capability this configuration cannot do without. */
static int check_privileges(const struct kmw_config *o)
{
	bool need_control = !o->no_rules || o->source != KMW_SRC_MULTICAST;

	capng_get_caps_process();
	if (need_control && !capng_have_capability(CAPNG_EFFECTIVE, CAP_AUDIT_CONTROL)) {
		fprintf(stderr, "kmodwatchd: missing CAP_AUDIT_CONTROL (needed to %s): run as root\n",
			o->no_rules ? "read as the audit daemon" : "install audit rules");
		return EXIT_NOPRIV;
	}
	if (o->source == KMW_SRC_MULTICAST &&
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_AUDIT_READ)) {
		fprintf(stderr, "kmodwatchd: missing CAP_AUDIT_READ (needed to read the audit "
			"multicast group): run as root\n");
		return EXIT_NOPRIV;
	}
	return 0;
}

/*
 * Every event goes to the store first (see on_items for the transaction). A store that
 * cannot take it (read-only, full, missing) costs the event nothing else: it
 * is counted and the outputs still get it. Returns 1 new, 0 duplicate, <0 error.
 */
static int store_event(struct daemon *d, const struct kmw_event *ev, const char *boot_id,
		       const struct kmw_buf *json)
{
	int rc;

	if (!d->o.store)
		return 1;
	if (!d->store) {
		/* the first of them says why, once, in the log from open_store */
		d->store_failures++;
		return -ENOENT;
	}
	if (!json) {
		d->store_failures++;
		return -ENOMEM;
	}
	rc = store_insert(d->store, ev, boot_id, json->data, json->len);
	if (rc < 0) {
		d->store_failures++;
		if (d->store_failures == 1 || d->store_failures % 1000 == 0)
			log_msg(LOG_ERR, "cannot store event %llu: %s (%llu not stored; the outputs still "
				"get them)", (unsigned long long)ev->serial, store_error(d->store),
				(unsigned long long)d->store_failures);
	} else if (rc > 0) {
		d->stored++;
	}
	return rc;
}

static void apply_retention(struct daemon *d)
{
	int64_t before = d->o.retention_days ?
			 ((int64_t)time(NULL) - (int64_t)d->o.retention_days * 86400) * 1000 : 0;
	int n, total = 0;

	if (!d->store || (!before && !d->o.retention_mb))
		return;
	/* small batches, so that events never wait long behind the deletion */
	do {
		n = store_retention(d->store, before, (uint64_t)d->o.retention_mb << 20, 500);
		total += n > 0 ? n : 0;
	} while (n == 500 && total < 20000);
	if (n < 0)
		log_msg(LOG_ERR, "store retention: %s", store_error(d->store));
	else if (total)
		log_msg(LOG_INFO, "store retention removed %d old events", total);
}

/*
 * The boot an event belongs to: this one for what happened since it started,
 * else the one the store knows started last before it (a replayed log).
 */
static const char *boot_of(struct daemon *d, const struct kmw_event *ev)
{
	int64_t t = ev->sec * 1000 + ev->msec;

	if (t >= d->boot_start_ms || !d->store)
		return d->boot_id;
	store_boot_for(d->store, t, d->boot_scratch, sizeof(d->boot_scratch));
	return d->boot_scratch;
}

/* Capture thread: what vanishes with the loader is taken now, the rest goes to the worker. */
static void on_event(struct kmw_event *ev, void *arg)
{
	struct daemon *d = arg;

	enrich_capture(d->enricher, ev);
	evqueue_push(&d->evq, KMW_ITEM_EVENT, ev);
}

/*
 * To every output, in the format each wants, each format made once (the JSON
 * may come made: @json, or NULL). A sink that cannot take it now keeps it and
 * retries; nothing here waits on it.
 */
static void deliver(struct daemon *d, const struct kmw_event *ev, const struct kmw_buf *json)
{
	bool made[3] = { false, false, false };
	struct kmw_sink_stats st;
	int i, rc;

	d->events++;
	made[KMW_FMT_JSON] = json != NULL;
	for (i = 0; i < d->nsinks; i++) {
		enum kmw_format f = d->fmt[i];
		const struct kmw_buf *b = f == KMW_FMT_JSON && json ? json : &d->body[f];

		if (!made[f]) {
			buf_reset(&d->body[f]);
			if (format_event(&d->body[f], f, ev)) {
				log_msg(LOG_ERR, "out of memory formatting event %llu",
					(unsigned long long)ev->serial);
				continue;
			}
			made[f] = true;
		}
		/* the sink frames it: without our newline */
		rc = sink_emit(d->sinks[i], ev, b->data, b->len ? b->len - 1 : 0);
		sink_stats(d->sinks[i], &st);
		if (rc == -ENOBUFS && (st.dropped == 1 || st.dropped % 1000 == 0))
			log_msg(LOG_ERR, "%s: queue full, %llu events dropped so far (the store has them)",
				sink_name(d->sinks[i]), (unsigned long long)st.dropped);
		else if (rc > 0 && !d->sink_down[i])
			log_msg(LOG_ERR, "%s: cannot deliver now (%s): events kept to retry",
				sink_name(d->sinks[i]), strerror(-st.last_error));
		d->sink_down[i] = rc != 0;
	}
}

/* Worker thread, when idle: retry the outputs that wait. */
static void publish_view(struct daemon *d);

static void on_tick(void *arg)
{
	struct daemon *d = arg;
	int i;

	for (i = 0; i < d->nsinks; i++)
		if (!sink_tick(d->sinks[i]) && d->sink_down[i]) {
			d->sink_down[i] = false;
			log_msg(LOG_INFO, "%s: delivering again; nothing waits", sink_name(d->sinks[i]));
		}
	publish_view(d);
}

static int add_sink(struct daemon *d, const struct kmw_sink_conf *c, enum kmw_format f)
{
	struct kmw_sink *s;

	if (d->nsinks == (int)(sizeof(d->sinks) / sizeof(d->sinks[0])))
		return -ENOSPC;
	s = sink_new(c);
	if (!s)
		return -errno;
	d->fmt[d->nsinks] = f;
	d->sinks[d->nsinks++] = s;
	return 0;
}

/* The outputs from the options. A main output file that cannot be opened is fatal. */
static int open_sinks(struct daemon *d)
{
	struct kmw_sink_conf c = { 0 };
	struct group *gr;
	int i, rc;

	c.kind = KMW_SINK_FILE;
	c.target = d->o.output;
	c.format = d->o.format;
	c.prefix = d->o.output_prefix;
	c.rotate_bytes = (uint64_t)d->o.rotate_mb << 20;
	c.rotate_keep = d->o.rotate_keep;
	c.group = (gid_t)-1;
	if (d->o.output_group) {
		gr = getgrnam(d->o.output_group);
		if (!gr) {
			fprintf(stderr, "kmodwatchd: no group '%s' for --output-group\n", d->o.output_group);
			return -EINVAL;
		}
		c.group = gr->gr_gid;
	}
	rc = add_sink(d, &c, d->o.format);
	if (!rc && sink_stats_failed_open(d->sinks[d->nsinks - 1], &rc) && rc) {
		fprintf(stderr, "kmodwatchd: cannot open output %s: %s%s\n", d->o.output, strerror(-rc),
			rc == -ELOOP ? " (a symlink: refused)" : "");
		return rc;
	}
	for (i = 0; i < d->o.nsyslog; i++) {
		memset(&c, 0, sizeof(c));
		c.kind = KMW_SINK_SYSLOG;
		c.target = d->o.syslog[i];
		c.format = d->o.syslog_format;
		c.rfc = d->o.syslog_rfc;
		c.facility = d->o.syslog_facility;
		c.severity = d->o.syslog_severity;
		c.app_name = d->o.syslog_app;
		rc = add_sink(d, &c, d->o.syslog_format);
		if (rc) {
			fprintf(stderr, "kmodwatchd: bad --syslog '%s': %s\n", d->o.syslog[i], strerror(-rc));
			return rc;
		}
	}
	if (d->o.journald) {
		memset(&c, 0, sizeof(c));
		c.kind = KMW_SINK_JOURNAL;
		c.format = KMW_FMT_JSON;
		c.severity = -1;
		c.app_name = d->o.syslog_app;
		rc = add_sink(d, &c, KMW_FMT_JSON);
		if (rc) {
			fprintf(stderr, "kmodwatchd: --journald: %s\n", rc == -ENOTSUP ?
				"this build has no libsystemd" : strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static void apply_config(struct daemon *d, struct kmw_config *n);
static void recover_gap(struct daemon *d, const struct gap *g);
static void watch_losses(struct daemon *d, bool stopping);

/*
 * Worker thread: hashes, files, /sys, risk; then the store, then the outputs,
 * in capture order. Events that waited together are committed together (one
 * alone when the worker keeps up), and no output has an event before the
 * store does.
 */
static void take_items(struct kmw_item **items, unsigned int n, void *arg)
{
	struct daemon *d = arg;
	struct kmw_item *it = items[0];
	uint64_t stored_before = d->stored;
	bool group, json, made[KMW_EVQUEUE_BATCH];
	unsigned int k;
	int rc, i;

	if (it->kind == KMW_ITEM_MAINTENANCE) {
		apply_retention(d);
		if (d->store)
			store_checkpoint(d->store);
		return;
	}
	if (it->kind == KMW_ITEM_BACKFILL) {
		recover_gap(d, it->ptr);
		free(it->ptr);
		return;
	}
	if (it->kind == KMW_ITEM_REOPEN && it->ptr) {
		/* the strings of a configuration stay for the life of the process */
		apply_config(d, it->ptr);
		return;
	}
	if (it->kind == KMW_ITEM_REOPEN) {
		for (i = 0; i < d->nsinks; i++) {
			rc = sink_reopen(d->sinks[i]);
			if (rc)
				log_msg(LOG_ERR, "cannot reopen %s: %s", sink_name(d->sinks[i]), strerror(-rc));
		}
		log_msg(LOG_INFO, "outputs reopened");
		return;
	}
	for (k = 0; k < n; k++) {
		enrich_finish(d->enricher, &items[k]->ev);
		if (items[k]->ev.nskipped)
			d->enrich_gaveup++;
	}
	group = n > 1 && d->store && store_begin(d->store) == 0;
	for (i = 0, json = d->store != NULL; i < d->nsinks && !json; i++)
		json = d->fmt[i] == KMW_FMT_JSON;
	for (k = 0; k < n; k++) {
		/* one JSON for the store and the JSON outputs */
		buf_reset(&d->json[k]);
		made[k] = json && !format_json(&d->json[k], &items[k]->ev);
		if (json && !made[k])
			log_msg(LOG_ERR, "out of memory formatting event %llu",
				(unsigned long long)items[k]->ev.serial);
		store_event(d, &items[k]->ev, boot_of(d, &items[k]->ev), made[k] ? &d->json[k] : NULL);
	}
	if (group && (rc = store_commit(d->store)) < 0) {
		d->store_failures += d->stored - stored_before;
		d->stored = stored_before;
		log_msg(LOG_ERR, "cannot store %u events: %s (%llu not stored; the outputs still get "
			"them)", n, store_error(d->store), (unsigned long long)d->store_failures);
	}
	for (k = 0; k < n; k++)
		deliver(d, &items[k]->ev, made[k] ? &d->json[k] : NULL);
	/* the write-ahead log is copied into the store once the events are out */
	if (d->store && store_checkpoint(d->store) < 0)
		log_msg(LOG_ERR, "store checkpoint: %s", store_error(d->store));
}

static void on_items(struct kmw_item **items, unsigned int n, void *arg)
{
	take_items(items, n, arg);
	publish_view(arg);
}

/*
 * A daemon killed with SIGKILL leaves its rules, and its state file: one
 * whose pid is gone and that says it added rules. Those rules are not ours to
 * keep for good (`kmodwatch rules install` makes such rules, and a daemon
 * beside them adds none), so they go, and are made again, ours to remove.
 */
static void remove_stale_rules(struct daemon *d)
{
	struct kmw_state st;
	int n;

	if (state_read(KMW_STATE_FILE, &st))
		return;
	if (st.pid <= 0 || st.pid == getpid() || st.rules_added <= 0 || strcmp(st.rules_key, d->o.key) ||
	    kill((pid_t)st.pid, 0) == 0 || errno != ESRCH)
		return;
	n = rules_delete_key(d->ctl, d->o.key);
	if (n > 0)
		log_msg(LOG_NOTICE, "removed %d audit rule(s) with key %s that kmodwatchd pid %lld "
			"added and left when it was killed", n, d->o.key, (long long)st.pid);
	unlink(KMW_STATE_FILE);
}

static int setup_audit(struct daemon *d)
{
	struct audit_status st;
	struct kmw_rules_report rep;
	int rc;

	d->ctl = audit_open();
	if (d->ctl < 0) {
		log_msg(LOG_ERR, "cannot open the audit netlink socket: %s", strerror(errno));
		return -1;
	}
	rc = rules_status(d->ctl, &st);
	if (rc) {
		log_msg(LOG_ERR, "cannot read the audit status: %s", strerror(-rc));
		return -1;
	}
	if (st.enabled == 0 && !d->o.no_rules) {
		if (audit_set_enabled(d->ctl, 1) > 0) {
			d->restore_enabled = true;
			log_msg(LOG_NOTICE, "audit was disabled: enabled it, and will disable it again at exit");
		} else {
			log_msg(LOG_ERR, "audit is disabled and could not be enabled: %s", strerror(errno));
		}
	} else if (st.enabled == 0) {
		log_msg(LOG_WARNING, "audit is disabled and --no-rules leaves it so: no events will come");
	}
	if (st.enabled == 2)
		log_msg(LOG_ERR, "audit is immutable (enabled 2): rules cannot change until reboot; "
			"running with the rules in place");

	if (!d->o.no_rules) {
		remove_stale_rules(d);
		rc = rules_install(&d->rules, d->ctl, d->o.key, &rep);
		d->rules_added = rep.added;
		if (rc)
			log_msg(LOG_ERR, "cannot add the module-syscall rule for %d arch(es): %s%s",
				rep.failed, strerror(-rc),
				st.enabled == 2 ? " (audit is immutable)" : "");
		log_msg(LOG_INFO, "rules: %d added with key %s, %d arch(es) already covered by "
			"existing rules%s", rep.added, d->o.key, rep.covered,
			rep.partial ? " (some partly)" : "");
	}

	rc = source_open(&d->src, d->o.source, (pid_t)st.pid);
	if (rc == -EEXIST) {
		log_msg(LOG_ERR, "another process (pid %u) is the audit daemon: use --source multicast "
			"or auto", st.pid);
		return -1;
	}
	if (rc) {
		log_msg(LOG_ERR, "cannot open the %s audit source: %s", source_mode_name(d->o.source),
			strerror(-rc));
		return -1;
	}
	/* the reader writes it, the lines it makes of the records */
	d->src.record_log = d->record_log;
	return 0;
}

static void teardown_audit(struct daemon *d)
{
	int rc;

	source_close(&d->src);
	if (d->ctl < 0)
		return;
	rc = rules_remove(&d->rules);
	if (rc)
		log_msg(LOG_ERR, "cannot remove the rules it added: %s", strerror(-rc));
	if (d->restore_enabled) {
		if (audit_set_enabled(d->ctl, 0) <= 0)
			log_msg(LOG_ERR, "cannot disable audit again: %s", strerror(errno));
		else
			log_msg(LOG_NOTICE, "audit disabled again, as it was before");
	}
	audit_close(d->ctl);
	d->ctl = -1;
}

/* the queue's size in chunks */
static unsigned int queue_chunks(const struct daemon *d)
{
	return (unsigned int)(((uint64_t)d->o.queue_mb << 20) / KMW_QUEUE_CHUNK);
}

/* What came in and what was lost on the way in, from whichever source this is. */
struct intake {
	uint64_t records, enobufs, dropped, lost_events, late, too_long;
	struct kmw_queue_stats q;
};

static struct intake intake(struct daemon *d)
{
	struct intake in = { 0 };

	if (d->queue)
		in.q = queue_stats(d->queue);
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

/*
 * The state file tells `kmodwatch status` how the daemon runs: written whole
 * to a temporary name and renamed, so a reader never sees half of it.
 */
/* Worker (or the main thread once the worker is gone): publish what it owns. */
static void publish_view(struct daemon *d)
{
	int i;

	pthread_mutex_lock(&d->view_lock);
	d->view.events = d->events;
	d->view.stored = d->stored;
	d->view.store_failures = d->store_failures;
	d->view.recovered = d->recovered;
	d->view.enrich_gaveup = d->enrich_gaveup;
	d->view.gaps_backfilled = d->gaps_backfilled;
	d->view.output = d->o.output;
	d->view.format = d->o.format;
	d->view.nsinks = d->nsinks;
	for (i = 0; i < d->nsinks; i++) {
		snprintf(d->view.sink_name[i], sizeof(d->view.sink_name[i]), "%s",
			 sink_name(d->sinks[i]));
		sink_stats(d->sinks[i], &d->view.sink[i]);
	}
	pthread_mutex_unlock(&d->view_lock);
}

static struct worker_view view_of(struct daemon *d)
{
	struct worker_view v;

	pthread_mutex_lock(&d->view_lock);
	v = d->view;
	pthread_mutex_unlock(&d->view_lock);
	return v;
}

/* Undelivered messages of all outputs: dropped, and waiting now. */
static uint64_t sinks_failed(const struct worker_view *v, uint64_t *waiting)
{
	uint64_t n = 0, w = 0;
	int i;

	for (i = 0; i < v->nsinks; i++) {
		n += v->sink[i].dropped + v->sink[i].queued;
		w += v->sink[i].queued;
	}
	if (waiting)
		*waiting = w;
	return n;
}

static void write_state(struct daemon *d)
{
	struct intake in = intake(d);
	struct worker_view v = view_of(d);
	struct kmw_state st = {
		.pid = getpid(), .started = d->started, .updated = time(NULL),
		.rules_added = d->rules_added, .records = in.records, .events = v.events,
		.enobufs = in.enobufs, .output_failures = sinks_failed(&v, NULL), .stored = v.stored,
		.store_failures = v.store_failures, .recovered = v.recovered,
		.kernel_lost = d->kernel_lost, .serial_gaps = in.lost_events, .late_records = in.late,
		.records_too_long = in.too_long, .queue_dropped_records = in.q.dropped_lines,
		.queue_dropped_calls = in.q.dropped_calls,
		.queue_peak_bytes = in.q.peak_chunks * KMW_QUEUE_CHUNK,
		.queue_limit_bytes = (uint64_t)queue_chunks(d) * KMW_QUEUE_CHUNK,
		.enrichment_gave_up = v.enrich_gaveup, .rules_removed_by_others = d->rules_removed,
		.socket_dropped_records = in.dropped, .gap_backfills = v.gaps_backfilled,
		.nsinks = v.nsinks,
	};
	int i;

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
	(void)state_write(KMW_STATE_FILE, &st);
}

/* The kernel's count of records it lost, since start (unicast: ours; beside auditd: global). */
static void account_lost(struct daemon *d)
{
	struct audit_status st;

	if (d->o.plugin || d->ctl < 0 || rules_status(d->ctl, &st))
		return;
	if (!d->have_lost) {
		d->have_lost = true;
		d->lost_start = st.lost;
	}
	d->kernel_lost = st.lost - d->lost_start;
}

/*
 * An administrator deleted kmodwatch's rules (auditctl -D): say so at once,
 * and put them back when configured to.
 */
static void check_rules(struct daemon *d)
{
	struct kmw_rules_report rep;
	int n, rc;

	if (d->o.plugin || d->ctl < 0 || !d->rules.n)
		return;
	n = rules_count_key(d->ctl, d->o.key);
	if (n < 0 || n >= d->rules.n)
		return;
	d->rules_removed++;
	log_msg(LOG_ALERT, "kmodwatch's audit rules were removed by someone else (%d of %d left): "
		"module loads %s", n, d->rules.n, d->o.reinstall_rules ?
		"were not seen meanwhile; putting the rules back" : "are not audited now");
	if (!d->o.reinstall_rules) {
		/* nothing of ours to remove at exit any more */
		rules_forget(&d->rules);
		return;
	}
	rules_forget(&d->rules);
	rc = rules_install(&d->rules, d->ctl, d->o.key, &rep);
	if (rc)
		log_msg(LOG_ERR, "cannot put the rules back: %s", strerror(-rc));
	else
		log_msg(LOG_NOTICE, "rules put back: %d added", rep.added);
}

static void log_stats(struct daemon *d)
{
	struct intake in = intake(d);
	struct worker_view v = view_of(d);
	uint64_t waiting, undelivered = sinks_failed(&v, &waiting);

	log_msg(LOG_INFO, "stats: %llu events, %llu records; lost: kernel %llu records, %llu events "
		"by serial, %llu ENOBUFS; queue overflow %llu records (%llu module calls); enrichment "
		"gave up on %llu; not stored %llu; outputs undelivered %llu (%llu of them waiting "
		"for a retry)",
		(unsigned long long)v.events, (unsigned long long)in.records,
		(unsigned long long)d->kernel_lost, (unsigned long long)in.lost_events,
		(unsigned long long)in.enobufs, (unsigned long long)in.q.dropped_lines,
		(unsigned long long)in.q.dropped_calls, (unsigned long long)v.enrich_gaveup,
		(unsigned long long)v.store_failures, (unsigned long long)undelivered,
		(unsigned long long)waiting);
}

static int open_timer(void)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = TICK_S },
		.it_value = { .tv_sec = TICK_S },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd >= 0 && timerfd_settime(fd, 0, &its, NULL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* blocked before the first poll, so none is lost between setup and the loop */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Returns true when the daemon should stop. */
/*
 * SIGHUP: the configuration again, from the file and the same command line,
 * into a fresh copy. Only a valid one is handed to the worker; else the old
 * one stays and the error is logged. What needs a restart (source, rules,
 * store, user) is kept as it is, and said so when it changed.
 */
static struct kmw_config *reload_config(struct daemon *d)
{
	struct kmw_config *n = malloc(sizeof(*n));
	int rc;

	if (!n)
		return NULL;
	optind = 1;
	rc = parse_opts(d->argc, d->argv, n);
	if (rc) {
		log_msg(LOG_ERR, "configuration reload failed (exit code %d would be given); the "
			"running configuration stays", rc);
		config_free(n);
		free(n);
		return NULL;
	}
	if (n->source != d->o.source || n->no_rules != d->o.no_rules || strcmp(n->key, d->o.key) ||
	    (n->store ? !d->o.store || strcmp(n->store, d->o.store) : d->o.store != NULL) ||
	    n->plugin != d->o.plugin)
		log_msg(LOG_WARNING, "configuration reload: source, rules, key, store and plugin "
			"changes take effect at the next start");
	return n;
}

/* Worker thread: take a reloaded configuration's outputs, risk levels and retention. */
static void apply_config(struct daemon *d, struct kmw_config *n)
{
	struct kmw_sink *old[8];
	int nold = d->nsinks, i;

	memcpy(old, d->sinks, sizeof(old));
	d->nsinks = 0;
	d->o.output = n->output;
	d->o.format = n->format;
	d->o.output_prefix = n->output_prefix;
	d->o.rotate_mb = n->rotate_mb;
	d->o.rotate_keep = n->rotate_keep;
	d->o.output_group = n->output_group;
	memcpy(d->o.syslog, n->syslog, sizeof(d->o.syslog));
	d->o.nsyslog = n->nsyslog;
	d->o.syslog_rfc = n->syslog_rfc;
	d->o.syslog_facility = n->syslog_facility;
	d->o.syslog_severity = n->syslog_severity;
	d->o.syslog_app = n->syslog_app;
	d->o.syslog_format = n->syslog_format;
	d->o.journald = n->journald;
	d->o.retention_days = n->retention_days;
	d->o.retention_mb = n->retention_mb;
	d->o.risk = n->risk;
	enrich_set_risk(d->enricher, &n->risk);
	/* its strings are in use from now on: keep it until exit */
	n->older = d->o.older;
	d->o.older = n;
	if (open_sinks(d)) {
		/* the new outputs cannot be had: keep the old ones */
		for (i = 0; i < d->nsinks; i++)
			sink_free(d->sinks[i]);
		memcpy(d->sinks, old, sizeof(old));
		d->nsinks = nold;
		log_msg(LOG_ERR, "configuration reload: the new outputs cannot be opened; the old stay");
		return;
	}
	for (i = 0; i < nold; i++) {
		sink_drain(old[i], 1000);
		sink_free(old[i]);
	}
	memset(d->sink_down, 0, sizeof(d->sink_down));
	log_msg(LOG_INFO, "configuration reloaded: %d output(s)", d->nsinks);
}

static bool handle_signals(struct daemon *d)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			/* the worker owns the outputs: it reopens, or swaps, between two events */
			evqueue_push_ptr(&d->evq, KMW_ITEM_REOPEN, reload_config(d));
		} else {
			stop = true;
		}
	}
	return stop;
}

/* the first ones, one by one, then a count: hostile input must not flood the log */
static void on_bad_line(void *arg, const char *input, uint64_t lineno, const char *why,
			const char *line, size_t len)
{
	log_msg(LOG_WARNING, "%s line %llu: %s%s", input, (unsigned long long)lineno, why,
		strcmp(why, KMW_BAD_MORE) ? ", skipped" : "");
}

/*
 * Take what the input has now. Returns the number of records or chunks taken,
 * -1 at the end of the plugin's input, or -2 on a fatal error.
 */
static int take_input(struct daemon *d)
{
	struct kmw_chunk *c;
	int rc, n = 0;

	/* bounded, so that signals and timers get their turn in a flood */
	while (n < 16 && (rc = queue_peek(d->queue, &c)) > 0) {
		if (c->gap_before)
			lines_drop_partial(d->lines, c->gap_mid_line);
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

static int run(struct daemon *d)
{
	struct pollfd pfd[3] = {
		{ .fd = d->queue->efd, .events = POLLIN },
		{ .fd = d->sigfd, .events = POLLIN },
		{ .fd = d->timerfd, .events = POLLIN },
	};
	uint64_t ticks;
	bool pending = false;
	int n, rc;

	for (;;) {
		n = poll(pfd, 3, pending ? IDLE_MS : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERR, "poll: %s", strerror(errno));
			return 1;
		}
		if (n == 0) {
			/* quiet for IDLE_MS: no record of a pending event is still coming */
			parse_flush(d->parser);
			pending = false;
			continue;
		}
		if (pfd[1].revents && handle_signals(d))
			break;
		if (pfd[2].revents && read(d->timerfd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
			d->ticks++;
			if (!d->o.plugin)
				source_tick(&d->src, false);
			check_rules(d);
			account_lost(d);
			if (!d->o.plugin)
				watch_losses(d, false);
			write_state(d);
			if (d->o.stats_interval && d->ticks % ((d->o.stats_interval + TICK_S - 1) / TICK_S) == 0)
				log_stats(d);
			if (d->ticks % (60 / TICK_S) == 0)
				evqueue_push(&d->evq, KMW_ITEM_MAINTENANCE, NULL);
		}
		if (pfd[0].revents) {
			rc = take_input(d);
			if (rc == -2)
				return 1;
			if (rc == -1) {
				log_msg(LOG_INFO, "end of input");
				break;
			}
			if (rc > 0)
				pending = true;
		}
	}
	/* take what already came, then complete every event */
	if (d->o.plugin) {
		while (take_input(d) > 0)
			;
	} else {
		/* the reader takes what the socket holds, then ends the input */
		queue_finish(d->queue);
		while ((rc = take_input(d)) >= 0)
			if (!rc)
				poll(pfd, 1, 100);
	}
	lines_finish(d->lines);
	if (!d->o.plugin)
		source_tick(&d->src, true);
	return 0;
}

/* ---- losses on the way in: counted, marked, recovered from auditd's log ---- */

/* auditd's log has a lost event within a few seconds; a gap starts this much before */
#define GAP_MARGIN_MS 2000

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
static void watch_losses(struct daemon *d, bool stopping)
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

static int backfill(struct daemon *d, int64_t since_ms, const char *why);

/* Worker: the gap is kept in the store until a backfill covers it. */
static void recover_gap(struct daemon *d, const struct gap *g)
{
	if (!d->store) {
		log_msg(LOG_WARNING, "records lost between %lld and %lld ms (%llu events by serial): "
			"no store to complete", (long long)g->from_ms, (long long)g->to_ms,
			(unsigned long long)g->lost);
		return;
	}
	if (store_gap_note(d->store, g->from_ms, g->to_ms, g->lost) < 0)
		log_msg(LOG_ERR, "store: %s", store_error(d->store));
	if (backfill(d, g->from_ms, "after records were lost") == 0) {
		d->gaps_backfilled++;
		if (store_gap_close(d->store, g->to_ms) < 0)
			log_msg(LOG_ERR, "store: %s", store_error(d->store));
	}
}

/* At exit: a gap not yet backfilled waits in the store for the next start. */
static void keep_gap(struct daemon *d)
{
	if (d->o.plugin || d->src.fd < 0)
		return;
	watch_losses(d, true);
	if (!d->gap_open)
		return;
	d->gap_open = false;
	if (d->store && store_gap_note(d->store, d->gap.from_ms, d->gap.to_ms, d->gap.lost) == 0)
		log_msg(LOG_INFO, "records were lost before exit: the next start backfills from %lld ms",
			(long long)d->gap.from_ms);
}

/* ---- backfill: the module events auditd logged while kmodwatchd was down ---- */

/* new to the store: missed while down; the outputs get it as well */
static void on_recovered(const struct kmw_event *ev, const char *json, size_t len, void *arg)
{
	struct daemon *d = arg;

	d->stored++;
	deliver(d, ev, NULL);
}

/*
 * The module events of auditd's logs since @since_ms that the store lacks:
 * stored, marked historical, and sent to the outputs. Returns 0 when the logs
 * were read whole, -1 when there were none or one failed.
 */
static int backfill(struct daemon *d, int64_t since_ms, const char *why)
{
	struct kmw_import_opts io = { .risk = &d->o.risk, .added = on_recovered, .arg = d,
				      .bad = on_bad_line, .since_ms = since_ms };
	struct kmw_import_result im;
	char path[4096], *files[64];
	struct dirent *de;
	int n = 0, i;
	DIR *dir;

	if (!d->store || !d->o.backfill_dir)
		return -1;
	dir = opendir(d->o.backfill_dir);
	if (!dir)
		return -1;	/* auditd does not log here: nothing to recover */
	while ((de = readdir(dir)) && n < 64)
		if (!strncmp(de->d_name, "audit.log", 9) && (!de->d_name[9] || de->d_name[9] == '.')) {
			snprintf(path, sizeof(path), "%s/%s", d->o.backfill_dir, de->d_name);
			files[n] = strdup(path);
			if (files[n])
				n++;
		}
	closedir(dir);
	if (!n)
		return -1;
	import_logs(d->store, files, n, &io, &im);
	for (i = 0; i < n; i++)
		free(files[i]);
	d->recovered += im.added;
	d->store_failures += im.failed;
	log_msg(LOG_INFO, "backfill from %s %s: %llu module events since %lld ms, %llu recovered "
		"(stored now, marked historical)", d->o.backfill_dir, why,
		(unsigned long long)im.seen, (long long)since_ms, (unsigned long long)im.added);
	return im.files_failed ? -1 : 0;
}

/* At start: from a little before the newest stored event, or the oldest gap left open. */
static void backfill_at_start(struct daemon *d)
{
	int64_t newest = 0, gap;
	int64_t since;

	if (!d->store)
		return;
	since = store_newest(d->store, &newest) == 0 ? newest - GAP_MARGIN_MS : 0;
	if (store_gap_oldest(d->store, &gap) == 0 && gap < since)
		since = gap;
	if (backfill(d, since, "at start") == 0)
		store_gap_close(d->store, (int64_t)time(NULL) * 1000);
}

static void open_store(struct daemon *d)
{
	char err[512];
	long long btime = 0;
	char line[128];
	FILE *f;

	if (!d->o.store)
		return;
	d->store = store_open(d->o.store, true, err, sizeof(err));
	if (!d->store) {
		log_msg(LOG_ERR, "event store unavailable: %s; events still go to the outputs, and "
			"each one not stored is counted", err);
		return;
	}
	store_boot_id(d->boot_id, sizeof(d->boot_id));
	f = fopen("/proc/stat", "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &btime) == 1)
			break;
	if (f)
		fclose(f);
	d->boot_start_ms = btime * 1000;
	if (d->boot_id[0] && btime)
		store_note_boot(d->store, d->boot_id, btime * 1000);
}

/*
 * The records go into a queue on a thread that does nothing else, so the
 * writer never waits on the pipeline: the kernel gives a full socket a tenth
 * of a second, then moves the records aside and, unless audit=1 was on the
 * kernel command line, drops them uncounted; auditd, writing to a plugin,
 * blocks. The lines, netlink's or auditd's, are prefiltered to module events.
 */
static int setup_queue(struct daemon *d)
{
	struct stat st;
	int rc;

	d->queue = calloc(1, sizeof(*d->queue));
	d->lines = calloc(1, sizeof(*d->lines));
	if (!d->queue || !d->lines) {
		log_msg(LOG_ERR, "out of memory");
		return -1;
	}
	lines_init(d->lines, &parse_lines_ops, d->parser, true);
	lines_set_bad(d->lines, on_bad_line, d);
	lines_set_input(d->lines, d->o.plugin ? "stdin" : "netlink");
	if (d->o.plugin)
		rc = queue_start(d->queue, queue_fill_fd, (void *)(intptr_t)STDIN_FILENO,
				 queue_chunks(d), fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode));
	else
		rc = queue_start(d->queue, source_fill, &d->src, queue_chunks(d), false);
	if (rc) {
		log_msg(LOG_ERR, "cannot start reading %s: %s", d->o.plugin ? "stdin" : "audit records",
			strerror(-rc));
		free(d->queue);
		d->queue = NULL;
		return -1;
	}
	return 0;
}

static void teardown_queue(struct daemon *d)
{
	if (d->queue) {
		queue_stop(d->queue);
		free(d->queue);
		d->queue = NULL;
	}
	free(d->lines);
	d->lines = NULL;
}

/*
 * The reading thread gets priority_boost nice levels more than the rest, as
 * auditd does for itself: raised on this thread before the capabilities go,
 * inherited by the reader, then given back here (which needs no privilege).
 */
static int boost_begin(struct daemon *d)
{
	int old;

	errno = 0;
	old = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (d->o.priority_boost && old != -1 &&
	    setpriority(PRIO_PROCESS, (id_t)gettid(), old - (int)d->o.priority_boost) < 0)
		log_msg(LOG_WARNING, "cannot raise the reader's priority: %s", strerror(errno));
	return old == -1 && errno ? 0 : old;
}

static void boost_end(int old)
{
	setpriority(PRIO_PROCESS, (id_t)gettid(), old);
}

int main(int argc, char **argv)
{
	struct daemon d = { .ctl = -1, .sigfd = -1, .timerfd = -1,
			    .view_lock = PTHREAD_MUTEX_INITIALIZER };
	char host[256];
	int rc, i, status = 1, nice_old;

	d.src.fd = -1;
	d.argc = argc;
	d.argv = argv;
	rc = parse_opts(argc, argv, &d.o);
	if (rc) {
		config_free(&d.o);
		return rc;
	}
	/* a plugin gets its records from auditd and touches no audit state */
	rc = d.o.plugin ? 0 : check_privileges(&d.o);
	if (rc) {
		config_free(&d.o);
		return rc;
	}

	if (!strcmp(d.o.output, KMW_OUTPUT_DEFAULT) && mkdir("/var/log/kmodwatch", 0750) < 0 &&
	    errno != EEXIST)
		fprintf(stderr, "kmodwatchd: cannot create /var/log/kmodwatch: %s\n", strerror(errno));
	for (i = 0; i < 3; i++)
		buf_init(&d.body[i]);
	for (i = 0; i < KMW_EVQUEUE_BATCH; i++)
		buf_init(&d.json[i]);
	if (open_sinks(&d)) {
		status = 1;
		goto out_sink;
	}
	if (d.o.record_log) {
		d.record_log = fopen(d.o.record_log, "ae");
		if (!d.record_log) {
			fprintf(stderr, "kmodwatchd: cannot open %s: %s\n", d.o.record_log, strerror(errno));
			goto out_sink;
		}
	}
	if (d.o.plugin && !d.o.foreground) {
		/* auditd supervises the plugin: stay its child, log to syslog */
		use_syslog = true;
		openlog("kmodwatchd", LOG_PID, LOG_DAEMON);
	} else if (!d.o.foreground) {
		if (daemon(0, 0) < 0) {
			fprintf(stderr, "kmodwatchd: cannot become a daemon: %s\n", strerror(errno));
			goto out_sink;
		}
		use_syslog = true;
		openlog("kmodwatchd", LOG_PID, LOG_DAEMON);
	}
	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';

	d.started = time(NULL);
	d.sigfd = open_signals();
	d.timerfd = open_timer();
	if (d.sigfd < 0 || d.timerfd < 0) {
		log_msg(LOG_ERR, "cannot set up signals: %s", strerror(errno));
		goto out_sink;
	}
	d.parser = parse_new(on_event, &d, host[0] ? host : NULL);
	{
		struct kmw_enrich_opts eo = { .cache_entries = 256, .risk = &d.o.risk };

		d.enricher = enrich_new(&eo);
	}
	if (!d.parser || !d.enricher) {
		log_msg(LOG_ERR, "out of memory");
		goto out_free;
	}
	open_store(&d);
	/* the privileged part: audit sockets, rules, the audit pid */
	if (!d.o.plugin && setup_audit(&d))
		goto out_audit;
	nice_old = boost_begin(&d);
	/* before any thread: capabilities belong to each thread, new ones inherit */
	if (drop_privileges(&d))
		goto out_audit;
	/* the source is open, and from now on read into the queue while the rest starts */
	rc = setup_queue(&d);
	boost_end(nice_old);
	if (rc)
		goto out_audit;
	backfill_at_start(&d);
	/* the worker checkpoints once the events are out (on_items), not before */
	if (d.store)
		store_defer_checkpoints(d.store);
	publish_view(&d);
	rc = evqueue_start(&d.evq, EVQUEUE_SLOTS, on_items, &d);
	if (rc) {
		log_msg(LOG_ERR, "cannot start the enrichment thread: %s", strerror(-rc));
		goto out_audit;
	}

	/* from now on only the worker touches the outputs, retries included */
	evqueue_set_tick(&d.evq, on_tick, 200);
	if (d.o.plugin) {
		log_msg(LOG_INFO, "ready: source plugin (stdin), output %s (%s)", d.o.output,
			format_name(d.o.format));
	} else {
		log_msg(LOG_INFO, "ready: source %s, receive buffer %d bytes, output %s (%s)",
			source_mode_name(d.src.mode), d.src.rcvbuf, d.o.output,
			format_name(d.o.format));
	}

	write_state(&d);
	status = run(&d);
	if (d.input_failed)
		status = 1;
	/* every captured event is written before the rules go */
	evqueue_stop(&d.evq);
	keep_gap(&d);
	unlink(KMW_STATE_FILE);
	/* the outputs get their last try first, so that the line below is the final count */
	for (i = 0; i < d.nsinks; i++)
		sink_drain(d.sinks[i], 2000);
	publish_view(&d);
	{
		struct intake in = intake(&d);
		struct worker_view v = view_of(&d);

		log_msg(LOG_INFO, "stopping: %llu events (%llu stored, %llu not stored), %llu records, "
			"%llu bad lines, %llu events lost by serial, %llu ENOBUFS overruns (%llu records "
			"dropped), %llu events recovered from auditd's log, %llu records "
			"(%llu module calls) lost to queue overflow, %llu outputs undelivered",
			(unsigned long long)d.events, (unsigned long long)d.stored,
			(unsigned long long)d.store_failures, (unsigned long long)in.records,
			(unsigned long long)d.lines->stats.bad_lines,
			(unsigned long long)in.lost_events, (unsigned long long)in.enobufs,
			(unsigned long long)in.dropped, (unsigned long long)d.recovered,
			(unsigned long long)in.q.dropped_lines, (unsigned long long)in.q.dropped_calls,
			(unsigned long long)sinks_failed(&v, NULL));
	}

out_audit:
	teardown_queue(&d);
	if (!d.o.plugin)
		teardown_audit(&d);
out_free:
	evqueue_stop(&d.evq);
	store_close(d.store);
	parse_free(d.parser);
	enrich_free(d.enricher);
	close(d.sigfd);
	close(d.timerfd);
out_sink:
	if (d.record_log)
		fclose(d.record_log);
	for (i = 0; i < d.nsinks; i++) {
		uint64_t left = sink_drain(d.sinks[i], 2000);

		if (left)
			log_msg(LOG_ERR, "%s: %llu events could not be delivered before exit (the store "
				"has them)", sink_name(d.sinks[i]), (unsigned long long)left);
		sink_free(d.sinks[i]);
	}
	for (i = 0; i < 3; i++)
		buf_free(&d.body[i]);
	for (i = 0; i < KMW_EVQUEUE_BATCH; i++)
		buf_free(&d.json[i]);
	config_free(&d.o);
	return status;
}
