// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmw_evil.c - the hostile test modules of the real-kernel harness: what a rootkit does to the
 * monitor, each a mode (KMW_EVIL, set by vm.py at build time):
 *   1 silent   drops its own audit record (audit_set_context(current, NULL): the SYSCALL,
 *              KERN_MODULE, PROCTITLE and EOE records of the load are never written), then
 *              unlinks itself from the module list and from sysfs: loaded, and gone from
 *              every view; only IMA's INTEGRITY_RULE (written before init) and the kernel's
 *              taint are left
 *   2 sleepy   its init sleeps sleep_ms: the SYSCALL record comes that late
 *   3 untaint  clears the kernel's taint flags (tainted_mask, found through kallsyms as
 *              rootkits find it), to cover a load's tracks; a write to its parameter
 *              "reenable" clears kernel.modules_disabled, weakening the posture
 *   4 params   a module with parameters (secret, note) to be given hostile ones; a word it
 *              does not know (pad=...) the kernel skips, and loads it still
 *   5 decoy    nothing: vm.py rewrites its name into one that forges /proc/modules lines
 * Modes 1 and 3 can never be unloaded: the guest powers off.
 */
#include <linux/audit.h>
#include <linux/delay.h>
#include <linux/kobject.h>
#include <linux/kprobes.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>

#ifndef KMW_EVIL
#define KMW_EVIL 5
#endif

#if KMW_EVIL == 3
/* kallsyms_lookup_name is not exported since 5.7: a kprobe on it gives its address */
static unsigned long lookup(const char *name)
{
	unsigned long (*fn)(const char *name);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

	if (register_kprobe(&kp) < 0)
		return 0;
	fn = (void *)kp.addr;
	unregister_kprobe(&kp);
	return fn ? fn(name) : 0;
}

static int set_reenable(const char *val, const struct kernel_param *kp)
{
	int *disabled = (int *)lookup("modules_disabled");

	if (!disabled)
		return -ENOENT;
	*disabled = 0;
	return 0;
}

static const struct kernel_param_ops reenable_ops = { .set = set_reenable };
module_param_cb(reenable, &reenable_ops, NULL, 0200);
MODULE_PARM_DESC(reenable, "write 1: clear kernel.modules_disabled");
#endif

#if KMW_EVIL == 2
static unsigned int sleep_ms = 10000;
module_param(sleep_ms, uint, 0);
MODULE_PARM_DESC(sleep_ms, "how long init sleeps");
#endif

#if KMW_EVIL == 4
static int secret;
module_param(secret, int, 0444);
MODULE_PARM_DESC(secret, "a number to set");
static char *note;
module_param(note, charp, 0444);
MODULE_PARM_DESC(note, "a string to set");
#endif

static int __init kmw_evil_init(void)
{
#if KMW_EVIL == 1
	/* the load's records go out at syscall exit: without a context there are none */
	audit_set_context(current, NULL);
	list_del_init(&THIS_MODULE->list);
	kobject_del(&THIS_MODULE->mkobj.kobj);
#elif KMW_EVIL == 2
	msleep(sleep_ms);
#elif KMW_EVIL == 3
	unsigned long *mask = (unsigned long *)lookup("tainted_mask");

	if (mask)
		*mask = 0;
#endif
	return 0;
}
module_init(kmw_evil_init);

#if KMW_EVIL == 2 || KMW_EVIL == 4 || KMW_EVIL == 5
static void __exit kmw_evil_exit(void)
{
}
module_exit(kmw_evil_exit);
#endif

#ifdef KMW_STAGING
/* the kernel taints C for a staging driver: a flag no other test module sets */
MODULE_INFO(staging, "Y");
#endif
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmodwatch test: a module that does what rootkits do to a monitor");
