// SPDX-License-Identifier: GPL-2.0-or-later
/* sink.c - outputs as a small vtable {open, send, close}: files, syslog, journald; a bounded
 * queue and backoff for what a sink cannot take now */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>
#endif

#include "kmw_buf.h"
#include "kmw_decode.h"
#include "kmw_event.h"
#include "kmw_risk.h"
#include "kmw_sink.h"

struct kmw_sink;

struct sink_ops {
	int (*open)(struct kmw_sink *s);
	/* write one framed message whole; -EAGAIN and the like leave it queued */
	int (*send)(struct kmw_sink *s, const char *msg, size_t len);
	void (*close)(struct kmw_sink *s);
};

struct pending {
	char *msg;
	size_t len;
	int risk;
};

struct kmw_sink {
	struct kmw_sink_conf c;
	const struct sink_ops *ops;
	char name[300];
	int fd;
	bool stdout_fd;
	/* file */
	bool regular;
	dev_t dev;
	ino_t ino;
	uint64_t size;
	/* syslog */
	int socktype;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	size_t sent_of_head;	/* TCP: bytes of the head message already on the wire */
	char host[256];
	int pid;
	/* what waits */
	struct pending *q;
	unsigned int qcap, qhead, qcount;
	uint64_t qbytes;
	uint64_t next_retry_ms;
	unsigned int backoff_ms;
	struct kmw_sink_stats st;
	struct kmw_buf frame;
	int open_error;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- files ---- */

static int file_open(struct kmw_sink *s)
{
	struct stat st;
	int fd;

	if (s->stdout_fd) {
		s->fd = STDOUT_FILENO;
		return 0;
	}
	/* never through a symlink planted where the log goes */
	fd = open(s->c.target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);
	if (fd < 0)
		return -errno;
	/* a regular file, or a device or pipe the operator chose (/dev/null, a fifo) */
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		close(fd);
		return -EINVAL;
	}
	s->regular = S_ISREG(st.st_mode);
	/* a failed chown keeps the default group: not worth failing the output for */
	if (s->c.group != (gid_t)-1 && st.st_gid != s->c.group && st.st_size == 0 &&
	    fchown(fd, (uid_t)-1, s->c.group) == 0)
		st.st_gid = s->c.group;
	s->fd = fd;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = (uint64_t)st.st_size;
	return 0;
}

static void file_close(struct kmw_sink *s)
{
	if (s->fd > STDOUT_FILENO)
		close(s->fd);
	s->fd = -1;
}

/* FILE -> FILE.1 -> ... -> FILE.N, the oldest dropped; then a new FILE. */
static int file_rotate(struct kmw_sink *s)
{
	char from[4200], to[4200];
	unsigned int i;

	for (i = s->c.rotate_keep; i > 0; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", s->c.target);
		else
			snprintf(from, sizeof(from), "%s.%u", s->c.target, i - 1);
		snprintf(to, sizeof(to), "%s.%u", s->c.target, i);
		if (rename(from, to) < 0 && errno != ENOENT)
			return -errno;
	}
	if (!s->c.rotate_keep && unlink(s->c.target) < 0 && errno != ENOENT)
		return -errno;
	file_close(s);
	return file_open(s);
}

static int file_send(struct kmw_sink *s, const char *msg, size_t len)
{
	struct stat st;
	ssize_t n;
	size_t done = 0;
	off_t before;
	int rc;

	if (!s->stdout_fd) {
		/* renamed away by logrotate (create mode): follow the name */
		if (stat(s->c.target, &st) < 0 || st.st_ino != s->ino || st.st_dev != s->dev) {
			file_close(s);
			if ((rc = file_open(s)))
				return rc;
		}
		if (s->regular && s->c.rotate_bytes && s->size + len > s->c.rotate_bytes && s->size > 0 &&
		    (rc = file_rotate(s)))
			return rc;
	}
	before = s->regular ? lseek(s->fd, 0, SEEK_END) : -1;
	while (done < len) {
		n = write(s->fd, msg + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			/* no torn line: take back the part of it that went in */
			if (done && before >= 0 && ftruncate(s->fd, before) < 0)
				rc = -EIO;
			return rc;
		}
		done += (size_t)n;
	}
	s->size += len;
	return 0;
}

static const struct sink_ops file_ops = { file_open, file_send, file_close };

/* ---- syslog ---- */

static int parse_target(struct kmw_sink *s)
{
	const char *t = s->c.target;
	char host[256], *colon;
	struct addrinfo hints = { 0 }, *ai;
	bool tcp;

	if (!strncmp(t, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&s->addr;

		if (strlen(t + 5) >= sizeof(un->sun_path))
			return -ENAMETOOLONG;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, t + 5);
		s->addrlen = sizeof(*un);
		s->socktype = SOCK_DGRAM;
		return 0;
	}
	tcp = !strncmp(t, "tcp:", 4);
	if (!tcp && strncmp(t, "udp:", 4))
		return -EINVAL;
	snprintf(host, sizeof(host), "%s", t + 4);
	colon = strrchr(host, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	/* [::1]:514 */
	if (host[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, colon + 1, &hints, &ai) || !ai)
		return -EINVAL;
	memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
	s->addrlen = ai->ai_addrlen;
	s->socktype = hints.ai_socktype;
	freeaddrinfo(ai);
	return 0;
}

static int syslog_open(struct kmw_sink *s)
{
	int fd = socket(s->addr.ss_family, s->socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	/* /dev/log may be a stream socket on some systems */
	if (connect(fd, (struct sockaddr *)&s->addr, s->addrlen) < 0) {
		int err = errno;

		if (err == EPROTOTYPE && s->addr.ss_family == AF_UNIX && s->socktype == SOCK_DGRAM) {
			close(fd);
			s->socktype = SOCK_STREAM;
			return syslog_open(s);
		}
		if (err != EINPROGRESS) {
			close(fd);
			return -err;
		}
	}
	s->fd = fd;
	s->sent_of_head = 0;
	return 0;
}

static void syslog_close(struct kmw_sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* The collector went away: its end closed the stream (it sends FIN when it dies). */
static bool peer_closed(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN);
}

static int syslog_send(struct kmw_sink *s, const char *msg, size_t len)
{
	char hdr[24];
	ssize_t n;

	/*
	 * Writing into a stream whose reader is gone would "succeed" once and lose
	 * the message: look first, and reconnect between two messages.
	 */
	if (s->fd >= 0 && s->socktype == SOCK_STREAM && !s->sent_of_head && peer_closed(s->fd))
		syslog_close(s);
	if (s->fd < 0) {
		int rc = syslog_open(s);

		if (rc)
			return rc;
	}
	if (s->socktype == SOCK_DGRAM) {
		n = send(s->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* the reader is busy: give it a moment, on the worker thread only */
			struct pollfd p = { .fd = s->fd, .events = POLLOUT };

			if (poll(&p, 1, 20) == 1)
				n = send(s->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		}
		if (n == (ssize_t)len)
			return 0;
		n = n < 0 ? -errno : -EMSGSIZE;
		if (n != -EAGAIN)
			syslog_close(s);
		return (int)n;
	}
	/*
	 * TCP, octet-counting framing (RFC 6587): "LEN SP MSG". A message may go
	 * out in pieces; what went is remembered, so nothing is sent twice and
	 * the stream is never torn.
	 */
	int hl = snprintf(hdr, sizeof(hdr), "%zu ", len);

	while (s->sent_of_head < (size_t)hl + len) {
		const char *p;
		size_t left;

		if (s->sent_of_head < (size_t)hl) {
			p = hdr + s->sent_of_head;
			left = (size_t)hl - s->sent_of_head;
		} else {
			p = msg + (s->sent_of_head - (size_t)hl);
			left = len - (s->sent_of_head - (size_t)hl);
		}
		n = send(s->fd, p, left, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			if (err != EAGAIN && err != EWOULDBLOCK && err != ENOTCONN) {
				/* the connection broke: a partial message cannot be finished */
				if (s->sent_of_head)
					s->st.dropped++;
				syslog_close(s);
				return s->sent_of_head ? 0 : -err;
			}
			return -EAGAIN;
		}
		s->sent_of_head += (size_t)n;
	}
	s->sent_of_head = 0;
	return 0;
}

static const struct sink_ops syslog_ops = { syslog_open, syslog_send, syslog_close };

/* ---- journald ---- */

#ifdef HAVE_LIBSYSTEMD
static int journal_open(struct kmw_sink *s)
{
	return 0;
}

static void journal_close(struct kmw_sink *s)
{
}

/* the message is "PRIORITY\\0SYSCALL\\0MODULE\\0SHA256\\0RESULT\\0EXE\\0RISK\\0JSON" */
static int journal_send(struct kmw_sink *s, const char *msg, size_t len)
{
	const char *f[8];
	const char *p = msg, *end = msg + len;
	int i, rc;

	for (i = 0; i < 8; i++) {
		f[i] = p;
		p = memchr(p, '\0', (size_t)(end - p));
		if (!p && i < 7)
			return -EINVAL;
		p = p ? p + 1 : end;
	}
	rc = sd_journal_send("MESSAGE=kmodwatch: %s %s %s by %s (risk %s)", f[1], f[2][0] ? f[2] : "-",
			     f[4], f[5][0] ? f[5] : "-", f[6],
			     "PRIORITY=%s", f[0], "SYSLOG_IDENTIFIER=%s", s->c.app_name,
			     "KMODWATCH_SYSCALL=%s", f[1], "KMODWATCH_MODULE=%s", f[2],
			     "KMODWATCH_SHA256=%s", f[3], "KMODWATCH_RESULT=%s", f[4],
			     "KMODWATCH_EXE=%s", f[5], "KMODWATCH_RISK=%s", f[6],
			     "KMODWATCH_JSON=%s", f[7], NULL);
	return rc < 0 ? rc : 0;
}

static const struct sink_ops journal_ops = { journal_open, journal_send, journal_close };
#endif

/* ---- common ---- */

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

/* risk.level to a syslog severity: info 6, low 5 notice, medium 4 warning, high 2 crit */
static int severity_of(const struct kmw_sink *s, int risk)
{
	static const int map[] = { LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_CRIT };

	if (s->c.severity >= 0)
		return s->c.severity;
	return map[risk >= 0 && risk <= 3 ? risk : 0];
}

/*
 * sink_frame_syslog - the syslog message for @body: "<PRI>1 TIME HOST APP PID MSGID - BODY"
 * (@rfc 5424), "<PRI>Mmm dd hh:mm:ss HOST APP[PID]: BODY" (3164), or for a local
 * socket (0) the same without HOST, as syslog(3) writes it. Pure.
 */
static int sink_frame_syslog(struct kmw_buf *b, int rfc, int pri, int64_t sec, unsigned int msec,
		      const char *host, const char *app, int pid, const char *body, size_t len)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char ts[40];

	if (rfc == 3164 || rfc == 0) {
		localtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
		/* 0: the local socket's form, as libc's syslog(3) writes it: no host name */
		if (rfc == 0)
			buf_printf(b, "<%d>%s %s[%d]: ", pri, ts, app, pid);
		else
			buf_printf(b, "<%d>%s %s %s[%d]: ", pri, ts, host, app, pid);
	} else {
		gmtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		buf_printf(b, "<%d>1 %s.%03uZ %s %s %d module - ", pri, ts, msec % 1000, host, app, pid);
	}
	buf_append(b, body, len);
	return b->oom ? -ENOMEM : 0;
}

static void frame(struct kmw_sink *s, const struct kmw_event *ev, const char *body, size_t len,
		  int risk)
{
	struct kmw_buf *b = &s->frame;

	buf_reset(b);
	if (s->c.kind == KMW_SINK_FILE) {
		if (s->c.prefix)
			buf_puts(b, s->c.prefix);
		buf_append(b, body, len);
		buf_putc(b, '\n');
	} else if (s->c.kind == KMW_SINK_SYSLOG) {
		/* a local socket (/dev/log) takes what libc sends it; the network, RFC 5424 or 3164 */
		sink_frame_syslog(b, s->addr.ss_family == AF_UNIX ? 0 : s->c.rfc,
				  s->c.facility | severity_of(s, risk), ev->sec,
				  ev->msec, s->host, s->c.app_name, s->pid, body, len);
	} else {
		char pri[4];
		const char *sha = ev->have_facts ? ev->facts.sha256 : "";
		int err = event_errno(ev);
		const char *result = ev->success ? "success" : (err && strerrorname_np(err)) ?
				     strerrorname_np(err) : "failure";

		snprintf(pri, sizeof(pri), "%d", severity_of(s, risk));
		buf_puts(b, pri);
		buf_putc(b, '\0');
		buf_puts(b, decode_syscall_name(ev->sc));
		buf_putc(b, '\0');
		if (ev->mod_name.set)
			buf_append(b, event_str(ev, &ev->mod_name), strnlen(event_str(ev, &ev->mod_name),
									 ev->mod_name.len));
		buf_putc(b, '\0');
		buf_puts(b, sha);
		buf_putc(b, '\0');
		buf_puts(b, result);
		buf_putc(b, '\0');
		if (ev->exe.set)
			buf_append(b, event_str(ev, &ev->exe), strnlen(event_str(ev, &ev->exe), ev->exe.len));
		buf_putc(b, '\0');
		buf_puts(b, risk_level_name((enum kmw_risk_level)risk));
		buf_putc(b, '\0');
		buf_append(b, body, len);
	}
}

struct kmw_sink *sink_new(const struct kmw_sink_conf *c)
{
	struct kmw_sink *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->c = *c;
	s->fd = -1;
	s->pid = (int)getpid();
	if (!s->c.queue_bytes)
		s->c.queue_bytes = 4u << 20;
	if (!s->c.app_name)
		s->c.app_name = "kmodwatch";
	if (!s->c.rfc)
		s->c.rfc = 5424;
	if (!s->c.facility)
		s->c.facility = LOG_DAEMON;
	if (gethostname(s->host, sizeof(s->host) - 1) < 0 || !s->host[0])
		snprintf(s->host, sizeof(s->host), "-");
	buf_init(&s->frame);
	switch (c->kind) {
	case KMW_SINK_FILE:
		s->ops = &file_ops;
		s->stdout_fd = !strcmp(c->target, "-");
		snprintf(s->name, sizeof(s->name), "%s", s->stdout_fd ? "stdout" : c->target);
		break;
	case KMW_SINK_SYSLOG:
		s->ops = &syslog_ops;
		snprintf(s->name, sizeof(s->name), "syslog:%s", c->target);
		if (parse_target(s)) {
			free(s);
			errno = EINVAL;
			return NULL;
		}
		break;
	case KMW_SINK_JOURNAL:
#ifdef HAVE_LIBSYSTEMD
		s->ops = &journal_ops;
		snprintf(s->name, sizeof(s->name), "journald");
		break;
#else
		free(s);
		errno = ENOTSUP;
		return NULL;
#endif
	}
	/* a sink that cannot open now (no collector yet) retries like any failure */
	s->open_error = s->ops->open(s);
	if (s->open_error)
		s->next_retry_ms = now_ms() + 100;
	return s;
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

void sink_stats(const struct kmw_sink *s, struct kmw_sink_stats *out)
{
	*out = s->st;
	out->queued = s->qcount;
}

static int enqueue(struct kmw_sink *s, const char *msg, size_t len, int risk)
{
	struct pending *p;

	if (s->qbytes + len > s->c.queue_bytes) {
		s->st.dropped++;
		return -ENOBUFS;
	}
	if (s->qcount == s->qcap) {
		unsigned int ncap = s->qcap ? s->qcap * 2 : 64, i;
		struct pending *nq = malloc(ncap * sizeof(*nq));

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
	p->risk = risk;
	s->qcount++;
	s->qbytes += len;
	return 0;
}

static void failed(struct kmw_sink *s, int rc)
{
	s->st.failures++;
	s->st.last_error = rc;
	/* a busy reader is soon free again: no backoff for it */
	if (rc == -EAGAIN || rc == -EWOULDBLOCK) {
		s->next_retry_ms = now_ms() + 10;
		return;
	}
	/* a broken one: 100 ms, doubling to 30 s */
	s->backoff_ms = s->backoff_ms ? (s->backoff_ms * 2 > 30000 ? 30000 : s->backoff_ms * 2) : 100;
	s->next_retry_ms = now_ms() + s->backoff_ms;
}

/* Send the queue in order; stop at the first failure. */
static void flush(struct kmw_sink *s)
{
	int rc;

	while (s->qcount) {
		struct pending *p = &s->q[s->qhead];

		rc = s->ops->send(s, p->msg, p->len);
		if (rc) {
			failed(s, rc);
			return;
		}
		s->st.delivered++;
		s->qbytes -= p->len;
		free(p->msg);
		s->qhead = (s->qhead + 1) % s->qcap;
		s->qcount--;
	}
	s->backoff_ms = 0;
	s->next_retry_ms = 0;
}

int sink_emit(struct kmw_sink *s, const struct kmw_event *ev, const char *body, size_t len,
	      int risk_level)
{
	int rc;

	frame(s, ev, body, len, risk_level);
	if (s->frame.oom) {
		s->st.dropped++;
		return -ENOBUFS;
	}
	if (!s->qcount && now_ms() >= s->next_retry_ms) {
		rc = s->ops->send(s, s->frame.data, s->frame.len);
		if (!rc) {
			s->st.delivered++;
			s->backoff_ms = 0;
			return 0;
		}
		failed(s, rc);
		return enqueue(s, s->frame.data, s->frame.len, risk_level) ? -ENOBUFS : 1;
	}
	/* behind others: keep the order */
	rc = enqueue(s, s->frame.data, s->frame.len, risk_level);
	if (now_ms() >= s->next_retry_ms)
		flush(s);
	return rc ? -ENOBUFS : 1;
}

uint64_t sink_tick(struct kmw_sink *s)
{
	if (s->qcount && now_ms() >= s->next_retry_ms)
		flush(s);
	else if (!s->qcount && s->fd < 0 && s->c.kind == KMW_SINK_SYSLOG &&
		 now_ms() >= s->next_retry_ms && s->ops->open(s))
		failed(s, -ECONNREFUSED);
	return s->qcount;
}

int sink_reopen(struct kmw_sink *s)
{
	int rc;

	s->ops->close(s);
	rc = s->ops->open(s);
	if (!rc && s->qcount)
		flush(s);
	return rc;
}

uint64_t sink_drain(struct kmw_sink *s, unsigned int max_ms)
{
	uint64_t end = now_ms() + max_ms;

	while (s->qcount && now_ms() < end) {
		s->next_retry_ms = 0;
		flush(s);
		if (s->qcount)
			usleep(20000);
	}
	return s->qcount;
}

void sink_free(struct kmw_sink *s)
{
	if (!s)
		return;
	s->st.dropped += s->qcount;
	while (s->qcount) {
		free(s->q[s->qhead].msg);
		s->qhead = (s->qhead + 1) % s->qcap;
		s->qcount--;
	}
	free(s->q);
	s->ops->close(s);
	buf_free(&s->frame);
	free(s);
}
