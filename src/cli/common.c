// SPDX-License-Identifier: GPL-2.0-or-later
/* common.c - what the commands of `kmodwatch` share: the context of a run, help and errors,
 * the table's width, the inputs checked, the IMA word */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kmw_lines.h"
#include "kmw_state.h"
#include "kmw_store.h"

static const char *env_or(const char *name, const char *dflt)
{
	return getenv(name) ?: dflt;
}

int cli_init(struct cli *c, const char *config)
{
	struct kmw_buf err;
	char *line, *save = NULL;

	memset(c, 0, sizeof(*c));
	config_defaults(&c->conf);
	buf_init(&err);
	if (config_load(&c->conf, config ? config : KMW_CONFIG_FILE, config != NULL, &err)) {
		buf_putc(&err, '\0');
		for (line = strtok_r(err.data, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			fprintf(stderr, "kmodwatch: %s\n", line);
		buf_free(&err);
		config_free(&c->conf);
		return KMW_EXIT_CONFIG;
	}
	buf_free(&err);
	c->store = c->conf.store ? c->conf.store : KMW_STORE_DEFAULT;
	c->proc = env_or("KMW_PROC_ROOT", "/proc");
	c->sys = env_or("KMW_SYS_ROOT", "/sys");
	c->secfs = env_or("KMW_SECURITYFS", KMW_SECURITYFS);
	c->cmdline = env_or("KMW_PROC_CMDLINE", "/proc/cmdline");
	c->state_file = env_or("KMW_STATE_FILE", KMW_STATE_FILE);
	c->plugin_state_file = env_or("KMW_PLUGIN_STATE_FILE", KMW_PLUGIN_STATE_FILE);
	c->plugin_conf = env_or("KMW_PLUGIN_CONF", KMW_PLUGIN_CONF);
	return 0;
}

void cli_fini(struct cli *c)
{
	config_free(&c->conf);
}

void cli_exit_text(FILE *f)
{
	fprintf(f,
		"Exit status: %d success or matches, %d no match (status: degraded), %d error\n"
		"(input with no audit record in it included), %d (status) not running, %d no\n"
		"privilege, %d (plugin enable) the daemon runs: one kmodwatchd a host, %d bad\n"
		"configuration file.\n",
		KMW_EXIT_OK, KMW_EXIT_NOMATCH, KMW_EXIT_ERROR, KMW_EXIT_NOT_RUNNING,
		KMW_EXIT_NOPRIV, KMW_EXIT_OTHER_CONSUMER, KMW_EXIT_CONFIG);
}

int cli_help(FILE *f, const struct cli_command *cmd)
{
	if (f != stdout) {
		/* a mistake: getopt or the caller said what it was; the help is one command away */
		fprintf(f, "Try 'kmodwatch %s --help' for more information.\n", cmd->name);
		return KMW_EXIT_ERROR;
	}
	fprintf(f, "Usage: kmodwatch [--config=FILE]\n");
	cmd->help(f);
	fputc('\n', f);
	cli_exit_text(f);
	return f == stdout ? KMW_EXIT_OK : KMW_EXIT_ERROR;
}

bool cli_no_records(uint64_t records, uint64_t bad_lines)
{
	if (records || !bad_lines)
		return false;
	fprintf(stderr,
		"kmodwatch: no audit record in the input: its %llu line(s) are none "
		"(is it an audit log?)\n",
		(unsigned long long)bad_lines);
	return true;
}

int cli_fail(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("kmodwatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return err == EPERM || err == EACCES ? KMW_EXIT_NOPRIV : KMW_EXIT_ERROR;
}

int cli_no_args(int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "kmodwatch: unexpected argument '%s'\n", argv[optind]);
	return KMW_EXIT_ERROR;
}

int cli_table_width(bool *colour)
{
	struct winsize ws;

	*colour = false;
	if (!isatty(STDOUT_FILENO))
		return 0;
	*colour = !getenv("NO_COLOR");
	return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col ? ws.ws_col : 120;
}

int cli_check_readable(char **files, int n)
{
	int i, fd;

	for (i = 0; i < n; i++) {
		if (!strcmp(files[i], "-"))
			continue;
		fd = open(files[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			return cli_fail(errno, "cannot read %s: %s", files[i], strerror(errno));
		close(fd);
	}
	return 0;
}

void cli_bad_line(void *arg, const char *input, uint64_t lineno, const char *why, const char *line,
		  size_t len)
{
	char msg[600];

	(void)arg;
	(void)line;
	(void)len;
	lines_bad_message(msg, sizeof(msg), input, lineno, why);
	fprintf(stderr, "kmodwatch: %s\n", msg);
}

void cli_file_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "kmodwatch: %s\n", msg);
}

const char *cli_ima_attested(const struct kmw_ima_state *st, const char *store, char *why,
			     size_t len)
{
	struct kmw_store *s = store ? store_open(store, false, NULL, 0) : NULL;
	int64_t n = 0, last = 0;
	const char *word;
	char when[40];
	time_t t;
	struct tm tm;

	if (s && !store_ima_seen(s, &n, &last) && n) {
		t = (time_t)(last / 1000);
		if (!gmtime_r(&t, &tm) ||
		    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
			snprintf(when, sizeof(when), "?");
		snprintf(why, len,
			 "%lld stored event(s) with an INTEGRITY_RULE record, the last at %s",
			 (long long)n, when);
		word = "yes";
	} else if (st->policy == KMW_IMA_READABLE && st->module_check) {
		snprintf(why, len,
			 "the policy in force audits MODULE_CHECK (no record stored yet)");
		word = "yes";
	} else if (st->policy == KMW_IMA_LOADED) {
		snprintf(why, len,
			 "a policy is loaded and cannot be read; no INTEGRITY_RULE record "
			 "stored yet");
		word = "unknown";
	} else {
		snprintf(why, len, "kmodwatch ima enable, or doc/ima.md");
		word = "no";
	}
	store_close(s);
	return word;
}
