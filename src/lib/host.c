// SPDX-License-Identifier: GPL-2.0-or-later
/* host.c - the facts of this host for the fleet fields: machine id, os-release, uname */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kmw_host.h"

static FILE *open_under(const char *root, const char *path)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", root ? root : "", path);
	return fopen(p, "re");
}

/* A machine id is 32 lower-case hex digits; anything else is not taken for one. */
static void read_machine_id(struct kmw_host *h, const char *root)
{
	static const char *const paths[] = { "etc/machine-id", "var/lib/dbus/machine-id" };
	char line[128];
	size_t i, n;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		FILE *f = open_under(root, paths[i]);

		if (!f)
			continue;
		if (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\r\n")] = '\0';
			for (n = 0;
			     isxdigit((unsigned char)line[n]) && !isupper((unsigned char)line[n]);
			     n++)
				;
			if (n == 32 && !line[n])
				memcpy(h->machine_id, line, 33);
		}
		fclose(f);
		if (h->machine_id[0])
			return;
	}
}

/* os-release(5): KEY=VALUE, the value maybe quoted with " or ' and \-escaped inside "". */
static void os_value(const char *v, char *out, size_t len)
{
	char q = (*v == '"' || *v == '\'') ? *v++ : 0;
	size_t o = 0;

	for (; *v && *v != '\n' && o + 1 < len; v++) {
		if (q && *v == q)
			break;
		if (q == '"' && *v == '\\' && v[1])
			v++;
		out[o++] = *v;
	}
	out[o] = '\0';
}

static void read_os_release(struct kmw_host *h, const char *root)
{
	FILE *f = open_under(root, "etc/os-release");
	char line[512], like[128] = "";

	if (!f)
		f = open_under(root, "usr/lib/os-release");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "ID=", 3))
			os_value(line + 3, h->os_id, sizeof(h->os_id));
		else if (!strncmp(line, "ID_LIKE=", 8))
			os_value(line + 8, like, sizeof(like));
		else if (!strncmp(line, "NAME=", 5))
			os_value(line + 5, h->os_name, sizeof(h->os_name));
		else if (!strncmp(line, "VERSION_ID=", 11))
			os_value(line + 11, h->os_version, sizeof(h->os_version));
		else if (!strncmp(line, "PRETTY_NAME=", 12))
			os_value(line + 12, h->os_full, sizeof(h->os_full));
	}
	fclose(f);
	like[strcspn(like, " ")] = '\0';
	if (!like[0])
		memcpy(like, h->os_id, sizeof(h->os_id));
	like[sizeof(h->os_family) - 1] = '\0';
	memcpy(h->os_family, like, sizeof(h->os_family));
}

void host_read(struct kmw_host *h, const char *root)
{
	struct utsname u;

	memset(h, 0, sizeof(*h));
	if (gethostname(h->name, sizeof(h->name) - 1) < 0)
		h->name[0] = '\0';
	read_machine_id(h, root);
	read_os_release(h, root);
	if (uname(&u) == 0) {
		snprintf(h->kernel, sizeof(h->kernel), "%.*s", (int)sizeof(h->kernel) - 1,
			 u.release);
		snprintf(h->arch, sizeof(h->arch), "%.*s", (int)sizeof(h->arch) - 1, u.machine);
	}
}
