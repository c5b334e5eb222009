// SPDX-License-Identifier: GPL-2.0-or-later
/* sink_file.c - the JSON-lines file sink (or stdout): no torn line, follows logrotate, rotates
 * by size on its own when asked */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink_priv.h"

struct file_sink {
	int fd;
	bool stdout_fd;
	bool regular;
	dev_t dev;
	ino_t ino;
	uint64_t size;
	uint64_t looked_ms; /* the name was last looked at then */
};

/* the name is looked at this often at most: a rename by logrotate is followed within it */
#define FOLLOW_MS 1000

static int file_init(struct kmw_sink *s)
{
	struct file_sink *f;

	if (!s->c.target || !s->c.target[0])
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fd = -1;
	f->stdout_fd = !strcmp(s->c.target, "-");
	snprintf(s->name, sizeof(s->name), "%s", f->stdout_fd ? "stdout" : s->c.target);
	s->priv = f;
	return 0;
}

static int file_open(struct kmw_sink *s)
{
	struct file_sink *f = s->priv;
	struct stat st;
	int fd;

	if (f->stdout_fd) {
		f->fd = STDOUT_FILENO;
		return 0;
	}
	/* never through a symlink planted where the log goes */
	fd = open(s->c.target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		  0640);
	if (fd < 0)
		return -errno;
	/* a regular file, or a device or pipe the operator chose (/dev/null, a fifo) */
	if (fstat(fd, &st) < 0 ||
	    !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		close(fd);
		return -EINVAL;
	}
	f->regular = S_ISREG(st.st_mode);
	/* a failed chown keeps the default group: not worth failing the output for */
	if (s->c.group != (gid_t)-1 && st.st_gid != s->c.group && st.st_size == 0 &&
	    fchown(fd, (uid_t)-1, s->c.group) == 0)
		st.st_gid = s->c.group;
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = (uint64_t)st.st_size;
	return 0;
}

static void file_close(struct kmw_sink *s)
{
	struct file_sink *f = s->priv;

	if (f->fd > STDOUT_FILENO)
		close(f->fd);
	f->fd = -1;
}

/* FILE -> FILE.1 -> ... -> FILE.N, the oldest dropped; then a new FILE. */
static int file_rotate(struct kmw_sink *s)
{
	char from[4200], to[4200];
	unsigned int i;

	for (i = s->c.rotate_keep; i > 0; i--) {
		if (i == 1)
			snprintf(from, sizeof(from), "%s", s->c.target);
		else
			snprintf(from, sizeof(from), "%s.%u", s->c.target, i - 1);
		snprintf(to, sizeof(to), "%s.%u", s->c.target, i);
		if (rename(from, to) < 0 && errno != ENOENT)
			return -errno;
	}
	if (!s->c.rotate_keep && unlink(s->c.target) < 0 && errno != ENOENT)
		return -errno;
	file_close(s);
	return file_open(s);
}

static void file_frame(struct kmw_sink *s, struct kmw_buf *b, const struct kmw_event *ev,
		       const char *body, size_t len, int severity)
{
	(void)ev;
	(void)severity;
	if (s->c.prefix)
		buf_puts(b, s->c.prefix);
	buf_append(b, body, len);
	buf_putc(b, '\n');
}

static int file_send(struct kmw_sink *s, const char *msg, size_t len)
{
	struct file_sink *f = s->priv;
	struct stat st;
	ssize_t n;
	size_t done = 0;
	off_t before;
	int rc;

	if (!f->stdout_fd) {
		uint64_t now = sink_now_ms();

		/* renamed away by logrotate (create mode): follow the name, looked at once a
		 * second (a line or two more may go to the old name, which logrotate keeps) */
		if (f->fd < 0 || now - f->looked_ms >= FOLLOW_MS) {
			f->looked_ms = now;
			if (f->fd < 0 || stat(s->c.target, &st) < 0 || st.st_ino != f->ino ||
			    st.st_dev != f->dev) {
				file_close(s);
				if ((rc = file_open(s)))
					return rc;
			} else if (f->regular) {
				/* cut by copytruncate meanwhile: the size is the file's */
				f->size = (uint64_t)st.st_size;
			}
		}
		if (f->regular && s->c.rotate_bytes && f->size + len > s->c.rotate_bytes &&
		    f->size > 0 && (rc = file_rotate(s)))
			return rc;
	}
	while (done < len) {
		n = write(f->fd, msg + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			/* no torn line: take back the part of it that went in (O_APPEND: it is
			 * the end of the file now) */
			before = f->regular ? lseek(f->fd, 0, SEEK_END) : -1;
			if (done && before >= 0 && ftruncate(f->fd, before - (off_t)done) < 0)
				rc = -EIO;
			return rc;
		}
		done += (size_t)n;
	}
	f->size += len;
	return 0;
}

const struct sink_ops sink_file_ops = {
	.kind = "file",
	/* lines: several go with one write, and a torn write takes them all back */
	.batch = true,
	.init = file_init,
	.open = file_open,
	.frame = file_frame,
	.send = file_send,
	.close = file_close,
};
