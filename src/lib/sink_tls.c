// SPDX-License-Identifier: GPL-2.0-or-later
/* sink_tls.c - TLS (RFC 5425, OpenSSL) under the syslog sink's tls: destinations: the
 * collector always verified (its chain, its name), the connection made one step at a time
 * without waiting, a message written whole or not at all, nothing sent in plain text */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "kmw_sink_syslog.h"
#include "sink_tls.h"

/* how long the TCP connection and TLS handshake may take, and a TLS 1.3 collector's verdict
 * on our certificate; each step is taken without waiting, on the next send or tick */
#define TLS_CONNECT_MS 10000
#define TLS_WAIT_MS 3000

struct sink_tls {
	struct kmw_sink *s;	 /* the sink: its options, the reason of a failure, its counters */
	char host[256], port[8]; /* the collector, for its name and the messages */
	int fd;			 /* the caller's socket; -1 between two sessions */
	SSL_CTX *ctx;
	SSL *ssl;	    /* the session; NULL until one starts */
	struct kmw_buf out; /* one framed message, written whole */
	enum { TLS_CONNECTING, TLS_HANDSHAKE, TLS_VERDICT, TLS_UP } state;
	uint64_t connect_deadline_ms; /* the whole connection by then */
	uint64_t deadline_ms;	      /* the verdict by then */
	bool pending;		      /* a write the socket could not take yet */
	bool cert_requested;	      /* the collector asked for our certificate */
	bool ticket;		      /* ... and sent a session ticket: it took the handshake */
};

/* OpenSSL's first queued error in words, or @dflt */
static void ssl_reason(char *why, size_t len, const char *what, const char *dflt)
{
	unsigned long e = ERR_get_error();
	char buf[200];

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	/* cut to fit: the reason is for a log line */
	snprintf(why, len, "%.*s: %.*s", (int)(len / 2), what, (int)(len / 2 - 3), e ? buf : dflt);
	ERR_clear_error();
}

/* The collector asked for a client certificate (OpenSSL asks us for ours then). */
static int on_cert_request(SSL *ssl, void *arg)
{
	struct sink_tls *t = SSL_get_app_data(ssl);

	(void)arg;
	if (t)
		t->cert_requested = true;
	return 1;
}

/* A TLS 1.3 server sends its session tickets once it has accepted the whole handshake. */
static int on_ticket(SSL *ssl, SSL_SESSION *sess)
{
	struct sink_tls *t = SSL_get_app_data(ssl);

	(void)sess;
	if (t)
		t->ticket = true;
	return 0; /* not kept: every connection makes a full handshake */
}

/*
 * A TLS client context: verification of the collector always on, against @ca or the
 * system's store; TLS 1.2 at least; our certificate when given. NULL with the reason.
 */
static SSL_CTX *ctx_new(const char *ca, const char *cert, const char *key, const char *min,
			const char *ciphers, char *why, size_t len)
{
	SSL_CTX *ctx;
	struct stat st;
	int v = TLS1_2_VERSION;

	if (min && strcmp(min, "1.2") && strcmp(min, "1.3")) {
		snprintf(why, len, "TLS version '%s': 1.2 or 1.3", min);
		return NULL;
	}
	if (min && !strcmp(min, "1.3"))
		v = TLS1_3_VERSION;
	if (!cert != !key) {
		snprintf(why, len,
			 "a client certificate needs its key, and a key its certificate "
			 "(--syslog-cert and --syslog-key)");
		return NULL;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		ssl_reason(why, len, "cannot make a TLS context", "out of memory");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, v);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
	SSL_CTX_set_cert_cb(ctx, on_cert_request, NULL);
	SSL_CTX_set_session_cache_mode(ctx,
				       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, on_ticket);
	if (ca && stat(ca, &st) < 0) {
		snprintf(why, len, "CA '%s': %s", ca, strerror(errno));
		goto out_free;
	}
	if (ca ? !SSL_CTX_load_verify_locations(ctx, S_ISDIR(st.st_mode) ? NULL : ca,
						S_ISDIR(st.st_mode) ? ca : NULL)
	       : !SSL_CTX_set_default_verify_paths(ctx)) {
		ssl_reason(why, len, ca ? ca : "the system's CA certificates", "cannot load them");
		goto out_free;
	}
	if (ciphers && !SSL_CTX_set_cipher_list(ctx, ciphers)) {
		ssl_reason(why, len, "cipher list", "no cipher it names is known");
		goto out_free;
	}
	if (cert && (!SSL_CTX_use_certificate_chain_file(ctx, cert) ||
		     !SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) ||
		     !SSL_CTX_check_private_key(ctx))) {
		ssl_reason(why, len, "client certificate and key", "they do not match");
		goto out_free;
	}
	return ctx;
out_free:
	SSL_CTX_free(ctx);
	return NULL;
}

int sink_tls_check(const char *target, const char *ca, const char *cert, const char *key,
		   const char *min, const char *ciphers, char *why, size_t len)
{
	SSL_CTX *ctx;

	if (strncmp(target, "tls:", 4) && strncmp(target, "relp+tls:", 9))
		return 0;
	/*
	 * librelp up to 1.11 (Debian 12's) takes a client without a certificate of its own for
	 * an anonymous one and then checks only the collector's chain, not its name (fixed
	 * upstream in 2026, "Fix client TLS auth mode credential selection").
	 */
	if (!strncmp(target, "relp+tls:", 9) && !cert) {
		snprintf(
			why, len,
			"relp+tls needs a client certificate (--syslog-cert and "
			"--syslog-key): without one, librelp 1.11 (Debian 12's) does not check the "
			"collector's name (use tls: for server-only TLS)");
		return -EINVAL;
	}
	ctx = ctx_new(ca, cert, key, min, ciphers, why, len);

	if (!ctx)
		return -EINVAL;
	SSL_CTX_free(ctx);
	return 0;
}

struct sink_tls *sink_tls_new(struct kmw_sink *s, const char *host, const char *port)
{
	struct sink_tls *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ctx = ctx_new(s->c.tls_ca, s->c.tls_cert, s->c.tls_key, s->c.tls_min, s->c.tls_ciphers,
			 s->st.why, sizeof(s->st.why));
	if (!t->ctx) {
		free(t);
		errno = EINVAL;
		return NULL;
	}
	t->s = s;
	t->fd = -1;
	snprintf(t->host, sizeof(t->host), "%s", host);
	snprintf(t->port, sizeof(t->port), "%s", port);
	buf_init(&t->out);
	return t;
}

/* Whether @fd is ready for @events now. */
static bool ready(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 0) == 1;
}

/* The connected socket gets its TLS session: the collector's name to check, and SNI. */
static int session_begin(struct sink_tls *t)
{
	const char *name = t->s->c.tls_peer_name ? t->s->c.tls_peer_name : t->host;
	X509_VERIFY_PARAM *vp;
	struct in6_addr a6;
	struct in_addr a4;
	socklen_t sl = sizeof(int);
	int err = 0;

	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err) {
		sink_why(t->s, "cannot connect to %s:%s: %s", t->host, t->port, strerror(err));
		return -err;
	}
	t->ssl = SSL_new(t->ctx);
	if (!t->ssl)
		return -ENOMEM;
	SSL_set_fd(t->ssl, t->fd);
	SSL_set_app_data(t->ssl, t);
	t->cert_requested = t->ticket = false;
	vp = SSL_get0_param(t->ssl);
	X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	/* an address is checked against the certificate's IP names, a name against its DNS */
	if (inet_pton(AF_INET, name, &a4) == 1 || inet_pton(AF_INET6, name, &a6) == 1) {
		X509_VERIFY_PARAM_set1_ip_asc(vp, name);
	} else {
		X509_VERIFY_PARAM_set1_host(vp, name, 0);
		SSL_set_tlsext_host_name(t->ssl, name);
	}
	return 0;
}

/* SSL_connect's failure in words: a certificate that fails verification above all. */
static int handshake_failed(struct sink_tls *t, int err)
{
	const char *name = t->s->c.tls_peer_name ? t->s->c.tls_peer_name : t->host;
	long vr = SSL_get_verify_result(t->ssl);

	if (vr != X509_V_OK)
		sink_why(t->s,
			 "TLS: the certificate of %s:%s fails verification: %s (checked for "
			 "'%s'); nothing sent",
			 t->host, t->port, X509_verify_cert_error_string(vr), name);
	else
		ssl_reason(t->s->st.why, sizeof(t->s->st.why),
			   "TLS handshake failed (nothing sent)",
			   err == SSL_ERROR_SYSCALL ? "the collector closed the connection"
						    : "refused by the collector");
	ERR_clear_error();
	return vr != X509_V_OK ? -EPROTO : -ECONNABORTED;
}

/*
 * One step of the TLS connection, never waiting: the TCP connection, the handshake (the
 * collector verified: its chain against the CA, its name against the peer name), then in
 * TLS 1.3, when the collector asked for our certificate, its verdict on it: the client's
 * handshake ends before the server checked, and a server that refuses says so a moment
 * later, when whatever was written meanwhile would be lost. The verdict is a session
 * ticket or an alert; a server that sends no ticket is taken at its silence after
 * TLS_WAIT_MS. Nothing of ours goes on the wire before the end.
 */
int sink_tls_step(struct sink_tls *t)
{
	uint64_t now = sink_now_ms();
	char c[64];
	int rc, err;

	if (t->fd < 0)
		return -ENOTCONN;
	switch (t->state) {
	case TLS_CONNECTING:
		if (!ready(t->fd, POLLOUT))
			break;
		rc = session_begin(t);
		if (rc)
			return rc;
		t->state = TLS_HANDSHAKE;
		/* fall through */
	case TLS_HANDSHAKE:
		rc = SSL_connect(t->ssl);
		if (rc != 1) {
			err = SSL_get_error(t->ssl, rc);
			if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
				return handshake_failed(t, err);
			break;
		}
		if (SSL_version(t->ssl) != TLS1_3_VERSION || !t->cert_requested) {
			t->state = TLS_UP;
			break;
		}
		t->state = TLS_VERDICT;
		t->deadline_ms = now + TLS_WAIT_MS;
		/* fall through */
	case TLS_VERDICT:
		while (!t->ticket && ready(t->fd, POLLIN)) {
			rc = SSL_read(t->ssl, c, sizeof(c));
			if (rc > 0)
				continue;
			err = SSL_get_error(t->ssl, rc);
			if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
				break;
			ssl_reason(t->s->st.why, sizeof(t->s->st.why),
				   "TLS: the collector refused "
				   "us after the handshake (nothing sent)",
				   "it closed the connection");
			return -EACCES;
		}
		if (t->ticket || now >= t->deadline_ms)
			t->state = TLS_UP;
		break;
	case TLS_UP: break;
	}
	if (t->state == TLS_UP) {
		t->s->st.why[0] = '\0';
		return 0;
	}
	if (now >= t->connect_deadline_ms) {
		sink_why(t->s, "%s with %s:%s timed out after %d s; nothing sent",
			 t->state == TLS_CONNECTING ? "connecting" : "the TLS handshake", t->host,
			 t->port, TLS_CONNECT_MS / 1000);
		return -ETIMEDOUT;
	}
	return -EINPROGRESS;
}

int sink_tls_start(struct sink_tls *t, int fd)
{
	t->fd = fd;
	t->state = TLS_CONNECTING;
	t->connect_deadline_ms = sink_now_ms() + TLS_CONNECT_MS;
	t->pending = false;
	return sink_tls_step(t);
}

bool sink_tls_up(const struct sink_tls *t)
{
	return t->fd >= 0 && t->state == TLS_UP;
}

bool sink_tls_writing(const struct sink_tls *t)
{
	return t->pending;
}

bool sink_tls_peer_closed(struct sink_tls *t)
{
	char c[256];
	int n, err;

	if (!t->ssl)
		return false;
	while (ready(t->fd, POLLIN)) {
		n = SSL_read(t->ssl, c, sizeof(c));
		if (n > 0)
			continue;
		err = SSL_get_error(t->ssl, n);
		ERR_clear_error();
		return err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE;
	}
	return false;
}

/*
 * "LEN SP MSG" as one TLS write, whole or not at all. A write the socket cannot take now
 * stays pending (OpenSSL keeps what it sent of it) and is made again with the same bytes;
 * a broken session loses the message it was writing, counted, as TCP does.
 */
int sink_tls_send(struct sink_tls *t, const char *msg, size_t len)
{
	int n, err;

	buf_reset(&t->out);
	buf_printf(&t->out, "%zu ", len);
	buf_append(&t->out, msg, len);
	if (t->out.oom)
		return -ENOMEM;
	n = SSL_write(t->ssl, t->out.data, (int)t->out.len);
	if (n > 0) {
		t->pending = false;
		return 0;
	}
	err = SSL_get_error(t->ssl, n);
	if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
		t->pending = true;
		return -EAGAIN;
	}
	ssl_reason(t->s->st.why, sizeof(t->s->st.why), "TLS write",
		   err == SSL_ERROR_SYSCALL ? "the collector closed the connection"
					    : "the session broke");
	if (t->pending) {
		t->s->st.dropped++;
		return -ECONNRESET;
	}
	return -EPIPE;
}

void sink_tls_end(struct sink_tls *t)
{
	t->pending = false;
	if (t->ssl) {
		if (t->state == TLS_UP)
			SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
		t->ssl = NULL;
	}
	t->fd = -1;
}

void sink_tls_free(struct sink_tls *t)
{
	if (!t)
		return;
	sink_tls_end(t);
	SSL_CTX_free(t->ctx);
	buf_free(&t->out);
	free(t);
}
