// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_collected.c - libFuzzer target: any bytes as a collector's file of kmodwatch JSON lines
 * (query --events): every line an event or a bad line, never a crash */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmw_collected.h"
#include "kmw_filter.h"

static void on_event(struct kmw_event *ev, const char *line, size_t len, void *arg)
{
	(void)line;
	(void)len;
	filter_match(arg, ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kmw_filter f;
	const char *why;
	struct kmw_collected_opts o = { .event = on_event, .arg = &f };
	struct kmw_collected_stats st;
	char path[64], *paths[1] = { path };
	int fd = memfd_create("collected", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		filter_init(&f);
		filter_set(&f, "sha256", "ab", 0, &why);
		collected_prefilter(&o, &f);
		o.nneedles = size && data[0] & 1 ? o.nneedles : 0;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		collected_read(paths, 1, &o, &st);
	}
	close(fd);
	return 0;
}
