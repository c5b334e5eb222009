/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_sysfs.h - what the running kernel says of a loaded module (/sys/module), and where
 * libkmod finds a module of that name on disk */
#ifndef KMW_SYSFS_H
#define KMW_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmw_event.h"

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
