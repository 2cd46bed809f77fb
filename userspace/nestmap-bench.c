// SPDX-License-Identifier: GPL-2.0
/*
 * nestmap-bench: in-guest timing for `make bench` (tests/bench).
 *
 *   nestmap-bench [options] loop TARGET...
 *	mmap+munmap of --size bytes, --iters times a round; the figure of a
 *	round is the mean time of one mmap+munmap pair.
 *   nestmap-bench [options] touch TARGET...
 *	mmap of --size bytes, then a read of one byte in every page; the
 *	figure of a round is the mean time of mmap plus touch (munmap is
 *	not timed), with the minor faults taken in mmap() and in the touch.
 *
 * TARGET is LABEL=SPEC, SPEC one of:
 *   anon           MAP_PRIVATE|MAP_ANONYMOUS
 *   FILE           MAP_SHARED, PROT_READ, of FILE from offset 0
 *   populate:FILE  the same with MAP_POPULATE
 *
 * The targets take turns round by round, so a change in host load hits
 * them all alike; the ratios between them are what the driver reports.
 * Rounds go on until every target's running median has moved less than
 * --tolerance percent over the last STABLE_WINDOW rounds (after at least
 * --min-rounds), or --max-rounds is reached.  One line per target:
 *
 *   result QUESTION LABEL unit=ns min=N median=N max=N rounds=N stable=yes|no
 *	[faults_mmap=N faults_touch=N]
 *
 * (one line; fault counts are the medians of the rounds, per operation).
 * The first round of each target is a warm-up and is not counted.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/nestmap-util.h"

#define __noreturn	__attribute__((noreturn))

#define STABLE_WINDOW	3
/* Enough work per round for the clock, little enough for TCG. */
#define TOUCH_ROUND_BYTES	(16UL << 20)

enum kind { KIND_ANON, KIND_FILE, KIND_POPULATE };

struct target {
	const char *label;
	const char *path;
	enum kind kind;
	int fd;
	double *ns;		/* per round: mean ns per operation */
	double *flt_mmap;	/* per round: minor faults per operation */
	double *flt_touch;
	double *medians;	/* running median after each round */
	int rounds;
	bool stable;
};

static volatile unsigned int sink;

static struct {
	const char *question;
	size_t size;
	long iters;		/* 0: chosen from the mode and size */
	int min_rounds;
	int max_rounds;
	double tolerance;	/* relative, e.g. 0.01 */
	bool touch;
	size_t page;
} opt = {
	.question = "bench",
	.size = 4096,
	.min_rounds = 7,
	.max_rounds = 40,
	.tolerance = 0.01,
};

static const char usage[] =
	"usage: nestmap-bench [options] loop|touch LABEL=SPEC...\n"
	"  SPEC: anon | FILE | populate:FILE\n"
	"  -q, --question NAME    first field of the result lines\n"
	"  -s, --size BYTES       mapping size (suffix K, M or G; default 4096)\n"
	"  -n, --iters N          operations per round (default: loop 2000,\n"
	"                         touch 16 MiB worth, at least 1)\n"
	"  -r, --min-rounds N     counted rounds before the stability test (7)\n"
	"  -R, --max-rounds N     give up on stability after N rounds (40)\n"
	"  -t, --tolerance PCT    running median change that counts as stable (1)\n"
	"  -h, --help             this text\n";

static void __noreturn die(const char *what, const char *arg)
{
	fprintf(stderr, "nestmap-bench: %s %s: %s\n", what, arg, strerror(errno));
	exit(1);
}

static double now_ns(void)
{
	return (double)nm_now_ns();
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n, double *min, double *max)
{
	double *s = malloc(n * sizeof(*s));
	double m;

	if (!s) {
		perror("nestmap-bench: malloc");
		exit(1);
	}
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	if (min)
		*min = s[0];
	if (max)
		*max = s[n - 1];
	free(s);
	return m;
}

/* A byte count with an optional suffix K, M or G. */
static bool parse_size(const char *s, unsigned long *out)
{
	unsigned long shift = 0;
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || end == s || *s == '-')
		return false;
	if (*end) {
		switch (*end++) {
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		default:
			return false;
		}
	}
	if (*end || *out > (~0UL >> shift))
		return false;
	*out <<= shift;
	return true;
}

static void parse_target(struct target *t, char *arg)
{
	char *eq = strchr(arg, '=');
	struct stat st;

	if (!eq || eq == arg || !eq[1])
		nm_usage_error("bad target '%s': want LABEL=SPEC", arg);
	*eq = '\0';
	t->label = arg;
	t->path = eq + 1;
	t->fd = -1;
	if (!strcmp(t->path, "anon")) {
		t->kind = KIND_ANON;
		return;
	}
	t->kind = KIND_FILE;
	if (!strncmp(t->path, "populate:", 9)) {
		t->kind = KIND_POPULATE;
		t->path += 9;
	}
	t->fd = open(t->path, O_RDONLY);
	if (t->fd < 0)
		die("open", t->path);
	if (fstat(t->fd, &st))
		die("stat", t->path);
	if ((size_t)st.st_size < opt.size) {
		fprintf(stderr, "nestmap-bench: %s: %lld bytes, smaller than the %zu mapped\n",
			t->path, (long long)st.st_size, opt.size);
		exit(1);
	}
}

static void *map(struct target *t)
{
	int flags = t->kind == KIND_ANON ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED;
	void *p;

	if (t->kind == KIND_POPULATE)
		flags |= MAP_POPULATE;
	p = mmap(NULL, opt.size, PROT_READ, flags, t->fd, 0);
	if (p == MAP_FAILED)
		die("mmap", t->path);
	return p;
}

static void unmap(struct target *t, void *p)
{
	if (munmap(p, opt.size))
		die("munmap", t->path);
}

/* One round of the loop mode: the mean ns of one mmap+munmap pair. */
static void round_loop(struct target *t, long iters, double *ns)
{
	double start = now_ns();
	long i;

	for (i = 0; i < iters; i++)
		unmap(t, map(t));
	*ns = (now_ns() - start) / iters;
}

/* One round of the touch mode: mmap + read every page, munmap untimed. */
static void round_touch(struct target *t, long iters, double *ns,
			double *flt_mmap, double *flt_touch)
{
	long f_mmap = 0, f_touch = 0, f0, f1, i;
	volatile const char *p;	/* every read must reach the mapping */
	double total = 0, start;
	unsigned int sum = 0;
	size_t off;

	for (i = 0; i < iters; i++) {
		f0 = minflt();
		start = now_ns();
		p = map(t);
		f1 = minflt();
		for (off = 0; off < opt.size; off += opt.page)
			sum += p[off];
		total += now_ns() - start;
		f_touch += minflt() - f1;
		f_mmap += f1 - f0;
		unmap(t, (void *)p);
	}
	/* Keep the reads from being optimised away. */
	sink += sum;
	*ns = total / iters;
	*flt_mmap = (double)f_mmap / iters;
	*flt_touch = (double)f_touch / iters;
}

static bool is_stable(const struct target *t)
{
	int i, n = t->rounds;
	double ref;

	if (n < opt.min_rounds || n <= STABLE_WINDOW)
		return false;
	ref = t->medians[n - 1];
	for (i = n - 1 - STABLE_WINDOW; i < n - 1; i++)
		if (ref <= 0 || (t->medians[i] - ref) / ref > opt.tolerance ||
		    (ref - t->medians[i]) / ref > opt.tolerance)
			return false;
	return true;
}

static void report(const struct target *t)
{
	double min, max, med = median(t->ns, t->rounds, &min, &max);

	printf("result %s %s unit=ns min=%.0f median=%.0f max=%.0f rounds=%d stable=%s",
	       opt.question, t->label, min, med, max, t->rounds,
	       t->stable ? "yes" : "no");
	if (opt.touch)
		printf(" faults_mmap=%.1f faults_touch=%.1f",
		       median(t->flt_mmap, t->rounds, NULL, NULL),
		       median(t->flt_touch, t->rounds, NULL, NULL));
	printf(" size=%zu\n", opt.size);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "question", required_argument, NULL, 'q' },
		{ "size", required_argument, NULL, 's' },
		{ "iters", required_argument, NULL, 'n' },
		{ "min-rounds", required_argument, NULL, 'r' },
		{ "max-rounds", required_argument, NULL, 'R' },
		{ "tolerance", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct target *targets;
	unsigned long v;
	int c, i, n, round;
	long iters;
	bool all;

	nm_prog_init(argv, "nestmap-bench", usage);
	while ((c = getopt_long(argc, argv, "q:s:n:r:R:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			opt.question = optarg;
			break;
		case 's':
			if (!parse_size(optarg, &v) || !v)
				nm_usage_error("bad --size '%s'", optarg);
			opt.size = v;
			break;
		case 'n':
			if (!nm_parse_ulong(optarg, 1, 1000000000, &v))
				nm_usage_error("bad --iters '%s'", optarg);
			opt.iters = v;
			break;
		case 'r':
			if (!nm_parse_ulong(optarg, 1, 10000, &v))
				nm_usage_error("bad --min-rounds '%s'", optarg);
			opt.min_rounds = v;
			break;
		case 'R':
			if (!nm_parse_ulong(optarg, 1, 10000, &v))
				nm_usage_error("bad --max-rounds '%s'", optarg);
			opt.max_rounds = v;
			break;
		case 't':
			if (!nm_parse_ulong(optarg, 1, 100, &v))
				nm_usage_error("bad --tolerance '%s' (whole percent, 1-100)",
					       optarg);
			opt.tolerance = v / 100.0;
			break;
		case 'h':
			nm_help();
		default:
			nm_usage_error(NULL);
		}
	}
	if (opt.max_rounds < opt.min_rounds)
		nm_usage_error("--max-rounds is below --min-rounds");
	if (optind >= argc)
		nm_usage_error("missing mode (loop or touch)");
	if (!strcmp(argv[optind], "touch"))
		opt.touch = true;
	else if (strcmp(argv[optind], "loop"))
		nm_usage_error("unknown mode '%s'", argv[optind]);
	optind++;
	n = argc - optind;
	if (n < 1)
		nm_usage_error("no target");

	opt.page = sysconf(_SC_PAGESIZE);
	if (opt.size % opt.page)
		nm_usage_error("--size is not a multiple of the page size");
	iters = opt.iters;
	if (!iters)
		iters = opt.touch ? TOUCH_ROUND_BYTES / opt.size : 2000;
	if (iters < 1)
		iters = 1;

	targets = calloc(n, sizeof(*targets));
	if (!targets) {
		perror("nestmap-bench: calloc");
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct target *t = &targets[i];

		parse_target(t, argv[optind + i]);
		t->ns = calloc(opt.max_rounds, sizeof(double));
		t->flt_mmap = calloc(opt.max_rounds, sizeof(double));
		t->flt_touch = calloc(opt.max_rounds, sizeof(double));
		t->medians = calloc(opt.max_rounds, sizeof(double));
		if (!t->ns || !t->flt_mmap || !t->flt_touch || !t->medians) {
			perror("nestmap-bench: calloc");
			return 1;
		}
	}

	/* Round 0 warms caches and page tables up and is thrown away. */
	for (round = 0; round <= opt.max_rounds; round++) {
		all = true;
		for (i = 0; i < n; i++) {
			struct target *t = &targets[i];
			double ns, fm = 0, ft = 0;

			if (opt.touch)
				round_touch(t, iters, &ns, &fm, &ft);
			else
				round_loop(t, iters, &ns);
			if (!round)
				continue;
			t->ns[t->rounds] = ns;
			t->flt_mmap[t->rounds] = fm;
			t->flt_touch[t->rounds] = ft;
			t->rounds++;
			t->medians[t->rounds - 1] = median(t->ns, t->rounds,
							   NULL, NULL);
			t->stable = is_stable(t);
			all &= t->stable;
		}
		if (round && all)
			break;
	}
	for (i = 0; i < n; i++)
		report(&targets[i]);
	return 0;
}
