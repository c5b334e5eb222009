// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_modfile.c - libFuzzer: module file bytes -> decompression, ELF .modinfo, signature trailer */
#include <stddef.h>
#include <stdint.h>

#include "kmw_modfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kmw_analyzer *a;
	static const struct kmw_modfile_limits lim = {
		.max_file = 1 << 20,
		.max_image = 8 << 20,
		.max_ms = 1000,
	};
	struct kmw_modfacts f;

	if (!a)
		a = modfile_new(0, &lim);
	modfile_analyse_buf(a, data, size, &f);
	return 0;
}
