// SPDX-License-Identifier: GPL-2.0-or-later
/* triage.c - on the reading thread: classify module calls by their SYSCALL record alone, keep
 * the protected, summarise what a flood of unprivileged failures would otherwise bury them in */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmw_triage.h"

/* A decimal integer value ending at a space or @end: 0, or -1 for anything else. */
static int parse_int(const char *p, const char *end, int64_t *out)
{
	bool neg = p < end && *p == '-';
	uint64_t v = 0;
	const char *s;

	if (neg)
		p++;
	for (s = p; p < end && *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s || (p < end && *p != ' ') || v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static bool name_is(const char *p, size_t n, const char *name)
{
	return strlen(name) == n && !memcmp(p, name, n);
}

enum kmw_class triage_classify(const char *body, const char *end, struct kmw_call *c)
{
	const char *p = body, *tok, *eq, *stop;
	bool bad = false;
	int64_t err;

	memset(c, 0, sizeof(*c));
	c->sc = lines_syscall_of(body, end, &c->arch);
	if (c->sc == KMW_SC_NONE)
		return KMW_CLASS_NONE;
	/* ENRICHED records carry names after a 0x1d: only the raw fields count */
	stop = memchr(body, 0x1d, (size_t)(end - body));
	if (stop)
		end = stop;
	/* kernel values hold no space: an untrusted one is quoted without spaces, or hex */
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		tok = p;
		while (p < end && *p != ' ')
			p++;
		eq = memchr(tok, '=', (size_t)(p - tok));
		if (!eq)
			continue;
		size_t n = (size_t)(eq - tok);
		const char *v = eq + 1;

		/* the first value of a field is the one that counts, as in parse.c */
		if (name_is(tok, n, "syscall") && !c->nr) {
			int64_t nr;

			if (!parse_int(v, p, &nr) && nr >= 0 && nr < 100000)
				c->nr = (int)nr;
		} else if (name_is(tok, n, "success") && !c->have_success) {
			c->have_success = true;
			if (name_is(v, (size_t)(p - v), "yes"))
				c->success = true;
			else if (!name_is(v, (size_t)(p - v), "no"))
				bad = true;
		} else if (name_is(tok, n, "exit") && !c->have_exit) {
			c->have_exit = !parse_int(v, p, &c->exit);
			bad |= !c->have_exit;
		} else if (name_is(tok, n, "uid") && !c->have_uid) {
			c->have_uid = !parse_int(v, p, &c->uid) && c->uid >= 0;
			bad |= !c->have_uid;
		} else if (name_is(tok, n, "euid") && !c->have_euid) {
			c->have_euid = !parse_int(v, p, &c->euid) && c->euid >= 0;
			bad |= !c->have_euid;
		} else if (name_is(tok, n, "exe") && !c->exe) {
			c->exe = v;
			c->exelen = (size_t)(p - v);
		}
	}
	if (bad || !c->have_success || !c->have_exit || !c->have_uid || !c->have_euid)
		return KMW_CLASS_PROTECTED;
	if (c->success || !c->uid || !c->euid)
		return KMW_CLASS_PROTECTED;
	/*
	 * The kernel checks CAP_SYS_MODULE before anything else and answers EPERM
	 * (or has no module syscalls at all: ENOSYS). Any other failure means the
	 * caller passed that check: privileged, whatever its uid.
	 */
	err = -c->exit;
	if (err != EPERM && err != ENOSYS)
		return KMW_CLASS_PROTECTED;
	return KMW_CLASS_SHEDDABLE;
}

struct kmw_triage *triage_new(const struct kmw_triage_opts *o)
{
	struct kmw_triage *t = calloc(1, sizeof(*t));
	int rc;

	if (!t)
		return NULL;
	if (o) {
		t->o = *o;
	} else {
		t->o.budget = KMW_TRIAGE_BUDGET;
		t->o.interval_s = KMW_TRIAGE_INTERVAL_S;
		t->o.max_inflight = KMW_TRIAGE_INFLIGHT;
	}
	rc = summary_init(&t->sum, t->o.interval_s);
	if (rc) {
		free(t);
		errno = -rc;
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void triage_set_budget(struct kmw_triage *t, unsigned int budget)
{
	pthread_mutex_lock(&t->lock);
	t->o.budget = budget;
	pthread_mutex_unlock(&t->lock);
}

void triage_free(struct kmw_triage *t)
{
	if (!t)
		return;
	summary_fini(&t->sum);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static int id_find(const struct kmw_triage *t, const char *key, size_t len)
{
	unsigned int i;

	/* the newest first: an event's records come close together */
	for (i = 0; i < t->nids; i++) {
		unsigned int k = (t->next_id + KMW_TRIAGE_IDS - 1 - i) % KMW_TRIAGE_IDS;
		const struct kmw_triage_id *e = &t->ids[k];

		if (e->len == len && !memcmp(e->key + len - 1, key + len - 1, 1) &&
		    !memcmp(e->key, key, len))
			return (int)k;
	}
	return -1;
}

static void id_add(struct kmw_triage *t, const char *key, size_t len, bool shed)
{
	struct kmw_triage_id *e = &t->ids[t->next_id];

	t->next_id = (t->next_id + 1) % KMW_TRIAGE_IDS;
	if (t->nids < KMW_TRIAGE_IDS)
		t->nids++;
	memcpy(e->key, key, len);
	e->len = (uint16_t)len;
	e->shed = shed;
}

static void id_del(struct kmw_triage *t, int k)
{
	t->ids[k].len = 0; /* matches nothing; its slot is reused in turn */
}

/*
 * One more sheddable call of @uid in @interval_ms passes one by one, if its budget lasts.
 * A budget only moves forward: records of CPUs interleave at an interval's end, and a late
 * one of the old interval must not give the user a fresh budget back.
 */
static bool budget_take(struct kmw_triage *t, int64_t uid, int64_t interval_ms)
{
	unsigned int i, j = 0, h = (unsigned int)((uint64_t)uid * 2654435761u) % KMW_TRIAGE_BUDGETS;

	if (!t->o.budget)
		return true;
	for (i = 0; i < KMW_TRIAGE_BUDGETS; i++) {
		j = (h + i) % KMW_TRIAGE_BUDGETS;
		if (t->budget[j].taken && t->budget[j].uid == uid)
			break;
		/* an empty slot, or one of a past interval: this user's now */
		if (!t->budget[j].taken || t->budget[j].interval_ms < interval_ms) {
			t->budget[j].taken = true;
			t->budget[j].uid = uid;
			t->budget[j].interval_ms = interval_ms;
			t->budget[j].used = 0;
			break;
		}
	}
	if (i == KMW_TRIAGE_BUDGETS)
		return false;
	if (interval_ms > t->budget[j].interval_ms) {
		t->budget[j].interval_ms = interval_ms;
		t->budget[j].used = 0;
	}
	if (t->budget[j].used >= t->o.budget)
		return false;
	t->budget[j].used++;
	return true;
}

/* "SEC.MS:SERIAL" of a checked record id: its time and serial */
static void id_time(const char *id, size_t len, int64_t *ms, uint64_t *serial)
{
	const char *p = id, *end = id + len;
	int64_t sec = 0, frac = 0;
	uint64_t s = 0;
	int digits = 0;

	for (; p < end && *p != '.'; p++)
		sec = sec * 10 + (*p - '0');
	for (p++; p < end && *p != ':'; p++)
		if (digits++ < 3)
			frac = frac * 10 + (*p - '0');
	while (digits++ < 3)
		frac *= 10;
	for (p++; p < end; p++)
		s = s * 10 + (uint64_t)(*p - '0');
	*ms = sec * 1000 + frac;
	*serial = s;
}

/* KEEP a record, CALL: keep the SYSCALL record of a module call, one by one */
enum verdict { KEEP, CALL, GO, NOISE };

static enum verdict sort_line(struct kmw_triage *t, const char *line, size_t len,
			      struct kmw_triage_pass *p)
{
	char key[KMW_ID_MAX];
	struct kmw_call c;
	struct kmw_rec r;
	enum kmw_class cls;
	size_t klen;
	int k;

	if (len > KMW_LINE_MAX || lines_parse_record(line, len, &r))
		return NOISE; /* lines.c reports it, unless squeezed out */
	klen = lines_rec_key(&r, key);
	if (!klen)
		return NOISE;
	if (lines_rec_is(&r, "SYSCALL")) {
		cls = triage_classify(r.body, line + len, &c);
		if (cls == KMW_CLASS_NONE)
			return NOISE;
		t->st.calls++;
		if (cls == KMW_CLASS_PROTECTED) {
			t->st.protected_calls++;
			if (!c.have_success || !c.have_exit || !c.have_uid || !c.have_euid)
				t->st.unreadable++;
			id_add(t, key, klen, false);
			return CALL;
		}
		c.node = r.node;
		c.nodelen = r.nodelen;
		id_time(r.id, r.idlen, &c.time_ms, &c.serial);
		if (p->room && p->inflight + p->kept < t->o.max_inflight) {
			if (budget_take(t, c.uid, summary_interval_of(&t->sum, c.time_ms))) {
				p->kept++;
				t->st.shed_kept++;
				id_add(t, key, klen, false);
				return CALL;
			}
			t->st.budget_spent++;
		}
		summary_add(&t->sum, &c);
		t->st.summarised++;
		id_add(t, key, klen, true);
		return GO;
	}
	k = id_find(t, key, klen);
	if (k >= 0) {
		bool shed = t->ids[k].shed;

		if (lines_rec_is(&r, "EOE"))
			id_del(t, k);
		return shed ? GO : KEEP;
	}
	/* records that may come before their SYSCALL record stay (lines.c keeps them) */
	if (lines_rec_is(&r, "INTEGRITY_RULE") || lines_rec_is(&r, "KERN_MODULE"))
		return KEEP;
	return NOISE;
}

void triage_set_capture(struct kmw_triage *t, kmw_triage_capture_fn fn, void *arg)
{
	t->capture = fn;
	t->capture_arg = arg;
}

size_t triage_filter(struct kmw_triage *t, char *data, size_t len, struct kmw_triage_pass *p)
{
	char *r = data, *w = data, *end = data + len, *nl;
	size_t n, cap_off[KMW_TRIAGE_CAPTURES], cap_len[KMW_TRIAGE_CAPTURES];
	unsigned int ncap = 0, i;

	p->kept = 0;
	pthread_mutex_lock(&t->lock);
	while (r < end && (nl = memchr(r, '\n', (size_t)(end - r)))) {
		enum verdict v;

		n = (size_t)(nl - r);
		v = sort_line(t, r, n && r[n - 1] == '\r' ? n - 1 : n, p);
		if (v == NOISE && p->squeeze) {
			t->st.noise_dropped++;
			v = GO;
		}
		if (v == GO) {
			*w++ = '\n';
		} else {
			if (w != r)
				memmove(w, r, n + 1);
			/* a call kept: captured once the lock is let go, from where it sits now */
			if (v == CALL && t->capture && ncap < KMW_TRIAGE_CAPTURES) {
				cap_off[ncap] = (size_t)(w - data);
				cap_len[ncap++] = n && w[n - 1] == '\r' ? n - 1 : n;
			}
			w += n + 1;
		}
		r = nl + 1;
	}
	pthread_mutex_unlock(&t->lock);
	for (i = 0; i < ncap; i++)
		t->capture(t->capture_arg, data + cap_off[i], cap_len[i]);
	/* a last piece without its newline (a line longer than a chunk) stays as it is */
	if (r < end) {
		n = (size_t)(end - r);
		if (w != r)
			memmove(w, r, n);
		w += n;
	}
	return (size_t)(w - data);
}

struct taken {
	struct kmw_summary_entry *e;
	unsigned int n, cap;
};

/* under the lock: moved out, so that what is done with them never holds the reader up */
static bool collect(struct kmw_summary_entry *e, void *arg)
{
	struct taken *tk = arg;

	if (tk->n == tk->cap) {
		unsigned int cap = tk->cap ? tk->cap * 2 : 16;
		struct kmw_summary_entry *m = realloc(tk->e, cap * sizeof(*m));

		if (!m)
			return false; /* it stays, for the next take */
		tk->e = m;
		tk->cap = cap;
	}
	tk->e[tk->n++] = *e;
	e->exe = NULL;
	e->node = NULL;
	return true;
}

unsigned int triage_take(struct kmw_triage *t, int64_t now_ms, bool all, kmw_triage_fn fn,
			 void *arg)
{
	struct taken tk = { 0 };
	unsigned int i;

	pthread_mutex_lock(&t->lock);
	summary_take(&t->sum, now_ms, all, collect, &tk);
	t->st.summaries += tk.n;
	pthread_mutex_unlock(&t->lock);
	for (i = 0; i < tk.n; i++) {
		fn(&tk.e[i], arg);
		free(tk.e[i].exe);
		free(tk.e[i].node);
	}
	free(tk.e);
	return tk.n;
}

struct kmw_triage_stats triage_stats(struct kmw_triage *t)
{
	struct kmw_triage_stats s;

	pthread_mutex_lock(&t->lock);
	s = t->st;
	pthread_mutex_unlock(&t->lock);
	return s;
}
