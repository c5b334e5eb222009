// SPDX-License-Identifier: GPL-2.0-or-later
/* import.c - kmodwatch import: the module events of audit logs into the store, each once,
 * marked historical (what the daemon's backfill does at start, by hand) */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "kmw_import.h"
#include "kmw_store.h"

static void help(FILE *f)
{
	fputs("  import [--store PATH] FILE|-...  store the module events of audit logs\n"
	      "                               (each once, marked historical)\n",
	      f);
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "store", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = cli->store;
	struct kmw_import_opts o = { .bad = cli_bad_line, .file_error = cli_file_error };
	struct kmw_import_result im;
	struct kmw_store *st;
	char err[512];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if (c == 'h')
			return cli_help(stdout, &cli_import);
		if (c != 'S')
			return cli_help(stderr, &cli_import);
		path = optarg;
	}
	if (optind >= argc) {
		fprintf(stderr, "kmodwatch: import needs audit log files (- for stdin)\n");
		return KMW_EXIT_ERROR;
	}
	/* nothing is created for inputs that cannot be read */
	rc = cli_check_readable(argv + optind, argc - optind);
	if (rc)
		return rc;
	st = store_open(path, true, err, sizeof(err));
	if (!st)
		return cli_fail(errno, "%s", err);
	rc = import_logs(st, argv + optind, argc - optind, &o, &im);
	printf("%llu module events read, %llu new to %s, %llu already there, %llu not stored, "
	       "%llu bad lines\n",
	       (unsigned long long)im.seen, (unsigned long long)im.added, path,
	       (unsigned long long)(im.seen - im.added - im.failed), (unsigned long long)im.failed,
	       (unsigned long long)im.bad_lines);
	if (im.left_out)
		fprintf(stderr, "kmodwatch: %llu event(s) left out: open where a file was cut\n",
			(unsigned long long)im.left_out);
	if (im.failed)
		fprintf(stderr, "kmodwatch: %s\n", store_error(st));
	store_close(st);
	if (!rc && cli_no_records(im.records, im.bad_lines))
		return KMW_EXIT_ERROR;
	return rc ? KMW_EXIT_ERROR : KMW_EXIT_OK;
}

const struct cli_command cli_import = { "import", run, help };
