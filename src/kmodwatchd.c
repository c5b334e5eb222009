// SPDX-License-Identifier: GPL-2.0-or-later
/* kmodwatchd.c - the daemon: its modules (src/daemon/) made in dependency order and finished in
 * reverse, signals, the loop. Which thread owns what: each module's header says. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "guard.h"
#include "intake.h"
#include "kmw_exit.h"
#include "kmw_host.h"
#include "log.h"
#include "options.h"
#include "report.h"
#include "tick.h"
#include "worker.h"

struct daemon {
	int argc;
	char **argv;
	struct kmw_config *conf; /* the newest generation; it holds the older ones */
	struct options_reload reload;
	struct kmw_host facts; /* this host: its name, machine id, OS (fleet fields) */
	struct kmw_enricher
		*enricher; /* its first stage the main thread's, its second the worker's */
	struct control control;
	struct guard guard;
	struct intake intake;
	struct worker worker;
	struct report report;
	struct tick_state tick;
	int sigfd, timerfd, samplefd;
};

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

/* SIGHUP: a new generation to every module that takes one; the worker gets it between two
 * events (or, when it was refused, reopens the outputs, as after a rotation) */
static void reload(struct daemon *d)
{
	struct kmw_config *n = options_reload(d->conf, d->argc, d->argv, &d->reload);

	if (n) {
		d->conf = n;
		guard_set_config(&d->guard, n);
		intake_set_config(&d->intake, n);
		report_set_config(&d->report, n);
		tick_set_config(&d->tick, n);
	}
	worker_push_config(&d->worker, n, d->reload.generation, d->reload.outputs);
}

/* a tampering alert, to the worker like an event */
static void push_alert(struct kmw_event *ev, void *arg)
{
	worker_push_event(arg, ev);
}

static bool handle_signals(struct daemon *d)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			reload(d);
		else
			stop = true;
	}
	return stop;
}

static int run(struct daemon *d)
{
	struct pollfd pfd[4] = {
		{ .fd = intake_fd(&d->intake), .events = POLLIN },
		{ .fd = d->sigfd, .events = POLLIN },
		{ .fd = d->timerfd, .events = POLLIN },
		{ .fd = d->control.ctl < 0 ? -1 : d->samplefd, .events = POLLIN },
	};
	uint64_t ticks;
	bool pending = false;
	int n, rc;

	for (;;) {
		n = poll(pfd, 4, pending ? INTAKE_IDLE_MS : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_ERR, "poll: %s", strerror(errno));
			return KMW_EXIT_FAILURE;
		}
		if (n == 0) {
			intake_idle(&d->intake);
			pending = false;
			continue;
		}
		if (pfd[1].revents && handle_signals(d))
			break;
		if (pfd[3].revents && read(d->samplefd, &ticks, sizeof(ticks)) == sizeof(ticks))
			tick_sample(&d->tick);
		if (pfd[2].revents && read(d->timerfd, &ticks, sizeof(ticks)) == sizeof(ticks))
			tick_run(&d->tick);
		if (pfd[0].revents) {
			rc = intake_take(&d->intake);
			if (rc == -2)
				return KMW_EXIT_FAILURE;
			if (rc == -1) {
				log_msg(LOG_INFO, "end of input");
				break;
			}
			if (rc > 0)
				pending = true;
		}
	}
	intake_finish(&d->intake);
	return d->intake.input_failed ? KMW_EXIT_FAILURE : KMW_EXIT_OK;
}

/* An output that cannot be opened: a place this user may not write to, or that is not there
 * (a directory missing), is the 4 the help promises; anything else (a symlink refused) a
 * runtime error. */
static int output_exit(int rc)
{
	switch (-rc) {
	case EACCES:
	case EPERM:
	case ENOENT:
	case ENOTDIR:
	case EROFS: return KMW_EXIT_NOPRIV;
	default: return KMW_EXIT_FAILURE;
	}
}

/* the modules that need no privilege and no audit yet; the outputs before the terminal goes,
 * so that one that cannot be opened is said where it is seen */
static int prepare(struct daemon *d)
{
	/* dpkg's database looked at once a second at most: a burst of loads costs one look */
	struct kmw_enrich_opts eo = { .cache_entries = 256,
				      .risk = &d->conf->risk,
				      .dpkg_recheck_ms = 1000 };
	int rc;

	host_read(&d->facts, NULL);
	d->enricher = enrich_new(&eo);
	if (!d->enricher ||
	    guard_init(&d->guard, &d->control, d->conf, d->facts.name, push_alert, &d->worker)) {
		log_msg(LOG_ERR, "out of memory");
		return KMW_EXIT_FAILURE;
	}
	worker_init(&d->worker, d->conf, d->enricher, &d->facts);
	rc = worker_open_outputs(&d->worker);
	if (rc)
		return output_exit(rc);
	if (intake_init(&d->intake, d->conf, &d->control, &d->worker, d->enricher, d->facts.name,
			guard_config_change, &d->guard))
		return KMW_EXIT_FAILURE;
	if (report_init(&d->report, d->conf, &d->control, &d->guard, &d->intake, &d->worker,
			d->enricher, &d->reload)) {
		log_msg(LOG_ERR, "out of memory");
		return KMW_EXIT_FAILURE;
	}
	tick_init(&d->tick, d->conf, &d->control, &d->guard, &d->intake, &d->worker, &d->report);
	return 0;
}

/* every output, for the ready line: the file, then each syslog destination and journald */
static void outputs_text(const struct kmw_config *o, struct kmw_buf *b)
{
	int i;

	buf_init(b);
	buf_printf(b, "%s (%s)", o->output, format_name(o->format));
	for (i = 0; i < o->nsyslog; i++)
		buf_printf(b, ", syslog %s (%s)", o->syslog[i], format_name(o->syslog_format));
	if (o->journald)
		buf_puts(b, ", journald");
}

/* audit, then the reader, then the worker: the privileged part first, the capabilities dropped
 * before any thread starts (capabilities belong to each thread, new ones inherit) */
static int start(struct daemon *d)
{
	const struct kmw_config *o = d->conf;
	struct kmw_buf outs;
	int level, rc;

	worker_open_store(&d->worker);
	if (o->plugin)
		control_open_plugin(&d->control);
	else if (control_open(&d->control) || intake_open_source(&d->intake))
		return -1;
	/* what audit leaves unaudited now is no act of anyone: said, and the baseline */
	guard_check_rules(&d->guard);
	level = intake_boost_begin(&d->intake);
	rc = control_drop_privileges(&d->control, intake_multicast(&d->intake));
	/* from now on the source is read into the queue while the rest starts */
	if (!rc)
		rc = intake_start(&d->intake);
	intake_boost_end(level);
	if (rc)
		return -1;
	/* the modules loaded now, once the rules are in: what comes later is audited. The time
	 * down is covered when auditd's logs were read whole and auditd runs (it logged then) */
	worker_catch_up(&d->worker, o->plugin || intake_multicast(&d->intake), d->control.ctl,
			!o->plugin && !o->no_rules);
	if (worker_start(&d->worker))
		return -1;
	outputs_text(o, &outs);
	if (o->plugin)
		log_msg(LOG_INFO, "ready: source plugin (stdin), output %.*s", (int)outs.len,
			outs.data ? outs.data : "");
	else
		log_msg(LOG_INFO, "ready: source %s, receive buffer %d bytes, output %.*s",
			source_mode_name(d->intake.src.mode), d->intake.src.rcvbuf, (int)outs.len,
			outs.data ? outs.data : "");
	buf_free(&outs);
	report_state(&d->report);
	return 0;
}

/* everything pushed is written before the rules go; a gap not backfilled waits in the store */
static void stop(struct daemon *d)
{
	struct persist_gap g;

	worker_stop(&d->worker);
	if (intake_open_gap(&d->intake, &g))
		worker_keep_gap(&d->worker, &g);
	report_stop(&d->report);
	report_fini(&d->report);
}

int main(int argc, char **argv)
{
	static struct daemon d = { .sigfd = -1, .timerfd = -1, .samplefd = -1 };
	int rc, status = KMW_EXIT_FAILURE;

	d.argc = argc;
	d.argv = argv;
	/* a collector that dies mid-write must cost a reconnection, not the daemon: writes into
	 * a closed TLS or RELP stream (OpenSSL writes with write(2)) get EPIPE */
	signal(SIGPIPE, SIG_IGN);
	d.conf = calloc(1, sizeof(*d.conf));
	if (!d.conf)
		return KMW_EXIT_FAILURE;
	/* first: what the exit path closes must hold nothing yet */
	control_init(&d.control, d.conf);
	rc = options_load(argc, argv, d.conf);
	if (!rc)
		log_open(d.conf->foreground);
	/* a plugin gets its records from auditd and touches no audit state */
	if (!rc && !d.conf->plugin)
		rc = control_check_privileges(d.conf);
	if (!rc)
		rc = report_one_consumer(d.conf);
	if (rc) {
		status = rc;
		goto out_conf;
	}
	d.reload = (struct options_reload){ .generation = 1, .loaded = time(NULL) };
	rc = prepare(&d);
	if (rc) {
		status = rc;
		goto out_modules;
	}
	/* auditd supervises the plugin: it stays auditd's child */
	if (!d.conf->foreground && !d.conf->plugin && daemon(0, 0) < 0) {
		log_msg(LOG_ERR, "cannot become a daemon: %s", strerror(errno));
		goto out_modules;
	}
	if (!d.conf->foreground)
		log_detach();
	d.sigfd = open_signals();
	d.timerfd = open_timer(TICK_S * 1000);
	d.samplefd = open_timer(TICK_SAMPLE_MS);
	if (d.sigfd < 0 || d.timerfd < 0 || d.samplefd < 0) {
		log_msg(LOG_ERR, "cannot set up signals: %s", strerror(errno));
		goto out_modules;
	}
	if (!start(&d)) {
		status = run(&d);
		stop(&d);
	}
out_modules:
	intake_close(&d.intake);
	control_close(&d.control);
	intake_fini(&d.intake);
	guard_fini(&d.guard);
	worker_fini(&d.worker);
	enrich_free(d.enricher);
	close(d.sigfd);
	close(d.timerfd);
	close(d.samplefd);
out_conf:
	config_free(d.conf);
	free(d.conf);
	return status;
}
