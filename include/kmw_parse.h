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
	KMW_NAMES_LOCAL,  /* this host's user database: right for live events */
	KMW_NAMES_RECORD, /* only what the record carries (ENRICHED logs); "unset" for -1 */
};

/*
 * Called once per module syscall event; @ev lives until the callback returns. An event
 * whose SYSCALL record was lost, but whose KERN_MODULE came, has sc KMW_SC_NONE and
 * no_syscall set: the name, the loader's command line and the time are what it knows.
 */
typedef void (*kmw_event_cb)(struct kmw_event *ev, void *arg);

/* A change of audit's own configuration (one CONFIG_CHANGE record), and who made it. */
struct kmw_config_change {
	char op[32];	    /* add_rule, remove_rule, set, ... */
	char field[32];	    /* op=set: audit_enabled, audit_pid, audit_rate_limit, ... */
	int64_t value, old; /* op=set: the new value and the old one; -1 unknown */
	char key[64];	    /* add_rule, remove_rule: the rule's key, "" without one */
	int list;	    /* the rule's filter list (4: exit), -1 unknown */
	int res;	    /* 1 done, 0 refused, -1 unknown */
	/* the event: its time and serial, and who made the change: pid, ppid, uid, auid,
	 * ses, comm, exe and the command line (pid -1: no SYSCALL record came with it) */
	const struct kmw_event *ev;
};

/* What a parser tells besides module syscall events; NULL members are not told. */
struct kmw_parse_hooks {
	void (*config_change)(const struct kmw_config_change *c, void *arg);
	void *config_change_arg;
	/* an INTEGRITY_RULE record whose SYSCALL never came (kmw_lines_ops.orphan), as an
	 * alert event: its file, hash and process (suppressed_load) */
	void (*suppressed)(struct kmw_event *ev, void *arg);
	void *suppressed_arg;
};

/**
 * parse_set_hooks - tell @h of what is not a module syscall event (@h is copied).
 */
void parse_set_hooks(struct kmw_parser *p, const struct kmw_parse_hooks *h);

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
