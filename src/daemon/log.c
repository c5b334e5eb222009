// SPDX-License-Identifier: GPL-2.0-or-later
/* log.c - kmodwatchd's own messages, to stderr or syslog (log.h) */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "kmw_lines.h"
#include "log.h"

/* once in the background: to syslog; before that, to stderr and, unless in the foreground,
 * to syslog as well */
static bool use_syslog, also_syslog;

void log_open(bool foreground)
{
	if (foreground)
		return;
	openlog("kmodwatchd", LOG_PID, LOG_DAEMON);
	also_syslog = true;
}

void log_detach(void)
{
	use_syslog = true;
	openlog("kmodwatchd", LOG_PID, LOG_DAEMON);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		va_list aq;

		va_copy(aq, ap);
		fputs("kmodwatchd: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		if (also_syslog)
			vsyslog(prio, fmt, aq);
		va_end(aq);
	}
	va_end(ap);
}

void log_errors(struct kmw_buf *err)
{
	char *line, *save = NULL;

	if (!err->len)
		return;
	buf_putc(err, '\0');
	for (line = strtok_r(err->data, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_msg(LOG_ERR, "%s", line);
	buf_reset(err);
}

void log_bad_line(void *arg, const char *input, uint64_t lineno, const char *why, const char *line,
		  size_t len)
{
	char msg[600];

	(void)arg;
	(void)line;
	(void)len;
	lines_bad_message(msg, sizeof(msg), input, lineno, why);
	log_msg(LOG_WARNING, "%s", msg);
}
