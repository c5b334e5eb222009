// SPDX-License-Identifier: GPL-2.0-or-later
/* inventory.c - read the kernel's module list and sysfs into one list, each module saying in
 * which view it is: a module in one and not the other hides */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
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

/* A whole small file (the module list: ~100 bytes a module); NULL with errno set. */
static char *slurp(const char *path, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap), *nb;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !buf) {
		int e = fd < 0 ? errno : ENOMEM;

		if (fd >= 0)
			close(fd);
		free(buf);
		errno = e;
		return NULL;
	}
	while ((got = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)got;
		if (n == cap) {
			nb = cap < (64u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				close(fd);
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (got < 0) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* sysfs's names that a line of the module list cannot carry plainly: with a space or a
 * newline in them, where the list's fields are cut */
struct names {
	char **v;
	unsigned int n, cap;
};

static bool spaced(const char *s)
{
	return strpbrk(s, " \t\n\r\v\f") != NULL;
}

static void names_free(struct names *nm)
{
	unsigned int i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

static int spaced_names(const char *sys, struct names *nm)
{
	char dir[4096];
	struct dirent *de;
	DIR *d;

	memset(nm, 0, sizeof(*nm));
	snprintf(dir, sizeof(dir), "%s/module", sys);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char **nv;

		if (!spaced(de->d_name) || strlen(de->d_name) >= KMW_MODNAME_MAX)
			continue;
		if (nm->n == nm->cap) {
			nv = realloc(nm->v, (nm->cap ? nm->cap * 2 : 8) * sizeof(*nv));
			if (!nv)
				goto nomem;
			nm->v = nv;
			nm->cap = nm->cap ? nm->cap * 2 : 8;
		}
		nm->v[nm->n] = strdup(de->d_name);
		if (!nm->v[nm->n])
			goto nomem;
		nm->n++;
	}
	closedir(d);
	return 0;
nomem:
	closedir(d);
	names_free(nm);
	return -ENOMEM;
}

/* digits from *p, into @v: false when there are none */
static bool number(const char **p, const char *end, long long *v, bool sign)
{
	const char *s = *p;
	bool neg = sign && s < end && *s == '-';

	if (neg)
		s++;
	*v = 0;
	if (s >= end || *s < '0' || *s > '9')
		return false;
	while (s < end && *s >= '0' && *s <= '9' && *v < (1LL << 50))
		*v = *v * 10 + (*s++ - '0');
	if (neg)
		*v = -*v;
	*p = s;
	return true;
}

static bool word(const char **p, const char *end, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(end - *p) < n || memcmp(*p, w, n))
		return false;
	*p += n;
	return true;
}

/*
 * After a module's name, the rest of its line exactly as the kernel writes it (m_show):
 * " SIZE REFCNT USERS STATE 0xADDRESS[ (TAINT)]". Fills @m; false when it is not that.
 */
static bool line_rest(const char *p, const char *end, struct kmw_module_info *m)
{
	const char *u, *h, *t;
	long long v;

	if (!word(&p, end, " ") || !number(&p, end, &v, false))
		return false;
	m->size = v;
	if (!word(&p, end, " ") || !number(&p, end, &v, true))
		return false;
	m->refcnt = v;
	if (!word(&p, end, " "))
		return false;
	for (u = p; p < end && *p != ' '; p++)
		;
	if (p == u || p == end)
		return false;
	snprintf(m->users, sizeof(m->users), "%.*s", (int)(p - u), u);
	if (!strcmp(m->users, "-"))
		m->users[0] = '\0';
	else if (m->users[0] && m->users[strlen(m->users) - 1] == ',')
		m->users[strlen(m->users) - 1] = '\0';
	p++;
	if (word(&p, end, "Live"))
		snprintf(m->state, sizeof(m->state), "Live");
	else if (word(&p, end, "Loading"))
		snprintf(m->state, sizeof(m->state), "Loading");
	else if (word(&p, end, "Unloading"))
		snprintf(m->state, sizeof(m->state), "Unloading");
	else
		return false;
	/* "0x%px": every digit of a pointer, 16 (8 on a 32-bit kernel) */
	if (!word(&p, end, " 0x"))
		return false;
	for (h = p; p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')); p++)
		;
	if (p - h != 16 && p - h != 8)
		return false;
	if (p == end)
		return true;
	/* the taint letters, upper case, in parentheses, and '+' while it loads, '-' while it
	 * unloads (module_flags) */
	if (!word(&p, end, " ("))
		return false;
	for (h = p; p < end && *p >= 'A' && *p <= 'Z'; p++)
		;
	t = p;
	if (p < end && (*p == '+' || *p == '-'))
		p++;
	if (p == h || t - h >= (long)sizeof(m->taint) || !word(&p, end, ")") || p != end)
		return false;
	snprintf(m->taint, sizeof(m->taint), "%.*s", (int)(t - h), h);
	return true;
}

/*
 * The module list, strictly: each line as the kernel writes it for one module. A name sysfs
 * has with a space or a newline in it is matched whole (the longest), so that it cannot
 * forge lines; every other name ends at the first space. A line that is no module's is
 * counted as malformed, and skipped to its end.
 */
static int read_proc(const char *proc, const char *sys, struct kmw_inventory *inv)
{
	char path[4096];
	struct names nm;
	const char *p, *end, *nl, *name;
	size_t len, nlen, best;
	char *data;
	unsigned int i;
	int rc;

	snprintf(path, sizeof(path), "%s/modules", proc);
	data = slurp(path, &len);
	if (!data) {
		inv->no_modules = errno == ENOENT;
		return inv->no_modules ? 0 : -errno;
	}
	rc = spaced_names(sys, &nm);
	if (rc) {
		free(data);
		return rc;
	}
	for (p = data, end = data + len; p < end; p = nl + 1) {
		struct kmw_module_info one, *m;

		best = 0;
		for (i = 0; i < nm.n; i++) {
			nlen = strlen(nm.v[i]);
			if (nlen > best && (size_t)(end - p) > nlen && !memcmp(p, nm.v[i], nlen) &&
			    p[nlen] == ' ')
				best = nlen;
		}
		name = p;
		nlen = best;
		if (!best)
			while (nlen < (size_t)(end - p) && p[nlen] != ' ' && p[nlen] != '\n')
				nlen++;
		nl = memchr(p + nlen, '\n', (size_t)(end - p - (ptrdiff_t)nlen));
		if (!nl)
			nl = end;
		memset(&one, 0, sizeof(one));
		if (!nlen || nlen >= KMW_MODNAME_MAX || !line_rest(p + nlen, nl, &one)) {
			/* what sits before the line's end is no module's: skipped whole */
			nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl)
				nl = end;
			if (!inv->malformed++) {
				inv->malformed_len = (size_t)(nl - p) < sizeof(inv->malformed_line)
							     ? (size_t)(nl - p)
							     : sizeof(inv->malformed_line);
				memcpy(inv->malformed_line, p, inv->malformed_len);
			}
			if (nl == end)
				break;
			continue;
		}
		/* the list names each module once */
		m = append(inv, "");
		if (!m) {
			rc = -ENOMEM;
			break;
		}
		memcpy(m->name, name, nlen);
		m->name[nlen] = '\0';
		m->in_proc = true;
		m->size = one.size;
		m->refcnt = one.refcnt;
		memcpy(m->users, one.users, sizeof(m->users));
		memcpy(m->state, one.state, sizeof(m->state));
		memcpy(m->taint, one.taint, sizeof(m->taint));
		if (nl == end)
			break;
	}
	names_free(&nm);
	free(data);
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
			snprintf(rel, sizeof(rel), "%.*s/initstate", KMW_MODNAME_MAX - 1,
				 de->d_name);
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
	rc = read_proc(proc, sys, inv);
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
