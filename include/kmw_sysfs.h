/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_sysfs.h - what the running kernel says of a loaded module (/sys/module), and where
 * libkmod finds a module of that name on disk */
#ifndef KMW_SYSFS_H
#define KMW_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KMW_SYSFS_PARAMS 32

struct kmw_sysfs {
	bool present;			/* /sys/module/NAME exists */
	char srcversion[64];
	char taint[32];
	char initstate[16];
	int64_t refcnt;			/* -1 when unknown */
	int64_t coresize;		/* -1 when unknown */
	unsigned int nparams;
	bool params_truncated;		/* more parameters, or values cut */
	struct {
		char name[64];
		char value[192];
	} params[KMW_SYSFS_PARAMS];
};

/**
 * sysfs_read_module - read /sys/module/@name under @sysroot ("/sys", or a fake
 * tree in tests) into @out. Parameters the kernel keeps unreadable are left
 * out. Returns 0, or -ENOENT when the module is not loaded (any more).
 */
int sysfs_read_module(const char *sysroot, const char *name, struct kmw_sysfs *out);

struct kmw_kmod;

/**
 * kmodlookup_new - libkmod over @moddir (NULL: the running kernel's
 * /lib/modules/$(uname -r)). Returns NULL with errno set.
 */
struct kmw_kmod *kmodlookup_new(const char *moddir);

/**
 * kmodlookup_free - release @k.
 */
void kmodlookup_free(struct kmw_kmod *k);

/**
 * kmodlookup_path - the file libkmod resolves module @name (or an alias) to.
 * Returns 0 with @path filled, -ENOENT when unknown, -ENOTSUP for a builtin.
 */
int kmodlookup_path(struct kmw_kmod *k, const char *name, char *path, size_t cap);

#endif
