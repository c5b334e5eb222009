// SPDX-License-Identifier: GPL-2.0-or-later
/* store_bench.c - fill a store with N events as the daemon writes them (one transaction
 * each, or BATCH together as its worker does when events wait, with its checkpoints), and
 * report the insert rate; `bench/run.sh` then times queries on it */
#include <linux/audit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kmw_buf.h"
#include "kmw_format.h"
#include "kmw_risk.h"
#include "kmw_store.h"

static const char *const modules[] = {
	"nf_tables",  "overlay", "br_netfilter", "xt_conntrack", "wireguard",
	"ip6_tables", "veth",	 "loop",	 "vboxdrv",	 "zfs",
	"dummy",      "tcp_nv",	 "crc7",	 "nls_utf8",	 "rare_module",
};

int main(int argc, char **argv)
{
	static struct kmw_event ev;
	struct kmw_risk_config rc;
	struct kmw_store *st;
	struct kmw_buf json;
	struct timespec a, b;
	char err[512], sha[65];
	long n, i, batch = 1;
	int64_t start = 1767225600; /* 2026-01-01, a year of events */
	double secs;

	if (argc < 3) {
		fprintf(stderr, "usage: store_bench DB N [BATCH]\n");
		return 2;
	}
	n = atol(argv[2]);
	if (argc > 3)
		batch = atol(argv[3]) > 0 ? atol(argv[3]) : 1;
	unlink(argv[1]);
	st = store_open(argv[1], true, err, sizeof(err));
	if (!st) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	risk_config_default(&rc);
	buf_init(&json);
	if (batch > 1)
		store_defer_checkpoints(st);
	srand(7);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		/* one event in 10000 loads the rare module */
		const char *mod = i % 10000 == 0 ? "rare_module" : modules[rand() % 14];

		event_reset(&ev);
		ev.sc = (i % 4 == 3) ? KMW_SC_DELETE_MODULE : KMW_SC_FINIT_MODULE;
		ev.arch = AUDIT_ARCH_X86_64;
		ev.sc_nr = ev.sc == KMW_SC_FINIT_MODULE ? 313 : 176;
		ev.serial = (uint64_t)i + 1;
		ev.sec = start + i * 31;
		ev.msec = (unsigned int)(i % 1000);
		/* finit_module: 1 in 50 compressed, 1 in 1000 forced; delete_module: O_NONBLOCK */
		if (ev.sc == KMW_SC_FINIT_MODULE)
			ev.a[2] = i % 1000 == 1 ? 3 : i % 50 == 0 ? 4 : 0;
		else
			ev.a[1] = 04000;
		ev.success = rand() % 5 != 0;
		ev.has_exit = true;
		ev.exit = ev.success ? 0 : -17;
		ev.pid = 1000 + rand() % 30000;
		ev.ppid = 1;
		ev.uid = rand() % 3 ? 0 : 1000;
		ev.auid = ev.uid;
		event_set_str(&ev, &ev.mod_name, mod, strlen(mod));
		event_set_str(&ev, &ev.exe, "/usr/bin/kmod", 13);
		event_set_str(&ev, &ev.comm, "modprobe", 8);
		event_set_str(&ev, &ev.key, "kmodwatch", 9);
		ev.keys[0] = ev.key;
		ev.nkeys = 1;
		snprintf(sha, sizeof(sha), "%064lx", (unsigned long)(rand() % 500));
		memcpy(ev.facts.sha256, sha, 65);
		ev.have_facts = ev.facts.analysed = true;
		risk_assess(&rc, &ev);
		buf_reset(&json);
		format_json(&json, &ev);
		if (batch > 1 && i % batch == 0 && store_begin(st)) {
			fprintf(stderr, "begin: %s\n", store_error(st));
			return 1;
		}
		if (store_insert(st, &ev, "bench-boot", json.data, json.len) != 1) {
			fprintf(stderr, "insert %ld: %s\n", i, store_error(st));
			return 1;
		}
		/* the worker's way: commit the batch, then checkpoint once the events are out */
		if (batch > 1 && (i % batch == batch - 1 || i == n - 1) &&
		    (store_commit(st) || store_checkpoint(st, KMW_CKPT_BUSY))) {
			fprintf(stderr, "commit: %s\n", store_error(st));
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	if (batch > 1)
		printf("%ld events inserted in %.1f s: %.0f events/s, %ld to a transaction\n", n,
		       secs, n / secs, batch);
	else
		printf("%ld events inserted in %.1f s: %.0f events/s, each in its own transaction\n",
		       n, secs, n / secs);
	buf_free(&json);
	store_close(st);
	return 0;
}
