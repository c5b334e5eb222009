// SPDX-License-Identifier: GPL-2.0-or-later
/* enrich_bench.c - cost of enriching one finit_module event: p50 and p99, cold and warm cache */
#include <fcntl.h>
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kmw_enrich.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* An event as the parser makes it for this process's own finit_module on @fd. */
static void make_event(struct kmw_event *ev, int fd)
{
	event_reset(ev);
	ev->sc = KMW_SC_FINIT_MODULE;
	ev->arch = AUDIT_ARCH_X86_64;
	ev->sc_nr = 313;
	ev->sec = time(NULL);
	ev->pid = getpid();
	ev->ppid = getppid();
	ev->a[0] = (uint64_t)fd;
	event_set_str(ev, &ev->exe, "/usr/bin/kmod", 13);
}

static void run(const char *label, const char *path, unsigned int cache, int n)
{
	struct kmw_enrich_opts o = { .cache_entries = cache };
	struct kmw_enricher *e = enrich_new(&o);
	static struct kmw_event ev;
	double *t = calloc((size_t)n, sizeof(double)), t0;
	int i, fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!e || !t || fd < 0) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		make_event(&ev, fd);
		t0 = now_us();
		enrich_event(e, &ev);
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)n, sizeof(double), cmp);
	printf("| %s | %d | %.0f µs | %.0f µs | %s |\n", label, n, t[n / 2], t[(n * 99) / 100],
	       ev.facts.sha256[0] ? "hashed" : "not hashed");
	close(fd);
	free(t);
	enrich_free(e);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: enrich_bench MODULE.ko [RUNS]\n");
		return 2;
	}
	int n = argc > 2 ? atoi(argv[2]) : 200;

	printf("| cache | events | p50 | p99 | |\n|---|---|---|---|---|\n");
	/* cold: no cache, every event reads, hashes and parses the whole file */
	run("cold (no hash cache)", argv[1], 0, n);
	/* warm: the first event fills the cache, the others find it */
	run("warm (hash cache)", argv[1], 16, n);
	return 0;
}
