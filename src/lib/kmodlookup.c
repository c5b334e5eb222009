// SPDX-License-Identifier: GPL-2.0-or-later
/* kmodlookup.c - libkmod's answer to "which file is module NAME" */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libkmod.h>

#include "kmw_kmodlookup.h"

struct kmw_kmod {
	struct kmod_ctx *ctx;
};

struct kmw_kmod *kmodlookup_new(const char *moddir)
{
	struct kmw_kmod *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->ctx = kmod_new(moddir, NULL);
	if (!k->ctx) {
		free(k);
		errno = ENOENT;
		return NULL;
	}
	/* the indexes stay mapped: each lookup is then a few page reads */
	kmod_load_resources(k->ctx);
	return k;
}

void kmodlookup_free(struct kmw_kmod *k)
{
	if (!k)
		return;
	kmod_unref(k->ctx);
	free(k);
}

int kmodlookup_path(struct kmw_kmod *k, const char *name, char *path, size_t cap)
{
	struct kmod_list *list = NULL, *it;
	int rc = -ENOENT;

	if (!k || kmod_module_new_from_lookup(k->ctx, name, &list) < 0 || !list)
		return -ENOENT;
	kmod_list_foreach(it, list)
	{
		struct kmod_module *m = kmod_module_get_module(it);
		const char *p = kmod_module_get_path(m);

		if (p) {
			snprintf(path, cap, "%s", p);
			rc = 0;
		} else if (rc == -ENOENT) {
			rc = -ENOTSUP;
		}
		kmod_module_unref(m);
		if (!rc)
			break;
	}
	kmod_module_unref_list(list);
	return rc;
}
