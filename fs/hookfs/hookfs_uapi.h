/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hookfs ioctls, shared by the module and the userspace test programs.
 */
#ifndef _HOOKFS_UAPI_H
#define _HOOKFS_UAPI_H

#include <linux/ioctl.h>

/* On a "revocable" file: unmap every mapping, later faults get SIGBUS. */
#define HOOKFS_IOC_REVOKE	_IO('H', 1)
/* On a "revocable" file: allow faults and prepopulation again. */
#define HOOKFS_IOC_RESTORE	_IO('H', 2)

#endif /* _HOOKFS_UAPI_H */
