// SPDX-License-Identifier: GPL-2.0
/*
 * stackfs: dentries and inodes, every operation passed to the lower fs.
 */
#include <linux/dcache.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>

#include "stackfs.h"

static const struct inode_operations stackfs_dir_inode_operations;
static const struct inode_operations stackfs_file_inode_operations;
static const struct inode_operations stackfs_symlink_inode_operations;

static int stackfs_inode_test(struct inode *inode, void *lower_inode)
{
	return stackfs_lower_inode(inode) == lower_inode;
}

static int stackfs_inode_set(struct inode *inode, void *lower_inode)
{
	inode->i_private = lower_inode;
	return 0;
}

/* One stackfs inode per lower inode; it holds a reference to the lower. */
struct inode *stackfs_get_inode(struct super_block *sb,
				struct inode *lower_inode)
{
	struct inode *inode;

	if (!igrab(lower_inode))
		return ERR_PTR(-ESTALE);
	inode = iget5_locked(sb, (unsigned long)lower_inode, stackfs_inode_test,
			     stackfs_inode_set, lower_inode);
	if (!inode) {
		iput(lower_inode);
		return ERR_PTR(-ENOMEM);
	}
	if (!(inode_state_read_once(inode) & I_NEW)) {
		iput(lower_inode);
		stackfs_copy_attr(inode);
		return inode;
	}

	inode->i_ino = lower_inode->i_ino;
	stackfs_copy_attr(inode);
	switch (inode->i_mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &stackfs_dir_inode_operations;
		inode->i_fop = &stackfs_dir_operations;
		break;
	case S_IFREG:
		inode->i_op = &stackfs_file_inode_operations;
		inode->i_fop = stackfs_file_fops(sb);
		break;
	case S_IFLNK:
		inode->i_op = &stackfs_symlink_inode_operations;
		break;
	default:
		inode->i_op = &stackfs_file_inode_operations;
		init_special_inode(inode, inode->i_mode, lower_inode->i_rdev);
		break;
	}
	unlock_new_inode(inode);
	return inode;
}

static int stackfs_want_write(struct super_block *sb)
{
	struct stackfs_sb_info *sbi = sb->s_fs_info;

	return mnt_want_write(sbi->lower_mnt);
}

static void stackfs_drop_write(struct super_block *sb)
{
	struct stackfs_sb_info *sbi = sb->s_fs_info;

	mnt_drop_write(sbi->lower_mnt);
}

static struct dentry *stackfs_lookup(struct inode *dir, struct dentry *dentry,
				     unsigned int flags)
{
	struct dentry *lower_parent = stackfs_lower_dentry(dentry->d_parent);
	struct qstr name = QSTR_LEN(dentry->d_name.name, dentry->d_name.len);
	struct inode *inode = NULL, *lower_inode;
	struct dentry *lower;

	lower = lookup_noperm_unlocked(&name, lower_parent);
	if (IS_ERR(lower))
		return ERR_CAST(lower);

	/* Dropped by stackfs_d_release(), also on the error paths below. */
	dentry->d_fsdata = lower;
	fsstack_copy_attr_atime(dir, d_inode(lower_parent));

	/* The lower parent is not locked: read d_inode once. */
	lower_inode = READ_ONCE(lower->d_inode);
	if (lower_inode) {
		inode = stackfs_get_inode(dir->i_sb, lower_inode);
		if (IS_ERR(inode))
			return ERR_CAST(inode);
	}
	return d_splice_alias(inode, dentry);
}

static struct dentry *stackfs_start_creating(struct dentry *dentry)
{
	return start_creating_dentry(stackfs_lower_dentry(dentry->d_parent),
				     stackfs_lower_dentry(dentry));
}

static struct dentry *stackfs_start_removing(struct dentry *dentry)
{
	return start_removing_dentry(stackfs_lower_dentry(dentry->d_parent),
				     stackfs_lower_dentry(dentry));
}

static int stackfs_instantiate(struct inode *dir, struct dentry *dentry,
			       struct dentry *lower)
{
	struct inode *inode = stackfs_get_inode(dir->i_sb, d_inode(lower));

	if (IS_ERR(inode))
		return PTR_ERR(inode);
	d_instantiate(dentry, inode);
	stackfs_copy_attr(dir);
	return 0;
}

static int stackfs_create(struct mnt_idmap *idmap, struct inode *dir,
			  struct dentry *dentry, umode_t mode)
{
	struct dentry *lower;
	int err;

	err = stackfs_want_write(dir->i_sb);
	if (err)
		return err;
	lower = stackfs_start_creating(dentry);
	err = PTR_ERR(lower);
	if (!IS_ERR(lower)) {
		err = vfs_create(&nop_mnt_idmap, lower, mode, NULL);
		if (!err)
			err = stackfs_instantiate(dir, dentry, lower);
		end_creating(lower);
	}
	stackfs_drop_write(dir->i_sb);
	return err;
}

static struct dentry *stackfs_mkdir(struct mnt_idmap *idmap, struct inode *dir,
				    struct dentry *dentry, umode_t mode)
{
	struct dentry *lower, *old_lower = stackfs_lower_dentry(dentry);
	int err;

	err = stackfs_want_write(dir->i_sb);
	if (err)
		return ERR_PTR(err);
	lower = stackfs_start_creating(dentry);
	if (IS_ERR(lower)) {
		err = PTR_ERR(lower);
		goto out;
	}
	lower = vfs_mkdir(&nop_mnt_idmap, d_inode(old_lower->d_parent), lower,
			  mode, NULL);
	if (IS_ERR(lower)) {
		/* vfs_mkdir() has already ended the dirop. */
		err = PTR_ERR(lower);
		goto out;
	}
	/* vfs_mkdir() may hand back a different dentry for the new dir. */
	if (lower != old_lower) {
		dentry->d_fsdata = dget(lower);
		dput(old_lower);
	}
	err = stackfs_instantiate(dir, dentry, lower);
	end_creating(lower);
out:
	stackfs_drop_write(dir->i_sb);
	return ERR_PTR(err);
}

static int stackfs_unlink(struct inode *dir, struct dentry *dentry)
{
	struct inode *inode = d_inode(dentry);
	struct dentry *lower;
	int err;

	err = stackfs_want_write(dir->i_sb);
	if (err)
		return err;
	lower = stackfs_start_removing(dentry);
	err = PTR_ERR(lower);
	if (!IS_ERR(lower)) {
		err = vfs_unlink(&nop_mnt_idmap, d_inode(lower->d_parent),
				 lower, NULL);
		stackfs_copy_attr(dir);
		stackfs_copy_attr(inode);
		end_removing(lower);
	}
	stackfs_drop_write(dir->i_sb);
	/* The lower dentry is gone: look the name up afresh next time. */
	if (!err)
		d_drop(dentry);
	return err;
}

static int stackfs_rmdir(struct inode *dir, struct dentry *dentry)
{
	struct dentry *lower;
	int err;

	err = stackfs_want_write(dir->i_sb);
	if (err)
		return err;
	lower = stackfs_start_removing(dentry);
	err = PTR_ERR(lower);
	if (!IS_ERR(lower)) {
		err = vfs_rmdir(&nop_mnt_idmap, d_inode(lower->d_parent),
				lower, NULL);
		if (!err)
			clear_nlink(d_inode(dentry));
		stackfs_copy_attr(dir);
		end_removing(lower);
	}
	stackfs_drop_write(dir->i_sb);
	if (!err)
		d_drop(dentry);
	return err;
}

static int stackfs_rename(struct mnt_idmap *idmap, struct inode *old_dir,
			  struct dentry *old_dentry, struct inode *new_dir,
			  struct dentry *new_dentry, unsigned int flags)
{
	struct inode *target = d_inode(new_dentry);
	struct renamedata rd = {
		.mnt_idmap	= &nop_mnt_idmap,
		.old_parent	= stackfs_lower_dentry(old_dentry->d_parent),
		.new_parent	= stackfs_lower_dentry(new_dentry->d_parent),
		.flags		= flags,
	};
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;

	err = stackfs_want_write(old_dir->i_sb);
	if (err)
		return err;
	err = start_renaming_two_dentries(&rd, stackfs_lower_dentry(old_dentry),
					  stackfs_lower_dentry(new_dentry));
	if (err)
		goto out;
	err = vfs_rename(&rd);
	stackfs_copy_attr(old_dir);
	stackfs_copy_attr(new_dir);
	stackfs_copy_attr(d_inode(old_dentry));
	if (target)
		stackfs_copy_attr(target);
	end_renaming(&rd);
out:
	stackfs_drop_write(old_dir->i_sb);
	return err;
}

static int stackfs_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
			   struct iattr *ia)
{
	struct inode *inode = d_inode(dentry);
	struct dentry *lower = stackfs_lower_dentry(dentry);
	struct iattr lower_ia = *ia;
	int err;

	err = setattr_prepare(&nop_mnt_idmap, dentry, ia);
	if (err)
		return err;

	if (ia->ia_valid & ATTR_FILE)
		lower_ia.ia_file = ia->ia_file->private_data;
	/* Let the lower fs clear setuid/setgid its own way. */
	if (lower_ia.ia_valid & (ATTR_KILL_SUID | ATTR_KILL_SGID))
		lower_ia.ia_valid &= ~ATTR_MODE;

	err = stackfs_want_write(dentry->d_sb);
	if (err)
		return err;
	inode_lock(d_inode(lower));
	err = notify_change(&nop_mnt_idmap, lower, &lower_ia, NULL);
	inode_unlock(d_inode(lower));
	stackfs_drop_write(dentry->d_sb);
	stackfs_copy_attr(inode);
	return err;
}

static int stackfs_getattr(struct mnt_idmap *idmap, const struct path *path,
			   struct kstat *stat, u32 request_mask,
			   unsigned int flags)
{
	struct path lower_path = stackfs_lower_path(path->dentry);
	struct inode *inode = d_inode(path->dentry);
	struct kstat lower_stat;
	int err;

	err = vfs_getattr_nosec(&lower_path, &lower_stat, request_mask, flags);
	if (err)
		return err;
	stackfs_copy_attr(inode);
	generic_fillattr(&nop_mnt_idmap, request_mask, inode, stat);
	stat->blocks = lower_stat.blocks;
	return 0;
}

static const char *stackfs_get_link(struct dentry *dentry, struct inode *inode,
				    struct delayed_call *done)
{
	if (!dentry)
		return ERR_PTR(-ECHILD);
	return vfs_get_link(stackfs_lower_dentry(dentry), done);
}

static const struct inode_operations stackfs_dir_inode_operations = {
	.lookup		= stackfs_lookup,
	.create		= stackfs_create,
	.mkdir		= stackfs_mkdir,
	.unlink		= stackfs_unlink,
	.rmdir		= stackfs_rmdir,
	.rename		= stackfs_rename,
	.setattr	= stackfs_setattr,
	.getattr	= stackfs_getattr,
};

static const struct inode_operations stackfs_file_inode_operations = {
	.setattr	= stackfs_setattr,
	.getattr	= stackfs_getattr,
};

static const struct inode_operations stackfs_symlink_inode_operations = {
	.get_link	= stackfs_get_link,
	.setattr	= stackfs_setattr,
	.getattr	= stackfs_getattr,
};

/* A change made directly on the lower fs invalidates our dentry. */
static int stackfs_d_revalidate(struct inode *dir, const struct qstr *name,
				struct dentry *dentry, unsigned int flags)
{
	struct dentry *lower = stackfs_lower_dentry(dentry);
	struct inode *inode, *lower_inode;

	if (flags & LOOKUP_RCU)
		return -ECHILD;
	if (d_unhashed(lower))
		return 0;

	inode = d_inode(dentry);
	lower_inode = d_inode(lower);
	if (!inode || !lower_inode)
		return inode == lower_inode;
	if (stackfs_lower_inode(inode) != lower_inode)
		return 0;
	stackfs_copy_attr(inode);
	return 1;
}

static void stackfs_d_release(struct dentry *dentry)
{
	dput(dentry->d_fsdata);
}

/*
 * d_real_inode() users such as uprobes need the inode that has the page
 * cache: ours have none. The lower may be a stacking fs itself.
 */
static struct dentry *stackfs_d_real(struct dentry *dentry,
				     enum d_real_type type)
{
	if (!d_is_reg(dentry))
		return dentry;
	return d_real(stackfs_lower_dentry(dentry), type);
}

const struct dentry_operations stackfs_dentry_operations = {
	.d_revalidate	= stackfs_d_revalidate,
	.d_release	= stackfs_d_release,
	.d_real		= stackfs_d_real,
};
