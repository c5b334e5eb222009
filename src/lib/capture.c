// SPDX-License-Identifier: GPL-2.0-or-later
/* capture.c - what dies with the loader, read while it lives, on the thread that first sees
 * its SYSCALL record; kept by serial until its event is made */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "kmw_clock.h"
#include "kmw_capture.h"
#include "kmw_lines.h"

static const char deleted_suffix[] = " (deleted)";

/* what /proc/PID/cmdline and cgroup are read to, at most */
#define PROC_TEXT_MAX 8192

void capture_env_init(struct kmw_capture_env *env, const char *proc, uint64_t max_image)
{
	char path[PATH_MAX + 8], line[256];
	FILE *f;

	env->proc = proc;
	env->hz = sysconf(_SC_CLK_TCK);
	env->max_image = max_image;
	env->btime = 0;
	snprintf(path, sizeof(path), "%s/stat", proc);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &env->btime) == 1)
			break;
	if (f)
		fclose(f);
}

static char *dup_n(const char *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

/* A file of the process, relative to its directory: up to @cap bytes. Returns bytes or -errno. */
static ssize_t read_at(int dir, const char *what, char *buf, size_t cap)
{
	ssize_t n, got = 0;
	int fd = openat(dir, what, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	/* these files (cmdline, cgroup, stat) come whole: a short read is their end */
	while ((size_t)got < cap && (n = read(fd, buf + got, cap - (size_t)got)) > 0) {
		got += n;
		if ((size_t)n < cap - (size_t)(got - n))
			break;
	}
	close(fd);
	return got;
}

static ssize_t link_at(int dir, const char *what, char *buf, size_t cap)
{
	ssize_t n = readlinkat(dir, what, buf, cap);

	return n < 0 ? -errno : n;
}

/*
 * Whether the process whose directory is @dir started after @sec: the loader died and its
 * pid went to another process, whose fds are not ours. False when it cannot be told.
 */
static bool started_after(const struct kmw_capture_env *env, int dir, int64_t sec)
{
	char buf[1024], *p;
	unsigned long long start;
	ssize_t n;
	int i;

	if (!env->btime || env->hz <= 0 || !sec)
		return false;
	n = read_at(dir, "stat", buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* comm may hold spaces and parens: fields count from the last ')' */
	p = strrchr(buf, ')');
	for (i = 0; i < 20 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return false;
	/* one second of slack: btime and the tick count are both rounded */
	return env->btime + (long long)(start / (unsigned long long)env->hz) > sec + 1;
}

/*
 * The loader's file description itself, through its pidfd (no path walked, nothing opened):
 * -1 when there is none, or when it cannot be read from (O_PATH, write-only), for which the
 * file is opened again by /proc.
 */
static int getfd(int pidfd, int fd)
{
	int mine, fl;

	if (pidfd < 0)
		return -1;
	mine = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (mine < 0)
		return -1;
	fl = fcntl(mine, F_GETFL);
	if (fl < 0 || (fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY) {
		close(mine);
		return -1;
	}
	return mine;
}

/* The file behind the loader's fd: what it names, and our own fd of it (the very file the
 * kernel read, even if it is renamed, replaced or deleted after this). */
static void take_fd(int dir, int pidfd, struct kmw_capture *c)
{
	char link[32], target[PATH_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd = (int)(int32_t)c->id.a[0];

	if (fd < 0 || c->id.a[0] > INT32_MAX) {
		c->path_err = KMW_PATH_BAD_FD;
		return;
	}
	snprintf(link, sizeof(link), "fd/%d", fd);
	n = readlinkat(dir, link, target, sizeof(target) - 1);
	if (n < 0) {
		c->path_errno = errno;
		if (errno == EACCES || errno == EPERM)
			c->path_err = KMW_PATH_PERMISSION;
		else if (errno == ESRCH || faccessat(dir, "stat", F_OK, 0))
			c->path_err = KMW_PATH_PROCESS_GONE; /* gone, or on its way out */
		else if (errno == ENOENT)
			c->path_err = KMW_PATH_FD_CLOSED;
		else
			c->path_err = KMW_PATH_ERROR;
		return;
	}
	target[n] = '\0';
	/* only a regular file: opening a device or a fifo could have effects (a description the
	 * loader holds has had them already) */
	c->file_fd = getfd(pidfd, fd);
	if (c->file_fd < 0)
		c->file_fd = openat(dir, link, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (c->file_fd >= 0 && (fstat(c->file_fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(c->file_fd);
		c->file_fd = -1;
	}
	if (c->file_fd >= 0 || fstatat(dir, link, &st, 0) == 0) {
		c->have_stat = true;
		c->dev = st.st_dev;
		c->ino = st.st_ino;
		c->size = (uint64_t)st.st_size;
		c->mode = st.st_mode;
		c->uid = st.st_uid;
		c->gid = st.st_gid;
		c->mtime = st.st_mtim.tv_sec;
		c->ctime = st.st_ctim.tv_sec;
	}
	/* a name may itself end in " (deleted)": trust the suffix only with no link left */
	if ((size_t)n > sizeof(deleted_suffix) - 1 &&
	    !strcmp(target + n - (sizeof(deleted_suffix) - 1), deleted_suffix) &&
	    (!c->have_stat || st.st_nlink == 0)) {
		c->path_deleted = true;
		n -= sizeof(deleted_suffix) - 1;
		target[n] = '\0';
	}
	c->link = dup_n(target, (size_t)n);
	c->link_len = (size_t)n;
	c->path_err = KMW_PATH_OK;
	/* whether the name still leads to the file is no race with the loader: the worker looks
	 * (enrich_finish) */
}

/*
 * Whether @p reads as the kernel's parse_args reads parameters: words NAME[=VALUE] apart by
 * white space, of text. Bytes a heap reuses (pointers: 0x55.., 0x7f.., zeros) do not.
 */
static bool looks_like_params(const char *p, size_t n)
{
	size_t i, text = 0;
	bool word_start = true, named = false;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch >= 0x20 && ch < 0x7f)
			text++;
		if (ch == ' ' || ch == '\t' || ch == '\n') {
			word_start = true;
			continue;
		}
		/* a word is a name first: it cannot start with '=' */
		if (word_start && ch == '=')
			return false;
		if (word_start)
			named = true;
		word_start = false;
	}
	/* mostly text: a stray control byte in a name is hostile, not a reused heap */
	return named && text * 10 >= n * 9;
}

/*
 * The parameter string from the loader's memory, up to KMW_PARAMS_MAX bytes: every byte as
 * it is (the outputs escape them), marked cut at the bound. What the address holds now, not
 * necessarily what the kernel copied: racy, and said so (enrich_finish compares it with the
 * kernel's view of the parameters).
 */
/*
 * A string of process @pid's memory at @addr into @buf (@max bytes): read up to the first page
 * end, then page by page (a string may end near a hole), up to its NUL or @max. Returns the
 * bytes read (the string is strnlen of them), or -errno when not one could be.
 */
static ssize_t read_user_string(pid_t pid, uint64_t addr, char *buf, size_t max)
{
	struct iovec local, remote;
	size_t got = 0, page, n;
	ssize_t r;

	if (!addr)
		return -EFAULT;
	while (got < max) {
		page = 4096 - ((addr + got) & 4095);
		n = max - got < page ? max - got : page;
		local.iov_base = buf + got;
		local.iov_len = n;
		remote.iov_base = (void *)(uintptr_t)(addr + got);
		remote.iov_len = n;
		r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (r <= 0) {
			if (!got)
				return r < 0 ? -errno : -EFAULT;
			break;
		}
		if (memchr(buf + got, '\0', (size_t)r)) {
			got += (size_t)r;
			break;
		}
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* delete_module's name, its first argument, from the caller's memory: the kernel logs it
 * (KERN_MODULE) only once past the permission check */
static void take_name(struct kmw_capture *c, uint64_t addr)
{
	ssize_t got = read_user_string((pid_t)c->id.pid, addr, c->name, sizeof(c->name));

	if (got < 0) {
		c->name_errno = (int)-got;
		return;
	}
	/* as the kernel copies it: 55 bytes at most (MODULE_NAME_LEN - 1) */
	c->name_len = strnlen(c->name, (size_t)got < sizeof(c->name) - 1 ? (size_t)got
									 : sizeof(c->name) - 1);
}

static void take_params(struct kmw_capture *c, uint64_t addr)
{
	static __thread char buf[KMW_PARAMS_MAX];
	size_t got, n, i;
	ssize_t r = read_user_string((pid_t)c->id.pid, addr, buf, sizeof(buf));

	if (r < 0) {
		c->params_errno = (int)-r;
		return;
	}
	got = (size_t)r;
	n = strnlen(buf, got);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if ((ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7f)
			c->params_odd = true;
	}
	c->params = dup_n(buf, n);
	c->params_len = n;
	c->params_cut = n == got && got == sizeof(buf);
	c->have_params = c->params != NULL;
	/* a freed string whose memory was reused: heap bytes, not parameters */
	if (n && !looks_like_params(buf, n))
		c->params_check = "not_parameters";
}

/* init_module's image, from the loader's memory while it lives: racy, and said so */
static void take_image(const struct kmw_capture_env *env, struct kmw_capture *c)
{
	uint64_t len = c->id.a[1], got = 0;
	struct iovec local, remote;
	ssize_t r;

	if (!c->id.a[0] || !len)
		return;
	if (len > env->max_image) {
		c->image_cut = true;
		return;
	}
	c->image = malloc(len);
	if (!c->image)
		return;
	while (got < len) {
		local.iov_base = (char *)c->image + got;
		local.iov_len = len - got;
		remote.iov_base = (void *)(uintptr_t)(c->id.a[0] + got);
		remote.iov_len = len - got;
		r = process_vm_readv((pid_t)c->id.pid, &local, 1, &remote, 1, 0);
		if (r <= 0)
			break;
		got += (uint64_t)r;
	}
	if (got < len) {
		free(c->image);
		c->image = NULL;
		return;
	}
	c->image_len = len;
}

/* The process: its exe, cwd, command line, cgroup; its parent's exe and command line. @fresh:
 * read moments after the call, when no pid can have gone to another process yet. */
static void take_process(const struct kmw_capture_env *env, int dir, struct kmw_capture *c,
			 bool fresh)
{
	static __thread char buf[PROC_TEXT_MAX];
	char path[PATH_MAX + 32];
	ssize_t n;
	int pdir;

	n = link_at(dir, "exe", buf, sizeof(buf));
	if (n < 0 && n != -EACCES && n != -EPERM && n != -ENOENT) {
		c->proc_error = "process_gone";
		return;
	}
	if (n == -ENOENT && faccessat(dir, "stat", F_OK, 0)) {
		c->proc_error = "process_gone";
		return;
	}
	c->proc_read = true;
	if (n > 0)
		c->exe = dup_n(buf, (size_t)n);
	n = link_at(dir, "cwd", buf, sizeof(buf));
	if (n > 0)
		c->cwd = dup_n(buf, (size_t)n);
	n = read_at(dir, "cmdline", buf, sizeof(buf));
	if (n > 0) {
		c->cmdline = dup_n(buf, (size_t)n);
		c->cmdline_len = (size_t)n;
		c->cmdline_cut = (size_t)n == sizeof(buf);
	}
	n = read_at(dir, "cgroup", buf, sizeof(buf) - 1);
	if (n > 0) {
		/* cgroup v2: "0::/path"; v1 lines also end in the path */
		const char *p = memchr(buf, '/', (size_t)n);
		const char *nl = p ? memchr(p, '\n', (size_t)(buf + n - p)) : NULL;

		if (p)
			c->cgroup = dup_n(p, (size_t)((nl ? nl : buf + n) - p));
	}
	if (c->id.ppid <= 0)
		return;
	snprintf(path, sizeof(path), "%s/%lld", env->proc, (long long)c->id.ppid);
	pdir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pdir < 0)
		return;
	if (fresh || !started_after(env, pdir, c->id.sec)) {
		n = link_at(pdir, "exe", buf, sizeof(buf));
		if (n > 0) {
			c->parent_read = true;
			c->parent_exe = dup_n(buf, (size_t)n);
		}
		n = read_at(pdir, "cmdline", buf, sizeof(buf));
		if (n > 0) {
			c->parent_read = true;
			c->parent_cmdline = dup_n(buf, (size_t)n);
			c->parent_cmdline_len = (size_t)n;
		}
	}
	close(pdir);
}

/*
 * Whether the call was made moments ago: a pid goes to another process only once the pid space
 * has cycled (pid_max forks, 32,768 at the least), which no system does in this time.
 */
#define FRESH_MS 50

static bool fresh(const struct kmw_call_id *id)
{
	return id->ms > 0 && kmw_real_ms() - id->ms <= FRESH_MS;
}

/* @c for @id, nothing read yet */
static void capture_begin(const struct kmw_call_id *id, struct kmw_capture *c)
{
	memset(c, 0, sizeof(*c));
	c->id = *id;
	c->file_fd = -1;
	c->path_err = id->sc == KMW_SC_FINIT_MODULE ? KMW_PATH_PROCESS_GONE : KMW_PATH_NOT_TRIED;
	c->taken = true;
}

/* the process's directory: every path below relative to it. -1 when it is gone, or when its
 * pid went to another process since the call (said in @c). */
static int open_dir(const struct kmw_capture_env *env, const struct kmw_call_id *id,
		    struct kmw_capture *c)
{
	char path[PATH_MAX + 32];
	int dir;

	if (id->pid <= 0) {
		c->proc_error = "process_gone";
		c->params_errno = ESRCH;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%lld", env->proc, (long long)id->pid);
	dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		c->proc_error = "process_gone";
		c->params_errno = ESRCH;
		return -1;
	}
	if (!fresh(id) && started_after(env, dir, id->sec)) {
		c->path_err = id->sc == KMW_SC_FINIT_MODULE ? KMW_PATH_PID_REUSED
							    : KMW_PATH_NOT_TRIED;
		c->proc_error = "pid_reused";
		c->params_errno = ESRCH;
		close(dir);
		return -1;
	}
	return dir;
}

/* what the call itself passed: the fd's file, the parameters, the image (@pidfd: the
 * process's, or -1) */
static void take_call(const struct kmw_capture_env *env, int dir, int pidfd, struct kmw_capture *c)
{
	const struct kmw_call_id *id = &c->id;

	if (id->sc == KMW_SC_FINIT_MODULE)
		take_fd(dir, pidfd, c);
	if (id->sc == KMW_SC_FINIT_MODULE || id->sc == KMW_SC_INIT_MODULE)
		take_params(c, id->sc == KMW_SC_FINIT_MODULE ? id->a[1] : id->a[2]);
	if (id->sc == KMW_SC_INIT_MODULE)
		take_image(env, c);
	if (id->sc == KMW_SC_DELETE_MODULE)
		take_name(c, id->a[0]);
}

void capture_take(const struct kmw_capture_env *env, const struct kmw_call_id *id,
		  struct kmw_capture *c)
{
	int dir;

	capture_begin(id, c);
	dir = open_dir(env, id, c);
	if (dir < 0)
		return;
	take_call(env, dir, -1, c);
	take_process(env, dir, c, fresh(id));
	close(dir);
}

static void release_facts(struct kmw_capture *f)
{
	free(f->exe);
	free(f->cwd);
	free(f->cmdline);
	free(f->cgroup);
	free(f->parent_exe);
	free(f->parent_cmdline);
	memset(f, 0, sizeof(*f));
}

/* the process facts of @from, copied into @c */
static void copy_facts(struct kmw_capture *c, const struct kmw_capture *from)
{
	c->proc_error = from->proc_error;
	c->proc_read = from->proc_read;
	c->exe = from->exe ? strdup(from->exe) : NULL;
	c->cwd = from->cwd ? strdup(from->cwd) : NULL;
	if (from->cmdline) {
		c->cmdline = dup_n(from->cmdline, from->cmdline_len);
		c->cmdline_len = c->cmdline ? from->cmdline_len : 0;
		c->cmdline_cut = from->cmdline_cut;
	}
	c->cgroup = from->cgroup ? strdup(from->cgroup) : NULL;
	c->parent_read = from->parent_read;
	c->parent_exe = from->parent_exe ? strdup(from->parent_exe) : NULL;
	if (from->parent_cmdline) {
		c->parent_cmdline = dup_n(from->parent_cmdline, from->parent_cmdline_len);
		c->parent_cmdline_len = c->parent_cmdline ? from->parent_cmdline_len : 0;
	}
}

void capture_cache_init(struct kmw_capture_cache *cache)
{
	unsigned int i;

	memset(cache, 0, sizeof(*cache));
	for (i = 0; i < KMW_CAPTURE_PROCS; i++)
		cache->p[i].dir = cache->p[i].pidfd = -1;
}

static void forget(struct kmw_capture_proc *p)
{
	if (p->dir >= 0)
		close(p->dir);
	if (p->pidfd >= 0)
		close(p->pidfd);
	release_facts(&p->facts);
	memset(p, 0, sizeof(*p));
	p->dir = p->pidfd = -1;
}

void capture_cache_free(struct kmw_capture_cache *cache)
{
	unsigned int i;

	for (i = 0; i < KMW_CAPTURE_PROCS; i++)
		forget(&cache->p[i]);
}

/* the slot of @pid, or NULL; the least recently used in @lru */
static struct kmw_capture_proc *find(struct kmw_capture_cache *cache, int64_t pid,
				     struct kmw_capture_proc **lru)
{
	struct kmw_capture_proc *found = NULL;
	unsigned int i;

	*lru = &cache->p[0];
	for (i = 0; i < KMW_CAPTURE_PROCS; i++) {
		struct kmw_capture_proc *p = &cache->p[i];

		if (p->dir >= 0 && p->pid == pid)
			found = p;
		if (p->dir < 0 || ((*lru)->dir >= 0 && p->used_ms < (*lru)->used_ms))
			*lru = p;
	}
	return found;
}

void capture_take_cached(const struct kmw_capture_env *env, struct kmw_capture_cache *cache,
			 const struct kmw_call_id *id, struct kmw_capture *c)
{
	struct kmw_capture_proc *p, *lru;
	int64_t now = kmw_mono_ms();
	int dir;

	capture_begin(id, c);
	p = find(cache, id->pid, &lru);
	if (p && p->ppid == id->ppid) {
		/* the process read lately: its call, through the directory held open */
		take_call(env, p->dir, p->pidfd, c);
		/* gone since, or the pid another's now (the directory names the old one) */
		if (c->path_err == KMW_PATH_PROCESS_GONE || c->params_errno == ESRCH ||
		    c->params_errno == ENOENT) {
			forget(p);
			capture_release(c);
			capture_take_cached(env, cache, id, c);
			return;
		}
		if (p->exe_hash != id->exe_hash || now - p->facts_ms > KMW_CAPTURE_REUSE_MS) {
			release_facts(&p->facts);
			p->facts.id = *id;
			take_process(env, p->dir, &p->facts, true);
			p->facts_ms = now;
			p->exe_hash = id->exe_hash;
			/* the directory names a process gone since: the call is another's */
			if (p->facts.proc_error) {
				forget(p);
				capture_release(c);
				capture_take_cached(env, cache, id, c);
				return;
			}
		}
		copy_facts(c, &p->facts);
		p->used_ms = now;
		cache->hits++;
		return;
	}
	if (p)
		forget(p);
	cache->misses++;
	dir = open_dir(env, id, c);
	if (dir < 0)
		return;
	take_call(env, dir, -1, c);
	take_process(env, dir, c, fresh(id));
	if (c->proc_error) {
		close(dir);
		return;
	}
	/* kept: the least recently used goes */
	p = lru;
	forget(p);
	p->pid = id->pid;
	p->ppid = id->ppid;
	p->dir = dir;
	/* the real /proc's processes have a pidfd: their fds are taken through it next time */
	p->pidfd = strcmp(env->proc, "/proc") ? -1
					      : (int)syscall(SYS_pidfd_open, (pid_t)id->pid, 0);
	p->exe_hash = id->exe_hash;
	p->facts_ms = p->used_ms = now;
	copy_facts(&p->facts, c);
}

void capture_release(struct kmw_capture *c)
{
	if (c->file_fd >= 0)
		close(c->file_fd);
	c->file_fd = -1;
	free(c->link);
	free(c->params);
	free(c->image);
	free(c->exe);
	free(c->cwd);
	free(c->cmdline);
	free(c->cgroup);
	free(c->parent_exe);
	free(c->parent_cmdline);
	c->link = c->params = c->exe = c->cwd = c->cmdline = c->cgroup = NULL;
	c->parent_exe = c->parent_cmdline = NULL;
	c->image = NULL;
}

/*
 * The container id: 64 hex digits in a cgroup path, as docker, containerd, cri-o and podman
 * name their scopes; the runtime from the word before it.
 */
static void container_from_cgroup(struct kmw_event *ev, const char *cg, size_t len)
{
	static const struct {
		const char *mark;
		const char *runtime;
	} runtimes[] = {
		{ "docker", "docker" },		{ "cri-containerd", "containerd" },
		{ "containerd", "containerd" }, { "crio", "cri-o" },
		{ "libpod", "podman" },		{ "lxc", "lxc" },
		{ "kubepods", "kubernetes" },
	};
	size_t i, run = 0, r;

	for (i = 0; i <= len; i++) {
		bool hex = i < len &&
			   ((cg[i] >= '0' && cg[i] <= '9') || (cg[i] >= 'a' && cg[i] <= 'f'));

		if (hex) {
			run++;
			continue;
		}
		if (run == 64) {
			event_set_str(ev, &ev->container_id, cg + i - 64, 64);
			for (r = 0; r < sizeof(runtimes) / sizeof(runtimes[0]); r++)
				if (memmem(cg, i, runtimes[r].mark, strlen(runtimes[r].mark))) {
					event_set_str(ev, &ev->container_runtime,
						      runtimes[r].runtime,
						      strlen(runtimes[r].runtime));
					break;
				}
			return;
		}
		run = 0;
	}
}

/* The systemd unit: the last path element naming a service, else a scope. */
static void unit_from_cgroup(struct kmw_event *ev, const char *cg, size_t len)
{
	static const char *const kinds[] = { ".service", ".scope" };
	const char *end = cg + len, *p, *start;
	size_t k, n;

	for (k = 0; k < 2; k++) {
		for (p = end; p > cg; p = start - 1) {
			start = p;
			while (start > cg && start[-1] != '/')
				start--;
			n = (size_t)(p - start);
			if (n > strlen(kinds[k]) &&
			    !memcmp(p - strlen(kinds[k]), kinds[k], strlen(kinds[k]))) {
				event_set_str(ev, &ev->unit, start, n);
				return;
			}
			if (start == cg)
				break;
		}
	}
}

static void split_argv(struct kmw_event *ev, const char *buf, size_t n, struct kmw_str *out,
		       unsigned int max, unsigned int *argc)
{
	size_t start = 0, i;

	*argc = 0;
	for (i = 0; i <= n && *argc < max; i++) {
		if (i == n || buf[i] == '\0') {
			if (i == n && start == n)
				break;
			event_set_str(ev, &out[(*argc)++], buf + start, i - start);
			start = i + 1;
		}
	}
}

void capture_apply(struct kmw_capture *c, struct kmw_event *ev)
{
	if (ev->sc == KMW_SC_FINIT_MODULE) {
		ev->path_err = c->path_err;
		ev->path_errno = c->path_errno;
		if (c->have_stat) {
			ev->have_stat = true;
			ev->dev = c->dev;
			ev->ino = c->ino;
			ev->size = c->size;
			ev->mode = c->mode;
			ev->fuid = c->uid;
			ev->fgid = c->gid;
			ev->mtime = c->mtime;
			ev->ctime = c->ctime;
		}
		if (c->file_fd >= 0) {
			ev->file_fd = c->file_fd;
			c->file_fd = -1;
			ev->file_src = KMW_FILE_PROC_FD;
			ev->file_exact = true;
		}
		if (c->link) {
			ev->path_deleted = c->path_deleted;
			ev->path_replaced = c->path_replaced;
			event_set_str(ev, &ev->mod_path, c->link, c->link_len);
		}
	}
	/* the name the caller passed, where the kernel logged none (it refused before) */
	if (c->name_len && !ev->mod_name.set) {
		event_set_str(ev, &ev->mod_name, c->name, c->name_len);
		ev->mod_name_memory = true;
	}
	if (c->have_params) {
		event_set_str(ev, &ev->params, c->params, c->params_len);
		ev->params.truncated = c->params_cut;
		ev->params_odd = c->params_odd;
		ev->params_check = c->params_check;
		ev->params_src = KMW_PARAMS_PROC_MEM;
	} else {
		ev->params_errno = c->params_errno ? c->params_errno : ESRCH;
	}
	if (c->image) {
		ev->image = c->image;
		ev->image_len = c->image_len;
		c->image = NULL;
		ev->file_src = KMW_FILE_PROCESS_MEMORY;
	} else if (c->image_cut) {
		ev->image_cut = true;
		event_skip(ev, "init_module image larger than the copy bound");
	}
	ev->proc_error = c->proc_error;
	ev->proc_read = c->proc_read;
	if (c->exe)
		event_set_str(ev, &ev->proc_exe, c->exe, strlen(c->exe));
	if (c->cwd)
		event_set_str(ev, &ev->cwd, c->cwd, strlen(c->cwd));
	/*
	 * The whole command line, when the record's is missing or cut (the kernel keeps 128
	 * bytes of it); a whole one is the record's own, taken at the call, and better than
	 * what /proc says later.
	 */
	if (c->cmdline && (!ev->argc || ev->argv_truncated)) {
		ev->argc = 0;
		ev->argv_truncated = c->cmdline_cut;
		split_argv(ev, c->cmdline, c->cmdline_len, ev->argv, KMW_MAX_ARGV, &ev->argc);
		ev->cmdline_from_proc = true;
	}
	if (c->cgroup) {
		container_from_cgroup(ev, c->cgroup, strlen(c->cgroup));
		unit_from_cgroup(ev, c->cgroup, strlen(c->cgroup));
	}
	if (c->proc_read && ev->ppid > 0)
		ev->parent_pid = ev->ppid;
	if (c->parent_read) {
		ev->parent_read = true;
		if (c->parent_exe)
			event_set_str(ev, &ev->parent_exe, c->parent_exe, strlen(c->parent_exe));
		if (c->parent_cmdline)
			split_argv(ev, c->parent_cmdline, c->parent_cmdline_len, ev->parent_argv,
				   KMW_MAX_PARENT_ARGV, &ev->parent_argc);
	}
	capture_release(c);
}

/* the value of " NAME=" in a SYSCALL record's body, as a number (hex for a0..a3) */
static bool field_num(const char *body, const char *end, const char *name, bool hex, uint64_t *v)
{
	size_t n = strlen(name);
	const char *p = body;
	char *e;

	for (;;) {
		p = memmem(p, (size_t)(end - p), name, n);
		if (!p)
			return false;
		if (p == body || p[-1] == ' ')
			break;
		p += n;
	}
	p += n;
	errno = 0;
	*v = strtoull(p, &e, hex ? 16 : 10);
	return !errno && e != p && (e == end || *e == ' ');
}

bool capture_call_of(const char *line, size_t len, struct kmw_call_id *id)
{
	static const char *const args[] = { "a0=", "a1=", "a2=", "a3=" };
	const char *end = line + len, *colon, *exe;
	char *e;
	struct kmw_rec r;
	uint64_t v;
	unsigned int i;

	memset(id, 0, sizeof(*id));
	if (lines_parse_record(line, len, &r) || !lines_rec_is(&r, "SYSCALL") || r.node)
		return false;
	id->sc = lines_syscall_of(r.body, end, NULL);
	if (id->sc == KMW_SC_NONE || !field_num(r.body, end, "pid=", false, &v))
		return false;
	id->pid = (int64_t)v;
	id->ppid = field_num(r.body, end, "ppid=", false, &v) ? (int64_t)v : -1;
	for (i = 0; i < 4; i++)
		field_num(r.body, end, args[i], true, &id->a[i]);
	id->sec = strtoll(r.id, &e, 10);
	id->ms = *e == '.' ? id->sec * 1000 + strtoll(e + 1, NULL, 10) : 0;
	colon = memchr(r.id, ':', r.idlen);
	id->serial = colon ? strtoull(colon + 1, NULL, 10) : 0;
	/* the program named: another one since is an execve, whose facts are new */
	exe = memmem(r.body, (size_t)(end - r.body), " exe=", 5);
	id->exe_hash = 14695981039346656037ULL;
	for (e = (char *)(exe ? exe + 5 : end); e < end && *e != ' '; e++)
		id->exe_hash = (id->exe_hash ^ (unsigned char)*e) * 1099511628211ULL;
	return true;
}

void captures_init(struct kmw_captures *t)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
}

void captures_free(struct kmw_captures *t)
{
	unsigned int i;

	for (i = 0; i < KMW_CAPTURES; i++)
		if (t->slot[i]) {
			capture_release(t->slot[i]);
			free(t->slot[i]);
			t->slot[i] = NULL;
		}
	pthread_mutex_destroy(&t->lock);
}

void captures_put(struct kmw_captures *t, struct kmw_capture *c)
{
	struct kmw_capture *old;
	unsigned int b = 0, i = (unsigned int)(c->id.serial % KMW_CAPTURES);
	int64_t us = c->took_us;

	while (us > 1 && b < 23) {
		us >>= 1;
		b++;
	}
	pthread_mutex_lock(&t->lock);
	old = t->slot[i];
	t->slot[i] = c;
	t->taken++;
	t->lat[b]++;
	if (old)
		t->evicted++;
	pthread_mutex_unlock(&t->lock);
	if (old) {
		capture_release(old);
		free(old);
	}
}

struct kmw_capture *captures_take(struct kmw_captures *t, uint64_t serial, int64_t pid)
{
	unsigned int i = (unsigned int)(serial % KMW_CAPTURES);
	struct kmw_capture *c = NULL;

	pthread_mutex_lock(&t->lock);
	if (t->slot[i] && t->slot[i]->id.serial == serial && t->slot[i]->id.pid == pid) {
		c = t->slot[i];
		t->slot[i] = NULL;
		t->used++;
	}
	pthread_mutex_unlock(&t->lock);
	return c;
}

int64_t captures_latency(struct kmw_captures *t, unsigned int pct)
{
	uint64_t n = 0, seen = 0;
	unsigned int b;
	int64_t r = -1;

	pthread_mutex_lock(&t->lock);
	for (b = 0; b < 24; b++)
		n += t->lat[b];
	for (b = 0; b < 24 && n; b++) {
		seen += t->lat[b];
		if (seen * 100 >= n * pct) {
			r = 1LL << b;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}
