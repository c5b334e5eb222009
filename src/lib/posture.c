// SPDX-License-Identifier: GPL-2.0-or-later
/* posture.c - the kernel's protections of module loading, read from /proc and /sys */
#include <stdio.h>
#include <string.h>

#include "kmw_ima.h"
#include "kmw_posture.h"

/* The first line of a small file, without its newline; false when it cannot be read. */
static int first_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "re");
	int ok = f && fgets(out, (int)len, f) != NULL;

	if (f)
		fclose(f);
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok;
}

static const char *const lockdown_names[] = { "none", "integrity", "confidentiality" };

const char *posture_lockdown_name(int level)
{
	return level >= 0 && level <= 2 ? lockdown_names[level] : "unknown";
}

void posture_read(const char *proc, const char *sys, const char *secfs, struct kmw_posture *p)
{
	char path[4096], line[256], *open;
	struct kmw_ima_state ima;
	int i;

	p->lockdown = p->sig_enforce = p->modules_disabled = p->ima_modules = -1;
	/* "none [integrity] confidentiality": the one in brackets is in force */
	snprintf(path, sizeof(path), "%s/lockdown", secfs);
	if (first_line(path, line, sizeof(line)) && (open = strchr(line, '[')))
		for (i = 0; i < 3; i++)
			if (!strncmp(open + 1, lockdown_names[i], strlen(lockdown_names[i])) &&
			    open[1 + strlen(lockdown_names[i])] == ']')
				p->lockdown = i;
	snprintf(path, sizeof(path), "%s/module/module/parameters/sig_enforce", sys);
	if (first_line(path, line, sizeof(line)))
		p->sig_enforce = line[0] == 'Y';
	snprintf(path, sizeof(path), "%s/sys/kernel/modules_disabled", proc);
	if (first_line(path, line, sizeof(line)))
		p->modules_disabled = line[0] == '1';
	snprintf(path, sizeof(path), "%s/cmdline", proc);
	ima_probe(secfs, path, &ima);
	p->ima_modules = ima.policy == KMW_IMA_READABLE ? ima.module_check
			 : ima.policy == KMW_IMA_ABSENT || ima.policy == KMW_IMA_WRITABLE ? 0
											  : -1;
}

const char *posture_weaker(const struct kmw_posture *was, const struct kmw_posture *now, char *buf,
			   size_t len)
{
	if (was->lockdown > 0 && now->lockdown >= 0 && now->lockdown < was->lockdown) {
		snprintf(buf, len, "kernel lockdown went from %s to %s",
			 posture_lockdown_name(was->lockdown),
			 posture_lockdown_name(now->lockdown));
		return buf;
	}
	if (was->sig_enforce == 1 && now->sig_enforce == 0) {
		snprintf(buf, len,
			 "module.sig_enforce went from Y to N: unsigned modules load again");
		return buf;
	}
	if (was->modules_disabled == 1 && now->modules_disabled == 0) {
		snprintf(buf, len, "kernel.modules_disabled went from 1 to 0: modules load again");
		return buf;
	}
	if (was->ima_modules == 1 && now->ima_modules == 0) {
		snprintf(buf, len, "IMA's policy no longer audits module loads");
		return buf;
	}
	return NULL;
}
