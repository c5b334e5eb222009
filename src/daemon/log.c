// SPDX-License-Identifier: GPL-2.0-or-later
/* log.c - kmodwatchd's own messages, to stderr or syslog (log.h) */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "kmw_lines.h"
#include "log.h"

/* once in the background: to syslog; before that, to stderr and, unless in the foreground,
 * to syslog as well */
static bool use_syslog, also_syslog;

/* the last messages of notice and above, for the state file (any thread writes them) */
static pthread_mutex_t recent_lock = PTHREAD_MUTEX_INITIALIZER;
static char recent[KMW_STATE_MESSAGES][KMW_STATE_MESSAGE_LEN];
static unsigned int nrecent;

static void remember(int prio, const char *fmt, va_list ap)
{
	static const char *const names[] = { "emerg",	"alert",  "crit", "error",
					     "warning", "notice", "info", "debug" };
	char *slot, *p;
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (prio > LOG_NOTICE)
		return;
	pthread_mutex_lock(&recent_lock);
	slot = recent[nrecent++ % KMW_STATE_MESSAGES];
	n = (int)strftime(slot, KMW_STATE_MESSAGE_LEN, "%Y-%m-%dT%H:%M:%SZ ", gmtime_r(&now, &tm));
	n += snprintf(slot + n, (size_t)(KMW_STATE_MESSAGE_LEN - n), "%s: ", names[prio & 7]);
	vsnprintf(slot + n, (size_t)(KMW_STATE_MESSAGE_LEN - n), fmt, ap);
	/* one line in the state file */
	for (p = slot; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	pthread_mutex_unlock(&recent_lock);
}

void log_recent(struct kmw_state *st)
{
	unsigned int i, first;

	pthread_mutex_lock(&recent_lock);
	first = nrecent > KMW_STATE_MESSAGES ? nrecent - KMW_STATE_MESSAGES : 0;
	st->nmessages = 0;
	for (i = first; i < nrecent; i++)
		memcpy(st->message[st->nmessages++], recent[i % KMW_STATE_MESSAGES],
		       KMW_STATE_MESSAGE_LEN);
	pthread_mutex_unlock(&recent_lock);
}

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
	remember(prio, fmt, ap);
	va_end(ap);
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
