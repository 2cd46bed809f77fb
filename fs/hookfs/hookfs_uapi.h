/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hookfs ioctls and debugfs files, shared by the module and the userspace
 * test programs.
 */
#ifndef _HOOKFS_UAPI_H
#define _HOOKFS_UAPI_H

#include <linux/ioctl.h>

/* On a "revocable" file: unmap every mapping, later faults get SIGBUS. */
#define HOOKFS_IOC_REVOKE	_IO('H', 1)
/* On a "revocable" file: allow faults and prepopulation again. */
#define HOOKFS_IOC_RESTORE	_IO('H', 2)

/*
 * debugfs: HOOKFS_DEBUGFS_DIR/HOOKFS_DEBUGFS_TOTAL/HOOKFS_DEBUGFS_STATS for
 * the module, HOOKFS_DEBUGFS_DIR/<MAJ>:<MIN>/ with the stats file and every
 * knob for each superblock.
 */
#define HOOKFS_DEBUGFS_DIR	"hookfs"
#define HOOKFS_DEBUGFS_TOTAL	"total"
#define HOOKFS_DEBUGFS_STATS	"stats"

/*
 * The stats file has one "NAME VALUE" line per counter, in this order.
 * Writing "0" resets every counter but the two gauges.
 */
enum hookfs_stat {
	HOOKFS_STAT_PREPARE,
	HOOKFS_STAT_PREPARE_FAILED,
	HOOKFS_STAT_COMPLETE,
	HOOKFS_STAT_ABORT,
	HOOKFS_STAT_COMPLETE_FAILED,
	HOOKFS_STAT_CONTEXT_MISMATCH,
	HOOKFS_STAT_CONTEXTS_OUTSTANDING,	/* a gauge, never reset */
	HOOKFS_STAT_PAGES_PREPOPULATED,
	HOOKFS_STAT_COMPLETE_UNLINKED,
	HOOKFS_STAT_PRIVATE_OUTSTANDING,	/* a gauge, never reset */
	HOOKFS_NR_STATS,
};

/* Each counter's NAME, as an initializer for a HOOKFS_NR_STATS array. */
#define HOOKFS_STAT_NAMES {						\
	[HOOKFS_STAT_PREPARE] = "prepare",				\
	[HOOKFS_STAT_PREPARE_FAILED] = "prepare_failed",		\
	[HOOKFS_STAT_COMPLETE] = "complete",				\
	[HOOKFS_STAT_ABORT] = "abort",					\
	[HOOKFS_STAT_COMPLETE_FAILED] = "complete_failed",		\
	[HOOKFS_STAT_CONTEXT_MISMATCH] = "context_mismatch",		\
	[HOOKFS_STAT_CONTEXTS_OUTSTANDING] = "contexts_outstanding",	\
	[HOOKFS_STAT_PAGES_PREPOPULATED] = "pages_prepopulated",	\
	[HOOKFS_STAT_COMPLETE_UNLINKED] = "complete_unlinked",		\
	[HOOKFS_STAT_PRIVATE_OUTSTANDING] = "private_outstanding",	\
}

/* "0" or "1": complete prepopulates the mapping. */
#define HOOKFS_KNOB_PREPOPULATE		"prepopulate"
/* "N ERRNO": the next N calls fail with -ERRNO; "0 0" disarms. */
#define HOOKFS_KNOB_FAIL_PREPARE	"fail_prepare"
#define HOOKFS_KNOB_FAIL_COMPLETE	"fail_complete"
#define HOOKFS_KNOB_FAIL_ACTION		"fail_action"
/* Milliseconds, 0 to 1000: a sleep in the hook. */
#define HOOKFS_KNOB_PREPARE_DELAY_MS	"prepare_delay_ms"
#define HOOKFS_KNOB_COMPLETE_DELAY_MS	"complete_delay_ms"
#define HOOKFS_KNOB_POPULATED_DELAY_MS	"populated_delay_ms"

#endif /* _HOOKFS_UAPI_H */
