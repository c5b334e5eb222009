/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_queue.h - audit record lines from a reading thread to the pipeline, in a bounded queue */
#ifndef KMW_QUEUE_H
#define KMW_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kmw_triage.h"

#define KMW_QUEUE_CHUNK (256 * 1024)

struct kmw_chunk {
	struct kmw_chunk *next;
	size_t len;
	bool gap_before;   /* data was dropped just before this chunk */
	bool gap_mid_line; /* ... and the drop ended inside a line */
	unsigned int shed; /* sheddable module calls it holds one by one (triage) */
	char data[KMW_QUEUE_CHUNK];
};

/**
 * kmw_fill_fn - read what the input has into @buf (at most @cap bytes),
 * waiting for the first byte. Returns the bytes read, 0 at the end of the
 * input, or -errno. When @stop_fd becomes readable the queue is being
 * finished: take what is there without waiting, and return 0 when nothing is
 * left. A fill that ends every read on a line end (netlink records) spares
 * the queue from carrying partial lines.
 */
typedef ssize_t (*kmw_fill_fn)(void *arg, char *buf, size_t cap, int stop_fd);

struct kmw_queue_stats {
	uint64_t dropped_lines;	  /* read but no room: the records lost */
	uint64_t dropped_calls;	  /* ... of them, SYSCALL records of module syscalls */
	uint64_t overflows;	  /* times the queue was full */
	unsigned int peak_chunks; /* the most chunks queued at once */
	unsigned int chunks;	  /* queued now */
};

/*
 * A reading thread takes the input as fast as it comes, so that the writer
 * (the kernel, or auditd) never waits on us; the pipeline takes chunks with
 * queue_peek. Chunks hold whole lines, are mapped when needed and unmapped
 * when drained, so a burst costs memory only while it lasts. When
 * @max_chunks are full, what is read is dropped, counted exactly (lines, and
 * module syscalls among them), and the next chunk says there was a gap.
 *
 * The reader never waits on the pipeline (unless told to, for a file): the
 * kernel gives a full audit socket a tenth of a second per record and then
 * drops it, uncounted unless audit=1 is on its command line; and a kernel
 * whose backlog fills makes the audited processes wait, some of them (a
 * wakeup it loses) for the whole backlog_wait_time, a minute by default.
 */
struct kmw_queue {
	kmw_fill_fn fill;
	void *fill_arg;
	int efd;      /* eventfd: readable when chunks wait or input ended */
	int stop_efd; /* eventfd: queue_finish asks the fill to end */
	unsigned int max_chunks, count, nspare;
	struct kmw_chunk *head, *tail, *spare;
	bool busy; /* the pipeline holds the head chunk */
	bool eof;
	int read_error;
	bool gap;
	bool gap_mid_line;
	bool block;		   /* a file: wait for room instead of dropping */
	struct kmw_triage *triage; /* sorts what is read before it is queued, or NULL */
	unsigned int inflight;	   /* sheddable calls queued one by one (chunks' shed) */
	struct kmw_queue_stats stats;
	pthread_mutex_t lock;
	pthread_cond_t room;
	pthread_t thread;
	bool started;
	struct kmw_chunk *cur; /* the reader's: filled in place, then queued */
	int64_t filled_us;     /* the reader's: when the last fill returned (monotonic) */
	size_t carry;	       /* a partial line at the start of cur */
};

/**
 * queue_start - start a thread that reads with @fill(@arg) into a queue of at
 * most @max_chunks chunks. With @block it waits for room instead of dropping
 * (input nobody waits on, such as a file), and a few chunks are enough. With
 * @triage (or NULL) the reader sorts the lines before they are queued (see
 * kmw_triage.h): under pressure a flood is summarised, not dropped, and what
 * must not be shed keeps the room. Returns 0 or -errno; q->efd is the fd to poll.
 */
int queue_start(struct kmw_queue *q, kmw_fill_fn fill, void *arg, unsigned int max_chunks,
		bool block, struct kmw_triage *triage);

/**
 * queue_fill_fd - a kmw_fill_fn for a file descriptor: @arg is the fd, cast
 * with (void *)(intptr_t). A regular file should be started with @block.
 */
ssize_t queue_fill_fd(void *arg, char *buf, size_t cap, int stop_fd);

/**
 * queue_peek - the oldest chunk, in place, until queue_release. Returns 1
 * and sets @out when there is one, 0 when the queue is empty, -1 when it is
 * empty and the input has ended.
 */
int queue_peek(struct kmw_queue *q, struct kmw_chunk **out);

/**
 * queue_release - give the chunk queue_peek returned back to the reader.
 */
void queue_release(struct kmw_queue *q);

/**
 * queue_stats - a copy of the counters, taken under the lock.
 */
struct kmw_queue_stats queue_stats(struct kmw_queue *q);

/**
 * queue_finish - ask the fill to take what is left without waiting and then
 * end the input: queue_peek returns -1 once that is drained.
 */
void queue_finish(struct kmw_queue *q);

/**
 * queue_stop - stop reading and free the chunks. What was queued is lost:
 * pop it first.
 */
void queue_stop(struct kmw_queue *q);

#endif
