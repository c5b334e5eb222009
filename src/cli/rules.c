// SPDX-License-Identifier: GPL-2.0-or-later
/* rules.c - kmodwatch rules list|install|remove: the kernel's rules for module syscalls */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <libaudit.h>

#include "cli.h"
#include "kmw_buf.h"
#include "kmw_rules.h"

static void help(FILE *f)
{
	fputs("  rules list                   the kernel's rules for module syscalls\n"
	      "  rules install [--key KEY]    add kmodwatch's rules where missing (they stay)\n"
	      "  rules remove [--key KEY]     delete every rule with that key\n",
	      f);
}

static void print_rule(const struct kmw_rule_info *r, void *arg)
{
	struct kmw_buf b;

	buf_init(&b);
	rules_describe(&b, r);
	printf("  %.*s\n", (int)b.len, b.data ? b.data : "");
	buf_free(&b);
	(*(int *)arg)++;
}

static int list_rules(int fd)
{
	int n = 0, rc = rules_list_module(fd, print_rule, &n);

	if (rc)
		return cli_fail(-rc, "cannot list rules: %s%s", strerror(-rc),
				rc == -EPERM ? " (it needs root: CAP_AUDIT_CONTROL)" : "");
	if (!n)
		printf("  (no rule audits finit_module, init_module or delete_module)\n");
	return 0;
}

static int install(int fd, const char *key)
{
	struct kmw_rules r = { 0 };
	struct kmw_rules_report rep;
	int rc = rules_install(&r, fd, key, &rep);

	if (rc)
		rc = cli_fail(-rc, "cannot add a rule: %s%s", strerror(-rc),
			      rc == -EPERM ? " (it needs root: CAP_AUDIT_CONTROL)" : "");
	else
		printf("%d rule(s) added with key %s; %d arch(es) already covered\n", rep.added,
		       key, rep.covered);
	/* installed for good: forget them so that nothing removes them */
	while (r.n)
		audit_rule_free_data(r.rule[--r.n]);
	return rc;
}

static int remove_key(int fd, const char *key)
{
	int rc = rules_delete_key(fd, key);

	if (rc < 0)
		return cli_fail(-rc, "cannot remove rules: %s%s", strerror(-rc),
				rc == -EPERM ? " (it needs root: CAP_AUDIT_CONTROL)" : "");
	printf("%d rule(s) with key %s removed\n", rc, key);
	return 0;
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = cli->conf.key, *what;
	int c, fd, rc;

	if (argc < 2) {
		fprintf(stderr, "kmodwatch rules: say list, install or remove\n");
		return cli_help(stderr, &cli_rules);
	}
	what = argv[1];
	if (!strcmp(what, "--help") || !strcmp(what, "-h"))
		return cli_help(stdout, &cli_rules);
	optind = 2;
	while ((c = getopt_long(argc, argv, "k:h", lopts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(stdout, &cli_rules);
		if (c != 'k')
			return cli_help(stderr, &cli_rules);
		key = optarg;
	}
	if (cli_no_args(argc, argv))
		return KMW_EXIT_ERROR;
	if (strcmp(what, "list") && strcmp(what, "install") && strcmp(what, "remove")) {
		fprintf(stderr,
			"kmodwatch: unknown rules command '%s': use list, install or remove\n",
			what);
		return KMW_EXIT_ERROR;
	}
	fd = audit_open();
	if (fd < 0)
		return cli_fail(errno, "cannot open the audit netlink socket: %s", strerror(errno));
	if (!strcmp(what, "list"))
		rc = list_rules(fd);
	else if (!strcmp(what, "install"))
		rc = install(fd, key);
	else
		rc = remove_key(fd, key);
	audit_close(fd);
	return rc;
}

const struct cli_command cli_rules = { "rules", run, help };
