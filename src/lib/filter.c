// SPDX-License-Identifier: GPL-2.0-or-later
/* filter.c - query filters: time expressions, option values, and matching an event */
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

void filter_init(struct kmw_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->risk = -1;
}

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
	static const struct { const char *unit; long sec; } units[] = {
		{ "second", 1 }, { "minute", 60 }, { "hour", 3600 }, { "day", 86400 },
		{ "week", 604800 },
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

static const char time_forms[] = "ISO 8601 (2026-11-27, 2026-11-27T14:03:00, ...Z or +01:00), "
	"epoch seconds, now, today, yesterday, this-week, recent (10 minutes), or 'N minutes|hours|days ago'";

static bool is_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

static int parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || !*s || *end || v < 0 || v > 4294967295LL)
		return -EINVAL;
	*out = v;
	return 0;
}

int filter_set(struct kmw_filter *f, const char *name, const char *value, time_t now,
	       const char **why)
{
	*why = NULL;
	if (!strcmp(name, "since") || !strcmp(name, "until")) {
		bool since = name[0] == 's';

		if (filter_parse_time(value, now, since ? &f->since_ms : &f->until_ms)) {
			*why = time_forms;
			return -EINVAL;
		}
		if (since)
			f->has_since = true;
		else
			f->has_until = true;
	} else if (!strcmp(name, "module")) {
		f->module = value;
	} else if (!strcmp(name, "host")) {
		f->host = value;
	} else if (!strcmp(name, "path")) {
		f->path_glob = value;
	} else if (!strcmp(name, "sha256")) {
		if (!is_hex(value) || strlen(value) > 64) {
			*why = "hexadecimal digits: a SHA-256 or a prefix of one";
			return -EINVAL;
		}
		f->sha256 = value;
	} else if (!strcmp(name, "uid") || !strcmp(name, "auid")) {
		bool a = name[0] == 'a';

		if (parse_id(value, a ? &f->auid : &f->uid)) {
			/* "unset" is the name audit gives to auid -1 */
			if (a && !strcmp(value, "unset")) {
				f->auid = 4294967295LL;
			} else {
				*why = "a number from 0 to 4294967295 (auid also: unset)";
				return -EINVAL;
			}
		}
		if (a)
			f->has_auid = true;
		else
			f->has_uid = true;
	} else if (!strcmp(name, "user")) {
		f->user = value;
	} else if (!strcmp(name, "exe")) {
		f->exe = value;
	} else if (!strcmp(name, "result")) {
		if (!strcmp(value, "success"))
			f->result = 1;
		else if (!strcmp(value, "failure") || !strcmp(value, "fail"))
			f->result = -1;
		else {
			*why = "success or failure";
			return -EINVAL;
		}
	} else if (!strcmp(name, "errno")) {
		/* the names events carry: an unknown one would match nothing, silently */
		if (!decode_errno_parse(value)) {
			*why = "an errno name such as EPERM, ENOENT, EKEYREJECTED";
			return -EINVAL;
		}
		f->errno_name = value;
	} else if (!strcmp(name, "flag")) {
		static const char *const known[] = {
			"MODULE_INIT_IGNORE_MODVERSIONS", "MODULE_INIT_IGNORE_VERMAGIC",
			"MODULE_INIT_COMPRESSED_FILE", "O_NONBLOCK", "O_TRUNC",
		};
		size_t i;

		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (!strcmp(value, known[i]))
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			*why = "MODULE_INIT_IGNORE_MODVERSIONS, MODULE_INIT_IGNORE_VERMAGIC, "
			       "MODULE_INIT_COMPRESSED_FILE, O_NONBLOCK or O_TRUNC";
			return -EINVAL;
		}
		f->flag = value;
	} else if (!strcmp(name, "syscall")) {
		if (strcmp(value, "finit_module") && strcmp(value, "init_module") &&
		    strcmp(value, "delete_module")) {
			*why = "finit_module, init_module or delete_module";
			return -EINVAL;
		}
		f->syscall = value;
	} else if (!strcmp(name, "key")) {
		f->key = value;
	} else if (!strcmp(name, "risk")) {
		int l;

		for (l = KMW_RISK_INFO; l <= KMW_RISK_HIGH; l++)
			if (!strcmp(value, risk_level_name((enum kmw_risk_level)l)))
				break;
		if (l > KMW_RISK_HIGH) {
			*why = "info, low, medium or high (that level or above)";
			return -EINVAL;
		}
		f->risk = l;
	} else if (!strcmp(name, "kind")) {
		if (event_kind_parse(value, &f->kind)) {
			*why = "syscall, summary or alert";
			return -EINVAL;
		}
		f->has_kind = true;
	} else {
		*why = "an unknown filter";
		return -EINVAL;
	}
	return 0;
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

bool filter_match(const struct kmw_filter *f, const struct kmw_event *ev)
{
	int64_t t = ev->sec * 1000 + ev->msec;
	int err = event_errno(ev);

	if ((f->has_since && t < f->since_ms) || (f->has_until && t >= f->until_ms))
		return false;
	if (f->has_kind && ev->kind != f->kind)
		return false;
	if (f->module && !str_eq(ev, &ev->mod_name, f->module))
		return false;
	if (f->path_glob && !str_glob(ev, &ev->mod_path, f->path_glob) &&
	    !str_glob(ev, &ev->file_path, f->path_glob))
		return false;
	if (f->sha256 && !((ev->have_facts &&
			    (!strncasecmp(ev->facts.sha256, f->sha256, strlen(f->sha256)) ||
			     !strncasecmp(ev->facts.image_sha256, f->sha256, strlen(f->sha256)))) ||
			   (ev->ima.src != KMW_IMA_NONE && !strcmp(ev->ima.algo, "sha256") &&
			    !strncasecmp(ev->ima.hash, f->sha256, strlen(f->sha256)))))
		return false;
	if (f->has_uid && ev->uid != f->uid)
		return false;
	if (f->has_auid && ev->auid != f->auid)
		return false;
	if (f->user && !str_eq(ev, &ev->uid_name, f->user))
		return false;
	if (f->exe && !str_eq(ev, &ev->exe, f->exe))
		return false;
	if ((f->result > 0 && !ev->success) || (f->result < 0 && ev->success))
		return false;
	if (f->errno_name && (!err || !decode_errno_name(err) ||
			      strcmp(decode_errno_name(err), f->errno_name)))
		return false;
	if (f->flag) {
		const char *names[8];
		unsigned int n, i;
		uint64_t unknown;
		int arg = decode_flags_arg(ev->sc);
		bool found = false;

		if (arg < 0)
			return false;
		decode_flags(ev->sc, ev->a[arg], names, 8, &n, &unknown);
		for (i = 0; i < n; i++)
			found |= !strcmp(names[i], f->flag);
		if (!found)
			return false;
	}
	if (f->syscall && (!decode_syscall_name(ev->sc) || strcmp(decode_syscall_name(ev->sc), f->syscall)))
		return false;
	if (f->key) {
		unsigned int i;
		bool found = false;

		for (i = 0; i < ev->nkeys; i++)
			found |= str_eq(ev, &ev->keys[i], f->key);
		if (!found)
			return false;
	}
	if (f->host && !str_eq(ev, &ev->node, f->host))
		return false;
	if (f->risk >= 0 && ev->risk_level < f->risk)
		return false;
	return true;
}
