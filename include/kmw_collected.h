/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_collected.h - kmodwatch's own JSON lines as a central collector stores them (many hosts,
 * rotated, gzip), read back into events, for `kmodwatch query --events` */
#ifndef KMW_COLLECTED_H
#define KMW_COLLECTED_H

#include <stddef.h>
#include <stdint.h>

#include "kmw_event.h"
#include "kmw_filter.h"
#include "kmw_lines.h"
#include "kmw_logfile.h"

/* One event read back: @ev holds what the filters and the listings need, @line is the whole
 * JSON object as it was stored (without the newline). */
typedef void (*kmw_collected_cb)(struct kmw_event *ev, const char *line, size_t len, void *arg);

struct kmw_collected_stats {
	uint64_t files; /* read */
	uint64_t lines;
	uint64_t events;    /* lines that were kmodwatch events */
	uint64_t bad_lines; /* not one: reported (the first KMW_BAD_SHOWN), counted, skipped */
	int files_failed;   /* could not be read whole */
};

#define KMW_COLLECTED_NEEDLES 16

struct kmw_collected_opts {
	kmw_collected_cb event;
	kmw_bad_line_fn bad;	      /* may be NULL */
	kmw_file_error_fn file_error; /* may be NULL */
	void *arg;		      /* for all three */
	/* bytes every line that can match holds (collected_prefilter): a line without
	 * one of them is passed over unparsed */
	const char *needles[KMW_COLLECTED_NEEDLES];
	unsigned int nneedles;
};

/**
 * collected_prefilter - from @f, the strings that the JSON line of every event @f can
 * match must contain as they are (a host, a module, a SHA-256 prefix ... that JSON
 * writes unescaped), into @o. The filter itself still decides; this only spares the
 * parsing of lines that cannot pass. @f must outlive @o.
 */
void collected_prefilter(struct kmw_collected_opts *o, const struct kmw_filter *f);

/**
 * collected_parse - the event of one native JSON line (@json, @len) into @ev: the facts the
 * filters read and the formats write of them (time, serial, syscall, module, hashes, process,
 * user, risk). Returns NULL, or why the line is no kmodwatch event (into @err when it is a
 * JSON error).
 */
const char *collected_parse(struct kmw_event *ev, const char *json, size_t len, char *err,
			    size_t errlen);

/**
 * collected_read - every file of @paths (@n; a directory is walked, its files in name order
 * and a rotated set oldest first, hidden ones passed over), plain or gzip, one JSON object a
 * line in kmodwatch's native schema (doc/schema.md). Text before the first '{' (a syslog
 * header, "@cee: ") is passed over, and so is a line without o->needles. One line at a time: memory does not grow with the input.
 * Returns 0, or -EIO when a file could not be read whole (the rest is read all the same).
 */
int collected_read(char **paths, int n, const struct kmw_collected_opts *o,
		   struct kmw_collected_stats *st);

#endif
