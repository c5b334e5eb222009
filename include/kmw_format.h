/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_format.h - pure formatters: struct kmw_event to bytes, no I/O */
#ifndef KMW_FORMAT_H
#define KMW_FORMAT_H

#include "kmw_buf.h"
#include "kmw_event.h"

enum kmw_format {
	KMW_FMT_JSON,
	KMW_FMT_TEXT,
	KMW_FMT_ECS,  /* Elastic Common Schema, doc/ecs.md */
	KMW_FMT_OCSF, /* Open Cybersecurity Schema Framework, doc/ocsf.md */
	KMW_FMT_COUNT
};

/**
 * format_parse_name - "json", "text", "ecs" or "ocsf" to enum kmw_format. Returns 0 or
 * -EINVAL.
 */
int format_parse_name(const char *name, enum kmw_format *out);

/**
 * format_name - the reverse of format_parse_name.
 */
const char *format_name(enum kmw_format f);

/**
 * format_json - append @ev as one JSON object and a newline to @b (schema in
 * doc/schema.md). Returns 0 or -ENOMEM.
 */
int format_json(struct kmw_buf *b, const struct kmw_event *ev);

/**
 * format_text - append @ev as one readable line and a newline to @b. Every
 * untrusted string is escaped so that it cannot end the line. Returns 0 or -ENOMEM.
 */
int format_text(struct kmw_buf *b, const struct kmw_event *ev);

/**
 * format_ecs - append @ev as one Elastic Common Schema document and a newline
 * (mapping in doc/ecs.md). Returns 0 or -ENOMEM.
 */
int format_ecs(struct kmw_buf *b, const struct kmw_event *ev);

/**
 * format_ocsf - append @ev as one OCSF 1.2.0 document and a newline: Module Activity (1005)
 * for a call or a summary, Detection Finding (2004) for an alert (doc/ocsf.md). Returns 0 or
 * -ENOMEM.
 */
int format_ocsf(struct kmw_buf *b, const struct kmw_event *ev);

/**
 * format_event - dispatch on @fmt. Returns 0 or -ENOMEM.
 */
int format_event(struct kmw_buf *b, enum kmw_format fmt, const struct kmw_event *ev);

#include "kmw_row.h"

/* Columns of the text table of `kmodwatch query`. */
struct kmw_table {
	int width; /* terminal columns; 0: no limit (not a terminal) */
	bool colour;
	bool host; /* a HOST column: the query spans hosts (a collector's events) */
};

/**
 * format_table_header - the column titles of the query table, and a newline.
 */
int format_table_header(struct kmw_buf *b, const struct kmw_table *t);

/**
 * format_table_row - one aligned line for @r; untrusted strings escaped, long
 * ones cut with an ellipsis when the terminal width says so.
 */
int format_table_row(struct kmw_buf *b, const struct kmw_table *t, const struct kmw_row *r);

/**
 * format_csv_header / format_csv_row - RFC 4180 lines; a cell that a
 * spreadsheet would take for a formula (=, +, -, @) is prefixed with a quote.
 */
int format_csv_header(struct kmw_buf *b);
int format_csv_row(struct kmw_buf *b, const struct kmw_row *r);

#endif
