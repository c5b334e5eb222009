/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_sink_memory.h - the memory sink (KMW_SINK_MEMORY): what it took, and failures made to
 * order, for the tests */
#ifndef KMW_SINK_MEMORY_H
#define KMW_SINK_MEMORY_H

#include "kmw_sink.h"

/**
 * sink_memory_fail - make the next @count sends (and opens) of memory sink @s
 * fail with @err (-errno); @count -1: all of them, 0: none. No effect on other kinds.
 */
void sink_memory_fail(struct kmw_sink *s, int err, long count);

/**
 * sink_memory_count - how many messages memory sink @s holds (0 for other kinds).
 */
size_t sink_memory_count(const struct kmw_sink *s);

/**
 * sink_memory_message - the @i-th message memory sink @s took, as framed
 * ("<SEVERITY>" then the body), NUL-ended; its length in @len. NULL past the end.
 */
const char *sink_memory_message(const struct kmw_sink *s, size_t i, size_t *len);

#endif
