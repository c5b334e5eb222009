// SPDX-License-Identifier: GPL-2.0-or-later
/* store.c - the SQLite event store: schema and migrations, insert with dedup, retention, queries */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "kmw_decode.h"
#include "kmw_enrich.h"
#include "kmw_risk.h"
#include "kmw_store.h"

struct kmw_store {
	sqlite3 *db;
	sqlite3_stmt *ins;
	sqlite3_stmt *ins_flag;
	int wal_pages; /* pages in the write-ahead log after the last commit */
	bool deferred; /* checkpoints wait for store_checkpoint */
	char err[256];
};

/* SQLite's own threshold for an automatic checkpoint, in pages */
#define CHECKPOINT_PAGES 1000

/*
 * Version 1 was the first layout: the columns the first filters needed.
 * Version 2 adds what every filter of `kmodwatch query` uses, and its indexes;
 * version 3 an index for the hash of decompressed images; version 4 indexes
 * --syscall and puts each flag of an event in a table of its own, for --flag,
 * and keeps the capture's gaps; version 5 says what kind of line a row is
 * (syscall, summary, alert) and how many calls it stands for; version 6 keeps the
 * modules loaded when kmodwatchd started, each boot (module_snapshots).
 * Each step moves a store one version forward; a fresh store runs them all.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" boot_id TEXT NOT NULL,"
	" serial INTEGER NOT NULL,"
	" time_ms INTEGER NOT NULL,"
	" syscall TEXT NOT NULL,"
	" success INTEGER NOT NULL,"
	" errno TEXT,"
	" module TEXT,"
	" exe TEXT,"
	" uid INTEGER,"
	" auid INTEGER,"
	" json TEXT NOT NULL,"
	" UNIQUE (boot_id, serial, time_ms));"
	"CREATE INDEX events_time ON events (time_ms);",
	/* 1 -> 2: the columns below are filled from the stored JSON */
	"ALTER TABLE events ADD COLUMN arch TEXT;"
	"ALTER TABLE events ADD COLUMN path TEXT;"
	"ALTER TABLE events ADD COLUMN sha256 TEXT;"
	"ALTER TABLE events ADD COLUMN image_sha256 TEXT;"
	"ALTER TABLE events ADD COLUMN comm TEXT;"
	"ALTER TABLE events ADD COLUMN pid INTEGER;"
	"ALTER TABLE events ADD COLUMN user TEXT;"
	"ALTER TABLE events ADD COLUMN key TEXT;"
	"ALTER TABLE events ADD COLUMN keys TEXT;"
	"ALTER TABLE events ADD COLUMN exit INTEGER;"
	"ALTER TABLE events ADD COLUMN flags INTEGER;"
	"ALTER TABLE events ADD COLUMN flag_names TEXT;"
	"ALTER TABLE events ADD COLUMN risk INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE events ADD COLUMN historical INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE events ADD COLUMN node TEXT;"
	"UPDATE events SET"
	" arch = json_extract(json, '$.syscall.arch'),"
	" path = coalesce(json_extract(json, '$.module.path'), json_extract(json, '$.module.file_path')),"
	" sha256 = json_extract(json, '$.module.hash.sha256'),"
	" image_sha256 = json_extract(json, '$.module.hash.image_sha256'),"
	" comm = json_extract(json, '$.process.comm'),"
	" pid = json_extract(json, '$.process.pid'),"
	" user = json_extract(json, '$.process.user'),"
	" key = json_extract(json, '$.audit.key'),"
	" keys = '|' || coalesce((SELECT group_concat(value, '|') FROM json_each(events.json, '$.audit.keys')), '') || '|',"
	" exit = json_extract(json, '$.syscall.exit'),"
	" flags = json_extract(json, '$.args.flags'),"
	" flag_names = '|' || coalesce((SELECT group_concat(value, '|') FROM json_each(events.json, '$.args.flag_names')), '') || '|',"
	" risk = CASE json_extract(json, '$.risk.level') WHEN 'low' THEN 1 WHEN 'medium' THEN 2"
	"        WHEN 'high' THEN 3 ELSE 0 END,"
	" historical = coalesce(json_extract(json, '$.historical'), 0),"
	" node = json_extract(json, '$.audit.node');"
	"CREATE INDEX events_module ON events (module, time_ms);"
	"CREATE INDEX events_sha256 ON events (sha256);"
	"CREATE INDEX events_exe ON events (exe, time_ms);"
	"CREATE INDEX events_uid ON events (uid, time_ms);"
	"CREATE INDEX events_auid ON events (auid, time_ms);"
	"CREATE INDEX events_result ON events (success, errno, time_ms);"
	/* which boot an event belongs to: the one that started last before it */
	"CREATE TABLE boots (boot_id TEXT PRIMARY KEY, start_ms INTEGER NOT NULL);"
	"CREATE INDEX boots_start ON boots (start_ms);",
	/* 2 -> 3: --sha256 also looks at the decompressed image's hash */
	"CREATE INDEX events_image_sha256 ON events (image_sha256);",
	/* 3 -> 4: --syscall and --flag by index (they scanned every event) */
	"CREATE INDEX events_syscall ON events (syscall, time_ms);"
	"CREATE TABLE event_flags ("
	" flag TEXT NOT NULL,"
	" time_ms INTEGER NOT NULL,"
	" event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,"
	" PRIMARY KEY (flag, time_ms, event_id)) WITHOUT ROWID;"
	"CREATE INDEX event_flags_event ON event_flags (event_id);"
	"INSERT INTO event_flags SELECT value, events.time_ms, events.id"
	" FROM events, json_each(events.json, '$.args.flag_names');"
	/* and the times when the capture lost records, until a backfill covers them */
	"CREATE TABLE gaps (start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,"
	" lost INTEGER NOT NULL);",
	/* 4 -> 5: what a row is (a syscall, a summary of many) and how many calls it stands for */
	"ALTER TABLE events ADD COLUMN kind TEXT NOT NULL DEFAULT 'syscall';"
	"ALTER TABLE events ADD COLUMN calls INTEGER NOT NULL DEFAULT 1;"
	/* few rows are not syscalls: only they are indexed, and a syscall's insert pays nothing */
	"CREATE INDEX events_kind ON events (kind, time_ms) WHERE kind != 'syscall';"
	/*
	 * and an index holds only the rows that have its value: a failed call has no module
	 * name and no hash, an uncompressed file no image hash, and a flood of failures then
	 * costs those indexes nothing (a filter on the column implies it is not null)
	 */
	"DROP INDEX events_module;"
	"CREATE INDEX events_module ON events (module, time_ms) WHERE module IS NOT NULL;"
	"DROP INDEX events_sha256;"
	"CREATE INDEX events_sha256 ON events (sha256) WHERE sha256 IS NOT NULL;"
	"DROP INDEX events_image_sha256;"
	"CREATE INDEX events_image_sha256 ON events (image_sha256) WHERE image_sha256 IS NOT NULL;"
	/* the kernel's own hash of the bytes it read (IMA), ALGO:HEX, for --sha256 too */
	"ALTER TABLE events ADD COLUMN ima_hash TEXT;"
	"CREATE INDEX events_ima_hash ON events (ima_hash) WHERE ima_hash IS NOT NULL;",
	/* 5 -> 6: the modules loaded when kmodwatchd started, each boot: the baseline of what
	 * came later */
	"CREATE TABLE module_snapshots (boot_id TEXT NOT NULL, name TEXT NOT NULL,"
	" time_ms INTEGER NOT NULL, in_proc INTEGER NOT NULL, in_sysfs INTEGER NOT NULL,"
	" size INTEGER, taint TEXT, srcversion TEXT, PRIMARY KEY (boot_id, name)) WITHOUT ROWID;",
};
#define N_MIGRATIONS (int)(sizeof(migrations) / sizeof(migrations[0]))

static const char insert_sql[] =
	"INSERT OR IGNORE INTO events (boot_id, serial, time_ms, syscall, success, errno, module, exe,"
	" uid, auid, json, arch, path, sha256, image_sha256, comm, pid, user, key, keys, exit, flags,"
	" flag_names, risk, historical, node, kind, calls, ima_hash) VALUES"
	" (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
	" ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)";

/* one row per flag name of the event just inserted */
static const char insert_flag_sql[] =
	"INSERT OR IGNORE INTO event_flags (flag, time_ms, event_id) VALUES (?1, ?2, ?3)";

static void set_err(struct kmw_store *s, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", what, s->db ? sqlite3_errmsg(s->db) : "?");
}

static int errno_of_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL: return -ENOSPC;
	case SQLITE_READONLY: return -EROFS;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return -EBUSY;
	case SQLITE_CANTOPEN: return -ENOENT;
	case SQLITE_PERM:
	case SQLITE_AUTH: return -EACCES;
	default: return -EIO;
	}
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int migrate(struct kmw_store *s)
{
	char sql[64];
	int v = user_version(s->db), rc;

	if (v < 0) {
		set_err(s, "reading the schema version");
		return -1;
	}
	if (v > N_MIGRATIONS) {
		snprintf(s->err, sizeof(s->err),
			 "the store has schema version %d, newer than this "
			 "kmodwatch (%d)",
			 v, N_MIGRATIONS);
		return -1;
	}
	for (; v < N_MIGRATIONS; v++) {
		/* each step and its version number commit together, or not at all */
		rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL);
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			set_err(s, "migrating the schema");
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return 0;
}

/* After each commit: what sqlite3_wal_autocheckpoint does, unless deferred. */
static int note_wal(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct kmw_store *s = arg;

	(void)name;
	s->wal_pages = pages;
	if (!s->deferred && pages >= CHECKPOINT_PAGES)
		sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

static int make_parent(const char *path)
{
	char dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

struct kmw_store *store_open(const char *path, bool create, char *err, size_t errlen)
{
	struct kmw_store *s = calloc(1, sizeof(*s));
	int fd, rc,
		flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READWRITE;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (create) {
		if (make_parent(path) < 0) {
			snprintf(err, errlen, "cannot create the directory of %s: %s", path,
				 strerror(errno));
			goto out_free;
		}
		/* created here so that its mode is 0640 whatever the umask; WAL files follow it */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (fd < 0) {
			snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
			goto out_free;
		}
		close(fd);
	} else if (access(path, F_OK) || access(path, R_OK)) {
		/* a store there but not readable is not "no store" */
		if (errno == ENOENT)
			snprintf(err, errlen, "no store at %s (kmodwatchd creates it)", path);
		else
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		goto out_free;
	}
	rc = sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		set_err(s, "opening");
		snprintf(err, errlen, "%s: %s", path, s->err);
		goto out_close;
	}
	sqlite3_busy_timeout(s->db, 2000);
	if (sqlite3_exec(s->db,
			 "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
			 /* inserts append: a small page cache serves them (the default 2 MB
			  * would be most of a daemon's memory) */
			 "PRAGMA foreign_keys = ON; PRAGMA cache_size = -512",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    migrate(s)) {
		if (!s->err[0])
			set_err(s, "setting up");
		snprintf(err, errlen, "%s: %s", path, s->err);
		goto out_close;
	}
	/* the same checkpoints as SQLite's default, but through note_wal, to be deferrable */
	sqlite3_wal_hook(s->db, note_wal, s);
	if (sqlite3_prepare_v2(s->db, insert_sql, -1, &s->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, insert_flag_sql, -1, &s->ins_flag, NULL) != SQLITE_OK) {
		set_err(s, "preparing");
		snprintf(err, errlen, "%s: %s", path, s->err);
		goto out_close;
	}
	return s;

out_close:
	sqlite3_close(s->db);
out_free:
	free(s);
	return NULL;
}

void store_close(struct kmw_store *s)
{
	if (!s)
		return;

	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->ins_flag);
	sqlite3_close(s->db);
	free(s);
}

const char *store_error(struct kmw_store *s)
{
	return s->err;
}

void store_boot_id(char *out, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	out[0] = '\0';
	if (f) {
		if (fgets(out, (int)len, f))
			out[strcspn(out, "\n")] = '\0';
		fclose(f);
	}
}

/* Copy a kmw_str into @scratch as a C string; NULL when unset. */
static const char *scr(const struct kmw_event *ev, const struct kmw_str *str, char **p, char *end)
{
	const char *r = *p;
	size_t n = str->len;

	if (!str->set || *p >= end)
		return NULL;
	if (n > (size_t)(end - *p) - 1)
		n = (size_t)(end - *p) - 1;
	memcpy(*p, event_str(ev, str), n);
	(*p)[n] = '\0';
	*p += n + 1;
	return r;
}

void store_row_from_event(const struct kmw_event *ev, const char *json, size_t len,
			  struct kmw_row *row, char *scratch, size_t scratchlen)
{
	char *p = scratch, *end = scratch + scratchlen;
	const char *names[8];
	unsigned int n = 0, i;
	uint64_t unknown;
	int arg = decode_flags_arg(ev->sc);
	int err = event_errno(ev);
	const struct kmw_str *mpath;
	const char *psrc;

	memset(row, 0, sizeof(*row));
	row->time_ms = ev->sec * 1000 + ev->msec;
	/* the column is never null: a summary of a full table may count several syscalls, and
	 * an alert is of no syscall */
	row->syscall = ev->kind == KMW_KIND_ALERT ? "none" : ev->no_syscall ? "unknown" :
		       decode_syscall_name(ev->sc) ?: "several";
	row->arch = decode_arch_name(ev->arch);
	row->success = ev->success;
	row->exit = ev->exit;
	row->errno_name = err ? decode_errno_name(err) : NULL;
	if (ev->kind == KMW_KIND_ALERT)
		row->errno_name = risk_reason_code((enum kmw_risk_reason)ev->alert.code);
	row->module = scr(ev, &ev->mod_name, &p, end);
	mpath = event_module_path(ev, &psrc);
	row->path = scr(ev, mpath ? mpath : &ev->file_path, &p, end);
	row->sha256 = ev->have_facts && ev->facts.sha256[0] ? ev->facts.sha256 : NULL;
	row->exe = scr(ev, &ev->exe, &p, end);
	row->comm = scr(ev, &ev->comm, &p, end);
	row->user = scr(ev, &ev->uid_name, &p, end);
	row->key = scr(ev, &ev->key, &p, end);
	row->node = scr(ev, &ev->node, &p, end);
	row->risk = risk_level_name((enum kmw_risk_level)ev->risk_level);
	row->pid = ev->pid;
	row->uid = ev->uid;
	row->auid = ev->auid;
	row->historical = ev->historical;
	row->flags = arg >= 0 ? (int64_t)ev->a[arg] : -1;
	/* "|NAME|NAME|": a filter finds a flag with one LIKE, without false prefixes */
	if (arg >= 0)
		decode_flags(ev->sc, ev->a[arg], names, 8, &n, &unknown);
	if (end - p > 2) {
		row->flag_names = p;
		*p++ = '|';
		for (i = 0; i < n && end - p > (ptrdiff_t)strlen(names[i]) + 2; i++)
			p += snprintf(p, (size_t)(end - p), "%s|", names[i]);
		*p++ = '\0';
	}
	row->kind = event_kind_name(ev->kind);
	row->count = ev->kind == KMW_KIND_SUMMARY ? (int64_t)ev->summary.count : 1;
	row->json = json;
	row->json_len = len;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_id(sqlite3_stmt *st, int i, int64_t v)
{
	if (v >= 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* "|A|B|" as rows of event_flags; 1 when done, as store_insert returns */
static int insert_flags(struct kmw_store *s, const char *names, int64_t time_ms, int64_t id)
{
	const char *p = names, *end;
	int rc;

	while (p && *p == '|' && (end = strchr(p + 1, '|'))) {
		if (end > p + 1) {
			sqlite3_reset(s->ins_flag);
			sqlite3_bind_text(s->ins_flag, 1, p + 1, (int)(end - p - 1),
					  SQLITE_TRANSIENT);
			sqlite3_bind_int64(s->ins_flag, 2, time_ms);
			sqlite3_bind_int64(s->ins_flag, 3, id);
			rc = sqlite3_step(s->ins_flag);
			if (rc != SQLITE_DONE) {
				set_err(s, "storing the flags of an event");
				sqlite3_reset(s->ins_flag);
				return errno_of_sqlite(rc);
			}
		}
		p = end;
	}
	return 1;
}

int store_insert(struct kmw_store *s, const struct kmw_event *ev, const char *boot_id,
		 const char *json, size_t len)
{
	char scratch[8192], keys[1024];
	struct kmw_row r;
	sqlite3_stmt *st = s->ins;
	unsigned int i;
	size_t kl = 0;
	int rc;

	store_row_from_event(ev, json, len, &r, scratch, sizeof(scratch));
	keys[kl++] = '|';
	for (i = 0; i < ev->nkeys && kl + ev->keys[i].len + 2 < sizeof(keys); i++) {
		memcpy(keys + kl, event_str(ev, &ev->keys[i]), ev->keys[i].len);
		kl += ev->keys[i].len;
		keys[kl++] = '|';
	}
	keys[kl] = '\0';
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	bind_text(st, 1, boot_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)ev->serial);
	sqlite3_bind_int64(st, 3, r.time_ms);
	bind_text(st, 4, r.syscall);
	sqlite3_bind_int(st, 5, r.success);
	bind_text(st, 6, r.errno_name);
	bind_text(st, 7, r.module);
	bind_text(st, 8, r.exe);
	bind_id(st, 9, r.uid);
	bind_id(st, 10, r.auid);
	sqlite3_bind_text(st, 11, json, (int)(len && json[len - 1] == '\n' ? len - 1 : len),
			  SQLITE_TRANSIENT);
	bind_text(st, 12, r.arch);
	bind_text(st, 13, r.path);
	bind_text(st, 14, r.sha256);
	bind_text(st, 15,
		  ev->have_facts && ev->facts.image_sha256[0] ? ev->facts.image_sha256 : NULL);
	bind_text(st, 16, r.comm);
	bind_id(st, 17, r.pid);
	bind_text(st, 18, r.user);
	bind_text(st, 19, r.key);
	bind_text(st, 20, keys);
	if (ev->has_exit)
		sqlite3_bind_int64(st, 21, ev->exit);
	bind_id(st, 22, r.flags);
	bind_text(st, 23, r.flag_names);
	sqlite3_bind_int(st, 24, ev->risk_level);
	sqlite3_bind_int(st, 25, ev->historical);
	bind_text(st, 26, r.node);
	bind_text(st, 27, r.kind);
	sqlite3_bind_int64(st, 28, r.count);
	if (ev->ima.src != KMW_IMA_NONE) {
		char ima[sizeof(ev->ima.algo) + sizeof(ev->ima.hash) + 1];

		snprintf(ima, sizeof(ima), "%s:%s", ev->ima.algo, ev->ima.hash);
		bind_text(st, 29, ima);
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		set_err(s, "storing an event");
		sqlite3_reset(st);
		return errno_of_sqlite(rc);
	}
	if (!sqlite3_changes(s->db))
		return 0;
	return insert_flags(s, r.flag_names, r.time_ms, sqlite3_last_insert_rowid(s->db));
}

void store_defer_checkpoints(struct kmw_store *s)
{
	s->deferred = true;
}

int store_checkpoint(struct kmw_store *s, enum kmw_checkpoint when)
{
	static const int pages[] = {
		/*
		 * A quarter of SQLite's threshold: a checkpoint's pause grows with
		 * the log it copies, and the events behind it wait. Measured
		 * (bench/flood.py, 1,660 events/s): p99 8.9 ms at 1000 pages, 4.6 ms
		 * at 250, 4.2 ms at 100 for more CPU, 38 ms at 10000.
		 */
		[KMW_CKPT_QUIET] = CHECKPOINT_PAGES / 4,
		/*
		 * Events are waiting: each checkpoint costs two fsyncs, which under
		 * load cost more than the pause (bench/store_bench, 32 to a commit:
		 * 10,227 events/s at 250 pages, 16,616 at 4000); the idle worker
		 * catches up (KMW_CKPT_IDLE).
		 */
		[KMW_CKPT_BUSY] = CHECKPOINT_PAGES,
		[KMW_CKPT_IDLE] = 1,
	};
	int rc;

	if (s->wal_pages < pages[when])
		return 0;
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		set_err(s, "checkpointing");
		return errno_of_sqlite(rc);
	}
	s->wal_pages = 0;
	return 0;
}

int store_begin(struct kmw_store *s)
{
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		set_err(s, "starting a transaction");
		return errno_of_sqlite(rc);
	}
	return 0;
}

bool store_in_transaction(struct kmw_store *s)
{
	return !sqlite3_get_autocommit(s->db);
}

int store_commit(struct kmw_store *s)
{
	int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		set_err(s, "committing");
		/* a failed COMMIT may leave the transaction open: end it, storing nothing */
		if (!sqlite3_get_autocommit(s->db))
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return errno_of_sqlite(rc);
	}
	return 0;
}

static int one_int64(struct kmw_store *s, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = -ENOENT;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		set_err(s, "querying");
		return -EIO;
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int store_newest(struct kmw_store *s, int64_t *ms)
{
	return one_int64(s, "SELECT max(time_ms) FROM events", ms);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int64_t col_id(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

int store_snapshot_note(struct kmw_store *s, const char *boot_id, int64_t time_ms,
			const struct kmw_inventory *inv)
{
	sqlite3_stmt *st = NULL;
	int64_t before = 0;
	unsigned int i;
	int rc = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM module_snapshots WHERE boot_id = ?", -1,
			       &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, boot_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		before = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(
		    s->db,
		    "INSERT OR IGNORE INTO module_snapshots (boot_id, name, time_ms,"
		    " in_proc, in_sysfs, size, taint, srcversion) VALUES (?,?,?,?,?,?,?,?)",
		    -1, &st, NULL) != SQLITE_OK)
		goto fail;
	/* a row of no module stands for the snapshot itself: a boot may start with none loaded */
	sqlite3_bind_text(st, 1, boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, time_ms);
	sqlite3_bind_int(st, 4, 0);
	sqlite3_bind_int(st, 5, 0);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = -1;
	for (i = 0; i < inv->n && !rc; i++) {
		const struct kmw_module_info *m = &inv->m[i];

		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		sqlite3_bind_text(st, 1, boot_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, time_ms);
		sqlite3_bind_int(st, 4, m->in_proc);
		sqlite3_bind_int(st, 5, m->in_sysfs);
		bind_id(st, 6, m->size);
		bind_text(st, 7, m->taint[0] ? m->taint : NULL);
		bind_text(st, 8, m->srcversion[0] ? m->srcversion : NULL);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -1;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc || sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	return before == 0;
fail:
	set_err(s, "storing the modules loaded at start");
	sqlite3_finalize(st);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}

int store_snapshot_first(struct kmw_store *s, const char *boot_id,
			 void (*cb)(const char *name, int64_t time_ms, void *arg), void *arg)
{
	sqlite3_stmt *st;
	int rc, had = 0;

	if (sqlite3_prepare_v2(
		    s->db,
		    "SELECT name, time_ms FROM module_snapshots WHERE boot_id = ?1"
		    " AND time_ms = (SELECT time_ms FROM module_snapshots WHERE boot_id = ?1"
		    " AND name = '') ORDER BY name",
		    -1, &st, NULL) != SQLITE_OK) {
		set_err(s, "reading the modules loaded at start");
		return -EIO;
	}
	sqlite3_bind_text(st, 1, boot_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = col_text(st, 0);

		had = 1;
		if (name && name[0])
			cb(name, sqlite3_column_int64(st, 1), arg);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_err(s, "reading the modules loaded at start");
		return -EIO;
	}
	return had;
}

int store_module_history(struct kmw_store *s, const char *boot_id, int64_t since_ms,
			 void (*cb)(const struct kmw_row *row, uint64_t serial, void *arg),
			 void *arg)
{
	sqlite3_stmt *st;
	int rc;

	/* by the time index: the boot started at @since_ms */
	if (sqlite3_prepare_v2(
		    s->db,
		    "SELECT time_ms, syscall, module, serial, exe, user, uid, path,"
		    " json, kind, errno, sha256, risk FROM events WHERE time_ms >= ? AND boot_id = ?"
		    " AND module IS NOT NULL AND ((kind = 'syscall' AND success = 1) OR"
		    " kind = 'alert') ORDER BY time_ms, id",
		    -1, &st, NULL) != SQLITE_OK) {
		set_err(s, "reading the loads of this boot");
		return -EIO;
	}
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_text(st, 2, boot_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct kmw_row r;

		memset(&r, 0, sizeof(r));
		r.time_ms = sqlite3_column_int64(st, 0);
		r.syscall = col_text(st, 1);
		r.module = col_text(st, 2);
		r.exe = col_text(st, 4);
		r.user = col_text(st, 5);
		r.uid = col_id(st, 6);
		r.path = col_text(st, 7);
		r.json = col_text(st, 8);
		r.json_len = (size_t)sqlite3_column_bytes(st, 8);
		r.kind = col_text(st, 9);
		r.errno_name = col_text(st, 10);
		r.sha256 = col_text(st, 11);
		r.risk = risk_level_name((enum kmw_risk_level)sqlite3_column_int(st, 12));
		r.success = true;
		cb(&r, (uint64_t)sqlite3_column_int64(st, 3), arg);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int store_ima_seen(struct kmw_store *s, int64_t *n, int64_t *last_ms)
{
	*last_ms = 0;
	if (one_int64(s, "SELECT count(*) FROM events WHERE ima_hash IS NOT NULL", n))
		return -EIO;
	one_int64(s, "SELECT max(time_ms) FROM events WHERE ima_hash IS NOT NULL", last_ms);
	return 0;
}

int store_gap_note(struct kmw_store *s, int64_t start_ms, int64_t end_ms, uint64_t lost)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO gaps (start_ms, end_ms, lost) VALUES (%lld, %lld, %llu)",
		 (long long)start_ms, (long long)end_ms, (unsigned long long)lost);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		set_err(s, "noting a gap");
		return -EIO;
	}
	return 0;
}

int store_gap_oldest(struct kmw_store *s, int64_t *start_ms)
{
	return one_int64(s, "SELECT min(start_ms) FROM gaps", start_ms);
}

int store_gaps_open(struct kmw_store *s, int64_t *n)
{
	return one_int64(s, "SELECT count(*) FROM gaps", n);
}

int store_gap_close(struct kmw_store *s, int64_t upto_ms)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "DELETE FROM gaps WHERE end_ms <= %lld", (long long)upto_ms);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		set_err(s, "closing gaps");
		return -EIO;
	}
	return 0;
}

int store_retention(struct kmw_store *s, int64_t before_ms, uint64_t max_bytes, unsigned int batch)
{
	int64_t pages = 0, psize = 0, freep = 0;
	char sql[256];
	int deleted = 0;

	if (before_ms > 0) {
		snprintf(sql, sizeof(sql),
			 "DELETE FROM events WHERE id IN (SELECT id FROM events "
			 "WHERE time_ms < %lld ORDER BY time_ms LIMIT %u)",
			 (long long)before_ms, batch);
		if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			set_err(s, "applying retention");
			return -EIO;
		}
		deleted += sqlite3_changes(s->db);
	}
	if (max_bytes) {
		one_int64(s, "PRAGMA page_count", &pages);
		one_int64(s, "PRAGMA page_size", &psize);
		one_int64(s, "PRAGMA freelist_count", &freep);
		/* pages on the free list are reused before the file grows: they do not count */
		if ((uint64_t)((pages - freep) * psize) > max_bytes) {
			snprintf(sql, sizeof(sql),
				 "DELETE FROM events WHERE id IN (SELECT id FROM events "
				 "ORDER BY time_ms LIMIT %u)",
				 batch);
			if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
				set_err(s, "applying retention");
				return -EIO;
			}
			deleted += sqlite3_changes(s->db);
		}
	}
	return deleted;
}

int store_info(struct kmw_store *s, const char *path, struct kmw_store_info *out)
{
	char wal[4200];
	struct stat st;
	int64_t v = 0;

	memset(out, 0, sizeof(*out));
	if (one_int64(s, "SELECT count(*) FROM events", &v) == 0)
		out->events = (uint64_t)v;
	one_int64(s, "SELECT min(time_ms) FROM events", &out->first_ms);
	one_int64(s, "SELECT max(time_ms) FROM events", &out->last_ms);
	out->version = user_version(s->db);
	if (stat(path, &st) == 0)
		out->bytes = (uint64_t)st.st_size;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (stat(wal, &st) == 0)
		out->bytes += (uint64_t)st.st_size;
	return 0;
}

int store_query(struct kmw_store *s, const struct kmw_filter *f, bool count_only,
		void (*cb)(const struct kmw_row *row, void *arg), void *arg, uint64_t *count)
{
	struct kmw_filter_bind binds[KMW_FILTER_BINDS];
	struct kmw_buf sql;
	unsigned int nb, i;
	sqlite3_stmt *st;
	int rc;

	/* no condition, no WHERE: SQLite counts a whole table without reading it */
	buf_init(&sql);
	buf_puts(
		&sql,
		count_only
			? "SELECT count(*) FROM events"
			: "SELECT time_ms, syscall, arch, success, exit, errno, module, path, sha256,"
			  " exe, comm, user, key, risk, flag_names, node, pid, uid, auid, flags,"
			  " historical, json, kind, calls FROM events");
	nb = filter_sql(f, &sql, binds);
	if (!count_only)
		buf_puts(&sql, " ORDER BY time_ms, id");
	buf_putc(&sql, '\0');
	if (sql.oom || sqlite3_prepare_v2(s->db, sql.data, -1, &st, NULL) != SQLITE_OK) {
		buf_free(&sql);
		set_err(s, "preparing the query");
		return -EIO;
	}
	buf_free(&sql);
	for (i = 0; i < nb; i++) {
		if (binds[i].is_int)
			sqlite3_bind_int64(st, (int)i + 1, binds[i].n);
		else
			sqlite3_bind_text(st, (int)i + 1, binds[i].s, -1, SQLITE_STATIC);
	}
	*count = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct kmw_row r;

		if (count_only) {
			*count = (uint64_t)sqlite3_column_int64(st, 0);
			break;
		}
		memset(&r, 0, sizeof(r));
		r.time_ms = sqlite3_column_int64(st, 0);
		r.syscall = col_text(st, 1);
		r.arch = col_text(st, 2);
		r.success = sqlite3_column_int(st, 3);
		r.exit = sqlite3_column_int64(st, 4);
		r.errno_name = col_text(st, 5);
		r.module = col_text(st, 6);
		r.path = col_text(st, 7);
		r.sha256 = col_text(st, 8);
		r.exe = col_text(st, 9);
		r.comm = col_text(st, 10);
		r.user = col_text(st, 11);
		r.key = col_text(st, 12);
		r.risk = risk_level_name((enum kmw_risk_level)sqlite3_column_int(st, 13));
		r.flag_names = col_text(st, 14);
		r.node = col_text(st, 15);
		r.pid = col_id(st, 16);
		r.uid = col_id(st, 17);
		r.auid = col_id(st, 18);
		r.flags = col_id(st, 19);
		r.historical = sqlite3_column_int(st, 20);
		r.json = col_text(st, 21);
		r.json_len = (size_t)sqlite3_column_bytes(st, 21);
		r.kind = col_text(st, 22);
		r.count = sqlite3_column_int64(st, 23);
		(*count)++;
		cb(&r, arg);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		set_err(s, "running the query");
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);
	return 0;
}

int store_note_boot(struct kmw_store *s, const char *boot_id, int64_t start_ms)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db,
			       "INSERT OR IGNORE INTO boots (boot_id, start_ms) VALUES (?, ?)", -1,
			       &st, NULL) != SQLITE_OK) {
		set_err(s, "recording the boot");
		return -EIO;
	}
	sqlite3_bind_text(st, 1, boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, start_ms);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		set_err(s, "recording the boot");
		return errno_of_sqlite(rc);
	}
	return 0;
}

void store_boot_for(struct kmw_store *s, int64_t time_ms, char *out, size_t len)
{
	sqlite3_stmt *st;

	snprintf(out, len, "unknown");
	if (sqlite3_prepare_v2(s->db,
			       "SELECT boot_id FROM boots WHERE start_ms <= ? "
			       "ORDER BY start_ms DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, time_ms);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}
