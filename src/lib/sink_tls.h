/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sink_tls.h - TLS (sink_tls.c, OpenSSL): the syslog sink's transport for tls:. The syslog
 * sink connects the socket; this makes the session on it, one step at a time, and writes
 * each message whole or not at all. Every failure says why in the sink's stats (why). */
#ifndef SINK_TLS_H
#define SINK_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "sink_priv.h"

struct sink_tls;

/**
 * sink_tls_new - a TLS client for sink @s (its tls_* options) to the collector @host:@port.
 * Returns NULL with errno (EINVAL: the options cannot make a client; @s's why says why).
 */
struct sink_tls *sink_tls_new(struct kmw_sink *s, const char *host, const char *port);

/**
 * sink_tls_start - @fd, a stream socket connecting (non-blocking) to the collector, gets a
 * session; its first step is taken. Returns as sink_tls_step.
 */
int sink_tls_start(struct sink_tls *t, int fd);

/**
 * sink_tls_step - the connection one step on, never waiting. Returns 0 when up,
 * -EINPROGRESS on the way, or the failure (the caller closes: sink_tls_end, then the socket).
 */
int sink_tls_step(struct sink_tls *t);

/* sink_tls_up - a session is up and verified. */
bool sink_tls_up(const struct sink_tls *t);

/* sink_tls_writing - a message is half written: the next send must be the same bytes. */
bool sink_tls_writing(const struct sink_tls *t);

/* sink_tls_peer_closed - the collector closed its end of the session, or broke it. */
bool sink_tls_peer_closed(struct sink_tls *t);

/**
 * sink_tls_send - one message as "LEN SP MSG" in one TLS write. Returns 0 when written,
 * -EAGAIN when the socket cannot take it now (send the same again), -EPIPE when the session
 * broke (the message stays to retry), -ECONNRESET when it broke with the message half
 * written (lost, and counted in the sink's dropped). After a break the caller closes.
 */
int sink_tls_send(struct sink_tls *t, const char *msg, size_t len);

/* sink_tls_end - the session ends (closed gracefully when up); the socket is the caller's. */
void sink_tls_end(struct sink_tls *t);

void sink_tls_free(struct sink_tls *t);

#endif
