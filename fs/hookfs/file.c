// SPDX-License-Identifier: GPL-2.0
/*
 * hookfs: regular files of every kind and their file operations.
 */
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/string.h>
#include <linux/uio.h>

#include "hookfs.h"
#include "hookfs_uapi.h"

static const struct {
	const char *prefix;
	enum hookfs_kind kind;
} hookfs_kind_prefixes[] = {
	/* Before "pfn": the first matching prefix wins. */
	{ "pfn-action",		HOOKFS_KIND_PFN_ACTION },
	{ "pfn",		HOOKFS_KIND_PFN },
	{ "revocable",		HOOKFS_KIND_REVOCABLE },
	{ "bad-complete",	HOOKFS_KIND_BAD_COMPLETE },
	{ "bad-abort",		HOOKFS_KIND_BAD_ABORT },
};

enum hookfs_kind hookfs_kind_from_name(const struct qstr *name)
{
	size_t i, len;

	for (i = 0; i < ARRAY_SIZE(hookfs_kind_prefixes); i++) {
		len = strlen(hookfs_kind_prefixes[i].prefix);
		if (name->len >= len &&
		    !memcmp(name->name, hookfs_kind_prefixes[i].prefix, len))
			return hookfs_kind_prefixes[i].kind;
	}
	return HOOKFS_KIND_NORMAL;
}

/* Byte at offset o is 'A' + (o / 4096) % 26, see docs/interfaces.md. */
int hookfs_pfn_alloc(struct hookfs_inode *hi)
{
	unsigned int off;
	char *buf;

	buf = alloc_pages_exact(HOOKFS_PFN_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (off = 0; off < HOOKFS_PFN_SIZE; off += SZ_4K)
		memset(buf + off, 'A' + (off / SZ_4K) % 26, SZ_4K);
	hi->pfn_buf = buf;
	i_size_write(&hi->vfs_inode, HOOKFS_PFN_SIZE);
	return 0;
}

void hookfs_pfn_free(struct hookfs_inode *hi)
{
	if (hi->pfn_buf)
		free_pages_exact(hi->pfn_buf, HOOKFS_PFN_SIZE);
	hi->pfn_buf = NULL;
}

static ssize_t hookfs_pfn_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct hookfs_inode *hi = HOOKFS_I(file_inode(iocb->ki_filp));
	size_t copied;

	if (iocb->ki_pos >= HOOKFS_PFN_SIZE)
		return 0;
	copied = copy_to_iter(hi->pfn_buf + iocb->ki_pos,
			      min_t(size_t, iov_iter_count(to),
				    HOOKFS_PFN_SIZE - iocb->ki_pos), to);
	if (!copied && iov_iter_count(to))
		return -EFAULT;
	iocb->ki_pos += copied;
	return copied;
}

/* The buffer has a fixed size: writes past its end get -ENOSPC. */
static ssize_t hookfs_pfn_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct hookfs_inode *hi = HOOKFS_I(inode);
	ssize_t ret;

	inode_lock(inode);
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto out;
	if (iocb->ki_pos >= HOOKFS_PFN_SIZE) {
		ret = -ENOSPC;
		goto out;
	}
	ret = copy_from_iter(hi->pfn_buf + iocb->ki_pos,
			     min_t(size_t, iov_iter_count(from),
				   HOOKFS_PFN_SIZE - iocb->ki_pos), from);
	if (!ret) {
		ret = -EFAULT;
		goto out;
	}
	iocb->ki_pos += ret;
	inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode));
out:
	inode_unlock(inode);
	return ret;
}

static long hookfs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct inode *inode = file_inode(file);

	if (HOOKFS_I(inode)->kind != HOOKFS_KIND_REVOCABLE)
		return -ENOTTY;

	switch (cmd) {
	case HOOKFS_IOC_REVOKE:
		return hookfs_revoke(inode);
	case HOOKFS_IOC_RESTORE:
		return hookfs_restore(inode);
	}
	return -ENOTTY;
}

static int hookfs_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
			  struct iattr *iattr)
{
	/* The pfn buffer cannot grow or shrink. */
	if ((iattr->ia_valid & ATTR_SIZE) &&
	    hookfs_kind_is_pfn(HOOKFS_I(d_inode(dentry))->kind) &&
	    iattr->ia_size != HOOKFS_PFN_SIZE)
		return -EPERM;
	return simple_setattr(idmap, dentry, iattr);
}

const struct inode_operations hookfs_file_inode_operations = {
	.setattr	= hookfs_setattr,
	.getattr	= simple_getattr,
	.listxattr	= hookfs_listxattr,
};

#define HOOKFS_PAGECACHE_FOPS					\
	.read_iter	= generic_file_read_iter,		\
	.write_iter	= generic_file_write_iter,		\
	.fsync		= noop_fsync,				\
	.splice_read	= filemap_splice_read,			\
	.splice_write	= iter_file_splice_write,		\
	.llseek		= generic_file_llseek

static const struct file_operations hookfs_normal_fops = {
	HOOKFS_PAGECACHE_FOPS,
	.mmap_prepare	= hookfs_mmap_prepare,
	.mmap_complete	= hookfs_mmap_complete,
	.mmap_abort	= hookfs_mmap_abort,
};

static const struct file_operations hookfs_pfn_fops = {
	.read_iter	= hookfs_pfn_read_iter,
	.write_iter	= hookfs_pfn_write_iter,
	.fsync		= noop_fsync,
	.splice_read	= copy_splice_read,
	.splice_write	= iter_file_splice_write,
	.llseek		= generic_file_llseek,
	.mmap_prepare	= hookfs_mmap_prepare,
	.mmap_complete	= hookfs_mmap_complete,
	.mmap_abort	= hookfs_mmap_abort,
};

static const struct file_operations hookfs_revocable_fops = {
	HOOKFS_PAGECACHE_FOPS,
	.unlocked_ioctl	= hookfs_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap_prepare	= hookfs_mmap_prepare,
	.mmap_complete	= hookfs_mmap_complete,
	.mmap_abort	= hookfs_mmap_abort,
};

/* Misdeclared on purpose: mmap() must fail with -EINVAL before any hook. */
static const struct file_operations hookfs_bad_complete_fops = {
	HOOKFS_PAGECACHE_FOPS,
	.mmap		= hookfs_legacy_mmap,
	.mmap_complete	= hookfs_mmap_complete,
};

static const struct file_operations hookfs_bad_abort_fops = {
	HOOKFS_PAGECACHE_FOPS,
	.mmap_prepare	= hookfs_mmap_prepare,
	.mmap_abort	= hookfs_mmap_abort,
};

const struct file_operations *hookfs_file_operations(enum hookfs_kind kind)
{
	switch (kind) {
	case HOOKFS_KIND_PFN:
	case HOOKFS_KIND_PFN_ACTION:
		return &hookfs_pfn_fops;
	case HOOKFS_KIND_REVOCABLE:
		return &hookfs_revocable_fops;
	case HOOKFS_KIND_BAD_COMPLETE:
		return &hookfs_bad_complete_fops;
	case HOOKFS_KIND_BAD_ABORT:
		return &hookfs_bad_abort_fops;
	default:
		return &hookfs_normal_fops;
	}
}
