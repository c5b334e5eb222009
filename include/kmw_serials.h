/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_serials.h - which audit event serials never arrived: events the kernel lost for us */
#ifndef KMW_SERIALS_H
#define KMW_SERIALS_H

#include <stdbool.h>
#include <stdint.h>

/* How far behind the newest serial a late one is still placed. */
#define KMW_SERIAL_WINDOW 65536

/*
 * Every audit event takes the next serial (a per-boot counter, modulo 2^32)
 * when its first record is made, and every record made reaches the audit
 * daemon and the multicast group unless it is lost. So a serial that never
 * arrives is an event lost. Events from several CPUs arrive a little out of
 * order: a serial is settled (counted lost, or not) only once it falls out of
 * the window behind the newest one, or at serials_settle.
 */
struct kmw_serials {
	bool started;
	uint32_t base; /* the oldest serial not yet settled */
	uint32_t top;  /* one past the newest serial seen */
	uint64_t lost; /* settled serials that never came */
	uint64_t late; /* records that came after their serial was settled */
	uint64_t bits[KMW_SERIAL_WINDOW / 64]; /* seen, for base .. base + WINDOW - 1 */
};

/**
 * serials_init - an empty tracker: the first serial seen starts it.
 */
void serials_init(struct kmw_serials *t);

/**
 * serials_see - a record of event @serial arrived.
 */
void serials_see(struct kmw_serials *t, uint32_t serial);

/**
 * serials_settle - settle every serial before @upto: those never seen are lost.
 * serials_settle(t, t->top) settles all, at the end of input.
 */
void serials_settle(struct kmw_serials *t, uint32_t upto);

/**
 * serials_of_record - the serial in a record's "audit(SEC.MS:SERIAL):" header.
 * Returns false when @msg has none. @sec gets the seconds.
 */
bool serials_of_record(const char *msg, size_t len, uint32_t *serial, int64_t *sec);

#endif
