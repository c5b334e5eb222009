// SPDX-License-Identifier: GPL-2.0-or-later
/* enrich_capture.c - enrichment at capture, on the main thread: what vanishes with the
 * loader (its fd, its memory, its /proc), read before it exits */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>


#include "kmw_enrich_priv.h"

static const char deleted_suffix[] = " (deleted)";

struct kmw_enricher *enrich_new(const struct kmw_enrich_opts *o)
{
	struct kmw_enricher *e = calloc(1, sizeof(*e));
	const char *proc = o && o->proc_root ? o->proc_root : "/proc";
	const char *sys = o && o->sys_root ? o->sys_root : "/sys";

	if (!e)
		return NULL;
	if (snprintf(e->proc, sizeof(e->proc), "%s", proc) >= (int)sizeof(e->proc) ||
	    snprintf(e->sys, sizeof(e->sys), "%s", sys) >= (int)sizeof(e->sys)) {
		free(e);
		errno = ENAMETOOLONG;
		return NULL;
	}
	e->btime = sysfs_boot_time(e->proc);
	e->hz = sysconf(_SC_CLK_TCK);
	e->max_image_copy = o && o->max_image_copy ? o->max_image_copy : 64ull << 20;
	if (o && o->risk)
		e->risk = *o->risk;
	else
		risk_config_default(&e->risk);
	e->analyzer = modfile_new(o ? o->cache_entries : 256, o ? o->limits : NULL);
	if (!e->analyzer) {
		free(e);
		return NULL;
	}
	/* without a module directory (a kernel without modules) lookups just fail */
	e->kmod = kmodlookup_new(o ? o->moddir : NULL);
	/* read at the first load, and again only when dpkg's database changes */
	if (!o || !o->no_packages)
		e->dpkg = dpkg_new(o ? o->dpkg_admin : NULL, o ? o->dkms_dir : NULL);
	return e;
}

void enrich_free(struct kmw_enricher *e)
{
	unsigned int i;

	if (!e)
		return;
	for (i = 0; i < KMW_ATTESTED; i++)
		free(e->attested[i].path);
	modfile_free(e->analyzer);
	kmodlookup_free(e->kmod);
	dpkg_free(e->dpkg);
	free(e);
}

void enrich_set_risk(struct kmw_enricher *e, const struct kmw_risk_config *risk)
{
	e->risk = *risk;
}

/*
 * The process that holds this pid now started after the event: the loader
 * died and its pid was given to another process, whose fds are not ours.
 */
static bool pid_started_after(struct kmw_enricher *e, int64_t pid, int64_t sec)
{
	char path[PATH_MAX + 32], buf[1024], *p;
	unsigned long long start;
	ssize_t n;
	int fd, i;

	if (!e->btime || e->hz <= 0 || !sec)
		return false;
	snprintf(path, sizeof(path), "%s/%lld/stat", e->proc, (long long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* comm may hold spaces and parens: fields count from the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return false;
	for (i = 0; i < 20 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return false;
	/* one second of slack: btime and the tick count are both rounded */
	return e->btime + (long long)(start / (unsigned long long)e->hz) > sec + 1;
}

/*
 * Looked up once per capture: a pid is handed out again only after the
 * whole pid space has gone round, so within one capture (well under a
 * millisecond) the first answer holds.
 */
static bool pid_reused(struct kmw_enricher *e, const struct kmw_event *ev)
{
	if (e->reused < 0)
		e->reused = pid_started_after(e, ev->pid, ev->sec);
	return e->reused;
}

static void resolve_fd(struct kmw_enricher *e, struct kmw_event *ev)
{
	char link[PATH_MAX + 64], target[PATH_MAX + 1], dir[PATH_MAX + 32];
	struct stat st;
	ssize_t n;
	int fd = (int)(int32_t)ev->a[0];

	if (fd < 0 || ev->a[0] > INT32_MAX) {
		ev->path_err = KMW_PATH_BAD_FD;
		return;
	}
	if (ev->pid <= 0) {
		ev->path_err = KMW_PATH_PROCESS_GONE;
		return;
	}
	snprintf(link, sizeof(link), "%s/%lld/fd/%d", e->proc, (long long)ev->pid, fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		/* kept: access() and pid_reused() below may change errno */
		int err = errno;

		ev->path_errno = err;
		snprintf(dir, sizeof(dir), "%s/%lld", e->proc, (long long)ev->pid);
		if (err == EACCES || err == EPERM)
			ev->path_err = KMW_PATH_PERMISSION;
		else if (access(dir, F_OK) != 0 || err == ESRCH)
			ev->path_err = KMW_PATH_PROCESS_GONE;	/* gone, or on its way out */
		else if (pid_reused(e, ev))
			ev->path_err = KMW_PATH_PID_REUSED;
		else if (err == ENOENT)
			ev->path_err = KMW_PATH_FD_CLOSED;
		else
			ev->path_err = KMW_PATH_ERROR;
		return;
	}
	if (pid_reused(e, ev)) {
		ev->path_err = KMW_PATH_PID_REUSED;
		return;
	}
	target[n] = '\0';
	/*
	 * Our own fd of the file the loader's fd points at: the file the kernel
	 * read, even if it is renamed, replaced or deleted after this.
	 */
	if (stat(link, &st) == 0 && S_ISREG(st.st_mode)) {
		/* only a regular file: opening a device or a fifo could have effects */
		ev->file_fd = open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (ev->file_fd >= 0 && fstat(ev->file_fd, &st) < 0) {
			close(ev->file_fd);
			ev->file_fd = -1;
		}
	}
	if (ev->file_fd >= 0 || stat(link, &st) == 0) {
		ev->have_stat = true;
		ev->dev = st.st_dev;
		ev->ino = st.st_ino;
		ev->size = (uint64_t)st.st_size;
		ev->mode = st.st_mode;
		ev->fuid = st.st_uid;
		ev->fgid = st.st_gid;
		ev->mtime = st.st_mtim.tv_sec;
		ev->ctime = st.st_ctim.tv_sec;
	}
	if (ev->file_fd >= 0) {
		ev->file_src = KMW_FILE_PROC_FD;
		ev->file_exact = true;
	}
	/* a name may itself end in " (deleted)": trust the suffix only with no link left */
	if ((size_t)n > sizeof(deleted_suffix) - 1 &&
	    !strcmp(target + n - (sizeof(deleted_suffix) - 1), deleted_suffix) &&
	    (!ev->have_stat || st.st_nlink == 0)) {
		ev->path_deleted = true;
		n -= sizeof(deleted_suffix) - 1;
	}
	event_set_str(ev, &ev->mod_path, target, (size_t)n);
	ev->path_err = KMW_PATH_OK;
	/* does the name still lead to the file that was loaded? */
	if (!ev->path_deleted && ev->have_stat) {
		struct stat now;

		target[n] = '\0';
		ev->path_replaced = target[0] == '/' &&
				    (stat(target, &now) < 0 || now.st_dev != st.st_dev ||
				     now.st_ino != st.st_ino);
	}
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
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f)
			text++;
		if (c == ' ' || c == '\t' || c == '\n') {
			word_start = true;
			continue;
		}
		/* a word is a name first: it cannot start with '=' */
		if (word_start && c == '=')
			return false;
		if (word_start)
			named = true;
		word_start = false;
	}
	/* mostly text: a stray control byte in a name is hostile, not a reused heap */
	return named && text * 10 >= n * 9;
}

/*
 * Read the parameter string from the loader's memory, up to KMW_PARAMS_MAX bytes: every byte
 * as it is (the outputs escape them), marked cut at the bound. The bytes are what the
 * address holds now, not necessarily what the kernel copied: racy, and said so, with what
 * tells (enrich_finish compares them with the kernel's view of the parameters).
 */
static int read_params_mem(struct kmw_event *ev, uint64_t addr)
{
	static __thread char buf[KMW_PARAMS_MAX];
	struct iovec local = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr };
	size_t got = 0, page, n;
	ssize_t r;

	/* read up to the first page end, then page by page: a string may end near a hole */
	while (got < sizeof(buf)) {
		page = 4096 - ((addr + got) & 4095);
		n = sizeof(buf) - got < page ? sizeof(buf) - got : page;
		local.iov_base = buf + got;
		local.iov_len = n;
		remote.iov_base = (void *)(uintptr_t)(addr + got);
		remote.iov_len = n;
		r = process_vm_readv((pid_t)ev->pid, &local, 1, &remote, 1, 0);
		if (r <= 0) {
			if (!got)
				return -errno;
			break;
		}
		if (memchr(buf + got, '\0', (size_t)r)) {
			got += (size_t)r;
			break;
		}
		got += (size_t)r;
	}
	n = strnlen(buf, got);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			ev->params_odd = true;
	}
	event_set_str(ev, &ev->params, buf, n);
	if (n == got && got == sizeof(buf))
		ev->params.truncated = true;
	ev->params_src = KMW_PARAMS_PROC_MEM;
	/* a freed string whose memory was reused: heap bytes, not parameters */
	if (n && !looks_like_params(buf, n))
		ev->params_check = "not_parameters";
	return 0;
}

static bool argv0_is(const struct kmw_event *ev, const char *name)
{
	const char *a = event_str(ev, &ev->argv[0]), *slash;
	size_t len = ev->argv[0].len, nlen = strlen(name);

	slash = memrchr(a, '/', len);
	if (slash) {
		len -= (size_t)(slash + 1 - a);
		a = slash + 1;
	}
	return len == nlen && !memcmp(a, name, nlen);
}

/*
 * insmod FILE [PARAM...] and modprobe [OPTION...] NAME [PARAM...]: the words
 * after the module are its parameters. Inferred: the tool may have added
 * parameters from its configuration.
 */
static void params_from_argv(struct kmw_event *ev)
{
	static __thread char buf[KMW_PARAMS_MAX];
	unsigned int i = 1;
	size_t len = 0;

	if (ev->argc < 2)
		return;
	if (argv0_is(ev, "modprobe")) {
		while (i < ev->argc && ev->argv[i].len && event_str(ev, &ev->argv[i])[0] == '-')
			i++;
	} else if (!argv0_is(ev, "insmod")) {
		return;
	}
	for (i++; i < ev->argc; i++) {
		if (len + ev->argv[i].len + 1 > sizeof(buf))
			break;
		if (len)
			buf[len++] = ' ';
		memcpy(buf + len, event_str(ev, &ev->argv[i]), ev->argv[i].len);
		len += ev->argv[i].len;
	}
	event_set_str(ev, &ev->params, buf, len);
	ev->params_src = KMW_PARAMS_ARGV;
}

static void read_params(struct kmw_enricher *e, struct kmw_event *ev)
{
	uint64_t addr = ev->sc == KMW_SC_FINIT_MODULE ? ev->a[1] : ev->a[2];
	int rc = -ESRCH;

	if (ev->pid > 0 && addr && !pid_reused(e, ev))
		rc = read_params_mem(ev, addr);
	if (rc) {
		ev->params_errno = -rc;
		params_from_argv(ev);
	}
}

/* init_module's image, from the loader's memory while it lives: racy, and said so */
static void read_image(struct kmw_enricher *e, struct kmw_event *ev)
{
	uint64_t len = ev->a[1], got = 0;
	struct iovec local, remote;
	ssize_t r;

	if (ev->pid <= 0 || !ev->a[0] || !len || pid_reused(e, ev))
		return;
	if (len > e->max_image_copy) {
		ev->image_cut = true;
		event_skip(ev, "init_module image larger than the copy bound");
		return;
	}
	ev->image = malloc(len);
	if (!ev->image) {
		event_skip(ev, "init_module image: out of memory");
		return;
	}
	while (got < len) {
		local.iov_base = (char *)ev->image + got;
		local.iov_len = len - got;
		remote.iov_base = (void *)(uintptr_t)(ev->a[0] + got);
		remote.iov_len = len - got;
		r = process_vm_readv((pid_t)ev->pid, &local, 1, &remote, 1, 0);
		if (r <= 0)
			break;
		got += (uint64_t)r;
	}
	if (got < len) {
		free(ev->image);
		ev->image = NULL;
		return;
	}
	ev->image_len = len;
	ev->file_src = KMW_FILE_PROCESS_MEMORY;
}

/* Read a /proc file of the process: up to @cap bytes. Returns bytes or -errno. */
static ssize_t proc_read(struct kmw_enricher *e, int64_t pid, const char *what, char *buf,
			 size_t cap)
{
	char path[PATH_MAX + 64];
	ssize_t n, got = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%lld/%s", e->proc, (long long)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* these files (cmdline, cgroup) come whole: a short read is their end */
	while ((size_t)got < cap && (n = read(fd, buf + got, cap - (size_t)got)) > 0) {
		got += n;
		if ((size_t)n < cap - (size_t)(got - n))
			break;
	}
	close(fd);
	return got;
}

static ssize_t proc_link(struct kmw_enricher *e, int64_t pid, const char *what, char *buf,
			 size_t cap)
{
	char path[PATH_MAX + 64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%lld/%s", e->proc, (long long)pid, what);
	n = readlink(path, buf, cap);
	return n < 0 ? -errno : n;
}

/*
 * The container id: 64 hex digits in a cgroup path, as docker, containerd,
 * cri-o and podman name their scopes; the runtime from the word before it.
 */
static void container_from_cgroup(struct kmw_event *ev, const char *cg, size_t len)
{
	static const struct { const char *mark; const char *runtime; } runtimes[] = {
		{ "docker", "docker" }, { "cri-containerd", "containerd" },
		{ "containerd", "containerd" }, { "crio", "cri-o" }, { "libpod", "podman" },
		{ "lxc", "lxc" }, { "kubepods", "kubernetes" },
	};
	size_t i, run = 0, r;

	for (i = 0; i <= len; i++) {
		bool hex = i < len && ((cg[i] >= '0' && cg[i] <= '9') || (cg[i] >= 'a' && cg[i] <= 'f'));

		if (hex) {
			run++;
			continue;
		}
		if (run == 64) {
			event_set_str(ev, &ev->container_id, cg + i - 64, 64);
			for (r = 0; r < sizeof(runtimes) / sizeof(runtimes[0]); r++)
				if (memmem(cg, i, runtimes[r].mark, strlen(runtimes[r].mark))) {
					event_set_str(ev, &ev->container_runtime, runtimes[r].runtime,
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

static void process_context(struct kmw_enricher *e, struct kmw_event *ev)
{
	char buf[8192];
	ssize_t n;

	if (ev->pid <= 0)
		return;
	n = proc_link(e, ev->pid, "exe", buf, sizeof(buf));
	if (n < 0 && n != -EACCES && n != -EPERM && n != -ENOENT) {
		ev->proc_error = "process_gone";
		return;
	}
	if (n == -ENOENT) {
		char dir[PATH_MAX + 32];

		snprintf(dir, sizeof(dir), "%s/%lld", e->proc, (long long)ev->pid);
		if (access(dir, F_OK)) {
			ev->proc_error = "process_gone";
			return;
		}
	}
	if (pid_reused(e, ev)) {
		ev->proc_error = "pid_reused";
		return;
	}
	ev->proc_read = true;
	if (n > 0)
		event_set_str(ev, &ev->proc_exe, buf, (size_t)n);
	n = proc_link(e, ev->pid, "cwd", buf, sizeof(buf));
	if (n > 0)
		event_set_str(ev, &ev->cwd, buf, (size_t)n);
	/*
	 * The whole command line, when the record's is missing or cut (the
	 * kernel keeps 128 bytes of it); a whole one is the record's own, taken
	 * at the call, and better than what /proc says later.
	 */
	n = ev->argc && !ev->argv_truncated ? 0 : proc_read(e, ev->pid, "cmdline", buf, sizeof(buf));
	if (n > 0) {
		ev->argc = 0;
		ev->argv_truncated = (size_t)n == sizeof(buf);
		split_argv(ev, buf, (size_t)n, ev->argv, KMW_MAX_ARGV, &ev->argc);
		ev->cmdline_from_proc = true;
	}
	n = proc_read(e, ev->pid, "cgroup", buf, sizeof(buf) - 1);
	if (n > 0) {
		/* cgroup v2: "0::/path"; v1 lines also end in the path */
		const char *path = memchr(buf, '/', (size_t)n);
		const char *nl = path ? memchr(path, '\n', (size_t)(buf + n - path)) : NULL;
		size_t plen = path ? (size_t)((nl ? nl : buf + n) - path) : 0;

		if (path) {
			container_from_cgroup(ev, path, plen);
			unit_from_cgroup(ev, path, plen);
		}
	}
	if (ev->ppid > 0) {
		ev->parent_pid = ev->ppid;
		if (pid_started_after(e, ev->ppid, ev->sec))
			return;
		n = proc_link(e, ev->ppid, "exe", buf, sizeof(buf));
		if (n > 0) {
			ev->parent_read = true;
			event_set_str(ev, &ev->parent_exe, buf, (size_t)n);
		}
		n = proc_read(e, ev->ppid, "cmdline", buf, sizeof(buf));
		if (n > 0) {
			ev->parent_read = true;
			split_argv(ev, buf, (size_t)n, ev->parent_argv, KMW_MAX_PARENT_ARGV,
				   &ev->parent_argc);
		}
	}
}

void enrich_capture(struct kmw_enricher *e, struct kmw_event *ev)
{
	if (ev->historical)
		return;
	e->reused = -1;
	if (ev->sc == KMW_SC_FINIT_MODULE)
		resolve_fd(e, ev);
	if (ev->sc == KMW_SC_FINIT_MODULE || ev->sc == KMW_SC_INIT_MODULE)
		read_params(e, ev);
	if (ev->sc == KMW_SC_INIT_MODULE)
		read_image(e, ev);
	process_context(e, ev);
}

void enrich_capture_process(struct kmw_enricher *e, struct kmw_event *ev)
{
	e->reused = -1;
	process_context(e, ev);
}

void enrich_event(struct kmw_enricher *e, struct kmw_event *ev)
{
	enrich_capture(e, ev);
	enrich_finish(e, ev);
}
