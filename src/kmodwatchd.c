// SPDX-License-Identifier: GPL-2.0-or-later
/* kmodwatchd.c - the daemon: options, wiring of the modules, signals, the event loop */
#include <errno.h>
#include <getopt.h>
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
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "kmw_state.h"
#include "kmodwatchd.h"

/* once in the background: to syslog; before that, to stderr and, unless in the foreground
 * (auditd reads no plugin's stderr), to syslog as well */
static bool use_syslog, also_syslog;


void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		va_list aq;

		va_copy(aq, ap);
		fputs("kmodwatchd: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		if (also_syslog)
			vsyslog(prio, fmt, aq);
		va_end(aq);
	}
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: kmodwatchd [OPTION]...\n"
		"Watch kernel-module loads and unloads through the audit subsystem.\n\n");
	config_usage(f);
	fprintf(f, "\nExit status: 0 stopped by a signal, 1 runtime error, 2 bad usage,\n"
		"4 missing privileges, 5 another kmodwatchd (daemon or plugin) runs: one a\n"
		"host, 6 bad configuration file, or a --check-config whose checks failed\n"
		"(a syslog host that does not resolve).\n");
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
		/* a switch takes =no on the command line too */
		lopts[i] = (struct option){ keys[i].name, keys[i].arg ? required_argument :
					    keys[i].action == KMW_ACT_NONE ? optional_argument :
					    no_argument, NULL, 1000 + (int)i };
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
		case KMW_ACT_EXAMPLE: config_example(stdout); exit(0);
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
		/* everything the configuration names, checked as the start would */
		if (config_check(o, &err)) {
			rc = EXIT_CONFIG;
			goto out;
		}
		config_print(stdout, o);
		exit(0);
	}
out:
	log_errors(&err);
	buf_free(&err);
	return rc;
}

static int open_timer(long ms)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 },
		.it_value = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 },
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

static int run(struct daemon *d)
{
	struct pollfd pfd[4] = {
		{ .fd = d->queue->efd, .events = POLLIN },
		{ .fd = d->sigfd, .events = POLLIN },
		{ .fd = d->timerfd, .events = POLLIN },
		{ .fd = d->ctl < 0 ? -1 : d->samplefd, .events = POLLIN },
	};
	uint64_t ticks;
	bool pending = false;
	int n, rc;

	for (;;) {
		n = poll(pfd, 4, pending ? IDLE_MS : -1);
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
		if (pfd[3].revents && read(d->samplefd, &ticks, sizeof(ticks)) == sizeof(ticks))
			control_sample_backlog(d);
		if (pfd[2].revents && read(d->timerfd, &ticks, sizeof(ticks)) == sizeof(ticks)) {
			d->ticks++;
			if (!d->o.plugin)
				source_tick(&d->src, false);
			guard_check_rules(d);
			control_account_lost(d);
			intake_summaries(d, false);
			intake_orphans(d);
			reconcile_tick_push(d);
			if (!d->o.plugin)
				intake_watch_losses(d, false);
			report_state(d);
			if (d->o.stats_interval && d->ticks % ((d->o.stats_interval + TICK_S - 1) / TICK_S) == 0)
				report_stats(d);
			if (d->ticks % (60 / TICK_S) == 0)
				evqueue_push(&d->evq, KMW_ITEM_MAINTENANCE, NULL);
		}
		if (pfd[0].revents) {
			rc = intake_take(d);
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
		while (intake_take(d) > 0)
			;
	} else {
		/* the reader takes what the socket holds, then ends the input */
		queue_finish(d->queue);
		while ((rc = intake_take(d)) >= 0)
			if (!rc)
				poll(pfd, 1, 100);
	}
	lines_finish(d->lines);
	/* what was counted and not yet said: every summary, whatever its interval */
	intake_summaries(d, true);
	if (!d->o.plugin)
		source_tick(&d->src, true);
	return 0;
}

/*
 * Each module in order: the configuration, privileges, outputs, logging, the
 * parser and enricher, the store, audit, the reader, the worker; then the loop;
 * then the reverse.
 */
int main(int argc, char **argv)
{
	struct daemon d = { .ctl = -1, .sigfd = -1, .timerfd = -1, .samplefd = -1, .audit_enabled = -1,
			    .view_lock = PTHREAD_MUTEX_INITIALIZER };
	struct kmw_enrich_opts eo = { .cache_entries = 256, .risk = &d.o.risk };
	int rc, status = 1, nice_old;

	d.src.fd = -1;
	d.argc = argc;
	d.argv = argv;
	/* a collector that dies mid-write must cost a reconnection, not the daemon: writes into
	 * a closed TLS or RELP stream (OpenSSL writes with write(2)) get EPIPE */
	signal(SIGPIPE, SIG_IGN);
	rc = parse_opts(argc, argv, &d.o);
	if (!rc && !d.o.foreground) {
		openlog("kmodwatchd", LOG_PID, LOG_DAEMON);
		also_syslog = true;
	}
	/* a plugin gets its records from auditd and touches no audit state */
	if (!rc && !d.o.plugin)
		rc = control_check_privileges(&d.o);
	d.state_file = d.o.second_consumer ? NULL : d.o.plugin ? KMW_PLUGIN_STATE_FILE : KMW_STATE_FILE;
	if (!rc && !d.o.second_consumer)
		rc = report_one_consumer(&d);
	if (!rc && report_metrics_path(&d)) {
		log_msg(LOG_ERR, "out of memory");
		rc = 1;
	}
	if (rc) {
		config_free(&d.o);
		return rc;
	}
	if (!strcmp(d.o.output, KMW_OUTPUT_DEFAULT) && mkdir("/var/log/kmodwatch", 0750) < 0 &&
	    errno != EEXIST) {
		int e = errno;

		/* the output cannot be opened then: say the cause, not what follows from it */
		log_msg(LOG_ERR, "cannot create /var/log/kmodwatch for the output %s: %s%s",
			KMW_OUTPUT_DEFAULT, strerror(e), e == EACCES ? " (run as root, or give "
			"--output a file this user can write)" : "");
		if (e == EACCES || e == EPERM)
			status = EXIT_NOPRIV;
		goto out_sink;
	}
	pipeline_init(&d);
	rc = pipeline_open_sinks(&d);
	if (rc) {
		if (rc == -EACCES || rc == -EPERM)
			status = EXIT_NOPRIV;
		goto out_sink;
	}
	if (d.o.record_log && !(d.record_log = fopen(d.o.record_log, "ae"))) {
		log_msg(LOG_ERR, "cannot open %s: %s", d.o.record_log, strerror(errno));
		goto out_sink;
	}
	/* auditd supervises the plugin: it stays auditd's child */
	if (!d.o.foreground && !d.o.plugin && daemon(0, 0) < 0) {
		log_msg(LOG_ERR, "cannot become a daemon: %s", strerror(errno));
		goto out_sink;
	}
	if (!d.o.foreground) {
		use_syslog = true;
		openlog("kmodwatchd", LOG_PID, LOG_DAEMON);
	}
	host_read(&d.facts, NULL);
	d.started = time(NULL);
	d.sigfd = open_signals();
	d.timerfd = open_timer(TICK_S * 1000);
	d.samplefd = open_timer(TICK_SAMPLE_MS);
	if (d.sigfd < 0 || d.timerfd < 0 || d.samplefd < 0) {
		log_msg(LOG_ERR, "cannot set up signals: %s", strerror(errno));
		goto out_free;
	}
	d.parser = parse_new(intake_on_event, &d, d.facts.name[0] ? d.facts.name : NULL);
	d.enricher = enrich_new(&eo);
	if (!d.parser || !d.enricher || guard_setup(&d)) {
		log_msg(LOG_ERR, "out of memory");
		goto out_free;
	}
	parse_set_hooks(d.parser, &(struct kmw_parse_hooks){ .config_change = guard_config_change,
							      .suppressed = intake_on_suppressed,
							      .arg = &d });
	pipeline_open_store(&d);
	/* the privileged part: audit sockets, rules, the audit pid */
	if (!d.o.plugin && control_setup(&d))
		goto out_audit;
	if (d.o.plugin)
		control_setup_plugin(&d);
	/* what audit leaves unaudited now is no act of anyone: said, and the baseline */
	guard_check_rules(&d);
	nice_old = intake_boost_begin(&d);
	/* before any thread: capabilities belong to each thread, new ones inherit */
	if (control_drop_privileges(&d))
		goto out_audit;
	/* the source is open, and from now on read into the queue while the rest starts */
	rc = intake_setup(&d);
	intake_boost_end(nice_old);
	if (rc)
		goto out_audit;
	/* the modules loaded now, once the rules are in: what comes later is audited. The time
	 * down is covered when auditd's logs were read whole and auditd runs (it logged then) */
	rc = pipeline_backfill_at_start(&d);
	reconcile_start(&d, rc && (d.o.plugin || d.src.mode == KMW_SRC_MULTICAST));
	if (pipeline_start(&d))
		goto out_audit;
	if (d.o.plugin)
		log_msg(LOG_INFO, "ready: source plugin (stdin), output %s (%s)", d.o.output,
			format_name(d.o.format));
	else
		log_msg(LOG_INFO, "ready: source %s, receive buffer %d bytes, output %s (%s)",
			source_mode_name(d.src.mode), d.src.rcvbuf, d.o.output, format_name(d.o.format));
	report_state(&d);
	status = run(&d);
	if (d.input_failed)
		status = 1;
	/* every captured event is written before the rules go */
	evqueue_stop(&d.evq);
	intake_keep_gap(&d);
	if (d.state_file)
		unlink(d.state_file);
	/* counters frozen at their last values would look like a daemon that runs */
	if (d.metrics_file)
		unlink(d.metrics_file);
	/* the outputs get their last try first, so that the stopping line is the final count */
	for (rc = 0; rc < d.nsinks; rc++)
		sink_drain(d.sinks[rc], 2000);
	pipeline_publish(&d);
	report_stop(&d);
out_audit:
	intake_teardown(&d);
	control_teardown(&d);
out_free:
	evqueue_stop(&d.evq);
	parse_free(d.parser);
	enrich_free(d.enricher);
	guard_teardown(&d);
	close(d.sigfd);
	close(d.timerfd);
	close(d.samplefd);
out_sink:
	if (d.record_log)
		fclose(d.record_log);
	pipeline_fini(&d);
	free(d.metrics_file);
	config_free(&d.o);
	return status;
}
