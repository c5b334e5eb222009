/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_row.h - one event as the listings of `kmodwatch query` see it: the store makes rows,
 * the table and CSV formats print them */
#ifndef KMW_ROW_H
#define KMW_ROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One event as the query outputs see it, from the store or from a log. */
struct kmw_row {
	int64_t time_ms;
	const char *syscall, *arch, *errno_name, *module, *path, *sha256, *exe, *comm;
	const char *user, *key, *risk, *flag_names, *node;
	const char *kind; /* "syscall", "summary", "alert" */
	int64_t count;	  /* calls it stands for: 1, or a summary's count */
	bool success, historical;
	int64_t pid, uid, auid, exit, flags;
	const char *json; /* the whole event in the native schema, one line */
	size_t json_len;
};

#endif
