// SPDX-License-Identifier: GPL-2.0-or-later
/* lines.c - split audit text into records, reject what is not one, pass module events on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "kmw_decode.h"
#include "kmw_lines.h"

/* an early record older than this many lines belongs to no SYSCALL record that comes now */
#define EARLY_LINES 64

void lines_init(struct kmw_lines *l, const struct kmw_lines_ops *ops, void *arg, bool prefilter)
{
	memset(l, 0, offsetof(struct kmw_lines, carry));
	if (ops)
		l->ops = *ops;
	l->arg = arg;
	l->prefilter = prefilter;
}

void lines_set_bad(struct kmw_lines *l, kmw_bad_line_fn bad, void *arg)
{
	l->bad = bad;
	l->bad_arg = arg;
}

void lines_set_input(struct kmw_lines *l, const char *name)
{
	l->input = name;
	l->lineno = 0;
}

static bool digits(const char **p, const char *end)
{
	const char *s = *p;

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return *p > s;
}

const char *lines_parse_record(const char *line, size_t len, struct kmw_rec *r)
{
	const char *p = line, *end = line + len, *q;

	r->node = NULL;
	r->nodelen = 0;
	if (memchr(line, '\0', len))
		return "NUL byte in the line";
	if (len >= 5 && !memcmp(p, "node=", 5)) {
		q = memchr(p, ' ', len);
		if (!q)
			return "node= without a record";
		r->node = p + 5;
		r->nodelen = (size_t)(q - r->node);
		p = q + 1;
	}
	if (end - p < 5 || memcmp(p, "type=", 5))
		return "no type= field: not an audit record";
	p += 5;
	r->type = p;
	q = memchr(p, ' ', (size_t)(end - p));
	if (!q)
		return "truncated after type=";
	r->typelen = (size_t)(q - p);
	p = q + 1;
	if (end - p < 10 || memcmp(p, "msg=audit(", 10))
		return "no msg=audit( field";
	p += 10;
	r->id = p;
	if (!digits(&p, end) || p >= end || *p++ != '.' || !digits(&p, end) || p >= end ||
	    *p++ != ':' || !digits(&p, end) || p >= end || *p != ')')
		return "malformed event id in msg=audit(...)";
	r->idlen = (size_t)(p - r->id);
	p++;
	if (end - p < 1 || *p != ':')
		return "truncated after the event id";
	r->body = p + 1;
	return NULL;
}

bool lines_rec_is(const struct kmw_rec *r, const char *t)
{
	size_t n = strlen(t);

	return r->typelen == n && !memcmp(r->type, t, n);
}

size_t lines_rec_key(const struct kmw_rec *r, char *key)
{
	size_t n = r->nodelen ? r->nodelen + 1 : 0;

	if (n + r->idlen > KMW_ID_MAX)
		return 0;
	if (r->nodelen) {
		memcpy(key, r->node, r->nodelen);
		key[r->nodelen] = ' ';
	}
	memcpy(key + n, r->id, r->idlen);
	return n + r->idlen;
}

enum kmw_syscall lines_syscall_of(const char *body, const char *end, uint32_t *arch_out)
{
	const char *p = body;
	uint64_t arch = 0;
	long nr = 0;

	while (p < end && *p == ' ')
		p++;
	if (end - p < 5 || memcmp(p, "arch=", 5))
		return KMW_SC_NONE;
	for (p += 5; p < end && *p != ' '; p++) {
		int v = (*p >= '0' && *p <= '9')   ? *p - '0'
			: (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
			: (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10
						   : -1;
		if (v < 0 || arch >> 60)
			return KMW_SC_NONE;
		arch = arch << 4 | (uint64_t)v;
	}
	/* the kernel writes syscall= right after arch=; anything else in between is odd, but looked past */
	if (end - p < 9 || memcmp(p, " syscall=", 9)) {
		p = memmem(p, (size_t)(end - p), " syscall=", 9);
		if (!p)
			return KMW_SC_NONE;
	}
	for (p += 9; p < end && *p >= '0' && *p <= '9' && nr < 100000; p++)
		nr = nr * 10 + (*p - '0');
	if (arch > UINT32_MAX)
		return KMW_SC_NONE;
	if (arch_out)
		*arch_out = (uint32_t)arch;
	return decode_syscall((uint32_t)arch, (int)nr);
}

static bool module_syscall(const char *body, const char *end)
{
	return lines_syscall_of(body, end, NULL) != KMW_SC_NONE;
}

uint64_t lines_count_calls(const char *data, size_t len, uint64_t *lines)
{
	const char *end = data + len, *nl;
	struct kmw_rec r;
	uint64_t calls = 0;
	size_t n;

	*lines = 0;
	while (data < end) {
		nl = memchr(data, '\n', (size_t)(end - data));
		n = (size_t)((nl ? nl : end) - data);
		(*lines)++;
		if (n <= KMW_LINE_MAX && !lines_parse_record(data, n, &r) &&
		    lines_rec_is(&r, "SYSCALL") && module_syscall(r.body, data + n))
			calls++;
		data += n + 1;
	}
	return calls;
}

static void pass(struct kmw_lines *l, const char *line, size_t len)
{
	l->stats.passed++;
	if (l->ops.record)
		l->ops.record(l->arg, line, len);
}

static int open_find(struct kmw_lines *l, const char *key, size_t len)
{
	unsigned int i;

	for (i = 0; i < l->nopen; i++)
		if (l->open[i].len == len && !memcmp(l->open[i].id, key, len))
			return (int)i;
	return -1;
}

static void open_del(struct kmw_lines *l, unsigned int i)
{
	free(l->open[i].held);
	l->open[i] = l->open[--l->nopen];
}

/*
 * End open event @i: a PROCTITLE that came before its SYSCALL goes now, and
 * then an EOE record made for it, so that the parser completes it rather than
 * keep it (and scan it for every record) until the log's time moves on.
 */
static void open_end(struct kmw_lines *l, unsigned int i)
{
	struct kmw_open_id *o = &l->open[i];
	int n;

	if (o->held)
		pass(l, o->held, o->heldlen);
	if (o->nodelen)
		n = snprintf(l->eoe, sizeof(l->eoe),
			     "node=%.*s type=EOE msg=audit(%.*s): ", (int)o->nodelen, o->id,
			     (int)(o->len - o->nodelen - 1), o->id + o->nodelen + 1);
	else
		n = snprintf(l->eoe, sizeof(l->eoe), "type=EOE msg=audit(%.*s): ", (int)o->len,
			     o->id);
	if (n > 0 && (size_t)n < sizeof(l->eoe))
		pass(l, l->eoe, (size_t)n);
	l->stats.evicted++;
	open_del(l, i);
}

static struct kmw_open_id *open_add(struct kmw_lines *l, const char *key, size_t len,
				    size_t nodelen)
{
	unsigned int i, oldest = 0;
	struct kmw_open_id *o;

	/* what should have ended long ago is ended; when full, the oldest */
	for (i = 0; i < l->nopen; i++)
		if (l->open[i].expires < l->seq)
			open_end(l, i--);
	if (l->nopen == KMW_OPEN_MAX) {
		for (i = 1; i < l->nopen; i++)
			if (l->open[i].expires < l->open[oldest].expires)
				oldest = i;
		open_end(l, oldest);
	}
	o = &l->open[l->nopen++];
	memcpy(o->id, key, len);
	o->len = (uint16_t)len;
	o->nodelen = (uint16_t)nodelen;
	o->expires = l->seq + KMW_OPEN_WINDOW;
	o->held = NULL;
	o->heldlen = 0;
	o->syscall = false;
	return o;
}

static void early_own(struct kmw_early *e)
{
	if (e->owned || !e->line)
		return;
	if (e->linelen > sizeof(e->buf)) {
		e->line = NULL; /* too long to keep: it goes as if it had not come */
		return;
	}
	memcpy(e->buf, e->line, e->linelen);
	e->line = e->buf;
	e->owned = true;
}

/*
 * How long an early record may wait for its SYSCALL record, in lines: an INTEGRITY_RULE
 * comes while the module is read, before its init runs (seconds, for a driver that
 * probes hardware), and the SYSCALL only when the call returns; the rest come close.
 */
static uint64_t early_ttl(const struct kmw_early *e)
{
	return e->ima ? KMW_OPEN_WINDOW : EARLY_LINES;
}

/* the serial of a record's event: the digits after the ':' of its id */
static uint64_t rec_serial(const struct kmw_rec *r)
{
	const char *p = memchr(r->id, ':', r->idlen), *end = r->id + r->idlen;
	uint64_t v = 0;

	for (p = p ? p + 1 : end; p < end && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

static void tell_orphan(struct kmw_lines *l, struct kmw_early *e)
{
	e->told = true;
	if (l->ops.orphan)
		l->ops.orphan(l->arg, e->line, e->linelen);
}

/*
 * An early record goes for good: an INTEGRITY_RULE whose SYSCALL never came is told first,
 * reading logs (live, lines_orphans has told it by its time, or it came too late to tell).
 */
static void early_expire(struct kmw_lines *l, struct kmw_early *e)
{
	if (e->ima && !e->told && !l->now_ms && e->line)
		tell_orphan(l, e);
}

/* A record of an event not known to be a module call's: kept a while, in case its SYSCALL follows. */
static void early_add(struct kmw_lines *l, const char *key, size_t klen, const struct kmw_rec *r,
		      const char *line, size_t len, bool transient)
{
	struct kmw_early *e = NULL, *c;
	unsigned int i;

	/* a free place, else an expired one, else the oldest that is no IMA record, else the oldest */
	for (i = 0; i < KMW_EARLY_MAX && !e; i++) {
		c = &l->early[i];
		if (!c->line || c->seq + early_ttl(c) < l->seq)
			e = c;
	}
	if (e && e->line)
		early_expire(l, e);
	for (i = 0; i < KMW_EARLY_MAX && !e; i++) {
		c = &l->early[i];
		if (!c->ima && (!e || c->seq < e->seq))
			e = c;
	}
	for (i = 0; i < KMW_EARLY_MAX && !e; i++) {
		c = &l->early[i];
		if (!e || c->seq < e->seq)
			e = c;
	}
	if (e->line)
		early_expire(l, e);
	if (!e->line)
		l->nearly++;
	memcpy(e->id, key, klen);
	e->len = (uint16_t)klen;
	e->proctitle = lines_rec_is(r, "PROCTITLE");
	e->ima = lines_rec_is(r, "INTEGRITY_RULE");
	e->told = false;
	e->serial = rec_serial(r);
	e->ms = l->now_ms;
	e->seq = l->seq;
	e->line = line;
	e->linelen = len;
	e->owned = false;
	if (transient)
		early_own(e);
	if (!e->line)
		l->nearly--;
}

/* The SYSCALL record of a module call came: its records that came before go after it. */
static void early_take(struct kmw_lines *l, struct kmw_open_id *o)
{
	struct kmw_early *e, *next;
	unsigned int k;

	for (;;) {
		/* oldest first: the order they came in */
		for (k = 0, next = NULL; k < KMW_EARLY_MAX; k++) {
			e = &l->early[k];
			if (e->line && e->len == o->len && !memcmp(e->id, o->id, o->len) &&
			    e->seq + early_ttl(e) >= l->seq && (!next || e->seq < next->seq))
				next = e;
		}
		if (!next)
			return;
		l->stats.early++;
		if (!next->proctitle) {
			pass(l, next->line, next->linelen);
		} else if (!o->held) {
			/* a PROCTITLE ends its event: it goes last, when the event ends */
			o->held = malloc(next->linelen);
			if (o->held) {
				memcpy(o->held, next->line, next->linelen);
				o->heldlen = next->linelen;
			}
		}
		next->line = NULL;
		l->nearly--;
	}
}

static void bad_line(struct kmw_lines *l, const char *why, const char *line, size_t len)
{
	l->stats.bad_lines++;
	if (!l->bad)
		return;
	if (l->stats.bad_lines <= KMW_BAD_SHOWN)
		l->bad(l->bad_arg, l->input ? l->input : "input", l->lineno, why, line, len);
	else if (l->stats.bad_lines == KMW_BAD_SHOWN + 1)
		l->bad(l->bad_arg, l->input ? l->input : "input", l->lineno, KMW_BAD_MORE, line,
		       len);
}

static void count_line(struct kmw_lines *l)
{
	l->stats.lines++;
	l->lineno++;
	l->seq++;
}

/* One line. @transient: it lives in the carry buffer, which the next line overwrites. */
static void take_line(struct kmw_lines *l, const char *line, size_t len, bool transient)
{
	char key[KMW_ID_MAX];
	const char *why;
	struct kmw_open_id *o;
	struct kmw_rec r;
	size_t klen;
	uint64_t serial;
	bool closed = false;
	int i;

	count_line(l);
	if (len && line[len - 1] == '\r')
		len--;
	if (!len)
		return;
	/* the same limit whether the line came whole in one chunk or was carried */
	why = len > KMW_LINE_MAX ? "line too long" : lines_parse_record(line, len, &r);
	if (why) {
		bad_line(l, why, line, len);
		return;
	}
	l->stats.records++;
	if (!l->prefilter) {
		pass(l, line, len);
		return;
	}
	klen = lines_rec_key(&r, key);
	if (!klen)
		return; /* a node name past what libauparse reads: not an event it could keep */
	serial = rec_serial(&r);
	if (!r.nodelen && serial > l->max_serial)
		l->max_serial = serial;
	if (lines_rec_is(&r, "SYSCALL")) {
		i = l->nopen ? open_find(l, key, klen) : -1;
		/* a module call's, or the call of an event a record of its own opened */
		if (i < 0 && !module_syscall(r.body, line + len))
			return;
		o = i >= 0 ? &l->open[i] : open_add(l, key, klen, r.nodelen);
		o->syscall = true;
		pass(l, line, len);
		if (l->nearly)
			early_take(l, o);
		return;
	}
	i = l->nopen ? open_find(l, key, klen) : -1;
	/*
	 * KERN_MODULE belongs to module calls alone, and comes after its SYSCALL: without one
	 * the SYSCALL was lost, and what came is still the event's. A change of audit's own
	 * configuration comes before the SYSCALL of the call that made it.
	 */
	if (i < 0 && (lines_rec_is(&r, "KERN_MODULE") || lines_rec_is(&r, "CONFIG_CHANGE"))) {
		o = open_add(l, key, klen, r.nodelen);
		pass(l, line, len);
		if (l->nearly)
			early_take(l, o);
		return;
	}
	if (i < 0) {
		/* records the events of module calls need, in case their SYSCALL comes next */
		if (lines_rec_is(&r, "PROCTITLE") || lines_rec_is(&r, "INTEGRITY_RULE"))
			early_add(l, key, klen, &r, line, len, transient);
		return;
	}
	o = &l->open[i];
	/* before its SYSCALL, a PROCTITLE ends nothing (records can come out of order): it
	 * goes last, when the event ends */
	if (!o->syscall && lines_rec_is(&r, "PROCTITLE")) {
		if (!o->held && (o->held = malloc(len))) {
			memcpy(o->held, line, len);
			o->heldlen = len;
		}
		return;
	}
	/* PROCTITLE ends a syscall event, EOE where there is one */
	if (lines_rec_is(&r, "PROCTITLE") || lines_rec_is(&r, "EOE")) {
		if (o->held && lines_rec_is(&r, "EOE"))
			pass(l, o->held, o->heldlen);
		open_del(l, (unsigned int)i);
		closed = true;
	}
	pass(l, line, len);
	/*
	 * Whatever completes events holds one until a later record shows it
	 * complete. With no other module event open, nothing it holds can still
	 * grow: complete it now, not when the next one comes.
	 */
	if (closed && !l->nopen && l->ops.settle)
		l->ops.settle(l->arg);
}

void lines_push(struct kmw_lines *l, const char *data, size_t len)
{
	const char *nl, *end = data + len;
	unsigned int i;

	while (data < end) {
		nl = memchr(data, '\n', (size_t)(end - data));
		if (!nl) {
			size_t n = (size_t)(end - data);

			if (l->skipping)
				break;
			if (l->carry_len + n > sizeof(l->carry)) {
				count_line(l);
				bad_line(l, "line too long", l->carry, l->carry_len);
				l->carry_len = 0;
				l->skipping = true;
				break;
			}
			memcpy(l->carry + l->carry_len, data, n);
			l->carry_len += n;
			break;
		}
		if (l->skipping) {
			l->skipping = false;
		} else if (l->carry_len) {
			size_t n = (size_t)(nl - data);

			if (l->carry_len + n > sizeof(l->carry)) {
				count_line(l);
				bad_line(l, "line too long", l->carry, l->carry_len);
			} else {
				memcpy(l->carry + l->carry_len, data, n);
				take_line(l, l->carry, l->carry_len + n, true);
			}
		} else {
			take_line(l, data, (size_t)(nl - data), false);
		}
		l->carry_len = 0;
		data = nl + 1;
	}
	/* the text pushed is the caller's only until we return */
	for (i = 0; l->nearly && i < KMW_EARLY_MAX; i++) {
		struct kmw_early *e = &l->early[i];

		if (e->line && !e->owned) {
			early_own(e);
			if (!e->line)
				l->nearly--;
		}
	}
}

/* every early record forgotten (@tell: an orphan INTEGRITY_RULE is told first) */
static void early_clear(struct kmw_lines *l, bool tell)
{
	unsigned int i;

	for (i = 0; i < KMW_EARLY_MAX; i++) {
		if (tell && l->early[i].line)
			early_expire(l, &l->early[i]);
		l->early[i].line = NULL;
	}
	l->nearly = 0;
}

void lines_set_clock(struct kmw_lines *l, int64_t now_ms)
{
	l->now_ms = now_ms;
}

unsigned int lines_orphans(struct kmw_lines *l, int64_t min_ms)
{
	unsigned int i, waiting = 0;

	for (i = 0; l->nearly && i < KMW_EARLY_MAX; i++) {
		struct kmw_early *e = &l->early[i];

		if (!e->line || !e->ima || e->told || !e->ms || l->now_ms - e->ms < 1000)
			continue;
		if (e->serial >= l->max_serial) {
			waiting++;
			continue;
		}
		if (l->now_ms - e->ms >= min_ms)
			tell_orphan(l, e);
	}
	return waiting;
}

void lines_drop_partial(struct kmw_lines *l, bool mid_line)
{
	if (l->carry_len || l->skipping || mid_line) {
		count_line(l);
		bad_line(l, "line cut by lost input", l->carry, l->carry_len);
	}
	l->carry_len = 0;
	l->skipping = mid_line;
}

void lines_end_input(struct kmw_lines *l)
{
	if (l->carry_len && !l->skipping) {
		count_line(l);
		bad_line(l, "cut: the last line has no newline (auditd ends every record with one)",
			 l->carry, l->carry_len);
	}
	l->carry_len = 0;
	l->skipping = false;
}

void lines_abandon(struct kmw_lines *l)
{
	while (l->nopen) {
		if (l->ops.abandon)
			l->ops.abandon(l->arg, l->open[0].id, l->open[0].len);
		open_del(l, 0);
	}
	early_clear(l, false);
}

void lines_finish(struct kmw_lines *l)
{
	lines_end_input(l);
	while (l->nopen) {
		if (l->open[0].held)
			pass(l, l->open[0].held, l->open[0].heldlen);
		open_del(l, 0);
	}
	early_clear(l, true);
	if (l->ops.settle)
		l->ops.settle(l->arg);
}

/* audit.log.N: larger N is older; audit.log itself is the newest */
static int by_age(const void *a, const void *b)
{
	const char *pa = *(const char *const *)a, *pb = *(const char *const *)b;
	char ba[4096], bb[4096], *da, *db;
	long na = 0, nb = 0;
	size_t la, lb;

	snprintf(ba, sizeof(ba), "%s", pa);
	snprintf(bb, sizeof(bb), "%s", pb);
	la = strlen(ba);
	lb = strlen(bb);
	if (la > 3 && !strcmp(ba + la - 3, ".gz"))
		ba[la - 3] = '\0';
	if (lb > 3 && !strcmp(bb + lb - 3, ".gz"))
		bb[lb - 3] = '\0';
	da = strrchr(ba, '.');
	db = strrchr(bb, '.');
	if (da && da[1] >= '0' && da[1] <= '9' && !da[1 + strspn(da + 1, "0123456789")]) {
		na = strtol(da + 1, NULL, 10);
		*da = '\0';
	}
	if (db && db[1] >= '0' && db[1] <= '9' && !db[1 + strspn(db + 1, "0123456789")]) {
		nb = strtol(db + 1, NULL, 10);
		*db = '\0';
	}
	if (strcmp(ba, bb))
		return strcmp(ba, bb);
	return na == nb ? 0 : (na > nb ? -1 : 1);
}

void lines_sort_rotated(char **files, int n)
{
	qsort(files, (size_t)n, sizeof(char *), by_age);
}

void lines_bad_message(char *out, size_t len, const char *input, uint64_t lineno, const char *why)
{
	snprintf(out, len, "%s:%llu: %s%s", input, (unsigned long long)lineno, why,
		 strcmp(why, KMW_BAD_MORE) ? ", skipped" : "");
}
