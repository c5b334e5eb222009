// SPDX-License-Identifier: GPL-2.0-or-later
/* ledger.c - the modules audit saw come and go, and the checks against the kernel's views */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmw_ledger.h"
#include "kmw_risk.h"
#include "kmw_store.h"

void ledger_init(struct kmw_ledger *l, int64_t confirm_ms)
{
	memset(l, 0, sizeof(*l));
	l->confirm_ms = confirm_ms;
}

void ledger_free(struct kmw_ledger *l)
{
	free(l->e);
	l->e = NULL;
	l->n = l->cap = 0;
}

/* The entry of @name, made when there is none: the entries are sorted by name. */
static struct kmw_ledger_entry *lookup(struct kmw_ledger *l, const char *name, bool make)
{
	struct kmw_ledger_entry *e;
	unsigned int lo = 0, hi = l->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(l->e[mid].name, name);
		if (!c)
			return &l->e[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!make || strlen(name) >= sizeof(l->e[0].name))
		return NULL;
	if (l->n == l->cap) {
		unsigned int cap = l->cap ? l->cap * 2 : 256;
		struct kmw_ledger_entry *ne = realloc(l->e, cap * sizeof(*ne));

		if (!ne)
			return NULL;
		l->e = ne;
		l->cap = cap;
	}
	memmove(&l->e[lo + 1], &l->e[lo], (l->n - lo) * sizeof(*l->e));
	l->n++;
	e = &l->e[lo];
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->pending = -1;
	return e;
}

const struct kmw_ledger_entry *ledger_find(const struct kmw_ledger *l, const char *name)
{
	return lookup((struct kmw_ledger *)l, name, false);
}

void ledger_at_start(struct kmw_ledger *l, const char *name, uint64_t gap_gen)
{
	struct kmw_ledger_entry *e = lookup(l, name, true);

	if (!e)
		return;
	e->at_start = true;
	e->gap_gen = gap_gen;
}

void ledger_load(struct kmw_ledger *l, const char *name, const struct kmw_load *ld,
		 uint64_t gap_gen)
{
	struct kmw_ledger_entry *e = lookup(l, name, true);

	if (!e)
		return;
	/* a new life of the module: what was said of the last one is said again if it holds */
	e->loaded = true;
	e->unloaded = false;
	e->load_serial = ld->serial;
	e->load_ms = ld->ms;
	e->load_uid = ld->uid;
	e->gap_gen = gap_gen;
	e->pending = -1;
	e->reported = 0;
	snprintf(e->load_path, sizeof(e->load_path), "%s", ld->path ? ld->path : "");
	snprintf(e->load_sha256, sizeof(e->load_sha256), "%s", ld->sha256 ? ld->sha256 : "");
	snprintf(e->load_exe, sizeof(e->load_exe), "%s", ld->exe ? ld->exe : "");
	snprintf(e->load_user, sizeof(e->load_user), "%s", ld->user ? ld->user : "");
	snprintf(e->load_risk, sizeof(e->load_risk), "%s", ld->risk ? ld->risk : "");
}

void ledger_reported(struct kmw_ledger *l, const char *name, int code)
{
	struct kmw_ledger_entry *e = lookup(l, name, true);

	if (e && code >= 0 && code < 32)
		e->reported |= 1u << code;
}

void ledger_unload(struct kmw_ledger *l, const char *name)
{
	struct kmw_ledger_entry *e = lookup(l, name, true);

	if (!e)
		return;
	e->loaded = false;
	e->unloaded = true;
	e->at_start = e->came_unaudited = false;
	e->pending = -1;
	e->reported = 0;
}

/* What the views and the ledger say of one module now: a risk reason, or -1. */
static int finding(const struct kmw_ledger *l, const struct kmw_ledger_entry *e,
		   const struct kmw_module_info *m, uint64_t gap_gen)
{
	bool proc = m && m->in_proc, sysfs = m && m->in_sysfs;
	bool known = e && (e->loaded || e->at_start || e->came_unaudited);

	/* in sysfs, not in the list: hidden, whoever loaded it and whenever */
	if (sysfs && !proc)
		return KMW_R_HIDDEN_MODULE;
	if (proc)
		return e && (e->loaded || e->at_start) ? -1 : KMW_R_UNAUDITED_LOAD;
	if (!known)
		return -1;
	/* in neither view, and no unload seen: hidden from both, unless audit could have missed
	 * the unload (its rules removed, records lost, the daemon down) */
	if (e->loaded && !l->unloads_unaudited &&
	    (gap_gen == e->gap_gen || (e->reported & (1u << KMW_R_HIDDEN_MODULE))))
		return KMW_R_HIDDEN_MODULE;
	return KMW_R_UNAUDITED_UNLOAD;
}

/* One module's finding against its pending one; told when it stood its second look. */
static void weigh(struct kmw_ledger *l, struct kmw_ledger_entry *e, int f,
		  const struct kmw_module_info *m, int64_t now_ms, bool confirm, kmw_finding_fn fn,
		  void *arg, unsigned int *waiting)
{
	if (f < 0 || (e->reported & (1u << f))) {
		e->pending = -1;
		return;
	}
	if (e->pending != f) {
		e->pending = f;
		e->pending_ms = now_ms;
		e->checks = 1;
		(*waiting)++;
		return;
	}
	e->checks++;
	if (now_ms - e->pending_ms < l->confirm_ms || !confirm) {
		(*waiting)++;
		return;
	}
	e->reported |= 1u << f;
	e->pending = -1;
	fn(e, f, m, arg);
	/* what came unaudited is known to be there from now on; what went unaudited is known
	 * no more: it starts afresh */
	if (f == KMW_R_UNAUDITED_LOAD)
		e->came_unaudited = true;
	if (f == KMW_R_UNAUDITED_UNLOAD) {
		e->loaded = e->at_start = e->came_unaudited = false;
		e->reported = 0;
	}
}

static bool loading(const struct kmw_module_info *m)
{
	return m && m->in_proc && (!strcmp(m->state, "Loading") || !strcmp(m->state, "Unloading"));
}

unsigned int ledger_check(struct kmw_ledger *l, const struct kmw_inventory *inv, int64_t now_ms,
			  uint64_t gap_gen, bool confirm, kmw_finding_fn fn, void *arg)
{
	unsigned int i, waiting = 0;

	/* what the views show that the ledger does not know yet gets an entry to weigh it by */
	for (i = 0; i < inv->n; i++) {
		struct kmw_ledger_entry *e = lookup(l, inv->m[i].name, false);
		int f = finding(l, e, &inv->m[i], gap_gen);

		if (f >= 0 || loading(&inv->m[i]))
			e = lookup(l, inv->m[i].name, true);
		/* in flight since when: its records come when its call returns */
		if (e && loading(&inv->m[i]) && !e->flight_ms)
			e->flight_ms = now_ms;
		else if (e && !loading(&inv->m[i]))
			e->flight_ms = 0;
	}
	for (i = 0; i < l->n; i++) {
		struct kmw_ledger_entry *e = &l->e[i];
		const struct kmw_module_info *m = inventory_find(inv, e->name);
		int f = e->flight_ms && now_ms - e->flight_ms < KMW_LEDGER_FLIGHT_MS
				? -1
				: finding(l, e, m, gap_gen);

		weigh(l, e, f, m, now_ms, confirm, fn, arg, &waiting);
	}
	return waiting;
}

uint64_t ledger_gap_gen(const struct kmw_audit_gaps *g)
{
	return g->kernel_lost + g->lost_events + g->socket_dropped + g->dropped_calls +
	       g->rules_removed + g->audit_disabled + (g->daemon_down ? 1 : 0);
}

/* The sentence of a finding, from its evidence. */
static const char *why(int code, const struct kmw_ledger_entry *e, const struct kmw_module_info *m,
		       bool gaps)
{
	bool proc = m && m->in_proc, sysfs = m && m->in_sysfs;

	switch (code) {
	case KMW_R_HIDDEN_MODULE:
		if (sysfs && !proc)
			return e->loaded
				       ? "audit saw it loaded and sysfs has it, but the kernel's module "
					 "list does not: unlinked from the list, as rootkits hide"
				       : "sysfs has it, but the kernel's module list does not: unlinked from the "
					 "list, as rootkits hide";
		return "audit saw it loaded and never unloaded, with no gap since, but neither the "
		       "module list nor sysfs has it: hidden from both";
	case KMW_R_UNAUDITED_LOAD:
		return gaps ? "the module list has it, but audit never reported its load and it was "
			      "not loaded when monitoring began: audit was off, its rules removed, or records "
			      "lost (evidence.gaps_moved)"
			    : "the module list has it, but audit never reported its load and it was not "
			      "loaded when monitoring began; no counter of audit's gaps moved: the rules were "
			      "removed and put back between two looks, or audit was off for a moment";
	case KMW_R_UNAUDITED_UNLOAD:
		return e->loaded
			       ? "audit saw it loaded; it is gone from both views with no "
				 "delete_module seen, and audit had a gap meanwhile (evidence.gaps_moved)"
			       : "there when monitoring began or came unaudited, now gone from both views with "
				 "no delete_module seen";
	}
	return NULL;
}

void ledger_alert(struct kmw_event *ev, const struct kmw_ledger_entry *e, int code,
		  const struct kmw_module_info *m, const struct kmw_audit_gaps *gaps, bool behind,
		  const char *node, int64_t now_ms)
{
	struct kmw_alert_facts *a = &ev->alert;
	uint64_t h = 14695981039346656037ULL;
	const char *p;

	event_reset(ev);
	ev->kind = KMW_KIND_ALERT;
	ev->sec = now_ms / 1000;
	ev->msec = (unsigned int)(now_ms % 1000);
	/* FNV-1a of the name, and the finding */
	for (p = e->name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	ev->serial = (1ULL << 62) | ((h << 8) & ((1ULL << 62) - 1)) | (uint64_t)(code & 0xff);
	event_set_str(ev, &ev->mod_name, e->name, strlen(e->name));
	if (node)
		event_set_str(ev, &ev->node, node, strlen(node));
	a->code = code;
	a->in_proc = m && m->in_proc;
	a->in_sysfs = m && m->in_sysfs;
	a->audit_loaded = e->loaded;
	a->audit_unloaded = e->unloaded;
	a->at_start = e->at_start;
	a->load_serial = e->load_serial;
	a->load_ms = e->load_ms;
	if (e->loaded && e->load_path[0])
		event_set_str(ev, &ev->file_path, e->load_path, strlen(e->load_path));
	snprintf(a->load_sha256, sizeof(a->load_sha256), "%s", e->load_sha256);
	a->checks = e->checks;
	a->first_ms = e->pending_ms;
	a->behind = behind;
	a->gaps = *gaps;
	a->why = why(code, e, m, ledger_gap_gen(gaps) > 0 || gaps->unloads_unaudited);
	if (m) {
		snprintf(a->taint, sizeof(a->taint), "%s", m->taint);
		snprintf(a->srcversion, sizeof(a->srcversion), "%s", m->srcversion);
		snprintf(a->state, sizeof(a->state), "%s", m->state);
	}
}

static void restore_first(const char *name, int64_t time_ms, void *arg)
{
	struct kmw_ledger *l = arg;

	(void)time_ms;
	ledger_at_start(l, name, 0);
}

static void restore_history(const struct kmw_row *row, uint64_t serial, void *arg)
{
	struct kmw_ledger *l = arg;
	enum kmw_risk_reason code;
	struct kmw_load ld = { .serial = serial,
			       .ms = row->time_ms,
			       .path = row->path,
			       .sha256 = row->sha256,
			       .exe = row->exe,
			       .user = row->user,
			       .uid = row->uid,
			       .risk = row->risk };

	if (!row->module)
		return;
	if (row->kind && !strcmp(row->kind, "alert")) {
		if (row->errno_name && risk_reason_parse(row->errno_name, &code) == 0)
			ledger_reported(l, row->module, (int)code);
	} else if (row->syscall && !strcmp(row->syscall, "delete_module")) {
		ledger_unload(l, row->module);
	} else {
		ledger_load(l, row->module, &ld, 0);
	}
}

int ledger_restore(struct kmw_ledger *l, struct kmw_store *s, const char *boot_id, int64_t since_ms)
{
	int had, rc;

	had = store_snapshot_first(s, boot_id, restore_first, l);
	if (had < 0)
		return had;
	rc = store_module_history(s, boot_id, since_ms, restore_history, l);
	return rc ? rc : had;
}
