// SPDX-License-Identifier: GPL-2.0-or-later
/* test_host.c - the host facts of the fleet fields, read from fake root trees: os-release's
 * quoting, a machine id that is not one, files that are missing */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kmw_host.h"
#include "helpers.h"

static char root[64];

static int setup(void **state)
{
	char p[128];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/kmw-host-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/usr", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/lib", root);
	mkdir(p, 0755);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void test_os_release(void **state)
{
	struct kmw_host h;

	(void)state;
	test_put_str_under(root, "etc/machine-id", "4c4c4544004d3510804bb4c04f4e3732\n");
	test_put_str_under(root, "etc/os-release",
			   "PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\nNAME='Ubuntu'\n"
			   "VERSION_ID=\"24.04\"\nID=ubuntu\nID_LIKE=\"debian gnu\"\n"
			   "X=\"say \\\"hi\\\"\"\n");
	host_read(&h, root);
	assert_string_equal(h.machine_id, "4c4c4544004d3510804bb4c04f4e3732");
	assert_string_equal(h.os_full, "Ubuntu 24.04.1 LTS");
	assert_string_equal(h.os_name, "Ubuntu");
	assert_string_equal(h.os_version, "24.04");
	assert_string_equal(h.os_id, "ubuntu");
	assert_string_equal(h.os_family, "debian");
	assert_true(h.kernel[0] && h.arch[0]);
}

/* no ID_LIKE: the family is the ID; a bad machine id is none; os-release from /usr/lib */
static void test_fallbacks(void **state)
{
	struct kmw_host h;
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/etc/os-release", root);
	unlink(p);
	test_put_str_under(root, "etc/machine-id", "not-a-machine-id-at-all-0000000000\n");
	test_put_str_under(
		root, "usr/lib/os-release",
		"ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
	host_read(&h, root);
	assert_string_equal(h.machine_id, "");
	assert_string_equal(h.os_id, "debian");
	assert_string_equal(h.os_family, "debian");
	assert_string_equal(h.os_full, "Debian GNU/Linux 12 (bookworm)");
	assert_string_equal(h.os_name, "");
	test_put_str_under(root, "etc/machine-id", "4C4C4544004D3510804BB4C04F4E3732\n");
	host_read(&h, root);
	assert_string_equal(h.machine_id, "");
}

static void test_nothing(void **state)
{
	struct kmw_host h;

	(void)state;
	host_read(&h, "/nonexistent-kmw-root");
	assert_string_equal(h.machine_id, "");
	assert_string_equal(h.os_id, "");
	assert_string_equal(h.os_family, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
