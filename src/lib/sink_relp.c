// SPDX-License-Identifier: GPL-2.0-or-later
/* sink_relp.c - RELP (rsyslog's Reliable Event Logging Protocol) through librelp, plain or
 * over TLS: every message is acknowledged by the collector, and what it did not acknowledge
 * before a break is sent again on the next session (at-least-once) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <librelp.h>

#include "kmw_sink_priv.h"

/* the system's CA bundle, librelp's trust when --syslog-ca names none (it needs one) */
#define RELP_SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"
/* messages librelp may hold unacknowledged, how long it waits for an answer and for a
 * connection (s): librelp's calls block, on the worker */
#define RELP_WINDOW 128
#define RELP_TIMEOUT_S 5
#define RELP_CONNECT_S 2

enum relp_state { RELP_NONE, RELP_UP, RELP_BROKEN };

struct sink_relp {
	struct kmw_sink *s;
	relpEngine_t *engine;
	relpClt_t *clt;
	enum relp_state state;
	char host[256], port[8];
	bool tls;
	/* messages handed to librelp since the session came up: at most RELP_WINDOW of them
	 * may still wait for their acknowledgement */
	uint64_t handed;
	char tls_cmd[128];
};

static void relp_why(struct sink_relp *r, const char *what, const char *msg)
{
	sink_why(r->s, "RELP %s:%s: %s%s%s", r->host, r->port, what, msg && msg[0] ? ": " : "",
		 msg ? msg : "");
}

/* librelp's word on a failure: the session, or the TLS peer check */
static void on_err(void *usr, char *objinfo, char *errmsg, relpRetVal code)
{
	struct sink_relp *r = usr;

	(void)objinfo;
	(void)code;
	/* the first word is the precise one (a refused certificate, then "session broken") */
	if (r && !r->s->st.why[0])
		relp_why(r, "session", errmsg);
}

static void on_auth_err(void *usr, char *authinfo, char *errmsg, relpRetVal code)
{
	char m[200];

	(void)code;
	snprintf(m, sizeof(m), "%s (peer %s); nothing sent", errmsg ? errmsg : "",
		 authinfo ? authinfo : "?");
	if (usr)
		relp_why(usr, "the collector's certificate fails verification", m);
}

static void on_generic_err(char *objinfo, char *errmsg, relpRetVal code)
{
	(void)objinfo;
	(void)errmsg;
	(void)code;
}

static void no_debug(char *fmt, ...)
{
	va_list ap;

	if (!getenv("KMW_RELP_DEBUG"))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

struct sink_relp *sink_relp_new(struct kmw_sink *s, const char *host, const char *port, bool tls)
{
	struct sink_relp *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->s = s;
	r->tls = tls;
	snprintf(r->host, sizeof(r->host), "%s", host);
	snprintf(r->port, sizeof(r->port), "%s", port);
	snprintf(r->tls_cmd, sizeof(r->tls_cmd), "MinProtocol=TLSv%s",
		 s->c.tls_min ? s->c.tls_min : "1.2");
	if (relpEngineConstruct(&r->engine) != RELP_RET_OK) {
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	relpEngineSetDbgprint(r->engine, no_debug);
	relpEngineSetOnErr(r->engine, on_err);
	relpEngineSetOnAuthErr(r->engine, on_auth_err);
	relpEngineSetOnGenericErr(r->engine, on_generic_err);
	relpEngineSetEnableCmd(r->engine, (unsigned char *)"syslog", eRelpCmdState_Required);
	if (tls && relpEngineSetTLSLibByName(r->engine, "openssl") != RELP_RET_OK) {
		relpEngineDestruct(&r->engine);
		free(r);
		errno = ENOTSUP;
		return NULL;
	}
	return r;
}

/* A client for a new session, TLS set up: the collector's chain and its name checked. */
static int make_client(struct sink_relp *r)
{
	const struct kmw_sink_conf *c = &r->s->c;
	char *peer = (char *)(c->tls_peer_name ? c->tls_peer_name : r->host);

	if (relpEngineCltConstruct(r->engine, &r->clt) != RELP_RET_OK)
		return -ENOMEM;
	relpCltSetUsrPtr(r->clt, r);
	relpCltSetTimeout(r->clt, RELP_TIMEOUT_S);
	relpCltSetConnTimeout(r->clt, RELP_CONNECT_S);
	relpCltSetWindowSize(r->clt, RELP_WINDOW);
	if (!r->tls)
		return 0;
	if (relpCltEnableTLS(r->clt) != RELP_RET_OK ||
	    relpCltSetCACert(r->clt, (char *)(c->tls_ca ? c->tls_ca : RELP_SYSTEM_CA)) !=
	    RELP_RET_OK || relpCltSetAuthMode(r->clt, (char *)"name") != RELP_RET_OK ||
	    relpCltAddPermittedPeer(r->clt, peer) != RELP_RET_OK ||
	    relpCltSetTlsConfigCmd(r->clt, r->tls_cmd) != RELP_RET_OK ||
	    (c->tls_ciphers && relpCltSetGnuTLSPriString(r->clt, (char *)c->tls_ciphers) !=
	     RELP_RET_OK) ||
	    (c->tls_cert && (relpCltSetOwnCert(r->clt, (char *)c->tls_cert) != RELP_RET_OK ||
			     relpCltSetPrivKey(r->clt, (char *)c->tls_key) != RELP_RET_OK))) {
		relpEngineCltDestruct(r->engine, &r->clt);
		relp_why(r, "TLS setup", "librelp refused the settings");
		return -EINVAL;
	}
	return 0;
}

int sink_relp_open(struct sink_relp *r)
{
	relpRetVal rr;
	int rc;

	if (r->state == RELP_UP)
		return 0;
	r->s->st.why[0] = '\0';
	if (r->state == RELP_BROKEN) {
		/* the same client: librelp sends again what the collector did not acknowledge */
		rr = relpCltReconnect(r->clt);
		if (rr != RELP_RET_OK) {
			if (!r->s->st.why[0])
				relp_why(r, "cannot reconnect", NULL);
			return -ECONNREFUSED;
		}
		r->state = RELP_UP;
		r->handed = 0;
		return 0;
	}
	rc = make_client(r);
	if (rc)
		return rc;
	rr = relpCltConnect(r->clt, AF_UNSPEC, (unsigned char *)r->port,
			    (unsigned char *)r->host);
	if (rr != RELP_RET_OK) {
		if (!r->s->st.why[0])
			relp_why(r, "cannot connect", rr == RELP_RET_TIMED_OUT ? "timed out" : NULL);
		relpEngineCltDestruct(r->engine, &r->clt);
		return rr == RELP_RET_TIMED_OUT ? -ETIMEDOUT : -ECONNREFUSED;
	}
	r->state = RELP_UP;
	r->handed = 0;
	return 0;
}

int sink_relp_send(struct sink_relp *r, const char *msg, size_t len)
{
	relpRetVal rr;
	int rc;

	if (r->state != RELP_UP && (rc = sink_relp_open(r)))
		return rc;
	rr = relpCltSendSyslog(r->clt, (unsigned char *)msg, len);
	if (rr == RELP_RET_OK) {
		r->handed++;
		return 0;
	}
	/*
	 * Broken: librelp keeps what it had sent and not had acknowledged, for the
	 * reconnection; this message stays in our queue. If it had gone out before the
	 * break, the collector gets it twice: the id tells the copy.
	 */
	r->state = RELP_BROKEN;
	if (!r->s->st.why[0])
		relp_why(r, "session broken", NULL);
	return -EPIPE;
}

bool sink_relp_is_open(const struct sink_relp *r)
{
	return r->state == RELP_UP;
}

void sink_relp_close(struct sink_relp *r)
{
	/* a broken session keeps its unacknowledged messages for the reconnection */
	if (r->state != RELP_UP)
		return;
	relpEngineCltDestruct(r->engine, &r->clt);
	r->state = RELP_NONE;
}

void sink_relp_free(struct sink_relp *r)
{
	if (!r)
		return;
	if (r->clt) {
		if (r->state == RELP_BROKEN && r->handed)
			r->s->st.dropped += r->handed < RELP_WINDOW ? r->handed : RELP_WINDOW;
		relpEngineCltDestruct(r->engine, &r->clt);
	}
	relpEngineDestruct(&r->engine);
	free(r);
}
