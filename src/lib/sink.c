// SPDX-License-Identifier: GPL-2.0-or-later
/* sink.c - what every output shares: the registry of kinds, a bounded queue of what could
 * not go, retries with backoff, and the counters. Each kind lives in its own sink_*.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "kmw_clock.h"
#include "sink_priv.h"

/* the kinds: a new one adds its file and one line here */
static const struct sink_ops *const kinds[] = {
	[KMW_SINK_FILE] = &sink_file_ops,
	[KMW_SINK_SYSLOG] = &sink_syslog_ops,
	[KMW_SINK_JOURNAL] = &sink_journald_ops,
	[KMW_SINK_MEMORY] = &sink_memory_ops,
};

uint64_t sink_now_ms(void)
{
	return (uint64_t)kmw_mono_ms();
}

/* risk.level to a syslog severity: info 6, low 5 notice, medium 4 warning, high 2 crit */
static int severity_of(const struct kmw_sink *s, int risk)
{
	static const int map[] = { LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_CRIT };

	if (s->c.severity >= 0)
		return s->c.severity;
	return map[risk >= 0 && risk <= 3 ? risk : 0];
}

struct kmw_sink *sink_new(const struct kmw_sink_conf *c)
{
	struct kmw_sink *s;
	int rc;

	if ((unsigned int)c->kind >= sizeof(kinds) / sizeof(kinds[0]) || !kinds[c->kind]) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->c = *c;
	s->ops = kinds[c->kind];
	if (!s->c.queue_bytes)
		s->c.queue_bytes = 4u << 20;
	if (!s->c.app_name)
		s->c.app_name = "kmodwatch";
	buf_init(&s->frame);
	buf_init(&s->batch);
	rc = s->ops->init(s);
	if (rc) {
		free(s);
		errno = -rc;
		return NULL;
	}
	/* a sink that cannot open now (no collector yet) retries like any failure; one that is
	 * connecting goes on at the next tick */
	s->open_error = s->ops->open(s);
	if (s->open_error == -EINPROGRESS)
		s->open_error = 0;
	if (s->open_error)
		s->next_retry_ms = sink_now_ms() + 100;
	return s;
}

void sink_why(struct kmw_sink *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->st.why, sizeof(s->st.why), fmt, ap);
	va_end(ap);
}

bool sink_stats_failed_open(const struct kmw_sink *s, int *err)
{
	*err = s->open_error;
	return s->open_error != 0;
}

const char *sink_name(const struct kmw_sink *s)
{
	return s->name;
}

const char *sink_kind_name(enum kmw_sink_kind kind)
{
	if ((unsigned int)kind >= sizeof(kinds) / sizeof(kinds[0]) || !kinds[kind])
		return NULL;
	return kinds[kind]->kind;
}

void sink_stats(const struct kmw_sink *s, struct kmw_sink_stats *out)
{
	*out = s->st;
	out->queued = s->qcount;
}

void sink_add_counts(struct kmw_sink *s, const struct kmw_sink *from)
{
	s->st.delivered += from->st.delivered;
	s->st.failures += from->st.failures;
	s->st.dropped += from->st.dropped;
}

static int enqueue(struct kmw_sink *s, const char *msg, size_t len)
{
	struct sink_pending *p;

	if (s->qbytes + len > s->c.queue_bytes) {
		s->st.dropped++;
		return -ENOBUFS;
	}
	if (s->qcount == s->qcap) {
		unsigned int ncap = s->qcap ? s->qcap * 2 : 64, i;
		struct sink_pending *nq = malloc(ncap * sizeof(*nq));

		if (!nq) {
			s->st.dropped++;
			return -ENOBUFS;
		}
		for (i = 0; i < s->qcount; i++)
			nq[i] = s->q[(s->qhead + i) % s->qcap];
		free(s->q);
		s->q = nq;
		s->qcap = ncap;
		s->qhead = 0;
	}
	p = &s->q[(s->qhead + s->qcount) % s->qcap];
	p->msg = malloc(len);
	if (!p->msg) {
		s->st.dropped++;
		return -ENOBUFS;
	}
	memcpy(p->msg, msg, len);
	p->len = len;
	s->qcount++;
	s->qbytes += len;
	return 0;
}

static void failed(struct kmw_sink *s, int rc)
{
	s->st.last_error = rc;
	/* a connection on its way is no failure: the next step soon */
	if (rc == -EINPROGRESS) {
		s->next_retry_ms = sink_now_ms() + 10;
		return;
	}
	s->st.failures++;
	/* a busy reader is soon free again: no backoff for it */
	if (rc == -EAGAIN || rc == -EWOULDBLOCK) {
		s->next_retry_ms = sink_now_ms() + 10;
		return;
	}
	/* a broken one: 100 ms, doubling to 30 s */
	s->backoff_ms = s->backoff_ms ? (s->backoff_ms * 2 > 30000 ? 30000 : s->backoff_ms * 2)
				      : 100;
	s->next_retry_ms = sink_now_ms() + s->backoff_ms;
}

/* Send the queue in order; stop at the first failure. */
static void flush(struct kmw_sink *s)
{
	int rc;

	while (s->qcount) {
		struct sink_pending *p = &s->q[s->qhead];

		rc = s->ops->send(s, p->msg, p->len);
		if (rc) {
			failed(s, rc);
			return;
		}
		s->st.delivered++;
		s->st.last_error = 0;
		s->qbytes -= p->len;
		free(p->msg);
		s->qhead = (s->qhead + 1) % s->qcap;
		s->qcount--;
	}
	s->backoff_ms = 0;
	s->next_retry_ms = 0;
}

/* One more message for the batch; false when there is no room for it (then it goes alone). */
static bool collect(struct kmw_sink *s)
{
	if (s->nbatch == s->capbatch) {
		unsigned int cap = s->capbatch ? s->capbatch * 2 : 64;
		size_t *l = realloc(s->lens, cap * sizeof(*l));

		if (!l)
			return false;
		s->lens = l;
		s->capbatch = cap;
	}
	buf_append(&s->batch, s->frame.data, s->frame.len);
	if (s->batch.oom) {
		buf_reset(&s->batch);
		s->nbatch = 0;
		return false;
	}
	s->lens[s->nbatch++] = s->frame.len;
	return true;
}

void sink_batch_begin(struct kmw_sink *s)
{
	s->batching = s->ops->batch;
}

int sink_batch_end(struct kmw_sink *s)
{
	const char *p = s->batch.data;
	unsigned int i, n = s->nbatch;
	int rc, ret = 0;

	s->batching = false;
	if (!n)
		return -ENODATA;
	s->nbatch = 0;
	rc = s->ops->send(s, s->batch.data, s->batch.len);
	if (!rc) {
		s->st.delivered += n;
		s->st.last_error = 0;
		s->backoff_ms = 0;
		buf_reset(&s->batch);
		return 0;
	}
	/* taken back whole: each message waits, in order, to be retried */
	failed(s, rc);
	for (i = 0; i < n; i++) {
		if (enqueue(s, p, s->lens[i]))
			ret = -ENOBUFS;
		else if (!ret)
			ret = 1;
		p += s->lens[i];
	}
	buf_reset(&s->batch);
	return ret;
}

int sink_emit(struct kmw_sink *s, const struct kmw_event *ev, const char *body, size_t len)
{
	int rc;

	buf_reset(&s->frame);
	s->ops->frame(s, &s->frame, ev, body, len, severity_of(s, ev->risk_level));
	if (s->frame.oom) {
		s->st.dropped++;
		return -ENOBUFS;
	}
	/* nothing waits to be retried: it joins the batch, which goes as one */
	if (s->batching && !s->qcount && sink_now_ms() >= s->next_retry_ms) {
		if (collect(s))
			return 0;
		/* no memory for it: what was collected goes first, to keep the order */
		sink_batch_end(s);
		s->batching = true;
	}
	if (!s->qcount && sink_now_ms() >= s->next_retry_ms) {
		rc = s->ops->send(s, s->frame.data, s->frame.len);
		if (!rc) {
			s->st.delivered++;
			s->st.last_error = 0;
			s->backoff_ms = 0;
			return 0;
		}
		failed(s, rc);
		return enqueue(s, s->frame.data, s->frame.len) ? -ENOBUFS : 1;
	}
	/* behind others: keep the order */
	rc = enqueue(s, s->frame.data, s->frame.len);
	if (sink_now_ms() >= s->next_retry_ms)
		flush(s);
	return rc ? -ENOBUFS : 1;
}

uint64_t sink_tick(struct kmw_sink *s)
{
	int rc;

	if (s->qcount && sink_now_ms() >= s->next_retry_ms)
		flush(s);
	else if (!s->qcount && s->ops->is_open && !s->ops->is_open(s) &&
		 sink_now_ms() >= s->next_retry_ms && (rc = s->ops->open(s)))
		failed(s, rc);
	return s->qcount;
}

bool sink_up(const struct kmw_sink *s)
{
	return !s->qcount && (!s->ops->is_open || s->ops->is_open(s));
}

int sink_reopen(struct kmw_sink *s)
{
	int rc;

	s->ops->close(s);
	rc = s->ops->open(s);
	/* a connection on its way is a reopened one */
	if (rc == -EINPROGRESS)
		rc = 0;
	if (!rc && s->qcount)
		flush(s);
	return rc;
}

static uint64_t pending(const struct kmw_sink *s)
{
	return s->ops->pending ? s->ops->pending(s) : 0;
}

uint64_t sink_drain(struct kmw_sink *s, unsigned int max_ms)
{
	uint64_t end = sink_now_ms() + max_ms;

	while ((s->qcount || pending(s)) && sink_now_ms() < end) {
		s->next_retry_ms = 0;
		flush(s);
		if (s->qcount || pending(s))
			usleep(20000);
	}
	return s->qcount + pending(s);
}

void sink_free(struct kmw_sink *s)
{
	if (!s)
		return;
	s->st.dropped += s->qcount + s->nbatch;
	while (s->qcount) {
		free(s->q[s->qhead].msg);
		s->qhead = (s->qhead + 1) % s->qcap;
		s->qcount--;
	}
	free(s->q);
	free(s->lens);
	buf_free(&s->batch);
	s->ops->close(s);
	if (s->ops->fini)
		s->ops->fini(s);
	free(s->priv);
	buf_free(&s->frame);
	free(s);
}
