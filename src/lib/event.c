// SPDX-License-Identifier: GPL-2.0-or-later
/* event.c - struct kmw_event: reset, string storage, and the names of its enums */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmw_event.h"
#include "kmw_host.h"

int event_errno(const struct kmw_event *ev)
{
	/* the kernel returns -1 .. -4095 for errors; anything else is a value */
	if (ev->success || !ev->has_exit || ev->exit >= 0 || ev->exit < -4095)
		return 0;
	return (int)-ev->exit;
}

bool event_is_local(const struct kmw_event *ev)
{
	const struct kmw_host *h = ev->host;

	/* an event another host sent through this one's auditd names that host in node= */
	return h && (!ev->node.set || (ev->node.len == strlen(h->name) &&
				       !memcmp(event_str(ev, &ev->node), h->name, ev->node.len)));
}

void event_id(const struct kmw_event *ev, char *out, size_t len)
{
	snprintf(out, len, "%s:%" PRIu64 ":%" PRId64 ".%03u%s%s",
		 ev->boot_id[0] ? ev->boot_id : "-", ev->serial, ev->sec, ev->msec % 1000,
		 ev->kind == KMW_KIND_SYSCALL ? "" : ":",
		 ev->kind == KMW_KIND_SYSCALL ? "" : event_kind_name(ev->kind));
}

void event_reset(struct kmw_event *ev)
{
	/* the arena is not cleared: strings are only read through their length */
	memset(ev, 0, offsetof(struct kmw_event, arena));
	ev->pid = ev->ppid = -1;
	ev->uid = ev->euid = ev->gid = ev->auid = ev->ses = -1;
	ev->path_err = KMW_PATH_NOT_TRIED;
	ev->file_fd = -1;
	ev->parent_pid = -1;
	ev->loaded_matches_disk = -1;
	ev->ima.matches = -1;
}

void event_skip(struct kmw_event *ev, const char *what)
{
	unsigned int i;

	for (i = 0; i < ev->nskipped; i++)
		if (ev->skipped[i] == what)
			return;
	if (ev->nskipped < sizeof(ev->skipped) / sizeof(ev->skipped[0]))
		ev->skipped[ev->nskipped++] = what;
}

void event_note(struct kmw_event *ev, const char *what)
{
	unsigned int i;

	for (i = 0; i < ev->nnotes; i++)
		if (ev->notes[i] == what)
			return;
	if (ev->nnotes < sizeof(ev->notes) / sizeof(ev->notes[0]))
		ev->notes[ev->nnotes++] = what;
}

void event_release(struct kmw_event *ev)
{
	if (ev->file_fd >= 0)
		close(ev->file_fd);
	ev->file_fd = -1;
	free(ev->image);
	ev->image = NULL;
}

int event_set_str(struct kmw_event *ev, struct kmw_str *s, const char *p, size_t len)
{
	size_t room = KMW_ARENA_SIZE - ev->arena_len;
	int ret = 0;

	if (len > room) {
		len = room;
		s->truncated = true;
		ev->arena_full = true;
		ret = -ENOSPC;
	} else {
		s->truncated = false;
	}
	memcpy(ev->arena + ev->arena_len, p, len);
	s->off = ev->arena_len;
	s->len = (uint32_t)len;
	s->set = true;
	ev->arena_len += (uint32_t)len;
	return ret;
}

int event_add_arg(struct kmw_event *ev, const char *p, size_t len)
{
	if (ev->argc >= KMW_MAX_ARGV) {
		ev->argv_truncated = true;
		return -ENOSPC;
	}
	if (event_set_str(ev, &ev->argv[ev->argc++], p, len)) {
		ev->argv_truncated = true;
		return -ENOSPC;
	}
	return 0;
}

static const char *const kind_names[KMW_KIND_COUNT] = {
	[KMW_KIND_SYSCALL] = "syscall",
	[KMW_KIND_SUMMARY] = "summary",
	[KMW_KIND_ALERT] = "alert",
};

const char *event_kind_name(enum kmw_kind k)
{
	return (unsigned int)k < KMW_KIND_COUNT ? kind_names[k] : "syscall";
}

int event_kind_parse(const char *name, enum kmw_kind *out)
{
	unsigned int k;

	for (k = 0; k < KMW_KIND_COUNT; k++)
		if (!strcmp(name, kind_names[k])) {
			*out = (enum kmw_kind)k;
			return 0;
		}
	return -EINVAL;
}

const char *event_path_err_name(enum kmw_path_err err)
{
	switch (err) {
	case KMW_PATH_OK: return NULL;
	case KMW_PATH_NOT_TRIED: return "not_applicable";
	case KMW_PATH_PROCESS_GONE: return "process_gone";
	case KMW_PATH_PID_REUSED: return "pid_reused";
	case KMW_PATH_FD_CLOSED: return "fd_closed";
	case KMW_PATH_PERMISSION: return "permission_denied";
	case KMW_PATH_BAD_FD: return "bad_fd";
	case KMW_PATH_ERROR: return "error";
	case KMW_PATH_NOT_RECORDED: return "not_in_records";
	}
	return "error";
}

const char *event_file_src_name(enum kmw_file_src s)
{
	switch (s) {
	case KMW_FILE_PROC_FD: return "proc_fd";
	case KMW_FILE_FD_PATH: return "fd_path";
	case KMW_FILE_PROCESS_MEMORY: return "process_memory";
	case KMW_FILE_KMOD_LOOKUP: return "kmod_lookup";
	case KMW_FILE_ARGV: return "argv";
	case KMW_FILE_IMA_PATH: return "ima_path";
	default: return NULL;
	}
}

const struct kmw_str *event_module_path(const struct kmw_event *ev, const char **source)
{
	if (ev->path_err == KMW_PATH_OK && ev->mod_path.set) {
		*source = "proc_fd";
		return &ev->mod_path;
	}
	if (ev->ima.src != KMW_IMA_NONE && ev->ima_file.set) {
		*source = "ima";
		return &ev->ima_file;
	}
	*source = NULL;
	return NULL;
}

const char *event_ima_src_name(enum kmw_ima_src s)
{
	switch (s) {
	case KMW_IMA_RECORD: return "record";
	case KMW_IMA_EARLIER: return "earlier_record";
	default: return NULL;
	}
}

const char *event_ima_absent_name(enum kmw_ima_absent a)
{
	switch (a) {
	case KMW_IMA_ABSENT_NOT_LOAD: return "not_a_load";
	case KMW_IMA_ABSENT_INIT_MODULE: return "init_module";
	case KMW_IMA_ABSENT_NO_RECORD: return "no_record";
	case KMW_IMA_ABSENT_BAD_RECORD: return "bad_record";
	default: return NULL;
	}
}

const char *event_compression_name(enum kmw_compression c)
{
	switch (c) {
	case KMW_COMP_XZ: return "xz";
	case KMW_COMP_ZSTD: return "zstd";
	case KMW_COMP_GZIP: return "gzip";
	default: return NULL;
	}
}

const char *event_params_src_name(enum kmw_params_src s)
{
	switch (s) {
	case KMW_PARAMS_PROC_MEM: return "process_memory";
	case KMW_PARAMS_ARGV: return "argv";
	default: return NULL;
	}
}
