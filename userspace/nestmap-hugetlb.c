// SPDX-License-Identifier: GPL-2.0
/*
 * nestmap-hugetlb: hugetlbfs mappings, directly or through a stack, checked
 * against the series' mmap trace events and the huge page counters of
 * /proc/meminfo. One case per run; the exit status is 0 when it passed,
 * 1 when it failed (the reason goes to stderr), 2 on bad arguments.
 *
 *   nestmap-hugetlb CASE DIR LOWER PATH
 *   nestmap-hugetlb shm|shm-fail-nth|memfd
 *
 * DIR is where files are made and mapped (a hugetlbfs mount, or a stack
 * over one, should a stack accept hugetlbfs); LOWER is the same directory
 * on hugetlbfs itself, where the trace events find the file; PATH is the
 * path the events must name (direct or compat). Cases:
 *
 *   shared      two huge pages MAP_SHARED: one prepare and one complete,
 *               reserved while mapped, i_size grown once mapped, data kept
 *   private     the same MAP_PRIVATE; the reservation goes with the mapping
 *   fork        a shared and a private mapping across fork()
 *   mremap      a mapping moved to another huge page aligned address
 *   fail-nth    every allocation of a shared and a private mmap() failed in
 *               turn: each failed call leaves HugePages_Rsvd and i_size as
 *               they were, and at least one reaches mmap_abort
 *   outcomes    prints what hugetlb-specific inputs give ("ok" or the errno
 *               name), one "NAME RESULT" line each: unaligned offset,
 *               length and address, and more pages than are free
 *
 * and cases that take no directory (stack G, SysV shm, and memfd):
 *
 *   shm           SHM_HUGETLB: shmat() completes on the shm file and on the
 *                 hugetlbfs file inside it
 *   shm-fail-nth  every allocation of shmat() failed in turn, for a
 *                 SHM_HUGETLB and a shmem segment: each failed call leaves
 *                 the attach count and HugePages_Rsvd as they were, the
 *                 hooks pair on both paths, one reaches mmap_abort, and
 *                 on SHM_HUGETLB some fail inside hugetlbfs's prepare
 *   memfd         MFD_HUGETLB: mmap() completes on the hugetlbfs file
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/nestmap-util.h"

#ifndef MFD_HUGETLB
#define MFD_HUGETLB	0x0004U
#endif
#ifndef SHM_HUGETLB
#define SHM_HUGETLB	04000
#endif

static const char *dir, *lower, *want_path;
static size_t hp;	/* huge page size */

static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("nestmap-hugetlb: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

/* A /proc/meminfo figure ("HugePages_Rsvd" and the like), or -1. */
static long meminfo(const char *key)
{
	char line[128];
	size_t len = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':') {
			val = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

/*
 * An address where @n huge pages can be mapped with MAP_FIXED: stacking
 * files do not pass hugetlbfs's get_unmapped_area on, so mmap() would not
 * align for them. The area is held by a PROT_NONE anonymous mapping that
 * free_area() removes with whatever was mapped over it.
 */
static char *reserve_area(size_t n, void **base)
{
	char *p = mmap(NULL, (n + 1) * hp, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	*base = p;
	return (char *)(((unsigned long)p + hp - 1) & ~(hp - 1));
}

static void free_area(void *base, size_t n)
{
	munmap(base, (n + 1) * hp);
}

/* ---- the series' trace events for one inode ---- */

struct hooks {
	int prepare, prepare_failed, complete, complete_failed, abort;
	unsigned long complete_start;
	char path[16];
};

struct hooks_of {
	dev_t dev;
	ino_t ino;
	const char *path;	/* NULL: events on every path */
	struct hooks *h;
};

static int count_hook(const struct nm_mmap_event *ev, void *arg)
{
	struct hooks_of *of = arg;
	struct hooks *h = of->h;

	if (ev->dev != of->dev || ev->ino != of->ino ||
	    (of->path && strcmp(ev->path, of->path)))
		return 0;
	switch (ev->hook) {
	case NM_HOOK_PREPARE:
		h->prepare++;
		h->prepare_failed += ev->ret != 0;
		break;
	case NM_HOOK_COMPLETE:
		h->complete++;
		h->complete_failed += ev->ret != 0;
		h->complete_start = ev->start;
		strcpy(h->path, ev->path);
		break;
	case NM_HOOK_ABORT:
		h->abort++;
		strcpy(h->path, ev->path);
		break;
	}
	return 0;
}

static void trace_read(dev_t dev, ino_t ino, const char *path,
		       struct hooks *h)
{
	struct hooks_of of = { .dev = dev, .ino = ino, .path = path, .h = h };

	memset(h, 0, sizeof(*h));
	nm_trace_walk(count_hook, &of);
}

/*
 * One prepare, then one complete at @addr on the expected path. With @only,
 * the events on that path alone (the shm file and its hugetlbfs file share
 * the inode).
 */
static int hooks_completed(dev_t dev, ino_t ino, void *addr, const char *only)
{
	const char *want = only ? only : want_path;
	struct hooks h;

	trace_read(dev, ino, only, &h);
	if (h.prepare != 1 || h.prepare_failed || h.complete != 1 ||
	    h.complete_failed || h.abort)
		return fail("trace%s%s: prepare=%d (failed %d) complete=%d (failed %d) abort=%d, want one prepare and one complete",
			    only ? " path=" : "", only ? only : "",
			    h.prepare, h.prepare_failed, h.complete,
			    h.complete_failed, h.abort);
	if (h.complete_start != (unsigned long)addr)
		return fail("trace: complete at %#lx, mapping at %p",
			    h.complete_start, addr);
	if (strcmp(h.path, want))
		return fail("trace: path=%s, want %s", h.path, want);
	return 0;
}

/* ---- files ---- */

struct file {
	int fd;
	char path[PATH_MAX];
	dev_t dev;	/* of the hugetlbfs file under the stack */
	ino_t ino;
};

static int file_make(struct file *f, const char *name)
{
	char low[PATH_MAX];
	struct stat st;

	if (nm_path_join(f->path, dir, name) || nm_path_join(low, lower, name))
		return fail("%s/%s: %s", dir, name, strerror(errno));
	unlink(f->path);
	f->fd = open(f->path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (f->fd < 0)
		return fail("create %s: %s", f->path, strerror(errno));
	if (stat(low, &st)) {
		close(f->fd);
		return fail("stat %s: %s", low, strerror(errno));
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	return 0;
}

static void file_drop(struct file *f)
{
	close(f->fd);
	unlink(f->path);
}

static long file_size(struct file *f)
{
	struct stat st;

	return fstat(f->fd, &st) ? -1 : (long)st.st_size;
}

/* Write a byte into every huge page of @p, and read them all back. */
static int data_kept(char *p, size_t n, char seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i * hp + i] = (char)(seed + i);
	for (i = 0; i < n; i++)
		if (p[i * hp + i] != (char)(seed + i))
			return fail("huge page %zu lost its data", i);
	return 0;
}

/* The pool is back where it was: nothing reserved or used is left over. */
static int pool_is(long free0, long rsvd0, const char *when)
{
	long free = meminfo("HugePages_Free"), rsvd = meminfo("HugePages_Rsvd");

	if (free != free0 || rsvd != rsvd0)
		return fail("%s: HugePages_Free=%ld HugePages_Rsvd=%ld, want %ld and %ld",
			    when, free, rsvd, free0, rsvd0);
	return 0;
}

/* ---- cases ---- */

/* What each mapping case starts from: a new file, an area, the pool. */
struct setup {
	long free0, rsvd0;
	struct file f;
	void *base;
	size_t pages;
	char *at;
};

static int case_begin(struct setup *s, const char *name, size_t pages)
{
	s->free0 = meminfo("HugePages_Free");
	s->rsvd0 = meminfo("HugePages_Rsvd");
	s->pages = pages;
	if (file_make(&s->f, name))
		return 1;
	s->at = reserve_area(pages, &s->base);
	if (!s->at) {
		file_drop(&s->f);
		return fail("reserve an area: %s", strerror(errno));
	}
	return 0;
}

/* Undo case_begin(); the pool must be as it was once the file is gone. */
static int case_end(struct setup *s, int r)
{
	free_area(s->base, s->pages);
	file_drop(&s->f);
	return r ? r : pool_is(s->free0, s->rsvd0, "unmapped and removed");
}

static int map_case(int flags, const char *name)
{
	struct setup s;
	int r = 1;
	char *p;

	if (case_begin(&s, name, 2))
		return 1;
	nm_trace_clear();
	p = mmap(s.at, 2 * hp, PROT_READ | PROT_WRITE, flags | MAP_FIXED,
		 s.f.fd, 0);
	if (p == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		goto out;
	}
	if (hooks_completed(s.f.dev, s.f.ino, p, NULL))
		goto out;
	if (meminfo("HugePages_Rsvd") != s.rsvd0 + 2) {
		fail("mapped: HugePages_Rsvd=%ld, want %ld",
		     meminfo("HugePages_Rsvd"), s.rsvd0 + 2);
		goto out;
	}
	if (file_size(&s.f) != (long)(2 * hp)) {
		fail("mapped: size %ld, want %zu", file_size(&s.f), 2 * hp);
		goto out;
	}
	if (data_kept(p, 2, 'a'))
		goto out;
	r = 0;
out:
	return case_end(&s, r);
}

static int fork_case(void)
{
	int status, r = 1;
	struct setup s;
	char *sh, *pr;
	pid_t pid;

	if (case_begin(&s, "fork", 2))
		return 1;
	sh = mmap(s.at, hp, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		  s.f.fd, 0);
	pr = mmap(s.at + hp, hp, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_FIXED, s.f.fd, 0);
	if (sh == MAP_FAILED || pr == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		goto out;
	}
	sh[0] = 'P';
	pr[0] = 'p';
	pid = fork();
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		goto out;
	}
	if (!pid) {
		/* The child sees both, and writes to both. */
		if (sh[0] != 'P' || pr[0] != 'p')
			_exit(1);
		sh[1] = 'C';
		pr[1] = 'c';
		_exit(pr[1] == 'c' ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fail("the child did not see or could not write the mappings");
		goto out;
	}
	if (sh[1] != 'C' || pr[1] == 'c') {
		fail("after fork: shared byte %#x (want 'C'), private byte %#x (want not 'c')",
		     sh[1], pr[1]);
		goto out;
	}
	r = 0;
out:
	return case_end(&s, r);
}

static int mremap_case(void)
{
	struct setup s;
	char *p, *q;
	int r = 1;

	if (case_begin(&s, "mremap", 2))
		return 1;
	p = mmap(s.at, hp, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 s.f.fd, 0);
	if (p == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		goto out;
	}
	p[7] = 'm';
	/* To the area's second huge page, over its PROT_NONE placeholder. */
	q = mremap(p, hp, hp, MREMAP_MAYMOVE | MREMAP_FIXED, s.at + hp);
	if (q == MAP_FAILED) {
		fail("mremap: %s", strerror(errno));
		goto out;
	}
	if (q != s.at + hp || q[7] != 'm') {
		fail("mremap: moved to %p (want %p), byte %#x", q, s.at + hp,
		     q[7]);
		goto out;
	}
	r = 0;
out:
	return case_end(&s, r);
}

/*
 * mmap() with the n-th allocation failing, n = 1, 2, ... until a call no
 * longer reaches the fault.
 */
static int fail_nth_sweep(int flags, const char *name, int *aborts)
{
	long rsvd0 = meminfo("HugePages_Rsvd");
	int n, nth;
	bool injected = true;
	struct hooks h;
	struct file f;
	void *base;
	char *at, *p;
	int err;

	nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth < 0)
		return fail("open fail-nth: %s", strerror(errno));
	if (file_make(&f, name)) {
		close(nth);
		return 1;
	}
	for (n = 1; injected && n < 1000; n++) {
		at = reserve_area(2, &base);
		if (!at)
			return fail("reserve an area: %s", strerror(errno));
		nm_trace_clear();
		nm_fail_nth_arm(nth, n);
		p = mmap(at, 2 * hp, PROT_READ | PROT_WRITE, flags | MAP_FIXED,
			 f.fd, 0);
		err = errno;
		injected = nm_fail_nth_disarm(nth);
		free_area(base, 2);
		trace_read(f.dev, f.ino, NULL, &h);
		if (p != MAP_FAILED) {
			/* Mapped anyway: start the next try from an empty file. */
			if (ftruncate(f.fd, 0))
				return fail("ftruncate: %s", strerror(errno));
			continue;
		}
		if (!injected)
			return fail("n=%d: mmap failed without the fault: %s",
				    n, strerror(err));
		if (h.complete)
			return fail("n=%d: mmap failed after complete", n);
		if (h.prepare - h.prepare_failed != h.abort)
			return fail("n=%d: %d prepare(s) succeeded, %d abort(s)",
				    n, h.prepare - h.prepare_failed, h.abort);
		*aborts += h.abort;
		if (meminfo("HugePages_Rsvd") != rsvd0)
			return fail("n=%d: failed mmap (%s, %d abort) left HugePages_Rsvd=%ld, was %ld",
				    n, strerror(err), h.abort,
				    meminfo("HugePages_Rsvd"), rsvd0);
		if (file_size(&f) != 0)
			return fail("n=%d: failed mmap (%s, %d abort) grew the file to %ld",
				    n, strerror(err), h.abort, file_size(&f));
	}
	printf("# %s: %d injection points, %d reached mmap_abort\n", name,
	       n - 2, *aborts);
	file_drop(&f);
	close(nth);
	return n >= 1000 ? fail("%s: no end to the injection points", name) : 0;
}

static int fail_nth_case(void)
{
	int shared = 0, private = 0, round;

	/*
	 * Which allocations come before prepare varies with the slab and
	 * maple tree state: on the KASAN kernel either sweep may have no
	 * injection point after prepare. So up to three rounds, until one
	 * reaches mmap_abort; every point is checked for pairing above.
	 */
	for (round = 0; round < 3 && !shared && !private; round++)
		if (fail_nth_sweep(MAP_SHARED, "fail-nth-shared", &shared) ||
		    fail_nth_sweep(MAP_PRIVATE, "fail-nth-private", &private))
			return 1;
	if (!shared && !private)
		return fail("no injected failure reached mmap_abort in %d rounds",
			    round);
	return 0;
}

/* Print how one input ends: "ok" or the errno name. */
static void outcome(const char *name, size_t len, long long off, long shift,
		    size_t area)
{
	struct file f;
	void *base;
	char *at, *p;

	if (file_make(&f, name))
		return;
	at = reserve_area(area, &base);
	p = mmap(at + shift, len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, f.fd, off);
	printf("%s %s\n", name, p != MAP_FAILED ? "ok" : nm_errno_name(errno));
	free_area(base, area);
	file_drop(&f);
}

static int outcomes_case(void)
{
	long free0 = meminfo("HugePages_Free"), rsvd0 = meminfo("HugePages_Rsvd");
	long avail = free0 - rsvd0;

	outcome("aligned", hp, 0, 0, 1);
	outcome("unaligned-offset", hp, 4096, 0, 1);
	outcome("unaligned-length", hp / 2, 0, 0, 1);
	outcome("unaligned-address", hp, 0, 4096, 2);
	outcome("beyond-free-pages", (avail + 1) * hp, 0, 0, avail + 1);
	return pool_is(free0, rsvd0, "after the inputs");
}

struct map_at {
	unsigned long addr;
	dev_t dev;
	ino_t ino;
};

static int find_map(const struct nm_map *m, void *arg)
{
	struct map_at *at = arg;

	if (m->start != at->addr)
		return 0;
	at->dev = m->dev;
	at->ino = m->ino;
	return 1;
}

/* The dev:ino /proc/self/maps gives for the mapping at @addr. */
static int maps_file(void *addr, dev_t *dev, ino_t *ino)
{
	struct map_at at = { .addr = (unsigned long)addr };

	if (nm_maps_walk(find_map, &at) != 1)
		return -1;
	*dev = at.dev;
	*ino = at.ino;
	return 0;
}

static int shm_case(void)
{
	long free0 = meminfo("HugePages_Free"), rsvd0 = meminfo("HugePages_Rsvd");
	dev_t dev;
	ino_t ino;
	char *p;
	int id, r = 1;

	id = shmget(IPC_PRIVATE, 2 * hp, SHM_HUGETLB | IPC_CREAT | 0600);
	if (id < 0)
		return fail("shmget(SHM_HUGETLB): %s", strerror(errno));
	if (meminfo("HugePages_Rsvd") != rsvd0 + 2) {
		fail("shmget reserved %ld huge pages, want 2",
		     meminfo("HugePages_Rsvd") - rsvd0);
		goto out;
	}
	nm_trace_clear();
	p = shmat(id, NULL, 0);
	if (p == (void *)-1) {
		fail("shmat: %s", strerror(errno));
		goto out;
	}
	if (maps_file(p, &dev, &ino) ||
	    hooks_completed(dev, ino, p, "direct") ||
	    hooks_completed(dev, ino, p, "nested") || data_kept(p, 2, 's')) {
		shmdt(p);
		goto out;
	}
	shmdt(p);
	r = 0;
out:
	shmctl(id, IPC_RMID, NULL);
	return r ? r : pool_is(free0, rsvd0, "detached and removed");
}

/*
 * One sweep of shmat() with the n-th allocation failing. shm's own hooks
 * run directly on the shm file, the segment file's nested inside them: on
 * each path the hooks must pair (shmem has none to pair), and a failed
 * attach must leave the attach count and HugePages_Rsvd (shmget() made
 * the reservation) as they were.
 */
static int shm_fail_nth_sweep(int nth, int flags, const char *name,
			      int *aborts)
{
	static const char *const paths[] = { "direct", "nested" };
	int i, n, id, in_prepare = 0, aborted = 0, r = 1;
	bool injected = true;
	struct hooks h;
	long rsvd;
	dev_t dev;
	ino_t ino;
	char *p;

	id = shmget(IPC_PRIVATE, 2 * hp, flags | IPC_CREAT | 0600);
	if (id < 0)
		return fail("%s: shmget: %s", name, strerror(errno));
	rsvd = meminfo("HugePages_Rsvd");
	p = shmat(id, NULL, 0);
	if (p == (void *)-1 || maps_file(p, &dev, &ino)) {
		fail("%s: shmat: %s", name, strerror(errno));
		goto out;
	}
	shmdt(p);
	for (n = 1; injected && n < 1000; n++) {
		nm_trace_clear();
		nm_fail_nth_arm(nth, n);
		p = shmat(id, NULL, 0);
		injected = nm_fail_nth_disarm(nth);
		if (p != (void *)-1) {
			shmdt(p);
			continue;
		}
		if (!injected) {
			fail("%s: n=%d: shmat failed without the fault", name,
			     n);
			goto out;
		}
		for (i = 0; i < 2; i++) {
			/* shmem has no hooks to pay: nothing nested aborts. */
			bool owed = i == 0 || (flags & SHM_HUGETLB);

			trace_read(dev, ino, paths[i], &h);
			if (h.complete ||
			    (owed ? h.prepare - h.prepare_failed : 0) != h.abort) {
				fail("%s: n=%d: failed shmat, path=%s: prepare=%d (failed %d) complete=%d abort=%d",
				     name, n, paths[i], h.prepare,
				     h.prepare_failed, h.complete, h.abort);
				goto out;
			}
			if (i == 1)
				in_prepare += h.prepare_failed;
		}
		trace_read(dev, ino, "direct", &h);
		aborted += h.abort;
		if (nm_shm_nattch(id) != 0) {
			fail("%s: n=%d: failed shmat (%d abort) left shm_nattch=%ld",
			     name, n, h.abort, nm_shm_nattch(id));
			goto out;
		}
		if (meminfo("HugePages_Rsvd") != rsvd) {
			fail("%s: n=%d: failed shmat left HugePages_Rsvd=%ld, was %ld",
			     name, n, meminfo("HugePages_Rsvd"), rsvd);
			goto out;
		}
	}
	printf("# %s: %d injection points, %d inside the segment file's mmap_prepare, %d reached mmap_abort\n",
	       name, n - 2, in_prepare, aborted);
	*aborts += aborted;
	if (n >= 1000)
		fail("%s: no end to the injection points", name);
	else if ((flags & SHM_HUGETLB) && !in_prepare)
		fail("%s: no injected failure reached hugetlbfs's mmap_prepare",
		     name);
	else
		r = 0;
out:
	shmctl(id, IPC_RMID, NULL);
	return r;
}

/*
 * shm-fail-nth: a SHM_HUGETLB and a shmem segment. shm's mmap_abort gives
 * the attach back; which allocations follow prepare varies with the slab
 * and maple tree state (see fail_nth_case()), so up to three rounds until
 * an injected failure reaches it.
 */
static int shm_fail_nth_case(void)
{
	int nth, round, aborts = 0, r = 0;

	nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth < 0)
		return fail("open fail-nth: %s", strerror(errno));
	for (round = 0; round < 3 && !aborts && !r; round++)
		r = shm_fail_nth_sweep(nth, SHM_HUGETLB, "shm-huge", &aborts) ||
		    shm_fail_nth_sweep(nth, 0, "shm-shmem", &aborts);
	close(nth);
	if (!r && !aborts)
		r = fail("no injected failure reached shm's mmap_abort in %d rounds",
			 round);
	return r;
}

static int memfd_case(void)
{
	long free0 = meminfo("HugePages_Free"), rsvd0 = meminfo("HugePages_Rsvd");
	struct stat st;
	char *p;
	int fd, r = 1;

	fd = memfd_create("nestmap-hugetlb", MFD_HUGETLB);
	if (fd < 0)
		return fail("memfd_create(MFD_HUGETLB): %s", strerror(errno));
	if (ftruncate(fd, 2 * hp) || fstat(fd, &st)) {
		fail("ftruncate: %s", strerror(errno));
		goto out;
	}
	nm_trace_clear();
	p = mmap(NULL, 2 * hp, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		goto out;
	}
	r = hooks_completed(st.st_dev, st.st_ino, p, NULL) ||
	    data_kept(p, 2, 'm');
	munmap(p, 2 * hp);
out:
	close(fd);
	return r ? r : pool_is(free0, rsvd0, "unmapped and closed");
}

static const char usage[] =
	"usage: nestmap-hugetlb shared|private|fork|mremap|fail-nth|outcomes DIR LOWER direct|compat\n"
	"       nestmap-hugetlb shm|shm-fail-nth|memfd\n"
	"  DIR      where files are made and mapped\n"
	"  LOWER    the same directory on hugetlbfs itself\n"
	"  direct|compat  the path the trace events must name\n"
	"  -h, --help     this text\n"
	"Exit status: 0 passed, 1 failed (the reason on stderr), 2 bad arguments.\n";

int main(int argc, char **argv)
{
	static const char *const names[] = {
		"shared", "private", "fork", "mremap", "fail-nth", "outcomes",
	};
	const char *c;
	bool dirless;
	int i, args, which = -1;

	nm_prog_init(argv, "nestmap-hugetlb", usage);
	optind = nm_parse_help_only(argc, argv);
	if (optind >= argc)
		nm_usage_error("missing case");
	c = argv[optind];
	args = argc - optind - 1;
	dirless = !strcmp(c, "shm") || !strcmp(c, "shm-fail-nth") ||
		  !strcmp(c, "memfd");
	for (i = 0; i < (int)ARRAY_SIZE(names); i++)
		if (!strcmp(c, names[i]))
			which = i;
	if (!dirless && which < 0)
		nm_usage_error("unknown case '%s'", c);
	if (dirless && args)
		nm_usage_error("%s takes no arguments", c);
	if (!dirless && args != 3)
		nm_usage_error("%s takes DIR LOWER direct|compat", c);
	if (!dirless && strcmp(argv[optind + 3], "direct") &&
	    strcmp(argv[optind + 3], "compat"))
		nm_usage_error("the path is direct or compat, not '%s'",
			       argv[optind + 3]);

	hp = (size_t)meminfo("Hugepagesize") * 1024;
	if (!hp)
		return fail("no Hugepagesize in /proc/meminfo");
	if (!nm_trace_has_mmap_events())
		return fail("no %s/events/mmap: the kernel lacks the series' trace events",
			    NM_TRACEFS);

	if (!strcmp(c, "memfd")) {
		want_path = "direct";
		return memfd_case();
	}
	if (!strcmp(c, "shm"))
		return shm_case();
	if (!strcmp(c, "shm-fail-nth"))
		return shm_fail_nth_case();

	dir = argv[optind + 1];
	lower = argv[optind + 2];
	want_path = argv[optind + 3];
	switch (which) {
	case 0:
		return map_case(MAP_SHARED, "shared");
	case 1:
		return map_case(MAP_PRIVATE, "private");
	case 2:
		return fork_case();
	case 3:
		return mremap_case();
	case 4:
		return fail_nth_case();
	default:
		return outcomes_case();
	}
}
