// SPDX-License-Identifier: GPL-2.0-or-later
/* kmodwatch.c - the command line: status, rules, and queries of past events */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libaudit.h>

#include "cli.h"
#include "kmw_buf.h"
#include "kmw_collected.h"
#include "kmw_config.h"
#include "kmw_decode.h"
#include "kmw_filter.h"
#include "kmw_ima.h"
#include "kmw_format.h"
#include "kmw_import.h"
#include "kmw_inventory.h"
#include "kmw_kmodlookup.h"
#include "kmw_ledger.h"
#include "kmw_lines.h"
#include "kmw_logfile.h"
#include "kmw_modfile.h"
#include "kmw_modlist.h"
#include "kmw_parse.h"
#include "kmw_risk.h"
#include "kmw_rules.h"
#include "kmw_state.h"
#include "kmw_store.h"
#include "kmw_sysfs.h"

/* kmodwatchd's configuration: the defaults of the store, the key and the risk levels */
struct kmw_config conf;

const char *store_default(void)
{
	return conf.store ? conf.store : KMW_STORE_DEFAULT;
}

const char *env_or(const char *name, const char *dflt)
{
	return getenv(name) ?: dflt;
}

/* securityfs and the kernel's command line; the tests point them at trees of their own */
const char *cli_secfs(void)
{
	return env_or("KMW_SECURITYFS", KMW_SECURITYFS);
}

const char *cli_cmdline(void)
{
	return env_or("KMW_PROC_CMDLINE", "/proc/cmdline");
}

/* Each command: its synopsis and what it does, for `kmodwatch COMMAND --help` and the usage. */
static const struct {
	const char *name;
	const char *text;
} helps[] = {
	{ "status",
	  "  status [--store PATH] [--format text|json]\n"
	  "                               is capture healthy: audit, the module rules, the\n"
	  "                               daemon or the auditd plugin and what it counted,\n"
	  "                               IMA, the store. Exit 0 healthy, 1 degraded (it\n"
	  "                               says why), 3 not running\n" },
	{ "rules",
	  "  rules list                   the kernel's rules for module syscalls\n"
	  "  rules install [--key KEY]    add kmodwatch's rules where missing (they stay)\n"
	  "  rules remove [--key KEY]     delete every rule with that key\n" },
	{ "query",
	  "  query [FILTER]... [--store PATH | --audit-log FILE|-... | --events FILE|DIR...]\n"
	  "        [--format text|json|csv] [--count] [--wide]\n"
	  "                               past events, from the store (default\n"
	  "                               " KMW_STORE_DEFAULT "), audit logs, or\n"
	  "                               kmodwatch's JSON lines a collector stored\n"
	  "                               (many hosts, rotated, gzip)\n"
	  "     FILTER: --since T --until T --module NAME --path GLOB --sha256 HEX\n"
	  "             --uid N --user NAME --auid N --exe PATH --result success|failure\n"
	  "             --errno NAME --flag NAME --syscall NAME --key KEY --risk LEVEL\n"
	  "             --kind syscall|summary|alert --host NAME (audit.node)\n"
	  "     T: ISO 8601, epoch seconds, now, today, yesterday, this-week, recent,\n"
	  "        'N minutes|hours|days ago'\n"
	  "     The table shows UTC times; --wide keeps every column whole.\n" },
	{ "import",
	  "  import [--store PATH] FILE|-...  store the module events of audit logs\n"
	  "                               (each once, marked historical)\n" },
	{ "modules",
	  "  modules [--risk LEVEL] [--unsigned] [--since T] [--module NAME]\n"
	  "          [--store PATH] [--format text|json|csv]\n"
	  "                               the modules loaded now: state, taint, file,\n"
	  "                               signer, package, and where each came from\n"
	  "                               (its load event, or before monitoring)\n" },
	{ "plugin",
	  "  plugin status|enable|disable the auditd plugin (" KMW_PLUGIN_CONF "):\n"
	  "                               enable switches it on and tells auditd; one\n"
	  "                               consumer a host, the plugin or the daemon\n" },
	{ "ima",
	  "  ima status                   IMA: is it there, what policy, are loads attested\n"
	  "  ima enable                   write \"" KMW_IMA_RULE "\" to the IMA policy,\n"
	  "                               when that replaces no policy in force\n" },
};

static const char exit_text[] =
	"Exit status: 0 success or matches, 1 no match (status: degraded), 2 error,\n"
	"3 (status) not running, 4 no privilege, 6 bad configuration file.\n";

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: kmodwatch [--config=FILE] COMMAND [OPTION]...\n\n");
	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		fputs(helps[i].text, f);
	fprintf(f, "\nkmodwatch COMMAND --help: that command alone.\n"
		"The store, the rule key and the risk levels are kmodwatchd's, from its\n"
		"configuration file (" KMW_CONFIG_FILE ", or --config=FILE).\n\n%s", exit_text);
}

int cli_help(FILE *f, const char *command)
{
	size_t i;

	for (i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (!strcmp(helps[i].name, command)) {
			fprintf(f, "Usage: kmodwatch [--config=FILE]\n%s\n%s", helps[i].text, exit_text);
			break;
		}
	return f == stdout ? 0 : EXIT_ERROR;
}

int cli_fail(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("kmodwatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return err == EPERM || err == EACCES ? EXIT_NOPRIV : EXIT_ERROR;
}

int cli_no_args(int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "kmodwatch: unexpected argument '%s'\n", argv[optind]);
	return EXIT_ERROR;
}

int cli_table_width(bool *colour)
{
	struct winsize ws;

	*colour = false;
	if (!isatty(STDOUT_FILENO))
		return 0;
	*colour = !getenv("NO_COLOR");
	return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 120;
}

/* Whether module loads come with the kernel's own word on their file, as far as can be told. */
const char *cli_ima_attested(const struct kmw_ima_state *st, const char *store, char *why,
			     size_t len)
{
	struct kmw_store *s = store ? store_open(store, false, NULL, 0) : NULL;
	int64_t n = 0, last = 0;
	const char *word;
	char when[40];
	time_t t;
	struct tm tm;

	if (s && !store_ima_seen(s, &n, &last) && n) {
		t = (time_t)(last / 1000);
		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
			snprintf(when, sizeof(when), "?");
		snprintf(why, len, "%lld stored event(s) with an INTEGRITY_RULE record, the last at %s",
			 (long long)n, when);
		word = "yes";
	} else if (st->policy == KMW_IMA_READABLE && st->module_check) {
		snprintf(why, len, "the policy in force audits MODULE_CHECK (no record stored yet)");
		word = "yes";
	} else if (st->policy == KMW_IMA_LOADED) {
		snprintf(why, len, "a policy is loaded and cannot be read; no INTEGRITY_RULE record "
			 "stored yet");
		word = "unknown";
	} else {
		snprintf(why, len, "kmodwatch ima enable, or doc/ima.md");
		word = "no";
	}
	store_close(s);
	return word;
}

static int open_audit(void)
{
	int fd = audit_open();

	if (fd < 0)
		exit(cli_fail(errno, "cannot open the audit netlink socket: %s", strerror(errno)));
	return fd;
}

static void print_rule(const struct kmw_rule_info *r, void *arg)
{
	struct kmw_buf b;

	buf_init(&b);
	rules_describe(&b, r);
	printf("  %.*s\n", (int)b.len, b.data ? b.data : "");
	buf_free(&b);
	(*(int *)arg)++;
}

static int list_rules(int fd)
{
	int n = 0, rc = rules_list_module(fd, print_rule, &n);

	if (rc)
		return cli_fail(-rc, "cannot list rules: %s%s", strerror(-rc),
				rc == -EPERM ? " (it needs root: CAP_AUDIT_CONTROL)" : "");
	if (!n)
		printf("  (no rule audits finit_module, init_module or delete_module)\n");
	return 0;
}

static int cmd_rules(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = conf.key, *what;
	struct kmw_rules r = { 0 };
	struct kmw_rules_report rep;
	int c, fd, rc;

	if (argc < 2)
		return cli_help(stderr, "rules");
	what = argv[1];
	if (!strcmp(what, "--help") || !strcmp(what, "-h"))
		return cli_help(stdout, "rules");
	optind = 2;
	while ((c = getopt_long(argc, argv, "k:h", lopts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(stdout, "rules");
		if (c != 'k')
			return cli_help(stderr, "rules");
		key = optarg;
	}
	if (cli_no_args(argc, argv))
		return EXIT_ERROR;
	if (strcmp(what, "list") && strcmp(what, "install") && strcmp(what, "remove")) {
		fprintf(stderr, "kmodwatch: unknown rules command '%s': use list, install or remove\n",
			what);
		return EXIT_ERROR;
	}
	fd = open_audit();
	if (!strcmp(what, "list")) {
		rc = list_rules(fd);
	} else if (!strcmp(what, "install")) {
		rc = rules_install(&r, fd, key, &rep);
		if (rc)
			rc = cli_fail(-rc, "cannot add a rule: %s%s", strerror(-rc), rc == -EPERM ?
				      " (it needs root: CAP_AUDIT_CONTROL)" : "");
		else
			printf("%d rule(s) added with key %s; %d arch(es) already covered\n", rep.added,
			       key, rep.covered);
		/* installed for good: forget them so that nothing removes them */
		while (r.n)
			audit_rule_free_data(r.rule[--r.n]);
	} else {
		rc = rules_delete_key(fd, key);
		if (rc < 0) {
			rc = cli_fail(-rc, "cannot remove rules: %s%s", strerror(-rc), rc == -EPERM ?
				      " (it needs root: CAP_AUDIT_CONTROL)" : "");
		} else {
			printf("%d rule(s) with key %s removed\n", rc, key);
			rc = 0;
		}
	}
	audit_close(fd);
	return rc;
}

struct query {
	struct kmw_risk_config risk;
	struct kmw_filter filter;
	enum { OUT_TEXT, OUT_JSON, OUT_CSV } format;
	bool count_only;
	struct kmw_table table;
	struct kmw_buf out;
	uint64_t matches, loads, unloads, failed, summaries, summarised, alerts, unknown;
	int64_t first_ms, last_ms;
	/* progress over raw logs */
	bool progress;
	time_t started;
	uint64_t bytes_done, bytes_total;
	uint64_t *file_base;	/* bytes of the files before each */
	time_t last_progress;
};

static void emit_row(const struct kmw_row *r, void *arg)
{
	struct query *q = arg;

	q->matches++;
	if (!q->first_ms || r->time_ms < q->first_ms)
		q->first_ms = r->time_ms;
	if (r->time_ms > q->last_ms)
		q->last_ms = r->time_ms;
	if (r->kind && !strcmp(r->kind, "summary")) {
		q->summaries++;
		q->summarised += (uint64_t)r->count;
	} else if (r->kind && !strcmp(r->kind, "alert")) {
		q->alerts++;
	} else if (r->syscall && !strcmp(r->syscall, "delete_module")) {
		q->unloads++;
	} else if (r->syscall && !strcmp(r->syscall, "unknown")) {
		q->unknown++;
	} else {
		q->loads++;
	}
	if (!r->success && !(r->kind && strcmp(r->kind, "syscall")) &&
	    !(r->syscall && !strcmp(r->syscall, "unknown")))
		q->failed++;
	if (q->count_only)
		return;
	buf_reset(&q->out);
	if (q->format == OUT_JSON) {
		buf_append(&q->out, r->json, r->json_len);
		if (!r->json_len || r->json[r->json_len - 1] != '\n')
			buf_putc(&q->out, '\n');
	} else if (q->format == OUT_CSV) {
		format_csv_row(&q->out, r);
	} else {
		format_table_row(&q->out, &q->table, r);
	}
	fwrite(q->out.data, 1, q->out.len, stdout);
}

/* Events read from logs: the same filters as the store, then the same outputs. */
static void on_event(struct kmw_event *ev, void *arg)
{
	struct query *q = arg;
	struct kmw_buf json;
	struct kmw_row row;
	char scratch[8192];

	/* the past: risk from what the records say, nothing looked up */
	risk_assess(&q->risk, ev);
	if (!filter_match(&q->filter, ev))
		return;
	buf_init(&json);
	/* a count needs no JSON */
	if (!q->count_only)
		format_json(&json, ev);
	store_row_from_event(ev, json.data, json.len, &row, scratch, sizeof(scratch));
	emit_row(&row, q);
	buf_free(&json);
}

/* Events a collector stored: their risk as the host that saw them judged it. */
static void on_collected(struct kmw_event *ev, const char *line, size_t len, void *arg)
{
	struct query *q = arg;
	struct kmw_row row;
	char scratch[8192];

	if (!filter_match(&q->filter, ev))
		return;
	store_row_from_event(ev, line, len, &row, scratch, sizeof(scratch));
	emit_row(&row, q);
}

static void on_bad_line(void *arg, const char *input, uint64_t lineno, const char *why,
			const char *line, size_t len)
{
	fprintf(stderr, "kmodwatch: %s:%llu: %s%s\n", input, (unsigned long long)lineno, why,
		strcmp(why, KMW_BAD_MORE) ? ", skipped" : "");
}

static void on_file_error(void *arg, const char *msg)
{
	fprintf(stderr, "kmodwatch: %s\n", msg);
}

static void show_progress(struct query *q, bool last)
{
	time_t now = time(NULL);

	if (!q->progress || (!last && (now - q->started < 1 || now == q->last_progress)))
		return;
	q->last_progress = now;
	if (q->bytes_total)
		fprintf(stderr, "\r%3d%% of the logs, %llu matches%s",
			(int)(q->bytes_done * 100 / q->bytes_total), (unsigned long long)q->matches,
			last ? "\n" : "");
}

/* bytes of file @i read: the compressed bytes for gzip, which the sizes are made of */
static void on_progress(void *arg, int i, uint64_t bytes)
{
	struct query *q = arg;

	q->bytes_done = q->file_base[i] + bytes;
	show_progress(q, false);
}

static int query_logs(struct query *q, char **files, int nfiles)
{
	static struct kmw_lines lines;
	struct kmw_parser *p;
	struct stat st;
	int i, failed;

	q->file_base = calloc((size_t)nfiles, sizeof(*q->file_base));
	p = parse_new(on_event, q, NULL);
	if (!p || !q->file_base) {
		fprintf(stderr, "kmodwatch: out of memory\n");
		parse_free(p);
		return -1;
	}
	/* the past: names only from what the records say, never this host's users */
	parse_set_names(p, KMW_NAMES_RECORD);
	parse_set_historical(p, true);
	lines_init(&lines, &parse_lines_ops, p, true);
	lines_set_bad(&lines, on_bad_line, q);
	lines_sort_rotated(files, nfiles);
	for (i = 0; i < nfiles; i++) {
		q->file_base[i] = q->bytes_total;
		if (strcmp(files[i], "-") && stat(files[i], &st) == 0)
			q->bytes_total += (uint64_t)st.st_size;
	}
	failed = logfile_feed_set(&lines, files, nfiles, on_file_error, on_progress, q);
	show_progress(q, true);
	if (lines.stats.bad_lines)
		fprintf(stderr, "kmodwatch: %llu bad line(s) skipped\n",
			(unsigned long long)lines.stats.bad_lines);
	if (parse_left_out(p))
		fprintf(stderr, "kmodwatch: %llu event(s) left out: open where a file was cut\n",
			(unsigned long long)parse_left_out(p));
	parse_free(p);
	free(q->file_base);
	q->file_base = NULL;
	return failed ? -1 : 0;
}

static int query_collected(struct query *q, char **paths, int n)
{
	struct kmw_collected_opts o = {
		.event = on_collected, .bad = on_bad_line, .file_error = on_file_error, .arg = q,
	};
	struct kmw_collected_stats st;
	int rc;

	collected_prefilter(&o, &q->filter);
	rc = collected_read(paths, n, &o, &st);

	if (rc == -ENOMEM)
		fprintf(stderr, "kmodwatch: out of memory\n");
	if (st.bad_lines)
		fprintf(stderr, "kmodwatch: %llu line(s) that were no kmodwatch event skipped\n",
			(unsigned long long)st.bad_lines);
	return rc ? -1 : 0;
}

static void summary(const struct query *q)
{
	char a[32], b[32];
	time_t t;
	struct tm tm;

	if (!q->matches) {
		printf("no event matches\n");
		return;
	}
	t = (time_t)(q->first_ms / 1000);
	gmtime_r(&t, &tm);
	strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", &tm);
	t = (time_t)(q->last_ms / 1000);
	gmtime_r(&t, &tm);
	strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("%llu event(s): %llu load(s), %llu unload(s), %llu failed",
	       (unsigned long long)(q->matches - q->summaries - q->alerts), (unsigned long long)q->loads,
	       (unsigned long long)q->unloads, (unsigned long long)q->failed);
	if (q->unknown)
		printf(", %llu without their SYSCALL record", (unsigned long long)q->unknown);
	if (q->summaries)
		printf("; %llu summary line(s) of %llu failed call(s)", (unsigned long long)q->summaries,
		       (unsigned long long)q->summarised);
	if (q->alerts)
		printf("; %llu alert(s)", (unsigned long long)q->alerts);
	printf("; %s to %s\n", a, b);
}

/* Every input file can be opened ("-" is stdin): 0, or the exit code, having said why. */
static int check_readable(char **files, int n)
{
	int i, fd;

	for (i = 0; i < n; i++) {
		if (!strcmp(files[i], "-"))
			continue;
		fd = open(files[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			return cli_fail(errno, "cannot read %s: %s", files[i], strerror(errno));
		close(fd);
	}
	return 0;
}

static int cmd_query(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "audit-log", no_argument, NULL, 'l' },
		{ "events", no_argument, NULL, 'e' },
		{ "store", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'F' },
		{ "count", no_argument, NULL, 'c' },
		{ "since", required_argument, NULL, 1 },
		{ "until", required_argument, NULL, 1 },
		{ "module", required_argument, NULL, 1 },
		{ "path", required_argument, NULL, 1 },
		{ "sha256", required_argument, NULL, 1 },
		{ "uid", required_argument, NULL, 1 },
		{ "user", required_argument, NULL, 1 },
		{ "auid", required_argument, NULL, 1 },
		{ "exe", required_argument, NULL, 1 },
		{ "result", required_argument, NULL, 1 },
		{ "errno", required_argument, NULL, 1 },
		{ "flag", required_argument, NULL, 1 },
		{ "syscall", required_argument, NULL, 1 },
		{ "key", required_argument, NULL, 1 },
		{ "host", required_argument, NULL, 1 },
		{ "risk", required_argument, NULL, 1 },
		{ "kind", required_argument, NULL, 1 },
		{ "wide", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct query q;
	const char *store_path = store_default(), *why;
	struct kmw_store *st = NULL;
	bool logs = false, events = false, wide = false;
	int c, idx, rc = 0;
	time_t now = time(NULL);
	char err[512];

	memset(&q, 0, sizeof(q));
	filter_init(&q.filter);
	q.risk = conf.risk;
	optind = 1;
	while ((c = getopt_long(argc, argv, "F:ch", lopts, &idx)) != -1) {
		switch (c) {
		case 'h': return cli_help(stdout, "query");
		case 'l': logs = true; break;
		case 'e': events = true; break;
		case 'S': store_path = optarg; break;
		case 'c': q.count_only = true; break;
		case 'w': wide = true; break;
		case 'F':
			if (!strcmp(optarg, "text"))
				q.format = OUT_TEXT;
			else if (!strcmp(optarg, "json"))
				q.format = OUT_JSON;
			else if (!strcmp(optarg, "csv"))
				q.format = OUT_CSV;
			else {
				fprintf(stderr, "kmodwatch: bad --format '%s': use text, json or csv\n", optarg);
				return EXIT_ERROR;
			}
			break;
		case 1:
			if (filter_set(&q.filter, lopts[idx].name, optarg, now, &why)) {
				fprintf(stderr, "kmodwatch: bad --%s '%s': %s\n", lopts[idx].name, optarg, why);
				return EXIT_ERROR;
			}
			break;
		default:
			return cli_help(stderr, "query");
		}
	}
	if (logs && events) {
		fprintf(stderr, "kmodwatch: --audit-log or --events, not both\n");
		return EXIT_ERROR;
	}
	if ((logs || events) && optind >= argc) {
		fprintf(stderr, "kmodwatch: %s needs one or more files%s\n",
			logs ? "--audit-log" : "--events", logs ? " (- for stdin)" : " or directories");
		return EXIT_ERROR;
	}
	if (!logs && !events && optind < argc) {
		fprintf(stderr, "kmodwatch: unexpected argument '%s' (files go with --audit-log or "
			"--events)\n", argv[optind]);
		return EXIT_ERROR;
	}
	/* what cannot be read is said before anything is written */
	if ((logs || events) && (rc = check_readable(argv + optind, argc - optind)))
		return rc;
	if (!logs && !events) {
		st = store_open(store_path, false, err, sizeof(err));
		if (!st)
			return cli_fail(errno, "%s", err);
	}
	q.table.width = wide ? 0 : cli_table_width(&q.table.colour);
	q.table.host = events;
	q.progress = logs && isatty(STDERR_FILENO);
	q.started = now;
	buf_init(&q.out);
	if (!q.count_only) {
		if (q.format == OUT_TEXT)
			format_table_header(&q.out, &q.table);
		else if (q.format == OUT_CSV)
			format_csv_header(&q.out);
		if (q.out.len)
			fwrite(q.out.data, 1, q.out.len, stdout);
	}
	if (logs) {
		rc = query_logs(&q, argv + optind, argc - optind);
	} else if (events) {
		rc = query_collected(&q, argv + optind, argc - optind);
	} else {
		uint64_t count = 0;

		rc = store_query(st, &q.filter, q.count_only, emit_row, &q, &count);
		if (rc)
			fprintf(stderr, "kmodwatch: %s: %s\n", store_path, store_error(st));
		if (q.count_only)
			q.matches = count;
		store_close(st);
	}
	if (q.count_only)
		printf("%llu\n", (unsigned long long)q.matches);
	else if (q.format == OUT_TEXT)
		summary(&q);
	buf_free(&q.out);
	if (rc)
		return EXIT_ERROR;
	return q.matches ? EXIT_MATCH : EXIT_NOMATCH;
}

/* kmodwatch import [--store PATH] FILE...: what backfill does at start, by hand */
static int cmd_import(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "store", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = store_default();
	struct kmw_import_opts o = { .bad = on_bad_line, .file_error = on_file_error };
	struct kmw_import_result im;
	struct kmw_store *st;
	char err[512];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(stdout, "import");
		if (c != 'S')
			return cli_help(stderr, "import");
		path = optarg;
	}
	if (optind >= argc) {
		fprintf(stderr, "kmodwatch: import needs audit log files (- for stdin)\n");
		return EXIT_ERROR;
	}
	/* nothing is created for inputs that cannot be read */
	rc = check_readable(argv + optind, argc - optind);
	if (rc)
		return rc;
	st = store_open(path, true, err, sizeof(err));
	if (!st)
		return cli_fail(errno, "%s", err);
	rc = import_logs(st, argv + optind, argc - optind, &o, &im);
	printf("%llu module events read, %llu new to %s, %llu already there, %llu not stored, "
	       "%llu bad lines\n", (unsigned long long)im.seen, (unsigned long long)im.added, path,
	       (unsigned long long)(im.seen - im.added - im.failed), (unsigned long long)im.failed,
	       (unsigned long long)im.bad_lines);
	if (im.left_out)
		fprintf(stderr, "kmodwatch: %llu event(s) left out: open where a file was cut\n",
			(unsigned long long)im.left_out);
	if (im.failed)
		fprintf(stderr, "kmodwatch: %s\n", store_error(st));
	store_close(st);
	return rc ? EXIT_ERROR : 0;
}

static int cmd_ima(int argc, char **argv)
{
	struct kmw_ima_state st;
	char why[1024];
	const char *word;
	int rc;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return cli_help(stdout, "ima");
	if (argc != 2 || (strcmp(argv[1], "status") && strcmp(argv[1], "enable"))) {
		fprintf(stderr, "kmodwatch: ima takes status or enable\n");
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "enable")) {
		rc = ima_enable(cli_secfs(), cli_cmdline(), why, sizeof(why));
		if (rc == 1) {
			printf("the IMA policy in force audits MODULE_CHECK already\n");
			return 0;
		}
		if (rc) {
			fprintf(stderr, "kmodwatch: cannot write the IMA policy: %s\n", why);
			return rc == -EACCES || rc == -EPERM ? EXIT_NOPRIV : 1;
		}
		printf("IMA policy written: \"%s\"; from now on every finit_module carries an "
		       "INTEGRITY_RULE record with the file and the hash the kernel read (until "
		       "reboot: /etc/ima/ima-policy makes it stay)\n", KMW_IMA_RULE);
		return 0;
	}
	ima_probe(cli_secfs(), cli_cmdline(), &st);
	switch (st.policy) {
	case KMW_IMA_NO_SECURITYFS:
		printf("IMA: unknown: securityfs is not mounted at %s\n", cli_secfs());
		break;
	case KMW_IMA_ABSENT:
		printf("IMA: not in this kernel\n");
		break;
	case KMW_IMA_WRITABLE:
		printf("IMA: present; no policy loaded this boot: kmodwatch ima enable can write "
		       "\"%s\"\n", KMW_IMA_RULE);
		break;
	case KMW_IMA_LOADED:
		printf("IMA: present; a policy was loaded this boot, and this kernel neither shows "
		       "it nor takes another (no CONFIG_IMA_READ_POLICY, CONFIG_IMA_WRITE_POLICY)\n");
		break;
	case KMW_IMA_READABLE:
		printf("IMA: present; the policy in force has %u rule(s), %s; it %s be written "
		       "again\n", st.rules, st.module_check ? "MODULE_CHECK audited" :
		       "MODULE_CHECK not audited", st.write_again ? "can" : "cannot");
		break;
	}
	if (st.boot_policy[0])
		printf("boot policy: %s (the first policy written replaces it)\n", st.boot_policy);
	word = cli_ima_attested(&st, store_default(), why, sizeof(why));
	printf("module loads kernel-attested (IMA): %s, %s\n", word, why);
	return 0;
}

static int command(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} commands[] = {
		{ "status", cmd_status }, { "rules", cmd_rules }, { "query", cmd_query },
		{ "import", cmd_import }, { "modules", cmd_modules }, { "plugin", cmd_plugin },
		{ "ima", cmd_ima },
	};
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0)
			return cli_help(stdout, argv[2]);
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("kmodwatch %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "kmodwatch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_ERROR;
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	struct kmw_buf err;
	int rc;

	if (argc > 1 && !strncmp(argv[1], "--config=", 9)) {
		config = argv[1] + 9;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	/* help and version need no configuration, even a broken one */
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			 !strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")))
		return command(argc, argv);
	config_defaults(&conf);
	buf_init(&err);
	if (config_load(&conf, config ? config : KMW_CONFIG_FILE, config != NULL, &err)) {
		char *line, *save = NULL;

		buf_putc(&err, '\0');
		for (line = strtok_r(err.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			fprintf(stderr, "kmodwatch: %s\n", line);
		buf_free(&err);
		return EXIT_CONFIG;
	}
	buf_free(&err);
	rc = command(argc, argv);
	config_free(&conf);
	return rc;
}
