// SPDX-License-Identifier: GPL-2.0-or-later
/* netlink_reader.c - bench helper: the kernel's limit, a bare audit reader that does nothing
 * but take the records: it becomes the audit daemon, reads with recvmmsg into a large buffer,
 * and notes for each SYSCALL record its pid and when it came; nothing is parsed beyond that */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libaudit.h>

#define BATCH 64
#define MSG_MAX 9000

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * netlink_reader OUT: as the audit daemon, until SIGTERM; OUT gets (pid, seconds) of every
 * SYSCALL record, two doubles each. Prints "ready" once it is the audit daemon, and at the end
 * the number of SYSCALL records.
 */
int main(int argc, char **argv)
{
	static char bufs[BATCH][MSG_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_nl nl;
	struct timespec ts;
	long long calls = 0;
	int fd, v = 32 << 20, i, n;
	FILE *out;

	if (argc != 2) {
		fprintf(stderr, "usage: netlink_reader OUT\n");
		return 2;
	}
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	fd = audit_open();
	if (fd < 0) {
		perror("audit_open");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v));
	if (audit_set_pid(fd, (uint32_t)getpid(), WAIT_YES) <= 0) {
		fprintf(stderr, "cannot become the audit daemon\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = MSG_MAX;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &nl;
		msgs[i].msg_hdr.msg_namelen = sizeof(nl);
	}
	while (!stop) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < n; i++) {
			struct nlmsghdr *h = (struct nlmsghdr *)bufs[i];
			const char *body, *pid;
			double rec[2];

			if (msgs[i].msg_len < NLMSG_HDRLEN || h->nlmsg_type != AUDIT_SYSCALL)
				continue;
			body = (const char *)NLMSG_DATA(h);
			((char *)body)[msgs[i].msg_len - NLMSG_HDRLEN < MSG_MAX - NLMSG_HDRLEN - 1
					       ? msgs[i].msg_len - NLMSG_HDRLEN
					       : MSG_MAX - NLMSG_HDRLEN - 1] = '\0';
			pid = strstr(body, " pid=");
			if (!pid)
				continue;
			rec[0] = (double)atoll(pid + 5);
			rec[1] = (double)ts.tv_sec + ts.tv_nsec / 1e9;
			fwrite(rec, sizeof(rec), 1, out);
			calls++;
		}
	}
	audit_set_pid(fd, 0, WAIT_NO);
	audit_close(fd);
	fclose(out);
	printf("%lld\n", calls);
	return 0;
}
