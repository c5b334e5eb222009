// SPDX-License-Identifier: GPL-2.0-or-later
/* state.c - the daemon's state file, written by kmodwatchd and read by kmodwatch status */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmw_json.h"
#include "kmw_state.h"

enum kind { K_I64, K_U64, K_STR };

#define I64(n)                                              \
	{                                                   \
#n, K_I64, offsetof(struct kmw_state, n), 0 \
	}
#define U64(n)                                              \
	{                                                   \
#n, K_U64, offsetof(struct kmw_state, n), 0 \
	}
#define STR(n)                                                                               \
	{                                                                                    \
#n, K_STR, offsetof(struct kmw_state, n), sizeof(((struct kmw_state *)0)->n) \
	}

/* the keys, in the order they are written */
static const struct key {
	const char *name;
	enum kind kind;
	size_t off, size;
} keys[] = {
	I64(pid),
	STR(source),
	STR(output),
	STR(format),
	I64(started),
	I64(updated),
	I64(rules_added),
	STR(rules_key),
	U64(records),
	U64(events),
	U64(enobufs),
	U64(output_failures),
	STR(store),
	U64(stored),
	U64(store_failures),
	U64(recovered),
	U64(kernel_lost),
	U64(serial_gaps),
	U64(late_records),
	U64(records_too_long),
	U64(queue_dropped_records),
	U64(queue_dropped_calls),
	U64(queue_peak_bytes),
	U64(queue_limit_bytes),
	U64(enrichment_gave_up),
	U64(rules_removed_by_others),
	U64(socket_dropped_records),
	U64(gap_backfills),
	U64(module_calls),
	U64(protected_calls),
	U64(unreadable_calls),
	U64(calls_one_by_one),
	U64(calls_summarised),
	U64(summaries),
	U64(noise_records_dropped),
	U64(backlog_max),
	U64(backlog_limit),
	U64(backlog_wait_time_ms),
	U64(module_checks),
	U64(modules_loaded),
	U64(module_check_max_us),
	U64(alerts),
	U64(audit_disabled),
	U64(losses_last_minute),
	U64(tamper_alerts),
	I64(lockdown),
	I64(sig_enforce),
	I64(modules_disabled),
	I64(ima_modules),
	I64(boot_first_start_ms),
	U64(store_history_lost),
	U64(modules_unchecked),
	STR(module_dir),
	U64(captures_early),
	U64(captures_late),
	I64(capture_p50_us),
	I64(capture_p99_us),
	U64(config_generation),
	I64(config_loaded),
	STR(config_pending),
};

static void print_key(FILE *f, const struct kmw_state *st, const struct key *k)
{
	const char *p = (const char *)st + k->off;

	if (k->kind == K_I64)
		fprintf(f, "%s=%" PRId64 "\n", k->name, *(const int64_t *)(const void *)p);
	else if (k->kind == K_U64)
		fprintf(f, "%s=%" PRIu64 "\n", k->name, *(const uint64_t *)(const void *)p);
	else
		fprintf(f, "%s=%s\n", k->name, p);
}

void state_print(FILE *f, const struct kmw_state *st, const char *indent, bool with_pid)
{
	size_t i;
	int j;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!with_pid && !strcmp(keys[i].name, "pid"))
			continue;
		fputs(indent, f);
		print_key(f, st, &keys[i]);
	}
	for (j = 0; j < st->nsinks && j < KMW_STATE_SINKS; j++)
		fprintf(f,
			"%ssink=%s delivered=%" PRIu64 " failures=%" PRIu64 " waiting=%" PRIu64
			" dropped=%" PRIu64 "\n",
			indent, st->sink[j].name, st->sink[j].delivered, st->sink[j].failures,
			st->sink[j].waiting, st->sink[j].dropped);
	for (j = 0; j < st->nmessages && j < KMW_STATE_MESSAGES; j++)
		fprintf(f, "%smessage=%s\n", indent, st->message[j]);
}

/* Write @path atomically with mode @mode: @print fills a new file, renamed over the old. */
static int write_atomic(const char *path, mode_t mode, const struct kmw_state *st,
			const char *label,
			void (*print)(FILE *, const struct kmw_state *, const char *))
{
	char tmp[4096], dir[4096], *slash;
	FILE *f;
	int fd, err;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fchmod(fd, mode) == 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		err = errno;
		close(fd);
		unlink(tmp);
		return -err;
	}
	print(f, st, label);
	if (fclose(f) == 0 && rename(tmp, path) == 0)
		return 0;
	err = errno;
	unlink(tmp);
	return -err;
}

static void print_state(FILE *f, const struct kmw_state *st, const char *label)
{
	(void)label;
	state_print(f, st, "", true);
}

int state_write(const char *path, const struct kmw_state *st)
{
	return write_atomic(path, 0600, st, NULL, print_state);
}

/* the counters and gauges for Prometheus: name, help, type, field */
static const struct metric {
	const char *name, *help;
	bool counter;
	size_t off;
} metrics[] = {
#define C(n, f, h)                                                     \
	{                                                              \
		"kmodwatch_" n, h, true, offsetof(struct kmw_state, f) \
	}
#define G(n, f, h)                                                      \
	{                                                               \
		"kmodwatch_" n, h, false, offsetof(struct kmw_state, f) \
	}
	C("records_total", records, "Audit records read."),
	C("events_total", events, "Module events emitted, one per system call."),
	C("module_calls_total", module_calls, "Module system calls read."),
	C("calls_summarised_total", calls_summarised,
	  "Failed unprivileged calls counted in summaries."),
	C("summaries_total", summaries, "Summary lines emitted."),
	C("alerts_total", alerts, "Alerts emitted (hidden modules, unaudited loads)."),
	C("events_stored_total", stored, "Events written to the store."),
	C("store_failures_total", store_failures, "Events the store failed to take."),
	C("kernel_lost_total", kernel_lost, "Records the kernel lost (audit 'lost') since start."),
	C("serial_gaps_total", serial_gaps, "Events lost by serial: serials never seen."),
	C("socket_dropped_records_total", socket_dropped_records,
	  "Records lost to netlink ENOBUFS."),
	C("queue_dropped_records_total", queue_dropped_records, "Records dropped by a full queue."),
	C("queue_dropped_calls_total", queue_dropped_calls,
	  "Module calls dropped by a full queue."),
	C("output_failures_total", output_failures, "Events an output did not deliver."),
	C("gap_backfills_total", gap_backfills, "Events recovered from auditd's log."),
	C("module_checks_total", module_checks, "Checks of the loaded modules against audit."),
	C("rules_removed_by_others_total", rules_removed_by_others,
	  "Times kmodwatch's rules were deleted."),
	G("losses_last_minute", losses_last_minute,
	  "Records, calls and events lost in the last 60 s."),
	G("backlog_max", backlog_max, "The audit backlog's high-water mark."),
	G("backlog_limit", backlog_limit, "The audit backlog limit."),
	G("queue_peak_bytes", queue_peak_bytes, "The queue's high-water mark in bytes."),
	G("queue_limit_bytes", queue_limit_bytes, "The queue's limit in bytes."),
	G("modules_loaded", modules_loaded, "Modules loaded at the last check."),
	G("audit_disabled", audit_disabled, "1 while audit is disabled."),
#undef C
#undef G
};

/* a label value: backslash, double quote and newline escaped */
static void label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void print_metrics(FILE *f, const struct kmw_state *st, const char *mode)
{
	size_t i;
	int j;

	for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
		const struct metric *m = &metrics[i];

		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s{mode=\"%s\"} %" PRIu64 "\n", m->name,
			m->help, m->name, m->counter ? "counter" : "gauge", m->name, mode,
			*(const uint64_t *)(const void *)((const char *)st + m->off));
	}
	fputs("# HELP kmodwatch_start_time_seconds When this kmodwatchd started.\n"
	      "# TYPE kmodwatch_start_time_seconds gauge\n",
	      f);
	fprintf(f, "kmodwatch_start_time_seconds{mode=\"%s\"} %" PRId64 "\n", mode, st->started);
	static const struct {
		const char *name, *help;
		size_t off;
	} sink[] = {
		{ "output_delivered_total", "Events an output delivered.",
		  offsetof(struct kmw_state_sink, delivered) },
		{ "output_failed_total", "Failed deliveries of an output (retried).",
		  offsetof(struct kmw_state_sink, failures) },
		{ "output_dropped_total", "Events an output dropped.",
		  offsetof(struct kmw_state_sink, dropped) },
		{ "output_waiting", "Events waiting for an output.",
		  offsetof(struct kmw_state_sink, waiting) },
	};
	for (i = 0; i < sizeof(sink) / sizeof(sink[0]); i++) {
		fprintf(f, "# HELP kmodwatch_%s %s\n# TYPE kmodwatch_%s %s\n", sink[i].name,
			sink[i].help, sink[i].name,
			strstr(sink[i].name, "_total") ? "counter" : "gauge");
		for (j = 0; j < st->nsinks && j < KMW_STATE_SINKS; j++) {
			fprintf(f, "kmodwatch_%s{mode=\"%s\",output=\"", sink[i].name, mode);
			label_value(f, st->sink[j].name);
			fprintf(f, "\"} %" PRIu64 "\n",
				*(const uint64_t *)(const void *)((const char *)&st->sink[j] +
								  sink[i].off));
		}
	}
}

int state_metrics(const char *path, const struct kmw_state *st, const char *mode)
{
	/* the node exporter runs as its own user: the file is world-readable, as counters are */
	return write_atomic(path, 0644, st, mode, print_metrics);
}

/* "sink=NAME delivered=N failures=N waiting=N dropped=N" */
static void read_sink(struct kmw_state *st, char *v)
{
	struct kmw_state_sink *s;
	char *sp;

	if (st->nsinks == KMW_STATE_SINKS)
		return;
	s = &st->sink[st->nsinks++];
	sp = strchr(v, ' ');
	if (sp)
		*sp++ = '\0';
	snprintf(s->name, sizeof(s->name), "%s", v);
	while (sp && *sp) {
		char *eq = strchr(sp, '='), *next = strchr(sp, ' ');
		uint64_t n;

		if (next)
			*next++ = '\0';
		if (eq) {
			*eq = '\0';
			n = strtoull(eq + 1, NULL, 10);
			if (!strcmp(sp, "delivered"))
				s->delivered = n;
			else if (!strcmp(sp, "failures"))
				s->failures = n;
			else if (!strcmp(sp, "waiting"))
				s->waiting = n;
			else if (!strcmp(sp, "dropped"))
				s->dropped = n;
		}
		sp = next;
	}
}

int state_read(const char *path, struct kmw_state *st)
{
	char line[4200], *eq;
	size_t i;
	FILE *f = fopen(path, "re");

	memset(st, 0, sizeof(*st));
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(line, "sink")) {
			read_sink(st, eq);
			continue;
		}
		if (!strcmp(line, "message")) {
			if (st->nmessages < KMW_STATE_MESSAGES)
				snprintf(st->message[st->nmessages++], KMW_STATE_MESSAGE_LEN, "%s",
					 eq);
			continue;
		}
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			char *p = (char *)st + keys[i].off;

			if (strcmp(line, keys[i].name))
				continue;
			if (keys[i].kind == K_I64)
				*(int64_t *)(void *)p = strtoll(eq, NULL, 10);
			else if (keys[i].kind == K_U64)
				*(uint64_t *)(void *)p = strtoull(eq, NULL, 10);
			else
				snprintf(p, keys[i].size, "%s", eq);
			break;
		}
	}
	fclose(f);
	return 0;
}

void state_json(struct kmw_json *w, const struct kmw_state *st)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *p = (const char *)st + keys[i].off;

		if (keys[i].kind == K_I64)
			json_int(w, keys[i].name, *(const int64_t *)(const void *)p);
		else if (keys[i].kind == K_U64)
			json_uint(w, keys[i].name, *(const uint64_t *)(const void *)p);
		else
			json_cstr(w, keys[i].name, p);
	}
}

bool proc_is(long long pid, const char *comm)
{
	char path[64], line[32];
	size_t n = strlen(comm);
	bool is;
	FILE *f;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%lld/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	is = fgets(line, sizeof(line), f) && !strncmp(line, comm, n) && !strcmp(line + n, "\n");
	fclose(f);
	return is;
}

long long proc_find(const char *comm)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	long long pid = 0;

	while (dir && !pid && (de = readdir(dir)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9' &&
		    proc_is(atoll(de->d_name), comm))
			pid = atoll(de->d_name);
	if (dir)
		closedir(dir);
	return pid;
}

bool state_alive(const struct kmw_state *st)
{
	/* a pid given to another program since is no kmodwatchd */
	return proc_is(st->pid, "kmodwatchd");
}
