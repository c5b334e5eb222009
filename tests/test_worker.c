// SPDX-License-Identifier: GPL-2.0-or-later
/* test_worker.c - the daemon's worker without root and without audit: events through the
 * enrichment, the store and the outputs in order (a file, and the memory sink); the backfill
 * at start; a gap of lost records backfilled from auditd's logs and closed in the store; a
 * reload taken between two events (a new output and format, the risk levels, retention); a
 * reload that keeps the outputs reopening them; the retention run by maintenance */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "kmw_config.h"
#include "kmw_enrich.h"
#include "kmw_filter.h"
#include "kmw_lines.h"
#include "kmw_parse.h"
#include "kmw_sink_memory.h"
#include "worker.h"

struct ctx {
	char dir[128], out1[256], out2[256], store[256], logs[256];
	struct kmw_config gen[3]; /* generations 1 to 3: they live until the worker stops */
	struct kmw_enricher *enricher;
	struct kmw_host facts;
	struct worker w;
	struct kmw_sink *mem;
};

/* a configuration of @c's files: the store, no backfill unless @logs, no module checks */
static void make_conf(struct ctx *c, struct kmw_config *o, const char *out, const char *format,
		      bool logs)
{
	const struct kmw_config_key *k;
	struct kmw_buf err;
	size_t n, i;
	const char *set[][2] = {
		{ "output", out },
		{ "format", format },
		{ "store", c->store },
		{ "backfill-dir", logs ? c->logs : "none" },
		{ "inventory-interval", "0" },
		{ "metrics-file", "none" },
	};

	buf_init(&err);
	config_defaults(o);
	k = config_keys(&n);
	for (size_t s = 0; s < sizeof(set) / sizeof(set[0]); s++) {
		for (i = 0; i < n && strcmp(k[i].name, set[s][0]); i++)
			;
		assert_int_equal(config_set(o, i, set[s][1], NULL, &err), 0);
	}
	buf_free(&err);
}

/* SYSCALL, PROCTITLE and EOE of one failed finit_module of modprobe, at @t */
static void append_call(const char *path, time_t t, unsigned int serial, unsigned int pid)
{
	char line[1024];
	FILE *f = fopen(path, "a");

	assert_non_null(f);
	snprintf(
		line, sizeof(line),
		"type=SYSCALL msg=audit(%lld.100:%u): arch=c000003e syscall=313 success=no exit=-38 "
		"a0=3 a1=55550000 a2=0 a3=0 items=0 ppid=1 pid=%u auid=4294967295 uid=0 gid=0 "
		"euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 "
		"comm=\"modprobe\" exe=\"/usr/bin/kmod\" subj=unconfined key=\"kmodwatch\"\n"
		"type=PROCTITLE msg=audit(%lld.100:%u): proctitle=6D6F6470726F62650064756D6D79\n"
		"type=EOE msg=audit(%lld.100:%u): \n",
		(long long)t, serial, pid, (long long)t, serial, (long long)t, serial);
	fputs(line, f);
	fclose(f);
}

/* an event parsed: to the worker */
static void on_event(struct kmw_event *ev, void *arg)
{
	worker_push_event(arg, ev);
}

/* the records of the file @path, parsed, their events pushed to the worker */
static void push_file(struct worker *w, const char *path)
{
	static struct kmw_lines lines;
	struct kmw_parser *p = parse_new(on_event, w, "testhost");
	char *text = test_slurp(path, NULL);

	assert_non_null(p);
	assert_non_null(text);
	parse_set_names(p, KMW_NAMES_RECORD);
	lines_init(&lines, &parse_lines_ops, p, true);
	lines_push(&lines, text, strlen(text));
	lines_finish(&lines);
	parse_flush(p);
	parse_free(p);
	free(text);
}

/* the worker has delivered @n events, or the test fails after 10 s */
static struct worker_view wait_delivered(struct worker *w, uint64_t n)
{
	struct worker_view v;
	int i;

	for (i = 0; i < 1000; i++) {
		v = worker_view(w);
		if (v.out.events >= n)
			return v;
		usleep(10000);
	}
	fail_msg("the worker delivered %llu events, not %llu", (unsigned long long)v.out.events,
		 (unsigned long long)n);
	return v;
}

static unsigned int count_lines(const char *path, const char *needle)
{
	char *data = test_slurp(path, NULL), *p;
	unsigned int n = 0;

	if (!data)
		return 0;
	for (p = data; (p = strstr(p, needle)); p++)
		n++;
	free(data);
	return n;
}

static uint64_t stored(struct worker *w)
{
	struct kmw_filter f;
	uint64_t n = 0;

	filter_init(&f);
	assert_int_equal(store_query(w->persist.store, &f, true, NULL, NULL, &n), 0);
	return n;
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct kmw_enrich_opts eo = { .cache_entries = 16 };
	time_t now = time(NULL);

	assert_non_null(c);
	test_tmpdir("worker", c->dir, sizeof(c->dir));
	snprintf(c->out1, sizeof(c->out1), "%s/one.json", c->dir);
	snprintf(c->out2, sizeof(c->out2), "%s/two.ecs", c->dir);
	snprintf(c->store, sizeof(c->store), "%s/events.db", c->dir);
	snprintf(c->logs, sizeof(c->logs), "%s/audit", c->dir);
	/* auditd's log: two loads while kmodwatchd was down, two days ago */
	test_put_str_under(c->logs, "audit.log", "");
	{
		char log[300];

		snprintf(log, sizeof(log), "%s/audit.log", c->logs);
		append_call(log, now - 2 * 86400, 11, 501);
		append_call(log, now - 2 * 86400 + 1, 12, 502);
	}
	make_conf(c, &c->gen[0], c->out1, "json", true);
	snprintf(c->facts.name, sizeof(c->facts.name), "testhost");
	eo.risk = &c->gen[0].risk;
	c->enricher = enrich_new(&eo);
	assert_non_null(c->enricher);
	worker_init(&c->w, &c->gen[0], c->enricher, &c->facts);
	assert_int_equal(worker_open_outputs(&c->w), 0);
	c->mem = sink_new(
		&(struct kmw_sink_conf){ .kind = KMW_SINK_MEMORY, .format = KMW_FMT_TEXT });
	assert_non_null(c->mem);
	assert_int_equal(worker_add_output(&c->w, c->mem, KMW_FMT_TEXT), 0);
	worker_open_store(&c->w);
	assert_non_null(c->w.persist.store);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	int i;

	worker_fini(&c->w);
	enrich_free(c->enricher);
	for (i = 0; i < 3; i++)
		config_free(&c->gen[i]);
	test_rm_tree(c->dir);
	free(c);
	return 0;
}

/*
 * The whole life of a worker: backfill at start, events in order to the store and every
 * output, a gap backfilled, a reload between two events, retention.
 */
static void worker_life(void **state)
{
	struct ctx *c = *state;
	struct worker_view v;
	struct persist_gap g;
	char log[300];
	time_t now = time(NULL);
	size_t len;
	const char *msg;
	int64_t open_gaps = -1;

	/* at start: the two loads of auditd's log, stored, marked historical, and delivered */
	worker_catch_up(&c->w, true, -1, true);
	assert_int_equal(c->w.persist.n.recovered, 2);
	assert_int_equal(sink_memory_count(c->mem), 2);
	assert_int_equal(worker_start(&c->w), 0);

	/* three events of now, through the parser, in order */
	snprintf(log, sizeof(log), "%s/now.log", c->dir);
	append_call(log, now, 21, 601);
	append_call(log, now, 22, 602);
	append_call(log, now, 23, 603);
	push_file(&c->w, log);
	v = wait_delivered(&c->w, 5);
	assert_int_equal(v.store.stored, 5);
	assert_int_equal(sink_memory_count(c->mem), 5);
	msg = sink_memory_message(c->mem, 4, &len);
	assert_non_null(strstr(msg, "serial=23"));
	assert_int_equal(count_lines(c->out1, "\"kind\":\"syscall\""), 5);

	/* records were lost: auditd logged two more meanwhile; the gap is backfilled */
	snprintf(log, sizeof(log), "%s/audit.log", c->logs);
	append_call(log, now - 5, 31, 701);
	append_call(log, now - 4, 32, 702);
	g = (struct persist_gap){ .from_ms = ((int64_t)now - 10) * 1000,
				  .to_ms = (int64_t)now * 1000,
				  .lost = 2 };
	worker_push_gap(&c->w, &g);
	v = wait_delivered(&c->w, 7);
	assert_int_equal(v.store.recovered, 4);
	assert_int_equal(v.store.gaps_backfilled, 1);

	/* a reload: another output and format, between two events; the risk levels too */
	make_conf(c, &c->gen[1], c->out2, "ecs", true);
	assert_int_equal(risk_config_set(&c->gen[1].risk, "unusual_loader=high"), 0);
	worker_push_config(&c->w, &c->gen[1], 2, true);
	snprintf(log, sizeof(log), "%s/later.log", c->dir);
	append_call(log, now, 41, 801);
	push_file(&c->w, log);
	v = wait_delivered(&c->w, 8);
	assert_int_equal(v.generation, 2);
	assert_string_equal(v.output, c->out2);
	assert_int_equal(v.format, KMW_FMT_ECS);
	/* the old output has what came before, the new one the rest, in its format */
	assert_int_equal(count_lines(c->out1, "\"kind\":\"syscall\""), 7);
	assert_int_equal(count_lines(c->out2, "\"ecs\":{\"version\""), 1);
	/* the memory sink was an output of the old set: it has nothing of the new */
	assert_int_equal(v.nsinks, 1);

	/* a reload that keeps the outputs reopens them (a rotation's SIGHUP); no retention keeps
	 * every event at the next maintenance */
	make_conf(c, &c->gen[2], c->out2, "ecs", true);
	c->gen[2].retention_days = 0;
	c->gen[2].retention_mb = 0;
	assert_int_equal(rename(c->out2, c->out1), 0);
	worker_push_config(&c->w, &c->gen[2], 3, false);
	worker_push_maintenance(&c->w);
	worker_stop(&c->w);
	v = worker_view(&c->w);
	assert_int_equal(v.generation, 3);
	/* stopped: the main thread owns the store again */
	assert_int_equal(stored(&c->w), 8);
	assert_int_equal(store_gaps_open(c->w.persist.store, &open_gaps), 0);
	assert_int_equal(open_gaps, 0);
	/* reopened: a new file where the old was renamed away */
	assert_true(access(c->out2, F_OK) == 0);
}

/* retention from a reload: the default (a year) keeps the two-day-old events, a day does not */
static void worker_retention(void **state)
{
	struct ctx *c = *state;

	worker_catch_up(&c->w, true, -1, true);
	assert_int_equal(stored(&c->w), 2);
	assert_int_equal(worker_start(&c->w), 0);
	worker_push_maintenance(&c->w);
	make_conf(c, &c->gen[1], c->out1, "json", true);
	c->gen[1].retention_days = 1;
	worker_push_config(&c->w, &c->gen[1], 2, false);
	worker_push_maintenance(&c->w);
	worker_stop(&c->w);
	assert_int_equal(stored(&c->w), 0);
}

/* a gap that cannot be backfilled (no log covers it): kept open in the store for a later start */
static void worker_gap_kept(void **state)
{
	struct ctx *c = *state;
	struct persist_gap g = { .from_ms = 1000, .to_ms = 2000, .lost = 3 };
	int64_t open_gaps = -1;

	make_conf(c, &c->gen[1], c->out1, "json", false);
	worker_catch_up(&c->w, false, -1, true);
	assert_int_equal(worker_start(&c->w), 0);
	/* a reload: no backfill directory any more */
	worker_push_config(&c->w, &c->gen[1], 2, false);
	worker_push_gap(&c->w, &g);
	worker_stop(&c->w);
	assert_int_equal(store_gaps_open(c->w.persist.store, &open_gaps), 0);
	assert_int_equal(open_gaps, 1);
	assert_int_equal(worker_view(&c->w).store.gaps_backfilled, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(worker_life, setup, teardown),
		cmocka_unit_test_setup_teardown(worker_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(worker_gap_kept, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
