/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_sysfs.h - what the running kernel says of a loaded module (/sys/module) */
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

/**
 * sysfs_boot_time - when this boot began, epoch seconds (btime of @proc/stat), or 0.
 */
long long sysfs_boot_time(const char *proc);

#endif
