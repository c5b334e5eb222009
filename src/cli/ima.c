// SPDX-License-Identifier: GPL-2.0-or-later
/* ima.c - kmodwatch ima status|enable: whether IMA attests module loads, and its policy line */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "kmw_ima.h"

static void help(FILE *f)
{
	fputs("  ima status                   IMA: is it there, what policy, are loads attested\n"
	      "  ima enable                   write \"" KMW_IMA_RULE "\" to the IMA policy,\n"
	      "                               when that replaces no policy in force\n",
	      f);
}

static int enable(struct cli *cli)
{
	char why[1024];
	int rc = ima_enable(cli->secfs, cli->cmdline, why, sizeof(why));

	if (rc == 1) {
		printf("the IMA policy in force audits MODULE_CHECK already\n");
		return KMW_EXIT_OK;
	}
	if (rc) {
		fprintf(stderr, "kmodwatch: cannot write the IMA policy: %s\n", why);
		return rc == -EACCES || rc == -EPERM ? KMW_EXIT_NOPRIV : KMW_EXIT_FAILURE;
	}
	printf("IMA policy written: \"%s\"; from now on every finit_module carries an "
	       "INTEGRITY_RULE record with the file and the hash the kernel read (until "
	       "reboot: /etc/ima/ima-policy makes it stay)\n",
	       KMW_IMA_RULE);
	return KMW_EXIT_OK;
}

static int status(struct cli *cli)
{
	struct kmw_ima_state st;
	char why[1024];
	const char *word;

	ima_probe(cli->secfs, cli->cmdline, &st);
	switch (st.policy) {
	case KMW_IMA_NO_SECURITYFS:
		printf("IMA: unknown: securityfs is not mounted at %s\n", cli->secfs);
		break;
	case KMW_IMA_ABSENT: printf("IMA: not in this kernel\n"); break;
	case KMW_IMA_WRITABLE:
		printf("IMA: present; no policy loaded this boot: kmodwatch ima enable can write "
		       "\"%s\"\n",
		       KMW_IMA_RULE);
		break;
	case KMW_IMA_LOADED:
		printf("IMA: present; a policy was loaded this boot, and this kernel neither shows "
		       "it nor takes another (no CONFIG_IMA_READ_POLICY, CONFIG_IMA_WRITE_POLICY)\n");
		break;
	case KMW_IMA_READABLE:
		printf("IMA: present; the policy in force has %u rule(s), %s; it %s be written "
		       "again\n",
		       st.rules,
		       st.module_check ? "MODULE_CHECK audited" : "MODULE_CHECK not audited",
		       st.write_again ? "can" : "cannot");
		break;
	}
	if (st.boot_policy[0])
		printf("boot policy: %s (the first policy written replaces it)\n", st.boot_policy);
	word = cli_ima_attested(&st, cli->store, why, sizeof(why));
	printf("module loads kernel-attested (IMA): %s, %s\n", word, why);
	return KMW_EXIT_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return cli_help(stdout, &cli_ima);
	if (argc != 2 || (strcmp(argv[1], "status") && strcmp(argv[1], "enable"))) {
		fprintf(stderr, "kmodwatch: ima takes status or enable\n");
		return KMW_EXIT_ERROR;
	}
	return !strcmp(argv[1], "enable") ? enable(cli) : status(cli);
}

const struct cli_command cli_ima = { "ima", run, help };
