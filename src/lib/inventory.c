// SPDX-License-Identifier: GPL-2.0-or-later
/* inventory.c - read the kernel's module list and sysfs into one list, each module saying in
 * which view it is: a module in one and not the other hides */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmw_inventory.h"

/* A small sysfs file, its trailing newline cut; false when unreadable. */
static bool read_small(const char *path, char *out, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	out[0] = '\0';
	if (fd < 0)
		return false;
	n = read(fd, out, cap - 1);
	close(fd);
	if (n < 0)
		return false;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct kmw_module_info *)a)->name,
		      ((const struct kmw_module_info *)b)->name);
}

static struct kmw_module_info *append(struct kmw_inventory *inv, const char *name)
{
	struct kmw_module_info *m;

	if (inv->n == inv->cap) {
		unsigned int cap = inv->cap ? inv->cap * 2 : 128;
		struct kmw_module_info *nm = realloc(inv->m, cap * sizeof(*nm));

		if (!nm)
			return NULL;
		inv->m = nm;
		inv->cap = cap;
	}
	m = &inv->m[inv->n++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%.*s", (int)sizeof(m->name) - 1, name);
	m->size = m->refcnt = -1;
	return m;
}

/*
 * The entry of @name, made when there is none. The first @sorted entries are sorted (the
 * module list's, looked up from sysfs); the few sysfs alone has follow them.
 */
static struct kmw_module_info *entry(struct kmw_inventory *inv, const char *name,
				     unsigned int sorted)
{
	struct kmw_module_info *m, key;
	unsigned int i;

	if (sorted) {
		snprintf(key.name, sizeof(key.name), "%.*s", (int)sizeof(key.name) - 1, name);
		m = bsearch(&key, inv->m, sorted, sizeof(*inv->m), by_name);
		if (m)
			return m;
	}
	for (i = sorted; i < inv->n; i++)
		if (!strcmp(inv->m[i].name, name))
			return &inv->m[i];
	return append(inv, name);
}

/* "name size refcount users state address [(taint)]" per line; a line as long as it is */
static int read_proc(const char *proc, struct kmw_inventory *inv)
{
	char path[4096], name[KMW_MODNAME_MAX], users[256], state[16], taint[32];
	long long size, refs;
	struct kmw_module_info *m;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int n, rc = 0;

	snprintf(path, sizeof(path), "%s/modules", proc);
	f = fopen(path, "re");
	if (!f) {
		inv->no_modules = errno == ENOENT;
		return inv->no_modules ? 0 : -errno;
	}
	while (getline(&line, &cap, f) > 0) {
		taint[0] = '\0';
		/* users past 255 bytes are cut; the list of them is for people, not for checks */
		n = sscanf(line, "%63s %lld %lld %255s %15s %*s %31s", name, &size, &refs, users,
			   state, taint);
		if (n < 5)
			continue;
		/* the list names each module once */
		m = append(inv, name);
		if (!m) {
			rc = -ENOMEM;
			break;
		}
		m->in_proc = true;
		m->size = size;
		m->refcnt = refs;
		snprintf(m->users, sizeof(m->users), "%s", strcmp(users, "-") ? users : "");
		n = (int)strlen(m->users);
		if (n && m->users[n - 1] == ',')
			m->users[n - 1] = '\0';
		snprintf(m->state, sizeof(m->state), "%s", state);
		/* "(OE)" */
		if (taint[0] == '(') {
			taint[strcspn(taint, ")")] = '\0';
			snprintf(m->taint, sizeof(m->taint), "%.15s", taint + 1);
		}
	}
	free(line);
	fclose(f);
	return rc;
}

/* What sysfs says of one module that the list does not (or all of it, for one in sysfs only). */
static void read_detail(const char *dir, struct kmw_module_info *m)
{
	char path[4400], val[256];

	if (!m->state[0]) {
		snprintf(path, sizeof(path), "%s/%s/initstate", dir, m->name);
		if (read_small(path, val, sizeof(val)))
			snprintf(m->state, sizeof(m->state), "%.15s", val);
	}
	snprintf(path, sizeof(path), "%s/%s/srcversion", dir, m->name);
	read_small(path, m->srcversion, sizeof(m->srcversion));
	if (!m->taint[0]) {
		snprintf(path, sizeof(path), "%s/%s/taint", dir, m->name);
		read_small(path, m->taint, sizeof(m->taint));
	}
	if (m->size < 0) {
		snprintf(path, sizeof(path), "%s/%s/coresize", dir, m->name);
		if (read_small(path, val, sizeof(val)))
			m->size = strtoll(val, NULL, 10);
	}
	if (m->refcnt < 0) {
		snprintf(path, sizeof(path), "%s/%s/refcnt", dir, m->name);
		if (read_small(path, val, sizeof(val)))
			m->refcnt = strtoll(val, NULL, 10);
	}
}

/*
 * /sys/module/NAME: a loadable module has an initstate; a built-in one has none. @quick:
 * the views only, a stat of the initstate of what the list lacks and nothing more (the
 * details come with inventory_detail).
 */
static int read_sysfs(const char *sys, struct kmw_inventory *inv, bool quick)
{
	char dir[4096], rel[KMW_MODNAME_MAX + 16];
	struct kmw_module_info *m, key;
	struct dirent *de;
	unsigned int sorted = inv->n;
	DIR *d;

	/* the module list's entries, sorted, found by name: sysfs has as many */
	if (sorted)
		qsort(inv->m, sorted, sizeof(*inv->m), by_name);
	snprintf(dir, sizeof(dir), "%s/module", sys);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		/* a module's name is shorter (MODULE_NAME_LEN) */
		if (de->d_name[0] == '.' || strlen(de->d_name) >= KMW_MODNAME_MAX)
			continue;
		snprintf(key.name, sizeof(key.name), "%.*s", (int)sizeof(key.name) - 1, de->d_name);
		m = sorted ? bsearch(&key, inv->m, sorted, sizeof(*inv->m), by_name) : NULL;
		/* the list shows only loadable modules: one it has needs no look at its initstate */
		if (!m || !quick) {
			snprintf(rel, sizeof(rel), "%.*s/initstate", KMW_MODNAME_MAX - 1, de->d_name);
			if (faccessat(dirfd(d), rel, F_OK, 0) < 0)
				continue;
		}
		if (!m)
			m = entry(inv, de->d_name, sorted);
		if (!m) {
			closedir(d);
			return -ENOMEM;
		}
		m->in_sysfs = true;
		if (!quick)
			read_detail(dir, m);
	}
	closedir(d);
	return 0;
}

int inventory_read(const char *proc, const char *sys, struct kmw_inventory *inv, bool quick)
{
	int rc;

	memset(inv, 0, sizeof(*inv));
	rc = read_proc(proc, inv);
	if (!rc)
		rc = read_sysfs(sys, inv, quick);
	if (rc) {
		inventory_free(inv);
		return rc;
	}
	if (inv->n)
		qsort(inv->m, inv->n, sizeof(*inv->m), by_name);
	return 0;
}

const struct kmw_module_info *inventory_find(const struct kmw_inventory *inv, const char *name)
{
	struct kmw_module_info key;

	if (!inv->n)
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, inv->m, inv->n, sizeof(*inv->m), by_name);
}

void inventory_detail(const char *sys, struct kmw_module_info *m)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/module", sys);
	if (m->in_sysfs)
		read_detail(dir, m);
}

int inventory_add_gone(struct kmw_inventory *inv, const char *name)
{
	struct kmw_module_info *m = append(inv, name);

	if (!m)
		return -ENOMEM;
	snprintf(m->state, sizeof(m->state), "gone");
	qsort(inv->m, inv->n, sizeof(*inv->m), by_name);
	return 0;
}

void inventory_free(struct kmw_inventory *inv)
{
	free(inv->m);
	inv->m = NULL;
	inv->n = inv->cap = 0;
}
