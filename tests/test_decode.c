// SPDX-License-Identifier: GPL-2.0-or-later
/* test_decode.c - syscall tables, flag names, errno names, field encodings, escaping */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <linux/audit.h>

#include "kmw_buf.h"
#include "kmw_decode.h"

static void test_syscalls(void **state)
{
	assert_int_equal(decode_syscall(AUDIT_ARCH_X86_64, 313), KMW_SC_FINIT_MODULE);
	assert_int_equal(decode_syscall(AUDIT_ARCH_X86_64, 175), KMW_SC_INIT_MODULE);
	assert_int_equal(decode_syscall(AUDIT_ARCH_X86_64, 176), KMW_SC_DELETE_MODULE);
	assert_int_equal(decode_syscall(AUDIT_ARCH_I386, 350), KMW_SC_FINIT_MODULE);
	assert_int_equal(decode_syscall(AUDIT_ARCH_I386, 128), KMW_SC_INIT_MODULE);
	assert_int_equal(decode_syscall(AUDIT_ARCH_I386, 129), KMW_SC_DELETE_MODULE);
	/* the numbers of one arch mean other things on the other */
	assert_int_equal(decode_syscall(AUDIT_ARCH_I386, 313), KMW_SC_NONE);
	assert_int_equal(decode_syscall(AUDIT_ARCH_X86_64, 350), KMW_SC_NONE);
	assert_int_equal(decode_syscall(AUDIT_ARCH_X86_64, 59), KMW_SC_NONE);
	assert_int_equal(decode_syscall(0x12345678, 313), KMW_SC_NONE);
	assert_int_equal(decode_syscall(AUDIT_ARCH_X86_64, -1), KMW_SC_NONE);
	assert_int_equal(decode_syscall(AUDIT_ARCH_AARCH64, 273), KMW_SC_FINIT_MODULE);
	assert_string_equal(decode_arch_name(AUDIT_ARCH_X86_64), "x86_64");
	assert_string_equal(decode_arch_name(AUDIT_ARCH_I386), "i386");
	assert_null(decode_arch_name(0x12345678));
	assert_string_equal(decode_syscall_name(KMW_SC_DELETE_MODULE), "delete_module");
	assert_null(decode_syscall_name(KMW_SC_NONE));
}

static void test_finit_flags_all_combinations(void **state)
{
	static const char *const bit[] = {
		"MODULE_INIT_IGNORE_MODVERSIONS",
		"MODULE_INIT_IGNORE_VERMAGIC",
		"MODULE_INIT_COMPRESSED_FILE",
	};
	const char *names[8];
	unsigned int n, i, k;
	uint64_t unknown, extra[] = { 0, 8, 0x80000000u, 0xfffffff8u, 0x100000000ull };
	size_t e;

	for (e = 0; e < sizeof(extra) / sizeof(extra[0]); e++) {
		for (i = 0; i < 8; i++) {
			assert_int_equal(decode_flags(KMW_SC_FINIT_MODULE, i | extra[e], names, 8,
						      &n, &unknown),
					 0);
			assert_int_equal(unknown, extra[e]);
			assert_int_equal(n, __builtin_popcount(i));
			for (k = 0, n = 0; k < 3; k++)
				if (i & (1u << k))
					assert_string_equal(names[n++], bit[k]);
		}
	}
}

static void test_delete_flags(void **state)
{
	const char *names[8];
	unsigned int n;
	uint64_t unknown;

	assert_int_equal(decode_flags(KMW_SC_DELETE_MODULE, 0x880, names, 8, &n, &unknown), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "O_NONBLOCK");
	assert_int_equal(unknown, 0x80);
	assert_int_equal(decode_flags(KMW_SC_DELETE_MODULE, 0xa00, names, 8, &n, &unknown), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "O_TRUNC");
	assert_string_equal(names[1], "O_NONBLOCK");
	assert_int_equal(unknown, 0);
	assert_int_equal(decode_flags(KMW_SC_INIT_MODULE, 1, names, 8, &n, &unknown), -EINVAL);
	assert_int_equal(decode_flags_arg(KMW_SC_FINIT_MODULE), 2);
	assert_int_equal(decode_flags_arg(KMW_SC_DELETE_MODULE), 1);
	assert_int_equal(decode_flags_arg(KMW_SC_INIT_MODULE), -1);
}

static void test_errno_names(void **state)
{
	assert_string_equal(decode_errno_name(ENOSYS), "ENOSYS");
	assert_string_equal(decode_errno_name(EEXIST), "EEXIST");
	assert_string_equal(decode_errno_name(EKEYREJECTED), "EKEYREJECTED");
	assert_string_equal(decode_errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	assert_null(decode_errno_name(0));
	assert_null(decode_errno_name(100000));
}

static void test_fields(void **state)
{
	char out[64];
	size_t n;

	assert_int_equal(decode_field("\"crc7\"", 6, out, &n), 1);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "crc7", 4);
	assert_int_equal(decode_field("6D7920", 6, out, &n), 1);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "my ", 3);
	assert_int_equal(decode_field("6d00ff", 6, out, &n), 1);
	assert_memory_equal(out, "m\0\xff", 3);
	assert_int_equal(decode_field("(null)", 6, out, &n), 0);
	assert_int_equal(decode_field("(none)", 6, out, &n), 0);
	assert_int_equal(decode_field("6D7", 3, out, &n), -EINVAL);
	assert_int_equal(decode_field("zz", 2, out, &n), -EINVAL);
	/* a quote left open by a cut record keeps what is there */
	assert_int_equal(decode_field("\"abc", 4, out, &n), 1);
	assert_int_equal(n, 3);
}

static void test_proctitle(void **state)
{
	static struct kmw_event ev;

	event_reset(&ev);
	assert_int_equal(decode_proctitle(&ev, "6100620063", 10), 0);
	assert_int_equal(ev.argc, 3);
	assert_memory_equal(event_str(&ev, &ev.argv[2]), "c", 1);
	event_reset(&ev);
	/* a trailing NUL does not make an empty last argument; an empty middle one stays */
	assert_int_equal(decode_proctitle(&ev, "61000062", 8), 0);
	assert_int_equal(ev.argc, 3);
	assert_int_equal(ev.argv[1].len, 0);
	event_reset(&ev);
	assert_int_equal(decode_proctitle(&ev, "\"bash\"", 6), 0);
	assert_int_equal(ev.argc, 1);
	assert_memory_equal(event_str(&ev, &ev.argv[0]), "bash", 4);
}

static void check_json(const char *in, size_t len, const char *want)
{
	struct kmw_buf b;

	buf_init(&b);
	assert_int_equal(buf_json_str(&b, in, len), 0);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void test_json_escaping(void **state)
{
	check_json("plain", 5, "\"plain\"");
	check_json("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	check_json("l1\nl2\r\t", 7, "\"l1\\nl2\\r\\t\"");
	check_json("\x1b[31m\x7f", 6, "\"\\u001b[31m\\u007f\"");
	check_json("n\0l", 3, "\"n\\u0000l\"");
	check_json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
		   "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* invalid UTF-8: stray continuation, overlong, surrogate, truncated sequence */
	check_json("\x80", 1, "\"\\\\x80\"");
	check_json("\xc0\xaf", 2, "\"\\\\xc0\\\\xaf\"");
	check_json("\xed\xa0\x80", 3, "\"\\\\xed\\\\xa0\\\\x80\"");
	check_json("a\xe2\x82", 3, "\"a\\\\xe2\\\\x82\"");
	check_json("\xff\xfe", 2, "\"\\\\xff\\\\xfe\"");
}

static void check_text(const char *in, size_t len, const char *want)
{
	struct kmw_buf b;

	buf_init(&b);
	assert_int_equal(buf_text_str(&b, in, len), 0);
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static void test_text_escaping(void **state)
{
	check_text("plain", 5, "plain");
	check_text("a b", 3, "a\\x20b");
	check_text("x\ny=1 serial=9", 14, "x\\x0ay=1\\x20serial=9");
	check_text("\x1b[2J", 4, "\\x1b[2J");
	check_text("\"\\", 2, "\\\"\\\\");
	check_text("\xc3\xa9", 2, "\xc3\xa9");
	check_text("\xc2\x9b", 2, "\\xc2\\x9b"); /* C1 CSI */
	check_text("\xff", 1, "\\xff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syscalls),
		cmocka_unit_test(test_finit_flags_all_combinations),
		cmocka_unit_test(test_delete_flags),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_proctitle),
		cmocka_unit_test(test_json_escaping),
		cmocka_unit_test(test_text_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
