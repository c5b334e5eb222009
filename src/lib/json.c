// SPDX-License-Identifier: GPL-2.0-or-later
/* json.c - the JSON writer of the formats */
#include <inttypes.h>
#include <string.h>

#include "kmw_json.h"

void json_start(struct kmw_json *w, struct kmw_buf *b)
{
	w->b = b;
	w->depth = 0;
	w->first[0] = true;
	w->close[0] = '}';
	buf_putc(b, '{');
}

/* the comma before a member or item, and the key of a member */
void json_key(struct kmw_json *w, const char *key)
{
	char tmp[80];
	size_t n = 0, klen = key ? strlen(key) : 0;

	if (!w->first[w->depth])
		tmp[n++] = ',';
	w->first[w->depth] = false;
	if (!key) {
		if (n)
			buf_append(w->b, tmp, n);
		return;
	}
	/* the keys are the formats' own names: one append for all of it */
	if (klen > sizeof(tmp) - 4) {
		buf_append(w->b, tmp, n);
		buf_putc(w->b, '"');
		buf_append(w->b, key, klen);
		buf_puts(w->b, "\":");
		return;
	}
	tmp[n++] = '"';
	memcpy(tmp + n, key, klen);
	n += klen;
	tmp[n++] = '"';
	tmp[n++] = ':';
	buf_append(w->b, tmp, n);
}

static void open_level(struct kmw_json *w, const char *key, char open, char close)
{
	json_key(w, key);
	buf_putc(w->b, open);
	/* deeper than the formats go: keep writing at the last level, still valid JSON */
	if (w->depth + 1 < KMW_JSON_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
	w->close[w->depth] = close;
}

void json_object(struct kmw_json *w, const char *key)
{
	open_level(w, key, '{', '}');
}

void json_array(struct kmw_json *w, const char *key)
{
	open_level(w, key, '[', ']');
}

void json_close(struct kmw_json *w)
{
	buf_putc(w->b, w->close[w->depth]);
	if (w->depth)
		w->depth--;
}

void json_str(struct kmw_json *w, const char *key, const char *s, size_t len)
{
	json_key(w, key);
	if (s)
		buf_json_str(w->b, s, len);
	else
		buf_puts(w->b, "null");
}

void json_cstr(struct kmw_json *w, const char *key, const char *s)
{
	json_str(w, key, s, s ? strlen(s) : 0);
}

void json_fix(struct kmw_json *w, const char *key, const char *s)
{
	json_cstr(w, key, s && s[0] ? s : NULL);
}

void json_int(struct kmw_json *w, const char *key, int64_t v)
{
	json_key(w, key);
	buf_put_i64(w->b, v);
}

void json_uint(struct kmw_json *w, const char *key, uint64_t v)
{
	json_key(w, key);
	buf_put_u64(w->b, v);
}

void json_id(struct kmw_json *w, const char *key, int64_t v, bool quoted)
{
	json_key(w, key);
	if (v < 0) {
		buf_puts(w->b, "null");
		return;
	}
	if (quoted)
		buf_putc(w->b, '"');
	buf_put_i64(w->b, v);
	if (quoted)
		buf_putc(w->b, '"');
}

void json_hex(struct kmw_json *w, const char *key, uint64_t v)
{
	json_key(w, key);
	buf_printf(w->b, "\"0x%" PRIx64 "\"", v);
}

void json_bool(struct kmw_json *w, const char *key, bool v)
{
	json_raw(w, key, v ? "true" : "false");
}

void json_null(struct kmw_json *w, const char *key)
{
	json_raw(w, key, "null");
}

void json_tristate(struct kmw_json *w, const char *key, int v)
{
	json_raw(w, key, v < 0 ? "null" : v ? "true" : "false");
}

void json_raw(struct kmw_json *w, const char *key, const char *raw)
{
	json_key(w, key);
	buf_puts(w->b, raw);
}

void json_pair(struct kmw_json *w, const char *key, const char *value)
{
	json_key(w, NULL);
	buf_json_str(w->b, key, strlen(key));
	buf_putc(w->b, ':');
	buf_json_str(w->b, value, strlen(value));
}
