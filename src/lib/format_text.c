// SPDX-License-Identifier: GPL-2.0-or-later
/* format_text.c - the human format: an event on one line */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kmw_decode.h"
#include "kmw_dpkg.h"
#include "kmw_format.h"
#include "format_priv.h"
#include "kmw_risk.h"

static void t_str(struct kmw_buf *b, const char *key, const struct kmw_event *ev,
		  const struct kmw_str *s)
{
	buf_printf(b, " %s=", key);
	if (s->set)
		buf_text_str(b, event_str(ev, s), s->len);
	else
		buf_putc(b, '-');
}

static void t_id(struct kmw_buf *b, const char *key, int64_t id, const struct kmw_event *ev,
		 const struct kmw_str *name)
{
	buf_printf(b, " %s=", key);
	if (id < 0)
		buf_putc(b, '-');
	else
		buf_printf(b, "%" PRId64, id);
	if (name && name->set) {
		buf_putc(b, '(');
		buf_text_str(b, event_str(ev, name), name->len);
		buf_putc(b, ')');
	}
}

static void risk_text(struct kmw_buf *b, const struct kmw_event *ev)
{
	unsigned int i, n;

	buf_printf(b, " risk=%s", risk_level_name((enum kmw_risk_level)ev->risk_level));
	for (i = 0, n = 0; i < KMW_R_COUNT; i++)
		if (ev->risk_reasons & (1u << i))
			buf_printf(b, "%c%s", n++ ? ',' : '(',
				   risk_reason_code((enum kmw_risk_reason)i));
	if (n)
		buf_putc(b, ')');
}

static int summary_text(struct kmw_buf *b, const struct kmw_event *ev)
{
	const struct kmw_summary_facts *s = &ev->summary;
	const char *en = decode_errno_name(event_errno(ev));
	char ts[48], last[48];

	fmt_iso_time(ts, sizeof(ts), ev->sec, ev->msec);
	fmt_iso_time(last, sizeof(last), s->last_ms / 1000, (unsigned int)(s->last_ms % 1000));
	buf_printf(b, "%s summary %s(%s) failed %s count=%" PRIu64, ts,
		   decode_syscall_name(ev->sc) ?: "several", decode_arch_name(ev->arch) ?: "?",
		   en ? en : "several", s->count);
	t_id(b, "uid", ev->uid, ev, &ev->uid_name);
	t_str(b, "exe", ev, &ev->exe);
	if (s->exe_merged)
		buf_puts(b, "(merged)");
	buf_printf(b, " first=%s last=%s interval=%us", ts, last, s->interval_s);
	risk_text(b, ev);
	t_str(b, "node", ev, &ev->node);
	buf_printf(b, " serials=%" PRIu64 "..%" PRIu64 "\n", ev->serial, s->last_serial);
	return b->oom ? -ENOMEM : 0;
}

/* What only some alerts have: the act and who did it, the file IMA saw, the taint. */
static void alert_other_text(struct kmw_buf *b, const struct kmw_event *ev)
{
	const struct kmw_alert_facts *a = &ev->alert;
	unsigned int i;

	if (a->code == KMW_R_SUPPRESSED_LOAD) {
		t_str(b, "file", ev, &ev->ima_file);
		buf_printf(b, " hash=%s:%s lost_meanwhile=%" PRIu64, ev->ima.algo, ev->ima.hash,
			   a->lost_meanwhile);
	} else if (a->code == KMW_R_UNEXPLAINED_TAINT || a->code == KMW_R_TAINT_CLEARED) {
		uint64_t moved = a->code == KMW_R_TAINT_CLEARED ? a->taint_was & ~a->taint_now
								: a->taint_now & ~a->taint_was;

		buf_printf(b, " taint=%" PRIu64 "->%" PRIu64 " %s=", a->taint_was, a->taint_now,
			   a->code == KMW_R_TAINT_CLEARED ? "gone" : "new");
		for (i = 0; i < 64; i++)
			if ((moved & (1ULL << i)) && decode_taint_letter(i))
				buf_putc(b, decode_taint_letter(i));
	} else {
		if (a->act)
			buf_printf(b, " act=%s", a->act);
		if (a->detail[0]) {
			buf_puts(b, " detail=\"");
			buf_text_str(b, a->detail, strlen(a->detail));
			buf_putc(b, '"');
		}
		if (a->response)
			buf_printf(b, " response=\"%s\"", a->response);
		if (ev->file_path.set)
			t_str(b, "file", ev, &ev->file_path);
	}
	if (ev->pid >= 0) {
		buf_printf(b, " pid=%" PRId64, ev->pid);
		t_str(b, "comm", ev, &ev->comm);
		t_str(b, "exe", ev, &ev->exe);
	}
}

static bool ledger_alert_code(int code)
{
	return code == KMW_R_HIDDEN_MODULE || code == KMW_R_UNAUDITED_LOAD ||
	       code == KMW_R_UNAUDITED_UNLOAD;
}

static int alert_text(struct kmw_buf *b, const struct kmw_event *ev)
{
	const struct kmw_alert_facts *a = &ev->alert;
	char ts[48];

	fmt_iso_time(ts, sizeof(ts), ev->sec, ev->msec);
	buf_printf(b, "%s alert %s", ts, risk_reason_code((enum kmw_risk_reason)a->code));
	t_str(b, "module", ev, &ev->mod_name);
	if (!ledger_alert_code(a->code)) {
		alert_other_text(b, ev);
		risk_text(b, ev);
		t_str(b, "node", ev, &ev->node);
		buf_putc(b, '\n');
		return b->oom ? -ENOMEM : 0;
	}
	buf_printf(b, " proc_modules=%s sys_module=%s audit=%s", a->in_proc ? "yes" : "no",
		   a->in_sysfs ? "yes" : "no",
		   a->audit_loaded     ? "loaded"
		   : a->audit_unloaded ? "unloaded"
				       : "never");
	if (a->audit_loaded)
		buf_printf(b, "(serial %" PRIu64 ")", a->load_serial);
	buf_printf(b, " at_start=%s checks=%u", a->at_start ? "yes" : "no", a->checks);
	if (a->hidden_by[0]) {
		buf_puts(b, " hidden_by=\"");
		buf_text_str(b, a->hidden_by, strlen(a->hidden_by));
		buf_putc(b, '"');
	}
	risk_text(b, ev);
	t_str(b, "node", ev, &ev->node);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}

int format_text(struct kmw_buf *b, const struct kmw_event *ev)
{
	char ts[48];
	const char *names[8];
	unsigned int n, i;
	uint64_t unknown;
	int err = event_errno(ev);
	int farg = decode_flags_arg(ev->sc);

	if (ev->kind == KMW_KIND_SUMMARY)
		return summary_text(b, ev);
	if (ev->kind == KMW_KIND_ALERT)
		return alert_text(b, ev);
	fmt_iso_time(ts, sizeof(ts), ev->sec, ev->msec);
	if (ev->no_syscall)
		buf_printf(b,
			   "%s module call (no SYSCALL record: call, result and process unknown)",
			   ts);
	else
		buf_printf(b, "%s %s(%s) %s", ts, decode_syscall_name(ev->sc),
			   decode_arch_name(ev->arch) ?: "?", ev->success ? "ok" : "failed");
	if (err) {
		const char *en = decode_errno_name(err);

		if (en)
			buf_printf(b, " %s", en);
		else
			buf_printf(b, " errno=%d", err);
	}
	t_str(b, "module", ev, &ev->mod_name);
	if (ev->sc == KMW_SC_FINIT_MODULE) {
		const char *psrc;
		const struct kmw_str *mp = event_module_path(ev, &psrc);

		buf_printf(b, " fd=%d", (int32_t)ev->a[0]);
		t_str(b, "path", ev, mp ? mp : &ev->mod_path);
		if (ev->path_deleted)
			buf_puts(b, "(deleted)");
		if (mp && strcmp(psrc, "proc_fd"))
			buf_printf(b, "(%s)", psrc);
		else if (ev->path_err != KMW_PATH_OK)
			buf_printf(b, "(%s)", event_path_err_name(ev->path_err));
	} else if (ev->sc == KMW_SC_INIT_MODULE) {
		buf_printf(b, " len=%" PRIu64, ev->a[1]);
	}
	if (ev->params.set && ev->params.len) {
		buf_puts(b, " params=\"");
		buf_text_str(b, event_str(ev, &ev->params), ev->params.len);
		buf_printf(b, "\"(%s)", event_params_src_name(ev->params_src));
	}
	if (farg >= 0) {
		decode_flags(ev->sc, ev->a[farg], names, 8, &n, &unknown);
		buf_printf(b, " flags=0x%" PRIx64, ev->a[farg]);
		for (i = 0; i < n; i++)
			buf_printf(b, "%c%s", i ? '|' : '<', names[i]);
		if (unknown)
			buf_printf(b, "%c0x%" PRIx64, n ? '|' : '<', unknown);
		if (n || unknown)
			buf_putc(b, '>');
	}
	t_id(b, "pid", ev->pid, ev, NULL);
	t_id(b, "ppid", ev->ppid, ev, NULL);
	t_id(b, "uid", ev->uid, ev, &ev->uid_name);
	t_id(b, "auid", ev->auid, ev, &ev->auid_name);
	t_str(b, "comm", ev, &ev->comm);
	t_str(b, "exe", ev, &ev->exe);
	buf_puts(b, " cmdline=\"");
	for (i = 0; i < ev->argc; i++) {
		if (i)
			buf_putc(b, ' ');
		buf_text_str(b, event_str(ev, &ev->argv[i]), ev->argv[i].len);
	}
	buf_putc(b, '"');
	if (ev->have_facts && ev->facts.sha256[0])
		buf_printf(b, " sha256=%s", ev->facts.sha256);
	if (ev->ima.src != KMW_IMA_NONE)
		buf_printf(b, " ima=%s:%s(%s%s)", ev->ima.algo, ev->ima.hash,
			   event_ima_src_name(ev->ima.src),
			   ev->ima.matches == 0	  ? ",changed"
			   : ev->ima.matches == 1 ? ",matches"
						  : "");
	if (ev->have_facts && ev->facts.analysed)
		buf_printf(b, " signed=%s", ev->facts.sig_present ? "yes" : "no");
	if (dpkg_prov_name((enum kmw_pkg_prov)ev->package)) {
		buf_printf(b, " package=%s", dpkg_prov_name((enum kmw_pkg_prov)ev->package));
		if (ev->package_name[0])
			buf_printf(b, "(%s)", ev->package_name);
	}
	risk_text(b, ev);
	t_str(b, "key", ev, &ev->key);
	t_str(b, "node", ev, &ev->node);
	buf_printf(b, " serial=%" PRIu64 "%s\n", ev->serial, ev->historical ? " historical" : "");
	return b->oom ? -ENOMEM : 0;
}
