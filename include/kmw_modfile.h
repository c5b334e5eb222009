/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_modfile.h - what a module file is: hashes, compression, .modinfo, signature */
#ifndef KMW_MODFILE_H
#define KMW_MODFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KMW_MI_LEN 256

enum kmw_compression {
	KMW_COMP_NONE = 0,
	KMW_COMP_XZ,
	KMW_COMP_ZSTD,
	KMW_COMP_GZIP,
};

/* Facts of one module image, in fixed-size fields: they live in the cache too. */
struct kmw_modfacts {
	bool analysed;
	const char *error;		/* why the analysis stopped (static string) */
	const char *limit;		/* "size" or "time" when a bound cut the work short */
	bool cached;			/* taken from the cache, not computed for this event */
	uint64_t size;			/* bytes hashed (the file as the kernel read it) */
	char sha256[65];
	enum kmw_compression compression;
	uint64_t image_size;		/* the ELF image, after decompression */
	char image_sha256[65];		/* of the decompressed image; "" when not compressed */

	bool has_modinfo;
	const char *modinfo_error;
	char mi_name[KMW_MI_LEN], mi_vermagic[KMW_MI_LEN], mi_license[KMW_MI_LEN];
	char mi_srcversion[KMW_MI_LEN], mi_depends[KMW_MI_LEN], mi_intree[8], mi_retpoline[8];
	char mi_version[KMW_MI_LEN], mi_description[KMW_MI_LEN], mi_author[KMW_MI_LEN];
	bool mi_truncated;		/* a value was longer than KMW_MI_LEN - 1 */

	bool sig_present;
	const char *sig_error;
	char sig_id_type[16];		/* PKCS#7, ... */
	char sig_signer[KMW_MI_LEN];
	char sig_key_id[KMW_MI_LEN];	/* hex with colons, as modinfo shows it */
	char sig_hash[32];
};

struct kmw_modfile_limits {
	uint64_t max_file;		/* bytes read and hashed at most */
	uint64_t max_image;		/* bytes of decompressed image at most */
	unsigned int max_ms;		/* time for one analysis */
};

struct kmw_analyzer;

/**
 * modfile_new - an analyzer with a cache of @cache_entries results keyed by
 * (dev, inode, size, mtime, ctime). @limits may be NULL for the defaults
 * (64 MiB file, 256 MiB image, 2000 ms). Returns NULL with errno set.
 */
struct kmw_analyzer *modfile_new(unsigned int cache_entries, const struct kmw_modfile_limits *limits);

/**
 * modfile_free - release @a and its cache.
 */
void modfile_free(struct kmw_analyzer *a);

/**
 * modfile_analyse_fd - read the file open at @fd from its start (pread: the
 * offset is not moved) and fill @out. Results are cached by identity. Never
 * fails: what could not be learned is in out->error / out->limit.
 */
void modfile_analyse_fd(struct kmw_analyzer *a, int fd, struct kmw_modfacts *out);

/**
 * modfile_analyse_buf - the same for an image already in memory (init_module's
 * argument read from the loader). Not cached.
 */
void modfile_analyse_buf(struct kmw_analyzer *a, const void *data, size_t len,
			 struct kmw_modfacts *out);

/**
 * modfile_compression_name - "xz", "zstd", "gzip", or NULL.
 */
const char *modfile_compression_name(enum kmw_compression c);


#endif
