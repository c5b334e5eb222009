// SPDX-License-Identifier: GPL-2.0-or-later
/* lines.c - split audit text into records, reject what is not one, pass module events on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/audit.h>

#include "kmw_decode.h"
#include "kmw_lines.h"

void lines_init(struct kmw_lines *l, struct kmw_parser *p, bool prefilter,
		kmw_bad_line_cb bad, void *arg)
{
	memset(l, 0, offsetof(struct kmw_lines, carry));
	l->parser = p;
	l->prefilter = prefilter;
	l->bad = bad;
	l->bad_arg = arg;
}

static bool digits(const char **p, const char *end)
{
	const char *s = *p;

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return *p > s;
}

const char *lines_check(const char *line, size_t len, const char **id, size_t *idlen,
			const char **type, size_t *typelen, const char **body)
{
	const char *p = line, *end = line + len, *node = NULL, *q;

	if (memchr(line, '\0', len))
		return "NUL byte in the line";
	if (len >= 5 && !memcmp(p, "node=", 5)) {
		node = p;
		q = memchr(p, ' ', len);
		if (!q)
			return "node= without a record";
		p = q + 1;
	}
	if (end - p < 5 || memcmp(p, "type=", 5))
		return "no type= field: not an audit record";
	p += 5;
	*type = p;
	q = memchr(p, ' ', (size_t)(end - p));
	if (!q)
		return "truncated after type=";
	*typelen = (size_t)(q - p);
	p = q + 1;
	if (end - p < 10 || memcmp(p, "msg=audit(", 10))
		return "no msg=audit( field";
	p += 10;
	q = p;
	if (!digits(&p, end) || p >= end || *p++ != '.' || !digits(&p, end) || p >= end ||
	    *p++ != ':' || !digits(&p, end) || p >= end || *p != ')')
		return "malformed event id in msg=audit(...)";
	/* the id names the event: the node (if any) and SEC.MS:SERIAL */
	*id = node ? node : q;
	*idlen = (size_t)(p - *id);
	p++;
	if (end - p < 1 || *p != ':')
		return "truncated after the event id";
	*body = p + 1;
	return NULL;
}

/* arch=HEX syscall=NR right after the header of a SYSCALL record */
static bool module_syscall(const char *body, const char *end)
{
	const char *p = body;
	uint64_t arch = 0;
	long nr = 0;

	while (p < end && *p == ' ')
		p++;
	if (end - p < 5 || memcmp(p, "arch=", 5))
		return false;
	for (p += 5; p < end && *p != ' '; p++) {
		int v = (*p >= '0' && *p <= '9') ? *p - '0' :
			(*p >= 'a' && *p <= 'f') ? *p - 'a' + 10 :
			(*p >= 'A' && *p <= 'F') ? *p - 'A' + 10 : -1;
		if (v < 0 || arch >> 60)
			return false;
		arch = arch << 4 | (uint64_t)v;
	}
	if (end - p < 9 || memcmp(p, " syscall=", 9))
		return false;
	for (p += 9; p < end && *p >= '0' && *p <= '9' && nr < 100000; p++)
		nr = nr * 10 + (*p - '0');
	if (arch > UINT32_MAX)
		return false;
	return decode_syscall((uint32_t)arch, (int)nr) != KMW_SC_NONE;
}

uint64_t lines_count_calls(const char *data, size_t len, uint64_t *lines)
{
	const char *end = data + len, *nl, *id, *type, *body;
	size_t idlen, typelen, n;
	uint64_t calls = 0;

	*lines = 0;
	while (data < end) {
		nl = memchr(data, '\n', (size_t)(end - data));
		n = (size_t)((nl ? nl : end) - data);
		(*lines)++;
		if (n <= KMW_LINE_MAX && !lines_check(data, n, &id, &idlen, &type, &typelen, &body) &&
		    typelen == 7 && !memcmp(type, "SYSCALL", 7) && module_syscall(body, data + n))
			calls++;
		data += n + 1;
	}
	return calls;
}

static int open_find(struct kmw_lines *l, const char *id, size_t len)
{
	unsigned int i;

	for (i = 0; i < l->nopen; i++)
		if (l->open[i].len == len && !memcmp(l->open[i].id, id, len))
			return (int)i;
	return -1;
}

static void open_del(struct kmw_lines *l, unsigned int i)
{
	l->open[i] = l->open[--l->nopen];
}

static void open_add(struct kmw_lines *l, const char *id, size_t len)
{
	unsigned int i, oldest = 0;

	if (len > sizeof(l->open[0].id) || open_find(l, id, len) >= 0)
		return;
	/* forget what should have ended long ago; when full, the oldest goes */
	for (i = 0; i < l->nopen; i++)
		if (l->open[i].expires < l->stats.lines) {
			open_del(l, i--);
			l->stats.evicted++;
		}
	if (l->nopen == KMW_OPEN_MAX) {
		for (i = 1; i < l->nopen; i++)
			if (l->open[i].expires < l->open[oldest].expires)
				oldest = i;
		open_del(l, oldest);
		l->stats.evicted++;
	}
	memcpy(l->open[l->nopen].id, id, len);
	l->open[l->nopen].len = (uint8_t)len;
	l->open[l->nopen].expires = l->stats.lines + KMW_OPEN_WINDOW;
	l->nopen++;
}

static void bad_line(struct kmw_lines *l, const char *why, const char *line, size_t len)
{
	l->stats.bad_lines++;
	if (l->bad)
		l->bad(l->stats.lines, why, line, len, l->bad_arg);
}

static void take_line(struct kmw_lines *l, const char *line, size_t len)
{
	const char *id, *type, *body, *why;
	size_t idlen, typelen;
	bool closed = false;
	int i;

	l->stats.lines++;
	if (len && line[len - 1] == '\r')
		len--;
	if (!len)
		return;
	/* the same limit whether the line came whole in one chunk or was carried */
	why = len > KMW_LINE_MAX ? "line too long" :
	      lines_check(line, len, &id, &idlen, &type, &typelen, &body);
	if (why) {
		bad_line(l, why, line, len);
		return;
	}
	if (l->prefilter) {
		if (typelen == 7 && !memcmp(type, "SYSCALL", 7)) {
			if (!module_syscall(body, line + len))
				return;
			open_add(l, id, idlen);
		} else {
			if (!l->nopen || (i = open_find(l, id, idlen)) < 0)
				return;
			/* PROCTITLE ends a syscall event (EOE where there is one) */
			if ((typelen == 9 && !memcmp(type, "PROCTITLE", 9)) ||
			    (typelen == 3 && !memcmp(type, "EOE", 3))) {
				open_del(l, (unsigned int)i);
				closed = true;
			}
		}
	}
	l->stats.passed++;
	/* auparse wants the newline; the byte after the line is ours to borrow only in
	 * the carry buffer, so lines go through the parser's framing copy */
	parse_feed_line(l->parser, line, len);
	/*
	 * The parser holds an event until a later record shows it complete, or
	 * until it is flushed. With no other module event open, nothing it holds
	 * can still grow: complete it now, not when the next one comes.
	 */
	if (closed && !l->nopen)
		parse_flush(l->parser);
}

void lines_push(struct kmw_lines *l, const char *data, size_t len)
{
	const char *nl, *end = data + len;

	while (data < end) {
		nl = memchr(data, '\n', (size_t)(end - data));
		if (!nl) {
			size_t n = (size_t)(end - data);

			if (l->skipping)
				return;
			if (l->carry_len + n > sizeof(l->carry)) {
				bad_line(l, "line too long", l->carry, l->carry_len);
				l->stats.lines++;
				l->carry_len = 0;
				l->skipping = true;
				return;
			}
			memcpy(l->carry + l->carry_len, data, n);
			l->carry_len += n;
			return;
		}
		if (l->skipping) {
			l->skipping = false;
		} else if (l->carry_len) {
			size_t n = (size_t)(nl - data);

			if (l->carry_len + n > sizeof(l->carry)) {
				l->stats.lines++;
				bad_line(l, "line too long", l->carry, l->carry_len);
			} else {
				memcpy(l->carry + l->carry_len, data, n);
				take_line(l, l->carry, l->carry_len + n);
			}
		} else {
			take_line(l, data, (size_t)(nl - data));
		}
		l->carry_len = 0;
		data = nl + 1;
	}
}

void lines_drop_partial(struct kmw_lines *l, bool mid_line)
{
	if (l->carry_len || l->skipping || mid_line) {
		l->stats.lines++;
		bad_line(l, "line cut by lost input", l->carry, l->carry_len);
	}
	l->carry_len = 0;
	l->skipping = mid_line;
}

void lines_finish(struct kmw_lines *l)
{
	if (l->carry_len && !l->skipping)
		take_line(l, l->carry, l->carry_len);
	l->carry_len = 0;
	l->skipping = false;
	parse_flush(l->parser);
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
