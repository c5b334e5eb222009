// SPDX-License-Identifier: GPL-2.0-or-later
/* test_config.c - the keyword table: file and command line take the same values, a bad line
 * is named by file and line without costing the others, --check-config reads back the same */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "kmw_config.h"
#include "helpers.h"

static char path[] = "/tmp/kmw-test-config.XXXXXX";

static size_t key_index(const char *name)
{
	const struct kmw_config_key *k;
	size_t n, i;

	k = config_keys(&n);
	for (i = 0; i < n; i++)
		if (!strcmp(k[i].name, name))
			return i;
	fail_msg("no key %s", name);
	return 0;
}

static char *printed(const struct kmw_config *c)
{
	static char out[2][16384];
	static int which;
	FILE *f = fmemopen(out[which], sizeof(out[0]), "w");

	assert_non_null(f);
	config_print(f, c);
	fclose(f);
	which ^= 1;
	return out[which ^ 1];
}

/* every key has a name and help; the file cannot give --help, --config and the like */
static void table_is_whole(void **state)
{
	const struct kmw_config_key *k;
	struct kmw_config c;
	struct kmw_buf err;
	size_t n, i;
	char line[128];

	(void)state;
	k = config_keys(&n);
	assert_true(n > 25);
	buf_init(&err);
	for (i = 0; i < n; i++) {
		assert_non_null(k[i].name);
		assert_true(k[i].help && k[i].help[0]);
		if (k[i].action == KMW_ACT_NONE)
			continue;
		config_defaults(&c);
		snprintf(line, sizeof(line), "%s = x\n", k[i].name);
		test_put_str(path, line);
		assert_int_equal(config_load(&c, path, true, &err), -EINVAL);
		config_free(&c);
	}
	buf_free(&err);
}

/* values, '_' for '-', comments, blanks; the command line after the file wins */
static void file_then_command_line(void **state)
{
	struct kmw_config c;
	struct kmw_buf err;

	(void)state;
	buf_init(&err);
	config_defaults(&c);
	test_put_str(path,
		     "# a comment\n\n  output = /var/log/x.json  # trailing comment\n"
		     "format=ecs\nsyslog = udp:10.0.0.1:514\nsyslog = tcp:[::1]:601\n"
		     "syslog_rfc = 3164\nsyslog-facility = local3\nsyslog_severity = warning\n"
		     "queue_size = 8\njournald = yes\nno_rules = true\nstore = none\n"
		     "risk = unsigned=high\nkey = mykey\n");
	assert_int_equal(config_load(&c, path, true, &err), 0);
	assert_int_equal(err.len, 0);
	assert_string_equal(c.output, "/var/log/x.json");
	assert_int_equal(c.format, KMW_FMT_ECS);
	assert_int_equal(c.nsyslog, 2);
	assert_string_equal(c.syslog[1], "tcp:[::1]:601");
	assert_int_equal(c.syslog_rfc, 3164);
	assert_int_equal(c.syslog_facility, LOG_LOCAL3);
	assert_int_equal(c.syslog_severity, LOG_WARNING);
	assert_int_equal(c.queue_mb, 8);
	assert_true(c.journald);
	assert_true(c.no_rules);
	assert_null(c.store);
	assert_int_equal(c.risk.level[KMW_R_UNSIGNED], KMW_RISK_HIGH);
	assert_string_equal(c.key, "mykey");
	/* the command line: a switch without a value is yes */
	assert_int_equal(config_set(&c, key_index("format"), "text", NULL, &err), 0);
	assert_int_equal(config_set(&c, key_index("foreground"), NULL, NULL, &err), 0);
	assert_int_equal(c.format, KMW_FMT_TEXT);
	assert_true(c.foreground);
	config_free(&c);
	buf_free(&err);
}

/* each bad line is named, with what the key takes, and the good lines around it count */
static void bad_lines_named(void **state)
{
	struct kmw_config c;
	struct kmw_buf err;
	char want[256];

	(void)state;
	buf_init(&err);
	config_defaults(&c);
	test_put_str(
		path,
		"queue-size = 0\nbogus = 1\nformat = ecs\nsyslog-rfc = 12\nno equals sign\n"
		"journald = perhaps\nstats-interval = -1\npriority-boost = 21\nstore = /x.db\n");
	assert_int_equal(config_load(&c, path, true, &err), -EINVAL);
	buf_putc(&err, '\0');
	snprintf(want, sizeof(want), "%s:1: bad queue-size '0': takes a number from 1 to 4096\n",
		 path);
	assert_non_null(strstr(err.data, want));
	snprintf(want, sizeof(want), "%s:2: unknown key 'bogus'\n", path);
	assert_non_null(strstr(err.data, want));
	snprintf(want, sizeof(want), "%s:4: bad syslog-rfc '12': takes 5424 or 3164\n", path);
	assert_non_null(strstr(err.data, want));
	snprintf(want, sizeof(want), "%s:5: expected 'key = value'\n", path);
	assert_non_null(strstr(err.data, want));
	snprintf(want, sizeof(want), "%s:6: bad journald 'perhaps': takes yes or no\n", path);
	assert_non_null(strstr(err.data, want));
	snprintf(want, sizeof(want), "%s:7: bad stats-interval '-1'", path);
	assert_non_null(strstr(err.data, want));
	snprintf(want, sizeof(want), "%s:8: bad priority-boost '21'", path);
	assert_non_null(strstr(err.data, want));
	/* the good lines were taken */
	assert_int_equal(c.format, KMW_FMT_ECS);
	assert_string_equal(c.store, "/x.db");
	config_free(&c);
	buf_free(&err);
}

/* a missing file is the defaults, unless it was asked for */
static void missing_file(void **state)
{
	struct kmw_config c;
	struct kmw_buf err;

	(void)state;
	buf_init(&err);
	config_defaults(&c);
	assert_int_equal(config_load(&c, "/nonexistent/kmw.conf", false, &err), 0);
	assert_int_equal(config_load(&c, "/nonexistent/kmw.conf", true, &err), -ENOENT);
	buf_putc(&err, '\0');
	assert_string_equal(err.data,
			    "cannot read /nonexistent/kmw.conf: No such file or directory\n");
	config_free(&c);
	buf_free(&err);
}

/* a line longer than the reader takes is refused, not cut into a different value */
static void long_line(void **state)
{
	struct kmw_config c;
	struct kmw_buf err;
	char text[3000];

	(void)state;
	buf_init(&err);
	config_defaults(&c);
	memset(text, 'a', sizeof(text));
	memcpy(text, "output = ", 9);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	test_put_str(path, text);
	assert_int_equal(config_load(&c, path, true, &err), -EINVAL);
	buf_putc(&err, '\0');
	assert_non_null(strstr(err.data, ":1: line too long"));
	assert_null(c.output);
	config_free(&c);
	buf_free(&err);
}

/* what --check-config prints is a file that gives the same configuration again */
static void check_config_reads_back(void **state)
{
	struct kmw_config a, b;
	struct kmw_buf err;
	char *first;

	(void)state;
	buf_init(&err);
	config_defaults(&a);
	test_put_str(
		path,
		"output = /tmp/o.json\nformat = text\noutput-prefix = @cee:\nsyslog = unix:/dev/log\n"
		"syslog-facility = auth\nsyslog-severity = crit\nuser = kmw\nsource = multicast\n"
		"risk = refused=off\nbackfill-dir = none\nretention-days = 7\nreinstall-rules = yes\n");
	assert_int_equal(config_load(&a, path, true, &err), 0);
	first = printed(&a);
	assert_non_null(strstr(first, "syslog-facility = auth\n"));
	assert_non_null(strstr(first, "syslog-severity = crit\n"));
	assert_non_null(strstr(first, "backfill-dir = none\n"));
	assert_non_null(strstr(first, "risk = refused=off\n"));
	assert_non_null(strstr(first, "# record-log = (not set)\n"));
	test_put_str(path, first);
	config_defaults(&b);
	assert_int_equal(config_load(&b, path, true, &err), 0);
	assert_string_equal(printed(&b), first);
	config_free(&a);
	config_free(&b);
	buf_free(&err);
}

/*
 * The defaults column is the one source: config_defaults gives each key the value its column
 * says (as --check-config prints it), --help says it, and the example file has it; every
 * option says how a reload takes it.
 */
static void defaults_from_the_table(void **state)
{
	const struct kmw_config_key *k;
	struct kmw_config c, d;
	char *text = NULL, *example = NULL, want[256], *ex;
	size_t n, i, len = 0, elen = 0;
	FILE *f;

	(void)state;
	k = config_keys(&n);
	config_defaults(&c);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_usage(f);
	fclose(f);
	f = open_memstream(&example, &elen);
	assert_non_null(f);
	config_example(f);
	fclose(f);
	for (i = 0; i < n; i++) {
		if (k[i].action != KMW_ACT_NONE)
			continue;
		assert_true(k[i].reload <= KMW_RELOAD_RESTART);
		assert_non_null(config_reload_name(k[i].reload));
		if (!k[i].def)
			continue;
		/* the default taken from its column, as the file would give it */
		config_defaults(&d);
		assert_int_equal(config_set(&d, i, k[i].def, NULL, NULL), 0);
		assert_string_equal(printed(&c), printed(&d));
		config_free(&d);
		/* said in --help, and commented out at it in the example file */
		snprintf(want, sizeof(want), "(default %s)", k[i].def);
		assert_non_null(strstr(text, want));
		snprintf(want, sizeof(want), "\n# %s = ", k[i].name);
		ex = strstr(example, want);
		assert_non_null(ex);
	}
	/* the example says what SIGHUP does with each option */
	for (i = 0, len = 0; (ex = strstr(example + len, "(a reload (SIGHUP)")); i++)
		len = (size_t)(ex - example) + 1;
	for (len = 0, elen = 0; len < n; len++)
		elen += k[len].action == KMW_ACT_NONE;
	assert_int_equal(i, elen);
	free(text);
	free(example);
	config_free(&c);
}

struct seen {
	char keys[1024];
	unsigned int n;
};

static void on_change(size_t k, const char *was, const char *now, void *arg)
{
	struct seen *s = arg;
	size_t len = strlen(s->keys);

	assert_string_not_equal(was, now);
	snprintf(s->keys + len, sizeof(s->keys) - len, "%s%s", len ? "," : "",
		 config_keys(&(size_t){ 0 })[k].name);
	s->n++;
}

/* a reload's changes, a key each, and a key kept at its running value */
static void changes_and_keep(void **state)
{
	struct kmw_config a, b;
	struct kmw_buf err;
	struct seen s = { .n = 0 };

	(void)state;
	buf_init(&err);
	config_defaults(&a);
	config_defaults(&b);
	test_put_str(path, "format = ecs\nqueue-size = 8\nsyslog = udp:127.0.0.1:514\n"
			   "risk = unsigned=high\nstore = none\n");
	assert_int_equal(config_load(&b, path, true, &err), 0);
	config_changes(&a, &b, on_change, &s);
	assert_string_equal(s.keys, "format,syslog,queue-size,risk,store");
	/* what only a restart changes keeps the running value */
	config_keep(&b, &a, key_index("queue-size"));
	config_keep(&b, &a, key_index("store"));
	config_keep(&b, &a, key_index("syslog"));
	assert_int_equal(b.queue_mb, 64);
	assert_string_equal(b.store, a.store);
	assert_int_equal(b.nsyslog, 0);
	memset(&s, 0, sizeof(s));
	config_changes(&a, &b, on_change, &s);
	assert_string_equal(s.keys, "format,risk");
	/* the table's classes: outputs, restart, now */
	assert_int_equal(config_keys(&(size_t){ 0 })[key_index("format")].reload,
			 KMW_RELOAD_OUTPUTS);
	assert_int_equal(config_keys(&(size_t){ 0 })[key_index("queue-size")].reload,
			 KMW_RELOAD_RESTART);
	assert_int_equal(config_keys(&(size_t){ 0 })[key_index("risk")].reload, KMW_RELOAD_NOW);
	config_free(&a);
	config_free(&b);
	buf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_is_whole),
		cmocka_unit_test(file_then_command_line),
		cmocka_unit_test(bad_lines_named),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(long_line),
		cmocka_unit_test(check_config_reads_back),
		cmocka_unit_test(defaults_from_the_table),
		cmocka_unit_test(changes_and_keep),
	};
	int fd = mkstemp(path), rc;

	if (fd < 0)
		return 99;
	close(fd);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return rc;
}
