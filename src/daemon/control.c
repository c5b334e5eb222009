// SPDX-License-Identifier: GPL-2.0-or-later
/* control.c - the daemon's hold on the audit subsystem: privileges, the enabled flag, its
 * rules (installed, watched, put back, removed), the kernel's lost count. Main thread. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <unistd.h>

#include <cap-ng.h>
#include <libaudit.h>

#include "kmw_state.h"
#include "kmodwatchd.h"

/* Which capability this configuration cannot do without. */
int control_check_privileges(const struct kmw_config *o)
{
	bool need_control = !o->no_rules || o->source != KMW_SRC_MULTICAST;

	capng_get_caps_process();
	if (need_control && !capng_have_capability(CAPNG_EFFECTIVE, CAP_AUDIT_CONTROL)) {
		log_msg(LOG_ERR, "missing CAP_AUDIT_CONTROL (needed to %s): run as root",
			o->no_rules ? "read as the audit daemon" : "install audit rules");
		return EXIT_NOPRIV;
	}
	if (o->source == KMW_SRC_MULTICAST &&
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_AUDIT_READ)) {
		log_msg(LOG_ERR, "missing CAP_AUDIT_READ (needed to read the audit multicast group): "
			"run as root");
		return EXIT_NOPRIV;
	}
	return 0;
}

/*
 * Keep only what the running daemon needs, in every set, the bounding set
 * cleared: CAP_SYS_PTRACE (another user's /proc/PID/fd and memory) and
 * CAP_DAC_READ_SEARCH (their module files) for enrichment; CAP_AUDIT_CONTROL
 * to read the rules and the status (tampering), put back what was undone,
 * remove its rules, release the audit pid or restore the enabled flag at
 * exit; CAP_AUDIT_READ beside auditd. Optionally switch to --user.
 */
int control_drop_privileges(struct daemon *d)
{
	struct passwd *pw = NULL;
	int rc;

	if (d->o.user) {
		pw = getpwnam(d->o.user);
		if (!pw) {
			log_msg(LOG_ERR, "no user '%s' for --user", d->o.user);
			return -1;
		}
	}
	capng_clear(CAPNG_SELECT_BOTH);
	capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SYS_PTRACE,
		      CAP_DAC_READ_SEARCH, -1);
	/* to read the rules in force and audit's status, which is how tampering is seen (a
	 * plugin, or --no-rules, never changes them), and to put back what was undone */
	if (d->ctl >= 0)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_AUDIT_CONTROL);
	if (!d->o.plugin && d->src.mode == KMW_SRC_MULTICAST)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_AUDIT_READ);
	/* the marker record after an overrun (source_probe) */
	if (!d->o.plugin)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_AUDIT_WRITE);
	if (pw)
		rc = capng_change_id((int)pw->pw_uid, (int)pw->pw_gid,
				     CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	else
		rc = capng_apply(CAPNG_SELECT_BOTH);
	if (rc) {
		log_msg(LOG_ERR, "cannot drop privileges (libcap-ng error %d)", rc);
		return -1;
	}
	/* and no way back up through a setuid program */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return 0;
}

/*
 * A daemon killed with SIGKILL leaves its rules, and its state file: one
 * whose pid is gone and that says it added rules. Those rules are not ours to
 * keep for good (`kmodwatch rules install` makes such rules, and a daemon
 * beside them adds none), so they go, and are made again, ours to remove.
 */
static void remove_stale_rules(struct daemon *d)
{
	struct kmw_state st;
	int n;

	if (state_read(KMW_STATE_FILE, &st))
		return;
	if (st.pid <= 0 || st.pid == getpid() || st.rules_added <= 0 || strcmp(st.rules_key, d->o.key) ||
	    kill((pid_t)st.pid, 0) == 0 || errno != ESRCH)
		return;
	n = rules_delete_key(d->ctl, d->o.key);
	if (n > 0)
		log_msg(LOG_NOTICE, "removed %d audit rule(s) with key %s that kmodwatchd pid %lld "
			"added and left when it was killed", n, d->o.key, (long long)st.pid);
	unlink(KMW_STATE_FILE);
}

int control_setup(struct daemon *d)
{
	struct audit_status st;
	struct kmw_rules_report rep;
	int rc;

	d->ctl = audit_open();
	if (d->ctl < 0) {
		log_msg(LOG_ERR, "cannot open the audit netlink socket: %s", strerror(errno));
		return -1;
	}
	rc = rules_status(d->ctl, &st);
	if (rc) {
		log_msg(LOG_ERR, "cannot read the audit status: %s", strerror(-rc));
		return -1;
	}
	if (st.enabled == 0 && !d->o.no_rules) {
		guard_own_change(d);
		if (audit_set_enabled(d->ctl, 1) > 0) {
			d->restore_enabled = true;
			log_msg(LOG_NOTICE, "audit was disabled: enabled it, and will disable it again at exit");
		} else {
			log_msg(LOG_ERR, "audit is disabled and could not be enabled: %s", strerror(errno));
		}
	} else if (st.enabled == 0) {
		log_msg(LOG_WARNING, "audit is disabled and --no-rules leaves it so: no events will come");
	}
	if (st.enabled == 2)
		log_msg(LOG_ERR, "audit is immutable (enabled 2): rules cannot change until reboot; "
			"running with the rules in place");
	if (rules_backlog_advice(&st))
		log_msg(LOG_WARNING, "audit backlog %u, backlog_wait_time %u ms: %s (doc/flood.md)",
			st.backlog_limit, st.backlog_wait_time, rules_backlog_advice(&st));

	if (!d->o.no_rules) {
		remove_stale_rules(d);
		guard_own_change(d);
		rc = rules_install(&d->rules, d->ctl, d->o.key, &rep);
		d->rules_added = rep.added;
		if (rc)
			log_msg(LOG_ERR, "cannot add the module-syscall rule for %d arch(es): %s%s",
				rep.failed, strerror(-rc),
				st.enabled == 2 ? " (audit is immutable)" : "");
		log_msg(LOG_INFO, "rules: %d added with key %s, %d arch(es) already covered by "
			"existing rules%s%s", rep.added, d->o.key, rep.covered,
			rep.partial ? " (some partly)" : "", rep.first ? "; put in front of a never "
			"rule that would suppress module calls" : "");
	}

	rc = source_open(&d->src, d->o.source, (pid_t)st.pid);
	if (rc == -EEXIST) {
		log_msg(LOG_ERR, "another process (pid %u) is the audit daemon: use --source multicast "
			"or auto", st.pid);
		return -1;
	}
	if (rc) {
		log_msg(LOG_ERR, "cannot open the %s audit source: %s", source_mode_name(d->o.source),
			strerror(-rc));
		return -1;
	}
	/* the reader writes it, the lines it makes of the records */
	d->src.record_log = d->record_log;
	return 0;
}

/* A plugin's look at audit: the rules and the status, read only (guard.c). */
void control_setup_plugin(struct daemon *d)
{
	d->ctl = audit_open();
	if (d->ctl < 0)
		log_msg(LOG_WARNING, "cannot open the audit netlink socket (%s): the rules in force "
			"and audit's status are not watched; only the records of changes are",
			strerror(errno));
}

void control_teardown(struct daemon *d)
{
	int rc;

	if (d->o.plugin) {
		if (d->ctl >= 0)
			audit_close(d->ctl);
		d->ctl = -1;
		return;
	}
	source_close(&d->src);
	if (d->ctl < 0)
		return;
	guard_own_change(d);
	rc = rules_remove(&d->rules);
	if (rc)
		log_msg(LOG_ERR, "cannot remove the rules it added: %s", strerror(-rc));
	if (d->restore_enabled) {
		if (audit_set_enabled(d->ctl, 0) <= 0)
			log_msg(LOG_ERR, "cannot disable audit again: %s", strerror(errno));
		else
			log_msg(LOG_NOTICE, "audit disabled again, as it was before");
	}
	audit_close(d->ctl);
	d->ctl = -1;
}

/*
 * The kernel's audit status: its backlog (the most seen is kept), and its count of records
 * it lost, since start (unicast: ours; beside auditd: global). Returns 0 or -errno.
 */
static int sample(struct daemon *d, struct audit_status *st)
{
	int rc;

	if (d->ctl < 0)
		return -EBADF;
	rc = rules_status(d->ctl, st);
	if (rc)
		return rc;
	if (st->backlog > d->backlog_max)
		d->backlog_max = st->backlog;
	d->backlog_now = st->backlog;
	/* audit turned off, even for a moment between two samples that both see it on, is
	 * said by its CONFIG_CHANGE record; the module checks find what came meanwhile */
	guard_status(d, st);
	d->audit_enabled = (int)st->enabled;
	d->backlog_limit = st->backlog_limit;
	d->backlog_wait_ms = st->backlog_wait_time;
	if (!d->have_lost) {
		d->have_lost = true;
		d->lost_start = d->lost_reported = st->lost;
	}
	d->kernel_lost = st->lost - d->lost_start;
	return 0;
}

/* Every tick: a record the kernel lost is said at once, with how many since the last. */
void control_account_lost(struct daemon *d)
{
	struct audit_status st;

	if (sample(d, &st))
		return;
	if (st.lost != d->lost_reported) {
		log_msg(LOG_WARNING, "the kernel lost %u audit records since the last look (%llu since "
			"start; backlog %u of %u, the most seen %u): they were dropped before any reader "
			"had them", st.lost - d->lost_reported, (unsigned long long)d->kernel_lost,
			st.backlog, st.backlog_limit, d->backlog_max);
		d->lost_reported = st.lost;
	}
}

/* Often (TICK_SAMPLE_MS): the backlog's high-water mark is only as good as its samples. */
void control_sample_backlog(struct daemon *d)
{
	struct audit_status st;

	sample(d, &st);
}
