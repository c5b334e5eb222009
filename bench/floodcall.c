// SPDX-License-Identifier: GPL-2.0-or-later
/* floodcall.c - bench helper: finit_module on one fd, paced to a rate by absolute deadlines or
 * flat out, optionally as another user; the time of every call goes to a file */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * floodcall PATH SECONDS RATE TIMES [UID]
 *   RATE calls a second (0: as fast as it goes), for SECONDS; TIMES gets each call's
 *   CLOCK_REALTIME as a double, taken just before the call ("-": none); UID: setuid first.
 * Prints the number of calls.
 */
int main(int argc, char **argv)
{
	struct timespec start, next, now, real;
	double rate, secs;
	FILE *times = NULL;
	long n = 0;
	int fd;

	if (argc < 5) {
		fprintf(stderr, "usage: floodcall PATH SECONDS RATE TIMES [UID]\n");
		return 2;
	}
	secs = atof(argv[2]);
	rate = atof(argv[3]);
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (argc > 5) {
		unsigned int id = (unsigned int)strtoul(argv[5], NULL, 10);

		if (setgroups(0, NULL) || setresgid(id, id, id) || setresuid(id, id, id)) {
			perror("setuid");
			return 1;
		}
	}
	if (argv[4][0] != '-' && !(times = fopen(argv[4], "w"))) {
		perror(argv[4]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >=
		    secs)
			break;
		if (rate > 0) {
			double at = (double)n / rate;

			next.tv_sec = start.tv_sec + (time_t)at;
			next.tv_nsec = start.tv_nsec + (long)((at - (double)(time_t)at) * 1e9);
			if (next.tv_nsec >= 1000000000L) {
				next.tv_sec++;
				next.tv_nsec -= 1000000000L;
			}
			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		}
		if (times) {
			double t;

			clock_gettime(CLOCK_REALTIME, &real);
			t = (double)real.tv_sec + real.tv_nsec / 1e9;
			fwrite(&t, sizeof(t), 1, times);
		}
		syscall(SYS_finit_module, fd, "", 0);
		n++;
	}
	if (times)
		fclose(times);
	printf("%ld\n", n);
	return 0;
}
