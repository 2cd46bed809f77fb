// SPDX-License-Identifier: GPL-2.0
/*
 * nestmap-util: what the nestmap test programs share (see nestmap-util.h).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "nestmap-util.h"

/* ---- command lines ---- */

const char *nm_prog = "nestmap";
static const char *nm_usage_text = "";

void nm_prog_init(char **argv, const char *name, const char *usage)
{
	nm_prog = name;
	nm_usage_text = usage;
	/* getopt_long() names the program by argv[0] in its messages. */
	argv[0] = (char *)name;
}

void nm_help(void)
{
	fputs(nm_usage_text, stdout);
	exit(0);
}

void nm_usage_error(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "%s: ", nm_prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fputs(nm_usage_text, stderr);
	exit(2);
}

int nm_parse_help_only(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	/* "+": arguments after the first one are never options. */
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (opt == 'h')
			nm_help();
		nm_usage_error(NULL);
	}
	return optind;
}

bool nm_parse_ulong(const char *s, unsigned long min, unsigned long max,
		    unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && *s && *s != '-' && !*end && *out >= min &&
	       *out <= max;
}

/* ---- files and paths ---- */

int nm_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

char *nm_read_file(const char *path)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1), *grown;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf)
		goto fail;
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len < cap)
			continue;
		grown = realloc(buf, 2 * cap + 1);
		if (!grown)
			goto fail;
		buf = grown;
		cap *= 2;
	}
	if (n < 0)
		goto fail;
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	free(buf);
	if (fd >= 0)
		close(fd);
	return NULL;
}

int nm_path_join(char *out, const char *dir, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX)
		return 0;
	out[0] = '\0';
	errno = ENAMETOOLONG;
	return -1;
}

/* ---- time ---- */

uint64_t nm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ---- errno ---- */

const char *nm_errno_name(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

long nm_shm_nattch(int id)
{
	struct shmid_ds ds;

	return shmctl(id, IPC_STAT, &ds) ? -1 : (long)ds.shm_nattch;
}

/* ---- /proc/self/maps ---- */

int nm_maps_walk(int (*fn)(const struct nm_map *m, void *arg), void *arg)
{
	char *maps = nm_read_file("/proc/self/maps"), *line, *save = NULL;
	unsigned int maj, min;
	struct nm_map m;
	int pos, ret = 0;

	if (!maps)
		return -1;
	for (line = strtok_r(maps, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		pos = 0;
		if (sscanf(line, "%lx-%lx %*s %lx %x:%x %lu %n", &m.start,
			   &m.end, &m.offset, &maj, &min, &m.ino, &pos) < 6)
			continue;
		m.dev = makedev(maj, min);
		m.path = pos ? line + pos : "";
		m.line = line;
		ret = fn(&m, arg);
	}
	free(maps);
	return ret;
}

/* ---- tracefs ---- */

bool nm_trace_has_mmap_events(void)
{
	return !access(NM_TRACEFS "/events/mmap/mmap_complete", F_OK);
}

int nm_trace_write(const char *file, const char *value)
{
	char path[PATH_MAX];

	if (nm_path_join(path, NM_TRACEFS, file))
		return -ENAMETOOLONG;
	return nm_write_file(path, value);
}

int nm_trace_clear(void)
{
	return nm_trace_write("trace", "");
}

/*
 * "<task>-<pid> [cpu] ... ts: mmap_complete: dev=M:m ino=N start=S end=E
 * ctx=C ret=R path=P"
 */
static bool parse_event(const char *line, struct nm_mmap_event *ev)
{
	static const char *const hooks[] = {
		[NM_HOOK_PREPARE] = "mmap_prepare",
		[NM_HOOK_COMPLETE] = "mmap_complete",
		[NM_HOOK_ABORT] = "mmap_abort",
	};
	const char *p = strstr(line, " mmap_");
	unsigned int maj, min, i;
	char name[32];

	if (line[0] == '#' || !p ||
	    sscanf(p, " %31[a-z_]: dev=%u:%u ino=%lu start=%lx end=%lx ctx=%31s ret=%d path=%15s",
		   name, &maj, &min, &ev->ino, &ev->start, &ev->end, ev->ctx,
		   &ev->ret, ev->path) != 9)
		return false;
	for (i = 0; i < ARRAY_SIZE(hooks); i++) {
		if (!strcmp(name, hooks[i])) {
			ev->hook = i;
			ev->dev = makedev(maj, min);
			return true;
		}
	}
	return false;
}

int nm_trace_walk(int (*fn)(const struct nm_mmap_event *ev, void *arg),
		  void *arg)
{
	char *text = nm_read_file(NM_TRACEFS "/trace"), *line, *save = NULL;
	struct nm_mmap_event ev;
	int ret = 0;

	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save))
		if (parse_event(line, &ev))
			ret = fn(&ev, arg);
	free(text);
	return ret;
}

/* ---- fault injection ---- */

void nm_fail_nth_arm(int fd, int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	if (pwrite(fd, buf, strlen(buf), 0) < 0)
		perror("fail-nth");
}

bool nm_fail_nth_disarm(int fd)
{
	char buf[16];
	ssize_t got = pread(fd, buf, sizeof(buf) - 1, 0);

	if (pwrite(fd, "0", 1, 0) < 0)
		perror("fail-nth");
	buf[got > 0 ? got : 0] = '\0';
	return got > 0 && atoi(buf) == 0;
}

/* ---- hookfs debugfs ---- */

static const char *const hookfs_stat_names[HOOKFS_NR_STATS] =
	HOOKFS_STAT_NAMES;

void nm_hookfs_dir(char *out, dev_t dev)
{
	snprintf(out, PATH_MAX, "/sys/kernel/debug/" HOOKFS_DEBUGFS_DIR "/%u:%u",
		 major(dev), minor(dev));
}

int nm_hookfs_stats_read(const char *dir, struct nm_hookfs_stats *s)
{
	char path[PATH_MAX], *text, *line, *save = NULL, name[64];
	unsigned int seen = 0, i;
	long val;

	if (nm_path_join(path, dir, HOOKFS_DEBUGFS_STATS))
		return -1;
	text = nm_read_file(path);
	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %ld", name, &val) != 2)
			continue;
		for (i = 0; i < HOOKFS_NR_STATS; i++) {
			if (!strcmp(name, hookfs_stat_names[i])) {
				s->v[i] = val;
				seen |= 1u << i;
			}
		}
	}
	free(text);
	return seen == (1u << HOOKFS_NR_STATS) - 1 ? 0 : -1;
}

int nm_hookfs_knob(const char *dir, const char *knob, const char *value)
{
	char path[PATH_MAX];

	if (nm_path_join(path, dir, knob))
		return -ENAMETOOLONG;
	return nm_write_file(path, value);
}

void nm_hookfs_knobs_clear(const char *dir)
{
	static const char *const fails[] = {
		HOOKFS_KNOB_FAIL_PREPARE, HOOKFS_KNOB_FAIL_COMPLETE,
		HOOKFS_KNOB_FAIL_ACTION,
	};
	static const char *const delays[] = {
		HOOKFS_KNOB_PREPARE_DELAY_MS, HOOKFS_KNOB_COMPLETE_DELAY_MS,
		HOOKFS_KNOB_POPULATED_DELAY_MS,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fails); i++)
		nm_hookfs_knob(dir, fails[i], "0 0");
	for (i = 0; i < ARRAY_SIZE(delays); i++)
		nm_hookfs_knob(dir, delays[i], "0");
}

/* ---- reads that may fault ---- */

static __thread sigjmp_buf touch_jmp;
static __thread volatile sig_atomic_t touch_armed;

static void touch_fault(int sig)
{
	if (!touch_armed) {
		/* Not a fault of nm_touch(): a real bug, die of it. */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	touch_armed = 0;
	siglongjmp(touch_jmp, sig);
}

void nm_touch_init(void)
{
	/* SA_NODEFER: no signal mask to restore, so no syscall per touch. */
	struct sigaction sa = { .sa_handler = touch_fault,
				.sa_flags = SA_NODEFER };

	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

int nm_touch(volatile char *p, bool write, char *val)
{
	int sig;

	sig = sigsetjmp(touch_jmp, 0);
	if (sig)
		return sig;
	touch_armed = 1;
	*val = *p;
	if (write)
		*p = *val;
	touch_armed = 0;
	return 0;
}
