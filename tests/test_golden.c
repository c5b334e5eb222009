// SPDX-License-Identifier: GPL-2.0-or-later
/* test_golden.c - recorded audit text through parse and format, diffed with tests/expected */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kmw_buf.h"
#include "kmw_format.h"
#include "kmw_host.h"
#include "kmw_ledger.h"
#include "kmw_lines.h"
#include "kmw_parse.h"
#include "kmw_risk.h"
#include "kmw_summary.h"
#include "kmw_triage.h"
#include "helpers.h"

struct out {
	struct kmw_buf json, text, ecs, ocsf;
	unsigned int events;
};

static void on_event(struct kmw_event *ev, void *arg)
{
	struct out *o = arg;
	struct kmw_risk_config rc;

	risk_config_default(&rc);
	risk_assess(&rc, ev);
	assert_int_equal(format_json(&o->json, ev), 0);
	assert_int_equal(format_text(&o->text, ev), 0);
	assert_int_equal(format_ecs(&o->ecs, ev), 0);
	assert_int_equal(format_ocsf(&o->ocsf, ev), 0);
	o->events++;
}

static void compare(const char *name, const char *ext, const struct kmw_buf *got)
{
	const char *srcdir = getenv("srcdir") ?: ".";
	char path[4096];
	size_t len = 0;
	char *want;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/expected/%s.%s", srcdir, name, ext);
	if (getenv("KMW_UPDATE_GOLDEN")) {
		f = fopen(path, "wb");
		assert_non_null(f);
		fwrite(got->data, 1, got->len, f);
		fclose(f);
		return;
	}
	want = test_slurp(path, &len);
	if (!want)
		fail_msg("missing golden file %s (KMW_UPDATE_GOLDEN=1 writes it)", path);
	if (len != got->len || memcmp(want, got->data, len)) {
		/* into the build tree, where make check runs: never the sources */
		snprintf(path, sizeof(path), "tests/golden-%s.%s.actual", name, ext);
		f = fopen(path, "wb");
		if (f) {
			fwrite(got->data, 1, got->len, f);
			fclose(f);
		}
		free(want);
		fail_msg("%s.%s differs from the golden file: see %s", name, ext, path);
	}
	free(want);
}

/* every format of @o against its golden file, and @o freed */
static void compare_formats(const char *name, struct out *o)
{
	compare(name, "json", &o->json);
	compare(name, "txt", &o->text);
	compare(name, "ecs.json", &o->ecs);
	compare(name, "ocsf.json", &o->ocsf);
	buf_free(&o->json);
	buf_free(&o->text);
	buf_free(&o->ecs);
	buf_free(&o->ocsf);
}

/* Feed in pieces of every size, so that a record split across feeds is covered. */
static void run_case(const char *name, size_t chunk, unsigned int want_events)
{
	const char *srcdir = getenv("srcdir") ?: ".";
	struct out o = { .events = 0 };
	struct kmw_parser *p;
	char path[4096];
	size_t len = 0, off;
	char *data;

	snprintf(path, sizeof(path), "%s/tests/data/%s.log", srcdir, name);
	data = test_slurp(path, &len);
	if (!data)
		fail_msg("cannot read %s", path);
	buf_init(&o.json);
	buf_init(&o.text);
	buf_init(&o.ecs);
	buf_init(&o.ocsf);
	p = parse_new(on_event, &o, "testhost");
	assert_non_null(p);
	parse_set_names(p, KMW_NAMES_RECORD);
	for (off = 0; off < len; off += chunk)
		assert_int_equal(parse_feed(p, data + off, len - off < chunk ? len - off : chunk),
				 0);
	parse_flush(p);
	assert_int_equal(o.events, want_events);
	compare_formats(name, &o);
	parse_free(p);
	free(data);
}

static void test_arches(void **state)
{
	run_case("arches", 1 << 20, 6);
	run_case("arches", 7, 6);
}
static void test_hexfields(void **state)
{
	run_case("hexfields", 1 << 20, 2);
}
static void test_interleaved(void **state)
{
	run_case("interleaved", 1 << 20, 2);
	run_case("interleaved", 1, 2);
}
static void test_noproctitle(void **state)
{
	run_case("noproctitle", 1 << 20, 2);
}
static void test_flags(void **state)
{
	run_case("flags", 1 << 20, 18);
}
static void test_escapes(void **state)
{
	run_case("escapes", 1 << 20, 1);
}
static void test_real_netlink(void **state)
{
	run_case("real-6.1-netlink", 1 << 20, 14);
}
static void test_real_enriched(void **state)
{
	run_case("real-6.1-auditd-enriched", 1 << 20, 14);
}
/*
 * Every field the enrichment can fill, each branch of the formats: a success
 * with facts, sysfs, stat, parent and container; a failure with what could not
 * be learned and why; an unload.
 */
/* the facts of the host that saw the synthetic events (host_read fills them live) */
static const struct kmw_host web01 = {
	.name = "web-01",
	.machine_id = "4c4c4544004d3510804bb4c04f4e3732",
	.os_id = "debian",
	.os_family = "debian",
	.os_name = "Debian GNU/Linux",
	.os_version = "12",
	.os_full = "Debian GNU/Linux 12 (bookworm)",
	.kernel = "6.1.0-28-amd64",
	.arch = "x86_64",
};
static const struct kmw_host other_host = { .name = "collector-01" };

static void fill_full(struct kmw_event *ev, int variant)
{
	static const char *const argv[] = { "insmod", "/tmp/evil.ko", "x=1" };
	static const char *const pargv[] = { "bash", "-c", "insmod /tmp/evil.ko x=1" };
	struct kmw_modfacts *m = &ev->facts;
	unsigned int i;

	event_reset(ev);
	ev->serial = 4242 + (uint64_t)variant;
	ev->sec = 1790000000 + variant;
	ev->msec = 7;
	event_set_str(ev, &ev->key, "kmodwatch", 9);
	ev->keys[0] = ev->key;
	ev->nkeys = 1;
	event_set_str(ev, &ev->node, "web-01", 6);
	/* seen live on web-01: its boot and facts (variant 1: on another host, sent through it) */
	if (variant != 1)
		snprintf(ev->boot_id, sizeof(ev->boot_id), "0d1c5f0e-7a43-4a3e-9d7e-4b1f2c3d4e5f");
	ev->host = variant == 1 ? &other_host : &web01;
	ev->sc = variant == 2 ? KMW_SC_DELETE_MODULE : KMW_SC_FINIT_MODULE;
	ev->sc_nr = variant == 2 ? 176 : 313;
	ev->arch = 0xc000003e;
	ev->success = variant != 1;
	ev->has_exit = true;
	ev->exit = variant == 1 ? -129 : 0;
	ev->a[0] = 3;
	ev->a[1] = variant == 2 ? 0x800 : 0x5612345;
	ev->a[2] = variant == 0 ? 0x3 : 0x10;
	event_set_str(ev, &ev->mod_name, "evil", 4);
	ev->pid = 1234;
	ev->ppid = 1200;
	ev->uid = ev->euid = ev->gid = 0;
	ev->auid = 1000;
	ev->ses = 3;
	event_set_str(ev, &ev->uid_name, "root", 4);
	event_set_str(ev, &ev->euid_name, "root", 4);
	event_set_str(ev, &ev->gid_name, "root", 4);
	event_set_str(ev, &ev->auid_name, "alice", 5);
	event_set_str(ev, &ev->tty, "pts0", 4);
	event_set_str(ev, &ev->comm, "insmod", 6);
	event_set_str(ev, &ev->exe, "/usr/bin/kmod", 13);
	for (i = 0; i < 3; i++)
		event_set_str(ev, &ev->argv[i], argv[i], strlen(argv[i]));
	ev->argc = 3;
	ev->proc_read = variant == 0;
	ev->proc_error = variant == 0 ? NULL : "process_gone";
	ev->cmdline_from_proc = variant == 0;
	event_set_str(ev, &ev->cwd, "/root", 5);
	event_set_str(ev, &ev->proc_exe, "/usr/bin/kmod", 13);
	if (variant == 0) {
		ev->parent_read = true;
		ev->parent_pid = 1200;
		event_set_str(ev, &ev->parent_exe, "/usr/bin/bash", 13);
		for (i = 0; i < 3; i++)
			event_set_str(ev, &ev->parent_argv[i], pargv[i], strlen(pargv[i]));
		ev->parent_argc = 3;
		event_set_str(ev, &ev->container_id, "0123456789ab", 12);
		event_set_str(ev, &ev->container_runtime, "docker", 6);
		event_set_str(ev, &ev->unit, "sshd.service", 12);
	}
	if (variant == 2)
		return;
	event_set_str(ev, &ev->params, "x=1", 3);
	ev->params_src = variant == 0 ? KMW_PARAMS_PROC_MEM : KMW_PARAMS_ARGV;
	ev->params_errno = variant == 0 ? 0 : 3;
	if (variant == 1) {
		ev->path_err = KMW_PATH_ERROR;
		ev->path_errno = 13;
		ev->file_src = KMW_FILE_ARGV;
		event_set_str(ev, &ev->file_path, "/tmp/evil.ko", 12);
		ev->have_facts = true;
		m->error = "not an ELF file";
		ev->nskipped = 1;
		ev->skipped[0] = "hash: time";
		ev->nnotes = 1;
		ev->notes[0] = "field exe given twice";
		return;
	}
	event_set_str(ev, &ev->mod_path, "/tmp/evil.ko", 12);
	ev->path_err = KMW_PATH_OK;
	ev->have_stat = true;
	ev->dev = 2049;
	ev->ino = 131;
	ev->size = 5000;
	ev->mode = 0100644;
	ev->fuid = 1000;
	ev->fgid = 1000;
	ev->mtime = 1789990000;
	ev->ctime = 1789990001;
	ev->file_src = KMW_FILE_PROC_FD;
	ev->file_exact = true;
	ev->writable_dir = true;
	ev->have_facts = true;
	m->analysed = true;
	m->size = 5000;
	snprintf(m->sha256, sizeof(m->sha256), "%064x", 0xabc);
	m->compression = KMW_COMP_XZ;
	m->image_size = 12000;
	snprintf(m->image_sha256, sizeof(m->image_sha256), "%064x", 0xdef);
	m->has_modinfo = true;
	snprintf(m->mi_name, sizeof(m->mi_name), "evil");
	snprintf(m->mi_vermagic, sizeof(m->mi_vermagic), "6.1.0-27-amd64 SMP mod_unload");
	snprintf(m->mi_license, sizeof(m->mi_license), "GPL");
	snprintf(m->mi_srcversion, sizeof(m->mi_srcversion), "ABCDEF0123456789ABCDEF0");
	snprintf(m->mi_description, sizeof(m->mi_description), "a \"quoted\" test\tmodule");
	m->sig_present = true;
	snprintf(m->sig_id_type, sizeof(m->sig_id_type), "PKCS#7");
	snprintf(m->sig_signer, sizeof(m->sig_signer), "Build time autogenerated kernel key");
	snprintf(m->sig_key_id, sizeof(m->sig_key_id), "AB:CD:EF");
	snprintf(m->sig_hash, sizeof(m->sig_hash), "sha256");
	ev->have_sysfs = true;
	ev->sysfs.present = true;
	snprintf(ev->sysfs.srcversion, sizeof(ev->sysfs.srcversion), "ABCDEF0123456789ABCDEF0");
	snprintf(ev->sysfs.taint, sizeof(ev->sysfs.taint), "OE");
	snprintf(ev->sysfs.initstate, sizeof(ev->sysfs.initstate), "live");
	ev->sysfs.refcnt = 0;
	ev->sysfs.coresize = 16384;
	ev->sysfs.nparams = 1;
	snprintf(ev->sysfs.params[0].name, sizeof(ev->sysfs.params[0].name), "x");
	snprintf(ev->sysfs.params[0].value, sizeof(ev->sysfs.params[0].value), "1");
	event_set_str(ev, &ev->ondisk_path, "/lib/modules/6.1.0-27-amd64/extra/evil.ko", 42);
	snprintf(ev->ondisk_srcversion, sizeof(ev->ondisk_srcversion), "0000");
	ev->loaded_matches_disk = 0;
}

static void test_full(void **state)
{
	static struct kmw_event ev;
	struct out o = { .events = 0 };
	int v;

	(void)state;
	buf_init(&o.json);
	buf_init(&o.text);
	buf_init(&o.ecs);
	buf_init(&o.ocsf);
	for (v = 0; v < 3; v++) {
		fill_full(&ev, v);
		on_event(&ev, &o);
	}
	compare_formats("synthetic-full", &o);
}

/* One SYSCALL record body, as triage reads it, counted into @t at @ms. */
static void add_call(struct kmw_summary_table *t, const char *body, int64_t ms, uint64_t serial)
{
	struct kmw_call c;

	assert_int_equal(triage_classify(body, body + strlen(body), &c), KMW_CLASS_SHEDDABLE);
	c.time_ms = ms;
	c.serial = serial;
	summary_add(t, &c);
}

struct summaries {
	const struct kmw_summary_table *t;
	struct out *o;
};

static bool on_summary(struct kmw_summary_entry *e, void *arg)
{
	static struct kmw_event ev;
	struct summaries *s = arg;

	summary_to_event(s->t, e, "web-01", &ev);
	if (ev.uid == 65534)
		event_set_str(&ev, &ev.uid_name, "nobody", 6);
	on_event(&ev, s->o);
	return true;
}

/* Summaries in every format: a hex exe of nobody's, a quoted one on i386, and the overflow. */
static void test_summary(void **state)
{
	static struct kmw_summary_table t;
	struct out o = { .events = 0 };
	struct summaries s = { &t, &o };
	struct kmw_call c;
	const char *b64 =
		"arch=c000003e syscall=313 success=no exit=-1 a0=3 a1=4a2 a2=0 a3=0 "
		"items=0 ppid=1 pid=900 auid=1000 uid=65534 gid=65534 euid=65534 suid=65534 "
		"fsuid=65534 egid=65534 sgid=65534 fsgid=65534 tty=(none) ses=3 comm=\"x y\" "
		"exe=2F746D702F782079 key=\"kmodwatch\"";
	const char *b32 = "arch=40000003 syscall=129 success=no exit=-1 a0=8 a1=0 a2=0 a3=0 "
			  "items=0 ppid=1 pid=901 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 "
			  "fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm=\"rmmod\" "
			  "exe=\"/usr/bin/kmod\" key=\"kmodwatch\"";
	int64_t t0 = 1795800010000LL;
	int i;

	(void)state;
	buf_init(&o.json);
	buf_init(&o.text);
	buf_init(&o.ecs);
	buf_init(&o.ocsf);
	assert_int_equal(summary_init(&t, 10), 0);
	for (i = 0; i < 1000; i++)
		add_call(&t, b64, t0 + i, 5000 + (uint64_t)i);
	add_call(&t, b32, t0 + 500, 4000);
	/* a table full of keys counts the rest together */
	t.overflow.count = 0;
	memset(&c, 0, sizeof(c));
	assert_int_equal(summary_take(&t, t0 + 60000, true, on_summary, &s), 2);
	t.n = KMW_SUMMARY_MAX; /* as if full: what comes goes to the overflow entry */
	assert_int_equal(triage_classify(b64, b64 + strlen(b64), &c), KMW_CLASS_SHEDDABLE);
	c.time_ms = t0 + 20000;
	c.serial = 7000;
	summary_add(&t, &c);
	c.uid = 1000;
	c.time_ms = t0 + 21000;
	c.serial = 7001;
	summary_add(&t, &c);
	t.n = 0;
	assert_int_equal(summary_take(&t, t0 + 60000, true, on_summary, &s), 1);
	summary_fini(&t);
	compare_formats("synthetic-summary", &o);
}

/* The ledger's findings as alert lines, in every format: each kind of evidence once. */
static void test_alert(void **state)
{
	static struct kmw_event ev;
	struct kmw_ledger l;
	struct kmw_load ld = {
		.serial = 4711,
		.ms = 1795800000123LL,
		.path = "/tmp/rk/\"x\".ko",
		.sha256 = "b3b468d17054ccd70be7f4d4d00dd89e86f7c41c776e95aed26f34757875938c",
		.exe = "/usr/bin/kmod",
		.user = "root",
		.uid = 0,
		.risk = "medium"
	};
	struct kmw_module_info in_sys = { .name = "kmw_hide_now",
					  .in_sysfs = true,
					  .state = "live",
					  .taint = "OE",
					  .size = 12288,
					  .refcnt = 0 };
	struct kmw_module_info in_proc = { .name = "nls_utf8",
					   .in_proc = true,
					   .in_sysfs = true,
					   .state = "Live",
					   .srcversion = "9FA0C1B0FDB5E5ED3CC6C7B",
					   .size = 16384,
					   .refcnt = 0 };
	struct kmw_audit_gaps none = { 0 }, removed = { .rules_removed = 1, .kernel_lost = 3 };
	struct kmw_audit_gaps down = { .daemon_down = true };
	struct out o = { .events = 0 };
	int64_t t = 1795800060000LL;

	(void)state;
	buf_init(&o.json);
	buf_init(&o.text);
	buf_init(&o.ecs);
	buf_init(&o.ocsf);
	ledger_init(&l, 1500);
	ledger_load(&l, "kmw_hide_now", &ld, 0);
	ledger_at_start(&l, "kmw_hide_pre", 0);
	ledger_load(&l, "kmw_hide_later", &ld, 0);
	ledger_at_start(&l, "snd", 0);
	/* hidden from the list, audit saw it loaded; the same seen at the start only */
	ledger_alert(&ev, ledger_find(&l, "kmw_hide_now"), KMW_R_HIDDEN_MODULE, &in_sys, &none,
		     false, "web-01", t);
	on_event(&ev, &o);
	snprintf(in_sys.name, sizeof(in_sys.name), "kmw_hide_pre");
	ledger_alert(&ev, ledger_find(&l, "kmw_hide_pre"), KMW_R_HIDDEN_MODULE, &in_sys, &none,
		     false, "web-01", t + 1);
	on_event(&ev, &o);
	/* hidden from both views */
	ledger_alert(&ev, ledger_find(&l, "kmw_hide_later"), KMW_R_HIDDEN_MODULE, NULL, &none, true,
		     "web-01", t + 2);
	on_event(&ev, &o);
	/* loaded while the rules were removed; one with no counter moved */
	ledger_at_start(&l, "nls_utf8", 0);
	ledger_alert(&ev, ledger_find(&l, "nls_utf8"), KMW_R_UNAUDITED_LOAD, &in_proc, &removed,
		     false, "web-01", t + 3);
	on_event(&ev, &o);
	ledger_alert(&ev, ledger_find(&l, "nls_utf8"), KMW_R_UNAUDITED_LOAD, &in_proc, &none, false,
		     NULL, t + 4);
	on_event(&ev, &o);
	/* gone with no unload seen, while kmodwatchd was down */
	ledger_alert(&ev, ledger_find(&l, "snd"), KMW_R_UNAUDITED_UNLOAD, NULL, &down, false,
		     "web-01", t + 5);
	on_event(&ev, &o);
	ledger_free(&l);
	compare_formats("synthetic-alert", &o);
}

/* recorded from this machine's kernel (no module support: ENOSYS), b64 and b32 */
static void test_host_netlink(void **state)
{
	run_case("host-netlink", 1 << 20, 4);
}

/*
 * IMA's INTEGRITY_RULE records, as the 6.1 kernel of the harness writes them (before their
 * SYSCALL), a hex file name, sha1, and every bad case: each a parse note, none costs its
 * event or gives it a path. Fed in pieces of 13 bytes too.
 */
static void test_ima(void **state)
{
	run_case("ima", 1 << 20, 16);
	run_case("ima", 13, 16);
}

/* what the parser's hooks tell, one line each */
static void on_config(const struct kmw_config_change *c, void *arg)
{
	struct kmw_buf *b = arg;
	const struct kmw_event *ev = c->ev;
	unsigned int i;

	buf_printf(b,
		   "serial=%llu op=%s field=%s value=%lld old=%lld key=%s list=%d res=%d pid=%lld "
		   "auid=%lld ses=%lld comm=%.*s exe=%.*s argv=",
		   (unsigned long long)ev->serial, c->op, c->field, (long long)c->value,
		   (long long)c->old, c->key, c->list, c->res, (long long)ev->pid,
		   (long long)ev->auid, (long long)ev->ses, (int)ev->comm.len,
		   event_str(ev, &ev->comm), (int)ev->exe.len, event_str(ev, &ev->exe));
	for (i = 0; i < ev->argc; i++)
		buf_printf(b, "%s%.*s", i ? "|" : "", (int)ev->argv[i].len,
			   event_str(ev, &ev->argv[i]));
	buf_putc(b, '\n');
}

static struct out *suppressed_out;

static void on_suppressed(struct kmw_event *ev, void *arg)
{
	(void)arg;
	on_event(ev, suppressed_out);
}

/*
 * The records a kill chain leaves: changes of audit's configuration (a never rule, audit
 * disabled, a try at the audit pid) with the SYSCALL and PROCTITLE of who made them; an
 * INTEGRITY_RULE whose SYSCALL never comes (an alert, told when it expires: no clock in a
 * log); one whose SYSCALL comes late (joined, one event); KERN_MODULE and PROCTITLE without
 * their SYSCALL (a reader killed: an event of what came); a KERN_MODULE name with spaces.
 */
static void test_attack(void **state)
{
	const char *srcdir = getenv("srcdir") ?: ".";
	struct out o = { .events = 0 };
	struct kmw_buf config;
	struct kmw_lines *l = calloc(1, sizeof(*l));
	struct kmw_parser *p;
	char path[4096];
	size_t len = 0;
	char *data;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/data/attack.log", srcdir);
	data = test_slurp(path, &len);
	assert_non_null(data);
	assert_non_null(l);
	buf_init(&o.json);
	buf_init(&o.text);
	buf_init(&o.ecs);
	buf_init(&o.ocsf);
	buf_init(&config);
	p = parse_new(on_event, &o, "testhost");
	assert_non_null(p);
	parse_set_names(p, KMW_NAMES_RECORD);
	suppressed_out = &o;
	parse_set_hooks(p, &(struct kmw_parse_hooks){ .config_change = on_config,
						      .config_change_arg = &config,
						      .suppressed = on_suppressed,
						      .suppressed_arg = &config });
	lines_init(l, &parse_lines_ops, p, true);
	lines_push(l, data, len);
	lines_finish(l);
	parse_flush(p);
	/* the late sleepy, the one without SYSCALL, the odd name; and the suppressed alert */
	assert_int_equal(o.events, 4);
	compare("attack", "config", &config);
	buf_free(&config);
	compare_formats("attack", &o);
	parse_free(p);
	free(l);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arches),	     cmocka_unit_test(test_hexfields),
		cmocka_unit_test(test_interleaved),  cmocka_unit_test(test_noproctitle),
		cmocka_unit_test(test_flags),	     cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_real_netlink), cmocka_unit_test(test_real_enriched),
		cmocka_unit_test(test_host_netlink), cmocka_unit_test(test_ima),
		cmocka_unit_test(test_full),	     cmocka_unit_test(test_summary),
		cmocka_unit_test(test_alert),	     cmocka_unit_test(test_attack),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
