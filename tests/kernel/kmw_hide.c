// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmw_hide.c - a test module of the real-kernel harness that hides as rootkits do. vm.py
 * builds it three times against the harness kernel's headers, with KMW_HIDE set:
 *   1  unlink from the module list in init (list_del, as Diamorphine and others do): gone
 *      from /proc/modules and lsmod, still in /sys/module;
 *   2  a few seconds after loading (delay_ms), unlink from the list and from sysfs
 *      (kobject_del): gone from both views.
 * It can never be unloaded again (delete_module finds it by the list): the guest powers off.
 */
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/workqueue.h>

#ifndef KMW_HIDE
#define KMW_HIDE 1
#endif

static unsigned int delay_ms = 3000;
module_param(delay_ms, uint, 0);
MODULE_PARM_DESC(delay_ms, "mode 2: hide this long after loading");

static void hide_later(struct work_struct *w)
{
	list_del_init(&THIS_MODULE->list);
	kobject_del(&THIS_MODULE->mkobj.kobj);
}
static DECLARE_DELAYED_WORK(later, hide_later);

static int __init kmw_hide_init(void)
{
	if (KMW_HIDE == 1)
		list_del_init(&THIS_MODULE->list);
	else
		schedule_delayed_work(&later, msecs_to_jiffies(delay_ms));
	return 0;
}
module_init(kmw_hide_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmodwatch test: a module that hides from the module list (and sysfs)");
