/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli.h - what the commands of `kmodwatch` share: the context (kmodwatchd's configuration,
 * where the system is read), the command's table entry, and the helpers of common.c */
#ifndef KMW_CLI_H
#define KMW_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kmw_config.h"
#include "kmw_exit.h"
#include "kmw_ima.h"

/*
 * The context of one run: read once in main, passed to the command. The paths of the
 * system are the real ones unless a KMW_* variable of the environment names others (the
 * tests point the CLI at trees of their own).
 */
struct cli {
	struct kmw_config conf;	       /* kmodwatchd's: the store, the rule key, the risk levels */
	const char *store;	       /* the store: the configuration's, else the default */
	const char *proc, *sys;	       /* KMW_PROC_ROOT, KMW_SYS_ROOT */
	const char *secfs, *cmdline;   /* KMW_SECURITYFS, KMW_PROC_CMDLINE */
	const char *state_file;	       /* KMW_STATE_FILE: the daemon's */
	const char *plugin_state_file; /* KMW_PLUGIN_STATE_FILE */
	const char *plugin_conf;       /* KMW_PLUGIN_CONF: auditd's plugin file */
};

/* One command: `kmodwatch NAME ...`. */
struct cli_command {
	const char *name;
	/* @argv[0] is the command's name; returns the exit code */
	int (*run)(struct cli *c, int argc, char **argv);
	/* its synopsis and what it does, for `kmodwatch --help` and `kmodwatch NAME --help` */
	void (*help)(FILE *f);
};

extern const struct cli_command cli_status, cli_rules, cli_query, cli_import, cli_modules,
	cli_plugin, cli_ima;

/**
 * cli_init - @c from kmodwatchd's configuration @config (NULL: the default file, which may be
 * missing) and the environment. Returns 0, or the exit code having said why.
 */
int cli_init(struct cli *c, const char *config);

/* cli_fini - what cli_init holds */
void cli_fini(struct cli *c);

/**
 * cli_help - the help of @cmd on @f. Returns the exit code: 0 on stdout (asked for), 2 on
 * stderr (a misuse).
 */
int cli_help(FILE *f, const struct cli_command *cmd);

/* cli_exit_text - the exit codes, for the help texts */
void cli_exit_text(FILE *f);

/*
 * cli_no_records - whether input of @bad_lines lines held no audit record at all (an empty
 * input is no such case); says so on stderr. Such input is an error (KMW_EXIT_ERROR).
 */
bool cli_no_records(uint64_t records, uint64_t bad_lines);

/**
 * cli_fail - "kmodwatch: " and a message on stderr, then the exit code for -@err (EPERM and
 * EACCES: no privilege, else error).
 */
int cli_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_no_args - exit code 2, the first argument named, when getopt left any in @argv; else 0 */
int cli_no_args(int argc, char **argv);

/* cli_table_width - the table's width and colour when stdout is a terminal (0: no limit) */
int cli_table_width(bool *colour);

/**
 * cli_check_readable - every file of @files (@n; "-" is stdin) can be opened: 0, or the exit
 * code having said why.
 */
int cli_check_readable(char **files, int n);

/* cli_bad_line, cli_file_error - a bad line of an input and a file that failed, said on stderr
 * (the callbacks of the log readers) */
void cli_bad_line(void *arg, const char *input, uint64_t lineno, const char *why, const char *line,
		  size_t len);
void cli_file_error(void *arg, const char *msg);

/**
 * cli_ima_attested - whether module loads are kernel-attested, as far as the IMA state and
 * @store tell: a word ("yes", "no", "unknown") and a sentence into @why.
 */
const char *cli_ima_attested(const struct kmw_ima_state *st, const char *store, char *why,
			     size_t len);

#endif
