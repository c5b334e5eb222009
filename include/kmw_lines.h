/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_lines.h - audit log text in chunks: lines checked, module events prefiltered, fed to parse */
#ifndef KMW_LINES_H
#define KMW_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmw_parse.h"

/* Records of one event come within this many lines of its SYSCALL record. */
#define KMW_OPEN_WINDOW 65536
#define KMW_OPEN_MAX 256

struct kmw_lines_stats {
	uint64_t lines;
	uint64_t bad_lines;	/* not an audit record: counted, reported, skipped */
	uint64_t passed;	/* lines handed to the parser */
	uint64_t evicted;	/* open module events dropped from the window before their end */
};

/* Called once per bad line, with its number (from 1) and a short reason. */
typedef void (*kmw_bad_line_cb)(uint64_t lineno, const char *reason, const char *line,
				size_t len, void *arg);

struct kmw_open_id {
	char id[96];		/* node and "SEC.MS:SERIAL" of a module event */
	uint8_t len;
	uint64_t expires;	/* line number after which it is forgotten */
};

struct kmw_lines {
	struct kmw_parser *parser;
	kmw_bad_line_cb bad;
	void *bad_arg;
	bool prefilter;
	struct kmw_lines_stats stats;
	unsigned int nopen;
	struct kmw_open_id open[KMW_OPEN_MAX];
	size_t carry_len;
	bool skipping;		/* inside a line too long to keep: drop up to its end */
	char carry[KMW_LINE_MAX];
};

/**
 * lines_init - feed @p through @l. With @prefilter, only the records of module
 * syscall events reach the parser: SYSCALL records are recognised by arch and
 * number, the other records by the event id of such a SYSCALL record. @bad is
 * called for every line that is not an audit record (may be NULL).
 */
void lines_init(struct kmw_lines *l, struct kmw_parser *p, bool prefilter,
		kmw_bad_line_cb bad, void *arg);

/**
 * lines_push - take @len more bytes of log text, in any cut. Complete lines go
 * through at once; a trailing partial line waits for the rest.
 */
void lines_push(struct kmw_lines *l, const char *data, size_t len);

/**
 * lines_drop_partial - input was lost here: forget the partial line waiting
 * for its end (counted as a bad line), so that two halves never make one line.
 * @mid_line: the loss ended inside a line, whose tail comes next: skip it too.
 */
void lines_drop_partial(struct kmw_lines *l, bool mid_line);

/**
 * lines_finish - end of input: a last line without newline is taken, and the
 * parser is flushed.
 */
void lines_finish(struct kmw_lines *l);

/**
 * lines_check - whether @line (without newline) is an audit record, and its
 * event id (node prefix included) in @id/@idlen. Returns NULL, or the reason it is not.
 */
const char *lines_check(const char *line, size_t len, const char **id, size_t *idlen,
			const char **type, size_t *typelen, const char **body);

/**
 * lines_sort_rotated - order a rotated set of logs oldest first: audit.log.3
 * (or .3.gz), audit.log.2, ..., audit.log; other names by name.
 */
void lines_sort_rotated(char **files, int n);

/**
 * lines_count_calls - the SYSCALL records of module syscalls among the lines in
 * @data (@len bytes; a last line without newline counts too). @lines gets the
 * number of lines. Used to say exactly what a dropped piece of input cost.
 */
uint64_t lines_count_calls(const char *data, size_t len, uint64_t *lines);

#endif
