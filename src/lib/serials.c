// SPDX-License-Identifier: GPL-2.0-or-later
/* serials.c - count the audit event serials that never arrived */
#include <string.h>

#include "kmw_serials.h"

#define WORDS (KMW_SERIAL_WINDOW / 64)

void serials_init(struct kmw_serials *t)
{
	memset(t, 0, sizeof(*t));
}

static bool seen(const struct kmw_serials *t, uint32_t s)
{
	uint32_t i = s % KMW_SERIAL_WINDOW;

	return t->bits[i / 64] >> (i % 64) & 1;
}

void serials_settle(struct kmw_serials *t, uint32_t upto)
{
	uint32_t n = upto - t->base, i;

	if (!t->started || n >= 0x80000000u)
		return;
	/* beyond the window nothing was marked: all of it was lost */
	if (n > KMW_SERIAL_WINDOW) {
		for (i = 0; i < WORDS; i++)
			t->lost += 64 - (uint64_t)__builtin_popcountll(t->bits[i]);
		memset(t->bits, 0, sizeof(t->bits));
		t->lost += n - KMW_SERIAL_WINDOW;
		t->base = upto;
		return;
	}
	for (; t->base != upto; t->base++) {
		i = t->base % KMW_SERIAL_WINDOW;
		if (!seen(t, t->base))
			t->lost++;
		t->bits[i / 64] &= ~(1ull << (i % 64));
	}
}

void serials_see(struct kmw_serials *t, uint32_t s)
{
	uint32_t i;

	if (!t->started) {
		t->started = true;
		t->base = s;
		t->top = s;
	}
	if (s - t->base >= 0x80000000u) {
		/* older than what was settled: counted lost already, or a repeat */
		t->late++;
		return;
	}
	/* the window ends at the newest serial: settle what falls out of it */
	if (s - t->base >= KMW_SERIAL_WINDOW)
		serials_settle(t, s - KMW_SERIAL_WINDOW + 1);
	i = s % KMW_SERIAL_WINDOW;
	t->bits[i / 64] |= 1ull << (i % 64);
	if (s - t->top < 0x80000000u)
		t->top = s + 1;
}

bool serials_of_record(const char *msg, size_t len, uint32_t *serial, int64_t *sec)
{
	const char *p = msg, *end = msg + (len < 64 ? len : 64);
	uint64_t v = 0;
	int64_t sv = 0;

	/* "audit(" SEC "." MS ":" SERIAL ")" */
	if (end - p < 6 || memcmp(p, "audit(", 6))
		return false;
	/* a time past year 33658 is no audit timestamp, and must not overflow */
	for (p += 6; p < end && *p >= '0' && *p <= '9' && sv < 1000000000000LL; p++)
		sv = sv * 10 + (*p - '0');
	if (p >= end || *p != '.')
		return false;
	while (++p < end && *p >= '0' && *p <= '9')
		;
	if (p >= end || *p != ':')
		return false;
	while (++p < end && *p >= '0' && *p <= '9' && v <= UINT32_MAX)
		v = v * 10 + (uint64_t)(*p - '0');
	if (p >= end || *p != ')' || v > UINT32_MAX)
		return false;
	*serial = (uint32_t)v;
	*sec = sv;
	return true;
}
