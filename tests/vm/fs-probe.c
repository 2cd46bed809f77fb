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
 *   fs-probe uprobe-offset            print the file offset of the
 *                                     function uprobe-target calls
 *   fs-probe uprobe-target N          call that function N times
 *
 * Build: cc -static -O2 -Wall -o fs-probe fs-probe.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../../fs/hookfs/hookfs_uapi.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

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
	char proc[64], target[4096];
	int fd;

	fd = open(dir, O_TMPFILE | O_RDWR, 0644);
	if (fd < 0)
		return fail("open O_TMPFILE");
	if (write(fd, "tmp\n", 4) != 4)
		return fail("write");
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	snprintf(target, sizeof(target), "%s/%s", dir, name);
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

static sigjmp_buf sigbus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(sigbus_jmp, 1);
}

/* Returns 1 when reading *p raised SIGBUS. */
static int read_sigbus(volatile const char *p)
{
	if (sigsetjmp(sigbus_jmp, 1))
		return 1;
	(void)*p;
	return 0;
}

static int do_revoke(const char *path)
{
	size_t len;
	char *p;
	int fd;

	signal(SIGBUS, on_sigbus);
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

/* File offset of uprobe_target(), from the mapping that holds it. */
static int do_uprobe_offset(void)
{
	unsigned long addr = (unsigned long)uprobe_target;
	unsigned long start, end, pgoff;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return fail("/proc/self/maps");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %lx", &start, &end, &pgoff) != 3)
			continue;
		if (addr >= start && addr < end) {
			printf("0x%lx\n", addr - start + pgoff);
			return 0;
		}
	}
	fprintf(stderr, "no mapping holds %#lx\n", addr);
	return 1;
}

static int do_uprobe_target(const char *count)
{
	int i, n = atoi(count);

	for (i = 0; i < n; i++)
		uprobe_target();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "xattr"))
		return do_xattr(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "tmpfile"))
		return do_tmpfile(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "whiteout"))
		return do_whiteout(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "mmap-byte"))
		return do_mmap_byte(argv[2], argv[3]);
	if (argc == 6 && !strcmp(argv[1], "mmap-errno"))
		return do_mmap_errno(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 3 && !strcmp(argv[1], "revoke"))
		return do_revoke(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "splice"))
		return do_splice(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "falloc-prealloc"))
		return do_falloc_prealloc(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "falloc-keep-size"))
		return do_falloc_keep_size(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "falloc-punch"))
		return do_falloc_punch(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "falloc-too-big"))
		return do_falloc_too_big(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "uprobe-offset"))
		return do_uprobe_offset();
	if (argc == 3 && !strcmp(argv[1], "uprobe-target"))
		return do_uprobe_target(argv[2]);
	fprintf(stderr, "usage: see the comment at the top of %s\n", __FILE__);
	return 2;
}
