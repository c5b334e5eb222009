// SPDX-License-Identifier: GPL-2.0-or-later
/* status.c - kmodwatch status: is capture healthy? Audit, the rules, the consumers (the
 * daemon, the auditd plugin) and what they counted, IMA, the store; in words or JSON, and an
 * exit status scripts can use: 0 healthy, 1 degraded, 3 not running */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libaudit.h>

#include "cli.h"
#include "kmw_buf.h"
#include "kmw_decode.h"
#include "kmw_json.h"
#include "kmw_posture.h"
#include "kmw_rules.h"
#include "kmw_state.h"
#include "kmw_store.h"

/* a state older than this: the daemon writes it every 2 s, and may be stuck */
#define STALE_S 10

struct consumer {
	const char *kind; /* "daemon", "plugin" */
	const char *file;
	bool found;   /* a state file */
	bool running; /* ... of a live kmodwatchd */
	struct kmw_state st;
};

struct status {
	struct audit_status audit;
	int arches, covered;
	int rules_error;
	struct kmw_rule_info rule[32];
	int nrules;
	struct kmw_rules_effect eff;
	bool blind, partly; /* a module syscall unaudited: with no condition, with some */
	char blind_why[400];
	struct consumer c[2];
	int plugin_active; /* the plugin configuration: 1 active, 0 not, <0 none */
	const char *plugin_conf;
	struct kmw_ima_state ima;
	const char *ima_word;
	char ima_why[512];
	const char *store;
	char store_buf[1024];
	int store_ok;
	char store_err[512];
	struct kmw_store_info info;
	int64_t gaps;
	const char *problem[16];
	char problem_buf[16][256];
	int nproblems;
	time_t now;
};

/* the plugin file's state: "active", "inactive", "not installed" */
static const char *plugin_file_word(int active)
{
	return active > 0 ? "active" : active == 0 ? "inactive" : "not installed";
}

static void problem(struct status *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct status *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nproblems == 16)
		return;
	va_start(ap, fmt);
	vsnprintf(s->problem_buf[s->nproblems], sizeof(s->problem_buf[0]), fmt, ap);
	va_end(ap);
	s->problem[s->nproblems] = s->problem_buf[s->nproblems];
	s->nproblems++;
}

static void on_rule(const struct kmw_rule_info *r, void *arg)
{
	struct status *s = arg;

	if (s->nrules < 32)
		s->rule[s->nrules++] = *r;
}

static void utc(char *out, size_t len, int64_t sec)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (!sec || !gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(out, len, "-");
}

static const char *tri(int64_t v)
{
	return v > 0 ? "yes" : v == 0 ? "no" : "unknown";
}

static uint64_t losses(const struct kmw_state *st)
{
	return st->kernel_lost + st->serial_gaps + st->socket_dropped_records +
	       st->queue_dropped_calls + st->enobufs;
}

/* What is known, and what is wrong with it. Returns the exit status. */
static int gather(const struct cli *cli, struct status *s, const char *store_opt)
{
	int fd = audit_open(), rc, i, live = 0;

	s->now = time(NULL);
	if (fd < 0)
		return cli_fail(errno, "cannot open the audit netlink socket: %s", strerror(errno));
	rc = rules_status(fd, &s->audit);
	if (rc) {
		audit_close(fd);
		return cli_fail(-rc, "cannot read the audit status: %s%s", strerror(-rc),
				rc == -EPERM ? " (it needs root: CAP_AUDIT_CONTROL)" : "");
	}
	s->rules_error = rules_list_module(fd, on_rule, s);
	rc = rules_covered(fd, &s->covered);
	s->arches = rc > 0 ? rc : 0;
	if (rc < 0 && !s->rules_error)
		s->rules_error = rc;
	rc = rules_effect(fd, NULL, &s->eff);
	if (rc && !s->rules_error)
		s->rules_error = rc;
	if (!rc)
		s->blind =
			rules_effect_blind(&s->eff, s->blind_why, sizeof(s->blind_why), &s->partly);
	audit_close(fd);

	s->c[0] = (struct consumer){ .kind = "daemon", .file = cli->state_file };
	s->c[1] = (struct consumer){ .kind = "plugin", .file = cli->plugin_state_file };
	for (i = 0; i < 2; i++) {
		s->c[i].found = state_read(s->c[i].file, &s->c[i].st) == 0;
		s->c[i].running = s->c[i].found && state_alive(&s->c[i].st);
		live += s->c[i].running;
	}
	s->plugin_conf = cli->plugin_conf;
	s->plugin_active = config_plugin_active(s->plugin_conf);
	ima_probe(cli->secfs, cli->cmdline, &s->ima);

	/* the store: the option's, else the running consumer's, else the configuration's */
	s->store = store_opt;
	for (i = 0; i < 2 && !s->store; i++)
		if (s->c[i].running && strcmp(s->c[i].st.store, "none")) {
			snprintf(s->store_buf, sizeof(s->store_buf), "%s", s->c[i].st.store);
			s->store = s->store_buf;
		}
	if (!s->store)
		s->store = cli->store;
	s->ima_word = cli_ima_attested(&s->ima, s->store, s->ima_why, sizeof(s->ima_why));
	{
		struct kmw_store *st =
			store_open(s->store, false, s->store_err, sizeof(s->store_err));

		s->store_ok = st != NULL;
		if (st) {
			store_info(st, s->store, &s->info);
			if (store_gaps_open(st, &s->gaps))
				s->gaps = 0;
			store_close(st);
		}
	}

	/* what is wrong */
	if (!live) {
		problem(s, "no kmodwatchd runs: module loads are not watched");
		return KMW_EXIT_NOT_RUNNING;
	}
	if (live > 1)
		problem(s,
			"both the daemon (pid %" PRId64 ") and the auditd plugin (pid %" PRId64
			") run: "
			"every event is reported twice (run one: kmodwatch plugin disable, or stop the "
			"daemon)",
			s->c[0].st.pid, s->c[1].st.pid);
	if (!s->audit.enabled)
		problem(s, "audit is disabled: nothing is audited (auditctl -e 1)");
	if (s->rules_error)
		problem(s, "the rules cannot be read: %s", strerror(-s->rules_error));
	else if (s->blind)
		problem(s, "module syscalls go unaudited: %s", s->blind_why);
	for (i = 0; i < 2; i++) {
		const struct kmw_state *st = &s->c[i].st;
		int j;

		if (!s->c[i].running)
			continue;
		if (s->now - st->updated > STALE_S)
			problem(s, "the %s's state is %lld s old: it may be stuck", s->c[i].kind,
				(long long)(s->now - st->updated));
		if (st->losses_last_minute)
			problem(s,
				"the %s lost %" PRIu64 " records or calls in the last minute (see "
				"losses)",
				s->c[i].kind, st->losses_last_minute);
		if (st->store_history_lost)
			problem(s,
				"the store had no record of this boot when the %s started, though "
				"kmodwatchd watched it before with this store: it was deleted or "
				"replaced; modules loaded meanwhile were checked by their sysfs time (%" PRIu64
				" could not be)",
				s->c[i].kind, st->modules_unchecked);
		for (j = 0; j < st->nsinks; j++)
			if (st->sink[j].waiting)
				problem(s, "output %s: %" PRIu64 " events wait to be delivered",
					st->sink[j].name, st->sink[j].waiting);
	}
	return s->nproblems ? KMW_EXIT_DEGRADED : 0;
}

static const char *health(int rc)
{
	return rc == 0 ? "healthy" : rc == KMW_EXIT_DEGRADED ? "degraded" : "not_running";
}

static void text(const struct status *s, int rc)
{
	struct kmw_buf b;
	char t1[40], t2[40];
	int i, j;

	buf_init(&b);
	buf_printf(&b, "kmodwatch: %s",
		   rc == 0		     ? "healthy"
		   : rc == KMW_EXIT_DEGRADED ? "DEGRADED"
					     : "NOT RUNNING");
	for (i = 0; i < s->nproblems; i++)
		buf_printf(&b, "\n  - %s", s->problem[i]);
	buf_printf(&b,
		   "\naudit:      %s; backlog %u of %u; lost %u; backlog_wait_time %u ms; "
		   "audit daemon pid %u\n",
		   s->audit.enabled == 2 ? "enabled, immutable"
		   : s->audit.enabled	 ? "enabled"
					 : "DISABLED",
		   s->audit.backlog, s->audit.backlog_limit, s->audit.lost,
		   s->audit.backlog_wait_time, s->audit.pid);
	if (rules_backlog_advice(&s->audit))
		buf_printf(&b, "            note: %s\n", rules_backlog_advice(&s->audit));
	if (s->rules_error)
		buf_printf(&b, "rules:      cannot be read: %s\n", strerror(-s->rules_error));
	else
		buf_printf(&b, "rules:      every module syscall audited on %d of %d arches\n",
			   s->covered, s->arches);
	if (s->partly)
		buf_printf(&b, "            note: %s\n", s->blind_why);
	for (i = 0; i < s->nrules; i++) {
		buf_puts(&b, "            ");
		rules_describe(&b, &s->rule[i]);
		buf_putc(&b, '\n');
	}
	if (!s->nrules && !s->rules_error)
		buf_puts(
			&b,
			"            (no rule audits finit_module, init_module or delete_module)\n");
	for (i = 0; i < 2; i++) {
		const struct kmw_state *st = &s->c[i].st;

		if (!s->c[i].running) {
			if (i == 0)
				buf_printf(&b, "kmodwatchd: not running\n");
			continue;
		}
		utc(t1, sizeof(t1), st->started);
		/* one line a consumer, labels as wide as "kmodwatchd:"; the plugin's says its file */
		buf_printf(&b, "%s running, pid %" PRId64 ", source %s, since %s (%lld min)\n",
			   i ? "plugin:    " : "kmodwatchd:", st->pid, st->source, t1,
			   (long long)((s->now - st->started) / 60));
		if (i)
			buf_printf(&b, "            plugin file %s (%s)\n",
				   plugin_file_word(s->plugin_active), s->plugin_conf);
		buf_printf(&b,
			   "            output %s (%s), store %s, rules key %s (%" PRId64
			   " added)\n",
			   st->output, st->format, st->store, st->rules_key, st->rules_added);
		buf_printf(&b,
			   "            %" PRIu64 " records; %" PRIu64 " events, %" PRIu64
			   " stored; %" PRIu64 " summaries of %" PRIu64 " calls; %" PRIu64
			   " alerts\n",
			   st->records, st->events, st->stored, st->summaries, st->calls_summarised,
			   st->alerts);
		buf_printf(&b,
			   "            module calls %" PRIu64 ": %" PRIu64 " one by one (%" PRIu64
			   " protected), %" PRIu64 " summarised, %" PRIu64
			   " dropped by the queue\n",
			   st->module_calls, st->calls_one_by_one, st->protected_calls,
			   st->calls_summarised, st->queue_dropped_calls);
		if (!losses(st))
			buf_puts(&b, "            losses: none\n");
		else
			buf_printf(&b,
				   "            losses: kernel %" PRIu64 " records, %" PRIu64
				   " events by "
				   "serial, %" PRIu64 " ENOBUFS (%" PRIu64
				   " records), queue %" PRIu64 " records (%" PRIu64
				   " module calls); %" PRIu64 " recovered from "
				   "auditd's log; %" PRIu64 " in the last minute\n",
				   st->kernel_lost, st->serial_gaps, st->enobufs,
				   st->socket_dropped_records, st->queue_dropped_records,
				   st->queue_dropped_calls, st->recovered, st->losses_last_minute);
		if (st->backlog_limit)
			buf_printf(&b, "            backlog at most %" PRIu64 " of %" PRIu64 "; ",
				   st->backlog_max, st->backlog_limit);
		else
			/* the plugin reads auditd's stream, not the kernel's queue */
			buf_puts(&b, "            backlog not read (auditd's); ");
		buf_printf(&b,
			   "module checks %" PRIu64 " (%" PRIu64
			   " modules, the longest %.1f ms); not stored %" PRIu64
			   "; enrichment cut short %" PRIu64 "\n",
			   st->module_checks, st->modules_loaded, st->module_check_max_us / 1000.0,
			   st->store_failures, st->enrichment_gave_up);
		for (j = 0; j < st->nsinks; j++)
			buf_printf(&b,
				   "            output %s: %" PRIu64 " delivered, %" PRIu64
				   " waiting, %" PRIu64 " dropped, %" PRIu64 " failures\n",
				   st->sink[j].name, st->sink[j].delivered, st->sink[j].waiting,
				   st->sink[j].dropped, st->sink[j].failures);
		buf_printf(&b, "            tampering with audit: %" PRIu64 " alert(s)\n",
			   st->tamper_alerts);
		if (st->capture_p99_us >= 0 && st->captures_early)
			buf_printf(&b,
				   "            loaders read as their records came: %" PRIu64
				   " (p50 %" PRId64 " us, p99 %" PRId64 " us); later: %" PRIu64
				   "\n",
				   st->captures_early, st->capture_p50_us, st->capture_p99_us,
				   st->captures_late);
		if (st->module_dir[0])
			buf_printf(&b, "            module files: %s (doc/sandbox.md)\n",
				   st->module_dir);
		buf_printf(
			&b,
			"            posture: lockdown %s, module.sig_enforce %s, "
			"kernel.modules_disabled %s, IMA audits module loads %s%s\n",
			posture_lockdown_name((int)st->lockdown), tri(st->sig_enforce),
			tri(st->modules_disabled), tri(st->ima_modules),
			st->ima_modules == 0
				? " (a load that suppresses its own records leaves only the taint)"
				: "");
		if (st->config_generation > 1 || st->config_pending[0]) {
			utc(t1, sizeof(t1), st->config_loaded);
			buf_printf(&b,
				   "            configuration: reloaded %" PRIu64
				   " time(s), the last "
				   "at %s%s%s\n",
				   st->config_generation - 1, t1,
				   st->config_pending[0] ? "; changed and waiting for a restart: "
							 : "",
				   st->config_pending);
		}
		if (st->nmessages)
			buf_puts(&b, "            last messages (notice and above):\n");
		for (j = 0; j < st->nmessages; j++)
			buf_printf(&b, "              %s\n", st->message[j]);
		utc(t1, sizeof(t1), st->updated);
		buf_printf(&b, "            state written %s\n", t1);
	}
	if (!s->c[1].running)
		buf_printf(&b, "plugin:     not running; plugin file %s (%s)\n",
			   plugin_file_word(s->plugin_active), s->plugin_conf);
	buf_printf(&b, "IMA:        module loads kernel-attested: %s, %s\n", s->ima_word,
		   s->ima_why);
	if (!s->store_ok) {
		buf_printf(&b, "store:      %s\n", s->store_err);
	} else {
		utc(t1, sizeof(t1), s->info.first_ms / 1000);
		utc(t2, sizeof(t2), s->info.last_ms / 1000);
		buf_printf(&b, "store:      %s, %" PRIu64 " events", s->store, s->info.events);
		if (s->info.events)
			buf_printf(&b, " from %s to %s", t1, t2);
		buf_printf(&b, ", %.1f MB, schema %d\n", s->info.bytes / 1e6, s->info.version);
		if (s->gaps > 0)
			buf_printf(
				&b,
				"            %lld capture gap(s) not yet backfilled (the next start "
				"backfills them)\n",
				(long long)s->gaps);
	}
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
}

static void json(const struct status *s, int rc)
{
	struct kmw_json w;
	struct kmw_buf b, line;
	char t[40];
	int i, j;

	buf_init(&b);
	buf_init(&line);
	json_start(&w, &b);
	json_cstr(&w, "health", health(rc));
	json_array(&w, "problems");
	for (i = 0; i < s->nproblems; i++)
		json_cstr(&w, NULL, s->problem[i]);
	json_close(&w);
	json_object(&w, "audit");
	json_uint(&w, "enabled", s->audit.enabled);
	json_bool(&w, "immutable", s->audit.enabled == 2);
	json_uint(&w, "pid", s->audit.pid);
	json_uint(&w, "lost", s->audit.lost);
	json_uint(&w, "backlog", s->audit.backlog);
	json_uint(&w, "backlog_limit", s->audit.backlog_limit);
	json_uint(&w, "backlog_wait_time_ms", s->audit.backlog_wait_time);
	json_cstr(&w, "advice", rules_backlog_advice(&s->audit));
	json_close(&w);
	json_object(&w, "rules");
	json_cstr(&w, "error", s->rules_error ? strerror(-s->rules_error) : NULL);
	json_int(&w, "arches", s->arches);
	json_int(&w, "arches_covered", s->covered);
	json_cstr(&w, "unaudited", s->blind || s->partly ? s->blind_why : NULL);
	json_bool(&w, "unaudited_with_conditions", s->partly);
	json_array(&w, "module_rules");
	for (i = 0; i < s->nrules; i++) {
		buf_reset(&line);
		rules_describe(&line, &s->rule[i]);
		json_str(&w, NULL, line.data ? line.data : "", line.len);
	}
	json_close(&w);
	json_close(&w);
	json_array(&w, "consumers");
	for (i = 0; i < 2; i++) {
		const struct kmw_state *st = &s->c[i].st;

		if (!s->c[i].found)
			continue;
		json_object(&w, NULL);
		json_cstr(&w, "kind", s->c[i].kind);
		json_bool(&w, "running", s->c[i].running);
		json_int(&w, "pid", st->pid);
		snprintf(t, sizeof(t), "%s", "");
		json_object(&w, "state");
		state_json(&w, st);
		json_close(&w);
		json_array(&w, "outputs");
		for (j = 0; j < st->nsinks; j++) {
			json_object(&w, NULL);
			json_cstr(&w, "name", st->sink[j].name);
			json_uint(&w, "delivered", st->sink[j].delivered);
			json_uint(&w, "waiting", st->sink[j].waiting);
			json_uint(&w, "dropped", st->sink[j].dropped);
			json_uint(&w, "failures", st->sink[j].failures);
			json_close(&w);
		}
		json_close(&w);
		json_array(&w, "messages");
		for (j = 0; j < st->nmessages; j++)
			json_cstr(&w, NULL, st->message[j]);
		json_close(&w);
		json_close(&w);
	}
	json_close(&w);
	json_object(&w, "plugin");
	json_cstr(&w, "config", s->plugin_conf);
	json_cstr(&w, "active",
		  s->plugin_active > 0	  ? "yes"
		  : s->plugin_active == 0 ? "no"
					  : "not_installed");
	json_close(&w);
	json_object(&w, "ima");
	json_cstr(&w, "attested", s->ima_word);
	json_cstr(&w, "why", s->ima_why);
	json_close(&w);
	json_object(&w, "store");
	json_cstr(&w, "path", s->store);
	json_cstr(&w, "error", s->store_ok ? NULL : s->store_err);
	if (s->store_ok) {
		json_uint(&w, "events", s->info.events);
		json_int(&w, "first_ms", s->info.first_ms);
		json_int(&w, "last_ms", s->info.last_ms);
		json_uint(&w, "bytes", s->info.bytes);
		json_int(&w, "schema", s->info.version);
		json_int(&w, "gaps_open", s->gaps);
	}
	json_close(&w);
	json_close(&w);
	buf_putc(&b, '\n');
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	buf_free(&line);
}

static void help(FILE *f)
{
	fputs("  status [--store PATH] [--format text|json]\n"
	      "                               is capture healthy: audit, the module rules, the\n"
	      "                               daemon or the auditd plugin and what it counted,\n"
	      "                               IMA, the store. Exit 0 healthy, 1 degraded (it\n"
	      "                               says why), 3 not running\n",
	      f);
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "store", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct status s;
	const char *store = NULL, *fmt = "text";
	int c, rc;

	memset(&s, 0, sizeof(s));
	optind = 1;
	while ((c = getopt_long(argc, argv, "F:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'h': return cli_help(stdout, &cli_status);
		case 'S': store = optarg; break;
		case 'F':
			if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
				fprintf(stderr, "kmodwatch: bad --format '%s': use text or json\n",
					optarg);
				return KMW_EXIT_ERROR;
			}
			fmt = optarg;
			break;
		default: return cli_help(stderr, &cli_status);
		}
	}
	if (cli_no_args(argc, argv))
		return KMW_EXIT_ERROR;
	rc = gather(cli, &s, store);
	if (rc == KMW_EXIT_ERROR || rc == KMW_EXIT_NOPRIV)
		return rc;
	if (!strcmp(fmt, "json"))
		json(&s, rc);
	else
		text(&s, rc);
	return rc;
}

const struct cli_command cli_status = { "status", run, help };
