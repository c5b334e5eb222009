// SPDX-License-Identifier: GPL-2.0-or-later
/* format_modules.c - the listing of `kmodwatch modules`: a table, CSV, JSON lines */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "kmw_format_priv.h"
#include "kmw_modlist.h"
#include "kmw_risk.h"

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
enum { W_NAME = 20, W_STATE = 8, W_SIZE = 8, W_REFS = 4, W_TAINT = 5, W_PROV = 17, W_SINCE = 19,
       W_BY = 10, W_SIGNER = 22, W_PKG = 17, W_RISK = 6 };

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
	snprintf(out, len, "%s", m->in_proc && m->in_sysfs ? "both" : m->in_proc ?
		 "proc_modules" : m->in_sysfs ? "sys_module" : "neither");
}

int format_modrow_header(struct kmw_buf *b, const struct kmw_table *t, const char *fmt)
{
	(void)t;
	if (!strcmp(fmt, "csv")) {
		buf_puts(b, "name,state,size,refcnt,users,taint,srcversion,views,provenance,load_time,"
			 "loader,user,uid,serial,file,file_source,sha256,signed,signer,package_provenance,"
			 "package,risk,reasons\n");
	} else if (!strcmp(fmt, "text")) {
		fmt_cell(b, "MODULE", W_NAME, false, false);
		fmt_cell(b, "STATE", W_STATE, false, false);
		fmt_cell(b, "SIZE", W_SIZE, false, false);
		fmt_cell(b, "REFS", W_REFS, false, false);
		fmt_cell(b, "TAINT", W_TAINT, false, false);
		fmt_cell(b, "PROVENANCE", W_PROV, false, false);
		fmt_cell(b, "LOADED (UTC)", W_SINCE, false, false);
		fmt_cell(b, "BY", W_BY, false, false);
		fmt_cell(b, "SIGNER", W_SIGNER, false, false);
		fmt_cell(b, "PACKAGE", W_PKG, false, false);
		fmt_cell(b, "RISK", W_RISK, false, false);
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
			n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
					      n ? "|" : "", risk_reason_code((enum kmw_risk_reason)i));
	fmt_csv_cell(b, list, true);
}

static int row_text(struct kmw_buf *b, const struct kmw_table *t, const struct kmw_modrow *r)
{
	const struct kmw_module_info *m = r->m;
	const struct kmw_ledger_entry *e = r->load;
	int used = W_NAME + W_STATE + W_SIZE + W_REFS + W_TAINT + W_PROV + W_SINCE + W_BY + W_SIGNER +
		   W_PKG + W_RISK + 11;
	int filew = t->width ? (t->width - used > 10 ? t->width - used : 10) : 0;
	const char *risk = risk_level_name((enum kmw_risk_level)r->level);
	bool cut = t->width > 0;
	char num[32], refs[32], ts[32], prov[32];

	fmt_cell(b, m->name, W_NAME, cut, false);
	/* what hides is said where the eye falls: in the state */
	if (t->colour && !m->in_proc)
		buf_puts(b, "\033[1;31m");
	fmt_cell(b, m->in_proc ? m->state : r->reasons & (1u << KMW_R_HIDDEN_MODULE) ? "HIDDEN" :
		 "GONE", W_STATE, false, false);
	if (t->colour && !m->in_proc)
		buf_puts(b, "\033[0m");
	snprintf(num, sizeof(num), "%lld", (long long)m->size);
	fmt_cell(b, m->size >= 0 ? num : NULL, W_SIZE, false, false);
	snprintf(refs, sizeof(refs), "%lld", (long long)m->refcnt);
	fmt_cell(b, m->refcnt >= 0 ? refs : NULL, W_REFS, false, false);
	fmt_cell(b, m->taint, W_TAINT, false, false);
	snprintf(prov, sizeof(prov), "%s", modrow_prov_name(r->prov));
	fmt_cell(b, prov, W_PROV, false, false);
	if (e) {
		fmt_table_time(ts, sizeof(ts), e->load_ms);
		fmt_cell(b, ts, W_SINCE, false, false);
		fmt_cell(b, e->load_user[0] ? e->load_user : NULL, W_BY, cut, false);
	} else {
		fmt_cell(b, NULL, W_SINCE, false, false);
		fmt_cell(b, NULL, W_BY, false, false);
	}
	fmt_cell(b, signer(r), W_SIGNER, cut, false);
	fmt_cell(b, dpkg_prov_name(r->pkg), W_PKG, false, false);
	if (t->colour && !strcmp(risk, "high"))
		buf_puts(b, "\033[1;31m");
	else if (t->colour && !strcmp(risk, "medium"))
		buf_puts(b, "\033[33m");
	fmt_cell(b, risk, W_RISK, false, false);
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
