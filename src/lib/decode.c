// SPDX-License-Identifier: GPL-2.0-or-later
/* decode.c - module syscall numbers per arch, flag and errno names, audit string encodings */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <libaudit.h>
#include <linux/audit.h>

#include "kmw_decode.h"

/* Arches whose syscall numbers libaudit knows; filled once, read-only after. */
struct sc_arch {
	uint32_t arch;
	int machine;
	int nr[4]; /* indexed by enum kmw_syscall */
};

static struct sc_arch sc_arches[] = {
	{ AUDIT_ARCH_X86_64, -1, { 0 } },  { AUDIT_ARCH_I386, -1, { 0 } },
	{ AUDIT_ARCH_AARCH64, -1, { 0 } }, { AUDIT_ARCH_ARM, -1, { 0 } },
	{ AUDIT_ARCH_PPC64, -1, { 0 } },   { AUDIT_ARCH_PPC64LE, -1, { 0 } },
	{ AUDIT_ARCH_PPC, -1, { 0 } },	   { AUDIT_ARCH_S390X, -1, { 0 } },
	{ AUDIT_ARCH_S390, -1, { 0 } },
};
#define N_ARCHES (sizeof(sc_arches) / sizeof(sc_arches[0]))

static pthread_once_t sc_once = PTHREAD_ONCE_INIT;

static const char *const sc_names[] = {
	[KMW_SC_NONE] = NULL,
	[KMW_SC_FINIT_MODULE] = "finit_module",
	[KMW_SC_INIT_MODULE] = "init_module",
	[KMW_SC_DELETE_MODULE] = "delete_module",
};

static void sc_init(void)
{
	size_t i;
	int s;

	for (i = 0; i < N_ARCHES; i++) {
		struct sc_arch *a = &sc_arches[i];

		a->machine = audit_elf_to_machine(a->arch);
		for (s = KMW_SC_FINIT_MODULE; s <= KMW_SC_DELETE_MODULE; s++)
			a->nr[s] = a->machine < 0 ? -1
						  : audit_name_to_syscall(sc_names[s], a->machine);
	}
}

static const struct sc_arch *sc_find(uint32_t arch)
{
	size_t i;

	pthread_once(&sc_once, sc_init);
	for (i = 0; i < N_ARCHES; i++)
		if (sc_arches[i].arch == arch)
			return sc_arches[i].machine < 0 ? NULL : &sc_arches[i];
	return NULL;
}

enum kmw_syscall decode_syscall(uint32_t arch, int nr)
{
	const struct sc_arch *a = sc_find(arch);
	int s;

	if (!a || nr < 0)
		return KMW_SC_NONE;
	for (s = KMW_SC_FINIT_MODULE; s <= KMW_SC_DELETE_MODULE; s++)
		if (a->nr[s] == nr)
			return (enum kmw_syscall)s;
	return KMW_SC_NONE;
}

uint32_t decode_arch_parse(const char *name)
{
	size_t i;

	pthread_once(&sc_once, sc_init);
	for (i = 0; name && i < N_ARCHES; i++)
		if (sc_arches[i].machine >= 0 &&
		    !strcmp(audit_machine_to_name(sc_arches[i].machine) ?: "", name))
			return sc_arches[i].arch;
	return 0;
}

enum kmw_syscall decode_syscall_parse(const char *name)
{
	int s;

	for (s = KMW_SC_FINIT_MODULE; name && s <= KMW_SC_DELETE_MODULE; s++)
		if (!strcmp(sc_names[s], name))
			return (enum kmw_syscall)s;
	return KMW_SC_NONE;
}

const char *decode_syscall_name(enum kmw_syscall sc)
{
	if (sc < KMW_SC_FINIT_MODULE || sc > KMW_SC_DELETE_MODULE)
		return NULL;
	return sc_names[sc];
}

const char *decode_arch_name(uint32_t arch)
{
	const struct sc_arch *a = sc_find(arch);

	return a ? audit_machine_to_name(a->machine) : NULL;
}

static const struct kmw_flag_name finit_flags[] = {
	{ KMW_MODULE_INIT_IGNORE_MODVERSIONS, "MODULE_INIT_IGNORE_MODVERSIONS" },
	{ KMW_MODULE_INIT_IGNORE_VERMAGIC, "MODULE_INIT_IGNORE_VERMAGIC" },
	{ KMW_MODULE_INIT_COMPRESSED_FILE, "MODULE_INIT_COMPRESSED_FILE" },
	{ 0, NULL },
};

/* delete_module(2) looks at these two only; they are the generic O_ values. */
static const struct kmw_flag_name delete_flags[] = {
	{ 01000, "O_TRUNC" },
	{ 04000, "O_NONBLOCK" },
	{ 0, NULL },
};

const char *decode_flag_name(unsigned int i)
{
	size_t nf = sizeof(finit_flags) / sizeof(finit_flags[0]) - 1;
	size_t nd = sizeof(delete_flags) / sizeof(delete_flags[0]) - 1;

	return i < nf ? finit_flags[i].name : i < nf + nd ? delete_flags[i - nf].name : NULL;
}

int decode_flags_arg(enum kmw_syscall sc)
{
	switch (sc) {
	case KMW_SC_FINIT_MODULE: return 2;
	case KMW_SC_DELETE_MODULE: return 1;
	default: return -1;
	}
}

int decode_flags(enum kmw_syscall sc, uint64_t flags, const char **names, unsigned int max,
		 unsigned int *n, uint64_t *unknown)
{
	const struct kmw_flag_name *t;

	if (sc == KMW_SC_FINIT_MODULE)
		t = finit_flags;
	else if (sc == KMW_SC_DELETE_MODULE)
		t = delete_flags;
	else
		return -EINVAL;
	*n = 0;
	for (; t->name; t++) {
		if (!(flags & t->bit))
			continue;
		flags &= ~t->bit;
		if (*n < max)
			names[(*n)++] = t->name;
	}
	*unknown = flags;
	return 0;
}

/* the kernel's hash_algo_name table (crypto/hash_info.c) and each digest's size */
static const struct {
	const char *name;
	int bytes;
} digests[] = {
	{ "md4", 16 },	    { "md5", 16 },	{ "sha1", 20 },	       { "rmd160", 20 },
	{ "sha256", 32 },   { "sha384", 48 },	{ "sha512", 64 },      { "sha224", 28 },
	{ "rmd128", 16 },   { "rmd256", 32 },	{ "rmd320", 40 },      { "wp256", 32 },
	{ "wp384", 48 },    { "wp512", 64 },	{ "tgr128", 16 },      { "tgr160", 20 },
	{ "tgr192", 24 },   { "sm3", 32 },	{ "streebog256", 32 }, { "streebog512", 64 },
	{ "sha3-256", 32 }, { "sha3-384", 48 }, { "sha3-512", 64 },
};

int decode_digest_len(const char *algo, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(digests) / sizeof(digests[0]); i++)
		if (strlen(digests[i].name) == len && !memcmp(digests[i].name, algo, len))
			return digests[i].bytes;
	return -1;
}

const char *decode_errno_name(int err)
{
	if (err <= 0)
		return NULL;
	return strerrorname_np(err);
}

int decode_errno_parse(const char *name)
{
	int e;

	for (e = 1; name && e < 4096; e++)
		if (decode_errno_name(e) && !strcmp(decode_errno_name(e), name))
			return e;
	return 0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int decode_field(const char *val, size_t len, char *out, size_t *outlen)
{
	size_t i;

	*outlen = 0;
	if (len >= 1 && val[0] == '"') {
		/* the kernel quotes only strings free of quotes and controls */
		size_t end = (len >= 2 && val[len - 1] == '"') ? len - 1 : len;

		memcpy(out, val + 1, end - 1);
		*outlen = end - 1;
		return 1;
	}
	if ((len == 6 && !memcmp(val, "(null)", 6)) || (len == 6 && !memcmp(val, "(none)", 6)))
		return 0;
	if (len % 2)
		return -EINVAL;
	for (i = 0; i < len; i += 2) {
		int hi = hexval((unsigned char)val[i]), lo = hexval((unsigned char)val[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (char)(hi << 4 | lo);
	}
	*outlen = len / 2;
	return 1;
}

int decode_proctitle(struct kmw_event *ev, const char *val, size_t len)
{
	char tmp[KMW_ARENA_SIZE];
	size_t n, start, i;
	int ret;

	if (len > 2 * sizeof(tmp))
		len = 2 * sizeof(tmp);
	if (len && val[0] == '"') {
		/* a quoted proctitle is one argument, without NUL separators */
		if (len > sizeof(tmp))
			len = sizeof(tmp);
	}
	ret = decode_field(val, len, tmp, &n);
	if (ret <= 0)
		return ret < 0 ? ret : 0;
	/* argv elements are separated by NUL; the last one may lack it */
	for (start = 0, i = 0; i <= n; i++) {
		if (i == n || tmp[i] == '\0') {
			if (i == n && start == n)
				break;
			event_add_arg(ev, tmp + start, i - start);
			start = i + 1;
		}
	}
	return 0;
}

/* the kernel's taint_flags table (kernel/panic.c), 6.1 */
static const struct {
	char letter;
	const char *text;
} taints[] = {
	{ 'P', "a proprietary module was loaded" },
	{ 'F', "a module was loaded by force" },
	{ 'S', "the system runs out of specification" },
	{ 'R', "a module was unloaded by force" },
	{ 'M', "a machine check happened" },
	{ 'B', "a bad page was seen" },
	{ 'U', "user space asked for the taint" },
	{ 'D', "the kernel died (an oops)" },
	{ 'A', "an ACPI table was overridden" },
	{ 'W', "the kernel issued a warning" },
	{ 'C', "a staging driver was loaded" },
	{ 'I', "a firmware bug workaround is in use" },
	{ 'O', "an out-of-tree module was loaded" },
	{ 'E', "an unsigned module was loaded" },
	{ 'L', "a soft lockup happened" },
	{ 'K', "the kernel was live-patched" },
	{ 'X', "an auxiliary taint, set by a distribution" },
	{ 'T', "the kernel was built with the struct randomization plugin" },
	{ 'N', "an in-kernel test was run" },
};

char decode_taint_letter(unsigned int bit)
{
	return bit < sizeof(taints) / sizeof(taints[0]) ? taints[bit].letter : 0;
}

const char *decode_taint_text(unsigned int bit)
{
	return bit < sizeof(taints) / sizeof(taints[0]) ? taints[bit].text : NULL;
}

int decode_taint_bit(char letter)
{
	unsigned int i;

	for (i = 0; i < sizeof(taints) / sizeof(taints[0]); i++)
		if (taints[i].letter == letter)
			return (int)i;
	return -1;
}

uint64_t decode_taint_mask(const char *s)
{
	uint64_t m = 0;
	int b;

	for (; s && *s; s++)
		if ((b = decode_taint_bit(*s)) >= 0)
			m |= 1ULL << b;
	return m;
}

bool decode_name_is_odd(const char *p, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return true;
	}
	return false;
}
