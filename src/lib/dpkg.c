// SPDX-License-Identifier: GPL-2.0-or-later
/* dpkg.c - which package ships a module file, and whether it is as shipped: an index of the
 * module files of dpkg's file lists and digests, rebuilt when the database changes */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "kmw_clock.h"
#include "kmw_dpkg.h"

struct file_entry {
	char *path;
	unsigned int pkg;
	char md5[33]; /* "" when the package records none */
};

/* a path dpkg's lists do not index (no module file), looked up in them once */
#define LOOKED_UP 64

struct looked_up {
	char *path;
	int pkg; /* -1: no package ships it */
	char pkgname[128];
	char md5[33];
};

struct kmw_dpkg {
	char info[4096], dkms[4096];
	unsigned int merged; /* bit i: merged_dirs[i] is a link into /usr (merged /usr) */
	bool built;
	bool nodb;	       /* no database at all: not a dpkg system, provenance unknown */
	struct timespec mtime; /* of the info directory: dpkg renames its files into it */
	/* and of the lists and digests that name module files: a file edited in place */
	struct watched {
		char *path;
		struct timespec mtime;
		bool present;
	} * watch;
	unsigned int nwatch;
	struct file_entry *f;
	unsigned int n, cap;
	char **pkgs;
	unsigned int npkgs;
	struct looked_up seen[LOOKED_UP];
	unsigned int nseen, next_seen;
	/* what the last lookup of a file its module index lacks was, for tests and benchmarks */
	unsigned int scans;
	/* a database looked at this long ago is taken as it was (0: looked at each time), and so
	 * is the answer of DKMS's tree for a file of that name */
	unsigned int recheck_ms;
	int64_t checked_ms;
	struct {
		char base[256];
		bool found;
		int64_t ms;
	} dkms_seen[16];
	unsigned int next_dkms;
};

void dpkg_set_recheck(struct kmw_dpkg *d, unsigned int ms)
{
	if (d)
		d->recheck_ms = ms;
}

/* the top directories merged /usr makes links into /usr (/bin -> usr/bin) */
static const char *const merged_dirs[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
#define NMERGED (sizeof(merged_dirs) / sizeof(merged_dirs[0]))

static bool is_module_file(const char *p, size_t n)
{
	static const char *const ends[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	size_t i, l;

	if (!memmem(p, n, "/modules/", 9))
		return false;
	for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		l = strlen(ends[i]);
		if (n > l && !memcmp(p + n - l, ends[i], l))
			return true;
	}
	return false;
}

struct kmw_dpkg *dpkg_new(const char *admindir, const char *dkmsdir)
{
	struct kmw_dpkg *d = calloc(1, sizeof(*d));
	unsigned int i;

	if (!d)
		return NULL;
	snprintf(d->info, sizeof(d->info), "%s/info", admindir ? admindir : "/var/lib/dpkg");
	snprintf(d->dkms, sizeof(d->dkms), "%s", dkmsdir ? dkmsdir : "/var/lib/dkms");
	for (i = 0; i < NMERGED; i++) {
		char link[64], want[64], top[64];
		ssize_t n;

		snprintf(top, sizeof(top), "/%s", merged_dirs[i]);
		snprintf(want, sizeof(want), "usr/%s", merged_dirs[i]);
		n = readlink(top, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			if (!strcmp(link, want) || !strcmp(link + (link[0] == '/'), want))
				d->merged |= 1u << i;
		}
	}
	return d;
}

static void clear(struct kmw_dpkg *d)
{
	unsigned int i;

	for (i = 0; i < LOOKED_UP; i++) {
		free(d->seen[i].path);
		d->seen[i].path = NULL;
	}
	d->nseen = d->next_seen = 0;
	for (i = 0; i < d->nwatch; i++)
		free(d->watch[i].path);
	free(d->watch);
	d->watch = NULL;
	d->nwatch = 0;
	for (i = 0; i < d->n; i++)
		free(d->f[i].path);
	for (i = 0; i < d->npkgs; i++)
		free(d->pkgs[i]);
	free(d->f);
	free(d->pkgs);
	d->f = NULL;
	d->pkgs = NULL;
	d->n = d->cap = d->npkgs = 0;
	d->built = false;
}

void dpkg_free(struct kmw_dpkg *d)
{
	if (!d)
		return;
	clear(d);
	free(d);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct file_entry *)a)->path, ((const struct file_entry *)b)->path);
}

static struct file_entry *find(struct kmw_dpkg *d, const char *path)
{
	struct file_entry key = { .path = (char *)path };

	return d->n ? bsearch(&key, d->f, d->n, sizeof(*d->f), by_path) : NULL;
}

static int add_file(struct kmw_dpkg *d, const char *path, size_t n, unsigned int pkg)
{
	if (d->n == d->cap) {
		unsigned int cap = d->cap ? d->cap * 2 : 4096;
		struct file_entry *nf = realloc(d->f, cap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		d->f = nf;
		d->cap = cap;
	}
	d->f[d->n].path = strndup(path, n);
	if (!d->f[d->n].path)
		return -ENOMEM;
	d->f[d->n].pkg = pkg;
	d->f[d->n].md5[0] = '\0';
	d->n++;
	return 0;
}

/* PKG.list or PKG:ARCH.list: the module files it lists. Returns 0 or -ENOMEM. */
static int read_list(struct kmw_dpkg *d, const char *name, bool *any)
{
	char path[8192], line[4096], pkg[512];
	size_t n, dot = strlen(name) - 5;
	char **np;
	FILE *f;
	int rc = 0;

	*any = false;
	snprintf(path, sizeof(path), "%s/%s", d->info, name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	snprintf(pkg, sizeof(pkg), "%.*s", (int)dot, name);
	pkg[strcspn(pkg, ":")] = '\0';
	while (!rc && fgets(line, sizeof(line), f)) {
		n = strcspn(line, "\n");
		if (!is_module_file(line, n))
			continue;
		if (!*any) {
			np = realloc(d->pkgs, (d->npkgs + 1) * sizeof(*np));
			if (!np || !(np[d->npkgs] = strdup(pkg))) {
				if (np)
					d->pkgs = np;
				rc = -ENOMEM;
				break;
			}
			d->pkgs = np;
			d->npkgs++;
			*any = true;
		}
		rc = add_file(d, line, n, d->npkgs - 1);
	}
	fclose(f);
	return rc;
}

/* PKG.md5sums: "HEX  relative/path" lines; the digests of the module files indexed */
static void read_md5sums(struct kmw_dpkg *d, const char *list)
{
	char path[8192], line[4200], abs[4200];
	struct file_entry *e;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%.*s.md5sums", d->info, (int)(strlen(list) - 5), list);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		n = strcspn(line, "\n");
		line[n] = '\0';
		if (n < 35 || line[32] != ' ' || !is_module_file(line + 34, n - 34))
			continue;
		snprintf(abs, sizeof(abs), "/%s", line + 34);
		e = find(d, abs);
		if (e) {
			memcpy(e->md5, line, 32);
			e->md5[32] = '\0';
		}
	}
	fclose(f);
}

/* Keep an eye on @path (a list or digests of module files): its mtime, or its absence. */
static int watch(struct kmw_dpkg *d, const char *path)
{
	struct watched *nw = realloc(d->watch, (d->nwatch + 1) * sizeof(*nw));
	struct stat st;

	if (!nw)
		return -ENOMEM;
	d->watch = nw;
	nw = &d->watch[d->nwatch];
	nw->path = strdup(path);
	if (!nw->path)
		return -ENOMEM;
	nw->present = stat(path, &st) == 0;
	nw->mtime = nw->present ? st.st_mtim : (struct timespec){ 0 };
	d->nwatch++;
	return 0;
}

/* Whether a watched file changed: a few stats, the files that name modules only. */
static bool watched_changed(const struct kmw_dpkg *d)
{
	struct stat st;
	unsigned int i;
	bool present;

	for (i = 0; i < d->nwatch; i++) {
		present = stat(d->watch[i].path, &st) == 0;
		if (present != d->watch[i].present ||
		    (present && (st.st_mtim.tv_sec != d->watch[i].mtime.tv_sec ||
				 st.st_mtim.tv_nsec != d->watch[i].mtime.tv_nsec)))
			return true;
	}
	return false;
}

/* The index again, when the database's files have changed since it was built. */
static int refresh(struct kmw_dpkg *d)
{
	struct stat st;
	struct dirent *de;
	char **withmods = NULL;
	unsigned int nwith = 0, i;
	bool any;
	DIR *dir;
	int rc = 0;
	int64_t now = d->recheck_ms ? kmw_mono_ms() : 0;

	/* looked at a moment ago: a burst of loads costs one look, not one each */
	if (d->recheck_ms && d->built && now - d->checked_ms < d->recheck_ms)
		return 0;
	d->checked_ms = now;

	if (stat(d->info, &st) < 0) {
		clear(d);
		d->built = true;
		d->nodb = true; /* not a dpkg system: nothing can be said of packages */
		return 0;
	}
	d->nodb = false;
	if (d->built && st.st_mtim.tv_sec == d->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == d->mtime.tv_nsec && !watched_changed(d))
		return 0;
	clear(d);
	dir = opendir(d->info);
	if (!dir)
		return -errno;
	while (!rc && (de = readdir(dir))) {
		size_t l = strlen(de->d_name);
		char **nw;

		if (l < 6 || strcmp(de->d_name + l - 5, ".list"))
			continue;
		rc = read_list(d, de->d_name, &any);
		if (!rc && any) {
			nw = realloc(withmods, (nwith + 1) * sizeof(*nw));
			if (!nw || !(nw[nwith] = strdup(de->d_name))) {
				if (nw)
					withmods = nw;
				rc = -ENOMEM;
				break;
			}
			withmods = nw;
			nwith++;
		}
	}
	closedir(dir);
	if (!rc && d->n)
		qsort(d->f, d->n, sizeof(*d->f), by_path);
	for (i = 0; i < nwith; i++) {
		char path[8192];

		if (!rc)
			read_md5sums(d, withmods[i]);
		snprintf(path, sizeof(path), "%s/%s", d->info, withmods[i]);
		if (!rc)
			rc = watch(d, path);
		snprintf(path, sizeof(path), "%s/%.*s.md5sums", d->info,
			 (int)(strlen(withmods[i]) - 5), withmods[i]);
		if (!rc)
			rc = watch(d, path);
		free(withmods[i]);
	}
	free(withmods);
	if (rc) {
		clear(d);
		return rc;
	}
	d->mtime = st.st_mtim;
	d->built = true;
	return 0;
}

unsigned int dpkg_modules(struct kmw_dpkg *d)
{
	return refresh(d) ? 0 : d->n;
}

int dpkg_md5_file(const char *path, char *out)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd, rc = 0;

	out[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_md5(), NULL)) {
		rc = -ENOMEM;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	for (i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return rc;
}

/* DKMS builds into updates/dkms/, and keeps what it built under its tree */
static bool dkms_known(struct kmw_dpkg *d, const char *path)
{
	const char *base = strrchr(path, '/');
	char pattern[8400];
	int64_t now = d->recheck_ms ? kmw_mono_ms() : 0;
	unsigned int i;
	glob_t g;
	bool found;

	if (strstr(path, "/updates/dkms/"))
		return true;
	if (!base)
		return false;
	for (i = 0; d->recheck_ms && i < sizeof(d->dkms_seen) / sizeof(d->dkms_seen[0]); i++)
		if (d->dkms_seen[i].ms && now - d->dkms_seen[i].ms < d->recheck_ms &&
		    !strcmp(d->dkms_seen[i].base, base))
			return d->dkms_seen[i].found;
	snprintf(pattern, sizeof(pattern), "%s/*/*/*/*/module%s", d->dkms, base);
	found = glob(pattern, GLOB_NOSORT, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	if (d->recheck_ms && strlen(base) < sizeof(d->dkms_seen[0].base)) {
		i = d->next_dkms++ % (sizeof(d->dkms_seen) / sizeof(d->dkms_seen[0]));
		snprintf(d->dkms_seen[i].base, sizeof(d->dkms_seen[i].base), "%s", base);
		d->dkms_seen[i].found = found;
		d->dkms_seen[i].ms = now ? now : 1;
	}
	return found;
}

/*
 * The names of @path under merged /usr, itself first: /usr/bin/x and /bin/x are one file when
 * /bin is a link to usr/bin, and dpkg's lists name it as the package does (coreutils ships
 * /bin/true). /lib/modules and /usr/lib/modules are one for a module on any Debian. Returns
 * how many names (1 or 2).
 */
static int twins(const struct kmw_dpkg *d, const char *path, char out[2][4200])
{
	unsigned int i;
	size_t n;

	snprintf(out[0], sizeof(out[0]), "%s", path);
	for (i = 0; i < NMERGED; i++) {
		bool modules = i == 2 && is_module_file(path, strlen(path));

		if (!(d->merged & (1u << i)) && !modules)
			continue;
		n = strlen(merged_dirs[i]);
		if (!strncmp(path, "/usr/", 5) && !strncmp(path + 5, merged_dirs[i], n) &&
		    path[5 + n] == '/') {
			snprintf(out[1], sizeof(out[1]), "%s", path + 4);
			return 2;
		}
		if (path[0] == '/' && !strncmp(path + 1, merged_dirs[i], n) && path[1 + n] == '/') {
			snprintf(out[1], sizeof(out[1]), "/usr%s", path);
			return 2;
		}
	}
	return 1;
}

/* the digest PKG.md5sums records for @rel (a path without its leading '/'), into @md5 */
static void md5_of_listed(const struct kmw_dpkg *d, const char *list, const char *rel, char *md5)
{
	char path[8400], line[4300];
	size_t n = strlen(rel);
	FILE *f;

	md5[0] = '\0';
	snprintf(path, sizeof(path), "%s/%.*s.md5sums", d->info, (int)(strlen(list) - 5), list);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		size_t l = strcspn(line, "\n");

		if (l == 34 + n && line[32] == ' ' && !memcmp(line + 34, rel, n)) {
			memcpy(md5, line, 32);
			md5[32] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
}

/*
 * A file the module index does not hold (no module file by its name): which package lists
 * it, under any of its @n names, read from the lists once and kept until the database
 * changes. Returns its entry.
 */
static const struct looked_up *look_up(struct kmw_dpkg *d, char names[2][4200], int n)
{
	struct looked_up *l;
	char line[4300];
	struct dirent *de;
	unsigned int i;
	DIR *dir;
	int k;

	for (i = 0; i < d->nseen; i++)
		if (d->seen[i].path && !strcmp(d->seen[i].path, names[0]))
			return &d->seen[i];
	l = &d->seen[d->next_seen];
	d->next_seen = (d->next_seen + 1) % LOOKED_UP;
	if (d->nseen < LOOKED_UP)
		d->nseen++;
	free(l->path);
	l->path = strdup(names[0]);
	l->pkg = -1;
	l->pkgname[0] = l->md5[0] = '\0';
	d->scans++;
	dir = opendir(d->info);
	while (dir && l->pkg < 0 && (de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		char path[8400];
		FILE *f;

		if (len < 6 || strcmp(de->d_name + len - 5, ".list"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->info, de->d_name);
		f = fopen(path, "re");
		while (f && l->pkg < 0 && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			for (k = 0; k < n; k++)
				if (!strcmp(line, names[k])) {
					l->pkg = 0;
					snprintf(l->pkgname, sizeof(l->pkgname), "%.*s",
						 (int)(len - 5), de->d_name);
					l->pkgname[strcspn(l->pkgname, ":")] = '\0';
					md5_of_listed(d, de->d_name, names[k] + 1, l->md5);
					break;
				}
		}
		if (f)
			fclose(f);
	}
	if (dir)
		closedir(dir);
	return l;
}

enum kmw_pkg_prov dpkg_provenance(struct kmw_dpkg *d, const char *path, const char *md5, char *pkg,
				  size_t pkgcap, char *want)
{
	char names[2][4200], mine[33];
	const struct looked_up *l;
	const char *recorded;
	struct file_entry *e = NULL;
	int n, i;

	pkg[0] = '\0';
	if (want)
		want[0] = '\0';
	if (refresh(d))
		return KMW_PKG_UNKNOWN;
	if (d->nodb)
		return dkms_known(d, path) ? KMW_PKG_DKMS : KMW_PKG_UNKNOWN;
	n = twins(d, path, names);
	for (i = 0; i < n && !e; i++)
		e = find(d, names[i]);
	if (e) {
		snprintf(pkg, pkgcap, "%s", d->pkgs[e->pkg]);
		recorded = e->md5;
	} else if (is_module_file(path, strlen(path))) {
		/* every module file of every list is in the index: no package ships this one */
		return dkms_known(d, path) ? KMW_PKG_DKMS : KMW_PKG_UNPACKAGED;
	} else {
		l = look_up(d, names, n);
		if (l->pkg < 0)
			return KMW_PKG_UNPACKAGED;
		snprintf(pkg, pkgcap, "%s", l->pkgname);
		recorded = l->md5;
	}
	if (want)
		snprintf(want, 33, "%s", recorded);
	if (!md5) {
		/* no digest of its bytes, and none to be had (a path out of reach): unknown, not
		 * modified */
		if (dpkg_md5_file(path, mine))
			return KMW_PKG_UNKNOWN;
		md5 = mine;
	}
	/* a package without digests cannot be checked: shipped by it, as far as is known */
	return !recorded[0] || !strcasecmp(recorded, md5) ? KMW_PKG_PACKAGED : KMW_PKG_MODIFIED;
}

unsigned int dpkg_lookups(const struct kmw_dpkg *d)
{
	return d->scans;
}

const char *dpkg_prov_name(enum kmw_pkg_prov p)
{
	switch (p) {
	case KMW_PKG_PACKAGED: return "packaged";
	case KMW_PKG_MODIFIED: return "packaged_modified";
	case KMW_PKG_DKMS: return "dkms";
	case KMW_PKG_UNPACKAGED: return "unpackaged";
	default: return NULL;
	}
}
