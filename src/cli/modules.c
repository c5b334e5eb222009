// SPDX-License-Identifier: GPL-2.0-or-later
/* modules.c - kmodwatch modules: the modules loaded now, the file each resolves to, its signer
 * and package, and where it came from (its load event, or before monitoring) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kmw_buf.h"
#include "kmw_decode.h"
#include "kmw_dpkg.h"
#include "kmw_filter.h"
#include "kmw_inventory.h"
#include "kmw_kmodlookup.h"
#include "kmw_ledger.h"
#include "kmw_modfile.h"
#include "kmw_modlist.h"
#include "kmw_risk.h"
#include "kmw_store.h"
#include "kmw_sysfs.h"

/* What `kmodwatch modules` holds while it lists. */
struct modlist {
	struct kmw_inventory inv;
	struct kmw_ledger ledger;
	struct kmw_analyzer *an;
	struct kmw_kmod *kmod;
	struct kmw_dpkg *dpkg;
	int have_snapshot; /* the store knows what was loaded when monitoring began */
	const struct kmw_risk_config *risk; /* kmodwatchd's levels */
};

/* The file of module @m, its facts now, its package, and the risk they add up to. */
static void modrow_fill(struct modlist *ml, struct kmw_modrow *r, const struct kmw_module_info *m,
			char *file, size_t cap, struct kmw_modfacts *facts, char *pkg,
			size_t pkgcap)
{
	const struct kmw_ledger_entry *e = ledger_find(&ml->ledger, m->name);
	bool changed;
	int fd, lvl;

	memset(r, 0, sizeof(*r));
	r->m = m;
	r->file_matches_load = -1;
	if (e && e->loaded) {
		r->prov = KMW_PROV_LOAD_EVENT;
		r->load = e;
	} else if (e && e->at_start) {
		r->prov = KMW_PROV_BEFORE;
	} else {
		r->prov = ml->have_snapshot > 0 ? KMW_PROV_UNAUDITED : KMW_PROV_UNKNOWN;
	}
	file[0] = '\0';
	if (r->load && r->load->load_path[0]) {
		snprintf(file, cap, "%s", r->load->load_path);
		r->file_source = "load_event";
	} else if (ml->kmod && kmodlookup_path(ml->kmod, m->name, file, cap) == 0) {
		r->file_source = "kmod_lookup";
	}
	if (file[0]) {
		r->file = file;
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0) {
			r->file_error = strerror(errno);
		} else {
			modfile_analyse_fd(ml->an, fd, facts);
			close(fd);
			r->facts = facts;
			if (r->load && r->load->load_sha256[0] && facts->analysed)
				r->file_matches_load = !strcmp(r->load->load_sha256, facts->sha256);
		}
		if (ml->dpkg)
			r->pkg = dpkg_provenance(ml->dpkg, file,
						 r->facts && facts->md5[0] ? facts->md5 : NULL, pkg,
						 pkgcap, NULL);
		r->pkg_name = pkg;
	}
	/* what the kernel says first: it knows what it loaded unsigned (taint E) */
	/* in sysfs alone, or in neither view when kmodwatchd found it hidden from both */
	if ((m->in_sysfs && !m->in_proc) ||
	    (!m->in_sysfs && !m->in_proc && e && (e->reported & (1u << KMW_R_HIDDEN_MODULE))))
		r->reasons |= 1u << KMW_R_HIDDEN_MODULE;
	if (r->prov == KMW_PROV_UNAUDITED)
		r->reasons |= 1u << KMW_R_UNAUDITED_LOAD;
	/* the file has other bytes than at the load: what it says now is not of the module */
	changed = r->file_matches_load == 0;
	if (changed)
		r->reasons |= 1u << KMW_R_CHANGED_SINCE_LOAD;
	if (strchr(m->taint, 'E') ||
	    (!changed && r->facts && facts->analysed && facts->has_modinfo && !facts->sig_present))
		r->reasons |= 1u << (!changed && r->facts && !strcmp(facts->mi_intree, "Y")
					     ? KMW_R_SIGNATURE_STRIPPED
					     : KMW_R_UNSIGNED);
	if (!changed && r->facts && facts->analysed && m->srcversion[0] &&
	    facts->mi_srcversion[0] && strcmp(m->srcversion, facts->mi_srcversion))
		r->reasons |= 1u << KMW_R_LOADED_DIFFERS;
	if (decode_name_is_odd(m->name, strlen(m->name)))
		r->reasons |= 1u << KMW_R_ODD_MODULE_NAME;
	if (r->pkg == KMW_PKG_UNPACKAGED)
		r->reasons |= 1u << KMW_R_UNPACKAGED;
	if (r->pkg == KMW_PKG_MODIFIED)
		r->reasons |= 1u << KMW_R_PACKAGE_MODIFIED;
	r->level = risk_level_of(ml->risk, r->reasons);
	/* and what the load event was rated */
	for (lvl = KMW_RISK_HIGH; r->load && lvl > r->level; lvl--)
		if (!strcmp(r->load->load_risk, risk_level_name((enum kmw_risk_level)lvl))) {
			r->level = lvl;
			break;
		}
}

/* kmodwatch modules: the modules loaded now, and where each came from */
static void help(FILE *f)
{
	fputs("  modules [--risk LEVEL] [--unsigned] [--since T] [--module NAME]\n"
	      "          [--store PATH] [--format text|json|csv]\n"
	      "                               the modules loaded now: state, taint, file,\n"
	      "                               signer, package, and where each came from\n"
	      "                               (its load event, or before monitoring)\n",
	      f);
}

static int run(struct cli *cli, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "store", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'F' },
		{ "risk", required_argument, NULL, 1 },
		{ "since", required_argument, NULL, 1 },
		{ "module", required_argument, NULL, 1 },
		{ "unsigned", no_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct modlist ml;
	const char *store_path = cli->store, *fmt = "text", *why;
	struct kmw_filter f;
	struct kmw_table table = { 0 };
	struct kmw_store *st;
	struct kmw_modfacts facts;
	struct kmw_modrow r;
	struct kmw_buf out;
	char boot[64], err[512], file[PATH_MAX], pkg[128];
	bool unsigned_only = false;
	long long btime;
	unsigned int i, shown = 0;
	int c, idx, rc = 0;

	memset(&ml, 0, sizeof(ml));
	ml.risk = &cli->conf.risk;
	filter_init(&f);
	optind = 1;
	while ((c = getopt_long(argc, argv, "F:h", lopts, &idx)) != -1) {
		switch (c) {
		case 'h': return cli_help(stdout, &cli_modules);
		case 'S': store_path = optarg; break;
		case 'u': unsigned_only = true; break;
		case 'F':
			if (strcmp(optarg, "text") && strcmp(optarg, "json") &&
			    strcmp(optarg, "csv")) {
				fprintf(stderr,
					"kmodwatch: bad --format '%s': use text, json or csv\n",
					optarg);
				return KMW_EXIT_ERROR;
			}
			fmt = optarg;
			break;
		case 1:
			if (filter_set(&f, lopts[idx].name, optarg, time(NULL), &why)) {
				fprintf(stderr, "kmodwatch: bad --%s '%s': %s\n", lopts[idx].name,
					optarg, why);
				return KMW_EXIT_ERROR;
			}
			break;
		default: return cli_help(stderr, &cli_modules);
		}
	}
	if (cli_no_args(argc, argv))
		return KMW_EXIT_ERROR;
	rc = inventory_read(cli->proc, cli->sys, &ml.inv, false);
	if (rc) {
		fprintf(stderr, "kmodwatch: cannot read the modules loaded: %s\n", strerror(-rc));
		return rc == -EACCES || rc == -EPERM ? KMW_EXIT_NOPRIV : KMW_EXIT_ERROR;
	}
	if (ml.inv.no_modules) {
		fprintf(!strcmp(fmt, "text") ? stdout : stderr,
			"no modules: this kernel has no "
			"loadable-module support (no %s/modules), so none is loaded\n",
			cli->proc);
		return KMW_EXIT_NOMATCH;
	}
	/* where each came from: the store's snapshot at start and the loads of this boot */
	ledger_init(&ml.ledger, 0);
	store_boot_id(boot, sizeof(boot));
	btime = sysfs_boot_time(cli->proc);
	st = store_open(store_path, false, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "kmodwatch: %s: where each module came from is unknown\n", err);
	} else {
		ml.have_snapshot = ledger_restore(&ml.ledger, st, boot, btime * 1000);
		if (ml.have_snapshot < 0)
			fprintf(stderr, "kmodwatch: %s: %s\n", store_path, store_error(st));
		else if (!ml.have_snapshot)
			fprintf(stderr,
				"kmodwatch: kmodwatchd has not run this boot with the store %s: "
				"where each module came from is unknown\n",
				store_path);
		store_close(st);
	}
	ml.an = modfile_new(0, NULL);
	ml.kmod = kmodlookup_new(getenv("KMW_MODULE_DIR"));
	ml.dpkg = dpkg_new(getenv("KMW_DPKG_ADMIN"), getenv("KMW_DKMS_DIR"));
	if (!ml.an || !ml.dpkg) {
		fprintf(stderr, "kmodwatch: out of memory\n");
		rc = KMW_EXIT_ERROR;
		goto out;
	}
	if (!strcmp(fmt, "text"))
		table.width = cli_table_width(&table.colour);
	buf_init(&out);
	format_modrow_header(&out, &table, fmt);
	/* and what audit saw loaded and never unloaded that neither view shows: it hides, or
	 * went unaudited */
	for (i = 0; i < ml.ledger.n; i++) {
		const struct kmw_ledger_entry *e = &ml.ledger.e[i];

		if (e->loaded && !inventory_find(&ml.inv, e->name) &&
		    inventory_add_gone(&ml.inv, e->name)) {
			rc = KMW_EXIT_ERROR;
			goto out;
		}
	}
	for (i = 0; i < ml.inv.n; i++) {
		const struct kmw_module_info *m = &ml.inv.m[i];

		if (f.v[KMW_F_MODULE].set && strcmp(f.v[KMW_F_MODULE].s, m->name))
			continue;
		modrow_fill(&ml, &r, m, file, sizeof(file), &facts, pkg, sizeof(pkg));
		if ((f.v[KMW_F_RISK].set && r.level < f.v[KMW_F_RISK].n) ||
		    (unsigned_only &&
		     !(r.reasons & ((1u << KMW_R_UNSIGNED) | (1u << KMW_R_SIGNATURE_STRIPPED)))) ||
		    (f.v[KMW_F_SINCE].set && (!r.load || r.load->load_ms < f.v[KMW_F_SINCE].n)))
			continue;
		format_modrow(&out, &table, fmt, &r);
		shown++;
		if (out.len > 65536) {
			fwrite(out.data, 1, out.len, stdout);
			buf_reset(&out);
		}
	}
	if (!strcmp(fmt, "text"))
		buf_printf(&out, "%u of %u module(s)%s\n", shown, ml.inv.n,
			   ml.have_snapshot > 0
				   ? ""
				   : " (provenance unknown: no snapshot of this boot)");
	fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	rc = shown ? KMW_EXIT_OK : KMW_EXIT_NOMATCH;
out:
	modfile_free(ml.an);
	kmodlookup_free(ml.kmod);
	dpkg_free(ml.dpkg);
	ledger_free(&ml.ledger);
	inventory_free(&ml.inv);
	return rc;
}

const struct cli_command cli_modules = { "modules", run, help };
