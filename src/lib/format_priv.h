/* SPDX-License-Identifier: GPL-2.0-or-later */
/* format_priv.h - what the formats (format_*.c) share: the facts of an event as each of
 * them writes it, computed in one place */
#ifndef FORMAT_PRIV_H
#define FORMAT_PRIV_H

#include "kmw_event.h"
#include "kmw_json.h"

/* ISO 8601 in UTC with milliseconds: 2026-09-21T14:13:20.007Z */
void fmt_iso_time(char *out, size_t len, int64_t sec, unsigned int msec);

/* a file time (stat has seconds here): 2026-09-21T14:13:20Z */
void fmt_stat_time(struct kmw_json *w, const char *key, int64_t sec);

/* a string of the event; null when not set */
void fmt_ev_str(struct kmw_json *w, const char *key, const struct kmw_event *ev,
		const struct kmw_str *s);

/* the event's stable id (event_id) */
void fmt_id(struct kmw_json *w, const char *key, const struct kmw_event *ev);

/* ECS host.* (with host.id and host.os.* when event_is_local), agent.* and observer.* */
void fmt_host_ecs(struct kmw_json *w, const struct kmw_event *ev);

/* the native "host": machine_id, os, kernel (null unless event_is_local), observer */
void fmt_host_json(struct kmw_json *w, const struct kmw_event *ev);

/* an array of the event's strings */
void fmt_argv(struct kmw_json *w, const char *key, const struct kmw_event *ev,
	      const struct kmw_str *argv, unsigned int argc);

/* "flags", "flag_names" and "unknown_flags" of the flags argument */
void fmt_flags(struct kmw_json *w, const struct kmw_event *ev);

/* the syscall's exit, or null when the record had none */
void fmt_exit(struct kmw_json *w, const char *key, const struct kmw_event *ev);

/* permission bits as "0644" */
void fmt_mode(struct kmw_json *w, const char *key, uint32_t mode);

/* an alert's "gaps" of audit's (each counter) and "gaps_moved" (the names of those that moved) */
void fmt_alert_gaps(struct kmw_json *w, const struct kmw_audit_gaps *g);

/* what happened in one sentence, for a SIEM's list of events (ECS message, OCSF message):
 * who, which module, with what, the outcome, and the risk with its reasons */
void fmt_event_message(char *out, size_t len, const struct kmw_event *ev);

/* @key: the arguments joined by spaces (ECS process.command_line, OCSF cmd_line); nothing
 * when there are none. The arrays of arguments stay the exact form. */
void fmt_command_line(struct kmw_json *w, const char *key, const struct kmw_event *ev);

/* "risk_level" and "risk_reasons" (the codes) of the ECS and OCSF formats' own facts */
void fmt_risk_reasons(struct kmw_json *w, const struct kmw_event *ev);

#endif
