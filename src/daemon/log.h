/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h - kmodwatchd's own messages: to stderr in the foreground; to syslog in the background,
 * and to both until it leaves the terminal (auditd reads no plugin's stderr). Any thread: the
 * switches are set before the threads start. */
#ifndef KMWD_LOG_H
#define KMWD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmw_buf.h"
#include "kmw_state.h"

/**
 * log_open - messages from now on to stderr, and to syslog as well unless @foreground.
 */
void log_open(bool foreground);

/**
 * log_detach - the daemon left the terminal: syslog only.
 */
void log_detach(void);

/**
 * log_msg - one message at syslog priority @prio; one of notice and above is also kept among
 * the last KMW_STATE_MESSAGES (log_recent).
 */
void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * log_recent - the last messages of notice and above into @st, oldest first: the state file
 * keeps them, where `kmodwatch status` shows them (a plugin's syslog may be nowhere).
 */
void log_recent(struct kmw_state *st);

/**
 * log_errors - each line of @err as an error, then @err emptied (what config_load and
 * config_set found wrong).
 */
void log_errors(struct kmw_buf *err);

/**
 * log_bad_line - a line of an input that was not taken (kmw_bad_line_fn): the first ones one by
 * one, then a count, so that hostile input cannot flood the log.
 */
void log_bad_line(void *arg, const char *input, uint64_t lineno, const char *why, const char *line,
		  size_t len);

#endif
