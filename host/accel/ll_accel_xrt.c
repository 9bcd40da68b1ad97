/* The xrt backend: an Alveo card through the XRT native C API, loaded at run time
 * with dlopen so one binary runs with or without XRT. XRT aborts the process from
 * inside xrtDeviceOpen when it finds no usable install, so nothing here calls into
 * it before a card, XILINX_XRT and a manifest that matches this build are found. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include "ll_accel.h"
#include "ll_accel_device.h"
#include "ll_job.h"
#include "ll_manifest.h"

/* Each entry point typed from the real header, so a signature drift fails the build. */
#define XRT_CALLS(X)                                                                      \
	X(xrtDeviceOpen) X(xrtDeviceClose) X(xrtDeviceLoadXclbinFile)                     \
	X(xrtDeviceGetXclbinUUID) X(xrtPLKernelOpen) X(xrtKernelClose)                    \
	X(xrtKernelArgGroupId) X(xrtBOAlloc) X(xrtBOFree) X(xrtBOWrite) X(xrtBORead)      \
	X(xrtBOSync) X(xrtKernelRun) X(xrtRunWaitFor) X(xrtRunClose)

struct xrt_api {
#define FIELD(name) __typeof__(&name) name;
	XRT_CALLS(FIELD)
#undef FIELD
};

/* The buffer objects of one job in flight, sized up as jobs grow. */
enum { BO_OFFSETS, BO_DATA, BO_LEAVES, BO_ROOT, BO_INFO_LEAVES, BO_INFO_MERKLE, BO_COUNT };

struct slot {
	xrtBufferHandle bo[BO_COUNT];
	size_t size[BO_COUNT];
	xrtRunHandle run;		/* llk_leaves, started by start() */
	uint32_t n;
};

struct xrt {
	struct ll_accel_device dev;	/* first: the device is the xrt */
	void *lib;
	struct xrt_api api;
	xrtDeviceHandle device;
	xrtKernelHandle leaves_kernel, merkle_kernel;
	int group[BO_COUNT];		/* the memory bank of each buffer's argument */
	uint32_t timeout_ms;
	unsigned slots;
	struct slot slot[LL_ACCEL_MAX_IN_FLIGHT];
	uint32_t *staging;		/* offsets rebased to the device buffer's start */
	size_t staging_cap;
};

/*
 * True when a PCI function is bound to xocl, the Alveo user function's driver:
 * the one that runs kernels (xclmgmt, the management function's, cannot).
 */
static bool card_present(const char *root, char *why, size_t why_len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/sys/bus/pci/drivers/xocl", root);
	DIR *d = opendir(path);
	bool found = false;
	if (d) {
		struct dirent *e;
		unsigned dom, bus, dev, fn;
		while (!found && (e = readdir(d)))
			found = sscanf(e->d_name, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) == 4;
		closedir(d);
	}
	if (!found)
		snprintf(why, why_len, "no Alveo card (no PCI device bound to xocl under %s)", root);
	return found;
}

static int load_api(struct xrt *x, const char *library, char *why, size_t why_len)
{
	/* never unloaded: XRT starts threads and registers destructors of its own */
	if (!(x->lib = dlopen(library, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE))) {
		snprintf(why, why_len, "cannot load %s: %s", library, dlerror());
		return -ELIBACC;
	}
#define RESOLVE(name)                                                                     \
	if (!(x->api.name = (__typeof__(&name))dlsym(x->lib, #name))) {                   \
		snprintf(why, why_len, "%s has no %s", library, #name);                  \
		return -ELIBACC;                                                          \
	}
	XRT_CALLS(RESOLVE)
#undef RESOLVE
	return 0;
}

/* Makes slot's buffer b hold at least size bytes (a new BO when it must grow). */
static int bo_reserve(struct xrt *x, struct slot *s, int b, size_t size)
{
	if (s->bo[b] && s->size[b] >= size)
		return 0;
	size_t want = s->size[b] ? s->size[b] : 4096;
	while (want < size)
		want *= 2;
	if (s->bo[b])
		x->api.xrtBOFree(s->bo[b]);
	s->size[b] = 0;
	if (!(s->bo[b] = x->api.xrtBOAlloc(x->device, want, XRT_BO_FLAGS_NONE,
					    (xrtMemoryGroup)x->group[b])))
		return -ENOMEM;
	s->size[b] = want;
	return 0;
}

/* A run to its end within the timeout: 0, -ETIMEDOUT, or -EIO when it failed. */
static int run_wait(struct xrt *x, xrtRunHandle *run)
{
	enum ert_cmd_state st = x->api.xrtRunWaitFor(*run, x->timeout_ms);
	/* XRT says TIMEOUT when the wait ran out; the run may still be going: its
	 * handle and buffers are left alone until the device closes */
	if (st == ERT_CMD_STATE_TIMEOUT || st == ERT_CMD_STATE_RUNNING ||
	    st == ERT_CMD_STATE_QUEUED || st == ERT_CMD_STATE_SUBMITTED || st == ERT_CMD_STATE_NEW)
		return -ETIMEDOUT;
	x->api.xrtRunClose(*run);
	*run = NULL;
	return st == ERT_CMD_STATE_COMPLETED ? 0 : -EIO;
}

/* Zeroes a kernel's info words on the card, so a run that writes none is not read as OK. */
static int clear_status(struct xrt *x, struct slot *s, int b)
{
	static const uint32_t zeros[LLK_INFO_WORDS];
	return x->api.xrtBOWrite(s->bo[b], zeros, sizeof zeros, 0) != 0 ||
	       x->api.xrtBOSync(s->bo[b], XCL_BO_SYNC_BO_TO_DEVICE, sizeof zeros, 0) != 0 ? -EIO : 0;
}

/* A kernel's info words, read back from the card: its ABI, its status, all n done. */
static int read_status(struct xrt *x, struct slot *s, int b)
{
	uint32_t info[LLK_INFO_WORDS];
	if (x->api.xrtBOSync(s->bo[b], XCL_BO_SYNC_BO_FROM_DEVICE, sizeof info, 0) != 0 ||
	    x->api.xrtBORead(s->bo[b], info, sizeof info, 0) != 0)
		return -EIO;
	if (info[LLK_INFO_ABI] != LLK_ABI_VERSION)
		return -EPROTO;
	if (info[LLK_INFO_STATUS] != LLK_STATUS_OK)
		return -EINVAL;
	return info[LLK_INFO_RECORDS] == s->n ? 0 : -EIO;
}

static int start(struct ll_accel_device *d, unsigned i, const struct ll_accel_job *job)
{
	struct xrt *x = (struct xrt *)d;
	struct slot *s = &x->slot[i];
	uint32_t base = job->offsets[0], bytes = job->offsets[job->n] - base;
	size_t offsets_size = ((size_t)job->n + 1) * 4;
	size_t data_size = ((size_t)bytes + LLK_DATA_ALIGN - 1) / LLK_DATA_ALIGN * LLK_DATA_ALIGN;
	size_t leaves_size = (size_t)(job->n ? job->n : 1) * LLK_DIGEST_BYTES;
	int rc;
	if ((rc = bo_reserve(x, s, BO_OFFSETS, offsets_size)) < 0 ||
	    (rc = bo_reserve(x, s, BO_DATA, data_size ? data_size : LLK_DATA_ALIGN)) < 0 ||
	    (rc = bo_reserve(x, s, BO_LEAVES, leaves_size)) < 0 ||
	    (rc = bo_reserve(x, s, BO_ROOT, LLK_DIGEST_BYTES)) < 0 ||
	    (rc = bo_reserve(x, s, BO_INFO_LEAVES, LLK_INFO_WORDS * 4)) < 0 ||
	    (rc = bo_reserve(x, s, BO_INFO_MERKLE, LLK_INFO_WORDS * 4)) < 0 ||
	    (rc = ll_accel_grow((void **)&x->staging, &x->staging_cap, offsets_size)) < 0)
		return rc;
	for (uint32_t k = 0; k <= job->n; k++)
		x->staging[k] = job->offsets[k] - base;
	static const uint8_t zeros[LLK_DATA_ALIGN];
	if (clear_status(x, s, BO_INFO_LEAVES) < 0 || clear_status(x, s, BO_INFO_MERKLE) < 0 ||
	    x->api.xrtBOWrite(s->bo[BO_OFFSETS], x->staging, offsets_size, 0) != 0 ||
	    (bytes && x->api.xrtBOWrite(s->bo[BO_DATA], job->data + base, bytes, 0) != 0) ||
	    (data_size > bytes &&
	     x->api.xrtBOWrite(s->bo[BO_DATA], zeros, data_size - bytes, bytes) != 0) ||
	    x->api.xrtBOSync(s->bo[BO_OFFSETS], XCL_BO_SYNC_BO_TO_DEVICE, offsets_size, 0) != 0 ||
	    (data_size &&
	     x->api.xrtBOSync(s->bo[BO_DATA], XCL_BO_SYNC_BO_TO_DEVICE, data_size, 0) != 0))
		return -EIO;
	s->n = job->n;
	s->run = x->api.xrtKernelRun(x->leaves_kernel, s->bo[BO_OFFSETS], s->bo[BO_DATA],
				     job->n, (unsigned)job->alg, s->bo[BO_LEAVES],
				     s->bo[BO_INFO_LEAVES]);
	return s->run ? 0 : -EIO;
}

static int finish(struct ll_accel_device *d, unsigned i, struct ll_accel_job *job)
{
	struct xrt *x = (struct xrt *)d;
	struct slot *s = &x->slot[i];
	int rc;
	if ((rc = run_wait(x, &s->run)) < 0 || (rc = read_status(x, s, BO_INFO_LEAVES)) < 0)
		return rc;
	/* the leaves stay on the card for the Merkle kernel */
	s->run = x->api.xrtKernelRun(x->merkle_kernel, s->bo[BO_LEAVES], job->n,
				     (unsigned)job->alg, s->bo[BO_ROOT], s->bo[BO_INFO_MERKLE]);
	if (!s->run)
		return -EIO;
	if ((rc = run_wait(x, &s->run)) < 0 || (rc = read_status(x, s, BO_INFO_MERKLE)) < 0)
		return rc;
	size_t leaves_size = (size_t)job->n * LLK_DIGEST_BYTES;
	if ((leaves_size &&
	     (x->api.xrtBOSync(s->bo[BO_LEAVES], XCL_BO_SYNC_BO_FROM_DEVICE, leaves_size, 0) != 0 ||
	      x->api.xrtBORead(s->bo[BO_LEAVES], job->leaves, leaves_size, 0) != 0)) ||
	    x->api.xrtBOSync(s->bo[BO_ROOT], XCL_BO_SYNC_BO_FROM_DEVICE, LLK_DIGEST_BYTES, 0) != 0 ||
	    x->api.xrtBORead(s->bo[BO_ROOT], job->root, LLK_DIGEST_BYTES, 0) != 0)
		return -EIO;
	return 0;
}

static void close_xrt(struct ll_accel_device *d)
{
	struct xrt *x = (struct xrt *)d;
	for (unsigned i = 0; i < x->slots; i++) {
		if (x->slot[i].run)	/* one that timed out: the device is going away */
			x->api.xrtRunClose(x->slot[i].run);
		for (int b = 0; b < BO_COUNT; b++)
			if (x->slot[i].bo[b])
				x->api.xrtBOFree(x->slot[i].bo[b]);
	}
	if (x->merkle_kernel)
		x->api.xrtKernelClose(x->merkle_kernel);
	if (x->leaves_kernel)
		x->api.xrtKernelClose(x->leaves_kernel);
	if (x->device)
		x->api.xrtDeviceClose(x->device);
	if (x->lib)
		dlclose(x->lib);
	free(x->staging);
	free(x);
}

static const struct ll_accel_device_ops xrt_ops = {
	.start = start,
	.finish = finish,
	.close = close_xrt,
};

/* The card's xclbin loaded, both kernels open and each buffer's bank known. */
static int open_card(struct xrt *x, const struct ll_accel_cfg *cfg, const char *xclbin,
		     const struct ll_manifest *m, char *why, size_t why_len)
{
	xuid_t uuid;
	if (!(x->device = x->api.xrtDeviceOpen(cfg->device))) {
		snprintf(why, why_len, "xrtDeviceOpen(%u) failed", cfg->device);
		return -ENODEV;
	}
	if (x->api.xrtDeviceLoadXclbinFile(x->device, xclbin) != 0 ||
	    x->api.xrtDeviceGetXclbinUUID(x->device, uuid) != 0) {
		snprintf(why, why_len, "the card did not load %s", xclbin);
		return -EIO;
	}
	/* the manifest vouches for this xclbin only: another's kernels may differ */
	if (memcmp(uuid, m->uuid, sizeof m->uuid) != 0) {
		snprintf(why, why_len, "the card reports another xclbin UUID than its manifest's");
		return -EPROTO;
	}
	if (!(x->leaves_kernel = x->api.xrtPLKernelOpen(x->device, uuid, LLK_LEAVES_KERNEL)) ||
	    !(x->merkle_kernel = x->api.xrtPLKernelOpen(x->device, uuid, LLK_MERKLE_KERNEL))) {
		snprintf(why, why_len, "%s has no %s and %s kernels", xclbin, LLK_LEAVES_KERNEL,
			 LLK_MERKLE_KERNEL);
		return -EPROTO;
	}
	/* argument numbers as ll_job.h orders them */
	static const struct {
		int bo, kernel, arg;
	} args[] = {
		{ BO_OFFSETS, 0, 0 }, { BO_DATA, 0, 1 }, { BO_LEAVES, 0, 4 },
		{ BO_INFO_LEAVES, 0, 5 }, { BO_ROOT, 1, 3 }, { BO_INFO_MERKLE, 1, 4 },
	};
	for (size_t i = 0; i < sizeof args / sizeof *args; i++) {
		xrtKernelHandle k = args[i].kernel ? x->merkle_kernel : x->leaves_kernel;
		if ((x->group[args[i].bo] = x->api.xrtKernelArgGroupId(k, args[i].arg)) < 0) {
			snprintf(why, why_len, "no memory bank for argument %d of %s", args[i].arg,
				 args[i].kernel ? LLK_MERKLE_KERNEL : LLK_LEAVES_KERNEL);
			return -EPROTO;
		}
	}
	/* one leaves buffer is written by llk_leaves and read by llk_merkle */
	if (x->api.xrtKernelArgGroupId(x->merkle_kernel, 0) != x->group[BO_LEAVES]) {
		snprintf(why, why_len, "%s and %s see their leaves in different memory banks",
			 LLK_LEAVES_KERNEL, LLK_MERKLE_KERNEL);
		return -EPROTO;
	}
	return 0;
}

int ll_accel_xrt_open(const struct ll_accel_cfg *cfg, unsigned slots,
		      struct ll_accel_device **out, char *why, size_t why_len)
{
	const char *root = cfg->probe_root ? cfg->probe_root : "/";
	const char *xclbin = cfg->xclbin ? cfg->xclbin : LL_ACCEL_XCLBIN;
	const char *library = cfg->xrt_library ? cfg->xrt_library : "libxrt_coreutil.so.2";
	const char *xrt_home = getenv("XILINX_XRT");
	char manifest_path[4096], err[160];
	struct ll_manifest m;
	struct stat st;
	int rc;

	if (!card_present(root, why, why_len))
		return -ENODEV;
	if (!xrt_home || stat(xrt_home, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, why_len, "XILINX_XRT is %s: XRT would abort the process",
			 xrt_home ? "not a directory" : "not set");
		return -ELIBACC;
	}
	if ((rc = ll_manifest_path(xclbin, manifest_path, sizeof manifest_path)) < 0 ||
	    stat(xclbin, &st) != 0) {
		snprintf(why, why_len, "no xclbin at %s", xclbin);
		return -ENOENT;
	}
	if ((rc = ll_manifest_read(manifest_path, &m, err, sizeof err)) < 0) {
		snprintf(why, why_len, "manifest %s: %s", manifest_path, err);
		return rc == -EINVAL ? -EPROTO : rc;
	}
	if ((rc = ll_manifest_check(&m, err, sizeof err)) < 0) {
		snprintf(why, why_len, "%s does not match this build: %s", manifest_path, err);
		return rc;
	}

	struct xrt *x = calloc(1, sizeof *x);
	if (!x) {
		snprintf(why, why_len, "out of memory");
		return -ENOMEM;
	}
	x->dev.ops = &xrt_ops;
	x->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 2000;
	x->slots = slots;
	if ((rc = load_api(x, library, why, why_len)) < 0 ||
	    (rc = open_card(x, cfg, xclbin, &m, why, why_len)) < 0) {
		close_xrt(&x->dev);
		return rc;
	}
	snprintf(x->dev.name, sizeof x->dev.name, "xrt device %u: %s (%s)", cfg->device,
		 m.platform, ll_manifest_target_name(m.target));
	x->dev.clock_mhz = m.clock_mhz;
	*out = &x->dev;
	return 0;
}
