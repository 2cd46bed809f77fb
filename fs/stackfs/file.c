// SPDX-License-Identifier: GPL-2.0
/*
 * stackfs: open files are backed by an open lower file.
 */
#include <linux/backing-file.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/splice.h>

#include "stackfs.h"

static int stackfs_open(struct inode *inode, struct file *file)
{
	struct path lower_path = stackfs_lower_path(file->f_path.dentry);
	int flags = file->f_flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
	struct file *lower;

	lower = backing_file_open(file, flags, &lower_path, current_cred());
	if (IS_ERR(lower))
		return PTR_ERR(lower);
	file->private_data = lower;
	return 0;
}

static int stackfs_release(struct inode *inode, struct file *file)
{
	fput(file->private_data);
	return 0;
}

static void stackfs_file_accessed(struct file *file)
{
	stackfs_copy_attr(file_inode(file));
}

static void stackfs_end_write(struct kiocb *iocb, ssize_t ret)
{
	stackfs_copy_attr(file_inode(iocb->ki_filp));
}

static ssize_t stackfs_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct file *file = iocb->ki_filp;
	struct backing_file_ctx ctx = {
		.cred		= file->f_cred,
		.accessed	= stackfs_file_accessed,
	};

	return backing_file_read_iter(file->private_data, to, iocb,
				      iocb->ki_flags, &ctx);
}

static ssize_t stackfs_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	struct backing_file_ctx ctx = {
		.cred		= file->f_cred,
		.end_write	= stackfs_end_write,
	};
	ssize_t ret;

	inode_lock(inode);
	ret = backing_file_write_iter(file->private_data, from, iocb,
				      iocb->ki_flags, &ctx);
	inode_unlock(inode);
	return ret;
}

static ssize_t stackfs_splice_read(struct file *in, loff_t *ppos,
				   struct pipe_inode_info *pipe, size_t len,
				   unsigned int flags)
{
	struct backing_file_ctx ctx = {
		.cred		= in->f_cred,
		.accessed	= stackfs_file_accessed,
	};
	struct kiocb iocb;
	ssize_t ret;

	init_sync_kiocb(&iocb, in);
	iocb.ki_pos = *ppos;
	ret = backing_file_splice_read(in->private_data, &iocb, pipe, len,
				       flags, &ctx);
	*ppos = iocb.ki_pos;
	return ret;
}

/*
 * iter_file_splice_write() here would take our i_rwsem under pipe->mutex,
 * while write() takes it before the lower's sb_writers, and splice to the
 * lower takes sb_writers before pipe->mutex: take i_rwsem first and let
 * the lower file's splice_write lock the pipe.
 */
static ssize_t stackfs_splice_write(struct pipe_inode_info *pipe,
				    struct file *out, loff_t *ppos,
				    size_t len, unsigned int flags)
{
	struct inode *inode = file_inode(out);
	struct backing_file_ctx ctx = {
		.cred		= out->f_cred,
		.end_write	= stackfs_end_write,
	};
	struct kiocb iocb;
	ssize_t ret;

	init_sync_kiocb(&iocb, out);
	iocb.ki_pos = *ppos;
	inode_lock(inode);
	ret = backing_file_splice_write(pipe, out->private_data, &iocb, len,
					flags, &ctx);
	inode_unlock(inode);
	*ppos = iocb.ki_pos;
	return ret;
}

/* The lower file's position is only used here and by readdir. */
static loff_t stackfs_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file_inode(file);
	struct file *lower = file->private_data;
	loff_t ret;

	inode_lock(inode);
	lower->f_pos = file->f_pos;
	ret = vfs_llseek(lower, offset, whence);
	file->f_pos = lower->f_pos;
	inode_unlock(inode);
	return ret;
}

/* The lower fs checks the mode and removes setuid, as for write(). */
static long stackfs_fallocate(struct file *file, int mode, loff_t offset,
			      loff_t len)
{
	struct inode *inode = file_inode(file);
	long ret;

	inode_lock(inode);
	scoped_with_creds(file->f_cred)
		ret = vfs_fallocate(file->private_data, mode, offset, len);
	stackfs_copy_attr(inode);
	inode_unlock(inode);
	return ret;
}

static int stackfs_fsync(struct file *file, loff_t start, loff_t end,
			 int datasync)
{
	return vfs_fsync_range(file->private_data, start, end, datasync);
}

/*
 * mmap=legacy: backing_file_mmap() points the VMA at the lower file and calls
 * vfs_mmap() on it, which reaches the lower's mmap_prepare through
 * compat_vma_mmap(). mmap() then runs the lower's mmap_complete, or its
 * mmap_abort if anything fails, including this hook after that call.
 */
static int stackfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct backing_file_ctx ctx = {
		.cred		= file->f_cred,
		.accessed	= stackfs_file_accessed,
	};

	return backing_file_mmap(file->private_data, vma, &ctx);
}

/*
 * mmap=prepare: the lower's mmap_prepare runs on our descriptor through
 * mmap_prepare_nested(), and our mmap_complete and mmap_abort chain to the
 * lower's, at any depth.
 */
static int stackfs_mmap_prepare(struct vm_area_desc *desc)
{
	struct file *file = desc->file;
	struct backing_file_ctx ctx = {
		.cred		= file->f_cred,
		.accessed	= stackfs_file_accessed,
	};

	return backing_file_mmap_prepare(file->private_data, desc, &ctx);
}

static const struct file_operations stackfs_legacy_file_operations = {
	.open		= stackfs_open,
	.release	= stackfs_release,
	.read_iter	= stackfs_read_iter,
	.write_iter	= stackfs_write_iter,
	.llseek		= stackfs_llseek,
	.fsync		= stackfs_fsync,
	.fallocate	= stackfs_fallocate,
	.mmap		= stackfs_mmap,
	.splice_read	= stackfs_splice_read,
	.splice_write	= stackfs_splice_write,
};

static const struct file_operations stackfs_prepare_file_operations = {
	.open		= stackfs_open,
	.release	= stackfs_release,
	.read_iter	= stackfs_read_iter,
	.write_iter	= stackfs_write_iter,
	.llseek		= stackfs_llseek,
	.fsync		= stackfs_fsync,
	.fallocate	= stackfs_fallocate,
	.mmap_prepare	= stackfs_mmap_prepare,
	.mmap_complete	= mmap_complete_nested,
	.mmap_abort	= mmap_abort_nested,
	.splice_read	= stackfs_splice_read,
	.splice_write	= stackfs_splice_write,
};

const struct file_operations *stackfs_file_fops(const struct super_block *sb)
{
	const struct stackfs_sb_info *sbi = sb->s_fs_info;

	return sbi->mmap_prepare ? &stackfs_prepare_file_operations :
				   &stackfs_legacy_file_operations;
}

static int stackfs_dir_open(struct inode *inode, struct file *file)
{
	struct path lower_path = stackfs_lower_path(file->f_path.dentry);
	struct file *lower;

	lower = dentry_open(&lower_path, file->f_flags, current_cred());
	if (IS_ERR(lower))
		return PTR_ERR(lower);
	file->private_data = lower;
	return 0;
}

static int stackfs_iterate(struct file *file, struct dir_context *ctx)
{
	struct file *lower = file->private_data;
	int err;

	/* iterate_dir() resumes from the lower file's position. */
	lower->f_pos = ctx->pos;
	err = iterate_dir(lower, ctx);
	stackfs_copy_attr(file_inode(file));
	return err;
}

const struct file_operations stackfs_dir_operations = {
	.open		= stackfs_dir_open,
	.release	= stackfs_release,
	.read		= generic_read_dir,
	.iterate_shared	= stackfs_iterate,
	.llseek		= stackfs_llseek,
	.fsync		= stackfs_fsync,
};
