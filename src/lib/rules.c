// SPDX-License-Identifier: GPL-2.0-or-later
/* rules.c - install and remove kmodwatch's audit rules through libaudit, never auditctl */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libaudit.h>

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

struct audit_rule_data *rules_build(const char *arch, const char *const *names, int n,
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
 * For arch value @arch, which of our syscalls (numbers in @nr) are already
 * covered by the kernel's rules: bit i of the result for module_syscalls[i].
 */
static int covered_mask(int fd, uint32_t arch, const int *nr, unsigned int *mask)
{
	struct audit_reply rep;
	int rc, i;

	*mask = 0;
	if (audit_request_rules_list_data(fd) <= 0)
		return -EIO;
	for (;;) {
		rc = get_reply(fd, &rep, AUDIT_LIST_RULES);
		if (rc < 0)
			return rc;
		if (rc == NLMSG_DONE)
			break;
		if (rep.ruledata && rule_unconditional(rep.ruledata)) {
			bool has;
			uint32_t a = rule_arch(rep.ruledata, &has);

			if (!has || a != arch)
				continue;
			for (i = 0; i < N_MODULE_SYSCALLS; i++)
				if (mask_has(rep.ruledata, nr[i]))
					*mask |= 1u << i;
		}
	}
	return 0;
}

int rules_count_key(int fd, const char *key)
{
	struct audit_reply rep;
	int rc, count = 0;
	uint32_t i, off;

	if (audit_request_rules_list_data(fd) <= 0)
		return -EIO;
	for (;;) {
		rc = get_reply(fd, &rep, AUDIT_LIST_RULES);
		if (rc < 0)
			return rc;
		if (rc == NLMSG_DONE)
			break;
		if (!rep.ruledata)
			continue;
		for (i = 0, off = 0; i < rep.ruledata->field_count; i++) {
			uint32_t f = rep.ruledata->fields[i] & ~AUDIT_OPERATORS;

			if (f == AUDIT_FILTERKEY) {
				if (rep.ruledata->values[i] == strlen(key) &&
				    !memcmp(rep.ruledata->buf + off, key, strlen(key)))
					count++;
			}
			/* string-valued fields consume their bytes of buf in order */
			if (f == AUDIT_FILTERKEY || f == AUDIT_WATCH || f == AUDIT_DIR ||
			    f == AUDIT_EXE || (f >= AUDIT_SUBJ_USER && f <= AUDIT_OBJ_LEV_HIGH &&
					       f != AUDIT_PPID))
				off += rep.ruledata->values[i];
		}
	}
	return count;
}

static int install_arch(struct kmw_rules *r, const char *archname, const char *key,
			struct kmw_rules_report *rep)
{
	struct audit_rule_data *probe, *rule;
	const char *missing[N_MODULE_SYSCALLS];
	int nr[N_MODULE_SYSCALLS], machine, i, n = 0, rc;
	unsigned int mask;
	uint32_t arch;
	bool has;

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

	rc = covered_mask(r->fd, arch, nr, &mask);
	if (rc)
		return rc;
	for (i = 0; i < N_MODULE_SYSCALLS; i++)
		if (!(mask & (1u << i)) && nr[i] >= 0)
			missing[n++] = module_syscalls[i];
	if (!n) {
		rep->covered++;
		return 0;
	}
	if (mask)
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

int rules_install(struct kmw_rules *r, int fd, const char *key, struct kmw_rules_report *rep)
{
	static const char *const arches[] = { "b64", "b32" };
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
