// SPDX-License-Identifier: GPL-2.0-or-later
/* sink_syslog.c - the syslog sink: RFC 5424 or 3164 over a unix socket, UDP, TCP with
 * octet-counting framing (RFC 6587), TLS (RFC 5425, sink_tls.c), or RELP (sink_relp.c);
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

#include "kmw_sink_syslog.h"
#include "sink_relp.h"
#include "sink_tls.h"

/* the transports of a syslog destination */
enum sink_scheme { SINK_UNIX, SINK_UDP, SINK_TCP, SINK_TLS, SINK_RELP, SINK_RELP_TLS };

struct syslog_sink {
	int fd;
	int socktype;
	enum sink_scheme scheme;
	char peer_host[256]; /* HOST of the destination, and its port */
	char port[8];
	struct sink_tls *tls;	/* tls: */
	struct sink_relp *relp; /* relp:, relp+tls: */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	size_t sent_of_head; /* TCP: bytes of the head message already on the wire */
	char host[256];
	int pid;
};

static const struct {
	const char *name;
	int v;
} facilities[] = {
	{ "kern", LOG_KERN },	  { "user", LOG_USER },		{ "daemon", LOG_DAEMON },
	{ "auth", LOG_AUTH },	  { "authpriv", LOG_AUTHPRIV }, { "syslog", LOG_SYSLOG },
	{ "security", LOG_AUTH }, { "local0", LOG_LOCAL0 },	{ "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },	{ "local4", LOG_LOCAL4 },
	{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },	{ "local7", LOG_LOCAL7 },
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

static const struct {
	const char *prefix;
	enum sink_scheme scheme;
} schemes[] = {
	{ "udp:", SINK_UDP },	{ "tcp:", SINK_TCP },		{ "tls:", SINK_TLS },
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
		snprintf(why, len,
			 "unix:PATH, udp:HOST:PORT, tcp:HOST:PORT, tls:HOST:PORT, "
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
		snprintf(why, len, "cannot resolve %s: %s", host,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(&y->addr, ai->ai_addr, ai->ai_addrlen);
	y->addrlen = ai->ai_addrlen;
	y->socktype = hints.ai_socktype;
	freeaddrinfo(ai);
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
	rc = parse_target(y, s->c.target, why, sizeof(why));
	if (rc)
		goto out_free;
	if (y->scheme == SINK_TLS) {
		y->tls = sink_tls_new(s, y->peer_host, y->port);
		if (!y->tls) {
			rc = -errno;
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
	sink_tls_free(y->tls);
	free(y);
	return rc;
}

static void syslog_fini(struct kmw_sink *s)
{
	struct syslog_sink *y = s->priv;

	sink_relp_free(y->relp);
	sink_tls_free(y->tls);
}

static void syslog_close(struct kmw_sink *s);

/* The TLS connection one step on; a failure closes it. */
static int tls_advance(struct kmw_sink *s)
{
	struct syslog_sink *y = s->priv;
	int rc = sink_tls_step(y->tls);

	if (rc && rc != -EINPROGRESS)
		syslog_close(s);
	return rc;
}

static int syslog_open(struct kmw_sink *s)
{
	struct syslog_sink *y = s->priv;
	int fd, rc;

	if (y->relp)
		return sink_relp_open(y->relp);
	/* a TLS connection on its way: the next step */
	if (y->fd >= 0 && y->tls)
		return tls_advance(s);
	fd = socket(y->addr.ss_family, y->socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* /dev/log may be a stream socket on some systems */
	if (connect(fd, (struct sockaddr *)&y->addr, y->addrlen) < 0) {
		int err = errno;

		if (err == EPROTOTYPE && y->addr.ss_family == AF_UNIX &&
		    y->socktype == SOCK_DGRAM) {
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
	if (!y->tls)
		return 0;
	rc = sink_tls_start(y->tls, fd);
	if (rc && rc != -EINPROGRESS)
		syslog_close(s);
	return rc;
}

static void syslog_close(struct kmw_sink *s)
{
	struct syslog_sink *y = s->priv;

	if (y->relp)
		sink_relp_close(y->relp);
	if (y->tls)
		sink_tls_end(y->tls);
	if (y->fd >= 0)
		close(y->fd);
	y->fd = -1;
}

static bool syslog_is_open(const struct kmw_sink *s)
{
	const struct syslog_sink *y = s->priv;

	if (y->relp)
		return sink_relp_is_open(y->relp);
	return y->fd >= 0 && (!y->tls || sink_tls_up(y->tls));
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
			buf_printf(b, "<%d>%s %s %s[%d]: ", pri, ts, y->host, s->c.app_name,
				   y->pid);
	} else {
		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		buf_printf(b, "<%d>1 %s.%03uZ %s %s %d module - ", pri, ts, ev->msec % 1000,
			   y->host, s->c.app_name, y->pid);
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

/* TLS: a session that broke is closed; a message half written is lost (counted), not sent
 * again in part */
static int send_tls(struct kmw_sink *s, const char *msg, size_t len)
{
	struct syslog_sink *y = s->priv;
	int rc = sink_tls_send(y->tls, msg, len);

	if (rc != -EPIPE && rc != -ECONNRESET)
		return rc;
	syslog_close(s);
	return rc == -ECONNRESET ? 0 : rc;
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
	if (y->fd >= 0 && y->socktype == SOCK_STREAM && !y->sent_of_head &&
	    (!y->tls || (sink_tls_up(y->tls) && !sink_tls_writing(y->tls))) &&
	    (y->tls ? sink_tls_peer_closed(y->tls) : peer_closed(y->fd)))
		syslog_close(s);
	if (y->fd < 0 || (y->tls && !sink_tls_up(y->tls))) {
		int rc = syslog_open(s);

		/* a connection on its way: the message waits for it */
		if (rc)
			return rc;
	}
	if (y->tls)
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
