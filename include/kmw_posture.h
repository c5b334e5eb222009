/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_posture.h - the kernel's protections of module loading, which decide how much a load
 * can hide: lockdown, module.sig_enforce, kernel.modules_disabled, IMA's module policy */
#ifndef KMW_POSTURE_H
#define KMW_POSTURE_H

#include <stddef.h>

/* Each protection: 1 on, 0 off, -1 unknown; lockdown 0 none, 1 integrity, 2 confidentiality. */
struct kmw_posture {
	int lockdown;
	int sig_enforce;      /* unsigned modules are refused */
	int modules_disabled; /* no module can be loaded any more */
	int ima_modules;      /* IMA audits every finit_module (audit func=MODULE_CHECK) */
};

/**
 * posture_read - the protections now, under @proc, @sys and @secfs (/proc, /sys,
 * /sys/kernel/security, or fake trees in tests). What cannot be read is -1.
 */
void posture_read(const char *proc, const char *sys, const char *secfs, struct kmw_posture *p);

/**
 * posture_weaker - the first protection that is weaker in @now than in @was, in words into
 * @buf (@len bytes), or NULL when none is. The kernel lets none of them go down while it
 * runs: one that does was changed from inside it.
 */
const char *posture_weaker(const struct kmw_posture *was, const struct kmw_posture *now, char *buf,
			   size_t len);

/**
 * posture_lockdown_name - "none", "integrity", "confidentiality", or "unknown".
 */
const char *posture_lockdown_name(int level);

#endif
