// SPDX-License-Identifier: GPL-2.0
/*
 * fs-probe: the few syscalls the in-VM filesystem tests need and busybox
 * lacks. Each subcommand exits 0 when the kernel behaved as expected.
 *
 *   fs-probe xattr PATH NAME VALUE    set NAME, read it back, list it,
 *                                     remove it
 *   fs-probe tmpfile DIR NAME         O_TMPFILE, write, link it in as NAME
 *   fs-probe whiteout DIR OLD NEW     renameat2(RENAME_WHITEOUT)
 *   fs-probe mmap-byte PATH OFF       print the byte at OFF of a shared
 *                                     mapping of the whole file
 *   fs-probe mmap-errno PATH OFF LEN ERRNO
 *                                     mmap(MAP_SHARED) fails with ERRNO
 *   fs-probe revoke PATH              mapped page readable, SIGBUS after
 *                                     REVOKE, readable again after RESTORE
 *   fs-probe copy DIR OP              OP (splice, sendfile, copy_file_range
 *                                     or tee) copies a file partly written
 *                                     through a shared mapping into another,
 *                                     at offsets; the result must read the
 *                                     same through read(), a mapping made
 *                                     before the copy, one made after it
 *                                     and a new open
 *   fs-probe mmap-fd FD OFF           print the byte at OFF of a shared
 *                                     mapping of inherited descriptor FD
 *   fs-probe opens PATH N             N opens of PATH at once, read-only and
 *                                     read-write, each mapped shared; a
 *                                     write through any open shows through
 *                                     every mapping; closed in mixed order,
 *                                     then opened again
 *   fs-probe splice PATH              create PATH with splice() from a pipe,
 *                                     splice it back into a pipe, extend it
 *                                     with copy_file_range() and sendfile()
 *   fs-probe falloc-prealloc PATH     fallocate mode 0 keeps the data,
 *                                     zero-fills and extends the file
 *   fs-probe falloc-keep-size PATH    FALLOC_FL_KEEP_SIZE leaves the size
 *   fs-probe falloc-punch PATH        a punched hole reads as zeros through
 *                                     a shared mapping and pread(); other
 *                                     modes fail with EOPNOTSUPP
 *   fs-probe falloc-too-big PATH      fallocate of twice the RAM fails
 *                                     with ENOSPC and leaves PATH empty
 *   fs-probe mmap-hooks PATH HOW      map pages 0 and 1 of PATH at adjacent
 *                                     addresses, one mmap() each (HOW is
 *                                     shared or private); print the hook
 *                                     trace events of PATH's inode and how
 *                                     many VMAs the two pages take
 *   fs-probe mmap-fail-nth PATH HOW   mmap() PATH with its n-th fault
 *                                     injection point failing, n = 1, 2, ...
 *                                     until none is reached; print the
 *                                     totals of the hook events, and how
 *                                     many calls did not pair each prepare
 *                                     with one complete or abort
 *   fs-probe uprobe-offset            print the file offset of the
 *                                     function uprobe-target calls
 *   fs-probe uprobe-target N          call that function N times
 *   fs-probe shm-outcomes             print what SysV shm gives for a set
 *                                     of attaches, detaches and mapping
 *                                     changes (see do_shm_outcomes())
 *
 *
 * Built by userspace/Makefile, with the nestmap helper library. Exit
 * status: 0 as expected, 1 not, 2 bad arguments.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sendfile.h>
#include <sys/shm.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../../userspace/lib/nestmap-util.h"

static int fail(const char *what)
{
	perror(what);
	return 1;
}

static int do_xattr(const char *path, const char *name, const char *value)
{
	char buf[256];
	ssize_t len;

	if (setxattr(path, name, value, strlen(value), XATTR_CREATE))
		return fail("setxattr");
	if (setxattr(path, name, value, strlen(value), XATTR_CREATE) == 0 ||
	    errno != EEXIST)
		return fail("setxattr XATTR_CREATE twice");
	len = getxattr(path, name, buf, sizeof(buf));
	if (len != (ssize_t)strlen(value) || memcmp(buf, value, len))
		return fail("getxattr");
	len = listxattr(path, buf, sizeof(buf));
	if (len <= 0 || !memmem(buf, len, name, strlen(name) + 1))
		return fail("listxattr");
	if (removexattr(path, name))
		return fail("removexattr");
	if (getxattr(path, name, buf, sizeof(buf)) >= 0 || errno != ENODATA)
		return fail("getxattr after removexattr");
	return 0;
}

static int do_tmpfile(const char *dir, const char *name)
{
	char proc[64], target[PATH_MAX];
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR, 0644);
	if (fd < 0)
		return fail("open O_TMPFILE");
	if (write(fd, "tmp\n", 4) != 4)
		return fail("write");
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (nm_path_join(target, dir, name))
		return fail(name);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, target, AT_SYMLINK_FOLLOW))
		return fail("linkat");
	return close(fd) ? fail("close") : 0;
}

static int do_whiteout(const char *dir, const char *old, const char *new)
{
	int dfd = open(dir, O_DIRECTORY | O_RDONLY);

	if (dfd < 0)
		return fail("open dir");
	if (renameat2(dfd, old, dfd, new, RENAME_WHITEOUT))
		return fail("renameat2 RENAME_WHITEOUT");
	return 0;
}

static char *map_file(const char *path, int fd_flags, size_t *len, int *fdp)
{
	struct stat st;
	char *p;
	int fd;

	fd = open(path, fd_flags);
	if (fd < 0 || fstat(fd, &st)) {
		perror(path);
		return NULL;
	}
	*len = st.st_size;
	p = mmap(NULL, *len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return NULL;
	}
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return p;
}

static int do_mmap_byte(const char *path, const char *off)
{
	size_t len, o = strtoul(off, NULL, 0);
	char *p = map_file(path, O_RDONLY, &len, NULL);

	if (!p)
		return 1;
	if (o >= len) {
		fprintf(stderr, "offset %zu beyond %zu\n", o, len);
		return 1;
	}
	printf("%c\n", p[o]);
	return 0;
}

static int do_mmap_fd(const char *fd_arg, const char *off)
{
	int fd = atoi(fd_arg);
	size_t o = strtoul(off, NULL, 0);
	struct stat st;
	char *p;

	if (fstat(fd, &st))
		return fail("fstat");
	if (o >= (size_t)st.st_size) {
		fprintf(stderr, "offset %zu beyond %lld\n", o,
			(long long)st.st_size);
		return 1;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	printf("%c\n", p[o]);
	return 0;
}

static int do_mmap_errno(const char *path, const char *off, const char *len,
			 const char *want)
{
	int fd = open(path, O_RDWR);
	void *p;

	if (fd < 0)
		return fail(path);
	p = mmap(NULL, strtoul(len, NULL, 0), PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, strtoul(off, NULL, 0));
	if (p != MAP_FAILED) {
		fprintf(stderr, "mmap succeeded, want errno %s\n", want);
		return 1;
	}
	if (errno != atoi(want)) {
		fprintf(stderr, "mmap errno %d, want %s\n", errno, want);
		return 1;
	}
	return 0;
}

/* Returns 1 when reading *p raised SIGBUS. */
static int read_sigbus(volatile char *p)
{
	char val;

	return nm_touch(p, false, &val) == SIGBUS;
}

static int do_revoke(const char *path)
{
	size_t len;
	char *p;
	int fd;

	nm_touch_init();
	p = map_file(path, O_RDONLY, &len, &fd);
	if (!p)
		return 1;
	if (read_sigbus(p))
		return fail("SIGBUS before revoke");
	if (ioctl(fd, HOOKFS_IOC_REVOKE))
		return fail("HOOKFS_IOC_REVOKE");
	if (!read_sigbus(p))
		return fail("no SIGBUS after revoke");
	if (ioctl(fd, HOOKFS_IOC_RESTORE))
		return fail("HOOKFS_IOC_RESTORE");
	if (read_sigbus(p))
		return fail("SIGBUS after restore");
	return 0;
}

/* ---- copy: splice, sendfile, copy_file_range, tee ---- */

#define COPY_SIZE (5 * 4096 + 123)	/* an odd tail past the last page */
#define COPY_IN_OFF 100			/* the copy starts here in the source */
#define COPY_OUT_OFF 50			/* and lands here in the destination */
#define COPY_LEN (COPY_SIZE - COPY_IN_OFF)
#define COPY_OUT_SIZE (COPY_OUT_OFF + COPY_LEN)

static unsigned char pattern_byte(size_t i, unsigned int seed)
{
	return (unsigned char)((i * 131 + seed * 17 + (i >> 9)) % 251 + 1);
}

static int open_new(const char *dir, const char *name)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		perror(path);
	return fd;
}

/*
 * The source: written with write(), then a few bytes changed through a
 * shared mapping and left unsynced, so that the copy must see the page
 * cache rather than what reached the lower file.
 */
static int make_source(int fd, unsigned char *want)
{
	unsigned char *p;
	size_t i;

	for (i = 0; i < COPY_SIZE; i++)
		want[i] = pattern_byte(i, 1);
	if (pwrite(fd, want, COPY_SIZE, 0) != COPY_SIZE)
		return fail("pwrite source");
	p = mmap(NULL, COPY_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap source");
	for (i = COPY_IN_OFF; i < COPY_SIZE; i += 997)
		p[i] = want[i] = (unsigned char)~want[i];
	return munmap(p, COPY_SIZE) ? fail("munmap source") : 0;
}

/* Move len bytes from pipe rfd to fd at *off. */
static int drain_pipe(int rfd, int fd, loff_t *off, size_t len)
{
	ssize_t n;

	while (len) {
		n = splice(rfd, NULL, fd, off, len, 0);
		if (n <= 0)
			return fail(n ? "splice pipe->file" : "splice pipe->file: 0");
		len -= n;
	}
	return 0;
}

/* src [COPY_IN_OFF, COPY_SIZE) -> dst at COPY_OUT_OFF (and dst2 for tee). */
static int do_one_copy(const char *op, int src, int dst, int dst2)
{
	loff_t in = COPY_IN_OFF, out = COPY_OUT_OFF, out2 = COPY_OUT_OFF;
	size_t left = COPY_LEN;
	int pfd[2], pfd2[2];
	ssize_t n;

	if (!strcmp(op, "copy_file_range")) {
		while (left) {
			n = copy_file_range(src, &in, dst, &out, left, 0);
			if (n <= 0)
				return fail(n ? "copy_file_range" : "copy_file_range: 0");
			left -= n;
		}
		return 0;
	}
	if (!strcmp(op, "sendfile")) {
		off_t soff = COPY_IN_OFF;

		if (lseek(dst, COPY_OUT_OFF, SEEK_SET) != COPY_OUT_OFF)
			return fail("lseek");
		while (left) {
			n = sendfile(dst, src, &soff, left);
			if (n <= 0)
				return fail(n ? "sendfile" : "sendfile: 0");
			left -= n;
		}
		return 0;
	}
	if (pipe(pfd) || pipe(pfd2))
		return fail("pipe");
	/* Pipes hold 64 KiB by default, more than COPY_LEN. */
	while (left) {
		n = splice(src, &in, pfd[1], NULL, left, 0);
		if (n <= 0)
			return fail(n ? "splice file->pipe" : "splice file->pipe: 0");
		left -= n;
	}
	if (!strcmp(op, "tee")) {
		for (left = COPY_LEN; left; left -= n) {
			n = tee(pfd[0], pfd2[1], left, 0);
			if (n <= 0)
				return fail(n ? "tee" : "tee: 0");
		}
		if (drain_pipe(pfd2[0], dst2, &out2, COPY_LEN))
			return 1;
	}
	return drain_pipe(pfd[0], dst, &out, COPY_LEN);
}

/* Does buf hold the source's bytes at COPY_OUT_OFF, zeros before? */
static int same(const char *what, const unsigned char *buf,
		const unsigned char *src)
{
	size_t i;

	for (i = 0; i < COPY_OUT_SIZE; i++) {
		unsigned char want = i < COPY_OUT_OFF ? 0 :
				     src[i - COPY_OUT_OFF + COPY_IN_OFF];

		if (buf[i] != want) {
			fprintf(stderr, "%s: byte %zu is 0x%02x, want 0x%02x\n",
				what, i, buf[i], want);
			return 1;
		}
	}
	return 0;
}

/* Check dst through read(), the early mapping, a new mapping, a new open. */
static int check_copy(const char *dir, const char *name, int fd,
		      const unsigned char *early, const unsigned char *src)
{
	static unsigned char buf[COPY_OUT_SIZE];
	char path[4096];
	struct stat st;
	unsigned char *p;
	int fd2, bad;

	if (fstat(fd, &st))
		return fail("fstat");
	if (st.st_size != COPY_OUT_SIZE) {
		fprintf(stderr, "%s: size %lld, want %d\n", name,
			(long long)st.st_size, COPY_OUT_SIZE);
		return 1;
	}
	if (pread(fd, buf, COPY_OUT_SIZE, 0) != COPY_OUT_SIZE)
		return fail("pread");
	if (same("read()", buf, src) || same("mapping made before", early, src))
		return 1;
	p = mmap(NULL, COPY_OUT_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap destination");
	bad = same("mapping made after", p, src);
	munmap(p, COPY_OUT_SIZE);
	if (bad)
		return 1;
	if (fsync(fd))
		return fail("fsync");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd2 = open(path, O_RDONLY);
	if (fd2 < 0)
		return fail(path);
	memset(buf, 0, sizeof(buf));
	bad = pread(fd2, buf, COPY_OUT_SIZE, 0) != COPY_OUT_SIZE ?
	      fail("pread after reopen") : same("a new open", buf, src);
	close(fd2);
	return bad;
}

static int do_copy(const char *dir, const char *op)
{
	static unsigned char src[COPY_SIZE];
	unsigned char *early = NULL, *early2 = NULL;
	char name[64], name2[64], sname[64];
	int sfd, dfd, dfd2 = -1;
	bool tee_op = !strcmp(op, "tee");

	if (strcmp(op, "splice") && strcmp(op, "sendfile") &&
	    strcmp(op, "copy_file_range") && !tee_op) {
		fprintf(stderr, "copy: unknown op %s\n", op);
		return 2;
	}
	snprintf(sname, sizeof(sname), "copy-src-%s", op);
	snprintf(name, sizeof(name), "copy-dst-%s", op);
	snprintf(name2, sizeof(name2), "copy-dst2-%s", op);
	sfd = open_new(dir, sname);
	dfd = open_new(dir, name);
	if (tee_op)
		dfd2 = open_new(dir, name2);
	if (sfd < 0 || dfd < 0 || (tee_op && dfd2 < 0))
		return 1;
	if (make_source(sfd, src))
		return 1;
	/* A mapping of the destination made before the copy must see it. */
	if (ftruncate(dfd, COPY_OUT_SIZE) ||
	    (tee_op && ftruncate(dfd2, COPY_OUT_SIZE)))
		return fail("ftruncate destination");
	early = mmap(NULL, COPY_OUT_SIZE, PROT_READ, MAP_SHARED, dfd, 0);
	if (early == MAP_FAILED)
		return fail("mmap destination before the copy");
	if (tee_op) {
		early2 = mmap(NULL, COPY_OUT_SIZE, PROT_READ, MAP_SHARED, dfd2, 0);
		if (early2 == MAP_FAILED)
			return fail("mmap second destination");
	}
	if (do_one_copy(op, sfd, dfd, dfd2))
		return 1;
	if (check_copy(dir, name, dfd, early, src))
		return 1;
	if (tee_op && check_copy(dir, name2, dfd2, early2, src))
		return 1;
	close(sfd);
	close(dfd);
	if (dfd2 >= 0)
		close(dfd2);
	return 0;
}

/* ---- opens: many opens of one file at once ---- */

#define MAX_OPENS 256

static int map_all_see(char **maps, const int *fds, int n, size_t off,
		       char want, const char *when)
{
	int i;

	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		if (maps[i][off] != want) {
			fprintf(stderr, "%s: open %d's mapping reads 0x%02x at %zu, want 0x%02x\n",
				when, i, (unsigned char)maps[i][off], off,
				(unsigned char)want);
			return 1;
		}
	}
	return 0;
}

static int open_map(const char *path, int i, int *fd, char **map, size_t len)
{
	*fd = open(path, i % 2 ? O_RDONLY : O_RDWR);
	if (*fd < 0) {
		fprintf(stderr, "open %d of %s (%s): %s\n", i, path,
			i % 2 ? "O_RDONLY" : "O_RDWR", strerror(errno));
		return 1;
	}
	*map = mmap(NULL, len, PROT_READ, MAP_SHARED, *fd, 0);
	if (*map == MAP_FAILED) {
		fprintf(stderr, "mmap of open %d: %s\n", i, strerror(errno));
		return 1;
	}
	return 0;
}

static int do_opens(const char *path, const char *count)
{
	static int fds[MAX_OPENS];
	static char *maps[MAX_OPENS];
	int n = atoi(count), i, j, round;
	size_t len = 4096, off;
	char c;

	if (n < 2 || n > MAX_OPENS) {
		fprintf(stderr, "opens: N must be 2..%d\n", MAX_OPENS);
		return 2;
	}
	for (i = 0; i < n; i++)
		if (open_map(path, i, &fds[i], &maps[i], len))
			return 1;
	/* A write through each read-write open shows in every mapping. */
	for (i = 0; i < n; i += 2) {
		off = (size_t)(i * 7) % len;
		c = (char)('a' + i % 26);
		if (pwrite(fds[i], &c, 1, off) != 1)
			return fail("pwrite");
		if (map_all_see(maps, fds, n, off, c, "after a write"))
			return 1;
	}
	/* Close in a mixed order: every third, then the rest from the end. */
	for (round = 0; round < 2; round++) {
		for (j = 0; j < n; j++) {
			i = round ? n - 1 - j : j;
			if (fds[i] < 0 || (!round && i % 3))
				continue;
			munmap(maps[i], len);
			if (close(fds[i]))
				return fail("close");
			fds[i] = -1;
			/* Whoever is left still maps and writes. */
			for (int k = 0; k < n; k++) {
				if (fds[k] < 0 || k % 2)
					continue;
				c = (char)('A' + (i + k) % 26);
				if (pwrite(fds[k], &c, 1, 4095) != 1)
					return fail("pwrite after a close");
				if (map_all_see(maps, fds, n, 4095, c,
						"after a close"))
					return 1;
				break;
			}
		}
	}
	/* And the file opens again after the last close. */
	for (i = 0; i < 2; i++)
		if (open_map(path, i, &fds[i], &maps[i], len))
			return 1;
	if (map_all_see(maps, fds, 2, 0, 'a', "after reopening"))
		return 1;
	for (i = 0; i < 2; i++) {
		munmap(maps[i], len);
		close(fds[i]);
	}
	return 0;
}

/* Byte I of the test pattern: never 0, so that holes stand out. */
static char pattern(size_t i)
{
	return 'a' + i % 23;
}

/* Does fd hold LEN bytes of pattern, COPIES times over, and no more? */
static int check_copies(int fd, size_t len, int copies)
{
	static char buf[4 * 65536];
	size_t i, total = len * copies;
	struct stat st;

	if (fstat(fd, &st))
		return fail("fstat");
	if ((size_t)st.st_size != total) {
		fprintf(stderr, "size %lld, want %zu\n",
			(long long)st.st_size, total);
		return 1;
	}
	if (total > sizeof(buf) || pread(fd, buf, total, 0) != (ssize_t)total)
		return fail("pread");
	for (i = 0; i < total; i++) {
		if (buf[i] != pattern(i % len)) {
			fprintf(stderr, "byte %zu is %#x, want %#x\n", i,
				buf[i], pattern(i % len));
			return 1;
		}
	}
	return 0;
}

/* Move LEN bytes with splice(); the pipe side has no offset. */
static int splice_all(int in, loff_t *in_off, int out, loff_t *out_off,
		      size_t len)
{
	ssize_t n;

	while (len) {
		n = splice(in, in_off, out, out_off, len, 0);
		if (n <= 0) {
			if (!n)
				errno = EIO;
			return fail("splice");
		}
		len -= n;
	}
	return 0;
}

static int do_splice(const char *path)
{
	enum { LEN = 3 * 4096 + 100 };	/* fits in a default pipe */
	static char want[LEN], got[LEN];
	loff_t in_off, out_off;
	int pfd[2], fd;
	size_t i;
	ssize_t n;

	for (i = 0; i < LEN; i++)
		want[i] = pattern(i);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail(path);
	if (pipe(pfd))
		return fail("pipe");

	if (write(pfd[1], want, LEN) != LEN)
		return fail("write to pipe");
	out_off = 0;
	if (splice_all(pfd[0], NULL, fd, &out_off, LEN) ||
	    check_copies(fd, LEN, 1))
		return fail("splice pipe -> file");

	in_off = 0;
	if (splice_all(fd, &in_off, pfd[1], NULL, LEN))
		return fail("splice file -> pipe");
	if (read(pfd[0], got, LEN) != LEN || memcmp(got, want, LEN))
		return fail("splice file -> pipe: data");

	in_off = 0;
	out_off = LEN;
	for (i = 0; i < LEN; i += n) {
		n = copy_file_range(fd, &in_off, fd, &out_off, LEN - i, 0);
		if (n <= 0)
			return fail("copy_file_range");
	}
	if (check_copies(fd, LEN, 2))
		return fail("copy_file_range: data");

	in_off = 0;
	if (lseek(fd, 2 * LEN, SEEK_SET) != 2 * LEN)
		return fail("lseek");
	for (i = 0; i < LEN; i += n) {
		n = sendfile(fd, fd, &in_off, LEN - i);
		if (n <= 0)
			return fail("sendfile");
	}
	if (check_copies(fd, LEN, 3))
		return fail("sendfile: data");
	return close(fd) ? fail("close") : 0;
}

enum { PG = 4096 };

/* A new file of PAGES pages of pattern. */
static int pattern_file(const char *path, int pages)
{
	static char buf[PG];
	int fd, i;
	size_t j;

	for (j = 0; j < PG; j++)
		buf[j] = pattern(j);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	for (i = 0; i < pages; i++) {
		if (write(fd, buf, PG) != PG) {
			perror("write");
			return -1;
		}
	}
	return fd;
}

static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

/* Bytes [off, off + len) of fd: pattern (want_zero == 0) or zeros. */
static int range_is(int fd, const char *map, off_t off, size_t len,
		    int want_zero)
{
	static char buf[16 * PG];
	size_t i;

	if (len > sizeof(buf) || pread(fd, buf, len, off) != (ssize_t)len)
		return fail("pread");
	for (i = 0; i < len; i++) {
		char want = want_zero ? 0 : pattern((off + i) % PG);

		if (buf[i] != want) {
			fprintf(stderr, "pread: byte %lld is %#x, want %#x\n",
				(long long)(off + i), buf[i], want);
			return 1;
		}
		if (map && map[off + i] != want) {
			fprintf(stderr, "mapping: byte %lld is %#x, want %#x\n",
				(long long)(off + i), map[off + i], want);
			return 1;
		}
	}
	return 0;
}

static int do_falloc_prealloc(const char *path)
{
	int fd = pattern_file(path, 2);

	if (fd < 0)
		return 1;
	/* Over the data and past the end. */
	if (fallocate(fd, 0, PG, 4 * PG))
		return fail("fallocate mode 0");
	if (file_size(fd) != 5 * PG) {
		fprintf(stderr, "size %lld, want %d\n",
			(long long)file_size(fd), 5 * PG);
		return 1;
	}
	if (range_is(fd, NULL, 0, 2 * PG, 0) ||
	    range_is(fd, NULL, 2 * PG, 3 * PG, 1))
		return 1;
	/* Inside the file: the size stays. */
	if (fallocate(fd, 0, 0, PG) || file_size(fd) != 5 * PG)
		return fail("fallocate inside the file");
	return range_is(fd, NULL, 0, 2 * PG, 0);
}

static int do_falloc_keep_size(const char *path)
{
	char c;
	int fd = pattern_file(path, 2);

	if (fd < 0)
		return 1;
	if (fallocate(fd, FALLOC_FL_KEEP_SIZE, PG, 6 * PG))
		return fail("fallocate FALLOC_FL_KEEP_SIZE");
	if (file_size(fd) != 2 * PG) {
		fprintf(stderr, "size %lld, want %d\n",
			(long long)file_size(fd), 2 * PG);
		return 1;
	}
	if (pread(fd, &c, 1, 2 * PG) != 0) {
		fprintf(stderr, "read past the end of the file\n");
		return 1;
	}
	if (range_is(fd, NULL, 0, 2 * PG, 0))
		return 1;
	/* What was allocated past the end shows up as zeros. */
	if (ftruncate(fd, 7 * PG))
		return fail("ftruncate");
	return range_is(fd, NULL, 2 * PG, 5 * PG, 1);
}

static int do_falloc_punch(const char *path)
{
	static const int bad[] = {
		FALLOC_FL_PUNCH_HOLE,	/* without KEEP_SIZE */
		FALLOC_FL_ZERO_RANGE,
		FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
		FALLOC_FL_COLLAPSE_RANGE,
		FALLOC_FL_INSERT_RANGE,
		FALLOC_FL_UNSHARE_RANGE,
	};
	int fd = pattern_file(path, 8);
	off_t start = PG + 100, end = 5 * PG + 200;
	char *map;
	size_t i;

	if (fd < 0)
		return 1;
	/* Every page mapped, so that the punch has to unmap them. */
	map = mmap(NULL, 8 * PG, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED)
		return fail("mmap");
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, start,
		      end - start))
		return fail("fallocate PUNCH_HOLE | KEEP_SIZE");
	if (file_size(fd) != 8 * PG) {
		fprintf(stderr, "size %lld, want %d\n",
			(long long)file_size(fd), 8 * PG);
		return 1;
	}
	if (range_is(fd, map, 0, start, 0) ||
	    range_is(fd, map, start, end - start, 1) ||
	    range_is(fd, map, end, 8 * PG - end, 0))
		return 1;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = fallocate(fd, bad[i], 0, PG);

		if (ret == 0 || errno != EOPNOTSUPP) {
			fprintf(stderr, "mode %#x: %s, want EOPNOTSUPP\n",
				bad[i], ret ? strerror(errno) : "succeeded");
			return 1;
		}
	}
	return 0;
}

/* No fallback to writing zeros, as posix_fallocate() has. */
static int do_falloc_too_big(const char *path)
{
	struct sysinfo si;
	int fd, ret;
	off_t len;

	if (sysinfo(&si))
		return fail("sysinfo");
	len = 2 * (off_t)si.totalram * si.mem_unit;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail(path);
	ret = fallocate(fd, 0, 0, len);
	if (ret == 0 || errno != ENOSPC) {
		fprintf(stderr, "fallocate of %lld bytes: %s, want ENOSPC\n",
			(long long)len, ret ? strerror(errno) : "succeeded");
		return 1;
	}
	if (file_size(fd) != 0) {
		fprintf(stderr, "size %lld, want 0\n",
			(long long)file_size(fd));
		return 1;
	}
	return 0;
}

/* Kept out of line and never elided, so that each call is a hit. */
__attribute__((noipa)) static void uprobe_target(void)
{
	asm volatile("nop");
}

/* ---- the hook trace events of one file (the caller enables them) ---- */

struct hook_count {
	dev_t dev;
	unsigned long ino;
	int prepare, prepare_failed, complete, abort;
};

static int count_hook_event(const struct nm_mmap_event *ev, void *arg)
{
	struct hook_count *c = arg;

	if (ev->dev != c->dev || ev->ino != c->ino)
		return 0;
	switch (ev->hook) {
	case NM_HOOK_PREPARE:
		c->prepare++;
		c->prepare_failed += ev->ret != 0;
		break;
	case NM_HOOK_COMPLETE:
		c->complete++;
		break;
	case NM_HOOK_ABORT:
		c->abort++;
		break;
	}
	return 0;
}

static int hook_count(int fd, struct hook_count *c)
{
	struct stat st;

	memset(c, 0, sizeof(*c));
	if (fstat(fd, &st))
		return fail("fstat");
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (nm_trace_walk(count_hook_event, c) < 0) {
		fprintf(stderr, "fs-probe: cannot read the trace\n");
		return 1;
	}
	return 0;
}

static int map_flags(const char *how)
{
	if (!strcmp(how, "shared"))
		return MAP_SHARED;
	if (!strcmp(how, "private"))
		return MAP_PRIVATE;
	nm_usage_error("HOW is shared or private, not '%s'", how);
}

struct vma_count {
	unsigned long start, end;
	int n;
};

static int count_vma(const struct nm_map *m, void *arg)
{
	struct vma_count *v = arg;

	v->n += m->start < v->end && m->end > v->start;
	return 0;
}

static int do_mmap_hooks(const char *path, const char *how)
{
	const size_t page = sysconf(_SC_PAGESIZE);
	int flags = map_flags(how), fd, i;
	struct vma_count v = { .n = 0 };
	struct hook_count c;
	char *base, *p;

	if (!nm_trace_has_mmap_events()) {
		fprintf(stderr, "fs-probe: no mmap trace events\n");
		return 1;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail(path);
	base = mmap(NULL, 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED)
		return fail("mmap of the area");
	nm_trace_clear();
	for (i = 0; i < 2; i++) {
		p = mmap(base + i * page, page, PROT_READ, flags | MAP_FIXED,
			 fd, i * page);
		if (p == MAP_FAILED)
			return fail("mmap");
		(void)*(volatile char *)p;
	}
	if (hook_count(fd, &c))
		return 1;
	v.start = (unsigned long)base;
	v.end = v.start + 2 * page;
	if (nm_maps_walk(count_vma, &v) < 0)
		return fail("/proc/self/maps");
	printf("prepare=%d complete=%d abort=%d vmas=%d\n", c.prepare,
	       c.complete, c.abort, v.n);
	munmap(base, 2 * page);
	close(fd);
	return 0;
}

static int do_mmap_fail_nth(const char *path, const char *how)
{
	const size_t page = sysconf(_SC_PAGESIZE);
	int flags = map_flags(how), fd, nth, n, ok, failed = 0;
	int prepared = 0, complete = 0, abort = 0, unpaired = 0;
	struct hook_count c;
	bool injected;
	void *p;

	if (!nm_trace_has_mmap_events()) {
		fprintf(stderr, "fs-probe: no mmap trace events\n");
		return 1;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail(path);
	nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth < 0)
		return fail("/proc/thread-self/fail-nth");
	for (n = 1; n < 1000; n++) {
		nm_trace_clear();
		nm_fail_nth_arm(nth, n);
		p = mmap(NULL, 2 * page, PROT_READ, flags, fd, 0);
		injected = nm_fail_nth_disarm(nth);
		if (hook_count(fd, &c))
			return 1;
		ok = c.prepare - c.prepare_failed;
		prepared += ok;
		complete += c.complete;
		abort += c.abort;
		unpaired += c.complete + c.abort != ok;
		if (p != MAP_FAILED)
			munmap(p, 2 * page);
		else if (!injected)
			return fail("mmap without an injected fault");
		else
			failed++;
		if (!injected)
			break;
	}
	printf("points=%d failed=%d prepared=%d complete=%d abort=%d unpaired=%d\n",
	       n - 1, failed, prepared, complete, abort, unpaired);
	close(nth);
	close(fd);
	return n < 1000 ? 0 : 1;
}

static int print_uprobe_offset(const struct nm_map *m, void *arg)
{
	unsigned long addr = (unsigned long)uprobe_target;

	(void)arg;
	if (addr < m->start || addr >= m->end)
		return 0;
	printf("0x%lx\n", addr - m->start + m->offset);
	return 1;
}

/* File offset of uprobe_target(), from the mapping that holds it. */
static int do_uprobe_offset(void)
{
	int ret = nm_maps_walk(print_uprobe_offset, NULL);

	if (ret < 0)
		return fail("/proc/self/maps");
	if (!ret) {
		fprintf(stderr, "no mapping holds %p\n", (void *)uprobe_target);
		return 1;
	}
	return 0;
}

static int do_uprobe_target(const char *count)
{
	int i, n = atoi(count);

	for (i = 0; i < n; i++)
		uprobe_target();
	return 0;
}

/* ---- shm-outcomes ---- */

static long shm_pg;

static const char *shm_res(void *p)
{
	return p == (void *)-1 ? nm_errno_name(errno) : "ok";
}

/* A four-page segment, page i filled with 'a' + i. */
static int shm_new(void)
{
	int id = shmget(IPC_PRIVATE, 4 * shm_pg, IPC_CREAT | 0600);
	char *p;
	int i;

	if (id < 0)
		return -1;
	p = shmat(id, NULL, 0);
	if (p == (void *)-1)
		return -1;
	for (i = 0; i < 4; i++)
		memset(p + i * shm_pg, 'a' + i, shm_pg);
	shmdt(p);
	return id;
}

/* A free, SHMLBA-aligned area of @pages pages, left unmapped. */
static char *shm_free_area(long pages)
{
	char *p = mmap(NULL, (pages + 1) * shm_pg, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((unsigned long)p + SHMLBA - 1) & ~(SHMLBA - 1UL));
	munmap(p, (pages + 1) * shm_pg);
	return a;
}

static bool mapped(void *addr)
{
	unsigned char v;

	return mincore(addr, shm_pg, &v) == 0;
}

/*
 * What SysV shm gives for each of a set of attaches, detaches and
 * mapping changes: one "NAME RESULT" line each, RESULT being "ok" or the
 * errno name, then what it left (attach count, data, mappings). The
 * suite compares the lines with those of a kernel whose shm has a legacy
 * ->mmap.
 */
static int do_shm_outcomes(void)
{
	const char *res;
	char *p, *q, *r;
	int id, st, m;
	pid_t pid;

	shm_pg = sysconf(_SC_PAGESIZE);
	id = shm_new();
	if (id < 0)
		return fail("shmget");

	p = shmat(id, NULL, 0);
	if (p == (void *)-1)
		return fail("shmat");
	printf("attach ok nattch=%ld data=%c%c\n", nm_shm_nattch(id), p[0],
	       p[3 * shm_pg]);
	q = shmat(id, NULL, SHM_RDONLY);
	res = shm_res(q);
	printf("attach-rdonly %s nattch=%ld\n", res, nm_shm_nattch(id));
	res = mprotect(q, shm_pg, PROT_READ | PROT_WRITE) ?
	      nm_errno_name(errno) : "ok";
	printf("rdonly-mprotect-write %s\n", res);
	shmdt(q);
	printf("detach-one nattch=%ld\n", nm_shm_nattch(id));

	/* munmap() of the middle splits the attach into two VMAs. */
	res = munmap(p + shm_pg, shm_pg) ? nm_errno_name(errno) : "ok";
	printf("split %s nattch=%ld\n", res, nm_shm_nattch(id));
	res = shmdt(p) ? nm_errno_name(errno) : "ok";
	m = mapped(p + 2 * shm_pg);
	printf("shmdt-after-split %s nattch=%ld mapped=%d\n", res, nm_shm_nattch(id),
	       m);
	if (m)
		munmap(p, 4 * shm_pg);
	printf("after-unmap nattch=%ld\n", nm_shm_nattch(id));

	p = shmat(id, NULL, 0);
	pid = fork();
	if (pid == 0)
		_exit(nm_shm_nattch(id) == 2 ? 0 : 1);
	waitpid(pid, &st, 0);
	printf("fork child-saw-2=%d nattch=%ld\n",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0, nm_shm_nattch(id));

	r = shm_free_area(4);
	q = mremap(p, 4 * shm_pg, 4 * shm_pg, MREMAP_MAYMOVE | MREMAP_FIXED, r);
	res = q == MAP_FAILED ? nm_errno_name(errno) : "ok";
	if (q != MAP_FAILED)
		p = q;
	printf("mremap %s nattch=%ld data=%c\n", res, nm_shm_nattch(id), p[shm_pg]);

	/* remap_file_pages(): page 0 of the attach shows page 2. */
	res = remap_file_pages(p, shm_pg, 0, 2, 0) ?
	      nm_errno_name(errno) : "ok";
	printf("remap-file-pages %s nattch=%ld data=%c%c\n", res, nm_shm_nattch(id),
	       p[0], p[shm_pg]);
	res = shmdt(p) ? nm_errno_name(errno) : "ok";
	printf("detach-remapped %s nattch=%ld\n", res, nm_shm_nattch(id));
	munmap(p, 4 * shm_pg);
	printf("unmap-remapped nattch=%ld\n", nm_shm_nattch(id));

	r = shm_free_area(4);
	printf("unaligned %s\n", shm_res(shmat(id, r + 1, 0)));
	p = shmat(id, r + 1, SHM_RND);
	res = shm_res(p);
	printf("unaligned-rnd %s at-area=%d\n", res, p == r);
	printf("occupied %s\n", shm_res(shmat(id, p, 0)));
	q = shmat(id, p, SHM_REMAP);
	res = shm_res(q);
	printf("occupied-remap %s nattch=%ld\n", res, nm_shm_nattch(id));
	shmdt(q);
	printf("detach-remap nattch=%ld\n", nm_shm_nattch(id));

	/* Removed while attached: usable by id until the last detach. */
	p = shmat(id, NULL, 0);
	shmctl(id, IPC_RMID, NULL);
	q = shmat(id, NULL, 0);
	res = shm_res(q);
	printf("attach-removed %s nattch=%ld\n", res, nm_shm_nattch(id));
	shmdt(q);
	/*
	 * remap_file_pages() of the whole last attach: unmapping the old
	 * range drops the last attach and destroys the segment, so the new
	 * mmap() of the same file finds its ID gone.
	 */
	res = remap_file_pages(p, 4 * shm_pg, 0, 1, 0) ?
	      nm_errno_name(errno) : "ok";
	m = mapped(p);
	printf("remap-file-pages-removed %s mapped=%d nattch=%ld\n", res, m,
	       nm_shm_nattch(id));
	if (m)
		munmap(p, 4 * shm_pg);
	printf("attach-destroyed %s\n", shm_res(shmat(id, NULL, 0)));
	return 0;
}

static const char usage[] =
	"usage: fs-probe SUBCOMMAND ARGS...\n"
	"  xattr PATH NAME VALUE      tmpfile DIR NAME      whiteout DIR OLD NEW\n"
	"  mmap-byte PATH OFF         mmap-fd FD OFF        mmap-errno PATH OFF LEN ERRNO\n"
	"  revoke PATH                copy DIR OP           opens PATH N\n"
	"  splice PATH                falloc-prealloc PATH  falloc-keep-size PATH\n"
	"  falloc-punch PATH          falloc-too-big PATH\n"
	"  mmap-hooks PATH HOW        mmap-fail-nth PATH HOW (HOW: shared or private)\n"
	"  uprobe-offset              uprobe-target N\n"
	"  shm-outcomes\n"
	"  -h, --help                 this text\n"
	"Each exits 0 when the kernel behaved as expected (see tests/vm/fs-probe.c).\n";

/* Subcommands and how many arguments each takes. */
static const struct {
	const char *name;
	int args;
} subcommands[] = {
	{ "xattr", 3 }, { "tmpfile", 2 }, { "whiteout", 3 },
	{ "mmap-byte", 2 }, { "mmap-errno", 4 }, { "revoke", 1 },
	{ "mmap-fd", 2 }, { "copy", 2 }, { "opens", 2 }, { "splice", 1 },
	{ "falloc-prealloc", 1 }, { "falloc-keep-size", 1 },
	{ "falloc-punch", 1 }, { "falloc-too-big", 1 },
	{ "mmap-hooks", 2 }, { "mmap-fail-nth", 2 }, { "uprobe-offset", 0 }, { "uprobe-target", 1 },
	{ "shm-outcomes", 0 },
};

int main(int argc, char **argv)
{
	const char *cmd;
	char **arg;
	size_t i;

	nm_prog_init(argv, "fs-probe", usage);
	optind = nm_parse_help_only(argc, argv);
	if (optind >= argc)
		nm_usage_error("missing subcommand");
	cmd = argv[optind];
	arg = argv + optind + 1;
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(cmd, subcommands[i].name))
			break;
	if (i == ARRAY_SIZE(subcommands))
		nm_usage_error("unknown subcommand '%s'", cmd);
	if (argc - optind - 1 != subcommands[i].args)
		nm_usage_error("%s takes %d argument(s)", cmd,
			       subcommands[i].args);

	if (!strcmp(cmd, "xattr"))
		return do_xattr(arg[0], arg[1], arg[2]);
	if (!strcmp(cmd, "tmpfile"))
		return do_tmpfile(arg[0], arg[1]);
	if (!strcmp(cmd, "whiteout"))
		return do_whiteout(arg[0], arg[1], arg[2]);
	if (!strcmp(cmd, "mmap-byte"))
		return do_mmap_byte(arg[0], arg[1]);
	if (!strcmp(cmd, "mmap-errno"))
		return do_mmap_errno(arg[0], arg[1], arg[2], arg[3]);
	if (!strcmp(cmd, "revoke"))
		return do_revoke(arg[0]);
	if (!strcmp(cmd, "mmap-fd"))
		return do_mmap_fd(arg[0], arg[1]);
	if (!strcmp(cmd, "copy"))
		return do_copy(arg[0], arg[1]);
	if (!strcmp(cmd, "opens"))
		return do_opens(arg[0], arg[1]);
	if (!strcmp(cmd, "splice"))
		return do_splice(arg[0]);
	if (!strcmp(cmd, "falloc-prealloc"))
		return do_falloc_prealloc(arg[0]);
	if (!strcmp(cmd, "falloc-keep-size"))
		return do_falloc_keep_size(arg[0]);
	if (!strcmp(cmd, "falloc-punch"))
		return do_falloc_punch(arg[0]);
	if (!strcmp(cmd, "falloc-too-big"))
		return do_falloc_too_big(arg[0]);
	if (!strcmp(cmd, "mmap-hooks"))
		return do_mmap_hooks(arg[0], arg[1]);
	if (!strcmp(cmd, "mmap-fail-nth"))
		return do_mmap_fail_nth(arg[0], arg[1]);
	if (!strcmp(cmd, "uprobe-offset"))
		return do_uprobe_offset();
	if (!strcmp(cmd, "shm-outcomes"))
		return do_shm_outcomes();
	return do_uprobe_target(arg[0]);
}
