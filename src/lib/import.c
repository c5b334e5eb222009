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

/* audit.log.N: larger N is older; audit.log itself is the newest */
static int by_age(const void *a, const void *b)
{
	const char *pa = *(const char *const *)a, *pb = *(const char *const *)b;
	char ba[4096], bb[4096], *da, *db;
	long na = 0, nb = 0;
	size_t la, lb;

	snprintf(ba, sizeof(ba), "%s", pa);
	snprintf(bb, sizeof(bb), "%s", pb);
	la = strlen(ba);
	lb = strlen(bb);
	if (la > 3 && !strcmp(ba + la - 3, ".gz"))
		ba[la - 3] = '\0';
	if (lb > 3 && !strcmp(bb + lb - 3, ".gz"))
		bb[lb - 3] = '\0';
	da = strrchr(ba, '.');
	db = strrchr(bb, '.');
	if (da && da[1] >= '0' && da[1] <= '9' && !da[1 + strspn(da + 1, "0123456789")]) {
		na = strtol(da + 1, NULL, 10);
		*da = '\0';
	}
	if (db && db[1] >= '0' && db[1] <= '9' && !db[1 + strspn(db + 1, "0123456789")]) {
		nb = strtol(db + 1, NULL, 10);
		*db = '\0';
	}
	if (strcmp(ba, bb))
		return strcmp(ba, bb);
	return na == nb ? 0 : (na > nb ? -1 : 1);
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
	qsort(files, (size_t)nfiles, sizeof(char *), by_age);
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
