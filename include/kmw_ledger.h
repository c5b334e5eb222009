/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_ledger.h - what audit saw of the modules (loaded, unloaded, present at the start) held
 * against the kernel's two views now: what hides, what came or went unaudited */
#ifndef KMW_LEDGER_H
#define KMW_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "kmw_event.h"
#include "kmw_inventory.h"

/* A load audit saw: what the ledger keeps of it. */
struct kmw_load {
	uint64_t serial;
	int64_t ms;
	const char *path, *sha256; /* the module file, or NULL */
	const char *exe, *user;	   /* the loader, or NULL */
	int64_t uid;
	const char *risk; /* the event's risk level, or NULL */
};

struct kmw_ledger_entry {
	char name[KMW_MODNAME_MAX];
	bool loaded;	     /* audit saw it loaded, and no unload since */
	bool unloaded;	     /* audit saw it unloaded */
	bool at_start;	     /* present when monitoring began this boot */
	bool came_unaudited; /* present with no load seen: said so (unaudited_load) */
	uint64_t load_serial;
	int64_t load_ms;
	char load_path[512]; /* the file of the load event, "" when it named none */
	char load_sha256[65];
	char load_exe[256], load_user[64], load_risk[8];
	int64_t load_uid;
	uint64_t gap_gen; /* the audit gaps counted when it was last seen loaded */
	int pending;	  /* a finding waiting for its second look (risk reason), or -1 */
	int64_t pending_ms;
	unsigned int checks;
	uint32_t reported; /* findings already said of this life of the module (bits) */
	int64_t flight_ms; /* seen Loading or Unloading since (its call not returned), or 0 */
};

/* A module whose init has not returned is in flight: its load's records come when it does.
 * Judged after this long (a module could stay "Loading" for good). */
#define KMW_LEDGER_FLIGHT_MS 60000

struct kmw_ledger {
	unsigned int n, cap;
	struct kmw_ledger_entry *e;
	int64_t confirm_ms;	/* a finding stands when two checks this far apart see it */
	bool unloads_unaudited; /* the rules do not audit delete_module: no unload is seen */
};

/*
 * Told of a finding that stood two checks: @code is the risk reason (hidden_module,
 * unaudited_load, unaudited_unload), @m the module as the views show it now (NULL when it is
 * in neither).
 */
typedef void (*kmw_finding_fn)(const struct kmw_ledger_entry *e, int code,
			       const struct kmw_module_info *m, void *arg);

/**
 * ledger_init - an empty ledger; findings stand after @confirm_ms.
 */
void ledger_init(struct kmw_ledger *l, int64_t confirm_ms);

/**
 * ledger_free - release @l.
 */
void ledger_free(struct kmw_ledger *l);

/**
 * ledger_at_start - @name was present when monitoring began this boot (the start snapshot).
 */
void ledger_at_start(struct kmw_ledger *l, const char *name, uint64_t gap_gen);

/**
 * ledger_load, ledger_unload - audit saw a successful load or unload of @name. @gap_gen is
 * the count of audit gaps now (rules removed, records lost, calls dropped): a later gap
 * means an unload could have gone unseen. @ld is what is kept of the load.
 */
void ledger_load(struct kmw_ledger *l, const char *name, const struct kmw_load *ld,
		 uint64_t gap_gen);
void ledger_unload(struct kmw_ledger *l, const char *name);

/**
 * ledger_check - hold the ledger against @inv at @now_ms, @gap_gen the audit gaps counted
 * now. A module audit saw loaded that the module list lacks, or one sysfs has and the list
 * lacks, hides (hidden_module); one the list has that audit never saw loaded and that was
 * not there at the start came unaudited (unaudited_load); one gone from both views with no
 * unload seen went unaudited (unaudited_unload), unless audit saw it loaded and had no gap
 * since: then it hides from both. A finding is told to @fn once it stood two checks
 * @confirm_ms apart (a load or unload in flight is no finding), the second with @confirm
 * (false: the events may lag behind, it waits), and once per life of the module. Returns
 * the findings waiting for a second look.
 */
unsigned int ledger_check(struct kmw_ledger *l, const struct kmw_inventory *inv, int64_t now_ms,
			  uint64_t gap_gen, bool confirm, kmw_finding_fn fn, void *arg);

/**
 * ledger_reported - @code was already said of the life of @name that is current (an alert
 * the store has from before a restart): it is not said again.
 */
void ledger_reported(struct kmw_ledger *l, const char *name, int code);

/**
 * ledger_gap_gen - one number that grows with every gap of @g: a module seen loaded before
 * it moved may have been unloaded unseen.
 */
uint64_t ledger_gap_gen(const struct kmw_audit_gaps *g);

/**
 * ledger_alert - @ev becomes the alert of a finding (as ledger_check tells it: @e, @code,
 * @m), made at @now_ms on @node (or NULL), with audit's @gaps and whether the events lagged
 * behind (@behind). Its identity: a serial of its own (bit 62 set, never an audit serial)
 * from the module and the finding. The risk is the caller's (risk_assess).
 */
void ledger_alert(struct kmw_event *ev, const struct kmw_ledger_entry *e, int code,
		  const struct kmw_module_info *m, const struct kmw_audit_gaps *gaps, bool behind,
		  const char *node, int64_t now_ms);

struct kmw_store;

/**
 * ledger_restore - the ledger of boot @boot_id (started at @since_ms) from the store: the
 * modules of its first snapshot (loaded before monitoring began), then its loads, unloads and
 * alerts, oldest first. Returns 1 when the boot has a snapshot, 0 when it has none (nothing
 * is known of what came before), or -errno.
 */
int ledger_restore(struct kmw_ledger *l, struct kmw_store *s, const char *boot_id,
		   int64_t since_ms);

/**
 * ledger_find - the entry of @name, or NULL.
 */
const struct kmw_ledger_entry *ledger_find(const struct kmw_ledger *l, const char *name);

#endif
