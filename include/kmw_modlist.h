/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_modlist.h - the modules loaded now, as `kmodwatch modules` lists them: each with its
 * file, signer and package, and where it came from (the load event, or before monitoring) */
#ifndef KMW_MODLIST_H
#define KMW_MODLIST_H

#include "kmw_buf.h"
#include "kmw_dpkg.h"
#include "kmw_event.h"
#include "kmw_format.h"
#include "kmw_inventory.h"
#include "kmw_ledger.h"

enum kmw_provenance {
	KMW_PROV_UNKNOWN = 0, /* the store has no snapshot of this boot: monitoring was off */
	KMW_PROV_LOAD_EVENT,  /* the stored load event that brought it in */
	KMW_PROV_BEFORE,      /* loaded before monitoring began this boot */
	KMW_PROV_UNAUDITED,   /* loaded while monitoring, with no load event */
};

struct kmw_modrow {
	const struct kmw_module_info *m;
	enum kmw_provenance prov;
	const struct kmw_ledger_entry *load; /* KMW_PROV_LOAD_EVENT's event */
	const char *file;		     /* the file it resolves to, or NULL */
	const char *file_source;	     /* "load_event", "kmod_lookup" */
	const char *file_error;		     /* why it could not be read */
	const struct kmw_modfacts *facts;    /* of that file now, or NULL */
	int file_matches_load;		     /* its sha256 is the load event's: 1, 0, -1 */
	enum kmw_pkg_prov pkg;
	const char *pkg_name;
	uint32_t reasons; /* enum kmw_risk_reason bits */
	int level;	  /* enum kmw_risk_level, with the load event's */
};

/**
 * modrow_prov_name - "load_event", "before_monitoring", "unaudited", "unknown".
 */
const char *modrow_prov_name(enum kmw_provenance p);

/**
 * format_modrow_header, format_modrow - the listing in @fmt: "text" (a table sized to @t),
 * "csv" (RFC 4180, a header line), "json" (one object a line, no header). Returns 0 or
 * -ENOMEM.
 */
int format_modrow_header(struct kmw_buf *b, const struct kmw_table *t, const char *fmt);
int format_modrow(struct kmw_buf *b, const struct kmw_table *t, const char *fmt,
		  const struct kmw_modrow *r);

#endif
