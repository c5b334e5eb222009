// SPDX-License-Identifier: GPL-2.0-or-later
/* test_enrich.c - enrichment against fake /proc and /sys trees: paths, reasons, context, risk */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/audit.h>

#include <openssl/evp.h>

#include "kmw_dpkg.h"
#include "kmw_enrich.h"
#include "kmw_modfile.h"
#include "kmw_risk.h"
#include "helpers.h"

#define CID "4f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

static char root[256];
static struct kmw_enricher *enr;
static struct kmw_event ev;

static void link_to(const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static void proc_stat(int pid, unsigned long long start_ticks)
{
	char rel[64], data[256];

	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	/* comm with a space and a paren, as a hostile process may choose */
	snprintf(data, sizeof(data),
		 "%d (my ) loader) S 1 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 "
		 "%llu 1000 100 18446744073709551615\n",
		 pid, start_ticks);
	test_put_under(root, rel, data, strlen(data));
}

static int setup(void **state)
{
	char data[512], module[300];
	time_t now = time(NULL);
	struct kmw_enrich_opts o = { 0 };

	snprintf(root, sizeof(root), "/tmp/kmw-test-enrich-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(data, sizeof(data), "cpu 1 2 3\nbtime %lld\n", (long long)now - 1000);
	test_put_under(root, "proc/stat", data, strlen(data));
	/* the loader: alive, started 10 s after boot */
	proc_stat(4242, 10 * sysconf(_SC_CLK_TCK));
	test_put_under(root, "proc/4242/cmdline", "modprobe\0dummy\0numdummies=2\0", 28);
	snprintf(data, sizeof(data), "0::/system.slice/docker-%s.scope\n", CID);
	test_put_under(root, "proc/4242/cgroup", data, strlen(data));
	test_put_under(root, "tmp/dummy.ko", "\177ELF not a module", 17);
	snprintf(module, sizeof(module), "%s/tmp/dummy.ko", root);
	test_put_under(root, "proc/4242/fd/.keep", "", 0);
	link_to("proc/4242/fd/3", module);
	link_to("proc/4242/fd/4", "/memfd:evil (deleted)");
	link_to("proc/4242/exe", "/usr/bin/kmod");
	link_to("proc/4242/cwd", "/root");
	/* its parent */
	proc_stat(1, 1);
	test_put_under(root, "proc/1/cmdline", "/sbin/init\0splash\0", 18);
	link_to("proc/1/exe", "/usr/lib/systemd/systemd");
	/* a pid given to a process that started after the event */
	proc_stat(4244, (unsigned long long)2000 * sysconf(_SC_CLK_TCK));
	test_put_under(root, "proc/4244/cmdline", "other\0", 6);
	link_to("proc/4244/exe", "/usr/bin/other");
	test_put_under(root, "proc/4244/fd/.keep", "", 0);
	link_to("proc/4244/fd/3", module);
	/* the kernel's view of the loaded module */
	test_put_under(root, "sys/module/dummy/srcversion", "ABCDEF0123456789ABCDEF0\n", 24);
	test_put_under(root, "sys/module/dummy/taint", "OE\n", 3);
	test_put_under(root, "sys/module/dummy/initstate", "live\n", 5);
	test_put_under(root, "sys/module/dummy/refcnt", "0\n", 2);
	test_put_under(root, "sys/module/dummy/coresize", "16384\n", 6);
	test_put_under(root, "sys/module/dummy/parameters/numdummies", "2\n", 2);

	snprintf(data, sizeof(data), "%s/proc", root);
	o.proc_root = strdup(data);
	snprintf(data, sizeof(data), "%s/sys", root);
	o.sys_root = strdup(data);
	o.moddir = "/nonexistent/kmodwatch-test";
	o.cache_entries = 4;
	enr = enrich_new(&o);
	assert_non_null(enr);
	free((char *)o.proc_root);
	free((char *)o.sys_root);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	enrich_free(enr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void make_event(int64_t pid, uint64_t fd)
{
	event_reset(&ev);
	ev.sc = KMW_SC_FINIT_MODULE;
	ev.arch = AUDIT_ARCH_X86_64;
	ev.sc_nr = 313;
	ev.sec = time(NULL);
	ev.pid = pid;
	ev.ppid = 1;
	ev.auid = 1000;
	ev.a[0] = fd;
	ev.success = true;
	ev.has_exit = true;
	event_set_str(&ev, &ev.mod_name, "dummy", 5);
	event_set_str(&ev, &ev.exe, "/usr/bin/kmod", 13);
}

static bool str_is(const struct kmw_str *s, const char *want)
{
	return s->set && s->len == strlen(want) && !memcmp(event_str(&ev, s), want, s->len);
}

static void test_live_loader(void **state)
{
	char want[300];

	make_event(4242, 3);
	enrich_event(enr, &ev);
	snprintf(want, sizeof(want), "%s/tmp/dummy.ko", root);
	assert_int_equal(ev.path_err, KMW_PATH_OK);
	assert_true(str_is(&ev.mod_path, want));
	assert_int_equal(ev.file_src, KMW_FILE_PROC_FD);
	assert_true(ev.have_stat);
	assert_int_equal(ev.size, 17);
	assert_false(ev.path_deleted);
	/* the file was analysed through our fd: not a module, and it says so */
	assert_true(ev.have_facts);
	assert_non_null(ev.facts.modinfo_error);
	assert_int_equal(ev.file_fd, -1); /* released by the slow stage */
	/* process context from /proc, not the audit record */
	assert_true(ev.proc_read);
	assert_true(ev.cmdline_from_proc);
	assert_int_equal(ev.argc, 3);
	assert_true(str_is(&ev.argv[2], "numdummies=2"));
	assert_true(str_is(&ev.cwd, "/root"));
	assert_true(str_is(&ev.proc_exe, "/usr/bin/kmod"));
	assert_true(ev.parent_read);
	assert_true(str_is(&ev.parent_exe, "/usr/lib/systemd/systemd"));
	assert_int_equal(ev.parent_argc, 2);
	assert_true(str_is(&ev.container_id, CID));
	assert_true(str_is(&ev.container_runtime, "docker"));
	assert_true(str_is(&ev.unit, "docker-" CID ".scope"));
	/* /sys/module */
	assert_true(ev.have_sysfs);
	assert_string_equal(ev.sysfs.srcversion, "ABCDEF0123456789ABCDEF0");
	assert_string_equal(ev.sysfs.taint, "OE");
	assert_string_equal(ev.sysfs.initstate, "live");
	assert_int_equal(ev.sysfs.coresize, 16384);
	assert_int_equal(ev.sysfs.nparams, 1);
	assert_string_equal(ev.sysfs.params[0].name, "numdummies");
	assert_string_equal(ev.sysfs.params[0].value, "2");
	/* no module directory: the comparison could not be made, and is not guessed */
	assert_int_equal(ev.loaded_matches_disk, -1);
	/* risk: a container, a login user, a file under /tmp */
	assert_true(ev.risk_reasons & (1u << KMW_R_IN_CONTAINER));
	assert_true(ev.risk_reasons & (1u << KMW_R_INTERACTIVE_USER));
	assert_true(ev.risk_reasons & (1u << KMW_R_WRITABLE_DIR));
	assert_false(ev.risk_reasons & (1u << KMW_R_UNUSUAL_LOADER));
	assert_int_equal(ev.risk_level, KMW_RISK_HIGH);
}

static void test_memfd(void **state)
{
	make_event(4242, 4);
	enrich_event(enr, &ev);
	assert_int_equal(ev.path_err, KMW_PATH_OK);
	assert_true(ev.path_deleted);
	assert_true(str_is(&ev.mod_path, "/memfd:evil"));
	assert_true(ev.risk_reasons & (1u << KMW_R_MEMFD_OR_DELETED));
}

static void test_fd_closed(void **state)
{
	make_event(4242, 9);
	enrich_event(enr, &ev);
	assert_int_equal(ev.path_err, KMW_PATH_FD_CLOSED);
	assert_false(ev.mod_path.set);
	assert_int_equal(ev.file_src, KMW_FILE_NONE);
}

/*
 * The loader's fd named a path, then was gone before kmodwatchd could open it
 * (the real-kernel CI saw the signed in-tree file reported for an unsigned
 * one, by a lookup of the name): the file at that path, exact only when it is
 * still the same inode.
 */
static void fd_gone_after_readlink(bool have_stat, bool same)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/tmp/dummy.ko", root);
	assert_int_equal(stat(path, &st), 0);
	make_event(4242, 3);
	ev.path_err = KMW_PATH_OK;
	event_set_str(&ev, &ev.mod_path, path, strlen(path));
	ev.have_stat = have_stat;
	ev.dev = st.st_dev;
	ev.ino = same ? st.st_ino : st.st_ino + 1;
	ev.ctime = st.st_ctim.tv_sec;
	enrich_finish(enr, &ev);
}

static void test_fd_path(void **state)
{
	char want[300];

	snprintf(want, sizeof(want), "%s/tmp/dummy.ko", root);
	fd_gone_after_readlink(true, true);
	assert_int_equal(ev.file_src, KMW_FILE_FD_PATH);
	assert_true(ev.file_exact);
	assert_true(ev.have_facts);
	assert_true(str_is(&ev.file_path, want));
	/* no stat to compare with: the file at the path, not claimed exact */
	fd_gone_after_readlink(false, false);
	assert_int_equal(ev.file_src, KMW_FILE_FD_PATH);
	assert_false(ev.file_exact);
	/* another inode there by now: not the file the kernel read */
	fd_gone_after_readlink(true, false);
	assert_int_not_equal(ev.file_src, KMW_FILE_FD_PATH);
	assert_false(ev.file_exact);
}

static void test_bad_fd(void **state)
{
	make_event(4242, 0xffffffffu);
	enrich_event(enr, &ev);
	assert_int_equal(ev.path_err, KMW_PATH_BAD_FD);
}

static void test_process_gone(void **state)
{
	make_event(4243, 3);
	enrich_event(enr, &ev);
	assert_int_equal(ev.path_err, KMW_PATH_PROCESS_GONE);
	assert_false(ev.proc_read);
	assert_string_equal(ev.proc_error, "process_gone");
	/* the record's own fields remain, and say where they came from */
	assert_true(str_is(&ev.exe, "/usr/bin/kmod"));
}

static void test_pid_reused(void **state)
{
	make_event(4244, 3);
	enrich_event(enr, &ev);
	assert_int_equal(ev.path_err, KMW_PATH_PID_REUSED);
	assert_false(ev.mod_path.set);
	assert_false(ev.proc_read);
	assert_string_equal(ev.proc_error, "pid_reused");
}

/* the hex digest of @data, as IMA writes it */
static void digest(const char *algo, const char *data, size_t len, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	assert_true(EVP_Digest(data, len, md, &n, EVP_get_digestbyname(algo), NULL));
	for (i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
}

/* An event of the loader at fd 5, whose file IMA attested with @algo over @attested. */
static void ima_event(const char *algo, const char *attested, uint64_t serial)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/tmp/ima.ko", root);
	make_event(4242, 5);
	ev.serial = serial;
	ev.ima.src = KMW_IMA_RECORD;
	snprintf(ev.ima.algo, sizeof(ev.ima.algo), "%s", algo);
	digest(algo, attested, strlen(attested), ev.ima.hash);
	event_set_str(&ev, &ev.ima_file, path, strlen(path));
}

static void test_ima(void **state)
{
	static const char v1[] = "\177ELF the module the kernel read";
	static const char v2[] = "\177ELF and what it was replaced by";
	const char *src;
	char path[300], want[129];

	snprintf(path, sizeof(path), "%s/tmp/ima.ko", root);
	test_put_under(root, "tmp/ima.ko", v1, strlen(v1));
	link_to("proc/4242/fd/5", path);

	/* the bytes the kernel read: exact, and remembered */
	ima_event("sha256", v1, 900);
	enrich_event(enr, &ev);
	assert_int_equal(ev.ima.matches, 1);
	assert_true(ev.file_exact);
	assert_false(ev.risk_reasons & (1u << KMW_R_CHANGED_SINCE_LOAD));
	/* a second load of the unchanged file: no record of its own, the first one's stands */
	make_event(4242, 5);
	ev.ima_absent = KMW_IMA_ABSENT_NO_RECORD;
	enrich_event(enr, &ev);
	assert_int_equal(ev.ima.src, KMW_IMA_EARLIER);
	assert_int_equal(ev.ima.serial, 900);
	assert_int_equal(ev.ima.matches, 1);
	assert_int_equal(ev.ima_absent, KMW_IMA_ABSENT_NONE);
	assert_true(str_is(&ev.ima_file, path));

	/* another algorithm: computed for the comparison */
	ima_event("sha1", v1, 901);
	enrich_event(enr, &ev);
	assert_int_equal(ev.ima.matches, 1);

	/* overwritten after the load: both hashes, and the reason */
	test_put_under(root, "tmp/ima.ko", v2, strlen(v2));
	ima_event("sha256", v1, 902);
	enrich_event(enr, &ev);
	assert_int_equal(ev.ima.matches, 0);
	assert_false(ev.file_exact);
	digest("sha256", v2, strlen(v2), want);
	assert_string_equal(ev.ima.now, want);
	assert_string_equal(ev.facts.sha256, want);
	assert_true(ev.risk_reasons & (1u << KMW_R_CHANGED_SINCE_LOAD));
	assert_int_equal(ev.risk_level, KMW_RISK_HIGH);
	/* the changed file is no attested one: a later load without a record gets nothing */
	make_event(4242, 5);
	ev.ima_absent = KMW_IMA_ABSENT_NO_RECORD;
	enrich_event(enr, &ev);
	assert_int_equal(ev.ima.src, KMW_IMA_NONE);
	assert_int_equal(ev.ima_absent, KMW_IMA_ABSENT_NO_RECORD);

	/* the loader gone before /proc was read: the path and the file from IMA, verified */
	test_put_under(root, "tmp/ima.ko", v1, strlen(v1));
	ima_event("sha256", v1, 903);
	ev.pid = 4243;
	enrich_event(enr, &ev);
	assert_int_equal(ev.path_err, KMW_PATH_PROCESS_GONE);
	assert_true(event_module_path(&ev, &src) == &ev.ima_file);
	assert_string_equal(src, "ima");
	assert_int_equal(ev.file_src, KMW_FILE_IMA_PATH);
	assert_true(ev.file_exact);
	assert_int_equal(ev.ima.matches, 1);
}

/* A cached hash that disagrees with the kernel's is not taken: the file is read again. */
static void test_ima_stale_cache(void **state)
{
	struct kmw_analyzer *a = modfile_new(4, NULL);
	struct kmw_modfacts f;
	char path[300], now[129], other[129];
	int fd, m;

	(void)state;
	snprintf(path, sizeof(path), "%s/tmp/cached.ko", root);
	test_put_under(root, "tmp/cached.ko", "\177ELF cached", 12);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	modfile_analyse_fd(a, fd, &f);
	modfile_analyse_fd(a, fd, &f);
	assert_true(f.cached);
	/* the kernel says other bytes: the cache is not believed, the bytes are read again */
	digest("sha256", "something else", 14, other);
	m = modfile_attest(a, fd, &f, "sha256", other, now, sizeof(now));
	assert_int_equal(m, 0);
	assert_false(f.cached);
	assert_string_equal(now, f.sha256);
	/* and when it agrees, the cache serves */
	m = modfile_attest(a, fd, &f, "sha256", f.sha256, now, sizeof(now));
	assert_int_equal(m, 1);
	assert_true(f.cached);
	/* an algorithm nobody has: cannot tell */
	assert_int_equal(modfile_attest(a, fd, &f, "blake9", other, now, sizeof(now)), -1);
	close(fd);
	modfile_free(a);
}

/*
 * Which package ships the loaded file, from a fake dpkg database: as shipped, changed since
 * (the digest of the bytes the kernel read is not the recorded one), and shipped by none.
 */
static void test_package(void **state)
{
	struct kmw_enrich_opts o = { .cache_entries = 0, .moddir = "/nonexistent/kmodwatch-test" };
	char proc[300], sys[300], admin[300], list[600], sums[600], md5[33], path[300];
	struct kmw_enricher *e;

	(void)state;
	snprintf(path, sizeof(path), "%s/tmp/dummy.ko", root);
	assert_int_equal(dpkg_md5_file(path, md5), 0);
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(admin, sizeof(admin), "%s/dpkg", root);
	o.proc_root = proc;
	o.sys_root = sys;
	o.dpkg_admin = admin;
	o.dkms_dir = admin;
	/* a file the list names outside a modules directory: found in the lists themselves */
	snprintf(list, sizeof(list), "%s/tmp/dummy.ko\n", root);
	test_put_under(root, "dpkg/info/dummy-modules.list", list, strlen(list));
	snprintf(sums, sizeof(sums), "%s  %s/tmp/dummy.ko\n", md5, root + 1);
	test_put_under(root, "dpkg/info/dummy-modules.md5sums", sums, strlen(sums));
	e = enrich_new(&o);
	assert_non_null(e);
	make_event(4242, 3);
	enrich_event(e, &ev);
	assert_int_equal(ev.package, KMW_PKG_PACKAGED);
	assert_string_equal(ev.package_name, "dummy-modules");
	assert_false(ev.risk_reasons & (1u << KMW_R_UNPACKAGED));
	enrich_free(e);
	/* ... and one no list names: unpackaged */
	test_put_under(root, "dpkg/info/dummy-modules.list", "/nothing/else\n", 14);
	e = enrich_new(&o);
	assert_non_null(e);
	make_event(4242, 3);
	enrich_event(e, &ev);
	assert_int_equal(ev.package, KMW_PKG_UNPACKAGED);
	assert_true(ev.risk_reasons & (1u << KMW_R_UNPACKAGED));
	enrich_free(e);

	test_put_under(root, "lib/modules/6.1/extra/dummy.ko", "\177ELF not a module", 17);
	snprintf(path, sizeof(path), "%s/lib/modules/6.1/extra/dummy.ko", root);
	link_to("proc/4242/fd/9", path);
	snprintf(list, sizeof(list), "%s\n", path);
	test_put_under(root, "dpkg/info/dummy-modules.list", list, strlen(list));
	snprintf(sums, sizeof(sums), "%s  %s\n", md5, path + 1);
	test_put_under(root, "dpkg/info/dummy-modules.md5sums", sums, strlen(sums));
	e = enrich_new(&o);
	make_event(4242, 9);
	enrich_event(e, &ev);
	assert_int_equal(ev.package, KMW_PKG_PACKAGED);
	assert_string_equal(ev.package_name, "dummy-modules");
	assert_string_equal(ev.package_md5, md5);
	assert_false(ev.risk_reasons & ((1u << KMW_R_UNPACKAGED) | (1u << KMW_R_PACKAGE_MODIFIED)));
	enrich_free(e);

	/* the package recorded other bytes */
	snprintf(sums, sizeof(sums), "0123456789abcdef0123456789abcdef  %s\n", path + 1);
	test_put_under(root, "dpkg/info/dummy-modules.md5sums", sums, strlen(sums));
	e = enrich_new(&o);
	make_event(4242, 9);
	enrich_event(e, &ev);
	assert_int_equal(ev.package, KMW_PKG_MODIFIED);
	assert_string_equal(ev.package_md5_now, md5);
	assert_true(ev.risk_reasons & (1u << KMW_R_PACKAGE_MODIFIED));
	assert_int_equal(ev.risk_level, KMW_RISK_HIGH);
	enrich_free(e);

	/* from a log: nothing looked up */
	e = enrich_new(&o);
	make_event(4242, 9);
	ev.historical = true;
	enrich_event(e, &ev);
	assert_int_equal(ev.package, KMW_PKG_UNKNOWN);
	enrich_free(e);
	unlink(path);
}

static void test_risk_config(void **state)
{
	struct kmw_risk_config c;

	risk_config_default(&c);
	assert_int_equal(risk_level_of(&c, 1u << KMW_R_INTERACTIVE_USER), KMW_RISK_LOW);
	assert_int_equal(risk_config_set(&c, "interactive_user=high"), 0);
	assert_int_equal(risk_level_of(&c, 1u << KMW_R_INTERACTIVE_USER), KMW_RISK_HIGH);
	assert_int_equal(risk_config_set(&c, "in_container=off"), 0);
	assert_int_equal(risk_level_of(&c, 1u << KMW_R_IN_CONTAINER), KMW_RISK_INFO);
	assert_int_equal(risk_config_set(&c, "no_such_reason=high"), -EINVAL);
	assert_int_equal(risk_config_set(&c, "unsigned=severe"), -EINVAL);
	assert_int_equal(risk_config_set(&c, "unsigned"), -EINVAL);
	assert_string_equal(risk_reason_code(KMW_R_LOADED_DIFFERS), "loaded_differs_from_disk");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_loader),	cmocka_unit_test(test_memfd),
		cmocka_unit_test(test_fd_closed),	cmocka_unit_test(test_fd_path),
		cmocka_unit_test(test_bad_fd),		cmocka_unit_test(test_process_gone),
		cmocka_unit_test(test_pid_reused),	cmocka_unit_test(test_ima),
		cmocka_unit_test(test_ima_stale_cache), cmocka_unit_test(test_package),
		cmocka_unit_test(test_risk_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
