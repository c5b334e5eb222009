// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_oom.c - out of memory on the parse and format paths: every allocation of
 * kmodwatch's own code fails in turn (malloc, calloc and realloc wrapped at link
 * time, as audit-userspace tests its parser). Each run must end cleanly: an error
 * or fewer events, never a crash, a leak (ASan in .ci/run) or a wrong event.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kmw_buf.h"
#include "kmw_format.h"
#include "kmw_parse.h"
#include "helpers.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static long countdown = -1; /* fail the allocation that takes it to 0; -1: never */
static long failed;

static bool fail_now(void)
{
	if (countdown < 0 || countdown-- != 0)
		return false;
	failed++;
	return true;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

struct out {
	unsigned int events, formatted;
	struct kmw_buf json;
};

static void on_event(struct kmw_event *ev, void *arg)
{
	struct out *o = arg;

	o->events++;
	/* a fresh buffer each time: the formatter's every growth is an allocation */
	buf_free(&o->json);
	buf_init(&o->json);
	if (!format_json(&o->json, ev))
		o->formatted++;
}

/* one pass over @data, with the @k-th allocation failing (-1: none); the events formatted */
static unsigned int pass(const char *data, size_t len, long k, unsigned int *events)
{
	struct out o = { 0 };
	struct kmw_parser *p;

	buf_init(&o.json);
	failed = 0;
	countdown = k;
	p = parse_new(on_event, &o, "testhost");
	if (p) {
		parse_set_names(p, KMW_NAMES_RECORD);
		/* a feed that fails costs what it held, nothing else: feed on */
		parse_feed(p, data, len);
		parse_flush(p);
		parse_free(p);
	}
	countdown = -1;
	buf_free(&o.json);
	*events = o.events;
	return o.formatted;
}

static void run_file(const char *name, unsigned int want)
{
	const char *srcdir = getenv("srcdir") ?: ".";
	char path[4096];
	unsigned int events, formatted;
	size_t len = 0;
	char *data;
	long k;

	snprintf(path, sizeof(path), "%s/tests/data/%s.log", srcdir, name);
	data = test_slurp(path, &len);
	if (!data)
		fail_msg("cannot read %s", path);
	formatted = pass(data, len, -1, &events);
	assert_int_equal(events, want);
	assert_int_equal(formatted, want);
	/* each allocation in turn, until a pass makes none fail: then all were tried */
	for (k = 0; k < 100000; k++) {
		formatted = pass(data, len, k, &events);
		assert_true(events <= want);
		assert_true(formatted <= events);
		if (!failed)
			break;
	}
	assert_int_equal(failed, 0);
	assert_int_equal(formatted, want);
	printf("%s: %ld allocations failed in turn, each run ended cleanly\n", name, k);
	free(data);
}

static void test_real_netlink(void **state)
{
	(void)state;
	run_file("real-6.1-netlink", 14);
}
static void test_interleaved(void **state)
{
	(void)state;
	run_file("interleaved", 2);
}
static void test_escapes(void **state)
{
	(void)state;
	run_file("escapes", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_netlink),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
