// SPDX-License-Identifier: GPL-2.0-or-later
/* enrich.c - resolve finit_module's fd through /proc/PID/fd while the loader lives */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kmw_enrich.h"

struct kmw_enricher {
	char proc[PATH_MAX];
	long long btime;	/* boot time, epoch seconds; 0 when unknown */
	long hz;
};

static const char deleted_suffix[] = " (deleted)";

static long long read_btime(const char *proc)
{
	char path[PATH_MAX + 16], line[256];
	long long bt = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stat", proc);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &bt) == 1)
			break;
	fclose(f);
	return bt;
}

struct kmw_enricher *enrich_new(const char *proc_root)
{
	struct kmw_enricher *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	if (snprintf(e->proc, sizeof(e->proc), "%s", proc_root) >= (int)sizeof(e->proc)) {
		free(e);
		errno = ENAMETOOLONG;
		return NULL;
	}
	e->btime = read_btime(e->proc);
	e->hz = sysconf(_SC_CLK_TCK);
	return e;
}

void enrich_free(struct kmw_enricher *e)
{
	free(e);
}

const char *enrich_path_err_name(enum kmw_path_err err)
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
	}
	return "error";
}

/*
 * The process that holds this pid now started after the event: the loader
 * died and its pid was given to another process, whose fds are not ours.
 */
static bool pid_reused(struct kmw_enricher *e, const struct kmw_event *ev)
{
	char path[PATH_MAX + 32], buf[1024], *p;
	unsigned long long start;
	ssize_t n;
	int fd, i;

	if (!e->btime || e->hz <= 0 || !ev->sec)
		return false;
	snprintf(path, sizeof(path), "%s/%lld/stat", e->proc, (long long)ev->pid);
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
	return e->btime + (long long)(start / (unsigned long long)e->hz) > ev->sec + 1;
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
		ev->path_errno = errno;
		snprintf(dir, sizeof(dir), "%s/%lld", e->proc, (long long)ev->pid);
		if (errno == EACCES || errno == EPERM)
			ev->path_err = KMW_PATH_PERMISSION;
		else if (access(dir, F_OK) != 0)
			ev->path_err = KMW_PATH_PROCESS_GONE;
		else if (pid_reused(e, ev))
			ev->path_err = KMW_PATH_PID_REUSED;
		else if (errno == ENOENT)
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
	/* stat through the fd link: the file the kernel read, even if renamed since */
	if (stat(link, &st) == 0) {
		ev->have_stat = true;
		ev->dev = st.st_dev;
		ev->ino = st.st_ino;
		ev->size = (uint64_t)st.st_size;
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
}

/* the kernel takes at most a page of parameters less one byte (load_module) */
#define PARAMS_MAX 4096

/*
 * Read the parameter string from the loader's memory. The bytes are what the
 * address holds now, not necessarily what the kernel copied: racy, and said so.
 */
static int read_params_mem(struct kmw_event *ev, uint64_t addr)
{
	char buf[PARAMS_MAX];
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
	event_set_str(ev, &ev->params, buf, n);
	if (n == got && got == sizeof(buf))
		ev->params.truncated = true;
	ev->params_src = KMW_PARAMS_PROC_MEM;
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
	char buf[PARAMS_MAX];
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

void enrich_event(struct kmw_enricher *e, struct kmw_event *ev)
{
	if (ev->sc == KMW_SC_FINIT_MODULE)
		resolve_fd(e, ev);
	if (ev->sc == KMW_SC_FINIT_MODULE || ev->sc == KMW_SC_INIT_MODULE)
		read_params(e, ev);
}
