/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_event.h - the one data model: a decoded kernel-module syscall event */
#ifndef KMW_EVENT_H
#define KMW_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KMW_SCHEMA_VERSION 1

/* Bytes of all strings of one event together; longer input is cut and marked. */
#define KMW_ARENA_SIZE 32768
#define KMW_MAX_ARGV 128
#define KMW_MAX_KEYS 8

/* A string held in the event's arena: untrusted bytes, may hold NUL. */
struct kmw_str {
	uint32_t off;
	uint32_t len;
	bool set;
	bool truncated;
};

enum kmw_syscall {
	KMW_SC_NONE = 0,
	KMW_SC_FINIT_MODULE,
	KMW_SC_INIT_MODULE,
	KMW_SC_DELETE_MODULE,
};

/* Why the module path could not be resolved from the process's fd. */
enum kmw_path_err {
	KMW_PATH_OK = 0,
	KMW_PATH_NOT_TRIED,		/* not a finit_module, or enrichment off */
	KMW_PATH_PROCESS_GONE,
	KMW_PATH_PID_REUSED,
	KMW_PATH_FD_CLOSED,
	KMW_PATH_PERMISSION,
	KMW_PATH_BAD_FD,
	KMW_PATH_ERROR,
};

/* Where the module parameters came from, most trusted first. */
enum kmw_params_src {
	KMW_PARAMS_NONE = 0,
	KMW_PARAMS_PROC_MEM,	/* process_vm_readv of the syscall's pointer: racy user memory */
	KMW_PARAMS_ARGV,	/* inferred from the loader's command line */
};

struct kmw_event {
	/* audit */
	bool historical;	/* read from a log: the pid belongs to someone else now */
	uint64_t serial;
	int64_t sec;
	unsigned int msec;
	struct kmw_str key;		/* the first key of the rule(s) that matched */
	unsigned int nkeys;
	struct kmw_str keys[KMW_MAX_KEYS];	/* every key, when several rules matched */
	struct kmw_str node;

	/* syscall */
	enum kmw_syscall sc;
	int sc_nr;
	uint32_t arch;		/* AUDIT_ARCH_* value from the record */
	bool success;
	bool has_exit;
	int64_t exit;
	uint64_t a[4];

	/* module */
	struct kmw_str mod_name;	/* from KERN_MODULE */
	struct kmw_str mod_path;
	enum kmw_path_err path_err;
	int path_errno;
	bool path_deleted;
	bool have_stat;
	uint64_t dev, ino, size;
	struct kmw_str params;		/* the param_values string */
	enum kmw_params_src params_src;
	int params_errno;		/* why process memory could not be read */

	/* process */
	int64_t pid, ppid;
	int64_t uid, euid, gid, auid, ses;
	struct kmw_str uid_name, euid_name, gid_name, auid_name;
	struct kmw_str tty, comm, exe;
	unsigned int argc;
	bool argv_truncated;
	struct kmw_str argv[KMW_MAX_ARGV];

	/* where the bytes of every kmw_str live */
	uint32_t arena_len;
	bool arena_full;
	char arena[KMW_ARENA_SIZE];
};

/**
 * event_reset - make @ev an empty event (ids unset = -1, no strings).
 */
void event_reset(struct kmw_event *ev);

/**
 * event_set_str - copy @len bytes of @p into @ev's arena as @s. When the arena
 * is short, keeps what fits and marks @s truncated. Returns 0 or -ENOSPC.
 */
int event_set_str(struct kmw_event *ev, struct kmw_str *s, const char *p, size_t len);

/**
 * event_str - pointer to the bytes of @s inside @ev (never NUL-terminated).
 */
static inline const char *event_str(const struct kmw_event *ev, const struct kmw_str *s)
{
	return ev->arena + s->off;
}

/**
 * event_add_arg - append one argv element. Returns 0 or -ENOSPC.
 */
int event_add_arg(struct kmw_event *ev, const char *p, size_t len);

#endif
