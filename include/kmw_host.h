/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_host.h - the facts of the host kmodwatch runs on (machine id, OS, kernel), read once at
 * start, for the fleet fields of every event this host saw (host.id, host.os.*, agent.*) */
#ifndef KMW_HOST_H
#define KMW_HOST_H

struct kmw_host {
	char name[256];	     /* gethostname() */
	char machine_id[64]; /* /etc/machine-id; "" when none */
	char os_id[64];	     /* os-release ID ("debian") */
	char os_family[64];  /* the first word of ID_LIKE, else ID */
	char os_name[128];   /* NAME ("Debian GNU/Linux") */
	char os_version[64]; /* VERSION_ID ("12") */
	char os_full[192];   /* PRETTY_NAME ("Debian GNU/Linux 12 (bookworm)") */
	char kernel[128];    /* uname release */
	char arch[64];	     /* uname machine */
};

/**
 * host_read - fill @h from the files under @root ("" or NULL: /): etc/machine-id (else
 * var/lib/dbus/machine-id), etc/os-release (else usr/lib/os-release), and uname(2).
 * What a file does not say stays "". Never fails.
 */
void host_read(struct kmw_host *h, const char *root);

#endif
