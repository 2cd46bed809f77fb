// SPDX-License-Identifier: GPL-2.0
/*
 * hookfs: mmap_prepare, mmap_complete and mmap_abort, instrumented.
 *
 * prepare hands a freshly allocated context record to complete or abort
 * through desc->mmap_context. Live records are kept in an xarray by id, so
 * complete and abort can tell a record of ours from anything else and a
 * record can be claimed only once. The record names its superblock and
 * inode itself: on the compat path the hooks run for the lower file and
 * must not care which file the VMA points at.
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/folio_batch.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "hookfs.h"

#define HOOKFS_CTX_MAGIC	0x686b6378	/* "hkcx" */

struct hookfs_mmap_ctx {
	u32 magic;
	u64 id;
	struct hookfs_sb_info *sbi;
	struct hookfs_inode *hi;
	void *private_data;
	/* pfn kind: first pfn to map at vm_start */
	unsigned long pfn;
};

static atomic64_t hookfs_ctx_next_id = ATOMIC64_INIT(0);
static DEFINE_XARRAY(hookfs_live_ctx);

/* Ram-backed: no page_mkwrite, shared writable mappings need no tracking. */
static const struct vm_operations_struct hookfs_file_vm_ops = {
	.fault		= filemap_fault,
	.map_pages	= filemap_map_pages,
};

static vm_fault_t hookfs_revocable_fault(struct vm_fault *vmf)
{
	struct hookfs_inode *hi = vmf->vma->vm_private_data;
	vm_fault_t ret;

	/* Our own complete, populating: it holds the lock and checked. */
	if (READ_ONCE(hi->populator) == current)
		return filemap_fault(vmf);

	mutex_lock(&hi->revoke_lock);
	ret = hi->revoked ? VM_FAULT_SIGBUS : filemap_fault(vmf);
	mutex_unlock(&hi->revoke_lock);
	return ret;
}

/* No map_pages: fault-around would map pages without the revoke check. */
static const struct vm_operations_struct hookfs_revocable_vm_ops = {
	.fault		= hookfs_revocable_fault,
};

/*
 * The pfn kinds' private data, allocated by prepare, as a driver's per-mapping
 * state would be. Once the VMA is set up, vm_ops->close releases it, ->open
 * taking a reference for every copy; a mapping that fails before that hands
 * it to abort. One too many puts underflows the refcount, one too few stays
 * in the private_outstanding gauge.
 */
struct hookfs_pfn_priv {
	refcount_t ref;
	struct hookfs_sb_info *sbi;
};

static struct hookfs_pfn_priv *hookfs_pfn_priv_alloc(struct hookfs_sb_info *sbi)
{
	struct hookfs_pfn_priv *priv = kzalloc_obj(*priv);

	if (!priv)
		return NULL;
	refcount_set(&priv->ref, 1);
	priv->sbi = sbi;
	hookfs_stat_add(sbi, HOOKFS_STAT_PRIVATE_OUTSTANDING, 1);
	return priv;
}

static void hookfs_pfn_priv_put(struct hookfs_pfn_priv *priv)
{
	if (!refcount_dec_and_test(&priv->ref))
		return;
	hookfs_stat_add(priv->sbi, HOOKFS_STAT_PRIVATE_OUTSTANDING, -1);
	kfree(priv);
}

static void hookfs_pfn_open(struct vm_area_struct *vma)
{
	struct hookfs_pfn_priv *priv = vma->vm_private_data;

	refcount_inc(&priv->ref);
}

static void hookfs_pfn_close(struct vm_area_struct *vma)
{
	hookfs_pfn_priv_put(vma->vm_private_data);
}

/* Lets fail_action fail vm_ops->mapped, which must then run abort. */
static int hookfs_pfn_mapped(unsigned long start, unsigned long end,
			     pgoff_t pgoff, const struct file *file,
			     void **vm_private_data)
{
	return hookfs_fail_take(&HOOKFS_SB(file_inode(file)->i_sb)->fail_action);
}

/* Everything is mapped in mmap_complete; there is nothing to fault in. */
static const struct vm_operations_struct hookfs_pfn_vm_ops = {
	.open		= hookfs_pfn_open,
	.close		= hookfs_pfn_close,
	.mapped		= hookfs_pfn_mapped,
};

static void hookfs_delay(unsigned int *delay_ms)
{
	unsigned int ms = READ_ONCE(*delay_ms);

	if (ms)
		msleep(ms);
}

static int hookfs_pfn_prepare(struct vm_area_desc *desc,
			      struct hookfs_inode *hi, unsigned long *pfn)
{
	const unsigned long buf_pages = HOOKFS_PFN_SIZE >> PAGE_SHIFT;
	unsigned long pages = vma_desc_pages(desc);

	if (desc->pgoff >= buf_pages || pages > buf_pages - desc->pgoff)
		return -EINVAL;

	*pfn = page_to_pfn(virt_to_page(hi->pfn_buf)) + desc->pgoff;
	desc->vm_ops = &hookfs_pfn_vm_ops;
	/* The kernel maps it once the VMA is linked, before complete. */
	if (hi->kind == HOOKFS_KIND_PFN_ACTION) {
		mmap_action_remap_full(desc, *pfn);
		return 0;
	}
	vma_desc_set_flags(desc, VMA_IO_BIT, VMA_PFNMAP_BIT, VMA_DONTEXPAND_BIT,
			   VMA_DONTDUMP_BIT);
	/*
	 * remap_pfn_range() sets vm_pgoff to the pfn of a private mapping; do
	 * it here so that it never changes once the VMA is in the rmap tree.
	 */
	if (vma_desc_is_cow_mapping(desc))
		desc->pgoff = *pfn;
	return 0;
}

int hookfs_mmap_prepare(struct vm_area_desc *desc)
{
	struct inode *inode = file_inode(desc->file);
	struct hookfs_sb_info *sbi = HOOKFS_SB(inode->i_sb);
	struct hookfs_inode *hi = HOOKFS_I(inode);
	struct hookfs_mmap_ctx *ctx;
	void *private_data = hi;
	unsigned long pfn = 0;
	int err;

	hookfs_delay(&sbi->prepare_delay_ms);
	err = hookfs_fail_take(&sbi->fail_prepare);
	if (err)
		goto out_count;

	ctx = kzalloc_obj(*ctx);
	if (!ctx) {
		err = -ENOMEM;
		goto out_count;
	}

	switch (hi->kind) {
	case HOOKFS_KIND_PFN:
	case HOOKFS_KIND_PFN_ACTION:
		err = hookfs_pfn_prepare(desc, hi, &pfn);
		if (err)
			break;
		private_data = hookfs_pfn_priv_alloc(sbi);
		if (!private_data)
			err = -ENOMEM;
		break;
	case HOOKFS_KIND_REVOCABLE:
		desc->vm_ops = &hookfs_revocable_vm_ops;
		break;
	default:
		desc->vm_ops = &hookfs_file_vm_ops;
		break;
	}
	if (err)
		goto out_free;

	ctx->magic = HOOKFS_CTX_MAGIC;
	ctx->id = atomic64_inc_return(&hookfs_ctx_next_id);
	ctx->sbi = sbi;
	ctx->hi = hi;
	ctx->private_data = private_data;
	ctx->pfn = pfn;
	err = xa_insert(&hookfs_live_ctx, ctx->id, ctx, GFP_KERNEL);
	if (err)
		goto out_put;

	hookfs_stat_add(sbi, HOOKFS_STAT_PREPARE, 1);
	hookfs_stat_add(sbi, HOOKFS_STAT_CONTEXTS_OUTSTANDING, 1);
	file_accessed(desc->file);
	desc->private_data = private_data;
	desc->mmap_context = ctx;
	return 0;

out_put:
	if (private_data != hi)
		hookfs_pfn_priv_put(private_data);
out_free:
	kfree(ctx);
out_count:
	hookfs_stat_add(sbi, HOOKFS_STAT_PREPARE_FAILED, 1);
	return err;
}

/* Take a live record of ours out of the registry, or return NULL. */
static struct hookfs_mmap_ctx *hookfs_ctx_claim(const void *context)
{
	const struct hookfs_mmap_ctx *ctx = context;

	if (!ctx || ctx->magic != HOOKFS_CTX_MAGIC)
		return NULL;
	if (xa_cmpxchg(&hookfs_live_ctx, ctx->id, (void *)ctx, NULL, 0) != ctx)
		return NULL;
	return (struct hookfs_mmap_ctx *)ctx;
}

static void hookfs_ctx_release(struct hookfs_mmap_ctx *ctx)
{
	hookfs_stat_add(ctx->sbi, HOOKFS_STAT_CONTEXTS_OUTSTANDING, -1);
	kfree(ctx);
}

/* The helper maps the VMA's pages up to EOF; count those. */
static int hookfs_prepopulate(struct file *file, struct vm_area_struct *vma,
			      const void *context, struct hookfs_mmap_ctx *ctx)
{
	loff_t size = i_size_read(&ctx->hi->vfs_inode);
	pgoff_t eof = DIV_ROUND_UP(size, PAGE_SIZE);
	bool linked = vma_lookup(vma->vm_mm, vma->vm_start) == vma;
	int err = generic_file_mmap_populate(file, vma, context);

	if (!err && linked && vma->vm_pgoff < eof)
		hookfs_stat_add(ctx->sbi, HOOKFS_STAT_PAGES_PREPOPULATED,
				min(vma_pages(vma), eof - vma->vm_pgoff));
	return err;
}

static int hookfs_complete_kind(struct file *file, struct vm_area_struct *vma,
				const void *context,
				struct hookfs_mmap_ctx *ctx)
{
	struct hookfs_inode *hi = ctx->hi;
	bool populated = false;
	int err = 0;

	switch (hi->kind) {
	case HOOKFS_KIND_PFN_ACTION:
		hookfs_stat_add(ctx->sbi, HOOKFS_STAT_PAGES_PREPOPULATED,
				vma_pages(vma));
		return 0;
	case HOOKFS_KIND_PFN:
		err = remap_pfn_range(vma, vma->vm_start, ctx->pfn,
				      vma->vm_end - vma->vm_start,
				      vma->vm_page_prot);
		if (!err)
			hookfs_stat_add(ctx->sbi, HOOKFS_STAT_PAGES_PREPOPULATED,
					vma_pages(vma));
		return err;
	case HOOKFS_KIND_REVOCABLE:
		/* A concurrent revoke either sees our PTEs or stops us. */
		mutex_lock(&hi->revoke_lock);
		if (!hi->revoked) {
			WRITE_ONCE(hi->populator, current);
			err = hookfs_prepopulate(file, vma, context, ctx);
			WRITE_ONCE(hi->populator, NULL);
			populated = !err;
		}
		mutex_unlock(&hi->revoke_lock);
		/*
		 * Widens the window between our PTEs and the return to the
		 * caller, in which a revoke must still find them (it does
		 * only if the VMA is already in the file's rmap).
		 */
		if (populated)
			hookfs_delay(&ctx->sbi->populated_delay_ms);
		return err;
	default:
		if (!READ_ONCE(ctx->sbi->prepopulate))
			return 0;
		return hookfs_prepopulate(file, vma, context, ctx);
	}
}

/*
 * The contract: complete sees its VMA in the maple tree and in the rmap of
 * the file it maps, so that unmap_mapping_range() can find what we map.
 */
static bool hookfs_vma_linked(struct vm_area_struct *vma)
{
	struct address_space *mapping = vma->vm_file->f_mapping;
	struct rb_node *node;

	if (vma_lookup(vma->vm_mm, vma->vm_start) != vma)
		return false;
	/* The interval tree's lookups are not exported: walk it whole. */
	i_mmap_lock_read(mapping);
	for (node = rb_first_cached(&mapping->i_mmap); node;
	     node = rb_next(node))
		if (node == &vma->shared.rb)
			break;
	i_mmap_unlock_read(mapping);
	return node != NULL;
}

int hookfs_mmap_complete(struct file *file, struct vm_area_struct *vma,
			 const void *context)
{
	struct hookfs_mmap_ctx *ctx = hookfs_ctx_claim(context);
	struct hookfs_sb_info *sbi;
	int err;

	if (!ctx) {
		/* Not a live record of ours: count it and leave it alone. */
		sbi = HOOKFS_SB(file_inode(file)->i_sb);
		hookfs_stat_add(sbi, HOOKFS_STAT_CONTEXT_MISMATCH, 1);
		hookfs_stat_add(sbi, HOOKFS_STAT_COMPLETE_FAILED, 1);
		return -EINVAL;
	}

	sbi = ctx->sbi;
	if (!hookfs_vma_linked(vma))
		hookfs_stat_add(sbi, HOOKFS_STAT_COMPLETE_UNLINKED, 1);
	if (vma->vm_private_data != ctx->private_data) {
		hookfs_stat_add(sbi, HOOKFS_STAT_CONTEXT_MISMATCH, 1);
		err = -EINVAL;
	} else {
		hookfs_delay(&sbi->complete_delay_ms);
		err = hookfs_fail_take(&sbi->fail_complete);
		if (!err)
			err = hookfs_complete_kind(file, vma, context, ctx);
	}
	/* complete + complete_failed + abort == prepare, once all settle. */
	hookfs_stat_add(sbi, err ? HOOKFS_STAT_COMPLETE_FAILED :
			HOOKFS_STAT_COMPLETE, 1);
	hookfs_ctx_release(ctx);
	return err;
}

void hookfs_mmap_abort(const struct file *file, const void *vm_private_data,
		       const void *context)
{
	struct hookfs_mmap_ctx *ctx = hookfs_ctx_claim(context);
	struct hookfs_sb_info *sbi;

	if (!ctx) {
		sbi = HOOKFS_SB(file_inode(file)->i_sb);
		hookfs_stat_add(sbi, HOOKFS_STAT_ABORT, 1);
		hookfs_stat_add(sbi, HOOKFS_STAT_CONTEXT_MISMATCH, 1);
		return;
	}

	hookfs_stat_add(ctx->sbi, HOOKFS_STAT_ABORT, 1);
	/*
	 * We get the private data unless vm_ops->close released it, which only
	 * the pfn kinds have. The pfn record is then ours to release.
	 */
	if (vm_private_data == ctx->private_data) {
		if (vm_private_data != ctx->hi)
			hookfs_pfn_priv_put(ctx->private_data);
	} else if (vm_private_data || !hookfs_kind_is_pfn(ctx->hi->kind)) {
		hookfs_stat_add(ctx->sbi, HOOKFS_STAT_CONTEXT_MISMATCH, 1);
	}
	hookfs_ctx_release(ctx);
}

/* Only for the misdeclared "bad-complete" kind. */
int hookfs_legacy_mmap(struct file *file, struct vm_area_struct *vma)
{
	file_accessed(file);
	vma->vm_ops = &hookfs_file_vm_ops;
	return 0;
}

/* Wait for faults that passed the revoke check to finish mapping. */
static void hookfs_wait_for_faults(struct address_space *mapping)
{
	struct folio_batch fbatch;
	pgoff_t index = 0;
	unsigned int i;

	folio_batch_init(&fbatch);
	while (filemap_get_folios(mapping, &index, ULONG_MAX, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			folio_lock(fbatch.folios[i]);
			folio_unlock(fbatch.folios[i]);
		}
		folio_batch_release(&fbatch);
		cond_resched();
	}
}

long hookfs_revoke(struct inode *inode)
{
	struct hookfs_inode *hi = HOOKFS_I(inode);

	mutex_lock(&hi->revoke_lock);
	hi->revoked = true;
	/*
	 * A fault that passed the check before we took the lock returned
	 * with its folio locked and maps it after dropping our lock; it is
	 * done once we have held that folio lock.
	 */
	hookfs_wait_for_faults(inode->i_mapping);
	unmap_mapping_range(inode->i_mapping, 0, 0, 1);
	mutex_unlock(&hi->revoke_lock);
	return 0;
}

long hookfs_restore(struct inode *inode)
{
	struct hookfs_inode *hi = HOOKFS_I(inode);

	mutex_lock(&hi->revoke_lock);
	hi->revoked = false;
	mutex_unlock(&hi->revoke_lock);
	return 0;
}
