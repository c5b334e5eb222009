// SPDX-License-Identifier: GPL-2.0-or-later
/* import.c - audit log files into the store: backfill at start, `kmodwatch import` */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "kmw_buf.h"
#include "kmw_format.h"
#include "kmw_lines.h"
#include "kmw_parse.h"
#include "kmw_risk.h"
#include "kmw_store.h"

struct import_ctx {
	struct kmw_store *store;
	int64_t since_ms;
	const struct kmw_risk_config *risk;
	kmw_import_cb cb;
	void *arg;
	struct kmw_import *out;
	struct kmw_buf json;
};

static void on_event(struct kmw_event *ev, void *arg)
{
	struct import_ctx *c = arg;
	int64_t t = ev->sec * 1000 + ev->msec;
	char boot[64];
	int rc;

	if (t < c->since_ms)
		return;
	c->out->seen++;
	risk_assess(c->risk, ev);
	buf_reset(&c->json);
	if (format_json(&c->json, ev)) {
		c->out->failed++;
		return;
	}
	store_boot_for(c->store, t, boot, sizeof(boot));
	rc = store_insert(c->store, ev, boot, c->json.data, c->json.len);
	if (rc < 0) {
		c->out->failed++;
	} else if (rc > 0) {
		c->out->added++;
		if (c->cb)
			c->cb(ev, c->json.data, c->json.len, c->arg);
	}
}

int store_import(struct kmw_store *s, char **files, int nfiles, int64_t since_ms,
		 const struct kmw_risk_config *risk, kmw_import_cb cb, void *arg,
		 void (*bad)(uint64_t lineno, const char *why, const char *line, size_t len, void *arg),
		 struct kmw_import *out)
{
	struct import_ctx c = { .store = s, .since_ms = since_ms, .risk = risk, .cb = cb,
				.arg = arg, .out = out };
	struct kmw_lines *lines = calloc(1, sizeof(*lines));
	struct kmw_parser *p = parse_new(on_event, &c, NULL);
	char *buf = malloc(1 << 18);
	int i, n, fd, rc = 0;
	gzFile gz;

	memset(out, 0, sizeof(*out));
	buf_init(&c.json);
	if (!lines || !p || !buf) {
		rc = -ENOMEM;
		goto out;
	}
	parse_set_names(p, KMW_NAMES_RECORD);
	parse_set_historical(p, true);
	lines_init(lines, p, true, bad, NULL);
	lines_sort_rotated(files, nfiles);
	for (i = 0; i < nfiles; i++) {
		fd = strcmp(files[i], "-") ? open(files[i], O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
		gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
		if (!gz) {
			if (fd >= 0)
				close(fd);
			rc = -errno ? -errno : -EIO;
			continue;
		}
		lines->bad_arg = files[i];
		lines->stats.lines = 0;
		while ((n = gzread(gz, buf, 1 << 18)) > 0)
			lines_push(lines, buf, (size_t)n);
		if (n < 0)
			rc = -EIO;
		lines_push(lines, "\n", 1);
		gzclose(gz);
	}
	lines_finish(lines);
	out->bad_lines = lines->stats.bad_lines;
out:
	parse_free(p);
	free(lines);
	free(buf);
	buf_free(&c.json);
	return rc;
}
