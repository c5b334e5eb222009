/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_buf.h - growable byte buffer and the escaping primitives of every format */
#ifndef KMW_BUF_H
#define KMW_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct kmw_buf {
	char *data;
	size_t len;
	size_t cap;
	int oom; /* set once an allocation failed; later appends are dropped */
};

/**
 * buf_init - make @b an empty buffer. No allocation happens until the first append.
 */
void buf_init(struct kmw_buf *b);

/**
 * buf_free - release the memory of @b and make it empty again.
 */
void buf_free(struct kmw_buf *b);

/**
 * buf_reset - forget the contents of @b but keep its memory for reuse.
 */
static inline void buf_reset(struct kmw_buf *b)
{
	b->len = 0;
}

/**
 * buf_append - append @len bytes of @p. Returns 0 or -ENOMEM (then b->oom is set).
 */
int buf_append(struct kmw_buf *b, const void *p, size_t len);

/**
 * buf_puts - append the NUL-terminated string @s. Returns 0 or -ENOMEM.
 */
int buf_puts(struct kmw_buf *b, const char *s);

/**
 * buf_putc - append one byte. Returns 0 or -ENOMEM.
 */
int buf_putc(struct kmw_buf *b, char c);

/**
 * buf_put_u64, buf_put_i64 - @v in decimal, appended (what %llu and %lld write, with no
 * format to read). Returns 0 or -ENOMEM.
 */
int buf_put_u64(struct kmw_buf *b, uint64_t v);
int buf_put_i64(struct kmw_buf *b, int64_t v);

/**
 * buf_printf - append printf-formatted text. Returns 0 or -ENOMEM.
 */
int buf_printf(struct kmw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * buf_json_str - append @len bytes of untrusted @p as a quoted JSON string.
 *
 * Valid UTF-8 passes through; control characters, quote and backslash are
 * escaped. A byte that is not part of valid UTF-8 is written as the six
 * characters \u00XX preceded by a backslash-escaped backslash, i.e. the
 * decoded string shows "\xHH": the output is always valid UTF-8 and one line.
 * Returns 0 or -ENOMEM.
 */
int buf_json_str(struct kmw_buf *b, const char *p, size_t len);

/**
 * buf_text_str - append @len bytes of untrusted @p for a one-line text format.
 *
 * Printable ASCII and valid UTF-8 pass through, except backslash, double
 * quote and space-like characters which are escaped; every control byte and
 * every invalid byte becomes \xHH, so no newline or terminal escape survives.
 * Returns 0 or -ENOMEM.
 */
int buf_text_str(struct kmw_buf *b, const char *p, size_t len);

/**
 * buf_display_str - like buf_text_str, but spaces stay spaces: for columns
 * of a table a person reads, where a value cannot start a new line.
 */
int buf_display_str(struct kmw_buf *b, const char *p, size_t len);

#endif
