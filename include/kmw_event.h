/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_event.h - the one data model: a decoded kernel-module syscall event */
#ifndef KMW_EVENT_H
#define KMW_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct kmw_host;

#define KMW_SCHEMA_VERSION 1

/* Bytes of module parameters read from the loader's memory at most (the kernel takes any
 * length); a longer string is cut there and marked. */
#define KMW_PARAMS_MAX 16384

/* Bytes of all strings of one event together; longer input is cut and marked. */
#define KMW_ARENA_SIZE 32768
#define KMW_MAX_ARGV 128
#define KMW_MAX_KEYS 8

/* What the bytes of a module file say (modfile.c fills it). */
#define KMW_MI_LEN 256

enum kmw_compression {
	KMW_COMP_NONE = 0,
	KMW_COMP_XZ,
	KMW_COMP_ZSTD,
	KMW_COMP_GZIP,
};

/* Facts of one module image, in fixed-size fields: they live in the cache too. */
struct kmw_modfacts {
	bool analysed;
	const char *error; /* why the analysis stopped (static string) */
	const char *limit; /* "size" or "time" when a bound cut the work short */
	bool cached;	   /* taken from the cache, not computed for this event */
	uint64_t size;	   /* bytes hashed (the file as the kernel read it) */
	char sha256[65];
	char md5[33]; /* of the same bytes: what dpkg records of a packaged file */
	enum kmw_compression compression;
	uint64_t image_size;   /* the ELF image, after decompression */
	char image_sha256[65]; /* of the decompressed image; "" when not compressed */

	bool has_modinfo;
	const char *modinfo_error;
	char mi_name[KMW_MI_LEN], mi_vermagic[KMW_MI_LEN], mi_license[KMW_MI_LEN];
	char mi_srcversion[KMW_MI_LEN], mi_depends[KMW_MI_LEN], mi_intree[8], mi_retpoline[8];
	char mi_version[KMW_MI_LEN], mi_description[KMW_MI_LEN], mi_author[KMW_MI_LEN];
	bool mi_truncated; /* a value was longer than KMW_MI_LEN - 1 */

	bool sig_present;
	const char *sig_error;
	char sig_id_type[16]; /* PKCS#7, ... */
	char sig_signer[KMW_MI_LEN];
	char sig_key_id[KMW_MI_LEN]; /* hex with colons, as modinfo shows it */
	char sig_hash[32];
};

/* What the running kernel says of a loaded module (sysfs.c fills it). */
#define KMW_SYSFS_PARAMS 32

struct kmw_sysfs {
	bool present; /* /sys/module/NAME exists */
	char srcversion[64];
	char taint[32];
	char initstate[16];
	int64_t refcnt;	  /* -1 when unknown */
	int64_t coresize; /* -1 when unknown */
	unsigned int nparams;
	bool params_truncated; /* more parameters, or values cut */
	struct {
		char name[64];
		char value[192];
	} params[KMW_SYSFS_PARAMS];
};

/* What a line of output is: a module syscall, a summary of many, a finding. */
enum kmw_kind {
	KMW_KIND_SYSCALL = 0,
	KMW_KIND_SUMMARY, /* failed calls of one user, counted (kmw_summary.h) */
	KMW_KIND_ALERT,	  /* a finding about the modules loaded now (kmw_ledger.h) */
	KMW_KIND_COUNT,
};

/* What a summary adds to the fields it shares with a syscall event. */
struct kmw_summary_facts {
	uint64_t count;	 /* calls it stands for */
	int64_t last_ms; /* the last one's time (the first's is the event's) */
	uint64_t last_serial;
	unsigned int interval_s;
	bool exe_merged; /* the user's executables were too many to tell apart */
	bool overflow;	 /* the summary table was full: keys counted together */
};

/* Audit's gaps since monitoring began: each may have hidden a load or an unload. */
struct kmw_audit_gaps {
	uint64_t kernel_lost;	 /* records the kernel lost */
	uint64_t lost_events;	 /* events missing by serial */
	uint64_t socket_dropped; /* records dropped at the socket (ENOBUFS) */
	uint64_t dropped_calls;	 /* module calls the queue dropped */
	uint64_t rules_removed;	 /* times kmodwatch's rules were removed */
	uint64_t audit_disabled; /* times audit was seen turned off */
	bool daemon_down;	 /* kmodwatchd was down, and auditd's logs did not fill in */
	bool unloads_unaudited;	 /* the rules in force do not audit delete_module */
};

/* What an alert found, and the evidence for it. */
struct kmw_alert_facts {
	int code;		/* enum kmw_risk_reason: hidden_module, unaudited_load, ... */
	bool in_proc, in_sysfs; /* the kernel's views now: the module list, sysfs */
	bool audit_loaded;	/* audit saw it loaded, and no unload since */
	bool audit_unloaded;	/* ... or saw it unloaded */
	bool at_start;		/* present when monitoring began this boot */
	uint64_t load_serial;	/* the load event, when audit_loaded */
	int64_t load_ms;
	char load_sha256[65];	    /* its file's hash; its path is the event's file_path */
	unsigned int checks;	    /* checks that saw it so, at least confirm_ms apart */
	int64_t first_ms;	    /* the first of them */
	bool behind;		    /* confirmed while events were still waiting to be read */
	struct kmw_audit_gaps gaps; /* since kmodwatchd started */
	const char *why;	    /* the evidence in a sentence (static) */
	char taint[16], srcversion[64], state[16];

	/* audit_tampered, audit_pid_changed: the act, and who did it (the event's process) */
	const char *act;      /* never_rule, rules_removed, audit_disabled, ... (static) */
	char detail[256];     /* the rule in force, the audit pid now, ... */
	const char *response; /* what kmodwatchd did about it (static), or NULL */
	bool actor_known;     /* the event's process fields name who did it */
	/* unaudited_load, hidden_module ...: the tampering alert before it, which may have hid it */
	char hidden_by[192];
	/* unexplained_taint, taint_cleared: the kernel's taint before and now */
	uint64_t taint_was, taint_now;
	/* suppressed_load: the records lost meanwhile, which could explain the missing SYSCALL */
	uint64_t lost_meanwhile;
};

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
	KMW_PATH_NOT_TRIED, /* not a finit_module, or enrichment off */
	KMW_PATH_PROCESS_GONE,
	KMW_PATH_PID_REUSED,
	KMW_PATH_FD_CLOSED,
	KMW_PATH_PERMISSION,
	KMW_PATH_BAD_FD,
	KMW_PATH_ERROR,
	KMW_PATH_NOT_RECORDED, /* read from a log: the fd's file is not in the records */
};

/* Where the module file (path and facts) came from, most trusted first. */
enum kmw_file_src {
	KMW_FILE_NONE = 0,
	KMW_FILE_PROC_FD,	 /* the loader's own fd: exact */
	KMW_FILE_FD_PATH,	 /* the path that fd named, opened once the fd was gone */
	KMW_FILE_PROCESS_MEMORY, /* init_module's image, read from the loader: racy */
	KMW_FILE_KMOD_LOOKUP,	 /* libkmod's file for the module name: inferred */
	KMW_FILE_ARGV,		 /* the insmod path on the command line: inferred */
	KMW_FILE_IMA_PATH,	 /* the file the IMA record names, opened again */
};

#define KMW_MAX_PARENT_ARGV 16

/* What IMA said of the file the kernel read (an INTEGRITY_RULE record). */
#define KMW_IMA_HASH_MAX 128 /* hex digits of the longest digest (sha512) */

enum kmw_ima_src {
	KMW_IMA_NONE = 0,
	KMW_IMA_RECORD,	 /* this event's own INTEGRITY_RULE record */
	KMW_IMA_EARLIER, /* an earlier record of the same file, unchanged since (live only) */
};

/* Why an event has no kernel-attested identity. */
enum kmw_ima_absent {
	KMW_IMA_ABSENT_NONE = 0,
	KMW_IMA_ABSENT_NOT_LOAD,    /* delete_module */
	KMW_IMA_ABSENT_INIT_MODULE, /* init_module passes a buffer: IMA measures files only */
	KMW_IMA_ABSENT_NO_RECORD, /* no INTEGRITY_RULE: no IMA policy, or the file was audited before */
	KMW_IMA_ABSENT_BAD_RECORD, /* an INTEGRITY_RULE that could not be read (see parse notes) */
};

struct kmw_ima {
	enum kmw_ima_src src;
	uint64_t serial;		 /* KMW_IMA_EARLIER: the event whose record it was */
	char algo[24];			 /* as the kernel names it: sha256, sha1, sha512 ... */
	char hash[KMW_IMA_HASH_MAX + 1]; /* lower-case hex */
	bool algo_known;		 /* a digest kmodwatch can compute itself */
	int matches; /* the bytes kmodwatchd read have this hash: 1, 0, -1 unknown */
	char now[KMW_IMA_HASH_MAX + 1]; /* their hash in the record's algorithm, when it differs */
};

/* Where the module parameters came from, most trusted first. */
enum kmw_params_src {
	KMW_PARAMS_NONE = 0,
	KMW_PARAMS_PROC_MEM, /* process_vm_readv of the syscall's pointer: racy user memory */
	KMW_PARAMS_ARGV,     /* inferred from the loader's command line */
};

struct kmw_event {
	enum kmw_kind kind;
	struct kmw_summary_facts summary; /* KMW_KIND_SUMMARY */
	struct kmw_alert_facts alert;	  /* KMW_KIND_ALERT */

	/* audit */
	bool historical; /* read from a log: the pid belongs to someone else now */
	uint64_t serial;
	int64_t sec;
	unsigned int msec;
	struct kmw_str key; /* the first key of the rule(s) that matched */
	unsigned int nkeys;
	struct kmw_str keys[KMW_MAX_KEYS]; /* every key, when several rules matched */
	struct kmw_str node;
	/* who saw it, set by the daemon for what happened on this host: the boot it happened in
	 * ("" when unknown: a log's event) and this host's facts (NULL: another host's, or a
	 * log's); the facts live as long as the process */
	char boot_id[40];
	const struct kmw_host *host;

	/* syscall */
	bool no_syscall; /* the SYSCALL record never came: what the other records said */
	enum kmw_syscall sc;
	int sc_nr;
	uint32_t arch; /* AUDIT_ARCH_* value from the record */
	bool success;
	bool has_exit;
	int64_t exit;
	uint64_t a[4];

	/* module */
	struct kmw_str mod_name; /* from KERN_MODULE, else the file's .modinfo */
	bool mod_name_modinfo;	 /* ... from .modinfo: a load the kernel refused early */
	bool mod_name_memory;	 /* ... from the caller's memory: delete_module's argument,
				  * an unload the kernel refused before it logged the name */
	struct kmw_str mod_path;
	enum kmw_path_err path_err;
	int path_errno;
	bool path_deleted;
	bool have_stat;
	uint64_t dev, ino, size;
	uint32_t mode, fuid, fgid; /* of the file behind the fd */
	int64_t mtime, ctime;
	bool path_replaced; /* the path now names another file, or none */

	/* which package ships the file (enum kmw_pkg_prov), and the one that does */
	int package;
	char package_name[128];
	char package_md5[33];	  /* the digest the package recorded */
	char package_md5_now[33]; /* ... and the one the file has, when they differ */

	/* the kernel's own word on the file: IMA */
	struct kmw_ima ima;
	struct kmw_str ima_file; /* the path the record names */
	enum kmw_ima_absent ima_absent;

	/* the file the facts below describe, and how sure that is */
	enum kmw_file_src file_src;
	bool file_exact;	  /* the facts are of the very file the kernel read */
	struct kmw_str file_path; /* for KMOD_LOOKUP / ARGV: the inferred path */
	int file_fd;		  /* ours, opened at capture; -1 when none */
	void *image;		  /* init_module's image copied from the loader */
	size_t image_len;
	bool image_cut;	      /* longer than we copy */
	bool image_anonymous; /* ... and no file its loader names holds those bytes */
	struct kmw_modfacts facts;
	bool have_facts;
	bool writable_dir;

	/* what the running kernel says, on success */
	bool have_sysfs;
	struct kmw_sysfs sysfs;
	struct kmw_str ondisk_path; /* libkmod's file for the name */
	char ondisk_srcversion[64];
	int loaded_matches_disk; /* 1, 0, or -1 when it could not be compared */

	struct kmw_str params; /* the param_values string (truncated: cut at the bound) */
	enum kmw_params_src params_src;
	int params_errno; /* why process memory could not be read */
	bool params_odd;  /* control bytes in it: the kernel skips what it cannot parse */
	/* what says the bytes read from memory are those the kernel took (static): kernel_agrees,
	 * kernel_differs, argv_agrees, not_parameters (heap bytes, not a string of parameters:
	 * the loader's memory was reused), or NULL when nothing could be compared */
	const char *params_check;

	/* process */
	int64_t pid, ppid;
	int64_t uid, euid, gid, auid, ses;
	struct kmw_str uid_name, euid_name, gid_name, auid_name;
	struct kmw_str tty, comm, exe;
	unsigned int argc;
	bool argv_truncated;
	struct kmw_str argv[KMW_MAX_ARGV];

	/* process context from /proc, while the process lived */
	bool captured_early;	/* by the reader as the SYSCALL record came, not later */
	int64_t capture_us;	/* ... that long after the record came */
	bool proc_read;		/* from /proc; else the record's fields only */
	const char *proc_error; /* why not: process gone, pid reused */
	bool cmdline_from_proc;
	struct kmw_str cwd, proc_exe, container_id, container_runtime, unit;
	int64_t parent_pid;
	bool parent_read;
	struct kmw_str parent_exe;
	unsigned int parent_argc;
	struct kmw_str parent_argv[KMW_MAX_PARENT_ARGV];

	/* risk */
	uint32_t risk_reasons; /* bit per enum kmw_risk_reason */
	int risk_level;	       /* enum kmw_risk_level */

	/* what was odd in the records themselves (a field twice, ...): static strings */
	unsigned int nnotes;
	const char *notes[8];

	/* enrichment that a bound or a failure cut short: static strings */
	unsigned int nskipped;
	const char *skipped[8];

	/* where the bytes of every kmw_str live */
	uint32_t arena_len;
	bool arena_full;
	char arena[KMW_ARENA_SIZE];
};

/**
 * event_errno - the errno of a failed call (its exit of -1 .. -4095), else 0.
 * The one place this is worked out: every stage asks here.
 */
int event_errno(const struct kmw_event *ev);

/* "BOOT:SERIAL:SEC.MSEC", "-" for an unknown boot, then ":alert" or ":summary" for those */
#define KMW_EVENT_ID_MAX 96

/**
 * event_is_local - whether @ev happened on the host that saw it (ev->host): it names no other
 * node. False when the host is unknown.
 */
bool event_is_local(const struct kmw_event *ev);

/**
 * event_id - the stable id of @ev into @out (KMW_EVENT_ID_MAX bytes): its boot, audit
 * serial and time, the same in every format and on every resend, so that a collector
 * that got an event twice (at-least-once forwarding) can drop the copy. Unique on one
 * host; across hosts with the host's name or id beside it (a log's events have no boot).
 */
void event_id(const struct kmw_event *ev, char *out, size_t len);

/**
 * event_kind_name - "syscall", "summary", "alert"; event_kind_parse is the reverse
 * (returns 0 or -EINVAL).
 */
const char *event_kind_name(enum kmw_kind k);
int event_kind_parse(const char *name, enum kmw_kind *out);

/**
 * event_path_err_name - stable code for a path error ("process_gone", ...); NULL for none.
 */
const char *event_path_err_name(enum kmw_path_err err);

/**
 * event_file_src_name - "proc_fd", "fd_path", "process_memory", "kmod_lookup", "argv", or NULL.
 */
const char *event_file_src_name(enum kmw_file_src s);

/**
 * event_module_path - the path of the module file the event names: the loader's fd
 * through /proc (@source "proc_fd"), else the IMA record's ("ima"); NULL when none.
 */
const struct kmw_str *event_module_path(const struct kmw_event *ev, const char **source);

/**
 * event_ima_src_name - "record", "earlier_record", or NULL; event_ima_absent_name -
 * "not_a_load", "init_module", "no_record", "bad_record", or NULL.
 */
const char *event_ima_src_name(enum kmw_ima_src s);
const char *event_ima_absent_name(enum kmw_ima_absent a);

/**
 * event_params_src_name - "process_memory", "argv", or NULL.
 */
const char *event_params_src_name(enum kmw_params_src s);

/**
 * event_compression_name - "xz", "zstd", "gzip", or NULL.
 */
const char *event_compression_name(enum kmw_compression c);

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

/**
 * event_skip - note that some enrichment was not done, and why (a static string).
 */
void event_skip(struct kmw_event *ev, const char *what);

/**
 * event_note - note that the records of @ev were odd, and how (a static string); once each.
 */
void event_note(struct kmw_event *ev, const char *what);

/**
 * event_release - close the fd and free the image an event may hold.
 */
void event_release(struct kmw_event *ev);

#endif
