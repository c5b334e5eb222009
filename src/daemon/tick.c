// SPDX-License-Identifier: GPL-2.0-or-later
/* tick.c - the main thread's timers: each module's duty, in order (tick.h) */
#include "tick.h"

void tick_init(struct tick_state *t, const struct kmw_config *conf, struct control *control,
	       struct guard *guard, struct intake *intake, struct worker *worker,
	       struct report *report)
{
	*t = (struct tick_state){ .conf = conf,
				  .control = control,
				  .guard = guard,
				  .intake = intake,
				  .worker = worker,
				  .report = report };
}

void tick_set_config(struct tick_state *t, const struct kmw_config *conf)
{
	t->conf = conf;
}

/* audit turned off, even for a moment between two samples that both see it on, is said by its
 * CONFIG_CHANGE record; the module checks find what came meanwhile */
void tick_sample(struct tick_state *t)
{
	struct audit_status st;

	if (!control_sample(t->control, &st))
		guard_status(t->guard, &st);
}

/*
 * Audit's gaps so far, and whether events lag behind (the kernel's backlog, records read and
 * not yet taken, events waiting for the worker), to the worker in order with the events.
 */
static void push_checks(struct tick_state *t)
{
	struct intake_counts in;
	struct recon_tick rt = { 0 };

	if (!t->conf->inventory_interval)
		return;
	in = intake_counts(t->intake);
	rt.g.kernel_lost = t->control->kernel_lost;
	rt.g.lost_events = in.lost_events;
	rt.g.socket_dropped = in.dropped;
	rt.g.dropped_calls = in.q.dropped_calls;
	rt.g.rules_removed = t->guard->rules_removed;
	rt.g.audit_disabled = t->guard->audit_disabled;
	rt.behind = t->control->backlog_now > 0 || in.q.chunks > 1 || worker_waiting(t->worker) > 8;
	rt.blind = guard_blind(t->guard, RECON_BLIND_AFTER_MS);
	worker_push_tick(t->worker, &rt);
}

void tick_run(struct tick_state *t)
{
	struct audit_status st;

	t->n++;
	guard_check_rules(t->guard);
	if (!control_account_lost(t->control, &st))
		guard_status(t->guard, &st);
	intake_tick(t->intake);
	push_checks(t);
	report_state(t->report);
	if (t->conf->stats_interval &&
	    t->n % ((t->conf->stats_interval + TICK_S - 1) / TICK_S) == 0)
		report_stats(t->report);
	if (t->n % (60 / TICK_S) == 0)
		worker_push_maintenance(t->worker);
}
