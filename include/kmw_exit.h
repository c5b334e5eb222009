/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_exit.h - the exit codes of kmodwatchd and kmodwatch, one list for both: the numbers their
 * help texts and man pages promise */
#ifndef KMW_EXIT_H
#define KMW_EXIT_H

#define KMW_EXIT_OK 0
/* kmodwatchd: a runtime error; kmodwatch query and modules: nothing matched; kmodwatch status:
 * capture degraded */
#define KMW_EXIT_FAILURE 1
#define KMW_EXIT_NOMATCH KMW_EXIT_FAILURE
#define KMW_EXIT_DEGRADED KMW_EXIT_FAILURE
/* bad usage; kmodwatch: any error that is not one below */
#define KMW_EXIT_USAGE 2
#define KMW_EXIT_ERROR KMW_EXIT_USAGE
/* kmodwatch status: neither the daemon nor the plugin runs */
#define KMW_EXIT_NOT_RUNNING 3
#define KMW_EXIT_NOPRIV 4
/* kmodwatchd: another kmodwatchd (daemon or plugin) reads this host's events already */
#define KMW_EXIT_OTHER_CONSUMER 5
/* a bad configuration file, or (kmodwatchd --check-config) checks that failed */
#define KMW_EXIT_CONFIG 6

#endif
