// SPDX-License-Identifier: GPL-2.0-or-later
/* helpers.c - what the C unit tests share (helpers.h) */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"

char *test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		if (data && fread(data, 1, (size_t)n, f) == (size_t)n) {
			data[n] = '\0';
			if (len)
				*len = (size_t)n;
		} else {
			free(data);
			data = NULL;
		}
	}
	fclose(f);
	return data;
}

/* the directories above @path */
static void make_parents(const char *path)
{
	char dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			fail_msg("cannot make %s: %s", dir, strerror(errno));
		*slash = '/';
	}
}

void test_put(const char *path, const void *data, size_t len)
{
	FILE *f;

	make_parents(path);
	f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

void test_put_str(const char *path, const char *data)
{
	test_put(path, data, strlen(data));
}

void test_put_under(const char *root, const char *rel, const void *data, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	test_put(path, data, len);
}

void test_put_str_under(const char *root, const char *rel, const char *data)
{
	test_put_under(root, rel, data, strlen(data));
}

void test_assert_file(const char *path, const char *want)
{
	char *got = test_slurp(path, NULL);

	if (!got)
		fail_msg("cannot read %s", path);
	assert_string_equal(got, want);
	free(got);
}

void test_tmpdir(const char *name, char *out, size_t len)
{
	snprintf(out, len, "/tmp/kmw-%s-XXXXXX", name);
	if (!mkdtemp(out))
		fail_msg("mkdtemp: %s", strerror(errno));
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void test_rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *test_data(const char *rel, char *out, size_t len)
{
	const char *srcdir = getenv("srcdir");

	snprintf(out, len, "%s/%s", srcdir ? srcdir : ".", rel);
	return out;
}
