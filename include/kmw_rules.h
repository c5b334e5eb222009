/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kmw_rules.h - audit control through libaudit: status, enabled flag, kmodwatch's rules */
#ifndef KMW_RULES_H
#define KMW_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include <libaudit.h>

#define KMW_DEFAULT_KEY "kmodwatch"

/* How the installation went, per arch. */
struct kmw_rules_report {
	int added;	/* rules kmodwatch added */
	int covered;	/* arches already covered by existing rules */
	int partial;	/* arches partly covered: a rule was added for the rest */
	int failed;	/* arches whose rule could not be added */
	int first;	/* rules put in front of a never rule (-A) */
	int last_error; /* -errno of the last failure */
};

struct kmw_rules {
	int fd;
	int n;
	struct audit_rule_data *rule[4]; /* the rules kmodwatch added, to delete at exit */
};

/**
 * rules_status - the kernel's audit status. Returns 0 or -errno.
 */
int rules_status(int fd, struct audit_status *st);

/* The backlog limit audit's standard rules set (-b 8192), and kmodwatch recommends. */
#define KMW_BACKLOG_RECOMMENDED 8192

/**
 * rules_backlog_advice - what is risky in the kernel's backlog settings under a
 * flood or a burst (doc/flood.md), or NULL when nothing is.
 */
const char *rules_backlog_advice(const struct audit_status *st);

/**
 * rules_install - make sure every module syscall is audited on the native and
 * the compat arch, adding rules with key @key only for what existing rules do
 * not already audit (rules_effect: an "always,exit" rule with no condition but
 * arch and key, and no never rule in front of it). Where a never rule comes
 * first, the rule is put in front of it (-A). @r remembers exactly the rules added.
 * Returns 0 when all is covered, or -errno of the first failure (the report
 * says what happened per arch).
 */
int rules_install(struct kmw_rules *r, int fd, const char *key, struct kmw_rules_report *rep);

/**
 * rules_covered - how many arches (of the native and the compat one) the kernel's rules
 * cover for every module syscall, into @covered. Returns the number of arches, or -errno.
 */
int rules_covered(int fd, int *covered);

/**
 * rules_remove - delete exactly the rules rules_install added (one already gone is no
 * failure). Returns 0 or -errno of the last failure.
 */
int rules_remove(struct kmw_rules *r);

/**
 * rules_forget - drop the record of the rules added (they are gone already).
 */
void rules_forget(struct kmw_rules *r);

/**
 * rules_count_key - number of rules in the kernel whose key is @key, or -errno.
 */
int rules_count_key(int fd, const char *key);

/**
 * rules_delete_key - delete every rule whose key is @key (rules a crashed
 * daemon left behind, or `kmodwatch rules remove`). Returns how many, or -errno.
 */
int rules_delete_key(int fd, const char *key);

/* What a rule in the kernel does for the module syscalls. */
struct kmw_rule_info {
	uint32_t arch; /* AUDIT_ARCH_* value, when has_arch */
	bool has_arch;
	bool unconditional;    /* no condition but arch and key */
	bool never;	       /* a "never" rule: it suppresses these syscalls */
	unsigned int syscalls; /* bit i: rules_syscall_name(i) */
	char key[AUDIT_MAX_KEY_LEN + 1];
};

/**
 * rules_list_module - call @fn for every exit rule that names a module syscall.
 * Returns 0 or -errno.
 */
int rules_list_module(int fd, void (*fn)(const struct kmw_rule_info *, void *), void *arg);

/* What the kernel's rules, in their order, do to one module syscall of one arch. */
enum kmw_rule_verdict {
	KMW_RULE_AUDITED = 0, /* the first rule that matches every call audits it */
	KMW_RULE_PARTLY,      /* ... but a never rule with conditions comes before it */
	KMW_RULE_SUPPRESSED,  /* a never rule with no condition comes first: no call audited */
	KMW_RULE_UNCOVERED,   /* no rule audits every call: only what conditions pick, or none */
};

#define KMW_RULE_TEXT 160

/* The effect of all the kernel's rules on the module syscalls and their records. */
struct kmw_rules_effect {
	unsigned int narch;
	struct {
		uint32_t arch;		    /* AUDIT_ARCH_* */
		const char *name;	    /* "b64", "b32" */
		enum kmw_rule_verdict v[3]; /* per rules_syscall_name(i) */
		bool ours_first[3];	    /* the deciding rule carries kmodwatch's key */
		char by[3][KMW_RULE_TEXT];  /* the never rule that suppresses, or "" */
	} a[2];
	/* a never rule of the task list: the processes it matches are never audited */
	int task_never; /* 0 none, 1 with conditions, 2 with none */
	char task_rule[KMW_RULE_TEXT];
	/* an exclude rule that drops records a module event is made of */
	int exclude; /* 0 none, 1 with conditions, 2 with none */
	char exclude_rule[KMW_RULE_TEXT];
};

/**
 * rules_effect - what the kernel's rules do, in the order the kernel tries them, to every
 * module syscall on the native and the compat arch (@key: kmodwatch's, to tell its own
 * rules), and whether a task or exclude rule blinds audit beside them. Returns 0 or -errno.
 */
int rules_effect(int fd, const char *key, struct kmw_rules_effect *e);

/**
 * rules_effect_blind - whether @e leaves a module syscall unaudited with no condition: a
 * never rule in front, no rule at all, a never task rule or an exclude rule with none.
 * @why gets the first such finding in words (@len bytes). @partly: only with conditions.
 */
bool rules_effect_blind(const struct kmw_rules_effect *e, char *why, size_t len, bool *partly);

/**
 * rules_describe_verdict - "audited", "partly", "suppressed", "uncovered".
 */
const char *rules_describe_verdict(enum kmw_rule_verdict v);

struct kmw_buf;

/**
 * rules_describe - one line for @r: "always x86_64 finit_module,...  key=KEY".
 */
void rules_describe(struct kmw_buf *b, const struct kmw_rule_info *r);

/**
 * rules_syscall_name - name of bit @i of kmw_rule_info.syscalls, or NULL.
 */
const char *rules_syscall_name(unsigned int i);

#endif
