// SPDX-License-Identifier: GPL-2.0-or-later
/* parse.c - libauparse feed mode: complete audit events to struct kmw_event */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <auparse.h>
#include <libaudit.h>

#include "kmw_decode.h"
#include "kmw_parse.h"
#include "kmw_risk.h"

/* second 0, as libauparse is given it (see parse_feed_line) */
#define SEC_ZERO 999999999999LL
#define SEC_ZERO_TEXT "999999999999"

/* the kernel caps PROCTITLE at this many bytes (MAX_PROCTITLE_AUDIT_LEN) */
#define KERNEL_PROCTITLE_MAX 128

#ifndef AUDIT_KERN_MODULE
#define AUDIT_KERN_MODULE 1330
#endif
#ifndef AUDIT_INTEGRITY_RULE
#define AUDIT_INTEGRITY_RULE 1805
#endif
#ifndef AUDIT_CONFIG_CHANGE
#define AUDIT_CONFIG_CHANGE 1305
#endif

/* An event whose input was cut while it was open: it must not come out. */
struct cut_event {
	int64_t sec;
	unsigned long ms;
	unsigned long long serial;
	char node[256];
};

#define MAX_CUT 64

struct kmw_parser {
	auparse_state_t *au;
	unsigned int ncut;
	struct cut_event cut[MAX_CUT];
	uint64_t left_out;
	kmw_event_cb cb;
	void *arg;
	struct kmw_parse_hooks hooks;
	char *hostname;
	enum kmw_names names;
	bool historical;
	struct kmw_event ev; /* reused: one event at a time reaches the callback */
	char line[KMW_LINE_MAX + 64];
};

static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_hex(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 16);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Store an untrusted string field: decoded when quoted or hex, raw otherwise. */
static void set_untrusted(struct kmw_event *ev, struct kmw_str *s, const char *val)
{
	char tmp[4096];
	size_t len = strlen(val), n;
	int ret;

	if (len > 2 * sizeof(tmp))
		len = 2 * sizeof(tmp);
	if (len > sizeof(tmp) && val[0] == '"')
		len = sizeof(tmp);
	ret = decode_field(val, len, tmp, &n);
	if (ret > 0)
		event_set_str(ev, s, tmp, n);
	else if (ret < 0)
		event_set_str(ev, s, val, strlen(val));
}

static void set_name(struct kmw_parser *p, struct kmw_event *ev, struct kmw_str *s, int64_t id)
{
	auparse_state_t *au = p->au;
	const char *name, *interp;

	if (p->names == KMW_NAMES_RECORD) {
		/* without the record's own interpretations, only "unset" is certain */
		interp = auparse_get_record_interpretations(au);
		if (!interp || !*interp) {
			if (id == 4294967295LL)
				event_set_str(ev, s, "unset", 5);
			return;
		}
	}
	name = auparse_interpret_field(au);

	if (name && *name)
		event_set_str(ev, s, name, strlen(name));
}

/* The SYSCALL fields read; the bit of each says it was seen (the first value counts). */
enum sc_field {
	F_ARCH,
	F_SYSCALL,
	F_A0,
	F_A1,
	F_A2,
	F_A3,
	F_AUID,
	F_COMM,
	F_EXIT,
	F_EXE,
	F_EUID,
	F_GID,
	F_PID,
	F_PPID,
	F_SUCCESS,
	F_SES,
	F_TTY,
	F_UID,
	F_COUNT,
};

static const struct {
	const char *name;
	const char *dup; /* the note when it comes twice */
} sc_fields[F_COUNT] = {
	[F_ARCH] = { "arch", "SYSCALL record: arch= twice, the first kept" },
	[F_SYSCALL] = { "syscall", "SYSCALL record: syscall= twice, the first kept" },
	[F_A0] = { "a0", "SYSCALL record: a0= twice, the first kept" },
	[F_A1] = { "a1", "SYSCALL record: a1= twice, the first kept" },
	[F_A2] = { "a2", "SYSCALL record: a2= twice, the first kept" },
	[F_A3] = { "a3", "SYSCALL record: a3= twice, the first kept" },
	[F_AUID] = { "auid", "SYSCALL record: auid= twice, the first kept" },
	[F_COMM] = { "comm", "SYSCALL record: comm= twice, the first kept" },
	[F_EXIT] = { "exit", "SYSCALL record: exit= twice, the first kept" },
	[F_EXE] = { "exe", "SYSCALL record: exe= twice, the first kept" },
	[F_EUID] = { "euid", "SYSCALL record: euid= twice, the first kept" },
	[F_GID] = { "gid", "SYSCALL record: gid= twice, the first kept" },
	[F_PID] = { "pid", "SYSCALL record: pid= twice, the first kept" },
	[F_PPID] = { "ppid", "SYSCALL record: ppid= twice, the first kept" },
	[F_SUCCESS] = { "success", "SYSCALL record: success= twice, the first kept" },
	[F_SES] = { "ses", "SYSCALL record: ses= twice, the first kept" },
	[F_TTY] = { "tty", "SYSCALL record: tty= twice, the first kept" },
	[F_UID] = { "uid", "SYSCALL record: uid= twice, the first kept" },
};

static int sc_field_of(const char *name)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		if (!strcmp(name, sc_fields[i].name))
			return i;
	return -1;
}

/*
 * Fields of the SYSCALL record. A field that comes twice keeps its first
 * value, as libauparse's lookups and ausearch do, and the event says so.
 * Returns the module syscall, or KMW_SC_NONE.
 */
static enum kmw_syscall read_syscall(struct kmw_parser *p, struct kmw_event *ev)
{
	auparse_state_t *au = p->au;
	uint64_t arch = 0;
	int64_t nr = -1;
	uint32_t seen = 0;
	int f;

	if (auparse_first_field(au) <= 0)
		return KMW_SC_NONE;
	do {
		const char *name = auparse_get_field_name(au);
		const char *val = auparse_get_field_str(au);

		if (!name || !val || (f = sc_field_of(name)) < 0) {
			/* several matching rules give several key fields: all are kept */
			if (name && val && !strcmp(name, "key") && ev->nkeys < KMW_MAX_KEYS) {
				set_untrusted(ev, &ev->keys[ev->nkeys], val);
				if (ev->keys[ev->nkeys].set) {
					if (!ev->nkeys)
						ev->key = ev->keys[0];
					ev->nkeys++;
				}
			}
			continue;
		}
		if (seen & (1u << f)) {
			event_note(ev, sc_fields[f].dup);
			continue;
		}
		seen |= 1u << f;
		switch (f) {
		case F_ARCH:
			if (parse_hex(val, &arch))
				seen &= ~(1u << f);
			break;
		case F_SYSCALL:
			if (parse_i64(val, &nr))
				nr = -1;
			break;
		case F_A0:
		case F_A1:
		case F_A2:
		case F_A3: parse_hex(val, &ev->a[f - F_A0]); break;
		case F_AUID:
			parse_i64(val, &ev->auid);
			set_name(p, ev, &ev->auid_name, ev->auid);
			break;
		case F_COMM: set_untrusted(ev, &ev->comm, val); break;
		case F_EXIT: ev->has_exit = parse_i64(val, &ev->exit) == 0; break;
		case F_EXE: set_untrusted(ev, &ev->exe, val); break;
		case F_EUID:
			parse_i64(val, &ev->euid);
			set_name(p, ev, &ev->euid_name, ev->euid);
			break;
		case F_GID:
			parse_i64(val, &ev->gid);
			set_name(p, ev, &ev->gid_name, ev->gid);
			break;
		case F_PID: parse_i64(val, &ev->pid); break;
		case F_PPID: parse_i64(val, &ev->ppid); break;
		case F_SUCCESS: ev->success = !strcmp(val, "yes"); break;
		case F_SES: parse_i64(val, &ev->ses); break;
		case F_TTY:
			if (strcmp(val, "(none)"))
				event_set_str(ev, &ev->tty, val, strlen(val));
			break;
		case F_UID:
			parse_i64(val, &ev->uid);
			set_name(p, ev, &ev->uid_name, ev->uid);
			break;
		}
	} while (auparse_next_field(au) > 0);
	if (!(seen & (1u << F_ARCH)) || nr < 0 || nr > 0x7fffffff)
		return KMW_SC_NONE;
	ev->sc = decode_syscall((uint32_t)arch, (int)nr);
	if (ev->sc == KMW_SC_NONE)
		return KMW_SC_NONE;
	ev->arch = (uint32_t)arch;
	ev->sc_nr = (int)nr;
	return ev->sc;
}

static void read_field_of(auparse_state_t *au, const char *want,
			  void (*fn)(struct kmw_event *, const char *, size_t),
			  struct kmw_event *ev)
{
	if (auparse_first_field(au) <= 0)
		return;
	do {
		const char *name = auparse_get_field_name(au);
		const char *val = auparse_get_field_str(au);

		if (name && val && !strcmp(name, want)) {
			fn(ev, val, strlen(val));
			return;
		}
	} while (auparse_next_field(au) > 0);
}

static void take_module_name(struct kmw_event *ev, const char *val, size_t len)
{
	set_untrusted(ev, &ev->mod_name, val);
}

static void take_proctitle(struct kmw_event *ev, const char *val, size_t len)
{
	decode_proctitle(ev, val, len);
	/* hex doubles the size; a full-length title was likely cut by the kernel */
	if ((val[0] == '"' && len - 2 >= KERNEL_PROCTITLE_MAX) ||
	    (val[0] != '"' && len / 2 >= KERNEL_PROCTITLE_MAX))
		ev->argv_truncated = true;
}

static bool is_hex_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f') ||
		      (p[i] >= 'A' && p[i] <= 'F')))
			return false;
	return true;
}

/*
 * hash="ALGO:HEX" of an INTEGRITY_RULE record into @ima. Returns NULL, or the
 * note that says what is wrong with it (then nothing of it is kept).
 */
static const char *ima_hash(const char *val, struct kmw_ima *ima)
{
	size_t len = strlen(val), alen, hlen, i;
	const char *colon;
	int bytes;

	/* the kernel writes the value quoted: "sha256:..." */
	if (len >= 2 && val[0] == '"' && val[len - 1] == '"') {
		val++;
		len -= 2;
	}
	colon = memchr(val, ':', len);
	if (!colon || colon == val)
		return "INTEGRITY_RULE record: hash= is not ALGO:HEX, left out";
	alen = (size_t)(colon - val);
	hlen = len - alen - 1;
	if (alen >= sizeof(ima->algo))
		return "INTEGRITY_RULE record: hash= names no algorithm the kernel has, left out";
	if (!hlen || !is_hex_digits(colon + 1, hlen))
		return "INTEGRITY_RULE record: the hash is not hexadecimal, left out";
	if (hlen % 2)
		return "INTEGRITY_RULE record: the hash has an odd number of digits, left out";
	if (hlen > KMW_IMA_HASH_MAX)
		return "INTEGRITY_RULE record: the hash is longer than any digest, left out";
	bytes = decode_digest_len(val, alen);
	if (bytes > 0 && (size_t)bytes * 2 != hlen)
		return "INTEGRITY_RULE record: the hash's length does not fit its algorithm, left out";
	memcpy(ima->algo, val, alen);
	ima->algo[alen] = '\0';
	for (i = 0; i < hlen; i++)
		ima->hash[i] = (char)(colon[1 + i] >= 'A' && colon[1 + i] <= 'F'
					      ? colon[1 + i] - 'A' + 'a'
					      : colon[1 + i]);
	ima->hash[hlen] = '\0';
	ima->algo_known = bytes > 0;
	return NULL;
}

/*
 * The INTEGRITY_RULE record IMA logs when it measures the file of a finit_module
 * (policy rule "audit func=MODULE_CHECK"): the file and the hash of the bytes the
 * kernel read. A record that cannot be read is a parse note, never the event's
 * path; so is one of another process than the call's.
 */
static void read_integrity_rule(struct kmw_parser *p, struct kmw_event *ev)
{
	auparse_state_t *au = p->au;
	const char *file = NULL, *hash = NULL, *why;
	char tmp[4096];
	int64_t pid = -1;
	struct kmw_ima ima;
	size_t n;
	int ret;

	if (ev->ima.src != KMW_IMA_NONE || ev->ima_absent == KMW_IMA_ABSENT_BAD_RECORD) {
		event_note(ev, "INTEGRITY_RULE record twice in one event, the first kept");
		return;
	}
	if (auparse_first_field(au) <= 0)
		return;
	do {
		const char *name = auparse_get_field_name(au);
		const char *val = auparse_get_field_str(au);

		if (!name || !val)
			continue;
		if (!file && !strcmp(name, "file"))
			file = val;
		else if (!hash && !strcmp(name, "hash"))
			hash = val;
		else if (pid < 0 && !strcmp(name, "pid"))
			parse_i64(val, &pid);
	} while (auparse_next_field(au) > 0);
	ev->ima_absent = KMW_IMA_ABSENT_BAD_RECORD;
	if (pid >= 0 && ev->pid >= 0 && pid != ev->pid) {
		event_note(ev,
			   "INTEGRITY_RULE record of another process than the call's: left out");
		return;
	}
	if (!file) {
		event_note(ev, "INTEGRITY_RULE record without file=, left out");
		return;
	}
	if (!hash) {
		event_note(ev, "INTEGRITY_RULE record without hash=, left out");
		return;
	}
	memset(&ima, 0, sizeof(ima));
	why = ima_hash(hash, &ima);
	if (why) {
		event_note(ev, why);
		return;
	}
	/* quoted, or hex when the name has a space or a byte audit escapes */
	n = strlen(file);
	ret = n <= (file[0] == '"' ? sizeof(tmp) : 2 * sizeof(tmp)) ? decode_field(file, n, tmp, &n)
								    : -EINVAL;
	if (ret <= 0 || !n) {
		event_note(ev, "INTEGRITY_RULE record: file= is no path, left out");
		return;
	}
	if (!ima.algo_known)
		event_note(ev, "INTEGRITY_RULE record: a hash algorithm kmodwatch does not know, "
			       "kept as the kernel gave it");
	ima.src = KMW_IMA_RECORD;
	ima.matches = -1;
	ev->ima = ima;
	event_set_str(ev, &ev->ima_file, tmp, n);
	ev->ima_absent = KMW_IMA_ABSENT_NONE;
}

/* Whether the event of @ts was open where its input was cut; it is forgotten then. */
static bool was_cut(struct kmw_parser *p, const au_event_t *ts)
{
	unsigned int i;

	for (i = 0; i < p->ncut; i++) {
		struct cut_event *c = &p->cut[i];

		if (c->sec == ts->sec && c->ms == ts->milli && c->serial == ts->serial &&
		    !strcmp(c->node, ts->host ? ts->host : "")) {
			*c = p->cut[--p->ncut];
			p->left_out++;
			return true;
		}
	}
	return false;
}

/* The event's time, serial and node, from libauparse's timestamp. Returns false when the
 * event was open where its input was cut: it must not come out. */
static bool read_timestamp(struct kmw_parser *p, struct kmw_event *ev)
{
	const au_event_t *ts = auparse_get_timestamp(p->au);
	au_event_t zero;

	if (ts && ts->sec == SEC_ZERO) {
		zero = *ts;
		zero.sec = 0;
		ts = &zero;
	}
	if (p->ncut && ts && was_cut(p, ts))
		return false;
	/* past the year 9999 or before 1970 is no audit time: unknown (0), and said so */
	if (ts && (ts->sec < 0 || ts->sec > 253402300799LL)) {
		event_skip(ev, "the record's timestamp is out of range");
		ev->serial = ts->serial;
	} else if (ts) {
		ev->sec = ts->sec;
		ev->msec = ts->milli;
		ev->serial = ts->serial;
		if (ts->host)
			event_set_str(ev, &ev->node, ts->host, strlen(ts->host));
	}
	if (!ev->node.set && p->hostname)
		event_set_str(ev, &ev->node, p->hostname, strlen(p->hostname));
	return true;
}

/* Whether the current event has a record of @type; the cursor is left on it. */
static bool has_record(auparse_state_t *au, int type)
{
	if (auparse_first_record(au) <= 0)
		return false;
	do {
		if (auparse_get_type(au) == type)
			return true;
	} while (auparse_next_record(au) > 0);
	return false;
}

static void field_copy(char *out, size_t len, const char *val)
{
	char tmp[256];
	size_t n;

	/* quoted, hex, or "(null)" for a rule without key */
	if (!strcmp(val, "(null)") ||
	    decode_field(val, strlen(val) < sizeof(tmp) ? strlen(val) : 0, tmp, &n) <= 0) {
		snprintf(out, len, "%s", strcmp(val, "(null)") ? val : "");
		return;
	}
	snprintf(out, len, "%.*s", (int)n, tmp);
}

/* One CONFIG_CHANGE record (the cursor is on it) told to the hook, with @ev's process. */
static void read_config_change(struct kmw_parser *p, struct kmw_event *ev)
{
	static const char *const sets[] = { "audit_enabled",	       "audit_pid",
					    "audit_rate_limit",	       "audit_backlog_limit",
					    "audit_backlog_wait_time", "audit_failure" };
	auparse_state_t *au = p->au;
	struct kmw_config_change c = { .value = -1, .old = -1, .list = -1, .res = -1, .ev = ev };
	size_t i;

	if (auparse_first_field(au) <= 0)
		return;
	do {
		const char *name = auparse_get_field_name(au);
		const char *val = auparse_get_field_str(au);
		int64_t v;

		if (!name || !val)
			continue;
		if (!strcmp(name, "op") && !c.op[0]) {
			field_copy(c.op, sizeof(c.op), val);
		} else if (!strcmp(name, "key") && !c.key[0]) {
			field_copy(c.key, sizeof(c.key), val);
		} else if (!strcmp(name, "list") && !parse_i64(val, &v)) {
			c.list = (int)v;
		} else if (!strcmp(name, "res") && !parse_i64(val, &v)) {
			c.res = (int)v;
		} else if (!strcmp(name, "old") && !parse_i64(val, &v)) {
			c.old = v;
		} else if ((!strcmp(name, "auid") || !strcmp(name, "ses")) && ev->pid < 0 &&
			   !parse_i64(val, &v)) {
			/* who, when no SYSCALL record says it */
			if (name[0] == 'a')
				ev->auid = v;
			else
				ev->ses = v;
		} else {
			for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
				if (!strcmp(name, sets[i]) && !c.field[0] && !parse_i64(val, &v)) {
					snprintf(c.field, sizeof(c.field), "%s", sets[i]);
					c.value = v;
				}
		}
	} while (auparse_next_field(au) > 0);
	p->hooks.config_change(&c, p->hooks.config_change_arg);
}

/* An event of audit's own configuration: every CONFIG_CHANGE record of it, told. */
static void config_event(struct kmw_parser *p, struct kmw_event *ev)
{
	auparse_state_t *au = p->au;

	if (!read_timestamp(p, ev))
		return;
	if (has_record(au, AUDIT_PROCTITLE))
		read_field_of(au, "proctitle", take_proctitle, ev);
	auparse_first_record(au);
	do {
		if (auparse_get_type(au) == AUDIT_CONFIG_CHANGE)
			read_config_change(p, ev);
	} while (auparse_next_record(au) > 0);
}

static void handle_event(struct kmw_parser *p)
{
	auparse_state_t *au = p->au;
	struct kmw_event *ev = &p->ev;
	bool have_syscall;

	event_reset(ev);
	/* the SYSCALL record leads its event in kernel order; look for it anywhere */
	have_syscall = has_record(au, AUDIT_SYSCALL);
	if (have_syscall && read_syscall(p, ev) == KMW_SC_NONE) {
		if (p->hooks.config_change && has_record(au, AUDIT_CONFIG_CHANGE))
			config_event(p, ev);
		return;
	}
	if (!have_syscall) {
		if (p->hooks.config_change && has_record(au, AUDIT_CONFIG_CHANGE)) {
			config_event(p, ev);
			return;
		}
		/* a module call's records without their SYSCALL: it was lost (a reader killed
		 * while the kernel sent them); what came is said, and that it is all */
		if (!has_record(au, AUDIT_KERN_MODULE))
			return;
		ev->no_syscall = true;
		event_note(ev, "no SYSCALL record: it was lost; the call, its result and the "
			       "process are unknown");
	}
	ev->historical = p->historical;
	/* a log holds no fd: the file of a finit_module is not in its records */
	if (p->historical && ev->sc == KMW_SC_FINIT_MODULE)
		ev->path_err = KMW_PATH_NOT_RECORDED;
	if (!read_timestamp(p, ev))
		return;

	auparse_first_record(au);
	do {
		switch (auparse_get_type(au)) {
		case AUDIT_KERN_MODULE: read_field_of(au, "name", take_module_name, ev); break;
		case AUDIT_PROCTITLE: read_field_of(au, "proctitle", take_proctitle, ev); break;
		case AUDIT_INTEGRITY_RULE: read_integrity_rule(p, ev); break;
		}
	} while (auparse_next_record(au) > 0);
	if (ev->ima.src == KMW_IMA_NONE && ev->ima_absent == KMW_IMA_ABSENT_NONE)
		ev->ima_absent = ev->sc == KMW_SC_FINIT_MODULE	? KMW_IMA_ABSENT_NO_RECORD
				 : ev->sc == KMW_SC_INIT_MODULE ? KMW_IMA_ABSENT_INIT_MODULE
				 : ev->no_syscall		? KMW_IMA_ABSENT_NO_RECORD
								: KMW_IMA_ABSENT_NOT_LOAD;

	p->cb(ev, p->arg);
}

static void au_callback(auparse_state_t *au, auparse_cb_event_t type, void *arg)
{
	if (type == AUPARSE_CB_EVENT_READY)
		handle_event(arg);
}

struct kmw_parser *parse_new(kmw_event_cb cb, void *arg, const char *hostname)
{
	struct kmw_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cb = cb;
	p->arg = arg;
	if (hostname) {
		p->hostname = strdup(hostname);
		if (!p->hostname)
			goto out_free;
	}
	p->au = auparse_init(AUSOURCE_FEED, NULL);
	if (!p->au)
		goto out_free;
	auparse_add_callback(p->au, au_callback, p, NULL);
	return p;

out_free:
	free(p->hostname);
	free(p);
	return NULL;
}

void parse_set_names(struct kmw_parser *p, enum kmw_names names)
{
	p->names = names;
}

void parse_set_historical(struct kmw_parser *p, bool historical)
{
	p->historical = historical;
}

void parse_free(struct kmw_parser *p)
{
	if (!p)
		return;
	auparse_destroy(p->au);
	free(p->hostname);
	free(p);
}

int parse_feed(struct kmw_parser *p, const char *data, size_t len)
{
	if (auparse_feed(p->au, data, len))
		return -EIO;
	return 0;
}

/*
 * libauparse looks for the ':' of "SEC.MS:SERIAL" from the eleventh character
 * on, and so loses an event whose seconds have fewer than ten digits; and it
 * hides every field of an event at second 0 (its accessors take 0 for "no
 * event"). ausearch shows such events (early boot: audit(0.940:100)). Zeros
 * in front give it the same number; second 0 becomes SEC_ZERO, and back.
 */
int parse_feed_line(struct kmw_parser *p, const char *line, size_t len)
{
	const char *ts = memmem(line, len < 400 ? len : 400, "msg=audit(", 10);
	size_t head = len, n = 0, zeros = 0, at;

	if (len > KMW_LINE_MAX)
		len = KMW_LINE_MAX;
	if (ts) {
		ts += 10;
		head = (size_t)(ts - line);
		while (head + n < len && line[head + n] >= '0' && line[head + n] <= '9')
			zeros += line[head + n++] == '0';
	}
	memcpy(p->line, line, head);
	at = head;
	if (n && zeros == n) {
		memcpy(p->line + at, SEC_ZERO_TEXT, sizeof(SEC_ZERO_TEXT) - 1);
		at += sizeof(SEC_ZERO_TEXT) - 1;
		head += n;
	} else if (n && n < 10) {
		memset(p->line + at, '0', 10 - n);
		at += 10 - n;
	}
	memcpy(p->line + at, line + head, len - head);
	at += len - head;
	p->line[at] = '\n';
	return parse_feed(p, p->line, at + 1);
}

static void lines_record(void *arg, const char *line, size_t len)
{
	parse_feed_line(arg, line, len);
}

static void lines_settle(void *arg)
{
	parse_flush(arg);
}

/* "NODE SEC.MS:SERIAL" or "SEC.MS:SERIAL", as lines.c keys an event */
/*
 * An INTEGRITY_RULE record whose SYSCALL never came: the kernel read a module file for a load,
 * and the call's records were suppressed. An alert of it, with what the record says.
 */
static void lines_orphan(void *arg, const char *line, size_t len)
{
	struct kmw_parser *p = arg;
	struct kmw_event *ev = &p->ev;
	auparse_state_t *au, *saved = p->au;
	char *buf;

	if (!p->hooks.suppressed || len > KMW_LINE_MAX)
		return;
	buf = malloc(len + 2);
	if (!buf)
		return;
	memcpy(buf, line, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	au = auparse_init(AUSOURCE_BUFFER, buf);
	if (au && auparse_next_event(au) > 0 && auparse_first_record(au) > 0 &&
	    auparse_get_type(au) == AUDIT_INTEGRITY_RULE) {
		event_reset(ev);
		/* its own accessors, on this one record: who, when, and what file */
		p->au = au;
		read_syscall(p, ev);
		read_integrity_rule(p, ev);
		if (read_timestamp(p, ev) && ev->ima.src == KMW_IMA_RECORD) {
			ev->kind = KMW_KIND_ALERT;
			ev->alert.code = KMW_R_SUPPRESSED_LOAD;
			ev->sc =
				KMW_SC_FINIT_MODULE; /* IMA's MODULE_CHECK: a file, finit_module's */
			ev->historical = p->historical;
			p->au = saved;
			p->hooks.suppressed(ev, p->hooks.suppressed_arg);
		}
	}
	p->au = saved;
	if (au)
		auparse_destroy(au);
	free(buf);
}

static void lines_abandoned(void *arg, const char *id, size_t len)
{
	struct kmw_parser *p = arg;
	struct cut_event *c;
	char buf[KMW_ID_MAX + 1], *sp, *t;

	if (p->ncut == MAX_CUT || len > KMW_ID_MAX)
		return;
	memcpy(buf, id, len);
	buf[len] = '\0';
	c = &p->cut[p->ncut];
	sp = strrchr(buf, ' ');
	snprintf(c->node, sizeof(c->node), "%.*s", sp ? (int)(sp - buf) : 0, buf);
	t = sp ? sp + 1 : buf;
	if (sscanf(t, "%" SCNd64 ".%lu:%llu", &c->sec, &c->ms, &c->serial) == 3)
		p->ncut++;
}

const struct kmw_lines_ops parse_lines_ops = {
	.record = lines_record,
	.settle = lines_settle,
	.abandon = lines_abandoned,
	.orphan = lines_orphan,
};

void parse_set_hooks(struct kmw_parser *p, const struct kmw_parse_hooks *h)
{
	p->hooks = *h;
}

uint64_t parse_left_out(const struct kmw_parser *p)
{
	return p->left_out;
}

void parse_flush(struct kmw_parser *p)
{
	auparse_flush_feed(p->au);
}
