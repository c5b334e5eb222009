// SPDX-License-Identifier: GPL-2.0-or-later
/* queue.c - read an input on a thread of its own into a bounded queue, counting what overflows */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kmw_lines.h"
#include "kmw_queue.h"

/* chunks kept mapped when drained: a steady trickle maps nothing */
#define SPARE_CHUNKS 2

/*
 * A full queue stops the reading, and a writer that cannot write waits: that
 * is how a flood slows down to what the pipeline takes. But the kernel waits
 * on a full socket only a tenth of a second per record (since Linux 5.16, and
 * in the stable kernels before it) and then drops it, uncounted unless audit=1
 * was on its command line. So a waiting reader still takes a little every
 * KICK_MS, into an overdraft beyond the queue's size, and drops (counting
 * exactly what) only when that is spent too.
 */
#define KICK_MS 30
#define KICK_BYTES (64 * 1024)

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

	(void)stop_fd;	/* a stream ends by itself, or queue_stop cancels the read */
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
 * the cleanup handler's jump buffer would put publish's variables at risk. */
static __attribute__((noinline)) void wait_room(struct kmw_queue *q, bool kick)
{
	struct timespec ts;

	pthread_cleanup_push(unlock, &q->lock);
	if (kick) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += KICK_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		while (q->count >= q->max_chunks &&
		       pthread_cond_timedwait(&q->room, &q->lock, &ts) != ETIMEDOUT)
			;
	} else {
		pthread_cond_wait(&q->room, &q->lock);
	}
	pthread_cleanup_pop(0);
}

/* Lines that cannot be queued: counted, with the module syscalls among them. */
static void drop(struct kmw_queue *q, const char *data, size_t n)
{
	uint64_t lines, calls = lines_count_calls(data, n, &lines);

	q->stats.overflows++;
	q->stats.dropped_bytes += n;
	q->stats.dropped_lines += lines;
	q->stats.dropped_calls += calls;
	q->gap = true;
	q->gap_mid_line = data[n - 1] != '\n';
}

/* Queue @n bytes of whole lines (or one piece of a line longer than a chunk). */
static void publish(struct kmw_queue *q, const char *data, size_t n)
{
	struct kmw_chunk *c = NULL, *fresh = NULL;
	bool queued = false;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		c = q->tail;
		/* the tail takes more while the pipeline has not started on it */
		if (c && !q->gap && !(c == q->head && q->busy) && c->len + n <= KMW_QUEUE_CHUNK) {
			memcpy(c->data + c->len, data, n);
			c->len += n;
			queued = true;
			break;
		}
		if (q->count < q->max_chunks + q->overdraft) {
			c = q->spare;
			if (c) {
				q->spare = c->next;
				q->nspare--;
			} else if (fresh) {
				c = fresh;
				fresh = NULL;
			} else {
				/* map outside the lock, then look again */
				pthread_mutex_unlock(&q->lock);
				fresh = chunk_map();
				pthread_mutex_lock(&q->lock);
				if (fresh)
					continue;
			}
		}
		if (c && q->count < q->max_chunks + q->overdraft) {
			if (q->count >= q->max_chunks)
				q->stats.overdraft_chunks++;
			memcpy(c->data, data, n);
			c->len = n;
			c->next = NULL;
			c->gap_before = q->gap;
			c->gap_mid_line = q->gap_mid_line;
			q->gap = false;
			if (q->tail)
				q->tail->next = c;
			else
				q->head = c;
			q->tail = c;
			if (++q->count > q->stats.peak_chunks)
				q->stats.peak_chunks = q->count;
			queued = true;
			break;
		}
		if (q->block) {
			wait_room(q, false);
			continue;
		}
		drop(q, data, n);
		break;
	}
	pthread_mutex_unlock(&q->lock);
	chunk_unmap(fresh);
	if (queued)
		wake(q->efd);
}

/* The end of a run of whole lines in @buf, or 0 when there is none. */
static size_t whole_lines(const char *buf, size_t len)
{
	const char *nl = memrchr(buf, '\n', len);

	return nl ? (size_t)(nl - buf) + 1 : 0;
}

static void *reader(void *arg)
{
	struct kmw_queue *q = arg;
	size_t total, cut, cap;
	ssize_t n;

	for (;;) {
		/* full: the writer waits with us, but never long enough to drop */
		cap = KMW_QUEUE_CHUNK - q->carry;
		pthread_mutex_lock(&q->lock);
		if (q->count >= q->max_chunks) {
			if (q->block) {
				while (q->count >= q->max_chunks)
					wait_room(q, false);
			} else {
				wait_room(q, true);
				if (q->count >= q->max_chunks) {
					q->stats.kicks++;
					cap = cap < KICK_BYTES ? cap : KICK_BYTES;
				}
			}
		}
		pthread_mutex_unlock(&q->lock);
		n = q->fill(q->fill_arg, q->scratch + q->carry, cap, q->stop_efd);
		if (n == -EINTR)
			continue;
		if (n <= 0) {
			/* a last line without its newline still goes through */
			if (q->carry)
				publish(q, q->scratch, q->carry);
			q->carry = 0;
			pthread_mutex_lock(&q->lock);
			q->eof = true;
			q->read_error = n < 0 ? (int)-n : 0;
			pthread_mutex_unlock(&q->lock);
			wake(q->efd);
			return NULL;
		}
		pthread_mutex_lock(&q->lock);
		q->stats.bytes_in += (uint64_t)n;
		pthread_mutex_unlock(&q->lock);
		total = q->carry + (size_t)n;
		cut = whole_lines(q->scratch + q->carry, (size_t)n);
		cut = cut ? q->carry + cut : 0;
		/* a line longer than a chunk goes in pieces: the parser says it is too long */
		if (!cut && total == KMW_QUEUE_CHUNK)
			cut = total;
		if (cut)
			publish(q, q->scratch, cut);
		memmove(q->scratch, q->scratch + cut, total - cut);
		q->carry = total - cut;
	}
}

int queue_start(struct kmw_queue *q, kmw_fill_fn fill, void *arg, unsigned int max_chunks,
		bool block)
{
	sigset_t all, old;
	int rc;

	memset(q, 0, offsetof(struct kmw_queue, scratch));
	q->fill = fill;
	q->fill_arg = arg;
	q->block = block;
	q->max_chunks = max_chunks ? max_chunks : 1;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	q->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0 || q->stop_efd < 0) {
		rc = -errno;
		goto out_close;
	}
	/* a quarter more for the overdraft, at least one chunk */
	q->overdraft = q->max_chunks / 4 ? q->max_chunks / 4 : 1;
	pthread_mutex_init(&q->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&q->room, &ca);
		pthread_condattr_destroy(&ca);
	}
	/* signals belong to the main thread's signalfd, never to the reader */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = -pthread_create(&q->thread, NULL, reader, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_cond_destroy(&q->room);
		pthread_mutex_destroy(&q->lock);
		goto out_close;
	}
	q->started = true;
	return 0;

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
	q->head = q->tail = q->spare = NULL;
	q->count = q->nspare = 0;
	q->started = false;
}
