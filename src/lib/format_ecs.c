// SPDX-License-Identifier: GPL-2.0-or-later
/* format_ecs.c - an event in the Elastic Common Schema 8.11 (doc/ecs.md): ECS fields where ECS
 * has them, the rest under "kmodwatch" */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kmw_decode.h"
#include "kmw_dpkg.h"
#include "kmw_format.h"
#include "format_priv.h"
#include "kmw_risk.h"

/* the ECS version this mapping follows, and event.risk_score of each risk level */
#define ECS_VERSION "8.11.0"
static const char *const ecs_risk_score[] = { "0.0", "25.0", "50.0", "75.0" };

/* The head of every document: @timestamp (the event's time, into @ts), message, ecs.version. */
static void ecs_head(struct kmw_json *w, struct kmw_buf *b, const struct kmw_event *ev,
		     const char *message, char *ts, size_t tslen)
{
	json_start(w, b);
	fmt_iso_time(ts, tslen, ev->sec, ev->msec);
	json_cstr(w, "@timestamp", ts);
	json_cstr(w, "message", message);
	json_object(w, "ecs");
	json_cstr(w, "version", ECS_VERSION);
	json_close(w);
}

/* event.reason: the sentences of the risk reasons */
static void event_reason(struct kmw_json *w, const struct kmw_event *ev)
{
	char text[1024];
	unsigned int i;
	size_t n = 0;

	text[0] = '\0';
	for (i = 0; i < KMW_R_COUNT && n < sizeof(text); i++)
		if (ev->risk_reasons & (1u << i))
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s", n ? "; " : "",
					      risk_reason_text((enum kmw_risk_reason)i));
	if (n)
		json_cstr(w, "reason", text);
}

/* the last part of a path */
static void basename_of(struct kmw_json *w, const char *key, const struct kmw_event *ev,
			const struct kmw_str *s)
{
	const char *p = event_str(ev, s), *slash = memrchr(p, '/', s->len);

	json_str(w, key, slash ? slash + 1 : p, slash ? s->len - (size_t)(slash + 1 - p) : s->len);
}

static void event_part(struct kmw_json *w, const struct kmw_event *ev, bool load, int lvl)
{
	int err = event_errno(ev);

	json_object(w, "event");
	json_cstr(w, "kind", "event");
	json_array(w, "category");
	json_cstr(w, NULL, "driver");
	json_close(w);
	json_array(w, "type");
	json_cstr(w, NULL, load ? "start" : "end");
	json_close(w);
	json_cstr(w, "action", load ? "loaded-kernel-module" : "unloaded-kernel-module");
	json_cstr(w, "outcome", ev->no_syscall ? "unknown" : ev->success ? "success" : "failure");
	json_cstr(w, "module", "kmodwatch");
	json_cstr(w, "dataset", "kmodwatch.module");
	fmt_id(w, "id", ev);
	json_int(w, "severity", lvl);
	json_raw(w, "risk_score", ecs_risk_score[lvl]);
	event_reason(w, ev);
	json_close(w);
	if (err) {
		json_object(w, "error");
		json_cstr(w, "code", decode_errno_name(err));
		json_cstr(w, "message", strerror(err));
		json_close(w);
	}
}

/* related.user and related.hash: every user and hash of the event, each once */
static void related_part(struct kmw_json *w, const struct kmw_event *ev)
{
	const struct kmw_str *users[] = { &ev->uid_name, &ev->euid_name, &ev->auid_name };
	const char *hashes[2] = { NULL, NULL };
	unsigned int i, j, nh = 0;

	if (ev->ima.src != KMW_IMA_NONE && ev->ima.hash[0])
		hashes[nh++] = ev->ima.hash;
	if (ev->have_facts && ev->facts.sha256[0] && !(nh && !strcmp(hashes[0], ev->facts.sha256)))
		hashes[nh++] = ev->facts.sha256;
	json_object(w, "related");
	json_array(w, "user");
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		/* an unset login uid is no user */
		if (!users[i]->set || (i == 2 && (ev->auid < 0 || ev->auid == 4294967295LL)))
			continue;
		for (j = 0; j < i; j++)
			if (users[j]->set && users[j]->len == users[i]->len &&
			    !memcmp(event_str(ev, users[j]), event_str(ev, users[i]),
				    users[i]->len))
				break;
		if (j == i)
			fmt_ev_str(w, NULL, ev, users[i]);
	}
	json_close(w);
	json_array(w, "hash");
	for (i = 0; i < nh; i++)
		json_cstr(w, NULL, hashes[i]);
	json_close(w);
	json_close(w);
}

/*
 * auditd.*: the names Auditbeat and Elastic's auditd_manager give the same facts, which
 * Elastic's prebuilt rules query ("Kernel Driver Load": auditd.data.syscall).
 */
static void auditd_part(struct kmw_json *w, const struct kmw_event *ev)
{
	json_object(w, "auditd");
	json_cstr(w, "result", ev->no_syscall ? "unknown" : ev->success ? "success" : "fail");
	json_uint(w, "sequence", ev->serial);
	json_object(w, "data");
	json_cstr(w, "syscall", decode_syscall_name(ev->sc));
	json_cstr(w, "arch", decode_arch_name(ev->arch));
	if (ev->mod_name.set)
		fmt_ev_str(w, "name", ev, &ev->mod_name);
	json_close(w);
	json_close(w);
}

static void actor_part(struct kmw_json *w, const struct kmw_event *ev)
{
	fmt_host_ecs(w, ev);

	json_object(w, "process");
	json_id(w, "pid", ev->pid, false);
	fmt_ev_str(w, "name", ev, &ev->comm);
	fmt_ev_str(w, "executable", ev, &ev->exe);
	fmt_argv(w, "args", ev, ev->argv, ev->argc);
	json_int(w, "args_count", ev->argc);
	fmt_command_line(w, "command_line", ev);
	if (ev->cwd.set)
		fmt_ev_str(w, "working_directory", ev, &ev->cwd);
	json_object(w, "parent");
	json_id(w, "pid", ev->ppid, false);
	if (ev->parent_read) {
		if (ev->parent_exe.set)
			basename_of(w, "name", ev, &ev->parent_exe);
		fmt_ev_str(w, "executable", ev, &ev->parent_exe);
		fmt_argv(w, "args", ev, ev->parent_argv, ev->parent_argc);
	}
	json_close(w);
	json_close(w);

	json_object(w, "user");
	json_id(w, "id", ev->uid, true);
	fmt_ev_str(w, "name", ev, &ev->uid_name);
	json_object(w, "effective");
	json_id(w, "id", ev->euid, true);
	fmt_ev_str(w, "name", ev, &ev->euid_name);
	json_close(w);
	json_close(w);

	json_object(w, "group");
	json_id(w, "id", ev->gid, true);
	fmt_ev_str(w, "name", ev, &ev->gid_name);
	json_close(w);
}

/* the ECS field of a digest the kernel names so, or NULL (ECS has md5, sha1, sha256, ...) */
static const char *ecs_hash_key(const char *algo)
{
	static const char *const keys[] = { "md5", "sha1", "sha256", "sha384", "sha512" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(algo, keys[i]))
			return keys[i];
	return NULL;
}

static void file_part(struct kmw_json *w, const struct kmw_event *ev)
{
	const char *psrc,
		*ima_key = ev->ima.src != KMW_IMA_NONE ? ecs_hash_key(ev->ima.algo) : NULL;
	const struct kmw_str *path = event_module_path(ev, &psrc);
	const struct kmw_modfacts *m = &ev->facts;
	bool analysed = ev->have_facts && m->analysed;

	if (!path)
		path = &ev->file_path;
	if (!path->set && !analysed && !ima_key)
		return;
	json_object(w, "file");
	if (path->set) {
		fmt_ev_str(w, "path", ev, path);
		basename_of(w, "name", ev, path);
	}
	if (ev->have_stat) {
		json_id(w, "inode", (int64_t)ev->ino, true);
		json_id(w, "device", (int64_t)ev->dev, true);
		json_uint(w, "size", ev->size);
		fmt_mode(w, "mode", ev->mode);
		json_id(w, "uid", ev->fuid, true);
		json_id(w, "gid", ev->fgid, true);
		fmt_stat_time(w, "mtime", ev->mtime);
		fmt_stat_time(w, "ctime", ev->ctime);
	}
	/* the kernel's hash of the bytes it read, when IMA gave one; else kmodwatchd's */
	if (ima_key || (ev->have_facts && m->sha256[0])) {
		json_object(w, "hash");
		if (ima_key)
			json_cstr(w, ima_key, ev->ima.hash);
		if (ev->have_facts && m->sha256[0] && !(ima_key && !strcmp(ima_key, "sha256")))
			json_cstr(w, "sha256", m->sha256);
		json_close(w);
	}
	if (analysed) {
		json_object(w, "code_signature");
		json_bool(w, "exists", m->sig_present);
		if (m->sig_signer[0])
			json_fix(w, "subject_name", m->sig_signer);
		json_close(w);
	}
	json_close(w);
}

static void threat_part(struct kmw_json *w, const struct kmw_event *ev)
{
	const char *name, *id = risk_technique(ev, &name);
	bool flood = ev->kind == KMW_KIND_SUMMARY;
	bool hidden = ev->kind == KMW_KIND_ALERT && ev->alert.code == KMW_R_HIDDEN_MODULE;

	json_object(w, "threat");
	json_cstr(w, "framework", "MITRE ATT&CK");
	json_object(w, "technique");
	json_array(w, "id");
	json_cstr(w, NULL, id);
	if (hidden)
		json_cstr(w, NULL, KMW_MITRE_TECHNIQUE);
	json_close(w);
	json_array(w, "name");
	json_cstr(w, NULL, name);
	if (hidden)
		json_cstr(w, NULL, KMW_MITRE_NAME);
	json_close(w);
	json_close(w);
	json_object(w, "tactic");
	/* a flood impairs defences, a rootkit evades them (T1014); a module persists and
	 * escalates (T1547.006) */
	json_array(w, "id");
	if (!flood) {
		json_cstr(w, NULL, "TA0003");
		json_cstr(w, NULL, "TA0004");
	}
	if (flood || hidden)
		json_cstr(w, NULL, "TA0005");
	json_close(w);
	json_array(w, "name");
	if (!flood) {
		json_cstr(w, NULL, "Persistence");
		json_cstr(w, NULL, "Privilege Escalation");
	}
	if (flood || hidden)
		json_cstr(w, NULL, "Defense Evasion");
	json_close(w);
	json_close(w);
	json_close(w);
}

/*
 * A summary: a measurement over an interval (event.kind metric), of failed
 * calls of one user, with the count and the interval's first and last call.
 */
static int ecs_summary(struct kmw_buf *b, const struct kmw_event *ev, int lvl)
{
	const struct kmw_summary_facts *s = &ev->summary;
	int err = event_errno(ev);
	struct kmw_json w;
	char ts[48], msg[96];

	snprintf(msg, sizeof(msg), "%llu failed kernel module call%s, summarised",
		 (unsigned long long)s->count, s->count == 1 ? "" : "s");
	ecs_head(&w, b, ev, msg, ts, sizeof(ts));
	json_object(&w, "event");
	json_cstr(&w, "kind", "metric");
	json_array(&w, "category");
	json_cstr(&w, NULL, "driver");
	json_close(&w);
	json_array(&w, "type");
	json_cstr(&w, NULL, "info");
	json_close(&w);
	json_cstr(&w, "action", "kernel-module-calls-summarised");
	json_cstr(&w, "outcome", "failure");
	json_cstr(&w, "module", "kmodwatch");
	json_cstr(&w, "dataset", "kmodwatch.summary");
	fmt_id(&w, "id", ev);
	json_cstr(&w, "start", ts);
	fmt_iso_time(ts, sizeof(ts), s->last_ms / 1000, (unsigned int)(s->last_ms % 1000));
	json_cstr(&w, "end", ts);
	json_int(&w, "severity", lvl);
	json_raw(&w, "risk_score", ecs_risk_score[lvl]);
	json_close(&w);
	if (err) {
		json_object(&w, "error");
		json_cstr(&w, "code", decode_errno_name(err));
		json_cstr(&w, "message", strerror(err));
		json_close(&w);
	}
	fmt_host_ecs(&w, ev);
	if (ev->exe.set) {
		json_object(&w, "process");
		fmt_ev_str(&w, "executable", ev, &ev->exe);
		json_close(&w);
	}
	json_object(&w, "user");
	json_id(&w, "id", ev->uid, true);
	fmt_ev_str(&w, "name", ev, &ev->uid_name);
	json_close(&w);
	threat_part(&w, ev);
	json_object(&w, "kmodwatch");
	json_cstr(&w, "kind", "summary");
	json_cstr(&w, "syscall", decode_syscall_name(ev->sc));
	json_cstr(&w, "arch", decode_arch_name(ev->arch));
	json_uint(&w, "count", s->count);
	json_uint(&w, "interval_s", s->interval_s);
	json_uint(&w, "first_serial", ev->serial);
	json_uint(&w, "last_serial", s->last_serial);
	json_bool(&w, "exe_merged", s->exe_merged);
	fmt_risk_reasons(&w, ev);
	json_close(&w);
	json_close(&w);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}

/* what ECS has no field for: the native facts, under our own name */
static void native_part(struct kmw_json *w, const struct kmw_event *ev)
{
	json_object(w, "kmodwatch");
	json_cstr(w, "syscall", decode_syscall_name(ev->sc));
	json_cstr(w, "arch", decode_arch_name(ev->arch));
	fmt_exit(w, "exit", ev);
	fmt_ev_str(w, "module", ev, &ev->mod_name);
	fmt_ev_str(w, "param_values", ev, &ev->params);
	json_id(w, "auid", ev->auid, false);
	fmt_ev_str(w, "auser", ev, &ev->auid_name);
	fmt_ev_str(w, "key", ev, &ev->key);
	json_uint(w, "serial", ev->serial);
	json_bool(w, "historical", ev->historical);
	fmt_risk_reasons(w, ev);
	if (decode_flags_arg(ev->sc) >= 0)
		fmt_flags(w, ev);
	json_cstr(w, "file_source", event_file_src_name(ev->file_src));
	json_cstr(w, "path_error", event_path_err_name(ev->path_err));
	if (ev->sc == KMW_SC_FINIT_MODULE || ev->sc == KMW_SC_INIT_MODULE) {
		json_cstr(w, "ima_source", event_ima_src_name(ev->ima.src));
		json_cstr(w, "ima_absent", event_ima_absent_name(ev->ima_absent));
		if (ev->ima.src != KMW_IMA_NONE) {
			json_cstr(w, "ima_hash", ev->ima.hash);
			json_cstr(w, "ima_algo", ev->ima.algo);
			json_tristate(w, "ima_matches_file", ev->ima.matches);
			if (ev->have_facts && ev->facts.sha256[0])
				json_cstr(w, "sha256_read", ev->facts.sha256);
		}
	}
	json_cstr(w, "package_provenance", dpkg_prov_name((enum kmw_pkg_prov)ev->package));
	if (ev->have_facts && ev->facts.analysed) {
		json_fix(w, "srcversion", ev->facts.mi_srcversion);
		json_fix(w, "vermagic", ev->facts.mi_vermagic);
		json_fix(w, "signature_key_id", ev->facts.sig_key_id);
	}
	if (ev->have_sysfs)
		json_cstr(w, "taint", ev->sysfs.taint);
	json_tristate(w, "loaded_matches_disk", ev->loaded_matches_disk);
	json_close(w);
}

/* An alert: a finding about the modules loaded now (event.kind alert, rule.name its code). */
static int ecs_alert(struct kmw_buf *b, const struct kmw_event *ev, int lvl)
{
	static const char *const actions[] = {
		[KMW_R_HIDDEN_MODULE] = "hidden-kernel-module",
		[KMW_R_UNAUDITED_LOAD] = "unaudited-kernel-module-load",
		[KMW_R_UNAUDITED_UNLOAD] = "unaudited-kernel-module-unload",
		[KMW_R_SUPPRESSED_LOAD] = "suppressed-kernel-module-load",
		[KMW_R_UNEXPLAINED_TAINT] = "unexplained-kernel-taint",
		[KMW_R_TAINT_CLEARED] = "kernel-taint-cleared",
		[KMW_R_AUDIT_TAMPERED] = "audit-tampered",
		[KMW_R_AUDIT_PID_CHANGED] = "audit-pid-changed",
		[KMW_R_ODD_MODULE_NAME] = "odd-kernel-module-name",
		[KMW_R_CHANGED_SINCE_LOAD] = "kernel-module-file-changed",
		[KMW_R_POSTURE_WEAKENED] = "kernel-posture-weakened",
	};
	const struct kmw_alert_facts *a = &ev->alert;
	/* tampering with audit is a change of configuration; the rest, intrusion detection */
	bool config = a->code == KMW_R_AUDIT_TAMPERED || a->code == KMW_R_AUDIT_PID_CHANGED ||
		      a->code == KMW_R_POSTURE_WEAKENED;
	const char *code = risk_reason_code((enum kmw_risk_reason)a->code);
	struct kmw_json w;
	char ts[48], msg[160];

	snprintf(msg, sizeof(msg), "%s: %.*s", code,
		 (int)(ev->mod_name.len > 64 ? 64 : ev->mod_name.len),
		 event_str(ev, &ev->mod_name));
	ecs_head(&w, b, ev, msg, ts, sizeof(ts));
	json_object(&w, "event");
	json_cstr(&w, "kind", "alert");
	json_array(&w, "category");
	if (!config)
		json_cstr(&w, NULL, "driver");
	json_cstr(&w, NULL, config ? "configuration" : "intrusion_detection");
	json_close(&w);
	json_array(&w, "type");
	json_cstr(&w, NULL, config ? "change" : "info");
	json_close(&w);
	json_cstr(&w, "action",
		  (unsigned int)a->code < sizeof(actions) / sizeof(actions[0]) && actions[a->code]
			  ? actions[a->code]
			  : code);
	json_cstr(&w, "module", "kmodwatch");
	json_cstr(&w, "dataset", "kmodwatch.alert");
	fmt_id(&w, "id", ev);
	json_int(&w, "severity", lvl);
	json_raw(&w, "risk_score", ecs_risk_score[lvl]);
	json_cstr(&w, "reason", a->why);
	json_close(&w);
	/* the file of the load audit saw, when it did */
	if (a->audit_loaded && (ev->file_path.set || a->load_sha256[0])) {
		json_object(&w, "file");
		fmt_ev_str(&w, "path", ev, &ev->file_path);
		if (a->load_sha256[0]) {
			json_object(&w, "hash");
			json_cstr(&w, "sha256", a->load_sha256);
			json_close(&w);
		}
		json_close(&w);
	}
	/* the file IMA saw the kernel read for a load whose records were suppressed */
	if (a->code == KMW_R_SUPPRESSED_LOAD && ev->ima_file.set) {
		json_object(&w, "file");
		fmt_ev_str(&w, "path", ev, &ev->ima_file);
		if (ecs_hash_key(ev->ima.algo)) {
			json_object(&w, "hash");
			json_cstr(&w, ecs_hash_key(ev->ima.algo), ev->ima.hash);
			json_close(&w);
		}
		json_close(&w);
	}
	/* who did it: the process of the act's or the load's record */
	if (ev->pid >= 0) {
		json_object(&w, "process");
		json_id(&w, "pid", ev->pid, false);
		fmt_ev_str(&w, "name", ev, &ev->comm);
		fmt_ev_str(&w, "executable", ev, &ev->exe);
		fmt_argv(&w, "args", ev, ev->argv, ev->argc);
		json_object(&w, "parent");
		json_id(&w, "pid", ev->ppid, false);
		json_close(&w);
		json_close(&w);
		json_object(&w, "user");
		json_id(&w, "id", ev->uid, true);
		fmt_ev_str(&w, "name", ev, &ev->uid_name);
		json_close(&w);
	}
	json_object(&w, "rule");
	json_cstr(&w, "name", code);
	json_cstr(&w, "description", risk_reason_text((enum kmw_risk_reason)a->code));
	json_close(&w);
	fmt_host_ecs(&w, ev);
	threat_part(&w, ev);
	json_object(&w, "kmodwatch");
	json_cstr(&w, "kind", "alert");
	fmt_ev_str(&w, "module", ev, &ev->mod_name);
	json_bool(&w, "proc_modules", a->in_proc);
	json_bool(&w, "sys_module", a->in_sysfs);
	json_cstr(&w, "audit",
		  a->audit_loaded     ? "loaded"
		  : a->audit_unloaded ? "unloaded"
				      : "never");
	if (a->audit_loaded)
		json_uint(&w, "load_serial", a->load_serial);
	json_bool(&w, "at_start", a->at_start);
	json_uint(&w, "checks", a->checks);
	json_fix(&w, "taint", a->taint);
	fmt_alert_gaps(&w, &a->gaps);
	if (a->act) {
		json_cstr(&w, "act", a->act);
		json_cstr(&w, "response", a->response);
	}
	if (a->detail[0])
		json_cstr(&w, "detail", a->detail);
	if (a->hidden_by[0])
		json_cstr(&w, "hidden_by", a->hidden_by);
	if (a->code == KMW_R_UNEXPLAINED_TAINT || a->code == KMW_R_TAINT_CLEARED) {
		json_uint(&w, "taint_was", a->taint_was);
		json_uint(&w, "taint_now", a->taint_now);
	}
	fmt_risk_reasons(&w, ev);
	json_close(&w);
	json_close(&w);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}

int format_ecs(struct kmw_buf *b, const struct kmw_event *ev)
{
	int lvl = ev->risk_level >= 0 && ev->risk_level <= 3 ? ev->risk_level : 0;
	bool load = ev->sc != KMW_SC_DELETE_MODULE;
	struct kmw_json w;
	char ts[48], msg[512];

	if (ev->kind == KMW_KIND_SUMMARY)
		return ecs_summary(b, ev, lvl);
	if (ev->kind == KMW_KIND_ALERT)
		return ecs_alert(b, ev, lvl);
	fmt_event_message(msg, sizeof(msg), ev);
	ecs_head(&w, b, ev, msg, ts, sizeof(ts));
	event_part(&w, ev, load, lvl);
	actor_part(&w, ev);
	file_part(&w, ev);
	if (ev->container_id.set) {
		json_object(&w, "container");
		fmt_ev_str(&w, "id", ev, &ev->container_id);
		fmt_ev_str(&w, "runtime", ev, &ev->container_runtime);
		json_close(&w);
	}
	/* the package that ships the file, as ECS's installed-software fields say it */
	if (ev->package_name[0]) {
		json_object(&w, "package");
		json_cstr(&w, "name", ev->package_name);
		json_cstr(&w, "type", "deb");
		json_close(&w);
	}
	related_part(&w, ev);
	auditd_part(&w, ev);
	threat_part(&w, ev);
	native_part(&w, ev);
	json_close(&w);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}
