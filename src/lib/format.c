// SPDX-License-Identifier: GPL-2.0-or-later
/* format.c - the formats by name, and the one call above them (format_json.c, format_ecs.c and
 * format_text.c hold the formats; format_common.c what they share) */
#include <errno.h>
#include <string.h>

#include "kmw_format.h"

static const char *const format_names[] = {
	[KMW_FMT_JSON] = "json",
	[KMW_FMT_TEXT] = "text",
	[KMW_FMT_ECS] = "ecs",
	[KMW_FMT_OCSF] = "ocsf",
};

int format_parse_name(const char *name, enum kmw_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (!strcmp(name, format_names[i])) {
			*out = (enum kmw_format)i;
			return 0;
		}
	return -EINVAL;
}

const char *format_name(enum kmw_format f)
{
	return (unsigned int)f < sizeof(format_names) / sizeof(format_names[0]) ? format_names[f]
										: "?";
}

int format_event(struct kmw_buf *b, enum kmw_format fmt, const struct kmw_event *ev)
{
	switch (fmt) {
	case KMW_FMT_TEXT: return format_text(b, ev);
	case KMW_FMT_ECS: return format_ecs(b, ev);
	case KMW_FMT_OCSF: return format_ocsf(b, ev);
	default: return format_json(b, ev);
	}
}
