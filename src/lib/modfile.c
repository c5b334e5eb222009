// SPDX-License-Identifier: GPL-2.0-or-later
/* modfile.c - module file facts: SHA-256 (OpenSSL), xz/zstd/gzip images, .modinfo (libelf), PKCS#7 signer (OpenSSL CMS) */
#include <ctype.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "kmw_clock.h"
#include "kmw_modfile.h"

#define SIG_MAGIC "~Module signature appended~\n"
#define SIG_MAGIC_LEN (sizeof(SIG_MAGIC) - 1)
/* struct module_signature of the kernel: algo, hash, id_type, signer_len,
 * key_id_len, 3 bytes of padding, then the signature length, big-endian */
#define SIG_INFO_LEN 12
#define PKEY_ID_PGP 0
#define PKEY_ID_X509 1
#define PKEY_ID_PKCS7 2

struct cache_entry {
	bool used;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	uint64_t tick;
	struct kmw_modfacts facts;
};

struct kmw_analyzer {
	struct kmw_modfile_limits lim;
	unsigned int ncache;
	struct cache_entry *cache;
	uint64_t tick;
};

static const struct kmw_modfile_limits default_limits = {
	.max_file = 64ull << 20,
	.max_image = 256ull << 20,
	.max_ms = 2000,
};

struct kmw_analyzer *modfile_new(unsigned int cache_entries,
				 const struct kmw_modfile_limits *limits)
{
	struct kmw_analyzer *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->lim = limits ? *limits : default_limits;
	a->ncache = cache_entries;
	if (cache_entries) {
		a->cache = calloc(cache_entries, sizeof(*a->cache));
		if (!a->cache) {
			free(a);
			return NULL;
		}
	}
	elf_version(EV_CURRENT);
	return a;
}

void modfile_free(struct kmw_analyzer *a)
{
	if (!a)
		return;
	free(a->cache);
	free(a);
}

static void md5_hex(const void *data, size_t len, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	out[0] = '\0';
	if (!EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL))
		return;
	for (i = 0; i < mdlen && i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	out[0] = '\0';
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL))
		return;
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Copy a value into a fixed field, cutting it with a note rather than overflowing. */
static void put(char *dst, size_t cap, const char *src, size_t len, bool *truncated)
{
	if (len >= cap) {
		len = cap - 1;
		if (truncated)
			*truncated = true;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Read the whole file from offset 0, within the size bound and the deadline. */
static unsigned char *read_file(int fd, const struct kmw_analyzer *a, uint64_t deadline,
				size_t *len, struct kmw_modfacts *f)
{
	struct stat st;
	unsigned char *buf;
	size_t want, got = 0;
	ssize_t n;

	if (fstat(fd, &st) < 0) {
		f->error = "cannot stat the file";
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		f->error = "not a regular file";
		return NULL;
	}
	want = (size_t)st.st_size;
	if ((uint64_t)want > a->lim.max_file) {
		f->limit = "size";
		return NULL;
	}
	buf = malloc(want ? want : 1);
	if (!buf) {
		f->error = "out of memory";
		return NULL;
	}
	while (got < want) {
		n = pread(fd, buf + got, want - got > (1 << 20) ? (1 << 20) : want - got,
			  (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the file shrank: hash what is there, as the kernel would */
		got += (size_t)n;
		if ((uint64_t)kmw_mono_ms() > deadline) {
			f->limit = "time";
			free(buf);
			return NULL;
		}
	}
	*len = got;
	return buf;
}

static enum kmw_compression detect(const unsigned char *p, size_t len)
{
	if (len >= 6 && !memcmp(p,
				"\xfd"
				"7zXZ\0",
				6))
		return KMW_COMP_XZ;
	if (len >= 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4))
		return KMW_COMP_ZSTD;
	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return KMW_COMP_GZIP;
	return KMW_COMP_NONE;
}

/* Grow @out to hold at least @need bytes, within the image bound. */
static int grow(unsigned char **out, size_t *cap, size_t need, uint64_t max)
{
	/* modules are small: start at 64 KiB, then double */
	size_t ncap = *cap ? *cap : 64 << 10;
	unsigned char *p;

	if (need > max)
		return -EFBIG;
	while (ncap < need)
		ncap *= 2;
	if (ncap > max)
		ncap = (size_t)max;
	p = realloc(*out, ncap);
	if (!p)
		return -ENOMEM;
	*out = p;
	*cap = ncap;
	return 0;
}

static unsigned char *decompress(enum kmw_compression c, const unsigned char *in, size_t inlen,
				 const struct kmw_analyzer *a, uint64_t deadline, size_t *outlen,
				 struct kmw_modfacts *f)
{
	unsigned char *out = NULL;
	size_t cap = 0, len = 0;
	int rc = 0;
	bool done = false;

	if (c == KMW_COMP_XZ) {
		lzma_stream s = LZMA_STREAM_INIT;
		lzma_ret r = lzma_stream_decoder(&s, a->lim.max_image + (1 << 20), 0);

		if (r != LZMA_OK) {
			f->error = "xz: cannot start the decoder";
			return NULL;
		}
		s.next_in = in;
		s.avail_in = inlen;
		while (!done) {
			if ((rc = grow(&out, &cap, len + 1, a->lim.max_image)))
				break;
			s.next_out = out + len;
			s.avail_out = cap - len;
			r = lzma_code(&s, LZMA_FINISH);
			len = cap - s.avail_out;
			if (r == LZMA_STREAM_END)
				done = true;
			else if (r != LZMA_OK && r != LZMA_BUF_ERROR) {
				f->error = r == LZMA_MEMLIMIT_ERROR ? NULL : "xz: corrupt data";
				rc = r == LZMA_MEMLIMIT_ERROR ? -EFBIG : -EINVAL;
				break;
			} else if (r == LZMA_BUF_ERROR && s.avail_in == 0) {
				f->error = "xz: truncated data";
				rc = -EINVAL;
				break;
			}
			if ((uint64_t)kmw_mono_ms() > deadline) {
				rc = -ETIME;
				break;
			}
		}
		lzma_end(&s);
	} else if (c == KMW_COMP_ZSTD) {
		ZSTD_DCtx *z = ZSTD_createDCtx();
		ZSTD_inBuffer ib = { in, inlen, 0 };
		size_t r;

		if (!z) {
			f->error = "zstd: cannot start the decoder";
			return NULL;
		}
		while (!done) {
			ZSTD_outBuffer ob;

			if ((rc = grow(&out, &cap, len + 1, a->lim.max_image)))
				break;
			ob.dst = out;
			ob.size = cap;
			ob.pos = len;
			r = ZSTD_decompressStream(z, &ob, &ib);
			len = ob.pos;
			if (ZSTD_isError(r)) {
				f->error = "zstd: corrupt data";
				rc = -EINVAL;
				break;
			}
			if (r == 0 && ib.pos == ib.size)
				done = true;
			else if (ib.pos == ib.size && ob.pos < ob.size) {
				f->error = "zstd: truncated data";
				rc = -EINVAL;
				break;
			}
			if ((uint64_t)kmw_mono_ms() > deadline) {
				rc = -ETIME;
				break;
			}
		}
		ZSTD_freeDCtx(z);
	} else {
		z_stream zs;
		int r;

		memset(&zs, 0, sizeof(zs));
		if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
			f->error = "gzip: cannot start the decoder";
			return NULL;
		}
		zs.next_in = (unsigned char *)in;
		zs.avail_in = (uInt)(inlen > UINT32_MAX ? UINT32_MAX : inlen);
		while (!done) {
			if ((rc = grow(&out, &cap, len + 1, a->lim.max_image)))
				break;
			zs.next_out = out + len;
			zs.avail_out = (uInt)(cap - len);
			r = inflate(&zs, Z_NO_FLUSH);
			len = cap - zs.avail_out;
			if (r == Z_STREAM_END)
				done = true;
			else if (r != Z_OK && !(r == Z_BUF_ERROR && zs.avail_in)) {
				f->error = r == Z_BUF_ERROR ? "gzip: truncated data"
							    : "gzip: corrupt data";
				rc = -EINVAL;
				break;
			}
			if ((uint64_t)kmw_mono_ms() > deadline) {
				rc = -ETIME;
				break;
			}
		}
		inflateEnd(&zs);
	}
	if (rc) {
		if (rc == -EFBIG)
			f->limit = "size";
		else if (rc == -ETIME)
			f->limit = "time";
		else if (rc == -ENOMEM)
			f->error = "out of memory";
		free(out);
		return NULL;
	}
	*outlen = len;
	return out;
}

static void hex_colon(const unsigned char *p, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < n && o + 4 <= cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%02X", i ? ":" : "", p[i]);
}

static void parse_pkcs7(const unsigned char *sig, size_t len, struct kmw_modfacts *f)
{
	const unsigned char *p = sig;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	STACK_OF(CMS_SignerInfo) * sis;
	CMS_SignerInfo *si;
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *sno = NULL;
	X509_ALGOR *dig = NULL;
	const ASN1_OBJECT *obj = NULL;
	unsigned char *utf8 = NULL, buf[64];
	int idx, n, i;

	if (!cms) {
		f->sig_error = "PKCS#7: not a valid CMS structure";
		return;
	}
	sis = CMS_get0_SignerInfos(cms);
	if (!sis || sk_CMS_SignerInfo_num(sis) < 1) {
		f->sig_error = "PKCS#7: no signer";
		goto out;
	}
	si = sk_CMS_SignerInfo_value(sis, 0);
	if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno) != 1) {
		f->sig_error = "PKCS#7: no signer id";
		goto out;
	}
	if (issuer) {
		idx = X509_NAME_get_index_by_NID(issuer, NID_commonName, -1);
		if (idx >= 0 &&
		    (n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(
							    issuer, idx)))) >= 0) {
			put(f->sig_signer, sizeof(f->sig_signer), (const char *)utf8, (size_t)n,
			    NULL);
			OPENSSL_free(utf8);
		}
	}
	if (sno) {
		BIGNUM *bn = ASN1_INTEGER_to_BN(sno, NULL);

		if (bn && BN_num_bytes(bn) <= (int)sizeof(buf)) {
			n = BN_bn2bin(bn, buf);
			hex_colon(buf, (size_t)n, f->sig_key_id, sizeof(f->sig_key_id));
		}
		BN_free(bn);
	} else if (keyid) {
		hex_colon(ASN1_STRING_get0_data(keyid), (size_t)ASN1_STRING_length(keyid),
			  f->sig_key_id, sizeof(f->sig_key_id));
	}
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	if (dig) {
		X509_ALGOR_get0(&obj, NULL, NULL, dig);
		const char *sn = OBJ_nid2sn(OBJ_obj2nid(obj));

		if (sn) {
			for (i = 0; sn[i] && i < (int)sizeof(f->sig_hash) - 1; i++)
				f->sig_hash[i] = (char)tolower((unsigned char)sn[i]);
			f->sig_hash[i] = '\0';
		}
	}
out:
	CMS_ContentInfo_free(cms);
}

/*
 * The signature trailer at the end of the image. Returns the length of the
 * image without it (the ELF part).
 */
static size_t parse_signature(const unsigned char *img, size_t len, struct kmw_modfacts *f)
{
	const unsigned char *info;
	uint32_t siglen;

	if (len < SIG_MAGIC_LEN || memcmp(img + len - SIG_MAGIC_LEN, SIG_MAGIC, SIG_MAGIC_LEN))
		return len;
	f->sig_present = true;
	if (len < SIG_MAGIC_LEN + SIG_INFO_LEN) {
		f->sig_error = "signature trailer cut short";
		return len - SIG_MAGIC_LEN;
	}
	info = img + len - SIG_MAGIC_LEN - SIG_INFO_LEN;
	siglen = (uint32_t)info[8] << 24 | (uint32_t)info[9] << 16 | (uint32_t)info[10] << 8 |
		 info[11];
	if ((uint64_t)siglen + info[3] + info[4] > len - SIG_MAGIC_LEN - SIG_INFO_LEN) {
		f->sig_error = "signature length past the start of the file";
		return len - SIG_MAGIC_LEN - SIG_INFO_LEN;
	}
	switch (info[2]) {
	case PKEY_ID_PKCS7:
		snprintf(f->sig_id_type, sizeof(f->sig_id_type), "PKCS#7");
		parse_pkcs7(info - siglen, siglen, f);
		break;
	case PKEY_ID_X509: snprintf(f->sig_id_type, sizeof(f->sig_id_type), "X509"); break;
	case PKEY_ID_PGP: snprintf(f->sig_id_type, sizeof(f->sig_id_type), "PGP"); break;
	default: snprintf(f->sig_id_type, sizeof(f->sig_id_type), "unknown(%u)", info[2]); break;
	}
	return len - SIG_MAGIC_LEN - SIG_INFO_LEN - siglen - info[3] - info[4];
}

static void modinfo_kv(struct kmw_modfacts *f, const char *kv, size_t len)
{
	static const struct {
		const char *key;
		size_t off, cap;
	} keys[] = {
#define K(name, field) \
	{ name, offsetof(struct kmw_modfacts, field), sizeof(((struct kmw_modfacts *)0)->field) }
		K("name", mi_name),
		K("vermagic", mi_vermagic),
		K("license", mi_license),
		K("srcversion", mi_srcversion),
		K("depends", mi_depends),
		K("intree", mi_intree),
		K("retpoline", mi_retpoline),
		K("version", mi_version),
		K("description", mi_description),
		K("author", mi_author),
#undef K
	};
	const char *eq = memchr(kv, '=', len);
	size_t klen, i;

	if (!eq)
		return;
	klen = (size_t)(eq - kv);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char *dst = (char *)f + keys[i].off;

		/* the first value counts: modpost writes each key once, authors may repeat */
		if (strlen(keys[i].key) == klen && !memcmp(kv, keys[i].key, klen) && !dst[0])
			put(dst, keys[i].cap, eq + 1, len - klen - 1, &f->mi_truncated);
	}
}

/* .modinfo through libelf, which checks every offset against the image. */
static void parse_modinfo(unsigned char *img, size_t len, struct kmw_modfacts *f)
{
	Elf *e = elf_memory((char *)img, len);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstrndx;
	Elf_Data *d;
	const char *p, *end, *z;

	if (!e || elf_kind(e) != ELF_K_ELF) {
		f->modinfo_error = "not an ELF file";
		goto out;
	}
	if (elf_getshdrstrndx(e, &shstrndx) < 0) {
		f->modinfo_error = "ELF: no section name table";
		goto out;
	}
	while ((scn = elf_nextscn(e, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".modinfo"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || sh.sh_type == SHT_NOBITS) {
			f->modinfo_error = "ELF: .modinfo past the end of the file";
			goto out;
		}
		f->has_modinfo = true;
		for (p = d->d_buf, end = p + d->d_size; p < end; p = z + 1) {
			z = memchr(p, '\0', (size_t)(end - p));
			if (!z)
				z = end;
			if (z > p)
				modinfo_kv(f, p, (size_t)(z - p));
		}
		goto out;
	}
	f->modinfo_error = elf_errmsg(0) && elf_errno()
				   ? "ELF: malformed section headers"
				   : "no .modinfo section: not a kernel module";
out:
	if (e)
		elf_end(e);
}

/* Everything that is learned from the bytes, given the raw file in memory. */
static void analyse(struct kmw_analyzer *a, unsigned char *raw, size_t len, uint64_t deadline,
		    struct kmw_modfacts *f)
{
	unsigned char *img = raw;
	size_t imglen = len, elflen;

	f->analysed = true;
	f->size = len;
	sha256_hex(raw, len, f->sha256);
	md5_hex(raw, len, f->md5);
	f->compression = detect(raw, len);
	if (f->compression != KMW_COMP_NONE) {
		img = decompress(f->compression, raw, len, a, deadline, &imglen, f);
		if (!img)
			return;
		sha256_hex(img, imglen, f->image_sha256);
	}
	f->image_size = imglen;
	elflen = parse_signature(img, imglen, f);
	parse_modinfo(img, elflen, f);
	if (img != raw)
		free(img);
}

static struct cache_entry *cache_find(struct kmw_analyzer *a, const struct stat *st)
{
	unsigned int i;

	for (i = 0; i < a->ncache; i++) {
		struct cache_entry *c = &a->cache[i];

		if (c->used && c->dev == st->st_dev && c->ino == st->st_ino &&
		    c->size == st->st_size && c->mtime.tv_sec == st->st_mtim.tv_sec &&
		    c->mtime.tv_nsec == st->st_mtim.tv_nsec &&
		    c->ctime.tv_sec == st->st_ctim.tv_sec &&
		    c->ctime.tv_nsec == st->st_ctim.tv_nsec)
			return c;
	}
	return NULL;
}

static void cache_put(struct kmw_analyzer *a, const struct stat *st, const struct kmw_modfacts *f)
{
	struct cache_entry *victim = NULL;
	unsigned int i;

	for (i = 0; i < a->ncache; i++) {
		struct cache_entry *c = &a->cache[i];

		if (!c->used || !victim || (victim->used && c->tick < victim->tick))
			victim = c;
		if (!c->used)
			break;
	}
	if (!victim)
		return;
	victim->used = true;
	victim->dev = st->st_dev;
	victim->ino = st->st_ino;
	victim->size = st->st_size;
	victim->mtime = st->st_mtim;
	victim->ctime = st->st_ctim;
	victim->tick = ++a->tick;
	victim->facts = *f;
}

void modfile_analyse_fd(struct kmw_analyzer *a, int fd, struct kmw_modfacts *out)
{
	uint64_t deadline = (uint64_t)kmw_mono_ms() + a->lim.max_ms;
	struct cache_entry *c;
	struct stat st;
	unsigned char *raw;
	size_t len = 0;

	memset(out, 0, sizeof(*out));
	if (fstat(fd, &st) == 0 && (c = cache_find(a, &st))) {
		c->tick = ++a->tick;
		*out = c->facts;
		out->cached = true;
		return;
	}
	raw = read_file(fd, a, deadline, &len, out);
	if (!raw)
		return;
	analyse(a, raw, len, deadline, out);
	free(raw);
	/* a result cut short by time is not the file's truth: do not remember it */
	if (!out->limit || !strcmp(out->limit, "size"))
		cache_put(a, &st, out);
}

/* The digest in the kernel's algorithm @algo of @len bytes, as hex into @hex; false when
 * OpenSSL has no such digest. */
static bool digest_hex(const char *algo, const void *data, size_t len, char *hex, size_t cap)
{
	/* the kernel's names that OpenSSL spells otherwise */
	static const char *const alias[][2] = { { "rmd160", "ripemd160" },
						{ "wp512", "whirlpool" } };
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	const EVP_MD *md_type;
	const char *name = algo;

	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(algo, alias[i][0]))
			name = alias[i][1];
	md_type = EVP_get_digestbyname(name);
	if (!md_type || !EVP_Digest(data, len, md, &mdlen, md_type, NULL) || 2 * mdlen + 1 > cap)
		return false;
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return true;
}

int modfile_attest(struct kmw_analyzer *a, int fd, struct kmw_modfacts *out, const char *algo,
		   const char *want, char *now, size_t nowcap)
{
	uint64_t deadline = (uint64_t)kmw_mono_ms() + a->lim.max_ms;
	bool sha256 = !strcmp(algo, "sha256");
	struct cache_entry *c;
	char hash[2 * EVP_MAX_MD_SIZE + 1];
	struct stat st;
	unsigned char *raw;
	size_t len = 0;
	int match = -1;

	/* @want may live in @out, which is cleared next */
	snprintf(hash, sizeof(hash), "%s", want);
	memset(out, 0, sizeof(*out));
	now[0] = '\0';
	/* a cached result is taken only when it has the kernel's hash: otherwise the file may
	 * have changed within its timestamps' resolution, and the bytes are read again */
	if (fstat(fd, &st) == 0 && sha256 && (c = cache_find(a, &st)) &&
	    !strcmp(c->facts.sha256, hash)) {
		c->tick = ++a->tick;
		*out = c->facts;
		out->cached = true;
		snprintf(now, nowcap, "%s", hash);
		return 1;
	}
	raw = read_file(fd, a, deadline, &len, out);
	if (!raw)
		return -1;
	analyse(a, raw, len, deadline, out);
	if (sha256 ? snprintf(now, nowcap, "%s", out->sha256) > 0
		   : digest_hex(algo, raw, len, now, nowcap))
		match = !strcmp(now, hash);
	free(raw);
	if (!out->limit || !strcmp(out->limit, "size"))
		cache_put(a, &st, out);
	return match;
}

void modfile_analyse_buf(struct kmw_analyzer *a, const void *data, size_t len,
			 struct kmw_modfacts *out)
{
	uint64_t deadline = (uint64_t)kmw_mono_ms() + a->lim.max_ms;
	unsigned char *copy;

	memset(out, 0, sizeof(*out));
	if (len > a->lim.max_file) {
		out->limit = "size";
		return;
	}
	/* libelf wants a writable image; the caller's buffer stays untouched */
	copy = malloc(len ? len : 1);
	if (!copy) {
		out->error = "out of memory";
		return;
	}
	memcpy(copy, data, len);
	analyse(a, copy, len, deadline, out);
	free(copy);
}
