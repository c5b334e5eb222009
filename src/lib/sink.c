// SPDX-License-Identifier: GPL-2.0-or-later
/* sink.c - append whole event lines to a file or stdout */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmw_sink.h"

static int open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);

	return fd < 0 ? -errno : fd;
}

int sink_open(struct kmw_sink *s, const char *path)
{
	int fd;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (!path || !strcmp(path, "-")) {
		s->fd = STDOUT_FILENO;
		return 0;
	}
	fd = open_file(path);
	if (fd < 0)
		return fd;
	s->path = strdup(path);
	if (!s->path) {
		close(fd);
		return -ENOMEM;
	}
	s->fd = fd;
	return 0;
}

int sink_reopen(struct kmw_sink *s)
{
	int fd;

	if (!s->path)
		return 0;
	fd = open_file(s->path);
	if (fd < 0)
		return fd;
	close(s->fd);
	s->fd = fd;
	return 0;
}

int sink_write(struct kmw_sink *s, const char *data, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(s->fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			s->failed++;
			s->last_error = -errno;
			return -errno;
		}
		data += n;
		len -= (size_t)n;
	}
	s->written++;
	return 0;
}

void sink_close(struct kmw_sink *s)
{
	if (s->fd > STDOUT_FILENO)
		close(s->fd);
	s->fd = -1;
	free(s->path);
	s->path = NULL;
}
