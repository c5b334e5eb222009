// SPDX-License-Identifier: GPL-2.0-or-later
/* options.c - kmodwatchd's configuration generations: read, checked, reloaded (options.h) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "kmw_exit.h"
#include "log.h"
#include "options.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: kmodwatchd [OPTION]...\n"
		   "Watch kernel-module loads and unloads through the audit subsystem.\n\n");
	config_usage(f);
	fprintf(f,
		"\nSIGHUP reloads the configuration: each option takes effect at once, with the\n"
		"outputs opened again, or at the next start (kmodwatchd.conf(5) says which).\n");
	fprintf(f,
		"\nExit status: %d stopped by a signal, %d runtime error, %d bad usage,\n"
		"%d missing privileges, or an output or its directory that cannot be made,\n"
		"%d another kmodwatchd (daemon or plugin) runs: one a host, %d bad\n"
		"configuration file, or a --check-config whose checks failed (a syslog host\n"
		"that does not resolve).\n",
		KMW_EXIT_OK, KMW_EXIT_FAILURE, KMW_EXIT_USAGE, KMW_EXIT_NOPRIV,
		KMW_EXIT_OTHER_CONSUMER, KMW_EXIT_CONFIG);
}

/*
 * The configuration file first, whatever the place of --config among the options, then the
 * command line. @actions: --help and the like print and exit (at start, not at a reload).
 */
static int parse(int argc, char **argv, struct kmw_config *o, bool actions, struct kmw_buf *err)
{
	struct option lopts[64];
	char shorts[64], *sp = shorts;
	const struct kmw_config_key *keys;
	const char *config = NULL;
	bool check = false;
	size_t n, i;
	int c;

	keys = config_keys(&n);
	for (i = 0; i < n && i < 63; i++) {
		/* a switch takes =no on the command line too */
		lopts[i] = (struct option){ keys[i].name,
					    keys[i].arg			     ? required_argument
					    : keys[i].action == KMW_ACT_NONE ? optional_argument
									     : no_argument,
					    NULL, 1000 + (int)i };
		if (keys[i].short_name) {
			*sp++ = (char)keys[i].short_name;
			if (keys[i].arg)
				*sp++ = ':';
		}
	}
	memset(&lopts[i], 0, sizeof(lopts[i]));
	*sp = '\0';
	config_defaults(o);
	for (c = 1; c < argc; c++) {
		if (!strncmp(argv[c], "--config=", 9))
			config = argv[c] + 9;
		else if (!strcmp(argv[c], "--config") && c + 1 < argc)
			config = argv[c + 1];
	}
	if (config_load(o, config ? config : KMW_CONFIG_FILE, config != NULL, err))
		return KMW_EXIT_CONFIG;
	optind = 1;
	opterr = actions;
	while ((c = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		if (c == '?') {
			/* getopt said which option: one line more, not the whole help */
			if (actions)
				fprintf(stderr, "Try 'kmodwatchd --help' for more information.\n");
			return KMW_EXIT_USAGE;
		}
		for (i = 0;
		     i < n && (c >= 1000 ? i != (size_t)(c - 1000) : keys[i].short_name != c); i++)
			;
		if (keys[i].action != KMW_ACT_NONE && !actions)
			continue;
		switch (keys[i].action) {
		case KMW_ACT_HELP: usage(stdout); exit(KMW_EXIT_OK);
		case KMW_ACT_VERSION: printf("kmodwatchd %s\n", PACKAGE_VERSION); exit(KMW_EXIT_OK);
		case KMW_ACT_CONFIG: break;
		case KMW_ACT_CHECK: check = true; break;
		case KMW_ACT_EXAMPLE: config_example(stdout); exit(KMW_EXIT_OK);
		case KMW_ACT_NONE:
			if (config_set(o, i, optarg, NULL, err))
				return KMW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		buf_printf(err, "unexpected argument '%s'\n", argv[optind]);
		return KMW_EXIT_USAGE;
	}
	if (!o->output)
		o->output = o->foreground && !o->plugin ? "-" : KMW_OUTPUT_DEFAULT;
	if (check) {
		/* everything the configuration names, checked as the start would */
		if (config_check(o, err))
			return KMW_EXIT_CONFIG;
		config_print(stdout, o);
		exit(KMW_EXIT_OK);
	}
	return 0;
}

int options_load(int argc, char **argv, struct kmw_config *o)
{
	struct kmw_buf err;
	int rc;

	buf_init(&err);
	rc = parse(argc, argv, o, true, &err);
	log_errors(&err);
	buf_free(&err);
	return rc;
}

struct changes {
	struct kmw_config *n;
	const struct kmw_config *cur;
	struct options_reload *r;
};

/* Whether the new configuration would write another format into the running output file,
 * the same file, with lines in it already. */
static bool mixes_formats(const struct kmw_config *cur, const struct kmw_config *n)
{
	struct stat st;

	return cur->format != n->format && cur->output && n->output &&
	       !strcmp(cur->output, n->output) && strcmp(cur->output, "-") &&
	       stat(cur->output, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* One key changed: taken, or kept at its running value until a restart; said either way. */
static void on_change(size_t k, const char *was, const char *now, void *arg)
{
	const struct kmw_config_key *key = &config_keys(&(size_t){ 0 })[k];
	struct changes *ch = arg;
	struct options_reload *r = ch->r;
	size_t len = strlen(r->pending);

	if (!strcmp(key->name, "format") && mixes_formats(ch->cur, ch->n)) {
		/* a file of one format's lines, written on in another, is read by neither */
		config_keep(ch->n, ch->cur, k);
		log_msg(LOG_WARNING,
			"configuration reload: format changed (%.100s, was %.100s), but %.200s "
			"holds %.100s lines already: the running format stays; name another "
			"output file with it, or rotate this one first",
			now, was, ch->cur->output, was);
		return;
	}
	switch (key->reload) {
	case KMW_RELOAD_RESTART:
		config_keep(ch->n, ch->cur, k);
		log_msg(LOG_WARNING,
			"configuration reload: %s changed (%.100s, was %.100s): it takes "
			"effect at the next start; the running value stays",
			key->name, now, was);
		snprintf(r->pending + len, sizeof(r->pending) - len, "%s%s", len ? "," : "",
			 key->name);
		break;
	case KMW_RELOAD_OUTPUTS:
		r->outputs = true;
		log_msg(LOG_INFO,
			"configuration reload: %s changed (%.100s, was %.100s): the outputs "
			"are opened again",
			key->name, now, was);
		break;
	case KMW_RELOAD_NOW:
		r->now++;
		log_msg(LOG_INFO,
			"configuration reload: %s changed (%.100s, was %.100s): in effect "
			"now",
			key->name, now, was);
		break;
	}
}

struct kmw_config *options_reload(struct kmw_config *cur, int argc, char **argv,
				  struct options_reload *r)
{
	struct kmw_config *n = malloc(sizeof(*n));
	struct kmw_buf err;
	struct changes ch = { .n = n, .cur = cur, .r = r };
	unsigned int gen = r->generation;
	int rc;

	if (!n) {
		log_msg(LOG_ERR,
			"configuration reload: out of memory; the running configuration stays");
		return NULL;
	}
	buf_init(&err);
	rc = parse(argc, argv, n, false, &err);
	/* checked whole, as a start would check it: what a start refuses, a reload refuses */
	if (!rc && config_check(n, &err))
		rc = KMW_EXIT_CONFIG;
	if (rc) {
		log_errors(&err);
		log_msg(LOG_ERR,
			"configuration reload failed (a start would exit with %d): the "
			"running configuration stays",
			rc);
		buf_free(&err);
		config_free(n);
		free(n);
		return NULL;
	}
	buf_free(&err);
	memset(r, 0, sizeof(*r));
	r->generation = gen + 1;
	r->loaded = time(NULL);
	config_changes(cur, n, on_change, &ch);
	n->older = cur;
	/* notice: kept among the last messages that status shows (a plugin's syslog may be
	 * nowhere) */
	log_msg(LOG_NOTICE,
		"configuration reloaded (generation %u): %u key(s) in effect now, outputs "
		"%s%s%s",
		r->generation, r->now, r->outputs ? "opened again" : "as they were",
		r->pending[0] ? "; waiting for a restart: " : "", r->pending);
	return n;
}
