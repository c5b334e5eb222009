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
		if ((r->fields[i] & ~AUDIT_OPERATORS) == AUDIT_ARCH &&
		    r->fieldflags[i] == AUDIT_EQUAL) {
			*has = true;
			return r->values[i];
		}
	return 0;
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
		if (!rc &&
		    audit_delete_rule_data(fd, c.copy[i], c.copy[i]->flags & ~AUDIT_FILTER_PREPEND,
					   c.copy[i]->action) > 0)
			n++;
		else if (!rc)
			rc = -errno ? -errno : -EIO;
		free(c.copy[i]);
	}
	return rc ? rc : n;
}

static unsigned int conditions(const struct audit_rule_data *r);

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
	info.unconditional = !conditions(r);
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

static const char *const arches[] = { "b64", "b32" };

/* a copy of one rule of the task, exit or exclude list, in kernel order */
struct rule_copy {
	struct audit_rule_data *r;
	unsigned int list;
};

struct collect_ctx {
	struct rule_copy *v;
	unsigned int n, cap;
	int err;
};

static void collect_one(const struct audit_rule_data *r, size_t len, void *arg)
{
	struct collect_ctx *c = arg;
	unsigned int list = r->flags & ~AUDIT_FILTER_PREPEND;

	if (c->err || (list != AUDIT_FILTER_EXIT && list != AUDIT_FILTER_TASK &&
		       list != AUDIT_FILTER_EXCLUDE))
		return;
	if (c->n == c->cap) {
		unsigned int cap = c->cap ? c->cap * 2 : 64;
		struct rule_copy *nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv) {
			c->err = -ENOMEM;
			return;
		}
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n].r = malloc(len);
	if (!c->v[c->n].r) {
		c->err = -ENOMEM;
		return;
	}
	memcpy(c->v[c->n].r, r, len);
	c->v[c->n++].list = list;
}

static void collect_free(struct collect_ctx *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		free(c->v[i].r);
	free(c->v);
}

/* Fields a rule tests beyond the arch (=) and the key: the calls it picks among. */
static unsigned int conditions(const struct audit_rule_data *r)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->field_count; i++) {
		uint32_t f = r->fields[i] & ~AUDIT_OPERATORS;

		if (f == AUDIT_FILTERKEY || (f == AUDIT_ARCH && r->fieldflags[i] == AUDIT_EQUAL))
			continue;
		n++;
	}
	return n;
}

/* whether @v passes @op against @want, as the kernel's audit_comparator */
static bool compare(uint32_t v, uint32_t op, uint32_t want)
{
	switch (op) {
	case AUDIT_EQUAL: return v == want;
	case AUDIT_NOT_EQUAL: return v != want;
	case AUDIT_LESS_THAN: return v < want;
	case AUDIT_LESS_THAN_OR_EQUAL: return v <= want;
	case AUDIT_GREATER_THAN: return v > want;
	case AUDIT_GREATER_THAN_OR_EQUAL: return v >= want;
	case AUDIT_BIT_MASK: return v & want;
	case AUDIT_BIT_TEST: return (v & want) == want;
	}
	return false;
}

/* A rule in a few words, for a log line or an alert: "never,exit arch=b64 finit_module". */
static void describe_copy(char *out, size_t len, const struct rule_copy *c, int machine)
{
	static const char *const lists[] = { "user", "task", "entry", "watch", "exit", "exclude" };
	const struct audit_rule_data *r = c->r;
	size_t klen = 0, n;
	const char *k = rule_key(r, &klen), *an;
	unsigned int i, cond = conditions(r), nsc = 0;
	bool has;
	uint32_t arch = rule_arch(r, &has);

	n = (size_t)snprintf(out, len, "%s,%s", r->action == AUDIT_NEVER ? "never" : "always",
			     c->list < 6 ? lists[c->list] : "?");
	an = has ? decode_arch_name(arch) : NULL;
	if (n < len && has)
		n += (size_t)snprintf(out + n, len - n, " arch=%s", an ? an : "?");
	if (c->list == AUDIT_FILTER_EXIT && machine >= 0)
		for (i = 0; i < N_MODULE_SYSCALLS && n < len; i++)
			if (mask_has(r, audit_name_to_syscall(module_syscalls[i], machine)))
				n += (size_t)snprintf(out + n, len - n, "%s%s",
						      nsc++ ? "," : " -S ", module_syscalls[i]);
	if (n < len && k)
		n += (size_t)snprintf(out + n, len - n, " key=%.*s", (int)klen, k);
	if (n < len)
		snprintf(out + n, len - n, cond ? " (%u condition%s)" : " (no condition)", cond,
			 cond == 1 ? "" : "s");
}

/* The verdict of the exit list on syscall @nr of @arch (@machine). */
static enum kmw_rule_verdict exit_verdict(const struct collect_ctx *c, uint32_t arch, int machine,
					  int nr, const char *key, bool *ours, char *by, size_t len)
{
	bool partly = false;
	unsigned int i;

	*ours = false;
	by[0] = '\0';
	for (i = 0; i < c->n; i++) {
		const struct audit_rule_data *r = c->v[i].r;
		uint32_t a;
		bool has;
		size_t klen;
		const char *k;

		if (c->v[i].list != AUDIT_FILTER_EXIT || !mask_has(r, nr))
			continue;
		a = rule_arch(r, &has);
		if (has && a != arch)
			continue;
		if (r->action == AUDIT_NEVER) {
			if (!partly || !conditions(r))
				describe_copy(by, len, &c->v[i], machine);
			if (!conditions(r))
				return KMW_RULE_SUPPRESSED;
			partly = true;
			continue;
		}
		if (conditions(r))
			continue;
		k = rule_key(r, &klen);
		*ours = k && key && klen == strlen(key) && !memcmp(k, key, klen);
		return partly ? KMW_RULE_PARTLY : KMW_RULE_AUDITED;
	}
	return KMW_RULE_UNCOVERED;
}

/* the record types a module event is made of, and a tampering act's */
static const int needed_types[] = { AUDIT_SYSCALL,
				    AUDIT_PROCTITLE,
				    AUDIT_EOE,
				    AUDIT_CONFIG_CHANGE,
				    1330 /* KERN_MODULE */,
				    1805 /* INTEGRITY_RULE */ };

/* Whether exclude rule @r drops records of a type in needed_types: 0, 1 (conditions), 2. */
static int exclude_drops(const struct audit_rule_data *r)
{
	unsigned int t, i;

	for (t = 0; t < sizeof(needed_types) / sizeof(needed_types[0]); t++) {
		bool match = r->field_count > 0;
		unsigned int other = 0;

		for (i = 0; i < r->field_count && match; i++) {
			uint32_t f = r->fields[i] & ~AUDIT_OPERATORS;

			if (f == AUDIT_MSGTYPE)
				match = compare((uint32_t)needed_types[t], r->fieldflags[i],
						r->values[i]);
			else if (f != AUDIT_FILTERKEY)
				other++;
		}
		if (match)
			return other ? 1 : 2;
	}
	return 0;
}

int rules_effect(int fd, const char *key, struct kmw_rules_effect *e)
{
	struct collect_ctx c = { 0 };
	unsigned int i, k;
	int rc, machine = -1;

	memset(e, 0, sizeof(*e));
	rc = rules_foreach(fd, collect_one, &c);
	if (!rc)
		rc = c.err;
	if (rc)
		goto out;
	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		struct audit_rule_data *probe =
			rules_build(arches[i], module_syscalls, N_MODULE_SYSCALLS, NULL);
		uint32_t arch;
		bool has;

		if (!probe)
			continue; /* an arch libaudit does not know here */
		arch = rule_arch(probe, &has);
		audit_rule_free_data(probe);
		machine = audit_elf_to_machine(arch);
		if (!has || machine < 0)
			continue;
		e->a[e->narch].arch = arch;
		e->a[e->narch].name = arches[i];
		for (k = 0; k < N_MODULE_SYSCALLS; k++) {
			int nr = audit_name_to_syscall(module_syscalls[k], machine);

			if (nr < 0) {
				e->a[e->narch].v[k] = KMW_RULE_AUDITED; /* no such call here */
				continue;
			}
			e->a[e->narch].v[k] = exit_verdict(&c, arch, machine, nr, key,
							   &e->a[e->narch].ours_first[k],
							   e->a[e->narch].by[k], KMW_RULE_TEXT);
		}
		e->narch++;
	}
	machine = audit_detect_machine();
	for (i = 0; i < c.n; i++) {
		const struct audit_rule_data *r = c.v[i].r;
		int level;

		if (c.v[i].list == AUDIT_FILTER_TASK && r->action == AUDIT_NEVER) {
			level = conditions(r) ? 1 : 2;
			if (level > e->task_never) {
				e->task_never = level;
				describe_copy(e->task_rule, sizeof(e->task_rule), &c.v[i], machine);
			}
		} else if (c.v[i].list == AUDIT_FILTER_EXCLUDE) {
			level = exclude_drops(r);
			if (level > e->exclude) {
				e->exclude = level;
				describe_copy(e->exclude_rule, sizeof(e->exclude_rule), &c.v[i],
					      machine);
			}
		}
	}
out:
	collect_free(&c);
	return rc;
}

const char *rules_describe_verdict(enum kmw_rule_verdict v)
{
	switch (v) {
	case KMW_RULE_AUDITED: return "audited";
	case KMW_RULE_PARTLY: return "partly";
	case KMW_RULE_SUPPRESSED: return "suppressed";
	case KMW_RULE_UNCOVERED: return "uncovered";
	}
	return "?";
}

bool rules_effect_blind(const struct kmw_rules_effect *e, char *why, size_t len, bool *partly)
{
	unsigned int i, k;

	*partly = false;
	if (len)
		why[0] = '\0';
	for (i = 0; i < e->narch; i++)
		for (k = 0; k < N_MODULE_SYSCALLS; k++) {
			if (e->a[i].v[k] == KMW_RULE_SUPPRESSED) {
				snprintf(why, len, "%s %s is suppressed by the rule in front: %s",
					 e->a[i].name, module_syscalls[k], e->a[i].by[k]);
				return true;
			}
			if (e->a[i].v[k] == KMW_RULE_UNCOVERED) {
				snprintf(why, len, "no rule audits every %s %s call", e->a[i].name,
					 module_syscalls[k]);
				return true;
			}
		}
	if (e->task_never == 2) {
		snprintf(why, len,
			 "a never rule of the task list stops auditing every new process: %s",
			 e->task_rule);
		return true;
	}
	if (e->exclude == 2) {
		snprintf(why, len,
			 "an exclude rule drops the records a module event is made of: %s",
			 e->exclude_rule);
		return true;
	}
	for (i = 0; i < e->narch; i++)
		for (k = 0; k < N_MODULE_SYSCALLS; k++)
			if (e->a[i].v[k] == KMW_RULE_PARTLY) {
				snprintf(why, len,
					 "%s %s goes unaudited where a never rule's conditions "
					 "match: %s",
					 e->a[i].name, module_syscalls[k], e->a[i].by[k]);
				*partly = true;
				return false;
			}
	if (e->task_never || e->exclude) {
		snprintf(why, len, "%s", e->task_never ? e->task_rule : e->exclude_rule);
		*partly = true;
	}
	return false;
}

int rules_covered(int fd, int *covered)
{
	struct kmw_rules_effect e;
	unsigned int i, k;
	int rc = rules_effect(fd, NULL, &e);

	*covered = 0;
	if (rc)
		return rc;
	for (i = 0; i < e.narch; i++) {
		for (k = 0; k < N_MODULE_SYSCALLS && e.a[i].v[k] == KMW_RULE_AUDITED; k++)
			;
		*covered += k == N_MODULE_SYSCALLS;
	}
	return (int)e.narch;
}

/* One arch: a rule for the module syscalls the rules in force do not audit, in front of the
 * never rules when there are any. */
static int install_arch(struct kmw_rules *r, const struct kmw_rules_effect *e, unsigned int a,
			const char *key, struct kmw_rules_report *rep)
{
	const char *missing[N_MODULE_SYSCALLS];
	struct audit_rule_data *rule;
	bool first = false;
	int n = 0, k, rc;

	for (k = 0; k < N_MODULE_SYSCALLS; k++) {
		if (e->a[a].v[k] == KMW_RULE_AUDITED)
			continue;
		missing[n++] = module_syscalls[k];
		first |= e->a[a].v[k] != KMW_RULE_UNCOVERED;
	}
	if (!n) {
		rep->covered++;
		return 0;
	}
	if (n < N_MODULE_SYSCALLS)
		rep->partial++;
	rule = rules_build(e->a[a].name, missing, n, key);
	if (!rule)
		return -errno;
	rc = audit_add_rule_data(
		r->fd, rule, AUDIT_FILTER_EXIT | (first ? AUDIT_FILTER_PREPEND : 0), AUDIT_ALWAYS);
	if (rc <= 0) {
		audit_rule_free_data(rule);
		return rc < 0 ? rc : -EIO;
	}
	r->rule[r->n++] = rule;
	rep->added++;
	rep->first += first;
	return 0;
}

int rules_install(struct kmw_rules *r, int fd, const char *key, struct kmw_rules_report *rep)
{
	struct kmw_rules_effect e;
	unsigned int i;
	int rc, first = 0;

	memset(rep, 0, sizeof(*rep));
	r->fd = fd;
	rc = rules_effect(fd, key, &e);
	if (rc) {
		rep->failed = 2;
		rep->last_error = rc;
		return rc;
	}
	for (i = 0; i < e.narch; i++) {
		if (r->n >= (int)(sizeof(r->rule) / sizeof(r->rule[0])))
			rc = -ENOSPC;
		else
			rc = install_arch(r, &e, i, key, rep);
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
		/* one someone else deleted is gone as it should be */
		if (rc <= 0 && rc != -ENOENT)
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
		   r->never
			   ? (r->unconditional
				      ? "  (no condition: no call is audited)"
				      : "  (with conditions: the calls they match are not audited)")
		   : r->unconditional ? ""
				      : "  (with conditions: covers only some calls)");
}
