/* Error numbers used across Keel, returned negated (-EINVAL). Values follow Linux. */
#ifndef KEEL_LIB_ERRNO_H
#define KEEL_LIB_ERRNO_H

#ifndef EPERM
#define EPERM   1
#define ENOENT  2
#define ESRCH   3
#define EIO     5
#define ENOMEM 12
#define EFAULT 14
#define EBUSY  16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define ENOTSUP 95
#endif

#endif
