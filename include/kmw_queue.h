/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_queue.h - a bounded queue between a reading thread and the event pipeline */
#ifndef KMW_QUEUE_H
#define KMW_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KMW_QUEUE_CHUNK (256 * 1024)

struct kmw_chunk {
	size_t len;
	bool gap_before;	/* data was dropped just before this chunk */
	bool gap_mid_line;	/* ... and the drop ended inside a line */
	char data[KMW_QUEUE_CHUNK];
};

struct kmw_queue_stats {
	uint64_t bytes_in;
	uint64_t dropped_bytes;		/* read but no room: lost */
	uint64_t dropped_lines;		/* newlines among them: the records lost */
	uint64_t overflows;		/* times the queue was full */
};

/*
 * A reading thread takes bytes from @fd as fast as they come, so that the
 * writer (auditd) never waits on us; the pipeline takes whole chunks with
 * queue_pop. When every slot is full, what is read is dropped and counted,
 * and the next chunk says there was a gap.
 */
struct kmw_queue {
	int fd;
	int efd;		/* eventfd: readable when chunks wait or input ended */
	unsigned int nslots, head, count;
	struct kmw_chunk *slots;
	bool eof;
	int read_error;
	bool gap;
	bool gap_mid_line;
	bool block;		/* a file: wait for room instead of dropping */
	struct kmw_queue_stats stats;
	pthread_mutex_t lock;
	pthread_cond_t room;
	pthread_t thread;
	bool started;
	char scratch[KMW_QUEUE_CHUNK];
};

/**
 * queue_start - start reading @fd into a queue of @nslots chunks. When @fd is
 * a regular file nobody waits on us, so the reader waits for room instead of
 * dropping. Returns 0 or -errno. q->efd is the fd to poll.
 */
int queue_start(struct kmw_queue *q, int fd, unsigned int nslots);

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
 * queue_stop - stop reading and free the slots. What was queued is lost:
 * pop it first.
 */
void queue_stop(struct kmw_queue *q);

#endif
