/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nestmap-util: what the nestmap test programs share. Small files and
 * paths, /proc/self/maps, a SysV shm segment's attach count, the tracefs
 * mmap events, hookfs's debugfs stats and knobs, reads that may fault,
 * and one way to parse command lines.
 */
#ifndef NESTMAP_UTIL_H
#define NESTMAP_UTIL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../fs/hookfs/hookfs_uapi.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- command lines ---- */

/*
 * Call first in main(): @name prefixes the messages (getopt_long()'s too,
 * through argv[0]) and @usage is printed by nm_help() and nm_usage_error().
 */
void nm_prog_init(char **argv, const char *name, const char *usage);
/* The program's name, as given to nm_prog_init(). */
extern const char *nm_prog;
/* --help: the usage on stdout, exit 0. */
void nm_help(void) __attribute__((noreturn));
/*
 * Bad arguments: "NAME: MESSAGE" (when @fmt is not NULL) and the usage on
 * stderr, exit 2. A NULL @fmt follows a message getopt_long() printed.
 */
void nm_usage_error(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
/*
 * For a program whose only option is --help: handles it (or a bad option)
 * and returns the index of the first argument.
 */
int nm_parse_help_only(int argc, char **argv);
/* A whole decimal number in [@min, @max]. */
bool nm_parse_ulong(const char *s, unsigned long min, unsigned long max,
		    unsigned long *out);

/* ---- files and paths ---- */

/* Write @s to an existing file (truncating it): 0 or -errno. */
int nm_write_file(const char *path, const char *s);
/* A whole small or pseudo file, NUL-terminated, to free(); NULL on error. */
char *nm_read_file(const char *path);
/*
 * "@dir/@name" into @out (PATH_MAX bytes): 0, or "" and -1 with errno
 * ENAMETOOLONG if it does not fit.
 */
int nm_path_join(char *out, const char *dir, const char *name);

/* ---- time ---- */

uint64_t nm_now_ns(void);	/* CLOCK_MONOTONIC */

/* ---- errno ---- */

/* "EINVAL" and the like; "E?" for a number without a name. */
const char *nm_errno_name(int err);

/* ---- SysV shm ---- */

/* The attach count (shm_nattch) of segment @id, or -1 if it is gone. */
long nm_shm_nattch(int id);

/* ---- /proc/self/maps ---- */

struct nm_map {
	unsigned long start, end, offset;
	dev_t dev;
	unsigned long ino;
	const char *path;	/* "" for an anonymous mapping */
	const char *line;	/* the whole line */
};

/*
 * Call @fn for every mapping of this process until it returns non-zero.
 * Returns that value, 0 after the last mapping, -1 if maps cannot be read.
 */
int nm_maps_walk(int (*fn)(const struct nm_map *m, void *arg), void *arg);

/* ---- tracefs: the series' mmap trace events ---- */

#define NM_TRACEFS	"/sys/kernel/tracing"

enum nm_hook { NM_HOOK_PREPARE, NM_HOOK_COMPLETE, NM_HOOK_ABORT };

struct nm_mmap_event {
	enum nm_hook hook;
	dev_t dev;
	unsigned long ino;
	unsigned long start, end;
	char ctx[32];
	int ret;
	char path[16];		/* "direct" or "compat" */
};

/* Does this kernel have events/mmap/mmap_{prepare,complete,abort}? */
bool nm_trace_has_mmap_events(void);
/* Write @value to NM_TRACEFS/@file: 0 or -errno. */
int nm_trace_write(const char *file, const char *value);
/* Empty the trace ring buffer. */
int nm_trace_clear(void);
/*
 * Call @fn for every mmap hook event in the trace, in order, until it
 * returns non-zero. Returns that value, 0 at the end, -1 if the trace
 * cannot be read.
 */
int nm_trace_walk(int (*fn)(const struct nm_mmap_event *ev, void *arg),
		  void *arg);

/* ---- fault injection: /proc/thread-self/fail-nth, opened O_RDWR ---- */

/* Fail the @n-th fault-injection point of this thread from now on. */
void nm_fail_nth_arm(int fd, int n);
/* Disarm; tells whether the armed fault was injected. */
bool nm_fail_nth_disarm(int fd);

/* ---- hookfs debugfs (HOOKFS_DEBUGFS_* in hookfs_uapi.h) ---- */

/* The debugfs directory of the hookfs superblock @dev, PATH_MAX bytes. */
void nm_hookfs_dir(char *out, dev_t dev);

struct nm_hookfs_stats {
	long v[HOOKFS_NR_STATS];	/* indexed by enum hookfs_stat */
};

/* Every counter of @dir's stats file: 0, or -1 if one is missing. */
int nm_hookfs_stats_read(const char *dir, struct nm_hookfs_stats *s);
/* Write @value to knob @knob (HOOKFS_KNOB_*) of @dir: 0 or -errno. */
int nm_hookfs_knob(const char *dir, const char *knob, const char *value);
/* Disarm every fail_* knob and zero every delay knob of @dir. */
void nm_hookfs_knobs_clear(const char *dir);

/* ---- reads that may fault ---- */

/*
 * Catch SIGBUS and SIGSEGV for nm_touch(); any other fault still kills
 * the process. Call once, before the first nm_touch() of any thread.
 */
void nm_touch_init(void);
/*
 * Read the byte at @p into @val (and write it back if @write): 0, or
 * SIGBUS/SIGSEGV if the access faulted. Safe in any thread.
 */
int nm_touch(volatile char *p, bool write, char *val);

#endif /* NESTMAP_UTIL_H */
