// SPDX-License-Identifier: GPL-2.0-or-later
/* reconcile.c - the module checks, the taint and the posture watched (reconcile.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include <libaudit.h>

#include "kmw_clock.h"
#include "kmw_decode.h"
#include "kmw_ima.h"
#include "kmw_state.h"
#include "kmw_risk.h"
#include "kmw_rules.h"
#include "log.h"
#include "reconcile.h"

/* The kernel's taint flags now; false when they cannot be read. */
static bool read_taint(uint64_t *out)
{
	char buf[32];
	FILE *f = fopen("/proc/sys/kernel/tainted", "re");
	bool ok = f && fgets(buf, sizeof(buf), f);

	if (f)
		fclose(f);
	if (ok)
		*out = strtoull(buf, NULL, 10);
	return ok;
}

/* The taint bits an audited load accounts for: its module's own taint, and what its file and
 * flags say it sets. */
static uint64_t load_taint(const struct kmw_event *ev)
{
	uint64_t m = ev->have_sysfs ? decode_taint_mask(ev->sysfs.taint) : 0;

	if (ev->sc == KMW_SC_FINIT_MODULE &&
	    (ev->a[2] & (KMW_MODULE_INIT_IGNORE_MODVERSIONS | KMW_MODULE_INIT_IGNORE_VERMAGIC)))
		m |= 1ULL << decode_taint_bit('F');
	if (ev->have_facts && ev->facts.has_modinfo) {
		if (!ev->facts.sig_present)
			m |= 1ULL << decode_taint_bit('E');
		if (strcmp(ev->facts.mi_intree, "Y"))
			m |= 1ULL << decode_taint_bit('O');
	}
	return m;
}

/* A taint alert: the flags before and now, the gaps, and the tampering before it. */
static void taint_alert(struct recon *r, int code, uint64_t was, uint64_t now_taint, int64_t now)
{
	struct kmw_event *ev = r->ev;

	event_reset(ev);
	ev->kind = KMW_KIND_ALERT;
	ev->sec = now / 1000;
	ev->msec = (unsigned int)(now % 1000);
	ev->serial = (1ULL << 62) | (((uint64_t)now << 8) & ((1ULL << 62) - 1)) | (uint64_t)code;
	if (r->node)
		event_set_str(ev, &ev->node, r->node, strlen(r->node));
	ev->alert.code = code;
	ev->alert.taint_was = was;
	ev->alert.taint_now = now_taint;
	ev->alert.gaps = r->gaps;
	ev->alert.first_ms = code == KMW_R_UNEXPLAINED_TAINT ? r->taint_pending_ms : now;
	ev->alert.why =
		code == KMW_R_TAINT_CLEARED
			? "the kernel's taint flags went down, which the kernel never does: code inside it "
			  "cleared them, as rootkits do to hide their load"
			: "the kernel's taint gained flags no audited load explains: a module came in without "
			  "audit's word (its records suppressed, or audit blind meanwhile)";
	if (r->last_act[0])
		snprintf(ev->alert.hidden_by, sizeof(ev->alert.hidden_by), "%s", r->last_act);
	risk_assess(&r->conf->risk, ev);
	log_msg(LOG_ALERT, "%s: the kernel's taint went from %llu to %llu",
		risk_reason_code((enum kmw_risk_reason)code), (unsigned long long)was,
		(unsigned long long)now_taint);
	r->emit(ev, r->emit_arg);
}

/*
 * Worker, every tick: the taint never goes down in a running kernel, and goes up with each
 * first load of a kind (out of tree, unsigned, forced, ...). New bits wait a moment for the
 * audited load that explains them; bits that go are said at once.
 */
static void check_taint(struct recon *r, int64_t now)
{
	uint64_t t, fresh;

	if (!r->taint_on || !read_taint(&t))
		return;
	if (r->taint_known & ~t) {
		taint_alert(r, KMW_R_TAINT_CLEARED, r->taint_known, t, now);
		r->taint_known = t;
		r->taint_pending &= t;
	}
	fresh = t & ~r->taint_known;
	r->taint_known |= fresh & r->taint_explained;
	fresh &= ~r->taint_explained;
	if (!fresh) {
		r->taint_pending = 0;
		r->taint_pending_ms = 0;
		return;
	}
	if ((fresh & ~r->taint_pending) || !r->taint_pending_ms) {
		r->taint_pending |= fresh;
		if (!r->taint_pending_ms)
			r->taint_pending_ms = now;
		return;
	}
	/* the load that explains them may still be on its way: not while events lag behind */
	if (now - r->taint_pending_ms < RECON_TAINT_WAIT_MS ||
	    (r->behind && now - r->taint_pending_ms < RECON_BEHIND_MAX_MS))
		return;
	taint_alert(r, KMW_R_UNEXPLAINED_TAINT, r->taint_known, t, now);
	r->taint_known |= fresh;
	r->taint_pending = 0;
	r->taint_pending_ms = 0;
}

/*
 * Worker, every tick: the protections of module loading. The kernel lets none of them go
 * down: one that does was changed from inside it. Said once, then the new level stands.
 */
static void check_posture(struct recon *r, int64_t now)
{
	struct kmw_posture p;
	struct kmw_event *ev = r->ev;
	char why[200];

	posture_read("/proc", "/sys", KMW_SECURITYFS, &p);
	if (p.ima_modules < 0 && r->ima_seen)
		p.ima_modules = 1;
	if (r->posture_on && posture_weaker(&r->n.posture, &p, why, sizeof(why))) {
		event_reset(ev);
		ev->kind = KMW_KIND_ALERT;
		ev->sec = now / 1000;
		ev->msec = (unsigned int)(now % 1000);
		ev->serial = (1ULL << 62) | (((uint64_t)now << 8) & ((1ULL << 62) - 1)) |
			     KMW_R_POSTURE_WEAKENED;
		if (r->node)
			event_set_str(ev, &ev->node, r->node, strlen(r->node));
		ev->alert.code = KMW_R_POSTURE_WEAKENED;
		ev->alert.act = "posture_weakened";
		ev->alert.first_ms = now;
		snprintf(ev->alert.detail, sizeof(ev->alert.detail), "%s", why);
		ev->alert.why =
			"a protection of module loading went down, which the kernel does not "
			"allow from outside: code inside the kernel changed it";
		risk_assess(&r->conf->risk, ev);
		log_msg(LOG_ALERT, "posture_weakened: %s", why);
		r->emit(ev, r->emit_arg);
	}
	r->n.posture = p;
	r->posture_on = true;
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
static void schedule(struct recon *r, int64_t now)
{
	int64_t base = (int64_t)r->conf->inventory_interval * 1000;
	int64_t spread = base / 2;

	r->next_ms = now + base - base / 4 +
		     (spread ? (int64_t)(next_random(r) % (uint64_t)(spread + 1)) : 0);
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
static void check_unload_rules(struct recon *r, int ctl, bool rules_ours)
{
	bool covered = false;
	int fd, rc;

	if (rules_ours)
		return;
	fd = ctl >= 0 ? ctl : audit_open();
	rc = fd < 0 ? -errno : rules_list_module(fd, on_rule, &covered);
	if (fd >= 0 && fd != ctl)
		audit_close(fd);
	if (rc) {
		log_msg(LOG_WARNING,
			"module checks: cannot tell whether the audit rules in force "
			"audit delete_module (%s): a module gone from both views is taken for one that "
			"hides",
			strerror(-rc));
		return;
	}
	if (!covered) {
		r->gaps.unloads_unaudited = true;
		r->ledger.unloads_unaudited = true;
		log_msg(LOG_WARNING,
			"module checks: no audit rule in force audits delete_module: a "
			"module gone from both views is reported as an unaudited unload, never as one "
			"that hides (kmodwatch rules install)");
	}
}

static void no_module(const char *name, int64_t time_ms, void *arg)
{
	(void)name;
	(void)time_ms;
	(void)arg;
}

/*
 * This boot's first start of kmodwatchd with this store: kept in the state directory (a
 * tmpfs, one per boot), where deleting the store does not reset it, a line a store
 * ("BOOT_ID MS STORE"). Added at the first start, read at the next ones. Returns its time.
 */
static int64_t first_start(struct recon *r, int64_t now)
{
	char path[] = KMW_STATE_DIR "/first-start", boot[64], line[4200];
	const char *mine = r->conf->store ? r->conf->store : "none";
	const char *boot_id = r->persist->boot_id;
	long long t;
	FILE *f = fopen(path, "re");
	int n;

	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		n = 0;
		if (sscanf(line, "%63s %lld %n", boot, &t, &n) >= 2 && n && t > 0 &&
		    !strcmp(boot, boot_id) && !strcmp(line + n, mine)) {
			fclose(f);
			return t;
		}
	}
	if (f)
		fclose(f);
	mkdir(KMW_STATE_DIR, 0755);
	f = fopen(path, "ae");
	if (f) {
		fprintf(f, "%s %lld %s\n", boot_id, (long long)now, mine);
		if (fclose(f))
			log_msg(LOG_WARNING, "cannot keep this boot's first start in %s", path);
	}
	return now;
}

/*
 * The store has no record of this boot, but kmodwatchd watched it before, with this very
 * store: it was deleted or replaced. What was loaded before monitoring began is what sysfs
 * dates from before the first start (a module's directory is made as it loads); the rest
 * came since, and no record of its load is left. Into @kept, the modules of the baseline.
 * Returns the modules whose time could not be read (kept: nothing says otherwise).
 */
static unsigned int baseline_by_time(const struct kmw_inventory *inv, int64_t since_ms,
				     struct kmw_inventory *kept, struct kmw_buf *after,
				     struct kmw_buf *unchecked)
{
	char path[4200];
	struct stat st;
	unsigned int i, n = 0;

	memset(kept, 0, sizeof(*kept));
	kept->m = calloc(inv->n ? inv->n : 1, sizeof(*kept->m));
	if (!kept->m)
		return 0;
	for (i = 0; i < inv->n; i++) {
		const struct kmw_module_info *m = &inv->m[i];
		int64_t t;

		snprintf(path, sizeof(path), "/sys/module/%s", m->name);
		if (stat(path, &st)) {
			buf_printf(unchecked, "%s%s (%s)", n++ ? ", " : "", m->name,
				   strerror(errno));
			kept->m[kept->n++] = *m;
			continue;
		}
		t = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
		if (t <= since_ms + 1000)
			kept->m[kept->n++] = *m;
		else
			buf_printf(after, "%s%s", after->len ? ", " : "", m->name);
	}
	kept->cap = kept->n;
	return n;
}

void recon_start(struct recon *r, bool logs_filled_in, int ctl, bool rules_ours)
{
	struct kmw_store *store = r->persist->store;
	const char *boot_id = r->persist->boot_id;
	struct kmw_inventory kept;
	struct kmw_buf after, unchecked;
	int64_t now = kmw_real_ms(), t0;
	bool lost = false;
	unsigned int i;
	int first = 1, rc;

	if (!r->conf->inventory_interval)
		return;
	ledger_init(&r->ledger, RECON_CONFIRM_MS);
	rc = inventory_read("/proc", "/sys", &r->inv, false);
	if (rc) {
		log_msg(LOG_ERR, "module checks off: cannot read the modules loaded: %s",
			strerror(-rc));
		return;
	}
	if (r->inv.no_modules) {
		log_msg(LOG_INFO, "module checks off: this kernel has no loadable modules "
				  "(no /proc/modules)");
		return;
	}
	r->ev = malloc(sizeof(*r->ev));
	if (!r->ev || getrandom(&r->rng, sizeof(r->rng), 0) != sizeof(r->rng)) {
		log_msg(LOG_ERR, "module checks off: %s",
			r->ev ? strerror(errno) : "out of memory");
		free(r->ev);
		r->ev = NULL;
		return;
	}
	r->rng |= 1;
	t0 = boot_id[0] ? first_start(r, now) : now;
	r->n.boot_first_start_ms = t0;
	if (store && boot_id[0]) {
		lost = t0 < now - 1000 &&
		       store_snapshot_first(store, boot_id, no_module, NULL) == 0;
		if (lost) {
			buf_init(&after);
			buf_init(&unchecked);
			r->n.modules_unchecked =
				baseline_by_time(&r->inv, t0, &kept, &after, &unchecked);
			r->n.store_history_lost = true;
			r->gaps.daemon_down = true;
			log_msg(LOG_ALERT,
				"the store %s has no record of this boot, though kmodwatchd "
				"watched it with this store since %lld ms: it was deleted or replaced. "
				"Loaded since then, by sysfs, and checked as loads audit never reported: "
				"%s%.*s%s%.*s",
				r->conf->store, (long long)t0, after.len ? "" : "none",
				(int)after.len, after.len ? after.data : "",
				unchecked.len ? "; could not be checked (taken as there before): "
					      : "",
				(int)unchecked.len, unchecked.len ? unchecked.data : "");
			buf_free(&after);
			buf_free(&unchecked);
		}
		first = store_snapshot_note(store, boot_id, lost ? t0 : now,
					    lost ? &kept : &r->inv);
		if (first < 0)
			log_msg(LOG_ERR, "store: %s", store_error(store));
	}
	if (first) {
		/* the baseline: loaded before monitoring began */
		const struct kmw_inventory *base = lost ? &kept : &r->inv;

		for (i = 0; i < base->n; i++)
			ledger_at_start(&r->ledger, base->m[i].name, 0);
	} else if (ledger_restore(&r->ledger, store, boot_id, r->persist->boot_start_ms) < 0) {
		log_msg(LOG_ERR, "store: %s; what came before this start is unknown",
			store_error(store));
		r->gaps.daemon_down = true;
	} else {
		r->gaps.daemon_down = !logs_filled_in;
	}
	if (lost)
		free(kept.m);
	check_unload_rules(r, ctl, rules_ours);
	/* the taint now is the baseline: what came before monitoring is not for it to explain */
	r->taint_on = read_taint(&r->taint_known);
	r->on = r->started = true;
	r->next_ms = now; /* the first check at the first tick */
	log_msg(LOG_INFO,
		"module checks: %u modules loaded now%s, checked about every %u s and "
		"a few seconds after each load",
		r->inv.n,
		first > 0 ? " (the baseline of this boot)"
		: first == 0
			? (r->gaps.daemon_down
				   ? " (a restart; what came or went while down is unknown: auditd's logs did not cover "
				     "it)"
				   : " (a restart; the store and auditd's logs cover the time down)")
			: " (no store: the baseline is now)",
		r->conf->inventory_interval);
}

/* A finding stood its second look: one alert line, to the store and every output. */
static void on_finding(const struct kmw_ledger_entry *e, int code, const struct kmw_module_info *m,
		       void *arg)
{
	struct recon *r = arg;
	struct kmw_module_info full;

	if (m) {
		full = *m;
		inventory_detail("/sys", &full);
		m = &full;
	}
	ledger_alert(r->ev, e, code, m, &r->gaps, r->behind, r->node, kmw_real_ms());
	/* the tampering before it may be what hid the load or unload from audit */
	if (r->last_act[0] && (code == KMW_R_UNAUDITED_LOAD || code == KMW_R_UNAUDITED_UNLOAD) &&
	    r->last_act_ms <= e->pending_ms)
		snprintf(r->ev->alert.hidden_by, sizeof(r->ev->alert.hidden_by), "%s", r->last_act);
	risk_assess(&r->conf->risk, r->ev);
	log_msg(LOG_ALERT, "%s: module %s (%s)", risk_reason_code((enum kmw_risk_reason)code),
		e->name, r->ev->alert.why);
	r->emit(r->ev, r->emit_arg);
}

/*
 * A name no real module has (white space, a newline, a control byte, a quote): said once per
 * life of the module, at once. A line of the list no module's name explains: said once.
 */
static void odd_names(struct recon *r, int64_t now)
{
	const struct kmw_ledger_entry *e;
	struct kmw_event *ev = r->ev;
	uint64_t h = 14695981039346656037ULL;
	unsigned int i;
	size_t k;

	for (i = 0; i < r->inv.n; i++) {
		const struct kmw_module_info *m = &r->inv.m[i];

		if (!decode_name_is_odd(m->name, strlen(m->name)))
			continue;
		e = ledger_find(&r->ledger, m->name);
		if (e && (e->reported & (1u << KMW_R_ODD_MODULE_NAME)))
			continue;
		ledger_reported(&r->ledger, m->name, KMW_R_ODD_MODULE_NAME);
		e = ledger_find(&r->ledger, m->name);
		if (!e)
			continue;
		ledger_alert(ev, e, KMW_R_ODD_MODULE_NAME, m, &r->gaps, r->behind, r->node, now);
		ev->alert.why =
			"a module's name holds white space, a control byte or a quote: no "
			"real module has such a name, and it can forge lines of /proc/modules "
			"or of a log (module.name has its bytes, escaped)";
		risk_assess(&r->conf->risk, ev);
		log_msg(LOG_ALERT,
			"odd_module_name: a module named \"%s\" (its bytes escaped in the "
			"alert)",
			m->name);
		r->emit(ev, r->emit_arg);
	}
	if (!r->inv.malformed)
		return;
	for (k = 0; k < r->inv.malformed_len; k++)
		h = (h ^ (unsigned char)r->inv.malformed_line[k]) * 1099511628211ULL;
	if (h == r->malformed_said)
		return;
	r->malformed_said = h;
	event_reset(ev);
	ev->kind = KMW_KIND_ALERT;
	ev->sec = now / 1000;
	ev->msec = (unsigned int)(now % 1000);
	ev->serial = (1ULL << 62) | ((h << 8) & ((1ULL << 62) - 1)) | KMW_R_ODD_MODULE_NAME;
	if (r->node)
		event_set_str(ev, &ev->node, r->node, strlen(r->node));
	event_set_str(ev, &ev->mod_name, r->inv.malformed_line, r->inv.malformed_len);
	ev->alert.code = KMW_R_ODD_MODULE_NAME;
	ev->alert.first_ms = now;
	snprintf(ev->alert.detail, sizeof(ev->alert.detail),
		 "%u line(s) of /proc/modules are "
		 "not what the kernel writes for any module sysfs names (module.name holds the "
		 "first, escaped)",
		 r->inv.malformed);
	ev->alert.why = "a line of /proc/modules that no module's name explains: a name with a "
			"newline forges lines (and hides from sysfs too)";
	risk_assess(&r->conf->risk, ev);
	log_msg(LOG_ALERT, "odd_module_name: %s", ev->alert.detail);
	r->emit(ev, r->emit_arg);
}

/*
 * The files of the modules audit saw loaded, against the hash they had at the load: one
 * changed since is said once (its bytes in memory are not those on disk any more). The
 * enricher's cache makes an unchanged file cost a stat.
 */
static void changed_files(struct recon *r, int64_t now)
{
	struct kmw_event *ev = r->ev;
	char sha[65];
	unsigned int i;

	for (i = 0; i < r->ledger.n; i++) {
		const struct kmw_ledger_entry *e = &r->ledger.e[i];
		const struct kmw_module_info *m;

		if (!e->loaded || !e->load_path[0] || !e->load_sha256[0] ||
		    (e->reported & (1u << KMW_R_CHANGED_SINCE_LOAD)))
			continue;
		m = inventory_find(&r->inv, e->name);
		if (!m || enrich_hash_file(r->enricher, e->load_path, sha) ||
		    !strcmp(sha, e->load_sha256))
			continue;
		ledger_alert(ev, e, KMW_R_CHANGED_SINCE_LOAD, m, &r->gaps, r->behind, r->node, now);
		/* the path is the event's file_path (ledger_alert); the hashes here */
		snprintf(ev->alert.detail, sizeof(ev->alert.detail),
			 "sha256 %.64s at the load, %.64s "
			 "now",
			 e->load_sha256, sha);
		ev->alert.why =
			"the file the module was loaded from has other bytes now: what runs "
			"is not what is on disk, and a check of the file says nothing of the "
			"module (alert.evidence.detail has both hashes)";
		risk_assess(&r->conf->risk, ev);
		log_msg(LOG_ALERT, "changed_since_load: module %s: %s", e->name, ev->alert.detail);
		r->emit(ev, r->emit_arg);
		ledger_reported(&r->ledger, e->name, KMW_R_CHANGED_SINCE_LOAD);
	}
}

/* One check: the views now against the ledger. */
static void check(struct recon *r, int64_t now)
{
	bool confirm;
	int64_t t0 = kmw_mono_us(), us;
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
	odd_names(r, now);
	changed_files(r, now);
	confirm = !r->behind ||
		  (r->behind_since_ms && now - r->behind_since_ms >= RECON_BEHIND_MAX_MS);
	r->waiting = ledger_check(&r->ledger, &r->inv, now, ledger_gap_gen(&r->gaps), confirm,
				  on_finding, r);
	us = kmw_mono_us() - t0;
	r->n.checks++;
	r->n.modules = r->inv.n;
	if (us > r->n.check_us_max)
		r->n.check_us_max = us;
}

/* Worker: a tick from the main thread. A check when one is due or a finding waits. */
void recon_tick(struct recon *r, const struct recon_tick *t)
{
	int64_t now = kmw_real_ms();
	bool due, down, unaudited;

	if (!r->on || r->paused)
		return;
	/* the counters are the main thread's; what only the worker knows stays */
	down = r->gaps.daemon_down;
	unaudited = r->gaps.unloads_unaudited;
	r->gaps = t->g;
	r->gaps.daemon_down = down;
	r->gaps.unloads_unaudited = unaudited;
	r->behind = t->behind;
	r->blind = t->blind;
	if (!t->behind)
		r->behind_since_ms = 0;
	else if (!r->behind_since_ms)
		r->behind_since_ms = now;
	check_taint(r, now);
	check_posture(r, now);
	/* while audit is blind, and a while after, every tick: what came meanwhile is found now */
	due = now >= r->next_ms || r->waiting || r->blind ||
	      (r->after_load_ms && now >= r->after_load_ms);
	if (!due)
		return;
	if (now >= r->next_ms)
		schedule(r, now);
	if (r->after_load_ms && now >= r->after_load_ms)
		r->after_load_ms = 0;
	check(r, now);
}

/* A tampering alert: named by what it may hide, and a check at once (and every tick while
 * audit is blind, recon_tick). */
static void note_act(struct recon *r, const struct kmw_event *ev)
{
	char id[KMW_EVENT_ID_MAX], ts[32];
	time_t t = (time_t)ev->sec;
	struct tm tm;

	event_id(ev, id, sizeof(id));
	if (!gmtime_r(&t, &tm) || !strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(ts, sizeof(ts), "?");
	snprintf(r->last_act, sizeof(r->last_act), "%s at %s by %s%.*s (alert %s)",
		 ev->alert.act ? ev->alert.act : "tampering", ts,
		 ev->exe.set ? ""
			     : "an unknown "
			       "process",
		 (int)ev->exe.len, ev->exe.set ? event_str(ev, &ev->exe) : "", id);
	r->last_act_ms = ev->sec * 1000 + ev->msec;
	r->after_load_ms = kmw_real_ms();
}

/* Worker: every event delivered. The loads and unloads of this boot go into the ledger. */
void recon_event(struct recon *r, const struct kmw_event *ev)
{
	int64_t t = ev->sec * 1000 + ev->msec;
	char name[KMW_MODNAME_MAX], path[512];
	struct kmw_load ld = { .serial = ev->serial, .ms = t, .uid = ev->uid };
	char exe[256], user[64];
	const struct kmw_str *mp;
	const char *psrc;

	/* a call whose SYSCALL record was lost: a load when the module is there now */
	bool partial = ev->no_syscall && ev->have_sysfs && ev->sysfs.present;

	if (ev->ima.src == KMW_IMA_RECORD)
		r->ima_seen = true;
	if (r->on && ev->kind == KMW_KIND_ALERT &&
	    (ev->alert.code == KMW_R_AUDIT_TAMPERED || ev->alert.code == KMW_R_AUDIT_PID_CHANGED)) {
		note_act(r, ev);
		return;
	}
	if (!r->on || ev->kind != KMW_KIND_SYSCALL || !(ev->success || partial) ||
	    !ev->mod_name.set || !ev->mod_name.len || ev->mod_name.len >= sizeof(name) ||
	    t < r->persist->boot_start_ms)
		return;
	memcpy(name, event_str(ev, &ev->mod_name), ev->mod_name.len);
	name[ev->mod_name.len] = '\0';
	if (ev->sc == KMW_SC_DELETE_MODULE) {
		ledger_unload(&r->ledger, name);
		return;
	}
	if (ev->sc != KMW_SC_FINIT_MODULE && ev->sc != KMW_SC_INIT_MODULE && !partial)
		return;
	mp = event_module_path(ev, &psrc);
	if (!mp && ev->file_path.set)
		mp = &ev->file_path;
	path[0] = '\0';
	if (mp)
		snprintf(path, sizeof(path), "%.*s", (int)mp->len, event_str(ev, mp));
	snprintf(exe, sizeof(exe), "%.*s", (int)ev->exe.len,
		 ev->exe.set ? event_str(ev, &ev->exe) : "");
	snprintf(user, sizeof(user), "%.*s", (int)ev->uid_name.len,
		 ev->uid_name.set ? event_str(ev, &ev->uid_name) : "");
	ld.path = path;
	ld.sha256 = ev->have_facts && ev->facts.sha256[0] ? ev->facts.sha256 : NULL;
	ld.exe = exe;
	ld.user = user;
	ld.risk = risk_level_name((enum kmw_risk_level)ev->risk_level);
	ledger_load(&r->ledger, name, &ld, ledger_gap_gen(&r->gaps));
	r->taint_explained |= load_taint(ev);
	/* a module that hides does so as it loads, or soon after */
	if (!ev->historical && !r->after_load_ms)
		r->after_load_ms = kmw_real_ms() + RECON_AFTER_LOAD_MS;
}

void recon_init(struct recon *r, const struct kmw_config *conf, struct persist *persist,
		struct kmw_enricher *enricher, const char *node, recon_emit_fn emit, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->conf = conf;
	r->persist = persist;
	r->enricher = enricher;
	r->node = node && node[0] ? node : NULL;
	r->emit = emit;
	r->emit_arg = arg;
	/* unknown until the checks read them */
	r->n.posture = (struct kmw_posture){ -1, -1, -1, -1 };
}

void recon_set_config(struct recon *r, const struct kmw_config *conf)
{
	bool was = r->conf->inventory_interval != 0;

	r->conf = conf;
	if (!r->started && conf->inventory_interval) {
		log_msg(LOG_WARNING, "configuration reload: the module checks were off at start "
				     "(inventory-interval 0): turning them on takes a restart");
		return;
	}
	if (!r->started)
		return;
	/* 0 stops the checks (the ledger still follows the events); another interval takes
	 * effect from now */
	r->paused = !conf->inventory_interval;
	if (!r->paused &&
	    (!was || r->next_ms > kmw_real_ms() + (int64_t)conf->inventory_interval * 1000))
		r->next_ms = kmw_real_ms();
}

void recon_fini(struct recon *r)
{
	ledger_free(&r->ledger);
	inventory_free(&r->inv);
	free(r->ev);
	r->ev = NULL;
	r->on = false;
}
