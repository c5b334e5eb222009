// SPDX-License-Identifier: GPL-2.0-or-later
/* test_intake.c - what comes in and what is lost on the way: serials, the queue's overflow */
#include <setjmp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "kmw_lines.h"
#include "kmw_parse.h"
#include "kmw_queue.h"
#include "kmw_serials.h"

static void see_range(struct kmw_serials *t, uint32_t from, uint32_t to)
{
	uint32_t s;

	for (s = from; s != to; s++)
		serials_see(t, s);
}

static void serials_in_order(void **state)
{
	struct kmw_serials t;

	(void)state;
	serials_init(&t);
	see_range(&t, 100, 200);
	serials_settle(&t, t.top);
	assert_int_equal(t.lost, 0);
	assert_int_equal(t.late, 0);
}

static void serials_gaps_and_repeats(void **state)
{
	struct kmw_serials t;

	(void)state;
	serials_init(&t);
	see_range(&t, 10, 20);
	see_range(&t, 25, 30); /* 20..24 never came */
	serials_see(&t, 27);   /* a second record of an event: no change */
	serials_see(&t, 40);   /* 30..39 never came */
	serials_settle(&t, t.top);
	assert_int_equal(t.lost, 5 + 10);
	serials_see(&t, 22); /* after settling: late, not a correction */
	assert_int_equal(t.late, 1);
	assert_int_equal(t.lost, 15);
}

static void serials_out_of_order(void **state)
{
	struct kmw_serials t;

	(void)state;
	serials_init(&t);
	/* CPUs interleave: 5 comes after 6 and 7; records of 5 keep coming */
	serials_see(&t, 4);
	serials_see(&t, 6);
	serials_see(&t, 7);
	serials_see(&t, 5);
	serials_see(&t, 5);
	serials_see(&t, 8);
	serials_settle(&t, t.top);
	assert_int_equal(t.lost, 0);
	assert_int_equal(t.late, 0);
}

static void serials_rollover(void **state)
{
	struct kmw_serials t;

	(void)state;
	serials_init(&t);
	see_range(&t, UINT32_MAX - 5, 3); /* ... 4294967295, 0, 1, 2 */
	serials_see(&t, 5);		  /* 3 and 4 never came */
	serials_settle(&t, t.top);
	assert_int_equal(t.lost, 2);
	assert_int_equal(t.top, 6);
}

static void serials_far_jump(void **state)
{
	struct kmw_serials t;

	(void)state;
	serials_init(&t);
	see_range(&t, 1000, 1010);
	/* far past the window: all between is lost, counted without a walk */
	serials_see(&t, 1010 + 3 * KMW_SERIAL_WINDOW);
	serials_settle(&t, t.top);
	assert_int_equal(t.lost, 3 * KMW_SERIAL_WINDOW);
}

static void serials_window_slides(void **state)
{
	struct kmw_serials t;

	(void)state;
	serials_init(&t);
	serials_see(&t, 0);
	see_range(&t, 2, KMW_SERIAL_WINDOW + 10); /* 1 never came */
	/* 1 fell out of the window: settled lost without an explicit settle */
	assert_int_equal(t.lost, 1);
	serials_settle(&t, t.top);
	assert_int_equal(t.lost, 1);
}

static void serials_header(void **state)
{
	static const char ok[] = "audit(1795818230.329:4294967295): arch=c000003e";
	static const char bad[] = "audit(1795818230.329:4294967296): x";
	uint32_t serial;
	int64_t sec;

	(void)state;
	assert_true(serials_of_record(ok, sizeof(ok) - 1, &serial, &sec));
	assert_int_equal(serial, UINT32_MAX);
	assert_int_equal(sec, 1795818230);
	assert_false(serials_of_record(bad, sizeof(bad) - 1, &serial, &sec));
	assert_false(serials_of_record("audit(1.2)", 10, &serial, &sec));
	assert_false(serials_of_record("type=x", 6, &serial, &sec));
	/* found by fuzz_records: seconds long enough to overflow */
	assert_false(serials_of_record("audit(89766666666666666666.1:2): ", 33, &serial, &sec));
}

#define CALL                                                                    \
	"type=SYSCALL msg=audit(1795818230.329:%u): arch=c000003e syscall=313 " \
	"success=no exit=-38 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 comm=\"m\" key=\"k\"\n"
#define EXEC                                                                   \
	"type=SYSCALL msg=audit(1795818230.329:%u): arch=c000003e syscall=59 " \
	"success=yes exit=0 a0=3 a1=0 a2=0 a3=0 items=2 ppid=1 pid=2 comm=\"sh\" key=\"k\"\n"
#define TITLE "type=PROCTITLE msg=audit(1795818230.329:%u): proctitle=6D\n"

static void count_calls(void **state)
{
	char buf[4096];
	uint64_t lines;
	int n;

	(void)state;
	n = snprintf(buf, sizeof(buf), CALL TITLE EXEC CALL "garbage\n" TITLE, 1, 1, 2, 3, 3);
	assert_int_equal(lines_count_calls(buf, (size_t)n, &lines), 2);
	assert_int_equal(lines, 6);
	/* a last line without its newline counts too */
	n = snprintf(buf, sizeof(buf), TITLE CALL, 1, 2);
	assert_int_equal(lines_count_calls(buf, (size_t)n - 1, &lines), 1);
	assert_int_equal(lines, 2);
}

/* A writer with @total events (a module call and its PROCTITLE each), that never waits. */
struct writer {
	unsigned int next, total;
};

static ssize_t fill_events(void *arg, char *buf, size_t cap, int stop_fd)
{
	struct writer *w = arg;
	size_t used = 0;
	int n;

	(void)stop_fd;
	while (w->next < w->total && cap - used > 512) {
		n = snprintf(buf + used, cap - used, CALL TITLE, w->next, w->next);
		used += (size_t)n;
		w->next++;
	}
	return (ssize_t)used;
}

static void queue_counts_what_it_drops(void **state)
{
	struct kmw_queue *q = calloc(1, sizeof(*q));
	struct writer w = { .total = 20000 }; /* about 4.6 MB of lines */
	struct kmw_queue_stats st;
	struct kmw_chunk *c;
	uint64_t lines = 0, calls = 0, l;
	int rc;

	(void)state;
	assert_non_null(q);
	/* one chunk: nobody takes anything until the writer is done */
	assert_int_equal(queue_start(q, fill_events, &w, 1, false, NULL), 0);
	for (;;) {
		bool done;

		pthread_mutex_lock(&q->lock);
		done = q->eof;
		pthread_mutex_unlock(&q->lock);
		if (done)
			break;
		usleep(10000);
	}
	st = queue_stats(q);
	assert_true(st.overflows > 0);
	assert_int_equal(st.peak_chunks, 1);
	while ((rc = queue_peek(q, &c)) > 0) {
		calls += lines_count_calls(c->data, c->len, &l);
		lines += l;
		queue_release(q);
	}
	assert_int_equal(rc, -1);
	/* every line is either queued or counted as dropped, and so is every call */
	assert_int_equal(lines + st.dropped_lines, 2 * w.total);
	assert_int_equal(calls + st.dropped_calls, w.total);
	assert_int_equal(st.dropped_calls * 2, st.dropped_lines);
	queue_stop(q);
	free(q);
}

/*
 * The reader's chunk is the pipeline's once published: it may be drained and
 * unmapped at once, so what is left of a partial line must be copied out of
 * it before. This test makes that moment certain. mmap is wrapped
 * (-Wl,--wrap=mmap): when the reader maps a chunk for the eleventh time, ten
 * chunks were published, and the pipeline now takes all of them, unmapping
 * those past the spares, before the reader goes on. A reader that still
 * reads the chunk it handed over dies here.
 */
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int maps;
	bool armed, drain, drained;
} hook = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false, false, false };

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	pthread_mutex_lock(&hook.lock);
	if (hook.armed && len == sizeof(struct kmw_chunk) && ++hook.maps == 11) {
		hook.drain = true;
		pthread_cond_broadcast(&hook.cond);
		while (!hook.drained)
			pthread_cond_wait(&hook.cond, &hook.lock);
	}
	pthread_mutex_unlock(&hook.lock);
	return __real_mmap(addr, len, prot, flags, fd, off);
}

/* A stream of numbered lines, read in whole chunks: every read ends inside a line. */
struct stream {
	char line[64];
	size_t at, len;
	unsigned int n, total;
};

static ssize_t fill_stream(void *arg, char *buf, size_t cap, int stop_fd)
{
	struct stream *s = arg;
	size_t used = 0, k;

	(void)stop_fd;
	while (used < cap) {
		if (s->at == s->len) {
			if (s->n == s->total)
				break;
			s->len = (size_t)snprintf(
				s->line, sizeof(s->line),
				"type=PROCTITLE msg=audit(1.1:%u): proctitle=41\n", s->n++);
			s->at = 0;
		}
		k = s->len - s->at < cap - used ? s->len - s->at : cap - used;
		memcpy(buf + used, s->line + s->at, k);
		s->at += k;
		used += k;
	}
	return (ssize_t)used;
}

/* Check that the chunk holds the next lines, whole and in order. */
static void take_lines(const struct kmw_chunk *c, unsigned int *expect)
{
	const char *p = c->data, *end = c->data + c->len, *nl;
	unsigned int v;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(nl);
		assert_int_equal(sscanf(p, "type=PROCTITLE msg=audit(1.1:%u):", &v), 1);
		assert_int_equal(v, *expect);
		(*expect)++;
	}
}

static void queue_partial_line_after_handover(void **state)
{
	struct kmw_queue *q = calloc(1, sizeof(*q));
	struct stream s = { .total = 100000 }; /* about 20 chunks */
	struct kmw_chunk *c;
	unsigned int expect = 0;
	int rc;

	(void)state;
	assert_non_null(q);
	pthread_mutex_lock(&hook.lock);
	hook.armed = true;
	pthread_mutex_unlock(&hook.lock);
	assert_int_equal(queue_start(q, fill_stream, &s, 64, false, NULL), 0);
	pthread_mutex_lock(&hook.lock);
	while (!hook.drain)
		pthread_cond_wait(&hook.cond, &hook.lock);
	pthread_mutex_unlock(&hook.lock);
	/* the reader waits in mmap: take every chunk it published */
	while (queue_peek(q, &c) > 0) {
		take_lines(c, &expect);
		queue_release(q);
	}
	assert_true(expect > 0);
	pthread_mutex_lock(&hook.lock);
	hook.drained = true;
	hook.armed = false;
	pthread_cond_broadcast(&hook.cond);
	pthread_mutex_unlock(&hook.lock);
	while ((rc = queue_peek(q, &c)) >= 0) {
		if (!rc) {
			usleep(1000);
			continue;
		}
		take_lines(c, &expect);
		queue_release(q);
	}
	assert_int_equal(expect, s.total);
	assert_int_equal(queue_stats(q).dropped_lines, 0);
	queue_stop(q);
	free(q);
}

struct ima_seen {
	unsigned int events, attested;
};

static void on_ima_event(struct kmw_event *ev, void *arg)
{
	struct ima_seen *s = arg;

	s->events++;
	s->attested += ev->ima.src == KMW_IMA_RECORD;
}

/*
 * IMA logs its INTEGRITY_RULE while the module is read, and the SYSCALL record comes only
 * when the call returns, after the module's init: on a busy host thousands of records of
 * other events (each with its PROCTITLE, kept a while too) come in between. The record
 * still joins its event through the prefilter.
 */
static void prefilter_keeps_early_ima(void **state)
{
	static struct kmw_lines l;
	struct ima_seen seen = { 0 };
	struct kmw_parser *p = parse_new(on_ima_event, &seen, "h");
	char line[512];
	int i, n;

	(void)state;
	assert_non_null(p);
	lines_init(&l, &parse_lines_ops, p, true);
	n = snprintf(line, sizeof(line),
		     "type=INTEGRITY_RULE msg=audit(1796192457.464:50000): "
		     "file=\"/mods/x.ko\" hash=\"sha256:%064d\" ppid=1 pid=7 uid=0\n",
		     0);
	lines_push(&l, line, (size_t)n);
	for (i = 0; i < 20000; i++) {
		n = snprintf(line, sizeof(line), "type=%s msg=audit(1796192457.465:%d): a=b\n",
			     i % 2 ? "PROCTITLE" : "CWD", 60000 + i / 2);
		lines_push(&l, line, (size_t)n);
	}
	n = snprintf(line, sizeof(line),
		     "type=SYSCALL msg=audit(1796192457.464:50000): "
		     "arch=c000003e syscall=313 success=yes exit=0 a0=3 a1=0 a2=0 a3=0 items=0 "
		     "ppid=1 pid=7 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
		     "tty=(none) ses=1 comm=\"insmod\" exe=\"/usr/bin/kmod\" key=\"k\"\n"
		     "type=EOE msg=audit(1796192457.464:50000): \n");
	lines_push(&l, line, (size_t)n);
	lines_finish(&l);
	parse_free(p);
	assert_int_equal(seen.events, 1);
	assert_int_equal(seen.attested, 1);
}

struct orphan_seen {
	unsigned int orphans, events, attested;
};

static void on_orphan(void *arg, const char *line, size_t len)
{
	(void)line;
	(void)len;
	((struct orphan_seen *)arg)->orphans++;
}

static void on_record_count(void *arg, const char *line, size_t len)
{
	struct orphan_seen *s = arg;

	(void)len;
	s->events += !strncmp(line, "type=SYSCALL", 12);
	s->attested += !strncmp(line, "type=INTEGRITY_RULE", 19);
}

/*
 * Live, an INTEGRITY_RULE whose SYSCALL does not come is told once it is old enough and a
 * record of a later serial came (else the SYSCALL may merely be on its way: the caller can
 * bring one); it stays, and joins its SYSCALL if that comes late after all.
 */
static void orphan_ima_live(void **state)
{
	static struct kmw_lines l;
	struct kmw_lines_ops ops = { .record = on_record_count, .orphan = on_orphan };
	struct orphan_seen seen = { 0 };
	const char ima[] = "type=INTEGRITY_RULE msg=audit(1796192457.464:500): file=\"/m/x.ko\" "
			   "hash=\"sha256:00\" pid=7\n";
	const char other[] = "type=CWD msg=audit(1796192458.000:501): cwd=\"/\"\n";
	const char late[] = "type=SYSCALL msg=audit(1796192457.464:500): arch=c000003e syscall=313 "
			    "success=yes exit=0 a0=3 a1=0 a2=0 a3=0 items=0 ppid=1 pid=7\n"
			    "type=EOE msg=audit(1796192457.464:500): \n";

	(void)state;
	lines_init(&l, &ops, &seen, true);
	lines_set_clock(&l, 1000);
	lines_push(&l, ima, sizeof(ima) - 1);
	/* young: nothing; a second old and no later serial: one waits for it */
	lines_set_clock(&l, 1500);
	assert_int_equal(lines_orphans(&l, 6000), 0);
	lines_set_clock(&l, 2500);
	assert_int_equal(lines_orphans(&l, 6000), 1);
	lines_push(&l, other, sizeof(other) - 1);
	assert_int_equal(lines_orphans(&l, 6000), 0);
	assert_int_equal(seen.orphans, 0);
	/* old enough, a later serial came: told, once */
	lines_set_clock(&l, 7100);
	assert_int_equal(lines_orphans(&l, 6000), 0);
	assert_int_equal(seen.orphans, 1);
	lines_set_clock(&l, 9000);
	lines_orphans(&l, 6000);
	assert_int_equal(seen.orphans, 1);
	/* the SYSCALL, late after all: the record joins it */
	lines_push(&l, late, sizeof(late) - 1);
	lines_finish(&l);
	assert_int_equal(seen.events, 1);
	assert_int_equal(seen.attested, 1);
	assert_int_equal(seen.orphans, 1);
}

/* Reading a log there is no clock: an orphan is told when it expires, or at the end. */
static void orphan_ima_log(void **state)
{
	static struct kmw_lines l;
	struct kmw_lines_ops ops = { .record = on_record_count, .orphan = on_orphan };
	struct orphan_seen seen = { 0 };
	const char ima[] = "type=INTEGRITY_RULE msg=audit(1796192457.464:500): file=\"/m/x.ko\" "
			   "hash=\"sha256:00\" pid=7\n";

	(void)state;
	lines_init(&l, &ops, &seen, true);
	lines_push(&l, ima, sizeof(ima) - 1);
	assert_int_equal(lines_orphans(&l, 6000), 0);
	assert_int_equal(seen.orphans, 0);
	lines_finish(&l);
	assert_int_equal(seen.orphans, 1);
	assert_int_equal(seen.attested, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(serials_in_order),
		cmocka_unit_test(serials_gaps_and_repeats),
		cmocka_unit_test(serials_out_of_order),
		cmocka_unit_test(serials_rollover),
		cmocka_unit_test(serials_far_jump),
		cmocka_unit_test(serials_window_slides),
		cmocka_unit_test(serials_header),
		cmocka_unit_test(count_calls),
		cmocka_unit_test(prefilter_keeps_early_ima),
		cmocka_unit_test(orphan_ima_live),
		cmocka_unit_test(orphan_ima_log),
		cmocka_unit_test(queue_counts_what_it_drops),
		cmocka_unit_test(queue_partial_line_after_handover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
