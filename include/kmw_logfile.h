/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_logfile.h - audit log files as a source: plain or gzip, one file or a rotated set */
#ifndef KMW_LOGFILE_H
#define KMW_LOGFILE_H

#include <stddef.h>
#include <stdint.h>

#include "kmw_lines.h"

/* Told of the bytes of file @i read so far (compressed bytes for gzip). */
typedef void (*kmw_progress_fn)(void *arg, int i, uint64_t bytes);

/* Told that a file could not be read whole, and why (a sentence naming it). */
typedef void (*kmw_file_error_fn)(void *arg, const char *msg);

/**
 * logfile_feed - push the text of the audit log @path ("-": standard input;
 * gzip or plain, told apart by content) into @l, its lines numbered from 1.
 * A file that ends inside a gzip stream, or whose compressed data is corrupt,
 * was cut: what came before the cut goes through, the partial last line and
 * the events still open at the cut do not (their records may be cut too).
 * Returns 0, or -errno with @err saying what went wrong with the file.
 */
int logfile_feed(struct kmw_lines *l, const char *path, char *err, size_t errlen,
		 kmw_progress_fn progress, int i, void *arg);

/**
 * logfile_feed_set - the audit logs @files (@n of them; a rotated set in any
 * order is read oldest first, see lines_sort_rotated, and @files is sorted so)
 * into @l, then lines_finish. @error is told of each file that could not be
 * read whole; the others are read all the same. Returns how many could not.
 */
int logfile_feed_set(struct kmw_lines *l, char **files, int n, kmw_file_error_fn error,
		     kmw_progress_fn progress, void *arg);

#endif
