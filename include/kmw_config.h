/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_config.h - kmodwatchd's options: one keyword table for the command line, the
 * configuration file (a key is a long option without its dashes), --check-config and
 * --help; the CLI reads the same file for the store and the rule key. */
#ifndef KMW_CONFIG_H
#define KMW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "kmw_buf.h"
#include "kmw_format.h"
#include "kmw_risk.h"
#include "kmw_source.h"

#define KMW_CONFIG_FILE "/etc/kmodwatch/kmodwatchd.conf"
/* the auditd plugin's configuration, where auditd reads it */
#define KMW_PLUGIN_CONF "/etc/audit/plugins.d/kmodwatch.conf"
#define KMW_OUTPUT_DIR "/var/log/kmodwatch"
#define KMW_OUTPUT_DEFAULT KMW_OUTPUT_DIR "/events.json"
#define KMW_CONFIG_SYSLOG_MAX 4

struct kmw_config {
	bool foreground;
	const char *output; /* NULL until the daemon settles it (stdout or the log) */
	enum kmw_format format;
	enum kmw_source_mode source;
	bool no_rules;
	bool second_consumer; /* beside another kmodwatchd on purpose: no state file */
	const char *key;
	const char *record_log;
	bool plugin;
	struct kmw_risk_config risk;
	const char *store;	  /* NULL: none */
	const char *metrics_file; /* FILE, "auto" or "none" */
	unsigned int retention_days;
	unsigned int retention_mb;
	const char *backfill_dir; /* NULL: none */
	const char *output_prefix;
	unsigned int rotate_mb, rotate_keep;
	const char *output_group;
	const char *syslog[KMW_CONFIG_SYSLOG_MAX];
	int nsyslog;
	int syslog_rfc, syslog_facility, syslog_severity;
	const char *syslog_app;
	const char *syslog_ca, *syslog_cert, *syslog_key, *syslog_peer_name, *syslog_tls_min,
		*syslog_ciphers; /* tls: and relp+tls: destinations */
	enum kmw_format syslog_format;
	bool journald;
	const char *user;
	bool reinstall_rules;
	unsigned int stats_interval;
	unsigned int queue_mb;		 /* records waiting for the pipeline, at most */
	unsigned int priority_boost;	 /* nice levels taken off the daemon */
	unsigned int reader_boost;	 /* ... and more off its reading thread */
	unsigned int flood_budget;	 /* sheddable calls of one user one by one per interval */
	unsigned int summary_interval;	 /* seconds */
	unsigned int inventory_interval; /* seconds between module checks, 0: none */
	/* the values read from files, and a configuration this one replaced (a reload):
	 * the strings stay valid until config_free */
	char *strs[128];
	int nstrs;
	struct kmw_config *older;
};

/* what a key is for, beside setting an option */
enum kmw_config_action {
	KMW_ACT_NONE,	 /* an option, in the file and on the command line */
	KMW_ACT_CONFIG,	 /* --config FILE */
	KMW_ACT_CHECK,	 /* --check-config */
	KMW_ACT_EXAMPLE, /* --example-config */
	KMW_ACT_HELP,
	KMW_ACT_VERSION,
};

/* how a running kmodwatchd takes a key's new value on SIGHUP */
enum kmw_reload {
	KMW_RELOAD_NOW,	    /* at once */
	KMW_RELOAD_OUTPUTS, /* the outputs are opened again with it */
	KMW_RELOAD_RESTART, /* only at the next start: the running value stays, and is said */
};

struct kmw_config_key {
	const char *name; /* the long option, and the key of the file */
	int short_name;	  /* 0: none */
	const char *arg;  /* the value's form in --help; NULL: a switch */
	const char *help; /* lines after the first start with '\n' */
	enum kmw_config_action action;
	/* for config.c: how the value is read and where it goes */
	int type;
	size_t off;
	unsigned long min, max;
	enum kmw_reload reload;
	/* the default, as the file would give it: config_defaults, --help and --example-config
	 * all take it from here (NULL: none, or one the help explains) */
	const char *def;
};

/**
 * config_keys - the keyword table, in the order of --help; its length in @n.
 */
const struct kmw_config_key *config_keys(size_t *n);

/**
 * config_defaults - @c with every default.
 */
void config_defaults(struct kmw_config *c);

/**
 * config_set - set key @k (an index of config_keys) to @v (NULL for a switch given
 * on the command line: yes). @v must outlive @c. @where starts the message that a bad
 * value appends to @err ("FILE:LINE", or NULL). Returns 0 or -EINVAL.
 */
int config_set(struct kmw_config *c, size_t k, const char *v, const char *where,
	       struct kmw_buf *err);

/**
 * config_load - read "key = value" lines ('#' comments, '_' or '-' in keys) of @path
 * into @c. An unknown key or a value not taken is an error naming the file and line,
 * one line each into @err; every line is read. A missing file is no error unless
 * @must_exist. Returns 0, -ENOENT/-EACCES and the like, or -EINVAL.
 */
int config_load(struct kmw_config *c, const char *path, bool must_exist, struct kmw_buf *err);

/**
 * config_print - every option of @c as the lines of a configuration file that
 * config_load reads back to the same; an option without a value as a comment.
 */
void config_print(FILE *f, const struct kmw_config *c);

/**
 * config_usage - the options of the table, for --help.
 */
void config_usage(FILE *f);

/**
 * config_example - a configuration file with every option of the table, its help as a
 * comment and its default as a commented-out line.
 */
void config_example(FILE *f);

/**
 * config_reload_name - "now", "outputs", "restart".
 */
const char *config_reload_name(enum kmw_reload r);

/**
 * config_changes - each key (an option, not an action) whose value differs between @was and
 * @now, to @fn with its index and both values as config_print writes them (lines joined by
 * ", ").
 */
typedef void (*kmw_config_change_fn)(size_t k, const char *was, const char *now, void *arg);
void config_changes(const struct kmw_config *was, const struct kmw_config *now,
		    kmw_config_change_fn fn, void *arg);

/**
 * config_keep - key @k of @dst takes @src's value: a new generation keeps the running value
 * of a key that changes only at restart. Strings are shared: @src must outlive @dst.
 */
void config_keep(struct kmw_config *dst, const struct kmw_config *src, size_t k);

/**
 * config_free - the strings read from files, and every configuration @c replaced
 * (those allocated with malloc). @c itself stays.
 */
void config_free(struct kmw_config *c);

/**
 * config_check - what a value's form cannot tell: that each syslog host resolves. The
 * problems, a line each, into @err. Returns 0 or -EINVAL.
 */
int config_check(const struct kmw_config *c, struct kmw_buf *err);

/**
 * config_plugin_active - whether the auditd plugin configuration at @path is active
 * ("active = yes"): 1, 0, or -errno (-ENOENT: not installed).
 */
int config_plugin_active(const char *path);

/**
 * config_plugin_set_active - rewrite the "active" line of @path, the rest as it is, into a
 * new file renamed over it. Returns 0 or -errno.
 */
int config_plugin_set_active(const char *path, bool active);

#endif
