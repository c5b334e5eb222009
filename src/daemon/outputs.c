// SPDX-License-Identifier: GPL-2.0-or-later
/* outputs.c - the daemon's outputs: opened, delivered to, swapped, retried (outputs.h) */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>

#include "kmw_sink_syslog.h"
#include "log.h"
#include "outputs.h"

void outputs_init(struct outputs *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < KMW_FMT_COUNT; i++)
		buf_init(&o->body[i]);
}

/* A sink that was down and has delivered all it kept: said once. */
static void recovered(struct outputs *o, int i)
{
	if (!o->down[i] || !sink_up(o->sinks[i]))
		return;
	o->down[i] = false;
	log_msg(LOG_INFO, "%s: delivering again; nothing waits", sink_name(o->sinks[i]));
}

/* A sink that fails (not one merely busy, or connecting): said once, until it recovers. */
static void failing(struct outputs *o, int i)
{
	struct kmw_sink_stats st;

	sink_stats(o->sinks[i], &st);
	if (o->down[i] || !st.last_error || st.last_error == -EAGAIN ||
	    st.last_error == -EINPROGRESS)
		return;
	log_msg(LOG_ERR, "%s: cannot deliver now (%s): events kept to retry",
		sink_name(o->sinks[i]), st.why[0] ? st.why : strerror(-st.last_error));
	o->down[i] = true;
}

/* What a sink's answer says: a failure is said when it starts, a recovery when it ends. */
static void result(struct outputs *o, int i, int rc)
{
	struct kmw_sink_stats st;

	if (!rc) {
		recovered(o, i);
		return;
	}
	sink_stats(o->sinks[i], &st);
	if (rc == -ENOBUFS && (st.dropped == 1 || st.dropped % 1000 == 0))
		log_msg(LOG_ERR, "%s: queue full, %llu events dropped so far%s",
			sink_name(o->sinks[i]), (unsigned long long)st.dropped,
			o->stored ? " (the store has them)" : "");
	if (rc > 0 || rc == -ENOBUFS)
		failing(o, i);
}

int outputs_add(struct outputs *o, struct kmw_sink *s, enum kmw_format f)
{
	if (o->n == OUTPUTS_MAX)
		return -ENOSPC;
	o->fmt[o->n] = f;
	o->down[o->n] = false;
	o->sinks[o->n++] = s;
	return 0;
}

static int add(struct outputs *o, const struct kmw_sink_conf *c, enum kmw_format f)
{
	struct kmw_sink *s;
	int rc;

	if (o->n == OUTPUTS_MAX)
		return -ENOSPC;
	s = sink_new(c);
	if (!s)
		return -errno;
	rc = outputs_add(o, s, f);
	if (rc)
		sink_free(s);
	return rc;
}

static void free_all(struct outputs *o)
{
	int i;

	for (i = 0; i < o->n; i++)
		sink_free(o->sinks[i]);
	o->n = 0;
}

int outputs_open(struct outputs *o, const struct kmw_config *conf)
{
	struct kmw_sink_conf c = { 0 };
	struct group *gr;
	int i, rc;

	if (!strcmp(conf->output, KMW_OUTPUT_DEFAULT) && mkdir(KMW_OUTPUT_DIR, 0750) < 0 &&
	    errno != EEXIST) {
		rc = -errno;
		/* the output cannot be opened then: say the cause, not what follows from it */
		log_msg(LOG_ERR, "cannot create %s for the output %s: %s%s", KMW_OUTPUT_DIR,
			KMW_OUTPUT_DEFAULT, strerror(-rc),
			rc == -EACCES ? " (run as root, or give "
					"--output a file this user can write)"
				      : "");
		return rc;
	}

	c.kind = KMW_SINK_FILE;
	c.target = conf->output;
	c.format = conf->format;
	c.prefix = conf->output_prefix;
	c.rotate_bytes = (uint64_t)conf->rotate_mb << 20;
	c.rotate_keep = conf->rotate_keep;
	c.group = (gid_t)-1;
	if (conf->output_group) {
		gr = getgrnam(conf->output_group);
		if (!gr) {
			log_msg(LOG_ERR, "no group '%s' for --output-group", conf->output_group);
			return -EINVAL;
		}
		c.group = gr->gr_gid;
	}
	rc = add(o, &c, conf->format);
	if (!rc && sink_stats_failed_open(o->sinks[o->n - 1], &rc) && rc) {
		log_msg(LOG_ERR, "cannot open output %s: %s%s", conf->output, strerror(-rc),
			rc == -ELOOP ? " (a symlink: refused)" : "");
		return rc;
	}
	for (i = 0; i < conf->nsyslog; i++) {
		struct kmw_sink_stats st;
		char why[300];

		if (sink_syslog_check(conf->syslog[i], true, why, sizeof(why)) ||
		    sink_tls_check(conf->syslog[i], conf->syslog_ca, conf->syslog_cert,
				   conf->syslog_key, conf->syslog_tls_min, conf->syslog_ciphers,
				   why, sizeof(why))) {
			log_msg(LOG_ERR, "bad --syslog '%s': %s", conf->syslog[i], why);
			return -EINVAL;
		}
		memset(&c, 0, sizeof(c));
		c.kind = KMW_SINK_SYSLOG;
		c.target = conf->syslog[i];
		c.format = conf->syslog_format;
		c.rfc = conf->syslog_rfc;
		c.facility = conf->syslog_facility;
		c.severity = conf->syslog_severity;
		c.app_name = conf->syslog_app;
		c.tls_ca = conf->syslog_ca;
		c.tls_cert = conf->syslog_cert;
		c.tls_key = conf->syslog_key;
		c.tls_peer_name = conf->syslog_peer_name;
		c.tls_min = conf->syslog_tls_min;
		c.tls_ciphers = conf->syslog_ciphers;
		rc = add(o, &c, conf->syslog_format);
		if (rc) {
			log_msg(LOG_ERR, "bad --syslog '%s': %s", conf->syslog[i], strerror(-rc));
			return rc;
		}
		/* not fatal: the collector may come (or mend its certificate); events wait */
		if (sink_stats_failed_open(o->sinks[o->n - 1], &rc) && rc) {
			sink_stats(o->sinks[o->n - 1], &st);
			log_msg(LOG_ERR, "%s: cannot deliver now (%s): events kept to retry",
				sink_name(o->sinks[o->n - 1]), st.why[0] ? st.why : strerror(-rc));
			o->down[o->n - 1] = true;
		}
	}
	if (conf->journald) {
		struct kmw_sink_stats st;

		memset(&c, 0, sizeof(c));
		c.kind = KMW_SINK_JOURNAL;
		c.format = KMW_FMT_JSON;
		c.severity = -1;
		c.app_name = conf->syslog_app;
		rc = add(o, &c, KMW_FMT_JSON);
		if (rc) {
			log_msg(LOG_ERR, "--journald: %s",
				rc == -ENOTSUP ? "this build has no libsystemd" : strerror(-rc));
			return rc;
		}
		/* not fatal either: journald may start; its events wait, then count as dropped */
		if (sink_stats_failed_open(o->sinks[o->n - 1], &rc) && rc) {
			sink_stats(o->sinks[o->n - 1], &st);
			log_msg(LOG_ERR, "journald: cannot deliver now (%s): events kept to retry",
				st.why[0] ? st.why : strerror(-rc));
			o->down[o->n - 1] = true;
		}
	}
	return 0;
}

int outputs_swap(struct outputs *o, const struct kmw_config *conf)
{
	struct outputs old = *o;
	int i, rc;

	o->n = 0;
	memset(o->down, 0, sizeof(o->down));
	rc = outputs_open(o, conf);
	if (rc) {
		/* the new outputs cannot be had: keep the old ones */
		free_all(o);
		memcpy(o->sinks, old.sinks, sizeof(o->sinks));
		memcpy(o->fmt, old.fmt, sizeof(o->fmt));
		memcpy(o->down, old.down, sizeof(o->down));
		o->n = old.n;
		log_msg(LOG_ERR,
			"configuration reload: the new outputs cannot be opened; the old stay");
		return rc;
	}
	for (i = 0; i < old.n; i++) {
		int j;

		sink_drain(old.sinks[i], 1000);
		/* the same output, opened again: its counts go on */
		for (j = 0; j < o->n && strcmp(sink_name(o->sinks[j]), sink_name(old.sinks[i]));
		     j++)
			;
		if (j < o->n)
			sink_add_counts(o->sinks[j], old.sinks[i]);
		sink_free(old.sinks[i]);
	}
	log_msg(LOG_INFO, "outputs opened again: %d output(s)", o->n);
	return 0;
}

bool outputs_wants_json(const struct outputs *o)
{
	int i;

	for (i = 0; i < o->n; i++)
		if (o->fmt[i] == KMW_FMT_JSON)
			return true;
	return false;
}

void outputs_deliver(struct outputs *o, const struct kmw_event *ev, const struct kmw_buf *json)
{
	bool made[KMW_FMT_COUNT] = { false };
	int i, rc;

	if (ev->kind == KMW_KIND_SUMMARY)
		o->count.summaries++;
	else if (ev->kind == KMW_KIND_ALERT)
		o->count.alerts++;
	else
		o->count.events++;
	made[KMW_FMT_JSON] = json != NULL;
	for (i = 0; i < o->n; i++) {
		enum kmw_format f = o->fmt[i];
		const struct kmw_buf *b = f == KMW_FMT_JSON && json ? json : &o->body[f];

		if (!made[f]) {
			buf_reset(&o->body[f]);
			if (format_event(&o->body[f], f, ev)) {
				log_msg(LOG_ERR, "out of memory formatting event %llu",
					(unsigned long long)ev->serial);
				continue;
			}
			made[f] = true;
		}
		/* the sink frames it: without our newline */
		rc = sink_emit(o->sinks[i], ev, b->data, b->len ? b->len - 1 : 0);
		if (rc || !o->batching)
			result(o, i, rc);
	}
}

void outputs_begin(struct outputs *o)
{
	int i;

	for (i = 0; i < o->n; i++)
		sink_batch_begin(o->sinks[i]);
	o->batching = true;
}

void outputs_end(struct outputs *o)
{
	int i;

	o->batching = false;
	for (i = 0; i < o->n; i++) {
		int rc = sink_batch_end(o->sinks[i]);

		/* nothing collected (it all went to the retry queue): its state is as emit left it */
		if (rc != -ENODATA)
			result(o, i, rc);
	}
}

void outputs_tick(struct outputs *o)
{
	int i;

	for (i = 0; i < o->n; i++) {
		sink_tick(o->sinks[i]);
		/* also a connection that failed with nothing waiting on it */
		if (sink_up(o->sinks[i]))
			recovered(o, i);
		else
			failing(o, i);
	}
}

void outputs_reopen(struct outputs *o)
{
	int i, rc;

	for (i = 0; i < o->n; i++) {
		rc = sink_reopen(o->sinks[i]);
		if (rc)
			log_msg(LOG_ERR, "cannot reopen %s: %s", sink_name(o->sinks[i]),
				strerror(-rc));
	}
	log_msg(LOG_INFO, "outputs reopened");
}

void outputs_drain(struct outputs *o, unsigned int ms)
{
	int i;

	for (i = 0; i < o->n; i++)
		sink_drain(o->sinks[i], ms);
}

void outputs_close(struct outputs *o, bool stored)
{
	int i;

	for (i = 0; i < o->n; i++) {
		uint64_t left = sink_drain(o->sinks[i], 2000);

		if (left)
			log_msg(LOG_ERR, "%s: %llu events could not be delivered before exit%s",
				sink_name(o->sinks[i]), (unsigned long long)left,
				stored ? " (the store has them)" : "");
		sink_free(o->sinks[i]);
	}
	o->n = 0;
	for (i = 0; i < KMW_FMT_COUNT; i++)
		buf_free(&o->body[i]);
}
