/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hookfs: an in-memory filesystem that implements mmap_prepare,
 * mmap_complete and mmap_abort and counts every call.
 */
#ifndef _HOOKFS_H
#define _HOOKFS_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "hookfs_uapi.h"

/* File kinds, chosen by name prefix when the inode is created. */
enum hookfs_kind {
	HOOKFS_KIND_NORMAL,
	HOOKFS_KIND_PFN,
	HOOKFS_KIND_PFN_ACTION,
	HOOKFS_KIND_REVOCABLE,
	HOOKFS_KIND_BAD_COMPLETE,
	HOOKFS_KIND_BAD_ABORT,
};

#define HOOKFS_PFN_SIZE		SZ_64K

struct hookfs_stats {
	atomic64_t val[HOOKFS_NR_STATS];
};

/* "Make the next @count calls fail with -@error." */
struct hookfs_fail {
	spinlock_t lock;	/* protects count and error */
	unsigned int count;
	unsigned int error;
};

struct hookfs_sb_info {
	struct hookfs_stats stats;
	struct dentry *debugfs_dir;
	bool prepopulate;
	struct hookfs_fail fail_prepare;
	struct hookfs_fail fail_complete;
	/* pfn kind: vm_ops->mapped, the last step of the mmap action */
	struct hookfs_fail fail_action;
	unsigned int prepare_delay_ms;
	unsigned int complete_delay_ms;
	/* revocable kind: sleep after prepopulating, outside revoke_lock */
	unsigned int populated_delay_ms;
};

struct hookfs_inode {
	enum hookfs_kind kind;
	spinlock_t xattr_lock;	/* protects xattrs against readers */
	struct list_head xattrs;
	unsigned int nr_xattrs;
	/* revocable kind: serialises revoke against prepopulation and faults */
	struct mutex revoke_lock;
	bool revoked;
	/* task populating from mmap_complete with revoke_lock held */
	struct task_struct *populator;
	/* pfn kinds: HOOKFS_PFN_SIZE bytes of physically contiguous memory */
	void *pfn_buf;
	struct inode vfs_inode;
};

static inline struct hookfs_inode *HOOKFS_I(struct inode *inode)
{
	return container_of(inode, struct hookfs_inode, vfs_inode);
}

/* Both pfn kinds map the same buffer, in mmap_complete or by mmap action. */
static inline bool hookfs_kind_is_pfn(enum hookfs_kind kind)
{
	return kind == HOOKFS_KIND_PFN || kind == HOOKFS_KIND_PFN_ACTION;
}

static inline struct hookfs_sb_info *HOOKFS_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

extern struct hookfs_stats hookfs_total;

/* Count @n on both the superblock's statistics and the module total. */
static inline void hookfs_stat_add(struct hookfs_sb_info *sbi,
				   enum hookfs_stat stat, s64 n)
{
	atomic64_add(n, &sbi->stats.val[stat]);
	atomic64_add(n, &hookfs_total.val[stat]);
}

/* file.c */
extern const struct inode_operations hookfs_file_inode_operations;
const struct file_operations *hookfs_file_operations(enum hookfs_kind kind);
enum hookfs_kind hookfs_kind_from_name(const struct qstr *name);
int hookfs_pfn_alloc(struct hookfs_inode *hi);
void hookfs_pfn_free(struct hookfs_inode *hi);

/* mmap.c */
int hookfs_mmap_prepare(struct vm_area_desc *desc);
int hookfs_mmap_complete(struct file *file, struct vm_area_struct *vma,
			 const void *context);
void hookfs_mmap_abort(const struct file *file, const void *vm_private_data,
		       const void *context);
int hookfs_legacy_mmap(struct file *file, struct vm_area_struct *vma);
long hookfs_revoke(struct inode *inode);
long hookfs_restore(struct inode *inode);

/* xattr.c */
extern const struct xattr_handler * const hookfs_xattr_handlers[];
ssize_t hookfs_listxattr(struct dentry *dentry, char *buffer, size_t size);
void hookfs_xattrs_free(struct hookfs_inode *hi);

/* debugfs.c */
int hookfs_debugfs_init(void);
void hookfs_debugfs_exit(void);
void hookfs_debugfs_add_sb(struct super_block *sb);
void hookfs_debugfs_remove_sb(struct hookfs_sb_info *sbi);
int hookfs_fail_take(struct hookfs_fail *fail);

#endif /* _HOOKFS_H */
