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
	test_put_str(path, "# a comment\n\n  output = /var/log/x.json  # trailing comment\n"
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
	test_put_str(path, "queue-size = 0\nbogus = 1\nformat = ecs\nsyslog-rfc = 12\nno equals sign\n"
		   "journald = perhaps\nstats-interval = -1\npriority-boost = 21\nstore = /x.db\n");
	assert_int_equal(config_load(&c, path, true, &err), -EINVAL);
	buf_putc(&err, '\0');
	snprintf(want, sizeof(want), "%s:1: bad queue-size '0': takes a number from 1 to 4096\n", path);
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
	assert_string_equal(err.data, "cannot read /nonexistent/kmw.conf: No such file or directory\n");
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
	test_put_str(path, "output = /tmp/o.json\nformat = text\noutput-prefix = @cee:\nsyslog = unix:/dev/log\n"
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_is_whole),
		cmocka_unit_test(file_then_command_line),
		cmocka_unit_test(bad_lines_named),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(long_line),
		cmocka_unit_test(check_config_reads_back),
	};
	int fd = mkstemp(path), rc;

	if (fd < 0)
		return 99;
	close(fd);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return rc;
}
