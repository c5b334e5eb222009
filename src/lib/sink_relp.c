// SPDX-License-Identifier: GPL-2.0-or-later
/* sink_relp.c - RELP (rsyslog's Reliable Event Logging Protocol) through librelp, plain or
 * over TLS: every message is acknowledged by the collector, and what it did not acknowledge
 * before a break is sent again on the next session (at-least-once). librelp's calls block
 * (a connection, a full window), so they run on a sender thread of their own: the worker
 * only hands messages over. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <librelp.h>

#include "sink_relp.h"

/* the system's CA bundle, librelp's trust when --syslog-ca names none (it needs one) */
#define RELP_SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"
/* messages librelp may hold unacknowledged, how long it waits for an answer and for a
 * connection (s) */
#define RELP_WINDOW 128
#define RELP_TIMEOUT_S 5
#define RELP_CONNECT_S 2
/* messages handed to the sender and not yet to librelp, at most; the rest wait in the
 * sink's own queue */
#define RELP_RING 1024
/* at exit, after the drain: how long the sender may still send what it was handed (ms) */
#define RELP_STOP_MS 500

enum relp_state { RELP_NONE, RELP_UP, RELP_BROKEN };

struct relp_msg {
	char *data;
	size_t len;
};

struct sink_relp {
	/* set before the thread starts, read-only after */
	struct kmw_sink *s;
	char host[256], port[8];
	bool tls;
	char tls_cmd[128];
	const char *ca, *cert, *key, *peer, *ciphers;

	/* the sender thread's own */
	relpEngine_t *engine;
	relpClt_t *clt;
	enum relp_state state;
	unsigned int backoff_ms;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* under lock: the hand-over, and what the sender says back */
	struct relp_msg ring[RELP_RING];
	unsigned int head, count;
	bool up;      /* a session is up */
	bool failing; /* the last attempt failed; why says how */
	bool stop;
	uint64_t stop_at_ms;
	char why[256];
	uint64_t lost; /* left in the ring at exit */
};

/* The sender's word on a failure, for the worker to log (the first word is the precise one:
 * a refused certificate, then "session broken"). */
static void relp_why(struct sink_relp *r, bool first_only, const char *what, const char *msg)
{
	pthread_mutex_lock(&r->lock);
	if (!first_only || !r->failing) {
		/* cut to fit: it is for a log line */
		snprintf(r->why, sizeof(r->why), "RELP %.64s:%s: %.60s%s%.120s", r->host, r->port,
			 what, msg && msg[0] ? ": " : "", msg ? msg : "");
		r->failing = true;
	}
	r->up = false;
	pthread_mutex_unlock(&r->lock);
}

/* librelp's callbacks come on the sender thread, inside its calls */
static void on_err(void *usr, char *objinfo, char *errmsg, relpRetVal code)
{
	(void)objinfo;
	(void)code;
	if (usr)
		relp_why(usr, true, "session", errmsg);
}

static void on_auth_err(void *usr, char *authinfo, char *errmsg, relpRetVal code)
{
	char m[200];

	(void)code;
	snprintf(m, sizeof(m), "%s (peer %s); nothing sent", errmsg ? errmsg : "",
		 authinfo ? authinfo : "?");
	if (usr)
		relp_why(usr, false, "the collector's certificate fails verification", m);
}

static void on_generic_err(char *objinfo, char *errmsg, relpRetVal code)
{
	(void)objinfo;
	(void)errmsg;
	(void)code;
}

static void debug_print(char *fmt, ...)
{
	va_list ap;

	if (!getenv("KMW_RELP_DEBUG"))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* A client for a new session, TLS set up: the collector's chain and its name checked. */
static int make_client(struct sink_relp *r)
{
	if (relpEngineCltConstruct(r->engine, &r->clt) != RELP_RET_OK)
		return -ENOMEM;
	relpCltSetUsrPtr(r->clt, r);
	relpCltSetTimeout(r->clt, RELP_TIMEOUT_S);
	relpCltSetConnTimeout(r->clt, RELP_CONNECT_S);
	relpCltSetWindowSize(r->clt, RELP_WINDOW);
	if (!r->tls)
		return 0;
	if (relpCltEnableTLS(r->clt) != RELP_RET_OK ||
	    relpCltSetCACert(r->clt, (char *)(r->ca ? r->ca : RELP_SYSTEM_CA)) != RELP_RET_OK ||
	    relpCltSetAuthMode(r->clt, (char *)"name") != RELP_RET_OK ||
	    relpCltAddPermittedPeer(r->clt, (char *)(r->peer ? r->peer : r->host)) != RELP_RET_OK ||
	    relpCltSetTlsConfigCmd(r->clt, r->tls_cmd) != RELP_RET_OK ||
	    (r->ciphers && relpCltSetGnuTLSPriString(r->clt, (char *)r->ciphers) != RELP_RET_OK) ||
	    (r->cert && (relpCltSetOwnCert(r->clt, (char *)r->cert) != RELP_RET_OK ||
			 relpCltSetPrivKey(r->clt, (char *)r->key) != RELP_RET_OK))) {
		relpEngineCltDestruct(r->engine, &r->clt);
		relp_why(r, false, "TLS setup", "librelp refused the settings");
		return -EINVAL;
	}
	return 0;
}

/* A session, on the sender thread: a new one, or the broken one again (librelp then sends
 * what the collector did not acknowledge). */
static bool connect_session(struct sink_relp *r)
{
	relpRetVal rr;

	if (r->state == RELP_BROKEN) {
		rr = relpCltReconnect(r->clt);
		if (rr != RELP_RET_OK) {
			relp_why(r, true, "cannot reconnect", NULL);
			return false;
		}
	} else {
		if (make_client(r))
			return false;
		rr = relpCltConnect(r->clt, AF_UNSPEC, (unsigned char *)r->port,
				    (unsigned char *)r->host);
		if (rr != RELP_RET_OK) {
			relp_why(r, true, "cannot connect",
				 rr == RELP_RET_TIMED_OUT ? "timed out" : NULL);
			relpEngineCltDestruct(r->engine, &r->clt);
			return false;
		}
	}
	r->state = RELP_UP;
	r->backoff_ms = 0;
	pthread_mutex_lock(&r->lock);
	r->up = true;
	r->failing = false;
	pthread_mutex_unlock(&r->lock);
	return true;
}

/* Wait @ms or until told to stop; with the lock held. */
static void pause_locked(struct sink_relp *r, unsigned int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	if (!r->stop)
		pthread_cond_timedwait(&r->cond, &r->lock, &ts);
}

/*
 * The sender: a session from the start (a failure is said at once, not at the first
 * event), then every message handed over, in order, into librelp; a break, then a new
 * session with backoff. At the end, what it was handed goes first, for RELP_STOP_MS.
 */
static void *sender(void *arg)
{
	struct sink_relp *r = arg;
	struct relp_msg m;
	relpRetVal rr;
	bool ok;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		if (r->stop && (!r->count || sink_now_ms() >= r->stop_at_ms))
			break;
		if (r->state != RELP_UP) {
			pthread_mutex_unlock(&r->lock);
			ok = connect_session(r);
			pthread_mutex_lock(&r->lock);
			if (!ok) {
				/* 100 ms doubling to 30 s, as the sink's own backoff */
				r->backoff_ms = r->backoff_ms ? (r->backoff_ms >= 15000
									 ? 30000
									 : r->backoff_ms * 2)
							      : 100;
				pause_locked(r, r->backoff_ms);
			}
			continue;
		}
		if (!r->count) {
			if (!r->stop)
				pthread_cond_wait(&r->cond, &r->lock);
			continue;
		}
		m = r->ring[r->head];
		pthread_mutex_unlock(&r->lock);
		rr = relpCltSendSyslog(r->clt, (unsigned char *)m.data, m.len);
		if (rr != RELP_RET_OK) {
			/*
			 * Broken: librelp keeps what it had sent and not had acknowledged, for
			 * the reconnection; this message stays at the head. If it had gone out
			 * before the break, the collector gets it twice: the id tells the copy.
			 */
			relp_why(r, true, "session broken", NULL);
			r->state = RELP_BROKEN;
			pthread_mutex_lock(&r->lock);
			continue;
		}
		pthread_mutex_lock(&r->lock);
		/* librelp holds it now, until the collector acknowledged it */
		free(m.data);
		r->head = (r->head + 1) % RELP_RING;
		r->count--;
	}
	r->lost = r->count;
	pthread_mutex_unlock(&r->lock);
	/* a clean close waits for the collector's last acknowledgements */
	if (r->clt)
		relpEngineCltDestruct(r->engine, &r->clt);
	return NULL;
}

struct sink_relp *sink_relp_new(struct kmw_sink *s, const char *host, const char *port, bool tls)
{
	struct sink_relp *r = calloc(1, sizeof(*r));
	sigset_t all, old;
	int rc;

	if (!r)
		return NULL;
	r->s = s;
	r->tls = tls;
	r->ca = s->c.tls_ca;
	r->cert = s->c.tls_cert;
	r->key = s->c.tls_key;
	r->peer = s->c.tls_peer_name;
	r->ciphers = s->c.tls_ciphers;
	snprintf(r->host, sizeof(r->host), "%s", host);
	snprintf(r->port, sizeof(r->port), "%s", port);
	snprintf(r->tls_cmd, sizeof(r->tls_cmd), "MinProtocol=TLSv%s",
		 s->c.tls_min ? s->c.tls_min : "1.2");
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (relpEngineConstruct(&r->engine) != RELP_RET_OK) {
		rc = ENOMEM;
		goto out_free;
	}
	relpEngineSetDbgprint(r->engine, debug_print);
	relpEngineSetOnErr(r->engine, on_err);
	relpEngineSetOnAuthErr(r->engine, on_auth_err);
	relpEngineSetOnGenericErr(r->engine, on_generic_err);
	relpEngineSetEnableCmd(r->engine, (unsigned char *)"syslog", eRelpCmdState_Required);
	if (tls && relpEngineSetTLSLibByName(r->engine, "openssl") != RELP_RET_OK) {
		rc = ENOTSUP;
		goto out_engine;
	}
	/* the daemon takes its signals through signalfd: none may land on the sender */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&r->thread, NULL, sender, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		goto out_engine;
	r->started = true;
	return r;
out_engine:
	relpEngineDestruct(&r->engine);
out_free:
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
	errno = rc;
	return NULL;
}

/* The sender's state for the worker: its word on a failure goes into the sink's. */
static int state_locked(struct sink_relp *r)
{
	if (r->up)
		return 0;
	if (r->failing) {
		sink_why(r->s, "%s", r->why);
		return -ECONNREFUSED;
	}
	return -EINPROGRESS;
}

int sink_relp_open(struct sink_relp *r)
{
	int rc;

	pthread_mutex_lock(&r->lock);
	rc = state_locked(r);
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int sink_relp_send(struct sink_relp *r, const char *msg, size_t len)
{
	struct relp_msg *m;
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	/* while the collector cannot be reached, what comes waits in the sink's queue, and
	 * the failure is said; the ring keeps what it has for the reconnection */
	if (!r->up && r->failing) {
		rc = state_locked(r);
		goto out;
	}
	if (r->count == RELP_RING) {
		rc = -EAGAIN;
		goto out;
	}
	m = &r->ring[(r->head + r->count) % RELP_RING];
	m->data = malloc(len);
	if (!m->data) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(m->data, msg, len);
	m->len = len;
	r->count++;
	pthread_cond_broadcast(&r->cond);
out:
	pthread_mutex_unlock(&r->lock);
	return rc;
}

bool sink_relp_is_open(const struct sink_relp *r)
{
	bool up;

	pthread_mutex_lock((pthread_mutex_t *)&r->lock);
	up = r->up;
	pthread_mutex_unlock((pthread_mutex_t *)&r->lock);
	return up;
}

uint64_t sink_relp_pending(const struct sink_relp *r)
{
	uint64_t n;

	pthread_mutex_lock((pthread_mutex_t *)&r->lock);
	n = r->count;
	pthread_mutex_unlock((pthread_mutex_t *)&r->lock);
	return n;
}

void sink_relp_close(struct sink_relp *r)
{
	/* a reopen (SIGHUP) keeps the session: the sender goes on; the end is at free */
	(void)r;
}

void sink_relp_free(struct sink_relp *r)
{
	unsigned int i;

	if (!r)
		return;
	if (r->started) {
		pthread_mutex_lock(&r->lock);
		r->stop = true;
		r->stop_at_ms = sink_now_ms() + RELP_STOP_MS;
		pthread_cond_broadcast(&r->cond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
		/* what the sender could not hand to librelp before the end */
		r->s->st.dropped += r->lost;
	}
	for (i = 0; i < r->count; i++)
		free(r->ring[(r->head + i) % RELP_RING].data);
	relpEngineDestruct(&r->engine);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
