// SPDX-License-Identifier: GPL-2.0-or-later
/* format.c - the JSON schema (doc/schema.md) and the one-line text format */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kmw_decode.h"
#include "kmw_enrich.h"
#include "kmw_format.h"
#include "kmw_modfile.h"
#include "kmw_risk.h"
#include "kmw_store.h"

static const char *const format_names[] = {
	[KMW_FMT_JSON] = "json",
	[KMW_FMT_TEXT] = "text",
	[KMW_FMT_ECS] = "ecs",
};

int format_parse_name(const char *name, enum kmw_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (!strcmp(name, format_names[i])) {
			*out = (enum kmw_format)i;
			return 0;
		}
	return -EINVAL;
}

const char *format_name(enum kmw_format f)
{
	return (unsigned int)f < sizeof(format_names) / sizeof(format_names[0]) ? format_names[f] : "?";
}

static void iso_time(char *out, size_t len, int64_t sec, unsigned int msec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	size_t n;

	if (!gmtime_r(&t, &tm)) {
		snprintf(out, len, "invalid");
		return;
	}
	n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, len - n, ".%03uZ", msec % 1000);
}

/* JSON members; each writes ,"key": itself so that call sites stay flat */
static void j_key(struct kmw_buf *b, bool *first, const char *key)
{
	if (!*first)
		buf_putc(b, ',');
	*first = false;
	buf_putc(b, '"');
	buf_puts(b, key);
	buf_puts(b, "\":");
}

static void j_str(struct kmw_buf *b, bool *first, const char *key,
		  const struct kmw_event *ev, const struct kmw_str *s)
{
	j_key(b, first, key);
	if (s->set)
		buf_json_str(b, event_str(ev, s), s->len);
	else
		buf_puts(b, "null");
}

static void j_cstr(struct kmw_buf *b, bool *first, const char *key, const char *s)
{
	j_key(b, first, key);
	if (s)
		buf_json_str(b, s, strlen(s));
	else
		buf_puts(b, "null");
}

/* a fixed-size field: empty means unknown */
static void j_fix(struct kmw_buf *b, bool *first, const char *key, const char *s)
{
	j_cstr(b, first, key, s && s[0] ? s : NULL);
}

static void j_int(struct kmw_buf *b, bool *first, const char *key, int64_t v)
{
	j_key(b, first, key);
	buf_printf(b, "%" PRId64, v);
}

/* an id the record did not carry (-1) is null, not a number */
static void j_id(struct kmw_buf *b, bool *first, const char *key, int64_t v)
{
	j_key(b, first, key);
	if (v < 0)
		buf_puts(b, "null");
	else
		buf_printf(b, "%" PRId64, v);
}

static void j_uint(struct kmw_buf *b, bool *first, const char *key, uint64_t v)
{
	j_key(b, first, key);
	buf_printf(b, "%" PRIu64, v);
}

static void j_hex(struct kmw_buf *b, bool *first, const char *key, uint64_t v)
{
	j_key(b, first, key);
	buf_printf(b, "\"0x%" PRIx64 "\"", v);
}

static void j_bool(struct kmw_buf *b, bool *first, const char *key, bool v)
{
	j_key(b, first, key);
	buf_puts(b, v ? "true" : "false");
}

static void j_flags(struct kmw_buf *b, bool *first, const struct kmw_event *ev)
{
	const char *names[8];
	unsigned int n, i;
	uint64_t unknown, flags = ev->a[decode_flags_arg(ev->sc)];

	decode_flags(ev->sc, flags, names, 8, &n, &unknown);
	j_uint(b, first, "flags", flags);
	j_key(b, first, "flag_names");
	buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_str(b, names[i], strlen(names[i]));
	}
	buf_putc(b, ']');
	j_hex(b, first, "unknown_flags", unknown);
}

static const char *params_src_name(enum kmw_params_src s)
{
	switch (s) {
	case KMW_PARAMS_PROC_MEM: return "process_memory";
	case KMW_PARAMS_ARGV: return "argv";
	default: return NULL;
	}
}

static void j_time(struct kmw_buf *b, bool *first, const char *key, int64_t sec)
{
	char ts[48];

	iso_time(ts, sizeof(ts), sec, 0);
	/* seconds are what stat gives at this precision: drop the ".000" */
	ts[19] = 'Z';
	ts[20] = '\0';
	j_cstr(b, first, key, ts);
}

static void j_argv(struct kmw_buf *b, bool *first, const char *key, const struct kmw_event *ev,
		   const struct kmw_str *argv, unsigned int argc)
{
	unsigned int i;

	j_key(b, first, key);
	buf_putc(b, '[');
	for (i = 0; i < argc; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_str(b, event_str(ev, &argv[i]), argv[i].len);
	}
	buf_putc(b, ']');
}

/* What the bytes of the module file say: hashes, .modinfo, signature. */
static void j_facts(struct kmw_buf *b, const struct kmw_event *ev)
{
	const struct kmw_modfacts *m = &ev->facts;
	bool f;

	buf_puts(b, ",\"hash\":");
	if (!ev->have_facts || !m->analysed) {
		buf_puts(b, ev->have_facts ? "{\"sha256\":null" : "null");
		if (ev->have_facts) {
			f = false;
			j_cstr(b, &f, "error", m->error);
			j_cstr(b, &f, "limit", m->limit);
			buf_putc(b, '}');
		}
	} else {
		buf_putc(b, '{');
		f = true;
		j_fix(b, &f, "sha256", m->sha256);
		j_uint(b, &f, "size", m->size);
		j_cstr(b, &f, "compression", event_compression_name(m->compression));
		j_fix(b, &f, "image_sha256", m->image_sha256);
		j_uint(b, &f, "image_size", m->image_size);
		j_bool(b, &f, "cached", m->cached);
		j_cstr(b, &f, "error", m->error);
		j_cstr(b, &f, "limit", m->limit);
		buf_putc(b, '}');
	}
	buf_puts(b, ",\"modinfo\":");
	if (!ev->have_facts || !m->analysed) {
		buf_puts(b, "null");
	} else {
		buf_putc(b, '{');
		f = true;
		j_fix(b, &f, "name", m->mi_name);
		j_fix(b, &f, "vermagic", m->mi_vermagic);
		j_fix(b, &f, "license", m->mi_license);
		j_fix(b, &f, "srcversion", m->mi_srcversion);
		j_key(b, &f, "depends");
		if (m->has_modinfo)
			buf_json_str(b, m->mi_depends, strlen(m->mi_depends));
		else
			buf_puts(b, "null");
		j_fix(b, &f, "intree", m->mi_intree);
		j_fix(b, &f, "retpoline", m->mi_retpoline);
		j_fix(b, &f, "version", m->mi_version);
		j_fix(b, &f, "description", m->mi_description);
		j_fix(b, &f, "author", m->mi_author);
		j_bool(b, &f, "truncated", m->mi_truncated);
		j_cstr(b, &f, "error", m->modinfo_error);
		buf_putc(b, '}');
	}
	buf_puts(b, ",\"signature\":");
	if (!ev->have_facts || !m->analysed) {
		buf_puts(b, "null");
	} else {
		buf_putc(b, '{');
		f = true;
		j_bool(b, &f, "present", m->sig_present);
		j_fix(b, &f, "id_type", m->sig_id_type);
		j_fix(b, &f, "signer", m->sig_signer);
		j_fix(b, &f, "key_id", m->sig_key_id);
		j_fix(b, &f, "hash_algo", m->sig_hash);
		j_cstr(b, &f, "error", m->sig_error);
		buf_putc(b, '}');
	}
}

static void j_sysfs(struct kmw_buf *b, const struct kmw_event *ev)
{
	const struct kmw_sysfs *s = &ev->sysfs;
	unsigned int i;
	bool f = true;

	buf_puts(b, ",\"sysfs\":");
	if (!ev->have_sysfs) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '{');
	j_fix(b, &f, "srcversion", s->srcversion);
	j_cstr(b, &f, "taint", s->taint);
	j_fix(b, &f, "initstate", s->initstate);
	j_id(b, &f, "refcnt", s->refcnt);
	j_id(b, &f, "coresize", s->coresize);
	j_key(b, &f, "parameters");
	buf_putc(b, '{');
	for (i = 0; i < s->nparams; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_str(b, s->params[i].name, strlen(s->params[i].name));
		buf_putc(b, ':');
		buf_json_str(b, s->params[i].value, strlen(s->params[i].value));
	}
	buf_putc(b, '}');
	j_bool(b, &f, "parameters_truncated", s->params_truncated);
	buf_putc(b, '}');
}

static void j_risk(struct kmw_buf *b, const struct kmw_event *ev)
{
	unsigned int i, n = 0;

	buf_printf(b, ",\"risk\":{\"level\":\"%s\",\"reasons\":[",
		   risk_level_name((enum kmw_risk_level)ev->risk_level));
	for (i = 0; i < KMW_R_COUNT; i++) {
		if (!(ev->risk_reasons & (1u << i)))
			continue;
		buf_printf(b, "%s{\"code\":\"%s\",\"text\":", n++ ? "," : "",
			   risk_reason_code((enum kmw_risk_reason)i));
		buf_json_str(b, risk_reason_text((enum kmw_risk_reason)i),
			     strlen(risk_reason_text((enum kmw_risk_reason)i)));
		buf_putc(b, '}');
	}
	buf_puts(b, "],\"technique\":{\"id\":\"" KMW_MITRE_TECHNIQUE "\",\"name\":\"" KMW_MITRE_NAME "\"}}");
}

int format_json(struct kmw_buf *b, const struct kmw_event *ev)
{
	char ts[48];
	bool f;
	unsigned int i;
	int err = event_errno(ev);

	buf_printf(b, "{\"schema_version\":%d,\"historical\":%s", KMW_SCHEMA_VERSION,
		   ev->historical ? "true" : "false");

	buf_puts(b, ",\"audit\":{");
	f = true;
	j_uint(b, &f, "serial", ev->serial);
	iso_time(ts, sizeof(ts), ev->sec, ev->msec);
	j_cstr(b, &f, "timestamp", ts);
	j_key(b, &f, "epoch");
	buf_printf(b, "%" PRId64 ".%03u", ev->sec, ev->msec % 1000);
	j_str(b, &f, "key", ev, &ev->key);
	j_key(b, &f, "keys");
	buf_putc(b, '[');
	for (i = 0; i < ev->nkeys; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_str(b, event_str(ev, &ev->keys[i]), ev->keys[i].len);
	}
	buf_putc(b, ']');
	j_str(b, &f, "node", ev, &ev->node);
	j_key(b, &f, "parse_notes");
	buf_putc(b, '[');
	for (i = 0; i < ev->nnotes; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_str(b, ev->notes[i], strlen(ev->notes[i]));
	}
	buf_putc(b, ']');
	buf_putc(b, '}');

	buf_puts(b, ",\"syscall\":{");
	f = true;
	j_cstr(b, &f, "name", decode_syscall_name(ev->sc));
	j_int(b, &f, "nr", ev->sc_nr);
	j_cstr(b, &f, "arch", decode_arch_name(ev->arch));
	j_bool(b, &f, "success", ev->success);
	j_key(b, &f, "exit");
	if (ev->has_exit)
		buf_printf(b, "%" PRId64, ev->exit);
	else
		buf_puts(b, "null");
	j_cstr(b, &f, "errno", err ? decode_errno_name(err) : NULL);
	buf_putc(b, '}');

	buf_puts(b, ",\"args\":{");
	f = true;
	switch (ev->sc) {
	case KMW_SC_FINIT_MODULE:
		j_int(b, &f, "fd", (int32_t)ev->a[0]);
		j_hex(b, &f, "param_values_ptr", ev->a[1]);
		j_flags(b, &f, ev);
		break;
	case KMW_SC_INIT_MODULE:
		j_hex(b, &f, "module_image_ptr", ev->a[0]);
		j_uint(b, &f, "len", ev->a[1]);
		j_hex(b, &f, "param_values_ptr", ev->a[2]);
		break;
	case KMW_SC_DELETE_MODULE:
		j_hex(b, &f, "name_ptr", ev->a[0]);
		j_flags(b, &f, ev);
		break;
	default:
		break;
	}
	buf_putc(b, '}');

	buf_puts(b, ",\"module\":{");
	f = true;
	j_str(b, &f, "name", ev, &ev->mod_name);
	j_cstr(b, &f, "name_source", ev->mod_name.set ? "kern_module" : NULL);
	j_str(b, &f, "path", ev, &ev->mod_path);
	j_cstr(b, &f, "path_source", ev->path_err == KMW_PATH_OK ? "proc_fd" : NULL);
	j_cstr(b, &f, "path_error", event_path_err_name(ev->path_err));
	/* an error none of the named reasons covers: at least which one */
	if (ev->path_err == KMW_PATH_ERROR && ev->path_errno)
		j_cstr(b, &f, "path_errno", decode_errno_name(ev->path_errno));
	if (ev->sc == KMW_SC_FINIT_MODULE || ev->sc == KMW_SC_INIT_MODULE) {
		j_str(b, &f, "param_values", ev, &ev->params);
		j_cstr(b, &f, "param_values_source", params_src_name(ev->params_src));
		if (ev->params_errno && ev->params_src != KMW_PARAMS_PROC_MEM)
			j_cstr(b, &f, "param_values_error", decode_errno_name(ev->params_errno));
	}
	if (ev->path_err == KMW_PATH_OK) {
		j_bool(b, &f, "path_deleted", ev->path_deleted);
		j_bool(b, &f, "path_replaced", ev->path_replaced);
		if (ev->have_stat) {
			j_uint(b, &f, "dev", ev->dev);
			j_uint(b, &f, "inode", ev->ino);
			j_uint(b, &f, "size", ev->size);
			j_key(b, &f, "mode");
			buf_printf(b, "\"%04o\"", ev->mode & 07777);
			j_uint(b, &f, "uid", ev->fuid);
			j_uint(b, &f, "gid", ev->fgid);
			j_time(b, &f, "mtime", ev->mtime);
			j_time(b, &f, "ctime", ev->ctime);
		}
	}
	j_cstr(b, &f, "file_source", event_file_src_name(ev->file_src));
	j_bool(b, &f, "file_exact", ev->file_exact);
	j_str(b, &f, "file_path", ev, &ev->file_path);
	j_facts(b, ev);
	j_sysfs(b, ev);
	j_str(b, &f, "ondisk_path", ev, &ev->ondisk_path);
	j_fix(b, &f, "ondisk_srcversion", ev->ondisk_srcversion);
	j_key(b, &f, "loaded_matches_disk");
	buf_puts(b, ev->loaded_matches_disk < 0 ? "null" : ev->loaded_matches_disk ? "true" : "false");
	buf_putc(b, '}');

	buf_puts(b, ",\"process\":{");
	f = true;
	j_id(b, &f, "pid", ev->pid);
	j_id(b, &f, "ppid", ev->ppid);
	j_id(b, &f, "uid", ev->uid);
	j_str(b, &f, "user", ev, &ev->uid_name);
	j_id(b, &f, "euid", ev->euid);
	j_str(b, &f, "euser", ev, &ev->euid_name);
	j_id(b, &f, "gid", ev->gid);
	j_str(b, &f, "group", ev, &ev->gid_name);
	j_id(b, &f, "auid", ev->auid);
	j_str(b, &f, "auser", ev, &ev->auid_name);
	j_id(b, &f, "ses", ev->ses);
	j_str(b, &f, "tty", ev, &ev->tty);
	j_str(b, &f, "comm", ev, &ev->comm);
	j_str(b, &f, "exe", ev, &ev->exe);
	j_key(b, &f, "cmdline");
	buf_putc(b, '[');
	for (i = 0; i < ev->argc; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_str(b, event_str(ev, &ev->argv[i]), ev->argv[i].len);
	}
	buf_putc(b, ']');
	j_bool(b, &f, "cmdline_truncated", ev->argv_truncated);
	j_cstr(b, &f, "cmdline_source", ev->cmdline_from_proc ? "proc" : ev->argc ? "proctitle" : NULL);
	j_cstr(b, &f, "context_source", ev->proc_read ? "proc" : "audit_record");
	j_cstr(b, &f, "context_error", ev->proc_error);
	j_str(b, &f, "proc_exe", ev, &ev->proc_exe);
	j_str(b, &f, "cwd", ev, &ev->cwd);
	j_key(b, &f, "parent");
	if (ev->parent_read) {
		bool pf = true;

		buf_putc(b, '{');
		j_id(b, &pf, "pid", ev->parent_pid);
		j_str(b, &pf, "exe", ev, &ev->parent_exe);
		j_argv(b, &pf, "cmdline", ev, ev->parent_argv, ev->parent_argc);
		buf_putc(b, '}');
	} else {
		buf_puts(b, "null");
	}
	j_key(b, &f, "container");
	if (ev->container_id.set) {
		bool cf = true;

		buf_putc(b, '{');
		j_str(b, &cf, "id", ev, &ev->container_id);
		j_str(b, &cf, "runtime", ev, &ev->container_runtime);
		buf_putc(b, '}');
	} else {
		buf_puts(b, "null");
	}
	j_str(b, &f, "systemd_unit", ev, &ev->unit);
	buf_putc(b, '}');

	j_risk(b, ev);
	buf_puts(b, ",\"enrichment\":{\"skipped\":[");
	for (i = 0; i < ev->nskipped; i++) {
		if (i)
			buf_putc(b, ',');
		buf_json_str(b, ev->skipped[i], strlen(ev->skipped[i]));
	}
	buf_puts(b, "]}");

	if (ev->arena_full)
		buf_puts(b, ",\"truncated\":true");
	buf_puts(b, "}\n");
	return b->oom ? -ENOMEM : 0;
}

static void t_str(struct kmw_buf *b, const char *key, const struct kmw_event *ev,
		  const struct kmw_str *s)
{
	buf_printf(b, " %s=", key);
	if (s->set)
		buf_text_str(b, event_str(ev, s), s->len);
	else
		buf_putc(b, '-');
}

static void t_id(struct kmw_buf *b, const char *key, int64_t id,
		 const struct kmw_event *ev, const struct kmw_str *name)
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

int format_text(struct kmw_buf *b, const struct kmw_event *ev)
{
	char ts[48];
	const char *names[8];
	unsigned int n, i;
	uint64_t unknown;
	int err = event_errno(ev);
	int farg = decode_flags_arg(ev->sc);

	iso_time(ts, sizeof(ts), ev->sec, ev->msec);
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
		buf_printf(b, " fd=%d", (int32_t)ev->a[0]);
		t_str(b, "path", ev, &ev->mod_path);
		if (ev->path_deleted)
			buf_puts(b, "(deleted)");
		if (ev->path_err != KMW_PATH_OK)
			buf_printf(b, "(%s)", event_path_err_name(ev->path_err));
	} else if (ev->sc == KMW_SC_INIT_MODULE) {
		buf_printf(b, " len=%" PRIu64, ev->a[1]);
	}
	if (ev->params.set && ev->params.len) {
		buf_puts(b, " params=\"");
		buf_text_str(b, event_str(ev, &ev->params), ev->params.len);
		buf_printf(b, "\"(%s)", params_src_name(ev->params_src));
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
	if (ev->have_facts && ev->facts.analysed)
		buf_printf(b, " signed=%s", ev->facts.sig_present ? "yes" : "no");
	buf_printf(b, " risk=%s", risk_level_name((enum kmw_risk_level)ev->risk_level));
	for (i = 0, n = 0; i < KMW_R_COUNT; i++)
		if (ev->risk_reasons & (1u << i))
			buf_printf(b, "%c%s", n++ ? ',' : '(', risk_reason_code((enum kmw_risk_reason)i));
	if (n)
		buf_putc(b, ')');
	t_str(b, "key", ev, &ev->key);
	t_str(b, "node", ev, &ev->node);
	buf_printf(b, " serial=%" PRIu64 "%s\n", ev->serial, ev->historical ? " historical" : "");
	return b->oom ? -ENOMEM : 0;
}

int format_event(struct kmw_buf *b, enum kmw_format fmt, const struct kmw_event *ev)
{
	switch (fmt) {
	case KMW_FMT_TEXT: return format_text(b, ev);
	case KMW_FMT_ECS: return format_ecs(b, ev);
	default: return format_json(b, ev);
	}
}

/* ECS keeps ids as strings (keyword) */
static void e_id(struct kmw_buf *b, bool *first, const char *key, int64_t v)
{
	j_key(b, first, key);
	if (v < 0)
		buf_puts(b, "null");
	else
		buf_printf(b, "\"%" PRId64 "\"", v);
}

static void e_open(struct kmw_buf *b, bool *first, const char *key, bool *inner)
{
	j_key(b, first, key);
	buf_putc(b, '{');
	*inner = true;
}

static void e_basename(struct kmw_buf *b, bool *first, const char *key, const struct kmw_event *ev,
		       const struct kmw_str *s)
{
	const char *p = event_str(ev, s), *slash;

	if (!s->set)
		return;
	slash = memrchr(p, '/', s->len);
	j_key(b, first, key);
	buf_json_str(b, slash ? slash + 1 : p, slash ? s->len - (size_t)(slash + 1 - p) : s->len);
}

int format_ecs(struct kmw_buf *b, const struct kmw_event *ev)
{
	static const int risk_score[] = { 0, 25, 50, 75 };
	bool f = true, g, h;
	char ts[48];
	unsigned int i;
	int err = event_errno(ev), lvl = ev->risk_level >= 0 && ev->risk_level <= 3 ? ev->risk_level : 0;
	bool load = ev->sc != KMW_SC_DELETE_MODULE;
	const struct kmw_str *path = ev->mod_path.set ? &ev->mod_path : &ev->file_path;

	buf_putc(b, '{');
	iso_time(ts, sizeof(ts), ev->sec, ev->msec);
	j_cstr(b, &f, "@timestamp", ts);
	j_cstr(b, &f, "message", load ? "kernel module load" : "kernel module unload");

	e_open(b, &f, "ecs", &g);
	j_cstr(b, &g, "version", "8.11.0");
	buf_putc(b, '}');

	e_open(b, &f, "event", &g);
	j_cstr(b, &g, "kind", "event");
	j_key(b, &g, "category");
	buf_puts(b, "[\"driver\"]");
	j_key(b, &g, "type");
	buf_puts(b, load ? "[\"start\"]" : "[\"end\"]");
	j_cstr(b, &g, "action", load ? "loaded-kernel-module" : "unloaded-kernel-module");
	j_cstr(b, &g, "outcome", ev->success ? "success" : "failure");
	j_cstr(b, &g, "module", "kmodwatch");
	j_cstr(b, &g, "dataset", "kmodwatch.module");
	e_id(b, &g, "id", (int64_t)ev->serial);
	j_int(b, &g, "severity", lvl);
	j_key(b, &g, "risk_score");
	buf_printf(b, "%d.0", risk_score[lvl]);
	buf_putc(b, '}');

	if (err) {
		e_open(b, &f, "error", &g);
		j_cstr(b, &g, "code", decode_errno_name(err));
		j_cstr(b, &g, "message", strerror(err));
		buf_putc(b, '}');
	}

	e_open(b, &f, "host", &g);
	j_str(b, &g, "name", ev, &ev->node);
	j_str(b, &g, "hostname", ev, &ev->node);
	buf_putc(b, '}');

	e_open(b, &f, "process", &g);
	j_id(b, &g, "pid", ev->pid);
	j_str(b, &g, "name", ev, &ev->comm);
	j_str(b, &g, "executable", ev, &ev->exe);
	j_argv(b, &g, "args", ev, ev->argv, ev->argc);
	j_int(b, &g, "args_count", ev->argc);
	if (ev->cwd.set)
		j_str(b, &g, "working_directory", ev, &ev->cwd);
	e_open(b, &g, "parent", &h);
	j_id(b, &h, "pid", ev->ppid);
	if (ev->parent_read) {
		j_str(b, &h, "executable", ev, &ev->parent_exe);
		j_argv(b, &h, "args", ev, ev->parent_argv, ev->parent_argc);
	}
	buf_putc(b, '}');
	buf_putc(b, '}');

	e_open(b, &f, "user", &g);
	e_id(b, &g, "id", ev->uid);
	j_str(b, &g, "name", ev, &ev->uid_name);
	e_open(b, &g, "effective", &h);
	e_id(b, &h, "id", ev->euid);
	j_str(b, &h, "name", ev, &ev->euid_name);
	buf_putc(b, '}');
	buf_putc(b, '}');

	e_open(b, &f, "group", &g);
	e_id(b, &g, "id", ev->gid);
	j_str(b, &g, "name", ev, &ev->gid_name);
	buf_putc(b, '}');

	if (path->set || (ev->have_facts && ev->facts.analysed)) {
		e_open(b, &f, "file", &g);
		if (path->set) {
			j_str(b, &g, "path", ev, path);
			e_basename(b, &g, "name", ev, path);
		}
		if (ev->have_stat) {
			e_id(b, &g, "inode", (int64_t)ev->ino);
			e_id(b, &g, "device", (int64_t)ev->dev);
			j_uint(b, &g, "size", ev->size);
			j_key(b, &g, "mode");
			buf_printf(b, "\"%04o\"", ev->mode & 07777);
			e_id(b, &g, "uid", ev->fuid);
			e_id(b, &g, "gid", ev->fgid);
			j_time(b, &g, "mtime", ev->mtime);
			j_time(b, &g, "ctime", ev->ctime);
		}
		if (ev->have_facts && ev->facts.sha256[0]) {
			e_open(b, &g, "hash", &h);
			j_cstr(b, &h, "sha256", ev->facts.sha256);
			buf_putc(b, '}');
		}
		if (ev->have_facts && ev->facts.analysed) {
			e_open(b, &g, "code_signature", &h);
			j_bool(b, &h, "exists", ev->facts.sig_present);
			if (ev->facts.sig_signer[0])
				j_fix(b, &h, "subject_name", ev->facts.sig_signer);
			buf_putc(b, '}');
		}
		buf_putc(b, '}');
	}

	if (ev->container_id.set) {
		e_open(b, &f, "container", &g);
		j_str(b, &g, "id", ev, &ev->container_id);
		j_str(b, &g, "runtime", ev, &ev->container_runtime);
		buf_putc(b, '}');
	}

	e_open(b, &f, "threat", &g);
	j_cstr(b, &g, "framework", "MITRE ATT&CK");
	e_open(b, &g, "technique", &h);
	buf_puts(b, "\"id\":[\"" KMW_MITRE_TECHNIQUE "\"],\"name\":[\"" KMW_MITRE_NAME "\"]");
	buf_putc(b, '}');
	e_open(b, &g, "tactic", &h);
	buf_puts(b, "\"id\":[\"TA0003\",\"TA0004\"],\"name\":[\"Persistence\",\"Privilege Escalation\"]");
	buf_putc(b, '}');
	buf_putc(b, '}');

	/* what ECS has no field for: the native facts, under our own name */
	e_open(b, &f, "kmodwatch", &g);
	j_cstr(b, &g, "syscall", decode_syscall_name(ev->sc));
	j_cstr(b, &g, "arch", decode_arch_name(ev->arch));
	j_key(b, &g, "exit");
	if (ev->has_exit)
		buf_printf(b, "%" PRId64, ev->exit);
	else
		buf_puts(b, "null");
	j_str(b, &g, "module", ev, &ev->mod_name);
	j_str(b, &g, "param_values", ev, &ev->params);
	j_id(b, &g, "auid", ev->auid);
	j_str(b, &g, "auser", ev, &ev->auid_name);
	j_str(b, &g, "key", ev, &ev->key);
	j_uint(b, &g, "serial", ev->serial);
	j_bool(b, &g, "historical", ev->historical);
	j_cstr(b, &g, "risk_level", risk_level_name((enum kmw_risk_level)ev->risk_level));
	j_key(b, &g, "risk_reasons");
	buf_putc(b, '[');
	for (i = 0, h = true; i < KMW_R_COUNT; i++)
		if (ev->risk_reasons & (1u << i)) {
			if (!h)
				buf_putc(b, ',');
			h = false;
			buf_printf(b, "\"%s\"", risk_reason_code((enum kmw_risk_reason)i));
		}
	buf_putc(b, ']');
	{
		int arg = decode_flags_arg(ev->sc);

		if (arg >= 0)
			j_flags(b, &g, ev);
	}
	j_cstr(b, &g, "file_source", event_file_src_name(ev->file_src));
	j_cstr(b, &g, "path_error", event_path_err_name(ev->path_err));
	if (ev->have_facts && ev->facts.analysed) {
		j_fix(b, &g, "srcversion", ev->facts.mi_srcversion);
		j_fix(b, &g, "vermagic", ev->facts.mi_vermagic);
		j_fix(b, &g, "signature_key_id", ev->facts.sig_key_id);
	}
	if (ev->have_sysfs)
		j_cstr(b, &g, "taint", ev->sysfs.taint);
	j_key(b, &g, "loaded_matches_disk");
	buf_puts(b, ev->loaded_matches_disk < 0 ? "null" : ev->loaded_matches_disk ? "true" : "false");
	buf_putc(b, '}');
	buf_puts(b, "}\n");
	return b->oom ? -ENOMEM : 0;
}

/* Column widths of the table; PATH takes what is left of the terminal. */
enum { W_TIME = 19, W_SYSCALL = 13, W_RESULT = 12, W_MODULE = 18, W_USER = 10, W_RISK = 6,
       W_EXE = 24 };

/*
 * One column: padded to @width; cut to it with an ellipsis only when @cut
 * (on a terminal), so that piped output keeps every byte.
 */
static void cell(struct kmw_buf *b, const char *s, int width, bool cut, bool last)
{
	struct kmw_buf t;
	size_t shown, i;

	buf_init(&t);
	if (!s || !*s)
		s = "-";
	buf_display_str(&t, s, strlen(s));
	if (cut && width > 0 && t.len > (size_t)width) {
		/* cut on a character boundary, then mark it */
		size_t at = (size_t)width - 1;

		while (at > 0 && ((unsigned char)t.data[at] & 0xc0) == 0x80)
			at--;
		buf_append(b, t.data, at);
		buf_puts(b, "\xe2\x80\xa6");	/* U+2026, an ellipsis */
		shown = (size_t)width;
	} else {
		buf_append(b, t.data ? t.data : "", t.len);
		/* count characters, not bytes, for the padding */
		for (i = 0, shown = 0; i < t.len; i++)
			shown += ((unsigned char)t.data[i] & 0xc0) != 0x80;
	}
	buf_free(&t);
	if (last)
		return;
	/* at least one space, even after a value wider than its column */
	do
		buf_putc(b, ' ');
	while (++shown <= (size_t)width);
}

static void local_time(char *out, size_t len, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, len, "?");
}

int format_table_header(struct kmw_buf *b, const struct kmw_table *t)
{
	cell(b, "TIME", W_TIME, false, false);
	cell(b, "SYSCALL", W_SYSCALL, false, false);
	cell(b, "RESULT", W_RESULT, false, false);
	cell(b, "MODULE", W_MODULE, false, false);
	cell(b, "USER", W_USER, false, false);
	cell(b, "RISK", W_RISK, false, false);
	cell(b, "EXE", W_EXE, false, false);
	cell(b, "PATH", 0, false, true);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}

int format_table_row(struct kmw_buf *b, const struct kmw_table *t, const struct kmw_row *r)
{
	char ts[32], user[32];
	int used = W_TIME + W_SYSCALL + W_RESULT + W_MODULE + W_USER + W_RISK + W_EXE + 7;
	int pathw = t->width ? (t->width - used > 10 ? t->width - used : 10) : 0;
	const char *colour = NULL;

	bool cut = t->width > 0;

	local_time(ts, sizeof(ts), r->time_ms);
	cell(b, ts, W_TIME, false, false);
	cell(b, r->syscall, W_SYSCALL, false, false);
	if (t->colour && !r->success)
		buf_puts(b, "\033[31m");
	cell(b, r->success ? "ok" : r->errno_name ? r->errno_name : "failed", W_RESULT, false, false);
	if (t->colour && !r->success)
		buf_puts(b, "\033[0m");
	cell(b, r->module, W_MODULE, cut, false);
	if (r->user)
		snprintf(user, sizeof(user), "%s", r->user);
	else if (r->uid >= 0)
		snprintf(user, sizeof(user), "%lld", (long long)r->uid);
	else
		snprintf(user, sizeof(user), "-");
	cell(b, user, W_USER, cut, false);
	if (t->colour && r->risk && !strcmp(r->risk, "high"))
		colour = "\033[1;31m";
	else if (t->colour && r->risk && !strcmp(r->risk, "medium"))
		colour = "\033[33m";
	if (colour)
		buf_puts(b, colour);
	cell(b, r->risk, W_RISK, false, false);
	if (colour)
		buf_puts(b, "\033[0m");
	cell(b, r->exe, W_EXE, cut, false);
	cell(b, r->path, pathw, cut, true);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}

static void csv_cell(struct kmw_buf *b, const char *s, bool last)
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

static void csv_num(struct kmw_buf *b, int64_t v, bool present)
{
	if (present)
		buf_printf(b, "%lld", (long long)v);
	buf_putc(b, ',');
}

int format_csv_header(struct kmw_buf *b)
{
	buf_puts(b, "time,syscall,arch,success,exit,errno,flags,flag_names,module,path,sha256,exe,comm,"
		 "pid,uid,user,auid,key,risk,historical,node\n");
	return b->oom ? -ENOMEM : 0;
}

int format_csv_row(struct kmw_buf *b, const struct kmw_row *r)
{
	char ts[48], flags[256];
	size_t n;

	iso_time(ts, sizeof(ts), r->time_ms / 1000, (unsigned int)(r->time_ms % 1000));
	csv_cell(b, ts, false);
	csv_cell(b, r->syscall, false);
	csv_cell(b, r->arch, false);
	csv_cell(b, r->success ? "true" : "false", false);
	csv_num(b, r->exit, true);
	csv_cell(b, r->errno_name, false);
	csv_num(b, r->flags, r->flags >= 0);
	/* stored as |A|B|: a plain A|B here */
	snprintf(flags, sizeof(flags), "%s", r->flag_names ? r->flag_names + (r->flag_names[0] == '|') : "");
	n = strlen(flags);
	if (n && flags[n - 1] == '|')
		flags[n - 1] = '\0';
	csv_cell(b, flags, false);
	csv_cell(b, r->module, false);
	csv_cell(b, r->path, false);
	csv_cell(b, r->sha256, false);
	csv_cell(b, r->exe, false);
	csv_cell(b, r->comm, false);
	csv_num(b, r->pid, r->pid >= 0);
	csv_num(b, r->uid, r->uid >= 0);
	csv_cell(b, r->user, false);
	csv_num(b, r->auid, r->auid >= 0);
	csv_cell(b, r->key, false);
	csv_cell(b, r->risk, false);
	csv_cell(b, r->historical ? "true" : "false", false);
	csv_cell(b, r->node, true);
	return b->oom ? -ENOMEM : 0;
}
