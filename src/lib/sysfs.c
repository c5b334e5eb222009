// SPDX-License-Identifier: GPL-2.0-or-later
/* sysfs.c - what /sys/module/NAME says of a loaded module */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmw_sysfs.h"

/* Read a small sysfs file, without its trailing newline. Returns bytes or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t cap, bool *cut)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	if ((size_t)n == cap - 1 && cut) {
		char extra;

		if (read(fd, &extra, 1) == 1)
			*cut = true;
	}
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	buf[n] = '\0';
	return n;
}

static int64_t read_num(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[32], *end;
	long long v;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_small(path, buf, sizeof(buf), NULL) <= 0)
		return -1;
	v = strtoll(buf, &end, 10);
	return *end ? -1 : v;
}

int sysfs_read_module(const char *sysroot, const char *name, struct kmw_sysfs *out)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	out->refcnt = out->coresize = -1;
	/* a module name never holds a slash; refuse one rather than walk elsewhere */
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%s/module/%s", sysroot, name);
	if (access(dir, F_OK))
		return -ENOENT;
	out->present = true;
	snprintf(path, sizeof(path), "%s/srcversion", dir);
	read_small(path, out->srcversion, sizeof(out->srcversion), NULL);
	snprintf(path, sizeof(path), "%s/taint", dir);
	read_small(path, out->taint, sizeof(out->taint), NULL);
	snprintf(path, sizeof(path), "%s/initstate", dir);
	read_small(path, out->initstate, sizeof(out->initstate), NULL);
	out->refcnt = read_num(dir, "refcnt");
	out->coresize = read_num(dir, "coresize");

	snprintf(path, sizeof(path), "%s/parameters", dir);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char p[PATH_MAX + 600];
		unsigned int i = out->nparams;

		if (de->d_name[0] == '.')
			continue;
		if (i == KMW_SYSFS_PARAMS || strlen(de->d_name) >= sizeof(out->params[0].name)) {
			out->params_truncated = true;
			continue;
		}
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		/* a write-only or root-only parameter stays out, as modinfo shows it */
		if (read_small(p, out->params[i].value, sizeof(out->params[i].value),
			       &out->params_truncated) < 0)
			continue;
		memcpy(out->params[i].name, de->d_name, strlen(de->d_name) + 1);
		out->nparams++;
	}
	closedir(d);
	return 0;
}

long long sysfs_boot_time(const char *proc)
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
