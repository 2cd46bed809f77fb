// SPDX-License-Identifier: GPL-2.0
/*
 * nestmap-mmap-errno: hostile mmap() calls on one directory, one line each.
 *
 *   nestmap-mmap-errno [--noexec NXDIR] DIR
 *
 * Every input prints "NAME RESULT": RESULT is the errno name (EINVAL, ...)
 * when the call failed, or "ok FIRST LAST" with the first and last byte of
 * the new mapping in hex ("SIGBUS" where reading faults, "-" where the
 * mapping is not readable). Run on hookfs directly and through a stack, the
 * outputs must be identical: tests/vm/hostile.sh compares them line by line.
 *
 * DIR holds the files tests/vm/stacks.inc makes: data (256 KiB of zeros),
 * rw (64 KiB), pfn (hookfs: 64 KiB, byte at o is 'A' + o / 4096) and
 * bad-complete. Only rw is ever opened for writing, so that overlayfs never
 * copies up a file the other inputs map (the copy would not be on hookfs).
 * NXDIR is the same directory on a noexec mount; without it
 * the noexec inputs are left out. The exit status is 0 when every input
 * ran, 1 when a file is missing, 2 on bad arguments.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/nestmap-util.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MAP_SYNC
#define MAP_SYNC		0x80000
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE	0x03
#endif

#define DATA_SIZE	(256 * 1024)
#define PFN_SIZE	(64 * 1024)
#define TIB		(1ULL << 40)

/* How an input uses the mapping it got; plain inputs only read it. */
enum special {
	PLAIN,
	MPROTECT_EXEC,		/* map readable, then mprotect(PROT_EXEC) */
	FIXED_SPLIT,		/* pfn page MAP_FIXED into a data mapping */
	FIXED_WHOLE,		/* data MAP_FIXED over a whole pfn mapping */
	FIXED_NOREPLACE,	/* MAP_FIXED_NOREPLACE over a live mapping */
	FIXED_UNALIGNED,	/* MAP_FIXED at a misaligned address */
	FIXED_ZERO,		/* MAP_FIXED at address 0 */
};

struct input {
	const char *name;
	const char *file;	/* in DIR; "." for DIR itself */
	int oflags;
	unsigned long long off;
	unsigned long long len;
	int prot;
	int flags;
	enum special special;
	int noexec;		/* use NXDIR instead of DIR */
};

#define R	PROT_READ
#define RW	(PROT_READ | PROT_WRITE)
#define RX	(PROT_READ | PROT_EXEC)
#define SH	MAP_SHARED
#define PR	MAP_PRIVATE
#define PG	4096ULL

#define IN(n, f, o, of, l, p, fl, ...)					\
	{ .name = n, .file = f, .oflags = o, .off = of, .len = l,	\
	  .prot = p, .flags = fl, __VA_ARGS__ }

static const struct input inputs[] = {
	/* length */
	IN("len-zero",		"data", O_RDONLY, 0, 0, R, SH),
	IN("len-one-byte",	"data", O_RDONLY, 0, 1, R, SH),
	IN("len-page-minus-one",	"data", O_RDONLY, 0, PG - 1, R, SH),
	IN("len-max",		"data", O_RDONLY, 0, SIZE_MAX, R, SH),
	IN("len-max-aligned",	"data", O_RDONLY, 0, SIZE_MAX & ~(PG - 1), R, SH),
	IN("len-2^63",		"data", O_RDONLY, 0, 1ULL << 63, R, SH),
	IN("len-128TiB",		"data", O_RDONLY, 0, 128 * TIB, R, SH),
	IN("len-64TiB-shared",	"data", O_RDONLY, 0, 64 * TIB, R, SH),
	IN("len-64TiB-private-rw", "data", O_RDONLY, 0, 64 * TIB, RW, PR),
	IN("len-past-eof",	"data", O_RDONLY, 0, 2 * DATA_SIZE, R, SH),
	/* offset */
	IN("off-one",		"data", O_RDONLY, 1, PG, R, SH),
	IN("off-half-page",	"data", O_RDONLY, PG / 2, PG, R, SH),
	IN("off-page-minus-one",	"data", O_RDONLY, PG - 1, PG, R, SH),
	IN("off-page-plus-one",	"data", O_RDONLY, PG + 1, PG, R, SH),
	IN("off-negative",	"data", O_RDONLY, -PG, PG, R, SH),
	IN("off-at-eof",		"data", O_RDONLY, DATA_SIZE, PG, R, SH),
	IN("off-past-eof",	"data", O_RDONLY, 4 * DATA_SIZE, PG, R, SH),
	IN("off-past-eof-private", "data", O_RDONLY, 4 * DATA_SIZE, PG, R, PR),
	IN("off-1TiB",		"data", O_RDONLY, TIB, PG, R, SH),
	IN("off-max-file-size",	"data", O_RDONLY, 0x7ffffffffffff000ULL, PG, R, SH),
	IN("off-plus-len-wraps",	"data", O_RDONLY, 1ULL << 62, 1ULL << 62, R, SH),
	/* hookfs kinds: their prepare checks reach through every stack */
	IN("pfn-len-past-buffer", "pfn", O_RDONLY, 0, PFN_SIZE + PG, R, SH),
	IN("pfn-off-past-buffer", "pfn", O_RDONLY, PFN_SIZE, PG, R, SH),
	IN("pfn-last-page",	"pfn", O_RDONLY, PFN_SIZE - PG, PG, R, SH),
	IN("pfn-private",	"pfn", O_RDONLY, 0, PFN_SIZE, R, PR),
	IN("bad-complete",	"bad-complete", O_RDONLY, 0, PG, R, SH),
	/* flags and protection */
	IN("flags-none",		"data", O_RDONLY, 0, PG, R, 0),
	IN("flags-shared-private", "data", O_RDONLY, 0, PG, R, SH | PR),
	IN("validate-map-sync",	"data", O_RDONLY, 0, PG, R, MAP_SHARED_VALIDATE | MAP_SYNC),
	IN("validate-unknown-flag", "data", O_RDONLY, 0, PG, R, MAP_SHARED_VALIDATE | 0x800000),
	IN("shared-map-sync",	"data", O_RDONLY, 0, PG, R, SH | MAP_SYNC),
	IN("hugetlb-on-file",	"data", O_RDONLY, 0, PG, R, SH | MAP_HUGETLB),
	IN("prot-unknown-bit",	"data", O_RDONLY, 0, PG, R | 0x100, SH),
	IN("prot-none",		"data", O_RDONLY, 0, PG, PROT_NONE, SH),
	IN("write-shared-rdonly-fd", "data", O_RDONLY, 0, PG, RW, SH),
	IN("write-private-rdonly-fd", "data", O_RDONLY, 0, PG, RW, PR),
	IN("read-wronly-fd",	"rw", O_WRONLY, 0, PG, R, SH),
	IN("o-path-fd",		"data", O_PATH, 0, PG, R, SH),
	IN("directory",		".", O_RDONLY | O_DIRECTORY, 0, PG, R, SH),
	IN("exec",		"data", O_RDONLY, 0, PG, RX, PR),
	/* noexec mount */
	IN("noexec-read",	"data", O_RDONLY, 0, PG, R, SH, .noexec = 1),
	IN("noexec-exec-private", "data", O_RDONLY, 0, PG, RX, PR, .noexec = 1),
	IN("noexec-exec-shared",	"data", O_RDONLY, 0, PG, RX, SH, .noexec = 1),
	IN("noexec-mprotect-exec", "data", O_RDONLY, 0, PG, R, SH,
	   .special = MPROTECT_EXEC, .noexec = 1),
	/* MAP_FIXED over existing mappings */
	IN("fixed-split-existing", "data", O_RDONLY, 0, 4 * PG, R, SH, .special = FIXED_SPLIT),
	IN("fixed-replace-whole", "pfn", O_RDONLY, 0, 2 * PG, R, SH, .special = FIXED_WHOLE),
	IN("fixed-noreplace-existing", "data", O_RDONLY, 0, PG, R, SH, .special = FIXED_NOREPLACE),
	IN("fixed-unaligned-addr", "data", O_RDONLY, 0, PG, R, SH, .special = FIXED_UNALIGNED),
	IN("fixed-addr-zero",	"data", O_RDONLY, 0, PG, R, SH, .special = FIXED_ZERO),
};

static const char *dir, *nxdir;

/* One byte of a mapping as hex, or "SIGBUS"/"SIGSEGV" if it faults. */
static const char *probe(const unsigned char *p, char *buf)
{
	char val;
	int sig = nm_touch((volatile char *)p, false, &val);

	if (sig)
		return sig == SIGBUS ? "SIGBUS" : "SIGSEGV";
	snprintf(buf, 3, "%02x", (unsigned char)val);
	return buf;
}

/* "ok FIRST LAST" for a mapping of @len bytes at @p. */
static void print_ok(const char *name, const unsigned char *p, size_t len,
		     int prot)
{
	char a[3], b[3];

	if (!(prot & PROT_READ)) {
		printf("%s ok - -\n", name);
		return;
	}
	printf("%s ok %s", name, probe(p, a));
	printf(" %s\n", probe(p + len - 1, b));
}

static void print_err(const char *name, const char *step, int err)
{
	if (step)
		printf("%s %s:%s\n", name, step, nm_errno_name(err));
	else
		printf("%s %s\n", name, nm_errno_name(err));
}

/* Map one page of @fd at @off, at @addr with MAP_FIXED, or MAP_FAILED. */
static void *map_at(void *addr, int fd, off_t off, int extra)
{
	return mmap(addr, PG, PROT_READ, MAP_SHARED | extra, fd, off);
}

/*
 * The MAP_FIXED inputs: an existing mapping of the first file, then a
 * second call over it. The bytes printed show which file each page maps.
 */
static void run_fixed(const struct input *in, int fd)
{
	char path[PATH_MAX], a[3], b[3], c[3];
	unsigned char *p, *q;
	int other;

	p = mmap(NULL, in->len, in->prot, in->flags, fd, 0);
	if (p == MAP_FAILED) {
		print_err(in->name, "first", errno);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir,
		 in->special == FIXED_WHOLE ? "data" : "pfn");
	other = open(path, O_RDONLY);
	if (other < 0) {
		print_err(in->name, "open", errno);
		munmap(p, in->len);
		return;
	}

	switch (in->special) {
	case FIXED_SPLIT:
		/* pfn page 3 ('D') over page 1 of four data pages */
		q = map_at(p + PG, other, 3 * PG, MAP_FIXED);
		if (q == MAP_FAILED) {
			print_err(in->name, NULL, errno);
			break;
		}
		printf("%s ok %s", in->name, q == p + PG ? "same-addr" : "moved");
		printf(" %s", probe(p, a));
		printf(" %s", probe(p + PG, b));
		printf(" %s\n", probe(p + 2 * PG, c));
		break;
	case FIXED_WHOLE:
		/* data over both pages of a pfn mapping */
		q = mmap(p, in->len, PROT_READ, MAP_SHARED | MAP_FIXED, other, 0);
		if (q == MAP_FAILED) {
			print_err(in->name, NULL, errno);
			break;
		}
		printf("%s ok %s", in->name, q == p ? "same-addr" : "moved");
		printf(" %s", probe(p, a));
		printf(" %s\n", probe(p + in->len - 1, b));
		break;
	case FIXED_NOREPLACE:
		q = map_at(p, other, 0, MAP_FIXED_NOREPLACE);
		if (q == MAP_FAILED)
			print_err(in->name, NULL, errno);
		else
			/* an old kernel takes it as a hint: count as replaced */
			printf("%s ok %s %s\n", in->name,
			       q == p ? "replaced" : "moved", probe(p, a));
		break;
	default:
		break;
	}
	close(other);
	munmap(p, in->len);
}

static void run_input(const struct input *in)
{
	char path[PATH_MAX];
	unsigned char *p;
	void *addr = NULL;
	int fd, flags = in->flags;

	snprintf(path, sizeof(path), "%s/%s", in->noexec ? nxdir : dir,
		 in->file);
	fd = open(path, in->oflags);
	if (fd < 0) {
		print_err(in->name, "open", errno);
		return;
	}

	switch (in->special) {
	case FIXED_SPLIT:
	case FIXED_WHOLE:
	case FIXED_NOREPLACE:
		run_fixed(in, fd);
		close(fd);
		return;
	case FIXED_UNALIGNED:
		/* a free, page-aligned address plus one */
		addr = mmap(NULL, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
		if (addr == MAP_FAILED) {
			print_err(in->name, "reserve", errno);
			close(fd);
			return;
		}
		munmap(addr, 2 * PG);
		addr = (char *)addr + 1;
		flags |= MAP_FIXED;
		break;
	case FIXED_ZERO:
		flags |= MAP_FIXED;
		break;
	default:
		break;
	}

	p = mmap(addr, in->len, in->prot, flags, fd, in->off);
	if (p == MAP_FAILED) {
		print_err(in->name, NULL, errno);
	} else if (in->special == MPROTECT_EXEC) {
		if (mprotect(p, in->len, PROT_READ | PROT_EXEC))
			print_err(in->name, "mprotect", errno);
		else
			print_ok(in->name, p, in->len, PROT_READ);
		munmap(p, in->len);
	} else {
		print_ok(in->name, p, in->len, in->prot);
		munmap(p, in->len);
	}
	close(fd);
}

static const char usage[] =
	"usage: nestmap-mmap-errno [--noexec NXDIR] DIR\n"
	"  DIR                 holds data, rw, pfn and bad-complete (tests/vm/stacks.inc)\n"
	"  -n, --noexec NXDIR  the same files on a noexec mount\n"
	"  -h, --help          this text\n"
	"Prints one line per hostile mmap() input: NAME ERRNO or NAME ok ...\n";

/* DIR must be a directory holding every file the inputs open. */
static int check_dir(const char *d)
{
	static const char * const files[] = { "data", "rw", "pfn", "bad-complete" };
	char path[PATH_MAX];
	struct stat st;
	size_t i;

	if (stat(d, &st)) {
		fprintf(stderr, "nestmap-mmap-errno: %s: %s\n", d,
			strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "nestmap-mmap-errno: %s: %s\n", d,
			strerror(ENOTDIR));
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		if (nm_path_join(path, d, files[i]) || stat(path, &st)) {
			fprintf(stderr, "nestmap-mmap-errno: %s: %s\n", path,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "noexec", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	size_t i;
	int opt;

	nm_prog_init(argv, "nestmap-mmap-errno", usage);
	while ((opt = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			nxdir = optarg;
			break;
		case 'h':
			nm_help();
		default:
			nm_usage_error(NULL);
		}
	}
	if (optind == argc)
		nm_usage_error("missing DIR");
	if (optind != argc - 1)
		nm_usage_error("unexpected argument '%s'", argv[optind + 1]);
	dir = argv[optind];
	if (sysconf(_SC_PAGESIZE) != PG) {
		fprintf(stderr, "nestmap-mmap-errno: needs 4 KiB pages\n");
		return 1;
	}
	if (check_dir(dir) || (nxdir && check_dir(nxdir)))
		return 1;

	nm_touch_init();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < ARRAY_SIZE(inputs); i++) {
		if (inputs[i].noexec && !nxdir)
			continue;
		run_input(&inputs[i]);
	}
	return 0;
}
