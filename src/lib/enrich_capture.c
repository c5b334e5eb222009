// SPDX-License-Identifier: GPL-2.0-or-later
/* enrich_capture.c - enrichment at capture, on the main thread: what vanishes with the
 * loader (its fd, its memory, its /proc), read before it exits */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "enrich_priv.h"

/*
 * Whether the module files can be reached by their paths here: NULL, or why not. In a sandbox
 * (systemd's ProtectKernelModules=yes, as Debian's auditd.service sets it for auditd and its
 * plugins) /usr/lib/modules is an inaccessible node: what a loader's fd gives still works,
 * lookups by name or by path do not.
 */
static const char *moddir_problem(const char *proc)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct utsname u;
	struct stat st;

	if (stat("/lib/modules", &st) == 0 && S_ISDIR(st.st_mode) && !(st.st_mode & 07777) &&
	    st.st_nlink <= 2)
		return "the module directory is made inaccessible to this process (systemd's "
		       "ProtectKernelModules=yes, as auditd.service sets it for auditd's plugins): "
		       "files are known from the loader's fd only; no lookup by name or path";
	snprintf(path, sizeof(path), "%s/modules", proc);
	if (uname(&u) || access(path, F_OK))
		return NULL; /* no modules in this kernel: nothing to reach */
	snprintf(dir, sizeof(dir), "/lib/modules/%s", u.release);
	if (stat(dir, &st))
		return "no module directory for the running kernel here (/lib/modules/RELEASE): "
		       "files are known from the loader's fd only; no lookup by name or path";
	return NULL;
}

const char *enrich_moddir_problem(const struct kmw_enricher *e)
{
	return e->moddir_why;
}

struct kmw_enricher *enrich_new(const struct kmw_enrich_opts *o)
{
	struct kmw_enricher *e = calloc(1, sizeof(*e));
	const char *proc = o && o->proc_root ? o->proc_root : "/proc";
	const char *sys = o && o->sys_root ? o->sys_root : "/sys";

	if (!e)
		return NULL;
	if (snprintf(e->proc, sizeof(e->proc), "%s", proc) >= (int)sizeof(e->proc) ||
	    snprintf(e->sys, sizeof(e->sys), "%s", sys) >= (int)sizeof(e->sys)) {
		free(e);
		errno = ENAMETOOLONG;
		return NULL;
	}
	capture_env_init(&e->env, e->proc,
			 o && o->max_image_copy ? o->max_image_copy : 64ull << 20);
	if (o && o->risk)
		e->risk = *o->risk;
	else
		risk_config_default(&e->risk);
	e->analyzer = modfile_new(o ? o->cache_entries : 256, o ? o->limits : NULL);
	if (!e->analyzer) {
		free(e);
		return NULL;
	}
	/* without a module directory (a kernel without modules) lookups just fail */
	e->kmod = kmodlookup_new(o ? o->moddir : NULL);
	if (!o || !o->moddir)
		e->moddir_why = moddir_problem(e->proc);
	/* read at the first load, and again only when dpkg's database changes */
	if (!o || !o->no_packages) {
		e->dpkg = dpkg_new(o ? o->dpkg_admin : NULL, o ? o->dkms_dir : NULL);
		dpkg_set_recheck(e->dpkg, o ? o->dpkg_recheck_ms : 0);
	}
	return e;
}

void enrich_free(struct kmw_enricher *e)
{
	unsigned int i;

	if (!e)
		return;
	for (i = 0; i < KMW_ATTESTED; i++)
		free(e->attested[i].path);
	modfile_free(e->analyzer);
	kmodlookup_free(e->kmod);
	dpkg_free(e->dpkg);
	free(e);
}

void enrich_set_risk(struct kmw_enricher *e, const struct kmw_risk_config *risk)
{
	e->risk = *risk;
}

static bool argv0_is(const struct kmw_event *ev, const char *name)
{
	const char *a = event_str(ev, &ev->argv[0]), *slash;
	size_t len = ev->argv[0].len, nlen = strlen(name);

	slash = memrchr(a, '/', len);
	if (slash) {
		len -= (size_t)(slash + 1 - a);
		a = slash + 1;
	}
	return len == nlen && !memcmp(a, name, nlen);
}

/*
 * insmod FILE [PARAM...] and modprobe [OPTION...] NAME [PARAM...]: the words
 * after the module are its parameters. Inferred: the tool may have added
 * parameters from its configuration.
 */
static void params_from_argv(struct kmw_event *ev)
{
	static __thread char buf[KMW_PARAMS_MAX];
	unsigned int i = 1;
	size_t len = 0;

	if (ev->argc < 2)
		return;
	if (argv0_is(ev, "modprobe")) {
		while (i < ev->argc && ev->argv[i].len && event_str(ev, &ev->argv[i])[0] == '-')
			i++;
	} else if (!argv0_is(ev, "insmod")) {
		return;
	}
	for (i++; i < ev->argc; i++) {
		if (len + ev->argv[i].len + 1 > sizeof(buf))
			break;
		if (len)
			buf[len++] = ' ';
		memcpy(buf + len, event_str(ev, &ev->argv[i]), ev->argv[i].len);
		len += ev->argv[i].len;
	}
	event_set_str(ev, &ev->params, buf, len);
	ev->params_src = KMW_PARAMS_ARGV;
}

/*
 * What dies with the loader: taken by the reader as its SYSCALL record came (enrich_set_captures),
 * else now. Parameters that could not be read from memory come from the command line.
 */
void enrich_capture(struct kmw_enricher *e, struct kmw_event *ev)
{
	struct kmw_capture now, *c = NULL;
	struct kmw_call_id id;

	if (ev->historical)
		return;
	if (e->captures && !ev->no_syscall)
		c = captures_take(e->captures, ev->serial, ev->pid);
	if (c) {
		ev->capture_us = c->took_us;
		ev->captured_early = true;
	} else {
		id = (struct kmw_call_id){ .serial = ev->serial,
					   .sec = ev->sec,
					   .pid = ev->pid,
					   .ppid = ev->ppid,
					   .sc = ev->sc };
		memcpy(id.a, ev->a, sizeof(id.a));
		c = &now;
		capture_take(&e->env, &id, c);
	}
	capture_apply(c, ev);
	if (c != &now)
		free(c);
	if ((ev->sc == KMW_SC_FINIT_MODULE || ev->sc == KMW_SC_INIT_MODULE) &&
	    ev->params_src == KMW_PARAMS_NONE)
		params_from_argv(ev);
}

void enrich_set_captures(struct kmw_enricher *e, struct kmw_captures *t)
{
	e->captures = t;
}

void enrich_capture_process(struct kmw_enricher *e, struct kmw_event *ev)
{
	struct kmw_capture c;
	struct kmw_call_id id = { .serial = ev->serial,
				  .sec = ev->sec,
				  .pid = ev->pid,
				  .ppid = ev->ppid,
				  .sc = KMW_SC_NONE };

	capture_take(&e->env, &id, &c);
	c.have_params = false;
	c.params_errno = 0;
	capture_apply(&c, ev);
	ev->params_errno = 0;
}

void enrich_event(struct kmw_enricher *e, struct kmw_event *ev)
{
	enrich_capture(e, ev);
	enrich_finish(e, ev);
}
