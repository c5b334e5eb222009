/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_state.h - the running daemon's state file: what it reads from, where it writes, and
 * every count of what it took in, lost and delivered. kmodwatchd writes it, `kmodwatch
 * status` reads it; one table of keys serves both. */
#ifndef KMW_STATE_H
#define KMW_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define KMW_STATE_DIR "/run/kmodwatch"
#define KMW_STATE_FILE KMW_STATE_DIR "/kmodwatchd.state"    /* the daemon's */
#define KMW_PLUGIN_STATE_FILE KMW_STATE_DIR "/plugin.state" /* auditd's plugin's */
#define KMW_STATE_SINKS 8

struct kmw_state_sink {
	char name[128];
	uint64_t delivered, failures, waiting, dropped;
};

#define KMW_STATE_MESSAGES 8
#define KMW_STATE_MESSAGE_LEN 240

struct kmw_state {
	int64_t pid, started, updated, rules_added;
	char source[16], output[1024], format[8], store[1024], rules_key[260];
	uint64_t records, events, enobufs, output_failures, stored, store_failures, recovered;
	uint64_t kernel_lost, serial_gaps, late_records, records_too_long;
	uint64_t queue_dropped_records, queue_dropped_calls, queue_peak_bytes, queue_limit_bytes;
	uint64_t enrichment_gave_up, rules_removed_by_others, socket_dropped_records, gap_backfills;
	/* the module calls read, and where each went: one event, a summary, or dropped */
	uint64_t module_calls, protected_calls, unreadable_calls, calls_one_by_one,
		calls_summarised;
	uint64_t summaries, noise_records_dropped;
	uint64_t backlog_max, backlog_limit, backlog_wait_time_ms;
	/* the module checks: how many, the modules at the last, the longest, the alerts */
	uint64_t module_checks, modules_loaded, module_check_max_us, alerts, audit_disabled;
	/* records and calls lost (kernel, serial, socket, queue, store, outputs) in the last 60 s */
	uint64_t losses_last_minute;
	/* acts that blinded audit (rules removed or out-ranked, audit disabled, the audit pid) */
	uint64_t tamper_alerts;
	/* the kernel's protections of module loading (kmw_posture.h): 1, 0, -1 unknown */
	int64_t lockdown, sig_enforce, modules_disabled, ima_modules;
	/* this boot's first start of kmodwatchd (ms), and the modules loaded before the store's
	 * first record of this boot whose load time could not be read (a store deleted) */
	int64_t boot_first_start_ms;
	uint64_t store_history_lost, modules_unchecked;
	/* why the module files cannot be reached by path here (a sandbox), or "" */
	char module_dir[320];
	/* the loaders' facts read by the reader as their records came, later, and the
	 * record-to-capture latency then (p50, p99, microseconds; -1 none yet) */
	uint64_t captures_early, captures_late;
	int64_t capture_p50_us, capture_p99_us;
	/* the configuration: its generation (1 at start, one more each reload taken), when the
	 * running one was read, and the keys changed in the file that wait for a restart */
	uint64_t config_generation;
	int64_t config_loaded;
	char config_pending[512];
	int nsinks;
	struct kmw_state_sink sink[KMW_STATE_SINKS];
	/* its last messages of notice and above, oldest first ("2026-12-04T11:20:03Z warning:
	 * ..."): a place that is always there, where a plugin has no syslog to read */
	int nmessages;
	char message[KMW_STATE_MESSAGES][KMW_STATE_MESSAGE_LEN];
};

/**
 * state_write - write @st to @path, atomically (a new file renamed over the old),
 * creating its directory. Returns 0 or -errno.
 */
int state_write(const char *path, const struct kmw_state *st);

/**
 * state_read - read @path into @st (zeroed first). Keys it does not know are
 * skipped, so an older reader takes a newer file. Returns 0 or -errno.
 */
int state_read(const char *path, struct kmw_state *st);

/**
 * state_metrics - the counters of @st in Prometheus's text format (the node exporter's
 * textfile collector), labelled mode=@mode, written to @path atomically, mode 0644.
 * Returns 0 or -errno.
 */
int state_metrics(const char *path, const struct kmw_state *st, const char *mode);

#define KMW_METRICS_DIR "/var/lib/prometheus/node-exporter" /* Debian's textfile directory */

struct kmw_json;

/**
 * state_json - every key of @st as a member of the object open in @w.
 */
void state_json(struct kmw_json *w, const struct kmw_state *st);

/**
 * proc_is - whether process @pid runs and its comm is @comm.
 */
bool proc_is(long long pid, const char *comm);

/**
 * proc_find - the pid of a process whose comm is @comm, or 0 when none runs.
 */
long long proc_find(const char *comm);

/**
 * state_alive - whether the process @st names runs, and is a kmodwatchd.
 */
bool state_alive(const struct kmw_state *st);

/**
 * state_print - @st as "key=value" lines, each after @indent, into @f; "pid" left
 * out when @with_pid is false.
 */
void state_print(FILE *f, const struct kmw_state *st, const char *indent, bool with_pid);

#endif
