// SPDX-License-Identifier: GPL-2.0-or-later
/* evqueue.c - a bounded FIFO of events and one worker thread that drains it */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kmw_evqueue.h"

static void *worker(void *arg)
{
	struct kmw_evqueue *q = arg;
	struct kmw_item *batch[KMW_EVQUEUE_BATCH];
	unsigned int n;
	bool stop;

	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (!q->count) {
			if (!q->tick) {
				pthread_cond_wait(&q->nonempty, &q->lock);
				continue;
			}
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)(q->tick_ms % 1000) * 1000000L;
			ts.tv_sec += q->tick_ms / 1000 + ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			if (pthread_cond_timedwait(&q->nonempty, &q->lock, &ts) == ETIMEDOUT &&
			    !q->count) {
				pthread_mutex_unlock(&q->lock);
				q->tick(q->arg);
				pthread_mutex_lock(&q->lock);
			}
		}
		/* events waiting together go together; a control item goes alone */
		batch[0] = &q->slots[q->head];
		n = 1;
		while (batch[0]->kind == KMW_ITEM_EVENT && n < q->count && n < KMW_EVQUEUE_BATCH &&
		       q->slots[(q->head + n) % q->nslots].kind == KMW_ITEM_EVENT) {
			batch[n] = &q->slots[(q->head + n) % q->nslots];
			n++;
		}
		pthread_mutex_unlock(&q->lock);
		/* the slots stay ours until released below: the pusher only fills free slots */
		stop = batch[0]->kind == KMW_ITEM_STOP;
		if (!stop)
			q->cb(batch, n, q->arg);
		/* a trickle of events: a moment for more to come, so that one wakeup serves many
		 * (only the outputs wait for it: what dies with a loader was read already) */
		if (!stop && batch[0]->kind == KMW_ITEM_EVENT && n < KMW_EVQUEUE_COALESCE)
			nanosleep(&(struct timespec){ .tv_nsec = KMW_EVQUEUE_COALESCE_US * 1000L },
				  NULL);
		pthread_mutex_lock(&q->lock);
		/* the events' copies back to the spares, or freed */
		for (unsigned int i = 0; i < n; i++) {
			struct kmw_event *ev = batch[i]->ev;

			batch[i]->ev = NULL;
			if (ev && q->nspare < KMW_EVQUEUE_SPARES)
				q->spare[q->nspare++] = ev;
			else
				free(ev);
		}
		q->head = (q->head + n) % q->nslots;
		q->count -= n;
		pthread_cond_signal(&q->nonfull);
		pthread_mutex_unlock(&q->lock);
		if (stop)
			return NULL;
	}
}

int evqueue_start(struct kmw_evqueue *q, unsigned int nslots, kmw_item_cb cb, void *arg)
{
	sigset_t all, old;
	int rc;

	memset(q, 0, sizeof(*q));
	/* calloc: pages of slots never used are never touched, and cost no memory */
	q->slots = calloc(nslots, sizeof(*q->slots));
	if (!q->slots)
		return -ENOMEM;
	q->nslots = nslots;
	/* the reserve: events go on when memory runs out */
	while (q->nspare < 2 && (q->spare[q->nspare] = malloc(sizeof(struct kmw_event))))
		q->nspare++;
	q->cb = cb;
	q->arg = arg;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->nonempty, NULL);
	pthread_cond_init(&q->nonfull, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = -pthread_create(&q->thread, NULL, worker, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* named, for top -H and /proc/PID/task/TID/comm */
	if (!rc)
		pthread_setname_np(q->thread, "kmw-worker");
	if (rc) {
		free(q->slots);
		q->slots = NULL;
		return rc;
	}
	q->started = true;
	return 0;
}

unsigned int evqueue_waiting(struct kmw_evqueue *q)
{
	unsigned int n;

	if (!q->started)
		return 0;
	pthread_mutex_lock(&q->lock);
	n = q->count;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void evqueue_set_tick(struct kmw_evqueue *q, void (*tick)(void *arg), unsigned int ms)
{
	pthread_mutex_lock(&q->lock);
	q->tick = tick;
	q->tick_ms = ms;
	pthread_mutex_unlock(&q->lock);
}

static void push(struct kmw_evqueue *q, enum kmw_item_kind kind, const struct kmw_event *ev,
		 void *ptr)
{
	struct kmw_event *copy;
	struct kmw_item *it;

	pthread_mutex_lock(&q->lock);
	if (q->count == q->nslots)
		q->waits++;
	while (q->count == q->nslots)
		pthread_cond_wait(&q->nonfull, &q->lock);
	it = &q->slots[(q->head + q->count) % q->nslots];
	copy = ev && q->nspare ? q->spare[--q->nspare] : NULL;
	pthread_mutex_unlock(&q->lock);
	it->kind = kind;
	it->ptr = ptr;
	it->ev = NULL;
	if (ev) {
		/* a whole event's room (enrichment adds to its arena), of which only the part in
		 * use is copied, and so touched */
		if (!copy)
			copy = malloc(sizeof(*copy));
		/* no memory: wait for a copy the worker gives back (the reserve made at start
		 * means one will come), as for a full queue: an event is never dropped */
		if (!copy) {
			pthread_mutex_lock(&q->lock);
			while (!q->nspare)
				pthread_cond_wait(&q->nonfull, &q->lock);
			copy = q->spare[--q->nspare];
			pthread_mutex_unlock(&q->lock);
		}
		memcpy(copy, ev, offsetof(struct kmw_event, arena) + ev->arena_len);
		it->ev = copy;
	}
	pthread_mutex_lock(&q->lock);
	q->count++;
	pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

void evqueue_push(struct kmw_evqueue *q, enum kmw_item_kind kind, const struct kmw_event *ev)
{
	push(q, kind, ev, NULL);
}

void evqueue_push_ptr(struct kmw_evqueue *q, enum kmw_item_kind kind, void *ptr)
{
	push(q, kind, NULL, ptr);
}

void evqueue_stop(struct kmw_evqueue *q)
{
	if (!q->started)
		return;
	evqueue_push(q, KMW_ITEM_STOP, NULL);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->nonfull);
	pthread_mutex_destroy(&q->lock);
	free(q->slots);
	q->slots = NULL;
	while (q->nspare)
		free(q->spare[--q->nspare]);
	q->started = false;
}
