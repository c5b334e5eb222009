// SPDX-License-Identifier: GPL-2.0-or-later
/* format_common.c - what the formats share: each fact of an event written one way, whichever
 * format writes it */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "format_priv.h"
#include "kmw_decode.h"
#include "kmw_host.h"
#include "kmw_risk.h"

void fmt_iso_time(char *out, size_t len, int64_t sec, unsigned int msec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	size_t n;

	if (!gmtime_r(&t, &tm)) {
		snprintf(out, len, "invalid");
		return;
	}
	n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, len - n, ".%03uZ", msec % 1000);
}

void fmt_stat_time(struct kmw_json *w, const char *key, int64_t sec)
{
	char ts[48];

	fmt_iso_time(ts, sizeof(ts), sec, 0);
	/* seconds are what stat gives at this precision: drop the ".000" */
	ts[19] = 'Z';
	ts[20] = '\0';
	json_cstr(w, key, ts);
}

void fmt_ev_str(struct kmw_json *w, const char *key, const struct kmw_event *ev,
		const struct kmw_str *s)
{
	json_str(w, key, s->set ? event_str(ev, s) : NULL, s->len);
}

void fmt_id(struct kmw_json *w, const char *key, const struct kmw_event *ev)
{
	char id[KMW_EVENT_ID_MAX];

	event_id(ev, id, sizeof(id));
	json_cstr(w, key, id);
}

static const char *or_null(const char *s)
{
	return s && s[0] ? s : NULL;
}

void fmt_host_ecs(struct kmw_json *w, const struct kmw_event *ev)
{
	const struct kmw_host *h = event_is_local(ev) ? ev->host : NULL;

	json_object(w, "host");
	fmt_ev_str(w, "name", ev, &ev->node);
	fmt_ev_str(w, "hostname", ev, &ev->node);
	if (h) {
		json_cstr(w, "id", or_null(h->machine_id));
		json_cstr(w, "architecture", or_null(h->arch));
		json_object(w, "os");
		json_cstr(w, "type", "linux");
		json_cstr(w, "family", or_null(h->os_family));
		json_cstr(w, "platform", or_null(h->os_id));
		json_cstr(w, "name", or_null(h->os_name));
		json_cstr(w, "version", or_null(h->os_version));
		json_cstr(w, "full", or_null(h->os_full));
		json_cstr(w, "kernel", or_null(h->kernel));
		json_close(w);
	} else {
		/* audit records are Linux's, whichever host wrote them */
		json_object(w, "os");
		json_cstr(w, "type", "linux");
		json_close(w);
	}
	json_close(w);
	if (!ev->host)
		return;
	/* who wrote the document, on which host: the same whichever host the event is of */
	json_object(w, "agent");
	json_cstr(w, "type", "kmodwatch");
	json_cstr(w, "name", or_null(ev->host->name));
	json_cstr(w, "version", PACKAGE_VERSION);
	json_close(w);
	json_object(w, "observer");
	json_cstr(w, "hostname", or_null(ev->host->name));
	json_cstr(w, "type", "host");
	json_cstr(w, "product", "kmodwatch");
	json_cstr(w, "version", PACKAGE_VERSION);
	json_close(w);
}

void fmt_host_json(struct kmw_json *w, const struct kmw_event *ev)
{
	const struct kmw_host *h = event_is_local(ev) ? ev->host : NULL;

	json_object(w, "host");
	json_cstr(w, "machine_id", h ? or_null(h->machine_id) : NULL);
	json_cstr(w, "os", h ? or_null(h->os_full) : NULL);
	json_cstr(w, "kernel", h ? or_null(h->kernel) : NULL);
	json_cstr(w, "observer", ev->host ? or_null(ev->host->name) : NULL);
	json_close(w);
}

void fmt_argv(struct kmw_json *w, const char *key, const struct kmw_event *ev,
	      const struct kmw_str *argv, unsigned int argc)
{
	unsigned int i;

	json_array(w, key);
	for (i = 0; i < argc; i++)
		json_str(w, NULL, event_str(ev, &argv[i]), argv[i].len);
	json_close(w);
}

void fmt_flags(struct kmw_json *w, const struct kmw_event *ev)
{
	const char *names[8];
	unsigned int n, i;
	uint64_t unknown, flags = ev->a[decode_flags_arg(ev->sc)];

	decode_flags(ev->sc, flags, names, 8, &n, &unknown);
	json_uint(w, "flags", flags);
	json_array(w, "flag_names");
	for (i = 0; i < n; i++)
		json_cstr(w, NULL, names[i]);
	json_close(w);
	json_hex(w, "unknown_flags", unknown);
}

void fmt_exit(struct kmw_json *w, const char *key, const struct kmw_event *ev)
{
	if (ev->has_exit)
		json_int(w, key, ev->exit);
	else
		json_null(w, key);
}

void fmt_mode(struct kmw_json *w, const char *key, uint32_t mode)
{
	char m[8];

	snprintf(m, sizeof(m), "%04o", mode & 07777);
	json_cstr(w, key, m);
}

void fmt_alert_gaps(struct kmw_json *w, const struct kmw_audit_gaps *g)
{
	static const struct {
		const char *name;
		size_t off;
	} counters[] = {
		{ "kernel_lost", offsetof(struct kmw_audit_gaps, kernel_lost) },
		{ "lost_events", offsetof(struct kmw_audit_gaps, lost_events) },
		{ "socket_dropped", offsetof(struct kmw_audit_gaps, socket_dropped) },
		{ "dropped_calls", offsetof(struct kmw_audit_gaps, dropped_calls) },
		{ "rules_removed", offsetof(struct kmw_audit_gaps, rules_removed) },
		{ "audit_disabled", offsetof(struct kmw_audit_gaps, audit_disabled) },
	};
	size_t i;

	json_object(w, "gaps");
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		json_uint(w, counters[i].name,
			  *(const uint64_t *)(const void *)((const char *)g + counters[i].off));
	json_bool(w, "daemon_down", g->daemon_down);
	json_bool(w, "unloads_unaudited", g->unloads_unaudited);
	json_close(w);
	/* which of them moved since kmodwatchd started: what may have hidden a load or unload */
	json_array(w, "gaps_moved");
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		if (*(const uint64_t *)(const void *)((const char *)g + counters[i].off))
			json_cstr(w, NULL, counters[i].name);
	if (g->daemon_down)
		json_cstr(w, NULL, "daemon_down");
	if (g->unloads_unaudited)
		json_cstr(w, NULL, "unloads_unaudited");
	json_close(w);
}

/* an event string for a sentence: at most 64 bytes (the JSON writer escapes them) */
#define EV_TEXT(ev, s) (int)((s)->len > 64 ? 64 : (s)->len), event_str(ev, s)

void fmt_event_message(char *out, size_t len, const struct kmw_event *ev)
{
	bool load = ev->sc != KMW_SC_DELETE_MODULE;
	const char *what = ev->no_syscall ? "made a module call for"
			   : ev->success  ? (load ? "loaded" : "unloaded")
					  : (load ? "failed to load" : "failed to unload");
	int err = event_errno(ev);
	unsigned int i, k = 0;
	size_t n = 0;

#define PUT(...)                                                              \
	do {                                                                  \
		if (n < len)                                                  \
			n += (size_t)snprintf(out + n, len - n, __VA_ARGS__); \
	} while (0)
	if (ev->uid_name.set)
		PUT("%.*s (uid %lld) %s", EV_TEXT(ev, &ev->uid_name), (long long)ev->uid, what);
	else if (ev->uid >= 0)
		PUT("uid %lld %s", (long long)ev->uid, what);
	else
		PUT("a user not known (no SYSCALL record) %s", what);
	if (ev->mod_name.set)
		PUT(" kernel module %.*s", EV_TEXT(ev, &ev->mod_name));
	else
		PUT(" a kernel module (name unknown)");
	if (ev->comm.set)
		PUT(" with %.*s", EV_TEXT(ev, &ev->comm));
	if (err)
		PUT(": %s", decode_errno_name(err));
	PUT("; risk %s", risk_level_name((enum kmw_risk_level)ev->risk_level));
	for (i = 0; i < KMW_R_COUNT; i++)
		if (ev->risk_reasons & (1u << i))
			PUT("%s%s", k++ ? ", " : ": ", risk_reason_code((enum kmw_risk_reason)i));
#undef PUT
}

void fmt_command_line(struct kmw_json *w, const char *key, const struct kmw_event *ev)
{
	struct kmw_buf b;
	unsigned int i;

	if (!ev->argc)
		return;
	buf_init(&b);
	for (i = 0; i < ev->argc; i++) {
		if (i)
			buf_putc(&b, ' ');
		buf_append(&b, event_str(ev, &ev->argv[i]), ev->argv[i].len);
	}
	if (!b.oom)
		json_str(w, key, b.data, b.len);
	buf_free(&b);
}

void fmt_risk_reasons(struct kmw_json *w, const struct kmw_event *ev)
{
	unsigned int i;

	json_cstr(w, "risk_level", risk_level_name((enum kmw_risk_level)ev->risk_level));
	json_array(w, "risk_reasons");
	for (i = 0; i < KMW_R_COUNT; i++)
		if (ev->risk_reasons & (1u << i))
			json_cstr(w, NULL, risk_reason_code((enum kmw_risk_reason)i));
	json_close(w);
}
