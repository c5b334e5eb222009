// SPDX-License-Identifier: GPL-2.0-or-later
/* kmodwatch.c - the command line: which command, and the help of all (each command is a
 * file of src/cli/) */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_command *const commands[] = {
	&cli_status, &cli_rules, &cli_query, &cli_import, &cli_modules, &cli_plugin, &cli_ima,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: kmodwatch [--config=FILE] COMMAND [OPTION]...\n\n");
	for (i = 0; i < NCOMMANDS; i++)
		commands[i]->help(f);
	fprintf(f, "\nkmodwatch COMMAND --help: that command alone.\n"
		   "The store, the rule key and the risk levels are kmodwatchd's, from its\n"
		   "configuration file (" KMW_CONFIG_FILE ", or --config=FILE).\n\n");
	cli_exit_text(f);
}

static const struct cli_command *find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;
	const char *config = NULL;
	struct cli cli;
	int rc;

	if (argc > 1 && !strncmp(argv[1], "--config=", 9)) {
		config = argv[1] + 9;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	/* help and version need no configuration, even a broken one */
	if (argc < 2) {
		usage(stderr);
		return KMW_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && !strcmp(argv[1], "help")) {
			cmd = find(argv[2]);
			if (cmd)
				return cli_help(stdout, cmd);
			fprintf(stderr, "kmodwatch: no command '%s'\n", argv[2]);
			usage(stderr);
			return KMW_EXIT_ERROR;
		}
		usage(stdout);
		return KMW_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("kmodwatch %s\n", PACKAGE_VERSION);
		return KMW_EXIT_OK;
	}
	cmd = find(argv[1]);
	if (!cmd) {
		fprintf(stderr,
			"kmodwatch: unknown command '%s'\nTry 'kmodwatch --help' for more "
			"information.\n",
			argv[1]);
		return KMW_EXIT_ERROR;
	}
	rc = cli_init(&cli, config);
	if (rc)
		return rc;
	rc = cmd->run(&cli, argc - 1, argv + 1);
	cli_fini(&cli);
	return rc;
}
