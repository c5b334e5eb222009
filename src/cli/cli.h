/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli.h - what the commands of `kmodwatch` share: exit codes, the daemon's configuration,
 * the help of each command, and the few helpers more than one of them uses */
#ifndef KMW_CLI_H
#define KMW_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "kmw_config.h"
#include "kmw_ima.h"

#define EXIT_MATCH 0
#define EXIT_NOMATCH 1
#define EXIT_ERROR 2
#define EXIT_NOPRIV 4
#define EXIT_CONFIG 6

/* kmodwatch status: capture degraded, or no consumer running */
#define EXIT_DEGRADED 1
#define EXIT_NOT_RUNNING 3

/* kmodwatchd's configuration (kmodwatch.c): the defaults of the store, the key, the risk */
extern struct kmw_config conf;

/* the store: the configuration's, else the default */
const char *store_default(void);

/* an environment variable, else @dflt (the tests point the CLI at trees of their own) */
const char *env_or(const char *name, const char *dflt);

/* the help of @command ("status", "rules", ...) on @f; exit 0 when asked, 2 on a misuse */
int cli_help(FILE *f, const char *command);

/* "kmodwatch: " and a message on stderr, then the exit code for -@err (EPERM and EACCES:
 * no privilege, else error) */
int cli_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* exit code 2 and the first argument named when getopt left any in @argv, else 0 */
int cli_no_args(int argc, char **argv);

/* the table's width and colour, when stdout is a terminal (0: no limit) */
int cli_table_width(bool *colour);

/* securityfs and the kernel's command line */
const char *cli_secfs(void);
const char *cli_cmdline(void);

/* whether module loads are kernel-attested, as far as the IMA state and @store tell: a
 * word ("yes", "no", "unknown") and a sentence into @why */
const char *cli_ima_attested(const struct kmw_ima_state *st, const char *store, char *why,
			     size_t len);

/* the commands */
int cmd_status(int argc, char **argv);
int cmd_modules(int argc, char **argv);
int cmd_plugin(int argc, char **argv);

#endif
