/* SPDX-License-Identifier: GPL-2.0-or-later */
/* options.h - kmodwatchd's configuration as generations: the file, then the command line,
 * which wins (one table, config.c). A generation is never changed once made: a reload makes
 * a new one, checked whole, that keeps the running value of each key only a restart changes.
 * Every generation lives until exit (a newer one may share its strings). Main thread. */
#ifndef KMWD_OPTIONS_H
#define KMWD_OPTIONS_H

#include <stdbool.h>
#include <time.h>

#include "kmw_config.h"

/* What a reload changed. */
struct options_reload {
	unsigned int generation; /* 1 at start, then one more each reload taken */
	time_t loaded;		 /* when the running generation was read */
	bool outputs;		 /* a key of the outputs changed: they are opened again */
	unsigned int now;	 /* keys changed that take effect at once */
	char pending[512];	 /* the keys changed that wait for a restart, comma separated */
};

/**
 * options_load - the first generation, into @o, from the file (--config, or the default
 * when it exists) and @argv. --help, --version, --example-config and --check-config print and
 * exit here. Returns 0, or the exit code having said why.
 */
int options_load(int argc, char **argv, struct kmw_config *o);

/**
 * options_reload - the file and the same @argv again, into a new generation after @cur: on
 * a bad one (a value refused, or a check that --check-config or a start would fail, such as
 * a CA that is not there), NULL having said why, and @cur stays. What changed is said in the
 * log, one line a key (one that waits for a restart keeps @cur's value), and into @r. The new
 * generation holds @cur: config_free of the newest frees them all.
 */
struct kmw_config *options_reload(struct kmw_config *cur, int argc, char **argv,
				  struct options_reload *r);

#endif
