// SPDX-License-Identifier: GPL-2.0
/*
 * nestmap-fuse: a FUSE passthrough file system over a backing directory.
 *
 * Every open file is handed to the kernel with fuse_passthrough_open(), so
 * read, write and mmap on the mount go straight to the backing file; mmap
 * then runs fuse_passthrough_mmap_prepare -> backing_file_mmap_prepare ->
 * mmap_prepare_nested, the nested path the nestmap matrix tests (stack E).
 *
 * The kernel takes one backing file per inode: while an inode is open in
 * passthrough mode, every further open must name the same backing id, or it
 * fails (EBUSY, which the open reports as EIO). So the id is kept per node
 * and counted across the node's opens; each open still has its own fd.
 *
 * --io cached and --io direct-io serve read and write instead, with no
 * passthrough: mmap then maps the FUSE file's own page cache (the kernel's
 * page cache and direct-io branches of FUSE's mmap_prepare).
 *
 * Single threaded; FUSE inode numbers index a table of backing paths.
 */
#define FUSE_USE_VERSION FUSE_MAKE_VERSION(3, 17)
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/nestmap-util.h"

struct node {
	char *path;		/* relative to the backing dir; NULL: free */
	ino_t ino;		/* backing inode, to find the node again */
	uint64_t nlookup;
	int backing_id;		/* registered with the kernel; 0: none */
	unsigned long nopen;	/* opens sharing backing_id */
};

struct handle {
	int fd;
	fuse_ino_t node;	/* whose backing id this open holds */
};

static struct {
	int root_fd;
	struct node *nodes;	/* FUSE ino N is nodes[N - 1] */
	size_t nr_nodes;
	enum { IO_PASSTHROUGH, IO_CACHED, IO_DIRECT } io;
	bool no_passthrough;
} fs;

static const char *node_path(fuse_ino_t ino)
{
	if (ino == 0 || ino > fs.nr_nodes || !fs.nodes[ino - 1].path)
		return NULL;
	return fs.nodes[ino - 1].path;
}

/* Join parent's path and name into a new string, or NULL (errno set). */
static char *child_path(fuse_ino_t parent, const char *name)
{
	const char *dir = node_path(parent);
	char *path;

	if (!dir) {
		errno = ESTALE;
		return NULL;
	}
	if (strcmp(dir, ".") == 0)
		path = strdup(name);
	else if (asprintf(&path, "%s/%s", dir, name) < 0)
		path = NULL;
	if (!path)
		errno = ENOMEM;
	return path;
}

/* Find or add the node for a backing inode; takes ownership of path. */
static fuse_ino_t node_get(char *path, ino_t ino)
{
	struct node *n;
	size_t i;

	for (i = 0; i < fs.nr_nodes; i++) {
		n = &fs.nodes[i];
		if (n->path && n->ino == ino) {
			/* The same inode under another name: follow the latest. */
			free(n->path);
			n->path = path;
			n->nlookup++;
			return i + 1;
		}
	}
	n = reallocarray(fs.nodes, fs.nr_nodes + 1, sizeof(*n));
	if (!n) {
		free(path);
		return 0;
	}
	fs.nodes = n;
	/*
	 * Slots are never reused, so a stale FUSE ino can never alias, and
	 * a forgotten node keeps its backing id until its last release.
	 */
	fs.nodes[fs.nr_nodes] = (struct node){ path, ino, 1, 0, 0 };
	return ++fs.nr_nodes;
}

/* Stat parent/name and fill a FUSE entry for it; returns 0 or -errno. */
static int make_entry(fuse_ino_t parent, const char *name,
		      struct fuse_entry_param *e)
{
	char *path = child_path(parent, name);

	if (!path)
		return -errno;
	memset(e, 0, sizeof(*e));
	if (fstatat(fs.root_fd, path, &e->attr, AT_SYMLINK_NOFOLLOW)) {
		int err = errno;

		free(path);
		return -err;
	}
	e->ino = node_get(path, e->attr.st_ino);
	if (!e->ino)
		return -ENOMEM;
	/* The lower is changed behind our back by the tests: no caching. */
	e->attr_timeout = 0;
	e->entry_timeout = 0;
	return 0;
}

static void reply_entry(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	int err = make_entry(parent, name, &e);

	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_entry(req, &e);
}

static void nm_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	fuse_unset_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE);
	/* Shared mappings of direct-io files need the kernel's consent. */
	if (fs.io == IO_DIRECT)
		fuse_set_feature_flag(conn, FUSE_CAP_DIRECT_IO_ALLOW_MMAP);
	if (fs.io != IO_PASSTHROUGH)
		return;
	if (!fuse_set_feature_flag(conn, FUSE_CAP_PASSTHROUGH)) {
		fs.no_passthrough = true;
		return;
	}
	/* Backing files may sit on one stacking layer (e.g. overlayfs). */
	conn->max_backing_stack_depth = 1;
}

static void nm_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	reply_entry(req, parent, name);
}

static void nm_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct node *n = NULL;

	if (ino > 1 && ino <= fs.nr_nodes)
		n = &fs.nodes[ino - 1];
	if (n && n->path) {
		n->nlookup -= nlookup < n->nlookup ? nlookup : n->nlookup;
		if (!n->nlookup) {
			free(n->path);
			n->path = NULL;
		}
	}
	fuse_reply_none(req);
}

static void nm_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	const char *path = node_path(ino);
	struct stat st;
	int ret;

	if (fi)
		ret = fstat(((struct handle *)fi->fh)->fd, &st);
	else if (path)
		ret = fstatat(fs.root_fd, path, &st, AT_SYMLINK_NOFOLLOW);
	else
		ret = -1, errno = ESTALE;
	if (ret)
		fuse_reply_err(req, errno);
	else
		fuse_reply_attr(req, &st, 0);
}

static int set_size(const char *path, struct fuse_file_info *fi, off_t size)
{
	int fd, ret;

	if (fi)
		return ftruncate(((struct handle *)fi->fh)->fd, size);
	fd = openat(fs.root_fd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = ftruncate(fd, size);
	close(fd);
	return ret;
}

static int set_times(const char *path, const struct stat *attr, int valid)
{
	struct timespec ts[2] = {
		{ .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT }
	};

	if (valid & FUSE_SET_ATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_ATIME)
		ts[0] = attr->st_atim;
	if (valid & FUSE_SET_ATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (valid & FUSE_SET_ATTR_MTIME)
		ts[1] = attr->st_mtim;
	return utimensat(fs.root_fd, path, ts, AT_SYMLINK_NOFOLLOW);
}

static void nm_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int valid, struct fuse_file_info *fi)
{
	const char *path = node_path(ino);
	uid_t uid = valid & FUSE_SET_ATTR_UID ? attr->st_uid : (uid_t)-1;
	gid_t gid = valid & FUSE_SET_ATTR_GID ? attr->st_gid : (gid_t)-1;
	int ret = 0;

	if (!path) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	if (valid & FUSE_SET_ATTR_MODE)
		ret = fchmodat(fs.root_fd, path, attr->st_mode, 0);
	if (!ret && (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
		ret = fchownat(fs.root_fd, path, uid, gid, AT_SYMLINK_NOFOLLOW);
	if (!ret && (valid & FUSE_SET_ATTR_SIZE))
		ret = set_size(path, fi, attr->st_size);
	if (!ret && (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME |
			      FUSE_SET_ATTR_ATIME_NOW |
			      FUSE_SET_ATTR_MTIME_NOW)))
		ret = set_times(path, attr, valid);
	if (ret)
		fuse_reply_err(req, errno);
	else
		nm_getattr(req, ino, fi);
}

static void nm_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	const char *path = node_path(ino);
	DIR *dir = NULL;
	int fd;

	if (!path) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	fd = openat(fs.root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		dir = fdopendir(fd);
		if (!dir)
			close(fd);
	}
	if (!dir) {
		fuse_reply_err(req, errno);
		return;
	}
	fi->fh = (uintptr_t)dir;
	fuse_reply_open(req, fi);
}

static void nm_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	DIR *dir = (DIR *)fi->fh;
	char *buf = malloc(size);
	size_t used = 0;
	struct dirent *d;

	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	seekdir(dir, off);
	for (;;) {
		struct stat st = { 0 };
		size_t len;

		errno = 0;
		d = readdir(dir);
		if (!d)
			break;
		st.st_ino = d->d_ino;
		st.st_mode = (mode_t)d->d_type << 12;
		len = fuse_add_direntry(req, buf + used, size - used, d->d_name,
					&st, d->d_off);
		if (len > size - used)
			break;	/* full: the kernel asks again from d_off */
		used += len;
	}
	if (!d && errno)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
}

static void nm_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	(void)ino;
	closedir((DIR *)fi->fh);
	fuse_reply_err(req, 0);
}

/*
 * Take a share of the node's backing id for a new open, registering fd as
 * the inode's backing file on the first one. Returns the id, or 0.
 */
static int backing_get(fuse_req_t req, fuse_ino_t ino, int fd)
{
	struct node *n = &fs.nodes[ino - 1];

	if (!n->backing_id) {
		int id = fuse_passthrough_open(req, fd);

		if (id <= 0) {
			fprintf(stderr, "nestmap-fuse: fuse_passthrough_open failed: %s\n",
				strerror(errno ? errno : EIO));
			return 0;
		}
		n->backing_id = id;
	}
	n->nopen++;
	return n->backing_id;
}

/* Drop one open's share; the last one unregisters the backing file. */
static void backing_put(fuse_req_t req, fuse_ino_t ino)
{
	struct node *n = &fs.nodes[ino - 1];

	if (fs.io != IO_PASSTHROUGH)
		return;
	if (n->nopen && --n->nopen == 0) {
		fuse_passthrough_close(req, n->backing_id);
		n->backing_id = 0;
	}
}

/*
 * Reply to open or create: in passthrough mode the open backing fd goes to
 * the kernel, otherwise read and write come to us.
 */
static void reply_open(fuse_req_t req, fuse_ino_t ino, int fd,
		       struct fuse_file_info *fi, struct fuse_entry_param *e)
{
	struct handle *h = malloc(sizeof(*h));
	int id = 0;

	if (!h) {
		close(fd);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (fs.io == IO_PASSTHROUGH) {
		id = backing_get(req, ino, fd);
		if (!id) {
			free(h);
			close(fd);
			fuse_reply_err(req, EIO);
			return;
		}
	}
	h->fd = fd;
	h->node = ino;
	fi->fh = (uintptr_t)h;
	fi->backing_id = id;
	fi->keep_cache = 0;
	fi->direct_io = fs.io == IO_DIRECT;
	if (e ? fuse_reply_create(req, e, fi) : fuse_reply_open(req, fi)) {
		/* The request was interrupted: the kernel never saw the open. */
		backing_put(req, ino);
		close(fd);
		free(h);
	}
}

static void nm_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const char *path = node_path(ino);
	int fd;

	if (!path) {
		fuse_reply_err(req, ESTALE);
		return;
	}
	fd = openat(fs.root_fd, path,
		    (fi->flags & ~O_NOFOLLOW) | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	reply_open(req, ino, fd, fi, NULL);
}

static void nm_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	char *path = child_path(parent, name);
	int fd, err;

	if (!path) {
		fuse_reply_err(req, errno);
		return;
	}
	fd = openat(fs.root_fd, path, fi->flags | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC, mode);
	err = errno;
	free(path);
	if (fd < 0) {
		fuse_reply_err(req, err);
		return;
	}
	err = make_entry(parent, name, &e);
	if (err) {
		close(fd);
		fuse_reply_err(req, -err);
		return;
	}
	reply_open(req, e.ino, fd, fi, &e);
}

static void nm_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	char *path = child_path(parent, name);
	int ret;

	if (!path) {
		fuse_reply_err(req, errno);
		return;
	}
	ret = mkdirat(fs.root_fd, path, mode);
	free(path);
	if (ret)
		fuse_reply_err(req, errno);
	else
		reply_entry(req, parent, name);
}

static void remove_entry(fuse_req_t req, fuse_ino_t parent, const char *name,
			 int flags)
{
	char *path = child_path(parent, name);
	int ret;

	if (!path) {
		fuse_reply_err(req, errno);
		return;
	}
	ret = unlinkat(fs.root_fd, path, flags);
	free(path);
	fuse_reply_err(req, ret ? errno : 0);
}

static void nm_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, 0);
}

static void nm_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_entry(req, parent, name, AT_REMOVEDIR);
}

/* read/write arrive with --io cached or direct-io, never in passthrough. */
static void nm_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	(void)ino;
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = ((struct handle *)fi->fh)->fd;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

static void nm_write(fuse_req_t req, fuse_ino_t ino, const char *data,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	ssize_t n = pwrite(((struct handle *)fi->fh)->fd, data, size, off);

	(void)ino;
	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_write(req, n);
}

static void nm_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	/* Closing a duplicate reports the backing fs's close-time errors. */
	int fd = dup(((struct handle *)fi->fh)->fd);

	(void)ino;
	fuse_reply_err(req, fd < 0 ? errno : close(fd) ? errno : 0);
}

static void nm_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)fi->fh;

	(void)ino;
	backing_put(req, h->node);
	close(h->fd);
	free(h);
	fuse_reply_err(req, 0);
}

static void nm_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	int fd = ((struct handle *)fi->fh)->fd;

	(void)ino;
	fuse_reply_err(req, (datasync ? fdatasync(fd) : fsync(fd)) ? errno : 0);
}

static void nm_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	(void)ino;
	if (fstatvfs(fs.root_fd, &sv))
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &sv);
}

static const struct fuse_lowlevel_ops nm_ops = {
	.init		= nm_init,
	.lookup		= nm_lookup,
	.forget		= nm_forget,
	.getattr	= nm_getattr,
	.setattr	= nm_setattr,
	.opendir	= nm_opendir,
	.readdir	= nm_readdir,
	.releasedir	= nm_releasedir,
	.open		= nm_open,
	.create		= nm_create,
	.mkdir		= nm_mkdir,
	.unlink		= nm_unlink,
	.rmdir		= nm_rmdir,
	.read		= nm_read,
	.write		= nm_write,
	.flush		= nm_flush,
	.release	= nm_release,
	.fsync		= nm_fsync,
	.statfs		= nm_statfs,
};

/*
 * A mount point below the backing directory puts the mount inside what it
 * serves: a lookup there makes the daemon walk into its own mount and wait
 * for the request it is meant to answer. The same directory is fine: the
 * daemon holds the covered directory open and never crosses the mount.
 */
static bool mount_inside_backing(const char *backing, const char *mountpoint)
{
	char *b = realpath(backing, NULL), *m = realpath(mountpoint, NULL);
	bool inside = false;
	size_t len;

	if (b && m && strcmp(b, m) != 0) {
		len = strcmp(b, "/") == 0 ? 0 : strlen(b);
		inside = strncmp(m, b, len) == 0 && m[len] == '/';
	}
	free(b);
	free(m);
	return inside;
}

static const char usage[] =
	"usage: nestmap-fuse [-f] [-d] [--io MODE] --backing DIR MOUNTPOINT\n"
	"  -f, --foreground   stay in the foreground\n"
	"  -d, --debug        print every FUSE request (implies -f)\n"
	"  -b, --backing DIR  the directory whose files are passed through\n"
	"  -i, --io MODE      passthrough (default), cached (page cache, the\n"
	"                     daemon serves read and write) or direct-io\n"
	"                     (FOPEN_DIRECT_IO, shared mmap allowed)\n"
	"  -h, --help         this text\n"
	"Runs as root: FUSE passthrough needs CAP_SYS_ADMIN.\n";

/*
 * Serve the kernel's INIT request before going to the background, so that
 * a kernel without passthrough is reported by the exit status.
 */
static int serve_init(struct fuse_session *se)
{
	struct fuse_buf buf = { .mem = NULL };
	int ret = fuse_session_receive_buf(se, &buf);

	if (ret <= 0) {
		fprintf(stderr, "nestmap-fuse: no INIT from the kernel: %s\n",
			strerror(ret ? -ret : EIO));
		return -1;
	}
	fuse_session_process_buf(se, &buf);
	free(buf.mem);
	if (fs.io == IO_PASSTHROUGH && fs.no_passthrough) {
		fprintf(stderr,
			"nestmap-fuse: the kernel does not offer FUSE passthrough (FUSE_CAP_PASSTHROUGH); it needs CONFIG_FUSE_PASSTHROUGH=y\n");
		return -1;
	}
	return 0;
}

/*
 * Go to the background once the mount works. Unlike fuse_daemonize() this
 * keeps stderr, so a failed fuse_passthrough_open() stays visible.
 */
static int daemonize(void)
{
	int null_fd;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		perror("nestmap-fuse: fork");
		return -1;
	}
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/"))
		return -1;
	null_fd = open("/dev/null", O_RDWR);
	if (null_fd >= 0) {
		dup2(null_fd, STDIN_FILENO);
		dup2(null_fd, STDOUT_FILENO);
		if (null_fd > STDERR_FILENO)
			close(null_fd);
	}
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "backing", required_argument, NULL, 'b' },
		{ "io", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *fuse_argv[] = { argv[0], "-o",
		"default_permissions,fsname=nestmap-fuse,subtype=nestmap",
		NULL, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
	const char *backing = NULL, *mountpoint;
	bool foreground = false;
	struct fuse_session *se;
	struct stat st;
	int opt, ret = 1;

	nm_prog_init(argv, "nestmap-fuse", usage);
	while ((opt = getopt_long(argc, argv, "fdb:i:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			foreground = true;
			break;
		case 'd':
			foreground = true;
			fuse_argv[args.argc++] = "-d";
			break;
		case 'b':
			backing = optarg;
			break;
		case 'i':
			if (!strcmp(optarg, "passthrough"))
				fs.io = IO_PASSTHROUGH;
			else if (!strcmp(optarg, "cached"))
				fs.io = IO_CACHED;
			else if (!strcmp(optarg, "direct-io"))
				fs.io = IO_DIRECT;
			else
				nm_usage_error("--io wants passthrough, cached or direct-io, not '%s'",
					       optarg);
			break;
		case 'h':
			nm_help();
		default:
			nm_usage_error(NULL);
		}
	}
	if (!backing)
		nm_usage_error("missing --backing DIR");
	if (optind == argc)
		nm_usage_error("missing MOUNTPOINT");
	if (optind != argc - 1)
		nm_usage_error("unexpected argument '%s'", argv[optind + 1]);
	mountpoint = argv[optind];

	fs.root_fd = open(backing, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs.root_fd < 0) {
		fprintf(stderr, "nestmap-fuse: backing directory %s: %s\n",
			backing, strerror(errno));
		return 1;
	}
	errno = 0;
	if (stat(mountpoint, &st) == 0 && !S_ISDIR(st.st_mode))
		errno = ENOTDIR;
	if (errno) {
		fprintf(stderr, "nestmap-fuse: mount point %s: %s\n", mountpoint,
			strerror(errno));
		return 1;
	}
	if (mount_inside_backing(backing, mountpoint)) {
		fprintf(stderr, "nestmap-fuse: mount point %s is inside the backing directory %s\n",
			mountpoint, backing);
		return 1;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "nestmap-fuse: must run as root: FUSE passthrough needs CAP_SYS_ADMIN\n");
		return 1;
	}
	if (fstat(fs.root_fd, &st)) {
		perror("nestmap-fuse: fstat");
		return 1;
	}
	if (!node_get(strdup("."), st.st_ino))	/* FUSE_ROOT_ID == 1 */
		return 1;

	se = fuse_session_new(&args, &nm_ops, sizeof(nm_ops), NULL);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se))
		goto out_destroy;
	if (fuse_session_mount(se, mountpoint))
		goto out_signals;
	if (serve_init(se))
		goto out_unmount;
	if (!foreground && daemonize())
		goto out_unmount;
	ret = fuse_session_loop(se) ? 1 : 0;
out_unmount:
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_destroy:
	fuse_session_destroy(se);
	return ret;
}
