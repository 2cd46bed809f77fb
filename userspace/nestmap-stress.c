// SPDX-License-Identifier: GPL-2.0
/*
 * nestmap-stress: concurrency stress and the revoke race, through one stack.
 *
 *   stress  several threads mmap, touch, mremap, fork and munmap files of
 *           the stack while others truncate, revoke and toggle hookfs's
 *           knobs; afterwards the hooks must pair up (hookfs stats, trace
 *           events and the mmap() results agree) and no VMA may be left.
 *   race    mmap() of a hookfs "revocable" file against HOOKFS_IOC_REVOKE,
 *           many times; a mapping that still reads the file's pages after
 *           the revoke returned is stale.
 *
 * Like nestmap-mmaptest it mounts nothing: tests/vm/stress.sh and
 * tests/vm/revoke-race.sh mount the stack and name the directories. Output
 * is KTAP like kselftest's: "TAP version 13", the plan "1..N", "ok N name",
 * "not ok N name", "# diagnostics", "Bail out!" when a run cannot go on,
 * and a "# Totals:" line last; the exit status is 0 if every check passed,
 * 1 if one failed, 2 on bad arguments.
 * Both subcommands are bounded by --seconds and --iterations, and a
 * watchdog ends the process if a bound is ever missed.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/nestmap-util.h"

#define INJECT_ERRNO	ENOSPC	/* what the knob thread injects */
#define MAX_ERRNO_SEEN	160
#define MAX_THREADS	16
#define TRUNC_PAGES	16
#define RACE_PAGES	4
#define WATCHDOG_GRACE	60	/* seconds beyond --seconds */
#define RACE_PATTERN	'R'
/* Result lines of each subcommand: the KTAP plan. */
#define STRESS_RESULTS	5
#define RACE_RESULTS	7

static struct {
	const char *cmd;
	const char *stack;
	const char *dir;
	const char *lower_dir;
	const char *hookfs_dev;
	const char *path_flag;		/* "direct", "compat", "nested" or NULL */
	char dbg[PATH_MAX];		/* debugfs dir of the hookfs sb */
	bool trace;			/* the series' events are there */
	dev_t dev;
	unsigned int seconds;
	unsigned long iterations;
	unsigned int threads;
	bool rw;
	bool no_prepopulate;
	bool no_stale;
	long page;
} cfg = {
	.seconds = 5,
	.iterations = 100000,
	.threads = 4,
};

static int ktap_n;
static int ktap_failed;
static int ktap_skipped;

/* One output line: @prefix, then the stack's label, @sep and the text. */
static void out_line(const char *prefix, const char *sep, const char *fmt,
		     va_list ap)
{
	printf("%s%s%s", prefix, cfg.stack, sep);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_line("# ", ": ", fmt, ap);
	va_end(ap);
}

/* One result line; returns ok so that callers can chain. */
static bool result(bool ok, const char *fmt, ...)
{
	char prefix[32];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "%sok %d ", ok ? "" : "not ",
		 ++ktap_n);
	va_start(ap, fmt);
	out_line(prefix, "/", fmt, ap);
	va_end(ap);
	if (!ok)
		ktap_failed++;
	return ok;
}

static void skip_result(const char *name, const char *why)
{
	printf("ok %d %s/%s # SKIP %s\n", ++ktap_n, cfg.stack, name, why);
	fflush(stdout);
	ktap_skipped++;
}

static void ktap_start(int plan)
{
	printf("TAP version 13\n1..%d\n", plan);
	fflush(stdout);
}

/* The kselftest totals; returns the exit status. */
static int ktap_finish(void)
{
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       ktap_n - ktap_failed - ktap_skipped, ktap_failed,
	       ktap_skipped);
	fflush(stdout);
	return ktap_failed ? 1 : 0;
}

/* The run cannot go on: "Bail out!", the totals so far, exit 1. */
static int bail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out_line("Bail out! ", "/", fmt, ap);
	va_end(ap);
	ktap_finish();
	return 1;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* xorshift: cheap, per thread, good enough to pick operations. */
static unsigned int rnd(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (unsigned int)(x >> 16);
}

static int knob(const char *name, const char *value)
{
	return nm_hookfs_knob(cfg.dbg, name, value);
}

static const char *const delay_knobs[] = {
	HOOKFS_KNOB_PREPARE_DELAY_MS, HOOKFS_KNOB_COMPLETE_DELAY_MS,
	HOOKFS_KNOB_POPULATED_DELAY_MS,
};

/* How much counter @x of hookfs's stats moved from @a to @b. */
#define DELTA(a, b, x)	((b)->v[HOOKFS_STAT_##x] - (a)->v[HOOKFS_STAT_##x])

/* The pairing every run must end with; prints the deltas. */
static bool stats_paired(const struct nm_hookfs_stats *a,
			 const struct nm_hookfs_stats *b, const char *name)
{
	long prepare = DELTA(a, b, PREPARE);
	long ended = DELTA(a, b, COMPLETE) + DELTA(a, b, COMPLETE_FAILED) +
		     DELTA(a, b, ABORT);
	long outstanding = b->v[HOOKFS_STAT_CONTEXTS_OUTSTANDING];
	bool ok;

	diag("hookfs stats delta: prepare=%ld prepare_failed=%ld complete=%ld complete_failed=%ld abort=%ld context_mismatch=%ld pages_prepopulated=%ld complete_unlinked=%ld private_outstanding=%ld; contexts_outstanding=%ld",
	     prepare, DELTA(a, b, PREPARE_FAILED), DELTA(a, b, COMPLETE),
	     DELTA(a, b, COMPLETE_FAILED), DELTA(a, b, ABORT),
	     DELTA(a, b, CONTEXT_MISMATCH), DELTA(a, b, PAGES_PREPOPULATED),
	     DELTA(a, b, COMPLETE_UNLINKED), DELTA(a, b, PRIVATE_OUTSTANDING),
	     outstanding);
	/* Everything is unmapped by now: no private data may be left. */
	ok = prepare == ended && outstanding == 0 &&
	     DELTA(a, b, CONTEXT_MISMATCH) == 0 &&
	     DELTA(a, b, COMPLETE_UNLINKED) == 0 &&
	     DELTA(a, b, PRIVATE_OUTSTANDING) == 0;
	return result(ok, "%s prepare=%ld == complete+complete_failed+abort=%ld, outstanding=%ld, mismatch=%ld, unlinked=%ld, private leaked=%ld",
		      name, prepare, ended, outstanding,
		      DELTA(a, b, CONTEXT_MISMATCH),
		      DELTA(a, b, COMPLETE_UNLINKED),
		      DELTA(a, b, PRIVATE_OUTSTANDING));
}

/* ---- a touch of a revoked or truncated page may SIGBUS: nm_touch() ---- */

static void watchdog(int sig)
{
	static const char msg[] = "Bail out! nestmap-stress: watchdog expired\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(1);
}

static void install_handlers(void)
{
	nm_touch_init();
	signal(SIGALRM, watchdog);
	alarm(cfg.seconds + WATCHDOG_GRACE);
}

/* ---- trace events ---- */

static void trace_setup(void)
{
	cfg.trace = nm_trace_has_mmap_events();
	if (!cfg.trace)
		return;
	nm_trace_write("events/mmap/enable", "1");
	/* prepare and its complete may run on different CPUs */
	nm_trace_write("trace_clock", "global");
	nm_trace_clear();
}

/* Events lost since the last clear: overruns plus dropped ones. */
static long trace_lost(void)
{
	char path[PATH_MAX], *text, *p;
	long lost = 0;
	int cpu;

	for (cpu = 0; cpu < 64; cpu++) {
		snprintf(path, sizeof(path), NM_TRACEFS "/per_cpu/cpu%d/stats",
			 cpu);
		text = nm_read_file(path);
		if (!text)
			continue;
		p = strstr(text, "overrun:");
		if (p)
			lost += strtol(p + 8, NULL, 10);
		p = strstr(text, "dropped events:");
		if (p)
			lost += strtol(p + 15, NULL, 10);
		free(text);
	}
	return lost;
}

struct pend {
	char ctx[32];
	struct pend *next;
};

#define PEND_BUCKETS 1024

struct tally {
	long prep_ok, prep_fail, comp_ok, comp_fail, abort;
	long wrong_path, unpaired, double_prepare, left_pending;
	struct pend *bucket[PEND_BUCKETS];
};

static unsigned int ctx_hash(const char *s)
{
	unsigned int h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % PEND_BUCKETS;
}

/* Remove ctx from the pending set; false if it was not there. */
static bool pend_take(struct tally *t, const char *ctx)
{
	struct pend **pp = &t->bucket[ctx_hash(ctx)], *p;

	for (; (p = *pp); pp = &p->next) {
		if (strcmp(p->ctx, ctx) == 0) {
			*pp = p->next;
			free(p);
			return true;
		}
	}
	return false;
}

static void pend_add(struct tally *t, const char *ctx)
{
	struct pend *p;

	if (pend_take(t, ctx)) {
		/* prepared twice without a complete or abort in between */
		t->double_prepare++;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		abort();
	snprintf(p->ctx, sizeof(p->ctx), "%s", ctx);
	p->next = t->bucket[ctx_hash(ctx)];
	t->bucket[ctx_hash(ctx)] = p;
}

/*
 * Count this superblock's hook events and pair them by context: a prepare
 * that succeeded opens its context, the complete or abort closes it.
 */
static int tally_event(const struct nm_mmap_event *ev, void *arg)
{
	struct tally *t = arg;

	if (ev->dev != cfg.dev)
		return 0;
	if (cfg.path_flag && strcmp(ev->path, cfg.path_flag))
		t->wrong_path++;
	switch (ev->hook) {
	case NM_HOOK_PREPARE:
		if (ev->ret) {
			t->prep_fail++;
		} else {
			t->prep_ok++;
			pend_add(t, ev->ctx);
		}
		return 0;
	case NM_HOOK_COMPLETE:
		if (ev->ret)
			t->comp_fail++;
		else
			t->comp_ok++;
		break;
	case NM_HOOK_ABORT:
		t->abort++;
		break;
	}
	if (!pend_take(t, ev->ctx))
		t->unpaired++;
	return 0;
}

static int trace_tally(struct tally *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	if (nm_trace_walk(tally_event, t))
		return -1;
	for (i = 0; i < PEND_BUCKETS; i++) {
		while (t->bucket[i]) {
			struct pend *p = t->bucket[i];

			t->bucket[i] = p->next;
			free(p);
			t->left_pending++;
		}
	}
	return 0;
}

/* Trace events and stats deltas must tell the same story. */
static void trace_check(const struct nm_hookfs_stats *a,
			const struct nm_hookfs_stats *b, long lost_before,
			const char *name)
{
	struct tally t;
	long lost;
	bool ok;

	if (!cfg.trace) {
		skip_result(name, "no mmap trace events in this kernel");
		return;
	}
	lost = trace_lost() - lost_before;
	if (lost) {
		diag("the trace ring buffer lost %ld events: relying on the stats",
		     lost);
		skip_result(name, "trace ring buffer overran");
		return;
	}
	if (trace_tally(&t)) {
		result(false, "%s (cannot read the trace)", name);
		return;
	}
	diag("trace: prepare=%ld prepare_failed=%ld complete=%ld complete_failed=%ld abort=%ld unpaired_end=%ld double_prepare=%ld left_pending=%ld wrong_path=%ld",
	     t.prep_ok, t.prep_fail, t.comp_ok, t.comp_fail, t.abort,
	     t.unpaired, t.double_prepare, t.left_pending, t.wrong_path);
	ok = t.prep_ok == DELTA(a, b, PREPARE) &&
	     t.prep_fail == DELTA(a, b, PREPARE_FAILED) &&
	     t.comp_ok == DELTA(a, b, COMPLETE) &&
	     t.comp_fail == DELTA(a, b, COMPLETE_FAILED) &&
	     t.abort == DELTA(a, b, ABORT) &&
	     !t.unpaired && !t.double_prepare && !t.left_pending &&
	     !t.wrong_path;
	result(ok, "%s events=%ld", name,
	       t.prep_ok + t.prep_fail + t.comp_ok + t.comp_fail + t.abort);
}

/* ---- /proc/self/maps ---- */

static int leftover(const struct nm_map *m, void *arg)
{
	int *left = arg;

	if (m->dev == cfg.dev ||
	    strncmp(m->path, cfg.dir, strlen(cfg.dir)) == 0 ||
	    strncmp(m->path, cfg.lower_dir, strlen(cfg.lower_dir)) == 0) {
		diag("left over: %s", m->line);
		(*left)++;
	}
	return 0;
}

/* Mappings left of the hookfs sb or of the stack's directories. */
static int maps_leftovers(void)
{
	int left = 0;

	return nm_maps_walk(leftover, &left) ? -1 : left;
}

/* ---- stress ---- */

enum { F_DATA, F_RW, F_PFN, F_REVOCABLE, F_TRUNC, NR_FILES };

static const struct {
	const char *name;
	unsigned int pages;
} files[NR_FILES] = {
	[F_DATA]	= { "data", 64 },
	[F_RW]		= { "rw", 16 },
	[F_PFN]		= { "pfn", 16 },
	[F_REVOCABLE]	= { "revocable", RACE_PAGES },
	[F_TRUNC]	= { "trunc", TRUNC_PAGES },
};

enum {
	OP_MMAP_OK, OP_MMAP_FAIL, OP_TOUCH, OP_SIGBUS, OP_SIGSEGV,
	OP_MREMAP, OP_MREMAP_FAIL, OP_FORK, OP_FORK_BAD, OP_MUNMAP_PART,
	OP_MUNMAP, OP_MUNMAP_FAIL, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"mmap_ok", "mmap_failed", "touches", "sigbus", "sigsegv", "mremap",
	"mremap_failed", "fork", "fork_bad_child", "munmap_partial", "munmap",
	"munmap_failed",
};

struct worker {
	pthread_t tid;
	uint64_t seed;
	int fd[NR_FILES];
	long ops[NR_OPS];
	long err[MAX_ERRNO_SEEN];
};

static atomic_bool stop_chaos;
static uint64_t deadline;

static bool time_up(void)
{
	return nm_now_ns() >= deadline;
}

static void touch_all(struct worker *w, char *p, size_t len, bool write)
{
	size_t off;
	char val;
	int sig;

	for (off = 0; off < len; off += cfg.page) {
		sig = nm_touch(p + off, write, &val);
		w->ops[OP_TOUCH]++;
		if (sig == SIGBUS)
			w->ops[OP_SIGBUS]++;
		else if (sig == SIGSEGV)
			w->ops[OP_SIGSEGV]++;
	}
}

/* The child only touches the copied mapping and leaves at once. */
static void fork_and_touch(struct worker *w, char *p, size_t len)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		w->ops[OP_FORK_BAD]++;
		return;
	}
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		alarm(10);
		touch_all(w, p, len, false);
		_exit(0);
	}
	w->ops[OP_FORK]++;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		w->ops[OP_FORK_BAD]++;
}

static void stress_one(struct worker *w)
{
	unsigned int f, pages, off, npages;
	int prot = PROT_READ, flags = MAP_SHARED;
	size_t len;
	char *p, *q;

	do {
		f = rnd(&w->seed) % NR_FILES;
	} while (w->fd[f] < 0);
	pages = files[f].pages;
	npages = 1 + rnd(&w->seed) % (pages < 8 ? pages : 8);
	off = rnd(&w->seed) % (pages - npages + 1);
	if (f == F_RW && rnd(&w->seed) % 2) {
		prot |= PROT_WRITE;
	} else if ((f == F_DATA || f == F_TRUNC) && rnd(&w->seed) % 2) {
		/* copy-on-write: writable on an O_RDONLY file */
		prot |= PROT_WRITE;
		flags = MAP_PRIVATE;
	}
	len = npages * cfg.page;
	p = mmap(NULL, len, prot, flags, w->fd[f], (off_t)off * cfg.page);
	if (p == MAP_FAILED) {
		w->ops[OP_MMAP_FAIL]++;
		w->err[errno < MAX_ERRNO_SEEN ? errno : 0]++;
		return;
	}
	w->ops[OP_MMAP_OK]++;
	touch_all(w, p, len, prot & PROT_WRITE);

	switch (rnd(&w->seed) % 4) {
	case 0:
		npages = npages > 1 && rnd(&w->seed) % 2 ? npages - 1 :
							   npages + 1;
		q = mremap(p, len, npages * cfg.page, MREMAP_MAYMOVE);
		if (q == MAP_FAILED) {
			w->ops[OP_MREMAP_FAIL]++;
			break;
		}
		w->ops[OP_MREMAP]++;
		p = q;
		len = npages * cfg.page;
		touch_all(w, p, len, prot & PROT_WRITE);
		break;
	case 1:
		fork_and_touch(w, p, len);
		break;
	case 2:
		if (npages < 2)
			break;
		if (munmap(p, cfg.page)) {
			w->ops[OP_MUNMAP_FAIL]++;
			break;
		}
		w->ops[OP_MUNMAP_PART]++;
		p += cfg.page;
		len -= cfg.page;
		touch_all(w, p, len, prot & PROT_WRITE);
		break;
	}
	if (munmap(p, len))
		w->ops[OP_MUNMAP_FAIL]++;
	else
		w->ops[OP_MUNMAP]++;
}

static void *stress_worker(void *arg)
{
	struct worker *w = arg;
	unsigned long i;

	for (i = 0; i < cfg.iterations && !time_up(); i++)
		stress_one(w);
	return NULL;
}

struct chaos {
	pthread_t tid;
	uint64_t seed;
	long count;
	long errors;
	int fd;
};

static void *truncater(void *arg)
{
	struct chaos *c = arg;

	while (!stop_chaos) {
		off_t size = (off_t)(rnd(&c->seed) % (TRUNC_PAGES + 1)) *
			     cfg.page;

		if (ftruncate(c->fd, size) ||
		    ftruncate(c->fd, (off_t)TRUNC_PAGES * cfg.page))
			c->errors++;
		c->count++;
		sleep_ms(1 + rnd(&c->seed) % 3);
	}
	return NULL;
}

static void *revoker(void *arg)
{
	struct chaos *c = arg;

	while (!stop_chaos) {
		if (ioctl(c->fd, HOOKFS_IOC_REVOKE))
			c->errors++;
		sleep_ms(1 + rnd(&c->seed) % 3);
		if (ioctl(c->fd, HOOKFS_IOC_RESTORE))
			c->errors++;
		c->count++;
		sleep_ms(1 + rnd(&c->seed) % 3);
	}
	return NULL;
}

/* Arms one failure or flips one knob at a time; delays stay rare. */
static void *knob_toggler(void *arg)
{
	static const char *const fails[] = {
		HOOKFS_KNOB_FAIL_PREPARE, HOOKFS_KNOB_FAIL_COMPLETE,
		HOOKFS_KNOB_FAIL_ACTION,
	};
	struct chaos *c = arg;
	char val[32];
	unsigned int r;

	snprintf(val, sizeof(val), "1 %d", INJECT_ERRNO);
	while (!stop_chaos) {
		r = rnd(&c->seed) % 16;
		if (r < 6)
			c->errors += !!knob(fails[r % 3], val);
		else if (r < 10)
			c->errors += !!knob(HOOKFS_KNOB_PREPOPULATE,
					    r % 2 && !cfg.no_prepopulate ?
					    "1" : "0");
		else if (r == 10)
			c->errors += !!knob(delay_knobs[rnd(&c->seed) % 3],
					    "1");
		else if (r < 13)
			nm_hookfs_knobs_clear(cfg.dbg);
		c->count++;
		sleep_ms(1 + rnd(&c->seed) % 4);
	}
	return NULL;
}

static int open_in(const char *dir, const char *name, int flags)
{
	char path[PATH_MAX];

	if (nm_path_join(path, dir, name))
		return -1;
	return open(path, flags | O_CLOEXEC);
}

static int cmd_stress(void)
{
	struct worker *w = calloc(cfg.threads, sizeof(*w));
	struct chaos ch[3] = { 0 };
	void *(*const chaos_fn[3])(void *) = { truncater, revoker,
					      knob_toggler };
	static const char *const chaos_names[3] = { "truncate",
						    "revoke+restore",
						    "knob" };
	long ops[NR_OPS] = { 0 }, err[MAX_ERRNO_SEEN] = { 0 }, inj, other;
	struct nm_hookfs_stats before, after;
	char prepop[8] = "0", line[1024], path[PATH_MAX], *text;
	unsigned int t, i, f;
	long lost = 0;
	size_t n;
	bool ok;
	int left;

	if (!w)
		return bail("stress-setup (out of memory)");
	nm_path_join(path, cfg.dbg, HOOKFS_KNOB_PREPOPULATE);
	text = nm_read_file(path);
	if (text) {
		prepop[0] = text[0] == '1' ? '1' : '0';
		free(text);
	}
	ch[0].fd = open_in(cfg.lower_dir, files[F_TRUNC].name, O_RDWR);
	ch[1].fd = open_in(cfg.lower_dir, files[F_REVOCABLE].name, O_RDONLY);
	ch[2].fd = -1;
	/* Every mapper thread opens the files itself: many opens at once. */
	for (t = 0; t < cfg.threads; t++) {
		w[t].seed = 0x9e3779b97f4a7c15ull * (t + 1) ^ nm_now_ns();
		for (f = 0; f < NR_FILES; f++) {
			w[t].fd[f] = f == F_RW && !cfg.rw ? -1 :
				open_in(cfg.dir, files[f].name,
					f == F_RW ? O_RDWR : O_RDONLY);
			if (w[t].fd[f] < 0 && (f != F_RW || cfg.rw))
				return bail("stress-setup: thread %u: open %s/%s: %s",
					    t, cfg.dir, files[f].name,
					    strerror(errno));
		}
	}
	if (ch[0].fd < 0 || ch[1].fd < 0 ||
	    nm_hookfs_stats_read(cfg.dbg, &before))
		return bail("stress-setup: lower files or hookfs stats missing");
	if (cfg.trace) {
		nm_trace_clear();
		lost = trace_lost();
	}

	diag("stress: %u mapper threads, truncate, revoke and knob threads, %u s or %lu mmaps per thread",
	     cfg.threads, cfg.seconds, cfg.iterations);
	deadline = nm_now_ns() + cfg.seconds * 1000000000ull;
	for (i = 0; i < 3; i++) {
		ch[i].seed = nm_now_ns() ^ (i + 1) * 0x5851f42d4c957f2dull;
		pthread_create(&ch[i].tid, NULL, chaos_fn[i], &ch[i]);
	}
	for (t = 0; t < cfg.threads; t++)
		pthread_create(&w[t].tid, NULL, stress_worker, &w[t]);
	for (t = 0; t < cfg.threads; t++)
		pthread_join(w[t].tid, NULL);
	stop_chaos = true;
	for (i = 0; i < 3; i++)
		pthread_join(ch[i].tid, NULL);

	/* Unconsumed failures and delays must not leak into the next run. */
	nm_hookfs_knobs_clear(cfg.dbg);
	knob(HOOKFS_KNOB_PREPOPULATE, prepop);
	ioctl(ch[1].fd, HOOKFS_IOC_RESTORE);
	if (ftruncate(ch[0].fd, (off_t)TRUNC_PAGES * cfg.page))
		diag("cannot restore the size of %s", files[F_TRUNC].name);

	for (t = 0; t < cfg.threads; t++) {
		for (i = 0; i < NR_OPS; i++)
			ops[i] += w[t].ops[i];
		for (i = 0; i < MAX_ERRNO_SEEN; i++)
			err[i] += w[t].err[i];
	}
	for (t = 0; t < cfg.threads; t++)
		for (f = 0; f < NR_FILES; f++)
			if (w[t].fd[f] >= 0)
				close(w[t].fd[f]);
	n = 0;
	for (i = 0; i < NR_OPS; i++)
		n += snprintf(line + n, sizeof(line) - n, " %s=%ld",
			      op_names[i], ops[i]);
	diag("ops:%s", line);
	for (i = 0; i < 3; i++)
		diag("%s thread: %ld rounds, %ld errors", chaos_names[i],
		     ch[i].count, ch[i].errors);
	other = 0;
	for (i = 0; i < MAX_ERRNO_SEEN; i++) {
		if (!err[i])
			continue;
		diag("mmap failed with %s: %ld", i ? strerror(i) : "errno >= 160",
		     err[i]);
		if (i != INJECT_ERRNO)
			other += err[i];
	}

	if (nm_hookfs_stats_read(cfg.dbg, &after))
		return bail("stress-stats (cannot read hookfs stats)");
	result(ops[OP_MMAP_OK] > 0 && ops[OP_FORK] > 0 && ops[OP_MREMAP] > 0 &&
	       ch[0].count > 0 && ch[1].count > 0 && ch[2].count > 0 &&
	       !ch[0].errors && !ch[1].errors && !ch[2].errors,
	       "stress-ran mmaps=%ld failed=%ld forks=%ld mremaps=%ld sigbus=%ld truncates=%ld revokes=%ld knob_flips=%ld",
	       ops[OP_MMAP_OK], ops[OP_MMAP_FAIL], ops[OP_FORK],
	       ops[OP_MREMAP], ops[OP_SIGBUS], ch[0].count, ch[1].count,
	       ch[2].count);
	stats_paired(&before, &after, "stress-stats-paired");

	/*
	 * Per call: a successful mmap() had exactly one successful complete;
	 * a failed one (only injected failures are expected) had a failed
	 * prepare, a failed complete or an abort.
	 */
	inj = DELTA(&before, &after, PREPARE_FAILED) +
	      DELTA(&before, &after, COMPLETE_FAILED) +
	      DELTA(&before, &after, ABORT);
	ok = ops[OP_MMAP_OK] == DELTA(&before, &after, COMPLETE) &&
	     err[INJECT_ERRNO] == inj && other == 0 && !ops[OP_FORK_BAD] &&
	     !ops[OP_SIGSEGV] && !ops[OP_MUNMAP_FAIL];
	diag("injected failures seen by hookfs: prepare_failed=%ld complete_failed=%ld abort=%ld",
	     DELTA(&before, &after, PREPARE_FAILED),
	     DELTA(&before, &after, COMPLETE_FAILED),
	     DELTA(&before, &after, ABORT));
	result(ok, "stress-calls-agree ok=%ld complete=%ld failed(%s)=%ld hook_failures=%ld other_errors=%ld",
	       ops[OP_MMAP_OK], DELTA(&before, &after, COMPLETE),
	       strerror(INJECT_ERRNO), err[INJECT_ERRNO], inj, other);
	trace_check(&before, &after, lost, "stress-trace-agrees");
	left = maps_leftovers();
	result(left == 0, "stress-no-leftover-vma left=%d", left);
	close(ch[0].fd);
	close(ch[1].fd);
	free(w);
	return ktap_finish();
}

/* ---- race ---- */

enum { W_NONE, W_BEFORE, W_AFTER, NR_WINDOWS };

static const char *const window_names[NR_WINDOWS] = {
	"no-delay", "delay-before-populate", "delay-after-populate",
};

static const char *const window_knob[NR_WINDOWS] = {
	NULL, HOOKFS_KNOB_COMPLETE_DELAY_MS, HOOKFS_KNOB_POPULATED_DELAY_MS,
};

static struct {
	pthread_barrier_t go, done;
	int lower_fd;
	uint64_t span_ns;	/* the revoke lands in [0, span) after go */
	uint64_t seed;
	uint64_t r0, r1;	/* the revoke ioctl, start and end */
	int err;
	bool quit;		/* read after the go barrier */
} rc;

static void spin_until(uint64_t t)
{
	while (nm_now_ns() < t)
		;
}

static void *race_revoker(void *arg)
{
	uint64_t go;

	(void)arg;
	for (;;) {
		pthread_barrier_wait(&rc.go);
		if (rc.quit)
			return NULL;
		go = nm_now_ns();
		spin_until(go + (rc.span_ns ? rnd(&rc.seed) % rc.span_ns : 0));
		rc.r0 = nm_now_ns();
		rc.err = ioctl(rc.lower_fd, HOOKFS_IOC_REVOKE) ? errno : 0;
		rc.r1 = nm_now_ns();
		pthread_barrier_wait(&rc.done);
	}
}

struct race_count {
	long attempts, overlapped, stale, stale_pages, stale_old_data;
	long stale_not_overlapped, revoke_errors, mmap_errors;
};

/* Pages of the mapping still readable, and how many show the file's data. */
static int readable_pages(char *p, long *old_data)
{
	int n = 0, i;
	char val;

	for (i = 0; i < RACE_PAGES; i++) {
		if (nm_touch(p + i * cfg.page, false, &val))
			continue;
		n++;
		if (val == RACE_PATTERN)
			(*old_data)++;
	}
	return n;
}

static void race_attempt(int fd, struct race_count *c)
{
	size_t len = RACE_PAGES * cfg.page;
	uint64_t t0, t1;
	long old = 0;
	char *p;
	int n;

	ioctl(rc.lower_fd, HOOKFS_IOC_RESTORE);
	pthread_barrier_wait(&rc.go);
	t0 = nm_now_ns();
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	t1 = nm_now_ns();
	pthread_barrier_wait(&rc.done);
	c->attempts++;
	if (rc.err)
		c->revoke_errors++;
	if (p == MAP_FAILED) {
		c->mmap_errors++;
		return;
	}
	/* adapt the revoke's spread to how long mmap() takes here */
	rc.span_ns = rc.span_ns ? (rc.span_ns * 7 + (t1 - t0) * 13 / 10) / 8 :
				  (t1 - t0) * 13 / 10;
	if (rc.r0 < t1 && t0 < rc.r1)
		c->overlapped++;
	n = readable_pages(p, &old);
	if (n) {
		c->stale++;
		c->stale_pages += n;
		c->stale_old_data += old;
		if (rc.r0 >= t1)
			c->stale_not_overlapped++;
	}
	munmap(p, len);
}

/* Without a revoke every page reads; after one, none does. */
static bool race_control(int fd)
{
	size_t len = RACE_PAGES * cfg.page;
	long old = 0, old2 = 0;
	int before, after, restored;
	char *p;

	ioctl(rc.lower_fd, HOOKFS_IOC_RESTORE);
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return result(false, "race-control (mmap: %s)", strerror(errno));
	before = readable_pages(p, &old);
	ioctl(rc.lower_fd, HOOKFS_IOC_REVOKE);
	after = readable_pages(p, &old2);
	ioctl(rc.lower_fd, HOOKFS_IOC_RESTORE);
	restored = readable_pages(p, &old2);
	munmap(p, len);
	return result(before == RACE_PAGES && old == RACE_PAGES && after == 0 &&
		      restored == RACE_PAGES,
		      "race-control readable: mapped=%d/%d revoked=%d restored=%d",
		      before, RACE_PAGES, after, restored);
}

static int cmd_race(void)
{
	struct race_count total = { 0 }, c;
	struct nm_hookfs_stats before, after;
	char pattern[RACE_PAGES * 4096];
	unsigned long per_window = cfg.iterations / NR_WINDOWS;
	uint64_t window_ns = cfg.seconds * 1000000000ull / NR_WINDOWS, end;
	pthread_t tid;
	struct stat st;
	int fd, i;

	if (cfg.page > 4096)
		return bail("race-setup (page size %ld)", cfg.page);
	rc.lower_fd = open_in(cfg.lower_dir, files[F_REVOCABLE].name, O_RDWR);
	fd = open_in(cfg.dir, files[F_REVOCABLE].name, O_RDONLY);
	if (rc.lower_fd < 0 || fd < 0 || fstat(rc.lower_fd, &st) ||
	    st.st_size < RACE_PAGES * cfg.page)
		return bail("race-setup (%s/%s needs %d pages, on both paths)",
			    cfg.lower_dir, files[F_REVOCABLE].name, RACE_PAGES);
	memset(pattern, RACE_PATTERN, sizeof(pattern));
	if (pwrite(rc.lower_fd, pattern, RACE_PAGES * cfg.page, 0) !=
	    RACE_PAGES * cfg.page || nm_hookfs_stats_read(cfg.dbg, &before))
		return bail("race-setup (cannot fill the file or read stats)");
	nm_hookfs_knobs_clear(cfg.dbg);
	race_control(fd);

	rc.seed = nm_now_ns() | 1;
	pthread_barrier_init(&rc.go, NULL, 2);
	pthread_barrier_init(&rc.done, NULL, 2);
	pthread_create(&tid, NULL, race_revoker, NULL);
	for (i = 0; i < NR_WINDOWS; i++) {
		memset(&c, 0, sizeof(c));
		nm_hookfs_knobs_clear(cfg.dbg);
		if (window_knob[i])
			knob(window_knob[i], "1");
		rc.span_ns = 0;
		end = nm_now_ns() + window_ns;
		while ((unsigned long)c.attempts < per_window && nm_now_ns() < end)
			race_attempt(fd, &c);
		diag("race %s path, %s: attempts=%ld overlapped=%ld stale=%ld stale_pages=%ld (with the file's data: %ld) stale_without_overlap=%ld mmap_errors=%ld revoke_errors=%ld",
		     cfg.path_flag ? cfg.path_flag : "?", window_names[i],
		     c.attempts, c.overlapped, c.stale, c.stale_pages,
		     c.stale_old_data, c.stale_not_overlapped, c.mmap_errors,
		     c.revoke_errors);
		result(c.attempts > 0 && !c.stale_not_overlapped &&
		       !c.mmap_errors && !c.revoke_errors &&
		       (!cfg.no_stale || !c.stale),
		       "race-%s attempts=%ld stale=%ld%s", window_names[i],
		       c.attempts, c.stale,
		       cfg.no_stale ? " (must be 0)" : "");
		total.attempts += c.attempts;
		total.overlapped += c.overlapped;
		total.stale += c.stale;
	}
	rc.quit = true;
	pthread_barrier_wait(&rc.go);
	pthread_join(tid, NULL);
	nm_hookfs_knobs_clear(cfg.dbg);
	ioctl(rc.lower_fd, HOOKFS_IOC_RESTORE);

	printf("# race %s (%s): attempts=%ld overlapped=%ld stale=%ld\n",
	       cfg.stack, cfg.path_flag ? cfg.path_flag : "?", total.attempts,
	       total.overlapped, total.stale);
	if (nm_hookfs_stats_read(cfg.dbg, &after))
		return bail("race-stats-paired (cannot read hookfs stats)");
	stats_paired(&before, &after, "race-stats-paired");
	/* Without prepopulation there is no race to lose. */
	result(DELTA(&before, &after, PAGES_PREPOPULATED) > 0,
	       "race-prepopulated pages=%ld",
	       DELTA(&before, &after, PAGES_PREPOPULATED));
	i = maps_leftovers();
	result(i == 0, "race-no-leftover-vma left=%d", i);
	close(fd);
	close(rc.lower_fd);
	return ktap_finish();
}

/* ---- main ---- */

#define STR_(x)	#x
#define STR(x)	STR_(x)

static const char usage[] =
	"usage: nestmap-stress stress|race --dir DIR --lower-dir DIR --hookfs-dev MAJ:MIN\n"
	"                      [options]\n"
	"  --stack NAME        label for the output (A..I)\n"
	"  --dir DIR           the stack's view of the files\n"
	"  --lower-dir DIR     the same files on hookfs itself\n"
	"  --hookfs-dev MAJ:MIN  st_dev of that hookfs (its debugfs dir)\n"
	"  --path direct|compat|nested  expected path flag of the trace events\n"
	"  --seconds N         stop after N seconds, 1..3600 (default 5)\n"
	"  --iterations N      stress: mmaps per thread; race: attempts\n"
	"                      over all windows (default 100000)\n"
	"  --threads N         stress: mapper threads, 1.." STR(MAX_THREADS) " (default 4)\n"
	"  --rw                stress: also map \"rw\" shared and writable\n"
	"  --no-prepopulate    stress: keep hookfs's prepopulate knob off\n"
	"  --no-stale          race: a stale mapping is a failure\n"
	"  -h, --help          this text\n"
	"Files in DIR: data, rw, pfn, revocable (" STR(RACE_PAGES) " pages), trunc ("
	STR(TRUNC_PAGES) " pages).\n";

static unsigned long number(const char *opt, const char *arg,
			    unsigned long min, unsigned long max)
{
	unsigned long v;

	if (!nm_parse_ulong(arg, min, max, &v))
		nm_usage_error("--%s wants a number from %lu to %lu, not '%s'",
			       opt, min, max, arg);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stack", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "lower-dir", required_argument, NULL, 'l' },
		{ "hookfs-dev", required_argument, NULL, 'H' },
		{ "path", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "threads", required_argument, NULL, 't' },
		{ "rw", no_argument, NULL, 'w' },
		{ "no-stale", no_argument, NULL, 'n' },
		{ "no-prepopulate", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int maj, min;
	char end;
	int o;

	nm_prog_init(argv, "nestmap-stress", usage);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			cfg.stack = optarg;
			break;
		case 'd':
			cfg.dir = optarg;
			break;
		case 'l':
			cfg.lower_dir = optarg;
			break;
		case 'H':
			cfg.hookfs_dev = optarg;
			break;
		case 'p':
			if (strcmp(optarg, "direct") && strcmp(optarg, "compat") &&
			    strcmp(optarg, "nested"))
				nm_usage_error("--path wants direct, compat or nested, not '%s'",
					       optarg);
			cfg.path_flag = optarg;
			break;
		case 'S':
			cfg.seconds = number("seconds", optarg, 1, 3600);
			break;
		case 'i':
			cfg.iterations = number("iterations", optarg, 1,
						100000000);
			break;
		case 't':
			cfg.threads = number("threads", optarg, 1, MAX_THREADS);
			break;
		case 'w':
			cfg.rw = true;
			break;
		case 'n':
			cfg.no_stale = true;
			break;
		case 'P':
			cfg.no_prepopulate = true;
			break;
		case 'h':
			nm_help();
		default:
			nm_usage_error(NULL);
		}
	}
	if (optind >= argc)
		nm_usage_error("missing subcommand (stress or race)");
	cfg.cmd = argv[optind++];
	if (strcmp(cfg.cmd, "stress") && strcmp(cfg.cmd, "race"))
		nm_usage_error("unknown subcommand '%s'", cfg.cmd);
	if (optind != argc)
		nm_usage_error("unexpected argument '%s'", argv[optind]);
	if (!cfg.dir || !cfg.lower_dir || !cfg.hookfs_dev)
		nm_usage_error("needs --dir, --lower-dir and --hookfs-dev");
	if (sscanf(cfg.hookfs_dev, "%u:%u%c", &maj, &min, &end) != 2)
		nm_usage_error("--hookfs-dev wants MAJ:MIN, not '%s'",
			       cfg.hookfs_dev);
	if (!cfg.stack)
		cfg.stack = "?";
	cfg.dev = makedev(maj, min);
	nm_hookfs_dir(cfg.dbg, cfg.dev);
	cfg.page = sysconf(_SC_PAGESIZE);

	install_handlers();
	if (strcmp(cfg.cmd, "stress")) {
		ktap_start(RACE_RESULTS);
		return cmd_race();
	}
	ktap_start(STRESS_RESULTS);
	trace_setup();
	return cmd_stress();
}
