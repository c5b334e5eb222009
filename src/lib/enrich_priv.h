/* SPDX-License-Identifier: GPL-2.0-or-later */
/* enrich_priv.h - the enricher's state, shared by its two stages (enrich_capture.c, enrich_finish.c) */
#ifndef ENRICH_PRIV_H
#define ENRICH_PRIV_H

#include <limits.h>

#include "kmw_capture.h"
#include "kmw_dpkg.h"
#include "kmw_enrich.h"
#include "kmw_kmodlookup.h"
#include "kmw_sysfs.h"

/* A file whose bytes IMA attested in an earlier event: IMA audits a file once until it is
 * written, so a later load of it brings no record of its own. */
#define KMW_ATTESTED 256

struct kmw_attested {
	bool used;
	uint64_t dev, ino, size;
	int64_t mtime, ctime;
	uint64_t tick;
	uint64_t serial; /* the event whose record it was */
	char algo[24];
	char hash[KMW_IMA_HASH_MAX + 1];
	char *path;
};

struct kmw_enricher {
	char proc[PATH_MAX];
	char sys[PATH_MAX];
	struct kmw_capture_env env;    /* what captures read with */
	struct kmw_captures *captures; /* taken by the reader, by serial; NULL: none */
	const char *moddir_why;	       /* the module files out of reach by path: why (static) */
	struct kmw_risk_config risk;
	struct kmw_analyzer *analyzer;
	struct kmw_kmod *kmod; /* NULL when this kernel has no module directory */
	struct kmw_dpkg *dpkg; /* NULL: no package lookups */
	struct kmw_attested attested[KMW_ATTESTED]; /* the worker's */
	uint64_t attest_tick;
};

#endif
