// SPDX-License-Identifier: GPL-2.0-or-later
/* rules.c - install and remove kmodwatch's audit rules through libaudit, never auditctl */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libaudit.h>

#include "kmw_buf.h"
#include "kmw_decode.h"
#include "kmw_rules.h"

/*
 * libaudit 3.0.9 keeps rule-builder state in these exported globals and never
 * resets them between rules; they are not in its public header.
 */
extern int _audit_elf;
extern int _audit_syscalladded;
extern int _audit_archadded;
extern int _audit_permadded;
extern int _audit_exeadded;
extern int _audit_filterfsadded;

static const char *const module_syscalls[] = { "init_module", "delete_module", "finit_module" };
#define N_MODULE_SYSCALLS 3

static void builder_reset(void)
{
	_audit_elf = 0;
	_audit_syscalladded = 0;
	_audit_archadded = 0;
	_audit_permadded = 0;
	_audit_exeadded = 0;
	_audit_filterfsadded = 0;
}

/*
 * rules_build - one "always,exit" rule for @arch ("b64", "b32") covering the
 * @n syscalls in @names, with key @key. Resets libaudit's builder state first.
 * Returns NULL with errno set.
 */
static struct audit_rule_data *rules_build(const char *arch, const char *const *names, int n,
				    const char *key)
{
	struct audit_rule_data *rule;
	char pair[320];
	int i, rc;

	builder_reset();
	rule = audit_rule_create_data();
	if (!rule) {
		errno = ENOMEM;
		return NULL;
	}
	/* the arch goes first: syscall names resolve against it */
	snprintf(pair, sizeof(pair), "arch=%s", arch);
	rc = audit_rule_fieldpair_data(&rule, pair, AUDIT_FILTER_EXIT);
	if (rc)
		goto out_inval;
	for (i = 0; i < n; i++)
		if (audit_rule_syscallbyname_data(rule, names[i]))
			goto out_inval;
	_audit_syscalladded = 1;
	if (key && *key) {
		/* fieldpair writes into its argument: always hand it a scratch copy */
		if (snprintf(pair, sizeof(pair), "key=%s", key) >= (int)sizeof(pair))
			goto out_inval;
		if (audit_rule_fieldpair_data(&rule, pair, AUDIT_FILTER_EXIT))
			goto out_inval;
	}
	builder_reset();
	return rule;

out_inval:
	builder_reset();
	audit_rule_free_data(rule);
	errno = EINVAL;
	return NULL;
}

static int get_reply(int fd, struct audit_reply *rep, int want)
{
	int i, rc;

	for (i = 0; i < 64; i++) {
		rc = audit_get_reply(fd, rep, GET_REPLY_BLOCKING, 0);
		if (rc <= 0)
			return rc < 0 ? rc : -EIO;
		if (rep->type == NLMSG_ERROR && rep->error && rep->error->error)
			return rep->error->error;
		if (rep->type == want || rep->type == NLMSG_DONE)
			return rep->type;
	}
	return -ETIMEDOUT;
}

const char *rules_backlog_advice(const struct audit_status *st)
{
	if (st->backlog_wait_time == 0)
		return "backlog_wait_time is 0: when the backlog is full the kernel drops records at "
		       "once, whatever they are, and a flood can then hide a load (counted only in "
		       "'lost'); keep it above 0 (auditctl --backlog_wait_time 60000, the kernel's "
		       "default)";
	if (st->backlog_limit && st->backlog_limit < KMW_BACKLOG_RECOMMENDED)
		return "the backlog limit is below 8192: in a flood or a burst audited processes "
		       "wait on it, and the kernel can miss their wakeup and stall them for the "
		       "whole backlog_wait_time; audit's standard rules set auditctl -b 8192";
	return NULL;
}

int rules_status(int fd, struct audit_status *st)
{
	struct audit_reply rep;
	int rc;

	if (audit_request_status(fd) < 0)
		return -errno ? -errno : -EIO;
	rc = get_reply(fd, &rep, AUDIT_GET);
	if (rc < 0)
		return rc;
	if (rc != AUDIT_GET || !rep.status)
		return -EIO;
	*st = *rep.status;
	return 0;
}

static uint32_t rule_arch(const struct audit_rule_data *r, bool *has)
{
	uint32_t i;

	*has = false;
	for (i = 0; i < r->field_count; i++)
		if ((r->fields[i] & ~AUDIT_OPERATORS) == AUDIT_ARCH && r->fieldflags[i] == AUDIT_EQUAL) {
			*has = true;
			return r->values[i];
		}
	return 0;
}

/* An unconditional rule: only arch and key fields, always on exit. */
static bool rule_unconditional(const struct audit_rule_data *r)
{
	uint32_t i;

	if ((r->flags & ~AUDIT_FILTER_PREPEND) != AUDIT_FILTER_EXIT || r->action != AUDIT_ALWAYS)
		return false;
	for (i = 0; i < r->field_count; i++) {
		uint32_t f = r->fields[i] & ~AUDIT_OPERATORS;

		if (f != AUDIT_ARCH && f != AUDIT_FILTERKEY)
			return false;
	}
	return true;
}

static bool mask_has(const struct audit_rule_data *r, int nr)
{
	if (nr < 0 || nr >= AUDIT_BITMASK_SIZE * 32)
		return false;
	return r->mask[AUDIT_WORD(nr)] & AUDIT_BIT(nr);
}

/*
 * Call @fn for every rule the kernel has. The dump must be read to its end
 * before the socket can be used again, so @fn must not talk to the kernel.
 */
static int rules_foreach(int fd, void (*fn)(const struct audit_rule_data *, size_t, void *),
			 void *arg)
{
	struct audit_reply rep;
	int rc;

	rc = audit_request_rules_list_data(fd);
	/* libaudit gives -errno, the kernel's answer too (EPERM without CAP_AUDIT_CONTROL) */
	if (rc <= 0)
		return rc < 0 ? rc : -EIO;
	for (;;) {
		rc = get_reply(fd, &rep, AUDIT_LIST_RULES);
		if (rc < 0)
			return rc;
		if (rc == NLMSG_DONE)
			return 0;
		if (rep.ruledata)
			fn(rep.ruledata, (size_t)rep.len, arg);
	}
}

/* The key of a rule (the first, when several were joined), or NULL. */
static const char *rule_key(const struct audit_rule_data *r, size_t *len)
{
	uint32_t i, off = 0;

	for (i = 0; i < r->field_count; i++) {
		uint32_t f = r->fields[i] & ~AUDIT_OPERATORS;

		if (f == AUDIT_FILTERKEY) {
			const char *k = r->buf + off;
			const char *sep = memchr(k, AUDIT_KEY_SEPARATOR, r->values[i]);

			*len = sep ? (size_t)(sep - k) : r->values[i];
			return k;
		}
		/* string-valued fields take their bytes of buf in field order */
		if (f == AUDIT_WATCH || f == AUDIT_DIR || f == AUDIT_EXE ||
		    (f >= AUDIT_SUBJ_USER && f <= AUDIT_OBJ_LEV_HIGH && f != AUDIT_PPID))
			off += r->values[i];
	}
	return NULL;
}

struct cover_ctx {
	uint32_t arch;
	const int *nr;
	unsigned int mask;
};

static void cover_one(const struct audit_rule_data *r, size_t len, void *arg)
{
	struct cover_ctx *c = arg;
	bool has;
	int i;

	if (!rule_unconditional(r) || rule_arch(r, &has) != c->arch || !has)
		return;
	for (i = 0; i < N_MODULE_SYSCALLS; i++)
		if (mask_has(r, c->nr[i]))
			c->mask |= 1u << i;
}

/*
 * For arch value @arch, which of our syscalls (numbers in @nr) are already
 * covered by the kernel's rules: bit i of the result for module_syscalls[i].
 */
static int covered_mask(int fd, uint32_t arch, const int *nr, unsigned int *mask)
{
	struct cover_ctx c = { .arch = arch, .nr = nr, .mask = 0 };
	int rc = rules_foreach(fd, cover_one, &c);

	*mask = c.mask;
	return rc;
}

struct key_ctx {
	const char *key;
	int count;
	struct audit_rule_data *copy[64];
	size_t len[64];
	int ncopy;
	bool want_copies;
};

static void key_one(const struct audit_rule_data *r, size_t len, void *arg)
{
	struct key_ctx *c = arg;
	size_t klen;
	const char *k = rule_key(r, &klen);

	if (!k || klen != strlen(c->key) || memcmp(k, c->key, klen))
		return;
	c->count++;
	if (c->want_copies && c->ncopy < 64) {
		c->copy[c->ncopy] = malloc(len);
		if (c->copy[c->ncopy]) {
			memcpy(c->copy[c->ncopy], r, len);
			c->len[c->ncopy++] = len;
		}
	}
}

int rules_count_key(int fd, const char *key)
{
	struct key_ctx c = { .key = key };
	int rc = rules_foreach(fd, key_one, &c);

	return rc ? rc : c.count;
}

int rules_delete_key(int fd, const char *key)
{
	struct key_ctx c = { .key = key, .want_copies = true };
	int rc = rules_foreach(fd, key_one, &c), i, n = 0;

	for (i = 0; i < c.ncopy; i++) {
		if (!rc && audit_delete_rule_data(fd, c.copy[i], c.copy[i]->flags & ~AUDIT_FILTER_PREPEND,
						  c.copy[i]->action) > 0)
			n++;
		else if (!rc)
			rc = -errno ? -errno : -EIO;
		free(c.copy[i]);
	}
	return rc ? rc : n;
}

struct module_ctx {
	void (*fn)(const struct kmw_rule_info *, void *);
	void *arg;
};

static void module_one(const struct audit_rule_data *r, size_t len, void *arg)
{
	struct module_ctx *c = arg;
	struct kmw_rule_info info = { 0 };
	const char *k;
	size_t klen = 0;
	int machine, i;
	bool has;

	info.arch = rule_arch(r, &has);
	machine = has ? audit_elf_to_machine(info.arch) : audit_detect_machine();
	if (machine < 0 || (r->flags & ~AUDIT_FILTER_PREPEND) != AUDIT_FILTER_EXIT)
		return;
	for (i = 0; i < N_MODULE_SYSCALLS; i++)
		if (mask_has(r, audit_name_to_syscall(module_syscalls[i], machine)))
			info.syscalls |= 1u << i;
	if (!info.syscalls)
		return;
	info.has_arch = has;
	info.never = r->action == AUDIT_NEVER;
	info.unconditional = rule_unconditional(r);
	k = rule_key(r, &klen);
	if (k)
		snprintf(info.key, sizeof(info.key), "%.*s", (int)klen, k);
	c->fn(&info, c->arg);
}

int rules_list_module(int fd, void (*fn)(const struct kmw_rule_info *, void *), void *arg)
{
	struct module_ctx c = { .fn = fn, .arg = arg };

	return rules_foreach(fd, module_one, &c);
}

const char *rules_syscall_name(unsigned int i)
{
	return i < N_MODULE_SYSCALLS ? module_syscalls[i] : NULL;
}

/*
 * The module syscalls of @archname that the kernel's rules do not cover yet, into @missing
 * (@n of them), and whether some are covered (@partly). Returns 0 or -errno.
 */
static int arch_missing(int fd, const char *archname, const char **missing, int *n, bool *partly)
{
	struct audit_rule_data *probe;
	int nr[N_MODULE_SYSCALLS], machine, i, rc;
	unsigned int mask;
	uint32_t arch;
	bool has;

	*n = 0;
	/* build a full rule first: it tells the arch value and the machine */
	probe = rules_build(archname, module_syscalls, N_MODULE_SYSCALLS, NULL);
	if (!probe)
		return -errno;
	arch = rule_arch(probe, &has);
	audit_rule_free_data(probe);
	machine = audit_elf_to_machine(arch);
	if (!has || machine < 0)
		return -EINVAL;
	for (i = 0; i < N_MODULE_SYSCALLS; i++)
		nr[i] = audit_name_to_syscall(module_syscalls[i], machine);

	rc = covered_mask(fd, arch, nr, &mask);
	if (rc)
		return rc;
	for (i = 0; i < N_MODULE_SYSCALLS; i++)
		if (!(mask & (1u << i)) && nr[i] >= 0)
			missing[(*n)++] = module_syscalls[i];
	*partly = mask != 0;
	return 0;
}

static int install_arch(struct kmw_rules *r, const char *archname, const char *key,
			struct kmw_rules_report *rep)
{
	const char *missing[N_MODULE_SYSCALLS];
	struct audit_rule_data *rule;
	bool partly;
	int n, rc;

	rc = arch_missing(r->fd, archname, missing, &n, &partly);
	if (rc)
		return rc;
	if (!n) {
		rep->covered++;
		return 0;
	}
	if (partly)
		rep->partial++;
	rule = rules_build(archname, missing, n, key);
	if (!rule)
		return -errno;
	rc = audit_add_rule_data(r->fd, rule, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
	if (rc <= 0) {
		audit_rule_free_data(rule);
		return rc < 0 ? rc : -EIO;
	}
	r->rule[r->n++] = rule;
	rep->added++;
	return 0;
}

static const char *const arches[] = { "b64", "b32" };

int rules_covered(int fd, int *covered)
{
	const char *missing[N_MODULE_SYSCALLS];
	unsigned int i;
	bool partly;
	int n, rc;

	*covered = 0;
	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		rc = arch_missing(fd, arches[i], missing, &n, &partly);
		if (rc)
			return rc;
		*covered += !n;
	}
	return (int)(sizeof(arches) / sizeof(arches[0]));
}

int rules_install(struct kmw_rules *r, int fd, const char *key, struct kmw_rules_report *rep)
{
	int i, rc, first = 0;

	memset(rep, 0, sizeof(*rep));
	r->fd = fd;
	for (i = 0; i < 2; i++) {
		rc = install_arch(r, arches[i], key, rep);
		if (rc) {
			rep->failed++;
			rep->last_error = rc;
			if (!first)
				first = rc;
		}
	}
	return first;
}

int rules_remove(struct kmw_rules *r)
{
	int i, rc, ret = 0;

	for (i = r->n - 1; i >= 0; i--) {
		rc = audit_delete_rule_data(r->fd, r->rule[i], AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
		if (rc <= 0)
			ret = rc < 0 ? rc : -EIO;
		audit_rule_free_data(r->rule[i]);
		r->rule[i] = NULL;
	}
	r->n = 0;
	return ret;
}

void rules_forget(struct kmw_rules *r)
{
	while (r->n > 0) {
		r->n--;
		audit_rule_free_data(r->rule[r->n]);
		r->rule[r->n] = NULL;
	}
}

void rules_describe(struct kmw_buf *b, const struct kmw_rule_info *r)
{
	const char *arch = r->has_arch ? decode_arch_name(r->arch) : "native";
	unsigned int i, n = 0;

	buf_printf(b, "%-7s %-6s ", r->never ? "never" : "always", arch ? arch : "?");
	for (i = 0; rules_syscall_name(i); i++)
		if (r->syscalls & (1u << i))
			buf_printf(b, "%s%s", n++ ? "," : "", rules_syscall_name(i));
	buf_printf(b, "  key=%s%s", r->key[0] ? r->key : "(none)",
		   r->unconditional ? "" : "  (with conditions: covers only some calls)");
}
