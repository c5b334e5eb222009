/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_decode.h - pure decoders: syscall numbers, flags, errno names, audit field encodings */
#ifndef KMW_DECODE_H
#define KMW_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmw_event.h"

/* The kernel's finit_module flags (include/uapi/linux/module.h). */
#define KMW_MODULE_INIT_IGNORE_MODVERSIONS 1u
#define KMW_MODULE_INIT_IGNORE_VERMAGIC 2u
#define KMW_MODULE_INIT_COMPRESSED_FILE 4u

struct kmw_flag_name {
	uint64_t bit;
	const char *name;
};

/**
 * decode_syscall - which module syscall @nr is on the arch @arch (AUDIT_ARCH_*
 * value). Returns KMW_SC_NONE for every other syscall or an unknown arch.
 * The tables are computed from libaudit once, so the call is a few compares.
 */
enum kmw_syscall decode_syscall(uint32_t arch, int nr);

/**
 * decode_syscall_name - "finit_module", "init_module", "delete_module" or NULL.
 */
const char *decode_syscall_name(enum kmw_syscall sc);

/**
 * decode_syscall_parse - the reverse of decode_syscall_name; KMW_SC_NONE for no module call.
 */
enum kmw_syscall decode_syscall_parse(const char *name);

/**
 * decode_arch_parse - the AUDIT_ARCH_* value decode_arch_name names @name; 0 for none.
 */
uint32_t decode_arch_parse(const char *name);

/**
 * decode_arch_name - "x86_64", "i386", ... for an AUDIT_ARCH_* value, or NULL.
 */
const char *decode_arch_name(uint32_t arch);

/**
 * decode_flags - the known flag bits of @sc's flags argument.
 * @flags: the argument; @names: filled with up to @max names of set known bits;
 * @n: number of names written; @unknown: the bits left that have no name.
 * Returns 0, or -EINVAL when @sc has no flags argument.
 */
int decode_flags(enum kmw_syscall sc, uint64_t flags, const char **names, unsigned int max,
		 unsigned int *n, uint64_t *unknown);

/**
 * decode_flag_name - the @i-th name decode_flags gives, of any module syscall (finit_module's,
 * then delete_module's); NULL past the last.
 */
const char *decode_flag_name(unsigned int i);

/**
 * decode_flags_arg - the index (0..3) of @sc's flags argument, or -1.
 */
int decode_flags_arg(enum kmw_syscall sc);

/**
 * decode_digest_len - the digest size in bytes of the hash algorithm named by
 * the @len bytes at @algo, as the kernel names them (sha256, sha1, sm3, ...), or
 * -1 for a name the kernel does not give.
 */
int decode_digest_len(const char *algo, size_t len);

/**
 * decode_errno_name - "ENOSYS" and the like for a positive errno value, or
 * NULL when it has no name.
 */
const char *decode_errno_name(int err);

/**
 * decode_errno_parse - the reverse of decode_errno_name: the errno value @name
 * names, or 0 for none.
 */
int decode_errno_parse(const char *name);

/**
 * decode_field - decode an audit field value as the kernel encodes untrusted
 * strings: "quoted" text, or hex (audit_log_n_untrustedstring). "(null)" and
 * "(none)" decode to nothing.
 * @val, @len: the raw value; @out: at least @len bytes; @outlen: bytes written.
 * Returns 1 when a value was decoded, 0 for a null value, -EINVAL for bad hex.
 */
int decode_field(const char *val, size_t len, char *out, size_t *outlen);

/**
 * decode_proctitle - split a PROCTITLE value (hex with NUL separators, or a
 * quoted string) into @ev's argv. Returns 0, -EINVAL on bad encoding.
 */
int decode_proctitle(struct kmw_event *ev, const char *val, size_t len);

/* The taint bits a module load sets: P (0), F (1), C (10), O (12), E (13), K (15). */
#define KMW_TAINT_MODULE_BITS \
	((1ULL << 0) | (1ULL << 1) | (1ULL << 10) | (1ULL << 12) | (1ULL << 13) | (1ULL << 15))

/**
 * decode_taint_letter - the letter the kernel shows for taint bit @bit (P F S R M B U D A W
 * C I O E L K X T N, as in /proc/modules and /sys/module/NAME/taint), or 0 for none;
 * decode_taint_text - what it means; decode_taint_bit - the bit of @letter, or -1.
 */
char decode_taint_letter(unsigned int bit);
const char *decode_taint_text(unsigned int bit);
int decode_taint_bit(char letter);

/**
 * decode_name_is_odd - whether a module name of @len bytes holds a byte no real module name
 * has (kbuild makes them of letters, digits and '_'; '-' is kept too): white space, a
 * control byte, a quote, a backslash, anything else. Such a name can forge lines.
 */
bool decode_name_is_odd(const char *p, size_t len);

/**
 * decode_taint_mask - the taint bits the letters of @s name (unknown letters are skipped).
 */
uint64_t decode_taint_mask(const char *s);

#endif
