/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_import.h - the module events of audit log files into the store: backfill, `kmodwatch import` */
#ifndef KMW_IMPORT_H
#define KMW_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "kmw_event.h"
#include "kmw_lines.h"
#include "kmw_logfile.h"
#include "kmw_risk.h"
#include "kmw_store.h"

/* Told of each event that was new to the store, with its JSON, once it is committed. */
typedef void (*kmw_import_cb)(const struct kmw_event *ev, const char *json, size_t len, void *arg);

struct kmw_import_opts {
	int64_t since_ms;		    /* events older than this are passed over */
	const struct kmw_risk_config *risk; /* NULL: the defaults */
	kmw_import_cb added;		    /* may be NULL */
	kmw_bad_line_fn bad;		    /* may be NULL */
	kmw_file_error_fn file_error;	    /* may be NULL */
	void *arg;			    /* for all three */
};

struct kmw_import_result {
	uint64_t seen;	  /* module events at or after since_ms */
	uint64_t added;	  /* new to the store */
	uint64_t failed;  /* could not be stored */
	uint64_t records; /* audit records read, of any kind */
	uint64_t bad_lines;
	uint64_t left_out; /* open where a file was cut: not imported */
	int files_failed;  /* files that could not be read whole */
};

/**
 * import_logs - read the audit logs @files (@n; plain or gzip, a rotated set
 * in any order, read oldest first) and store their module events at or after
 * o->since_ms as historical, each unique by boot, serial and time, committed
 * in batches. Returns 0, or -EIO when a file could not be read whole or an
 * event not stored (the rest is imported all the same); @out says what.
 */
int import_logs(struct kmw_store *s, char **files, int n, const struct kmw_import_opts *o,
		struct kmw_import_result *out);

#endif
