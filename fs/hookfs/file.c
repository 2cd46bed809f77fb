// SPDX-License-Identifier: GPL-2.0
/*
 * hookfs: regular files of every kind and their file operations.
 */
#include <linux/fs.h>
#include <linux/falloc.h>	/* needs the types fs.h brings */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
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

/*
 * Zeroed page-cache folios stand in for blocks. They are dirty, as written
 * ones are, so that nothing reclaims them; existing data is left alone.
 */
static int hookfs_prealloc(struct inode *inode, loff_t offset, loff_t len)
{
	pgoff_t index = offset >> PAGE_SHIFT;
	pgoff_t last = (offset + len - 1) >> PAGE_SHIFT;
	struct folio *folio;

	while (index <= last) {
		/* An OOM-killed caller stops allocating at once. */
		if (fatal_signal_pending(current))
			return -EINTR;
		folio = filemap_grab_folio(inode->i_mapping, index);
		if (IS_ERR(folio))
			return PTR_ERR(folio);
		if (!folio_test_uptodate(folio)) {
			folio_zero_range(folio, 0, folio_size(folio));
			folio_mark_uptodate(folio);
		}
		folio_mark_dirty(folio);
		index = folio_next_index(folio);
		folio_unlock(folio);
		folio_put(folio);
		cond_resched();
	}
	return 0;
}

/* The modes tmpfs supports. Folios allocated before an error stay. */
static long hookfs_fallocate(struct file *file, int mode, loff_t offset,
			     loff_t len)
{
	struct inode *inode = file_inode(file);
	loff_t end = offset + len;
	long err;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE))
		return -EOPNOTSUPP;

	inode_lock(inode);
	err = file_modified(file);
	if (err)
		goto out;

	if (mode & FALLOC_FL_PUNCH_HOLE) {
		/* As truncate does: unmap the range, then drop the folios. */
		truncate_pagecache_range(inode, offset, end - 1);
		goto out;
	}

	/* RLIMIT_FSIZE and s_maxbytes apply with KEEP_SIZE too. */
	err = inode_newsize_ok(inode, end);
	if (err)
		goto out;
	/* hookfs has no size limit: refuse at once what memory cannot hold. */
	if (len >> PAGE_SHIFT > si_mem_available()) {
		err = -ENOSPC;
		goto out;
	}
	err = hookfs_prealloc(inode, offset, len);
	if (!err && !(mode & FALLOC_FL_KEEP_SIZE) && end > i_size_read(inode))
		i_size_write(inode, end);
out:
	inode_unlock(inode);
	return err;
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
	.llseek		= generic_file_llseek,			\
	.fallocate	= hookfs_fallocate

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

/* Misdeclared on purpose: mmap() must fail with -ENODEV before any hook. */
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
