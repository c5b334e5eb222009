// SPDX-License-Identifier: GPL-2.0-or-later
/* format_json.c - an event as one line of kmodwatch's own JSON (doc/schema.md) */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "kmw_decode.h"
#include "kmw_dpkg.h"
#include "kmw_format.h"
#include "format_priv.h"
#include "kmw_risk.h"

static void audit_part(struct kmw_json *w, const struct kmw_event *ev)
{
	char ts[48], epoch[32];
	unsigned int i;

	json_object(w, "audit");
	json_uint(w, "serial", ev->serial);
	fmt_iso_time(ts, sizeof(ts), ev->sec, ev->msec);
	json_cstr(w, "timestamp", ts);
	snprintf(epoch, sizeof(epoch), "%" PRId64 ".%03u", ev->sec, ev->msec % 1000);
	json_raw(w, "epoch", epoch);
	fmt_ev_str(w, "key", ev, &ev->key);
	fmt_argv(w, "keys", ev, ev->keys, ev->nkeys);
	fmt_ev_str(w, "node", ev, &ev->node);
	json_cstr(w, "boot_id", ev->boot_id[0] ? ev->boot_id : NULL);
	json_array(w, "parse_notes");
	for (i = 0; i < ev->nnotes; i++)
		json_cstr(w, NULL, ev->notes[i]);
	json_close(w);
	json_close(w);
}

static void syscall_part(struct kmw_json *w, const struct kmw_event *ev)
{
	int err = event_errno(ev);

	json_object(w, "syscall");
	json_cstr(w, "name", decode_syscall_name(ev->sc));
	json_int(w, "nr", ev->sc_nr);
	json_cstr(w, "arch", decode_arch_name(ev->arch));
	if (ev->no_syscall)
		json_null(w, "success");
	else
		json_bool(w, "success", ev->success);
	fmt_exit(w, "exit", ev);
	json_cstr(w, "errno", err ? decode_errno_name(err) : NULL);
	/* its SYSCALL record never came: name, result and process are not known */
	if (ev->no_syscall)
		json_bool(w, "record_missing", true);
	json_close(w);

	json_object(w, "args");
	switch (ev->sc) {
	case KMW_SC_FINIT_MODULE:
		json_int(w, "fd", (int32_t)ev->a[0]);
		json_hex(w, "param_values_ptr", ev->a[1]);
		fmt_flags(w, ev);
		break;
	case KMW_SC_INIT_MODULE:
		json_hex(w, "module_image_ptr", ev->a[0]);
		json_uint(w, "len", ev->a[1]);
		json_hex(w, "param_values_ptr", ev->a[2]);
		break;
	case KMW_SC_DELETE_MODULE:
		json_hex(w, "name_ptr", ev->a[0]);
		fmt_flags(w, ev);
		break;
	default: break;
	}
	json_close(w);
}

/* What the bytes of the module file say: hashes, .modinfo, signature. */
static void facts_part(struct kmw_json *w, const struct kmw_event *ev)
{
	const struct kmw_modfacts *m = &ev->facts;
	bool analysed = ev->have_facts && m->analysed;

	if (!ev->have_facts) {
		json_null(w, "hash");
	} else {
		json_object(w, "hash");
		json_fix(w, "sha256", analysed ? m->sha256 : NULL);
		if (analysed) {
			json_uint(w, "size", m->size);
			json_cstr(w, "compression", event_compression_name(m->compression));
			json_fix(w, "image_sha256", m->image_sha256);
			json_uint(w, "image_size", m->image_size);
			json_bool(w, "cached", m->cached);
		}
		json_cstr(w, "error", m->error);
		json_cstr(w, "limit", m->limit);
		json_close(w);
	}
	if (!analysed) {
		json_null(w, "modinfo");
		json_null(w, "signature");
		return;
	}
	json_object(w, "modinfo");
	json_fix(w, "name", m->mi_name);
	json_fix(w, "vermagic", m->mi_vermagic);
	json_fix(w, "license", m->mi_license);
	json_fix(w, "srcversion", m->mi_srcversion);
	json_cstr(w, "depends", m->has_modinfo ? m->mi_depends : NULL);
	json_fix(w, "intree", m->mi_intree);
	json_fix(w, "retpoline", m->mi_retpoline);
	json_fix(w, "version", m->mi_version);
	json_fix(w, "description", m->mi_description);
	json_fix(w, "author", m->mi_author);
	json_bool(w, "truncated", m->mi_truncated);
	json_cstr(w, "error", m->modinfo_error);
	json_close(w);
	json_object(w, "signature");
	json_bool(w, "present", m->sig_present);
	json_fix(w, "id_type", m->sig_id_type);
	json_fix(w, "signer", m->sig_signer);
	json_fix(w, "key_id", m->sig_key_id);
	json_fix(w, "hash_algo", m->sig_hash);
	json_cstr(w, "error", m->sig_error);
	json_close(w);
}

static void sysfs_part(struct kmw_json *w, const struct kmw_event *ev)
{
	const struct kmw_sysfs *s = &ev->sysfs;
	unsigned int i;

	if (!ev->have_sysfs) {
		json_null(w, "sysfs");
		return;
	}
	json_object(w, "sysfs");
	json_fix(w, "srcversion", s->srcversion);
	json_cstr(w, "taint", s->taint);
	json_fix(w, "initstate", s->initstate);
	json_id(w, "refcnt", s->refcnt, false);
	json_id(w, "coresize", s->coresize, false);
	json_object(w, "parameters");
	for (i = 0; i < s->nparams; i++)
		json_pair(w, s->params[i].name, s->params[i].value);
	json_close(w);
	json_bool(w, "parameters_truncated", s->params_truncated);
	json_close(w);
}

/* The kernel's own word on the file (IMA), or why there is none. */
static void ima_part(struct kmw_json *w, const struct kmw_event *ev)
{
	const struct kmw_ima *i = &ev->ima;

	if (i->src == KMW_IMA_NONE) {
		json_null(w, "ima");
		json_cstr(w, "ima_absent", event_ima_absent_name(ev->ima_absent));
		return;
	}
	json_object(w, "ima");
	fmt_ev_str(w, "file", ev, &ev->ima_file);
	json_cstr(w, "algo", i->algo);
	json_cstr(w, "hash", i->hash);
	json_cstr(w, "source", event_ima_src_name(i->src));
	if (i->src == KMW_IMA_EARLIER)
		json_uint(w, "record_serial", i->serial);
	json_tristate(w, "matches_file", i->matches);
	if (i->matches == 0 && i->now[0])
		json_cstr(w, "file_hash_now", i->now);
	json_close(w);
	json_cstr(w, "ima_absent", NULL);
}

/* Which package ships the file, and whether it is as the package recorded it. */
static void package_part(struct kmw_json *w, const struct kmw_event *ev)
{
	const char *prov = dpkg_prov_name((enum kmw_pkg_prov)ev->package);

	if (!prov) {
		json_null(w, "package");
		return;
	}
	json_object(w, "package");
	json_cstr(w, "provenance", prov);
	json_cstr(w, "name", ev->package_name[0] ? ev->package_name : NULL);
	json_cstr(w, "md5_recorded", ev->package_md5[0] ? ev->package_md5 : NULL);
	json_cstr(w, "md5_now", ev->package_md5_now[0] ? ev->package_md5_now : NULL);
	json_close(w);
}

static void module_part(struct kmw_json *w, const struct kmw_event *ev)
{
	const char *psrc;
	const struct kmw_str *path = event_module_path(ev, &psrc);

	json_object(w, "module");
	fmt_ev_str(w, "name", ev, &ev->mod_name);
	json_cstr(w, "name_source",
		  ev->mod_name_modinfo	? "modinfo"
		  : ev->mod_name_memory ? "process_memory"
		  : ev->mod_name.set	? "kern_module"
					: NULL);
	if (path)
		fmt_ev_str(w, "path", ev, path);
	else
		json_null(w, "path");
	json_cstr(w, "path_source", psrc);
	json_cstr(w, "path_error", event_path_err_name(ev->path_err));
	/* an error none of the named reasons covers: at least which one */
	if (ev->path_err == KMW_PATH_ERROR && ev->path_errno)
		json_cstr(w, "path_errno", decode_errno_name(ev->path_errno));
	if (ev->sc == KMW_SC_FINIT_MODULE || ev->sc == KMW_SC_INIT_MODULE) {
		fmt_ev_str(w, "param_values", ev, &ev->params);
		json_cstr(w, "param_values_source", event_params_src_name(ev->params_src));
		if (ev->params_errno && ev->params_src != KMW_PARAMS_PROC_MEM)
			json_cstr(w, "param_values_error", decode_errno_name(ev->params_errno));
		/* cut at the bound; control bytes (escaped above); what says they are the kernel's */
		if (ev->params.truncated) {
			json_bool(w, "param_values_truncated", true);
			json_uint(w, "param_values_bound", KMW_PARAMS_MAX);
		}
		if (ev->params_odd)
			json_bool(w, "param_values_control_bytes", true);
		if (ev->params_check)
			json_cstr(w, "param_values_check", ev->params_check);
	}
	if (ev->path_err == KMW_PATH_OK) {
		json_bool(w, "path_deleted", ev->path_deleted);
		json_bool(w, "path_replaced", ev->path_replaced);
		if (ev->have_stat) {
			json_uint(w, "dev", ev->dev);
			json_uint(w, "inode", ev->ino);
			json_uint(w, "size", ev->size);
			fmt_mode(w, "mode", ev->mode);
			json_uint(w, "uid", ev->fuid);
			json_uint(w, "gid", ev->fgid);
			fmt_stat_time(w, "mtime", ev->mtime);
			fmt_stat_time(w, "ctime", ev->ctime);
		}
	}
	json_cstr(w, "file_source", event_file_src_name(ev->file_src));
	json_bool(w, "file_exact", ev->file_exact);
	fmt_ev_str(w, "file_path", ev, &ev->file_path);
	if (ev->sc == KMW_SC_FINIT_MODULE || ev->sc == KMW_SC_INIT_MODULE) {
		package_part(w, ev);
		ima_part(w, ev);
	}
	facts_part(w, ev);
	sysfs_part(w, ev);
	fmt_ev_str(w, "ondisk_path", ev, &ev->ondisk_path);
	json_fix(w, "ondisk_srcversion", ev->ondisk_srcversion);
	json_tristate(w, "loaded_matches_disk", ev->loaded_matches_disk);
	json_close(w);
}

static void process_part(struct kmw_json *w, const struct kmw_event *ev)
{
	json_object(w, "process");
	json_id(w, "pid", ev->pid, false);
	json_id(w, "ppid", ev->ppid, false);
	json_id(w, "uid", ev->uid, false);
	fmt_ev_str(w, "user", ev, &ev->uid_name);
	json_id(w, "euid", ev->euid, false);
	fmt_ev_str(w, "euser", ev, &ev->euid_name);
	json_id(w, "gid", ev->gid, false);
	fmt_ev_str(w, "group", ev, &ev->gid_name);
	json_id(w, "auid", ev->auid, false);
	fmt_ev_str(w, "auser", ev, &ev->auid_name);
	json_id(w, "ses", ev->ses, false);
	fmt_ev_str(w, "tty", ev, &ev->tty);
	fmt_ev_str(w, "comm", ev, &ev->comm);
	fmt_ev_str(w, "exe", ev, &ev->exe);
	fmt_argv(w, "cmdline", ev, ev->argv, ev->argc);
	json_bool(w, "cmdline_truncated", ev->argv_truncated);
	json_cstr(w, "cmdline_source",
		  ev->cmdline_from_proc ? "proc"
		  : ev->argc		? "proctitle"
					: NULL);
	json_cstr(w, "context_source", ev->proc_read ? "proc" : "audit_record");
	/* read by the reader as the SYSCALL record came, so long after it came to us */
	if (ev->captured_early)
		json_int(w, "captured_after_us", ev->capture_us);
	json_cstr(w, "context_error", ev->proc_error);
	fmt_ev_str(w, "proc_exe", ev, &ev->proc_exe);
	fmt_ev_str(w, "cwd", ev, &ev->cwd);
	if (ev->parent_read) {
		json_object(w, "parent");
		json_id(w, "pid", ev->parent_pid, false);
		fmt_ev_str(w, "exe", ev, &ev->parent_exe);
		fmt_argv(w, "cmdline", ev, ev->parent_argv, ev->parent_argc);
		json_close(w);
	} else {
		json_null(w, "parent");
	}
	if (ev->container_id.set) {
		json_object(w, "container");
		fmt_ev_str(w, "id", ev, &ev->container_id);
		fmt_ev_str(w, "runtime", ev, &ev->container_runtime);
		json_close(w);
	} else {
		json_null(w, "container");
	}
	fmt_ev_str(w, "systemd_unit", ev, &ev->unit);
	json_close(w);
}

static void risk_part(struct kmw_json *w, const struct kmw_event *ev)
{
	const char *tname, *tid = risk_technique(ev, &tname);
	bool hidden = ev->kind == KMW_KIND_ALERT && ev->alert.code == KMW_R_HIDDEN_MODULE;
	unsigned int i;

	json_object(w, "risk");
	json_cstr(w, "level", risk_level_name((enum kmw_risk_level)ev->risk_level));
	json_array(w, "reasons");
	for (i = 0; i < KMW_R_COUNT; i++) {
		if (!(ev->risk_reasons & (1u << i)))
			continue;
		json_object(w, NULL);
		json_cstr(w, "code", risk_reason_code((enum kmw_risk_reason)i));
		json_cstr(w, "text", risk_reason_text((enum kmw_risk_reason)i));
		json_close(w);
	}
	json_close(w);
	json_object(w, "technique");
	json_cstr(w, "id", tid);
	json_cstr(w, "name", tname);
	json_close(w);
	/* a hidden module is a rootkit and a kernel module: both techniques */
	if (hidden) {
		json_array(w, "techniques");
		json_cstr(w, NULL, KMW_MITRE_ROOTKIT);
		json_cstr(w, NULL, KMW_MITRE_TECHNIQUE);
		json_close(w);
	}
	json_close(w);
}

/* A finding about the modules loaded now, with the evidence for it. */
static void ledger_evidence(struct kmw_json *w, const struct kmw_event *ev)
{
	const struct kmw_alert_facts *a = &ev->alert;
	char ts[48];

	json_object(w, "evidence");
	json_bool(w, "proc_modules", a->in_proc);
	json_bool(w, "sys_module", a->in_sysfs);
	json_cstr(w, "audit",
		  a->audit_loaded     ? "loaded"
		  : a->audit_unloaded ? "unloaded"
				      : "never");
	if (a->audit_loaded) {
		json_uint(w, "load_serial", a->load_serial);
		fmt_iso_time(ts, sizeof(ts), a->load_ms / 1000, (unsigned int)(a->load_ms % 1000));
		json_cstr(w, "load_time", ts);
		fmt_ev_str(w, "load_path", ev, &ev->file_path);
		json_cstr(w, "load_sha256", a->load_sha256[0] ? a->load_sha256 : NULL);
	} else {
		json_null(w, "load_serial");
		json_null(w, "load_time");
	}
	json_bool(w, "at_start", a->at_start);
	json_uint(w, "checks", a->checks);
	fmt_iso_time(ts, sizeof(ts), a->first_ms / 1000, (unsigned int)(a->first_ms % 1000));
	json_cstr(w, "first_seen", ts);
	json_bool(w, "events_behind", a->behind);
	fmt_alert_gaps(w, &a->gaps);
	/* the tampering alert that came before it: what may have hidden its load */
	if (a->hidden_by[0])
		json_cstr(w, "hidden_by", a->hidden_by);
	json_close(w);
}

/* The kernel's taint flags, as letters, of @mask. */
static void taint_letters(struct kmw_json *w, const char *name, uint64_t mask)
{
	char letters[65];
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < 64; i++)
		if ((mask & (1ULL << i)) && decode_taint_letter(i))
			letters[n++] = decode_taint_letter(i);
	letters[n] = '\0';
	json_cstr(w, name, letters);
}

/* What only some alerts have: the act of tampering, the taint, the suppressed record. */
static void other_evidence(struct kmw_json *w, const struct kmw_event *ev)
{
	const struct kmw_alert_facts *a = &ev->alert;
	char ts[48];

	json_object(w, "evidence");
	switch (a->code) {
	case KMW_R_SUPPRESSED_LOAD:
		json_uint(w, "record_serial", ev->serial);
		fmt_iso_time(ts, sizeof(ts), a->first_ms / 1000,
			     (unsigned int)(a->first_ms % 1000));
		json_cstr(w, "record_time", ts);
		fmt_ev_str(w, "file", ev, &ev->ima_file);
		json_cstr(w, "algo", ev->ima.algo[0] ? ev->ima.algo : NULL);
		json_cstr(w, "hash", ev->ima.hash[0] ? ev->ima.hash : NULL);
		json_uint(w, "records_lost_meanwhile", a->lost_meanwhile);
		break;
	case KMW_R_UNEXPLAINED_TAINT:
	case KMW_R_TAINT_CLEARED:
		json_uint(w, "taint_was", a->taint_was);
		json_uint(w, "taint_now", a->taint_now);
		taint_letters(w, "flags_was", a->taint_was);
		taint_letters(w, "flags_now", a->taint_now);
		taint_letters(w, a->code == KMW_R_TAINT_CLEARED ? "flags_gone" : "flags_new",
			      a->code == KMW_R_TAINT_CLEARED ? a->taint_was & ~a->taint_now
							     : a->taint_now & ~a->taint_was);
		fmt_alert_gaps(w, &a->gaps);
		if (a->hidden_by[0])
			json_cstr(w, "hidden_by", a->hidden_by);
		break;
	default:
		json_cstr(w, "act", a->act);
		json_cstr(w, "detail", a->detail[0] ? a->detail : NULL);
		json_cstr(w, "response", a->response);
		if (a->act && a->first_ms) {
			fmt_iso_time(ts, sizeof(ts), a->first_ms / 1000,
				     (unsigned int)(a->first_ms % 1000));
			json_cstr(w, "act_time", ts);
		}
		break;
	}
	json_close(w);
}

/* Who did it: the process of an alert's record, when one names it. */
static void actor_part(struct kmw_json *w, const struct kmw_event *ev)
{
	if (ev->pid < 0) {
		json_null(w, "process");
		return;
	}
	json_object(w, "process");
	json_id(w, "pid", ev->pid, false);
	json_id(w, "ppid", ev->ppid, false);
	json_id(w, "uid", ev->uid, false);
	fmt_ev_str(w, "user", ev, &ev->uid_name);
	json_id(w, "auid", ev->auid, false);
	fmt_ev_str(w, "auser", ev, &ev->auid_name);
	json_id(w, "ses", ev->ses, false);
	fmt_ev_str(w, "comm", ev, &ev->comm);
	fmt_ev_str(w, "exe", ev, &ev->exe);
	fmt_argv(w, "cmdline", ev, ev->argv, ev->argc);
	json_close(w);
}

static bool ledger_code(int code)
{
	return code == KMW_R_HIDDEN_MODULE || code == KMW_R_UNAUDITED_LOAD ||
	       code == KMW_R_UNAUDITED_UNLOAD;
}

static void alert_part(struct kmw_json *w, const struct kmw_event *ev)
{
	const struct kmw_alert_facts *a = &ev->alert;
	char ts[48];

	json_object(w, "alert");
	json_cstr(w, "code", risk_reason_code((enum kmw_risk_reason)a->code));
	fmt_iso_time(ts, sizeof(ts), ev->sec, ev->msec);
	json_cstr(w, "time", ts);
	fmt_ev_str(w, "node", ev, &ev->node);
	json_cstr(w, "why", a->why);
	if (ledger_code(a->code))
		ledger_evidence(w, ev);
	else
		other_evidence(w, ev);
	json_close(w);
	if (a->code == KMW_R_SUPPRESSED_LOAD) {
		/* what the file the kernel read says now, and who loaded it */
		module_part(w, ev);
		process_part(w, ev);
		return;
	}
	if (ledger_code(a->code) || a->code == KMW_R_ODD_MODULE_NAME ||
	    a->code == KMW_R_CHANGED_SINCE_LOAD) {
		json_object(w, "module");
		fmt_ev_str(w, "name", ev, &ev->mod_name);
		json_fix(w, "state", a->state);
		json_fix(w, "taint", a->taint);
		json_fix(w, "srcversion", a->srcversion);
		if (!ledger_code(a->code))
			fmt_ev_str(w, "file", ev, &ev->file_path);
		json_close(w);
	}
	if (!ledger_code(a->code))
		actor_part(w, ev);
}

/* Failed calls of one user, counted: what they share with a syscall event, and the count. */
static void summary_part(struct kmw_json *w, const struct kmw_event *ev)
{
	const struct kmw_summary_facts *s = &ev->summary;
	int err = event_errno(ev);
	char ts[48];

	json_object(w, "summary");
	json_cstr(w, "syscall", decode_syscall_name(ev->sc));
	json_cstr(w, "arch", decode_arch_name(ev->arch));
	json_id(w, "uid", ev->uid, false);
	fmt_ev_str(w, "user", ev, &ev->uid_name);
	fmt_ev_str(w, "exe", ev, &ev->exe);
	json_bool(w, "exe_merged", s->exe_merged);
	json_cstr(w, "errno", err ? decode_errno_name(err) : NULL);
	json_uint(w, "count", s->count);
	fmt_iso_time(ts, sizeof(ts), ev->sec, ev->msec);
	json_cstr(w, "first", ts);
	fmt_iso_time(ts, sizeof(ts), s->last_ms / 1000, (unsigned int)(s->last_ms % 1000));
	json_cstr(w, "last", ts);
	json_uint(w, "first_serial", ev->serial);
	json_uint(w, "last_serial", s->last_serial);
	json_uint(w, "interval_s", s->interval_s);
	fmt_ev_str(w, "node", ev, &ev->node);
	if (s->overflow)
		json_bool(w, "overflow", true);
	json_close(w);
}

int format_json(struct kmw_buf *b, const struct kmw_event *ev)
{
	struct kmw_json w;
	unsigned int i;

	json_start(&w, b);
	json_cstr(&w, "kind", event_kind_name(ev->kind));
	json_int(&w, "schema_version", KMW_SCHEMA_VERSION);
	fmt_id(&w, "id", ev);
	if (ev->kind == KMW_KIND_SUMMARY || ev->kind == KMW_KIND_ALERT) {
		if (ev->kind == KMW_KIND_SUMMARY)
			summary_part(&w, ev);
		else
			alert_part(&w, ev);
		risk_part(&w, ev);
		fmt_host_json(&w, ev);
		json_close(&w);
		buf_putc(b, '\n');
		return b->oom ? -ENOMEM : 0;
	}
	json_bool(&w, "historical", ev->historical);
	audit_part(&w, ev);
	syscall_part(&w, ev);
	module_part(&w, ev);
	process_part(&w, ev);
	risk_part(&w, ev);
	fmt_host_json(&w, ev);
	json_object(&w, "enrichment");
	json_array(&w, "skipped");
	for (i = 0; i < ev->nskipped; i++)
		json_cstr(&w, NULL, ev->skipped[i]);
	json_close(&w);
	json_close(&w);
	if (ev->arena_full)
		json_bool(&w, "truncated", true);
	json_close(&w);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}
