// SPDX-License-Identifier: GPL-2.0-or-later
/* sink_syslog.c - the syslog sink: RFC 5424 or 3164 over a unix socket, UDP, TCP with
 * octet-counting framing (RFC 6587), TLS (RFC 5425, OpenSSL), or RELP (sink_relp.c);
 * reconnects, never tears or repeats a message, never sends in plain text what was meant
 * for TLS */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "kmw_sink_priv.h"

/* how long the TCP connection and TLS handshake may take, and a TLS 1.3 collector's verdict
 * on our certificate; each step is taken without waiting, on the next send or tick */
#define TLS_CONNECT_MS 10000
#define TLS_WAIT_MS 3000

struct syslog_sink {
	int fd;
	int socktype;
	enum sink_scheme scheme;
	char peer_host[256];	/* HOST of the destination, and its port */
	char port[8];
	SSL_CTX *ctx;		/* tls: */
	SSL *ssl;		/* ... the session; NULL until the handshake is done */
	struct kmw_buf out;	/* tls: one framed message, written whole */
	struct sink_relp *relp;	/* relp:, relp+tls: */
	enum { TLS_CONNECTING, TLS_HANDSHAKE, TLS_VERDICT, TLS_UP } tls_state;
	uint64_t tls_connect_deadline_ms;	/* the whole connection by then */
	uint64_t tls_deadline_ms;		/* the verdict by then */
	bool tls_pending;	/* a write the socket could not take yet */
	bool cert_requested;	/* tls: the collector asked for our certificate */
	bool ticket;		/* ... and sent a session ticket: it took the handshake */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	size_t sent_of_head;	/* TCP: bytes of the head message already on the wire */
	char host[256];
	int pid;
};

static const struct { const char *name; int v; } facilities[] = {
	{ "kern", LOG_KERN }, { "user", LOG_USER }, { "daemon", LOG_DAEMON }, { "auth", LOG_AUTH },
	{ "authpriv", LOG_AUTHPRIV }, { "syslog", LOG_SYSLOG }, { "security", LOG_AUTH },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

static const char *const severities[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

int sink_parse_facility(const char *name, int *out)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (!strcmp(name, facilities[i].name)) {
			*out = facilities[i].v;
			return 0;
		}
	return -EINVAL;
}

int sink_parse_severity(const char *name, int *out)
{
	int i;

	if (!strcmp(name, "auto")) {
		*out = -1;
		return 0;
	}
	for (i = 0; i < 8; i++)
		if (!strcmp(name, severities[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

const char *sink_facility_name(int facility)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (facilities[i].v == facility)
			return facilities[i].name;
	return "?";
}

const char *sink_severity_name(int severity)
{
	return severity < 0 ? "auto" : severity < 8 ? severities[severity] : "?";
}

static const struct { const char *prefix; enum sink_scheme scheme; } schemes[] = {
	{ "udp:", SINK_UDP }, { "tcp:", SINK_TCP }, { "tls:", SINK_TLS },
	{ "relp:", SINK_RELP }, { "relp+tls:", SINK_RELP_TLS },
};

/*
 * unix:PATH, udp:HOST:PORT, tcp:HOST:PORT, tcp:[V6]:PORT (tls:, relp:, relp+tls: alike):
 * the form, and with @y its address (HOST resolved). Returns 0, or -EINVAL with the reason
 * in @why.
 */
static int parse_target(struct syslog_sink *y, const char *t, char *why, size_t len)
{
	char host[256], *colon, *end;
	struct addrinfo hints = { 0 }, *ai;
	enum sink_scheme scheme = SINK_UNIX;
	unsigned long port;
	size_t i, pl = 0;
	int rc;

	if (!strncmp(t, "unix:", 5)) {
		struct sockaddr_un un;

		if (!t[5] || strlen(t + 5) >= sizeof(un.sun_path)) {
			snprintf(why, len, "a socket path of 1 to %zu bytes after unix:",
				 sizeof(un.sun_path) - 1);
			return -EINVAL;
		}
		if (y) {
			memset(&un, 0, sizeof(un));
			un.sun_family = AF_UNIX;
			memcpy(un.sun_path, t + 5, strlen(t + 5));
			memcpy(&y->addr, &un, sizeof(un));
			y->addrlen = sizeof(un);
			y->socktype = SOCK_DGRAM;
			y->scheme = SINK_UNIX;
		}
		return 0;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (!strncmp(t, schemes[i].prefix, strlen(schemes[i].prefix))) {
			scheme = schemes[i].scheme;
			pl = strlen(schemes[i].prefix);
		}
	if (!pl) {
		snprintf(why, len, "unix:PATH, udp:HOST:PORT, tcp:HOST:PORT, tls:HOST:PORT, "
			 "relp:HOST:PORT or relp+tls:HOST:PORT");
		return -EINVAL;
	}
	if (strlen(t + pl) >= sizeof(host)) {
		snprintf(why, len, "a host name of at most %zu bytes", sizeof(host) - 8);
		return -EINVAL;
	}
	snprintf(host, sizeof(host), "%s", t + pl);
	colon = strrchr(host, ':');
	if (!colon || colon == host || (host[0] == '[' && colon[-1] != ']')) {
		snprintf(why, len, "HOST:PORT after %.*s (no port)", (int)pl, t);
		return -EINVAL;
	}
	*colon = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 1 || port > 65535) {
		snprintf(why, len, "a port from 1 to 65535, not '%s'", colon + 1);
		return -EINVAL;
	}
	if (host[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	if (!y)
		return 0;
	y->scheme = scheme;
	snprintf(y->peer_host, sizeof(y->peer_host), "%s", host);
	snprintf(y->port, sizeof(y->port), "%lu", port);
	hints.ai_socktype = scheme == SINK_UDP ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc || !ai) {
		snprintf(why, len, "cannot resolve %s: %s", host, rc == EAI_SYSTEM ? strerror(errno) :
			 gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(&y->addr, ai->ai_addr, ai->ai_addrlen);
	y->addrlen = ai->ai_addrlen;
	y->socktype = hints.ai_socktype;
	freeaddrinfo(ai);
	return 0;
}

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
	struct syslog_sink *y = SSL_get_app_data(ssl);

	(void)arg;
	if (y)
		y->cert_requested = true;
	return 1;
}

/* A TLS 1.3 server sends its session tickets once it has accepted the whole handshake. */
static int on_ticket(SSL *ssl, SSL_SESSION *sess)
{
	struct syslog_sink *y = SSL_get_app_data(ssl);

	(void)sess;
	if (y)
		y->ticket = true;
	return 0;	/* not kept: every connection makes a full handshake */
}

/*
 * A TLS client context for @c: verification of the collector always on, against @c->tls_ca
 * or the system's store; TLS 1.2 at least; our certificate when given. NULL with the reason.
 */
static SSL_CTX *tls_ctx_new(const char *ca, const char *cert, const char *key, const char *min,
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
		snprintf(why, len, "a client certificate needs its key, and a key its certificate "
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
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, on_ticket);
	if (ca && stat(ca, &st) < 0) {
		snprintf(why, len, "CA '%s': %s", ca, strerror(errno));
		goto out_free;
	}
	if (ca ? !SSL_CTX_load_verify_locations(ctx, S_ISDIR(st.st_mode) ? NULL : ca,
						S_ISDIR(st.st_mode) ? ca : NULL) :
		 !SSL_CTX_set_default_verify_paths(ctx)) {
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
		snprintf(why, len, "relp+tls needs a client certificate (--syslog-cert and "
			 "--syslog-key): without one, librelp 1.11 (Debian 12's) does not check the "
			 "collector's name (use tls: for server-only TLS)");
		return -EINVAL;
	}
	ctx = tls_ctx_new(ca, cert, key, min, ciphers, why, len);

	if (!ctx)
		return -EINVAL;
	SSL_CTX_free(ctx);
	return 0;
}

int sink_syslog_check(const char *target, bool resolve, char *why, size_t len)
{
	struct syslog_sink y;

	return parse_target(resolve ? &y : NULL, target, why, len);
}

static int syslog_init(struct kmw_sink *s)
{
	struct syslog_sink *y;
	char why[300];
	int rc;

	if (!s->c.target)
		return -EINVAL;
	if (!s->c.rfc)
		s->c.rfc = 5424;
	if (!s->c.facility)
		s->c.facility = LOG_DAEMON;
	if (s->c.rfc != 5424 && s->c.rfc != 3164)
		return -EINVAL;
	y = calloc(1, sizeof(*y));
	if (!y)
		return -ENOMEM;
	y->fd = -1;
	y->pid = (int)getpid();
	if (gethostname(y->host, sizeof(y->host) - 1) < 0 || !y->host[0])
		snprintf(y->host, sizeof(y->host), "-");
	buf_init(&y->out);
	rc = parse_target(y, s->c.target, why, sizeof(why));
	if (rc)
		goto out_free;
	if (y->scheme == SINK_TLS) {
		y->ctx = tls_ctx_new(s->c.tls_ca, s->c.tls_cert, s->c.tls_key, s->c.tls_min,
				     s->c.tls_ciphers, s->st.why, sizeof(s->st.why));
		if (!y->ctx) {
			rc = -EINVAL;
			goto out_free;
		}
	}
	if (y->scheme == SINK_RELP || y->scheme == SINK_RELP_TLS) {
		y->relp = sink_relp_new(s, y->peer_host, y->port, y->scheme == SINK_RELP_TLS);
		if (!y->relp) {
			rc = -errno;
			goto out_free;
		}
	}
	snprintf(s->name, sizeof(s->name), "syslog:%s", s->c.target);
	s->priv = y;
	return 0;
out_free:
	SSL_CTX_free(y->ctx);
	free(y);
	return rc;
}

static void syslog_fini(struct kmw_sink *s)
{
	struct syslog_sink *y = s->priv;

	sink_relp_free(y->relp);
	SSL_CTX_free(y->ctx);
	buf_free(&y->out);
}

/* Whether @fd is ready for @events now. */
static bool ready(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 0) == 1;
}

/* The connected socket gets its TLS session: the collector's name to check, and SNI. */
static int tls_begin(struct kmw_sink *s)
{
	struct syslog_sink *y = s->priv;
	const char *name = s->c.tls_peer_name ? s->c.tls_peer_name : y->peer_host;
	X509_VERIFY_PARAM *vp;
	struct in6_addr a6;
	struct in_addr a4;
	socklen_t sl = sizeof(int);
	int err = 0;

	if (getsockopt(y->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err) {
		sink_why(s, "cannot connect to %s:%s: %s", y->peer_host, y->port, strerror(err));
		return -err;
	}
	y->ssl = SSL_new(y->ctx);
	if (!y->ssl)
		return -ENOMEM;
	SSL_set_fd(y->ssl, y->fd);
	SSL_set_app_data(y->ssl, y);
	y->cert_requested = y->ticket = false;
	vp = SSL_get0_param(y->ssl);
	X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	/* an address is checked against the certificate's IP names, a name against its DNS */
	if (inet_pton(AF_INET, name, &a4) == 1 || inet_pton(AF_INET6, name, &a6) == 1) {
		X509_VERIFY_PARAM_set1_ip_asc(vp, name);
	} else {
		X509_VERIFY_PARAM_set1_host(vp, name, 0);
		SSL_set_tlsext_host_name(y->ssl, name);
	}
	return 0;
}

/* SSL_connect's failure in words: a certificate that fails verification above all. */
static int tls_failed(struct kmw_sink *s, int err)
{
	struct syslog_sink *y = s->priv;
	const char *name = s->c.tls_peer_name ? s->c.tls_peer_name : y->peer_host;
	long vr = SSL_get_verify_result(y->ssl);

	if (vr != X509_V_OK)
		sink_why(s, "TLS: the certificate of %s:%s fails verification: %s (checked for "
			 "'%s'); nothing sent", y->peer_host, y->port, X509_verify_cert_error_string(vr),
			 name);
	else
		ssl_reason(s->st.why, sizeof(s->st.why), "TLS handshake failed (nothing sent)",
			   err == SSL_ERROR_SYSCALL ? "the collector closed the connection" :
			   "refused by the collector");
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
 * TLS_WAIT_MS. Nothing of ours goes on the wire before the end. Returns 0 when up,
 * -EINPROGRESS on the way, or the failure, the reason in words.
 */
static int tls_step(struct kmw_sink *s)
{
	struct syslog_sink *y = s->priv;
	uint64_t now = sink_now_ms();
	char c[64];
	int rc, err;

	switch (y->tls_state) {
	case TLS_CONNECTING:
		if (!ready(y->fd, POLLOUT))
			break;
		rc = tls_begin(s);
		if (rc)
			return rc;
		y->tls_state = TLS_HANDSHAKE;
		/* fall through */
	case TLS_HANDSHAKE:
		rc = SSL_connect(y->ssl);
		if (rc != 1) {
			err = SSL_get_error(y->ssl, rc);
			if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
				return tls_failed(s, err);
			break;
		}
		if (SSL_version(y->ssl) != TLS1_3_VERSION || !y->cert_requested) {
			y->tls_state = TLS_UP;
			break;
		}
		y->tls_state = TLS_VERDICT;
		y->tls_deadline_ms = now + TLS_WAIT_MS;
		/* fall through */
	case TLS_VERDICT:
		while (!y->ticket && ready(y->fd, POLLIN)) {
			rc = SSL_read(y->ssl, c, sizeof(c));
			if (rc > 0)
				continue;
			err = SSL_get_error(y->ssl, rc);
			if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
				break;
			ssl_reason(s->st.why, sizeof(s->st.why), "TLS: the collector refused us after "
				   "the handshake (nothing sent)", "it closed the connection");
			return -EACCES;
		}
		if (y->ticket || now >= y->tls_deadline_ms)
			y->tls_state = TLS_UP;
		break;
	case TLS_UP:
		break;
	}
	if (y->tls_state == TLS_UP) {
		s->st.why[0] = '\0';
		return 0;
	}
	if (now >= y->tls_connect_deadline_ms) {
		sink_why(s, "%s with %s:%s timed out after %d s; nothing sent",
			 y->tls_state == TLS_CONNECTING ? "connecting" : "the TLS handshake",
			 y->peer_host, y->port, TLS_CONNECT_MS / 1000);
		return -ETIMEDOUT;
	}
	return -EINPROGRESS;
}

static void syslog_close(struct kmw_sink *s);

/* The TLS connection one step on; a failure closes it. */
static int tls_advance(struct kmw_sink *s)
{
	int rc = tls_step(s);

	if (rc && rc != -EINPROGRESS)
		syslog_close(s);
	return rc;
}

static int syslog_open(struct kmw_sink *s)
{
	struct syslog_sink *y = s->priv;
	int fd;

	if (y->relp)
		return sink_relp_open(y->relp);
	/* a TLS connection on its way: the next step */
	if (y->fd >= 0 && y->ctx)
		return tls_advance(s);
	fd = socket(y->addr.ss_family, y->socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* /dev/log may be a stream socket on some systems */
	if (connect(fd, (struct sockaddr *)&y->addr, y->addrlen) < 0) {
		int err = errno;

		if (err == EPROTOTYPE && y->addr.ss_family == AF_UNIX && y->socktype == SOCK_DGRAM) {
			close(fd);
			y->socktype = SOCK_STREAM;
			return syslog_open(s);
		}
		if (err != EINPROGRESS) {
			close(fd);
			return -err;
		}
	}
	y->fd = fd;
	y->sent_of_head = 0;
	if (!y->ctx)
		return 0;
	y->tls_state = TLS_CONNECTING;
	y->tls_connect_deadline_ms = sink_now_ms() + TLS_CONNECT_MS;
	y->tls_pending = false;
	return tls_advance(s);
}

static void syslog_close(struct kmw_sink *s)
{
	struct syslog_sink *y = s->priv;

	if (y->relp)
		sink_relp_close(y->relp);
	y->tls_pending = false;
	if (y->ssl) {
		if (y->ctx && y->tls_state == TLS_UP)
			SSL_shutdown(y->ssl);
		SSL_free(y->ssl);
		y->ssl = NULL;
	}
	if (y->fd >= 0)
		close(y->fd);
	y->fd = -1;
}

static bool syslog_is_open(const struct kmw_sink *s)
{
	const struct syslog_sink *y = s->priv;

	if (y->relp)
		return sink_relp_is_open(y->relp);
	return y->fd >= 0 && (!y->ctx || y->tls_state == TLS_UP);
}

/*
 * The syslog message for @body: "<PRI>1 TIME HOST APP PID MSGID - BODY" (RFC 5424),
 * "<PRI>Mmm dd hh:mm:ss HOST APP[PID]: BODY" (3164), or for a local socket the same
 * without HOST, as syslog(3) writes it.
 */
static void syslog_frame(struct kmw_sink *s, struct kmw_buf *b, const struct kmw_event *ev,
			 const char *body, size_t len, int severity)
{
	struct syslog_sink *y = s->priv;
	int pri = s->c.facility | severity;
	time_t t = (time_t)ev->sec;
	struct tm tm;
	char ts[40];

	if (y->addr.ss_family == AF_UNIX || s->c.rfc == 3164) {
		localtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		if (y->addr.ss_family == AF_UNIX)
			buf_printf(b, "<%d>%s %s[%d]: ", pri, ts, s->c.app_name, y->pid);
		else
			buf_printf(b, "<%d>%s %s %s[%d]: ", pri, ts, y->host, s->c.app_name, y->pid);
	} else {
		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		buf_printf(b, "<%d>1 %s.%03uZ %s %s %d module - ", pri, ts, ev->msec % 1000, y->host,
			   s->c.app_name, y->pid);
	}
	buf_append(b, body, len);
}

/* The collector went away: its end closed the stream (it sends FIN when it dies). */
static bool peer_closed(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN);
}

/* The collector closed its end of the TLS stream, or broke it (it sends no data of its own). */
static bool tls_peer_closed(struct syslog_sink *y)
{
	char c[256];
	int n, err;

	while (ready(y->fd, POLLIN)) {
		n = SSL_read(y->ssl, c, sizeof(c));
		if (n > 0)
			continue;
		err = SSL_get_error(y->ssl, n);
		ERR_clear_error();
		return err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE;
	}
	return false;
}

/*
 * TLS (RFC 5425): "LEN SP MSG" as one TLS write, whole or not at all. A write the socket
 * cannot take now stays pending (OpenSSL keeps what it sent of it) and is made again with
 * the same bytes; a broken session loses the message it was writing, counted, as TCP does.
 */
static int send_tls(struct kmw_sink *s, const char *msg, size_t len)
{
	struct syslog_sink *y = s->priv;
	int n, err;

	buf_reset(&y->out);
	buf_printf(&y->out, "%zu ", len);
	buf_append(&y->out, msg, len);
	if (y->out.oom)
		return -ENOMEM;
	n = SSL_write(y->ssl, y->out.data, (int)y->out.len);
	if (n > 0) {
		y->tls_pending = false;
		return 0;
	}
	err = SSL_get_error(y->ssl, n);
	if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
		y->tls_pending = true;
		return -EAGAIN;
	}
	ssl_reason(s->st.why, sizeof(s->st.why), "TLS write", err == SSL_ERROR_SYSCALL ?
		   "the collector closed the connection" : "the session broke");
	if (y->tls_pending)
		s->st.dropped++;
	syslog_close(s);
	return y->tls_pending ? 0 : -EPIPE;
}

static int send_datagram(struct kmw_sink *s, const char *msg, size_t len)
{
	struct syslog_sink *y = s->priv;
	ssize_t n = send(y->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		/* the reader is busy: give it a moment, on the worker thread only */
		struct pollfd p = { .fd = y->fd, .events = POLLOUT };

		if (poll(&p, 1, 20) == 1)
			n = send(y->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	if (n == (ssize_t)len)
		return 0;
	n = n < 0 ? -errno : -EMSGSIZE;
	if (n != -EAGAIN)
		syslog_close(s);
	return (int)n;
}

/*
 * TCP, octet-counting framing (RFC 6587): "LEN SP MSG". A message may go out in
 * pieces; what went is remembered, so nothing is sent twice and the stream is
 * never torn.
 */
static int send_stream(struct kmw_sink *s, const char *msg, size_t len)
{
	struct syslog_sink *y = s->priv;
	char hdr[24];
	int hl = snprintf(hdr, sizeof(hdr), "%zu ", len);
	ssize_t n;

	while (y->sent_of_head < (size_t)hl + len) {
		const char *p;
		size_t left;

		if (y->sent_of_head < (size_t)hl) {
			p = hdr + y->sent_of_head;
			left = (size_t)hl - y->sent_of_head;
		} else {
			p = msg + (y->sent_of_head - (size_t)hl);
			left = len - (y->sent_of_head - (size_t)hl);
		}
		n = send(y->fd, p, left, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			int err = errno;
			bool partial = y->sent_of_head != 0;

			if (err == EINTR)
				continue;
			if (err == EAGAIN || err == EWOULDBLOCK || err == ENOTCONN)
				return -EAGAIN;
			/* the connection broke: a partial message cannot be finished */
			if (partial)
				s->st.dropped++;
			syslog_close(s);
			return partial ? 0 : -err;
		}
		y->sent_of_head += (size_t)n;
	}
	y->sent_of_head = 0;
	return 0;
}

static int syslog_send(struct kmw_sink *s, const char *msg, size_t len)
{
	struct syslog_sink *y = s->priv;

	if (y->relp)
		return sink_relp_send(y->relp, msg, len);
	/*
	 * Writing into a stream whose reader is gone would "succeed" once and lose
	 * the message: look first, and reconnect between two messages.
	 */
	if (y->fd >= 0 && y->socktype == SOCK_STREAM && !y->sent_of_head && !y->tls_pending &&
	    (!y->ctx || y->tls_state == TLS_UP) && (y->ssl ? tls_peer_closed(y) : peer_closed(y->fd)))
		syslog_close(s);
	if (y->fd < 0 || (y->ctx && y->tls_state != TLS_UP)) {
		int rc = syslog_open(s);

		/* a connection on its way: the message waits for it */
		if (rc)
			return rc;
	}
	if (y->ctx)
		return send_tls(s, msg, len);
	return y->socktype == SOCK_DGRAM ? send_datagram(s, msg, len) : send_stream(s, msg, len);
}

static uint64_t syslog_pending(const struct kmw_sink *s)
{
	const struct syslog_sink *y = s->priv;

	return y->relp ? sink_relp_pending(y->relp) : 0;
}

const struct sink_ops sink_syslog_ops = {
	.kind = "syslog",
	.init = syslog_init,
	.open = syslog_open,
	.frame = syslog_frame,
	.send = syslog_send,
	.is_open = syslog_is_open,
	.close = syslog_close,
	.pending = syslog_pending,
	.fini = syslog_fini,
};
