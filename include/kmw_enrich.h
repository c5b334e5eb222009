/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_enrich.h - facts learned outside the audit records: the process, the module file,
 * the running kernel, and the risk they add up to */
#ifndef KMW_ENRICH_H
#define KMW_ENRICH_H

#include <stdbool.h>

#include "kmw_event.h"
#include "kmw_modfile.h"
#include "kmw_risk.h"

struct kmw_enricher;

struct kmw_enrich_opts {
	const char *proc_root;			 /* "/proc", or a fake tree in tests */
	const char *sys_root;			 /* "/sys" */
	const char *moddir;			 /* NULL: /lib/modules/$(uname -r) */
	unsigned int cache_entries;		 /* hash cache size */
	const struct kmw_modfile_limits *limits; /* NULL: the defaults */
	uint64_t max_image_copy;		 /* bytes of an init_module image copied at most */
	const struct kmw_risk_config *risk;	 /* NULL: the defaults */
	const char *dpkg_admin;			 /* dpkg's database (NULL: /var/lib/dpkg) */
	const char *dkms_dir;			 /* DKMS's tree (NULL: /var/lib/dkms) */
	unsigned int dpkg_recheck_ms;		 /* dpkg_set_recheck (0: each lookup) */
	bool no_packages;			 /* look up no package provenance */
};

/**
 * enrich_new - an enricher. @o may be NULL for the defaults of a live host.
 * Returns NULL with errno set.
 */
struct kmw_enricher *enrich_new(const struct kmw_enrich_opts *o);

/**
 * enrich_free - release @e.
 */
void enrich_free(struct kmw_enricher *e);

/**
 * enrich_capture - the facts that vanish with the loader, taken at once:
 * the fd's file (path, identity, our own fd of it), the parameters and an
 * init_module image from its memory, and the process context from /proc.
 * Quick and bounded: it runs on the capture path. Never fails: what could not
 * be learned is recorded with the reason.
 */
void enrich_capture(struct kmw_enricher *e, struct kmw_event *ev);

struct kmw_captures;

/**
 * enrich_set_captures - take what the reader captured (@t, kept by serial) when an event's
 * capture is there; NULL: capture every event in enrich_capture.
 */
void enrich_set_captures(struct kmw_enricher *e, struct kmw_captures *t);

/**
 * enrich_capture_process - of enrich_capture, the process context alone (an alert's
 * process: its fds and memory are not a module call's).
 */
void enrich_capture_process(struct kmw_enricher *e, struct kmw_event *ev);

/**
 * enrich_finish - the slow facts, from what enrich_capture kept: hashes,
 * .modinfo and signature of the module file, the package that ships it,
 * /sys/module, the file libkmod resolves the name to, and the risk. Releases the fd and image it used.
 */
void enrich_finish(struct kmw_enricher *e, struct kmw_event *ev);

/**
 * enrich_hash_file - the SHA-256 of the file at @path into @sha256 (hex), through the
 * enricher's cache of file facts (an unchanged file costs a stat). Returns 0 or -errno.
 * The worker's, as enrich_finish.
 */
int enrich_hash_file(struct kmw_enricher *e, const char *path, char sha256[65]);

/**
 * enrich_moddir_problem - why the module files cannot be reached by their paths here (a
 * sandbox: systemd's ProtectKernelModules), or NULL.
 */
const char *enrich_moddir_problem(const struct kmw_enricher *e);

/**
 * enrich_event - both stages at once (tools and tests).
 */
void enrich_event(struct kmw_enricher *e, struct kmw_event *ev);

/**
 * enrich_set_risk - new risk levels, from the next event on.
 */
void enrich_set_risk(struct kmw_enricher *e, const struct kmw_risk_config *risk);

#endif
