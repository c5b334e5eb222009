// SPDX-License-Identifier: GPL-2.0-or-later
/* test_triage.c - the reader's sorting under pressure: classes of module calls from their
 * SYSCALL records, what a pass keeps, and the summaries across intervals */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kmw_summary.h"
#include "kmw_triage.h"

/* A SYSCALL record body of finit_module on x86_64 with these fields. */
static const char *body(const char *success, const char *exit, const char *uid, const char *euid)
{
	static char b[1024];

	snprintf(b, sizeof(b),
		 "arch=c000003e syscall=313 success=%s exit=%s a0=3 a1=0 a2=0 a3=0 "
		 "items=0 ppid=1 pid=77 auid=4294967295 uid=%s gid=0 euid=%s suid=0 fsuid=0 "
		 "egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"x\" exe=\"/tmp/x\" "
		 "key=\"kmodwatch\"",
		 success, exit, uid, euid);
	return b;
}

static enum kmw_class classify(const char *b)
{
	struct kmw_call c;

	return triage_classify(b, b + strlen(b), &c);
}

static void classes(void **state)
{
	struct kmw_call c;
	const char *b;

	(void)state;
	/* the flood: an unprivileged EPERM, and ENOSYS on a kernel without modules */
	assert_int_equal(classify(body("no", "-1", "65534", "65534")), KMW_CLASS_SHEDDABLE);
	assert_int_equal(classify(body("no", "-38", "1000", "1000")), KMW_CLASS_SHEDDABLE);
	/* never shed: a success, root by uid or by euid */
	assert_int_equal(classify(body("yes", "0", "65534", "65534")), KMW_CLASS_PROTECTED);
	assert_int_equal(classify(body("no", "-1", "0", "65534")), KMW_CLASS_PROTECTED);
	assert_int_equal(classify(body("no", "-1", "65534", "0")), KMW_CLASS_PROTECTED);
	/* an errno that only comes after the CAP_SYS_MODULE check: a privileged caller */
	assert_int_equal(classify(body("no", "-129", "1000", "1000")), KMW_CLASS_PROTECTED);
	assert_int_equal(classify(body("no", "-17", "1000", "1000")), KMW_CLASS_PROTECTED);
	assert_int_equal(classify(body("no", "-8", "1000", "1000")), KMW_CLASS_PROTECTED);
	/* inconsistent: a failure that returned 0 */
	assert_int_equal(classify(body("no", "0", "1000", "1000")), KMW_CLASS_PROTECTED);
	/* fields that cannot be read are protected, not shed */
	assert_int_equal(classify(body("maybe", "-1", "1000", "1000")), KMW_CLASS_PROTECTED);
	assert_int_equal(classify(body("no", "-1x", "1000", "1000")), KMW_CLASS_PROTECTED);
	assert_int_equal(classify(body("no", "-1", "abc", "1000")), KMW_CLASS_PROTECTED);
	assert_int_equal(classify(body("no", "-1", "1000", "")), KMW_CLASS_PROTECTED);
	assert_int_equal(classify(body("no", "-1", "-5", "1000")), KMW_CLASS_PROTECTED);
	assert_int_equal(classify(body("no", "-1", "99999999999999999999999", "1000")),
			 KMW_CLASS_PROTECTED);
	b = "arch=c000003e syscall=313 success=no exit=-1 uid=1000"; /* no euid */
	assert_int_equal(classify(b), KMW_CLASS_PROTECTED);
	b = "arch=c000003e syscall=313 exit=-1 uid=1000 euid=1000"; /* no success */
	assert_int_equal(classify(b), KMW_CLASS_PROTECTED);
	b = "arch=c000003e syscall=313 success=no uid=1000 euid=1000"; /* no exit */
	assert_int_equal(classify(b), KMW_CLASS_PROTECTED);
	/* garbage, and syscalls that are no module call */
	assert_int_equal(classify("\x01\xff garbage=== ="), KMW_CLASS_NONE);
	assert_int_equal(classify("arch=c000003e syscall=59 success=no exit=-1 uid=1 euid=1"),
			 KMW_CLASS_NONE);
	assert_int_equal(classify("arch=zz syscall=313 success=no exit=-1 uid=1 euid=1"),
			 KMW_CLASS_NONE);
	/* the first value of a field counts, as in the parser: a second uid=0 changes nothing */
	b = "arch=c000003e syscall=313 success=no exit=-1 uid=1000 euid=1000 uid=0 euid=0";
	assert_int_equal(classify(b), KMW_CLASS_SHEDDABLE);
	b = "arch=c000003e syscall=313 success=yes exit=0 uid=1000 euid=1000 success=no";
	assert_int_equal(classify(b), KMW_CLASS_PROTECTED);
	/* only the raw part of an ENRICHED record: names after 0x1d are not fields */
	b = "arch=c000003e syscall=313 success=no exit=-1 uid=1000 \x1d"
	    "euid=1000";
	assert_int_equal(classify(b), KMW_CLASS_PROTECTED);
	b = "arch=c000003e syscall=313 success=no exit=-1 uid=1000 euid=1000 exe=\"/a\""
	    "\x1dUID=\"bob\" EUID=\"bob\"";
	assert_int_equal(triage_classify(b, b + strlen(b), &c), KMW_CLASS_SHEDDABLE);
	assert_int_equal(c.uid, 1000);
	assert_int_equal(c.exelen, 4);
	assert_memory_equal(c.exe, "\"/a\"", 4);
	/* i386 delete_module, by its own number */
	b = "arch=40000003 syscall=129 success=no exit=-1 uid=1000 euid=1000";
	assert_int_equal(triage_classify(b, b + strlen(b), &c), KMW_CLASS_SHEDDABLE);
	assert_int_equal(c.sc, KMW_SC_DELETE_MODULE);
	assert_int_equal(c.nr, 129);
}

/* A log line: "type=SYSCALL msg=audit(SEC.MS:SERIAL): BODY" and the records that follow it. */
static size_t event_lines(char *out, size_t cap, int64_t ms, unsigned int serial, const char *b)
{
	return (size_t)snprintf(out, cap,
				"type=SYSCALL msg=audit(%lld.%03lld:%u): %s\n"
				"type=PROCTITLE msg=audit(%lld.%03lld:%u): proctitle=78\n"
				"type=EOE msg=audit(%lld.%03lld:%u): \n",
				(long long)(ms / 1000), (long long)(ms % 1000), serial, b,
				(long long)(ms / 1000), (long long)(ms % 1000), serial,
				(long long)(ms / 1000), (long long)(ms % 1000), serial);
}

static unsigned int count_lines(const char *p, size_t n, unsigned int *empty)
{
	unsigned int lines = 0;
	size_t i, start = 0;

	*empty = 0;
	for (i = 0; i < n; i++)
		if (p[i] == '\n') {
			lines++;
			*empty += i == start;
			start = i + 1;
		}
	return lines;
}

struct got {
	uint64_t calls;
	unsigned int n;
	struct kmw_summary_entry e[16];
};

static void took(const struct kmw_summary_entry *e, void *arg)
{
	struct got *g = arg;

	g->calls += e->count;
	if (g->n < 16) {
		g->e[g->n] = *e;
		g->e[g->n].exe = g->e[g->n].node = NULL;
		g->n++;
	}
}

/* A pass keeps the protected and the budget, summarises the rest with its records. */
static void filter_pass(void **state)
{
	struct kmw_triage_opts o = { .budget = 3, .interval_s = 10, .max_inflight = 1000 };
	struct kmw_triage *t = triage_new(&o);
	struct kmw_triage_pass p = { .room = true };
	struct kmw_triage_stats st;
	static char buf[1 << 16];
	size_t n = 0, out;
	unsigned int lines, empty, i;
	struct got g = { 0 };
	int64_t t0 = 1795800000000LL;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < 10; i++)
		n += event_lines(buf + n, sizeof(buf) - n, t0 + i, 100 + i,
				 body("no", "-1", "65534", "65534"));
	n += event_lines(buf + n, sizeof(buf) - n, t0 + 20, 200, body("yes", "0", "0", "0"));
	/* noise: a record of no module event, and one that is no record */
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      "type=CWD msg=audit(1795800000.030:300): cwd=\"/\"\nnot a record\n");
	assert_int_equal(count_lines(buf, n, &empty), 35);
	out = triage_filter(t, buf, n, &p);
	lines = count_lines(buf, out, &empty);
	/* every line keeps its place: what goes leaves its newline */
	assert_int_equal(lines, 35);
	/* 7 summarised events of 3 records each */
	assert_int_equal(empty, 21);
	assert_int_equal(p.kept, 3);
	assert_non_null(strstr(buf, "audit(1795800000.020:200): arch"));
	assert_non_null(strstr(buf, "type=PROCTITLE msg=audit(1795800000.002:102)"));
	assert_null(strstr(buf, "audit(1795800000.003:103)"));
	assert_non_null(strstr(buf, "not a record"));
	st = triage_stats(t);
	assert_int_equal(st.calls, 11);
	assert_int_equal(st.protected_calls, 1);
	assert_int_equal(st.shed_kept, 3);
	assert_int_equal(st.summarised, 7);
	assert_int_equal(st.budget_spent, 7);
	/* the interval is not over yet; then it is */
	assert_int_equal(triage_take(t, t0 + 5000, false, took, &g), 0);
	assert_int_equal(triage_take(t, t0 + 11000, false, took, &g), 1);
	assert_int_equal(g.calls, 7);
	assert_int_equal(g.e[0].uid, 65534);
	assert_int_equal(g.e[0].err, EPERM);
	assert_int_equal(g.e[0].first_serial, 103);
	assert_int_equal(g.e[0].last_serial, 109);
	assert_int_equal(triage_stats(t).summaries, 1);
	triage_free(t);
}

/* CPUs interleave records at an interval's end: a late one of the old interval gives no fresh budget. */
static void budget_boundary(void **state)
{
	struct kmw_triage_opts o = { .budget = 5, .interval_s = 10, .max_inflight = 1000 };
	struct kmw_triage *t = triage_new(&o);
	struct kmw_triage_pass p = { .room = true };
	static char buf[1 << 16];
	size_t n = 0;
	unsigned int i;
	int64_t edge = 1795800010000LL;

	(void)state;
	/* the old interval's end, then both interleaved */
	for (i = 0; i < 40; i++)
		n += event_lines(buf + n, sizeof(buf) - n,
				 i < 10 || i % 2 ? edge - 50 + (int64_t)i : edge + (int64_t)i,
				 100 + i, body("no", "-1", "1000", "1000"));
	triage_filter(t, buf, n, &p);
	/* the old interval's 5, then the new one's 5: never more */
	assert_int_equal(p.kept, 10);
	triage_free(t);
}

/* Pressure: the queue full, or too many sheddable calls waiting, and the squeeze of noise. */
static void filter_pressure(void **state)
{
	struct kmw_triage_opts o = { .budget = 0, .interval_s = 10, .max_inflight = 4 };
	struct kmw_triage *t = triage_new(&o);
	struct kmw_triage_pass p = { .room = true, .inflight = 2 };
	static char buf[1 << 16];
	size_t n = 0, out;
	unsigned int empty, i;
	struct got g = { 0 };
	int64_t t0 = 1795800000000LL;

	(void)state;
	for (i = 0; i < 5; i++)
		n += event_lines(buf + n, sizeof(buf) - n, t0 + i, 10 + i,
				 body("no", "-1", "1000", "1000"));
	out = triage_filter(t, buf, n, &p);
	count_lines(buf, out, &empty);
	/* two waited already: two more are let through, three summarised */
	assert_int_equal(p.kept, 2);
	assert_int_equal(empty, 9);
	/* no room at all: every sheddable call is summarised, the protected stays */
	n = event_lines(buf, sizeof(buf), t0 + 100, 50, body("no", "-1", "1000", "1000"));
	n += event_lines(buf + n, sizeof(buf) - n, t0 + 101, 51, body("no", "-1", "0", "0"));
	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			      "type=EXECVE msg=audit(1795800000.200:60): argc=1 a0=\"ls\"\n"
			      "type=KERN_MODULE msg=audit(1795800000.300:61): name=\"early\"\n");
	p = (struct kmw_triage_pass){ .room = false, .squeeze = true };
	out = triage_filter(t, buf, n, &p);
	count_lines(buf, out, &empty);
	assert_int_equal(p.kept, 0);
	/* the sheddable event's 3 records, and the noise; a KERN_MODULE may precede its SYSCALL */
	assert_int_equal(empty, 4);
	assert_non_null(strstr(buf, "audit(1795800000.101:51): arch"));
	assert_non_null(strstr(buf, "name=\"early\""));
	assert_int_equal(triage_stats(t).noise_dropped, 1);
	assert_int_equal(triage_take(t, 0, true, took, &g), 1);
	assert_int_equal(g.calls, 4);
	triage_free(t);
}

static bool took_all(struct kmw_summary_entry *e, void *arg)
{
	took(e, arg);
	return true;
}

static bool refuse(struct kmw_summary_entry *e, void *arg)
{
	(void)e;
	(void)arg;
	return false;
}

/* The same key across an interval boundary is two summaries; other keys are others. */
static void summary_intervals(void **state)
{
	static struct kmw_summary_table t;
	struct kmw_call c;
	struct got g = { 0 };
	const char *b = body("no", "-1", "1000", "1000");
	int64_t t0 = 1795800000000LL; /* a boundary of 10 s intervals */

	(void)state;
	assert_int_equal(summary_init(&t, 10), 0);
	assert_int_equal(summary_interval_of(&t, t0 + 9999), t0);
	assert_int_equal(summary_interval_of(&t, t0 + 10000), t0 + 10000);
	assert_int_equal(summary_interval_of(&t, -1), -10000);
	assert_int_equal(triage_classify(b, b + strlen(b), &c), KMW_CLASS_SHEDDABLE);
	c.time_ms = t0 + 9998;
	c.serial = 1;
	summary_add(&t, &c);
	c.time_ms = t0 + 9999;
	c.serial = 2;
	summary_add(&t, &c);
	c.time_ms = t0 + 10000; /* the next interval */
	c.serial = 3;
	summary_add(&t, &c);
	c.uid = 1001; /* another user, the same interval */
	c.serial = 4;
	summary_add(&t, &c);
	c.uid = 1000;
	c.exit = -38; /* another errno */
	c.serial = 5;
	summary_add(&t, &c);
	/* a record late for its interval: the first still comes out whole */
	c.exit = -1;
	c.time_ms = t0 + 5;
	c.serial = 0;
	summary_add(&t, &c);
	assert_int_equal(t.pending, 6);
	/* the first interval is due after its grace, not before */
	assert_int_equal(
		summary_take(&t, t0 + 10000 + KMW_SUMMARY_GRACE_MS - 1, false, took_all, &g), 0);
	assert_int_equal(summary_take(&t, t0 + 10000 + KMW_SUMMARY_GRACE_MS, false, took_all, &g),
			 1);
	assert_int_equal(g.e[0].count, 3);
	assert_int_equal(g.e[0].first_serial, 0);
	assert_int_equal(g.e[0].first_ms, t0 + 5);
	assert_int_equal(g.e[0].last_serial, 2);
	assert_int_equal(g.e[0].last_ms, t0 + 9999);
	assert_int_equal(summary_take(&t, t0 + 20000 + KMW_SUMMARY_GRACE_MS, false, took_all, &g),
			 3);
	assert_int_equal(g.calls, 6);
	assert_int_equal(t.pending, 0);
	summary_fini(&t);
}

static void summary_take_order(void **state)
{
	static struct kmw_summary_table t;
	struct kmw_call c;
	struct got g = { 0 };
	const char *b = body("no", "-1", "1000", "1000");
	int64_t t0 = 1795800000000LL;
	int i;

	(void)state;
	assert_int_equal(summary_init(&t, 10), 0);
	assert_int_equal(triage_classify(b, b + strlen(b), &c), KMW_CLASS_SHEDDABLE);
	for (i = 0; i < 3; i++) {
		c.time_ms = t0 + 10000 * i + 7;
		c.serial = (uint64_t)i;
		summary_add(&t, &c);
		summary_add(&t, &c);
	}
	/* a taker that cannot take now leaves everything for the next time */
	assert_int_equal(summary_take(&t, t0 + 11000, false, refuse, NULL), 0);
	assert_int_equal(t.pending, 6);
	assert_int_equal(summary_take(&t, t0 + 11000, false, took_all, &g), 1);
	assert_int_equal(g.e[0].interval_ms, t0);
	assert_int_equal(g.e[0].count, 2);
	/* the rest, oldest interval first, still found after the table was rebuilt */
	c.time_ms = t0 + 20000 + 8;
	summary_add(&t, &c);
	assert_int_equal(summary_take(&t, 0, true, took_all, &g), 2);
	assert_int_equal(g.e[1].interval_ms, t0 + 10000);
	assert_int_equal(g.e[1].count, 2);
	assert_int_equal(g.e[2].interval_ms, t0 + 20000);
	assert_int_equal(g.e[2].count, 3);
	assert_int_equal(t.pending, 0);
	summary_fini(&t);
}

/* One user with more executables than the table holds, then more keys than it can hold at all. */
static void summary_bounds(void **state)
{
	static struct kmw_summary_table t;
	struct kmw_call c;
	struct got g = { 0 };
	const char *b = body("no", "-1", "1000", "1000");
	char exe[32];
	uint64_t total = 0;
	int i;

	(void)state;
	assert_int_equal(summary_init(&t, 10), 0);
	assert_int_equal(triage_classify(b, b + strlen(b), &c), KMW_CLASS_SHEDDABLE);
	c.time_ms = 1795800000000LL;
	for (i = 0; i < KMW_SUMMARY_EXACT + 10; i++) {
		snprintf(exe, sizeof(exe), "\"/tmp/x%d\"", i);
		c.exe = exe;
		c.exelen = strlen(exe);
		summary_add(&t, &c);
	}
	/* 1024 exact, and one entry of this user's other executables */
	assert_int_equal(t.n, KMW_SUMMARY_EXACT + 1);
	for (i = 0; i < KMW_SUMMARY_MAX; i++) {
		c.uid = 2000 + i; /* a merged key each, until the table is full */
		summary_add(&t, &c);
	}
	assert_int_equal(t.n, KMW_SUMMARY_MAX);
	assert_true(t.overflow.count > 0);
	assert_int_equal(t.pending, KMW_SUMMARY_EXACT + 10 + KMW_SUMMARY_MAX);
	memset(&g, 0, sizeof(g));
	summary_take(&t, 0, true, took_all, &g);
	total = g.calls;
	/* nothing is lost: every call in some summary */
	assert_int_equal(total, KMW_SUMMARY_EXACT + 10 + KMW_SUMMARY_MAX);
	assert_int_equal(t.pending, 0);
	summary_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classes),	     cmocka_unit_test(filter_pass),
		cmocka_unit_test(filter_pressure),   cmocka_unit_test(budget_boundary),
		cmocka_unit_test(summary_intervals), cmocka_unit_test(summary_take_order),
		cmocka_unit_test(summary_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
