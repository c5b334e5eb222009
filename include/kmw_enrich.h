/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_enrich.h - facts learned outside the audit records: the module file behind the fd */
#ifndef KMW_ENRICH_H
#define KMW_ENRICH_H

#include "kmw_event.h"

struct kmw_enricher;

/**
 * enrich_new - an enricher that reads process facts under @proc_root
 * ("/proc" normally; a fake tree in tests). Returns NULL with errno set.
 */
struct kmw_enricher *enrich_new(const char *proc_root);

/**
 * enrich_free - release @e.
 */
void enrich_free(struct kmw_enricher *e);

/**
 * enrich_event - fill what can be learned now into @ev. Never fails: what
 * could not be learned is recorded in @ev with the reason (ev->path_err).
 */
void enrich_event(struct kmw_enricher *e, struct kmw_event *ev);

/**
 * enrich_path_err_name - stable code for a path error ("process_gone", ...).
 */
const char *enrich_path_err_name(enum kmw_path_err err);

#endif
