/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reconcile.h - the module checks: what audit saw of the modules held against the modules
 * loaded now (the snapshot at start, the ledger kept from the events, checks a few seconds
 * after a load and at jittered intervals), the kernel's taint and the protections of module
 * loading watched; each finding an alert, once per module (kmw_ledger.h), handed to a
 * callback. Started on the main thread before the worker; then worker thread only. */
#ifndef KMWD_RECONCILE_H
#define KMWD_RECONCILE_H

#include <stdbool.h>
#include <stdint.h>

#include "kmw_config.h"
#include "kmw_enrich.h"
#include "kmw_event.h"
#include "kmw_inventory.h"
#include "kmw_ledger.h"
#include "kmw_posture.h"
#include "persist.h"

/* a finding of the module checks stands when two checks this far apart see it */
#define RECON_CONFIRM_MS 1500
/* a check this long after a load */
#define RECON_AFTER_LOAD_MS 3000
/* events lagging this long no more hold a finding back: it is said, marked so */
#define RECON_BEHIND_MAX_MS 30000
/* new taint bits wait this long for the audited load that explains them */
#define RECON_TAINT_WAIT_MS 4000
/* after audit was blind, the modules are checked every tick this long */
#define RECON_BLIND_AFTER_MS 10000

/* The main thread's tick to the checks: audit's gaps, and whether events lag behind. */
struct recon_tick {
	struct kmw_audit_gaps g; /* the counters; the flags are the checks' own */
	bool behind;
	bool blind; /* audit is blind to module loads, or was a moment ago */
};

/* an alert made: to the store and every output */
typedef void (*recon_emit_fn)(struct kmw_event *ev, void *arg);

struct recon_counts {
	uint64_t checks;	     /* module checks made */
	uint64_t modules;	     /* modules loaded at the last check */
	int64_t check_us_max;	     /* the longest check */
	struct kmw_posture posture;  /* the kernel's protections at the last tick */
	int64_t boot_first_start_ms; /* this boot's first start of kmodwatchd */
	bool store_history_lost;     /* the store had no record of this boot before this start */
	uint64_t modules_unchecked;  /* ... and so many modules' load time could not be read */
};

struct recon {
	const struct kmw_config *conf; /* the generation in force */
	struct persist *persist;       /* the store and this boot */
	struct kmw_enricher *enricher; /* a module file's hash, from its cache */
	const char *node;	       /* this host's name, for the alerts; NULL: none */
	recon_emit_fn emit;
	void *emit_arg;
	bool on;      /* live, on a kernel with modules, checks not turned off */
	bool started; /* the checks started (inventory-interval was not 0) */
	bool paused;  /* inventory-interval 0 since a reload: no checks */
	struct kmw_ledger ledger;
	struct kmw_inventory inv;
	struct kmw_audit_gaps gaps; /* the latest */
	int64_t next_ms;	    /* the next periodic check */
	int64_t after_load_ms;	    /* a check due after a load, or 0 */
	int64_t behind_since_ms;    /* events lag behind since, or 0 */
	bool behind;
	bool blind;	    /* audit blind (guard.h): a check every tick */
	char last_act[192]; /* the last tampering alert, for what it may have hidden */
	int64_t last_act_ms;
	uint64_t malformed_said; /* the malformed line of the list said last (a hash) */
	bool posture_on;
	bool ima_seen; /* an event had an INTEGRITY_RULE record: IMA audits loads */
	/* the kernel's taint (/proc/sys/kernel/tainted): what is known of it, the bits audited
	 * loads explain, new bits that wait for the load that explains them */
	bool taint_on;
	uint64_t taint_known, taint_explained, taint_pending;
	int64_t taint_pending_ms;
	unsigned int waiting; /* findings waiting for their second look */
	uint64_t rng;
	struct kmw_event *ev; /* the alert being made */
	struct recon_counts n;
};

/**
 * recon_init - @r for @conf, its alerts to @emit; nothing read yet.
 */
void recon_init(struct recon *r, const struct kmw_config *conf, struct persist *persist,
		struct kmw_enricher *enricher, const char *node, recon_emit_fn emit, void *arg);

/**
 * recon_start - main thread, before the worker starts: the modules loaded now go to the store.
 * The first snapshot of this boot is the baseline; a later one (a restart) takes the baseline
 * and the events of this boot from the store, and what came or went while down is a gap
 * unless @logs_filled_in. @ctl: an audit socket to read the rules with (-1: none).
 */
void recon_start(struct recon *r, bool logs_filled_in, int ctl, bool rules_ours);

/**
 * recon_set_config - the generation in force from now on (a reload): the interval of the
 * checks and the risk levels.
 */
void recon_set_config(struct recon *r, const struct kmw_config *conf);

/**
 * recon_tick - a tick from the main thread: the taint and the posture, and a check when one is
 * due or a finding waits.
 */
void recon_tick(struct recon *r, const struct recon_tick *t);

/**
 * recon_event - every event delivered: the loads and unloads of this boot go into the ledger;
 * a tampering alert names what it may hide, and brings a check at once.
 */
void recon_event(struct recon *r, const struct kmw_event *ev);

void recon_fini(struct recon *r);

#endif
