/* keel.ko: /dev/keel, through which a privileged program in a Linux dom0 makes Keel's
 * domain-control hypercalls (include/keel/keel_dev.h, docs/dom0.md). As Xen's privcmd, the
 * driver stands between the program and the hypervisor: it copies each buffer the call
 * takes between the program's memory and pages of the kernel's own, checks its size, and
 * hands Keel the guest-physical addresses of those pages. A program never names a
 * guest-physical address, and only domain-control calls and the reading of dom0's own boot
 * modules pass; Keel's access policy decides the rest (dom0 may make them all). Only root may open the device (mode 0600). */
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/processor.h>
#include "keel_dev.h"

/* VMCALL (Intel, SDM Vol. 2B) or VMMCALL (AMD, APM Vol. 3): the other vendor's raises #UD. */
static bool use_vmcall;

static long hypercall(u64 nr, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4)
{
	register u64 r10 asm("r10") = a3;
	register u64 r8 asm("r8") = a4;
	u64 rax = nr;

	if (use_vmcall)
		asm volatile("vmcall" : "+a"(rax) : "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8) : "memory", "cc");
	else
		asm volatile("vmmcall" : "+a"(rax) : "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8) : "memory", "cc");
	return (long)rax;
}

/* A buffer of the program's, copied into the kernel's memory for the call (kmalloc'd:
 * physically contiguous, so one guest-physical range). */
struct bounce {
	void *data;
	u64 user, size;
};

static int bounce_in(struct bounce *b, u64 user, u64 size, u64 max, bool copy)
{
	b->user = user;
	b->size = size;
	b->data = NULL;
	if (size > max)
		return -E2BIG;
	b->data = kzalloc(size ? size : 1, GFP_KERNEL);
	if (!b->data)
		return -ENOMEM;
	if (copy && size && copy_from_user(b->data, u64_to_user_ptr(user), size))
		return -EFAULT;
	return 0;
}

static int bounce_out(const struct bounce *b)
{
	return b->size && copy_to_user(u64_to_user_ptr(b->user), b->data, b->size) ? -EFAULT : 0;
}

/* The guest-physical address of kmalloc'd memory (the direct map: one range). */
static u64 gpa(void *p)
{
	return virt_to_phys(p);
}

/* A file for domain_create: its bytes in pages of the kernel's, and the list of pieces Keel
 * reads them from (neighbouring pages joined into one piece). */
struct dev_file {
	struct page **pages;
	unsigned long npages;
	struct keel_extent *pieces;
	unsigned long npieces;
};

static void file_free(struct dev_file *f)
{
	for (unsigned long i = 0; i < f->npages; i++)
		if (f->pages[i])
			__free_page(f->pages[i]);
	kvfree(f->pages);
	kfree(f->pieces);
	memset(f, 0, sizeof(*f));
}

static int file_load(struct dev_file *f, const struct keel_dev_file *from)
{
	unsigned long n = DIV_ROUND_UP(from->size, PAGE_SIZE);
	u64 done = 0;

	if (from->size == 0 || from->size > KEEL_CREATE_FILE_MAX)
		return -E2BIG;
	f->pages = kvcalloc(n, sizeof(*f->pages), GFP_KERNEL);
	/* The list Keel reads must be contiguous: kmalloc'd, at most 4 MiB (1 GiB of pages). */
	f->pieces = kcalloc(n, sizeof(*f->pieces), GFP_KERNEL);
	if (!f->pages || !f->pieces)
		return -ENOMEM;
	for (f->npages = 0; f->npages < n; f->npages++) {
		u64 len = min_t(u64, PAGE_SIZE, from->size - done);
		struct page *p = alloc_page(GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		f->pages[f->npages] = p;
		if (copy_from_user(page_address(p), u64_to_user_ptr(from->data + done), len))
			return -EFAULT;
		if (f->npieces && f->pieces[f->npieces - 1].gpa + f->pieces[f->npieces - 1].len == page_to_phys(p))
			f->pieces[f->npieces - 1].len += len;
		else
			f->pieces[f->npieces++] = (struct keel_extent){ page_to_phys(p), len };
		done += len;
	}
	return 0;
}

/* domain_create: the program's request turned into Keel's, every buffer the kernel's. */
static long create(struct keel_dev_call *call)
{
	struct keel_dev_create *in;
	struct keel_domain_create *req;
	struct dev_file *files;
	struct bounce config = { 0 };
	long err;

	if (call->arg[1] < sizeof(*in))
		return -EINVAL;
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	req = kzalloc(sizeof(*req), GFP_KERNEL);
	files = kcalloc(KEEL_CREATE_FILES_MAX, sizeof(*files), GFP_KERNEL);
	err = !in || !req || !files ? -ENOMEM : 0;
	if (!err && copy_from_user(in, u64_to_user_ptr(call->arg[0]), sizeof(*in)))
		err = -EFAULT;
	if (!err && (in->nfiles > KEEL_CREATE_FILES_MAX || in->config_size == 0))
		err = -EINVAL;
	if (!err)
		err = bounce_in(&config, in->config, in->config_size, KEEL_CREATE_CONFIG_MAX, true);
	for (unsigned i = 0; !err && i < in->nfiles; i++) {
		err = file_load(&files[i], &in->files[i]);
		req->files[i] = (struct keel_create_file){ gpa(files[i].pieces), files[i].npieces, in->files[i].size };
		memcpy(req->files[i].name, in->files[i].name, sizeof(req->files[i].name));
	}
	if (!err) {
		req->config_gpa = gpa(config.data);
		req->config_size = in->config_size;
		req->nfiles = in->nfiles;
		call->result = hypercall(KEEL_HC_DOMAIN_CREATE, gpa(req), sizeof(*req), 0, 0, 0);
		memcpy(in->why, req->why, sizeof(in->why));
		if (copy_to_user(u64_to_user_ptr(call->arg[0] + offsetof(struct keel_dev_create, why)), in->why,
				 sizeof(in->why)))
			err = -EFAULT;
	}
	for (unsigned i = 0; files && i < KEEL_CREATE_FILES_MAX; i++)
		file_free(&files[i]);
	kfree(config.data);
	kfree(files);
	kfree(req);
	kfree(in);
	return err;
}

/* A call whose one buffer is arg[buf] (size arg[buf + 1]), maybe with a stream position at
 * the address arg[pos] (pos < 0: none), read in (to Keel) or written back (from Keel). */
static long with_buffer(struct keel_dev_call *call, int buf, int pos, u64 max, bool to_keel)
{
	struct bounce b = { 0 };
	/* kmalloc'd too: a kernel stack may be vmalloc'd (CONFIG_VMAP_STACK), not one range. */
	u64 *position = kzalloc(sizeof(*position), GFP_KERNEL), a[5];
	long err = position ? bounce_in(&b, call->arg[buf], call->arg[buf + 1], max, to_keel) : -ENOMEM;

	if (!err && pos >= 0 && copy_from_user(position, u64_to_user_ptr(call->arg[pos]), sizeof(*position)))
		err = -EFAULT;
	if (!err) {
		memcpy(a, call->arg, sizeof(a));
		a[buf] = gpa(b.data);
		if (pos >= 0)
			a[pos] = gpa(position);
		call->result = hypercall(call->nr, a[0], a[1], a[2], a[3], a[4]);
		if (!to_keel && call->result >= 0)
			err = bounce_out(&b);
		if (!err && pos >= 0 && copy_to_user(u64_to_user_ptr(call->arg[pos]), position, sizeof(*position)))
			err = -EFAULT;
	}
	kfree(b.data);
	kfree(position);
	return err;
}

static long dispatch(struct keel_dev_call *call)
{
	switch (call->nr) {
	case KEEL_HC_DOMAIN_LIST:
	case KEEL_HC_HOST_INFO:
		return with_buffer(call, 0, -1, KEEL_DEV_BUFFER_MAX, false);
	case KEEL_HC_CONSOLE_READ:
		return with_buffer(call, 1, 3, KEEL_DEV_BUFFER_MAX, false);
	case KEEL_HC_CONSOLE_INPUT:
		return with_buffer(call, 1, -1, KEEL_CONSOLE_WRITE_MAX, true);
	case KEEL_HC_MODULE_INFO:
	case KEEL_HC_MODULE_READ:
		return with_buffer(call, 1, -1, KEEL_DEV_BUFFER_MAX, false);
	case KEEL_HC_KEEL_LOG:
		return with_buffer(call, 0, 2, KEEL_DEV_BUFFER_MAX, false);
	case KEEL_HC_DOMAIN_CREATE:
		return create(call);
	case KEEL_HC_DOMAIN_PAUSE:
	case KEEL_HC_DOMAIN_UNPAUSE:
	case KEEL_HC_DOMAIN_DESTROY:
	case KEEL_HC_DOMAIN_SCHED:
	case KEEL_HC_DOMAIN_SHUTDOWN:
		call->result = hypercall(call->nr, call->arg[0], call->arg[1], call->arg[2], 0, 0);
		return 0;
	default:
		return -EINVAL; /* the kernel's own calls (console, time, ...) are not the program's */
	}
}

static long keel_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct keel_dev_call call;
	long err;

	if (cmd != KEEL_DEV_CALL)
		return -ENOTTY;
	if (copy_from_user(&call, (void __user *)arg, sizeof(call)))
		return -EFAULT;
	err = dispatch(&call);
	if (!err && copy_to_user((void __user *)arg, &call, sizeof(call)))
		err = -EFAULT;
	return err;
}

static const struct file_operations keel_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = keel_ioctl,
};

static struct miscdevice keel_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "keel",
	.fops = &keel_fops,
	.mode = 0600,
};

/* Keel's signature at CPUID 0x40000000 (include/keel/hypercall.h): no other hypervisor. */
static bool under_keel(void)
{
	unsigned int eax, ebx, ecx, edx;

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(KEEL_CPUID_SIGNATURE_LEAF, &eax, &ebx, &ecx, &edx);
	return ebx == KEEL_CPUID_SIGNATURE && ecx == KEEL_CPUID_SIGNATURE && edx == KEEL_CPUID_SIGNATURE;
}

static int __init keel_init(void)
{
	if (!under_keel()) {
		pr_err("keel: not running on Keel (no signature at CPUID 0x40000000)\n");
		return -ENODEV;
	}
	use_vmcall = boot_cpu_data.x86_vendor == X86_VENDOR_INTEL;
	pr_info("keel: /dev/keel for Keel's hypercall ABI %u\n", cpuid_ebx(KEEL_CPUID_VERSION_LEAF));
	return misc_register(&keel_dev);
}

static void __exit keel_exit(void)
{
	misc_deregister(&keel_dev);
}

module_init(keel_init);
module_exit(keel_exit);
MODULE_DESCRIPTION("Keel's domain-control hypercalls for dom0");
MODULE_LICENSE("GPL"); /* a module of the kernel's, under the kernel's licence */
