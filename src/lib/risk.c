// SPDX-License-Identifier: GPL-2.0-or-later
/* risk.c - the table of risk reasons: stable codes, default levels, sentences */
#include <errno.h>
#include <string.h>

#include "kmw_decode.h"
#include "kmw_dpkg.h"
#include "kmw_event.h"
#include "kmw_risk.h"

static const struct {
	const char *code;
	enum kmw_risk_level level;
	const char *text;
} reasons[KMW_R_COUNT] = {
	[KMW_R_MEMFD_OR_DELETED] = { "memfd_or_deleted", KMW_RISK_HIGH,
				     "loaded from a memfd or a deleted file: nothing on disk to inspect" },
	[KMW_R_WRITABLE_DIR] = { "writable_dir", KMW_RISK_HIGH,
				 "module file in a world-writable or user-owned directory (/tmp, /dev/shm, /var/tmp, a home)" },
	[KMW_R_FORCED_LOAD] = { "forced_load", KMW_RISK_MEDIUM,
				"forced load: the vermagic or modversions check was skipped" },
	[KMW_R_UNSIGNED] = { "unsigned", KMW_RISK_MEDIUM, "the module carries no signature" },
	[KMW_R_SIGNATURE_STRIPPED] = { "signature_stripped", KMW_RISK_HIGH,
				       "an in-tree module without its signature: it was stripped" },
	[KMW_R_LOADED_DIFFERS] = { "loaded_differs_from_disk", KMW_RISK_HIGH,
				   "the loaded module's srcversion differs from the file its name resolves to" },
	[KMW_R_UNUSUAL_LOADER] = { "unusual_loader", KMW_RISK_MEDIUM,
				   "a program other than kmod, systemd-udevd or systemd-modules-load made the call" },
	[KMW_R_INTERACTIVE_USER] = { "interactive_user", KMW_RISK_LOW,
				     "an interactive user made the call (login uid set)" },
	[KMW_R_IN_CONTAINER] = { "in_container", KMW_RISK_HIGH,
				 "the call came from inside a container" },
	[KMW_R_REFUSED] = { "refused", KMW_RISK_MEDIUM,
			    "the kernel refused the load (EPERM or EKEYREJECTED)" },
	[KMW_R_UNKNOWN_FLAGS] = { "unknown_flags", KMW_RISK_MEDIUM,
				  "flag bits the kernel does not define" },
	[KMW_R_FLOOD] = { "flood", KMW_RISK_MEDIUM,
			  "an unprivileged user made failed module calls faster than they are worth one event "
			  "each: counted in a summary (a flood may be meant to bury other events)" },
	[KMW_R_CHANGED_SINCE_LOAD] = { "changed_since_load", KMW_RISK_HIGH,
				       "the module file's bytes now differ from those the kernel read and IMA hashed: it "
				       "was changed after the load (module.ima.hash, the kernel's; module.ima.file_hash_now)" },
	[KMW_R_HIDDEN_MODULE] = { "hidden_module", KMW_RISK_HIGH,
				  "a loaded module the kernel's module list does not show, as a rootkit hides: audit "
				  "saw it loaded and never unloaded, or sysfs still has it" },
	[KMW_R_UNAUDITED_LOAD] = { "unaudited_load", KMW_RISK_MEDIUM,
				   "a module is loaded that audit never reported loading: audit was off, the rules were "
				   "removed, or records were lost" },
	[KMW_R_UNAUDITED_UNLOAD] = { "unaudited_unload", KMW_RISK_LOW,
				     "a module is gone from both of the kernel's views with no delete_module seen" },
	[KMW_R_UNPACKAGED] = { "unpackaged_module", KMW_RISK_LOW,
			       "no package ships the module file" },
	[KMW_R_PACKAGE_MODIFIED] = { "packaged_module_modified", KMW_RISK_HIGH,
				     "a package ships the module file, but its MD5 is not the one the package recorded" },
	[KMW_R_SUPPRESSED_LOAD] = { "suppressed_load", KMW_RISK_HIGH,
				    "the kernel read a module file to load it (IMA's INTEGRITY_RULE record), and the "
				    "call's own records never came: they were suppressed from inside the kernel, as "
				    "audit-filtering rootkits do" },
	[KMW_R_UNEXPLAINED_TAINT] = { "unexplained_taint", KMW_RISK_HIGH,
				      "the kernel's taint gained flags that no audited load explains: a module was loaded "
				      "without audit's word" },
	[KMW_R_TAINT_CLEARED] = { "taint_cleared", KMW_RISK_HIGH,
				  "the kernel's taint lost flags, which only code inside the kernel can do: something "
				  "is covering its tracks" },
	[KMW_R_AUDIT_TAMPERED] = { "audit_tampered", KMW_RISK_HIGH,
				   "audit was made blind to module loads: its rules removed or out-ranked by a never "
				   "rule, or audit disabled" },
	[KMW_R_AUDIT_PID_CHANGED] = { "audit_pid_changed", KMW_RISK_MEDIUM,
				      "another program took, or tried to take, the audit daemon's place: the records go "
				      "where it wants" },
	[KMW_R_ODD_MODULE_NAME] = { "odd_module_name", KMW_RISK_HIGH,
				    "a module name with control bytes, white space or quotes: no real module has one, "
				    "and such a name can forge lines of /proc/modules or of a log" },
	[KMW_R_ANONYMOUS_IMAGE] = { "anonymous_image", KMW_RISK_HIGH,
				    "init_module from anonymous memory: no file holds the module" },
	[KMW_R_POSTURE_WEAKENED] = { "posture_weakened", KMW_RISK_HIGH,
				     "a kernel protection of module loading was weakened while running" },
	[KMW_R_ODD_PARAMS] = { "odd_parameters", KMW_RISK_MEDIUM,
			       "control bytes in the module parameters: the kernel skips words it cannot parse, "
			       "and a tool that stops at such a byte shows less than the kernel set "
			       "(module.param_values has every byte, escaped)" },
};

static const char *const level_names[] = { "info", "low", "medium", "high", "off" };

void risk_config_default(struct kmw_risk_config *c)
{
	int i;

	for (i = 0; i < KMW_R_COUNT; i++)
		c->level[i] = reasons[i].level;
}

static int reason_by_name(const char *code, size_t len, enum kmw_risk_reason *out)
{
	int i;

	for (i = 0; i < KMW_R_COUNT; i++)
		if (strlen(reasons[i].code) == len && !memcmp(reasons[i].code, code, len)) {
			*out = (enum kmw_risk_reason)i;
			return 0;
		}
	return -EINVAL;
}

int risk_reason_parse(const char *code, enum kmw_risk_reason *out)
{
	return reason_by_name(code, strlen(code), out);
}

int risk_config_set(struct kmw_risk_config *c, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	enum kmw_risk_reason r;
	int l;

	if (!eq || reason_by_name(assignment, (size_t)(eq - assignment), &r))
		return -EINVAL;
	for (l = 0; l <= KMW_RISK_OFF; l++)
		if (!strcmp(eq + 1, level_names[l])) {
			c->level[r] = (enum kmw_risk_level)l;
			return 0;
		}
	return -EINVAL;
}

const char *risk_reason_code(enum kmw_risk_reason r)
{
	return r < KMW_R_COUNT ? reasons[r].code : "unknown";
}

const char *risk_reason_text(enum kmw_risk_reason r)
{
	return r < KMW_R_COUNT ? reasons[r].text : "";
}

const char *risk_level_name(enum kmw_risk_level l)
{
	return l <= KMW_RISK_OFF ? level_names[l] : "info";
}

enum kmw_risk_level risk_level_of(const struct kmw_risk_config *c, uint32_t reasons_set)
{
	enum kmw_risk_level max = KMW_RISK_INFO;
	int i;

	for (i = 0; i < KMW_R_COUNT; i++)
		if ((reasons_set & (1u << i)) && c->level[i] != KMW_RISK_OFF && c->level[i] > max)
			max = c->level[i];
	return max;
}

const char *risk_technique(const struct kmw_event *ev, const char **name)
{
	if (ev->kind == KMW_KIND_SUMMARY) {
		*name = KMW_MITRE_FLOOD_NAME;
		return KMW_MITRE_FLOOD;
	}
	if (ev->kind == KMW_KIND_ALERT &&
	    (ev->alert.code == KMW_R_HIDDEN_MODULE || ev->alert.code == KMW_R_SUPPRESSED_LOAD ||
	     ev->alert.code == KMW_R_UNEXPLAINED_TAINT || ev->alert.code == KMW_R_TAINT_CLEARED)) {
		*name = KMW_MITRE_ROOTKIT_NAME;
		return KMW_MITRE_ROOTKIT;
	}
	if (ev->kind == KMW_KIND_ALERT &&
	    (ev->alert.code == KMW_R_AUDIT_TAMPERED || ev->alert.code == KMW_R_AUDIT_PID_CHANGED)) {
		*name = KMW_MITRE_AUDIT_NAME;
		return KMW_MITRE_AUDIT;
	}
	*name = KMW_MITRE_NAME;
	return KMW_MITRE_TECHNIQUE;
}

/* loaders that belong on a Debian host: kmod's tools (one binary), udev, modules-load */
static bool usual_loader(const struct kmw_event *ev)
{
	static const char *const usual[] = { "kmod",	 "systemd-udevd", "systemd-modules-load",
					     "modprobe", "insmod",	  "rmmod" };
	const char *exe = event_str(ev, &ev->exe), *base;
	size_t len = ev->exe.len, i;

	if (!ev->exe.set)
		return true; /* nothing to judge by */
	base = memrchr(exe, '/', len);
	if (base) {
		len -= (size_t)(base + 1 - exe);
		exe = base + 1;
	}
	for (i = 0; i < sizeof(usual) / sizeof(usual[0]); i++)
		if (strlen(usual[i]) == len && !memcmp(usual[i], exe, len))
			return true;
	return false;
}

void risk_assess(const struct kmw_risk_config *c, struct kmw_event *ev)
{
	bool load = ev->sc == KMW_SC_FINIT_MODULE || ev->sc == KMW_SC_INIT_MODULE;
	uint32_t r = 0;
	int err = event_errno(ev);

	if (ev->kind == KMW_KIND_SUMMARY || ev->kind == KMW_KIND_ALERT) {
		ev->risk_reasons = 1u
				   << (ev->kind == KMW_KIND_SUMMARY ? KMW_R_FLOOD : ev->alert.code);
		ev->risk_level = risk_level_of(c, ev->risk_reasons);
		return;
	}
	if (ev->path_deleted)
		r |= 1u << KMW_R_MEMFD_OR_DELETED;
	if (ev->writable_dir)
		r |= 1u << KMW_R_WRITABLE_DIR;
	if (ev->sc == KMW_SC_FINIT_MODULE) {
		if (ev->a[2] &
		    (KMW_MODULE_INIT_IGNORE_MODVERSIONS | KMW_MODULE_INIT_IGNORE_VERMAGIC))
			r |= 1u << KMW_R_FORCED_LOAD;
		if (ev->a[2] &
		    ~(uint64_t)(KMW_MODULE_INIT_IGNORE_MODVERSIONS |
				KMW_MODULE_INIT_IGNORE_VERMAGIC | KMW_MODULE_INIT_COMPRESSED_FILE))
			r |= 1u << KMW_R_UNKNOWN_FLAGS;
	}
	/* signatures are judged only on files that are modules at all */
	if (load && ev->have_facts && ev->facts.has_modinfo && !ev->facts.sig_present)
		r |= 1u << (!strcmp(ev->facts.mi_intree, "Y") ? KMW_R_SIGNATURE_STRIPPED
							      : KMW_R_UNSIGNED);
	if (ev->loaded_matches_disk == 0)
		r |= 1u << KMW_R_LOADED_DIFFERS;
	if (ev->ima.src != KMW_IMA_NONE && ev->ima.matches == 0)
		r |= 1u << KMW_R_CHANGED_SINCE_LOAD;
	if (load && ev->package == KMW_PKG_UNPACKAGED)
		r |= 1u << KMW_R_UNPACKAGED;
	if (load && ev->package == KMW_PKG_MODIFIED)
		r |= 1u << KMW_R_PACKAGE_MODIFIED;
	if (!usual_loader(ev))
		r |= 1u << KMW_R_UNUSUAL_LOADER;
	if (ev->auid >= 0 && ev->auid != 4294967295LL)
		r |= 1u << KMW_R_INTERACTIVE_USER;
	if (ev->container_id.set)
		r |= 1u << KMW_R_IN_CONTAINER;
	if (ev->sc == KMW_SC_INIT_MODULE && ev->image_anonymous)
		r |= 1u << KMW_R_ANONYMOUS_IMAGE;
	if (ev->mod_name.set && decode_name_is_odd(event_str(ev, &ev->mod_name), ev->mod_name.len))
		r |= 1u << KMW_R_ODD_MODULE_NAME;
	/* hostile bytes, not a reused heap's (those are not parameters at all) */
	if (ev->params_odd && !(ev->params_check && !strcmp(ev->params_check, "not_parameters")))
		r |= 1u << KMW_R_ODD_PARAMS;
	if (load && (err == EPERM || err == EKEYREJECTED))
		r |= 1u << KMW_R_REFUSED;
	ev->risk_reasons = r;
	ev->risk_level = risk_level_of(c, r);
}
