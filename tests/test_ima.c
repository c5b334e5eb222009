// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ima.c - IMA's state read from fake securityfs trees, and the one policy write that
 * replaces nobody's policy */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kmw_ima.h"
#include "helpers.h"

static char root[64], secfs[128], cmdline[128];

/* a file of securityfs or proc, with its mode */
static void write_file(const char *path, const char *data, mode_t mode)
{
	test_put_str(path, data);
	assert_int_equal(chmod(path, mode), 0);
}

/* a securityfs with IMA (or without), its policy file as given (NULL: none), a command line */
static void tree(bool ima, const char *policy, mode_t mode, const char *cmd)
{
	char path[512];

	snprintf(path, sizeof(path), "rm -rf '%s' && mkdir -p '%s'", secfs, secfs);
	assert_int_equal(system(path), 0);
	snprintf(path, sizeof(path), "%s/lsm", secfs);
	write_file(path, "capability,ima\n", 0444);
	if (ima) {
		snprintf(path, sizeof(path), "%s/ima", secfs);
		assert_int_equal(mkdir(path, 0755), 0);
		if (policy) {
			snprintf(path, sizeof(path), "%s/ima/policy", secfs);
			write_file(path, policy, mode);
		}
	}
	write_file(cmdline, cmd ? cmd : "BOOT_IMAGE=/vmlinuz root=/dev/vda1 quiet\n", 0444);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/kmw-test-ima-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(secfs, sizeof(secfs), "%s/security", root);
	snprintf(cmdline, sizeof(cmdline), "%s/cmdline", root);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void probe_states(void **state)
{
	struct kmw_ima_state st;
	char empty[160];

	(void)state;
	/* nothing mounted there */
	snprintf(empty, sizeof(empty), "%s/nothing", root);
	mkdir(empty, 0755);
	ima_probe(empty, cmdline, &st);
	assert_int_equal(st.policy, KMW_IMA_NO_SECURITYFS);
	tree(false, NULL, 0, NULL);
	ima_probe(secfs, cmdline, &st);
	assert_int_equal(st.policy, KMW_IMA_ABSENT);
	/* Debian's 6.1: the file takes one write, and is gone after it */
	tree(true, "", 0200, NULL);
	ima_probe(secfs, cmdline, &st);
	assert_int_equal(st.policy, KMW_IMA_WRITABLE);
	assert_string_equal(st.boot_policy, "");
	tree(true, NULL, 0, NULL);
	ima_probe(secfs, cmdline, &st);
	assert_int_equal(st.policy, KMW_IMA_LOADED);
	/* CONFIG_IMA_READ_POLICY and WRITE_POLICY: the rules in force can be read */
	tree(true, "measure func=BPRM_CHECK \naudit func=MODULE_CHECK \n", 0600,
	     "ima_policy=tcb\n");
	ima_probe(secfs, cmdline, &st);
	assert_int_equal(st.policy, KMW_IMA_READABLE);
	assert_int_equal(st.rules, 2);
	assert_true(st.module_check);
	assert_true(st.write_again);
	assert_string_equal(st.boot_policy, "ima_policy=tcb");
	/* an appraise rule for modules is not the audit rule */
	tree(true, "appraise func=MODULE_CHECK appraise_type=imasig \n", 0400, "x ima_tcb\n");
	ima_probe(secfs, cmdline, &st);
	assert_false(st.module_check);
	assert_false(st.write_again);
	assert_string_equal(st.boot_policy, "ima_tcb");
}

static void enable(void **state)
{
	char why[1024], path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/ima/policy", secfs);
	/* written: the one rule, whole */
	tree(true, "", 0200, NULL);
	assert_int_equal(ima_enable(secfs, cmdline, why, sizeof(why)), 0);
	chmod(path, 0600);
	test_assert_file(path, KMW_IMA_RULE "\n");
	/* in force already: nothing to do */
	tree(true, "audit func=MODULE_CHECK \n", 0600, NULL);
	assert_int_equal(ima_enable(secfs, cmdline, why, sizeof(why)), 1);
	/* a boot policy would be replaced by the first write: refused, and said why */
	tree(true, "", 0200, "root=/dev/vda ima_policy=appraise_tcb\n");
	assert_int_equal(ima_enable(secfs, cmdline, why, sizeof(why)), -EEXIST);
	assert_non_null(strstr(why, "ima_policy=appraise_tcb"));
	assert_non_null(strstr(why, "/etc/ima/ima-policy"));
	chmod(path, 0600);
	test_assert_file(path, "");
	/* loaded already, one write a boot */
	tree(true, NULL, 0, NULL);
	assert_int_equal(ima_enable(secfs, cmdline, why, sizeof(why)), -EEXIST);
	assert_non_null(strstr(why, "one write"));
	/* a readable policy that cannot take another write */
	tree(true, "measure func=FILE_CHECK \n", 0400, NULL);
	assert_int_equal(ima_enable(secfs, cmdline, why, sizeof(why)), -EEXIST);
	/* no IMA, no securityfs */
	tree(false, NULL, 0, NULL);
	assert_int_equal(ima_enable(secfs, cmdline, why, sizeof(why)), -ENOTSUP);
	assert_int_equal(ima_enable("/nonexistent/kmw", cmdline, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "mount -t securityfs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(probe_states),
		cmocka_unit_test(enable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
