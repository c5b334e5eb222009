// SPDX-License-Identifier: GPL-2.0-or-later
/* query.c - kmodwatch query: past events, from the store, audit logs, or the JSON lines a
 * collector stored, through the filters of filter.c, as a table, JSON lines or CSV */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kmw_buf.h"
#include "kmw_collected.h"
#include "kmw_filter.h"
#include "kmw_format.h"
#include "kmw_lines.h"
#include "kmw_logfile.h"
#include "kmw_parse.h"
#include "kmw_risk.h"
#include "kmw_store.h"

static void help(FILE *f)
{
	fputs("  query [FILTER]... [--store PATH | --audit-log FILE|-... | --events FILE|DIR...]\n"
	      "        [--format text|json|csv|ecs|ocsf] [--count] [--wide]\n"
	      "                               past events, from the store (default\n"
	      "                               " KMW_STORE_DEFAULT "), audit logs, or\n"
	      "                               kmodwatch's JSON lines a collector stored\n"
	      "                               (many hosts, rotated, gzip)\n"
	      "     FILTER:\n",
	      f);
	filter_usage(f, 7);
	fputs("     T: ISO 8601, epoch seconds, now, today, yesterday, this-week, recent,\n"
	      "        'N minutes|hours|days ago'\n"
	      "     The table shows UTC times; --wide keeps every column whole. ecs and ocsf\n"
	      "        write each event as kmodwatchd would (doc/ecs.md, doc/ocsf.md): whole\n"
	      "        from audit logs; from the store or a collector's lines, of the facts\n"
	      "        the native JSON keeps that the query reads\n"
	      "     --values FILTER: the values FILTER takes, a line each (for completion;\n"
	      "        :file or :user when its value is a file or a user)\n",
	      f);
}

struct query {
	struct kmw_risk_config risk;
	struct kmw_filter filter;
	enum { OUT_TEXT, OUT_JSON, OUT_CSV, OUT_SCHEMA } format;
	enum kmw_format schema; /* OUT_SCHEMA: ecs or ocsf */
	struct kmw_event *scratch;
	bool count_only;
	struct kmw_table table;
	struct kmw_buf out;
	uint64_t matches, loads, unloads, failed, summaries, summarised, alerts, unknown;
	int64_t first_ms, last_ms;
	/* progress over raw logs */
	bool progress;
	time_t started;
	uint64_t bytes_done, bytes_total;
	uint64_t *file_base; /* bytes of the files before each */
	time_t last_progress;
};

/* a row in ECS or OCSF: of @ev when the query has the event, else of its stored JSON */
static void emit_schema(struct query *q, const struct kmw_row *r, const struct kmw_event *ev)
{
	char err[160];
	const char *why;

	if (!ev) {
		why = collected_parse(q->scratch, r->json, r->json_len, err, sizeof(err));
		if (why) {
			fprintf(stderr,
				"kmodwatch: an event of %lld ms left out of --format %s: %s\n",
				(long long)r->time_ms, format_name(q->schema), why);
			return;
		}
		ev = q->scratch;
	}
	if (format_event(&q->out, q->schema, ev))
		fprintf(stderr, "kmodwatch: out of memory\n");
}

static void emit(const struct kmw_row *r, const struct kmw_event *ev, struct query *q)
{
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
	if (q->format == OUT_SCHEMA) {
		emit_schema(q, r, ev);
	} else if (q->format == OUT_JSON) {
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

static void emit_row(const struct kmw_row *r, void *arg)
{
	emit(r, NULL, arg);
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
	emit(&row, ev, q);
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
	emit(&row, ev, q);
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
		free(q->file_base);
		q->file_base = NULL;
		return -1;
	}
	/* the past: names only from what the records say, never this host's users */
	parse_set_names(p, KMW_NAMES_RECORD);
	parse_set_historical(p, true);
	lines_init(&lines, &parse_lines_ops, p, true);
	lines_set_bad(&lines, cli_bad_line, q);
	lines_sort_rotated(files, nfiles);
	for (i = 0; i < nfiles; i++) {
		q->file_base[i] = q->bytes_total;
		if (strcmp(files[i], "-") && stat(files[i], &st) == 0)
			q->bytes_total += (uint64_t)st.st_size;
	}
	failed = logfile_feed_set(&lines, files, nfiles, cli_file_error, on_progress, q);
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
	return failed || cli_no_records(lines.stats.records, lines.stats.bad_lines) ? -1 : 0;
}

static int query_collected(struct query *q, char **paths, int n)
{
	struct kmw_collected_opts o = {
		.event = on_collected,
		.bad = cli_bad_line,
		.file_error = cli_file_error,
		.arg = q,
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

static int query_store(struct query *q, struct kmw_store *st, const char *path)
{
	uint64_t count = 0;
	int rc = store_query(st, &q->filter, q->count_only, emit_row, q, &count);

	if (rc)
		fprintf(stderr, "kmodwatch: %s: %s\n", path, store_error(st));
	if (q->count_only)
		q->matches = count;
	store_close(st);
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
	       (unsigned long long)(q->matches - q->summaries - q->alerts),
	       (unsigned long long)q->loads, (unsigned long long)q->unloads,
	       (unsigned long long)q->failed);
	if (q->unknown)
		printf(", %llu without their SYSCALL record", (unsigned long long)q->unknown);
	if (q->summaries)
		printf("; %llu summary line(s) of %llu failed call(s)",
		       (unsigned long long)q->summaries, (unsigned long long)q->summarised);
	if (q->alerts)
		printf("; %llu alert(s)", (unsigned long long)q->alerts);
	printf("; %s to %s\n", a, b);
}

static void print_word(const char *w, void *arg)
{
	(void)arg;
	printf("%s\n", w);
}

/* --values NAME: what a shell offers for the value of filter NAME */
static int values(const char *name)
{
	int id = filter_find(name);

	if (id < 0) {
		fprintf(stderr, "kmodwatch: no filter '%s'\n", name);
		return KMW_EXIT_ERROR;
	}
	switch (filter_complete((enum kmw_filter_id)id)) {
	case KMW_COMPLETE_WORDS: filter_words((enum kmw_filter_id)id, print_word, NULL); break;
	case KMW_COMPLETE_FILE: printf(":file\n"); break;
	case KMW_COMPLETE_USER: printf(":user\n"); break;
	case KMW_COMPLETE_NONE: break;
	}
	return KMW_EXIT_OK;
}

enum { OPT_LOGS = 1000, OPT_EVENTS, OPT_STORE, OPT_WIDE, OPT_VALUES, OPT_FILTER };

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option fixed[] = {
		{ "audit-log", no_argument, NULL, OPT_LOGS },
		{ "events", no_argument, NULL, OPT_EVENTS },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "format", required_argument, NULL, 'F' },
		{ "count", no_argument, NULL, 'c' },
		{ "wide", no_argument, NULL, OPT_WIDE },
		{ "values", required_argument, NULL, OPT_VALUES },
		{ "help", no_argument, NULL, 'h' },
	};
	struct option lopts[sizeof(fixed) / sizeof(fixed[0]) + KMW_F_COUNT + 1];
	static struct query q;
	const char *store_path = cli->store, *why;
	struct kmw_store *st = NULL;
	char err[512];
	bool logs = false, events = false, wide = false;
	size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	int c, idx, i, rc = 0;
	time_t now = time(NULL);

	/* the filters' options, from their table */
	memcpy(lopts, fixed, sizeof(fixed));
	for (i = 0; i < KMW_F_COUNT; i++)
		lopts[nfixed + (size_t)i] = (struct option){ filter_name((enum kmw_filter_id)i),
							     required_argument, NULL, OPT_FILTER };
	memset(&lopts[nfixed + KMW_F_COUNT], 0, sizeof(lopts[0]));
	memset(&q, 0, sizeof(q));
	filter_init(&q.filter);
	q.risk = cli->conf.risk;
	optind = 1;
	while ((c = getopt_long(argc, argv, "F:ch", lopts, &idx)) != -1) {
		switch (c) {
		case 'h': return cli_help(stdout, &cli_query);
		case OPT_LOGS: logs = true; break;
		case OPT_EVENTS: events = true; break;
		case OPT_STORE: store_path = optarg; break;
		case 'c': q.count_only = true; break;
		case OPT_WIDE: wide = true; break;
		case OPT_VALUES: return values(optarg);
		case 'F':
			if (!strcmp(optarg, "text"))
				q.format = OUT_TEXT;
			else if (!strcmp(optarg, "json"))
				q.format = OUT_JSON;
			else if (!strcmp(optarg, "csv"))
				q.format = OUT_CSV;
			else if (!strcmp(optarg, "ecs") || !strcmp(optarg, "ocsf")) {
				q.format = OUT_SCHEMA;
				format_parse_name(optarg, &q.schema);
			} else {
				fprintf(stderr,
					"kmodwatch: bad --format '%s': use text, json, csv, ecs or "
					"ocsf\n",
					optarg);
				return KMW_EXIT_ERROR;
			}
			break;
		case OPT_FILTER:
			if (filter_set(&q.filter, lopts[idx].name, optarg, now, &why)) {
				fprintf(stderr, "kmodwatch: bad --%s '%s': %s\n", lopts[idx].name,
					optarg, why);
				return KMW_EXIT_ERROR;
			}
			break;
		default: return cli_help(stderr, &cli_query);
		}
	}
	if (logs && events) {
		fprintf(stderr, "kmodwatch: --audit-log or --events, not both\n");
		return KMW_EXIT_ERROR;
	}
	if ((logs || events) && optind >= argc) {
		fprintf(stderr, "kmodwatch: %s needs one or more files%s\n",
			logs ? "--audit-log" : "--events",
			logs ? " (- for stdin)" : " or directories");
		return KMW_EXIT_ERROR;
	}
	if (!logs && !events && optind < argc) {
		fprintf(stderr,
			"kmodwatch: unexpected argument '%s' (files go with --audit-log or "
			"--events)\n",
			argv[optind]);
		return KMW_EXIT_ERROR;
	}
	/* what cannot be read is said before anything is written */
	if ((logs || events) && (rc = cli_check_readable(argv + optind, argc - optind)))
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
	if (q.format == OUT_SCHEMA && !(q.scratch = malloc(sizeof(*q.scratch)))) {
		fprintf(stderr, "kmodwatch: out of memory\n");
		return KMW_EXIT_ERROR;
	}
	if (!q.count_only) {
		if (q.format == OUT_TEXT)
			format_table_header(&q.out, &q.table);
		else if (q.format == OUT_CSV)
			format_csv_header(&q.out);
		if (q.out.len)
			fwrite(q.out.data, 1, q.out.len, stdout);
	}
	if (logs)
		rc = query_logs(&q, argv + optind, argc - optind);
	else if (events)
		rc = query_collected(&q, argv + optind, argc - optind);
	else
		rc = query_store(&q, st, store_path);
	if (q.count_only)
		printf("%llu\n", (unsigned long long)q.matches);
	else if (q.format == OUT_TEXT)
		summary(&q);
	buf_free(&q.out);
	free(q.scratch);
	if (rc)
		return KMW_EXIT_ERROR;
	return q.matches ? KMW_EXIT_OK : KMW_EXIT_NOMATCH;
}

const struct cli_command cli_query = { "query", run, help };
