/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_store.h - the event store: SQLite in WAL mode, versioned schema, one row per event */
#ifndef KMW_STORE_H
#define KMW_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmw_event.h"
#include "kmw_filter.h"
#include "kmw_inventory.h"
#include "kmw_row.h"

#define KMW_STORE_DEFAULT "/var/lib/kmodwatch/events.db"
#define KMW_STORE_VERSION 5

struct kmw_store_info {
	uint64_t events;
	int64_t first_ms, last_ms; /* 0 when empty */
	uint64_t bytes;		   /* database and WAL */
	int version;
};

struct kmw_store;

/**
 * store_open - open (creating when @create: mode 0640, WAL, newest schema) or
 * migrate forward the store at @path. Read-only when !@create. Returns NULL
 * with a message in @err.
 */
struct kmw_store *store_open(const char *path, bool create, char *err, size_t errlen);

/**
 * store_close - close @s.
 */
void store_close(struct kmw_store *s);

/**
 * store_insert - store @ev (formatted as @json) in its own transaction. The
 * event is unique by (@boot_id, serial, time): a replay changes nothing.
 * Returns 1 when stored, 0 when it was there already, or -errno (-ENOSPC,
 * -EROFS, -EIO) with the reason in store_error().
 */
int store_insert(struct kmw_store *s, const struct kmw_event *ev, const char *boot_id,
		 const char *json, size_t len);

/**
 * store_defer_checkpoints - from now on, copy the write-ahead log into the
 * store only in store_checkpoint, not within the commit that fills it: a
 * writer that must answer fast commits, answers, then checkpoints.
 */
void store_defer_checkpoints(struct kmw_store *s);

/* When a checkpoint is asked for: how long the write-ahead log may grow first. */
enum kmw_checkpoint {
	KMW_CKPT_QUIET, /* events come one at a time: short pauses, often (250 pages) */
	KMW_CKPT_BUSY,	/* events wait behind this one: fewer fsyncs (4000 pages) */
	KMW_CKPT_IDLE,	/* nothing waits: whatever the log holds */
};

/**
 * store_checkpoint - copy the write-ahead log into the store once it has
 * grown past the threshold of @when. Returns 0 or -errno.
 */
int store_checkpoint(struct kmw_store *s, enum kmw_checkpoint when);

/**
 * store_begin - start a transaction that store_commit ends: the inserts
 * between them are written together (group commit), each still atomic by
 * itself. Returns 0 or -errno.
 */
int store_begin(struct kmw_store *s);

/**
 * store_commit - commit what store_begin started. Returns 0, or -errno with
 * the reason in store_error(): then none of it was stored.
 */
int store_commit(struct kmw_store *s);

/**
 * store_in_transaction - whether a transaction is open (an error may have ended it).
 */
bool store_in_transaction(struct kmw_store *s);

/**
 * store_newest - time of the newest stored event. Returns 0, or -ENOENT when empty.
 */
int store_newest(struct kmw_store *s, int64_t *ms);

/**
 * store_snapshot_note - the modules loaded now (@inv), as kmodwatchd found them at start
 * in boot @boot_id; a module already noted this boot keeps its first note. Returns 1 when
 * this is the boot's first snapshot, 0 when not, or -errno.
 */
int store_snapshot_note(struct kmw_store *s, const char *boot_id, int64_t time_ms,
			const struct kmw_inventory *inv);

/**
 * store_snapshot_first - @cb for every module of boot @boot_id's first snapshot: the
 * modules loaded before monitoring began. Returns 1 when the boot has a snapshot, 0 when
 * it has none, or -errno.
 */
int store_snapshot_first(struct kmw_store *s, const char *boot_id,
			 void (*cb)(const char *name, int64_t time_ms, void *arg), void *arg);

/**
 * store_module_history - @cb for every stored successful load and unload of boot @boot_id
 * (which started at @since_ms), and every alert, oldest first (time, syscall, module, exe,
 * user, uid, path, sha256, kind, errno: an alert's code; JSON; and the serial). Returns 0
 * or -errno.
 */
int store_module_history(struct kmw_store *s, const char *boot_id, int64_t since_ms,
			 void (*cb)(const struct kmw_row *row, uint64_t serial, void *arg),
			 void *arg);

/**
 * store_ima_seen - how many stored events the kernel attested through IMA, and
 * the newest one's time (0 when none). Returns 0 or -errno.
 */
int store_ima_seen(struct kmw_store *s, int64_t *n, int64_t *last_ms);

/**
 * store_gap_note - the capture lost @lost events between @start_ms and
 * @end_ms; kept until store_gap_close, so that a restart backfills from
 * there. Returns 0 or -EIO.
 */
int store_gap_note(struct kmw_store *s, int64_t start_ms, int64_t end_ms, uint64_t lost);

/**
 * store_gap_oldest - where the oldest gap not yet backfilled starts.
 * Returns 0, or -ENOENT when there is none.
 */
int store_gap_oldest(struct kmw_store *s, int64_t *start_ms);

/**
 * store_gaps_open - how many gaps wait for a backfill. Returns 0 or -errno.
 */
int store_gaps_open(struct kmw_store *s, int64_t *n);

/**
 * store_gap_close - a backfill covered every gap that ended by @upto_ms.
 * Returns 0 or -EIO.
 */
int store_gap_close(struct kmw_store *s, int64_t upto_ms);

/**
 * store_retention - delete up to @batch of the oldest events that are older
 * than @before_ms (0: no age limit) or that make the store pass @max_bytes
 * (0: no size limit). Returns the rows deleted, or -errno.
 */
int store_retention(struct kmw_store *s, int64_t before_ms, uint64_t max_bytes, unsigned int batch);

/**
 * store_query - every stored event that passes @f, oldest first, to @cb; or
 * with @count_only just their number in @count. Returns 0 or -errno.
 */
int store_query(struct kmw_store *s, const struct kmw_filter *f, bool count_only,
		void (*cb)(const struct kmw_row *row, void *arg), void *arg, uint64_t *count);

/**
 * store_info - size and range of the store. Returns 0 or -errno.
 */
int store_info(struct kmw_store *s, const char *path, struct kmw_store_info *out);

/**
 * store_error - the last SQLite message of @s.
 */
const char *store_error(struct kmw_store *s);

/**
 * store_row_from_event - the row of @ev, whose JSON is @json; strings point
 * into @ev and @scratch (at least 512 bytes), valid while both are.
 */
void store_row_from_event(const struct kmw_event *ev, const char *json, size_t len,
			  struct kmw_row *row, char *scratch, size_t scratchlen);

/**
 * store_note_boot - remember that boot @boot_id started at @start_ms.
 * Returns 0 or -errno.
 */
int store_note_boot(struct kmw_store *s, const char *boot_id, int64_t start_ms);

/**
 * store_boot_for - the id of the boot an event at @time_ms belongs to (the
 * last one noted to start before it), or "unknown".
 */
void store_boot_for(struct kmw_store *s, int64_t time_ms, char *out, size_t len);

/**
 * store_boot_id - this boot's id (/proc/sys/kernel/random/boot_id) into @out (37 bytes).
 */
void store_boot_id(char *out, size_t len);

#endif
