/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sink_relp.h - RELP (sink_relp.c, librelp): the syslog sink's transport for relp: and
 * relp+tls:. librelp keeps each message it took until the collector acknowledged it and sends
 * those again on reconnection; send fails (the message stays queued) until a session is up. */
#ifndef SINK_RELP_H
#define SINK_RELP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink_priv.h"

struct sink_relp;

/* a RELP client for @s (its TLS options when @tls) to @host:@port; NULL with errno */
struct sink_relp *sink_relp_new(struct kmw_sink *s, const char *host, const char *port, bool tls);
/* start a session (on the sender thread); 0, or -errno */
int sink_relp_open(struct sink_relp *r);
/* hand one framed message to the sender; 0, or -EAGAIN while no session is up */
int sink_relp_send(struct sink_relp *r, const char *msg, size_t len);
bool sink_relp_is_open(const struct sink_relp *r);
/* messages handed over and not yet given to librelp */
uint64_t sink_relp_pending(const struct sink_relp *r);
/* end the session gracefully (it waits for the collector's acknowledgements) */
void sink_relp_close(struct sink_relp *r);
void sink_relp_free(struct sink_relp *r);

#endif
