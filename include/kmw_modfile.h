/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_modfile.h - what a module file is: hashes, compression, .modinfo, signature */
#ifndef KMW_MODFILE_H
#define KMW_MODFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kmw_event.h"

struct kmw_modfile_limits {
	uint64_t max_file;   /* bytes read and hashed at most */
	uint64_t max_image;  /* bytes of decompressed image at most */
	unsigned int max_ms; /* time for one analysis */
};

struct kmw_analyzer;

/**
 * modfile_new - an analyzer with a cache of @cache_entries results keyed by
 * (dev, inode, size, mtime, ctime). @limits may be NULL for the defaults
 * (64 MiB file, 256 MiB image, 2000 ms). Returns NULL with errno set.
 */
struct kmw_analyzer *modfile_new(unsigned int cache_entries,
				 const struct kmw_modfile_limits *limits);

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
 * modfile_attest - modfile_analyse_fd of a file the kernel attested (IMA) with
 * @hash (lower-case hex) in its algorithm @algo, and whether the bytes read now
 * are those: a cached result that disagrees with the kernel is not taken (the
 * file may have changed within its timestamps' resolution) but read again. The
 * hex digest of what was read, in @algo, goes to @now (@nowcap bytes). Returns
 * 1 when it is the attested bytes, 0 when they differ, -1 when it cannot tell
 * (an algorithm OpenSSL lacks, a bound that cut the read short).
 */
int modfile_attest(struct kmw_analyzer *a, int fd, struct kmw_modfacts *out, const char *algo,
		   const char *hash, char *now, size_t nowcap);

/**
 * modfile_analyse_buf - the same for an image already in memory (init_module's
 * argument read from the loader). Not cached.
 */
void modfile_analyse_buf(struct kmw_analyzer *a, const void *data, size_t len,
			 struct kmw_modfacts *out);

#endif
