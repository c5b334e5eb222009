// SPDX-License-Identifier: GPL-2.0-or-later
/* buf.c - growable byte buffer, JSON and one-line text escaping of untrusted bytes */
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kmw_buf.h"

void buf_init(struct kmw_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = 0;
}

void buf_free(struct kmw_buf *b)
{
	free(b->data);
	buf_init(b);
}

static int buf_reserve(struct kmw_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->oom = 1;
		return -ENOMEM;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct kmw_buf *b, const void *p, size_t len)
{
	if (buf_reserve(b, len))
		return -ENOMEM;
	if (!len)
		return 0;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct kmw_buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct kmw_buf *b, char c)
{
	/* the common case, room for it: no call */
	if (b->len + 2 <= b->cap && !b->oom) {
		b->data[b->len++] = c;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append(b, &c, 1);
}

int buf_printf(struct kmw_buf *b, const char *fmt, ...)
{
	size_t room = b->oom || !b->data ? 0 : b->cap - b->len;
	va_list ap;
	int n;

	/* one pass when it fits, as it mostly does; a second, with room made, when not */
	va_start(ap, fmt);
	n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return 0;
	}
	if (buf_reserve(b, (size_t)n))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int buf_put_u64(struct kmw_buf *b, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

int buf_put_i64(struct kmw_buf *b, int64_t v)
{
	if (v < 0) {
		buf_putc(b, '-');
		/* the most negative one too: its magnitude fits an unsigned */
		return buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
	}
	return buf_put_u64(b, (uint64_t)v);
}

/*
 * utf8_seq_len - length of the valid UTF-8 sequence starting at @p (at most
 * @len bytes available), or 0 when the bytes there are not valid UTF-8.
 */
static size_t utf8_seq_len(const unsigned char *p, size_t len)
{
	unsigned char c = p[0];
	size_t n, i;
	unsigned int cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and values past U+10FFFF are invalid */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static const char hexdig[] = "0123456789abcdef";

int buf_json_str(struct kmw_buf *b, const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, run, n;
	char esc[8];

	if (buf_reserve(b, len + 2))
		return -ENOMEM;
	buf_putc(b, '"');
	while (i < len) {
		/* copy the longest run that needs no escaping in one go */
		run = i;
		while (run < len && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i) {
			buf_append(b, s + i, run - i);
			i = run;
			continue;
		}
		if (s[i] >= 0x80) {
			n = utf8_seq_len(s + i, len - i);
			if (n) {
				buf_append(b, s + i, n);
				i += n;
				continue;
			}
			esc[0] = '\\';
			esc[1] = '\\';
			esc[2] = 'x';
			esc[3] = hexdig[s[i] >> 4];
			esc[4] = hexdig[s[i] & 15];
			buf_append(b, esc, 5);
			i++;
			continue;
		}
		switch (s[i]) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\r': buf_puts(b, "\\r"); break;
		default:
			/* other C0 controls and DEL */
			buf_printf(b, "\\u%04x", s[i]);
			break;
		}
		i++;
	}
	buf_putc(b, '"');
	return b->oom ? -ENOMEM : 0;
}

static int text_str(struct kmw_buf *b, const char *p, size_t len, bool keep_space)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, n;
	char esc[4];

	while (i < len) {
		if (((s[i] > 0x20) || (keep_space && s[i] == ' ')) && s[i] < 0x7f && s[i] != '\\' &&
		    s[i] != '"') {
			buf_putc(b, (char)s[i++]);
			continue;
		}
		if (s[i] >= 0x80) {
			n = utf8_seq_len(s + i, len - i);
			/* C1 controls (U+0080..U+009F) can act as terminal escapes */
			if (n && !(n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
				buf_append(b, s + i, n);
				i += n;
				continue;
			}
		}
		if (s[i] == '\\' || s[i] == '"') {
			esc[0] = '\\';
			esc[1] = (char)s[i];
			buf_append(b, esc, 2);
		} else {
			buf_printf(b, "\\x%02x", s[i]);
		}
		i++;
	}
	return b->oom ? -ENOMEM : 0;
}

int buf_text_str(struct kmw_buf *b, const char *p, size_t len)
{
	return text_str(b, p, len, false);
}

int buf_display_str(struct kmw_buf *b, const char *p, size_t len)
{
	return text_str(b, p, len, true);
}
