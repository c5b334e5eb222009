/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_dpkg.h - where a module file comes from, by Debian's package database: the file lists
 * (/var/lib/dpkg/info/PKG.list) and their digests (PKG.md5sums), read directly, never dpkg */
#ifndef KMW_DPKG_H
#define KMW_DPKG_H

#include <stdbool.h>
#include <stddef.h>

enum kmw_pkg_prov {
	KMW_PKG_UNKNOWN = 0, /* not looked up (a log, a memfd, no file), or no dpkg database */
	KMW_PKG_PACKAGED,    /* a package ships it, and its MD5 is the recorded one */
	KMW_PKG_MODIFIED,    /* a package ships it, and its MD5 differs: changed since */
	KMW_PKG_DKMS,	     /* built by DKMS (updates/dkms/, or in /var/lib/dkms) */
	KMW_PKG_UNPACKAGED,  /* no package ships it */
};

struct kmw_dpkg;

/**
 * dpkg_new - an index of the module files in the database at @admindir (NULL:
 * /var/lib/dpkg) and DKMS's tree @dkmsdir (NULL: /var/lib/dkms), read at the
 * first lookup and again only when the database changes: the mtime of its info
 * directory (dpkg renames every file it writes into it), and of the lists and
 * digests that name module files (one edited in place). Returns NULL with errno set.
 */
struct kmw_dpkg *dpkg_new(const char *admindir, const char *dkmsdir);

/**
 * dpkg_free - release @d.
 */
void dpkg_free(struct kmw_dpkg *d);

/**
 * dpkg_provenance - where the module file @path comes from; @md5 is the hex MD5
 * of its bytes (NULL: read it from @path). The package's name goes to @pkg
 * (@pkgcap bytes; "" when none), and the recorded MD5 to @want (33 bytes, or
 * NULL). Every name merged /usr gives the file is tried (/usr/bin/x is /bin/x when /bin is a
 * link to usr/bin; the lists name it as the package ships it). A module file is found in the
 * index of every module file the lists name; any other file in the lists themselves, once
 * (kept until the database changes). Unknown, never modified, when its bytes cannot be read.
 */
enum kmw_pkg_prov dpkg_provenance(struct kmw_dpkg *d, const char *path, const char *md5, char *pkg,
				  size_t pkgcap, char *want);

/**
 * dpkg_prov_name - "packaged", "packaged_modified", "dkms", "unpackaged", or NULL.
 */
const char *dpkg_prov_name(enum kmw_pkg_prov p);

/**
 * dpkg_md5_file - the hex MD5 of the file at @path into @out (33 bytes).
 * Returns 0 or -errno.
 */
int dpkg_md5_file(const char *path, char *out);

/**
 * dpkg_modules - the module files the index holds (a measure of the work done).
 */
unsigned int dpkg_modules(struct kmw_dpkg *d);

/**
 * dpkg_lookups - the files looked up in the lists themselves so far (no module file).
 */
unsigned int dpkg_lookups(const struct kmw_dpkg *d);

/**
 * dpkg_set_recheck - look at the database (and DKMS's tree) at most every @ms, not at each
 * lookup (0, the default: each time). A daemon in a burst of loads wants this; a change
 * is then seen within @ms.
 */
void dpkg_set_recheck(struct kmw_dpkg *d, unsigned int ms);

#endif
