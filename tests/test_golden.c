// SPDX-License-Identifier: GPL-2.0-or-later
/* test_golden.c - recorded audit text through parse and format, diffed with tests/expected */
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
#include "kmw_risk.h"

struct out {
	struct kmw_buf json, text;
	unsigned int events;
};

static void on_event(struct kmw_event *ev, void *arg)
{
	struct out *o = arg;
	struct kmw_risk_config rc;

	risk_config_default(&rc);
	risk_assess(&rc, ev);
	assert_int_equal(format_json(&o->json, ev), 0);
	assert_int_equal(format_text(&o->text, ev), 0);
	o->events++;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		if (data && fread(data, 1, (size_t)n, f) == (size_t)n) {
			data[n] = '\0';
			*len = (size_t)n;
		} else {
			free(data);
			data = NULL;
		}
	}
	fclose(f);
	return data;
}

static void compare(const char *name, const char *ext, const struct kmw_buf *got)
{
	const char *srcdir = getenv("srcdir") ?: ".";
	char path[4096];
	size_t len = 0;
	char *want;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/expected/%s.%s", srcdir, name, ext);
	if (getenv("KMW_UPDATE_GOLDEN")) {
		f = fopen(path, "wb");
		assert_non_null(f);
		fwrite(got->data, 1, got->len, f);
		fclose(f);
		return;
	}
	want = slurp(path, &len);
	if (!want)
		fail_msg("missing golden file %s (KMW_UPDATE_GOLDEN=1 writes it)", path);
	if (len != got->len || memcmp(want, got->data, len)) {
		/* into the build tree, where make check runs: never the sources */
		snprintf(path, sizeof(path), "tests/golden-%s.%s.actual", name, ext);
		f = fopen(path, "wb");
		if (f) {
			fwrite(got->data, 1, got->len, f);
			fclose(f);
		}
		free(want);
		fail_msg("%s.%s differs from the golden file: see %s", name, ext, path);
	}
	free(want);
}

/* Feed in pieces of every size, so that a record split across feeds is covered. */
static void run_case(const char *name, size_t chunk, unsigned int want_events)
{
	const char *srcdir = getenv("srcdir") ?: ".";
	struct out o = { .events = 0 };
	struct kmw_parser *p;
	char path[4096];
	size_t len = 0, off;
	char *data;

	snprintf(path, sizeof(path), "%s/tests/data/%s.log", srcdir, name);
	data = slurp(path, &len);
	if (!data)
		fail_msg("cannot read %s", path);
	buf_init(&o.json);
	buf_init(&o.text);
	p = parse_new(on_event, &o, "testhost");
	assert_non_null(p);
	parse_set_names(p, KMW_NAMES_RECORD);
	for (off = 0; off < len; off += chunk)
		assert_int_equal(parse_feed(p, data + off, len - off < chunk ? len - off : chunk), 0);
	parse_flush(p);
	assert_int_equal(o.events, want_events);
	compare(name, "json", &o.json);
	compare(name, "txt", &o.text);
	parse_free(p);
	buf_free(&o.json);
	buf_free(&o.text);
	free(data);
}

static void test_arches(void **state) { run_case("arches", 1 << 20, 6); run_case("arches", 7, 6); }
static void test_hexfields(void **state) { run_case("hexfields", 1 << 20, 2); }
static void test_interleaved(void **state) { run_case("interleaved", 1 << 20, 2); run_case("interleaved", 1, 2); }
static void test_noproctitle(void **state) { run_case("noproctitle", 1 << 20, 2); }
static void test_flags(void **state) { run_case("flags", 1 << 20, 18); }
static void test_escapes(void **state) { run_case("escapes", 1 << 20, 1); }
static void test_real_netlink(void **state) { run_case("real-6.1-netlink", 1 << 20, 14); }
static void test_real_enriched(void **state) { run_case("real-6.1-auditd-enriched", 1 << 20, 14); }
/* recorded from this machine's kernel (no module support: ENOSYS), b64 and b32 */
static void test_host_netlink(void **state) { run_case("host-netlink", 1 << 20, 4); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arches),
		cmocka_unit_test(test_hexfields),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_noproctitle),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_real_netlink),
		cmocka_unit_test(test_real_enriched),
		cmocka_unit_test(test_host_netlink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
