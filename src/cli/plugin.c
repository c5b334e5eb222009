// SPDX-License-Identifier: GPL-2.0-or-later
/* plugin.c - kmodwatch plugin status|enable|disable: the auditd plugin, switched on or off in
 * its configuration and auditd told; one consumer a host, the plugin or the daemon */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kmw_rules.h"
#include "kmw_state.h"

/* auditd's pid: the audit pid when it is auditd (as root), else a process named auditd */
static pid_t auditd_pid(void)
{
	struct audit_status st;
	int fd = audit_open();
	bool is_audit_pid = false;

	if (fd >= 0) {
		/* the audit pid may be another program's: kmodwatchd itself */
		is_audit_pid = !rules_status(fd, &st) && proc_is(st.pid, "auditd");
		audit_close(fd);
	}
	return (pid_t)(is_audit_pid ? st.pid : proc_find("auditd"));
}

/* a consumer that runs, from its state file: its pid, or 0 */
static int64_t running(const char *file)
{
	struct kmw_state st;

	return !state_read(file, &st) && state_alive(&st) ? st.pid : 0;
}

static void help(FILE *f)
{
	fputs("  plugin status|enable|disable the auditd plugin (" KMW_PLUGIN_CONF "):\n"
	      "                               enable switches it on and tells auditd; one\n"
	      "                               consumer a host, the plugin or the daemon\n",
	      f);
}

static int run(struct cli *cli, int argc, char **argv)
{
	const char *conf_path = cli->plugin_conf;
	const char *what = argc > 1 ? argv[1] : "";
	int64_t daemon = running(cli->state_file);
	int64_t plugin = running(cli->plugin_state_file);
	int active, rc;
	pid_t auditd;
	bool on;

	if (!strcmp(what, "--help") || !strcmp(what, "-h"))
		return cli_help(stdout, &cli_plugin);
	if (argc != 2 ||
	    (strcmp(what, "status") && strcmp(what, "enable") && strcmp(what, "disable"))) {
		fprintf(stderr, "kmodwatch plugin: say status, enable or disable\n");
		return cli_help(stderr, &cli_plugin);
	}
	active = config_plugin_active(conf_path);
	if (active < 0)
		return cli_fail(-active, "cannot read the plugin configuration %s: %s%s", conf_path,
				strerror(-active),
				active == -ENOENT ? " (is kmodwatch installed with "
						    "its auditd plugin?)"
						  : "");
	auditd = auditd_pid();
	if (!strcmp(what, "status")) {
		printf("plugin: %s (%s); auditd %s", active ? "active" : "inactive", conf_path,
		       auditd ? "runs" : "does not run");
		if (auditd)
			printf(" (pid %d)", (int)auditd);
		if (plugin)
			printf("; the plugin runs, pid %lld", (long long)plugin);
		if (daemon)
			printf("; the daemon runs, pid %lld", (long long)daemon);
		printf("\n");
		return 0;
	}
	on = !strcmp(what, "enable");
	/* one consumer a host: the plugin beside a running daemon would report every event twice */
	if (on && daemon) {
		fprintf(stderr,
			"kmodwatch: kmodwatchd runs as a daemon (pid %lld): stop it first "
			"(systemctl disable --now kmodwatchd), or every event is reported twice\n",
			(long long)daemon);
		return KMW_EXIT_OTHER_CONSUMER;
	}
	if (on == (active == 1)) {
		printf("the plugin is %s already (%s)\n", on ? "active" : "inactive", conf_path);
		return 0;
	}
	rc = config_plugin_set_active(conf_path, on);
	if (rc)
		return cli_fail(-rc, "cannot write %s: %s", conf_path, strerror(-rc));
	/* auditd reads its plugins again on SIGHUP: it starts an active one, stops an inactive */
	if (!auditd) {
		printf("the plugin is %s (%s); auditd does not run: %s\n",
		       on ? "active" : "inactive", conf_path,
		       on ? "it starts the plugin when it starts" : "nothing runs it");
		return 0;
	}
	if (kill(auditd, SIGHUP) < 0)
		return cli_fail(errno,
				"the plugin is %s (%s), but auditd (pid %d) could not be told: "
				"%s (service auditd reload)",
				on ? "active" : "inactive", conf_path, (int)auditd,
				strerror(errno));
	printf("the plugin is %s (%s); auditd (pid %d) told to read its plugins again\n",
	       on ? "active" : "inactive", conf_path, (int)auditd);
	return 0;
}

const struct cli_command cli_plugin = { "plugin", run, help };
