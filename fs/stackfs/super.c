// SPDX-License-Identifier: GPL-2.0
/*
 * stackfs: mount options, superblock and module.
 *
 *   mount -t stackfs -o lowerdir=/abs/path none DIR
 */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>

#include "stackfs.h"

#define STACKFS_MAGIC		0x73746b66	/* "stkf" */

static struct file_system_type stackfs_fs_type;

struct stackfs_fs_context {
	char *lowerdir;
	struct path lower;
	bool mmap_set;
	bool mmap_prepare;
};

static void stackfs_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	iput(stackfs_lower_inode(inode));
}

static int stackfs_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct path lower_path = stackfs_lower_path(dentry->d_sb->s_root);
	int err;

	err = vfs_statfs(&lower_path, buf);
	if (!err)
		buf->f_type = STACKFS_MAGIC;
	return err;
}

static int stackfs_show_options(struct seq_file *m, struct dentry *root)
{
	struct path lower_path = stackfs_lower_path(root);
	struct stackfs_sb_info *sbi = root->d_sb->s_fs_info;

	seq_puts(m, ",lowerdir=");
	seq_path(m, &lower_path, ", \t\n\\");
	seq_printf(m, ",mmap=%s", sbi->mmap_prepare ? "prepare" : "legacy");
	return 0;
}

static const struct super_operations stackfs_super_operations = {
	.evict_inode	= stackfs_evict_inode,
	.statfs		= stackfs_statfs,
	.drop_inode	= inode_just_drop,
	.show_options	= stackfs_show_options,
};

enum stackfs_param {
	OPT_LOWERDIR,
	OPT_MMAP,
};

static const struct constant_table stackfs_param_mmap[] = {
	{ "legacy",	false },
	{ "prepare",	true },
	{}
};

static const struct fs_parameter_spec stackfs_fs_parameters[] = {
	fsparam_string("lowerdir", OPT_LOWERDIR),
	fsparam_enum("mmap", OPT_MMAP, stackfs_param_mmap),
	{}
};

static int stackfs_parse_param(struct fs_context *fc,
			       struct fs_parameter *param)
{
	struct stackfs_fs_context *ctx = fc->fs_private;
	struct fs_parse_result result;
	int opt;

	opt = fs_parse(fc, stackfs_fs_parameters, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case OPT_LOWERDIR:
		if (param->string[0] != '/')
			return invalfc(fc, "lowerdir must be an absolute path: \"%s\"",
				       param->string);
		kfree(ctx->lowerdir);
		ctx->lowerdir = param->string;
		param->string = NULL;
		break;
	case OPT_MMAP:
		ctx->mmap_set = true;
		ctx->mmap_prepare = result.uint_32;
		break;
	}
	return 0;
}

/* Resolve and check lowerdir before any superblock exists. */
static int stackfs_lookup_lower(struct fs_context *fc)
{
	struct stackfs_fs_context *ctx = fc->fs_private;
	int err;

	if (!ctx->lowerdir)
		return invalfc(fc, "missing lowerdir=/absolute/path");

	err = kern_path(ctx->lowerdir, LOOKUP_FOLLOW, &ctx->lower);
	if (err) {
		errorfc(fc, "lowerdir \"%s\": lookup failed (%d)",
			ctx->lowerdir, err);
		return err;
	}
	if (!d_is_dir(ctx->lower.dentry)) {
		errorfc(fc, "lowerdir \"%s\" is not a directory", ctx->lowerdir);
		return -ENOTDIR;
	}
	/* stackfs on stackfs would nest inode locks of one lock class. */
	if (ctx->lower.dentry->d_sb->s_type == &stackfs_fs_type)
		return invalfc(fc, "lowerdir \"%s\" is on stackfs itself",
			       ctx->lowerdir);
	if (ctx->lower.dentry->d_sb->s_stack_depth + 1 >
	    FILESYSTEM_MAX_STACK_DEPTH)
		return invalfc(fc, "lowerdir \"%s\": maximum stacking depth %d exceeded",
			       ctx->lowerdir, FILESYSTEM_MAX_STACK_DEPTH);
	return 0;
}

static int stackfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct stackfs_fs_context *ctx = fc->fs_private;
	struct super_block *lower_sb = ctx->lower.dentry->d_sb;
	struct stackfs_sb_info *sbi;
	struct inode *inode;

	sbi = kzalloc_obj(*sbi);
	if (!sbi)
		return -ENOMEM;
	sb->s_fs_info = sbi;
	sbi->mmap_prepare = ctx->mmap_prepare;

	sb->s_maxbytes		= lower_sb->s_maxbytes;
	sb->s_blocksize		= lower_sb->s_blocksize;
	sb->s_blocksize_bits	= lower_sb->s_blocksize_bits;
	sb->s_time_gran		= lower_sb->s_time_gran;
	sb->s_stack_depth	= lower_sb->s_stack_depth + 1;
	sb->s_magic		= STACKFS_MAGIC;
	sb->s_op		= &stackfs_super_operations;
	if (sb_rdonly(lower_sb))
		sb->s_flags |= SB_RDONLY;
	set_default_d_op(sb, &stackfs_dentry_operations);

	inode = stackfs_get_inode(sb, d_inode(ctx->lower.dentry));
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	sb->s_root = d_make_root(inode);
	if (!sb->s_root)
		return -ENOMEM;

	/* From here on kill_sb releases both. */
	sb->s_root->d_fsdata = dget(ctx->lower.dentry);
	sbi->lower_mnt = mntget(ctx->lower.mnt);
	return 0;
}

static int stackfs_get_tree(struct fs_context *fc)
{
	int err = stackfs_lookup_lower(fc);

	if (err)
		return err;
	return get_tree_nodev(fc, stackfs_fill_super);
}

/*
 * The lower directory and the mmap mode are fixed for the life of the
 * superblock: every inode already points into the one and was set up for
 * the other. A remount may repeat them (mount(8) can pass the options
 * back) but not change them.
 */
static int stackfs_reconfigure(struct fs_context *fc)
{
	struct stackfs_fs_context *ctx = fc->fs_private;
	struct stackfs_sb_info *sbi = fc->root->d_sb->s_fs_info;
	struct path cur = stackfs_lower_path(fc->root);
	struct path new;
	bool same;
	int err;

	if (ctx->mmap_set && ctx->mmap_prepare != sbi->mmap_prepare)
		return invalfc(fc, "mmap cannot be changed by remount");
	if (!ctx->lowerdir)
		return 0;
	err = kern_path(ctx->lowerdir, LOOKUP_FOLLOW, &new);
	if (err) {
		errorfc(fc, "lowerdir \"%s\": lookup failed (%d)",
			ctx->lowerdir, err);
		return err;
	}
	same = path_equal(&new, &cur);
	path_put(&new);
	if (!same)
		return invalfc(fc, "lowerdir cannot be changed by remount");
	return 0;
}

static void stackfs_free_fc(struct fs_context *fc)
{
	struct stackfs_fs_context *ctx = fc->fs_private;

	path_put(&ctx->lower);
	kfree(ctx->lowerdir);
	kfree(ctx);
}

static const struct fs_context_operations stackfs_context_ops = {
	.free		= stackfs_free_fc,
	.parse_param	= stackfs_parse_param,
	.get_tree	= stackfs_get_tree,
	.reconfigure	= stackfs_reconfigure,
};

static int stackfs_init_fs_context(struct fs_context *fc)
{
	struct stackfs_fs_context *ctx;

	ctx = kzalloc_obj(*ctx);
	if (!ctx)
		return -ENOMEM;
	fc->fs_private = ctx;
	fc->ops = &stackfs_context_ops;
	return 0;
}

static void stackfs_kill_sb(struct super_block *sb)
{
	struct stackfs_sb_info *sbi = sb->s_fs_info;

	kill_anon_super(sb);
	if (sbi) {
		mntput(sbi->lower_mnt);
		kfree(sbi);
	}
}

/* No FS_USERNS_MOUNT: only the initial user namespace may mount it. */
static struct file_system_type stackfs_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "stackfs",
	.init_fs_context	= stackfs_init_fs_context,
	.parameters		= stackfs_fs_parameters,
	.kill_sb		= stackfs_kill_sb,
};
MODULE_ALIAS_FS("stackfs");

static int __init stackfs_init(void)
{
	return register_filesystem(&stackfs_fs_type);
}

static void __exit stackfs_exit(void)
{
	unregister_filesystem(&stackfs_fs_type);
}

module_init(stackfs_init);
module_exit(stackfs_exit);

MODULE_DESCRIPTION("Minimal stacking filesystem with a legacy or a prepare mmap");
MODULE_LICENSE("GPL");
