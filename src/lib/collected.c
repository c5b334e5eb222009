// SPDX-License-Identifier: GPL-2.0-or-later
/* collected.c - kmodwatch's JSON lines read back into events: the fleet query over what a
 * central collector stored. zlib reads plain and gzip alike; jansson parses each line. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <zlib.h>

#include "kmw_collected.h"
#include "kmw_decode.h"
#include "kmw_filter.h"
#include "kmw_risk.h"

struct reader {
	const struct kmw_collected_opts *o;
	struct kmw_collected_stats *st;
	struct kmw_event *ev;
	char *line;
	size_t cap;
};

/* the value at "a.b.c" of @root, or NULL */
static json_t *at(json_t *root, const char *path)
{
	char key[64];
	const char *dot;

	while (root && (dot = strchr(path, '.'))) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		root = json_object_get(root, key);
		path = dot + 1;
	}
	return root ? json_object_get(root, path) : NULL;
}

static void set_str(struct kmw_event *ev, struct kmw_str *s, json_t *v)
{
	if (json_is_string(v))
		event_set_str(ev, s, json_string_value(v), json_string_length(v));
}

static void set_hex(char *out, size_t len, json_t *v)
{
	if (json_is_string(v))
		snprintf(out, len, "%s", json_string_value(v));
}

static int64_t int_or(json_t *v, int64_t dflt)
{
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

/* an ISO 8601 time of the schema into the event's time */
static void set_iso_time(struct kmw_event *ev, json_t *v)
{
	int64_t ms;

	if (json_is_string(v) && !filter_parse_time(json_string_value(v), 0, &ms)) {
		ev->sec = ms / 1000;
		ev->msec = (unsigned int)(ms % 1000);
	}
}

static void set_risk(struct kmw_event *ev, json_t *root)
{
	const char *level = json_string_value(at(root, "risk.level"));
	int l;

	for (l = KMW_RISK_INFO; level && l <= KMW_RISK_HIGH; l++)
		if (!strcmp(level, risk_level_name((enum kmw_risk_level)l)))
			ev->risk_level = l;
}

static void set_syscall(struct kmw_event *ev, json_t *sc)
{
	ev->sc = decode_syscall_parse(json_string_value(json_object_get(sc, "name")));
	ev->arch = decode_arch_parse(json_string_value(json_object_get(sc, "arch")));
	ev->success = json_is_true(json_object_get(sc, "success"));
	ev->has_exit = json_is_integer(json_object_get(sc, "exit"));
	ev->exit = int_or(json_object_get(sc, "exit"), 0);
}

/* A failed call of a summary has no exit: its errno is given by name. */
static void set_errno_name(struct kmw_event *ev, json_t *v)
{
	int e = decode_errno_parse(json_string_value(v));

	if (e) {
		ev->has_exit = true;
		ev->exit = -e;
	}
}

static void syscall_event(struct kmw_event *ev, json_t *root)
{
	json_t *m = json_object_get(root, "module"), *h = json_object_get(m, "hash");
	json_t *ima = json_object_get(m, "ima");
	unsigned int i;
	json_t *k;
	double epoch = json_number_value(at(root, "audit.epoch"));
	int64_t ms = (int64_t)llround(epoch * 1000);
	int arg;

	ev->sec = ms / 1000;
	ev->msec = (unsigned int)(ms % 1000);
	ev->serial = (uint64_t)int_or(at(root, "audit.serial"), 0);
	set_str(ev, &ev->key, at(root, "audit.key"));
	json_array_foreach(at(root, "audit.keys"), i, k) if (ev->nkeys < KMW_MAX_KEYS)
		set_str(ev, &ev->keys[ev->nkeys++], k);
	set_str(ev, &ev->node, at(root, "audit.node"));
	set_syscall(ev, json_object_get(root, "syscall"));
	arg = decode_flags_arg(ev->sc);
	if (arg >= 0)
		ev->a[arg] = (uint64_t)int_or(at(root, "args.flags"), 0);
	set_str(ev, &ev->mod_name, json_object_get(m, "name"));
	set_str(ev, &ev->mod_path, json_object_get(m, "path"));
	set_str(ev, &ev->file_path, json_object_get(m, "file_path"));
	if (json_is_object(h)) {
		ev->have_facts = true;
		set_hex(ev->facts.sha256, sizeof(ev->facts.sha256), json_object_get(h, "sha256"));
		set_hex(ev->facts.image_sha256, sizeof(ev->facts.image_sha256),
			json_object_get(h, "image_sha256"));
	}
	if (json_is_object(ima)) {
		ev->ima.src = KMW_IMA_RECORD;
		set_hex(ev->ima.algo, sizeof(ev->ima.algo), json_object_get(ima, "algo"));
		set_hex(ev->ima.hash, sizeof(ev->ima.hash), json_object_get(ima, "hash"));
	}
	ev->pid = int_or(at(root, "process.pid"), -1);
	ev->uid = int_or(at(root, "process.uid"), -1);
	ev->auid = int_or(at(root, "process.auid"), -1);
	set_str(ev, &ev->uid_name, at(root, "process.user"));
	set_str(ev, &ev->exe, at(root, "process.exe"));
	set_str(ev, &ev->comm, at(root, "process.comm"));
}

static void summary_event(struct kmw_event *ev, json_t *root)
{
	json_t *s = json_object_get(root, "summary");

	set_iso_time(ev, json_object_get(s, "first"));
	ev->serial = (uint64_t)int_or(json_object_get(s, "first_serial"), 0);
	ev->sc = decode_syscall_parse(json_string_value(json_object_get(s, "syscall")));
	ev->arch = decode_arch_parse(json_string_value(json_object_get(s, "arch")));
	set_errno_name(ev, json_object_get(s, "errno"));
	ev->summary.count = (uint64_t)int_or(json_object_get(s, "count"), 0);
	ev->uid = int_or(json_object_get(s, "uid"), -1);
	set_str(ev, &ev->uid_name, json_object_get(s, "user"));
	set_str(ev, &ev->exe, json_object_get(s, "exe"));
	set_str(ev, &ev->node, json_object_get(s, "node"));
}

static void alert_event(struct kmw_event *ev, json_t *root)
{
	json_t *a = json_object_get(root, "alert");
	enum kmw_risk_reason r;

	set_iso_time(ev, json_object_get(a, "time"));
	if (!risk_reason_parse(json_string_value(json_object_get(a, "code")) ?: "", &r))
		ev->alert.code = (int)r;
	set_str(ev, &ev->node, json_object_get(a, "node"));
	set_str(ev, &ev->mod_name, at(root, "module.name"));
	set_str(ev, &ev->file_path, at(a, "evidence.load_path"));
}

void collected_prefilter(struct kmw_collected_opts *o, const struct kmw_filter *f)
{
	o->nneedles = filter_needles(f, o->needles, KMW_COLLECTED_NEEDLES);
}

/* One line: an event, or a bad line with the reason. */
const char *collected_parse(struct kmw_event *ev, const char *json, size_t len, char *err,
			    size_t errlen)
{
	enum kmw_kind kind;
	json_error_t jerr;
	json_t *root;

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s", jerr.text[0] ? jerr.text : "not JSON");
		return err;
	}
	if (!json_is_string(json_object_get(root, "kind")) ||
	    event_kind_parse(json_string_value(json_object_get(root, "kind")), &kind) ||
	    !json_is_integer(json_object_get(root, "schema_version"))) {
		bool ecs = json_is_object(json_object_get(root, "ecs"));

		json_decref(root);
		return ecs ? "an ECS document: the query reads kmodwatch's native JSON "
			     "(--syslog-format json)"
			   : "not a kmodwatch event (no kind and schema_version)";
	}
	event_reset(ev);
	ev->kind = kind;
	ev->historical = json_is_true(json_object_get(root, "historical"));
	if (kind == KMW_KIND_SUMMARY)
		summary_event(ev, root);
	else if (kind == KMW_KIND_ALERT)
		alert_event(ev, root);
	else
		syscall_event(ev, root);
	set_risk(ev, root);
	json_decref(root);
	return NULL;
}

static void take_line(struct reader *r, const char *input, uint64_t lineno, char *line, size_t len)
{
	struct kmw_event *ev = r->ev;
	char *brace = memchr(line, '{', len);
	const char *why = NULL;
	char err[JSON_ERROR_TEXT_LENGTH];

	r->st->lines++;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (!len)
		return;
	if (!brace) {
		why = "no JSON object on the line";
		goto bad;
	}
	len -= (size_t)(brace - line);
	for (unsigned int i = 0; i < r->o->nneedles; i++)
		if (!memmem(brace, len, r->o->needles[i], strlen(r->o->needles[i])))
			return;
	why = collected_parse(ev, brace, len, err, sizeof(err));
	if (why)
		goto bad;
	r->st->events++;
	r->o->event(ev, brace, len, r->o->arg);
	return;
bad:
	r->st->bad_lines++;
	if (r->o->bad && r->st->bad_lines <= KMW_BAD_SHOWN + 1)
		r->o->bad(r->o->arg, input, lineno,
			  r->st->bad_lines > KMW_BAD_SHOWN ? KMW_BAD_MORE : why, line, len);
}

static int read_file(struct reader *r, const char *path)
{
	gzFile z = gzopen(path, "rb");
	char msg[600];
	size_t len;
	uint64_t first = r->st->lines;
	int err;

	if (!z) {
		snprintf(msg, sizeof(msg), "cannot read %s: %s", path,
			 strerror(errno ? errno : ENOMEM));
		goto fail;
	}
	gzbuffer(z, 256 << 10);
	r->st->files++;
	for (;;) {
		len = 0;
		/* a line of any length: grow the buffer until it holds the newline */
		while (gzgets(z, r->line + len, (int)(r->cap - len))) {
			len += strlen(r->line + len);
			if (len && r->line[len - 1] == '\n')
				break;
			if (r->cap - len < 2) {
				char *n = realloc(r->line, r->cap * 2);

				if (!n) {
					gzclose(z);
					snprintf(msg, sizeof(msg), "%s: out of memory for a line",
						 path);
					goto fail;
				}
				r->line = n;
				r->cap *= 2;
			}
		}
		if (!len)
			break;
		take_line(r, path, r->st->lines - first + 1, r->line, len);
	}
	gzerror(z, &err);
	if (err != Z_OK && err != Z_STREAM_END) {
		snprintf(msg, sizeof(msg), "%s: cut or corrupt after line %llu: %s", path,
			 (unsigned long long)(r->st->lines - first), gzerror(z, &err));
		gzclose(z);
		goto fail;
	}
	gzclose(z);
	return 0;
fail:
	r->st->files_failed++;
	if (r->o->file_error)
		r->o->file_error(r->o->arg, msg);
	return -EIO;
}

static int read_path(struct reader *r, const char *path, int depth);

/* A directory: its files in name order (a rotated set oldest first), then its directories. */
static int read_dir(struct reader *r, const char *path, int depth)
{
	struct dirent **ents;
	char **files, msg[600];
	int n, i, nf = 0, rc = 0;

	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		snprintf(msg, sizeof(msg), "cannot read the directory %s: %s", path,
			 strerror(errno));
		r->st->files_failed++;
		if (r->o->file_error)
			r->o->file_error(r->o->arg, msg);
		return -EIO;
	}
	files = calloc((size_t)n + 1, sizeof(*files));
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && files &&
		    asprintf(&files[nf], "%s/%s", path, ents[i]->d_name) >= 0)
			nf++;
		free(ents[i]);
	}
	free(ents);
	if (!files)
		return -ENOMEM;
	lines_sort_rotated(files, nf);
	for (i = 0; i < nf; i++) {
		struct stat st;

		if (stat(files[i], &st) == 0 && S_ISREG(st.st_mode) && read_file(r, files[i]))
			rc = -EIO;
	}
	for (i = 0; i < nf; i++) {
		struct stat st;

		if (stat(files[i], &st) == 0 && S_ISDIR(st.st_mode) &&
		    read_path(r, files[i], depth + 1))
			rc = -EIO;
		free(files[i]);
	}
	free(files);
	return rc;
}

static int read_path(struct reader *r, const char *path, int depth)
{
	struct stat st;
	char msg[600];

	if (stat(path, &st) < 0 || depth > 32) {
		snprintf(msg, sizeof(msg), "cannot read %s: %s", path,
			 depth > 32 ? "directories nested too deep" : strerror(errno));
		r->st->files_failed++;
		if (r->o->file_error)
			r->o->file_error(r->o->arg, msg);
		return -EIO;
	}
	return S_ISDIR(st.st_mode) ? read_dir(r, path, depth) : read_file(r, path);
}

int collected_read(char **paths, int n, const struct kmw_collected_opts *o,
		   struct kmw_collected_stats *st)
{
	struct reader r = { .o = o, .st = st, .cap = 64 << 10 };
	int i, rc = 0;

	memset(st, 0, sizeof(*st));
	r.ev = malloc(sizeof(*r.ev));
	r.line = malloc(r.cap);
	if (!r.ev || !r.line) {
		free(r.ev);
		free(r.line);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (read_path(&r, paths[i], 0))
			rc = -EIO;
	free(r.ev);
	free(r.line);
	return rc;
}
