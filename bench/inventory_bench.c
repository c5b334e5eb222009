// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * inventory_bench.c - cost of one module check of kmodwatchd: read the kernel's two views
 * (inventory_read) and hold the ledger against them (ledger_check), on a tree of N modules.
 *
 *   inventory_bench DIR N ITER [PROC SYS]
 *
 * With PROC and SYS the views are read from there (a real /proc and /sys); otherwise DIR
 * gets a fake tree of N modules, one of them hidden from the list, and as many built-in
 * modules (a directory without an initstate). Prints the time of a check as kmodwatchd
 * makes it (the views only), and of a full read (every module's sysfs files, as at start
 * and for `kmodwatch modules`): p50, p99, max, mean; and what the last check found.
 * KMW_BENCH_MODE=quick or full times one of them only (for strace -c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "kmw_inventory.h"
#include "kmw_ledger.h"

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

static void put(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(data, f);
	fclose(f);
}

/* N modules in both views, but the last: in sysfs only, as one that unlinked itself */
static void make_tree(const char *dir, int n)
{
	char path[4096], line[512];
	FILE *mods;
	int i;

	snprintf(path, sizeof(path), "%s/proc", dir);
	mkdir(dir, 0755);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/sys/module", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/modules", dir);
	mods = fopen(path, "w");
	if (!mods) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		if (i < n - 1)
			fprintf(mods, "mod_%03d %d %d %s Live 0x0000000000000000%s\n", i,
				16384 + i * 64, i % 3, i % 5 ? "-" : "snd,snd_pcm,snd_timer,",
				i % 7 ? "" : " (OE)");
		snprintf(path, sizeof(path), "%s/sys/module/mod_%03d", dir, i);
		mkdir(path, 0755);
		/* built-ins have parameters and no initstate */
		snprintf(path, sizeof(path), "%s/sys/module/builtin_%03d", dir, i);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/sys/module/mod_%03d/initstate", dir, i);
		put(path, "live\n");
		snprintf(path, sizeof(path), "%s/sys/module/mod_%03d/taint", dir, i);
		put(path, i % 7 ? "\n" : "OE\n");
		snprintf(path, sizeof(path), "%s/sys/module/mod_%03d/srcversion", dir, i);
		snprintf(line, sizeof(line), "%023X\n", i);
		put(path, line);
		snprintf(path, sizeof(path), "%s/sys/module/mod_%03d/coresize", dir, i);
		put(path, "16384\n");
		snprintf(path, sizeof(path), "%s/sys/module/mod_%03d/refcnt", dir, i);
		put(path, "0\n");
	}
	fclose(mods);
}

static int found;

static void on_finding(const struct kmw_ledger_entry *e, int code, const struct kmw_module_info *m,
		       void *arg)
{
	(void)e;
	(void)code;
	(void)m;
	(void)arg;
	found++;
}

/* ITER checks, quick or full; their times into @t, sorted. Returns the last's findings waiting. */
static unsigned int run(const char *proc, const char *sys, struct kmw_ledger *l, bool quick,
			int iter, double *t, double *mean, struct kmw_inventory *last)
{
	struct kmw_inventory inv;
	unsigned int waiting = 0;
	double sum = 0;
	int i, rc;

	for (i = 0; i < iter; i++) {
		double t0 = now_us();

		rc = inventory_read(proc, sys, &inv, quick);
		if (rc) {
			fprintf(stderr, "inventory_bench: %s\n", strerror(-rc));
			exit(1);
		}
		waiting = ledger_check(l, &inv, (int64_t)i * 2000, 0, true, on_finding, NULL);
		t[i] = now_us() - t0;
		sum += t[i];
		if (i < iter - 1)
			inventory_free(&inv);
	}
	qsort(t, (size_t)iter, sizeof(*t), cmp);
	*mean = sum / iter;
	*last = inv;
	return waiting;
}

int main(int argc, char **argv)
{
	char proc[4096], sys[4096];
	struct kmw_inventory inv;
	struct kmw_ledger l;
	const char *mode = getenv("KMW_BENCH_MODE") ?: "both";
	double *t, mean;
	int n, iter, rc, pass;
	unsigned int j, waiting = 0;

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: inventory_bench DIR N ITER [PROC SYS]\n");
		return 2;
	}
	n = atoi(argv[2]);
	iter = atoi(argv[3]);
	if (n < 1 || iter < 1) {
		fprintf(stderr, "inventory_bench: N and ITER must be positive\n");
		return 2;
	}
	if (argc == 6) {
		snprintf(proc, sizeof(proc), "%s", argv[4]);
		snprintf(sys, sizeof(sys), "%s", argv[5]);
	} else {
		make_tree(argv[1], n);
		snprintf(proc, sizeof(proc), "%s/proc", argv[1]);
		snprintf(sys, sizeof(sys), "%s/sys", argv[1]);
	}
	t = calloc((size_t)iter, sizeof(*t));
	if (!t)
		return 1;
	/* the baseline: every module there at the start */
	rc = inventory_read(proc, sys, &inv, false);
	if (rc) {
		fprintf(stderr, "inventory_bench: %s\n", strerror(-rc));
		return 1;
	}
	for (pass = !strcmp(mode, "full") ? 1 : 0; pass < (!strcmp(mode, "quick") ? 1 : 2);
	     pass++) {
		ledger_init(&l, 0);
		for (j = 0; j < inv.n; j++)
			ledger_at_start(&l, inv.m[j].name, 0);
		found = 0;
		{
			struct kmw_inventory last;

			waiting = run(proc, sys, &l, pass == 0, iter, t, &mean, &last);
			for (j = 0, n = 0; j < last.n; j++)
				n += last.m[j].in_proc;
			printf("%s: modules %u (%d in the list), %d checks: p50 %.0f us, p99 %.0f us, "
			       "max %.0f us, mean %.0f us; findings %d, waiting %u\n",
			       pass == 0 ? "check (views only)" : "full read", last.n, n, iter,
			       t[iter / 2], t[(int)(iter * 0.99)], t[iter - 1], mean, found,
			       waiting);
			inventory_free(&last);
		}
		ledger_free(&l);
	}
	inventory_free(&inv);
	free(t);
	return 0;
}
