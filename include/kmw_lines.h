/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_lines.h - audit log text in chunks: lines checked, the records of module events picked out */
#ifndef KMW_LINES_H
#define KMW_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmw_event.h"

/* The longest record line taken: auditd writes at most MAX_AUDIT_MESSAGE_LENGTH and a header. */
#define KMW_LINE_MAX 16384

/* Records of one event come within this many lines of its SYSCALL record. */
#define KMW_OPEN_WINDOW 65536
/* Module events open at once, at most; past it the oldest is completed. */
#define KMW_OPEN_MAX 64
/* An event id: node= (up to what libauparse reads of it) and "SEC.MS:SERIAL". */
#define KMW_ID_MAX 400
/* Records kept in case a SYSCALL record that comes after them is a module call's. */
#define KMW_EARLY_MAX 16
#define KMW_EARLY_LINE KMW_LINE_MAX
/* Bad lines reported one by one; the rest are only counted. */
#define KMW_BAD_SHOWN 20

/* One record line, taken apart by lines_parse_record: pointers into the line. */
struct kmw_rec {
	const char *node; /* the value of node=, or NULL */
	size_t nodelen;
	const char *type, *id, *body; /* id: "SEC.MS:SERIAL"; body: after "): " */
	size_t typelen, idlen;
};

/**
 * lines_parse_record - whether @line (@len bytes, without newline) is an
 * audit record: [node=NODE ]type=TYPE msg=audit(SEC.MS:SERIAL): BODY.
 * Returns NULL and fills @r, or why it is not one (a static string).
 */
const char *lines_parse_record(const char *line, size_t len, struct kmw_rec *r);

/**
 * lines_rec_is - whether the record's type is @type ("SYSCALL", "EOE", ...).
 */
bool lines_rec_is(const struct kmw_rec *r, const char *type);

/**
 * lines_rec_key - the key of the event the record belongs to, into @key
 * (KMW_ID_MAX bytes): its node (records of several hosts share one log), a
 * space, and "SEC.MS:SERIAL". Returns its length, 0 when too long to keep.
 */
size_t lines_rec_key(const struct kmw_rec *r, char *key);

/**
 * lines_syscall_of - the module syscall a SYSCALL record's body (@body up to
 * @end) names by arch= and syscall= (the first value of each), and its arch
 * in @arch when not NULL. Returns KMW_SC_NONE for every other syscall.
 */
enum kmw_syscall lines_syscall_of(const char *body, const char *end, uint32_t *arch);

struct kmw_lines_stats {
	uint64_t lines;
	uint64_t records;   /* lines that are audit records, of any type */
	uint64_t bad_lines; /* not an audit record: counted, reported, skipped */
	uint64_t passed;    /* records handed on */
	uint64_t evicted;   /* open module events completed for want of room or time */
	uint64_t early;	    /* records that came before their SYSCALL record, kept */
};

/*
 * Where the records of module events go, in order: @record gets one record
 * line (without its newline), and @settle is told when no module event is
 * open any more, so that whatever completes events may complete them now.
 * @abandon is told that the input was cut while the event @id
 * ("SEC.MS:SERIAL", after "NODE " when there is a node) was open: it must not
 * come out. Any of them may be NULL.
 */
struct kmw_lines_ops {
	void (*record)(void *arg, const char *line, size_t len);
	void (*settle)(void *arg);
	void (*abandon)(void *arg, const char *id, size_t len);
	/* an INTEGRITY_RULE record whose SYSCALL record did not come (lines_orphans) */
	void (*orphan)(void *arg, const char *line, size_t len);
};

/*
 * Told of a line that is not an audit record: which input (a file name, or
 * "stdin"), its number there (from 1) and why. The first KMW_BAD_SHOWN bad
 * lines come one by one, then one more with the reason KMW_BAD_MORE; the rest
 * are only counted.
 */
typedef void (*kmw_bad_line_fn)(void *arg, const char *input, uint64_t lineno, const char *why,
				const char *line, size_t len);

#define KMW_BAD_MORE "more bad lines follow: counted, not shown one by one"

/**
 * lines_bad_message - what a kmw_bad_line_fn says, the same words for every reader:
 * "INPUT:LINE: WHY, skipped" (no "skipped" after KMW_BAD_MORE), into @out.
 */
void lines_bad_message(char *out, size_t len, const char *input, uint64_t lineno, const char *why);

struct kmw_open_id {
	char id[KMW_ID_MAX]; /* node, a space, and "SEC.MS:SERIAL" of a module event */
	uint16_t len;
	uint16_t nodelen; /* the node part of id, 0 without node= */
	uint64_t expires; /* line number after which it is completed */
	bool syscall;	  /* its SYSCALL record came */
	char *held;	  /* a PROCTITLE that came before the SYSCALL: fed at the end */
	size_t heldlen;
};

/* A record whose event is not known yet to be a module call's. */
struct kmw_early {
	char id[KMW_ID_MAX];
	uint16_t len;
	bool proctitle;
	bool ima;	  /* an INTEGRITY_RULE: it may wait long for its SYSCALL */
	bool told;	  /* ... told to ops.orphan already */
	uint64_t seq;	  /* when it came */
	uint64_t serial;  /* of its event */
	int64_t ms;	  /* when it came, by the clock of lines_set_clock (0: none) */
	const char *line; /* into the text being pushed, or into buf */
	size_t linelen;
	bool owned;
	char buf[KMW_EARLY_LINE];
};

struct kmw_lines {
	struct kmw_lines_ops ops;
	void *arg;
	kmw_bad_line_fn bad;
	void *bad_arg;
	const char *input; /* the name of what is read now */
	bool prefilter;
	struct kmw_lines_stats stats;
	uint64_t lineno;     /* of the current input, for messages */
	uint64_t seq;	     /* lines of all inputs: the clock of the open events */
	uint64_t max_serial; /* the highest event serial seen */
	int64_t now_ms;	     /* lines_set_clock: 0 reading logs, where time is the lines' */
	unsigned int nopen;
	struct kmw_open_id open[KMW_OPEN_MAX];
	unsigned int nearly; /* early records held */
	struct kmw_early early[KMW_EARLY_MAX];
	size_t carry_len;
	bool skipping; /* inside a line too long to keep: drop up to its end */
	char carry[KMW_LINE_MAX];
	char eoe[KMW_ID_MAX + 64];
};

/**
 * lines_init - records go to @ops with @arg. With @prefilter only the records
 * of module syscall events go on: SYSCALL records are recognised by arch and
 * number, the other records by the event id (node included) of such a SYSCALL
 * record, also when they come before it. A KERN_MODULE record opens its event
 * too (its SYSCALL record may have been lost), and so does a CONFIG_CHANGE
 * record (a change of audit's rules or state, with the SYSCALL of who made it). An event that stays open past
 * KMW_OPEN_WINDOW lines or KMW_OPEN_MAX open events is ended with an EOE
 * record made for it, so that nothing downstream waits on it.
 */
void lines_init(struct kmw_lines *l, const struct kmw_lines_ops *ops, void *arg, bool prefilter);

/**
 * lines_set_bad - tell @bad (with @arg) of every line that is not an audit record.
 */
void lines_set_bad(struct kmw_lines *l, kmw_bad_line_fn bad, void *arg);

/**
 * lines_set_input - what is read from now on is @name ("stdin", a file), its
 * lines numbered from 1. @name must live as long as it is read.
 */
void lines_set_input(struct kmw_lines *l, const char *name);

/**
 * lines_set_clock - the time now (ms, any monotonic clock) for what is pushed from now on:
 * live input, whose records are held for a time, not for a number of lines.
 */
void lines_set_clock(struct kmw_lines *l, int64_t now_ms);

/**
 * lines_orphans - the INTEGRITY_RULE records held at least @min_ms whose SYSCALL record has
 * not come, although a record of a later serial has: each is told to ops.orphan once, and
 * kept, in case its SYSCALL comes late after all (a module whose init sleeps). Reading logs
 * (no clock), they are told when they expire or at the end. Returns how many records held a
 * second or more wait for a record of a later serial (a record of one's own can bring one,
 * so that there is one by the time they are old enough).
 */
unsigned int lines_orphans(struct kmw_lines *l, int64_t min_ms);

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
 * lines_end_input - one input (a file) ended: a last line without its newline
 * was cut (auditd ends every record with one), and is a bad line, skipped.
 * Events stay open: the next file of a rotated set may hold their rest.
 */
void lines_end_input(struct kmw_lines *l);

/**
 * lines_abandon - the input was cut: every open event is abandoned (see
 * kmw_lines_ops), and forgotten.
 */
void lines_abandon(struct kmw_lines *l);

/**
 * lines_finish - end of all input: lines_end_input, then every open event is
 * ended and settled.
 */
void lines_finish(struct kmw_lines *l);

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
