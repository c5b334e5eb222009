// SPDX-License-Identifier: GPL-2.0-or-later
/* queue.c - read an input on a thread of its own into a bounded queue, counting what overflows */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmw_clock.h"
#include "kmw_lines.h"
#include "kmw_queue.h"

/* chunks kept mapped when drained (2 MiB): a steady stream maps nothing */
#define SPARE_CHUNKS 8

static void wake(int efd)
{
	uint64_t one = 1;

	/* a full eventfd counter still wakes the reader: nothing to handle */
	if (write(efd, &one, sizeof(one)) < 0)
		return;
}

static struct kmw_chunk *chunk_map(void)
{
	void *p = mmap(NULL, sizeof(struct kmw_chunk), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void chunk_unmap(struct kmw_chunk *c)
{
	if (c)
		munmap(c, sizeof(*c));
}

ssize_t queue_fill_fd(void *arg, char *buf, size_t cap, int stop_fd)
{
	int fd = (int)(intptr_t)arg, avail;
	ssize_t n, more;

	(void)stop_fd; /* a stream ends by itself, or queue_stop cancels the read */
	n = read(fd, buf, cap);
	if (n < 0)
		return -errno;
	/* a pipe gives at most its buffer per read: fill the chunk with what waits */
	while (n > 0 && (size_t)n < cap && ioctl(fd, FIONREAD, &avail) == 0 && avail > 0) {
		more = read(fd, buf + n, cap - (size_t)n);
		if (more <= 0)
			break;
		n += more;
	}
	return n;
}

static void unlock(void *lock)
{
	pthread_mutex_unlock(lock);
}

/* queue_stop may cancel the wait: the lock must not stay taken. Not inlined:
 * the cleanup handler's jump buffer would put the caller's variables at risk. */
static __attribute__((noinline)) void wait_room(struct kmw_queue *q)
{
	pthread_cleanup_push(unlock, &q->lock);
	while (q->count >= q->max_chunks)
		pthread_cond_wait(&q->room, &q->lock);
	pthread_cleanup_pop(0);
}

/* Lines that cannot be queued: counted, with the module syscalls among them. */
static void drop(struct kmw_queue *q, const char *data, size_t n)
{
	uint64_t lines, calls = lines_count_calls(data, n, &lines);

	q->stats.overflows++;
	q->stats.dropped_lines += lines;
	q->stats.dropped_calls += calls;
	q->gap = true;
	q->gap_mid_line = data[n - 1] != '\n';
}

/* reads this small go into the chunk waiting at the tail, when it has room */
#define SMALL_READ (16 * 1024)

/* A chunk to read into: a spare one, or a new mapping. */
static struct kmw_chunk *take_chunk(struct kmw_queue *q)
{
	struct kmw_chunk *c;

	pthread_mutex_lock(&q->lock);
	c = q->spare;
	if (c) {
		q->spare = c->next;
		q->nspare--;
	}
	pthread_mutex_unlock(&q->lock);
	while (!c) {
		c = chunk_map();
		if (!c)
			usleep(10000); /* no memory now: reading waits, the writer with it */
	}
	return c;
}

/* Whether a small piece of @n bytes goes into the chunk waiting at the tail. Under q->lock. */
static bool fits_tail(const struct kmw_queue *q, size_t n)
{
	const struct kmw_chunk *t = q->tail;

	return n <= SMALL_READ && t && !q->gap && !(t == q->head && q->busy) &&
	       t->len + n <= KMW_QUEUE_CHUNK;
}

/*
 * Queue the first @n bytes of q->cur (whole lines, or one piece of a line
 * longer than a chunk), holding @shed sheddable calls. A small piece is copied
 * into the tail while the pipeline has not started on it; otherwise q->cur
 * itself is queued, and the reader gets another. Past the size, the piece is
 * dropped. Returns true when q->cur was queued.
 */
static bool publish(struct kmw_queue *q, size_t n, unsigned int shed)
{
	struct kmw_chunk *c = q->cur, *t;
	bool queued = false, moved = false, was_empty;

	pthread_mutex_lock(&q->lock);
	/* the consumer empties the wakeup counter only once it finds the queue empty: while it
	 * has not, the last wakeup stands, and another would only cost a system call */
	was_empty = !q->head;
	t = q->tail;
	if (fits_tail(q, n)) {
		memcpy(t->data + t->len, c->data, n);
		t->len += n;
		t->shed += shed;
		q->inflight += shed;
		queued = true;
	} else if (q->count < q->max_chunks) {
		c->len = n;
		c->next = NULL;
		c->gap_before = q->gap;
		c->gap_mid_line = q->gap_mid_line;
		c->shed = shed;
		q->inflight += shed;
		q->gap = false;
		if (t)
			t->next = c;
		else
			q->head = c;
		q->tail = c;
		if (++q->count > q->stats.peak_chunks)
			q->stats.peak_chunks = q->count;
		queued = moved = true;
	} else {
		drop(q, c->data, n);
	}
	pthread_mutex_unlock(&q->lock);
	if (queued && was_empty)
		wake(q->efd);
	return moved;
}

/*
 * Sort the first @n bytes of q->cur (whole lines) before they are queued:
 * what the queue has room for now decides. Returns the bytes left.
 */
static size_t sort(struct kmw_queue *q, size_t n, unsigned int *shed)
{
	struct kmw_triage_pass p = { 0 };
	unsigned int keep;

	pthread_mutex_lock(&q->lock);
	p.inflight = q->inflight;
	p.room = q->count < q->max_chunks || fits_tail(q, n);
	/* the last quarter of the queue is for the records of module events */
	keep = q->max_chunks / 4 ? q->max_chunks / 4 : 1;
	p.squeeze = q->count + keep >= q->max_chunks;
	pthread_mutex_unlock(&q->lock);
	n = triage_filter(q->triage, q->cur->data, n, &p);
	*shed = p.kept;
	return n;
}

/* The end of a run of whole lines in @buf, or 0 when there is none. */
static size_t whole_lines(const char *buf, size_t len)
{
	const char *nl = memrchr(buf, '\n', len);

	return nl ? (size_t)(nl - buf) + 1 : 0;
}

/* A chunk the reader took and no longer needs goes back to the spares. */
static void give_back(struct kmw_queue *q, struct kmw_chunk *c)
{
	pthread_mutex_lock(&q->lock);
	if (q->nspare < SPARE_CHUNKS) {
		c->next = q->spare;
		q->spare = c;
		q->nspare++;
		c = NULL;
	}
	pthread_mutex_unlock(&q->lock);
	chunk_unmap(c);
}

/*
 * Queue the whole lines of the reader's chunk (its first @cut of @total
 * bytes); the rest, a partial line, starts the next chunk. A chunk handed over
 * is the pipeline's from that moment (it may be drained and unmapped before
 * publish even returns), so the rest is copied out of it first.
 */
static void hand_over(struct kmw_queue *q, size_t cut, size_t total)
{
	struct kmw_chunk *old = q->cur, *next = NULL;
	size_t rest = total - cut, n = cut;
	unsigned int shed = 0;

	if (rest) {
		next = take_chunk(q);
		memcpy(next->data, old->data + cut, rest);
	}
	if (q->triage)
		n = sort(q, cut, &shed);
	if (publish(q, n, shed)) {
		q->cur = next ? next : take_chunk(q);
	} else if (next) {
		/* copied into the tail, or dropped: the old chunk is still ours, and spare */
		q->cur = next;
		give_back(q, old);
	}
	q->carry = rest;
}

static void *reader(void *arg)
{
	struct kmw_queue *q = arg;
	size_t total, cut;
	ssize_t n;

	for (;;) {
		/* a file waits for room; a writer that must not wait never does */
		if (q->block) {
			pthread_mutex_lock(&q->lock);
			wait_room(q);
			pthread_mutex_unlock(&q->lock);
		}
		n = q->fill(q->fill_arg, q->cur->data + q->carry, KMW_QUEUE_CHUNK - q->carry,
			    q->stop_efd);
		q->filled_us = kmw_mono_us();
		if (n == -EINTR)
			continue;
		if (n <= 0) {
			/* a last line without its newline still goes through */
			if (q->carry && publish(q, q->carry, 0))
				q->cur = take_chunk(q);
			q->carry = 0;
			pthread_mutex_lock(&q->lock);
			q->eof = true;
			q->read_error = n < 0 ? (int)-n : 0;
			pthread_mutex_unlock(&q->lock);
			wake(q->efd);
			return NULL;
		}
		total = q->carry + (size_t)n;
		cut = whole_lines(q->cur->data + q->carry, (size_t)n);
		cut = cut ? q->carry + cut : 0;
		/* a line longer than a chunk goes in pieces: the parser says it is too long */
		if (!cut && total == KMW_QUEUE_CHUNK)
			cut = total;
		if (cut)
			hand_over(q, cut, total);
		else
			q->carry = total;
	}
}

int queue_start(struct kmw_queue *q, kmw_fill_fn fill, void *arg, unsigned int max_chunks,
		bool block, struct kmw_triage *triage)
{
	sigset_t all, old;
	int rc;

	memset(q, 0, sizeof(*q));
	q->fill = fill;
	q->fill_arg = arg;
	q->block = block;
	/* a file nobody waits on is read as fast as it is taken: there is no flood to sort */
	q->triage = block ? NULL : triage;
	q->max_chunks = max_chunks ? max_chunks : 1;
	/* a file waits for the pipeline: a deeper queue would only cost memory */
	if (block && q->max_chunks > 4)
		q->max_chunks = 4;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	q->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0 || q->stop_efd < 0) {
		rc = -errno;
		goto out_close;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->room, NULL);
	q->cur = chunk_map();
	if (!q->cur) {
		rc = -ENOMEM;
		goto out_destroy;
	}
	/* signals belong to the main thread's signalfd, never to the reader */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = -pthread_create(&q->thread, NULL, reader, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* named, for top -H and /proc/PID/task/TID/comm */
	if (!rc)
		pthread_setname_np(q->thread, "kmw-reader");
	if (rc)
		goto out_unmap;
	q->started = true;
	return 0;

out_unmap:
	chunk_unmap(q->cur);
	q->cur = NULL;
out_destroy:
	pthread_cond_destroy(&q->room);
	pthread_mutex_destroy(&q->lock);
out_close:
	if (q->efd >= 0)
		close(q->efd);
	if (q->stop_efd >= 0)
		close(q->stop_efd);
	q->efd = q->stop_efd = -1;
	return rc;
}

int queue_peek(struct kmw_queue *q, struct kmw_chunk **out)
{
	uint64_t v;
	int ret;

	pthread_mutex_lock(&q->lock);
	if (q->head) {
		/* the reader appends only to a chunk nobody holds: this one stays as it is */
		q->busy = true;
		*out = q->head;
		ret = 1;
	} else {
		ret = q->eof ? -1 : 0;
		/* drained: reset the wakeup counter; the reader writes again for new data */
		if (read(q->efd, &v, sizeof(v)) < 0)
			v = 0;
	}
	pthread_mutex_unlock(&q->lock);
	return ret;
}

void queue_release(struct kmw_queue *q)
{
	struct kmw_chunk *c, *unmap = NULL;

	pthread_mutex_lock(&q->lock);
	c = q->head;
	if (c) {
		q->head = c->next;
		if (!q->head)
			q->tail = NULL;
		q->count--;
		q->inflight -= c->shed;
		c->shed = 0;
		if (q->nspare < SPARE_CHUNKS) {
			c->next = q->spare;
			q->spare = c;
			q->nspare++;
		} else {
			unmap = c;
		}
	}
	q->busy = false;
	pthread_cond_signal(&q->room);
	pthread_mutex_unlock(&q->lock);
	chunk_unmap(unmap);
}

struct kmw_queue_stats queue_stats(struct kmw_queue *q)
{
	struct kmw_queue_stats s;

	pthread_mutex_lock(&q->lock);
	s = q->stats;
	s.chunks = q->count;
	pthread_mutex_unlock(&q->lock);
	return s;
}

void queue_finish(struct kmw_queue *q)
{
	if (q->started)
		wake(q->stop_efd);
}

static void unmap_list(struct kmw_chunk *c)
{
	struct kmw_chunk *next;

	for (; c; c = next) {
		next = c->next;
		chunk_unmap(c);
	}
}

void queue_stop(struct kmw_queue *q)
{
	if (!q->started)
		return;
	pthread_mutex_lock(&q->lock);
	if (!q->eof)
		pthread_cancel(q->thread);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	close(q->efd);
	close(q->stop_efd);
	pthread_cond_destroy(&q->room);
	pthread_mutex_destroy(&q->lock);
	unmap_list(q->head);
	unmap_list(q->spare);
	chunk_unmap(q->cur);
	q->head = q->tail = q->spare = q->cur = NULL;
	q->count = q->nspare = 0;
	q->started = false;
}
