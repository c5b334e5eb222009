/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_risk.h - risk level and reasons of an event, from a table a site can tune */
#ifndef KMW_RISK_H
#define KMW_RISK_H

#include <stdint.h>

struct kmw_event;

enum kmw_risk_level {
	KMW_RISK_INFO = 0,
	KMW_RISK_LOW,
	KMW_RISK_MEDIUM,
	KMW_RISK_HIGH,
	KMW_RISK_OFF, /* a reason switched off by configuration */
};

/* Reasons, one bit each in kmw_event.risk_reasons; codes are stable. */
enum kmw_risk_reason {
	KMW_R_MEMFD_OR_DELETED,
	KMW_R_WRITABLE_DIR,
	KMW_R_FORCED_LOAD,
	KMW_R_UNSIGNED,
	KMW_R_SIGNATURE_STRIPPED,
	KMW_R_LOADED_DIFFERS,
	KMW_R_UNUSUAL_LOADER,
	KMW_R_INTERACTIVE_USER,
	KMW_R_IN_CONTAINER,
	KMW_R_REFUSED,
	KMW_R_UNKNOWN_FLAGS,
	KMW_R_FLOOD,
	KMW_R_CHANGED_SINCE_LOAD,
	KMW_R_HIDDEN_MODULE,
	KMW_R_UNAUDITED_LOAD,
	KMW_R_UNAUDITED_UNLOAD,
	KMW_R_UNPACKAGED,
	KMW_R_PACKAGE_MODIFIED,
	KMW_R_SUPPRESSED_LOAD,
	KMW_R_UNEXPLAINED_TAINT,
	KMW_R_TAINT_CLEARED,
	KMW_R_AUDIT_TAMPERED,
	KMW_R_AUDIT_PID_CHANGED,
	KMW_R_ODD_MODULE_NAME,
	KMW_R_ANONYMOUS_IMAGE,
	KMW_R_POSTURE_WEAKENED,
	KMW_R_ODD_PARAMS,
	KMW_R_COUNT,
};

#define KMW_MITRE_TECHNIQUE "T1547.006"
#define KMW_MITRE_NAME "Boot or Logon Autostart Execution: Kernel Modules and Extensions"
#define KMW_MITRE_FLOOD "T1562"
#define KMW_MITRE_FLOOD_NAME "Impair Defenses"
#define KMW_MITRE_ROOTKIT "T1014"
#define KMW_MITRE_ROOTKIT_NAME "Rootkit"
#define KMW_MITRE_AUDIT "T1562.012"
#define KMW_MITRE_AUDIT_NAME "Impair Defenses: Disable or Modify Linux Audit System"

struct kmw_risk_config {
	enum kmw_risk_level level[KMW_R_COUNT];
};

/**
 * risk_config_default - the documented default level of every reason.
 */
void risk_config_default(struct kmw_risk_config *c);

/**
 * risk_config_set - "CODE=LEVEL" (info, low, medium, high, off). Returns 0 or
 * -EINVAL for an unknown code or level.
 */
int risk_config_set(struct kmw_risk_config *c, const char *assignment);

/**
 * risk_reason_code / risk_reason_text - the stable code and a sentence.
 */
const char *risk_reason_code(enum kmw_risk_reason r);
const char *risk_reason_text(enum kmw_risk_reason r);

/**
 * risk_reason_parse - the reason of a stable code. Returns 0 or -EINVAL.
 */
int risk_reason_parse(const char *code, enum kmw_risk_reason *out);

/**
 * risk_technique - the MITRE ATT&CK technique an event of @ev's kind is
 * about, its id and (in @name) its name.
 */
const char *risk_technique(const struct kmw_event *ev, const char **name);

/**
 * risk_level_name - "info", "low", "medium", "high".
 */
const char *risk_level_name(enum kmw_risk_level l);

/**
 * risk_level_of - the highest level among the @reasons bits, under @c.
 */
enum kmw_risk_level risk_level_of(const struct kmw_risk_config *c, uint32_t reasons);

/**
 * risk_assess - set @ev's reasons and level from the facts it holds (the
 * record's alone for historical events).
 */
void risk_assess(const struct kmw_risk_config *c, struct kmw_event *ev);

#endif
