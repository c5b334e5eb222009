// SPDX-License-Identifier: GPL-2.0-or-later
/* parse.c - libauparse feed mode: complete audit events to struct kmw_event */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <auparse.h>
#include <libaudit.h>

#include "kmw_decode.h"
#include "kmw_parse.h"

/* the kernel caps PROCTITLE at this many bytes (MAX_PROCTITLE_AUDIT_LEN) */
#define KERNEL_PROCTITLE_MAX 128

#ifndef AUDIT_KERN_MODULE
#define AUDIT_KERN_MODULE 1330
#endif

struct kmw_parser {
	auparse_state_t *au;
	kmw_event_cb cb;
	void *arg;
	char *hostname;
	enum kmw_names names;
	bool historical;
	struct kmw_event ev;	/* reused: one event at a time reaches the callback */
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

/* Fields of the SYSCALL record. Returns the module syscall, or KMW_SC_NONE. */
static enum kmw_syscall read_syscall(struct kmw_parser *p, struct kmw_event *ev)
{
	auparse_state_t *au = p->au;
	uint64_t arch = 0;
	int64_t nr = -1;
	bool have_arch = false;

	/* arch and syscall come first; decide before reading anything else */
	if (auparse_first_field(au) <= 0)
		return KMW_SC_NONE;
	do {
		const char *name = auparse_get_field_name(au);
		const char *val = auparse_get_field_str(au);

		if (!name || !val)
			continue;
		if (!strcmp(name, "arch")) {
			have_arch = parse_hex(val, &arch) == 0;
		} else if (!strcmp(name, "syscall")) {
			if (parse_i64(val, &nr))
				nr = -1;
			break;
		}
	} while (auparse_next_field(au) > 0);
	if (!have_arch || nr < 0 || nr > 0x7fffffff)
		return KMW_SC_NONE;
	ev->sc = decode_syscall((uint32_t)arch, (int)nr);
	if (ev->sc == KMW_SC_NONE)
		return KMW_SC_NONE;
	ev->arch = (uint32_t)arch;
	ev->sc_nr = (int)nr;

	while (auparse_next_field(au) > 0) {
		const char *name = auparse_get_field_name(au);
		const char *val = auparse_get_field_str(au);

		if (!name || !val)
			continue;
		switch (name[0]) {
		case 'a':
			if (name[1] >= '0' && name[1] <= '3' && !name[2])
				parse_hex(val, &ev->a[name[1] - '0']);
			else if (!strcmp(name, "auid")) {
				parse_i64(val, &ev->auid);
				set_name(p, ev, &ev->auid_name, ev->auid);
			}
			break;
		case 'c':
			if (!strcmp(name, "comm"))
				set_untrusted(ev, &ev->comm, val);
			break;
		case 'e':
			if (!strcmp(name, "exit")) {
				ev->has_exit = parse_i64(val, &ev->exit) == 0;
			} else if (!strcmp(name, "exe")) {
				set_untrusted(ev, &ev->exe, val);
			} else if (!strcmp(name, "euid")) {
				parse_i64(val, &ev->euid);
				set_name(p, ev, &ev->euid_name, ev->euid);
			}
			break;
		case 'g':
			if (!strcmp(name, "gid")) {
				parse_i64(val, &ev->gid);
				set_name(p, ev, &ev->gid_name, ev->gid);
			}
			break;
		case 'k':
			/* several matching rules give several key fields */
			if (!strcmp(name, "key") && ev->nkeys < KMW_MAX_KEYS) {
				set_untrusted(ev, &ev->keys[ev->nkeys], val);
				if (ev->keys[ev->nkeys].set) {
					if (!ev->nkeys)
						ev->key = ev->keys[0];
					ev->nkeys++;
				}
			}
			break;
		case 'p':
			if (!strcmp(name, "pid"))
				parse_i64(val, &ev->pid);
			else if (!strcmp(name, "ppid"))
				parse_i64(val, &ev->ppid);
			break;
		case 's':
			if (!strcmp(name, "success"))
				ev->success = !strcmp(val, "yes");
			else if (!strcmp(name, "ses"))
				parse_i64(val, &ev->ses);
			break;
		case 't':
			if (!strcmp(name, "tty") && strcmp(val, "(none)"))
				event_set_str(ev, &ev->tty, val, strlen(val));
			break;
		case 'u':
			if (!strcmp(name, "uid")) {
				parse_i64(val, &ev->uid);
				set_name(p, ev, &ev->uid_name, ev->uid);
			}
			break;
		}
	}
	return ev->sc;
}

static void read_field_of(auparse_state_t *au, const char *want,
			  void (*fn)(struct kmw_event *, const char *, size_t), struct kmw_event *ev)
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

static void handle_event(struct kmw_parser *p)
{
	auparse_state_t *au = p->au;
	struct kmw_event *ev = &p->ev;
	const au_event_t *ts;
	bool have_syscall = false;

	if (auparse_first_record(au) <= 0)
		return;
	/* the SYSCALL record leads its event in kernel order; look for it anywhere */
	do {
		if (auparse_get_type(au) == AUDIT_SYSCALL) {
			have_syscall = true;
			break;
		}
	} while (auparse_next_record(au) > 0);
	if (!have_syscall)
		return;

	event_reset(ev);
	if (read_syscall(p, ev) == KMW_SC_NONE)
		return;
	ev->historical = p->historical;

	ts = auparse_get_timestamp(au);
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

	auparse_first_record(au);
	do {
		switch (auparse_get_type(au)) {
		case AUDIT_KERN_MODULE:
			read_field_of(au, "name", take_module_name, ev);
			break;
		case AUDIT_PROCTITLE:
			read_field_of(au, "proctitle", take_proctitle, ev);
			break;
		}
	} while (auparse_next_record(au) > 0);

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

int parse_feed_line(struct kmw_parser *p, const char *line, size_t len)
{
	if (len >= sizeof(p->line))
		len = sizeof(p->line) - 1;
	memcpy(p->line, line, len);
	p->line[len] = '\n';
	return parse_feed(p, p->line, len + 1);
}

void parse_age(struct kmw_parser *p)
{
	auparse_feed_age_events(p->au);
}

void parse_flush(struct kmw_parser *p)
{
	auparse_flush_feed(p->au);
}
