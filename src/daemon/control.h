/* SPDX-License-Identifier: GPL-2.0-or-later */
/* control.h - the daemon's hold on the audit subsystem: privileges, its control socket, the
 * enabled flag, its rules (installed, put back, removed at exit), the kernel's backlog and
 * lost count. Main thread. It knows nothing of what others make of audit's state (guard.h
 * judges it): sampling returns the status, and each change of its own is timed so that its
 * CONFIG_CHANGE record is not taken for an act of others. */
#ifndef KMWD_CONTROL_H
#define KMWD_CONTROL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <libaudit.h>

#include "kmw_config.h"
#include "kmw_rules.h"

struct control {
	const struct kmw_config *conf; /* the generation at start: what it holds is restart-only */
	int ctl;		       /* libaudit control socket, or -1 */
	bool plugin;		       /* read only: the rules in force are others' */
	struct kmw_rules rules;	       /* ours, installed */
	bool restore_enabled;	       /* we enabled audit and turn it off again at exit */
	pid_t audit_pid;	       /* the audit daemon at start (0: none) */
	int64_t own_change_ms;	       /* our own last change of audit's state */
	/* the kernel's status, sampled */
	bool have_lost;
	uint32_t lost_start, lost_reported;
	uint64_t kernel_lost; /* records the kernel lost since start */
	uint32_t backlog_max; /* the kernel's audit backlog, the most seen */
	uint32_t backlog_now; /* ... at the last sample */
	uint32_t backlog_limit, backlog_wait_ms;
	int audit_enabled; /* at the last sample, -1 unknown */
};

/**
 * control_check_privileges - whether this process has the capabilities @o needs. Returns 0,
 * or the exit code having said which is missing.
 */
int control_check_privileges(const struct kmw_config *o);

/**
 * control_init - @c, not yet holding anything.
 */
void control_init(struct control *c, const struct kmw_config *conf);

/**
 * control_open - the audit control socket; audit enabled (and disabled again at exit) unless
 * --no-rules; rules left by a killed kmodwatchd removed; ours installed (in front of a never
 * rule). Returns 0 or -1 having said why.
 */
int control_open(struct control *c);

/**
 * control_open_plugin - a plugin's look at audit: the socket only, to read the rules and the
 * status (a failure is said, and leaves only the records of changes to watch).
 */
void control_open_plugin(struct control *c);

/**
 * control_drop_privileges - keep only what the running daemon needs, in every set, the
 * bounding set cleared, optionally as --user. @multicast: the source reads the multicast
 * group. Before any thread starts. Returns 0 or -1 having said why.
 */
int control_drop_privileges(struct control *c, bool multicast);

/**
 * control_sample - the kernel's audit status into @st: its backlog (the most seen kept) and
 * its lost count. Returns 0 or -errno.
 */
int control_sample(struct control *c, struct audit_status *st);

/**
 * control_account_lost - every tick: records the kernel lost since the last look, said at
 * once. Returns as control_sample, @st filled.
 */
int control_account_lost(struct control *c, struct audit_status *st);

/**
 * control_own_change - a change of our own is coming: its record is not an act of others.
 */
void control_own_change(struct control *c);

/**
 * control_put_back - our rules again, whole and in front of a never rule: what is left of
 * them goes first. Returns 0 or -errno; @first: they went in front of a never rule.
 */
int control_put_back(struct control *c, bool *first);

/**
 * control_enable - audit enabled again. Returns 0 or -errno.
 */
int control_enable(struct control *c);

/**
 * control_close - our rules removed, the enabled flag as it was, the socket closed.
 */
void control_close(struct control *c);

#endif
