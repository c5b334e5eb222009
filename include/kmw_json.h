/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_json.h - a JSON writer over struct kmw_buf: objects and arrays nest, members put their
 * own commas. Every format that writes JSON (events, ECS) writes through it. */
#ifndef KMW_JSON_H
#define KMW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmw_buf.h"

#define KMW_JSON_DEPTH 8

struct kmw_json {
	struct kmw_buf *b;
	unsigned int depth;
	bool first[KMW_JSON_DEPTH]; /* nothing written yet at this level */
	char close[KMW_JSON_DEPTH]; /* '}' or ']' */
};

/*
 * In every call, @key names the member of the object open now; in an array,
 * @key is NULL and the value is the next item.
 */

/**
 * json_start - begin the top-level object in @b.
 */
void json_start(struct kmw_json *w, struct kmw_buf *b);

/**
 * json_object - open an object (json_close ends it).
 */
void json_object(struct kmw_json *w, const char *key);

/**
 * json_array - open an array (json_close ends it).
 */
void json_array(struct kmw_json *w, const char *key);

/**
 * json_close - end the innermost open object or array; the top-level one too.
 */
void json_close(struct kmw_json *w);

/**
 * json_key - the member's key alone, for a value the caller writes itself.
 */
void json_key(struct kmw_json *w, const char *key);

/**
 * json_str - @len untrusted bytes of @s, escaped; NULL @s is null.
 */
void json_str(struct kmw_json *w, const char *key, const char *s, size_t len);

/**
 * json_cstr - a C string; NULL is null.
 */
void json_cstr(struct kmw_json *w, const char *key, const char *s);

/**
 * json_fix - a fixed-size field, where "" means unknown: null.
 */
void json_fix(struct kmw_json *w, const char *key, const char *s);

void json_int(struct kmw_json *w, const char *key, int64_t v);
void json_uint(struct kmw_json *w, const char *key, uint64_t v);

/**
 * json_id - an id the record did not carry (-1) is null; @quoted: as a string (ECS keywords).
 */
void json_id(struct kmw_json *w, const char *key, int64_t v, bool quoted);

/**
 * json_hex - "0x..." as a string.
 */
void json_hex(struct kmw_json *w, const char *key, uint64_t v);
void json_bool(struct kmw_json *w, const char *key, bool v);
void json_null(struct kmw_json *w, const char *key);

/**
 * json_tristate - true, false, or null for a value below 0.
 */
void json_tristate(struct kmw_json *w, const char *key, int v);

/**
 * json_pair - a member whose key is untrusted too (escaped like its value).
 */
void json_pair(struct kmw_json *w, const char *key, const char *value);

/**
 * json_raw - @raw as it is: a number or literal the caller made.
 */
void json_raw(struct kmw_json *w, const char *key, const char *raw);

#endif
