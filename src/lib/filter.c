// SPDX-License-Identifier: GPL-2.0-or-later
/* filter.c - the filters of `kmodwatch query`: one table says, for each, its name, the form of
 * its value and its help, the values it takes, its condition in the store's SQL, its match in
 * memory, and whether the collector's prefilter may look for its value; and time expressions */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kmw_decode.h"
#include "kmw_filter.h"
#include "kmw_risk.h"

static int64_t midnight(time_t t, int days_back)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday -= days_back;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

/* YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH[:]MM] */
static int parse_iso(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, frac = 0, fracdigits = 0, oh, om;
	const char *p;
	long off = 0;
	bool utc = false;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -EINVAL;
	p = s + n;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (sscanf(p, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
			return -EINVAL;
		p += n;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &sec, &n) != 1 || n != 2)
				return -EINVAL;
			p += 3;
			if (*p == '.') {
				for (p++; isdigit((unsigned char)*p); p++)
					if (fracdigits < 3) {
						frac = frac * 10 + (*p - '0');
						fracdigits++;
					}
				while (fracdigits && fracdigits < 3) {
					frac *= 10;
					fracdigits++;
				}
			}
		}
	}
	if (*p == 'Z') {
		utc = true;
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;

		if (sscanf(p + 1, "%2d%n", &oh, &n) != 1 || n != 2)
			return -EINVAL;
		p += 3;
		if (*p == ':')
			p++;
		if (sscanf(p, "%2d%n", &om, &n) != 1 || n != 2)
			return -EINVAL;
		p += 2;
		off = sign * (oh * 3600L + om * 60L);
		utc = true;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) - off : mktime(&tm);
	*ms = (int64_t)t * 1000 + frac;
	return 0;
}

int filter_parse_time(const char *s, time_t now, int64_t *ms)
{
	static const struct {
		const char *unit;
		long sec;
	} units[] = {
		{ "second", 1 },  { "minute", 60 },   { "hour", 3600 },
		{ "day", 86400 }, { "week", 604800 },
	};
	char unit[16], ago[8], *end;
	long long n;
	size_t i, ul;

	if (!strcmp(s, "now")) {
		*ms = (int64_t)now * 1000;
		return 0;
	}
	if (!strcmp(s, "recent")) {
		*ms = ((int64_t)now - 600) * 1000;
		return 0;
	}
	if (!strcmp(s, "today")) {
		*ms = midnight(now, 0);
		return 0;
	}
	if (!strcmp(s, "yesterday")) {
		*ms = midnight(now, 1);
		return 0;
	}
	if (!strcmp(s, "this-week")) {
		struct tm tm;

		localtime_r(&now, &tm);
		*ms = midnight(now, tm.tm_wday);
		return 0;
	}
	/* epoch seconds, as ausearch and date +%s write them */
	errno = 0;
	n = strtoll(s, &end, 10);
	if (!errno && *s && !*end && isdigit((unsigned char)*s) && n >= 0) {
		*ms = (int64_t)n * 1000;
		return 0;
	}
	if (sscanf(s, "%lld %15s %7s", &n, unit, ago) == 3 && !strcmp(ago, "ago") && n >= 0) {
		ul = strlen(unit);
		if (ul && unit[ul - 1] == 's')
			unit[--ul] = '\0';
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(unit, units[i].unit)) {
				*ms = ((int64_t)now - n * units[i].sec) * 1000;
				return 0;
			}
		return -EINVAL;
	}
	return parse_iso(s, ms);
}

static const char time_forms[] =
	"ISO 8601 (2026-11-27, 2026-11-27T14:03:00, ...Z or +01:00), "
	"epoch seconds, now, today, yesterday, this-week, recent (10 minutes), or 'N minutes|hours|days ago'";

typedef void (*word_fn)(void (*each)(const char *word, void *arg), void *arg);

/* A parser: @v into @out->n (the string is kept as given); NULL, or the forms taken. */
typedef const char *(*parse_fn)(struct kmw_filter *f, struct kmw_filter_value *out, const char *v,
				time_t now);

/* A match in memory of one filter's value. */
typedef bool (*match_fn)(const struct kmw_filter *f, const struct kmw_filter_value *v,
			 const struct kmw_event *ev);

struct def {
	const char *name; /* --NAME of `kmodwatch query` */
	const char *arg;  /* the form of its value; NULL: its words, "a|b|c" */
	const char *help; /* what it keeps */
	enum kmw_filter_complete complete;
	parse_fn parse;	   /* NULL: any text */
	word_fn words;	   /* the values it takes (a value is one of them); NULL: free text */
	const char *forms; /* the values taken, in words, when a value is refused (NULL: its
				 * words, "a, b or c") */
	match_fn match;
	const char *sql;	     /* the store's condition: each ? bound to the value */
	bool sql_int;		     /* ... its number (else its text) */
	const char *const *word_sql; /* the condition of each word, instead of sql */
	bool verbatim;		     /* a matching event's JSON line holds the value as it is */
};

static void result_words(void (*each)(const char *, void *), void *arg)
{
	each("success", arg);
	each("failure", arg);
}

static void errno_words(void (*each)(const char *, void *), void *arg)
{
	int e;

	for (e = 1; e < 4096; e++)
		if (decode_errno_name(e))
			each(decode_errno_name(e), arg);
}

static void flag_words(void (*each)(const char *, void *), void *arg)
{
	unsigned int i;

	for (i = 0; decode_flag_name(i); i++)
		each(decode_flag_name(i), arg);
}

static void syscall_words(void (*each)(const char *, void *), void *arg)
{
	int s;

	for (s = KMW_SC_FINIT_MODULE; s <= KMW_SC_DELETE_MODULE; s++)
		each(decode_syscall_name((enum kmw_syscall)s), arg);
}

static void risk_words(void (*each)(const char *, void *), void *arg)
{
	int l;

	for (l = KMW_RISK_INFO; l <= KMW_RISK_HIGH; l++)
		each(risk_level_name((enum kmw_risk_level)l), arg);
}

static void kind_words(void (*each)(const char *, void *), void *arg)
{
	int k;

	for (k = 0; k < KMW_KIND_COUNT; k++)
		each(event_kind_name((enum kmw_kind)k), arg);
}

static const char *parse_time(struct kmw_filter *f, struct kmw_filter_value *out, const char *v,
			      time_t now)
{
	(void)f;
	return filter_parse_time(v, now, &out->n) ? time_forms : NULL;
}

static const char *parse_sha256(struct kmw_filter *f, struct kmw_filter_value *out, const char *v,
				time_t now)
{
	size_t i, n = strlen(v);

	(void)out;
	(void)now;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)v[i]))
			break;
	if (!n || i < n || n > 64)
		return "hexadecimal digits: a SHA-256 or a prefix of one";
	for (i = 0; i <= n; i++)
		f->sha256[i] = (char)tolower((unsigned char)v[i]);
	return NULL;
}

static const char *parse_id(struct kmw_filter *f, struct kmw_filter_value *out, const char *v,
			    time_t now)
{
	char *end;
	long long n;

	(void)f;
	(void)now;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (!errno && *v && !*end && n >= 0 && n <= 4294967295LL) {
		out->n = n;
		return NULL;
	}
	return "a number from 0 to 4294967295 (auid also: unset)";
}

static const char *parse_auid(struct kmw_filter *f, struct kmw_filter_value *out, const char *v,
			      time_t now)
{
	/* "unset" is the name audit gives to auid -1 */
	if (!strcmp(v, "unset")) {
		out->n = 4294967295LL;
		return NULL;
	}
	return parse_id(f, out, v, now);
}

static const char *parse_errno(struct kmw_filter *f, struct kmw_filter_value *out, const char *v,
			       time_t now)
{
	(void)f;
	(void)now;
	/* the names events carry: an unknown one would match nothing, silently */
	out->n = decode_errno_parse(v);
	return out->n ? NULL : "an errno name such as EPERM, ENOENT, EKEYREJECTED";
}

/* the results, also "fail" */
static const char *parse_result(struct kmw_filter *f, struct kmw_filter_value *out, const char *v,
				time_t now)
{
	(void)f;
	(void)now;
	if (strcmp(v, "fail"))
		return ""; /* one of the words */
	out->n = 1;
	return NULL;
}

static bool str_eq(const struct kmw_event *ev, const struct kmw_str *s, const char *want)
{
	return s->set && s->len == strlen(want) && !memcmp(event_str(ev, s), want, s->len);
}

static bool str_glob(const struct kmw_event *ev, const struct kmw_str *s, const char *glob)
{
	char buf[4096];
	size_t n;

	if (!s->set)
		return false;
	n = s->len < sizeof(buf) - 1 ? s->len : sizeof(buf) - 1;
	memcpy(buf, event_str(ev, s), n);
	buf[n] = '\0';
	return fnmatch(glob, buf, 0) == 0;
}

static int64_t ev_ms(const struct kmw_event *ev)
{
	return ev->sec * 1000 + ev->msec;
}

static bool m_since(const struct kmw_filter *f, const struct kmw_filter_value *v,
		    const struct kmw_event *ev)
{
	(void)f;
	return ev_ms(ev) >= v->n;
}

static bool m_until(const struct kmw_filter *f, const struct kmw_filter_value *v,
		    const struct kmw_event *ev)
{
	(void)f;
	return ev_ms(ev) < v->n;
}

static bool m_module(const struct kmw_filter *f, const struct kmw_filter_value *v,
		     const struct kmw_event *ev)
{
	(void)f;
	return str_eq(ev, &ev->mod_name, v->s);
}

static bool m_path(const struct kmw_filter *f, const struct kmw_filter_value *v,
		   const struct kmw_event *ev)
{
	(void)f;
	return str_glob(ev, &ev->mod_path, v->s) || str_glob(ev, &ev->file_path, v->s);
}

static bool m_sha256(const struct kmw_filter *f, const struct kmw_filter_value *v,
		     const struct kmw_event *ev)
{
	size_t n = strlen(f->sha256);

	(void)v;
	return (ev->have_facts && (!strncasecmp(ev->facts.sha256, f->sha256, n) ||
				   !strncasecmp(ev->facts.image_sha256, f->sha256, n))) ||
	       (ev->ima.src != KMW_IMA_NONE && !strcmp(ev->ima.algo, "sha256") &&
		!strncasecmp(ev->ima.hash, f->sha256, n));
}

static bool m_uid(const struct kmw_filter *f, const struct kmw_filter_value *v,
		  const struct kmw_event *ev)
{
	(void)f;
	return ev->uid == v->n;
}

static bool m_user(const struct kmw_filter *f, const struct kmw_filter_value *v,
		   const struct kmw_event *ev)
{
	(void)f;
	return str_eq(ev, &ev->uid_name, v->s);
}

static bool m_auid(const struct kmw_filter *f, const struct kmw_filter_value *v,
		   const struct kmw_event *ev)
{
	(void)f;
	return ev->auid == v->n;
}

static bool m_exe(const struct kmw_filter *f, const struct kmw_filter_value *v,
		  const struct kmw_event *ev)
{
	(void)f;
	return str_eq(ev, &ev->exe, v->s);
}

static bool m_result(const struct kmw_filter *f, const struct kmw_filter_value *v,
		     const struct kmw_event *ev)
{
	(void)f;
	return v->n == 0 ? ev->success : !ev->success;
}

static bool m_errno(const struct kmw_filter *f, const struct kmw_filter_value *v,
		    const struct kmw_event *ev)
{
	(void)f;
	return event_errno(ev) == v->n;
}

static bool m_flag(const struct kmw_filter *f, const struct kmw_filter_value *v,
		   const struct kmw_event *ev)
{
	const char *names[8];
	unsigned int n, i;
	uint64_t unknown;
	int arg = decode_flags_arg(ev->sc);

	(void)f;
	if (arg < 0)
		return false;
	decode_flags(ev->sc, ev->a[arg], names, 8, &n, &unknown);
	for (i = 0; i < n; i++)
		if (!strcmp(names[i], v->s))
			return true;
	return false;
}

static bool m_syscall(const struct kmw_filter *f, const struct kmw_filter_value *v,
		      const struct kmw_event *ev)
{
	(void)f;
	return decode_syscall_name(ev->sc) && !strcmp(decode_syscall_name(ev->sc), v->s);
}

static bool m_key(const struct kmw_filter *f, const struct kmw_filter_value *v,
		  const struct kmw_event *ev)
{
	unsigned int i;

	(void)f;
	for (i = 0; i < ev->nkeys; i++)
		if (str_eq(ev, &ev->keys[i], v->s))
			return true;
	return false;
}

static bool m_risk(const struct kmw_filter *f, const struct kmw_filter_value *v,
		   const struct kmw_event *ev)
{
	(void)f;
	return ev->risk_level >= v->n;
}

static bool m_kind(const struct kmw_filter *f, const struct kmw_filter_value *v,
		   const struct kmw_event *ev)
{
	(void)f;
	return ev->kind == (enum kmw_kind)v->n;
}

static bool m_host(const struct kmw_filter *f, const struct kmw_filter_value *v,
		   const struct kmw_event *ev)
{
	(void)f;
	return str_eq(ev, &ev->node, v->s);
}

/* the store's condition of each result and each kind: a partial index serves only a query
 * that repeats its condition word for word (kind != 'syscall') */
static const char *const result_sql[] = { "success = 1", "success = 0" };
static const char *const kind_sql[] = {
	[KMW_KIND_SYSCALL] = "kind = 'syscall'",
	[KMW_KIND_SUMMARY] = "kind = 'summary' AND kind != 'syscall'",
	[KMW_KIND_ALERT] = "kind = 'alert' AND kind != 'syscall'",
};

static const struct def defs[KMW_F_COUNT] = {
	[KMW_F_SINCE] = { "since", "T", "events at T or later", KMW_COMPLETE_NONE, parse_time, NULL,
			  NULL, m_since, "time_ms >= ?", true, NULL, false },
	[KMW_F_UNTIL] = { "until", "T", "events before T", KMW_COMPLETE_NONE, parse_time, NULL,
			  NULL, m_until, "time_ms < ?", true, NULL, false },
	[KMW_F_MODULE] = { "module", "NAME", "the module of that name", KMW_COMPLETE_NONE, NULL,
			   NULL, NULL, m_module, "module = ?", false, NULL, true },
	[KMW_F_PATH] = { "path", "GLOB", "its file (a shell pattern)", KMW_COMPLETE_FILE, NULL,
			 NULL, NULL, m_path, "path GLOB ?", false, NULL, false },
	/* a prefix: a range on the index rather than LIKE (case and index-friendly) */
	[KMW_F_SHA256] = { "sha256", "HEX", "its file's SHA-256 or a prefix (file, image, IMA)",
			   KMW_COMPLETE_NONE, parse_sha256, NULL, NULL, m_sha256,
			   "((sha256 >= lower(?) AND sha256 < lower(?) || 'g') OR "
			   "(image_sha256 >= lower(?) AND image_sha256 < lower(?) || 'g') OR "
			   "(ima_hash >= 'sha256:' || lower(?) AND ima_hash < 'sha256:' || lower(?) || "
			   "'g'))",
			   false, NULL, true },
	[KMW_F_UID] = { "uid", "N", "the loader's user id", KMW_COMPLETE_NONE, parse_id, NULL, NULL,
			m_uid, "uid = ?", true, NULL, false },
	[KMW_F_USER] = { "user", "NAME", "the loader's user name", KMW_COMPLETE_USER, NULL, NULL,
			 NULL, m_user, "user = ?", false, NULL, true },
	[KMW_F_AUID] = { "auid", "N", "the login user id (or unset)", KMW_COMPLETE_NONE, parse_auid,
			 NULL, NULL, m_auid, "auid = ?", true, NULL, false },
	[KMW_F_EXE] = { "exe", "PATH", "the loader's program", KMW_COMPLETE_FILE, NULL, NULL, NULL,
			m_exe, "exe = ?", false, NULL, true },
	[KMW_F_RESULT] = { "result", NULL, "the call's outcome", KMW_COMPLETE_WORDS, parse_result,
			   result_words, NULL, m_result, NULL, false, result_sql, false },
	[KMW_F_ERRNO] = { "errno", "NAME", "the call's error (EPERM, EEXIST ...)",
			  KMW_COMPLETE_WORDS, parse_errno, errno_words,
			  "an errno name such as EPERM, ENOENT, "
			  "EKEYREJECTED",
			  m_errno, "errno = ?", false, NULL, true },
	[KMW_F_FLAG] = { "flag", "NAME", "a flag the call set", KMW_COMPLETE_WORDS, NULL,
			 flag_words, NULL, m_flag,
			 "id IN (SELECT event_id FROM event_flags WHERE flag = ?)", false, NULL,
			 true },
	[KMW_F_SYSCALL] = { "syscall", "NAME", "the module syscall", KMW_COMPLETE_WORDS, NULL,
			    syscall_words, NULL, m_syscall, "syscall = ?", false, NULL, true },
	[KMW_F_KEY] = { "key", "KEY", "an audit rule's key of the event", KMW_COMPLETE_NONE, NULL,
			NULL, NULL, m_key, "instr(keys, '|' || ? || '|') > 0", false, NULL, true },
	[KMW_F_RISK] = { "risk", "LEVEL", "that risk level or above", KMW_COMPLETE_WORDS, NULL,
			 risk_words, NULL, m_risk, "risk >= ?", true, NULL, false },
	[KMW_F_KIND] = { "kind", NULL, "events, summaries or alerts", KMW_COMPLETE_WORDS, NULL,
			 kind_words, NULL, m_kind, NULL, false, kind_sql, false },
	[KMW_F_HOST] = { "host", "NAME", "the host the event happened on (audit.node)",
			 KMW_COMPLETE_NONE, NULL, NULL, NULL, m_host, "node = ?", false, NULL,
			 true },
};

void filter_init(struct kmw_filter *f)
{
	memset(f, 0, sizeof(*f));
}

int filter_find(const char *name)
{
	int i;

	for (i = 0; name && i < KMW_F_COUNT; i++)
		if (!strcmp(defs[i].name, name))
			return i;
	return -1;
}

const char *filter_name(enum kmw_filter_id id)
{
	return (unsigned int)id < KMW_F_COUNT ? defs[id].name : NULL;
}

const char *filter_arg(enum kmw_filter_id id)
{
	return (unsigned int)id < KMW_F_COUNT ? defs[id].arg : NULL;
}

enum kmw_filter_complete filter_complete(enum kmw_filter_id id)
{
	return (unsigned int)id < KMW_F_COUNT ? defs[id].complete : KMW_COMPLETE_NONE;
}

void filter_words(enum kmw_filter_id id, void (*each)(const char *word, void *arg), void *arg)
{
	if ((unsigned int)id < KMW_F_COUNT && defs[id].words)
		defs[id].words(each, arg);
}

/* the words of a filter, joined: "a|b|c", or "a, b or c" */
struct join {
	struct kmw_buf *b;
	const char *sep, *last;
	const char *prev;
	unsigned int n;
};

static void join_word(const char *w, void *arg)
{
	struct join *j = arg;

	if (j->prev)
		buf_printf(j->b, "%s%s", j->n > 1 ? j->sep : "", j->prev);
	j->prev = w;
	j->n++;
}

static void join_words(struct kmw_buf *b, enum kmw_filter_id id, const char *sep, const char *last)
{
	struct join j = { .b = b, .sep = sep, .last = last };

	filter_words(id, join_word, &j);
	if (j.prev)
		buf_printf(b, "%s%s", j.n > 1 ? last : "", j.prev);
}

void filter_usage(FILE *f, int indent)
{
	struct kmw_buf b;
	int i;

	buf_init(&b);
	for (i = 0; i < KMW_F_COUNT; i++) {
		int n;

		buf_reset(&b);
		if (defs[i].arg)
			buf_puts(&b, defs[i].arg);
		else
			join_words(&b, (enum kmw_filter_id)i, "|", "|");
		n = fprintf(f, "%*s--%s %.*s", indent, "", defs[i].name, (int)b.len,
			    b.data ? b.data : "");
		fprintf(f, "%*s%s\n", n < indent + 30 ? indent + 30 - n : 1, "", defs[i].help);
	}
	buf_free(&b);
}

struct find_word {
	const char *want;
	int at, i;
};

static void find_word(const char *w, void *arg)
{
	struct find_word *fw = arg;

	if (fw->at < 0 && !strcmp(w, fw->want))
		fw->at = fw->i;
	fw->i++;
}

int filter_set(struct kmw_filter *f, const char *name, const char *value, time_t now,
	       const char **why)
{
	int id = filter_find(name);
	const struct def *d;
	struct kmw_filter_value v = { .set = true, .s = value };
	*why = NULL;
	if (id < 0 || !value) {
		*why = "an unknown filter";
		return -EINVAL;
	}
	d = &defs[id];
	/* a value of the words: which one (its index); a parser may take more */
	if (d->words) {
		struct find_word fw = { .want = value, .at = -1 };

		d->words(find_word, &fw);
		v.n = fw.at;
	}
	if (d->parse) {
		const char *bad = d->parse(f, &v, value, now);

		if (bad && !(bad[0] == '\0' && v.n >= 0)) {
			*why = bad[0] ? bad : NULL;
			goto refused;
		}
	} else if (d->words && v.n < 0) {
		goto refused;
	}
	f->v[id] = v;
	return 0;
refused:
	if (!*why)
		*why = d->forms;
	if (!*why) {
		/* "a, b or c", kept in the filter: it lives as long as the caller needs it */
		struct kmw_buf b;

		buf_init(&b);
		join_words(&b, (enum kmw_filter_id)id, ", ", " or ");
		snprintf(f->forms, sizeof(f->forms), "%.*s%s", (int)b.len, b.data ? b.data : "",
			 id == KMW_F_RISK ? " (that level or above)" : "");
		buf_free(&b);
		*why = f->forms;
	}
	return -EINVAL;
}

bool filter_match(const struct kmw_filter *f, const struct kmw_event *ev)
{
	int i;

	for (i = 0; i < KMW_F_COUNT; i++)
		if (f->v[i].set && !defs[i].match(f, &f->v[i], ev))
			return false;
	return true;
}

unsigned int filter_sql(const struct kmw_filter *f, struct kmw_buf *sql, struct kmw_filter_bind *b)
{
	const char *glue = " WHERE ", *cond, *p;
	unsigned int nb = 0;
	int i;

	for (i = 0; i < KMW_F_COUNT; i++) {
		const struct def *d = &defs[i];
		const struct kmw_filter_value *v = &f->v[i];

		if (!v->set)
			continue;
		cond = d->word_sql ? d->word_sql[v->n] : d->sql;
		buf_printf(sql, "%s%s", glue, cond);
		glue = " AND ";
		for (p = cond; (p = strchr(p, '?')) && nb < KMW_FILTER_BINDS; p++)
			b[nb++] = (struct kmw_filter_bind){ .is_int = d->sql_int,
							    .n = v->n,
							    .s = i == KMW_F_SHA256 ? f->sha256
										   : v->s };
	}
	return nb;
}

/* A value JSON writes as it is: printable ASCII, no quote, no backslash. */
static bool verbatim(const char *v)
{
	for (; v && *v; v++)
		if (*v < 0x20 || *v > 0x7e || *v == '"' || *v == '\\')
			return false;
	return v != NULL;
}

unsigned int filter_needles(const struct kmw_filter *f, const char **out, unsigned int max)
{
	unsigned int n = 0;
	int i;

	for (i = 0; i < KMW_F_COUNT && n < max; i++) {
		/* the lower case events write a hash in */
		const char *s = i == KMW_F_SHA256 ? f->sha256 : f->v[i].s;

		if (f->v[i].set && defs[i].verbatim && verbatim(s) && s[0])
			out[n++] = s;
	}
	return n;
}
