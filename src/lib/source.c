// SPDX-License-Identifier: GPL-2.0-or-later
/* source.c - read audit records from the kernel: multicast group or as the audit daemon */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libaudit.h>
#include <linux/netlink.h>

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
	return 0;
}

int source_read(struct kmw_source *s, kmw_record_cb cb, void *arg)
{
	struct sockaddr_nl from;
	socklen_t fl;
	struct nlmsghdr *nh;
	ssize_t n;
	size_t len;
	int count = 0, loops;

	/* bounded: give the caller's timers a chance during a flood */
	for (loops = 0; loops < 256; loops++) {
		fl = sizeof(from);
		n = recvfrom(s->fd, s->buf, sizeof(s->buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == ENOBUFS) {
				/* records were lost: count them, and make room for the next burst */
				s->stats.enobufs++;
				grow_rcvbuf(s);
				continue;
			}
			return -errno;
		}
		if (n == 0)
			break;
		if (from.nl_pid != 0) {
			s->stats.foreign++;
			continue;
		}
		/*
		 * The kernel sends one record per datagram, and sets nlmsg_len of a
		 * record to the payload length alone (a historical quirk that
		 * libaudit follows), so NLMSG_OK/NEXT do not apply to records.
		 */
		nh = (struct nlmsghdr *)s->buf;
		if ((size_t)n < NLMSG_HDRLEN)
			continue;
		/* 1000..1099 are control replies (status, rule lists), not records */
		if (nh->nlmsg_type < AUDIT_FIRST_USER_MSG)
			continue;
		len = nh->nlmsg_len;
		if (len > (size_t)n - NLMSG_HDRLEN)
			len = (size_t)n - NLMSG_HDRLEN;
		s->stats.records++;
		count++;
		cb(nh->nlmsg_type, NLMSG_DATA(nh), len, arg);
	}
	return count;
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
}
