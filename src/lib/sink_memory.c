// SPDX-License-Identifier: GPL-2.0-or-later
/* sink_memory.c - a sink that keeps its messages in memory and fails on request: it drives
 * the common queue, retry and drop paths in the tests */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmw_sink_memory.h"
#include "sink_priv.h"

struct memory_sink {
	char **msg;
	size_t *len;
	size_t count, cap;
	int fail_err;	/* -errno the next sends return */
	long fail_left; /* how many more fail; -1: all */
	bool closed;
};

static int memory_init(struct kmw_sink *s)
{
	struct memory_sink *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	snprintf(s->name, sizeof(s->name), "memory:%s", s->c.target ? s->c.target : "");
	s->priv = m;
	return 0;
}

static int memory_open(struct kmw_sink *s)
{
	struct memory_sink *m = s->priv;

	if (m->fail_left && m->fail_err)
		return m->fail_err;
	m->closed = false;
	return 0;
}

static void memory_close(struct kmw_sink *s)
{
	((struct memory_sink *)s->priv)->closed = true;
}

static void memory_frame(struct kmw_sink *s, struct kmw_buf *b, const struct kmw_event *ev,
			 const char *body, size_t len, int severity)
{
	(void)ev;
	if (s->c.prefix)
		buf_puts(b, s->c.prefix);
	buf_printf(b, "<%d>", severity);
	buf_append(b, body, len);
}

static int memory_send(struct kmw_sink *s, const char *msg, size_t len)
{
	struct memory_sink *m = s->priv;
	char *copy;

	if (m->fail_left) {
		if (m->fail_left > 0)
			m->fail_left--;
		return m->fail_err;
	}
	if (m->count == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 16;
		char **nm = realloc(m->msg, ncap * sizeof(*nm));
		size_t *nl;

		if (!nm)
			return -ENOMEM;
		m->msg = nm;
		nl = realloc(m->len, ncap * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		m->len = nl;
		m->cap = ncap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, msg, len);
	copy[len] = '\0';
	m->msg[m->count] = copy;
	m->len[m->count++] = len;
	return 0;
}

static void memory_fini(struct kmw_sink *s)
{
	struct memory_sink *m = s->priv;
	size_t i;

	for (i = 0; i < m->count; i++)
		free(m->msg[i]);
	free(m->msg);
	free(m->len);
}

void sink_memory_fail(struct kmw_sink *s, int err, long count)
{
	struct memory_sink *m = s->priv;

	if (s->ops != &sink_memory_ops)
		return;
	m->fail_err = err;
	m->fail_left = count;
}

size_t sink_memory_count(const struct kmw_sink *s)
{
	return s->ops == &sink_memory_ops ? ((const struct memory_sink *)s->priv)->count : 0;
}

const char *sink_memory_message(const struct kmw_sink *s, size_t i, size_t *len)
{
	const struct memory_sink *m = s->priv;

	if (s->ops != &sink_memory_ops || i >= m->count)
		return NULL;
	if (len)
		*len = m->len[i];
	return m->msg[i];
}

const struct sink_ops sink_memory_ops = {
	.kind = "memory",
	.init = memory_init,
	.open = memory_open,
	.frame = memory_frame,
	.send = memory_send,
	.close = memory_close,
	.fini = memory_fini,
};
