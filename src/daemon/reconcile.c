// SPDX-License-Identifier: GPL-2.0-or-later
/* reconcile.c - what audit saw of the modules held against the modules loaded now: the
 * snapshot at start, the ledger kept from the events, the checks (a few seconds after a load,
 * then at jittered intervals) and the alerts they find, once per module (kmw_ledger.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>

#include <libaudit.h>

#include "kmw_decode.h"
#include "kmw_risk.h"
#include "kmodwatchd.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* xorshift64*, seeded from the kernel: the next check is not for a rootkit to foresee */
static uint64_t next_random(struct recon *r)
{
	uint64_t x = r->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* The interval, a quarter either way. */
static void schedule(struct daemon *d, int64_t now)
{
	int64_t base = (int64_t)d->o.inventory_interval * 1000;
	int64_t spread = base / 2;

	d->recon.next_ms = now + base - base / 4 + (spread ? (int64_t)(next_random(&d->recon) %
						  (uint64_t)(spread + 1)) : 0);
}

static void on_rule(const struct kmw_rule_info *ri, void *arg)
{
	bool *covered = arg;
	unsigned int i;

	for (i = 0; rules_syscall_name(i); i++)
		if (!strcmp(rules_syscall_name(i), "delete_module") && (ri->syscalls & (1u << i)) &&
		    !ri->never && ri->unconditional)
			*covered = true;
}

/*
 * Whether the rules in force audit delete_module: kmodwatchd's own do; a plugin's, or those
 * in place with --no-rules, are someone else's. Without it, a module gone from both views
 * may be an unload nobody audited, not one that hides.
 */
static void check_unload_rules(struct daemon *d)
{
	bool covered = false;
	int fd, rc;

	if (!d->o.plugin && !d->o.no_rules)
		return;
	fd = d->ctl >= 0 ? d->ctl : audit_open();
	rc = fd < 0 ? -errno : rules_list_module(fd, on_rule, &covered);
	if (fd >= 0 && fd != d->ctl)
		audit_close(fd);
	if (rc) {
		log_msg(LOG_WARNING, "module checks: cannot tell whether the audit rules in force "
			"audit delete_module (%s): a module gone from both views is taken for one that "
			"hides", strerror(-rc));
		return;
	}
	if (!covered) {
		d->recon.gaps.unloads_unaudited = true;
		d->recon.ledger.unloads_unaudited = true;
		log_msg(LOG_WARNING, "module checks: no audit rule in force audits delete_module: a "
			"module gone from both views is reported as an unaudited unload, never as one "
			"that hides (kmodwatch rules install)");
	}
}

/*
 * Main thread, before the worker starts: the modules loaded now go to the store. The
 * first snapshot of this boot is the baseline: what it has was there before monitoring.
 * A later one (a restart) takes the baseline and the events of this boot from the store;
 * what came or went while kmodwatchd was down is a gap, unless auditd's logs filled it in.
 */
void reconcile_start(struct daemon *d, bool logs_filled_in)
{
	struct recon *r = &d->recon;
	int64_t now = now_ms();
	unsigned int i;
	int first = 1, rc;

	if (!d->o.inventory_interval)
		return;
	ledger_init(&r->ledger, RECON_CONFIRM_MS);
	rc = inventory_read("/proc", "/sys", &r->inv, false);
	if (rc) {
		log_msg(LOG_ERR, "module checks off: cannot read the modules loaded: %s", strerror(-rc));
		return;
	}
	if (r->inv.no_modules) {
		log_msg(LOG_INFO, "module checks off: this kernel has no loadable modules "
			"(no /proc/modules)");
		return;
	}
	r->ev = malloc(sizeof(*r->ev));
	if (!r->ev || getrandom(&r->rng, sizeof(r->rng), 0) != sizeof(r->rng)) {
		log_msg(LOG_ERR, "module checks off: %s", r->ev ? strerror(errno) : "out of memory");
		free(r->ev);
		r->ev = NULL;
		return;
	}
	r->rng |= 1;
	if (d->store && d->boot_id[0]) {
		first = store_snapshot_note(d->store, d->boot_id, now, &r->inv);
		if (first < 0)
			log_msg(LOG_ERR, "store: %s", store_error(d->store));
	}
	if (first) {
		/* the baseline: loaded before monitoring began */
		for (i = 0; i < r->inv.n; i++)
			ledger_at_start(&r->ledger, r->inv.m[i].name, 0);
	} else if (ledger_restore(&r->ledger, d->store, d->boot_id, d->boot_start_ms) < 0) {
		log_msg(LOG_ERR, "store: %s; what came before this start is unknown",
			store_error(d->store));
		r->gaps.daemon_down = true;
	} else {
		r->gaps.daemon_down = !logs_filled_in;
	}
	check_unload_rules(d);
	r->on = true;
	r->next_ms = now;	/* the first check at the first tick */
	log_msg(LOG_INFO, "module checks: %u modules loaded now%s, checked about every %u s and "
		"a few seconds after each load", r->inv.n, first > 0 ?
		" (the baseline of this boot)" : first == 0 ? (r->gaps.daemon_down ?
		" (a restart; what came or went while down is unknown: auditd's logs did not cover "
		"it)" : " (a restart; the store and auditd's logs cover the time down)") :
		" (no store: the baseline is now)", d->o.inventory_interval);
}

/*
 * Main thread, every tick: audit's gaps so far, and whether events lag behind (the kernel's
 * backlog, records read and not yet taken, events waiting for the worker), to the worker in
 * order with the events.
 */
void reconcile_tick_push(struct daemon *d)
{
	struct intake in;
	struct recon_tick *t;

	if (!d->o.inventory_interval)
		return;
	t = calloc(1, sizeof(*t));
	if (!t)
		return;
	in = intake_counts(d);
	t->g.kernel_lost = d->kernel_lost;
	t->g.lost_events = in.lost_events;
	t->g.socket_dropped = in.dropped;
	t->g.dropped_calls = in.q.dropped_calls;
	t->g.rules_removed = d->rules_removed;
	t->g.audit_disabled = d->audit_disabled;
	t->behind = d->backlog_now > 0 || in.q.chunks > 1 || evqueue_waiting(&d->evq) > 8;
	evqueue_push_ptr(&d->evq, KMW_ITEM_INVENTORY, t);
}

/* A finding stood its second look: one alert line, to the store and every output. */
static void on_finding(const struct kmw_ledger_entry *e, int code, const struct kmw_module_info *m,
		       void *arg)
{
	struct daemon *d = arg;
	struct recon *r = &d->recon;
	struct kmw_module_info full;

	if (m) {
		full = *m;
		inventory_detail("/sys", &full);
		m = &full;
	}
	ledger_alert(r->ev, e, code, m, &r->gaps, r->behind, d->facts.name[0] ? d->facts.name : NULL, now_ms());
	risk_assess(&d->o.risk, r->ev);
	log_msg(LOG_ALERT, "%s: module %s (%s)", risk_reason_code((enum kmw_risk_reason)code),
		e->name, r->ev->alert.why);
	pipeline_emit(d, r->ev);
}

/* One check: the views now against the ledger. */
static void check(struct daemon *d, int64_t now)
{
	struct recon *r = &d->recon;
	bool confirm;
	int64_t t0 = mono_us(), us;
	int rc;

	inventory_free(&r->inv);
	/* the views only: what a finding says of its module is read when there is one */
	rc = inventory_read("/proc", "/sys", &r->inv, true);
	if (rc) {
		log_msg(LOG_ERR, "module check: cannot read the modules loaded: %s", strerror(-rc));
		return;
	}
	/* events that lag behind may hold the load or unload a finding lacks: it waits for them,
	 * but not for ever, or a flood would hold back every finding */
	confirm = !r->behind || (r->behind_since_ms && now - r->behind_since_ms >= RECON_BEHIND_MAX_MS);
	r->waiting = ledger_check(&r->ledger, &r->inv, now, ledger_gap_gen(&r->gaps), confirm,
				  on_finding, d);
	us = mono_us() - t0;
	d->wc.checks++;
	d->wc.modules = r->inv.n;
	if (us > d->wc.check_us_max)
		d->wc.check_us_max = us;
}

/* Worker: a tick from the main thread. A check when one is due or a finding waits. */
void reconcile_tick(struct daemon *d, const struct recon_tick *t)
{
	struct recon *r = &d->recon;
	int64_t now = now_ms();
	bool due, down, unaudited;

	if (!r->on)
		return;
	/* the counters are the main thread's; what only the worker knows stays */
	down = r->gaps.daemon_down;
	unaudited = r->gaps.unloads_unaudited;
	r->gaps = t->g;
	r->gaps.daemon_down = down;
	r->gaps.unloads_unaudited = unaudited;
	r->behind = t->behind;
	if (!t->behind)
		r->behind_since_ms = 0;
	else if (!r->behind_since_ms)
		r->behind_since_ms = now;
	due = now >= r->next_ms || r->waiting || (r->after_load_ms && now >= r->after_load_ms);
	if (!due)
		return;
	if (now >= r->next_ms)
		schedule(d, now);
	if (r->after_load_ms && now >= r->after_load_ms)
		r->after_load_ms = 0;
	check(d, now);
}

/* Worker: every event delivered. The loads and unloads of this boot go into the ledger. */
void reconcile_event(struct daemon *d, const struct kmw_event *ev)
{
	struct recon *r = &d->recon;
	int64_t t = ev->sec * 1000 + ev->msec;
	char name[KMW_MODNAME_MAX], path[512];
	struct kmw_load ld = { .serial = ev->serial, .ms = t, .uid = ev->uid };
	char exe[256], user[64];
	const struct kmw_str *mp;
	const char *psrc;

	if (!r->on || ev->kind != KMW_KIND_SYSCALL || !ev->success || !ev->mod_name.set ||
	    !ev->mod_name.len || ev->mod_name.len >= sizeof(name) || t < d->boot_start_ms)
		return;
	memcpy(name, event_str(ev, &ev->mod_name), ev->mod_name.len);
	name[ev->mod_name.len] = '\0';
	if (ev->sc == KMW_SC_DELETE_MODULE) {
		ledger_unload(&r->ledger, name);
		return;
	}
	if (ev->sc != KMW_SC_FINIT_MODULE && ev->sc != KMW_SC_INIT_MODULE)
		return;
	mp = event_module_path(ev, &psrc);
	if (!mp && ev->file_path.set)
		mp = &ev->file_path;
	path[0] = '\0';
	if (mp)
		snprintf(path, sizeof(path), "%.*s", (int)mp->len, event_str(ev, mp));
	snprintf(exe, sizeof(exe), "%.*s", (int)ev->exe.len, ev->exe.set ? event_str(ev, &ev->exe) : "");
	snprintf(user, sizeof(user), "%.*s", (int)ev->uid_name.len,
		 ev->uid_name.set ? event_str(ev, &ev->uid_name) : "");
	ld.path = path;
	ld.sha256 = ev->have_facts && ev->facts.sha256[0] ? ev->facts.sha256 : NULL;
	ld.exe = exe;
	ld.user = user;
	ld.risk = risk_level_name((enum kmw_risk_level)ev->risk_level);
	ledger_load(&r->ledger, name, &ld, ledger_gap_gen(&r->gaps));
	/* a module that hides does so as it loads, or soon after */
	if (!ev->historical && !r->after_load_ms)
		r->after_load_ms = now_ms() + RECON_AFTER_LOAD_MS;
}

void reconcile_fini(struct daemon *d)
{
	ledger_free(&d->recon.ledger);
	inventory_free(&d->recon.inv);
	free(d->recon.ev);
	d->recon.ev = NULL;
	d->recon.on = false;
}
