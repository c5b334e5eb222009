/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_ima.h - the kernel's IMA as kmodwatch uses it: is it there, what policy is in force,
 * and writing the one rule that makes every finit_module carry an INTEGRITY_RULE record */
#ifndef KMW_IMA_H
#define KMW_IMA_H

#include <stdbool.h>
#include <stddef.h>

#define KMW_SECURITYFS "/sys/kernel/security"
/* the rule of rules/kmodwatch.ima-policy */
#define KMW_IMA_RULE "audit func=MODULE_CHECK"

enum kmw_ima_policy {
	KMW_IMA_NO_SECURITYFS, /* securityfs is not mounted: nothing can be known */
	KMW_IMA_ABSENT,	       /* this kernel has no IMA */
	KMW_IMA_WRITABLE,      /* no custom policy loaded yet this boot: it may be written */
	KMW_IMA_LOADED,	       /* a custom policy was loaded this boot, and cannot be read */
	KMW_IMA_READABLE,      /* the policy in force can be read (CONFIG_IMA_READ_POLICY) */
};

struct kmw_ima_state {
	enum kmw_ima_policy policy;
	bool write_again;     /* the file stays writable after a write (CONFIG_IMA_WRITE_POLICY) */
	bool module_check;    /* READABLE: the policy has the audit rule for MODULE_CHECK */
	unsigned int rules;   /* READABLE: the rules in force */
	char boot_policy[64]; /* ima_policy=, ima_tcb ... on the kernel command line, or "" */
};

/**
 * ima_probe - what IMA is on this host: @secfs is securityfs (KMW_SECURITYFS), @cmdline
 * the kernel's command line file (/proc/cmdline). Never fails: what cannot be read says
 * so in @st.
 */
void ima_probe(const char *secfs, const char *cmdline, struct kmw_ima_state *st);

/**
 * ima_enable - write KMW_IMA_RULE to the policy, only when that replaces nobody's policy:
 * not over a boot policy (ima_policy= on the command line, which the first write
 * replaces), not when a policy was loaded already on a kernel that takes one write per
 * boot. Returns 0 when written, 1 when the rule was in force already, or -errno with the
 * reason in @why (-EPERM: no privilege; -EEXIST, -ENOTSUP: it may not be written here).
 */
int ima_enable(const char *secfs, const char *cmdline, char *why, size_t whylen);

#endif
