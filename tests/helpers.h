/* SPDX-License-Identifier: GPL-2.0-or-later */
/* helpers.h - what the C unit tests share: files read and written, trees made, the source
 * directory. Each fails the test (cmocka) on an error, so that a test says what it checks. */
#ifndef KMW_TEST_HELPERS_H
#define KMW_TEST_HELPERS_H

#include <stddef.h>
#include <sys/types.h>

/**
 * test_slurp - the whole file @path, NUL-ended, its length into @len (may be NULL); the
 * caller frees it. NULL when it cannot be read.
 */
char *test_slurp(const char *path, size_t *len);

/**
 * test_put - @len bytes of @data into the file @path (made, or emptied first), its
 * directories made as needed.
 */
void test_put(const char *path, const void *data, size_t len);

/* test_put_str - a string into @path; test_put_under, test_put_str_under - into @root/@rel */
void test_put_str(const char *path, const char *data);
void test_put_under(const char *root, const char *rel, const void *data, size_t len);
void test_put_str_under(const char *root, const char *rel, const char *data);

/* test_assert_file - the file @path holds @want, whole */
void test_assert_file(const char *path, const char *want);

/**
 * test_tmpdir - a new directory /tmp/kmw-@name-XXXXXX, into @out (@len bytes).
 */
void test_tmpdir(const char *name, char *out, size_t len);

/* test_rm_tree - @path and everything under it */
void test_rm_tree(const char *path);

/**
 * test_data - the path of @rel under the source tree ($srcdir, else "."), into @out.
 */
const char *test_data(const char *rel, char *out, size_t len);

#endif
