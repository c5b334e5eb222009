/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_clock.h - the clocks every module reads: wall time for what is compared with audit's
 * timestamps, monotonic time for intervals and deadlines */
#ifndef KMW_CLOCK_H
#define KMW_CLOCK_H

#include <stdint.h>
#include <time.h>

/* wall-clock milliseconds since the epoch (audit's records carry the same) */
static inline int64_t kmw_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* monotonic milliseconds: intervals and deadlines, whatever the wall clock does */
static inline int64_t kmw_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* monotonic microseconds */
static inline int64_t kmw_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif
