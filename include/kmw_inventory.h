/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_inventory.h - the modules loaded now, as the kernel's two views show them: the module
 * list (/proc/modules) and sysfs (/sys/module/NAME with an initstate) */
#ifndef KMW_INVENTORY_H
#define KMW_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* MODULE_NAME_LEN is 56 */
#define KMW_MODNAME_MAX 64

struct kmw_module_info {
	char name[KMW_MODNAME_MAX];
	bool in_proc;	 /* listed in /proc/modules */
	bool in_sysfs;	 /* /sys/module/NAME has an initstate: a loadable module */
	char state[16];	 /* /proc/modules: Live, Loading, Unloading; else sysfs initstate */
	int64_t size;	 /* bytes (/proc/modules, else sysfs coresize), -1 unknown */
	int64_t refcnt;	 /* -1 unknown */
	char users[256]; /* the modules that use it, comma-separated */
	char taint[16];	 /* letters: E unsigned, O out of tree, F forced, ... */
	char srcversion[64];
};

struct kmw_inventory {
	bool no_modules; /* this kernel has no module support: no /proc/modules */
	/* lines of /proc/modules that are not what the kernel writes for a module that sysfs
	 * names: a name with a newline forges them */
	unsigned int malformed;
	char malformed_line[96]; /* the first of them, as it is (may hold any byte) */
	size_t malformed_len;
	unsigned int n, cap;
	struct kmw_module_info *m; /* sorted by name */
};

/**
 * inventory_read - every loadable module either view shows, under @proc and @sys ("/proc",
 * "/sys", or fake trees in tests), sorted by name. The module list is read strictly, line by
 * line as the kernel writes them, with the names sysfs has: a name with a space or a newline
 * is taken whole, and a line that is no module's (forged by such a name) is counted in
 * malformed, never taken for a module. With @quick only what the views are
 * (in_proc, in_sysfs, and the list's own fields): sysfs is listed, and a module the list
 * lacks costs one stat; inventory_detail reads the rest of one. Returns 0 or -errno
 * (-ENOMEM); a kernel without modules is no error (no_modules).
 */
int inventory_read(const char *proc, const char *sys, struct kmw_inventory *inv, bool quick);

/**
 * inventory_detail - what sysfs says of @m beyond a quick read: srcversion, and taint,
 * state, size, refcnt where the list did not say them.
 */
void inventory_detail(const char *sys, struct kmw_module_info *m);

/**
 * inventory_find - the entry of @name, or NULL.
 */
const struct kmw_module_info *inventory_find(const struct kmw_inventory *inv, const char *name);

/**
 * inventory_add_gone - an entry for @name, which neither view shows (a module the ledger
 * knows loaded); the list stays sorted. Returns 0 or -ENOMEM.
 */
int inventory_add_gone(struct kmw_inventory *inv, const char *name);

/**
 * inventory_free - release what inventory_read made.
 */
void inventory_free(struct kmw_inventory *inv);

#endif
