/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_filter.h - the filters of `kmodwatch query`, from one table (filter.c): each filter's
 * name, the form of its value, its help, the values it takes (completion), its condition in
 * the store's SQL, its match in memory, and whether the collector's prefilter can look for
 * its value in a line */
#ifndef KMW_FILTER_H
#define KMW_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "kmw_buf.h"
#include "kmw_event.h"

/* the filters, in the order of the help */
enum kmw_filter_id {
	KMW_F_SINCE,
	KMW_F_UNTIL,
	KMW_F_MODULE,
	KMW_F_PATH,
	KMW_F_SHA256,
	KMW_F_UID,
	KMW_F_USER,
	KMW_F_AUID,
	KMW_F_EXE,
	KMW_F_RESULT,
	KMW_F_ERRNO,
	KMW_F_FLAG,
	KMW_F_SYSCALL,
	KMW_F_KEY,
	KMW_F_RISK,
	KMW_F_KIND,
	KMW_F_HOST,
	KMW_F_COUNT,
};

/* how a shell completes a filter's value */
enum kmw_filter_complete {
	KMW_COMPLETE_NONE,  /* free text */
	KMW_COMPLETE_WORDS, /* one of the words filter_words lists */
	KMW_COMPLETE_FILE,
	KMW_COMPLETE_USER,
};

/* One filter given: its value as given (@s), and as the filter reads it (@n: a time in epoch
 * milliseconds, an id, a level, the index of a word). */
struct kmw_filter_value {
	bool set;
	const char *s;
	int64_t n;
};

struct kmw_filter {
	struct kmw_filter_value v[KMW_F_COUNT];
	char sha256[65]; /* --sha256 in lower case, as events write it */
	char forms[200]; /* the values a filter takes, in words, when one was refused */
};

/* A value to bind to the store's query: a number or a string. */
struct kmw_filter_bind {
	bool is_int;
	int64_t n;
	const char *s;
};

#define KMW_FILTER_BINDS 32

/**
 * filter_init - a filter that matches everything.
 */
void filter_init(struct kmw_filter *f);

/**
 * filter_find - the filter named @name (the long option without its dashes); -1 for none.
 */
int filter_find(const char *name);

/**
 * filter_name - the name of filter @id; filter_arg - the form of its value ("T", "NAME");
 * filter_complete - how a shell completes its value.
 */
const char *filter_name(enum kmw_filter_id id);
const char *filter_arg(enum kmw_filter_id id);
enum kmw_filter_complete filter_complete(enum kmw_filter_id id);

/**
 * filter_words - each value filter @id takes, to @each (none for a filter of free text).
 */
void filter_words(enum kmw_filter_id id, void (*each)(const char *word, void *arg), void *arg);

/**
 * filter_usage - the filters for a help text: "--NAME FORM" each, wrapped at about 76
 * columns, each line after @indent spaces.
 */
void filter_usage(FILE *f, int indent);

/**
 * filter_parse_time - @s as epoch milliseconds: ISO 8601 (local time unless
 * it ends in Z or an offset), epoch seconds, "now", "today", "yesterday",
 * "recent" (10 minutes ago), "this-week", or "N minutes|hours|days|weeks ago".
 * @now is the reference time. Returns 0 or -EINVAL.
 */
int filter_parse_time(const char *s, time_t now, int64_t *ms);

/**
 * filter_set - set filter @name from @value (which must outlive @f). On -EINVAL, @why says
 * which forms are taken (or that there is no such filter).
 */
int filter_set(struct kmw_filter *f, const char *name, const char *value, time_t now,
	       const char **why);

/**
 * filter_match - whether @ev passes @f (for events read from audit logs or collected lines).
 */
bool filter_match(const struct kmw_filter *f, const struct kmw_event *ev);

/**
 * filter_sql - the store's condition for @f: " WHERE ..." (nothing when @f matches all)
 * appended to @sql, and a value for each '?' in @b (at most KMW_FILTER_BINDS). Returns the
 * number of values.
 */
unsigned int filter_sql(const struct kmw_filter *f, struct kmw_buf *sql, struct kmw_filter_bind *b);

/**
 * filter_needles - the values of @f that the JSON line of every event it matches holds as
 * they are (a host, a module, a SHA-256 prefix ... that JSON writes unescaped), at most @max,
 * into @out. Returns how many.
 */
unsigned int filter_needles(const struct kmw_filter *f, const char **out, unsigned int max);

#endif
