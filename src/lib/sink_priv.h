/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sink_priv.h - what a sink module (sink_file.c, sink_syslog.c ...) implements and sees
 * of the common sink: its configuration, its name, its counters. Not for the daemon. */
#ifndef SINK_PRIV_H
#define SINK_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmw_buf.h"
#include "kmw_event.h"
#include "kmw_sink.h"

struct kmw_sink;

/*
 * One kind of output. sink.c keeps the queue, the retries and the counters;
 * the kind only frames and writes. Every callback gets the sink, whose ->priv
 * is the kind's own state.
 */
struct sink_ops {
	const char *kind; /* "file", "syslog", "journald", "memory" */
	bool batch;	  /* send may take several framed messages at once */
	/* check the options this kind takes from @s->c, set up ->priv and ->name; 0 or -errno */
	int (*init)(struct kmw_sink *s);
	/* open (connect); 0 or -errno. A failure is retried like a failed send. */
	int (*open)(struct kmw_sink *s);
	/* the message for one event into @b: @body is the formatted event, @severity a LOG_* level */
	void (*frame)(struct kmw_sink *s, struct kmw_buf *b, const struct kmw_event *ev,
		      const char *body, size_t len, int severity);
	/* write one framed message whole; -EAGAIN and the like leave it queued */
	int (*send)(struct kmw_sink *s, const char *msg, size_t len);
	/* whether the kind is connected now (NULL: always); when not, the tick reconnects */
	bool (*is_open)(const struct kmw_sink *s);
	void (*close)(struct kmw_sink *s);
	/* messages the kind took and has not sent yet (a sender thread's; NULL: none) */
	uint64_t (*pending)(const struct kmw_sink *s);
	/* free what ->priv holds (after close; NULL: nothing); sink.c frees ->priv itself */
	void (*fini)(struct kmw_sink *s);
};

struct sink_pending {
	char *msg;
	size_t len;
};

struct kmw_sink {
	struct kmw_sink_conf c;
	const struct sink_ops *ops;
	void *priv;
	char name[300];
	/* what waits */
	struct sink_pending *q;
	unsigned int qcap, qhead, qcount;
	uint64_t qbytes;
	uint64_t next_retry_ms;
	unsigned int backoff_ms;
	struct kmw_sink_stats st;
	struct kmw_buf frame;
	int open_error;
	/* a batch (sink_batch_begin): the framed messages, and the length of each */
	bool batching;
	struct kmw_buf batch;
	size_t *lens;
	unsigned int nbatch, capbatch;
};

/* the monotonic clock of the retries, in milliseconds */
uint64_t sink_now_ms(void);

/* why the last open or send failed, in words, for the log (cut to fit) */
void sink_why(struct kmw_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

extern const struct sink_ops sink_file_ops;
extern const struct sink_ops sink_syslog_ops;
extern const struct sink_ops sink_journald_ops;
extern const struct sink_ops sink_memory_ops;

#endif
