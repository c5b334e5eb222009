// SPDX-License-Identifier: GPL-2.0-or-later
/* sink_journald.c - the journald sink: one journal entry per event, with the event's main
 * facts as KMODWATCH_* fields beside the whole JSON */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>
#endif

#include "kmw_decode.h"
#include "kmw_risk.h"
#include "sink_priv.h"

/* the fields, in the order the frame puts them, each ended by a NUL; the JSON last */
enum {
	J_PRIORITY,
	J_KIND,
	J_COUNT,
	J_SYSCALL,
	J_MODULE,
	J_SHA256,
	J_RESULT,
	J_EXE,
	J_RISK,
	J_JSON,
	J_FIELDS
};

static int journal_init(struct kmw_sink *s)
{
#ifdef HAVE_LIBSYSTEMD
	snprintf(s->name, sizeof(s->name), "journald");
	return 0;
#else
	(void)s;
	return -ENOTSUP;
#endif
}

/*
 * sd_journal_send() succeeds without a word where no journald listens (it drops the message
 * when the socket is absent): the socket is looked for here, so that such a host says at
 * start that this output cannot deliver, and its events count as waiting, then dropped.
 * KMW_JOURNAL_SOCKET names another path to look for (tests make journald absent with it).
 */
static const char *journal_socket(void)
{
	const char *p = getenv("KMW_JOURNAL_SOCKET");

	return p && *p ? p : "/run/systemd/journal/socket";
}

static bool journal_is_open(const struct kmw_sink *s)
{
	(void)s;
	return access(journal_socket(), W_OK) == 0;
}

static int journal_open(struct kmw_sink *s)
{
	int rc;

	if (journal_is_open(s))
		return 0;
	rc = -errno;
	sink_why(s, "no journald: %s: %s", journal_socket(), strerror(-rc));
	return rc;
}

static void journal_close(struct kmw_sink *s)
{
	(void)s;
}

static void put_field(struct kmw_buf *b, const struct kmw_event *ev, const struct kmw_str *f)
{
	if (f->set) {
		const char *v = event_str(ev, f);

		buf_append(b, v, strnlen(v, f->len));
	}
	buf_putc(b, '\0');
}

static void journal_frame(struct kmw_sink *s, struct kmw_buf *b, const struct kmw_event *ev,
			  const char *body, size_t len, int severity)
{
	int err = event_errno(ev);
	const char *result = ev->success		     ? "success"
			     : (err && strerrorname_np(err)) ? strerrorname_np(err)
							     : "failure";

	(void)s;
	buf_printf(b, "%d", severity);
	buf_putc(b, '\0');
	buf_puts(b, event_kind_name(ev->kind));
	buf_putc(b, '\0');
	buf_printf(b, "%llu",
		   (unsigned long long)(ev->kind == KMW_KIND_SUMMARY ? ev->summary.count : 1));
	buf_putc(b, '\0');
	/* a summary of an overflowing table may count several syscalls */
	buf_puts(b, decode_syscall_name(ev->sc) ?: "several");
	buf_putc(b, '\0');
	put_field(b, ev, &ev->mod_name);
	buf_puts(b, ev->have_facts ? ev->facts.sha256 : "");
	buf_putc(b, '\0');
	buf_puts(b, result);
	buf_putc(b, '\0');
	put_field(b, ev, &ev->exe);
	buf_puts(b, risk_level_name((enum kmw_risk_level)ev->risk_level));
	buf_putc(b, '\0');
	buf_append(b, body, len);
}

static int journal_send(struct kmw_sink *s, const char *msg, size_t len)
{
#ifdef HAVE_LIBSYSTEMD
	const char *f[J_FIELDS];
	const char *p = msg, *end = msg + len;
	int i, rc;

	for (i = 0; i < J_FIELDS; i++) {
		f[i] = p;
		p = memchr(p, '\0', (size_t)(end - p));
		if (!p && i < J_JSON)
			return -EINVAL;
		p = p ? p + 1 : end;
	}
	if (!journal_is_open(s))
		return journal_open(s);
	if (!strcmp(f[J_KIND], "summary"))
		rc = sd_journal_send("MESSAGE=kmodwatch: %s failed %s calls (%s) by %s, summarised "
				     "(risk %s)",
				     f[J_COUNT], f[J_SYSCALL], f[J_RESULT],
				     f[J_EXE][0] ? f[J_EXE] : "-", f[J_RISK], "PRIORITY=%s",
				     f[J_PRIORITY], "SYSLOG_IDENTIFIER=%s", s->c.app_name,
				     "KMODWATCH_KIND=%s", f[J_KIND], "KMODWATCH_COUNT=%s",
				     f[J_COUNT], "KMODWATCH_SYSCALL=%s", f[J_SYSCALL],
				     "KMODWATCH_RESULT=%s", f[J_RESULT], "KMODWATCH_EXE=%s",
				     f[J_EXE], "KMODWATCH_RISK=%s", f[J_RISK], "KMODWATCH_JSON=%s",
				     f[J_JSON], NULL);
	else
		rc = sd_journal_send("MESSAGE=kmodwatch: %s %s %s by %s (risk %s)", f[J_SYSCALL],
				     f[J_MODULE][0] ? f[J_MODULE] : "-", f[J_RESULT],
				     f[J_EXE][0] ? f[J_EXE] : "-", f[J_RISK], "PRIORITY=%s",
				     f[J_PRIORITY], "SYSLOG_IDENTIFIER=%s", s->c.app_name,
				     "KMODWATCH_KIND=%s", f[J_KIND], "KMODWATCH_SYSCALL=%s",
				     f[J_SYSCALL], "KMODWATCH_MODULE=%s", f[J_MODULE],
				     "KMODWATCH_SHA256=%s", f[J_SHA256], "KMODWATCH_RESULT=%s",
				     f[J_RESULT], "KMODWATCH_EXE=%s", f[J_EXE], "KMODWATCH_RISK=%s",
				     f[J_RISK], "KMODWATCH_JSON=%s", f[J_JSON], NULL);
	return rc < 0 ? rc : 0;
#else
	(void)s;
	(void)msg;
	(void)len;
	return -ENOTSUP;
#endif
}

const struct sink_ops sink_journald_ops = {
	.kind = "journald",
	.init = journal_init,
	.open = journal_open,
	.is_open = journal_is_open,
	.frame = journal_frame,
	.send = journal_send,
	.close = journal_close,
};
