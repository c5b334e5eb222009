// SPDX-License-Identifier: GPL-2.0-or-later
/* import.c - audit log files into the store: backfill at start, `kmodwatch import` */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmw_buf.h"
#include "kmw_format.h"
#include "kmw_import.h"
#include "kmw_parse.h"

/*
 * Inserts per transaction: one commit (and its fsync) per event made a
 * million events take 152 s and write 58 GB for a 2.25 GB store. With a
 * callback, its events wait in memory for their commit: fewer of them.
 */
#define BATCH 2000
#define BATCH_HELD 32

struct import_ctx {
	struct kmw_store *store;
	const struct kmw_import_opts *o;
	struct kmw_risk_config risk;
	struct kmw_import_result *out;
	struct kmw_buf json;
	bool tx;	    /* a transaction is open */
	unsigned int in_tx; /* inserts in it */
	uint64_t added_in_tx;
	unsigned int nheld; /* of them new, for the callback once committed */
	struct kmw_event *held;
	struct kmw_buf heldjson[BATCH_HELD];
};

/* End the transaction; then the callback hears of what it added. */
static void commit(struct import_ctx *c)
{
	unsigned int i;

	/* without a transaction (it could not begin) each insert committed by itself */
	if (c->tx) {
		c->tx = false;
		if (store_commit(c->store) < 0) {
			c->out->failed += c->added_in_tx;
			c->out->added -= c->added_in_tx;
			c->nheld = 0;
		}
	}
	for (i = 0; i < c->nheld; i++)
		c->o->added(&c->held[i], c->heldjson[i].data, c->heldjson[i].len, c->o->arg);
	c->nheld = 0;
	c->in_tx = 0;
	c->added_in_tx = 0;
}

static void on_event(struct kmw_event *ev, void *arg)
{
	struct import_ctx *c = arg;
	int64_t t = ev->sec * 1000 + ev->msec;
	char boot[64];
	int rc;

	if (t < c->o->since_ms)
		return;
	c->out->seen++;
	risk_assess(&c->risk, ev);
	buf_reset(&c->json);
	if (format_json(&c->json, ev)) {
		c->out->failed++;
		return;
	}
	if (!c->tx && store_begin(c->store) == 0)
		c->tx = true;
	store_boot_for(c->store, t, boot, sizeof(boot));
	rc = store_insert(c->store, ev, boot, c->json.data, c->json.len);
	c->in_tx++;
	if (rc < 0) {
		c->out->failed++;
	} else if (rc > 0) {
		c->out->added++;
		c->added_in_tx++;
		if (c->held) {
			memcpy(&c->held[c->nheld], ev,
			       offsetof(struct kmw_event, arena) + ev->arena_len);
			buf_reset(&c->heldjson[c->nheld]);
			buf_append(&c->heldjson[c->nheld], c->json.data, c->json.len);
			c->nheld++;
		}
	}
	if (!c->tx || c->in_tx >= (c->held ? BATCH_HELD : BATCH))
		commit(c);
}

int import_logs(struct kmw_store *s, char **files, int n, const struct kmw_import_opts *o,
		struct kmw_import_result *out)
{
	struct import_ctx c = { .store = s, .o = o, .out = out };
	struct kmw_lines *lines = calloc(1, sizeof(*lines));
	struct kmw_parser *p = parse_new(on_event, &c, NULL);
	unsigned int i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	buf_init(&c.json);
	for (i = 0; i < BATCH_HELD; i++)
		buf_init(&c.heldjson[i]);
	if (o->risk)
		c.risk = *o->risk;
	else
		risk_config_default(&c.risk);
	if (o->added)
		c.held = malloc(BATCH_HELD * sizeof(*c.held));
	if (!lines || !p || (o->added && !c.held)) {
		rc = -ENOMEM;
		goto out;
	}
	parse_set_names(p, KMW_NAMES_RECORD);
	parse_set_historical(p, true);
	lines_init(lines, &parse_lines_ops, p, true);
	lines_set_bad(lines, o->bad, o->arg);
	out->files_failed = logfile_feed_set(lines, files, n, o->file_error, NULL, o->arg);
	commit(&c);
	out->bad_lines = lines->stats.bad_lines;
	out->records = lines->stats.records;
	out->left_out = parse_left_out(p);
	if (out->files_failed || out->failed)
		rc = -EIO;
out:
	parse_free(p);
	free(lines);
	free(c.held);
	buf_free(&c.json);
	for (i = 0; i < BATCH_HELD; i++)
		buf_free(&c.heldjson[i]);
	return rc;
}
