// SPDX-License-Identifier: GPL-2.0
/*
 * hookfs: superblock, inodes, directories and mount options.
 *
 * An in-memory, page-cache-backed filesystem modelled on ramfs, with
 * whiteouts, O_TMPFILE and xattrs so that overlayfs can use it as upper
 * and lower layer.
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "hookfs.h"

#define HOOKFS_MAGIC		0x686f6f6b	/* "hook" */

static struct kmem_cache *hookfs_inode_cachep;
static const struct inode_operations hookfs_dir_inode_operations;

static const struct inode_operations hookfs_special_inode_operations = {
	.setattr	= simple_setattr,
	.getattr	= simple_getattr,
	.listxattr	= hookfs_listxattr,
};

static const struct inode_operations hookfs_symlink_inode_operations = {
	.get_link	= page_get_link,
	.listxattr	= hookfs_listxattr,
};

static struct inode *hookfs_get_inode(struct super_block *sb,
				      const struct inode *dir, umode_t mode,
				      dev_t dev, enum hookfs_kind kind)
{
	struct inode *inode = new_inode(sb);
	struct hookfs_inode *hi;

	if (!inode)
		return ERR_PTR(-ENOSPC);

	hi = HOOKFS_I(inode);
	inode->i_ino = get_next_ino();
	inode_init_owner(&nop_mnt_idmap, inode, dir, mode);
	inode->i_mapping->a_ops = &ram_aops;
	mapping_set_gfp_mask(inode->i_mapping, GFP_HIGHUSER);
	mapping_set_unevictable(inode->i_mapping);
	simple_inode_init_ts(inode);

	switch (mode & S_IFMT) {
	case S_IFREG:
		hi->kind = kind;
		inode->i_op = &hookfs_file_inode_operations;
		inode->i_fop = hookfs_file_operations(kind);
		if (hookfs_kind_is_pfn(kind) && hookfs_pfn_alloc(hi)) {
			iput(inode);
			return ERR_PTR(-ENOMEM);
		}
		break;
	case S_IFDIR:
		inode->i_op = &hookfs_dir_inode_operations;
		inode->i_fop = &simple_dir_operations;
		/* "." counts as a link */
		inc_nlink(inode);
		break;
	case S_IFLNK:
		inode->i_op = &hookfs_symlink_inode_operations;
		inode_nohighmem(inode);
		break;
	default:
		inode->i_op = &hookfs_special_inode_operations;
		init_special_inode(inode, mode, dev);
		break;
	}
	return inode;
}

static int hookfs_new_inode(struct inode *dir, struct dentry *dentry,
			    umode_t mode, dev_t dev, struct inode **inodep)
{
	struct inode *inode;
	int err;

	inode = hookfs_get_inode(dir->i_sb, dir, mode, dev,
				 hookfs_kind_from_name(&dentry->d_name));
	if (IS_ERR(inode))
		return PTR_ERR(inode);

	err = security_inode_init_security(inode, dir, &dentry->d_name,
					   NULL, NULL);
	if (err) {
		iput(inode);
		return err;
	}
	*inodep = inode;
	return 0;
}

static int hookfs_mknod(struct mnt_idmap *idmap, struct inode *dir,
			struct dentry *dentry, umode_t mode, dev_t dev)
{
	struct inode *inode;
	int err;

	err = hookfs_new_inode(dir, dentry, mode, dev, &inode);
	if (err)
		return err;

	d_make_persistent(dentry, inode);
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
	return 0;
}

static int hookfs_create(struct mnt_idmap *idmap, struct inode *dir,
			 struct dentry *dentry, umode_t mode)
{
	return hookfs_mknod(idmap, dir, dentry, mode | S_IFREG, 0);
}

static struct dentry *hookfs_mkdir(struct mnt_idmap *idmap, struct inode *dir,
				   struct dentry *dentry, umode_t mode)
{
	int err = hookfs_mknod(idmap, dir, dentry, mode | S_IFDIR, 0);

	if (!err)
		inc_nlink(dir);
	return ERR_PTR(err);
}

static int hookfs_symlink(struct mnt_idmap *idmap, struct inode *dir,
			  struct dentry *dentry, const char *symname)
{
	struct inode *inode;
	int err;

	err = hookfs_new_inode(dir, dentry, S_IFLNK | 0777, 0, &inode);
	if (err)
		return err;

	err = page_symlink(inode, symname, strlen(symname) + 1);
	if (err) {
		iput(inode);
		return err;
	}
	d_make_persistent(dentry, inode);
	inode_set_mtime_to_ts(dir, inode_set_ctime_current(dir));
	return 0;
}

static int hookfs_tmpfile(struct mnt_idmap *idmap, struct inode *dir,
			  struct file *file, umode_t mode)
{
	struct inode *inode;
	int err;

	err = hookfs_new_inode(dir, file_dentry(file), mode, 0, &inode);
	if (!err)
		d_tmpfile(file, inode);
	return finish_open_simple(file, err);
}

/* Leave a 0:0 character device where the renamed entry was. */
static int hookfs_whiteout(struct mnt_idmap *idmap, struct inode *old_dir,
			   struct dentry *old_dentry)
{
	struct dentry *whiteout;
	int err;

	whiteout = d_alloc(old_dentry->d_parent, &old_dentry->d_name);
	if (!whiteout)
		return -ENOMEM;
	err = hookfs_mknod(idmap, old_dir, whiteout, S_IFCHR | WHITEOUT_MODE,
			   WHITEOUT_DEV);
	dput(whiteout);
	return err;
}

static int hookfs_rename(struct mnt_idmap *idmap, struct inode *old_dir,
			 struct dentry *old_dentry, struct inode *new_dir,
			 struct dentry *new_dentry, unsigned int flags)
{
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;

	if (flags & RENAME_EXCHANGE)
		return simple_rename_exchange(old_dir, old_dentry, new_dir,
					      new_dentry);

	/* Fail before creating the whiteout, so that nothing is left behind. */
	if (!simple_empty(new_dentry))
		return -ENOTEMPTY;

	if (flags & RENAME_WHITEOUT) {
		err = hookfs_whiteout(idmap, old_dir, old_dentry);
		if (err)
			return err;
	}
	return simple_rename(idmap, old_dir, old_dentry, new_dir, new_dentry,
			     flags & RENAME_NOREPLACE);
}

static const struct inode_operations hookfs_dir_inode_operations = {
	.create		= hookfs_create,
	.lookup		= simple_lookup,
	.link		= simple_link,
	.unlink		= simple_unlink,
	.symlink	= hookfs_symlink,
	.mkdir		= hookfs_mkdir,
	.rmdir		= simple_rmdir,
	.mknod		= hookfs_mknod,
	.rename		= hookfs_rename,
	.tmpfile	= hookfs_tmpfile,
	.setattr	= simple_setattr,
	.getattr	= simple_getattr,
	.listxattr	= hookfs_listxattr,
};

static struct inode *hookfs_alloc_inode(struct super_block *sb)
{
	struct hookfs_inode *hi;

	hi = alloc_inode_sb(sb, hookfs_inode_cachep, GFP_KERNEL);
	if (!hi)
		return NULL;
	hi->kind = HOOKFS_KIND_NORMAL;
	hi->nr_xattrs = 0;
	hi->revoked = false;
	hi->populator = NULL;
	hi->pfn_buf = NULL;
	return &hi->vfs_inode;
}

static void hookfs_free_inode(struct inode *inode)
{
	kmem_cache_free(hookfs_inode_cachep, HOOKFS_I(inode));
}

static void hookfs_evict_inode(struct inode *inode)
{
	struct hookfs_inode *hi = HOOKFS_I(inode);

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	hookfs_xattrs_free(hi);
	hookfs_pfn_free(hi);
}

static int hookfs_show_options(struct seq_file *m, struct dentry *root)
{
	if (READ_ONCE(HOOKFS_SB(root->d_sb)->prepopulate))
		seq_puts(m, ",prepopulate");
	return 0;
}

static const struct super_operations hookfs_super_operations = {
	.alloc_inode	= hookfs_alloc_inode,
	.free_inode	= hookfs_free_inode,
	.evict_inode	= hookfs_evict_inode,
	.statfs		= simple_statfs,
	.drop_inode	= inode_just_drop,
	.show_options	= hookfs_show_options,
};

enum hookfs_param {
	OPT_PREPOPULATE,
};

static const struct fs_parameter_spec hookfs_fs_parameters[] = {
	fsparam_flag("prepopulate", OPT_PREPOPULATE),
	{}
};

static int hookfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct hookfs_sb_info *sbi = fc->s_fs_info;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, hookfs_fs_parameters, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case OPT_PREPOPULATE:
		sbi->prepopulate = true;
		break;
	}
	return 0;
}

static int hookfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct inode *inode;

	sb->s_maxbytes		= MAX_LFS_FILESIZE;
	sb->s_blocksize		= PAGE_SIZE;
	sb->s_blocksize_bits	= PAGE_SHIFT;
	sb->s_magic		= HOOKFS_MAGIC;
	sb->s_op		= &hookfs_super_operations;
	sb->s_xattr		= hookfs_xattr_handlers;
	sb->s_d_flags		= DCACHE_DONTCACHE;
	sb->s_time_gran		= 1;

	inode = hookfs_get_inode(sb, NULL, S_IFDIR | 0755, 0,
				 HOOKFS_KIND_NORMAL);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	sb->s_root = d_make_root(inode);
	if (!sb->s_root)
		return -ENOMEM;

	hookfs_debugfs_add_sb(sb);
	return 0;
}

static int hookfs_get_tree(struct fs_context *fc)
{
	return get_tree_nodev(fc, hookfs_fill_super);
}

/* remount,prepopulate turns prepopulation on, as the debugfs knob does. */
static int hookfs_reconfigure(struct fs_context *fc)
{
	struct hookfs_sb_info *opts = fc->s_fs_info;

	if (opts->prepopulate)
		WRITE_ONCE(HOOKFS_SB(fc->root->d_sb)->prepopulate, true);
	return 0;
}

static void hookfs_free_fc(struct fs_context *fc)
{
	kfree(fc->s_fs_info);
}

static const struct fs_context_operations hookfs_context_ops = {
	.free		= hookfs_free_fc,
	.parse_param	= hookfs_parse_param,
	.get_tree	= hookfs_get_tree,
	.reconfigure	= hookfs_reconfigure,
};

static int hookfs_init_fs_context(struct fs_context *fc)
{
	struct hookfs_sb_info *sbi;

	sbi = kzalloc_obj(*sbi);
	if (!sbi)
		return -ENOMEM;
	spin_lock_init(&sbi->fail_prepare.lock);
	spin_lock_init(&sbi->fail_complete.lock);
	spin_lock_init(&sbi->fail_action.lock);
	fc->s_fs_info = sbi;
	fc->ops = &hookfs_context_ops;
	return 0;
}

static void hookfs_kill_sb(struct super_block *sb)
{
	struct hookfs_sb_info *sbi = HOOKFS_SB(sb);

	/* debugfs removal waits for readers and writers of the knobs. */
	if (sbi)
		hookfs_debugfs_remove_sb(sbi);
	kill_anon_super(sb);
	kfree(sbi);
}

static struct file_system_type hookfs_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "hookfs",
	.init_fs_context	= hookfs_init_fs_context,
	.parameters		= hookfs_fs_parameters,
	.kill_sb		= hookfs_kill_sb,
};
MODULE_ALIAS_FS("hookfs");

static void hookfs_inode_init_once(void *obj)
{
	struct hookfs_inode *hi = obj;

	spin_lock_init(&hi->xattr_lock);
	INIT_LIST_HEAD(&hi->xattrs);
	mutex_init(&hi->revoke_lock);
	inode_init_once(&hi->vfs_inode);
}

static int __init hookfs_init(void)
{
	int err;

	hookfs_inode_cachep = kmem_cache_create("hookfs_inode_cache",
						sizeof(struct hookfs_inode), 0,
						SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
						hookfs_inode_init_once);
	if (!hookfs_inode_cachep)
		return -ENOMEM;

	err = hookfs_debugfs_init();
	if (err)
		goto out_cache;

	err = register_filesystem(&hookfs_fs_type);
	if (err)
		goto out_debugfs;
	return 0;

out_debugfs:
	hookfs_debugfs_exit();
out_cache:
	kmem_cache_destroy(hookfs_inode_cachep);
	return err;
}

static void __exit hookfs_exit(void)
{
	unregister_filesystem(&hookfs_fs_type);
	hookfs_debugfs_exit();
	/* Inodes are freed after an RCU grace period. */
	rcu_barrier();
	kmem_cache_destroy(hookfs_inode_cachep);
}

module_init(hookfs_init);
module_exit(hookfs_exit);

MODULE_DESCRIPTION("In-memory filesystem with instrumented mmap_prepare/complete/abort hooks");
MODULE_LICENSE("GPL");
