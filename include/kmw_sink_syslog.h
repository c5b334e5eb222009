/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_sink_syslog.h - the syslog sink (KMW_SINK_SYSLOG): its destinations checked, its TLS
 * settings checked, its facility and severity names */
#ifndef KMW_SINK_SYSLOG_H
#define KMW_SINK_SYSLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "kmw_sink.h"

/**
 * sink_syslog_check - whether @target is a syslog destination (unix:PATH, udp:HOST:PORT,
 * tcp:HOST:PORT, tls:HOST:PORT, relp:HOST:PORT, relp+tls:HOST:PORT, a port from 1 to
 * 65535), and with @resolve whether HOST resolves.
 * Returns 0, or -EINVAL with the reason in @why.
 */
int sink_syslog_check(const char *target, bool resolve, char *why, size_t len);

/**
 * sink_tls_check - for a tls: or relp+tls: @target (others pass), whether the TLS settings
 * can make a client: @ca (file or directory, NULL: the system's), @cert and @key (both or
 * neither, and they match; relp+tls needs them), @min ("1.2", "1.3" or NULL) and @ciphers
 * (NULL: OpenSSL's). Returns 0, or -EINVAL with the reason.
 */
int sink_tls_check(const char *target, const char *ca, const char *cert, const char *key,
		   const char *min, const char *ciphers, char *why, size_t len);

/**
 * sink_parse_facility - "daemon", "local0" ... to LOG_* (shifted). Returns 0 or -EINVAL.
 */
int sink_parse_facility(const char *name, int *out);

/**
 * sink_parse_severity - "auto" (-1), "info", "warning" ... Returns 0 or -EINVAL.
 */
int sink_parse_severity(const char *name, int *out);

/**
 * sink_facility_name - the name sink_parse_facility takes for @facility; "?" for none.
 */
const char *sink_facility_name(int facility);

/**
 * sink_severity_name - "auto" for -1, else the name of LOG_* level @severity; "?" for none.
 */
const char *sink_severity_name(int severity);

#endif
