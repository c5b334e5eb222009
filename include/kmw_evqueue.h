/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_evqueue.h - events handed from the capture thread to the slow-enrichment worker, in order */
#ifndef KMW_EVQUEUE_H
#define KMW_EVQUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kmw_event.h"

enum kmw_item_kind {
	KMW_ITEM_EVENT,
	KMW_ITEM_REOPEN,      /* reopen the outputs, in order with the events */
	KMW_ITEM_CONFIG,      /* a reload: a new configuration generation to take (ptr) */
	KMW_ITEM_MAINTENANCE, /* store retention, between two events */
	KMW_ITEM_BACKFILL,    /* records were lost: recover from auditd's log (ptr: the gap) */
	KMW_ITEM_INVENTORY,   /* a tick of the module checks (ptr: audit's gaps, to free) */
	KMW_ITEM_STOP,
};

struct kmw_item {
	enum kmw_item_kind kind;
	void *ptr;	      /* what a control item carries, or NULL */
	struct kmw_event *ev; /* an event's copy: the queue's, the worker's while it runs */
};

/* event copies kept for reuse, at most: a worker that keeps up needs a few, and only the
 * part of each an event uses is ever touched */
#define KMW_EVQUEUE_SPARES 16

/* The most events handed to the worker at once. */
#define KMW_EVQUEUE_BATCH 128
/* after fewer events than this, the worker waits this long before it looks again: a wakeup
 * for each of a trickle of events costs more than the events */
#define KMW_EVQUEUE_COALESCE 16
#define KMW_EVQUEUE_COALESCE_US 1000

/*
 * Runs on the worker thread with @n items, in the order they were pushed:
 * one control item, or events that were waiting together (at most
 * KMW_EVQUEUE_BATCH; one when the worker keeps up), so that work can be
 * shared among them, such as a store commit.
 */
typedef void (*kmw_item_cb)(struct kmw_item **items, unsigned int n, void *arg);

struct kmw_evqueue {
	struct kmw_item *slots;
	struct kmw_event *spare[KMW_EVQUEUE_SPARES]; /* under lock */
	unsigned int nspare;
	unsigned int nslots, head, count;
	uint64_t waits; /* pushes that found the queue full and waited */
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;
	pthread_t thread;
	bool started;
	kmw_item_cb cb;
	void *arg;
	void (*tick)(void *arg); /* called about every tick_ms while the queue is idle */
	unsigned int tick_ms;
};

/**
 * evqueue_start - a worker thread that calls @cb for the items pushed, with
 * room for @nslots waiting items. Returns 0 or -errno.
 */
int evqueue_start(struct kmw_evqueue *q, unsigned int nslots, kmw_item_cb cb, void *arg);

/**
 * evqueue_set_tick - have the worker call @tick about every @ms while idle,
 * and between items (retries of outputs). Call before any push.
 */
void evqueue_set_tick(struct kmw_evqueue *q, void (*tick)(void *arg), unsigned int ms);

/**
 * evqueue_push - hand @ev (copied) or a control item to the worker. Waits for
 * room when the queue is full: an event is never dropped.
 */
void evqueue_push(struct kmw_evqueue *q, enum kmw_item_kind kind, const struct kmw_event *ev);

/**
 * evqueue_push_ptr - a control item carrying @ptr to the worker.
 */
void evqueue_push_ptr(struct kmw_evqueue *q, enum kmw_item_kind kind, void *ptr);

/**
 * evqueue_waiting - the items pushed and not yet taken.
 */
unsigned int evqueue_waiting(struct kmw_evqueue *q);

/**
 * evqueue_stop - let the worker finish every item pushed, then join it.
 */
void evqueue_stop(struct kmw_evqueue *q);

#endif
