// SPDX-License-Identifier: GPL-2.0-or-later
/* queue.c - read a stream on a thread of its own into a bounded queue, counting what overflows */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmw_queue.h"

static void wake(struct kmw_queue *q)
{
	uint64_t one = 1;

	/* a full eventfd counter still wakes the reader: nothing to handle */
	if (write(q->efd, &one, sizeof(one)) < 0)
		return;
}

static size_t count_newlines(const char *p, size_t n)
{
	size_t c = 0;
	const char *e = p + n;

	while ((p = memchr(p, '\n', (size_t)(e - p)))) {
		c++;
		p++;
	}
	return c;
}

static void *reader(void *arg)
{
	struct kmw_queue *q = arg;
	struct kmw_chunk *c;
	ssize_t n;
	int avail;

	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (q->block && q->count == q->nslots)
			pthread_cond_wait(&q->room, &q->lock);
		c = q->count < q->nslots ? &q->slots[(q->head + q->count) % q->nslots] : NULL;
		pthread_mutex_unlock(&q->lock);
		/* reading into a slot needs no lock: only this thread fills free slots */
		n = read(q->fd, c ? c->data : q->scratch, KMW_QUEUE_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		/* a pipe gives at most its buffer per read: fill the chunk with what waits */
		while (n > 0 && n < KMW_QUEUE_CHUNK && ioctl(q->fd, FIONREAD, &avail) == 0 && avail > 0) {
			ssize_t more = read(q->fd, (c ? c->data : q->scratch) + n,
					    (size_t)(KMW_QUEUE_CHUNK - n));

			if (more <= 0)
				break;
			n += more;
		}
		pthread_mutex_lock(&q->lock);
		if (n <= 0) {
			q->eof = true;
			q->read_error = n < 0 ? errno : 0;
			pthread_mutex_unlock(&q->lock);
			wake(q);
			return NULL;
		}
		q->stats.bytes_in += (uint64_t)n;
		if (c) {
			c->len = (size_t)n;
			c->gap_before = q->gap;
			c->gap_mid_line = q->gap_mid_line;
			q->gap = false;
			q->count++;
		} else {
			q->stats.overflows++;
			q->stats.dropped_bytes += (uint64_t)n;
			q->stats.dropped_lines += count_newlines(q->scratch, (size_t)n);
			q->gap = true;
			q->gap_mid_line = q->scratch[n - 1] != '\n';
		}
		pthread_mutex_unlock(&q->lock);
		if (c)
			wake(q);
	}
}

int queue_start(struct kmw_queue *q, int fd, unsigned int nslots)
{
	sigset_t all, old;
	int rc;

	struct stat st;

	memset(q, 0, offsetof(struct kmw_queue, scratch));
	q->fd = fd;
	q->block = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	q->nslots = nslots;
	q->slots = calloc(nslots, sizeof(*q->slots));
	if (!q->slots)
		return -ENOMEM;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		rc = -errno;
		goto out_free;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->room, NULL);
	/* signals belong to the main thread's signalfd, never to the reader */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = -pthread_create(&q->thread, NULL, reader, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		goto out_close;
	q->started = true;
	return 0;

out_close:
	close(q->efd);
	pthread_cond_destroy(&q->room);
	pthread_mutex_destroy(&q->lock);
out_free:
	free(q->slots);
	q->slots = NULL;
	return rc;
}

int queue_peek(struct kmw_queue *q, struct kmw_chunk **out)
{
	uint64_t v;
	int ret;

	pthread_mutex_lock(&q->lock);
	if (q->count) {
		/* the reader fills only free slots: this one stays ours until released */
		*out = &q->slots[q->head];
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
	pthread_mutex_lock(&q->lock);
	q->head = (q->head + 1) % q->nslots;
	q->count--;
	pthread_cond_signal(&q->room);
	pthread_mutex_unlock(&q->lock);
}

struct kmw_queue_stats queue_stats(struct kmw_queue *q)
{
	struct kmw_queue_stats s;

	pthread_mutex_lock(&q->lock);
	s = q->stats;
	pthread_mutex_unlock(&q->lock);
	return s;
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
	pthread_cond_destroy(&q->room);
	pthread_mutex_destroy(&q->lock);
	free(q->slots);
	q->slots = NULL;
	q->started = false;
}
