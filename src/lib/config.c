// SPDX-License-Identifier: GPL-2.0-or-later
/* config.c - kmodwatchd's options: the keyword table, the configuration file, the defaults,
 * --check-config and --help, for the daemon and the CLI alike */
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "kmw_config.h"
#include "kmw_state.h"
#include "kmw_rules.h"
#include "kmw_sink.h"
#include "kmw_sink_syslog.h"
#include "kmw_store.h"
#include "kmw_triage.h"

enum type {
	T_ACTION,
	T_SWITCH,
	T_UINT,
	T_STR,
	T_STR_NONE,
	T_FORMAT,
	T_SOURCE,
	T_SYSLOG,
	T_RFC,
	T_FACILITY,
	T_SEVERITY,
	T_RISK,
	T_KEY,
};

#define OFF(f) offsetof(struct kmw_config, f)
#define NUM(f, lo, hi) T_UINT, OFF(f), lo, hi
#define STR_(x) #x
#define STR(x) STR_(x)
/* how a key reloads on SIGHUP, and its default as the file would give it (NULL: none) */
#define NOW(d) KMW_RELOAD_NOW, d
#define OUT(d) KMW_RELOAD_OUTPUTS, d
#define RESTART(d) KMW_RELOAD_RESTART, d
#define ACTION KMW_RELOAD_RESTART, NULL

static const struct kmw_config_key keys[] = {
	{ "foreground", 'f', NULL, "stay in the foreground, log to stderr", 0, T_SWITCH,
	  OFF(foreground), 0, 0, RESTART(NULL) },
	{ "output", 'o', "FILE|-",
	  "where events go (default: stdout in the\n"
	  "foreground, else " KMW_OUTPUT_DEFAULT ")",
	  0, T_STR, OFF(output), 0, 0, OUT(NULL) },
	{ "format", 'F', "json|ecs|ocsf|text", "event format of --output", 0, T_FORMAT, OFF(format),
	  0, 0, OUT("json") },
	{ "output-prefix", 0, "STR", "put STR before each line (\"@cee: \" for rsyslog)", 0, T_STR,
	  OFF(output_prefix), 0, 0, OUT(NULL) },
	{ "output-rotate-size", 0, "MB", "rotate --output past MB megabytes (0: never)", 0,
	  NUM(rotate_mb, 0, 100000), OUT("0") },
	{ "output-rotate-keep", 0, "N", "generations kept, FILE.1 ... FILE.N", 0,
	  NUM(rotate_keep, 0, 100000), OUT("5") },
	{ "output-group", 0, "NAME", "group of a new output file (mode 0640)", 0, T_STR,
	  OFF(output_group), 0, 0, OUT(NULL) },
	{ "syslog", 0, "DEST",
	  "also send to syslog: unix:/dev/log, udp:HOST:PORT,\n"
	  "tcp:HOST:PORT (octet-counted), tls:HOST:PORT (RFC 5425),\n"
	  "relp:HOST:PORT, relp+tls:HOST:PORT (acknowledged);\n"
	  "repeatable, four at most",
	  0, T_SYSLOG, OFF(syslog), 0, 0, OUT(NULL) },
	{ "syslog-ca", 0, "FILE|DIR",
	  "tls, relp+tls: the CA certificates that verify the\n"
	  "collector (default: the system's)",
	  0, T_STR, OFF(syslog_ca), 0, 0, OUT(NULL) },
	{ "syslog-cert", 0, "FILE", "tls, relp+tls: our certificate (PEM), for mutual TLS", 0,
	  T_STR, OFF(syslog_cert), 0, 0, OUT(NULL) },
	{ "syslog-key", 0, "FILE", "tls, relp+tls: its private key (PEM)", 0, T_STR,
	  OFF(syslog_key), 0, 0, OUT(NULL) },
	{ "syslog-peer-name", 0, "NAME",
	  "tls, relp+tls: the name the collector's certificate\n"
	  "must carry (default: HOST of the destination)",
	  0, T_STR, OFF(syslog_peer_name), 0, 0, OUT(NULL) },
	{ "syslog-tls-min", 0, "1.2|1.3",
	  "tls, relp+tls: the oldest TLS version taken (default\n"
	  "1.2)",
	  0, T_STR, OFF(syslog_tls_min), 0, 0, OUT(NULL) },
	{ "syslog-ciphers", 0, "LIST",
	  "tls, relp+tls: OpenSSL cipher list for TLS 1.2\n"
	  "(default: OpenSSL's; TLS 1.3 suites are OpenSSL's)",
	  0, T_STR, OFF(syslog_ciphers), 0, 0, OUT(NULL) },
	{ "syslog-rfc", 0, "5424|3164", "the syslog header", 0, T_RFC, OFF(syslog_rfc), 0, 0,
	  OUT("5424") },
	{ "syslog-facility", 0, "NAME", "daemon, local0 ... local7, auth ...", 0, T_FACILITY,
	  OFF(syslog_facility), 0, 0, OUT("daemon") },
	{ "syslog-severity", 0, "auto|NAME", "auto: from risk.level", 0, T_SEVERITY,
	  OFF(syslog_severity), 0, 0, OUT("auto") },
	{ "syslog-app-name", 0, "NAME", "APP-NAME or TAG of syslog messages", 0, T_STR,
	  OFF(syslog_app), 0, 0, OUT("kmodwatch") },
	{ "syslog-format", 0, "json|ecs|ocsf|text", "the syslog message", 0, T_FORMAT,
	  OFF(syslog_format), 0, 0, OUT("json") },
	{ "journald", 0, NULL, "also send to journald, with KMODWATCH_* fields", 0, T_SWITCH,
	  OFF(journald), 0, 0, OUT(NULL) },
	{ "reinstall-rules", 0, NULL,
	  "undo what blinds audit: put kmodwatch's rules back\n"
	  "(in front of a never rule that out-ranks them) and\n"
	  "enable audit again (=no: an alert only)",
	  0, T_SWITCH, OFF(reinstall_rules), 0, 0, NOW("yes") },
	{ "stats-interval", 0, "S",
	  "log what was lost, and where, every S seconds\n"
	  "(0: never)",
	  0, NUM(stats_interval, 0, 100000), NOW("300") },
	{ "queue-size", 0, "MB",
	  "records read but not yet processed, at most (the\n"
	  "plugin: 8 at most); past it records are dropped, and\n"
	  "counted",
	  0, NUM(queue_mb, 1, 4096), RESTART("64") },
	{ "flood-budget", 0, "N",
	  "failed calls one unprivileged user may make per\n"
	  "interval that come out one by one (0: no limit);\n"
	  "past it, and whenever the pipeline falls behind,\n"
	  "they are counted in summaries",
	  0, NUM(flood_budget, 0, 100000000), NOW(STR(KMW_TRIAGE_BUDGET)) },
	{ "summary-interval", 0, "S", "the interval of a summary", 0,
	  NUM(summary_interval, 1, 86400), RESTART(STR(KMW_TRIAGE_INTERVAL_S)) },
	{ "inventory-interval", 0, "S",
	  "check the modules loaded against what audit saw\n"
	  "about every S seconds, jittered by a quarter, and a few\n"
	  "seconds after each load (0: never)",
	  0, NUM(inventory_interval, 0, 86400), NOW("30") },
	{ "priority-boost", 0, "N",
	  "run N nice levels higher than started (as auditd;\n"
	  "0: none)",
	  0, NUM(priority_boost, 0, 20), RESTART("4") },
	{ "reader-boost", 0, "N",
	  "and the thread that reads records N levels more,\n"
	  "so that a flood cannot keep it from reading",
	  0, NUM(reader_boost, 0, 20), RESTART("6") },
	{ "user", 0, "NAME",
	  "run as NAME once the audit sockets are open (the\n"
	  "output and store must be writable by NAME)",
	  0, T_STR, OFF(user), 0, 0, RESTART(NULL) },
	{ "source", 's', "auto|multicast|unicast",
	  "auto: multicast beside a running auditd,\n"
	  "else become the audit daemon",
	  0, T_SOURCE, OFF(source), 0, 0, RESTART("auto") },
	{ "no-rules", 0, NULL, "install no audit rules; use those in place", 0, T_SWITCH,
	  OFF(no_rules), 0, 0, RESTART(NULL) },
	{ "second-consumer", 0, NULL,
	  "run beside another kmodwatchd on purpose (a test, a\n"
	  "move from plugin to daemon): both report every event;\n"
	  "this one writes no state file",
	  0, T_SWITCH, OFF(second_consumer), 0, 0, RESTART(NULL) },
	{ "key", 'k', "KEY", "key of the rules it installs", 0, T_KEY, OFF(key), 0, 0,
	  RESTART(KMW_DEFAULT_KEY) },
	{ "record-log", 0, "FILE", "also append every audit record received to FILE", 0, T_STR,
	  OFF(record_log), 0, 0, RESTART(NULL) },
	{ "risk", 0, "CODE=LEVEL",
	  "level of a risk reason: info, low, medium, high, off\n"
	  "(repeatable; codes and their defaults in doc/schema.md)",
	  0, T_RISK, OFF(risk), 0, 0, NOW(NULL) },
	{ "store", 0, "PATH|none", "the event store", 0, T_STR_NONE, OFF(store), 0, 0,
	  RESTART(KMW_STORE_DEFAULT) },
	{ "metrics-file", 0, "FILE|auto|none",
	  "the counters for Prometheus, textfile format;\n"
	  "auto: " KMW_METRICS_DIR "/\n"
	  "kmodwatch.prom when that directory exists",
	  0, T_STR, OFF(metrics_file), 0, 0, NOW("auto") },
	{ "retention-days", 0, "N", "delete stored events older than N days (0: keep)", 0,
	  NUM(retention_days, 0, 1000000), NOW("365") },
	{ "retention-size", 0, "MB", "keep the store under MB megabytes (0: no limit)", 0,
	  NUM(retention_mb, 0, 1000000), NOW("1024") },
	{ "backfill-dir", 0, "DIR|none",
	  "store the module events of auditd's logs in DIR\n"
	  "that the store lacks: at start, and after records were lost",
	  0, T_STR_NONE, OFF(backfill_dir), 0, 0, NOW("/var/log/audit") },
	{ "plugin", 0, NULL,
	  "run as an auditd plugin: records on stdin\n"
	  "(format = string), no rules, no netlink",
	  0, T_SWITCH, OFF(plugin), 0, 0, RESTART(NULL) },
	{ "config", 0, "FILE",
	  "read options from FILE (default " KMW_CONFIG_FILE ",\n"
	  "when it exists); the command line wins",
	  KMW_ACT_CONFIG, T_ACTION, 0, 0, 0, ACTION },
	{ "check-config", 0, NULL, "print the effective configuration and exit", KMW_ACT_CHECK,
	  T_ACTION, 0, 0, 0, ACTION },
	{ "example-config", 0, NULL,
	  "print a configuration file with every option,\n"
	  "commented out at its default, and exit",
	  KMW_ACT_EXAMPLE, T_ACTION, 0, 0, 0, ACTION },
	{ "help", 'h', NULL, "this text", KMW_ACT_HELP, T_ACTION, 0, 0, 0, ACTION },
	{ "version", 'V', NULL, "version", KMW_ACT_VERSION, T_ACTION, 0, 0, 0, ACTION },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

const struct kmw_config_key *config_keys(size_t *n)
{
	*n = NKEYS;
	return keys;
}

void config_defaults(struct kmw_config *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	risk_config_default(&c->risk);
	/* each default as the file would give it: the table's column is the one source */
	for (i = 0; i < NKEYS; i++)
		if (keys[i].def && config_set(c, i, keys[i].def, NULL, NULL))
			abort(); /* a default the table's own type refuses: a bug, found by the tests */
}

/* Yes/no for a switch given in the configuration file; always yes on the command line. */
static int parse_bool(const char *v, bool *out)
{
	if (!v || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* the values a key takes, for the message about one it does not */
static const char *forms_of(const struct kmw_config_key *k, char *tmp, size_t size)
{
	switch (k->type) {
	case T_SWITCH: return "yes or no";
	case T_UINT: snprintf(tmp, size, "a number from %lu to %lu", k->min, k->max); return tmp;
	case T_FORMAT: return "json, ecs, ocsf or text";
	case T_SOURCE: return "auto, multicast or unicast";
	case T_SYSLOG: return "unix:PATH, udp:HOST:PORT or tcp:HOST:PORT, four at most";
	case T_RFC: return "5424 or 3164";
	case T_FACILITY:
		return "kern, user, daemon, auth, authpriv, syslog, security, local0 ... local7";
	case T_SEVERITY:
		return "auto (from risk.level), emerg, alert, crit, err, warning, notice, info, debug";
	case T_RISK:
		return "CODE=LEVEL, LEVEL one of info, low, medium, high, off (codes in doc/schema.md)";
	case T_KEY: return "1 to 256 bytes";
	default: return "nothing: not an option of the file";
	}
}

int config_set(struct kmw_config *c, size_t k, const char *v, const char *where,
	       struct kmw_buf *err)
{
	const struct kmw_config_key *key;
	void *field;
	char tmp[64];

	if (k >= NKEYS)
		return -EINVAL;
	key = &keys[k];
	field = (char *)c + key->off;
	if (key->type != T_SWITCH && !v)
		goto bad;
	switch (key->type) {
	case T_SWITCH:
		if (!parse_bool(v, (bool *)field))
			return 0;
		break;
	case T_UINT: {
		char *end;
		unsigned long n = strtoul(v, &end, 10);

		if (*v && *v != '-' && !*end && n >= key->min && n <= key->max) {
			*(unsigned int *)field = (unsigned int)n;
			return 0;
		}
		break;
	}
	case T_STR: *(const char **)field = v; return 0;
	case T_STR_NONE: *(const char **)field = strcmp(v, "none") ? v : NULL; return 0;
	case T_FORMAT:
		if (!format_parse_name(v, (enum kmw_format *)field))
			return 0;
		break;
	case T_SOURCE:
		if (!source_parse_mode(v, (enum kmw_source_mode *)field))
			return 0;
		break;
	case T_SYSLOG: {
		char why[300];

		if (c->nsyslog >= KMW_CONFIG_SYSLOG_MAX)
			break;
		/* the form now; whether the host resolves, at --check-config and at start */
		if (sink_syslog_check(v, false, why, sizeof(why))) {
			if (err)
				buf_printf(err, "%s%sbad %s '%s': %s\n", where ? where : "",
					   where ? ": " : "", key->name, v, why);
			return -EINVAL;
		}
		c->syslog[c->nsyslog++] = v;
		return 0;
	}
	case T_RFC:
		if (!strcmp(v, "5424") || !strcmp(v, "3164")) {
			*(int *)field = atoi(v);
			return 0;
		}
		break;
	case T_FACILITY:
		if (!sink_parse_facility(v, (int *)field))
			return 0;
		break;
	case T_SEVERITY:
		if (!sink_parse_severity(v, (int *)field))
			return 0;
		break;
	case T_RISK:
		if (!risk_config_set(&c->risk, v))
			return 0;
		break;
	case T_KEY:
		if (*v && strlen(v) <= AUDIT_MAX_KEY_LEN) {
			*(const char **)field = v;
			return 0;
		}
		break;
	default: break;
	}
bad:
	if (err) {
		buf_printf(err, "%s%sbad %s '%s': takes %s\n", where ? where : "",
			   where ? ": " : "", key->name, v ? v : "",
			   forms_of(key, tmp, sizeof(tmp)));
	}
	return -EINVAL;
}

/* the key of a file line: '_' and '-' alike; NULL for one the file cannot set */
static int find_key(const char *name)
{
	char norm[128], *p;
	size_t i;

	if (strlen(name) >= sizeof(norm))
		return -1;
	snprintf(norm, sizeof(norm), "%s", name);
	for (p = norm; *p; p++)
		if (*p == '_')
			*p = '-';
	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, norm))
			return keys[i].action == KMW_ACT_NONE ? (int)i : -1;
	return -1;
}

/* trim blanks around @s, in place */
static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	for (end = s + strlen(s); end > s && strchr(" \t\r\n", end[-1]); end--)
		end[-1] = '\0';
	return s;
}

int config_load(struct kmw_config *c, const char *path, bool must_exist, struct kmw_buf *err)
{
	char line[1024], where[4200], *key, *val, *p;
	unsigned int lineno = 0;
	int rc = 0, k;
	FILE *f = fopen(path, "re");

	if (!f) {
		rc = -errno;
		if (!must_exist && rc == -ENOENT)
			return 0;
		buf_printf(err, "cannot read %s: %s\n", path, strerror(-rc));
		return rc;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (!strchr(line, '\n') && !feof(f)) {
			buf_printf(err, "%s: line too long\n", where);
			rc = -EINVAL;
			break;
		}
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		key = trim(line);
		if (!*key)
			continue;
		val = strchr(key, '=');
		if (!val) {
			buf_printf(err, "%s: expected 'key = value'\n", where);
			rc = -EINVAL;
			continue;
		}
		*val++ = '\0';
		key = trim(key);
		val = trim(val);
		k = find_key(key);
		if (k < 0) {
			buf_printf(err, "%s: unknown key '%s'\n", where, key);
			rc = -EINVAL;
			continue;
		}
		if (c->nstrs == (int)(sizeof(c->strs) / sizeof(c->strs[0]))) {
			buf_printf(err, "%s: too many keys\n", where);
			rc = -EINVAL;
			break;
		}
		c->strs[c->nstrs] = strdup(val);
		if (!c->strs[c->nstrs]) {
			buf_printf(err, "%s: out of memory\n", where);
			rc = -ENOMEM;
			break;
		}
		if (config_set(c, (size_t)k, c->strs[c->nstrs++], where, err))
			rc = -EINVAL;
	}
	fclose(f);
	return rc;
}

static void print_key(FILE *f, const struct kmw_config *c, const struct kmw_config_key *k)
{
	const void *field = (const char *)c + k->off;
	const char *s;
	int i;

	switch (k->type) {
	case T_SWITCH: fprintf(f, "%s = %s\n", k->name, *(const bool *)field ? "yes" : "no"); break;
	case T_UINT: fprintf(f, "%s = %u\n", k->name, *(const unsigned int *)field); break;
	case T_STR:
	case T_KEY:
		s = *(const char *const *)field;
		fprintf(f, "%s%s = %s\n", s ? "" : "# ", k->name, s ? s : "(not set)");
		break;
	case T_STR_NONE:
		s = *(const char *const *)field;
		fprintf(f, "%s = %s\n", k->name, s ? s : "none");
		break;
	case T_FORMAT:
		fprintf(f, "%s = %s\n", k->name, format_name(*(const enum kmw_format *)field));
		break;
	case T_SOURCE:
		fprintf(f, "%s = %s\n", k->name,
			source_mode_name(*(const enum kmw_source_mode *)field));
		break;
	case T_SYSLOG:
		if (!c->nsyslog)
			fprintf(f, "# %s = (none)\n", k->name);
		for (i = 0; i < c->nsyslog; i++)
			fprintf(f, "%s = %s\n", k->name, c->syslog[i]);
		break;
	case T_RFC: fprintf(f, "%s = %d\n", k->name, *(const int *)field); break;
	case T_FACILITY:
		fprintf(f, "%s = %s\n", k->name, sink_facility_name(*(const int *)field));
		break;
	case T_SEVERITY:
		fprintf(f, "%s = %s\n", k->name, sink_severity_name(*(const int *)field));
		break;
	case T_RISK:
		for (i = 0; i < KMW_R_COUNT; i++)
			fprintf(f, "%s = %s=%s\n", k->name,
				risk_reason_code((enum kmw_risk_reason)i),
				risk_level_name(c->risk.level[i]));
		break;
	default: break;
	}
}

int config_check(const struct kmw_config *c, struct kmw_buf *err)
{
	char why[300];
	int i, rc = 0;

	for (i = 0; i < c->nsyslog; i++)
		if (sink_syslog_check(c->syslog[i], true, why, sizeof(why)) ||
		    sink_tls_check(c->syslog[i], c->syslog_ca, c->syslog_cert, c->syslog_key,
				   c->syslog_tls_min, c->syslog_ciphers, why, sizeof(why))) {
			buf_printf(err, "bad syslog '%s': %s\n", c->syslog[i], why);
			rc = -EINVAL;
		}
	return rc;
}

void config_print(FILE *f, const struct kmw_config *c)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		print_key(f, c, &keys[i]);
}

/* what SIGHUP does with a key, in words for the example file */
static const char *reload_words(enum kmw_reload r)
{
	switch (r) {
	case KMW_RELOAD_NOW: return "a reload (SIGHUP) takes it at once";
	case KMW_RELOAD_OUTPUTS: return "a reload (SIGHUP) opens the outputs again with it";
	default: return "a reload (SIGHUP) leaves it: it takes effect at the next start";
	}
}

void config_example(FILE *f)
{
	struct kmw_config c;
	size_t i;

	config_defaults(&c);
	c.output = KMW_OUTPUT_DEFAULT;
	fputs("# " KMW_CONFIG_FILE " - kmodwatchd's options, one \"key = value\" a line\n"
	      "# (kmodwatchd.conf(5)); the command line wins over this file. Every option is\n"
	      "# here, commented out at its default: uncomment a line to change it.\n",
	      f);
	for (i = 0; i < NKEYS; i++) {
		const struct kmw_config_key *k = &keys[i];
		char *line = NULL, *p, *nl;
		size_t len = 0;
		FILE *m;

		if (k->action != KMW_ACT_NONE)
			continue;
		fputs("\n# ", f);
		for (p = (char *)k->help; *p; p++)
			fputs(*p == '\n' ? "\n# " : (char[]){ *p, 0 }, f);
		fprintf(f, "\n# (%s)\n", reload_words(k->reload));
		m = open_memstream(&line, &len);
		if (!m)
			continue;
		print_key(m, &c, k);
		fclose(m);
		/* each line commented once */
		for (p = line; p && *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (!nl)
				break;
			fprintf(f, "%s%.*s\n", p[0] == '#' ? "" : "# ", (int)(nl - p), p);
		}
		free(line);
	}
	config_free(&c);
}

void config_usage(FILE *f)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct kmw_config_key *k = &keys[i];
		const char *h = k->help, *nl;
		char head[64];
		int n;

		if (k->short_name)
			n = snprintf(head, sizeof(head), "  -%c, --%s%s%s", k->short_name, k->name,
				     k->arg ? " " : "", k->arg ? k->arg : "");
		else
			n = snprintf(head, sizeof(head), "      --%s%s%s", k->name,
				     k->arg ? " " : "", k->arg ? k->arg : "");
		if (n < 27)
			fprintf(f, "%-27s", head);
		else
			fprintf(f, "%s\n%27s", head, "");
		while ((nl = strchr(h, '\n'))) {
			fprintf(f, "%.*s\n%27s", (int)(nl - h), h, "");
			h = nl + 1;
		}
		if (k->def && strlen(h) + strlen(k->def) + 11 > 52)
			fprintf(f, "%s\n%27s(default %s)\n", h, "", k->def);
		else if (k->def)
			fprintf(f, "%s (default %s)\n", h, k->def);
		else
			fprintf(f, "%s\n", h);
	}
}

const char *config_reload_name(enum kmw_reload r)
{
	switch (r) {
	case KMW_RELOAD_NOW: return "now";
	case KMW_RELOAD_OUTPUTS: return "outputs";
	default: return "restart";
	}
}

/* one key's value as config_print writes it, its lines joined by ", " */
static char *key_text(const struct kmw_config *c, const struct kmw_config_key *k)
{
	char *text = NULL, *p;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	size_t skip = strlen(k->name) + 3;

	if (!m)
		return NULL;
	print_key(m, c, k);
	fclose(m);
	if (!text)
		return NULL;
	/* "name = value\n" a line: the values alone, joined */
	for (p = text; *p; p++)
		if (*p == '\n')
			*p = '\x1f';
	{
		struct kmw_buf b;
		char *line, *save = NULL;

		buf_init(&b);
		for (line = strtok_r(text, "\x1f", &save); line;
		     line = strtok_r(NULL, "\x1f", &save)) {
			const char *v = line[0] == '#'	      ? "(not set)"
					: strlen(line) > skip ? line + skip
							      : "";

			if (line[0] == '#' && strstr(line, " = "))
				v = strstr(line, " = ") + 3;
			buf_printf(&b, "%s%s", b.len ? ", " : "", v);
		}
		buf_putc(&b, '\0');
		free(text);
		return b.oom ? (buf_free(&b), NULL) : b.data;
	}
}

void config_changes(const struct kmw_config *was, const struct kmw_config *now,
		    kmw_config_change_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		char *a, *b;

		if (keys[i].action != KMW_ACT_NONE)
			continue;
		a = key_text(was, &keys[i]);
		b = key_text(now, &keys[i]);
		if (a && b && strcmp(a, b))
			fn(i, a, b, arg);
		free(a);
		free(b);
	}
}

void config_keep(struct kmw_config *dst, const struct kmw_config *src, size_t k)
{
	const struct kmw_config_key *key = &keys[k];
	size_t size;

	switch (key->type) {
	case T_SWITCH: size = sizeof(bool); break;
	case T_UINT: size = sizeof(unsigned int); break;
	case T_STR:
	case T_STR_NONE:
	case T_KEY: size = sizeof(const char *); break;
	case T_FORMAT: size = sizeof(enum kmw_format); break;
	case T_SOURCE: size = sizeof(enum kmw_source_mode); break;
	case T_RFC:
	case T_FACILITY:
	case T_SEVERITY: size = sizeof(int); break;
	case T_RISK: size = sizeof(struct kmw_risk_config); break;
	case T_SYSLOG:
		memcpy(dst->syslog, src->syslog, sizeof(dst->syslog));
		dst->nsyslog = src->nsyslog;
		return;
	default: return;
	}
	memcpy((char *)dst + key->off, (const char *)src + key->off, size);
}

void config_free(struct kmw_config *c)
{
	struct kmw_config *o = c, *older;
	int i;

	while (o) {
		for (i = 0; i < o->nstrs; i++)
			free(o->strs[i]);
		o->nstrs = 0;
		older = o->older;
		o->older = NULL;
		if (o != c)
			free(o);
		o = older;
	}
}

/* "key = value" of auditd's plugin files: the value of @key in @line, or NULL */
static const char *plugin_value(char *line, const char *key)
{
	size_t n = strlen(key);
	char *p = line + strspn(line, " \t"), *e;

	if (strncmp(p, key, n))
		return NULL;
	p += n;
	p += strspn(p, " \t");
	if (*p != '=')
		return NULL;
	p++;
	p += strspn(p, " \t");
	e = p + strcspn(p, " \t\r\n#");
	*e = '\0';
	return p;
}

int config_plugin_active(const char *path)
{
	char line[1024];
	const char *v;
	FILE *f = fopen(path, "re");
	int active = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if ((v = plugin_value(line, "active")))
			active = !strcasecmp(v, "yes");
	fclose(f);
	return active;
}

int config_plugin_set_active(const char *path, bool active)
{
	char tmp[4200], line[1024], copy[1024];
	bool done = false;
	struct stat st;
	FILE *in, *out;
	int fd, err;

	in = fopen(path, "re");
	if (!in)
		return -errno;
	if (fstat(fileno(in), &st) < 0 ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.kmodwatch-XXXXXX", path) >= sizeof(tmp)) {
		err = errno ? errno : ENAMETOOLONG;
		fclose(in);
		return -err;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		err = errno;
		if (fd >= 0)
			close(fd);
		fclose(in);
		return -err;
	}
	while (fgets(line, sizeof(line), in)) {
		snprintf(copy, sizeof(copy), "%s", line);
		if (plugin_value(copy, "active")) {
			fprintf(out, "active = %s\n", active ? "yes" : "no");
			done = true;
		} else {
			fputs(line, out);
		}
	}
	if (!done)
		fprintf(out, "active = %s\n", active ? "yes" : "no");
	fclose(in);
	/* auditd refuses a plugin file that others can write: the mode and owner it had */
	if (fchmod(fileno(out), st.st_mode & 07777) < 0 ||
	    fchown(fileno(out), st.st_uid, st.st_gid) < 0 || fflush(out) ||
	    fsync(fileno(out)) < 0) {
		err = errno;
		fclose(out);
		unlink(tmp);
		return -err;
	}
	if (fclose(out) || rename(tmp, path) < 0) {
		err = errno;
		unlink(tmp);
		return -err;
	}
	return 0;
}
