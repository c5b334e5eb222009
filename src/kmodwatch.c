// SPDX-License-Identifier: GPL-2.0-or-later
/* kmodwatch.c - the command line: status, rules, and queries of past events */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libaudit.h>
#include "kmw_buf.h"
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

#define EXIT_MATCH 0
#define EXIT_NOMATCH 1
#define EXIT_ERROR 2
#define EXIT_NOPRIV 4

#define EXIT_CONFIG 6

/* kmodwatchd's configuration: the defaults of the store, the key and the risk levels */
static struct kmw_config conf;

static const char *store_default(void)
{
	return conf.store ? conf.store : KMW_STORE_DEFAULT;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kmodwatch [--config=FILE] COMMAND [OPTION]...\n\n"
		"  status [--store=PATH]        audit state, module rules, the daemon, the store\n"
		"  rules list                   the kernel's rules for module syscalls\n"
		"  rules install [--key KEY]    add kmodwatch's rules where missing (they stay)\n"
		"  rules remove [--key KEY]     delete every rule with that key\n"
		"  query [FILTER]... [--store PATH | --audit-log FILE|-...]\n"
		"        [--format text|json|csv] [--count]\n"
		"                               past events, from the store (default\n"
		"                               " KMW_STORE_DEFAULT ") or audit logs\n"
		"     FILTER: --since T --until T --module NAME --path GLOB --sha256 HEX\n"
		"             --uid N --user NAME --auid N --exe PATH --result success|failure\n"
		"             --errno NAME --flag NAME --syscall NAME --key KEY --risk LEVEL\n"
		"             --kind syscall|summary|alert\n"
		"     T: ISO 8601, epoch seconds, now, today, yesterday, this-week, recent,\n"
		"        'N minutes|hours|days ago'\n\n"
		"  import [--store PATH] FILE|-...  store the module events of audit logs\n"
		"                               (each once, marked historical)\n"
		"  modules [--risk LEVEL] [--unsigned] [--since T] [--module NAME]\n"
		"          [--store PATH] [--format text|json|csv]\n"
		"                               the modules loaded now: state, taint, file,\n"
		"                               signer, package, and where each came from\n"
		"                               (its load event, or before monitoring)\n"
		"  ima status                   IMA: is it there, what policy, are loads attested\n"
		"  ima enable                   write \"" KMW_IMA_RULE "\" to the IMA policy,\n"
		"                               when that replaces no policy in force\n\n"
		"The store, the rule key and the risk levels are kmodwatchd's, from its\n"
		"configuration file (" KMW_CONFIG_FILE ", or --config=FILE).\n\n"
		"Exit status: 0 success or matches, 1 no match, 2 error, 4 no privilege,\n"
		"6 bad configuration file.\n");
}

static int open_audit(void)
{
	int fd = audit_open();

	if (fd < 0) {
		fprintf(stderr, "kmodwatch: cannot open the audit netlink socket: %s\n", strerror(errno));
		exit(errno == EPERM || errno == EACCES ? EXIT_NOPRIV : EXIT_ERROR);
	}
	return fd;
}

static void print_rule(const struct kmw_rule_info *r, void *arg)
{
	const char *arch = r->has_arch ? decode_arch_name(r->arch) : "native";
	unsigned int i, n = 0;

	printf("  %-7s %-6s ", r->never ? "never" : "always", arch ? arch : "?");
	for (i = 0; rules_syscall_name(i); i++)
		if (r->syscalls & (1u << i))
			printf("%s%s", n++ ? "," : "", rules_syscall_name(i));
	printf("  key=%s%s\n", r->key[0] ? r->key : "(none)",
	       r->unconditional ? "" : "  (with conditions: covers only some calls)");
	(*(int *)arg)++;
}

static int list_rules(int fd)
{
	int n = 0, rc = rules_list_module(fd, print_rule, &n);

	if (rc) {
		fprintf(stderr, "kmodwatch: cannot list rules: %s\n", strerror(-rc));
		return EXIT_ERROR;
	}
	if (!n)
		printf("  (no rule audits finit_module, init_module or delete_module)\n");
	return 0;
}

static int daemon_pid(void)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	char path[300], comm[64];
	int pid = 0;
	FILE *f;

	if (!dir)
		return 0;
	while (!pid && (de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "kmodwatchd\n"))
			pid = atoi(de->d_name);
		fclose(f);
	}
	closedir(dir);
	return pid;
}

static void store_status(const char *path)
{
	struct kmw_store_info info;
	struct kmw_store *st;
	char err[512], a[32], b[32];
	int64_t gaps, gap_ms;
	time_t t;

	st = store_open(path, false, err, sizeof(err));
	if (!st) {
		printf("store: %s\n", err);
		return;
	}
	store_info(st, path, &info);
	/* a capture loss not yet recovered from auditd's logs: the next start backfills it */
	if (!store_gaps_open(st, &gaps) && gaps > 0 && !store_gap_oldest(st, &gap_ms)) {
		t = (time_t)(gap_ms / 1000);
		strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", localtime(&t));
		printf("store: %lld capture gap(s) not yet backfilled, the oldest from %s\n",
		       (long long)gaps, a);
	}
	store_close(st);
	if (!info.events) {
		printf("store: %s, empty, %.1f MB, schema %d\n", path, info.bytes / 1e6, info.version);
		return;
	}
	t = (time_t)(info.first_ms / 1000);
	strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", localtime(&t));
	t = (time_t)(info.last_ms / 1000);
	strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", localtime(&t));
	printf("store: %s, %llu events from %s to %s, %.1f MB, schema %d\n", path,
	       (unsigned long long)info.events, a, b, info.bytes / 1e6, info.version);
}

/* securityfs and the kernel's command line; the tests point them at trees of their own */
static const char *secfs(void)
{
	return getenv("KMW_SECURITYFS") ?: KMW_SECURITYFS;
}

static const char *cmdline(void)
{
	return getenv("KMW_PROC_CMDLINE") ?: "/proc/cmdline";
}

/* Whether module loads come with the kernel's own word on their file, as far as can be told. */
static void ima_attested(const struct kmw_ima_state *st, const char *store)
{
	struct kmw_store *s = store ? store_open(store, false, NULL, 0) : NULL;
	int64_t n = 0, last = 0;
	char when[32];
	time_t t;

	if (s && !store_ima_seen(s, &n, &last) && n) {
		t = (time_t)(last / 1000);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
		printf("module loads kernel-attested (IMA): yes, %lld stored event(s) with an "
		       "INTEGRITY_RULE record, the last at %s\n", (long long)n, when);
	} else if (st->policy == KMW_IMA_READABLE && st->module_check) {
		printf("module loads kernel-attested (IMA): yes, the policy in force audits "
		       "MODULE_CHECK (no record stored yet)\n");
	} else if (st->policy == KMW_IMA_LOADED) {
		printf("module loads kernel-attested (IMA): unknown: a policy is loaded and cannot "
		       "be read; no INTEGRITY_RULE record stored yet\n");
	} else {
		printf("module loads kernel-attested (IMA): no (kmodwatch ima enable, or "
		       "doc/ima.md)\n");
	}
	store_close(s);
}

static int cmd_status(int argc, char **argv)
{
	const char *store = argc > 2 && !strncmp(argv[2], "--store=", 8) ? argv[2] + 8 : store_default();
	char store_buf[4096];

	struct audit_status st;
	int fd = open_audit(), rc, pid;
	struct kmw_state state;
	struct kmw_ima_state ima;

	rc = rules_status(fd, &st);
	if (rc) {
		fprintf(stderr, "kmodwatch: cannot read the audit status: %s\n", strerror(-rc));
		return rc == -EPERM ? EXIT_NOPRIV : EXIT_ERROR;
	}
	printf("audit: %s, audit daemon pid %u, lost %u, backlog %u of %u, backlog_wait_time %u ms\n",
	       st.enabled == 2 ? "enabled and immutable" : st.enabled ? "enabled" : "disabled",
	       st.pid, st.lost, st.backlog, st.backlog_limit, st.backlog_wait_time);
	if (rules_backlog_advice(&st))
		printf("  note: %s\n", rules_backlog_advice(&st));
	printf("rules for module syscalls:\n");
	list_rules(fd);
	audit_close(fd);
	pid = daemon_pid();
	ima_probe(secfs(), cmdline(), &ima);
	ima_attested(&ima, store);
	if (!pid) {
		printf("kmodwatchd: not running\n");
		store_status(store);
		return 0;
	}
	printf("kmodwatchd: running, pid %d\n", pid);
	if (!state_read(KMW_STATE_FILE, &state)) {
		state_print(stdout, &state, "  ", false);
		snprintf(store_buf, sizeof(store_buf), "%s", state.store);
		store = strcmp(store_buf, "none") ? store_buf : NULL;
	}
	if (store)
		store_status(store);
	return 0;
}

static int cmd_rules(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = conf.key, *what;
	struct kmw_rules r = { 0 };
	struct kmw_rules_report rep;
	int c, fd, rc;

	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	what = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "k:", lopts, NULL)) != -1) {
		if (c != 'k') {
			usage(stderr);
			return EXIT_ERROR;
		}
		key = optarg;
	}
	fd = open_audit();
	if (!strcmp(what, "list")) {
		rc = list_rules(fd);
	} else if (!strcmp(what, "install")) {
		rc = rules_install(&r, fd, key, &rep);
		if (rc)
			fprintf(stderr, "kmodwatch: cannot add a rule: %s\n", strerror(-rc));
		printf("%d rule(s) added with key %s; %d arch(es) already covered\n", rep.added, key,
		       rep.covered);
		/* installed for good: forget them so that nothing removes them */
		while (r.n)
			audit_rule_free_data(r.rule[--r.n]);
		rc = rc ? (rc == -EPERM ? EXIT_NOPRIV : EXIT_ERROR) : 0;
	} else if (!strcmp(what, "remove")) {
		rc = rules_delete_key(fd, key);
		if (rc < 0)
			fprintf(stderr, "kmodwatch: cannot remove rules: %s\n", strerror(-rc));
		else
			printf("%d rule(s) with key %s removed\n", rc, key);
		rc = rc < 0 ? EXIT_ERROR : 0;
	} else {
		fprintf(stderr, "kmodwatch: unknown rules command '%s': use list, install or remove\n",
			what);
		rc = EXIT_ERROR;
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
	uint64_t matches, loads, unloads, failed, summaries, summarised, alerts;
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
	} else {
		q->loads++;
	}
	if (!r->success && !(r->kind && strcmp(r->kind, "syscall")))
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
	localtime_r(&t, &tm);
	strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", &tm);
	t = (time_t)(q->last_ms / 1000);
	localtime_r(&t, &tm);
	strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%llu event(s): %llu load(s), %llu unload(s), %llu failed",
	       (unsigned long long)(q->matches - q->summaries - q->alerts), (unsigned long long)q->loads,
	       (unsigned long long)q->unloads, (unsigned long long)q->failed);
	if (q->summaries)
		printf("; %llu summary line(s) of %llu failed call(s)", (unsigned long long)q->summaries,
		       (unsigned long long)q->summarised);
	if (q->alerts)
		printf("; %llu alert(s)", (unsigned long long)q->alerts);
	printf("; %s to %s\n", a, b);
}

static int cmd_query(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "audit-log", no_argument, NULL, 'l' },
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
		{ "risk", required_argument, NULL, 1 },
		{ "kind", required_argument, NULL, 1 },
		{ NULL, 0, NULL, 0 },
	};
	static struct query q;
	const char *store_path = store_default(), *why;
	bool logs = false;
	int c, idx, rc = 0;
	time_t now = time(NULL);
	char err[512];

	memset(&q, 0, sizeof(q));
	filter_init(&q.filter);
	q.risk = conf.risk;
	optind = 1;
	while ((c = getopt_long(argc, argv, "F:c", lopts, &idx)) != -1) {
		switch (c) {
		case 'l': logs = true; break;
		case 'S': store_path = optarg; break;
		case 'c': q.count_only = true; break;
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
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (logs && optind >= argc) {
		fprintf(stderr, "kmodwatch: --audit-log needs one or more files (- for stdin)\n");
		return EXIT_ERROR;
	}
	if (!logs && optind < argc) {
		fprintf(stderr, "kmodwatch: unexpected argument '%s' (files go with --audit-log)\n",
			argv[optind]);
		return EXIT_ERROR;
	}
	if (isatty(STDOUT_FILENO)) {
		struct winsize ws;

		q.table.width = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 120;
		q.table.colour = !getenv("NO_COLOR");
	}
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
	} else {
		struct kmw_store *st = store_open(store_path, false, err, sizeof(err));
		uint64_t count = 0;

		if (!st) {
			fprintf(stderr, "kmodwatch: %s\n", err);
			buf_free(&q.out);
			return EXIT_ERROR;
		}
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
		{ NULL, 0, NULL, 0 },
	};
	const char *path = store_default();
	struct kmw_import_opts o = { .bad = on_bad_line, .file_error = on_file_error };
	struct kmw_import_result im;
	struct kmw_store *st;
	char err[512];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		if (c != 'S') {
			usage(stderr);
			return EXIT_ERROR;
		}
		path = optarg;
	}
	if (optind >= argc) {
		fprintf(stderr, "kmodwatch: import needs audit log files (- for stdin)\n");
		return EXIT_ERROR;
	}
	st = store_open(path, true, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "kmodwatch: %s\n", err);
		return EXIT_ERROR;
	}
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
	int rc;

	if (argc < 2 || (strcmp(argv[1], "status") && strcmp(argv[1], "enable"))) {
		fprintf(stderr, "kmodwatch: ima takes status or enable\n");
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "enable")) {
		rc = ima_enable(secfs(), cmdline(), why, sizeof(why));
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
	ima_probe(secfs(), cmdline(), &st);
	switch (st.policy) {
	case KMW_IMA_NO_SECURITYFS:
		printf("IMA: unknown: securityfs is not mounted at %s\n", secfs());
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
	ima_attested(&st, store_default());
	return 0;
}

/* What `kmodwatch modules` holds while it lists. */
struct modlist {
	struct kmw_inventory inv;
	struct kmw_ledger ledger;
	struct kmw_analyzer *an;
	struct kmw_kmod *kmod;
	struct kmw_dpkg *dpkg;
	int have_snapshot;		/* the store knows what was loaded when monitoring began */
};

/* The file of module @m, its facts now, its package, and the risk they add up to. */
static void modrow_fill(struct modlist *ml, struct kmw_modrow *r, const struct kmw_module_info *m,
			char *file, size_t cap, struct kmw_modfacts *facts, char *pkg, size_t pkgcap)
{
	const struct kmw_ledger_entry *e = ledger_find(&ml->ledger, m->name);
	int fd, lvl;

	memset(r, 0, sizeof(*r));
	r->m = m;
	r->file_matches_load = -1;
	if (e && e->loaded) {
		r->prov = KMW_PROV_LOAD_EVENT;
		r->load = e;
	} else if (e && e->at_start) {
		r->prov = KMW_PROV_BEFORE;
	} else {
		r->prov = ml->have_snapshot > 0 ? KMW_PROV_UNAUDITED : KMW_PROV_UNKNOWN;
	}
	file[0] = '\0';
	if (r->load && r->load->load_path[0]) {
		snprintf(file, cap, "%s", r->load->load_path);
		r->file_source = "load_event";
	} else if (ml->kmod && kmodlookup_path(ml->kmod, m->name, file, cap) == 0) {
		r->file_source = "kmod_lookup";
	}
	if (file[0]) {
		r->file = file;
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0) {
			r->file_error = strerror(errno);
		} else {
			modfile_analyse_fd(ml->an, fd, facts);
			close(fd);
			r->facts = facts;
			if (r->load && r->load->load_sha256[0] && facts->analysed)
				r->file_matches_load = !strcmp(r->load->load_sha256, facts->sha256);
		}
		if (ml->dpkg)
			r->pkg = dpkg_provenance(ml->dpkg, file, r->facts && facts->md5[0] ? facts->md5 :
						 NULL, pkg, pkgcap, NULL);
		r->pkg_name = pkg;
	}
	/* what the kernel says first: it knows what it loaded unsigned (taint E) */
	/* in sysfs alone, or in neither view when kmodwatchd found it hidden from both */
	if ((m->in_sysfs && !m->in_proc) ||
	    (!m->in_sysfs && !m->in_proc && e && (e->reported & (1u << KMW_R_HIDDEN_MODULE))))
		r->reasons |= 1u << KMW_R_HIDDEN_MODULE;
	if (r->prov == KMW_PROV_UNAUDITED)
		r->reasons |= 1u << KMW_R_UNAUDITED_LOAD;
	if (strchr(m->taint, 'E') || (r->facts && facts->analysed && facts->has_modinfo &&
				       !facts->sig_present))
		r->reasons |= 1u << (r->facts && !strcmp(facts->mi_intree, "Y") ?
				     KMW_R_SIGNATURE_STRIPPED : KMW_R_UNSIGNED);
	if (r->facts && facts->analysed && m->srcversion[0] && facts->mi_srcversion[0] &&
	    strcmp(m->srcversion, facts->mi_srcversion))
		r->reasons |= 1u << KMW_R_LOADED_DIFFERS;
	if (r->pkg == KMW_PKG_UNPACKAGED)
		r->reasons |= 1u << KMW_R_UNPACKAGED;
	if (r->pkg == KMW_PKG_MODIFIED)
		r->reasons |= 1u << KMW_R_PACKAGE_MODIFIED;
	r->level = risk_level_of(&conf.risk, r->reasons);
	/* and what the load event was rated */
	for (lvl = KMW_RISK_HIGH; r->load && lvl > r->level; lvl--)
		if (!strcmp(r->load->load_risk, risk_level_name((enum kmw_risk_level)lvl))) {
			r->level = lvl;
			break;
		}
}

static const char *env_or(const char *name, const char *dflt)
{
	return getenv(name) ?: dflt;
}

/* kmodwatch modules: the modules loaded now, and where each came from */
static int cmd_modules(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "store", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'F' },
		{ "risk", required_argument, NULL, 1 },
		{ "since", required_argument, NULL, 1 },
		{ "module", required_argument, NULL, 1 },
		{ "unsigned", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	static struct modlist ml;
	const char *store_path = store_default(), *fmt = "text", *why;
	struct kmw_filter f;
	struct kmw_table table = { 0 };
	struct kmw_store *st;
	struct kmw_modfacts facts;
	struct kmw_modrow r;
	struct kmw_buf out;
	char boot[64], err[512], file[PATH_MAX], pkg[128];
	bool unsigned_only = false;
	long long btime;
	unsigned int i, shown = 0;
	int c, idx, rc = 0;

	memset(&ml, 0, sizeof(ml));
	filter_init(&f);
	optind = 1;
	while ((c = getopt_long(argc, argv, "F:", lopts, &idx)) != -1) {
		switch (c) {
		case 'S': store_path = optarg; break;
		case 'u': unsigned_only = true; break;
		case 'F':
			if (strcmp(optarg, "text") && strcmp(optarg, "json") && strcmp(optarg, "csv")) {
				fprintf(stderr, "kmodwatch: bad --format '%s': use text, json or csv\n", optarg);
				return EXIT_ERROR;
			}
			fmt = optarg;
			break;
		case 1:
			if (filter_set(&f, lopts[idx].name, optarg, time(NULL), &why)) {
				fprintf(stderr, "kmodwatch: bad --%s '%s': %s\n", lopts[idx].name, optarg, why);
				return EXIT_ERROR;
			}
			break;
		default:
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kmodwatch: unexpected argument '%s'\n", argv[optind]);
		return EXIT_ERROR;
	}
	rc = inventory_read(env_or("KMW_PROC_ROOT", "/proc"), env_or("KMW_SYS_ROOT", "/sys"), &ml.inv,
			    false);
	if (rc) {
		fprintf(stderr, "kmodwatch: cannot read the modules loaded: %s\n", strerror(-rc));
		return rc == -EACCES || rc == -EPERM ? EXIT_NOPRIV : EXIT_ERROR;
	}
	if (ml.inv.no_modules) {
		fprintf(!strcmp(fmt, "text") ? stdout : stderr, "no modules: this kernel has no "
			"loadable-module support (no %s/modules), so none is loaded\n",
			env_or("KMW_PROC_ROOT", "/proc"));
		return EXIT_NOMATCH;
	}
	/* where each came from: the store's snapshot at start and the loads of this boot */
	ledger_init(&ml.ledger, 0);
	store_boot_id(boot, sizeof(boot));
	btime = sysfs_boot_time(env_or("KMW_PROC_ROOT", "/proc"));
	st = store_open(store_path, false, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "kmodwatch: %s: where each module came from is unknown\n", err);
	} else {
		ml.have_snapshot = ledger_restore(&ml.ledger, st, boot, btime * 1000);
		if (ml.have_snapshot < 0)
			fprintf(stderr, "kmodwatch: %s: %s\n", store_path, store_error(st));
		else if (!ml.have_snapshot)
			fprintf(stderr, "kmodwatch: kmodwatchd has not run this boot with the store %s: "
				"where each module came from is unknown\n", store_path);
		store_close(st);
	}
	ml.an = modfile_new(0, NULL);
	ml.kmod = kmodlookup_new(getenv("KMW_MODULE_DIR"));
	ml.dpkg = dpkg_new(getenv("KMW_DPKG_ADMIN"), getenv("KMW_DKMS_DIR"));
	if (!ml.an || !ml.dpkg) {
		fprintf(stderr, "kmodwatch: out of memory\n");
		rc = EXIT_ERROR;
		goto out;
	}
	if (isatty(STDOUT_FILENO) && !strcmp(fmt, "text")) {
		struct winsize ws;

		table.width = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 120;
		table.colour = !getenv("NO_COLOR");
	}
	buf_init(&out);
	format_modrow_header(&out, &table, fmt);
	/* and what audit saw loaded and never unloaded that neither view shows: it hides, or
	 * went unaudited */
	for (i = 0; i < ml.ledger.n; i++) {
		const struct kmw_ledger_entry *e = &ml.ledger.e[i];

		if (e->loaded && !inventory_find(&ml.inv, e->name) && inventory_add_gone(&ml.inv, e->name)) {
			rc = EXIT_ERROR;
			goto out;
		}
	}
	for (i = 0; i < ml.inv.n; i++) {
		const struct kmw_module_info *m = &ml.inv.m[i];

		if (f.module && strcmp(f.module, m->name))
			continue;
		modrow_fill(&ml, &r, m, file, sizeof(file), &facts, pkg, sizeof(pkg));
		if ((f.risk >= 0 && r.level < f.risk) ||
		    (unsigned_only && !(r.reasons & ((1u << KMW_R_UNSIGNED) |
						     (1u << KMW_R_SIGNATURE_STRIPPED)))) ||
		    (f.has_since && (!r.load || r.load->load_ms < f.since_ms)))
			continue;
		format_modrow(&out, &table, fmt, &r);
		shown++;
		if (out.len > 65536) {
			fwrite(out.data, 1, out.len, stdout);
			buf_reset(&out);
		}
	}
	if (!strcmp(fmt, "text"))
		buf_printf(&out, "%u of %u module(s)%s\n", shown, ml.inv.n,
			   ml.have_snapshot > 0 ? "" : " (provenance unknown: no snapshot of this boot)");
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	rc = shown ? EXIT_MATCH : EXIT_NOMATCH;
out:
	modfile_free(ml.an);
	kmodlookup_free(ml.kmod);
	dpkg_free(ml.dpkg);
	ledger_free(&ml.ledger);
	inventory_free(&ml.inv);
	return rc;
}

static int command(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("kmodwatch %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "status"))
		return cmd_status(argc, argv);
	if (!strcmp(argv[1], "rules"))
		return cmd_rules(argc - 1, argv + 1);
	if (!strcmp(argv[1], "query"))
		return cmd_query(argc - 1, argv + 1);
	if (!strcmp(argv[1], "import"))
		return cmd_import(argc - 1, argv + 1);
	if (!strcmp(argv[1], "ima"))
		return cmd_ima(argc - 1, argv + 1);
	if (!strcmp(argv[1], "modules"))
		return cmd_modules(argc - 1, argv + 1);
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
