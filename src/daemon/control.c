// SPDX-License-Identifier: GPL-2.0-or-later
/* control.c - the daemon's hold on the audit subsystem (control.h) */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>

#include "kmw_clock.h"
#include "control.h"
#include "kmw_exit.h"
#include "kmw_state.h"
#include "log.h"

int control_check_privileges(const struct kmw_config *o)
{
	bool need_control = !o->no_rules || o->source != KMW_SRC_MULTICAST;

	capng_get_caps_process();
	if (need_control && !capng_have_capability(CAPNG_EFFECTIVE, CAP_AUDIT_CONTROL)) {
		log_msg(LOG_ERR, "missing CAP_AUDIT_CONTROL (needed to %s): run as root",
			o->no_rules ? "read as the audit daemon" : "install audit rules");
		return KMW_EXIT_NOPRIV;
	}
	if (o->source == KMW_SRC_MULTICAST &&
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_AUDIT_READ)) {
		log_msg(LOG_ERR,
			"missing CAP_AUDIT_READ (needed to read the audit multicast group): "
			"run as root");
		return KMW_EXIT_NOPRIV;
	}
	return 0;
}

void control_init(struct control *c, const struct kmw_config *conf)
{
	memset(c, 0, sizeof(*c));
	c->conf = conf;
	c->ctl = -1;
	c->audit_enabled = -1;
}

/*
 * Keep only what the running daemon needs: CAP_SYS_PTRACE (another user's /proc/PID/fd and
 * memory) and CAP_DAC_READ_SEARCH (their module files) for enrichment; CAP_AUDIT_CONTROL to
 * read the rules and the status (tampering), put back what was undone, remove its rules,
 * release the audit pid or restore the enabled flag at exit; CAP_AUDIT_READ beside auditd.
 */
int control_drop_privileges(struct control *c, bool multicast)
{
	struct passwd *pw = NULL;
	int rc;

	if (c->conf->user) {
		pw = getpwnam(c->conf->user);
		if (!pw) {
			log_msg(LOG_ERR, "no user '%s' for --user", c->conf->user);
			return -1;
		}
	}
	capng_clear(CAPNG_SELECT_BOTH);
	capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SYS_PTRACE,
		      CAP_DAC_READ_SEARCH, -1);
	/* to read the rules in force and audit's status, which is how tampering is seen (a
	 * plugin, or --no-rules, never changes them), and to put back what was undone */
	if (c->ctl >= 0)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_AUDIT_CONTROL);
	if (!c->conf->plugin && multicast)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_AUDIT_READ);
	/* the marker record after an overrun (source_probe) */
	if (!c->conf->plugin)
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
 * A daemon killed with SIGKILL leaves its rules, and its state file: one whose pid is gone
 * and that says it added rules. Those rules are not ours to keep for good (`kmodwatch rules
 * install` makes such rules, and a daemon beside them adds none), so they go, and are made
 * again, ours to remove.
 */
static void remove_stale_rules(struct control *c)
{
	struct kmw_state st;
	int n;

	if (state_read(KMW_STATE_FILE, &st))
		return;
	if (st.pid <= 0 || st.pid == getpid() || st.rules_added <= 0 ||
	    strcmp(st.rules_key, c->conf->key) || kill((pid_t)st.pid, 0) == 0 || errno != ESRCH)
		return;
	n = rules_delete_key(c->ctl, c->conf->key);
	if (n > 0)
		log_msg(LOG_NOTICE,
			"removed %d audit rule(s) with key %s that kmodwatchd pid %lld "
			"added and left when it was killed",
			n, c->conf->key, (long long)st.pid);
	unlink(KMW_STATE_FILE);
}

int control_open(struct control *c)
{
	const struct kmw_config *o = c->conf;
	struct audit_status st;
	struct kmw_rules_report rep;
	int rc;

	c->ctl = audit_open();
	if (c->ctl < 0) {
		log_msg(LOG_ERR, "cannot open the audit netlink socket: %s", strerror(errno));
		return -1;
	}
	rc = rules_status(c->ctl, &st);
	if (rc) {
		log_msg(LOG_ERR, "cannot read the audit status: %s", strerror(-rc));
		return -1;
	}
	c->audit_pid = (pid_t)st.pid;
	if (st.enabled == 0 && !o->no_rules) {
		control_own_change(c);
		if (audit_set_enabled(c->ctl, 1) > 0) {
			c->restore_enabled = true;
			log_msg(LOG_NOTICE,
				"audit was disabled: enabled it, and will disable it again at exit");
		} else {
			log_msg(LOG_ERR, "audit is disabled and could not be enabled: %s",
				strerror(errno));
		}
	} else if (st.enabled == 0) {
		log_msg(LOG_WARNING,
			"audit is disabled and --no-rules leaves it so: no events will come");
	}
	if (st.enabled == 2)
		log_msg(LOG_ERR,
			"audit is immutable (enabled 2): rules cannot change until reboot; "
			"running with the rules in place");
	if (rules_backlog_advice(&st))
		log_msg(LOG_WARNING, "audit backlog %u, backlog_wait_time %u ms: %s (doc/flood.md)",
			st.backlog_limit, st.backlog_wait_time, rules_backlog_advice(&st));
	if (o->no_rules)
		return 0;
	remove_stale_rules(c);
	control_own_change(c);
	rc = rules_install(&c->rules, c->ctl, o->key, &rep);
	if (rc)
		log_msg(LOG_ERR, "cannot add the module-syscall rule for %d arch(es): %s%s",
			rep.failed, strerror(-rc), st.enabled == 2 ? " (audit is immutable)" : "");
	log_msg(LOG_INFO,
		"rules: %d added with key %s, %d arch(es) already covered by existing "
		"rules%s%s",
		rep.added, o->key, rep.covered, rep.partial ? " (some partly)" : "",
		rep.first ? "; put in front of a never rule that would suppress module calls" : "");
	return 0;
}

void control_open_plugin(struct control *c)
{
	c->plugin = true;
	c->ctl = audit_open();
	if (c->ctl < 0)
		log_msg(LOG_WARNING,
			"cannot open the audit netlink socket (%s): the rules in force "
			"and audit's status are not watched; only the records of changes are",
			strerror(errno));
}

void control_own_change(struct control *c)
{
	c->own_change_ms = kmw_real_ms();
}

int control_put_back(struct control *c, bool *first)
{
	struct kmw_rules_report rep;
	int rc;

	if (c->plugin || c->ctl < 0)
		return -EBADF;
	control_own_change(c);
	rules_remove(&c->rules);
	rc = rules_install(&c->rules, c->ctl, c->conf->key, &rep);
	*first = rep.first;
	return rc;
}

int control_enable(struct control *c)
{
	if (c->plugin || c->ctl < 0)
		return -EBADF;
	control_own_change(c);
	if (audit_set_enabled(c->ctl, 1) <= 0) {
		int e = errno;

		return e ? -e : -EIO;
	}
	c->audit_enabled = 1;
	return 0;
}

void control_close(struct control *c)
{
	int rc;

	if (c->ctl < 0)
		return;
	if (!c->plugin) {
		control_own_change(c);
		rc = rules_remove(&c->rules);
		if (rc)
			log_msg(LOG_ERR, "cannot remove the rules it added: %s", strerror(-rc));
		if (c->restore_enabled) {
			if (audit_set_enabled(c->ctl, 0) <= 0)
				log_msg(LOG_ERR, "cannot disable audit again: %s", strerror(errno));
			else
				log_msg(LOG_NOTICE, "audit disabled again, as it was before");
		}
	}
	audit_close(c->ctl);
	c->ctl = -1;
}

int control_sample(struct control *c, struct audit_status *st)
{
	int rc;

	if (c->ctl < 0)
		return -EBADF;
	rc = rules_status(c->ctl, st);
	if (rc)
		return rc;
	if (st->backlog > c->backlog_max)
		c->backlog_max = st->backlog;
	c->backlog_now = st->backlog;
	c->audit_enabled = (int)st->enabled;
	c->backlog_limit = st->backlog_limit;
	c->backlog_wait_ms = st->backlog_wait_time;
	if (!c->have_lost) {
		c->have_lost = true;
		c->lost_start = c->lost_reported = st->lost;
	}
	c->kernel_lost = st->lost - c->lost_start;
	return 0;
}

int control_account_lost(struct control *c, struct audit_status *st)
{
	int rc = control_sample(c, st);

	if (rc)
		return rc;
	if (st->lost != c->lost_reported) {
		log_msg(LOG_WARNING,
			"the kernel lost %u audit records since the last look (%llu since "
			"start; backlog %u of %u, the most seen %u): they were dropped before any reader "
			"had them",
			st->lost - c->lost_reported, (unsigned long long)c->kernel_lost,
			st->backlog, st->backlog_limit, c->backlog_max);
		c->lost_reported = st->lost;
	}
	return 0;
}
