/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stackfs: a minimal stacking filesystem that passes every operation to
 * the directory it is mounted over. It maps files with a legacy ->mmap
 * (mmap=legacy, the default) or with ->mmap_prepare (mmap=prepare).
 *
 * Each stackfs dentry holds its lower dentry in d_fsdata, each stackfs
 * inode its lower inode in i_private, and each open stackfs file its
 * lower file in private_data.
 */
#ifndef _STACKFS_H
#define _STACKFS_H

#include <linux/fs.h>
#include <linux/fs_stack.h>
#include <linux/mount.h>
#include <linux/path.h>

struct stackfs_sb_info {
	struct vfsmount *lower_mnt;
	/* Fixed at mount: the file operations of every inode depend on it. */
	bool mmap_prepare;
};

static inline struct dentry *stackfs_lower_dentry(const struct dentry *dentry)
{
	return dentry->d_fsdata;
}

static inline struct inode *stackfs_lower_inode(const struct inode *inode)
{
	return inode->i_private;
}

static inline struct path stackfs_lower_path(const struct dentry *dentry)
{
	struct stackfs_sb_info *sbi = dentry->d_sb->s_fs_info;

	return (struct path){ .mnt = sbi->lower_mnt,
			      .dentry = stackfs_lower_dentry(dentry) };
}

/* Refresh a stackfs inode from its lower inode after every operation. */
static inline void stackfs_copy_attr(struct inode *inode)
{
	struct inode *lower = stackfs_lower_inode(inode);

	fsstack_copy_attr_all(inode, lower);
	fsstack_copy_inode_size(inode, lower);
}

/* inode.c */
extern const struct dentry_operations stackfs_dentry_operations;
struct inode *stackfs_get_inode(struct super_block *sb,
				struct inode *lower_inode);

/* file.c */
const struct file_operations *stackfs_file_fops(const struct super_block *sb);
extern const struct file_operations stackfs_dir_operations;

#endif /* _STACKFS_H */
