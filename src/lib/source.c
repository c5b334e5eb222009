// SPDX-License-Identifier: GPL-2.0-or-later
/* source.c - read audit records from the kernel: multicast group or as the audit daemon */
#include <errno.h>
#include <linux/audit.h>
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libaudit.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "kmw_source.h"

#ifndef AUDIT_NLGRP_READLOG
#define AUDIT_NLGRP_READLOG 1
#endif

/* bursts of module loads at boot come with many other records: be generous */
#define KMW_RCVBUF (16 * 1024 * 1024)

const char *source_mode_name(enum kmw_source_mode m)
{
	switch (m) {
	case KMW_SRC_AUTO: return "auto";
	case KMW_SRC_MULTICAST: return "multicast";
	case KMW_SRC_UNICAST: return "unicast";
	}
	return "?";
}

int source_parse_mode(const char *name, enum kmw_source_mode *out)
{
	if (!strcmp(name, "auto"))
		*out = KMW_SRC_AUTO;
	else if (!strcmp(name, "multicast"))
		*out = KMW_SRC_MULTICAST;
	else if (!strcmp(name, "unicast"))
		*out = KMW_SRC_UNICAST;
	else
		return -EINVAL;
	return 0;
}

static void size_rcvbuf(struct kmw_source *s)
{
	int v = KMW_RCVBUF;
	socklen_t l = sizeof(v);

	/* FORCE passes rmem_max with CAP_NET_ADMIN; without it take what is allowed */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &v, &l) == 0)
		s->rcvbuf = v;
}

/* Double the receive buffer after an overrun, up to 256 MiB. */
static void grow_rcvbuf(struct kmw_source *s)
{
	int v = s->rcvbuf;
	socklen_t l = sizeof(v);

	if (v >= (256 << 20))
		return;
	v = v * 2 > (256 << 20) ? (256 << 20) : v * 2;
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &v, &l) == 0)
		s->rcvbuf = v;
}

static int open_multicast(struct kmw_source *s)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1),
	};

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(s->fd);
		s->fd = -1;
		return err;
	}
	s->mode = KMW_SRC_MULTICAST;
	return 0;
}

static int open_unicast(struct kmw_source *s)
{
	int rc;

	s->fd = audit_open();
	if (s->fd < 0)
		return -errno;
	/* the socket that sends the pid is the one the kernel delivers to */
	rc = audit_set_pid(s->fd, (uint32_t)getpid(), WAIT_YES);
	if (rc < 0) {
		audit_close(s->fd);
		s->fd = -1;
		return rc == -1 ? -EPERM : rc;
	}
	s->own_pid = true;
	s->mode = KMW_SRC_UNICAST;
	return 0;
}

int source_open(struct kmw_source *s, enum kmw_source_mode mode, pid_t audit_pid)
{
	int rc;

	memset(&s->stats, 0, sizeof(s->stats));
	serials_init(&s->serials);
	s->settle_mark = 0;
	s->settle_valid = false;
	s->batch_n = s->batch_next = 0;
	s->stopping = false;
	s->last_sec = 0;
	s->overrun_since = 0;
	s->probe_due = false;
	/* what the kernel held back before we came (its hold queue) is not ours to count */
	s->since = (int64_t)time(NULL);
	s->fd = -1;
	s->own_pid = false;
	if (mode == KMW_SRC_AUTO) {
		bool other = audit_pid > 0 && audit_pid != getpid() &&
			     (kill(audit_pid, 0) == 0 || errno == EPERM);

		mode = other ? KMW_SRC_MULTICAST : KMW_SRC_UNICAST;
	}
	if (mode == KMW_SRC_MULTICAST) {
		rc = open_multicast(s);
	} else {
		if (audit_pid > 0 && audit_pid != getpid() &&
		    (kill(audit_pid, 0) == 0 || errno == EPERM))
			return -EEXIST;
		rc = open_unicast(s);
	}
	if (rc)
		return rc;
	size_rcvbuf(s);
	pthread_mutex_init(&s->lock, NULL);
	return 0;
}

/* Our marker after an overrun (source_probe): from this process, with its op. */
static bool is_marker(const struct kmw_source *s, int type, const char *msg, size_t len)
{
	char pid[32];

	if (type != AUDIT_USER || !memmem(msg, len, "op=kmodwatch-overrun-marker", 27))
		return false;
	snprintf(pid, sizeof(pid), " pid=%d ", (int)getpid());
	return memmem(msg, len, pid, strlen(pid)) != NULL;
}

/* Count a record and track its serial; serials from before @since are a backlog, not ours.
 * Under s->lock. */
static void account(struct kmw_source *s, int type, const char *msg, size_t len)
{
	uint32_t serial;
	int64_t sec;
	bool have = serials_of_record(msg, len, &serial, &sec);

	s->stats.records++;
	if (have && (s->serials.started || sec >= s->since)) {
		serials_see(&s->serials, serial);
		/*
		 * Sent once the socket was drained after an overrun: what has not
		 * come by now was dropped, and is counted now, not ticks later.
		 */
		if (is_marker(s, type, msg, len))
			serials_settle(&s->serials, serial);
	}
	if (have && sec > s->last_sec)
		s->last_sec = sec;
}

/*
 * One record as a log line. The kernel escapes what it takes from processes,
 * except the text of user messages: a newline or NUL there must not end the line.
 */
static size_t format_line(char *out, size_t cap, int type, const char *msg, size_t len)
{
	const char *name = audit_msg_type_to_name(type);
	char head[64];
	size_t n, i;

	while (len && (msg[len - 1] == '\0' || msg[len - 1] == '\n'))
		len--;
	if (name)
		n = (size_t)snprintf(head, sizeof(head), "type=%s msg=", name);
	else
		n = (size_t)snprintf(head, sizeof(head), "type=UNKNOWN[%d] msg=", type);
	if (n >= sizeof(head) || n + len + 1 > cap)
		return 0;
	memcpy(out, head, n);
	memcpy(out + n, msg, len);
	for (i = n; i < n + len; i++)
		if (out[i] == '\n' || out[i] == '\0')
			out[i] = ' ';
	n += len;
	out[n++] = '\n';
	return n;
}

/* At the end, what the socket holds is taken, for half a second at most: the
 * rules are still in place, and a flood would never let it be empty. */
static bool past_stop(const struct kmw_source *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - s->stop_at.tv_sec) * 1000 +
		       (now.tv_nsec - s->stop_at.tv_nsec) / 1000000 >
	       500;
}

/* The lines made go to the queue; the record log gets them whole, now. */
static ssize_t hand_over(struct kmw_source *s, size_t used)
{
	if (s->record_log)
		fflush(s->record_log);
	return (ssize_t)used;
}

/*
 * The records of a batch just received: those that are records are counted, under one
 * lock for all of them; the rest (control replies, other senders) are marked to skip.
 */
static void take_batch(struct kmw_source *s, unsigned int n)
{
	unsigned int i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < n; i++) {
		struct kmw_recv *r = &s->batch[i];
		struct nlmsghdr *nh = (struct nlmsghdr *)r->buf;
		size_t got = s->msgs[i].msg_len;

		r->len = 0;
		r->type = -1;
		/* only the kernel's messages are records */
		if (r->from.nl_pid != 0)
			continue;
		/*
		 * The kernel sends one record per datagram, and sets nlmsg_len of a
		 * record to the payload length alone (a historical quirk that
		 * libaudit follows), so NLMSG_OK/NEXT do not apply to records.
		 */
		if (got < NLMSG_HDRLEN)
			continue;
		/*
		 * 1000..1099 are control replies (status, rule lists), not records,
		 * except AUDIT_USER: the old user message, as our marker is sent
		 */
		if (nh->nlmsg_type < AUDIT_FIRST_USER_MSG && nh->nlmsg_type != AUDIT_USER)
			continue;
		/* to the audit daemon alone, from the kernel: someone asks for its place (its
		 * CONFIG_CHANGE record says who); a pid, no record */
		if (nh->nlmsg_type == AUDIT_REPLACE)
			continue;
		r->len = nh->nlmsg_len;
		if (r->len > got - NLMSG_HDRLEN)
			r->len = got - NLMSG_HDRLEN;
		r->type = nh->nlmsg_type;
		account(s, r->type, (char *)NLMSG_DATA(nh), r->len);
	}
	pthread_mutex_unlock(&s->lock);
	s->batch_n = n;
	s->batch_next = 0;
}

/* Receive what the socket holds, up to a batch, without waiting. Returns the count or -errno. */
static int receive(struct kmw_source *s)
{
	unsigned int i;
	int n;

	for (i = 0; i < KMW_RECV_BATCH; i++) {
		s->iov[i] = (struct iovec){ .iov_base = s->batch[i].buf,
					    .iov_len = sizeof(s->batch[i].buf) };
		s->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &s->batch[i].from,
			.msg_namelen = sizeof(s->batch[i].from),
			.msg_iov = &s->iov[i],
			.msg_iovlen = 1,
		};
	}
	/* one system call for many records: a flood brings hundreds of thousands a second */
	n = recvmmsg(s->fd, s->msgs, KMW_RECV_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0)
		return -errno;
	take_batch(s, (unsigned int)n);
	s->batch_short = n < KMW_RECV_BATCH;
	return n;
}

ssize_t source_fill(void *arg, char *buf, size_t cap, int stop_fd)
{
	struct kmw_source *s = arg;
	size_t used = 0;
	ssize_t n;
	int rc;

	for (;;) {
		/* what was received and not yet taken: taken in order, while it fits */
		while (s->batch_next < s->batch_n) {
			struct kmw_recv *r = &s->batch[s->batch_next];

			if (r->type < 0) {
				s->batch_next++;
				continue;
			}
			n = (ssize_t)format_line(buf + used, cap - used, r->type,
						 (char *)NLMSG_DATA((struct nlmsghdr *)r->buf),
						 r->len);
			if (!n) {
				if (used)
					return hand_over(s, used);
				/* longer than a whole chunk: no record is; count it, skip it */
				pthread_mutex_lock(&s->lock);
				s->stats.too_long++;
				pthread_mutex_unlock(&s->lock);
				s->batch_next++;
				continue;
			}
			if (s->record_log)
				fwrite(buf + used, 1, (size_t)n, s->record_log);
			used += (size_t)n;
			/* a syscall event: SYSCALL first, its EOE last */
			if (r->type == AUDIT_SYSCALL || r->type == AUDIT_EOE)
				s->event_open = r->type == AUDIT_SYSCALL;
			s->batch_next++;
		}
		if (!used && !s->stopping) {
			struct pollfd p[2] = {
				{ .fd = s->fd, .events = POLLIN },
				{ .fd = stop_fd, .events = POLLIN },
			};

			if (poll(p, stop_fd >= 0 ? 2 : 1, -1) < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (p[1].revents) {
				s->stopping = true;
				clock_gettime(CLOCK_MONOTONIC, &s->stop_at);
			}
		}
		if (s->stopping && !used && past_stop(s))
			return 0;
		/* the last receive took less than a batch: the socket was empty then, and asking
		 * again would only say so (EAGAIN) at the cost of a system call */
		if (s->batch_short && !s->stopping) {
			s->batch_short = false;
			rc = -EAGAIN;
		} else {
			rc = receive(s);
		}
		if (rc >= 0)
			continue;
		if (rc == -EINTR)
			continue;
		if (rc == -EAGAIN || rc == -EWOULDBLOCK) {
			/*
			 * After an overrun the kernel drops every record for us
			 * until the queue is empty: now it is, and the marker
			 * gets through.
			 */
			if (s->probe_due) {
				s->probe_due = false;
				source_probe(s);
				if (s->stopping && !used)
					poll(&(struct pollfd){ .fd = s->fd, .events = POLLIN }, 1,
					     100);
			}
			if (used)
				return hand_over(s, used);
			/*
			 * Stopping: kauditd sends an event's records one after the other, and
			 * the rest of one begun may still be on its way (a slow guest shows it):
			 * a moment for its EOE, within the half second of the stop.
			 */
			if (s->stopping && s->event_open && !past_stop(s)) {
				poll(&(struct pollfd){ .fd = s->fd, .events = POLLIN }, 1, 50);
				continue;
			}
			if (s->stopping)
				return 0;
			continue;
		}
		if (rc == -ENOBUFS) {
			/* records were lost: the serials will say how many events */
			pthread_mutex_lock(&s->lock);
			s->stats.enobufs++;
			/* what is lost came after the newest record taken */
			if (!s->overrun_since)
				s->overrun_since = s->last_sec ? s->last_sec : (int64_t)time(NULL);
			s->probe_due = true;
			pthread_mutex_unlock(&s->lock);
			grow_rcvbuf(s);
			continue;
		}
		return used ? hand_over(s, used) : rc;
	}
}

void source_tick(struct kmw_source *s, bool all)
{
	pthread_mutex_lock(&s->lock);
	if (s->serials.started) {
		/* the first tick only sets the mark: nothing before it was seen long enough */
		if (all || s->settle_valid)
			serials_settle(&s->serials, all ? s->serials.top : s->settle_mark);
		s->settle_mark = s->serials.top;
		s->settle_valid = true;
	}
	pthread_mutex_unlock(&s->lock);
}

/* The kernel's own count of the records it could not queue for us (SO_MEMINFO). */
static uint64_t dropped_records(const struct kmw_source *s)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t l = sizeof(mem);

	if (s->fd < 0 || getsockopt(s->fd, SOL_SOCKET, SO_MEMINFO, mem, &l) < 0 ||
	    l <= SK_MEMINFO_DROPS * sizeof(uint32_t))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

int source_probe(struct kmw_source *s)
{
	int rc;

	if (s->fd < 0)
		return -EBADF;
	/* the kernel's acknowledgement is no record: source_fill skips it */
	errno = 0;
	rc = audit_log_user_message(s->fd, AUDIT_USER, "op=kmodwatch-overrun-marker", NULL, NULL,
				    NULL, 1);
	rc = rc > 0 ? 0 : errno ? -errno : -EIO;
	pthread_mutex_lock(&s->lock);
	if (rc)
		s->stats.probe_errno = -rc;
	else
		s->stats.probes++;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

bool source_overrun_take(struct kmw_source *s, int64_t *since)
{
	bool open;

	pthread_mutex_lock(&s->lock);
	open = s->overrun_since != 0;
	*since = s->overrun_since;
	s->overrun_since = 0;
	pthread_mutex_unlock(&s->lock);
	return open;
}

struct kmw_source_stats source_stats(struct kmw_source *s)
{
	struct kmw_source_stats st;

	pthread_mutex_lock(&s->lock);
	st = s->stats;
	st.lost_events = s->serials.lost;
	st.dropped_records = dropped_records(s);
	st.late = s->serials.late;
	pthread_mutex_unlock(&s->lock);
	return st;
}

void source_close(struct kmw_source *s)
{
	if (s->fd < 0)
		return;
	if (s->own_pid)
		audit_set_pid(s->fd, 0, WAIT_NO);
	close(s->fd);
	s->fd = -1;
	s->own_pid = false;
	pthread_mutex_destroy(&s->lock);
}
