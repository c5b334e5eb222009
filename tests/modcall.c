// SPDX-License-Identifier: GPL-2.0-or-later
/* modcall.c - test helper: make module syscalls on command, hold their fds until EOF */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <grp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/netlink.h>

/*
 * Reads one command per line on stdin and answers one line on stdout:
 *   finit PATH FLAGS [PARAMS]   PATH may be @memfd, @badfd, or @deleted:FILE
 *   finit-close PATH FLAGS      the same, and close the fd right after the call
 *   finit-hex PATHHEX FLAGS PARAMSHEX   path and parameters given in hex: any bytes
 *   finit-scribble PATH PARAMS  the call, then the parameter buffer is overwritten with
 *                               heap-like bytes, as when a loader frees it and reuses it
 *   finit-overwrite PATH FLAGS  the call, then the file's first 16 bytes overwritten in place
 *                               ("overwritten!!!!"), as an attacker would after a load
 *   finit-loop PATH SECONDS     finit_module on one fd, as fast as it goes, for SECONDS:
 *                               "done pid=P calls=N"
 *   init LEN [PARAMS]           init_module of LEN zero bytes
 *   init-file PATH [PARAMS]     init_module of the bytes of PATH
 *   delete NAME FLAGS
 *   loginuid UID                write /proc/self/loginuid (needs root)
 *   realtime                    run SCHED_FIFO from now on (needs root): on one CPU nothing
 *                               runs between the helper's calls, the daemon included
 *   setuid UID                  drop to UID (and its gid = UID)
 *   setpid PID                  AUDIT_SET the audit pid (0: let go of it; else this process):
 *                               another program taking the audit daemon's place
 * PARAMS and PATHHEX are read up to 40,000 bytes.
 * Answer: "done pid=P fd=F ret=R errno=E". Every fd stays open until EOF on
 * stdin, so that the daemon can resolve it while the process lives.
 */
static int open_target(const char *path)
{
	int fd;

	if (!strcmp(path, "@memfd")) {
		fd = (int)syscall(SYS_memfd_create, "kmw-test-memfd", 0);
		if (fd >= 0 && write(fd, "\177ELF", 4) != 4)
			return -1;
		return fd;
	}
	if (!strcmp(path, "@badfd"))
		return 987; /* nothing is open there */
	if (!strncmp(path, "@deleted:", 9)) {
		fd = open(path + 9, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0)
			unlink(path + 9);
		return fd;
	}
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* "" for an empty string, else hex digits */
static void unhex(const char *hex, char *out, size_t cap)
{
	size_t i, n = 0;
	unsigned int v;

	for (i = 0; hex[i] && hex[i + 1] && n + 1 < cap; i += 2) {
		if (sscanf(hex + i, "%2x", &v) != 1)
			break;
		out[n++] = (char)v;
	}
	out[n] = '\0';
}

/* AUDIT_SET of the audit pid on a socket of our own, kept open: the kernel's answer */
static long set_audit_pid(unsigned int pid)
{
	static int sock = -1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr nh;
		struct audit_status s;
	} req;
	char buf[512];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	ssize_t got;

	if (sock < 0)
		sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (sock < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.s));
	req.nh.nlmsg_type = AUDIT_SET;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.s.mask = AUDIT_STATUS_PID;
	req.s.pid = pid ? (unsigned int)getpid() : 0;
	if (sendto(sock, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	/* the ack, past any record the kernel sends this socket once it is the audit daemon's */
	for (;;) {
		got = recv(sock, buf, sizeof(buf), 0);
		if (got < (ssize_t)NLMSG_HDRLEN)
			return -1;
		if (nh->nlmsg_type == NLMSG_ERROR) {
			int err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;

			errno = -err;
			return err ? -1 : 0;
		}
	}
}

/* the longest line: 40,000 bytes of parameters in hex, and a path */
#define LINE_MAX_BYTES 90000

int main(void)
{
	static char line[LINE_MAX_BYTES], a1[2048], a2[64], a3[LINE_MAX_BYTES];
	long ret;
	int n, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		a1[0] = a2[0] = a3[0] = '\0';
		fd = -1;
		if (sscanf(line, "finit-loop %2047s %63s", a1, a2) == 2) {
			struct timespec now, end;
			long calls = 0;

			fd = open(a1, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				printf("error open %s: %s\n", a1, strerror(errno));
				continue;
			}
			clock_gettime(CLOCK_MONOTONIC, &end);
			end.tv_sec += atol(a2);
			do {
				syscall(SYS_finit_module, fd, "", 0);
				calls++;
				clock_gettime(CLOCK_MONOTONIC, &now);
			} while (now.tv_sec < end.tv_sec ||
				 (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
			printf("done pid=%d calls=%ld\n", (int)getpid(), calls);
			continue;
		} else if (sscanf(line, "finit-hex %2047s %63s %89999s", a1, a2, a3) == 3) {
			static char path[1100], params[45000];

			unhex(a1, path, sizeof(path));
			unhex(a3, params, sizeof(params));
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				printf("error open: %s\n", strerror(errno));
				continue;
			}
			ret = syscall(SYS_finit_module, fd, strdup(params),
				      (unsigned int)strtoul(a2, NULL, 0));
		} else if (sscanf(line, "finit-scribble %2047s %89999s", a1, a3) == 2) {
			char *params = strdup(a3);

			fd = open_target(a1);
			if (fd < 0 || !params) {
				printf("error open %s: %s\n", a1, strerror(errno));
				continue;
			}
			ret = syscall(SYS_finit_module, fd, params, 0u);
			n = ret < 0 ? errno : 0;
			/* what malloc leaves in a freed chunk: a pointer, then stale bytes */
			memcpy(params, "\xf8\xc9\xdf\x62\x05\x00", 6);
			printf("done pid=%d fd=%d ret=%ld errno=%d\n", (int)getpid(), fd, ret, n);
			continue;
		} else if (sscanf(line, "finit-overwrite %2047s %63s", a1, a2) == 2) {
			int wfd;

			fd = open_target(a1);
			if (fd < 0) {
				printf("error open %s: %s\n", a1, strerror(errno));
				continue;
			}
			ret = syscall(SYS_finit_module, fd, "", (unsigned int)strtoul(a2, NULL, 0));
			n = ret < 0 ? errno : 0;
			/* the same inode: whoever holds it open reads the new bytes */
			wfd = open(a1, O_WRONLY | O_CLOEXEC);
			if (wfd < 0 || pwrite(wfd, "overwritten!!!!!", 16, 0) != 16) {
				printf("error overwrite %s: %s\n", a1, strerror(errno));
				continue;
			}
			close(wfd);
			printf("done pid=%d fd=%d ret=%ld errno=%d\n", (int)getpid(), fd, ret, n);
			continue;
		} else if (sscanf(line, "finit-close %2047s %63s", a1, a2) == 2) {
			fd = open_target(a1);
			if (fd < 0) {
				printf("error open %s: %s\n", a1, strerror(errno));
				continue;
			}
			ret = syscall(SYS_finit_module, fd, "", (unsigned int)strtoul(a2, NULL, 0));
			n = ret < 0 ? errno : 0;
			close(fd);
			printf("done pid=%d fd=%d ret=%ld errno=%d\n", (int)getpid(), fd, ret, n);
			continue;
		} else if (sscanf(line, "finit %2047s %63s %89999s", a1, a2, a3) >= 2) {
			fd = open_target(a1);
			if (fd < 0) {
				printf("error open %s: %s\n", a1, strerror(errno));
				continue;
			}
			/* each call keeps its own copy: the daemon reads it after we return */
			ret = syscall(SYS_finit_module, fd, strdup(a3),
				      (unsigned int)strtoul(a2, NULL, 0));
		} else if (sscanf(line, "init-file %2047s %89999s", a1, a3) >= 1) {
			/* init_module of a file's bytes, as busybox insmod and older kmod load */
			FILE *f = fopen(a1, "rb");
			char *img = NULL;
			long len = -1;

			if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
			    fseek(f, 0, SEEK_SET) == 0 && (img = malloc((size_t)len)) &&
			    fread(img, 1, (size_t)len, f) == (size_t)len) {
				ret = syscall(SYS_init_module, img, (unsigned long)len, strdup(a3));
			} else {
				printf("error read %s: %s\n", a1, strerror(errno));
				free(img);
				if (f)
					fclose(f);
				continue;
			}
			free(img);
			fclose(f);
		} else if (sscanf(line, "init %2047s %89999s", a1, a3) >= 1) {
			size_t len = strtoul(a1, NULL, 0);
			void *img = calloc(1, len ? len : 1);

			ret = syscall(SYS_init_module, img, (unsigned long)len, strdup(a3));
			free(img);
		} else if (sscanf(line, "loginuid %63s", a2) == 1) {
			FILE *f = fopen("/proc/self/loginuid", "w");

			ret = (f && fprintf(f, "%s", a2) > 0) ? 0 : -1;
			if (f && fclose(f))
				ret = -1;
		} else if (!strcmp(line, "realtime\n")) {
			struct sched_param sp = { .sched_priority = 10 };

			ret = sched_setscheduler(0, SCHED_FIFO, &sp);
		} else if (sscanf(line, "setuid %63s", a2) == 1) {
			unsigned int id = (unsigned int)strtoul(a2, NULL, 0);

			ret = (setgroups(0, NULL) == 0 && setresgid(id, id, id) == 0 &&
			       setresuid(id, id, id) == 0)
				      ? 0
				      : -1;
		} else if (sscanf(line, "setpid %63s", a2) == 1) {
			ret = set_audit_pid((unsigned int)strtoul(a2, NULL, 0));
		} else if (sscanf(line, "delete %2047s %63s", a1, a2) == 2) {
			ret = syscall(SYS_delete_module, a1, (unsigned int)strtoul(a2, NULL, 0));
		} else {
			printf("error bad command\n");
			continue;
		}
		n = ret < 0 ? errno : 0;
		printf("done pid=%d fd=%d ret=%ld errno=%d\n", (int)getpid(), fd, ret, n);
	}
	return 0;
}
