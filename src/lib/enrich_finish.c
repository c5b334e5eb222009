// SPDX-License-Identifier: GPL-2.0-or-later
/* enrich_finish.c - the slow stage, on the worker: module file facts, /sys/module, the file on disk, risk */
#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmw_decode.h"
#include "enrich_priv.h"

static bool str_eq(const struct kmw_event *ev, const struct kmw_str *s, const char *lit)
{
	return s->set && s->len == strlen(lit) && !memcmp(event_str(ev, s), lit, s->len);
}

static bool base_is(const struct kmw_event *ev, const struct kmw_str *s, const char *name)
{
	const char *p = event_str(ev, s), *slash;
	size_t len = s->len;

	if (!s->set)
		return false;
	slash = memrchr(p, '/', len);
	if (slash) {
		len -= (size_t)(slash + 1 - p);
		p = slash + 1;
	}
	return len == strlen(name) && !memcmp(p, name, len);
}

/* A C string of a kmw_str, cut to @cap. */
static void cstr(const struct kmw_event *ev, const struct kmw_str *s, char *out, size_t cap)
{
	size_t n = s->len < cap - 1 ? s->len : cap - 1;

	memcpy(out, event_str(ev, s), n);
	out[n] = '\0';
}

/*
 * insmod FILE: the file; modprobe [OPTIONS] NAME: the name to look up.
 * Inferred: the tool may resolve differently, the file may have changed since.
 */
static bool argv_module(const struct kmw_event *ev, char *out, size_t cap, bool *is_path)
{
	unsigned int i = 1;

	if (ev->argc < 2)
		return false;
	if (base_is(ev, &ev->argv[0], "insmod")) {
		*is_path = true;
	} else if (base_is(ev, &ev->argv[0], "modprobe")) {
		*is_path = false;
		while (i < ev->argc && ev->argv[i].len && event_str(ev, &ev->argv[i])[0] == '-')
			i++;
		if (i >= ev->argc)
			return false;
	} else {
		return false;
	}
	cstr(ev, &ev->argv[i], out, cap);
	return out[0] != '\0';
}

static int open_regular(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The attestation of a file identity, from an earlier event's IMA record; NULL when none. */
static struct kmw_attested *attested_find(struct kmw_enricher *e, uint64_t dev, uint64_t ino,
					  uint64_t size, int64_t mtime, int64_t ctime)
{
	unsigned int i;

	for (i = 0; i < KMW_ATTESTED; i++) {
		struct kmw_attested *a = &e->attested[i];

		if (a->used && a->dev == dev && a->ino == ino && a->size == size &&
		    a->mtime == mtime && a->ctime == ctime)
			return a;
	}
	return NULL;
}

/* The bytes of the file open at @st are those IMA attested for @ev: remembered for later loads. */
static void attested_put(struct kmw_enricher *e, const struct stat *st, const struct kmw_event *ev)
{
	struct kmw_attested *a = attested_find(e, st->st_dev, st->st_ino, (uint64_t)st->st_size,
					       st->st_mtim.tv_sec, st->st_ctim.tv_sec);
	unsigned int i;
	char *path;

	if (!a) {
		a = &e->attested[0];
		for (i = 0; i < KMW_ATTESTED; i++) {
			if (!e->attested[i].used) {
				a = &e->attested[i];
				break;
			}
			if (e->attested[i].tick < a->tick)
				a = &e->attested[i];
		}
	}
	path = malloc(ev->ima_file.len + 1);
	if (!path)
		return;
	memcpy(path, event_str(ev, &ev->ima_file), ev->ima_file.len);
	path[ev->ima_file.len] = '\0';
	free(a->path);
	a->path = path;
	a->used = true;
	a->dev = st->st_dev;
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->mtime = st->st_mtim.tv_sec;
	a->ctime = st->st_ctim.tv_sec;
	a->serial = ev->serial;
	a->tick = ++e->attest_tick;
	snprintf(a->algo, sizeof(a->algo), "%s", ev->ima.algo);
	snprintf(a->hash, sizeof(a->hash), "%s", ev->ima.hash);
}

/*
 * A finit_module without an INTEGRITY_RULE record of its own: IMA audits a file once
 * until it is written again. When the loader's fd named a file whose identity (device,
 * inode, size, times) an earlier record attested, that attestation stands, and says so.
 */
static void attested_reuse(struct kmw_enricher *e, struct kmw_event *ev)
{
	struct kmw_attested *a;

	if (ev->ima.src != KMW_IMA_NONE || ev->sc != KMW_SC_FINIT_MODULE || !ev->have_stat ||
	    ev->ima_absent != KMW_IMA_ABSENT_NO_RECORD)
		return;
	a = attested_find(e, ev->dev, ev->ino, ev->size, ev->mtime, ev->ctime);
	if (!a)
		return;
	a->tick = ++e->attest_tick;
	ev->ima.src = KMW_IMA_EARLIER;
	ev->ima.serial = a->serial;
	snprintf(ev->ima.algo, sizeof(ev->ima.algo), "%s", a->algo);
	snprintf(ev->ima.hash, sizeof(ev->ima.hash), "%s", a->hash);
	ev->ima.algo_known = decode_digest_len(a->algo, strlen(a->algo)) > 0;
	ev->ima.matches = -1;
	event_set_str(ev, &ev->ima_file, a->path, strlen(a->path));
	ev->ima_absent = KMW_IMA_ABSENT_NONE;
}

/*
 * The facts of the file open at @fd; with an IMA attestation, whether these are the bytes
 * the kernel read: the facts are then exact whatever the way to the file was, and a
 * difference means the file changed since it was loaded.
 */
static void analyse(struct kmw_enricher *e, struct kmw_event *ev, int fd)
{
	char now[KMW_IMA_HASH_MAX + 1];
	struct stat st;

	ev->have_facts = true;
	if (ev->ima.src == KMW_IMA_NONE) {
		modfile_analyse_fd(e->analyzer, fd, &ev->facts);
		return;
	}
	ev->ima.matches = modfile_attest(e->analyzer, fd, &ev->facts, ev->ima.algo, ev->ima.hash,
					 now, sizeof(now));
	if (ev->ima.matches == 0) {
		snprintf(ev->ima.now, sizeof(ev->ima.now), "%s", now);
		ev->file_exact = false;
	} else if (ev->ima.matches == 1) {
		ev->file_exact = true;
		if (ev->ima.src == KMW_IMA_RECORD && fstat(fd, &st) == 0)
			attested_put(e, &st, ev);
	}
}

/* Whether the name the loader's fd had still leads to the file that was loaded (no race with
 * the loader: looked at here, not as its record came). */
static void path_replaced(struct kmw_event *ev)
{
	char path[PATH_MAX];
	struct stat now;

	if (ev->path_err != KMW_PATH_OK || ev->path_deleted || !ev->have_stat ||
	    !ev->mod_path.set || ev->mod_path.len >= sizeof(path))
		return;
	cstr(ev, &ev->mod_path, path, sizeof(path));
	ev->path_replaced = path[0] == '/' && (stat(path, &now) < 0 || now.st_dev != ev->dev ||
					       now.st_ino != ev->ino);
}

/*
 * The loader's fd was gone before kmodwatchd could open it, but its path was
 * read: the file at that path, exact when it is still the same inode, unchanged
 * (dev, ino, ctime as seen through the fd). Returns false when there is none.
 */
static bool fd_path_file(struct kmw_enricher *e, struct kmw_event *ev)
{
	char path[PATH_MAX];
	struct stat st;
	bool same;
	int fd;

	if (ev->path_err != KMW_PATH_OK || ev->path_deleted || !ev->mod_path.set)
		return false;
	cstr(ev, &ev->mod_path, path, sizeof(path));
	fd = open_regular(path);
	if (fd < 0)
		return false;
	same = ev->have_stat && fstat(fd, &st) == 0 && st.st_dev == ev->dev &&
	       st.st_ino == ev->ino && st.st_ctim.tv_sec == ev->ctime;
	if (ev->have_stat && !same) {
		/* another file by now: not the one the kernel read */
		close(fd);
		return false;
	}
	ev->file_src = KMW_FILE_FD_PATH;
	ev->file_exact = same;
	event_set_str(ev, &ev->file_path, path, strlen(path));
	analyse(e, ev, fd);
	close(fd);
	return true;
}

/* The file the IMA record names, the kernel's own path for the bytes it read. */
static bool ima_path_file(struct kmw_enricher *e, struct kmw_event *ev)
{
	char path[PATH_MAX];
	int fd;

	if (ev->ima.src == KMW_IMA_NONE || !ev->ima_file.set || ev->ima_file.len >= sizeof(path))
		return false;
	cstr(ev, &ev->ima_file, path, sizeof(path));
	fd = open_regular(path);
	if (fd < 0)
		return false;
	ev->file_src = KMW_FILE_IMA_PATH;
	ev->file_exact = false;
	event_set_str(ev, &ev->file_path, path, strlen(path));
	analyse(e, ev, fd);
	close(fd);
	return true;
}

/* The file a load is inferred to be from, when the loader's fd and memory were out of reach. */
static void infer_file(struct kmw_enricher *e, struct kmw_event *ev)
{
	char name[256], path[PATH_MAX], arg[PATH_MAX];
	bool is_path = false;
	int fd;

	if (fd_path_file(e, ev) || ima_path_file(e, ev))
		return;
	path[0] = '\0';
	/* insmod FILE names the file it opened: that before a lookup of the module's name */
	if (!argv_module(ev, arg, sizeof(arg), &is_path))
		arg[0] = '\0';
	if (ev->mod_name.set && !(arg[0] && is_path)) {
		cstr(ev, &ev->mod_name, name, sizeof(name));
		if (kmodlookup_path(e->kmod, name, path, sizeof(path)) == 0)
			ev->file_src = KMW_FILE_KMOD_LOOKUP;
	}
	if (!path[0] && arg[0]) {
		if (!is_path) {
			if (kmodlookup_path(e->kmod, arg, path, sizeof(path)) == 0)
				ev->file_src = KMW_FILE_KMOD_LOOKUP;
		} else if (arg[0] == '/' || !ev->cwd.set) {
			snprintf(path, sizeof(path), "%s", arg);
			ev->file_src = KMW_FILE_ARGV;
		} else {
			char cwd[PATH_MAX];

			cstr(ev, &ev->cwd, cwd, sizeof(cwd));
			if (snprintf(path, sizeof(path), "%s/%s", cwd, arg) < (int)sizeof(path))
				ev->file_src = KMW_FILE_ARGV;
		}
	}
	if (ev->file_src != KMW_FILE_KMOD_LOOKUP && ev->file_src != KMW_FILE_ARGV)
		return;
	event_set_str(ev, &ev->file_path, path, strlen(path));
	fd = open_regular(path);
	if (fd < 0) {
		event_skip(ev, e->moddir_why ? e->moddir_why
					     : "the inferred module file cannot be opened");
		return;
	}
	analyse(e, ev, fd);
	close(fd);
}

/*
 * Whether the file the loader names (insmod FILE, modprobe NAME) holds the bytes of the
 * init_module image it passed, as a copy or compressed (kmod decompresses in user space):
 * then the image came from that file, which becomes the event's file_path. Else the image
 * came from anonymous memory: no file holds the module.
 */
static bool image_from_file(struct kmw_enricher *e, struct kmw_event *ev)
{
	char arg[PATH_MAX], path[PATH_MAX], cwd[PATH_MAX];
	struct kmw_modfacts f;
	bool is_path = false, same;
	int fd;

	if (!argv_module(ev, arg, sizeof(arg), &is_path))
		return false;
	if (!is_path) {
		if (kmodlookup_path(e->kmod, arg, path, sizeof(path)))
			return false;
	} else if (arg[0] == '/' || !ev->cwd.set) {
		snprintf(path, sizeof(path), "%s", arg);
	} else {
		cstr(ev, &ev->cwd, cwd, sizeof(cwd));
		if (snprintf(path, sizeof(path), "%s/%s", cwd, arg) >= (int)sizeof(path))
			return false;
	}
	fd = open_regular(path);
	if (fd < 0)
		return false;
	memset(&f, 0, sizeof(f));
	modfile_analyse_fd(e->analyzer, fd, &f);
	close(fd);
	same = f.analysed && (!strcmp(f.sha256, ev->facts.sha256) ||
			      (f.image_sha256[0] && !strcmp(f.image_sha256, ev->facts.sha256)));
	if (same && !ev->file_path.set)
		event_set_str(ev, &ev->file_path, path, strlen(path));
	return same;
}

int enrich_hash_file(struct kmw_enricher *e, const char *path, char sha256[65])
{
	struct kmw_modfacts f;
	int fd = open_regular(path);

	if (fd < 0)
		return -errno;
	memset(&f, 0, sizeof(f));
	modfile_analyse_fd(e->analyzer, fd, &f);
	close(fd);
	if (!f.analysed || !f.sha256[0])
		return -EIO;
	memcpy(sha256, f.sha256, 65);
	return 0;
}

/* /tmp, /dev/shm, /var/tmp, homes, and any directory others or a user can write */
static bool writable_dir(const char *path)
{
	static const char *const prefixes[] = { "/tmp/", "/dev/shm/", "/var/tmp/", "/home/",
						"/run/user/" };
	char dir[PATH_MAX];
	struct stat st;
	char *slash;
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(path, prefixes[i], strlen(prefixes[i])))
			return true;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return false;
	*slash = '\0';
	if (stat(dir, &st) < 0)
		return false;
	return (st.st_mode & S_IWOTH) || st.st_uid != 0;
}

static void compare_with_disk(struct kmw_enricher *e, struct kmw_event *ev, const char *name)
{
	struct kmw_modfacts disk;
	char path[PATH_MAX];
	int fd;

	if (kmodlookup_path(e->kmod, name, path, sizeof(path))) {
		/* the loaded module against its file on disk: not here, and why */
		if (e->moddir_why)
			event_skip(ev, e->moddir_why);
		return;
	}
	event_set_str(ev, &ev->ondisk_path, path, strlen(path));
	fd = open_regular(path);
	if (fd < 0)
		return;
	modfile_analyse_fd(e->analyzer, fd, &disk);
	close(fd);
	memcpy(ev->ondisk_srcversion, disk.mi_srcversion, sizeof(ev->ondisk_srcversion) - 1);
	ev->ondisk_srcversion[sizeof(ev->ondisk_srcversion) - 1] = '\0';
	if (ev->sysfs.srcversion[0] && disk.mi_srcversion[0])
		ev->loaded_matches_disk = !strcmp(ev->sysfs.srcversion, disk.mi_srcversion);
}

/*
 * Which package ships the file the facts describe, checked against the digest the package
 * recorded: of the bytes the kernel read when the fd was ours, else of the file at @path.
 */
static void package_of(struct kmw_enricher *e, struct kmw_event *ev, const char *path)
{
	char fpath[PATH_MAX];
	const char *md5 = NULL;

	if (!e->dpkg)
		return;
	/* the facts' digest only when they are of this very file */
	if (ev->file_path.set)
		cstr(ev, &ev->file_path, fpath, sizeof(fpath));
	if (ev->have_facts && ev->facts.md5[0] &&
	    ((ev->file_fd >= 0 || ev->file_src == KMW_FILE_PROC_FD) ||
	     (ev->file_path.set && !strcmp(fpath, path))))
		md5 = ev->facts.md5;
	ev->package = dpkg_provenance(e->dpkg, path, md5, ev->package_name,
				      sizeof(ev->package_name), ev->package_md5);
	if (ev->package == KMW_PKG_MODIFIED) {
		if (md5)
			memcpy(ev->package_md5_now, md5, sizeof(ev->package_md5_now));
		else
			dpkg_md5_file(path, ev->package_md5_now);
	}
}

/* A summary names its user from this host's user database: it is live by nature. */
static void summary_names(struct kmw_event *ev)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (ev->uid >= 0 && !getpwuid_r((uid_t)ev->uid, &pw, buf, sizeof(buf), &res) && res)
		event_set_str(ev, &ev->uid_name, pw.pw_name, strlen(pw.pw_name));
}

/* parameter names: the kernel takes '-' and '_' as one (parameq) */
static bool param_name_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (strlen(b) != alen)
		return false;
	for (i = 0; i < alen; i++)
		if (a[i] != b[i] && !((a[i] == '-' || a[i] == '_') && (b[i] == '-' || b[i] == '_')))
			return false;
	return true;
}

/* a value as sysfs shows it back: a bool as Y or N */
static bool param_value_eq(const char *v, size_t vlen, const char *shown)
{
	if (!strcmp(shown, "Y") || !strcmp(shown, "N")) {
		bool yes = vlen == 1 && strchr("yY1", v[0]);
		bool no = vlen == 1 && strchr("nN0", v[0]);

		return shown[0] == 'Y' ? yes : no;
	}
	return strlen(shown) == vlen && !memcmp(v, shown, vlen);
}

/*
 * The parameters read from the loader's memory against the kernel's own view of them
 * (/sys/module/NAME/parameters, for those it shows): the words NAME=VALUE as parse_args
 * cuts them. Agreement says the bytes are those the kernel took, not a reused heap's.
 */
static void check_params(struct kmw_event *ev)
{
	const char *p = event_str(ev, &ev->params), *end = p + ev->params.len, *name, *val;
	size_t nlen, vlen;
	unsigned int agree = 0, differ = 0, i;

	if (ev->params_src != KMW_PARAMS_PROC_MEM || ev->params_check || !ev->params.len ||
	    !ev->have_sysfs)
		return;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
			p++;
		for (name = p; p < end && *p != '=' && *p != ' ' && *p != '\t' && *p != '\n'; p++)
			;
		nlen = (size_t)(p - name);
		if (p >= end || *p != '=') {
			continue;
		}
		p++;
		if (p < end && *p == '"') {
			for (val = ++p; p < end && *p != '"'; p++)
				;
			vlen = (size_t)(p - val);
			p += p < end;
		} else {
			for (val = p; p < end && *p != ' ' && *p != '\t' && *p != '\n'; p++)
				;
			vlen = (size_t)(p - val);
		}
		for (i = 0; i < ev->sysfs.nparams; i++)
			/* a value sysfs showed cut cannot be compared */
			if (param_name_eq(name, nlen, ev->sysfs.params[i].name) &&
			    strlen(ev->sysfs.params[i].value) <
				    sizeof(ev->sysfs.params[i].value) - 1) {
				if (param_value_eq(val, vlen, ev->sysfs.params[i].value))
					agree++;
				else
					differ++;
			}
	}
	if (differ)
		ev->params_check = "kernel_differs";
	else if (agree)
		ev->params_check = "kernel_agrees";
}

void enrich_finish(struct kmw_enricher *e, struct kmw_event *ev)
{
	bool load = ev->sc == KMW_SC_FINIT_MODULE || ev->sc == KMW_SC_INIT_MODULE;
	char name[256], path[PATH_MAX];
	const struct kmw_str *mpath;
	const char *psrc;

	if (ev->kind == KMW_KIND_SUMMARY) {
		summary_names(ev);
		goto out;
	}
	/* the call is not known: whether the module is there now says whether it came */
	if (ev->no_syscall && !ev->historical && ev->mod_name.set) {
		cstr(ev, &ev->mod_name, name, sizeof(name));
		ev->have_sysfs = sysfs_read_module(e->sys, name, &ev->sysfs) == 0;
	}
	if (ev->historical || !load)
		goto out;
	attested_reuse(e, ev);
	path_replaced(ev);
	if (ev->file_fd >= 0) {
		analyse(e, ev, ev->file_fd);
	} else if (ev->image) {
		modfile_analyse_buf(e->analyzer, ev->image, ev->image_len, &ev->facts);
		ev->have_facts = true;
		ev->image_anonymous = ev->facts.analysed && !image_from_file(e, ev);
	} else {
		infer_file(e, ev);
	}
	/* a load the kernel refused before it logged a KERN_MODULE name: the file's own, so
	 * that a query by name finds the attempts too */
	if (!ev->mod_name.set && ev->have_facts && ev->facts.has_modinfo && ev->facts.mi_name[0]) {
		event_set_str(ev, &ev->mod_name, ev->facts.mi_name, strlen(ev->facts.mi_name));
		ev->mod_name_modinfo = true;
	}
	if (ev->have_facts && ev->facts.limit)
		event_skip(ev, !strcmp(ev->facts.limit, "time")
				       ? "module file: time bound reached"
				       : "module file: size bound reached");

	if ((mpath = event_module_path(ev, &psrc)) && !ev->path_deleted) {
		cstr(ev, mpath, path, sizeof(path));
		ev->writable_dir = writable_dir(path);
		package_of(e, ev, path);
	} else if (ev->file_src == KMW_FILE_ARGV) {
		cstr(ev, &ev->file_path, path, sizeof(path));
		ev->writable_dir = writable_dir(path);
		package_of(e, ev, path);
	} else if (ev->file_path.set && !ev->image) {
		cstr(ev, &ev->file_path, path, sizeof(path));
		package_of(e, ev, path);
	}

	if (ev->success && ev->mod_name.set && !str_eq(ev, &ev->mod_name, "")) {
		cstr(ev, &ev->mod_name, name, sizeof(name));
		if (sysfs_read_module(e->sys, name, &ev->sysfs) == 0) {
			ev->have_sysfs = true;
			compare_with_disk(e, ev, name);
			check_params(ev);
		} else {
			event_skip(ev, "/sys/module: the module was gone when looked at");
		}
	}
out:
	risk_assess(&e->risk, ev);
	event_release(ev);
}
