// SPDX-License-Identifier: GPL-2.0
/*
 * nestmap-mmaptest: checks mmap_prepare/complete/abort through one stack.
 *
 * It mounts nothing: tests/vm/matrix.sh mounts the stack and names, with
 * --dir, where the stack shows the files and, with --lower-dir, the same
 * files on the lowest filesystem. The hooks are observed through hookfs's
 * debugfs stats (--hookfs-dev) and the series' mmap trace events. Output is
 * KTAP; the exit status follows kselftest (0 pass, 1 fail, 4 skip only).
 *
 * Files expected in the lower directory (created by the wrapper):
 *   data          256 KiB normal file, only ever opened read-only
 *   rw            64 KiB normal file, opened read-write (may be copied up)
 *   pfn, bad-complete, bad-abort   the hookfs kinds of the same prefix
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define DATA_PAGES	64
#define RW_PAGES	16
#define PFN_SIZE	(64 * 1024)
#define FAIL_ERRNO	ENOSPC	/* unusual, so it cannot come from elsewhere */
#define MAX_FAIL_NTH	1000
/*
 * Where the sweeps map: far from every other mapping, so that its page
 * tables are freed by each munmap() and complete must allocate them anew.
 */
#define SWEEP_HINT	((void *)(1UL << 45))

enum result { PASS, FAIL, SKIP };

static struct {
	const char *stack;
	const char *dir;
	const char *lower_dir;
	const char *upper_dir;
	const char *hookfs_dev;		/* "MAJ:MIN" or NULL */
	char hookfs_path[PATH_MAX];	/* debugfs dir of the hookfs sb */
	char tracefs[64];		/* "" if the series' events are absent */
	const char *cur_case;
	char skip_reason[256];
	size_t page;
} cfg;

/* ---- small helpers ---- */

static enum result fail(const char *fmt, ...)
{
	va_list ap;

	printf("# %s/%s: ", cfg.stack, cfg.cur_case);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return FAIL;
}

static enum result skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cfg.skip_reason, sizeof(cfg.skip_reason), fmt, ap);
	va_end(ap);
	return SKIP;
}

static void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# %s/%s: ", cfg.stack, cfg.cur_case);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int write_str(const char *path, const char *s)
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

/* Read a whole (small or pseudo) file into a malloc'ed NUL-ended buffer. */
static char *read_all(const char *path)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			char *bigger = realloc(buf, cap * 2 + 1);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static void path_in(char *out, const char *dir, const char *name)
{
	/* Too long a path becomes "", which no open() finds. */
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		out[0] = '\0';
}

/* The file a stack file really is, after any copy-up by an open. */
static void real_path(char *out, const char *name)
{
	if (cfg.upper_dir) {
		path_in(out, cfg.upper_dir, name);
		if (access(out, F_OK) == 0)
			return;
	}
	path_in(out, cfg.lower_dir, name);
}

static bool is_direct_stack(void)
{
	return strcmp(cfg.stack, "A") == 0;
}

/* ---- /proc/self/maps ---- */

struct maps_line {
	unsigned long start, end;
	unsigned int major, minor;
	unsigned long ino;
	char path[PATH_MAX];
};

/* Find the VMA that contains addr; returns false if there is none. */
static bool maps_find(unsigned long addr, struct maps_line *out)
{
	char *maps = read_all("/proc/self/maps"), *line, *save = NULL;
	bool found = false;

	for (line = maps ? strtok_r(maps, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		int pos = 0;

		out->path[0] = '\0';
		if (sscanf(line, "%lx-%lx %*s %*s %x:%x %lu %n", &out->start,
			   &out->end, &out->major, &out->minor, &out->ino,
			   &pos) < 5)
			continue;
		if (addr >= out->start && addr < out->end) {
			if (pos)
				snprintf(out->path, sizeof(out->path), "%s",
					 line + pos);
			found = true;
		}
	}
	free(maps);
	return found;
}

/* Count the VMAs that map the inode dev:ino. */
static int maps_count_inode(dev_t dev, ino_t ino)
{
	char *maps = read_all("/proc/self/maps"), *line, *save = NULL;
	int count = 0;

	for (line = maps ? strtok_r(maps, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned int maj, min;
		unsigned long i;

		if (sscanf(line, "%*x-%*x %*s %*s %x:%x %lu", &maj, &min,
			   &i) == 3 && makedev(maj, min) == dev && i == ino)
			count++;
	}
	free(maps);
	return count;
}

/* ---- hookfs stats ---- */

struct hstats {
	long prepare, prepare_failed, complete, abort, complete_failed;
	long context_mismatch;
	long contexts_outstanding, pages_prepopulated;
	long complete_unlinked, private_outstanding;
};

static int hstats_read(struct hstats *s)
{
	static const char *const keys[] = {
		"prepare", "prepare_failed", "complete", "abort",
		"complete_failed",
		"context_mismatch", "contexts_outstanding",
		"pages_prepopulated", "complete_unlinked",
		"private_outstanding"
	};
	long *vals[] = {
		&s->prepare, &s->prepare_failed, &s->complete, &s->abort,
		&s->complete_failed,
		&s->context_mismatch, &s->contexts_outstanding,
		&s->pages_prepopulated, &s->complete_unlinked,
		&s->private_outstanding
	};
	char path[PATH_MAX], *text, *p;
	unsigned int i;
	int found = 0;

	path_in(path, cfg.hookfs_path, "stats");
	text = read_all(path);
	if (!text)
		return -1;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t klen = strlen(keys[i]);

		for (p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
			if (strncmp(p, keys[i], klen) == 0 && p[klen] == ' ') {
				*vals[i] = strtol(p + klen + 1, NULL, 10);
				found++;
				break;
			}
		}
	}
	free(text);
	return found == (int)(sizeof(keys) / sizeof(keys[0])) ? 0 : -1;
}

static int hookfs_knob(const char *knob, const char *value)
{
	char path[PATH_MAX];

	path_in(path, cfg.hookfs_path, knob);
	return write_str(path, value);
}

static bool on_hookfs(dev_t dev)
{
	unsigned int maj, min;

	return cfg.hookfs_dev &&
	       sscanf(cfg.hookfs_dev, "%u:%u", &maj, &min) == 2 &&
	       makedev(maj, min) == dev;
}

/* ---- trace events ---- */

struct tev {
	unsigned long start, end;
	char ctx[64];
	int ret;
	char path[16];
	int seq;		/* line number in the trace */
};

struct obs {
	dev_t dev;
	ino_t ino;
	bool stats;		/* hookfs stats apply to this inode */
	struct hstats before, after;
	int nprep, ncomp, nabort;
	struct tev prep, comp, abort;
};

static void trace_clear(void)
{
	char path[PATH_MAX];

	path_in(path, cfg.tracefs, "trace");
	write_str(path, "");
}

/* Parse "NAME: dev=MAJ:MIN ino=N start=.. end=.. ctx=P ret=E path=P". */
static bool trace_parse(const char *line, const char *event, dev_t dev,
			ino_t ino, struct tev *ev)
{
	const char *p = strstr(line, event);
	unsigned int maj, min;
	unsigned long i;

	if (!p || p[strlen(event)] != ':')
		return false;
	p += strlen(event) + 1;
	if (sscanf(p, " dev=%u:%u ino=%lu start=%lx end=%lx ctx=%63s ret=%d path=%15s",
		   &maj, &min, &i, &ev->start, &ev->end, ev->ctx, &ev->ret,
		   ev->path) != 8)
		return false;
	return makedev(maj, min) == dev && i == ino;
}

static void trace_collect(struct obs *o)
{
	char path[PATH_MAX], *text, *line, *save = NULL;
	struct tev ev;
	int seq = 0;

	o->nprep = o->ncomp = o->nabort = 0;
	path_in(path, cfg.tracefs, "trace");
	text = read_all(path);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		ev.seq = seq++;
		if (trace_parse(line, "mmap_prepare", o->dev, o->ino, &ev)) {
			if (!o->nprep++)
				o->prep = ev;
		} else if (trace_parse(line, "mmap_complete", o->dev, o->ino,
				       &ev)) {
			if (!o->ncomp++)
				o->comp = ev;
		} else if (trace_parse(line, "mmap_abort", o->dev, o->ino,
				       &ev)) {
			if (!o->nabort++)
				o->abort = ev;
		}
	}
	free(text);
}

static bool ctx_is_null(const char *ctx)
{
	return strcmp(ctx, "(null)") == 0 || strspn(ctx, "0x") == strlen(ctx);
}

/* Start observing the hooks of an inode (ino may be set later). */
static void obs_begin(struct obs *o, dev_t dev, ino_t ino)
{
	memset(o, 0, sizeof(*o));
	o->dev = dev;
	o->ino = ino;
	o->stats = on_hookfs(dev) && hstats_read(&o->before) == 0;
	trace_clear();
}

static void obs_end(struct obs *o)
{
	if (o->stats && hstats_read(&o->after))
		o->stats = false;
	trace_collect(o);
}

enum outcome { NONE, PREPARE_FAILED, COMPLETE, COMPLETE_FAILED, ABORT };

static const char *const outcome_name[] = {
	"no hook", "failed prepare", "complete", "failed complete", "abort"
};

/*
 * Check what the hooks did during one mmap() call. With hookfs stats and
 * trace events both available, both must agree with the expectation.
 * Returns 0, -1 (checked, wrong) or 1 (a trace-only lower whose prepare
 * stored no context and that has no complete: nothing to pair).
 */
static int check_outcome(struct obs *o, enum outcome want, int err,
			 unsigned long addr, size_t len, const char *pathflag)
{
	const struct tev *last;
	int bad = 0;

#define EXPECT(cond, ...) do { if (!(cond)) { diag(__VA_ARGS__); bad = 1; } } while (0)
	if (o->stats) {
		long dp = o->after.prepare - o->before.prepare;
		long dpf = o->after.prepare_failed - o->before.prepare_failed;
		long dc = o->after.complete - o->before.complete;
		long df = o->after.complete_failed - o->before.complete_failed;
		long da = o->after.abort - o->before.abort;
		long dm = o->after.context_mismatch -
			  o->before.context_mismatch;
		long du = o->after.complete_unlinked -
			  o->before.complete_unlinked;

		EXPECT(dp == (want > PREPARE_FAILED),
		       "hookfs: %ld successful prepare(s), want %d (%s)",
		       dp, want > PREPARE_FAILED, outcome_name[want]);
		EXPECT(dpf == (want == PREPARE_FAILED),
		       "hookfs: %ld failed prepare(s), want %d", dpf,
		       want == PREPARE_FAILED);
		EXPECT(dc == (want == COMPLETE),
		       "hookfs: %ld successful complete(s), want %d", dc,
		       want == COMPLETE);
		EXPECT(df == (want == COMPLETE_FAILED),
		       "hookfs: %ld failed complete(s), want %d", df,
		       want == COMPLETE_FAILED);
		EXPECT(da == (want == ABORT), "hookfs: %ld abort(s), want %d",
		       da, want == ABORT);
		EXPECT(dm == 0, "hookfs: %ld context mismatch(es)", dm);
		EXPECT(du == 0,
		       "hookfs: %ld complete(s) on a VMA not in the tree or the rmap",
		       du);
		EXPECT(o->after.contexts_outstanding == 0,
		       "hookfs: %ld context(s) outstanding",
		       o->after.contexts_outstanding);
		/* A failed mmap leaves no private data behind, nor frees twice. */
		EXPECT(want == COMPLETE || o->after.private_outstanding ==
					   o->before.private_outstanding,
		       "hookfs: a failed mmap changed private_outstanding by %ld",
		       o->after.private_outstanding -
		       o->before.private_outstanding);
	}

	if (!o->stats && want != NONE && o->nprep == 1 &&
	    ctx_is_null(o->prep.ctx) && !o->ncomp && !o->nabort)
		return 1;
	EXPECT(o->nprep == (want != NONE), "trace: %d mmap_prepare event(s), want %d",
	       o->nprep, want != NONE);
	EXPECT(o->ncomp == (want == COMPLETE || want == COMPLETE_FAILED),
	       "trace: %d mmap_complete event(s), want %d", o->ncomp,
	       want == COMPLETE || want == COMPLETE_FAILED);
	EXPECT(o->nabort == (want == ABORT), "trace: %d mmap_abort event(s), want %d",
	       o->nabort, want == ABORT);
	if (bad || want == NONE)
		return -bad;
	if (want == PREPARE_FAILED) {
		EXPECT(o->prep.ret == -err, "trace: prepare ret=%d, want %d",
		       o->prep.ret, -err);
		return -bad;
	}

	last = want == ABORT ? &o->abort : &o->comp;
	EXPECT(o->prep.ret == 0, "trace: prepare ret=%d", o->prep.ret);
	EXPECT(!ctx_is_null(o->prep.ctx) || o->stats == false,
	       "trace: prepare stored no context");
	EXPECT(strcmp(o->prep.ctx, last->ctx) == 0,
	       "trace: context handoff broken: prepare ctx=%s, %s ctx=%s",
	       o->prep.ctx, outcome_name[want], last->ctx);
	EXPECT(o->prep.seq < last->seq, "trace: %s before prepare",
	       outcome_name[want]);
	EXPECT(strcmp(last->path, pathflag) == 0, "trace: path=%s, want %s",
	       last->path, pathflag);
	if (want == COMPLETE) {
		EXPECT(o->comp.ret == 0, "trace: complete ret=%d", o->comp.ret);
		EXPECT(o->comp.start == addr && o->comp.end == addr + len,
		       "trace: complete range %#lx-%#lx, mapping %#lx-%#lx",
		       o->comp.start, o->comp.end, addr, addr + len);
	}
	if (want == COMPLETE_FAILED)
		EXPECT(o->comp.ret == -err, "trace: complete ret=%d, want %d",
		       o->comp.ret, -err);
	if (want == ABORT)
		EXPECT(o->abort.ret == -err, "trace: abort ret=%d, want %d",
		       o->abort.ret, -err);
#undef EXPECT
	return -bad;
}

/* ---- the file under test ---- */

struct target {
	int fd;			/* opened through the stack */
	int real_fd;		/* the same file on the lowest fs, read-write */
	dev_t dev;		/* the inode whose hooks run */
	ino_t ino;
	char stack_path[PATH_MAX];
	char real_path[PATH_MAX];
};

static void target_close(struct target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->real_fd >= 0 && t->real_fd != t->fd)
		close(t->real_fd);
	t->fd = t->real_fd = -1;
}

/* Open name through the stack, then find the file it really is. */
static int target_open(struct target *t, const char *name, int flags)
{
	struct stat st;

	t->fd = t->real_fd = -1;
	path_in(t->stack_path, cfg.dir, name);
	t->fd = open(t->stack_path, flags | O_CLOEXEC);
	if (t->fd < 0) {
		fail("open %s: %s", t->stack_path, strerror(errno));
		return -1;
	}
	real_path(t->real_path, name);
	t->real_fd = open(t->real_path, O_RDWR | O_CLOEXEC);
	if (t->real_fd < 0 || fstat(t->real_fd, &st)) {
		fail("open %s: %s", t->real_path, strerror(errno));
		target_close(t);
		return -1;
	}
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	return 0;
}

/* The G stack's file: a memfd is its own lower. */
static int target_memfd(struct target *t, size_t size)
{
	struct stat st;

	t->fd = memfd_create("nestmap", MFD_CLOEXEC);
	if (t->fd < 0 || ftruncate(t->fd, size) || fstat(t->fd, &st)) {
		fail("memfd: %s", strerror(errno));
		return -1;
	}
	t->real_fd = t->fd;
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	snprintf(t->stack_path, PATH_MAX, "memfd:nestmap");
	snprintf(t->real_path, PATH_MAX, "memfd:nestmap");
	return 0;
}

static bool is_g(void)
{
	return strcmp(cfg.stack, "G") == 0;
}

/* Open the read-write file with zeroed content, so no earlier run shows. */
static int open_rw(struct target *t)
{
	static char zeros[RW_PAGES * 4096];
	size_t len = RW_PAGES * cfg.page;

	if (is_g())
		return target_memfd(t, len);
	if (target_open(t, "rw", O_RDWR))
		return -1;
	if (len > sizeof(zeros) ||
	    pwrite(t->real_fd, zeros, len, 0) != (ssize_t)len) {
		fail("cannot clear %s", t->real_path);
		target_close(t);
		return -1;
	}
	return 0;
}

static const char *expected_pathflag(void)
{
	return is_direct_stack() ? "direct" : "compat";
}

static enum result need_trace(void)
{
	if (!cfg.tracefs[0])
		return skip("kernel lacks mmap_complete (no mmap trace events)");
	return PASS;
}

static bool lower_has_complete(void);

static enum result need_hookfs(const char *what)
{
	if (is_g())
		return skip("shmem has no %s", what);
	if (!cfg.hookfs_dev && !lower_has_complete())
		return skip("the lower declares no mmap_complete (and this case needs hookfs's %s)",
			    what);
	if (!cfg.hookfs_dev)
		return skip("needs hookfs's %s (--hookfs-dev)", what);
	return need_trace();
}

/* Compare len bytes at off in the real file with buf. */
static bool real_has(int fd, off_t off, const char *buf, size_t len)
{
	char tmp[64];

	return len <= sizeof(tmp) && pread(fd, tmp, len, off) == (ssize_t)len &&
	       memcmp(tmp, buf, len) == 0;
}

/*
 * Without hookfs, does the lower file declare mmap_complete? One mapping,
 * watched through the trace events, tells; probed once. When it cannot
 * tell, say yes, so that no SKIP blames the lower wrongly.
 */
static bool lower_has_complete(void)
{
	static int has = -1;
	struct target t;
	struct obs o;
	void *addr;

	if (has >= 0)
		return has;
	has = 1;
	if (!cfg.tracefs[0] || target_open(&t, "data", O_RDONLY))
		return has;
	obs_begin(&o, t.dev, t.ino);
	addr = mmap(NULL, cfg.page, PROT_READ, MAP_SHARED, t.fd, 0);
	obs_end(&o);
	if (addr != MAP_FAILED) {
		munmap(addr, cfg.page);
		if (o.nprep == 1)
			has = o.ncomp || o.nabort;
	}
	target_close(&t);
	return has;
}

/* ---- cases ---- */

/* One mapping through the stack: prepare, then exactly one complete. */
static enum result map_and_check_hooks(struct target *t, int prot,
				       const char *what, const char *pathflag)
{
	size_t len = 4 * cfg.page;
	struct obs o;
	void *addr;
	int ret;

	obs_begin(&o, t->dev, t->ino);
	addr = mmap(NULL, len, prot, MAP_SHARED, t->fd, 0);
	obs_end(&o);
	if (addr == MAP_FAILED)
		return fail("%s: mmap: %s", what, strerror(errno));
	munmap(addr, len);
	ret = check_outcome(&o, COMPLETE, 0, (unsigned long)addr, len,
			    pathflag);
	if (ret > 0)
		return skip("%s: prepare ran once but the lower stored no context and declares no mmap_complete",
			    what);
	return ret ? fail("%s: hooks did not pair", what) : PASS;
}

static enum result case_hooks_g(void)
{
	size_t len = 4 * cfg.page;
	struct maps_line ml;
	struct target t;
	enum result r;
	struct obs o;
	void *addr;
	int id, ret;

	id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
	if (id < 0)
		return fail("shmget: %s", strerror(errno));
	obs_begin(&o, 0, 0);
	addr = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	if (addr == (void *)-1)
		return fail("shmat: %s", strerror(errno));
	if (!maps_find((unsigned long)addr, &ml))
		return fail("shm mapping missing from /proc/self/maps");
	o.dev = makedev(ml.major, ml.minor);
	o.ino = ml.ino;
	obs_end(&o);
	shmdt(addr);
	ret = check_outcome(&o, COMPLETE, 0, (unsigned long)addr, len, "compat");
	if (ret < 0)
		return fail("shm: hooks did not pair");
	if (target_memfd(&t, len))
		return FAIL;
	r = map_and_check_hooks(&t, PROT_READ | PROT_WRITE, "memfd", "direct");
	target_close(&t);
	if (r == PASS && ret > 0)
		return skip("shm: prepare ran once via compat; shmem stores no context and declares no mmap_complete");
	return r;
}

static enum result case_hooks(void)
{
	enum result r = need_trace();
	struct target t;

	if (r != PASS)
		return r;
	if (is_g())
		return case_hooks_g();
	if (target_open(&t, "data", O_RDONLY))
		return FAIL;
	r = map_and_check_hooks(&t, PROT_READ, "read-only",
				expected_pathflag());
	target_close(&t);
	if (r != PASS)
		return r;
	/* A writable open may copy up; check it if it stays on hookfs. */
	if (target_open(&t, "rw", O_RDWR))
		return FAIL;
	if (on_hookfs(t.dev) || (!cfg.hookfs_dev && !cfg.upper_dir))
		r = map_and_check_hooks(&t, PROT_READ | PROT_WRITE,
					"read-write", expected_pathflag());
	else
		diag("read-write: %s is not on the lower fs, not checked",
		     t.real_path);
	target_close(&t);
	return r;
}

static enum result coherence_shm(void)
{
	size_t len = cfg.page;
	char *a, *b;
	int id;

	id = shmget(IPC_PRIVATE, len, IPC_CREAT | 0600);
	if (id < 0)
		return fail("shmget: %s", strerror(errno));
	a = shmat(id, NULL, 0);
	b = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	if (a == (void *)-1 || b == (void *)-1)
		return fail("shmat: %s", strerror(errno));
	strcpy(a + 10, "shm-a");
	strcpy(b + 100, "shm-b");
	if (strcmp(b + 10, "shm-a") || strcmp(a + 100, "shm-b"))
		return fail("two attaches of one segment disagree");
	shmdt(a);
	shmdt(b);
	return PASS;
}

static enum result case_coherence(void)
{
	static const char s1[] = "written-through-mapping";
	static const char s2[] = "written-with-pwrite";
	static const char s3[] = "private-copy";
	size_t len = 4 * cfg.page;
	struct target t;
	enum result r = PASS;
	char *shared, *priv;

	if (open_rw(&t))
		return FAIL;
	shared = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, t.fd, 0);
	priv = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, t.fd, 0);
	if (shared == MAP_FAILED || priv == MAP_FAILED) {
		r = fail("mmap: %s", strerror(errno));
		goto out;
	}
	memcpy(shared + cfg.page + 100, s1, sizeof(s1));
	if (!real_has(t.real_fd, cfg.page + 100, s1, sizeof(s1)))
		r = fail("a MAP_SHARED write is not seen by pread on %s",
			 t.real_path);
	/* Fault the page in first, so that a stale private cache shows. */
	if (shared[2 * cfg.page + 7] == s2[0])
		shared[2 * cfg.page + 7] = 0;
	if (pwrite(t.real_fd, s2, sizeof(s2), 2 * cfg.page + 7) != sizeof(s2) ||
	    memcmp(shared + 2 * cfg.page + 7, s2, sizeof(s2)))
		r = fail("a pwrite on %s is not seen by the MAP_SHARED mapping",
			 t.real_path);
	memcpy(priv + 3 * cfg.page + 9, s3, sizeof(s3));
	if (real_has(t.real_fd, 3 * cfg.page + 9, s3, sizeof(s3)) ||
	    memcmp(shared + 3 * cfg.page + 9, s3, sizeof(s3)) == 0)
		r = fail("a MAP_PRIVATE write leaked into the file");
	if (memcmp(priv + 2 * cfg.page + 7, s2, sizeof(s2)))
		r = fail("MAP_PRIVATE mapping does not show the file's data");
out:
	if (shared != MAP_FAILED)
		munmap(shared, len);
	if (priv != MAP_FAILED)
		munmap(priv, len);
	target_close(&t);
	if (r == PASS && is_g())
		r = coherence_shm();
	return r;
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Map the data file, count resident pages and first-touch faults. */
static enum result map_and_touch(struct target *t, struct obs *o,
				 int *resident, long *faults)
{
	size_t len = DATA_PAGES * cfg.page, i;
	unsigned char vec[DATA_PAGES];
	volatile char *addr;
	long before;
	char sum = 0;

	obs_begin(o, t->dev, t->ino);
	addr = mmap(NULL, len, PROT_READ, MAP_SHARED, t->fd, 0);
	obs_end(o);
	if (addr == MAP_FAILED)
		return fail("mmap: %s", strerror(errno));
	*resident = 0;
	if (mincore((void *)addr, len, vec) == 0)
		for (i = 0; i < DATA_PAGES; i++)
			*resident += vec[i] & 1;
	before = minor_faults();
	for (i = 0; i < len; i += cfg.page)
		sum += addr[i];
	*faults = minor_faults() - before;
	munmap((void *)addr, len);
	(void)sum;
	return check_outcome(o, COMPLETE, 0, (unsigned long)addr, len,
			     expected_pathflag()) ? fail("hooks did not pair") :
						    PASS;
}

static enum result case_prepopulate(void)
{
	enum result r = need_hookfs("prepopulate knob");
	long base_faults, faults, pages;
	int resident;
	struct target t;
	struct obs o;
	char *buf;

	if (r != PASS)
		return r;
	if (target_open(&t, "data", O_RDONLY))
		return FAIL;
	/* Warm the page cache so that both runs differ only in the PTEs. */
	buf = malloc(DATA_PAGES * cfg.page);
	if (!buf || pread(t.real_fd, buf, DATA_PAGES * cfg.page, 0) !=
		    (ssize_t)(DATA_PAGES * cfg.page)) {
		r = fail("read %s: short read", t.real_path);
		goto out;
	}
	if (hookfs_knob("prepopulate", "0")) {
		r = fail("cannot clear the prepopulate knob");
		goto out;
	}
	r = map_and_touch(&t, &o, &resident, &base_faults);
	if (r != PASS)
		goto out;
	if (base_faults < 1) {
		r = fail("demand-fault baseline took no faults: nothing to compare");
		goto out;
	}
	if (hookfs_knob("prepopulate", "1")) {
		r = fail("cannot set the prepopulate knob");
		goto out;
	}
	r = map_and_touch(&t, &o, &resident, &faults);
	hookfs_knob("prepopulate", "0");
	if (r != PASS)
		goto out;
	pages = o.after.pages_prepopulated - o.before.pages_prepopulated;
	diag("baseline %ld minor faults, prepopulated %ld faults, %ld pages prepopulated, %d/%d resident",
	     base_faults, faults, pages, resident, DATA_PAGES);
	if (resident != DATA_PAGES)
		r = fail("%d of %d pages resident after mmap", resident,
			 DATA_PAGES);
	/* Every stack: complete runs on a linked VMA, so it may populate. */
	if (pages != DATA_PAGES)
		r = fail("hookfs prepopulated %ld pages, want %d", pages,
			 DATA_PAGES);
	if (faults != 0)
		r = fail("first touch took %ld minor faults, want 0 (baseline %ld)",
			 faults, base_faults);
out:
	free(buf);
	target_close(&t);
	return r;
}

static enum result case_complete_failure(void)
{
	enum result r = need_hookfs("fail_complete knob");
	size_t len = 4 * cfg.page;
	char knob[32];
	struct target t;
	struct obs o;
	void *addr;
	int err;

	if (r != PASS)
		return r;
	if (target_open(&t, "data", O_RDONLY))
		return FAIL;
	snprintf(knob, sizeof(knob), "1 %d", FAIL_ERRNO);
	if (hookfs_knob("fail_complete", knob)) {
		r = fail("cannot set fail_complete");
		goto out;
	}
	obs_begin(&o, t.dev, t.ino);
	addr = mmap(NULL, len, PROT_READ, MAP_SHARED, t.fd, 0);
	err = errno;
	obs_end(&o);
	hookfs_knob("fail_complete", "0 0");
	if (addr != MAP_FAILED) {
		munmap(addr, len);
		r = fail("mmap succeeded although complete failed");
		goto out;
	}
	if (err != FAIL_ERRNO)
		r = fail("mmap failed with %s, want %s", strerror(err),
			 strerror(FAIL_ERRNO));
	if (maps_count_inode(t.dev, t.ino))
		r = fail("a VMA of the file is left in /proc/self/maps");
	if (check_outcome(&o, COMPLETE_FAILED, FAIL_ERRNO, 0, 0,
			  expected_pathflag()))
		r = fail("hooks did not match a failed complete");
out:
	target_close(&t);
	return r;
}

static int fail_nth_fd(void)
{
	return open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
}

/* Arm fail-nth, mmap, disarm; tells whether the fault was consumed. */
static void *mmap_fail_nth(int nth_fd, int n, struct target *t, size_t len,
			   int *err, bool *injected)
{
	char buf[16];
	void *addr;
	ssize_t got;

	snprintf(buf, sizeof(buf), "%d", n);
	if (pwrite(nth_fd, buf, strlen(buf), 0) < 0) {
		*err = errno;
		*injected = false;
		return NULL;
	}
	addr = mmap(SWEEP_HINT, len, PROT_READ, MAP_SHARED, t->fd, 0);
	*err = errno;
	got = pread(nth_fd, buf, sizeof(buf) - 1, 0);
	pwrite(nth_fd, "0", 1, 0);
	buf[got > 0 ? got : 0] = '\0';
	*injected = got > 0 && atoi(buf) == 0;
	return addr;
}

/* What one fail-nth sweep saw, by where the injected fault landed. */
struct sweep {
	int points, early, in_prepare, in_complete, aborts, uncheckable;
};

static enum result need_failslab(void)
{
	char *gfp_wait = read_all("/sys/kernel/debug/failslab/ignore-gfp-wait");
	bool ignores_kernel;

	if (!gfp_wait)
		return skip("kernel lacks failslab in debugfs (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)");
	ignores_kernel = gfp_wait[0] != 'N';
	free(gfp_wait);
	if (ignores_kernel)
		return fail("failslab/ignore-gfp-wait is not N: GFP_KERNEL allocations cannot fail");
	if (access("/proc/thread-self/fail-nth", W_OK))
		return skip("kernel lacks /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)");
	return PASS;
}

/*
 * mmap() the file with the n-th slab allocation failing, n = 1, 2, ...,
 * until a call no longer reaches the injected fault. After every call the
 * hooks must have paired (hookfs stats and trace agreeing), no context may
 * be outstanding and a failed call must leave no VMA.
 */
static enum result fault_sweep(const char *name, size_t len, struct sweep *sw)
{
	enum result r = PASS;
	int n, nth_fd, err, ret;
	bool injected = true;
	struct target t;
	struct obs o;
	void *addr;

	memset(sw, 0, sizeof(*sw));
	nth_fd = fail_nth_fd();
	if (nth_fd < 0)
		return fail("open fail-nth: %s", strerror(errno));
	if (target_open(&t, name, O_RDONLY)) {
		close(nth_fd);
		return FAIL;
	}
	for (n = 1; n <= MAX_FAIL_NTH && injected; n++) {
		obs_begin(&o, t.dev, t.ino);
		addr = mmap_fail_nth(nth_fd, n, &t, len, &err, &injected);
		obs_end(&o);
		if (!addr) {
			r = fail("%s: fail-nth: %s", name, strerror(err));
			break;
		}
		if (addr != MAP_FAILED) {
			munmap(addr, len);
			ret = check_outcome(&o, COMPLETE, 0, (unsigned long)addr,
					    len, expected_pathflag());
		} else if (o.nprep == 0) {
			sw->early++;
			ret = check_outcome(&o, NONE, 0, 0, 0, "");
		} else if (o.prep.ret) {
			sw->in_prepare++;	/* prepare's own allocation */
			ret = check_outcome(&o, PREPARE_FAILED, err, 0, 0, "");
		} else if (o.ncomp) {
			sw->in_complete++;	/* an allocation in complete */
			ret = check_outcome(&o, COMPLETE_FAILED, err, 0, 0,
					    expected_pathflag());
		} else {
			sw->aborts++;
			ret = check_outcome(&o, ABORT, err, 0, 0,
					    expected_pathflag());
			if (err != ENOMEM)
				r = fail("%s: fail-nth=%d: mmap failed with %s, want ENOMEM",
					 name, n, strerror(err));
		}
		if (injected)
			sw->points++;
		if (ret > 0)
			sw->uncheckable++;
		if (ret < 0)
			r = fail("%s: fail-nth=%d: hooks did not pair (mmap %s)",
				 name, n, addr == MAP_FAILED ? strerror(err) :
							       "succeeded");
		if (addr == MAP_FAILED && maps_count_inode(t.dev, t.ino))
			r = fail("%s: fail-nth=%d: a VMA is left after the failed mmap",
				 name, n);
		if (r == FAIL)
			break;
	}
	target_close(&t);
	close(nth_fd);
	/* matrix.sh collects these lines into its injection-point summary. */
	diag("sweep %s: %d injection points: %d failed before prepare, %d in prepare, %d in complete, %d aborted",
	     name, sw->points, sw->early, sw->in_prepare, sw->in_complete,
	     sw->aborts);
	if (r == PASS && injected)
		r = fail("%s: fail-nth sweep did not end after %d calls", name,
			 MAX_FAIL_NTH);
	return r;
}

static enum result case_abort(void)
{
	enum result r = is_g() ? skip("the sweep maps the hookfs data file; none on shmem") :
				 need_trace();
	struct sweep sw, act = { 0 };

	if (r == PASS)
		r = need_failslab();
	if (r == PASS)
		r = fault_sweep("data", 4 * cfg.page, &sw);
	/*
	 * Through a stacker the VMA exists before the lower's prepare runs;
	 * what can still fail after it is the mmap action, which the pfn-action
	 * file requests and the kernel runs once the VMA is linked.
	 */
	if (r == PASS && cfg.hookfs_dev)
		r = fault_sweep("pfn-action", PFN_SIZE, &act);
	if (r != PASS)
		return r;
	if (sw.uncheckable)
		return skip("the lower stores no context and declares no mmap_complete");
	if (!cfg.hookfs_dev && !sw.aborts && !is_direct_stack())
		return skip("no injection point after prepare for this lower: it requests no mmap action; all %d paired correctly",
			    sw.points);
	if (!sw.aborts && !act.aborts)
		return fail("no injected allocation after prepare made abort run");
	return PASS;
}

/*
 * The sweep again where complete allocates: page tables for a prepopulated
 * mapping and for the pfn file's remap.
 */
static enum result case_fault_sweep(void)
{
	enum result r = need_hookfs("prepopulate knob and pfn file");
	struct sweep pre, pfn;

	if (r == PASS)
		r = need_failslab();
	if (r != PASS)
		return r;
	if (hookfs_knob("prepopulate", "1"))
		return fail("cannot set the prepopulate knob");
	r = fault_sweep("data", DATA_PAGES * cfg.page, &pre);
	hookfs_knob("prepopulate", "0");
	if (r == PASS)
		r = fault_sweep("pfn", PFN_SIZE, &pfn);
	if (r != PASS)
		return r;
	if (!pre.in_complete && !pfn.in_complete)
		return fail("no injected allocation failed inside complete");
	return PASS;
}

/* mmap() once with a knob armed; the call must fail with -err as @want. */
static enum result inject_once(const char *name, const char *knob, int err,
			       enum outcome want)
{
	enum result r = PASS;
	size_t len = 4 * cfg.page;
	char val[32];
	struct target t;
	struct obs o;
	void *addr;
	int got;

	if (target_open(&t, name, O_RDONLY))
		return FAIL;
	snprintf(val, sizeof(val), "1 %d", err);
	if (hookfs_knob(knob, val)) {
		target_close(&t);
		return fail("cannot set %s", knob);
	}
	obs_begin(&o, t.dev, t.ino);
	addr = mmap(NULL, len, PROT_READ, MAP_SHARED, t.fd, 0);
	got = errno;
	obs_end(&o);
	hookfs_knob(knob, "0 0");
	if (addr != MAP_FAILED) {
		munmap(addr, len);
		r = fail("%s %s: mmap succeeded", knob, strerror(err));
	} else if (got != err) {
		r = fail("%s %s: mmap failed with %s", knob, strerror(err),
			 strerror(got));
	}
	if (maps_count_inode(t.dev, t.ino))
		r = fail("%s %s: a VMA is left in /proc/self/maps", knob,
			 strerror(err));
	if (check_outcome(&o, want, err, 0, 0, expected_pathflag()))
		r = fail("%s %s: hooks did not match a %s", knob,
			 strerror(err), outcome_name[want]);
	target_close(&t);
	return r;
}

/* hookfs's knobs fail each hook step with several errnos. */
static enum result case_injected_errors(void)
{
	static const int errs[] = { ENOMEM, EIO, EPERM, EAGAIN, ENODEV };
	static const struct {
		const char *file, *knob;
		enum outcome want;
	} steps[] = {
		{ "data", "fail_prepare", PREPARE_FAILED },
		{ "data", "fail_complete", COMPLETE_FAILED },
		{ "pfn", "fail_action", ABORT },
	};
	enum result r = need_hookfs("fail_* knobs");
	unsigned int i, j, tried = 0;

	for (i = 0; r == PASS && i < sizeof(errs) / sizeof(errs[0]); i++)
		for (j = 0; r == PASS && j < sizeof(steps) / sizeof(steps[0]);
		     j++, tried++)
			r = inject_once(steps[j].file, steps[j].knob, errs[i],
					steps[j].want);
	if (r != SKIP)
		diag("%u injected errors tried", tried);
	return r;
}

static enum result case_misdeclared(void)
{
	static const char *const names[] = { "bad-complete", "bad-abort" };
	enum result r = need_hookfs("bad-complete/bad-abort files");
	size_t len = cfg.page;
	unsigned int i;
	struct target t;
	struct obs o;
	void *addr;
	int err;

	for (i = 0; r == PASS && i < 2; i++) {
		if (target_open(&t, names[i], O_RDONLY))
			return FAIL;
		obs_begin(&o, t.dev, t.ino);
		addr = mmap(NULL, len, PROT_READ, MAP_SHARED, t.fd, 0);
		err = errno;
		obs_end(&o);
		if (addr != MAP_FAILED) {
			munmap(addr, len);
			r = fail("%s: mmap succeeded, want ENODEV", names[i]);
		} else if (err != ENODEV) {
			r = fail("%s: mmap failed with %s, want ENODEV",
				 names[i], strerror(err));
		}
		if (check_outcome(&o, NONE, 0, 0, 0, ""))
			r = fail("%s: hooks not as for a rejected mmap", names[i]);
		target_close(&t);
	}
	return r;
}

static int mmap_errno(int fd, int prot, int flags)
{
	void *addr = mmap(NULL, cfg.page, prot, flags, fd, 0);

	if (addr == MAP_FAILED)
		return errno;
	munmap(addr, cfg.page);
	return 0;
}

static enum result case_permissions(void)
{
	const int rw = PROT_READ | PROT_WRITE;
	int stack_err, direct_err, ro_fd;
	enum result r = PASS;
	char path[PATH_MAX];
	struct target t;

	if (is_g()) {
		if (target_memfd(&t, cfg.page))
			return FAIL;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", t.fd);
	} else {
		path_in(path, cfg.dir, "rw");
		t.fd = t.real_fd = -1;
	}
	ro_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ro_fd < 0) {
		target_close(&t);
		return fail("open %s: %s", path, strerror(errno));
	}
	stack_err = mmap_errno(ro_fd, rw, MAP_SHARED);
	if (stack_err != EACCES)
		r = fail("PROT_WRITE|MAP_SHARED on an O_RDONLY fd: %s, want EACCES",
			 stack_err ? strerror(stack_err) : "success");
	if (mmap_errno(ro_fd, PROT_READ, MAP_SHARED))
		r = fail("PROT_READ|MAP_SHARED on an O_RDONLY fd failed");
	if (mmap_errno(ro_fd, rw, MAP_PRIVATE))
		r = fail("PROT_WRITE|MAP_PRIVATE on an O_RDONLY fd failed");
	close(ro_fd);
	target_close(&t);
	if (is_g() || r != PASS)
		return r;
	/* The same call on the lower file directly must agree. */
	real_path(path, "rw");
	ro_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ro_fd < 0)
		return fail("open %s: %s", path, strerror(errno));
	direct_err = mmap_errno(ro_fd, rw, MAP_SHARED);
	close(ro_fd);
	if (direct_err != stack_err)
		return fail("the stack gives %s, the lower directly gives %s",
			    strerror(stack_err), strerror(direct_err));
	return PASS;
}

static enum result case_pfn(void)
{
	enum result r = need_hookfs("pfn file");
	struct target t;
	const char *p;
	size_t off;

	if (r != PASS)
		return r;
	if (target_open(&t, "pfn", O_RDONLY))
		return FAIL;
	p = mmap(NULL, PFN_SIZE, PROT_READ, MAP_SHARED, t.fd, 0);
	if (p == MAP_FAILED) {
		target_close(&t);
		return fail("mmap: %s", strerror(errno));
	}
	for (off = 0; off < PFN_SIZE; off++) {
		char want = 'A' + (off / 4096) % 26;

		if (p[off] != want) {
			r = fail("byte %zu is %#x, want '%c'", off,
				 (unsigned char)p[off], want);
			break;
		}
	}
	munmap((void *)p, PFN_SIZE);
	target_close(&t);
	return r;
}

static enum result case_mremap(void)
{
	static const char mark[] = "mremap-mark";
	static const char grown[] = "grown-page";
	enum result r = PASS;
	struct maps_line ml;
	struct target t;
	char *a, *b;

	if (open_rw(&t))
		return FAIL;
	a = mmap(NULL, 4 * cfg.page, PROT_READ | PROT_WRITE, MAP_SHARED,
		 t.fd, 0);
	if (a == MAP_FAILED) {
		target_close(&t);
		return fail("mmap: %s", strerror(errno));
	}
	memcpy(a + 5, mark, sizeof(mark));
	b = mremap(a, 4 * cfg.page, 8 * cfg.page, MREMAP_MAYMOVE);
	if (b == MAP_FAILED) {
		munmap(a, 4 * cfg.page);
		target_close(&t);
		return fail("mremap grow: %s", strerror(errno));
	}
	if (memcmp(b + 5, mark, sizeof(mark)))
		r = fail("data lost when growing");
	memcpy(b + 6 * cfg.page, grown, sizeof(grown));
	if (!real_has(t.real_fd, 6 * cfg.page, grown, sizeof(grown)))
		r = fail("a write to the grown part does not reach the file");
	a = mremap(b, 8 * cfg.page, 2 * cfg.page, 0);
	if (a != b) {
		munmap(b, 8 * cfg.page);
		target_close(&t);
		return fail("mremap shrink: %s", strerror(errno));
	}
	if (!maps_find((unsigned long)a, &ml) ||
	    ml.start != (unsigned long)a ||
	    ml.end != (unsigned long)a + 2 * cfg.page)
		r = fail("after shrinking, /proc/self/maps has no 2-page VMA at %p",
			 a);
	if (memcmp(a + 5, mark, sizeof(mark)))
		r = fail("data lost when shrinking");
	munmap(a, 2 * cfg.page);
	target_close(&t);
	return r;
}

static enum result case_fork(void)
{
	static const char from_child[] = "from-child";
	static const char from_parent[] = "from-parent";
	enum result r = PASS;
	struct target t;
	int status;
	char *p;
	pid_t pid;

	if (open_rw(&t))
		return FAIL;
	p = mmap(NULL, cfg.page, PROT_READ | PROT_WRITE, MAP_SHARED, t.fd, 0);
	if (p == MAP_FAILED) {
		target_close(&t);
		return fail("mmap: %s", strerror(errno));
	}
	memcpy(p + 64, from_parent, sizeof(from_parent));
	pid = fork();
	if (pid == 0) {
		bool ok = memcmp(p + 64, from_parent, sizeof(from_parent)) == 0;

		memcpy(p + 128, from_child, sizeof(from_child));
		_exit(ok ? 0 : 3);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		r = fail("fork: %s", strerror(errno));
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		r = fail("the child did not see the parent's data (status %#x)",
			 status);
	} else {
		if (memcmp(p + 128, from_child, sizeof(from_child)))
			r = fail("the parent does not see the child's write");
		if (!real_has(t.real_fd, 128, from_child, sizeof(from_child)))
			r = fail("the child's write does not reach the file");
	}
	munmap(p, cfg.page);
	target_close(&t);
	return r;
}

static enum result case_munmap(void)
{
	static const char tail[] = "tail-page";
	enum result r = PASS;
	struct maps_line ml;
	struct target t;
	int status;
	char *p;
	pid_t pid;

	if (open_rw(&t))
		return FAIL;
	p = mmap(NULL, 4 * cfg.page, PROT_READ | PROT_WRITE, MAP_SHARED,
		 t.fd, 0);
	if (p == MAP_FAILED) {
		target_close(&t);
		return fail("mmap: %s", strerror(errno));
	}
	if (munmap(p + cfg.page, cfg.page)) {
		r = fail("munmap of the second page: %s", strerror(errno));
		goto out;
	}
	if (!maps_find((unsigned long)p, &ml) ||
	    ml.end != (unsigned long)p + cfg.page)
		r = fail("the first page is not its own VMA");
	if (maps_find((unsigned long)p + cfg.page, &ml))
		r = fail("the unmapped page is still in /proc/self/maps");
	if (!maps_find((unsigned long)p + 2 * cfg.page, &ml) ||
	    ml.end != (unsigned long)p + 4 * cfg.page)
		r = fail("pages 2-3 are not one VMA");
	memcpy(p + 3 * cfg.page, tail, sizeof(tail));
	if (!real_has(t.real_fd, 3 * cfg.page, tail, sizeof(tail)))
		r = fail("a write after the partial munmap does not reach the file");
	p[0] = 'x';
	pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		*(volatile char *)(p + cfg.page) = 1;
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		r = fail("fork: %s", strerror(errno));
	else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV)
		r = fail("touching the unmapped page did not SIGSEGV (status %#x)",
			 status);
out:
	munmap(p, cfg.page);
	munmap(p + 2 * cfg.page, 2 * cfg.page);
	target_close(&t);
	return r;
}

static enum result maps_check_g(void)
{
	struct maps_line ml;
	struct target t;
	enum result r = PASS;
	void *addr;
	int id;

	id = shmget(IPC_PRIVATE, cfg.page, IPC_CREAT | 0600);
	if (id < 0)
		return fail("shmget: %s", strerror(errno));
	addr = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	if (addr == (void *)-1)
		return fail("shmat: %s", strerror(errno));
	if (!maps_find((unsigned long)addr, &ml) || !strstr(ml.path, "/SYSV"))
		r = fail("the shm mapping is not named /SYSV... in /proc/self/maps");
	shmdt(addr);
	if (target_memfd(&t, cfg.page))
		return FAIL;
	addr = mmap(NULL, cfg.page, PROT_READ, MAP_SHARED, t.fd, 0);
	if (addr == MAP_FAILED) {
		r = fail("mmap memfd: %s", strerror(errno));
	} else {
		if (!maps_find((unsigned long)addr, &ml) ||
		    !strstr(ml.path, "/memfd:nestmap") ||
		    makedev(ml.major, ml.minor) != t.dev || ml.ino != t.ino)
			r = fail("the memfd mapping is not named /memfd:nestmap with its inode");
		munmap(addr, cfg.page);
	}
	target_close(&t);
	return r;
}

/* How many VMAs cover [start, end), or -1 if part of it is unmapped. */
static int maps_count_range(unsigned long start, unsigned long end)
{
	struct maps_line ml;
	int n = 0;

	while (start < end && maps_find(start, &ml)) {
		n++;
		start = ml.end;
	}
	return start < end ? -1 : n;
}

/*
 * Map @n pages of @fd one mmap() at a time, page i at offset i right after
 * page i - 1, as a merge wants them. With @o, check that each mapping ran
 * prepare and complete on exactly its own page; a check that cannot tell
 * (no context stored) sets *@unchecked.
 */
static char *map_adjacent(int fd, int n, struct obs *o, bool *unchecked)
{
	size_t len = n * cfg.page;
	char *base, *p;
	int i, ret;

	base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		fail("mmap of the reservation: %s", strerror(errno));
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (o)
			obs_begin(o, o->dev, o->ino);
		p = mmap(base + i * cfg.page, cfg.page, PROT_READ,
			 MAP_SHARED | MAP_FIXED, fd, (off_t)i * cfg.page);
		if (o)
			obs_end(o);
		if (p == MAP_FAILED) {
			fail("mmap of page %d: %s", i, strerror(errno));
			break;
		}
		ret = o ? check_outcome(o, COMPLETE, 0, (unsigned long)p,
					cfg.page, expected_pathflag()) : 0;
		if (ret < 0) {
			fail("page %d: hooks not as for one mapping of it", i);
			break;
		}
		if (ret > 0)
			*unchecked = true;
	}
	if (i < n) {
		munmap(base, len);
		return NULL;
	}
	return base;
}

/*
 * The no-merge rule: pages of a file with mmap_complete, mapped one by one at
 * adjacent addresses and offsets, stay one VMA each, and complete sees
 * exactly the page it was prepared for. A memfd, which has no such hook, is
 * the control: its pages merge into one VMA, so the count can see a merge.
 */
static enum result case_no_merge(void)
{
	const int n = 8;
	size_t len = n * cfg.page;
	bool unchecked = false;
	enum result r = PASS;
	struct target t;
	struct obs o;
	int fd, vmas;
	char *base;

	if (is_g())
		return skip("shmat() maps a new file each time: nothing to merge");
	r = need_trace();
	if (r != PASS)
		return r;
	fd = memfd_create("nestmap-merge", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, len)) {
		r = fail("memfd: %s", strerror(errno));
		goto out_memfd;
	}
	base = map_adjacent(fd, n, NULL, NULL);
	if (!base) {
		r = FAIL;
		goto out_memfd;
	}
	vmas = maps_count_range((unsigned long)base, (unsigned long)base + len);
	munmap(base, len);
	if (vmas != 1) {
		r = fail("control: %d memfd pages mapped adjacently gave %d VMAs, want 1",
			 n, vmas);
		goto out_memfd;
	}

	if (target_open(&t, "data", O_RDONLY)) {
		r = FAIL;
		goto out_memfd;
	}
	o.dev = t.dev;
	o.ino = t.ino;
	base = map_adjacent(t.fd, n, &o, &unchecked);
	if (!base) {
		r = FAIL;
	} else {
		vmas = maps_count_range((unsigned long)base,
					(unsigned long)base + len);
		munmap(base, len);
		if (unchecked)
			r = skip("the lower stored no context and declares no mmap_complete: the rule does not apply");
		else if (vmas != n)
			r = fail("%d pages mapped adjacently gave %d VMAs, want %d",
				 n, vmas, n);
		else
			diag("%d adjacent mappings: %d VMAs (the memfd control: 1)",
			     n, vmas);
	}
	target_close(&t);
out_memfd:
	if (fd >= 0)
		close(fd);
	return r;
}

static enum result case_maps(void)
{
	enum result r = PASS;
	char real[PATH_MAX], stack[PATH_MAX];
	struct maps_line ml;
	struct target t;
	struct stat st;
	void *addr;

	if (is_g())
		return maps_check_g();
	if (target_open(&t, "data", O_RDONLY))
		return FAIL;
	addr = mmap(NULL, cfg.page, PROT_READ, MAP_SHARED, t.fd, 0);
	if (addr == MAP_FAILED) {
		target_close(&t);
		return fail("mmap: %s", strerror(errno));
	}
	if (!maps_find((unsigned long)addr, &ml)) {
		r = fail("no VMA at %p in /proc/self/maps", addr);
		goto out;
	}
	if (fstat(t.fd, &st) || !realpath(t.stack_path, stack) ||
	    !realpath(t.real_path, real)) {
		r = fail("stat/realpath: %s", strerror(errno));
		goto out;
	}
	/*
	 * A stack that hands out a backing file (overlayfs, FUSE) shows the
	 * user's file; one that swaps in the lower file (stackfs) shows that.
	 */
	if (strcmp(ml.path, real) == 0 && strcmp(real, stack)) {
		if (makedev(ml.major, ml.minor) != t.dev || ml.ino != t.ino)
			r = fail("maps names %s as %02x:%02x %lu, it is %02x:%02x %lu",
				 real, ml.major, ml.minor, ml.ino,
				 major(t.dev), minor(t.dev),
				 (unsigned long)t.ino);
	} else if (strcmp(ml.path, stack) == 0) {
		if (ml.ino != st.st_ino)
			r = fail("maps names %s as inode %lu, it is %lu",
				 stack, ml.ino, (unsigned long)st.st_ino);
	} else {
		r = fail("maps names '%s', want '%s' or '%s'", ml.path, stack,
			 real);
	}
out:
	munmap(addr, cfg.page);
	target_close(&t);
	return r;
}

/* ---- driver ---- */

/*
 * A broken stack can make a mapping fault (a pfn mapping that complete
 * never filled gives SIGBUS): fail that case and go on with the next.
 */
static sigjmp_buf case_jmp;
static pid_t main_pid;

static void on_fault(int sig)
{
	if (getpid() != main_pid)
		_exit(128 + sig);	/* a case's child: just die */
	siglongjmp(case_jmp, sig);
}

static enum result run_case(enum result (*run)(void))
{
	struct sigaction sa = { .sa_handler = on_fault };
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sig = sigsetjmp(case_jmp, 1);
	if (sig) {
		fail("killed by %s while touching a mapping", strsignal(sig));
		if (cfg.hookfs_dev) {
			hookfs_knob("prepopulate", "0");
			hookfs_knob("fail_complete", "0 0");
			hookfs_knob("fail_prepare", "0 0");
			hookfs_knob("fail_action", "0 0");
		}
		return FAIL;
	}
	return run();
}

static const struct {
	const char *name;
	enum result (*run)(void);
} cases[] = {
	{ "hooks", case_hooks },
	{ "coherence", case_coherence },
	{ "prepopulate", case_prepopulate },
	{ "complete-failure", case_complete_failure },
	{ "abort", case_abort },
	{ "fault-sweep", case_fault_sweep },
	{ "injected-errors", case_injected_errors },
	{ "misdeclared", case_misdeclared },
	{ "permissions", case_permissions },
	{ "pfn", case_pfn },
	{ "mremap", case_mremap },
	{ "fork", case_fork },
	{ "munmap", case_munmap },
	{ "maps", case_maps },
	{ "no-merge", case_no_merge },
};

#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

static void usage(FILE *out)
{
	unsigned int i;

	fprintf(out,
		"usage: nestmap-mmaptest --stack A..F --dir DIR --lower-dir DIR\n"
		"                        [--upper-dir DIR] [--hookfs-dev MAJ:MIN] [--case LIST]\n"
		"       nestmap-mmaptest --stack G [--case LIST]\n"
		"  --stack NAME       the stack under test (names the KTAP tests)\n"
		"  --dir DIR          where the stack shows the test files\n"
		"  --lower-dir DIR    the same files on the lowest filesystem\n"
		"  --upper-dir DIR    an overlay's upper dir (where writes copy up)\n"
		"  --hookfs-dev DEV   the hookfs superblock under the stack: check\n"
		"                     its debugfs stats too and run its cases\n"
		"  --case LIST        comma-separated cases; default all:\n"
		"                    ");
	for (i = 0; i < NR_CASES; i++)
		fprintf(out, " %s", cases[i].name);
	fprintf(out, "\nOutput is KTAP; exit 0 all passed, 1 a failure, 4 all skipped.\n");
}

/* Mark the cases named in a comma-separated list; false on a bad name. */
static bool select_cases(char *list, bool *selected)
{
	char *name, *save = NULL;
	bool any = false;
	unsigned int i;

	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < NR_CASES; i++)
			if (strcmp(name, cases[i].name) == 0)
				break;
		if (i == NR_CASES) {
			fprintf(stderr, "nestmap-mmaptest: unknown case '%s'\n",
				name);
			return false;
		}
		selected[i] = true;
		any = true;
	}
	if (!any)
		fprintf(stderr, "nestmap-mmaptest: --case: no case named\n");
	return any;
}

/* Find tracefs with the series' events and turn them on. */
static void setup_tracing(void)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing"
	};
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/mmap/mmap_complete",
			 roots[i]);
		if (access(path, F_OK) == 0) {
			snprintf(cfg.tracefs, sizeof(cfg.tracefs), "%s",
				 roots[i]);
			snprintf(path, sizeof(path), "%s/events/mmap/enable",
				 roots[i]);
			if (write_str(path, "1"))
				fprintf(stderr, "nestmap-mmaptest: cannot enable %s\n",
					path);
			return;
		}
	}
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int parse_args(int argc, char *argv[], bool *selected)
{
	static const struct option longopts[] = {
		{ "stack", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "lower-dir", required_argument, NULL, 'l' },
		{ "upper-dir", required_argument, NULL, 'u' },
		{ "hookfs-dev", required_argument, NULL, 'H' },
		{ "case", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned int maj, min;
	bool any = false;
	unsigned int i;
	char extra;
	int opt;

	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			cfg.stack = optarg;
			break;
		case 'd':
			cfg.dir = optarg;
			break;
		case 'l':
			cfg.lower_dir = optarg;
			break;
		case 'u':
			cfg.upper_dir = optarg;
			break;
		case 'H':
			cfg.hookfs_dev = optarg;
			break;
		case 'c':
			if (!select_cases(optarg, selected))
				return 2;
			any = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return 2;
		}
	}
	if (optind != argc || !cfg.stack || strlen(cfg.stack) != 1 ||
	    cfg.stack[0] < 'A' || cfg.stack[0] > 'G') {
		fprintf(stderr, "nestmap-mmaptest: --stack A..G is required\n");
		return 2;
	}
	if (!is_g() && (!cfg.dir || !cfg.lower_dir)) {
		fprintf(stderr, "nestmap-mmaptest: stack %s needs --dir and --lower-dir\n",
			cfg.stack);
		return 2;
	}
	if (is_g() && (cfg.dir || cfg.lower_dir || cfg.upper_dir ||
		       cfg.hookfs_dev)) {
		fprintf(stderr, "nestmap-mmaptest: stack G takes no directories and no hookfs\n");
		return 2;
	}
	if (cfg.hookfs_dev &&
	    sscanf(cfg.hookfs_dev, "%u:%u%c", &maj, &min, &extra) != 2) {
		fprintf(stderr, "nestmap-mmaptest: --hookfs-dev wants MAJ:MIN, not '%s'\n",
			cfg.hookfs_dev);
		return 2;
	}
	if ((cfg.dir && !is_dir(cfg.dir)) ||
	    (cfg.lower_dir && !is_dir(cfg.lower_dir)) ||
	    (cfg.upper_dir && !is_dir(cfg.upper_dir))) {
		fprintf(stderr, "nestmap-mmaptest: a given directory does not exist\n");
		return 2;
	}
	if (!any)
		for (i = 0; i < NR_CASES; i++)
			selected[i] = true;
	return 0;
}

int main(int argc, char *argv[])
{
	bool selected[NR_CASES] = { false };
	int pass = 0, nfail = 0, nskip = 0, n = 0, planned = 0, ret;
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = parse_args(argc, argv, selected);
	if (ret) {
		usage(stderr);
		return ret;
	}
	cfg.page = sysconf(_SC_PAGESIZE);
	main_pid = getpid();
	setup_tracing();
	if (cfg.hookfs_dev) {
		snprintf(cfg.hookfs_path, sizeof(cfg.hookfs_path),
			 "/sys/kernel/debug/hookfs/%s", cfg.hookfs_dev);
		if (!is_dir(cfg.hookfs_path)) {
			fprintf(stderr, "nestmap-mmaptest: %s does not exist (is hookfs mounted and debugfs at /sys/kernel/debug?)\n",
				cfg.hookfs_path);
			return 2;
		}
	}

	for (i = 0; i < NR_CASES; i++)
		planned += selected[i];
	printf("TAP version 13\n1..%d\n", planned);
	for (i = 0; i < NR_CASES; i++) {
		enum result r;

		if (!selected[i])
			continue;
		cfg.cur_case = cases[i].name;
		cfg.skip_reason[0] = '\0';
		r = run_case(cases[i].run);
		n++;
		if (r == PASS) {
			pass++;
			printf("ok %d %s/%s\n", n, cfg.stack, cases[i].name);
		} else if (r == SKIP) {
			nskip++;
			printf("ok %d %s/%s # SKIP %s\n", n, cfg.stack,
			       cases[i].name, cfg.skip_reason);
		} else {
			nfail++;
			printf("not ok %d %s/%s\n", n, cfg.stack, cases[i].name);
		}
	}
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       pass, nfail, nskip);
	if (nfail)
		return 1;
	return pass ? 0 : 4;
}
