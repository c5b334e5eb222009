/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_capture.h - what dies with the loader, read from /proc while it lives: the file behind
 * its fd (and our own fd of it), its parameters and init_module image from its memory, its
 * process context. Taken on the thread that first sees the SYSCALL record, kept by serial
 * until the event is made, and put into it then (enrich_capture). */
#ifndef KMW_CAPTURE_H
#define KMW_CAPTURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kmw_event.h"

/* The call a capture is of: what its SYSCALL record says. */
struct kmw_call_id {
	uint64_t serial;
	int64_t sec; /* the record's time */
	int64_t ms;  /* ... in milliseconds (0: unknown) */
	int64_t pid, ppid;
	enum kmw_syscall sc;
	uint64_t a[4];
	uint64_t exe_hash; /* of the record's exe= field: another program since is an execve */
};

struct kmw_capture {
	struct kmw_call_id id;
	bool taken;
	int64_t took_us; /* from the record's arrival to the end of the capture */
	/* finit_module: the file behind the fd */
	enum kmw_path_err path_err;
	int path_errno;
	char *link; /* what /proc/PID/fd/N names, " (deleted)" cut off */
	size_t link_len;
	bool path_deleted, path_replaced, have_stat;
	int file_fd; /* ours, or -1 */
	uint64_t dev, ino, size;
	uint32_t mode, uid, gid;
	int64_t mtime, ctime;
	/* the parameters at the syscall's pointer */
	char *params;
	size_t params_len;
	bool params_cut, params_odd, have_params;
	const char *params_check; /* "not_parameters", or NULL */
	int params_errno;
	/* delete_module's name argument, from the caller's memory (MODULE_NAME_LEN) */
	char name[56];
	size_t name_len;
	int name_errno;
	/* init_module's image */
	void *image;
	size_t image_len;
	bool image_cut;
	/* the process */
	const char *proc_error; /* process_gone, pid_reused, or NULL */
	bool proc_read;
	char *exe, *cwd;
	char *cmdline; /* NUL-separated, as /proc gives it */
	size_t cmdline_len;
	bool cmdline_cut;
	char *cgroup; /* the path of the first line of /proc/PID/cgroup */
	bool parent_read;
	char *parent_exe, *parent_cmdline;
	size_t parent_cmdline_len;
};

/* What a capture reads with. */
struct kmw_capture_env {
	const char *proc; /* "/proc", or a fake tree in tests */
	long long btime;  /* boot time, epoch seconds (0: unknown) */
	long hz;
	uint64_t max_image; /* init_module image bytes copied at most */
};

/**
 * capture_env_init - @env for @proc ("/proc"), @max_image bytes of image at most.
 */
void capture_env_init(struct kmw_capture_env *env, const char *proc, uint64_t max_image);

/**
 * capture_take - read into @c what dies with the process of @id now: one directory fd of
 * /proc/PID, paths relative to it (a pid given to another process since makes each fail).
 * Never fails: what could not be read is said in @c.
 */
void capture_take(const struct kmw_capture_env *env, const struct kmw_call_id *id,
		  struct kmw_capture *c);

/*
 * The processes a reader saw load lately: their /proc directory held open (a directory fd
 * of /proc/PID names that process for good: once it is gone, every read fails, even after
 * its pid went to another), and what does not change between two of their calls within
 * KMW_CAPTURE_REUSE_MS (the exe, the command line, the cgroup, the working directory, the
 * parent), unless the record names another program (an execve). One thread's own.
 */
#define KMW_CAPTURE_PROCS 64
#define KMW_CAPTURE_REUSE_MS 1000

struct kmw_capture_proc {
	int64_t pid, ppid;
	int dir;   /* O_PATH of /proc/PID, or -1: an empty slot */
	int pidfd; /* its pidfd (the loader's fds taken through it), or -1 */
	uint64_t exe_hash;
	int64_t facts_ms; /* when the facts were read (monotonic), 0: not read */
	int64_t used_ms;
	struct kmw_capture facts; /* only its process fields */
};

struct kmw_capture_cache {
	struct kmw_capture_proc p[KMW_CAPTURE_PROCS];
	uint64_t hits, misses;
};

/* capture_cache_init, capture_cache_free - an empty cache; every fd and fact released */
void capture_cache_init(struct kmw_capture_cache *cache);
void capture_cache_free(struct kmw_capture_cache *cache);

/**
 * capture_take_cached - capture_take, through @cache: a process seen lately is read through
 * its directory fd, its facts reused; only the fd's file and the parameters are read each
 * time. A call read within moments of its record skips the check of a pid given to another
 * process (no pid space cycles in that time).
 */
void capture_take_cached(const struct kmw_capture_env *env, struct kmw_capture_cache *cache,
			 const struct kmw_call_id *id, struct kmw_capture *c);

/**
 * capture_apply - @c into @ev (its file fd and image move to @ev): the fd's file, the
 * parameters, the image, the process context (the command line only when the record's is
 * missing or cut). @c is released.
 */
void capture_apply(struct kmw_capture *c, struct kmw_event *ev);

/**
 * capture_release - close and free what @c holds.
 */
void capture_release(struct kmw_capture *c);

/**
 * capture_call_of - the call a SYSCALL record line (@line, @len bytes, no newline) is of,
 * into @id. Returns false for a record of another syscall, of another node, or one whose
 * pid cannot be read.
 */
bool capture_call_of(const char *line, size_t len, struct kmw_call_id *id);

/* Captures waiting for their events, by serial. */
/* by serial, direct-mapped: a capture is lost only when its event is this many behind */
#define KMW_CAPTURES 1024

struct kmw_captures {
	pthread_mutex_t lock; /* the reader puts, the main thread takes */
	struct kmw_capture *slot[KMW_CAPTURES];
	uint64_t taken, used, evicted; /* put, found by their event, dropped unfound */
	/* record-to-capture latency: a histogram in powers of two of microseconds */
	uint64_t lat[24];
};

/**
 * captures_init, captures_free - an empty table; everything it holds released.
 */
void captures_init(struct kmw_captures *t);
void captures_free(struct kmw_captures *t);

/**
 * captures_put - keep @c (malloc'd; the table owns it from now on). The oldest goes when
 * the table is full.
 */
void captures_put(struct kmw_captures *t, struct kmw_capture *c);

/**
 * captures_take - the capture of @serial and @pid, taken out of the table (the caller
 * releases and frees it), or NULL.
 */
struct kmw_capture *captures_take(struct kmw_captures *t, uint64_t serial, int64_t pid);

/**
 * captures_latency - the record-to-capture latency below which @pct per cent of the captures
 * were, in microseconds (a power of two: the histogram's bucket), or -1 when there are none.
 */
int64_t captures_latency(struct kmw_captures *t, unsigned int pct);

#endif
