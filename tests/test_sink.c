// SPDX-License-Identifier: GPL-2.0-or-later
/* test_sink.c - every sink kind through its normal, queue and fault paths: the memory sink
 * drives the common queue; files, unix, UDP and TCP syslog run against real endpoints */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "kmw_event.h"
#include "kmw_risk.h"
#include "kmw_sink.h"
#include "kmw_sink_memory.h"
#include "kmw_sink_syslog.h"
#include "helpers.h"

static char dir[] = "/tmp/kmw-test-sink.XXXXXX";

static struct kmw_event *event(int risk)
{
	static struct kmw_event ev;

	event_reset(&ev);
	ev.sc = KMW_SC_FINIT_MODULE;
	ev.sec = 1790000000;
	ev.msec = 123;
	ev.success = true;
	ev.has_exit = true;
	ev.risk_level = risk;
	event_set_str(&ev, &ev.mod_name, "dummy", 5);
	event_set_str(&ev, &ev.exe, "/usr/bin/kmod", 13);
	return &ev;
}

static struct kmw_sink *memory_sink(uint64_t queue_bytes, int severity)
{
	struct kmw_sink_conf c = { .kind = KMW_SINK_MEMORY,
				   .target = "t",
				   .severity = severity,
				   .queue_bytes = queue_bytes };
	struct kmw_sink *s = sink_new(&c);

	assert_non_null(s);
	return s;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void emit(struct kmw_sink *s, const char *body, int expect)
{
	assert_int_equal(sink_emit(s, event(KMW_RISK_MEDIUM), body, strlen(body)), expect);
}

/* delivered at once, in order, each framed once, with the severity of its risk */
static void memory_in_order(void **state)
{
	struct kmw_sink *s = memory_sink(0, -1);
	struct kmw_sink_stats st;
	char body[32];
	int i;

	(void)state;
	assert_string_equal(sink_name(s), "memory:t");
	for (i = 0; i < 10; i++) {
		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		emit(s, body, 0);
	}
	assert_int_equal(sink_memory_count(s), 10);
	for (i = 0; i < 10; i++) {
		snprintf(body, sizeof(body), "<%d>{\"n\":%d}", LOG_WARNING, i);
		assert_string_equal(sink_memory_message(s, (size_t)i, NULL), body);
	}
	assert_null(sink_memory_message(s, 10, NULL));
	sink_stats(s, &st);
	assert_int_equal(st.delivered, 10);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.dropped, 0);
	sink_free(s);
}

/* risk info, low, medium, high: info, notice, warning, crit; a fixed severity wins */
static void severity_from_risk(void **state)
{
	static const int want[] = { LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_CRIT };
	struct kmw_sink *s = memory_sink(0, -1), *fixed = memory_sink(0, LOG_ERR);
	char w[16];
	int r;

	(void)state;
	for (r = 0; r < 4; r++) {
		assert_int_equal(sink_emit(s, event(r), "x", 1), 0);
		assert_int_equal(sink_emit(fixed, event(r), "x", 1), 0);
		snprintf(w, sizeof(w), "<%d>x", want[r]);
		assert_string_equal(sink_memory_message(s, (size_t)r, NULL), w);
		snprintf(w, sizeof(w), "<%d>x", LOG_ERR);
		assert_string_equal(sink_memory_message(fixed, (size_t)r, NULL), w);
	}
	sink_free(s);
	sink_free(fixed);
}

/* a failing sink queues, backs off, then delivers everything once and in order */
static void memory_fault_then_recover(void **state)
{
	struct kmw_sink *s = memory_sink(0, -1);
	struct kmw_sink_stats st;
	char body[32];
	int i;

	(void)state;
	sink_memory_fail(s, -EIO, 1);
	emit(s, "{\"n\":0}", 1);
	for (i = 1; i < 5; i++) {
		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		emit(s, body, 1); /* behind the first: queued, never ahead of it */
	}
	sink_stats(s, &st);
	assert_int_equal(st.queued, 5);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.last_error, -EIO);
	assert_int_equal(sink_memory_count(s), 0);
	/* the backoff is 100 ms: a tick before does nothing */
	assert_int_equal(sink_tick(s), 5);
	sleep_ms(120);
	assert_int_equal(sink_tick(s), 0);
	assert_int_equal(sink_memory_count(s), 5);
	for (i = 0; i < 5; i++) {
		snprintf(body, sizeof(body), "<4>{\"n\":%d}", i);
		assert_string_equal(sink_memory_message(s, (size_t)i, NULL), body);
	}
	sink_stats(s, &st);
	assert_int_equal(st.delivered, 5);
	assert_int_equal(st.dropped, 0);
	sink_free(s);
}

/* EAGAIN is a busy reader: retried after 10 ms, no doubling backoff */
static void memory_busy_retries_soon(void **state)
{
	struct kmw_sink *s = memory_sink(0, -1);

	(void)state;
	sink_memory_fail(s, -EAGAIN, 1);
	emit(s, "a", 1);
	sleep_ms(20);
	assert_int_equal(sink_tick(s), 0);
	assert_int_equal(sink_memory_count(s), 1);
	sink_free(s);
}

/* the queue is bounded in bytes: what does not fit is dropped and counted, and
 * what still waits at the end is counted as dropped too */
static void memory_queue_bound(void **state)
{
	struct kmw_sink *s = memory_sink(10 * 8, -1); /* room for ten 8-byte frames */
	struct kmw_sink_stats st;
	int i, queued = 0, dropped = 0, rc;

	(void)state;
	sink_memory_fail(s, -ECONNREFUSED, -1);
	for (i = 0; i < 25; i++) {
		rc = sink_emit(s, event(KMW_RISK_MEDIUM), "{\"n\":0}", 5); /* "<4>" + 5 */
		if (rc == 1)
			queued++;
		else if (rc == -ENOBUFS)
			dropped++;
	}
	assert_int_equal(queued, 10);
	assert_int_equal(dropped, 15);
	sink_stats(s, &st);
	assert_int_equal(st.queued, 10);
	assert_int_equal(st.dropped, 15);
	/* draining a sink that never comes back gives up after the time it was given */
	assert_int_equal(sink_drain(s, 50), 10);
	sink_free(s);
}

/* sink_drain delivers what waits once the sink works again */
static void memory_drain(void **state)
{
	struct kmw_sink *s = memory_sink(0, -1);

	(void)state;
	sink_memory_fail(s, -EIO, 1);
	emit(s, "a", 1);
	emit(s, "b", 1);
	assert_int_equal(sink_drain(s, 1000), 0);
	assert_int_equal(sink_memory_count(s), 2);
	sink_free(s);
}

/* configurations a sink cannot take fail at once, with the reason */
static void bad_configurations(void **state)
{
	struct kmw_sink_conf c = { .kind = KMW_SINK_SYSLOG, .target = "bogus:x" };

	(void)state;
	errno = 0;
	assert_null(sink_new(&c));
	assert_int_equal(errno, EINVAL);
	c.target = "udp:127.0.0.1"; /* no port */
	assert_null(sink_new(&c));
	assert_int_equal(errno, EINVAL);
	c.target = "udp:127.0.0.1:514";
	c.rfc = 1234;
	assert_null(sink_new(&c));
	assert_int_equal(errno, EINVAL);
	memset(&c, 0, sizeof(c));
	c.kind = KMW_SINK_FILE;
	c.target = "";
	assert_null(sink_new(&c));
	assert_int_equal(errno, EINVAL);
	c.kind = (enum kmw_sink_kind)99;
	assert_null(sink_new(&c));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(sink_kind_name(KMW_SINK_FILE), "file");
	assert_string_equal(sink_kind_name(KMW_SINK_MEMORY), "memory");
	assert_null(sink_kind_name((enum kmw_sink_kind)99));
}

/* What the TLS settings are checked for before anything connects. */
static void tls_settings(void **state)
{
	char why[300];

	(void)state;
	/* no TLS in the destination: nothing to check */
	assert_int_equal(sink_tls_check("tcp:127.0.0.1:514", "/nonexistent", NULL, NULL, NULL, NULL,
					why, sizeof(why)),
			 0);
	assert_int_equal(sink_tls_check("tls:localhost:6514", "/nonexistent", NULL, NULL, NULL,
					NULL, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "/nonexistent"));
	assert_int_equal(sink_tls_check("tls:localhost:6514", NULL, NULL, NULL, "1.1", NULL, why,
					sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "1.2 or 1.3"));
	assert_int_equal(sink_tls_check("tls:localhost:6514", NULL, "/etc/hostname", NULL, NULL,
					NULL, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "--syslog-key"));
	assert_int_equal(sink_tls_check("tls:localhost:6514", NULL, NULL, NULL, NULL,
					"NO-SUCH-CIPHER", why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "cipher"));
	/* librelp would check no name without our certificate: refused, said why */
	assert_int_equal(sink_tls_check("relp+tls:localhost:2514", NULL, NULL, NULL, NULL, NULL,
					why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "client certificate"));
	assert_int_equal(sink_tls_check("tls:localhost:6514", NULL, NULL, NULL, "1.3", NULL, why,
					sizeof(why)),
			 0);
	assert_int_equal(sink_syslog_check("relp+tls:[::1]:2514", false, why, sizeof(why)), 0);
	assert_int_equal(sink_syslog_check("relp:host", false, why, sizeof(why)), -EINVAL);
	assert_int_equal(sink_syslog_check("tlsx:host:1", false, why, sizeof(why)), -EINVAL);
}

/* a file: one line per event with its prefix; size rotation keeps N generations */
static void file_lines_and_rotation(void **state)
{
	char path[256], p1[300], p2[300], p3[300];
	struct kmw_sink_conf c = { .kind = KMW_SINK_FILE,
				   .prefix = "@cee: ",
				   .group = (gid_t)-1,
				   .rotate_bytes = 40,
				   .rotate_keep = 2 };
	struct kmw_sink *s;
	struct stat st;
	int i;

	(void)state;
	snprintf(path, sizeof(path), "%s/events.json", dir);
	snprintf(p1, sizeof(p1), "%s.1", path);
	snprintf(p2, sizeof(p2), "%s.2", path);
	snprintf(p3, sizeof(p3), "%s.3", path);
	c.target = path;
	s = sink_new(&c);
	assert_non_null(s);
	assert_string_equal(sink_name(s), path);
	for (i = 0; i < 8; i++) {
		char body[32];

		snprintf(body, sizeof(body), "{\"n\":%d}", i); /* 6 + 7 + 1 = 14 bytes a line */
		emit(s, body, 0);
	}
	/* two lines a file (40 bytes): 6,7 in FILE, 4,5 in .1, 2,3 in .2, 0,1 gone */
	test_assert_file(path, "@cee: {\"n\":6}\n@cee: {\"n\":7}\n");
	test_assert_file(p1, "@cee: {\"n\":4}\n@cee: {\"n\":5}\n");
	test_assert_file(p2, "@cee: {\"n\":2}\n@cee: {\"n\":3}\n");
	assert_int_equal(stat(p3, &st), -1);
	/* logrotate renames the file away (create mode): the sink follows the name */
	assert_int_equal(rename(path, p3), 0);
	emit(s, "{\"n\":8}", 0);
	test_assert_file(path, "@cee: {\"n\":8}\n");
	sink_free(s);
	unlink(path);
	unlink(p1);
	unlink(p2);
	unlink(p3);
}

/* never through a symlink planted where the log goes */
static void file_refuses_symlink(void **state)
{
	char path[256];
	struct kmw_sink_conf c = { .kind = KMW_SINK_FILE, .group = (gid_t)-1 };
	struct kmw_sink *s;
	int err;

	(void)state;
	snprintf(path, sizeof(path), "%s/link.json", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	c.target = path;
	s = sink_new(&c);
	assert_non_null(s);
	assert_true(sink_stats_failed_open(s, &err));
	assert_int_equal(err, -ELOOP);
	emit(s, "x", 1); /* kept, not written through the link */
	sink_free(s);
	unlink(path);
}

/* a full disk: the write fails with ENOSPC, the message waits */
static void file_full_device(void **state)
{
	struct kmw_sink_conf c = { .kind = KMW_SINK_FILE,
				   .target = "/dev/full",
				   .group = (gid_t)-1 };
	struct kmw_sink *s = sink_new(&c);
	struct kmw_sink_stats st;

	(void)state;
	assert_non_null(s);
	emit(s, "x", 1);
	sink_stats(s, &st);
	assert_int_equal(st.last_error, -ENOSPC);
	assert_int_equal(st.queued, 1);
	sink_free(s);
}

/* a batch goes with one write; a failed one is taken back whole and each line waits, in order */
static void file_batch(void **state)
{
	char path[256], body[32];
	struct kmw_sink_conf c = { .kind = KMW_SINK_FILE, .group = (gid_t)-1 };
	struct kmw_sink *s;
	struct kmw_sink_stats st;
	int i;

	(void)state;
	snprintf(path, sizeof(path), "%s/batch.json", dir);
	c.target = path;
	s = sink_new(&c);
	assert_non_null(s);
	sink_batch_begin(s);
	for (i = 0; i < 3; i++) {
		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		emit(s, body, 0);
	}
	/* collected, not written yet */
	test_assert_file(path, "");
	assert_int_equal(sink_batch_end(s), 0);
	test_assert_file(path, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
	sink_stats(s, &st);
	assert_int_equal(st.delivered, 3);
	sink_free(s);
	unlink(path);

	c.target = "/dev/full";
	s = sink_new(&c);
	assert_non_null(s);
	sink_batch_begin(s);
	emit(s, "a", 0);
	emit(s, "b", 0);
	assert_int_equal(sink_batch_end(s), 1);
	sink_stats(s, &st);
	assert_int_equal(st.last_error, -ENOSPC);
	assert_int_equal(st.queued, 2);
	assert_int_equal(st.delivered, 0);
	/* while they wait, a new batch does not pass them: it queues behind */
	sink_batch_begin(s);
	emit(s, "c", 1);
	assert_int_equal(sink_batch_end(s), -ENODATA);
	sink_stats(s, &st);
	assert_int_equal(st.queued, 3);
	sink_free(s);
}

static int bound_socket(int type, struct sockaddr *a, socklen_t len)
{
	int fd = socket(a->sa_family, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, a, len), 0);
	return fd;
}

static void recv_into(int fd, char *out, size_t size)
{
	struct timeval tv = { 2, 0 };
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, out, size - 1, 0);
	assert_true(n > 0);
	out[n] = '\0';
}

/* a local socket gets what syslog(3) would send: no host, PRI from facility and risk */
static void syslog_unix(void **state)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct kmw_sink_conf c = { .kind = KMW_SINK_SYSLOG, .severity = -1, .app_name = "kmw" };
	char target[300], msg[512], want[64];
	struct kmw_sink *s;
	int fd;

	(void)state;
	snprintf(un.sun_path, sizeof(un.sun_path), "%s/log", dir);
	fd = bound_socket(SOCK_DGRAM, (struct sockaddr *)&un, sizeof(un));
	snprintf(target, sizeof(target), "unix:%s", un.sun_path);
	c.target = target;
	s = sink_new(&c);
	assert_non_null(s);
	assert_int_equal(sink_emit(s, event(KMW_RISK_HIGH), "{\"a\":1}", 7), 0);
	recv_into(fd, msg, sizeof(msg));
	snprintf(want, sizeof(want), "<%d>", LOG_DAEMON | LOG_CRIT);
	assert_memory_equal(msg, want, strlen(want));
	snprintf(want, sizeof(want), " kmw[%d]: {\"a\":1}", (int)getpid());
	assert_non_null(strstr(msg, want));
	sink_free(s);
	close(fd);
	unlink(un.sun_path);
}

/* UDP, RFC 5424: "<PRI>1 TIME HOST APP PID module - BODY" */
static void syslog_udp_5424(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(in);
	struct kmw_sink_conf c = { .kind = KMW_SINK_SYSLOG,
				   .severity = -1,
				   .rfc = 5424,
				   .facility = LOG_LOCAL3 };
	char target[64], msg[512], want[128];
	struct kmw_sink *s;
	int fd;

	(void)state;
	fd = bound_socket(SOCK_DGRAM, (struct sockaddr *)&in, sizeof(in));
	getsockname(fd, (struct sockaddr *)&in, &len);
	snprintf(target, sizeof(target), "udp:127.0.0.1:%u", ntohs(in.sin_port));
	c.target = target;
	s = sink_new(&c);
	assert_non_null(s);
	assert_int_equal(sink_emit(s, event(KMW_RISK_INFO), "{}", 2), 0);
	recv_into(fd, msg, sizeof(msg));
	snprintf(want, sizeof(want), "<%d>1 2026-09-21T", LOG_LOCAL3 | LOG_INFO);
	assert_memory_equal(msg, want, strlen(want));
	assert_non_null(strstr(msg, ".123Z "));
	snprintf(want, sizeof(want), " kmodwatch %d module - {}", (int)getpid());
	assert_non_null(strstr(msg, want));
	sink_free(s);
	close(fd);
}

static int tcp_listener(uint16_t port, uint16_t *out)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				  .sin_port = htons(port) };
	socklen_t len = sizeof(in);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(listen(fd, 4), 0);
	getsockname(fd, (struct sockaddr *)&in, &len);
	*out = ntohs(in.sin_port);
	return fd;
}

/* read what one connection sent until it has @want bytes */
static void read_stream(int fd, char *out, size_t want)
{
	size_t got = 0;

	while (got < want) {
		char tmp[512];
		ssize_t n;

		recv_into(fd, tmp, sizeof(tmp));
		n = (ssize_t)strlen(tmp);
		assert_true(got + (size_t)n <= want);
		memcpy(out + got, tmp, (size_t)n);
		got += (size_t)n;
	}
	out[got] = '\0';
}

/* TCP: octet counting; the collector dies, messages wait, a new one gets them in order */
static void syslog_tcp_reconnect(void **state)
{
	struct kmw_sink_conf c = { .kind = KMW_SINK_SYSLOG, .severity = LOG_INFO, .rfc = 3164 };
	char target[64], got[1024], *p;
	uint16_t port;
	int lfd = tcp_listener(0, &port), cfd, i;
	struct kmw_sink *s;
	struct kmw_sink_stats st;

	(void)state;
	snprintf(target, sizeof(target), "tcp:127.0.0.1:%u", port);
	c.target = target;
	s = sink_new(&c);
	assert_non_null(s);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	assert_int_equal(sink_emit(s, event(0), "{\"n\":1}", 7), 0);
	recv_into(cfd, got, sizeof(got));
	p = strchr(got, ' ');
	assert_non_null(p);
	assert_int_equal(strtoul(got, NULL, 10), strlen(p + 1)); /* "LEN MSG" */
	assert_non_null(strstr(p + 1, "{\"n\":1}"));
	/* the collector goes away */
	close(cfd);
	close(lfd);
	sleep_ms(50);
	for (i = 2; i <= 4; i++) {
		char body[32];

		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		sink_emit(s, event(0), body, strlen(body));
	}
	sink_stats(s, &st);
	assert_int_equal(st.queued, 3);
	assert_true(st.failures >= 1);
	/* it comes back on the same port: the next ticks reconnect and send all three */
	lfd = tcp_listener(port, &port);
	for (i = 0; i < 100 && sink_tick(s); i++)
		sleep_ms(50);
	assert_int_equal(sink_tick(s), 0);
	cfd = accept(lfd, NULL, NULL);
	assert_true(cfd >= 0);
	{
		/* three frames of equal length: "LEN <14>Mmm dd hh:mm:ss HOST kmodwatch[PID]: {..}" */
		size_t one;

		recv_into(cfd, got, 16);
		one = strtoul(got, NULL, 10) + (size_t)(strchr(got, ' ') - got) + 1;
		read_stream(cfd, got + strlen(got), 3 * one - strlen(got));
		assert_int_equal(strlen(got), 3 * one);
		assert_non_null(strstr(got, "{\"n\":2}"));
		assert_true(strstr(got, "{\"n\":2}") < strstr(got, "{\"n\":3}"));
		assert_true(strstr(got, "{\"n\":3}") < strstr(got, "{\"n\":4}"));
	}
	sink_stats(s, &st);
	assert_int_equal(st.delivered, 4);
	assert_int_equal(st.dropped, 0);
	sink_free(s);
	close(cfd);
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memory_in_order),
		cmocka_unit_test(severity_from_risk),
		cmocka_unit_test(memory_fault_then_recover),
		cmocka_unit_test(memory_busy_retries_soon),
		cmocka_unit_test(memory_queue_bound),
		cmocka_unit_test(memory_drain),
		cmocka_unit_test(bad_configurations),
		cmocka_unit_test(tls_settings),
		cmocka_unit_test(file_lines_and_rotation),
		cmocka_unit_test(file_refuses_symlink),
		cmocka_unit_test(file_full_device),
		cmocka_unit_test(file_batch),
		cmocka_unit_test(syslog_unix),
		cmocka_unit_test(syslog_udp_5424),
		cmocka_unit_test(syslog_tcp_reconnect),
	};
	int rc;

	if (!mkdtemp(dir))
		return 99;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
