// SPDX-License-Identifier: GPL-2.0-or-later
/* summary.c - the table of summaries: failed calls counted per key and interval, bounded */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmw_decode.h"
#include "kmw_summary.h"

/* twice the entries at most: open addressing stays short */
#define SLOTS 4096

int summary_init(struct kmw_summary_table *t, unsigned int interval_s)
{
	memset(t, 0, sizeof(*t));
	t->interval_ms = (int64_t)(interval_s ? interval_s : 1) * 1000;
	t->cap = SLOTS;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	return t->slots ? 0 : -ENOMEM;
}

static void entry_free(struct kmw_summary_entry *e)
{
	free(e->exe);
	free(e->node);
	memset(e, 0, sizeof(*e));
}

void summary_fini(struct kmw_summary_table *t)
{
	unsigned int i;

	for (i = 0; t->slots && i < t->cap; i++)
		if (t->slots[i].used)
			entry_free(&t->slots[i]);
	free(t->slots);
	t->slots = NULL;
	entry_free(&t->overflow);
}

int64_t summary_interval_of(const struct kmw_summary_table *t, int64_t time_ms)
{
	int64_t r = time_ms % t->interval_ms;

	return time_ms - (r < 0 ? r + t->interval_ms : r);
}

static uint32_t mix(uint32_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

/* The key an entry is found by; exe NULL with merged: every executable of the user. */
struct key {
	int64_t interval_ms, uid;
	enum kmw_syscall sc;
	uint32_t arch;
	int err;
	const char *exe, *node;
	size_t exelen, nodelen;
	bool merged;
};

static uint32_t key_hash(const struct key *k)
{
	uint32_t h = 2166136261u;

	h = mix(h, &k->interval_ms, sizeof(k->interval_ms));
	h = mix(h, &k->uid, sizeof(k->uid));
	h = mix(h, &k->sc, sizeof(k->sc));
	h = mix(h, &k->arch, sizeof(k->arch));
	h = mix(h, &k->err, sizeof(k->err));
	h = mix(h, &k->merged, sizeof(k->merged));
	if (k->exe)
		h = mix(h, k->exe, k->exelen);
	if (k->node)
		h = mix(h, k->node, k->nodelen);
	return h;
}

static bool bytes_eq(const char *a, size_t al, const char *b, size_t bl)
{
	return al == bl && (!al || !memcmp(a, b, al)) && (a == NULL) == (b == NULL);
}

static bool key_eq(const struct kmw_summary_entry *e, const struct key *k, uint32_t h)
{
	return e->hash == h && e->interval_ms == k->interval_ms && e->uid == k->uid &&
	       e->sc == k->sc && e->arch == k->arch && e->err == k->err &&
	       e->exe_merged == k->merged && bytes_eq(e->exe, e->exelen, k->exe, k->exelen) &&
	       bytes_eq(e->node, e->nodelen, k->node, k->nodelen);
}

static void count(struct kmw_summary_entry *e, const struct kmw_call *c)
{
	if (!e->count || c->time_ms < e->first_ms) {
		e->first_ms = c->time_ms;
		e->first_serial = c->serial;
	}
	if (!e->count || c->time_ms >= e->last_ms) {
		e->last_ms = c->time_ms;
		e->last_serial = c->serial;
	}
	e->count++;
}

static char *dup_bytes(const char *p, size_t n, bool *failed)
{
	char *d;

	if (!p)
		return NULL;
	d = malloc(n ? n : 1);
	if (!d) {
		*failed = true;
		return NULL;
	}
	memcpy(d, p, n);
	return d;
}

/* The entry of @k: found, or made when the table allows. NULL when it may not grow. */
static struct kmw_summary_entry *lookup(struct kmw_summary_table *t, const struct key *k,
					unsigned int limit)
{
	uint32_t h = key_hash(k);
	unsigned int i = h & (t->cap - 1);
	struct kmw_summary_entry *e;
	bool failed = false;

	for (; t->slots[i].used; i = (i + 1) & (t->cap - 1))
		if (key_eq(&t->slots[i], k, h))
			return &t->slots[i];
	if (t->n >= limit)
		return NULL;
	e = &t->slots[i];
	e->exe = dup_bytes(k->exe, k->exelen, &failed);
	e->node = dup_bytes(k->node, k->nodelen, &failed);
	if (failed) {
		entry_free(e);
		return NULL;
	}
	e->used = true;
	e->hash = h;
	e->interval_ms = k->interval_ms;
	e->uid = k->uid;
	e->sc = k->sc;
	e->arch = k->arch;
	e->err = k->err;
	e->exelen = k->exelen;
	e->nodelen = k->nodelen;
	e->exe_merged = k->merged;
	t->n++;
	return e;
}

void summary_add(struct kmw_summary_table *t, const struct kmw_call *c)
{
	struct key k = {
		.interval_ms = summary_interval_of(t, c->time_ms),
		.uid = c->uid,
		.sc = c->sc,
		.arch = c->arch,
		.err = c->have_exit && c->exit < 0 ? (int)-c->exit : 0,
		.exe = c->exe,
		.exelen = c->exe ? c->exelen : 0,
		.node = c->node,
		.nodelen = c->node ? c->nodelen : 0,
	};
	struct kmw_summary_entry *e = lookup(t, &k, KMW_SUMMARY_EXACT);
	int nr = c->nr;

	if (!e) {
		/* a user with more executables than the table holds: them all, together */
		k.exe = NULL;
		k.exelen = 0;
		k.merged = true;
		e = lookup(t, &k, KMW_SUMMARY_MAX);
	}
	if (!e) {
		e = &t->overflow;
		if (!e->count) {
			e->overflow = true;
			e->interval_ms = k.interval_ms;
			e->uid = -1;
			e->sc = c->sc;
			e->arch = c->arch;
			e->err = k.err;
			e->exe_merged = true;
			e->nr = nr;
		}
		/* what differs between the calls it holds is unknown from here on */
		if (e->uid != c->uid)
			e->uid = -1;
		if (e->sc != c->sc)
			e->sc = KMW_SC_NONE;
		if (e->err != k.err)
			e->err = 0;
	}
	e->nr = nr;
	count(e, c);
	t->pending++;
}

static int by_interval(const void *a, const void *b)
{
	const struct kmw_summary_entry *x = *(const struct kmw_summary_entry *const *)a;
	const struct kmw_summary_entry *y = *(const struct kmw_summary_entry *const *)b;

	if (x->interval_ms != y->interval_ms)
		return x->interval_ms < y->interval_ms ? -1 : 1;
	if (x->first_ms != y->first_ms)
		return x->first_ms < y->first_ms ? -1 : 1;
	return 0;
}

static bool due(const struct kmw_summary_table *t, const struct kmw_summary_entry *e,
		int64_t now_ms, bool all)
{
	return all || e->interval_ms + t->interval_ms + KMW_SUMMARY_GRACE_MS <= now_ms;
}

unsigned int summary_take(struct kmw_summary_table *t, int64_t now_ms, bool all, kmw_summary_fn fn,
			  void *arg)
{
	struct kmw_summary_entry **ready, *old = t->slots;
	unsigned int i, n = 0, taken, cap = t->cap;
	bool overflow = t->overflow.count && (all || due(t, &t->overflow, now_ms, false));

	if (!t->n && !overflow)
		return 0;
	ready = malloc((t->n + 1) * sizeof(*ready));
	if (!ready)
		return 0; /* the next take */
	for (i = 0; i < cap; i++)
		if (old[i].used && due(t, &old[i], now_ms, all))
			ready[n++] = &old[i];
	qsort(ready, n, sizeof(*ready), by_interval);
	for (i = 0, taken = 0; i < n; i++) {
		if (!fn(ready[i], arg))
			continue;
		t->pending -= ready[i]->count;
		entry_free(ready[i]);
		t->n--;
		taken++;
	}
	if (overflow && fn(&t->overflow, arg)) {
		t->pending -= t->overflow.count;
		entry_free(&t->overflow);
		taken++;
	}
	free(ready);
	/* what stays is put back in place: open addressing has no holes to leave */
	if (t->n) {
		struct kmw_summary_entry *fresh = calloc(cap, sizeof(*fresh));

		if (!fresh)
			return taken; /* holes make a later key miss its entry: a second one, counted all the same */
		for (i = 0; i < cap; i++) {
			unsigned int j;

			if (!old[i].used)
				continue;
			for (j = old[i].hash & (cap - 1); fresh[j].used; j = (j + 1) & (cap - 1))
				;
			fresh[j] = old[i];
		}
		free(old);
		t->slots = fresh;
	}
	return taken;
}

void summary_to_event(const struct kmw_summary_table *t, const struct kmw_summary_entry *e,
		      const char *host, struct kmw_event *ev)
{
	char exe[4096];
	size_t n;

	event_reset(ev);
	ev->kind = KMW_KIND_SUMMARY;
	ev->sc = e->sc;
	ev->arch = e->arch;
	ev->sc_nr = e->nr;
	ev->uid = e->uid;
	ev->success = false;
	ev->has_exit = e->err != 0;
	ev->exit = -(int64_t)e->err;
	ev->sec = e->first_ms / 1000;
	ev->msec = (unsigned int)(e->first_ms % 1000);
	ev->serial = e->first_serial;
	ev->summary.count = e->count;
	ev->summary.last_ms = e->last_ms;
	ev->summary.last_serial = e->last_serial;
	ev->summary.interval_s = (unsigned int)(t->interval_ms / 1000);
	ev->summary.exe_merged = e->exe_merged;
	ev->summary.overflow = e->overflow;
	/* hex or quoted, as the record had it; a value too long or not decodable stays raw */
	if (e->exe &&
	    e->exelen <= (e->exelen && e->exe[0] == '"' ? sizeof(exe) : 2 * sizeof(exe)) &&
	    decode_field(e->exe, e->exelen, exe, &n) > 0)
		event_set_str(ev, &ev->exe, exe, n);
	else if (e->exe)
		event_set_str(ev, &ev->exe, e->exe, e->exelen);
	if (e->node)
		event_set_str(ev, &ev->node, e->node, e->nodelen);
	else if (host)
		event_set_str(ev, &ev->node, host, strlen(host));
}
