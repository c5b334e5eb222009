// SPDX-License-Identifier: GPL-2.0-or-later
/* format_table.c - the tables of the command line: `kmodwatch query` (aligned text, CSV) and
 * `kmodwatch modules` (aligned text, CSV, JSON lines) */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "format_priv.h"
#include "kmw_format.h"
#include "kmw_modlist.h"
#include "kmw_risk.h"

/* one column of a table: padded to @width, cut to it with an ellipsis only when @cut (a
 * terminal): its end (KMW_CUT_END) or its middle (KMW_CUT_MIDDLE, for paths); untrusted
 * bytes shown escaped */
#define KMW_CUT_END 1
#define KMW_CUT_MIDDLE 2

/* Column widths of the table; PATH takes what is left of the terminal. */
enum {
	W_HOST = 16,
	W_TIME = 19,
	W_SYSCALL = 13,
	W_RESULT = 12,
	W_MODULE = 18,
	W_USER = 10,
	W_RISK = 6,
	W_EXE = 24
};

/*
 * One column: padded to @width; cut to it with an ellipsis only when @cut
 * (on a terminal), so that piped output keeps every byte.
 */
/* the byte offset of character @k of @p (@len bytes of UTF-8) */
static size_t char_off(const char *p, size_t len, size_t k)
{
	size_t i;

	for (i = 0; i < len && k; i++)
		if (i + 1 == len || ((unsigned char)p[i + 1] & 0xc0) != 0x80)
			k--;
	return i;
}

static void fmt_cell(struct kmw_buf *b, const char *s, int width, int cut, bool last)
{
	struct kmw_buf t;
	size_t shown, i, n, head, tail;

	buf_init(&t);
	if (!s || !*s)
		s = "-";
	buf_display_str(&t, s, strlen(s));
	/* count characters, not bytes, for the width and the padding */
	for (i = 0, n = 0; i < t.len; i++)
		n += ((unsigned char)t.data[i] & 0xc0) != 0x80;
	if (cut && width > 1 && n > (size_t)width) {
		/* cut on character boundaries and mark it: the end off, or the middle (a path's
		 * file name is at its end) */
		head = cut == KMW_CUT_MIDDLE ? ((size_t)width - 1) / 3 : (size_t)width - 1;
		tail = (size_t)width - 1 - head;
		buf_append(b, t.data, char_off(t.data, t.len, head));
		buf_puts(b, "\xe2\x80\xa6"); /* U+2026, an ellipsis */
		if (tail) {
			size_t from = char_off(t.data, t.len, n - tail);

			buf_append(b, t.data + from, t.len - from);
		}
		shown = (size_t)width;
	} else {
		buf_append(b, t.data ? t.data : "", t.len);
		shown = n;
	}
	buf_free(&t);
	if (last)
		return;
	/* at least one space, even after a value wider than its column */
	do
		buf_putc(b, ' ');
	while (++shown <= (size_t)width);
}

static void fmt_table_time(char *out, size_t len, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, len, "?");
}

int format_table_header(struct kmw_buf *b, const struct kmw_table *t)
{
	fmt_cell(b, "TIME (UTC)", W_TIME, false, false);
	if (t->host)
		fmt_cell(b, "HOST", W_HOST, false, false);
	fmt_cell(b, "SYSCALL", W_SYSCALL, false, false);
	fmt_cell(b, "RESULT", W_RESULT, false, false);
	fmt_cell(b, "MODULE", W_MODULE, false, false);
	fmt_cell(b, "USER", W_USER, false, false);
	fmt_cell(b, "RISK", W_RISK, false, false);
	fmt_cell(b, "EXE", W_EXE, false, false);
	fmt_cell(b, "PATH", 0, false, true);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}

int format_table_row(struct kmw_buf *b, const struct kmw_table *t, const struct kmw_row *r)
{
	char ts[32], user[32], calls[32];
	int used = W_TIME + W_SYSCALL + W_RESULT + W_MODULE + W_USER + W_RISK + W_EXE + 7 +
		   (t->host ? W_HOST + 1 : 0);
	int pathw = t->width ? (t->width - used > 10 ? t->width - used : 10) : 0;
	const char *colour = NULL;

	bool cut = t->width > 0;

	fmt_table_time(ts, sizeof(ts), r->time_ms);
	fmt_cell(b, ts, W_TIME, false, false);
	if (t->host)
		fmt_cell(b, r->node ? r->node : "-", W_HOST, cut, false);
	/* an alert is of no syscall: its kind says what it is, its code (the result) which */
	fmt_cell(b, r->kind && !strcmp(r->kind, "alert") ? "alert" : r->syscall, W_SYSCALL, false,
		 false);
	if (t->colour && !r->success)
		buf_puts(b, "\033[31m");
	fmt_cell(b,
		 r->success			  ? "ok"
		 : r->errno_name		  ? r->errno_name
		 : !strcmp(r->syscall, "unknown") ? "unknown"
						  : "failed",
		 W_RESULT, false, false);
	if (t->colour && !r->success)
		buf_puts(b, "\033[0m");
	if (r->kind && !strcmp(r->kind, "summary")) {
		snprintf(calls, sizeof(calls), "%lld calls", (long long)r->count);
		fmt_cell(b, calls, W_MODULE, cut, false);
	} else {
		fmt_cell(b, r->module, W_MODULE, cut, false);
	}
	if (r->user)
		snprintf(user, sizeof(user), "%s", r->user);
	else if (r->uid >= 0)
		snprintf(user, sizeof(user), "%lld", (long long)r->uid);
	else
		snprintf(user, sizeof(user), "-");
	fmt_cell(b, user, W_USER, cut, false);
	if (t->colour && r->risk && !strcmp(r->risk, "high"))
		colour = "\033[1;31m";
	else if (t->colour && r->risk && !strcmp(r->risk, "medium"))
		colour = "\033[33m";
	if (colour)
		buf_puts(b, colour);
	fmt_cell(b, r->risk, W_RISK, false, false);
	if (colour)
		buf_puts(b, "\033[0m");
	fmt_cell(b, r->exe, W_EXE, cut, false);
	fmt_cell(b, r->path, pathw, cut ? KMW_CUT_MIDDLE : 0, true);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}

static void fmt_csv_cell(struct kmw_buf *b, const char *s, bool last)
{
	const char *p;

	if (s) {
		bool formula = s[0] && strchr("=+-@", s[0]);
		bool quote = strpbrk(s, ",\"\r\n") || formula;

		if (quote)
			buf_putc(b, '"');
		/* a leading =, +, - or @ would run as a formula in a spreadsheet */
		if (formula)
			buf_putc(b, '\'');
		for (p = s; *p; p++) {
			if (*p == '"')
				buf_putc(b, '"');
			buf_putc(b, *p);
		}
		if (quote)
			buf_putc(b, '"');
	}
	buf_putc(b, last ? '\n' : ',');
}

static void fmt_csv_num(struct kmw_buf *b, int64_t v, bool present)
{
	if (present)
		buf_printf(b, "%lld", (long long)v);
	buf_putc(b, ',');
}

int format_csv_header(struct kmw_buf *b)
{
	buf_puts(
		b,
		"time,syscall,arch,success,exit,errno,flags,flag_names,module,path,sha256,exe,comm,"
		"pid,uid,user,auid,key,risk,historical,node,kind,count\n");
	return b->oom ? -ENOMEM : 0;
}

int format_csv_row(struct kmw_buf *b, const struct kmw_row *r)
{
	char ts[48], flags[256];
	size_t n;

	fmt_iso_time(ts, sizeof(ts), r->time_ms / 1000, (unsigned int)(r->time_ms % 1000));
	fmt_csv_cell(b, ts, false);
	fmt_csv_cell(b, r->syscall, false);
	fmt_csv_cell(b, r->arch, false);
	fmt_csv_cell(b, r->success ? "true" : "false", false);
	fmt_csv_num(b, r->exit, true);
	fmt_csv_cell(b, r->errno_name, false);
	fmt_csv_num(b, r->flags, r->flags >= 0);
	/* stored as |A|B|: a plain A|B here */
	snprintf(flags, sizeof(flags), "%s",
		 r->flag_names ? r->flag_names + (r->flag_names[0] == '|') : "");
	n = strlen(flags);
	if (n && flags[n - 1] == '|')
		flags[n - 1] = '\0';
	fmt_csv_cell(b, flags, false);
	fmt_csv_cell(b, r->module, false);
	fmt_csv_cell(b, r->path, false);
	fmt_csv_cell(b, r->sha256, false);
	fmt_csv_cell(b, r->exe, false);
	fmt_csv_cell(b, r->comm, false);
	fmt_csv_num(b, r->pid, r->pid >= 0);
	fmt_csv_num(b, r->uid, r->uid >= 0);
	fmt_csv_cell(b, r->user, false);
	fmt_csv_num(b, r->auid, r->auid >= 0);
	fmt_csv_cell(b, r->key, false);
	fmt_csv_cell(b, r->risk, false);
	fmt_csv_cell(b, r->historical ? "true" : "false", false);
	fmt_csv_cell(b, r->node, false);
	fmt_csv_cell(b, r->kind ? r->kind : "syscall", false);
	buf_printf(b, "%lld\n", (long long)(r->count > 0 ? r->count : 1));
	return b->oom ? -ENOMEM : 0;
}

const char *modrow_prov_name(enum kmw_provenance p)
{
	switch (p) {
	case KMW_PROV_LOAD_EVENT: return "load_event";
	case KMW_PROV_BEFORE: return "before_monitoring";
	case KMW_PROV_UNAUDITED: return "unaudited";
	default: return "unknown";
	}
}

/* Column widths; FILE takes what is left of the terminal. */
enum {
	M_NAME = 20,
	M_STATE = 8,
	M_SIZE = 8,
	M_REFS = 4,
	M_TAINT = 5,
	M_PROV = 17,
	M_SINCE = 19,
	M_BY = 10,
	M_SIGNER = 22,
	M_PKG = 17,
	M_RISK = 6
};

static const char *signer(const struct kmw_modrow *r)
{
	if (!r->facts || !r->facts->analysed)
		return NULL;
	if (!r->facts->sig_present)
		return "unsigned";
	return r->facts->sig_signer[0] ? r->facts->sig_signer : "signed";
}

static void views(char *out, size_t len, const struct kmw_module_info *m)
{
	snprintf(out, len, "%s",
		 m->in_proc && m->in_sysfs ? "both"
		 : m->in_proc		   ? "proc_modules"
		 : m->in_sysfs		   ? "sys_module"
					   : "neither");
}

int format_modrow_header(struct kmw_buf *b, const struct kmw_table *t, const char *fmt)
{
	(void)t;
	if (!strcmp(fmt, "csv")) {
		buf_puts(
			b,
			"name,state,size,refcnt,users,taint,srcversion,views,provenance,load_time,"
			"loader,user,uid,serial,file,file_source,sha256,signed,signer,package_provenance,"
			"package,risk,reasons\n");
	} else if (!strcmp(fmt, "text")) {
		fmt_cell(b, "MODULE", M_NAME, false, false);
		fmt_cell(b, "STATE", M_STATE, false, false);
		fmt_cell(b, "SIZE", M_SIZE, false, false);
		fmt_cell(b, "REFS", M_REFS, false, false);
		fmt_cell(b, "TAINT", M_TAINT, false, false);
		fmt_cell(b, "PROVENANCE", M_PROV, false, false);
		fmt_cell(b, "LOADED (UTC)", M_SINCE, false, false);
		fmt_cell(b, "BY", M_BY, false, false);
		fmt_cell(b, "SIGNER", M_SIGNER, false, false);
		fmt_cell(b, "PACKAGE", M_PKG, false, false);
		fmt_cell(b, "RISK", M_RISK, false, false);
		fmt_cell(b, "FILE", 0, false, true);
		buf_putc(b, '\n');
	}
	return b->oom ? -ENOMEM : 0;
}

static void reasons_csv(struct kmw_buf *b, uint32_t reasons)
{
	char list[512];
	size_t n = 0;
	int i;

	list[0] = '\0';
	for (i = 0; i < KMW_R_COUNT; i++)
		if (reasons & (1u << i))
			n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0,
					      "%s%s", n ? "|" : "",
					      risk_reason_code((enum kmw_risk_reason)i));
	fmt_csv_cell(b, list, true);
}

static int row_text(struct kmw_buf *b, const struct kmw_table *t, const struct kmw_modrow *r)
{
	const struct kmw_module_info *m = r->m;
	const struct kmw_ledger_entry *e = r->load;
	int used = M_NAME + M_STATE + M_SIZE + M_REFS + M_TAINT + M_PROV + M_SINCE + M_BY +
		   M_SIGNER + M_PKG + M_RISK + 11;
	int filew = t->width ? (t->width - used > 10 ? t->width - used : 10) : 0;
	const char *risk = risk_level_name((enum kmw_risk_level)r->level);
	bool cut = t->width > 0;
	char num[32], refs[32], ts[32], prov[32];

	fmt_cell(b, m->name, M_NAME, cut, false);
	/* what hides is said where the eye falls: in the state */
	if (t->colour && !m->in_proc)
		buf_puts(b, "\033[1;31m");
	fmt_cell(b,
		 m->in_proc				    ? m->state
		 : r->reasons & (1u << KMW_R_HIDDEN_MODULE) ? "HIDDEN"
							    : "GONE",
		 M_STATE, false, false);
	if (t->colour && !m->in_proc)
		buf_puts(b, "\033[0m");
	snprintf(num, sizeof(num), "%lld", (long long)m->size);
	fmt_cell(b, m->size >= 0 ? num : NULL, M_SIZE, false, false);
	snprintf(refs, sizeof(refs), "%lld", (long long)m->refcnt);
	fmt_cell(b, m->refcnt >= 0 ? refs : NULL, M_REFS, false, false);
	fmt_cell(b, m->taint, M_TAINT, false, false);
	snprintf(prov, sizeof(prov), "%s", modrow_prov_name(r->prov));
	fmt_cell(b, prov, M_PROV, false, false);
	if (e) {
		fmt_table_time(ts, sizeof(ts), e->load_ms);
		fmt_cell(b, ts, M_SINCE, false, false);
		fmt_cell(b, e->load_user[0] ? e->load_user : NULL, M_BY, cut, false);
	} else {
		fmt_cell(b, NULL, M_SINCE, false, false);
		fmt_cell(b, NULL, M_BY, false, false);
	}
	fmt_cell(b, signer(r), M_SIGNER, cut, false);
	fmt_cell(b, dpkg_prov_name(r->pkg), M_PKG, false, false);
	if (t->colour && !strcmp(risk, "high"))
		buf_puts(b, "\033[1;31m");
	else if (t->colour && !strcmp(risk, "medium"))
		buf_puts(b, "\033[33m");
	fmt_cell(b, risk, M_RISK, false, false);
	if (t->colour && (!strcmp(risk, "high") || !strcmp(risk, "medium")))
		buf_puts(b, "\033[0m");
	if (r->file && r->file_matches_load == 0) {
		char file[PATH_MAX + 32];

		/* the eye must not take the file's facts for the module's */
		snprintf(file, sizeof(file), "%s (changed since load)", r->file);
		fmt_cell(b, file, filew, cut ? KMW_CUT_MIDDLE : 0, true);
	} else {
		fmt_cell(b, r->file, filew, cut ? KMW_CUT_MIDDLE : 0, true);
	}
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}

static int row_csv(struct kmw_buf *b, const struct kmw_modrow *r)
{
	const struct kmw_module_info *m = r->m;
	const struct kmw_ledger_entry *e = r->load;
	const char *sg = signer(r);
	char ts[48], v[16];

	fmt_csv_cell(b, m->name, false);
	fmt_csv_cell(b, m->state, false);
	fmt_csv_num(b, m->size, m->size >= 0);
	fmt_csv_num(b, m->refcnt, m->refcnt >= 0);
	fmt_csv_cell(b, m->users, false);
	fmt_csv_cell(b, m->taint, false);
	fmt_csv_cell(b, m->srcversion, false);
	views(v, sizeof(v), m);
	fmt_csv_cell(b, v, false);
	fmt_csv_cell(b, modrow_prov_name(r->prov), false);
	if (e) {
		fmt_iso_time(ts, sizeof(ts), e->load_ms / 1000, (unsigned int)(e->load_ms % 1000));
		fmt_csv_cell(b, ts, false);
		fmt_csv_cell(b, e->load_exe, false);
		fmt_csv_cell(b, e->load_user, false);
		fmt_csv_num(b, e->load_uid, e->load_uid >= 0);
		buf_printf(b, "%llu,", (unsigned long long)e->load_serial);
	} else {
		buf_puts(b, ",,,,,");
	}
	fmt_csv_cell(b, r->file, false);
	fmt_csv_cell(b, r->file_source, false);
	fmt_csv_cell(b, r->facts && r->facts->analysed ? r->facts->sha256 : NULL, false);
	fmt_csv_cell(b, sg ? (strcmp(sg, "unsigned") ? "true" : "false") : NULL, false);
	fmt_csv_cell(b, sg && strcmp(sg, "unsigned") ? r->facts->sig_signer : NULL, false);
	fmt_csv_cell(b, dpkg_prov_name(r->pkg), false);
	fmt_csv_cell(b, r->pkg_name, false);
	fmt_csv_cell(b, risk_level_name((enum kmw_risk_level)r->level), false);
	reasons_csv(b, r->reasons);
	return b->oom ? -ENOMEM : 0;
}

static int row_json(struct kmw_buf *b, const struct kmw_modrow *r)
{
	const struct kmw_module_info *m = r->m;
	const struct kmw_ledger_entry *e = r->load;
	const struct kmw_modfacts *f = r->facts && r->facts->analysed ? r->facts : NULL;
	struct kmw_json w;
	const char *p, *next;
	char ts[48];
	int i;

	json_start(&w, b);
	json_cstr(&w, "name", m->name);
	json_fix(&w, "state", m->state);
	json_id(&w, "size", m->size, false);
	json_id(&w, "refcnt", m->refcnt, false);
	json_array(&w, "users");
	for (p = m->users; *p; p = next) {
		next = strchr(p, ',');
		json_str(&w, NULL, p, next ? (size_t)(next - p) : strlen(p));
		next = next ? next + 1 : p + strlen(p);
	}
	json_close(&w);
	json_fix(&w, "taint", m->taint);
	json_fix(&w, "srcversion", m->srcversion);
	json_object(&w, "views");
	json_bool(&w, "proc_modules", m->in_proc);
	json_bool(&w, "sys_module", m->in_sysfs);
	json_close(&w);
	json_object(&w, "provenance");
	json_cstr(&w, "kind", modrow_prov_name(r->prov));
	if (e) {
		fmt_iso_time(ts, sizeof(ts), e->load_ms / 1000, (unsigned int)(e->load_ms % 1000));
		json_cstr(&w, "time", ts);
		json_uint(&w, "serial", e->load_serial);
		json_fix(&w, "loader", e->load_exe);
		json_fix(&w, "user", e->load_user);
		json_id(&w, "uid", e->load_uid, false);
		json_fix(&w, "risk", e->load_risk);
	}
	json_close(&w);
	json_object(&w, "file");
	json_cstr(&w, "path", r->file);
	json_cstr(&w, "source", r->file_source);
	json_cstr(&w, "error", r->file_error);
	json_cstr(&w, "sha256", f ? f->sha256 : NULL);
	if (e)
		json_tristate(&w, "matches_load", r->file_matches_load);
	if (f) {
		json_bool(&w, "signed", f->sig_present);
		json_fix(&w, "signer", f->sig_signer);
		json_fix(&w, "key_id", f->sig_key_id);
		json_fix(&w, "srcversion", f->mi_srcversion);
	}
	json_close(&w);
	json_object(&w, "package");
	json_cstr(&w, "provenance", dpkg_prov_name(r->pkg));
	json_cstr(&w, "name", r->pkg_name && r->pkg_name[0] ? r->pkg_name : NULL);
	json_close(&w);
	json_object(&w, "risk");
	json_cstr(&w, "level", risk_level_name((enum kmw_risk_level)r->level));
	json_array(&w, "reasons");
	for (i = 0; i < KMW_R_COUNT; i++)
		if (r->reasons & (1u << i))
			json_cstr(&w, NULL, risk_reason_code((enum kmw_risk_reason)i));
	json_close(&w);
	json_close(&w);
	json_close(&w);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}

int format_modrow(struct kmw_buf *b, const struct kmw_table *t, const char *fmt,
		  const struct kmw_modrow *r)
{
	if (!strcmp(fmt, "csv"))
		return row_csv(b, r);
	if (!strcmp(fmt, "json"))
		return row_json(b, r);
	return row_text(b, t, r);
}
