// SPDX-License-Identifier: GPL-2.0-or-later
/* ima.c - probe the kernel's IMA through securityfs, and write kmodwatch's one rule when
 * that replaces no one's policy */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmw_ima.h"

/* the boot policies the first custom write replaces (ima_policy=, the old ima_tcb) */
static void boot_policy(const char *cmdline, char *out, size_t len)
{
	static const char *const params[] = { "ima_policy=", "ima_tcb", "ima_appraise_tcb" };
	char buf[4096], *tok, *save = NULL;
	size_t i, n;
	FILE *f = fopen(cmdline, "re");

	out[0] = '\0';
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		for (i = 0; i < sizeof(params) / sizeof(params[0]); i++)
			if (!strncmp(tok, params[i], strlen(params[i])) &&
			    (params[i][strlen(params[i]) - 1] == '=' || !tok[strlen(params[i])])) {
				snprintf(out, len, "%s", tok);
				return;
			}
}

/* A rule of the policy as the kernel shows it: "audit func=MODULE_CHECK" in any order. */
static bool is_module_check_audit(const char *line)
{
	char buf[1024], *tok, *save = NULL;
	bool audit = false, func = false;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		if (!strcmp(tok, "audit"))
			audit = true;
		else if (!strcmp(tok, "func=MODULE_CHECK"))
			func = true;
	}
	return audit && func;
}

void ima_probe(const char *secfs, const char *cmdline, struct kmw_ima_state *st)
{
	char dir[4096], policy[4200], line[1024];
	struct stat s;
	FILE *f;

	memset(st, 0, sizeof(*st));
	boot_policy(cmdline, st->boot_policy, sizeof(st->boot_policy));
	snprintf(dir, sizeof(dir), "%s/ima", secfs);
	snprintf(policy, sizeof(policy), "%s/policy", dir);
	if (stat(dir, &s) < 0 || !S_ISDIR(s.st_mode)) {
		/* an empty mount point: securityfs is not mounted there */
		snprintf(line, sizeof(line), "%s/lsm", secfs);
		st->policy = access(line, F_OK) == 0 ? KMW_IMA_ABSENT : KMW_IMA_NO_SECURITYFS;
		return;
	}
	/* without CONFIG_IMA_WRITE_POLICY the file goes once a policy is loaded */
	if (stat(policy, &s) < 0) {
		st->policy = KMW_IMA_LOADED;
		return;
	}
	if (!(s.st_mode & S_IRUSR) || !(f = fopen(policy, "re"))) {
		st->policy = KMW_IMA_WRITABLE;
		return;
	}
	/* CONFIG_IMA_READ_POLICY: what is in force can be read, and written to again */
	st->policy = KMW_IMA_READABLE;
	st->write_again = (s.st_mode & S_IWUSR) != 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '\n')
			continue;
		st->rules++;
		st->module_check |= is_module_check_audit(line);
	}
	fclose(f);
}

int ima_enable(const char *secfs, const char *cmdline, char *why, size_t whylen)
{
	static const char rule[] = KMW_IMA_RULE "\n";
	struct kmw_ima_state st;
	char policy[4200];
	ssize_t n;
	int fd, err;

	ima_probe(secfs, cmdline, &st);
	switch (st.policy) {
	case KMW_IMA_NO_SECURITYFS:
		snprintf(why, whylen,
			 "securityfs is not mounted at %s (mount -t securityfs "
			 "securityfs %s)",
			 secfs, secfs);
		return -ENOENT;
	case KMW_IMA_ABSENT:
		snprintf(why, whylen, "this kernel has no IMA (no %s/ima)", secfs);
		return -ENOTSUP;
	case KMW_IMA_LOADED:
		snprintf(
			why, whylen,
			"an IMA policy was loaded already this boot, and this kernel "
			"takes one write of it per boot (no CONFIG_IMA_WRITE_POLICY): put \"%s\" in "
			"/etc/ima/ima-policy with the rest of that policy, for the next boot",
			KMW_IMA_RULE);
		return -EEXIST;
	case KMW_IMA_READABLE:
		if (st.module_check)
			return 1;
		if (!st.write_again) {
			snprintf(why, whylen,
				 "an IMA policy of %u rule(s) is in force and cannot be "
				 "written again this boot: put \"%s\" in /etc/ima/ima-policy",
				 st.rules, KMW_IMA_RULE);
			return -EEXIST;
		}
		break;
	case KMW_IMA_WRITABLE: break;
	}
	/* the first custom write replaces the boot policy: not behind its owner's back */
	if (st.boot_policy[0]) {
		snprintf(why, whylen,
			 "the kernel booted with %s: writing a policy now would replace "
			 "that policy; add \"%s\" to it in /etc/ima/ima-policy instead",
			 st.boot_policy, KMW_IMA_RULE);
		return -EEXIST;
	}
	snprintf(policy, sizeof(policy), "%s/ima/policy", secfs);
	fd = open(policy, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		snprintf(why, whylen, "cannot open %s: %s", policy, strerror(err));
		return -err;
	}
	n = write(fd, rule, sizeof(rule) - 1);
	err = n < 0 ? errno : 0;
	/* the kernel takes the policy when the file is closed */
	if (close(fd) < 0 && !err)
		err = errno;
	if (err || n != (ssize_t)sizeof(rule) - 1) {
		err = err ? err : EIO;
		snprintf(why, whylen, "the kernel refused \"%s\" in %s: %s", KMW_IMA_RULE, policy,
			 strerror(err));
		return -err;
	}
	return 0;
}
