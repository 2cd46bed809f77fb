// SPDX-License-Identifier: GPL-2.0
/*
 * hookfs: trusted.* and user.* extended attributes.
 *
 * The simple_xattr helpers are not exported to modules, so this keeps a
 * small per-inode list. Writers are serialised by the inode lock; the
 * spinlock only protects readers against them.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xattr.h>

#include "hookfs.h"

/* Bounds what an unprivileged owner can pin with user.* xattrs. */
#define HOOKFS_MAX_XATTRS	128

struct hookfs_xattr {
	struct list_head node;
	char *name;
	size_t size;
	char value[] __counted_by(size);
};

static struct hookfs_xattr *hookfs_xattr_find(struct hookfs_inode *hi,
					      const char *name)
{
	struct hookfs_xattr *xattr;

	list_for_each_entry(xattr, &hi->xattrs, node)
		if (!strcmp(xattr->name, name))
			return xattr;
	return NULL;
}

static void hookfs_xattr_free(struct hookfs_xattr *xattr)
{
	if (xattr) {
		kfree(xattr->name);
		kfree(xattr);
	}
}

static struct hookfs_xattr *hookfs_xattr_alloc(const char *name,
					       const void *value, size_t size)
{
	struct hookfs_xattr *xattr;

	xattr = kmalloc(struct_size(xattr, value, size), GFP_KERNEL_ACCOUNT);
	if (!xattr)
		return NULL;
	xattr->size = size;
	memcpy(xattr->value, value, size);
	xattr->name = kstrdup(name, GFP_KERNEL_ACCOUNT);
	if (!xattr->name) {
		kfree(xattr);
		return NULL;
	}
	return xattr;
}

static int hookfs_xattr_get(const struct xattr_handler *handler,
			    struct dentry *unused, struct inode *inode,
			    const char *name, void *buffer, size_t size)
{
	struct hookfs_inode *hi = HOOKFS_I(inode);
	struct hookfs_xattr *xattr;
	int ret = -ENODATA;

	name = xattr_full_name(handler, name);
	spin_lock(&hi->xattr_lock);
	xattr = hookfs_xattr_find(hi, name);
	if (xattr) {
		ret = xattr->size;
		if (buffer) {
			if (size < xattr->size)
				ret = -ERANGE;
			else
				memcpy(buffer, xattr->value, xattr->size);
		}
	}
	spin_unlock(&hi->xattr_lock);
	return ret;
}

static int hookfs_xattr_set(const struct xattr_handler *handler,
			    struct mnt_idmap *idmap, struct dentry *unused,
			    struct inode *inode, const char *name,
			    const void *value, size_t size, int flags)
{
	struct hookfs_inode *hi = HOOKFS_I(inode);
	struct hookfs_xattr *new = NULL, *old;
	int err = 0;

	name = xattr_full_name(handler, name);
	if (value) {
		new = hookfs_xattr_alloc(name, value, size);
		if (!new)
			return -ENOMEM;
	}

	spin_lock(&hi->xattr_lock);
	old = hookfs_xattr_find(hi, name);
	if (old && (flags & XATTR_CREATE)) {
		err = -EEXIST;
	} else if (!old && (flags & XATTR_REPLACE)) {
		err = -ENODATA;
	} else if (!old && new && hi->nr_xattrs >= HOOKFS_MAX_XATTRS) {
		err = -ENOSPC;
	} else {
		if (old) {
			list_del(&old->node);
			hi->nr_xattrs--;
		}
		if (new) {
			list_add_tail(&new->node, &hi->xattrs);
			hi->nr_xattrs++;
			new = NULL;
		}
	}
	spin_unlock(&hi->xattr_lock);

	if (err) {
		hookfs_xattr_free(new);
		return err;
	}
	hookfs_xattr_free(old);
	inode_set_ctime_current(inode);
	return 0;
}

ssize_t hookfs_listxattr(struct dentry *dentry, char *buffer, size_t size)
{
	struct hookfs_inode *hi = HOOKFS_I(d_inode(dentry));
	bool trusted = capable(CAP_SYS_ADMIN);
	struct hookfs_xattr *xattr;
	ssize_t used = 0;
	size_t len;

	spin_lock(&hi->xattr_lock);
	list_for_each_entry(xattr, &hi->xattrs, node) {
		/* Like every other fs: trusted.* is listed to admins only. */
		if (!trusted && !strncmp(xattr->name, XATTR_TRUSTED_PREFIX,
					 XATTR_TRUSTED_PREFIX_LEN))
			continue;
		len = strlen(xattr->name) + 1;
		if (buffer) {
			if (size - used < len) {
				used = -ERANGE;
				break;
			}
			memcpy(buffer + used, xattr->name, len);
		}
		used += len;
	}
	spin_unlock(&hi->xattr_lock);
	return used;
}

void hookfs_xattrs_free(struct hookfs_inode *hi)
{
	struct hookfs_xattr *xattr, *next;

	list_for_each_entry_safe(xattr, next, &hi->xattrs, node)
		hookfs_xattr_free(xattr);
	INIT_LIST_HEAD(&hi->xattrs);
	hi->nr_xattrs = 0;
}

static const struct xattr_handler hookfs_trusted_xattr_handler = {
	.prefix	= XATTR_TRUSTED_PREFIX,
	.get	= hookfs_xattr_get,
	.set	= hookfs_xattr_set,
};

static const struct xattr_handler hookfs_user_xattr_handler = {
	.prefix	= XATTR_USER_PREFIX,
	.get	= hookfs_xattr_get,
	.set	= hookfs_xattr_set,
};

const struct xattr_handler * const hookfs_xattr_handlers[] = {
	&hookfs_trusted_xattr_handler,
	&hookfs_user_xattr_handler,
	NULL
};
