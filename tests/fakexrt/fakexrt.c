/* libfakexrt.so: the XRT native C functions the xrt backend calls, over the hls/ kernels
 * on the CPU; the stand-in for an Alveo card in tests (see tests/fakexrt/README.md). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The real declarations: a definition below whose signature differs does not compile. */
#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>
#include <xclbin.h>

#include "ll_job.h"
#include "ll_manifest.h"

/* Each handle begins with its kind's magic, so a handle of another kind is refused. */
#define DEVICE_MAGIC	0x66784456u
#define KERNEL_MAGIC	0x6678484bu
#define BO_MAGIC	0x66784f42u
#define RUN_MAGIC	0x66785552u
#define CLOSED_MAGIC	0x66784344u	/* a closed device its BOs and runs still point to */

#define BO_MAX_BYTES	(256u << 20)	/* one U50 HBM pseudo-channel */
#define DEVICE_POISON	0xa5		/* device memory no sync has written */
#define HANG_WAIT_MS	2000		/* the longest xrtRunWaitFor sleeps on a hung run */
#define MAX_FAULTS	16		/* entries in one FAKEXRT_* list */
#define MAX_DEVICES	16

/* The functions FAKEXRT_FAIL can name, in the order of the README. */
enum fn {
	FN_DEVICE_OPEN,
	FN_DEVICE_CLOSE,
	FN_DEVICE_LOAD_XCLBIN_FILE,
	FN_DEVICE_GET_XCLBIN_UUID,
	FN_PL_KERNEL_OPEN,
	FN_KERNEL_CLOSE,
	FN_KERNEL_ARG_GROUP_ID,
	FN_BO_ALLOC,
	FN_BO_FREE,
	FN_BO_WRITE,
	FN_BO_READ,
	FN_BO_SYNC,
	FN_KERNEL_RUN,
	FN_RUN_WAIT,
	FN_RUN_WAIT_FOR,
	FN_RUN_STATE,
	FN_RUN_CLOSE,
	FN_COUNT
};

static const char *const fn_names[FN_COUNT] = {
	"xrtDeviceOpen", "xrtDeviceClose", "xrtDeviceLoadXclbinFile", "xrtDeviceGetXclbinUUID",
	"xrtPLKernelOpen", "xrtKernelClose", "xrtKernelArgGroupId", "xrtBOAlloc", "xrtBOFree",
	"xrtBOWrite", "xrtBORead", "xrtBOSync", "xrtKernelRun", "xrtRunWait", "xrtRunWaitFor",
	"xrtRunState", "xrtRunClose",
};

/* The kernels this fake can run, the ones FAKEXRT_CORRUPT and FAKEXRT_HANG can name. */
enum kernel_id { KERNEL_LEAVES, KERNEL_MERKLE, KERNEL_COUNT };

static const char *const kernel_names[KERNEL_COUNT] = { LLK_LEAVES_KERNEL, LLK_MERKLE_KERNEL };

/* One entry of a knob: a function or kernel, on every call (nth 0) or its nth only. */
struct fault {
	int what;
	uint64_t nth;
};

struct faults {
	struct fault fail[MAX_FAULTS], corrupt[MAX_FAULTS], hang[MAX_FAULTS];
	size_t nfail, ncorrupt, nhang;
};

struct device {
	uint32_t magic;
	unsigned refs;			/* the open handle, and each kernel, BO and run on it */
	struct faults faults;		/* read from the environment at xrtDeviceOpen */
	uint64_t calls[FN_COUNT];	/* calls since open, for FAKEXRT_FAIL=fn@N */
	uint64_t runs[KERNEL_COUNT];	/* runs since open, for FAKEXRT_CORRUPT/HANG=kernel@N */
	bool loaded;
	struct ll_manifest manifest;	/* of the loaded xclbin */
	uint8_t uuid[LL_MANIFEST_UUID_BYTES];	/* the loaded xclbin's, as the card reports it */
};

struct kernel {
	uint32_t magic;
	struct device *dev;
	enum kernel_id id;
	struct ll_manifest_kernel def;	/* a copy: a later load does not change an open kernel */
};

/* A buffer has two copies, as on a card: xrtBOWrite/Read see one, kernels the other. */
struct bo {
	uint32_t magic;
	struct device *dev;
	size_t size;
	uint8_t *host;
	uint32_t *device;	/* malloc'd, so aligned for the kernels' words */
};

struct run {
	uint32_t magic;
	struct device *dev;
	enum ert_cmd_state state;
	bool hung;		/* FAKEXRT_HANG: never completes */
};

/* One argument of xrtKernelRun, as the manifest's kind says to read it. */
union arg {
	struct bo *bo;
	uint32_t u32;
};

/* Guards reference counts, call counters and the loaded manifest; data copies run outside. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t device_open_calls;	/* xrtDeviceOpen counts in the process: no device yet */

static void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Errors go to stderr, as XRT reports them, so a failing test says why. */
static void complain(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fakexrt: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* XRT's C functions report errors both ways: a negative errno returned, and errno set. */
static int fail_with(int err)
{
	errno = err;
	return -err;
}

static void *null_with(int err)
{
	errno = err;
	return NULL;
}

static int name_index(const char *name, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* Parses the knob `var` ("name[@N],...", names from `names`) into list; -EINVAL if bad. */
static int read_knob(const char *var, const char *const *names, int nnames, struct fault *list,
		     size_t *count)
{
	const char *spec = getenv(var);
	char copy[512], *save = NULL;

	*count = 0;
	if (!spec || !*spec)
		return 0;
	if (strlen(spec) >= sizeof copy) {
		complain("%s: longer than %zu characters", var, sizeof copy - 1);
		return -EINVAL;
	}
	strcpy(copy, spec);
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		uint64_t nth = 0;
		char *at = strchr(item, '@');
		if (at) {
			char *end = NULL;
			*at = '\0';
			errno = 0;
			nth = strtoull(at + 1, &end, 10);
			if (at[1] < '1' || at[1] > '9' || *end || errno) {
				complain("%s: '%s' is not a call number (1, 2, ...)", var, at + 1);
				return -EINVAL;
			}
		}
		int what = name_index(item, names, nnames);
		if (what < 0) {
			complain("%s: unknown name '%s'", var, item);
			return -EINVAL;
		}
		if (*count == MAX_FAULTS) {
			complain("%s: more than %d entries", var, MAX_FAULTS);
			return -EINVAL;
		}
		list[(*count)++] = (struct fault){ what, nth };
	}
	return 0;
}

static int read_faults(struct faults *f)
{
	int rc = read_knob("FAKEXRT_FAIL", fn_names, FN_COUNT, f->fail, &f->nfail);
	if (rc == 0)
		rc = read_knob("FAKEXRT_CORRUPT", kernel_names, KERNEL_COUNT, f->corrupt,
			       &f->ncorrupt);
	if (rc == 0)
		rc = read_knob("FAKEXRT_HANG", kernel_names, KERNEL_COUNT, f->hang, &f->nhang);
	return rc;
}

/* FAKEXRT_DEVICES: how many cards there are, 0..MAX_DEVICES; 1 when unset. */
static int read_devices(unsigned *devices)
{
	const char *spec = getenv("FAKEXRT_DEVICES");
	char *end = NULL;
	*devices = 1;
	if (!spec || !*spec)
		return 0;
	errno = 0;
	unsigned long value = strtoul(spec, &end, 10);
	if (*spec < '0' || *spec > '9' || *end || errno || value > MAX_DEVICES) {
		complain("FAKEXRT_DEVICES: '%s' is not a count 0..%d", spec, MAX_DEVICES);
		return -EINVAL;
	}
	*devices = (unsigned)value;
	return 0;
}

static bool hits(const struct fault *list, size_t count, int what, uint64_t call)
{
	for (size_t i = 0; i < count; i++)
		if (list[i].what == what && (list[i].nth == 0 || list[i].nth == call))
			return true;
	return false;
}

/* Counts a call of fn on dev; true when FAKEXRT_FAIL makes this call fail. */
static bool injected(struct device *dev, enum fn fn)
{
	pthread_mutex_lock(&lock);
	uint64_t call = ++dev->calls[fn];
	bool fail = hits(dev->faults.fail, dev->faults.nfail, fn, call);
	pthread_mutex_unlock(&lock);
	if (fail)
		complain("%s: injected failure (call %llu)", fn_names[fn],
			 (unsigned long long)call);
	return fail;
}

static struct device *device_of(xrtDeviceHandle handle)
{
	struct device *dev = handle;
	return dev && dev->magic == DEVICE_MAGIC ? dev : NULL;
}

static struct kernel *kernel_of(xrtKernelHandle handle)
{
	struct kernel *k = handle;
	return k && k->magic == KERNEL_MAGIC ? k : NULL;
}

static struct bo *bo_of(xrtBufferHandle handle)
{
	struct bo *bo = handle;
	return bo && bo->magic == BO_MAGIC ? bo : NULL;
}

static struct run *run_of(xrtRunHandle handle)
{
	struct run *r = handle;
	return r && r->magic == RUN_MAGIC ? r : NULL;
}

static void device_get(struct device *dev)
{
	pthread_mutex_lock(&lock);
	dev->refs++;
	pthread_mutex_unlock(&lock);
}

/* Drops a reference; the device goes when it is closed and nothing points to it. */
static void device_put(struct device *dev)
{
	pthread_mutex_lock(&lock);
	bool last = --dev->refs == 0;
	pthread_mutex_unlock(&lock);
	if (last)
		free(dev);
}

xrtDeviceHandle xrtDeviceOpen(unsigned int index)
{
	struct faults faults;
	unsigned devices;

	if (read_faults(&faults) < 0 || read_devices(&devices) < 0)
		return null_with(EINVAL);
	pthread_mutex_lock(&lock);
	uint64_t call = ++device_open_calls;
	pthread_mutex_unlock(&lock);
	if (hits(faults.fail, faults.nfail, FN_DEVICE_OPEN, call)) {
		complain("xrtDeviceOpen: injected failure (call %llu)", (unsigned long long)call);
		return null_with(EIO);
	}
	if (index >= devices)
		return null_with(ENODEV);

	struct device *dev = calloc(1, sizeof *dev);
	if (!dev)
		return null_with(ENOMEM);
	dev->magic = DEVICE_MAGIC;
	dev->refs = 1;
	dev->faults = faults;
	return dev;
}

/* A failing close still closes: the caller cannot do anything with the handle after it. */
int xrtDeviceClose(xrtDeviceHandle dhdl)
{
	struct device *dev = device_of(dhdl);
	if (!dev)
		return fail_with(EINVAL);
	bool fail = injected(dev, FN_DEVICE_CLOSE);
	pthread_mutex_lock(&lock);
	dev->magic = CLOSED_MAGIC;
	pthread_mutex_unlock(&lock);
	device_put(dev);
	return fail ? fail_with(EIO) : 0;
}

/*
 * 0 when the file begins with the xclbin magic "xclbin2\0", else -errno. An
 * image long enough for the whole axlf header gives its UUID, where v++ writes
 * it, as a card reports it (*has_uuid); a bare magic leaves that to the manifest.
 */
static int read_xclbin(const char *path, uint8_t uuid[LL_MANIFEST_UUID_BYTES], bool *has_uuid)
{
	static const char magic[8] = "xclbin2";	/* and its NUL: 8 bytes */
	struct axlf top;
	FILE *f = fopen(path, "rb");
	if (!f) {
		int err = errno;
		complain("xrtDeviceLoadXclbinFile: %s: %s", path, strerror(err));
		return -err;
	}
	size_t got = fread(&top, 1, sizeof top, f);
	fclose(f);
	if (got < sizeof magic || memcmp(top.m_magic, magic, sizeof magic) != 0) {
		complain("xrtDeviceLoadXclbinFile: %s: not an xclbin (no xclbin2 magic)", path);
		return -EINVAL;
	}
	*has_uuid = got == sizeof top;
	if (*has_uuid)
		memcpy(uuid, top.m_header.uuid, LL_MANIFEST_UUID_BYTES);
	return 0;
}

int xrtDeviceLoadXclbinFile(xrtDeviceHandle dhdl, const char *xclbin_fnm)
{
	struct device *dev = device_of(dhdl);
	struct ll_manifest m;
	char path[4096], why[320];
	int rc;

	if (!dev || !xclbin_fnm)
		return fail_with(EINVAL);
	if (injected(dev, FN_DEVICE_LOAD_XCLBIN_FILE))
		return fail_with(EIO);
	uint8_t uuid[LL_MANIFEST_UUID_BYTES] = { 0 };
	bool has_uuid = false;
	if ((rc = read_xclbin(xclbin_fnm, uuid, &has_uuid)) < 0)
		return fail_with(-rc);
	if ((rc = ll_manifest_path(xclbin_fnm, path, sizeof path)) < 0)
		return fail_with(-rc);
	if ((rc = ll_manifest_read(path, &m, why, sizeof why)) < 0) {
		complain("xrtDeviceLoadXclbinFile: %s", why);
		return fail_with(-rc);
	}
	/* the fake runs the ABI's kernels and nothing else: it can only load what they fit */
	if ((rc = ll_manifest_check(&m, why, sizeof why)) < 0) {
		complain("xrtDeviceLoadXclbinFile: %s: %s", path, why);
		return fail_with(-rc);
	}
	if (m.target != LL_MANIFEST_TARGET_FAKEXRT) {
		complain("xrtDeviceLoadXclbinFile: %s: built for target %s, this is fakexrt", path,
			 ll_manifest_target_name(m.target));
		return fail_with(EINVAL);
	}
	pthread_mutex_lock(&lock);
	dev->manifest = m;
	memcpy(dev->uuid, has_uuid ? uuid : m.uuid, sizeof dev->uuid);
	dev->loaded = true;
	pthread_mutex_unlock(&lock);
	return 0;
}

int xrtDeviceGetXclbinUUID(xrtDeviceHandle dhdl, xuid_t out)
{
	struct device *dev = device_of(dhdl);
	if (!dev || !out)
		return fail_with(EINVAL);
	if (injected(dev, FN_DEVICE_GET_XCLBIN_UUID))
		return fail_with(EIO);
	pthread_mutex_lock(&lock);
	bool loaded = dev->loaded;
	if (loaded)
		memcpy(out, dev->uuid, LL_MANIFEST_UUID_BYTES);
	pthread_mutex_unlock(&lock);
	return loaded ? 0 : fail_with(EINVAL);
}

xrtKernelHandle xrtPLKernelOpen(xrtDeviceHandle deviceHandle, const xuid_t xclbinId,
				const char *name)
{
	struct device *dev = device_of(deviceHandle);
	struct ll_manifest_kernel def;
	struct kernel *k;

	if (!dev || !xclbinId || !name)
		return null_with(EINVAL);
	if (injected(dev, FN_PL_KERNEL_OPEN))
		return null_with(EIO);

	pthread_mutex_lock(&lock);
	const struct ll_manifest_kernel *found = NULL;
	bool same = dev->loaded &&
		    memcmp(xclbinId, dev->uuid, LL_MANIFEST_UUID_BYTES) == 0;
	if (same)
		found = ll_manifest_kernel(&dev->manifest, name);
	if (found)
		def = *found;
	pthread_mutex_unlock(&lock);

	int id = name_index(name, kernel_names, KERNEL_COUNT);
	if (!same) {
		complain("xrtPLKernelOpen: %s: that xclbin is not the loaded one", name);
		return null_with(EINVAL);
	}
	if (!found || id < 0) {
		complain(found ? "xrtPLKernelOpen: %s: the fake has no code for it"
			       : "xrtPLKernelOpen: %s: no such kernel in the loaded xclbin",
			 name);
		return null_with(ENOENT);
	}
	if (!(k = calloc(1, sizeof *k)))
		return null_with(ENOMEM);
	k->magic = KERNEL_MAGIC;
	k->dev = dev;
	k->id = (enum kernel_id)id;
	k->def = def;
	device_get(dev);
	return k;
}

int xrtKernelClose(xrtKernelHandle kernelHandle)
{
	struct kernel *k = kernel_of(kernelHandle);
	if (!k)
		return fail_with(EINVAL);
	bool fail = injected(k->dev, FN_KERNEL_CLOSE);
	k->magic = 0;
	device_put(k->dev);
	free(k);
	return fail ? fail_with(EIO) : 0;
}

/* Every buffer argument is in memory group 0; a scalar has none. */
int xrtKernelArgGroupId(xrtKernelHandle kernelHandle, int argno)
{
	struct kernel *k = kernel_of(kernelHandle);
	if (!k)
		return fail_with(EINVAL);
	if (injected(k->dev, FN_KERNEL_ARG_GROUP_ID))
		return fail_with(EIO);
	if (argno < 0 || (uint32_t)argno >= k->def.nargs ||
	    k->def.args[argno].kind != LL_MANIFEST_ARG_BO)
		return fail_with(EINVAL);
	return 0;
}

xrtBufferHandle xrtBOAlloc(xrtDeviceHandle dhdl, size_t size, xrtBufferFlags flags,
			   xrtMemoryGroup grp)
{
	struct device *dev = device_of(dhdl);
	struct bo *bo;

	(void)flags;	/* every buffer has a host and a device copy, whatever the flags */
	if (!dev)
		return null_with(EINVAL);
	if (injected(dev, FN_BO_ALLOC))
		return null_with(EIO);
	if (size == 0 || grp != 0)
		return null_with(EINVAL);
	if (size > BO_MAX_BYTES)
		return null_with(ENOMEM);
	if (!(bo = calloc(1, sizeof *bo)))
		return null_with(ENOMEM);
	bo->host = calloc(1, size);
	bo->device = malloc(size);
	if (!bo->host || !bo->device) {
		free(bo->host);
		free(bo->device);
		free(bo);
		return null_with(ENOMEM);
	}
	/* poisoned, so a kernel reading what no sync wrote computes visibly wrong results */
	memset(bo->device, DEVICE_POISON, size);
	bo->magic = BO_MAGIC;
	bo->size = size;
	bo->dev = dev;
	device_get(dev);
	return bo;
}

int xrtBOFree(xrtBufferHandle bhdl)
{
	struct bo *bo = bo_of(bhdl);
	if (!bo)
		return fail_with(EINVAL);
	bool fail = injected(bo->dev, FN_BO_FREE);
	bo->magic = 0;
	device_put(bo->dev);
	free(bo->host);
	free(bo->device);
	free(bo);
	return fail ? fail_with(EIO) : 0;
}

/* size bytes from offset lie inside the buffer (written so that nothing overflows). */
static bool inside(const struct bo *bo, size_t size, size_t offset)
{
	return offset <= bo->size && size <= bo->size - offset;
}

int xrtBOWrite(xrtBufferHandle bhdl, const void *src, size_t size, size_t seek)
{
	struct bo *bo = bo_of(bhdl);
	if (!bo)
		return fail_with(EINVAL);
	if (injected(bo->dev, FN_BO_WRITE))
		return fail_with(EIO);
	if ((!src && size > 0) || !inside(bo, size, seek))
		return fail_with(EINVAL);
	if (size > 0)
		memcpy(bo->host + seek, src, size);
	return 0;
}

int xrtBORead(xrtBufferHandle bhdl, void *dst, size_t size, size_t skip)
{
	struct bo *bo = bo_of(bhdl);
	if (!bo)
		return fail_with(EINVAL);
	if (injected(bo->dev, FN_BO_READ))
		return fail_with(EIO);
	if ((!dst && size > 0) || !inside(bo, size, skip))
		return fail_with(EINVAL);
	if (size > 0)
		memcpy(dst, bo->host + skip, size);
	return 0;
}

int xrtBOSync(xrtBufferHandle bhdl, enum xclBOSyncDirection dir, size_t size, size_t offset)
{
	struct bo *bo = bo_of(bhdl);
	uint8_t *device;
	if (!bo)
		return fail_with(EINVAL);
	if (injected(bo->dev, FN_BO_SYNC))
		return fail_with(EIO);
	if (!inside(bo, size, offset))
		return fail_with(EINVAL);
	device = (uint8_t *)bo->device;
	if (dir == XCL_BO_SYNC_BO_TO_DEVICE)
		memcpy(device + offset, bo->host + offset, size);
	else if (dir == XCL_BO_SYNC_BO_FROM_DEVICE)
		memcpy(bo->host + offset, device + offset, size);
	else
		return fail_with(EINVAL);	/* the AIE directions: no AI engines here */
	return 0;
}

static bool alg_valid(uint32_t alg)
{
	return alg == LLK_ALG_SHA256 || alg == LLK_ALG_SM3;
}

/* The buffer holds the need bytes the kernel will touch; else the run ends in ERROR. */
static bool big_enough(const struct bo *bo, size_t need, const char *kernel, const char *arg)
{
	if (bo->size >= need)
		return true;
	complain("%s: argument %s holds %zu bytes, the job needs %zu", kernel, arg, bo->size, need);
	return false;
}

/*
 * Whether llk_leaves will hash this job (its check, repeated here): only then does
 * it read data and write leaves, so only then must those buffers be big enough.
 * offsets holds n + 1 words.
 */
static bool leaves_job_valid(const uint32_t *offsets, uint32_t n)
{
	if (offsets[0] > LLK_MAX_JOB_BYTES)
		return false;
	for (uint32_t i = 1; i <= n; i++)
		if (offsets[i] < offsets[i - 1] || offsets[i] > LLK_MAX_JOB_BYTES ||
		    offsets[i] - offsets[i - 1] > LLK_MAX_RECORD_BYTES)
			return false;
	return true;
}

/* llk_leaves(offsets, data, n, alg, leaves, info): the ABI's order, which the manifest has. */
static enum ert_cmd_state run_leaves(const union arg *a, bool corrupt)
{
	struct bo *offsets = a[0].bo, *data = a[1].bo, *leaves = a[4].bo, *info = a[5].bo;
	uint32_t n = a[2].u32, alg = a[3].u32;
	const char *name = LLK_LEAVES_KERNEL;

	if (!big_enough(info, LLK_INFO_WORDS * 4, name, "info"))
		return ERT_CMD_STATE_ERROR;
	/* a bad alg or n is refused before any buffer is read */
	if (alg_valid(alg) && n <= LLK_MAX_RECORDS) {
		if (!big_enough(offsets, ((size_t)n + 1) * 4, name, "offsets"))
			return ERT_CMD_STATE_ERROR;
		if (leaves_job_valid(offsets->device, n)) {
			/* data ends padded to whole AXI beats, as ll_job.h says */
			size_t end = offsets->device[n], align = LLK_DATA_ALIGN;
			size_t padded = (end + align - 1) / align * align;
			if (!big_enough(data, padded, name, "data") ||
			    !big_enough(leaves, (size_t)n * LLK_DIGEST_BYTES, name, "leaves"))
				return ERT_CMD_STATE_ERROR;
		}
	}
	llk_leaves(offsets->device, data->device, n, alg, leaves->device, info->device);
	if (corrupt && info->device[LLK_INFO_STATUS] == LLK_STATUS_OK && n > 0) {
		((uint8_t *)leaves->device)[0] ^= 1;
		complain("%s: injected corruption of leaf 0", name);
	}
	return ERT_CMD_STATE_COMPLETED;
}

/* llk_merkle(leaves, n, alg, root, info) */
static enum ert_cmd_state run_merkle(const union arg *a, bool corrupt)
{
	struct bo *leaves = a[0].bo, *root = a[3].bo, *info = a[4].bo;
	uint32_t n = a[1].u32, alg = a[2].u32;
	const char *name = LLK_MERKLE_KERNEL;

	if (!big_enough(info, LLK_INFO_WORDS * 4, name, "info"))
		return ERT_CMD_STATE_ERROR;
	if (alg_valid(alg) && n <= LLK_MAX_RECORDS &&
	    (!big_enough(leaves, (size_t)n * LLK_DIGEST_BYTES, name, "leaves") ||
	     !big_enough(root, LLK_DIGEST_BYTES, name, "root")))
		return ERT_CMD_STATE_ERROR;
	llk_merkle(leaves->device, n, alg, root->device, info->device);
	if (corrupt && info->device[LLK_INFO_STATUS] == LLK_STATUS_OK) {
		((uint8_t *)root->device)[0] ^= 1;
		complain("%s: injected corruption of the root", name);
	}
	return ERT_CMD_STATE_COMPLETED;
}

/*
 * Runs the kernel at once, inside this call, on the buffers' device copies; the
 * run handle only reports how it ended. The variadic arguments are read as the
 * manifest's kinds say, as XRT reads them from the xclbin: a buffer as an
 * xrtBufferHandle, a scalar as the unsigned int it was promoted to.
 */
xrtRunHandle xrtKernelRun(xrtKernelHandle kernelHandle, ...)
{
	struct kernel *k = kernel_of(kernelHandle);
	union arg args[LL_MANIFEST_MAX_ARGS];
	struct run *r;
	va_list ap;

	if (!k)
		return null_with(EINVAL);
	va_start(ap, kernelHandle);
	for (uint32_t i = 0; i < k->def.nargs; i++) {
		if (k->def.args[i].kind == LL_MANIFEST_ARG_BO)
			args[i].bo = bo_of(va_arg(ap, xrtBufferHandle));
		else
			args[i].u32 = va_arg(ap, unsigned int);
	}
	va_end(ap);

	if (injected(k->dev, FN_KERNEL_RUN))
		return null_with(EIO);
	for (uint32_t i = 0; i < k->def.nargs; i++) {
		if (k->def.args[i].kind == LL_MANIFEST_ARG_BO &&
		    (!args[i].bo || args[i].bo->dev != k->dev)) {
			complain("xrtKernelRun: %s: argument %s is not a buffer of this device",
				 k->def.name, k->def.args[i].name);
			return null_with(EINVAL);
		}
	}
	if (!(r = calloc(1, sizeof *r)))
		return null_with(ENOMEM);
	r->magic = RUN_MAGIC;
	r->dev = k->dev;
	device_get(k->dev);

	pthread_mutex_lock(&lock);
	const struct faults *f = &k->dev->faults;
	uint64_t nth = ++k->dev->runs[k->id];
	bool hang = hits(f->hang, f->nhang, k->id, nth);
	bool corrupt = hits(f->corrupt, f->ncorrupt, k->id, nth);
	pthread_mutex_unlock(&lock);

	if (hang) {
		complain("%s: injected hang (run %llu)", k->def.name, (unsigned long long)nth);
		r->hung = true;
		r->state = ERT_CMD_STATE_RUNNING;
	} else if (k->id == KERNEL_LEAVES) {
		r->state = run_leaves(args, corrupt);
	} else {
		r->state = run_merkle(args, corrupt);
	}
	return r;
}

/* A hung run never ends, and XRT would block forever: ABORT says so without hanging the test. */
enum ert_cmd_state xrtRunWait(xrtRunHandle rhdl)
{
	struct run *r = run_of(rhdl);
	if (!r || injected(r->dev, FN_RUN_WAIT))
		return ERT_CMD_STATE_ABORT;
	return r->hung ? ERT_CMD_STATE_ABORT : r->state;
}

static void sleep_ms(unsigned ms)
{
	struct timespec left = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
}

enum ert_cmd_state xrtRunWaitFor(xrtRunHandle rhdl, unsigned int timeout_ms)
{
	struct run *r = run_of(rhdl);
	if (!r || injected(r->dev, FN_RUN_WAIT_FOR))
		return ERT_CMD_STATE_ABORT;
	if (r->hung) {
		/* the wait times out, as it would on a card whose kernel never finishes:
		 * XRT 2.13 then says TIMEOUT (xrt_kernel.h, run::wait), the run goes on */
		sleep_ms(timeout_ms < HANG_WAIT_MS ? timeout_ms : HANG_WAIT_MS);
		return ERT_CMD_STATE_TIMEOUT;
	}
	return r->state;
}

enum ert_cmd_state xrtRunState(xrtRunHandle rhdl)
{
	struct run *r = run_of(rhdl);
	if (!r || injected(r->dev, FN_RUN_STATE))
		return ERT_CMD_STATE_ABORT;
	return r->state;
}

int xrtRunClose(xrtRunHandle rhdl)
{
	struct run *r = run_of(rhdl);
	if (!r)
		return fail_with(EINVAL);
	bool fail = injected(r->dev, FN_RUN_CLOSE);
	r->magic = 0;
	device_put(r->dev);
	free(r);
	return fail ? fail_with(EIO) : 0;
}
