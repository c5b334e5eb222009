// SPDX-License-Identifier: GPL-2.0-or-later
/* modfacts.c - test tool: the facts modfile learns from each file named, one JSON line each */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kmw_buf.h"
#include "kmw_modfile.h"

static void field(struct kmw_buf *b, const char *key, const char *val, bool last)
{
	buf_printf(b, "\"%s\":", key);
	if (val)
		buf_json_str(b, val, strlen(val));
	else
		buf_puts(b, "null");
	if (!last)
		buf_putc(b, ',');
}

int main(int argc, char **argv)
{
	struct kmw_analyzer *a = modfile_new(16, NULL);
	struct kmw_modfacts f;
	struct kmw_buf b;
	int i, fd, rep;

	buf_init(&b);
	for (i = 1; i < argc; i++) {
		fd = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			perror(argv[i]);
			return 1;
		}
		/* twice: the second answer must come from the cache and say so */
		for (rep = 0; rep < 2; rep++)
			modfile_analyse_fd(a, fd, &f);
		close(fd);
		buf_reset(&b);
		buf_putc(&b, '{');
		field(&b, "file", argv[i], false);
		field(&b, "error", f.error, false);
		field(&b, "limit", f.limit, false);
		buf_printf(&b, "\"cached\":%s,\"size\":%llu,", f.cached ? "true" : "false",
			   (unsigned long long)f.size);
		field(&b, "sha256", f.sha256, false);
		field(&b, "compression", event_compression_name(f.compression), false);
		buf_printf(&b, "\"image_size\":%llu,", (unsigned long long)f.image_size);
		field(&b, "image_sha256", f.image_sha256[0] ? f.image_sha256 : NULL, false);
		field(&b, "modinfo_error", f.modinfo_error, false);
		field(&b, "name", f.mi_name, false);
		field(&b, "vermagic", f.mi_vermagic, false);
		field(&b, "license", f.mi_license, false);
		field(&b, "srcversion", f.mi_srcversion, false);
		field(&b, "depends", f.mi_depends, false);
		field(&b, "intree", f.mi_intree, false);
		field(&b, "retpoline", f.mi_retpoline, false);
		field(&b, "version", f.mi_version, false);
		field(&b, "description", f.mi_description, false);
		field(&b, "author", f.mi_author, false);
		buf_printf(&b, "\"sig_present\":%s,", f.sig_present ? "true" : "false");
		field(&b, "sig_error", f.sig_error, false);
		field(&b, "sig_id", f.sig_id_type, false);
		field(&b, "signer", f.sig_signer, false);
		field(&b, "sig_key", f.sig_key_id, false);
		field(&b, "sig_hashalgo", f.sig_hash, true);
		buf_puts(&b, "}\n");
		fwrite(b.data, 1, b.len, stdout);
	}
	buf_free(&b);
	modfile_free(a);
	return 0;
}
