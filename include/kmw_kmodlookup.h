/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_kmodlookup.h - where libkmod finds a module of a given name on disk */
#ifndef KMW_KMODLOOKUP_H
#define KMW_KMODLOOKUP_H

#include <stddef.h>

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
