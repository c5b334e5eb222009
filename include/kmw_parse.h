/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_parse.h - audit record text to struct kmw_event, through libauparse in feed mode */
#ifndef KMW_PARSE_H
#define KMW_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmw_event.h"
#include "kmw_lines.h"

struct kmw_parser;

/* Where user and group names come from. */
enum kmw_names {
	KMW_NAMES_LOCAL,	/* this host's user database: right for live events */
	KMW_NAMES_RECORD,	/* only what the record carries (ENRICHED logs); "unset" for -1 */
};

/* Called once per module syscall event; @ev lives until the callback returns. */
typedef void (*kmw_event_cb)(struct kmw_event *ev, void *arg);

/**
 * parse_new - a parser that calls @cb for every module syscall event.
 * @hostname: default node name when records carry no node= (may be NULL).
 * Returns NULL with errno set on failure.
 */
struct kmw_parser *parse_new(kmw_event_cb cb, void *arg, const char *hostname);

/**
 * parse_set_names - where user and group names come from (default LOCAL).
 */
void parse_set_names(struct kmw_parser *p, enum kmw_names names);

/**
 * parse_set_historical - mark every event from now on as read from the past.
 */
void parse_set_historical(struct kmw_parser *p, bool historical);

/**
 * parse_free - flush nothing, release everything.
 */
void parse_free(struct kmw_parser *p);

/**
 * parse_feed - feed @len bytes of audit text: whole lines "type=X msg=audit(...): ..."
 * ending in '\n'. Callbacks may run before it returns. Returns 0 or -errno.
 */
int parse_feed(struct kmw_parser *p, const char *data, size_t len);

/**
 * parse_feed_line - feed one record line of @len bytes, without its newline.
 * Returns 0 or -errno.
 */
int parse_feed_line(struct kmw_parser *p, const char *line, size_t len);

/**
 * parse_flush - complete every pending event (end of input or shutdown).
 */
void parse_flush(struct kmw_parser *p);

/*
 * The records lines.c picks out, into a parser: lines_init(l, &parse_lines_ops, parser, true).
 */
extern const struct kmw_lines_ops parse_lines_ops;

/**
 * parse_left_out - events left out because their input was cut while they
 * were open (kmw_lines_ops.abandon).
 */
uint64_t parse_left_out(const struct kmw_parser *p);

#endif
