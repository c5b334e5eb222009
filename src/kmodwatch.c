// SPDX-License-Identifier: GPL-2.0-or-later
/* kmodwatch.c - the command line: status, rules, and queries of past events */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libaudit.h>
#include <zlib.h>

#include "kmw_buf.h"
#include "kmw_decode.h"
#include "kmw_format.h"
#include "kmw_lines.h"
#include "kmw_parse.h"
#include "kmw_risk.h"
#include "kmw_rules.h"

#define EXIT_MATCH 0
#define EXIT_NOMATCH 1
#define EXIT_ERROR 2
#define EXIT_NOPRIV 4
#define STATE_FILE "/run/kmodwatch/kmodwatchd.state"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kmodwatch COMMAND [OPTION]...\n\n"
		"  status                       audit state, module rules, the daemon\n"
		"  rules list                   the kernel's rules for module syscalls\n"
		"  rules install [--key KEY]    add kmodwatch's rules where missing (they stay)\n"
		"  rules remove [--key KEY]     delete every rule with that key\n"
		"  query --audit-log FILE|-...  module events in audit log files\n"
		"        [--format json|text]\n\n"
		"Exit status: 0 success or matches, 1 no match, 2 error, 4 no privilege.\n");
}

static int open_audit(void)
{
	int fd = audit_open();

	if (fd < 0) {
		fprintf(stderr, "kmodwatch: cannot open the audit netlink socket: %s\n", strerror(errno));
		exit(errno == EPERM || errno == EACCES ? EXIT_NOPRIV : EXIT_ERROR);
	}
	return fd;
}

static void print_rule(const struct kmw_rule_info *r, void *arg)
{
	const char *arch = r->has_arch ? decode_arch_name(r->arch) : "native";
	unsigned int i, n = 0;

	printf("  %-7s %-6s ", r->never ? "never" : "always", arch ? arch : "?");
	for (i = 0; rules_syscall_name(i); i++)
		if (r->syscalls & (1u << i))
			printf("%s%s", n++ ? "," : "", rules_syscall_name(i));
	printf("  key=%s%s\n", r->key[0] ? r->key : "(none)",
	       r->unconditional ? "" : "  (with conditions: covers only some calls)");
	(*(int *)arg)++;
}

static int list_rules(int fd)
{
	int n = 0, rc = rules_list_module(fd, print_rule, &n);

	if (rc) {
		fprintf(stderr, "kmodwatch: cannot list rules: %s\n", strerror(-rc));
		return EXIT_ERROR;
	}
	if (!n)
		printf("  (no rule audits finit_module, init_module or delete_module)\n");
	return 0;
}

static int daemon_pid(void)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	char path[300], comm[64];
	int pid = 0;
	FILE *f;

	if (!dir)
		return 0;
	while (!pid && (de = readdir(dir))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, "kmodwatchd\n"))
			pid = atoi(de->d_name);
		fclose(f);
	}
	closedir(dir);
	return pid;
}

static int cmd_status(void)
{
	struct audit_status st;
	int fd = open_audit(), rc, pid;
	char line[512];
	FILE *f;

	rc = rules_status(fd, &st);
	if (rc) {
		fprintf(stderr, "kmodwatch: cannot read the audit status: %s\n", strerror(-rc));
		return rc == -EPERM ? EXIT_NOPRIV : EXIT_ERROR;
	}
	printf("audit: %s, audit daemon pid %u, lost %u, backlog %u of %u\n",
	       st.enabled == 2 ? "enabled and immutable" : st.enabled ? "enabled" : "disabled",
	       st.pid, st.lost, st.backlog, st.backlog_limit);
	printf("rules for module syscalls:\n");
	list_rules(fd);
	audit_close(fd);
	pid = daemon_pid();
	if (!pid) {
		printf("kmodwatchd: not running\n");
		return 0;
	}
	printf("kmodwatchd: running, pid %d\n", pid);
	f = fopen(STATE_FILE, "re");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "pid=", 4))
				printf("  %s", line);
		fclose(f);
	}
	return 0;
}

static int cmd_rules(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = KMW_DEFAULT_KEY, *what;
	struct kmw_rules r = { 0 };
	struct kmw_rules_report rep;
	int c, fd, rc;

	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	what = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "k:", lopts, NULL)) != -1) {
		if (c != 'k') {
			usage(stderr);
			return EXIT_ERROR;
		}
		key = optarg;
	}
	fd = open_audit();
	if (!strcmp(what, "list")) {
		rc = list_rules(fd);
	} else if (!strcmp(what, "install")) {
		rc = rules_install(&r, fd, key, &rep);
		if (rc)
			fprintf(stderr, "kmodwatch: cannot add a rule: %s\n", strerror(-rc));
		printf("%d rule(s) added with key %s; %d arch(es) already covered\n", rep.added, key,
		       rep.covered);
		/* installed for good: forget them so that nothing removes them */
		while (r.n)
			audit_rule_free_data(r.rule[--r.n]);
		rc = rc ? (rc == -EPERM ? EXIT_NOPRIV : EXIT_ERROR) : 0;
	} else if (!strcmp(what, "remove")) {
		rc = rules_delete_key(fd, key);
		if (rc < 0)
			fprintf(stderr, "kmodwatch: cannot remove rules: %s\n", strerror(-rc));
		else
			printf("%d rule(s) with key %s removed\n", rc, key);
		rc = rc < 0 ? EXIT_ERROR : 0;
	} else {
		fprintf(stderr, "kmodwatch: unknown rules command '%s': use list, install or remove\n",
			what);
		rc = EXIT_ERROR;
	}
	audit_close(fd);
	return rc;
}

struct query {
	struct kmw_risk_config risk;
	enum kmw_format format;
	struct kmw_buf out;
	unsigned long long matches;
};

static void on_event(struct kmw_event *ev, void *arg)
{
	struct query *q = arg;

	/* the past: risk from what the records say, nothing looked up */
	risk_assess(&q->risk, ev);
	buf_reset(&q->out);
	format_event(&q->out, q->format, ev);
	fwrite(q->out.data, 1, q->out.len, stdout);
	q->matches++;
}

static void on_bad_line(uint64_t lineno, const char *why, const char *line, size_t len, void *arg)
{
	fprintf(stderr, "kmodwatch: %s:%llu: %s, skipped\n", (const char *)arg,
		(unsigned long long)lineno, why);
}

/* Plain or gzip-compressed (rotated logs), told apart by zlib from the content. */
static int feed_file(struct kmw_lines *l, const char *path)
{
	static char buf[1 << 20];
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	gzFile gz;
	int n, err = 0;

	if (fd < 0) {
		fprintf(stderr, "kmodwatch: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		fprintf(stderr, "kmodwatch: cannot read %s: out of memory\n", path);
		return -1;
	}
	gzbuffer(gz, 1 << 18);
	l->bad_arg = (void *)path;
	l->stats.lines = 0;
	while ((n = gzread(gz, buf, sizeof(buf))) > 0)
		lines_push(l, buf, (size_t)n);
	if (n < 0) {
		const char *msg = gzerror(gz, &err);

		fprintf(stderr, "kmodwatch: reading %s: %s\n", path,
			err == Z_ERRNO ? strerror(errno) : msg);
	}
	/* a last line without newline belongs to this file, not the next */
	lines_push(l, "\n", 1);
	gzclose(gz);
	return n < 0 ? -1 : 0;
}

/*
 * audit.log.3 is older than audit.log.2, and audit.log is the newest: sort a
 * rotated set (".gz" or not) oldest first, whatever order the shell gave.
 */
static long rotation(const char *path, size_t *baselen)
{
	size_t len = strlen(path);
	const char *p;
	char *end;
	long n;

	if (len > 3 && !strcmp(path + len - 3, ".gz"))
		len -= 3;
	*baselen = len;
	for (p = path + len; p > path && p[-1] >= '0' && p[-1] <= '9'; p--)
		;
	if (p == path + len || p == path || p[-1] != '.')
		return 0;
	n = strtol(p, &end, 10);
	*baselen = (size_t)(p - 1 - path);
	return n;
}

static int by_rotation(const void *a, const void *b)
{
	const char *pa = *(const char *const *)a, *pb = *(const char *const *)b;
	size_t la, lb;
	long ra = rotation(pa, &la), rb = rotation(pb, &lb);
	int c = strncmp(pa, pb, la < lb ? la : lb);

	if (c || la != lb)
		return c ? c : (la < lb ? -1 : 1);
	return ra == rb ? 0 : (ra > rb ? -1 : 1);
}

static int cmd_query(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "audit-log", no_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct query q = { .format = KMW_FMT_JSON };
	struct kmw_parser *p;
	static struct kmw_lines lines;
	bool logs = false;
	int c, i, errors = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "F:", lopts, NULL)) != -1) {
		switch (c) {
		case 'l': logs = true; break;
		case 'F':
			if (format_parse_name(optarg, &q.format)) {
				fprintf(stderr, "kmodwatch: bad --format '%s': use json or text\n", optarg);
				return EXIT_ERROR;
			}
			break;
		default: usage(stderr); return EXIT_ERROR;
		}
	}
	if (!logs || optind >= argc) {
		fprintf(stderr, "kmodwatch: query needs --audit-log FILE... (the event store comes later)\n");
		return EXIT_ERROR;
	}
	buf_init(&q.out);
	risk_config_default(&q.risk);
	p = parse_new(on_event, &q, NULL);
	if (!p) {
		fprintf(stderr, "kmodwatch: out of memory\n");
		return EXIT_ERROR;
	}
	/* the past: names only from what the records say, never this host's users */
	parse_set_names(p, KMW_NAMES_RECORD);
	parse_set_historical(p, true);
	lines_init(&lines, p, true, on_bad_line, NULL);
	qsort(argv + optind, (size_t)(argc - optind), sizeof(char *), by_rotation);
	for (i = optind; i < argc; i++)
		if (feed_file(&lines, argv[i]))
			errors++;
	lines_finish(&lines);
	if (lines.stats.bad_lines)
		fprintf(stderr, "kmodwatch: %llu bad line(s) skipped\n",
			(unsigned long long)lines.stats.bad_lines);
	parse_free(p);
	buf_free(&q.out);
	if (errors)
		return EXIT_ERROR;
	return q.matches ? EXIT_MATCH : EXIT_NOMATCH;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("kmodwatch %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "status"))
		return cmd_status();
	if (!strcmp(argv[1], "rules"))
		return cmd_rules(argc - 1, argv + 1);
	if (!strcmp(argv[1], "query"))
		return cmd_query(argc - 1, argv + 1);
	fprintf(stderr, "kmodwatch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_ERROR;
}
