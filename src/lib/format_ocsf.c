// SPDX-License-Identifier: GPL-2.0-or-later
/* format_ocsf.c - an event in the Open Cybersecurity Schema Framework 1.2.0 (doc/ocsf.md):
 * a module call as Module Activity (class 1005), an alert as a Detection Finding (2004); what
 * OCSF has no attribute for goes under "unmapped" */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "format_priv.h"
#include "kmw_decode.h"
#include "kmw_format.h"
#include "kmw_host.h"
#include "kmw_risk.h"

#define OCSF_VERSION "1.2.0"
#define OCSF_SYSTEM 1	     /* category: System Activity */
#define OCSF_FINDINGS 2	     /* category: Findings */
#define OCSF_MODULE 1005     /* class: Module Activity */
#define OCSF_DETECTION 2004  /* class: Detection Finding */
#define OCSF_LINUX 200	     /* os.type_id */
#define OCSF_REGULAR_FILE 1  /* file.type_id */
#define OCSF_SHA256 3	     /* fingerprint.algorithm_id */
#define OCSF_LOAD_STANDARD 1 /* module.load_type_id: the kernel's own loader */

/* severity_id and its caption, of each risk level (info .. high) */
static const struct {
	int id;
	const char *name;
} severity[] = { { 1, "Informational" }, { 2, "Low" }, { 3, "Medium" }, { 4, "High" } };

static int64_t time_ms(const struct kmw_event *ev)
{
	return ev->sec * 1000 + ev->msec;
}

/* class, category, activity and type, with their captions */
static void classify(struct kmw_json *w, int category, const char *category_name, int cls,
		     const char *cls_name, int activity, const char *activity_name)
{
	char type[96];

	json_int(w, "category_uid", category);
	json_cstr(w, "category_name", category_name);
	json_int(w, "class_uid", cls);
	json_cstr(w, "class_name", cls_name);
	json_int(w, "activity_id", activity);
	json_cstr(w, "activity_name", activity_name);
	json_int(w, "type_uid", (int64_t)cls * 100 + activity);
	snprintf(type, sizeof(type), "%s: %s", cls_name, activity_name);
	json_cstr(w, "type_name", type);
}

static void severity_of(struct kmw_json *w, const struct kmw_event *ev)
{
	int lvl = ev->risk_level >= 0 && ev->risk_level <= 3 ? ev->risk_level : 0;

	json_int(w, "severity_id", severity[lvl].id);
	json_cstr(w, "severity", severity[lvl].name);
}

/* metadata: the product that wrote the document, the schema version, the event's id */
static void metadata(struct kmw_json *w, const struct kmw_event *ev)
{
	json_object(w, "metadata");
	json_cstr(w, "version", OCSF_VERSION);
	json_object(w, "product");
	json_cstr(w, "name", "kmodwatch");
	json_cstr(w, "vendor_name", "kmodwatch");
	json_cstr(w, "version", PACKAGE_VERSION);
	json_close(w);
	fmt_id(w, "uid", ev);
	json_cstr(w, "log_name", "audit");
	json_close(w);
}

/* device: the host the event happened on (its facts only when it is the one that saw it) */
static void device(struct kmw_json *w, const struct kmw_event *ev)
{
	const struct kmw_host *h = event_is_local(ev) ? ev->host : NULL;

	json_object(w, "device");
	json_int(w, "type_id", 0);
	if (ev->node.set) {
		fmt_ev_str(w, "hostname", ev, &ev->node);
		fmt_ev_str(w, "name", ev, &ev->node);
	}
	if (h && h->machine_id[0])
		json_cstr(w, "uid", h->machine_id);
	json_object(w, "os");
	json_cstr(w, "name", h && h->os_full[0] ? h->os_full : "Linux");
	json_int(w, "type_id", OCSF_LINUX);
	if (h && h->kernel[0])
		json_cstr(w, "build", h->kernel);
	if (h && h->os_version[0])
		json_cstr(w, "version", h->os_version);
	json_close(w);
	json_close(w);
}

/* a file object: name (the last part of the path), path, type; @hash: a SHA-256 or NULL */
static void file_object(struct kmw_json *w, const char *key, const struct kmw_event *ev,
			const struct kmw_str *path, const char *hash)
{
	const char *p = event_str(ev, path), *slash = memrchr(p, '/', path->len);

	json_object(w, key);
	json_str(w, "name", slash ? slash + 1 : p,
		 slash ? path->len - (size_t)(slash + 1 - p) : path->len);
	fmt_ev_str(w, "path", ev, path);
	json_int(w, "type_id", OCSF_REGULAR_FILE);
	json_cstr(w, "type", "Regular File");
	if (hash && hash[0]) {
		json_array(w, "hashes");
		json_object(w, NULL);
		json_int(w, "algorithm_id", OCSF_SHA256);
		json_cstr(w, "algorithm", "SHA-256");
		json_cstr(w, "value", hash);
		json_close(w);
		json_close(w);
	}
	json_close(w);
}

static void user_object(struct kmw_json *w, const struct kmw_event *ev)
{
	char uid[24];

	json_object(w, "user");
	if (ev->uid >= 0) {
		snprintf(uid, sizeof(uid), "%lld", (long long)ev->uid);
		json_cstr(w, "uid", uid);
	}
	if (ev->uid_name.set)
		fmt_ev_str(w, "name", ev, &ev->uid_name);
	json_close(w);
}

/* actor: the process that made the call, its parent, and its user */
static void actor(struct kmw_json *w, const struct kmw_event *ev)
{
	json_object(w, "actor");
	json_object(w, "process");
	if (ev->pid >= 0)
		json_int(w, "pid", ev->pid);
	if (ev->comm.set)
		fmt_ev_str(w, "name", ev, &ev->comm);
	fmt_command_line(w, "cmd_line", ev);
	if (ev->exe.set)
		file_object(w, "file", ev, &ev->exe, NULL);
	if (ev->ppid > 0 || ev->parent_read) {
		json_object(w, "parent_process");
		if (ev->ppid > 0)
			json_int(w, "pid", ev->ppid);
		if (ev->parent_read && ev->parent_exe.set)
			file_object(w, "file", ev, &ev->parent_exe, NULL);
		json_close(w);
	}
	user_object(w, ev);
	json_close(w);
	user_object(w, ev);
	json_close(w);
}

/* status: the call's outcome; its errno as status_code */
static void status(struct kmw_json *w, const struct kmw_event *ev)
{
	int err = event_errno(ev);

	json_int(w, "status_id", ev->no_syscall ? 0 : ev->success ? 1 : 2);
	json_cstr(w, "status", ev->no_syscall ? "Unknown" : ev->success ? "Success" : "Failure");
	if (err) {
		json_cstr(w, "status_code", decode_errno_name(err));
		json_cstr(w, "status_detail", strerror(err));
	}
}

/* what OCSF has no attribute for: kmodwatch's own facts */
static void unmapped(struct kmw_json *w, const struct kmw_event *ev)
{
	json_object(w, "unmapped");
	json_object(w, "kmodwatch");
	json_cstr(w, "kind", event_kind_name(ev->kind));
	json_cstr(w, "syscall", decode_syscall_name(ev->sc));
	json_cstr(w, "arch", decode_arch_name(ev->arch));
	fmt_ev_str(w, "module", ev, &ev->mod_name);
	if (ev->kind == KMW_KIND_SYSCALL) {
		fmt_exit(w, "exit", ev);
		fmt_ev_str(w, "param_values", ev, &ev->params);
		if (decode_flags_arg(ev->sc) >= 0)
			fmt_flags(w, ev);
		fmt_ev_str(w, "key", ev, &ev->key);
		json_id(w, "auid", ev->auid, false);
	}
	json_uint(w, "serial", ev->serial);
	fmt_risk_reasons(w, ev);
	json_close(w);
	json_close(w);
}

/* An alert: a Detection Finding (created), the finding named by its code. */
static int ocsf_alert(struct kmw_buf *b, const struct kmw_event *ev)
{
	const char *code = risk_reason_code((enum kmw_risk_reason)ev->alert.code);
	struct kmw_json w;
	char msg[512];

	json_start(&w, b);
	classify(&w, OCSF_FINDINGS, "Findings", OCSF_DETECTION, "Detection Finding", 1, "Create");
	json_int(&w, "time", time_ms(ev));
	severity_of(&w, ev);
	snprintf(msg, sizeof(msg), "%s: %.*s", code,
		 (int)(ev->mod_name.len > 64 ? 64 : ev->mod_name.len),
		 event_str(ev, &ev->mod_name));
	json_cstr(&w, "message", msg);
	metadata(&w, ev);
	json_object(&w, "finding_info");
	fmt_id(&w, "uid", ev);
	json_cstr(&w, "title", risk_reason_text((enum kmw_risk_reason)ev->alert.code));
	if (ev->alert.why && ev->alert.why[0])
		json_cstr(&w, "desc", ev->alert.why);
	json_array(&w, "types");
	json_cstr(&w, NULL, code);
	json_close(&w);
	json_close(&w);
	device(&w, ev);
	if (ev->pid >= 0)
		actor(&w, ev);
	unmapped(&w, ev);
	json_close(&w);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}

int format_ocsf(struct kmw_buf *b, const struct kmw_event *ev)
{
	bool load = ev->sc != KMW_SC_DELETE_MODULE;
	const struct kmw_str *path;
	const char *psrc, *hash = NULL;
	struct kmw_json w;
	char msg[512];

	if (ev->kind == KMW_KIND_ALERT)
		return ocsf_alert(b, ev);
	json_start(&w, b);
	classify(&w, OCSF_SYSTEM, "System Activity", OCSF_MODULE, "Module Activity", load ? 1 : 2,
		 load ? "Load" : "Unload");
	json_int(&w, "time", time_ms(ev));
	severity_of(&w, ev);
	status(&w, ev);
	if (ev->kind == KMW_KIND_SUMMARY) {
		/* a summary: that many failed calls of one user, from the first to the last */
		snprintf(msg, sizeof(msg), "%llu failed kernel module calls, summarised",
			 (unsigned long long)ev->summary.count);
		json_uint(&w, "count", ev->summary.count);
		json_int(&w, "start_time", time_ms(ev));
		json_int(&w, "end_time", ev->summary.last_ms);
	} else {
		fmt_event_message(msg, sizeof(msg), ev);
	}
	json_cstr(&w, "message", msg);
	metadata(&w, ev);
	device(&w, ev);
	actor(&w, ev);
	/* the module: its file, with the kernel's hash (IMA) when it gave one, else ours */
	json_object(&w, "module");
	json_int(&w, "load_type_id", OCSF_LOAD_STANDARD);
	json_cstr(&w, "load_type", "Standard");
	json_cstr(&w, "type", "Linux kernel module");
	path = event_module_path(ev, &psrc);
	if (!path && ev->file_path.set)
		path = &ev->file_path;
	if (ev->ima.src != KMW_IMA_NONE && !strcmp(ev->ima.algo, "sha256"))
		hash = ev->ima.hash;
	else if (ev->have_facts && ev->facts.sha256[0])
		hash = ev->facts.sha256;
	if (path && path->set)
		file_object(&w, "file", ev, path, hash);
	json_close(&w);
	unmapped(&w, ev);
	json_close(&w);
	buf_putc(b, '\n');
	return b->oom ? -ENOMEM : 0;
}
