/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_filter.h - the filters of `kmodwatch query`: parsed once, matched in memory or in SQL */
#ifndef KMW_FILTER_H
#define KMW_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "kmw_event.h"

struct kmw_filter {
	bool has_since, has_until;
	int64_t since_ms, until_ms;	/* epoch milliseconds, inclusive since, exclusive until */
	const char *module;		/* exact name */
	const char *path_glob;		/* fnmatch/GLOB against module.path or the inferred file */
	const char *sha256;		/* a prefix, lower case hex */
	bool has_uid, has_auid;
	int64_t uid, auid;
	const char *user;		/* user name of uid */
	const char *exe;
	int result;			/* 0 any, 1 success, -1 failure */
	const char *errno_name;
	const char *flag;		/* a flag name that must be set */
	const char *syscall;
	const char *key;
	const char *host;		/* audit.node: the host the event happened on */
	int risk;			/* minimum risk level, -1 for any */
	bool has_kind;
	enum kmw_kind kind;		/* syscall, summary, alert */
};

/**
 * filter_init - a filter that matches everything.
 */
void filter_init(struct kmw_filter *f);

/**
 * filter_parse_time - @s as epoch milliseconds: ISO 8601 (local time unless
 * it ends in Z or an offset), epoch seconds, "now", "today", "yesterday",
 * "recent" (10 minutes ago), "this-week", or "N minutes|hours|days|weeks ago".
 * @now is the reference time. Returns 0 or -EINVAL.
 */
int filter_parse_time(const char *s, time_t now, int64_t *ms);

/**
 * filter_set - set option @name (the long option without dashes: since,
 * until, module, path, sha256, uid, user, auid, exe, result, errno, flag,
 * syscall, key, host, risk, kind) from @value. On -EINVAL, @why says which forms are taken.
 */
int filter_set(struct kmw_filter *f, const char *name, const char *value, time_t now,
	       const char **why);

/**
 * filter_match - whether @ev passes @f (for events read from audit logs).
 */
bool filter_match(const struct kmw_filter *f, const struct kmw_event *ev);

#endif
