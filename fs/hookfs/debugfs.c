// SPDX-License-Identifier: GPL-2.0
/*
 * hookfs: statistics and fault-injection knobs under debugfs.
 *
 *   /sys/kernel/debug/hookfs/total/stats
 *   /sys/kernel/debug/hookfs/<MAJ>:<MIN>/{stats,prepopulate,fail_complete,
 *                       fail_prepare,fail_action,prepare_delay_ms,
 *                       complete_delay_ms,populated_delay_ms}
 *
 * Every file is root-only. A write that does not parse changes nothing and
 * fails with -EINVAL.
 */
#include <linux/debugfs.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kstrtox.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "hookfs.h"

#define HOOKFS_MAX_DELAY_MS	1000
#define HOOKFS_KNOB_MODE	0600

struct hookfs_stats hookfs_total;
static struct dentry *hookfs_debugfs_root;

static const char * const hookfs_stat_names[HOOKFS_NR_STATS] =
	HOOKFS_STAT_NAMES;

/*
 * Copy a short user write into @buf as a NUL-terminated string. A write
 * that does not fit, or that holds a NUL byte, is refused whole: parsing
 * a prefix of it would take garbage for a number.
 */
static int hookfs_copy_write(char *buf, size_t bufsz,
			     const char __user *ubuf, size_t count)
{
	if (!count || count >= bufsz)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (strlen(buf) != count)
		return -EINVAL;
	return 0;
}

/* Not kstrtouint_from_user(): it parses only the first few bytes. */
static int hookfs_parse_uint(const char __user *ubuf, size_t count,
			     unsigned int *val)
{
	char buf[24];
	int err;

	err = hookfs_copy_write(buf, sizeof(buf), ubuf, count);
	if (err)
		return err;
	return kstrtouint(buf, 10, val);
}

static ssize_t hookfs_stats_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct hookfs_stats *st = file->private_data;
	char buf[512];
	int i, len = 0;

	for (i = 0; i < HOOKFS_NR_STATS; i++)
		len += scnprintf(buf + len, sizeof(buf) - len, "%s %lld\n",
				 hookfs_stat_names[i],
				 atomic64_read(&st->val[i]));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/* "0" resets the counters; contexts_outstanding is a gauge and stays. */
static ssize_t hookfs_stats_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct hookfs_stats *st = file->private_data;
	unsigned int val;
	int err, i;

	err = hookfs_parse_uint(ubuf, count, &val);
	if (err)
		return err;
	if (val)
		return -EINVAL;

	for (i = 0; i < HOOKFS_NR_STATS; i++)
		if (i != HOOKFS_STAT_CONTEXTS_OUTSTANDING &&
		    i != HOOKFS_STAT_PRIVATE_OUTSTANDING)
			atomic64_set(&st->val[i], 0);
	return count;
}

static const struct file_operations hookfs_stats_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= hookfs_stats_read,
	.write	= hookfs_stats_write,
	.llseek	= default_llseek,
};

static ssize_t hookfs_bool_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	bool *val = file->private_data;
	char buf[4];
	int len;

	len = scnprintf(buf, sizeof(buf), "%d\n", READ_ONCE(*val));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t hookfs_bool_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	bool *val = file->private_data;
	unsigned int v;
	int err;

	err = hookfs_parse_uint(ubuf, count, &v);
	if (err)
		return err;
	if (v > 1)
		return -EINVAL;
	WRITE_ONCE(*val, v);
	return count;
}

static const struct file_operations hookfs_bool_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= hookfs_bool_read,
	.write	= hookfs_bool_write,
	.llseek	= default_llseek,
};

static ssize_t hookfs_delay_read(struct file *file, char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	unsigned int *val = file->private_data;
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%u\n", READ_ONCE(*val));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t hookfs_delay_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	unsigned int *val = file->private_data;
	unsigned int v;
	int err;

	err = hookfs_parse_uint(ubuf, count, &v);
	if (err)
		return err;
	if (v > HOOKFS_MAX_DELAY_MS)
		return -EINVAL;
	WRITE_ONCE(*val, v);
	return count;
}

static const struct file_operations hookfs_delay_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= hookfs_delay_read,
	.write	= hookfs_delay_write,
	.llseek	= default_llseek,
};

int hookfs_fail_take(struct hookfs_fail *fail)
{
	int err = 0;

	spin_lock(&fail->lock);
	if (fail->count) {
		fail->count--;
		err = -(int)fail->error;
	}
	spin_unlock(&fail->lock);
	return err;
}

static ssize_t hookfs_fail_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct hookfs_fail *fail = file->private_data;
	unsigned int n, error;
	char buf[32];
	int len;

	spin_lock(&fail->lock);
	n = fail->count;
	error = fail->error;
	spin_unlock(&fail->lock);
	len = scnprintf(buf, sizeof(buf), "%u %u\n", n, error);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/* "N ERRNO": the next N calls fail with -ERRNO; "0 0" clears. */
static ssize_t hookfs_fail_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct hookfs_fail *fail = file->private_data;
	unsigned int n, error;
	char buf[32], *n_str, *err_str;
	int err;

	err = hookfs_copy_write(buf, sizeof(buf), ubuf, count);
	if (err)
		return err;

	err_str = strim(buf);
	n_str = strsep(&err_str, " ");
	if (!err_str)
		return -EINVAL;
	err_str = skip_spaces(err_str);
	if (kstrtouint(n_str, 10, &n) || kstrtouint(err_str, 10, &error))
		return -EINVAL;
	if (error > MAX_ERRNO || !n != !error)
		return -EINVAL;

	spin_lock(&fail->lock);
	fail->count = n;
	fail->error = error;
	spin_unlock(&fail->lock);
	return count;
}

static const struct file_operations hookfs_fail_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= hookfs_fail_read,
	.write	= hookfs_fail_write,
	.llseek	= default_llseek,
};

void hookfs_debugfs_add_sb(struct super_block *sb)
{
	struct hookfs_sb_info *sbi = HOOKFS_SB(sb);
	struct dentry *dir;
	char name[32];

	snprintf(name, sizeof(name), "%u:%u", MAJOR(sb->s_dev), MINOR(sb->s_dev));
	dir = debugfs_create_dir(name, hookfs_debugfs_root);
	sbi->debugfs_dir = dir;
	debugfs_create_file(HOOKFS_DEBUGFS_STATS, HOOKFS_KNOB_MODE, dir,
			    &sbi->stats, &hookfs_stats_fops);
	debugfs_create_file(HOOKFS_KNOB_PREPOPULATE, HOOKFS_KNOB_MODE,
			    dir, &sbi->prepopulate, &hookfs_bool_fops);
	debugfs_create_file(HOOKFS_KNOB_FAIL_COMPLETE, HOOKFS_KNOB_MODE,
			    dir, &sbi->fail_complete, &hookfs_fail_fops);
	debugfs_create_file(HOOKFS_KNOB_FAIL_PREPARE, HOOKFS_KNOB_MODE,
			    dir, &sbi->fail_prepare, &hookfs_fail_fops);
	debugfs_create_file(HOOKFS_KNOB_FAIL_ACTION, HOOKFS_KNOB_MODE,
			    dir, &sbi->fail_action, &hookfs_fail_fops);
	debugfs_create_file(HOOKFS_KNOB_PREPARE_DELAY_MS, HOOKFS_KNOB_MODE,
			    dir, &sbi->prepare_delay_ms, &hookfs_delay_fops);
	debugfs_create_file(HOOKFS_KNOB_COMPLETE_DELAY_MS, HOOKFS_KNOB_MODE,
			    dir, &sbi->complete_delay_ms, &hookfs_delay_fops);
	debugfs_create_file(HOOKFS_KNOB_POPULATED_DELAY_MS, HOOKFS_KNOB_MODE,
			    dir, &sbi->populated_delay_ms, &hookfs_delay_fops);
}

void hookfs_debugfs_remove_sb(struct hookfs_sb_info *sbi)
{
	debugfs_remove(sbi->debugfs_dir);
	sbi->debugfs_dir = NULL;
}

int hookfs_debugfs_init(void)
{
	struct dentry *total;

	hookfs_debugfs_root = debugfs_create_dir(HOOKFS_DEBUGFS_DIR, NULL);
	if (IS_ERR(hookfs_debugfs_root))
		return PTR_ERR(hookfs_debugfs_root);
	total = debugfs_create_dir(HOOKFS_DEBUGFS_TOTAL, hookfs_debugfs_root);
	debugfs_create_file(HOOKFS_DEBUGFS_STATS, HOOKFS_KNOB_MODE, total,
			    &hookfs_total, &hookfs_stats_fops);
	return 0;
}

void hookfs_debugfs_exit(void)
{
	debugfs_remove(hookfs_debugfs_root);
	hookfs_debugfs_root = NULL;
}
