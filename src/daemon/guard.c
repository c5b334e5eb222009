// SPDX-License-Identifier: GPL-2.0-or-later
/* guard.c - audit's own configuration watched, tampering said and undone (guard.h) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <libaudit.h>

#include "kmw_clock.h"
#include "guard.h"
#include "kmw_risk.h"
#include "log.h"

/* an act this recent explains a blind state found by a look at the rules or the status */
#define ACT_EXPLAINS_MS 10000
/* a blind state no record explains waits this long for its CONFIG_CHANGE record */
#define WAIT_FOR_RECORD_MS 1500

static bool is(const char *a, const char *b)
{
	return !strcmp(a, b);
}

static void audit_pid_alert(struct guard *g, int64_t pid, int64_t old, int res,
			    struct guard_act *a);

/* The program of @pid, for the words of an alert; false when it cannot be read. */
static bool exe_of(int64_t pid, char *out, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%lld/exe", (long long)pid);
	n = readlink(path, out, len - 1);
	if (n <= 0)
		return false;
	out[n] = '\0';
	return true;
}

/* Whether @exe is auditd, the audit daemon a host runs (by its name: a program named so
 * passes, which doc/alerts.md says). */
static bool is_auditd(const char *exe)
{
	const char *base = strrchr(exe, '/');

	return !strcmp(base ? base + 1 : exe, "auditd");
}

/*
 * The act of others that explains @act, the newest not yet told, or NULL. A strong match is
 * the act itself (an add_rule for a never rule, a remove_rule of kmodwatch's own or of a rule
 * with a key for rules removed, the set of the field); a weak one (a remove_rule of a rule
 * with no key) explains only once the records had their moment to come (@weak_ok).
 */
static struct guard_act *recent_act(struct guard *g, const char *act, const char *key, int64_t now,
				    bool weak_ok)
{
	struct guard_act *weak = NULL;
	unsigned int i;

	for (i = g->nacts; i-- > 0;) {
		struct guard_act *a = &g->acts[i];

		if (a->told || now - a->ms > ACT_EXPLAINS_MS)
			continue;
		if (is(act, "audit_enabled") || is(act, "audit_pid")) {
			if (is(a->op, "set") && is(a->field, act))
				return a;
		} else if (is(act, "rules_removed")) {
			if (is(a->op, "remove_rule") && (is(a->key, key) || a->key[0]))
				return a;
			if (is(a->op, "remove_rule") && !weak)
				weak = a;
		} else if (is(a->op, "add_rule")) {
			/* a never rule: of the exit list, or of the task list, or an exclude rule */
			if ((is(act, "task_never_rule") && a->list == 1) ||
			    (is(act, "exclude_rule") && a->list == 5) ||
			    (is(act, "never_rule") && (a->list == 4 || a->list < 0)))
				return a;
		}
	}
	return weak_ok ? weak : NULL;
}

/* The alert of one act, to the worker like an event: the store, then every output. */
static void raise_alert(struct guard *g, int code, const char *act, const char *detail,
			const char *response, struct guard_act *a)
{
	struct kmw_event *ev = g->ev;
	struct kmw_alert_facts *f = &ev->alert;
	int64_t t = kmw_real_ms();
	uint64_t h = 14695981039346656037ULL;
	const char *p;
	unsigned int i;

	event_reset(ev);
	ev->kind = KMW_KIND_ALERT;
	ev->sec = t / 1000;
	ev->msec = (unsigned int)(t % 1000);
	if (a && a->serial) {
		ev->serial = a->serial;
	} else {
		/* no record: a serial of its own, as the module checks make (bit 62) */
		for (p = act; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		ev->serial = (1ULL << 62) | (((h ^ (uint64_t)t) << 8) & ((1ULL << 62) - 1)) |
			     (uint64_t)(code & 0xff);
	}
	if (g->node)
		event_set_str(ev, &ev->node, g->node, strlen(g->node));
	f->code = code;
	f->act = act;
	f->response = response;
	/* when it was done, by its record; the alert is of now */
	f->first_ms = a ? a->ms : t;
	snprintf(f->detail, sizeof(f->detail), "%s", detail ? detail : "");
	f->gaps.rules_removed = g->rules_removed;
	f->gaps.audit_disabled = g->audit_disabled;
	f->gaps.kernel_lost = g->control->kernel_lost;
	if (a) {
		a->told = true;
		f->actor_known = a->pid >= 0;
		ev->pid = a->pid;
		ev->ppid = a->ppid;
		ev->uid = a->uid;
		ev->auid = a->auid;
		ev->ses = a->ses;
		if (a->comm[0])
			event_set_str(ev, &ev->comm, a->comm, strlen(a->comm));
		if (a->exe[0])
			event_set_str(ev, &ev->exe, a->exe, strlen(a->exe));
		if (a->user[0])
			event_set_str(ev, &ev->uid_name, a->user, strlen(a->user));
		if (a->auser[0])
			event_set_str(ev, &ev->auid_name, a->auser, strlen(a->auser));
		for (i = 0; i < a->argc; i++)
			event_add_arg(ev, a->args + a->arg_off[i], a->arg_len[i]);
	}
	f->why =
		code == KMW_R_AUDIT_PID_CHANGED
			? "the audit pid changed: the records go to another "
			  "program, which may drop them"
		: a && a->pid >= 0
			? "audit was made blind to module loads; its CONFIG_CHANGE record and the call's "
			  "SYSCALL and PROCTITLE name who did it"
		: a ? "audit was made blind to module loads; "
		      "its CONFIG_CHANGE record came without the SYSCALL that names who did it"
		    : "audit was found blind to module loads, and no record names who made it so: audit "
		      "was off when it was done, or the record was lost";
	risk_assess(&g->conf->risk, ev);
	g->alerts++;
	log_msg(LOG_ALERT, "%s: %s: %s%s%s%s%s", risk_reason_code((enum kmw_risk_reason)code), act,
		detail ? detail : "", a && a->pid >= 0 ? "; by " : "",
		a && a->pid >= 0 ? a->exe : "", response ? "; " : "", response ? response : "");
	g->emit(ev, g->emit_arg);
}

/* Put kmodwatch's rules back, first where a never rule comes in front. Returns the words. */
static const char *restore_rules(struct guard *g)
{
	bool first = false;
	int rc;

	if (g->conf->plugin || g->conf->no_rules || g->control->ctl < 0)
		return "none: the rules in force are not kmodwatchd's (plugin, or --no-rules)";
	if (!g->conf->reinstall_rules)
		return "none (--reinstall-rules=no)";
	/* what is left of ours goes, so that ours come back whole and in front */
	rc = control_put_back(g->control, &first);
	if (rc) {
		log_msg(LOG_ERR, "cannot put the rules back: %s", strerror(-rc));
		return "the rules could not be put back";
	}
	return first ? "kmodwatch's rules put back, in front of the never rule"
		     : "kmodwatch's rules put back";
}

/*
 * Each tick, and at once after a CONFIG_CHANGE of the rules: whether the rules in force audit
 * every module syscall, in the order the kernel tries them.
 */
void guard_check_rules(struct guard *g)
{
	const struct kmw_config *o = g->conf;
	struct control *c = g->control;
	struct kmw_rules_effect eff;
	struct guard_act *a;
	char why[400];
	const char *act;
	bool partly, blind;
	int64_t now = kmw_real_ms();
	int n, rc;

	if (c->ctl < 0)
		return;
	rc = rules_effect(c->ctl, o->key, &eff);
	if (rc)
		return;
	blind = rules_effect_blind(&eff, why, sizeof(why), &partly);
	act = eff.task_never == 2	  ? "task_never_rule"
	      : eff.exclude == 2	  ? "exclude_rule"
	      : strstr(why, "suppressed") ? "never_rule"
					  : "rules_removed";
	/* ours gone, though other rules cover the calls: still an act on ours */
	if (!blind && c->rules.n && !o->plugin) {
		n = rules_count_key(c->ctl, o->key);
		if (n >= 0 && n < c->rules.n) {
			blind = true;
			act = "rules_removed";
			snprintf(why, sizeof(why), "%d of kmodwatch's %d rules removed",
				 c->rules.n - n, c->rules.n);
		}
	}
	/* as it was at start (audit immutable without a rule of ours, say): no act of anyone */
	if (blind && g->baseline_set && !strcmp(why, g->baseline)) {
		g->rules_blind = false;
		return;
	}
	if (!g->baseline_set) {
		g->baseline_set = true;
		snprintf(g->baseline, sizeof(g->baseline), "%s", blind ? why : "");
		if (blind)
			log_msg(LOG_WARNING, "at start, module syscalls go unaudited: %s", why);
		return;
	}
	if (!blind) {
		if (g->rules_blind)
			log_msg(LOG_NOTICE, "every module syscall is audited again");
		g->rules_blind = false;
		g->rules_alerted = false;
		if (partly && strcmp(g->partly_said, why)) {
			log_msg(LOG_WARNING, "some module syscalls go unaudited: %s", why);
			snprintf(g->partly_said, sizeof(g->partly_said), "%s", why);
		}
		return;
	}
	if (!g->rules_blind) {
		g->rules_blind = true;
		g->rules_since_ms = now;
		g->rules_removed++;
	}
	g->last_blind_ms = now;
	if (g->rules_alerted)
		return;
	/* the record of the act may still be on its way: a moment for it */
	a = recent_act(g, act, o->key, now, now - g->rules_since_ms >= WAIT_FOR_RECORD_MS);
	if (!a && now - g->rules_since_ms < WAIT_FOR_RECORD_MS)
		return;
	g->rules_alerted = true;
	/* rules of others are not ours to delete: a never rule of the exit list is out-ranked */
	raise_alert(g, KMW_R_AUDIT_TAMPERED, act, why,
		    is(act, "never_rule") || is(act, "rules_removed")
			    ? restore_rules(g)
			    : "none: kmodwatchd deletes no rule "
			      "of others; remove it (auditctl -l shows it)",
		    a);
	/* undone: a new act is a new alert */
	if (o->reinstall_rules && !o->plugin && !o->no_rules) {
		rc = rules_effect(c->ctl, o->key, &eff);
		if (!rc && !rules_effect_blind(&eff, why, sizeof(why), &partly)) {
			g->rules_blind = false;
			g->rules_alerted = false;
		}
	}
}

/* Audit disabled: said with the act's record when there is one, and enabled again. */
static void audit_disabled(struct guard *g, struct guard_act *a)
{
	const char *response = "none (--reinstall-rules=no)";

	if (g->disabled_alerted)
		return;
	g->disabled_alerted = true;
	g->audit_disabled++;
	g->last_blind_ms = kmw_real_ms();
	if (g->conf->plugin || g->control->ctl < 0)
		response = "none: a plugin changes no audit state";
	else if (g->conf->reinstall_rules)
		response = control_enable(g->control) ? "audit could not be enabled again"
						      : "audit enabled again";
	raise_alert(g, KMW_R_AUDIT_TAMPERED, "audit_disabled",
		    "auditctl -e 0: no call of any process is audited while it lasts", response, a);
}

/* The status sampled (every TICK_SAMPLE_MS): the enabled flag and the audit pid. */
void guard_status(struct guard *g, const struct audit_status *st)
{
	int64_t now = kmw_real_ms();
	struct guard_act *a;

	if (!st->enabled) {
		if (!g->disabled_since_ms)
			g->disabled_since_ms = now;
		a = recent_act(g, "audit_enabled", NULL, now, true);
		if (a || now - g->disabled_since_ms >= WAIT_FOR_RECORD_MS)
			audit_disabled(g, a);
	} else if (g->disabled_since_ms) {
		g->disabled_since_ms = 0;
		g->disabled_alerted = false;
	}
	/* another program is the audit daemon now, and no record said so: said once for each */
	if (g->audit_pid_known && st->pid != g->audit_pid && st->pid != (uint32_t)getpid()) {
		char exe[256];

		if (!g->pid_waiting_ms) {
			g->pid_waiting_ms = now;
			return;
		}
		/* its record has a moment to come (guard_config_change judges it then) */
		if (now - g->pid_waiting_ms < WAIT_FOR_RECORD_MS)
			return;
		g->pid_waiting_ms = 0;
		if (st->pid && !(exe_of(st->pid, exe, sizeof(exe)) && is_auditd(exe)))
			audit_pid_alert(g, st->pid, g->audit_pid, 1, NULL);
	}
	g->audit_pid = st->pid;
	g->audit_pid_known = true;
}

static void audit_pid_alert(struct guard *g, int64_t pid, int64_t old, int res, struct guard_act *a)
{
	char detail[256], exe[128] = "";

	if (pid > 0 && !exe_of(pid, exe, sizeof(exe)))
		exe[0] = '\0';
	if (res == 0)
		snprintf(detail, sizeof(detail),
			 "pid %lld tried to take the audit pid from pid %lld "
			 "and was refused",
			 (long long)pid, (long long)old);
	else if (pid)
		snprintf(detail, sizeof(detail),
			 "the audit pid is %lld%s%s%s now (was %lld): the "
			 "records go to it",
			 (long long)pid, exe[0] ? " (" : "", exe, exe[0] ? ")" : "",
			 (long long)old);
	else
		snprintf(detail, sizeof(detail),
			 "the audit daemon (pid %lld) let go of audit: the "
			 "records wait in the kernel, or are lost",
			 (long long)old);
	raise_alert(g, KMW_R_AUDIT_PID_CHANGED, res == 0 ? "audit_pid_attempt" : "audit_pid",
		    detail, NULL, a);
}

/* A CONFIG_CHANGE record of others (the parser's hook): kept as the act, and judged. */
void guard_config_change(const struct kmw_config_change *c, void *arg)
{
	struct guard *g = arg;
	const struct kmw_event *ev = c->ev;
	struct guard_act *a;
	unsigned int i;
	size_t n;

	/* our own rules and settings: by the SYSCALL's pid, or (no SYSCALL for the audit
	 * daemon's own calls) by the time of our last change */
	if (ev->pid == getpid() ||
	    (ev->pid < 0 && kmw_real_ms() - g->control->own_change_ms < 1000 && !ev->historical))
		return;
	if (g->nacts == GUARD_ACTS) {
		memmove(&g->acts[0], &g->acts[1], sizeof(g->acts[0]) * (GUARD_ACTS - 1));
		g->nacts--;
	}
	a = &g->acts[g->nacts++];
	memset(a, 0, sizeof(*a));
	snprintf(a->op, sizeof(a->op), "%s", c->op);
	snprintf(a->field, sizeof(a->field), "%s", c->field);
	snprintf(a->key, sizeof(a->key), "%s", c->key);
	a->list = c->list;
	a->value = c->value;
	a->old = c->old;
	a->res = c->res;
	a->serial = ev->serial;
	a->ms = ev->sec * 1000 + ev->msec;
	a->pid = ev->pid;
	a->ppid = ev->ppid;
	a->uid = ev->uid;
	a->auid = ev->auid;
	a->ses = ev->ses;
	if (ev->comm.set)
		snprintf(a->comm, sizeof(a->comm), "%.*s", (int)ev->comm.len,
			 event_str(ev, &ev->comm));
	if (ev->exe.set)
		snprintf(a->exe, sizeof(a->exe), "%.*s", (int)ev->exe.len, event_str(ev, &ev->exe));
	if (ev->uid_name.set)
		snprintf(a->user, sizeof(a->user), "%.*s", (int)ev->uid_name.len,
			 event_str(ev, &ev->uid_name));
	if (ev->auid_name.set)
		snprintf(a->auser, sizeof(a->auser), "%.*s", (int)ev->auid_name.len,
			 event_str(ev, &ev->auid_name));
	/* the command line, as many words as fit */
	for (i = 0, n = 0; i < ev->argc && a->argc < 16; i++) {
		size_t w = ev->argv[i].len;

		if (w > sizeof(a->args) - n)
			break;
		memcpy(a->args + n, event_str(ev, &ev->argv[i]), w);
		a->arg_off[a->argc] = (uint16_t)n;
		a->arg_len[a->argc++] = (uint16_t)w;
		n += w;
	}
	if (is(a->op, "set") && is(a->field, "audit_enabled") && a->value == 0 && a->old != 0 &&
	    a->res != 0) {
		/* said now, even when audit is on again by the next sample */
		g->disabled_alerted = false;
		audit_disabled(g, a);
		g->disabled_since_ms = g->disabled_since_ms ? g->disabled_since_ms : kmw_real_ms();
	} else if (is(a->op, "set") && is(a->field, "audit_pid") && a->value != getpid()) {
		a->told = true;
		/* auditd starting, or letting go, is no act; another program, or a try, is */
		if (a->res == 0 || (a->value && !is_auditd(a->exe)))
			audit_pid_alert(g, a->value, a->old, a->res, a);
		if (a->res != 0)
			g->audit_pid = (uint32_t)a->value;
	} else if (is(a->op, "set") && is(a->field, "audit_rate_limit") && a->value > 0 &&
		   (a->old == 0 || a->value < a->old) && a->res != 0) {
		char detail[160];

		snprintf(detail, sizeof(detail),
			 "auditctl -r %lld: the kernel drops records past %lld "
			 "a second",
			 (long long)a->value, (long long)a->value);
		raise_alert(g, KMW_R_AUDIT_TAMPERED, "rate_limit", detail, NULL, a);
	} else if (is(a->op, "add_rule") || is(a->op, "remove_rule")) {
		guard_check_rules(g);
		/* judged now: one that blinded nothing explains nothing found later */
		a->told = true;
	}
}

bool guard_blind(const struct guard *g, int64_t within_ms)
{
	return g->rules_blind || g->disabled_since_ms ||
	       (g->last_blind_ms && kmw_real_ms() - g->last_blind_ms < within_ms);
}

int guard_init(struct guard *g, struct control *control, const struct kmw_config *conf,
	       const char *node, guard_emit_fn emit, void *arg)
{
	memset(g, 0, sizeof(*g));
	g->control = control;
	g->conf = conf;
	g->node = node && node[0] ? node : NULL;
	g->emit = emit;
	g->emit_arg = arg;
	g->ev = malloc(sizeof(*g->ev));
	return g->ev ? 0 : -ENOMEM;
}

void guard_set_config(struct guard *g, const struct kmw_config *conf)
{
	g->conf = conf;
}

void guard_fini(struct guard *g)
{
	free(g->ev);
	g->ev = NULL;
}
