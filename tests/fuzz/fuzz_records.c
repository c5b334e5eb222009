// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_records.c - libFuzzer: audit record text -> lines -> auparse -> event -> every formatter */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kmw_buf.h"
#include "kmw_filter.h"
#include "kmw_format.h"
#include "kmw_lines.h"
#include "kmw_serials.h"
#include "kmw_parse.h"
#include "kmw_risk.h"
#include "kmw_store.h"

static struct kmw_buf out;
static struct kmw_risk_config risk;
static struct kmw_filter filter;

static void on_event(struct kmw_event *ev, void *arg)
{
	struct kmw_table t = { .width = 100, .colour = true };
	struct kmw_row row;
	char scratch[8192];

	risk_assess(&risk, ev);
	filter_match(&filter, ev);
	buf_reset(&out);
	format_json(&out, ev);
	format_text(&out, ev);
	format_ecs(&out, ev);
	store_row_from_event(ev, out.data, out.len, &row, scratch, sizeof(scratch));
	format_table_row(&out, &t, &row);
	format_csv_row(&out, &row);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kmw_lines lines;
	struct kmw_parser *p;
	const char *why;
	size_t half = size / 2;

	if (!out.cap) {
		buf_init(&out);
		risk_config_default(&risk);
		filter_init(&filter);
		filter_set(&filter, "path", "/tmp/*", 0, &why);
	}
	/* both paths: the prefiltered one of logs and the plugin, and auparse on everything */
	p = parse_new(on_event, NULL, "fuzz");
	if (!p)
		return 0;
	lines_init(&lines, &parse_lines_ops, p, data[0 % (size ? size : 1)] & 1);
	/* in two pieces: records cut across reads */
	lines_push(&lines, (const char *)data, half);
	lines_push(&lines, (const char *)data + half, size - half);
	lines_finish(&lines);
	parse_free(p);
	/* what the queue counts when it drops this input */
	{
		uint64_t n;

		lines_count_calls((const char *)data, size, &n);
	}
	/* the serial of every record header in it */
	{
		struct kmw_serials *t = calloc(1, sizeof(*t));
		const char *q = (const char *)data, *end = q + size;
		uint32_t serial;
		int64_t sec;

		while (t && (q = memmem(q, (size_t)(end - q), "audit(", 6))) {
			if (serials_of_record(q, (size_t)(end - q), &serial, &sec))
				serials_see(t, serial);
			q++;
		}
		if (t)
			serials_settle(t, t->top);
		free(t);
	}
	return 0;
}
