// SPDX-License-Identifier: GPL-2.0-or-later
/* test_inventory.c - the modules loaded now from fake /proc and /sys trees, package
 * provenance from a fake dpkg database, and the ledger's findings: what hides, what came
 * or went unaudited, each once, and never a load or an unload still on its way */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "kmw_dpkg.h"
#include "kmw_inventory.h"
#include "kmw_ledger.h"
#include "kmw_posture.h"
#include "kmw_risk.h"
#include "kmw_store.h"
#include "helpers.h"

static char root[64];

/* remove @what (space-separated names) under the root */
static void rm_under(const char *what)
{
	char cmd[1024], buf[256], *tok, *save = NULL;
	size_t n;

	n = (size_t)snprintf(cmd, sizeof(cmd), "rm -rf");
	snprintf(buf, sizeof(buf), "%s", what);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " '%s/%s'", root, tok);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/kmw-test-inv-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rm_under("proc sys var lib usr events.db events.db-wal events.db-shm");
	return rmdir(root) == 0 ? 0 : -1;
}

/* a loadable module in sysfs: its directory and an initstate */
static void sysmod(const char *name, const char *taint)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "sys/module/%s/initstate", name);
	test_put_str_under(root, rel, "live\n");
	snprintf(rel, sizeof(rel), "sys/module/%s/taint", name);
	test_put_str_under(root, rel, taint);
	snprintf(rel, sizeof(rel), "sys/module/%s/srcversion", name);
	test_put_str_under(root, rel, "0123456789ABCDEF0123456\n");
	snprintf(rel, sizeof(rel), "sys/module/%s/coresize", name);
	test_put_str_under(root, rel, "16384\n");
	snprintf(rel, sizeof(rel), "sys/module/%s/refcnt", name);
	test_put_str_under(root, rel, "0\n");
}

static void read_tree(struct kmw_inventory *inv)
{
	char proc[128], sys[128];

	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	assert_int_equal(inventory_read(proc, sys, inv, false), 0);
}

static void test_inventory_views(void **state)
{
	struct kmw_inventory inv;
	const struct kmw_module_info *m;
	char proc[128], sys[128];

	(void)state;
	rm_under("proc sys");
	test_put_str_under(root, "proc/modules",
			   "crc16 16384 1 ext4, Live 0x0000000000000000\n"
			   "snd 110592 3 snd_hda,snd_pcm,snd_timer, Live 0x0000000000000000\n"
			   "kmw_test 16384 0 - Live 0x0000000000000000 (OE)\n"
			   "half 8192 0 - Loading 0x0000000000000000\n"
			   "garbage\n");
	sysmod("crc16", "\n");
	sysmod("snd", "\n");
	sysmod("kmw_test", "OE\n");
	/* in sysfs only: unlinked from the module list */
	sysmod("hider", "OE\n");
	/* built in: a directory with parameters and no initstate */
	test_put_str_under(root, "sys/module/printk/parameters/time", "Y\n");
	read_tree(&inv);
	assert_false(inv.no_modules);
	assert_int_equal(inv.n, 5);
	/* sorted by name */
	assert_string_equal(inv.m[0].name, "crc16");
	assert_string_equal(inv.m[4].name, "snd");
	m = inventory_find(&inv, "snd");
	assert_non_null(m);
	assert_true(m->in_proc && m->in_sysfs);
	assert_string_equal(m->users, "snd_hda,snd_pcm,snd_timer");
	assert_int_equal(m->refcnt, 3);
	assert_int_equal(m->size, 110592);
	m = inventory_find(&inv, "kmw_test");
	assert_string_equal(m->taint, "OE");
	assert_string_equal(m->srcversion, "0123456789ABCDEF0123456");
	m = inventory_find(&inv, "hider");
	assert_non_null(m);
	assert_false(m->in_proc);
	assert_true(m->in_sysfs);
	assert_string_equal(m->state, "live");
	assert_int_equal(m->size, 16384);
	assert_string_equal(m->taint, "OE");
	m = inventory_find(&inv, "half");
	assert_true(m->in_proc && !m->in_sysfs);
	assert_string_equal(m->state, "Loading");
	assert_null(inventory_find(&inv, "printk"));
	assert_null(inventory_find(&inv, "garbage"));
	inventory_free(&inv);

	/* quick: the same views, and the details of one when asked */
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	assert_int_equal(inventory_read(proc, sys, &inv, true), 0);
	assert_int_equal(inv.n, 5);
	m = inventory_find(&inv, "hider");
	assert_true(m && !m->in_proc && m->in_sysfs);
	assert_string_equal(m->taint, "");
	assert_int_equal(m->size, -1);
	inventory_detail(sys, (struct kmw_module_info *)m);
	assert_string_equal(m->taint, "OE");
	assert_string_equal(m->state, "live");
	assert_int_equal(m->size, 16384);
	assert_string_equal(m->srcversion, "0123456789ABCDEF0123456");
	m = inventory_find(&inv, "snd");
	assert_true(m->in_proc && m->in_sysfs);
	assert_string_equal(m->srcversion, "");
	assert_null(inventory_find(&inv, "printk"));
	inventory_free(&inv);

	/* a kernel without modules: no error, it says so */
	snprintf(proc, sizeof(proc), "%s/noproc", root);
	snprintf(sys, sizeof(sys), "%s/nosys", root);
	assert_int_equal(inventory_read(proc, sys, &inv, false), 0);
	assert_true(inv.no_modules);
	assert_int_equal(inv.n, 0);
	inventory_free(&inv);
}

/* md5sum of a string, as dpkg records it */
static void md5_of(const char *rel, char *out)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(dpkg_md5_file(path, out), 0);
	assert_int_equal(strlen(out), 32);
}

/* a loadable module in sysfs under a name of any bytes (no shell) */
static void sysmod_raw(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/module/%s", root, name);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sys/module/%s/initstate", root, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("live\n", f);
	fclose(f);
}

/*
 * Names that forge lines: the kernel writes a module's name as it is, newline and all. With
 * the names sysfs has, each line is read as the kernel wrote it; a line no module's name
 * explains (its module unlinked from sysfs too) is malformed, never a module.
 */
static void test_inventory_forged(void **state)
{
	static const char d1[] = "d\nkmw_hide_lst 1 0 - Live 0",
			  d2[] = "q\"\\\nghost 4096 0 - Live 0x0";
	struct kmw_inventory inv;
	const struct kmw_module_info *m;
	char list[1024];

	(void)state;
	rm_under("proc sys");
	sysmod("crc16", "\n");
	sysmod("kmw_hide_lst", "OE\n");
	sysmod("kmw_sleepy", "OE\n");
	sysmod_raw(d1);
	sysmod_raw(d2);
	snprintf(list, sizeof(list),
		 "%s 16384 0 - Live 0xffffffffc022b000 (OE)\n"
		 "%s 16384 0 - Live 0xffffffffc0222000 (OE)\n"
		 "kmw_sleepy 28672 1 - Loading 0x0000000000000000 (OE+)\n"
		 "crc16 16384 0 - Live 0x0000000000000000\n",
		 d2, d1);
	test_put_str_under(root, "proc/modules", list);
	read_tree(&inv);
	assert_int_equal(inv.malformed, 0);
	assert_int_equal(inv.n, 5);
	assert_null(inventory_find(&inv, "ghost"));
	assert_null(inventory_find(&inv, "d"));
	m = inventory_find(&inv, d1);
	assert_true(m && m->in_proc && m->in_sysfs);
	assert_string_equal(m->taint, "OE");
	m = inventory_find(&inv, d2);
	assert_true(m && m->in_proc && m->in_sysfs);
	/* the one that unlinked itself: in sysfs alone, whatever the decoy's line says */
	m = inventory_find(&inv, "kmw_hide_lst");
	assert_true(m && !m->in_proc && m->in_sysfs);
	/* in flight: '+' after the taint while it loads */
	m = inventory_find(&inv, "kmw_sleepy");
	assert_true(m && m->in_proc);
	assert_string_equal(m->state, "Loading");
	assert_string_equal(m->taint, "OE");
	inventory_free(&inv);

	/* the decoy unlinked from sysfs too: its lines are no module's */
	snprintf(list, sizeof(list), "rm -rf '%s/sys/module/d'*", root);
	assert_int_equal(system(list), 0);
	read_tree(&inv);
	assert_int_equal(inv.malformed, 2);
	assert_int_equal(inv.malformed_len, 1);
	assert_memory_equal(inv.malformed_line, "d", 1);
	assert_null(inventory_find(&inv, "d"));
	m = inventory_find(&inv, "kmw_hide_lst");
	assert_true(m && !m->in_proc && m->in_sysfs);
	inventory_free(&inv);
	rm_under("proc sys");
}

static void test_dpkg_provenance(void **state)
{
	char admin[128], dkms[128], list[2048], sums[2048], md5a[33], md5b[33], pkg[128], want[33];
	char path[512], mine[33];
	struct kmw_dpkg *d;

	(void)state;
	rm_under("var lib usr");
	test_put_str_under(root, "lib/modules/6.1.0-57-amd64/kernel/lib/crc16.ko",
			   "\177ELF crc16 as shipped");
	test_put_str_under(root, "lib/modules/6.1.0-57-amd64/kernel/lib/crc7.ko",
			   "\177ELF crc7 as shipped");
	test_put_str_under(root, "lib/modules/6.1.0-57-amd64/updates/dkms/zfs.ko",
			   "\177ELF built here");
	test_put_str_under(root, "lib/modules/6.1.0-57-amd64/extra/vbox.ko",
			   "\177ELF dkms elsewhere");
	test_put_str_under(root, "lib/modules/6.1.0-57-amd64/misc/rootkit.ko",
			   "\177ELF nobody ships this");
	test_put_str_under(root, "var/lib/dkms/vbox/7.0/6.1.0-57-amd64/x86_64/module/vbox.ko",
			   "\177ELF dkms elsewhere");
	md5_of("lib/modules/6.1.0-57-amd64/kernel/lib/crc16.ko", md5a);
	md5_of("lib/modules/6.1.0-57-amd64/kernel/lib/crc7.ko", md5b);
	/* the list names files as absolute paths, the digests as relative ones */
	snprintf(list, sizeof(list),
		 "/.\n%s/lib\n%s/lib/modules/6.1.0-57-amd64/kernel/lib/crc16.ko\n"
		 "%s/lib/modules/6.1.0-57-amd64/kernel/lib/crc7.ko\n/usr/share/doc/x/copyright\n"
		 "/lib/modules/6.1.0-57-amd64/kernel/fs/ext4/ext4.ko\n",
		 root, root, root);
	test_put_str_under(root, "var/lib/dpkg/info/linux-image-6.1.0-57-amd64.list", list);
	/* crc7's digest is another's: the file was changed since the package installed it */
	snprintf(
		sums, sizeof(sums),
		"%s  %s/lib/modules/6.1.0-57-amd64/kernel/lib/crc16.ko\n"
		"00000000000000000000000000000000  %s/lib/modules/6.1.0-57-amd64/kernel/lib/crc7.ko\n"
		"4d3c8f2f0c1e33e4c1b0e0a2b6d3c1f0  lib/modules/6.1.0-57-amd64/kernel/fs/ext4/ext4.ko\n"
		"zz  short\n",
		md5a, root + 1, root + 1);
	test_put_str_under(root, "var/lib/dpkg/info/linux-image-6.1.0-57-amd64.md5sums", sums);
	test_put_str_under(root, "var/lib/dpkg/info/bash.list", "/.\n/bin/bash\n");
	test_put_str_under(root, "var/lib/dpkg/info/bash.md5sums", "0123  bin/bash\n");
	snprintf(admin, sizeof(admin), "%s/var/lib/dpkg", root);
	snprintf(dkms, sizeof(dkms), "%s/var/lib/dkms", root);
	d = dpkg_new(admin, dkms);
	assert_non_null(d);
	assert_int_equal(dpkg_modules(d), 3);

	snprintf(path, sizeof(path), "%s/lib/modules/6.1.0-57-amd64/kernel/lib/crc16.ko", root);
	assert_int_equal(dpkg_provenance(d, path, NULL, pkg, sizeof(pkg), want), KMW_PKG_PACKAGED);
	assert_string_equal(pkg, "linux-image-6.1.0-57-amd64");
	assert_string_equal(want, md5a);
	/* the digest of the bytes the kernel read, when the caller has it */
	assert_int_equal(dpkg_provenance(d, path, md5a, pkg, sizeof(pkg), NULL), KMW_PKG_PACKAGED);
	assert_int_equal(dpkg_provenance(d, path, md5b, pkg, sizeof(pkg), NULL), KMW_PKG_MODIFIED);

	snprintf(path, sizeof(path), "%s/lib/modules/6.1.0-57-amd64/kernel/lib/crc7.ko", root);
	assert_int_equal(dpkg_provenance(d, path, NULL, pkg, sizeof(pkg), want), KMW_PKG_MODIFIED);
	assert_string_equal(pkg, "linux-image-6.1.0-57-amd64");
	assert_string_equal(want, "00000000000000000000000000000000");

	/* merged /usr: the list says /lib, the kernel's fd /usr/lib */
	assert_int_equal(
		dpkg_provenance(d, "/usr/lib/modules/6.1.0-57-amd64/kernel/fs/ext4/ext4.ko",
				"4d3c8f2f0c1e33e4c1b0e0a2b6d3c1f0", pkg, sizeof(pkg), NULL),
		KMW_PKG_PACKAGED);
	assert_int_equal(
		dpkg_provenance(d, "/usr/lib/modules/6.1.0-57-amd64/kernel/fs/ext4/ext4.ko",
				"4D3C8F2F0C1E33E4C1B0E0A2B6D3C1F0", pkg, sizeof(pkg), NULL),
		KMW_PKG_PACKAGED);
	assert_int_equal(dpkg_provenance(d,
					 "/usr/lib/modules/6.1.0-57-amd64/kernel/fs/ext4/ext4.ko",
					 md5a, pkg, sizeof(pkg), NULL),
			 KMW_PKG_MODIFIED);

	snprintf(path, sizeof(path), "%s/lib/modules/6.1.0-57-amd64/updates/dkms/zfs.ko", root);
	assert_int_equal(dpkg_provenance(d, path, NULL, pkg, sizeof(pkg), NULL), KMW_PKG_DKMS);
	assert_string_equal(pkg, "");
	/* known to DKMS by its tree, wherever it was installed */
	snprintf(path, sizeof(path), "%s/lib/modules/6.1.0-57-amd64/extra/vbox.ko", root);
	assert_int_equal(dpkg_provenance(d, path, NULL, pkg, sizeof(pkg), NULL), KMW_PKG_DKMS);
	snprintf(path, sizeof(path), "%s/lib/modules/6.1.0-57-amd64/misc/rootkit.ko", root);
	assert_int_equal(dpkg_provenance(d, path, NULL, pkg, sizeof(pkg), NULL),
			 KMW_PKG_UNPACKAGED);
	assert_int_equal(dpkg_provenance(d, "/tmp/x.ko", NULL, pkg, sizeof(pkg), NULL),
			 KMW_PKG_UNPACKAGED);

	/* a package installed since: the database changed, the index follows */
	sleep(1);
	snprintf(list, sizeof(list), "%s/lib/modules/6.1.0-57-amd64/misc/rootkit.ko\n", root);
	test_put_str_under(root, "var/lib/dpkg/info/evil-dkms:amd64.list", list);
	snprintf(path, sizeof(path), "%s/lib/modules/6.1.0-57-amd64/misc/rootkit.ko", root);
	md5_of("lib/modules/6.1.0-57-amd64/misc/rootkit.ko", mine);
	assert_int_equal(dpkg_modules(d), 4);
	/* no digests recorded: shipped by it, as far as can be told */
	assert_int_equal(dpkg_provenance(d, path, mine, pkg, sizeof(pkg), want), KMW_PKG_PACKAGED);
	assert_string_equal(pkg, "evil-dkms");
	assert_string_equal(want, "");
	/* digests edited in place (the directory unchanged): the index follows them too */
	snprintf(path, sizeof(path), "%s/lib/modules/6.1.0-57-amd64/kernel/lib/crc7.ko", root);
	assert_int_equal(dpkg_provenance(d, path, NULL, pkg, sizeof(pkg), NULL), KMW_PKG_MODIFIED);
	snprintf(sums, sizeof(sums), "%s  %s/lib/modules/6.1.0-57-amd64/kernel/lib/crc7.ko\n", md5b,
		 root + 1);
	test_put_str_under(root, "var/lib/dpkg/info/linux-image-6.1.0-57-amd64.md5sums", sums);
	assert_int_equal(dpkg_provenance(d, path, NULL, pkg, sizeof(pkg), want), KMW_PKG_PACKAGED);
	assert_string_equal(want, md5b);
	dpkg_free(d);

	/* not a dpkg system: nothing can be said, rather than "unpackaged" of everything */
	snprintf(admin, sizeof(admin), "%s/no/dpkg", root);
	d = dpkg_new(admin, dkms);
	assert_int_equal(dpkg_provenance(d, path, NULL, pkg, sizeof(pkg), NULL), KMW_PKG_UNKNOWN);
	snprintf(path, sizeof(path), "%s/lib/modules/6.1.0-57-amd64/updates/dkms/zfs.ko", root);
	assert_int_equal(dpkg_provenance(d, path, NULL, pkg, sizeof(pkg), NULL), KMW_PKG_DKMS);
	dpkg_free(d);
	assert_string_equal(dpkg_prov_name(KMW_PKG_MODIFIED), "packaged_modified");
	assert_null(dpkg_prov_name(KMW_PKG_UNKNOWN));
}

/* What the ledger told, in order. */
struct told {
	int n;
	char name[8][64];
	int code[8];
	bool in_proc[8], in_sysfs[8];
};

static void on_finding(const struct kmw_ledger_entry *e, int code, const struct kmw_module_info *m,
		       void *arg)
{
	struct told *t = arg;

	assert_true(t->n < 8);
	snprintf(t->name[t->n], sizeof(t->name[0]), "%s", e->name);
	t->code[t->n] = code;
	t->in_proc[t->n] = m && m->in_proc;
	t->in_sysfs[t->n] = m && m->in_sysfs;
	t->n++;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct kmw_module_info *)a)->name,
		      ((const struct kmw_module_info *)b)->name);
}

/* an inventory of modules given as "name:views", views p (list), s (sysfs), ps (both) */
static void views(struct kmw_inventory *inv, const char *spec)
{
	char buf[512], *tok, *save = NULL;

	memset(inv, 0, sizeof(*inv));
	inv->cap = 32;
	inv->m = calloc(inv->cap, sizeof(*inv->m));
	assert_non_null(inv->m);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		struct kmw_module_info *m = &inv->m[inv->n++];
		char *colon = strchr(tok, ':');

		*colon = '\0';
		snprintf(m->name, sizeof(m->name), "%s", tok);
		m->in_proc = strchr(colon + 1, 'p') != NULL;
		m->in_sysfs = strchr(colon + 1, 's') != NULL;
		/* L: Loading, its init not returned */
		snprintf(m->state, sizeof(m->state), "%s",
			 strchr(colon + 1, 'L') ? "Loading" : "Live");
	}
	/* sorted, as inventory_read leaves it */
	qsort(inv->m, inv->n, sizeof(*inv->m), by_name);
}

static unsigned int check(struct kmw_ledger *l, const char *spec, int64_t ms, uint64_t gaps,
			  struct told *t)
{
	struct kmw_inventory inv;
	unsigned int w;

	views(&inv, spec);
	w = ledger_check(l, &inv, ms, gaps, true, on_finding, t);
	inventory_free(&inv);
	return w;
}

static void load(struct kmw_ledger *l, const char *name, uint64_t serial, uint64_t gaps)
{
	struct kmw_load ld = { .serial = serial, .ms = 1000, .path = "/tmp/x.ko", .uid = 0 };

	ledger_load(l, name, &ld, gaps);
}

static void test_ledger_findings(void **state)
{
	struct kmw_ledger l;
	struct told t = { 0 };

	(void)state;
	ledger_init(&l, 2000);
	/* the start: three modules, one of them hidden from the list already */
	ledger_at_start(&l, "crc16", 0);
	ledger_at_start(&l, "snd", 0);
	ledger_at_start(&l, "pre_hider", 0);
	assert_int_equal(check(&l, "crc16:ps snd:ps pre_hider:s", 0, 0, &t), 1);
	assert_int_equal(t.n, 0); /* a first look is no finding */
	/* too soon for the second look */
	assert_int_equal(check(&l, "crc16:ps snd:ps pre_hider:s", 1000, 0, &t), 1);
	assert_int_equal(t.n, 0);
	assert_int_equal(check(&l, "crc16:ps snd:ps pre_hider:s", 2500, 0, &t), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.name[0], "pre_hider");
	assert_int_equal(t.code[0], KMW_R_HIDDEN_MODULE);
	assert_false(t.in_proc[0]);
	assert_true(t.in_sysfs[0]);
	/* once per module, not at every check */
	assert_int_equal(check(&l, "crc16:ps snd:ps pre_hider:s", 5000, 0, &t), 0);
	assert_int_equal(check(&l, "crc16:ps snd:ps pre_hider:s", 9000, 0, &t), 0);
	assert_int_equal(t.n, 1);

	/* an audited load that unlinks itself at once: sysfs has it, the list does not */
	load(&l, "now_hider", 41, 0);
	check(&l, "crc16:ps snd:ps pre_hider:s now_hider:s", 10000, 0, &t);
	check(&l, "crc16:ps snd:ps pre_hider:s now_hider:s", 12000, 0, &t);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.name[1], "now_hider");
	assert_int_equal(t.code[1], KMW_R_HIDDEN_MODULE);
	assert_int_equal(ledger_find(&l, "now_hider")->load_serial, 41);

	/* an audited load that later hides from both views, with no gap of audit's: hidden */
#define HIDERS "pre_hider:s now_hider:s"
	load(&l, "late_hider", 42, 0);
	check(&l, "crc16:ps snd:ps late_hider:ps " HIDERS, 13000, 0, &t);
	check(&l, "crc16:ps snd:ps " HIDERS, 14000, 0, &t);
	check(&l, "crc16:ps snd:ps " HIDERS, 16500, 0, &t);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.name[2], "late_hider");
	assert_int_equal(t.code[2], KMW_R_HIDDEN_MODULE);
	assert_false(t.in_proc[2] || t.in_sysfs[2]);

	/* the same with a gap since its load (records lost): maybe an unload audit missed */
	load(&l, "gone", 43, 0);
	check(&l, "crc16:ps snd:ps gone:ps " HIDERS, 17000, 0, &t);
	check(&l, "crc16:ps snd:ps " HIDERS, 18000, 1, &t);
	check(&l, "crc16:ps snd:ps " HIDERS, 20500, 1, &t);
	assert_int_equal(t.n, 4);
	assert_string_equal(t.name[3], "gone");
	assert_int_equal(t.code[3], KMW_R_UNAUDITED_UNLOAD);

	/* one the list has that audit never saw loaded and that was not there at the start */
	check(&l, "crc16:ps snd:ps sneaky:ps " HIDERS, 21000, 1, &t);
	check(&l, "crc16:ps snd:ps sneaky:ps " HIDERS, 23500, 1, &t);
	assert_int_equal(t.n, 5);
	assert_string_equal(t.name[4], "sneaky");
	assert_int_equal(t.code[4], KMW_R_UNAUDITED_LOAD);
	check(&l, "crc16:ps snd:ps sneaky:ps " HIDERS, 30000, 1, &t);
	assert_int_equal(t.n, 5);

	/* loaded before monitoring, or come unaudited, then gone from both views with no
	 * unload seen */
	check(&l, "crc16:ps " HIDERS, 31000, 1, &t);
	check(&l, "crc16:ps " HIDERS, 33500, 1, &t);
	assert_int_equal(t.n, 7);
	assert_string_equal(t.name[5], "snd");
	assert_int_equal(t.code[5], KMW_R_UNAUDITED_UNLOAD);
	assert_string_equal(t.name[6], "sneaky");
	assert_int_equal(t.code[6], KMW_R_UNAUDITED_UNLOAD);
	/* and nothing more of any of them */
	check(&l, "crc16:ps " HIDERS, 40000, 1, &t);
	check(&l, "crc16:ps " HIDERS, 45000, 1, &t);
	assert_int_equal(t.n, 7);
	ledger_free(&l);
}

static void test_ledger_races(void **state)
{
	struct kmw_ledger l;
	struct kmw_inventory inv;
	struct told t = { 0 };
	int i;

	(void)state;
	ledger_init(&l, 2000);
	ledger_at_start(&l, "crc16", 0);
	/* the module is in the list before its load event reached the ledger */
	assert_int_equal(check(&l, "crc16:ps fresh:ps", 0, 0, &t), 1);
	load(&l, "fresh", 7, 0);
	assert_int_equal(check(&l, "crc16:ps fresh:ps", 2500, 0, &t), 0);
	assert_int_equal(t.n, 0);
	/* an unload on its way: the module is gone before its delete_module event came */
	assert_int_equal(check(&l, "crc16:ps", 3000, 0, &t), 1);
	ledger_unload(&l, "fresh");
	assert_int_equal(check(&l, "crc16:ps", 6000, 0, &t), 0);
	assert_int_equal(t.n, 0);
	/* mid-load: in the list (Loading) before sysfs has it, and the other way round */
	load(&l, "coming", 8, 0);
	check(&l, "crc16:ps coming:p", 7000, 0, &t);
	check(&l, "crc16:ps coming:ps", 9500, 0, &t);
	assert_int_equal(t.n, 0);
	/* events that lag behind hold a finding back, however long it stood */
	views(&inv, "crc16:ps coming:ps late:ps");
	for (i = 0; i < 5; i++)
		assert_int_equal(ledger_check(&l, &inv, 10000 + i * 3000, 0, false, on_finding, &t),
				 1);
	assert_int_equal(t.n, 0);
	assert_int_equal(ledger_check(&l, &inv, 30000, 0, true, on_finding, &t), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.name[0], "late");
	inventory_free(&inv);
	/* a finding that goes away before its second look is no finding */
	load(&l, "flicker", 9, 0);
	check(&l, "crc16:ps coming:ps late:ps flicker:s", 31000, 0, &t);
	check(&l, "crc16:ps coming:ps late:ps flicker:ps", 34000, 0, &t);
	check(&l, "crc16:ps coming:ps late:ps flicker:ps", 37000, 0, &t);
	assert_int_equal(t.n, 1);
	/* said before a restart (the store's alert): not said again */
	ledger_reported(&l, "flicker", KMW_R_HIDDEN_MODULE);
	check(&l, "crc16:ps coming:ps late:ps flicker:s", 38000, 0, &t);
	check(&l, "crc16:ps coming:ps late:ps flicker:s", 41000, 0, &t);
	assert_int_equal(t.n, 1);
	/* a new life of the module (unloaded, loaded again, hides): said again */
	ledger_unload(&l, "flicker");
	load(&l, "flicker", 10, 0);
	check(&l, "crc16:ps coming:ps late:ps flicker:s", 42000, 0, &t);
	check(&l, "crc16:ps coming:ps late:ps flicker:s", 45000, 0, &t);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.name[1], "flicker");
	assert_int_equal(ledger_find(&l, "flicker")->load_serial, 10);
	/* a module whose init sleeps: its records come when it returns, not judged meanwhile */
	check(&l, "crc16:ps coming:ps late:ps flicker:s sleepy:psL", 50000, 0, &t);
	check(&l, "crc16:ps coming:ps late:ps flicker:s sleepy:psL", 53000, 0, &t);
	check(&l, "crc16:ps coming:ps late:ps flicker:s sleepy:psL", 100000, 0, &t);
	assert_int_equal(t.n, 2);
	/* ... but not for good: one still Loading after a minute is judged */
	check(&l, "crc16:ps coming:ps late:ps flicker:s sleepy:psL", 111000, 0, &t);
	check(&l, "crc16:ps coming:ps late:ps flicker:s sleepy:psL", 114000, 0, &t);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.name[2], "sleepy");
	ledger_free(&l);
}

/*
 * Merged /usr: /bin, /sbin, /lib, /lib32, /lib64, /libx32 are links into /usr, and dpkg's lists
 * name a file as its package ships it (coreutils: /bin/true). A file under each alias is found
 * under the other name, both ways; a module file out of the index's reach (no /modules/ in
 * its path) is looked up in the lists, once.
 */
static void test_dpkg_merged_usr(void **state)
{
	static const char *const dirs[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
	char list[4096], sums[4096], admin[256], pkg[128], want[33], path[256], link[64];
	struct kmw_dpkg *d;
	size_t i, nl = 0, ns = 0;
	ssize_t n;

	(void)state;
	rm_under("var");
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		nl += (size_t)snprintf(list + nl, sizeof(list) - nl,
				       "/%s/kmw-old-%s\n/usr/%s/kmw-new-%s\n", dirs[i], dirs[i],
				       dirs[i], dirs[i]);
		ns += (size_t)snprintf(sums + ns, sizeof(sums) - ns,
				       "0123456789abcdef0123456789abcdef  %s/kmw-old-%s\n", dirs[i],
				       dirs[i]);
	}
	snprintf(list + nl, sizeof(list) - nl, "/opt/vendor/driver.ko\n");
	test_put_str_under(root, "var/lib/dpkg/info/coreutils.list", list);
	test_put_str_under(root, "var/lib/dpkg/info/coreutils.md5sums", sums);
	snprintf(admin, sizeof(admin), "%s/var/lib/dpkg", root);
	d = dpkg_new(admin, "/nonexistent-dkms");
	assert_non_null(d);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char top[32], usr[32];
		bool merged;

		snprintf(top, sizeof(top), "/%s", dirs[i]);
		snprintf(usr, sizeof(usr), "usr/%s", dirs[i]);
		n = readlink(top, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		merged = n > 0 && (!strcmp(link, usr) || !strcmp(link + 1, usr));
		/* the list names /DIR/x, the kernel's fd /usr/DIR/x */
		snprintf(path, sizeof(path), "/usr/%s/kmw-old-%s", dirs[i], dirs[i]);
		assert_int_equal(dpkg_provenance(d, path, "0123456789ABCDEF0123456789ABCDEF", pkg,
						 sizeof(pkg), want),
				 merged ? KMW_PKG_PACKAGED : KMW_PKG_UNPACKAGED);
		if (merged) {
			assert_string_equal(pkg, "coreutils");
			assert_string_equal(want, "0123456789abcdef0123456789abcdef");
			assert_int_equal(dpkg_provenance(d, path,
							 "00000000000000000000000000000000", pkg,
							 sizeof(pkg), NULL),
					 KMW_PKG_MODIFIED);
		}
		/* the list names /usr/DIR/x, the path /DIR/x; no digest recorded */
		snprintf(path, sizeof(path), "/%s/kmw-new-%s", dirs[i], dirs[i]);
		assert_int_equal(dpkg_provenance(d, path, "00000000000000000000000000000000", pkg,
						 sizeof(pkg), NULL),
				 merged ? KMW_PKG_PACKAGED : KMW_PKG_UNPACKAGED);
	}
	/* a module file the index does not hold, by its path: the lists say */
	assert_int_equal(dpkg_provenance(d, "/opt/vendor/driver.ko",
					 "00000000000000000000000000000000", pkg, sizeof(pkg),
					 NULL),
			 KMW_PKG_PACKAGED);
	assert_string_equal(pkg, "coreutils");
	/* each looked up once, until the database changes */
	n = (ssize_t)dpkg_lookups(d);
	assert_int_equal(dpkg_provenance(d, "/opt/vendor/driver.ko",
					 "00000000000000000000000000000000", pkg, sizeof(pkg),
					 NULL),
			 KMW_PKG_PACKAGED);
	assert_int_equal(dpkg_lookups(d), (unsigned int)n);
	assert_int_equal(dpkg_provenance(d, "/usr/bin/nobody-ships-this",
					 "00000000000000000000000000000000", pkg, sizeof(pkg),
					 NULL),
			 KMW_PKG_UNPACKAGED);
	dpkg_free(d);
	rm_under("var");
}

/* The protections of module loading, from fake trees; the ones that go down, in words. */
static void test_posture(void **state)
{
	struct kmw_posture was, now;
	char proc[128], sys[128], sec[128], why[200];

	(void)state;
	rm_under("proc sys");
	test_put_str_under(root, "proc/sys/kernel/modules_disabled", "1\n");
	test_put_str_under(root, "proc/cmdline", "BOOT_IMAGE=/vmlinuz ro quiet\n");
	test_put_str_under(root, "sys/module/module/parameters/sig_enforce", "Y\n");
	test_put_str_under(root, "sys/kernel/security/lockdown",
			   "none [integrity] confidentiality\n");
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(sec, sizeof(sec), "%s/sys/kernel/security", root);
	posture_read(proc, sys, sec, &was);
	assert_int_equal(was.lockdown, 1);
	assert_int_equal(was.sig_enforce, 1);
	assert_int_equal(was.modules_disabled, 1);
	assert_null(posture_weaker(&was, &was, why, sizeof(why)));
	test_put_str_under(root, "proc/sys/kernel/modules_disabled", "0\n");
	posture_read(proc, sys, sec, &now);
	assert_non_null(posture_weaker(&was, &now, why, sizeof(why)));
	assert_non_null(strstr(why, "modules_disabled went from 1 to 0"));
	test_put_str_under(root, "sys/kernel/security/lockdown",
			   "[none] integrity confidentiality\n");
	posture_read(proc, sys, sec, &now);
	assert_int_equal(now.lockdown, 0);
	assert_non_null(strstr(posture_weaker(&was, &now, why, sizeof(why)), "lockdown"));
	/* stronger is no finding; unknown is not weaker */
	assert_null(posture_weaker(&now, &was, why, sizeof(why)));
	rm_under("proc sys");
	posture_read(proc, sys, sec, &now);
	assert_int_equal(now.sig_enforce, -1);
	assert_null(posture_weaker(&was, &now, why, sizeof(why)));
}

/* The ledger from the store after a restart: the baseline, the loads, the alerts said. */
static void test_ledger_restore(void **state)
{
	struct kmw_ledger l;
	struct kmw_inventory inv;
	struct kmw_store *s;
	char path[128], err[256];
	const struct kmw_ledger_entry *e;

	(void)state;
	snprintf(path, sizeof(path), "%s/events.db", root);
	unlink(path);
	s = store_open(path, true, err, sizeof(err));
	assert_non_null(s);
	/* a boot with nothing of it stored: no snapshot, nothing known */
	ledger_init(&l, 2000);
	assert_int_equal(ledger_restore(&l, s, "boot-a", 0), 0);
	assert_int_equal(l.n, 0);
	/* the first start of the boot: its snapshot is the baseline; a later one adds nothing */
	views(&inv, "crc16:ps pre:s");
	assert_int_equal(store_snapshot_note(s, "boot-a", 1000, &inv), 1);
	inventory_free(&inv);
	views(&inv, "crc16:ps pre:s later:ps");
	assert_int_equal(store_snapshot_note(s, "boot-a", 5000, &inv), 0);
	inventory_free(&inv);
	assert_int_equal(ledger_restore(&l, s, "boot-a", 0), 1);
	assert_int_equal(l.n, 2);
	e = ledger_find(&l, "pre");
	assert_non_null(e);
	assert_true(e->at_start);
	assert_null(ledger_find(&l, "later"));
	ledger_free(&l);
	/* a boot that started with no module loaded still has its snapshot */
	views(&inv, "");
	inv.n = 0;
	assert_int_equal(store_snapshot_note(s, "boot-b", 1000, &inv), 1);
	inventory_free(&inv);
	ledger_init(&l, 2000);
	assert_int_equal(ledger_restore(&l, s, "boot-b", 0), 1);
	assert_int_equal(l.n, 0);
	ledger_free(&l);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inventory_views), cmocka_unit_test(test_inventory_forged),
		cmocka_unit_test(test_dpkg_provenance), cmocka_unit_test(test_dpkg_merged_usr),
		cmocka_unit_test(test_ledger_findings), cmocka_unit_test(test_ledger_races),
		cmocka_unit_test(test_ledger_restore),	cmocka_unit_test(test_posture),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
