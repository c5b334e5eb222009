/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tick.h - the main thread's timers: every TICK_SAMPLE_MS the kernel's audit status sampled
 * (its backlog's high-water mark, the enabled flag, the audit pid); every TICK_S each module's
 * duty, in order, and the tick of the module checks, made of what the main thread knows,
 * handed to the worker. Main thread. */
#ifndef KMWD_TICK_H
#define KMWD_TICK_H

#include "control.h"
#include "guard.h"
#include "intake.h"
#include "kmw_config.h"
#include "report.h"
#include "worker.h"

/* the timer of the main thread: state file, rule check, stats, store maintenance */
#define TICK_S INTAKE_TICK_S
/* the kernel's audit backlog is sampled this often, for its high-water mark */
#define TICK_SAMPLE_MS 100

struct tick_state {
	const struct kmw_config *conf; /* the generation in force: stats-interval */
	unsigned int n;		       /* ticks so far */
	struct control *control;
	struct guard *guard;
	struct intake *intake;
	struct worker *worker;
	struct report *report;
};

/* tick_init - @t for @conf over the modules named */
void tick_init(struct tick_state *t, const struct kmw_config *conf, struct control *control,
	       struct guard *guard, struct intake *intake, struct worker *worker,
	       struct report *report);

/* tick_set_config - the generation in force from now on (a reload) */
void tick_set_config(struct tick_state *t, const struct kmw_config *conf);

/* tick_sample - every TICK_SAMPLE_MS */
void tick_sample(struct tick_state *t);

/* tick_run - every TICK_S */
void tick_run(struct tick_state *t);

#endif
