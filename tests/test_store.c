// SPDX-License-Identifier: GPL-2.0-or-later
/* test_store.c - the store, the filters and the risk rules: SQL and memory give the same answer */
#include <errno.h>
#include <linux/audit.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kmw_buf.h"
#include "kmw_decode.h"
#include "kmw_event.h"
#include "kmw_filter.h"
#include "kmw_format.h"
#include "kmw_risk.h"
#include "kmw_store.h"

#define N_EVENTS 400
#define T0 1790000000LL /* seconds */

static struct kmw_event evs[N_EVENTS];

/* a varied, deterministic set: three syscalls, flags, failures, two users, four modules */
static void make_event(struct kmw_event *ev, int i)
{
	static const char *const mods[] = { "veth", "loop", "zfs", "dummy" };
	static const int errs[] = { 0, EPERM, EEXIST, ENOENT, EKEYREJECTED };
	const char *mod = mods[i % 4];

	event_reset(ev);
	ev->sc = i % 3 == 0   ? KMW_SC_DELETE_MODULE
		 : i % 3 == 1 ? KMW_SC_FINIT_MODULE
			      : KMW_SC_INIT_MODULE;
	ev->arch = AUDIT_ARCH_X86_64;
	ev->sc_nr = ev->sc == KMW_SC_FINIT_MODULE ? 313 : ev->sc == KMW_SC_INIT_MODULE ? 175 : 176;
	ev->serial = 1000 + (uint64_t)i;
	ev->sec = T0 + i;
	ev->msec = (unsigned int)(i * 7 % 1000);
	ev->has_exit = true;
	ev->exit = -errs[i % 5];
	ev->success = ev->exit == 0;
	if (ev->sc == KMW_SC_FINIT_MODULE)
		ev->a[2] = (uint64_t)(i % 8); /* every combination of the three flags */
	else if (ev->sc == KMW_SC_DELETE_MODULE)
		ev->a[1] = i % 2 ? 04000 : 01000; /* O_NONBLOCK or O_TRUNC */
	ev->pid = 100 + i;
	ev->uid = i % 2 ? 0 : 1000;
	ev->auid = i % 7 ? 4294967295LL : 1000;
	event_set_str(ev, &ev->mod_name, mod, strlen(mod));
	event_set_str(ev, &ev->exe, i % 5 ? "/usr/bin/kmod" : "/tmp/x", i % 5 ? 13 : 6);
	event_set_str(ev, &ev->comm, "modprobe", 8);
	event_set_str(ev, &ev->key, i % 2 ? "module-load" : "kmodwatch", i % 2 ? 11 : 9);
	ev->keys[0] = ev->key;
	ev->nkeys = 1;
}

struct ctx {
	char path[64];
	struct kmw_store *st;
};

static int setup(void **state)
{
	static struct ctx c;
	struct kmw_risk_config rc;
	struct kmw_buf json;
	char err[256];
	int i, fd;

	snprintf(c.path, sizeof(c.path), "/tmp/kmw-test-store-XXXXXX");
	fd = mkstemp(c.path);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(c.path);
	c.st = store_open(c.path, true, err, sizeof(err));
	if (!c.st) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	risk_config_default(&rc);
	buf_init(&json);
	for (i = 0; i < N_EVENTS; i++) {
		make_event(&evs[i], i);
		risk_assess(&rc, &evs[i]);
		buf_reset(&json);
		if (format_json(&json, &evs[i]) ||
		    store_insert(c.st, &evs[i], "boot-a", json.data, json.len) != 1)
			return -1;
	}
	buf_free(&json);
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char p[96];

	store_close(c->st);
	unlink(c->path);
	snprintf(p, sizeof(p), "%s-wal", c->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", c->path);
	unlink(p);
	return 0;
}

static void count_row(const struct kmw_row *row, void *arg)
{
	(void)row;
	(*(unsigned int *)arg)++;
}

/* the store's SQL and filter_match over the same events: the same count, both ways */
static unsigned int both_ways(struct ctx *c, const struct kmw_filter *f)
{
	unsigned int mem = 0, rows = 0, i;
	uint64_t n = 0, counted = 0;

	for (i = 0; i < N_EVENTS; i++)
		mem += filter_match(f, &evs[i]);
	assert_int_equal(store_query(c->st, f, false, count_row, &rows, &n), 0);
	assert_int_equal(store_query(c->st, f, true, NULL, NULL, &counted), 0);
	assert_int_equal(rows, mem);
	assert_int_equal(counted, mem);
	return mem;
}

static void set(struct kmw_filter *f, const char *name, const char *value)
{
	const char *why = NULL;

	assert_int_equal(filter_set(f, name, value, (time_t)T0, &why), 0);
}

static void test_filters_agree(void **state)
{
	struct ctx *c = *state;
	struct kmw_filter f;

	filter_init(&f);
	assert_int_equal(both_ways(c, &f), N_EVENTS);
	filter_init(&f);
	set(&f, "syscall", "delete_module");
	assert_int_equal(both_ways(c, &f), (N_EVENTS + 2) / 3);
	filter_init(&f);
	set(&f, "flag", "MODULE_INIT_COMPRESSED_FILE");
	assert_true(both_ways(c, &f) > 0);
	filter_init(&f);
	set(&f, "flag", "O_TRUNC");
	assert_true(both_ways(c, &f) > 0);
	/* a flag of one syscall never matches another's bit of the same value */
	filter_init(&f);
	set(&f, "flag", "MODULE_INIT_IGNORE_VERMAGIC");
	set(&f, "syscall", "delete_module");
	assert_int_equal(both_ways(c, &f), 0);
	filter_init(&f);
	set(&f, "errno", "EPERM");
	assert_int_equal(both_ways(c, &f), N_EVENTS / 5);
	filter_init(&f);
	set(&f, "result", "success");
	set(&f, "module", "zfs");
	assert_true(both_ways(c, &f) > 0);
	filter_init(&f);
	set(&f, "since", "1790000100");
	set(&f, "until", "1790000200");
	assert_int_equal(both_ways(c, &f), 100);
	filter_init(&f);
	set(&f, "key", "module-load");
	assert_int_equal(both_ways(c, &f), N_EVENTS / 2);
	filter_init(&f);
	set(&f, "risk", "medium");
	both_ways(c, &f);
}

static void test_filter_bad_values(void **state)
{
	static const char *const bad[][2] = {
		{ "flag", "O_TRACE" },	     { "syscall", "open" },	 { "result", "maybe" },
		{ "sha256", "xyz" },	     { "risk", "severe" },	 { "uid", "-5" },
		{ "since", "last tuesday" }, { "errno", "ENOTANERRNO" },
	};
	struct kmw_filter f;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		filter_init(&f);
		why = NULL;
		assert_int_equal(filter_set(&f, bad[i][0], bad[i][1], (time_t)T0, &why), -EINVAL);
		assert_non_null(why);
	}
}

struct words {
	const char *w[256];
	unsigned int n;
};

static void keep_word(const char *w, void *arg)
{
	struct words *ws = arg;

	if (ws->n < 256)
		ws->w[ws->n++] = w;
}

/*
 * The filter table is the one source: each word a filter offers (to completion and help) is a
 * value it takes, and only those; its condition in SQL has a value for each '?'; the
 * prefilter looks for what JSON writes as it is, in its case.
 */
static void test_filter_table(void **state)
{
	struct kmw_filter_bind b[KMW_FILTER_BINDS];
	struct kmw_filter f;
	struct kmw_buf sql;
	const char *why, *needles[16];
	struct words ws;
	unsigned int i, k, n;
	int id;

	(void)state;
	for (id = 0; id < KMW_F_COUNT; id++) {
		assert_int_equal(filter_find(filter_name((enum kmw_filter_id)id)), id);
		memset(&ws, 0, sizeof(ws));
		filter_words((enum kmw_filter_id)id, keep_word, &ws);
		assert_int_equal(ws.n > 0,
				 filter_complete((enum kmw_filter_id)id) == KMW_COMPLETE_WORDS);
		for (i = 0; i < ws.n; i++) {
			filter_init(&f);
			assert_int_equal(filter_set(&f, filter_name((enum kmw_filter_id)id),
						    ws.w[i], (time_t)T0, &why),
					 0);
			/* its condition: a value for each '?' */
			buf_init(&sql);
			n = filter_sql(&f, &sql, b);
			buf_putc(&sql, '\0');
			for (k = 0; sql.data[k]; k++)
				n -= sql.data[k] == '?';
			assert_int_equal(n, 0);
			buf_free(&sql);
		}
		if (ws.n) {
			filter_init(&f);
			assert_int_equal(filter_set(&f, filter_name((enum kmw_filter_id)id),
						    "NOT-ONE", (time_t)T0, &why),
					 -EINVAL);
		}
	}
	/* the flags are decode.c's, of every module syscall */
	memset(&ws, 0, sizeof(ws));
	filter_words(KMW_F_FLAG, keep_word, &ws);
	for (i = 0; decode_flag_name(i); i++)
		assert_string_equal(ws.w[i], decode_flag_name(i));
	assert_int_equal(ws.n, i);
	assert_int_equal(i, 5);
	/* the prefilter: the values as JSON writes them */
	filter_init(&f);
	assert_int_equal(filter_set(&f, "module", "e1000e", (time_t)T0, &why), 0);
	assert_int_equal(filter_set(&f, "sha256", "ABCDEF", (time_t)T0, &why), 0);
	assert_int_equal(filter_set(&f, "path", "/lib/*", (time_t)T0, &why), 0);
	assert_int_equal(filter_set(&f, "host", "we\"ird", (time_t)T0, &why), 0);
	n = filter_needles(&f, needles, 16);
	assert_int_equal(n, 2);
	assert_string_equal(needles[0], "e1000e");
	assert_string_equal(needles[1], "abcdef");
	/* six values for the prefix's three ranges */
	buf_init(&sql);
	filter_init(&f);
	assert_int_equal(filter_set(&f, "sha256", "ABCDEF", (time_t)T0, &why), 0);
	assert_int_equal(filter_sql(&f, &sql, b), 6);
	assert_string_equal(b[5].s, "abcdef");
	buf_free(&sql);
	assert_int_equal(filter_find("nosuch"), -1);
}

static void test_insert_once(void **state)
{
	struct ctx *c = *state;
	struct kmw_buf json;
	struct kmw_filter f;
	uint64_t n = 0;

	buf_init(&json);
	assert_int_equal(format_json(&json, &evs[5]), 0);
	/* the same event again: already there */
	assert_int_equal(store_insert(c->st, &evs[5], "boot-a", json.data, json.len), 0);
	buf_free(&json);
	filter_init(&f);
	assert_int_equal(store_query(c->st, &f, true, NULL, NULL, &n), 0);
	assert_int_equal(n, N_EVENTS);
}

static void test_gaps(void **state)
{
	struct ctx *c = *state;
	int64_t v = 0;

	assert_int_equal(store_gap_oldest(c->st, &v), -ENOENT);
	assert_int_equal(store_gap_note(c->st, 5000, 9000, 12), 0);
	assert_int_equal(store_gap_note(c->st, 3000, 4000, 1), 0);
	assert_int_equal(store_gap_oldest(c->st, &v), 0);
	assert_int_equal(v, 3000);
	assert_int_equal(store_gaps_open(c->st, &v), 0);
	assert_int_equal(v, 2);
	/* a backfill that reached 4000 closes the first gap only */
	assert_int_equal(store_gap_close(c->st, 4000), 0);
	assert_int_equal(store_gap_oldest(c->st, &v), 0);
	assert_int_equal(v, 5000);
	assert_int_equal(store_gap_close(c->st, 10000), 0);
	assert_int_equal(store_gap_oldest(c->st, &v), -ENOENT);
}

/* runs last: retention removes events, and their flags with them */
static void test_retention(void **state)
{
	struct ctx *c = *state;
	struct kmw_filter f;
	uint64_t n = 0;
	int deleted;

	deleted = store_retention(c->st, (T0 + 200) * 1000, 0, 1000);
	assert_int_equal(deleted, 200);
	filter_init(&f);
	assert_int_equal(store_query(c->st, &f, true, NULL, NULL, &n), 0);
	assert_int_equal(n, N_EVENTS - 200);
	/* what is left is found by flag as in memory: no flag row outlives its event */
	filter_init(&f);
	set(&f, "flag", "O_NONBLOCK");
	{
		unsigned int mem = 0, i;

		for (i = 200; i < N_EVENTS; i++)
			mem += filter_match(&f, &evs[i]);
		assert_int_equal(store_query(c->st, &f, true, NULL, NULL, &n), 0);
		assert_int_equal(n, mem);
	}
}

static void test_risk(void **state)
{
	struct kmw_risk_config rc;
	struct kmw_event ev;

	(void)state;
	risk_config_default(&rc);
	make_event(&ev, 1); /* finit_module from kmod, flag bit 1: forced */
	ev.a[2] = KMW_MODULE_INIT_IGNORE_VERMAGIC;
	risk_assess(&rc, &ev);
	assert_true(ev.risk_reasons & (1u << KMW_R_FORCED_LOAD));
	/* an unknown bit is its own reason, never dropped */
	ev.a[2] = 0x40;
	risk_assess(&rc, &ev);
	assert_true(ev.risk_reasons & (1u << KMW_R_UNKNOWN_FLAGS));
	assert_false(ev.risk_reasons & (1u << KMW_R_FORCED_LOAD));
	/* refused by the kernel: EPERM and EKEYREJECTED, not EEXIST */
	ev.a[2] = 0;
	ev.success = false;
	ev.exit = -EKEYREJECTED;
	risk_assess(&rc, &ev);
	assert_true(ev.risk_reasons & (1u << KMW_R_REFUSED));
	ev.exit = -EEXIST;
	risk_assess(&rc, &ev);
	assert_false(ev.risk_reasons & (1u << KMW_R_REFUSED));
	/* a reason switched off does not count */
	ev.a[2] = 0x40;
	assert_int_equal(risk_config_set(&rc, "unknown_flags=off"), 0);
	risk_assess(&rc, &ev);
	assert_int_not_equal(risk_level_of(&rc, 1u << KMW_R_UNKNOWN_FLAGS), KMW_RISK_HIGH);
	assert_int_equal(risk_config_set(&rc, "no_such_reason=high"), -EINVAL);
}

static void test_event_errno(void **state)
{
	struct kmw_event ev;

	(void)state;
	event_reset(&ev);
	ev.has_exit = true;
	ev.exit = -EPERM;
	assert_int_equal(event_errno(&ev), EPERM);
	ev.success = true;
	assert_int_equal(event_errno(&ev), 0);
	ev.success = false;
	ev.exit = -5000; /* no errno: a value */
	assert_int_equal(event_errno(&ev), 0);
	ev.exit = -EPERM;
	ev.has_exit = false;
	assert_int_equal(event_errno(&ev), 0);
}

struct kinds {
	unsigned int rows;
	int64_t calls;
	bool all_summaries;
};

static void kind_row(const struct kmw_row *row, void *arg)
{
	struct kinds *k = arg;

	k->rows++;
	k->calls += row->count;
	k->all_summaries &= row->kind && !strcmp(row->kind, "summary");
}

/* summaries in the store: their kind, the calls they stand for, and a full table's "several" */
static void test_summaries(void **state)
{
	static struct kmw_event ev;
	struct ctx *c = *state;
	struct kmw_risk_config rc;
	struct kmw_filter f;
	struct kmw_buf json;
	struct kinds k = { 0, 0, true };
	uint64_t n = 0, total = 0;
	int i;

	risk_config_default(&rc);
	buf_init(&json);
	for (i = 0; i < 3; i++) {
		event_reset(&ev);
		ev.kind = KMW_KIND_SUMMARY;
		/* the last one, of a full table, counted several syscalls */
		ev.sc = i < 2 ? KMW_SC_FINIT_MODULE : KMW_SC_NONE;
		ev.arch = AUDIT_ARCH_X86_64;
		ev.has_exit = true;
		ev.exit = -EPERM;
		ev.uid = 65534;
		ev.serial = 90000 + (uint64_t)i;
		ev.sec = T0 + 1000 + i;
		ev.summary.count = 1000 * (uint64_t)(i + 1);
		ev.summary.last_ms = (T0 + 1000 + i) * 1000 + 999;
		ev.summary.interval_s = 10;
		event_set_str(&ev, &ev.exe, "/tmp/flood", 10);
		risk_assess(&rc, &ev);
		assert_int_equal(ev.risk_reasons, 1u << KMW_R_FLOOD);
		buf_reset(&json);
		assert_int_equal(format_json(&json, &ev), 0);
		assert_int_equal(store_insert(c->st, &ev, "boot-a", json.data, json.len), 1);
		/* the same filter in memory */
		filter_init(&f);
		set(&f, "kind", "summary");
		assert_true(filter_match(&f, &ev));
		filter_init(&f);
		set(&f, "kind", "syscall");
		assert_false(filter_match(&f, &ev));
	}
	buf_free(&json);
	filter_init(&f);
	set(&f, "kind", "summary");
	assert_int_equal(store_query(c->st, &f, false, kind_row, &k, &n), 0);
	assert_int_equal(k.rows, 3);
	assert_int_equal(k.calls, 6000);
	assert_true(k.all_summaries);
	assert_int_equal(store_query(c->st, &f, true, NULL, NULL, &n), 0);
	assert_int_equal(n, 3);
	set(&f, "uid", "65534");
	set(&f, "errno", "EPERM");
	set(&f, "syscall", "finit_module");
	assert_int_equal(store_query(c->st, &f, true, NULL, NULL, &n), 0);
	assert_int_equal(n, 2);
	/* every other row is a syscall's (retention has taken some of them before) */
	filter_init(&f);
	assert_int_equal(store_query(c->st, &f, true, NULL, NULL, &total), 0);
	set(&f, "kind", "syscall");
	assert_int_equal(store_query(c->st, &f, true, NULL, NULL, &n), 0);
	assert_true(n > 0);
	assert_int_equal(n + 3, total);
}

int main(void)
{
	const struct CMUnitTest store_tests[] = {
		cmocka_unit_test(test_filters_agree), cmocka_unit_test(test_insert_once),
		cmocka_unit_test(test_gaps),	      cmocka_unit_test(test_retention),
		cmocka_unit_test(test_summaries),
	};
	const struct CMUnitTest other[] = {
		cmocka_unit_test(test_filter_bad_values),
		cmocka_unit_test(test_filter_table),
		cmocka_unit_test(test_risk),
		cmocka_unit_test(test_event_errno),
	};
	int rc = cmocka_run_group_tests(store_tests, setup, teardown);

	return rc | cmocka_run_group_tests(other, NULL, NULL);
}
