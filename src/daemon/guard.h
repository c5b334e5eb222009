/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guard.h - audit's own configuration watched: the rules in force (removed, out-ranked by a
 * never rule), the enabled flag, the audit pid. Each act that blinds audit to module loads is
 * an alert, naming who did it (its CONFIG_CHANGE record and the SYSCALL and PROCTITLE of the
 * call), handed on like an event, and undone (control.h) unless --reinstall-rules=no. Main
 * thread. */
#ifndef KMWD_GUARD_H
#define KMWD_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "control.h"
#include "kmw_config.h"
#include "kmw_event.h"
#include "kmw_parse.h"

/* An act of others on audit's configuration: one CONFIG_CHANGE record, and who made it. */
struct guard_act {
	char op[32], field[32], key[64];
	int64_t value, old;
	int res, list;
	uint64_t serial;
	int64_t ms;
	int64_t pid, ppid, uid, auid, ses;
	char comm[64], exe[256], user[64], auser[64];
	char args[512]; /* the command line: its words, each after the last */
	uint16_t arg_off[16], arg_len[16];
	unsigned int argc;
	bool told; /* an alert names it already */
};

#define GUARD_ACTS 16

/* an alert made: to the store and every output, as an event (the worker's push) */
typedef void (*guard_emit_fn)(struct kmw_event *ev, void *arg);

struct guard {
	struct control *control;
	const struct kmw_config *conf; /* the generation in force */
	const char *node;	       /* this host's name, for the alerts; NULL: none */
	guard_emit_fn emit;
	void *emit_arg;
	struct kmw_event *ev;		   /* the alert being made */
	struct guard_act acts[GUARD_ACTS]; /* the newest acts, oldest first */
	unsigned int nacts;
	bool rules_blind;   /* a module syscall unaudited by the rules in force */
	bool rules_alerted; /* ... and said */
	int64_t rules_since_ms;
	char partly_said[400]; /* unaudited where a rule's conditions match: said once */
	char baseline[400];    /* what went unaudited at start: no act of anyone */
	bool baseline_set;
	int64_t disabled_since_ms; /* audit seen disabled since, or 0 */
	bool disabled_alerted;
	uint32_t audit_pid; /* the audit daemon's pid, at the last sample */
	bool audit_pid_known;
	int64_t pid_waiting_ms; /* a new audit pid waiting for its record */
	int64_t last_blind_ms;	/* audit was last seen blind */
	/* what it counted */
	uint64_t rules_removed;	 /* times the rules were found removed or out-ranked */
	uint64_t audit_disabled; /* times audit was found disabled */
	uint64_t alerts;
};

/**
 * guard_init - @g watching through @control, its alerts to @emit. Returns 0 or -ENOMEM.
 */
int guard_init(struct guard *g, struct control *control, const struct kmw_config *conf,
	       const char *node, guard_emit_fn emit, void *arg);

/**
 * guard_set_config - the generation in force from now on (a reload).
 */
void guard_set_config(struct guard *g, const struct kmw_config *conf);

/**
 * guard_check_rules - whether the rules in force audit every module syscall, in the kernel's
 * order: each tick, and at once after a record of a change of the rules. The first look is the
 * baseline: what goes unaudited then is said, and is no act of anyone.
 */
void guard_check_rules(struct guard *g);

/**
 * guard_status - the status sampled: the enabled flag and the audit pid.
 */
void guard_status(struct guard *g, const struct audit_status *st);

/**
 * guard_config_change - a CONFIG_CHANGE record (the parser's hook, @arg the guard): kept as an
 * act of others, unless it is ours, and judged.
 */
void guard_config_change(const struct kmw_config_change *c, void *arg);

/**
 * guard_blind - whether audit is blind to module loads now, or was within @within_ms.
 */
bool guard_blind(const struct guard *g, int64_t within_ms);

void guard_fini(struct guard *g);

#endif
