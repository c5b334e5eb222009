// SPDX-License-Identifier: GPL-2.0-or-later
/* feedfile.c - test tool: audit log text on stdin to events on stdout, no enrichment */
#include <stdio.h>
#include <string.h>

#include "kmw_buf.h"
#include "kmw_format.h"
#include "kmw_parse.h"
#include "kmw_risk.h"

static void on_event(struct kmw_event *ev, void *arg)
{
	struct kmw_buf *b = arg;
	struct kmw_risk_config rc;

	risk_config_default(&rc);
	risk_assess(&rc, ev);
	buf_reset(b);
	format_json(b, ev);
	fwrite(b->data, 1, b->len, stdout);
}

/* usage: feedfile [--local-names] < audit.log */
int main(int argc, char **argv)
{
	struct kmw_buf b;
	struct kmw_parser *p;
	char line[16384];

	buf_init(&b);
	p = parse_new(on_event, &b, "testhost");
	if (!p)
		return 1;
	if (!(argc > 1 && !strcmp(argv[1], "--local-names")))
		parse_set_names(p, KMW_NAMES_RECORD);
	while (fgets(line, sizeof(line), stdin))
		parse_feed(p, line, strlen(line));
	parse_flush(p);
	parse_free(p);
	buf_free(&b);
	return 0;
}
