/* Unit suite for tests/fakexrt: drives libfakexrt.so through the XRT call sequence the xrt
 * backend makes, against host/crypto, and checks every fault knob and misuse it promises. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>
#include <xrt/xrt_kernel.h>

#include "ll_test_util.h"
#include "ll_hash.h"
#include "ll_job.h"
#include "ll_manifest.h"
#include "ll_merkle.h"

/* The library's functions, typed by the real declarations. */
static struct {
	void *lib;
	__typeof__(xrtDeviceOpen) *DeviceOpen;
	__typeof__(xrtDeviceClose) *DeviceClose;
	__typeof__(xrtDeviceLoadXclbinFile) *DeviceLoadXclbinFile;
	__typeof__(xrtDeviceGetXclbinUUID) *DeviceGetXclbinUUID;
	__typeof__(xrtPLKernelOpen) *PLKernelOpen;
	__typeof__(xrtKernelClose) *KernelClose;
	__typeof__(xrtKernelArgGroupId) *KernelArgGroupId;
	__typeof__(xrtBOAlloc) *BOAlloc;
	__typeof__(xrtBOFree) *BOFree;
	__typeof__(xrtBOWrite) *BOWrite;
	__typeof__(xrtBORead) *BORead;
	__typeof__(xrtBOSync) *BOSync;
	__typeof__(xrtKernelRun) *KernelRun;
	__typeof__(xrtRunWait) *RunWait;
	__typeof__(xrtRunWaitFor) *RunWaitFor;
	__typeof__(xrtRunState) *RunState;
	__typeof__(xrtRunClose) *RunClose;
} x;

static char build_root[PATH_MAX];	/* build/ (or build-x/): above the variant's tests/ */
static char work_dir[64];		/* card images this suite writes, in /tmp */
static char card_path[PATH_MAX];	/* a good image in work_dir */

static const uint8_t card_uuid[16] = { 0x4c, 0x4c, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x00,
				       0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

#define RESOLVE(field, name)                                                     \
	do {                                                                     \
		x.field = (__typeof__(x.field))dlsym(x.lib, #name);              \
		if (!x.field)                                                    \
			fail_msg("libfakexrt.so has no %s: %s", #name, dlerror()); \
	} while (0)

/* A manifest for `uuid` and `target`, the ABI's kernels, with `extra` lines after. */
static void write_manifest(const char *path, const uint8_t *uuid, enum ll_manifest_target target,
			   const char *extra)
{
	struct ll_manifest m;
	char text[4096];
	ll_manifest_init_abi(&m);
	strcpy(m.platform, "fakexrt");
	m.target = target;
	m.clock_mhz = 300;
	memcpy(m.uuid, uuid, sizeof m.uuid);
	assert_true(ll_manifest_format(&m, text, sizeof text) > 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s%s", text, extra);
	assert_int_equal(fclose(f), 0);
}

static void write_bytes(const char *path, const void *bytes, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* work_dir/<name>.xclbin with the magic (or not), and its manifest (or none). */
static const char *write_image(const char *name, bool magic, const char *manifest_extra,
			       enum ll_manifest_target target)
{
	static char xclbin[PATH_MAX];
	char manifest[PATH_MAX + 16];
	static const char head[16] = "xclbin2";
	snprintf(xclbin, sizeof xclbin, "%s/%s.xclbin", work_dir, name);
	write_bytes(xclbin, magic ? head : "xclbin1", magic ? sizeof head : 8);
	if (manifest_extra) {
		assert_int_equal(ll_manifest_path(xclbin, manifest, sizeof manifest), 0);
		write_manifest(manifest, card_uuid, target, manifest_extra);
	}
	return xclbin;
}

/* <variant>/tests/test_fakexrt -> <variant>/lib/libfakexrt.so, and the build root. */
static int setup(void **state)
{
	(void)state;
	char exe[PATH_MAX], lib[PATH_MAX + 32];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	assert_true(len > 0);
	exe[len] = '\0';
	char *variant = dirname(dirname(exe)), name[PATH_MAX];
	snprintf(lib, sizeof lib, "%s/lib/libfakexrt.so", variant);
	/* the card image is built once, in the release tree that holds asan/ */
	snprintf(name, sizeof name, "%s", variant);
	bool asan = strcmp(basename(name), "asan") == 0;
	snprintf(build_root, sizeof build_root, "%s", asan ? dirname(variant) : variant);

	if (!(x.lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL)))
		fail_msg("dlopen %s: %s", lib, dlerror());
	RESOLVE(DeviceOpen, xrtDeviceOpen);
	RESOLVE(DeviceClose, xrtDeviceClose);
	RESOLVE(DeviceLoadXclbinFile, xrtDeviceLoadXclbinFile);
	RESOLVE(DeviceGetXclbinUUID, xrtDeviceGetXclbinUUID);
	RESOLVE(PLKernelOpen, xrtPLKernelOpen);
	RESOLVE(KernelClose, xrtKernelClose);
	RESOLVE(KernelArgGroupId, xrtKernelArgGroupId);
	RESOLVE(BOAlloc, xrtBOAlloc);
	RESOLVE(BOFree, xrtBOFree);
	RESOLVE(BOWrite, xrtBOWrite);
	RESOLVE(BORead, xrtBORead);
	RESOLVE(BOSync, xrtBOSync);
	RESOLVE(KernelRun, xrtKernelRun);
	RESOLVE(RunWait, xrtRunWait);
	RESOLVE(RunWaitFor, xrtRunWaitFor);
	RESOLVE(RunState, xrtRunState);
	RESOLVE(RunClose, xrtRunClose);
	/* the library's internals stay inside it */
	assert_null(dlsym(x.lib, "llk_leaves"));
	assert_null(dlsym(x.lib, "ll_manifest_parse"));

	snprintf(work_dir, sizeof work_dir, "/tmp/test_fakexrt.XXXXXX");
	assert_non_null(mkdtemp(work_dir));
	snprintf(card_path, sizeof card_path, "%s", write_image("card", true, "",
								 LL_MANIFEST_TARGET_FAKEXRT));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	test_remove_tree(work_dir);
	dlclose(x.lib);
	return 0;
}

/* Knobs are read at xrtDeviceOpen; each test sets its own and clears them after. */
static int clear_knobs(void **state)
{
	(void)state;
	unsetenv("FAKEXRT_FAIL");
	unsetenv("FAKEXRT_CORRUPT");
	unsetenv("FAKEXRT_HANG");
	unsetenv("FAKEXRT_DEVICES");
	return 0;
}

/* A job as the backend builds it, with what host/crypto says its results are. */
struct job {
	uint32_t n, alg;
	uint32_t *offsets;	/* n + 1 */
	uint8_t *data;		/* padded to LLK_DATA_ALIGN */
	size_t data_bytes;
	uint8_t *want_leaves;	/* n * 32 */
	uint8_t want_root[LLK_DIGEST_BYTES];
};

/* n records of 0..max_len random bytes, the first starting at `start`. */
static struct job make_job(uint32_t n, uint32_t alg, uint32_t max_len, uint32_t start,
			   uint64_t seed)
{
	struct job job = { .n = n, .alg = alg };
	job.offsets = malloc((n + 1) * sizeof *job.offsets);
	assert_non_null(job.offsets);
	job.offsets[0] = start;
	for (uint32_t i = 0; i < n; i++)
		job.offsets[i + 1] = job.offsets[i] + (uint32_t)(test_rand(&seed) % (max_len + 1));
	/* padded to whole beats as the ABI asks; a buffer holds at least one byte */
	job.data_bytes = (job.offsets[n] + LLK_DATA_ALIGN - 1) / LLK_DATA_ALIGN * LLK_DATA_ALIGN;
	if (job.data_bytes == 0)
		job.data_bytes = LLK_DATA_ALIGN;
	job.data = malloc(job.data_bytes);
	job.want_leaves = malloc((size_t)n * LLK_DIGEST_BYTES + 1);
	assert_non_null(job.data);
	assert_non_null(job.want_leaves);
	test_fill_random(&seed, job.data, job.data_bytes);
	if (alg == LLK_ALG_SHA256 || alg == LLK_ALG_SM3)
		assert_int_equal(ll_merkle_root_records((enum ll_hash_alg)alg, job.offsets, n,
							job.data, job.want_leaves, job.want_root),
				 0);
	return job;
}

static void free_job(struct job *job)
{
	free(job->offsets);
	free(job->data);
	free(job->want_leaves);
}

/* An opened device with the card loaded and both kernels open. */
struct card {
	xrtDeviceHandle dev;
	xrtKernelHandle leaves_k, merkle_k;
};

static struct card open_card(const char *image)
{
	struct card c;
	xuid_t uuid;
	c.dev = x.DeviceOpen(0);
	assert_non_null(c.dev);
	assert_int_equal(x.DeviceLoadXclbinFile(c.dev, image), 0);
	assert_int_equal(x.DeviceGetXclbinUUID(c.dev, uuid), 0);
	c.leaves_k = x.PLKernelOpen(c.dev, uuid, LLK_LEAVES_KERNEL);
	c.merkle_k = x.PLKernelOpen(c.dev, uuid, LLK_MERKLE_KERNEL);
	assert_non_null(c.leaves_k);
	assert_non_null(c.merkle_k);
	return c;
}

static void close_card(struct card *c)
{
	assert_int_equal(x.KernelClose(c->leaves_k), 0);
	assert_int_equal(x.KernelClose(c->merkle_k), 0);
	assert_int_equal(x.DeviceClose(c->dev), 0);
}

/* What one job did: how each kernel's run ended and what the host read back. */
struct outcome {
	enum ert_cmd_state leaves_state, merkle_state;
	uint8_t *leaves;	/* n * 32, the caller frees */
	uint8_t root[LLK_DIGEST_BYTES];
	uint32_t leaves_info[LLK_INFO_WORDS], merkle_info[LLK_INFO_WORDS];
};

enum skip { SKIP_NOTHING, SKIP_DATA_TO_DEVICE, SKIP_LEAVES_FROM_DEVICE };

static xrtBufferHandle alloc_for(const struct card *c, xrtKernelHandle k, int argno,
				 size_t size)
{
	int group = x.KernelArgGroupId(k, argno);
	assert_true(group >= 0);
	xrtBufferHandle bo = x.BOAlloc(c->dev, size, 0, (xrtMemoryGroup)group);
	assert_non_null(bo);
	return bo;
}

/* The backend's sequence for one job: buffers, write, sync, run both, sync back, read. */
static struct outcome run_job(const struct card *c, const struct job *job, enum skip skip)
{
	struct outcome out = { .leaves = calloc(1, (size_t)job->n * LLK_DIGEST_BYTES + 1) };
	size_t offsets_bytes = ((size_t)job->n + 1) * 4;
	size_t leaves_bytes = (size_t)job->n * LLK_DIGEST_BYTES + LLK_DIGEST_BYTES;
	assert_non_null(out.leaves);

	xrtBufferHandle offsets = alloc_for(c, c->leaves_k, 0, offsets_bytes);
	xrtBufferHandle data = alloc_for(c, c->leaves_k, 1, job->data_bytes);
	xrtBufferHandle leaves = alloc_for(c, c->leaves_k, 4, leaves_bytes);
	xrtBufferHandle leaves_info = alloc_for(c, c->leaves_k, 5, sizeof out.leaves_info);
	xrtBufferHandle root = alloc_for(c, c->merkle_k, 3, sizeof out.root);
	xrtBufferHandle merkle_info = alloc_for(c, c->merkle_k, 4, sizeof out.merkle_info);

	assert_int_equal(x.BOWrite(offsets, job->offsets, offsets_bytes, 0), 0);
	assert_int_equal(x.BOWrite(data, job->data, job->data_bytes, 0), 0);
	assert_int_equal(x.BOSync(offsets, XCL_BO_SYNC_BO_TO_DEVICE, offsets_bytes, 0), 0);
	if (skip != SKIP_DATA_TO_DEVICE)
		assert_int_equal(x.BOSync(data, XCL_BO_SYNC_BO_TO_DEVICE, job->data_bytes, 0), 0);

	xrtRunHandle run = x.KernelRun(c->leaves_k, offsets, data, job->n, job->alg, leaves,
				       leaves_info);
	assert_non_null(run);
	out.leaves_state = x.RunWait(run);
	assert_int_equal(x.RunClose(run), 0);
	run = x.KernelRun(c->merkle_k, leaves, job->n, job->alg, root, merkle_info);
	assert_non_null(run);
	out.merkle_state = x.RunWait(run);
	assert_int_equal(x.RunClose(run), 0);

	if (skip != SKIP_LEAVES_FROM_DEVICE)
		assert_int_equal(x.BOSync(leaves, XCL_BO_SYNC_BO_FROM_DEVICE, leaves_bytes, 0), 0);
	assert_int_equal(x.BOSync(root, XCL_BO_SYNC_BO_FROM_DEVICE, sizeof out.root, 0), 0);
	assert_int_equal(x.BOSync(leaves_info, XCL_BO_SYNC_BO_FROM_DEVICE,
				  sizeof out.leaves_info, 0), 0);
	assert_int_equal(x.BOSync(merkle_info, XCL_BO_SYNC_BO_FROM_DEVICE,
				  sizeof out.merkle_info, 0), 0);
	assert_int_equal(x.BORead(leaves, out.leaves, (size_t)job->n * LLK_DIGEST_BYTES, 0), 0);
	assert_int_equal(x.BORead(root, out.root, sizeof out.root, 0), 0);
	assert_int_equal(x.BORead(leaves_info, out.leaves_info, sizeof out.leaves_info, 0), 0);
	assert_int_equal(x.BORead(merkle_info, out.merkle_info, sizeof out.merkle_info, 0), 0);

	xrtBufferHandle all[] = { offsets, data, leaves, leaves_info, root, merkle_info };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		assert_int_equal(x.BOFree(all[i]), 0);
	return out;
}

static void assert_outcome_matches(const struct outcome *out, const struct job *job)
{
	assert_int_equal(out->leaves_state, ERT_CMD_STATE_COMPLETED);
	assert_int_equal(out->merkle_state, ERT_CMD_STATE_COMPLETED);
	assert_int_equal(out->leaves_info[LLK_INFO_STATUS], LLK_STATUS_OK);
	assert_int_equal(out->leaves_info[LLK_INFO_ABI], LLK_ABI_VERSION);
	assert_int_equal(out->leaves_info[LLK_INFO_RECORDS], job->n);
	assert_int_equal(out->merkle_info[LLK_INFO_STATUS], LLK_STATUS_OK);
	assert_int_equal(out->merkle_info[LLK_INFO_RECORDS], job->n);
	assert_memory_equal(out->leaves, job->want_leaves, (size_t)job->n * LLK_DIGEST_BYTES);
	assert_memory_equal(out->root, job->want_root, sizeof out->root);
}

static void run_and_compare(uint32_t n, uint32_t alg, uint32_t max_len, uint32_t start,
			    uint64_t seed)
{
	struct job job = make_job(n, alg, max_len, start, seed);
	struct card c = open_card(card_path);
	struct outcome out = run_job(&c, &job, SKIP_NOTHING);
	assert_outcome_matches(&out, &job);
	free(out.leaves);
	close_card(&c);
	free_job(&job);
}

static void test_run_matches_cpu_sha256(void **state)
{
	(void)state;
	run_and_compare(203, LLK_ALG_SHA256, 300, 0, 1);
}

static void test_run_matches_cpu_sm3(void **state)
{
	(void)state;
	run_and_compare(203, LLK_ALG_SM3, 300, 0, 2);
}

/* Records that span many blocks, a job not a whole number of groups, data at an offset. */
static void test_run_matches_cpu_long_records_at_offset(void **state)
{
	(void)state;
	run_and_compare(17, LLK_ALG_SHA256, 5000, 13, 3);
	run_and_compare(17, LLK_ALG_SM3, 5000, 13, 4);
}

static void test_run_empty_job_gives_empty_tree_head(void **state)
{
	(void)state;
	run_and_compare(0, LLK_ALG_SHA256, 0, 0, 5);
	run_and_compare(0, LLK_ALG_SM3, 0, 0, 6);
}

/* The image `make` builds for the xrt backend's tests loads and runs. */
static void test_load_built_image_runs(void **state)
{
	(void)state;
	char image[PATH_MAX + 64];
	snprintf(image, sizeof image, "%s/fakexrt/ledgerline.xclbin", build_root);
	struct job job = make_job(9, LLK_ALG_SM3, 100, 0, 7);
	struct card c = open_card(image);
	xuid_t uuid;
	static const uint8_t built_uuid[16] = { 0x4c, 0x4c, 0x2d, 0x66, 0x61, 0x6b, 0x65, 0x78,
						0x72, 0x74, 0, 0, 0, 0, 0, 1 };
	assert_int_equal(x.DeviceGetXclbinUUID(c.dev, uuid), 0);
	assert_memory_equal(uuid, built_uuid, sizeof uuid);
	struct outcome out = run_job(&c, &job, SKIP_NOTHING);
	assert_outcome_matches(&out, &job);
	free(out.leaves);
	close_card(&c);
	free_job(&job);
}

static void test_device_open_refuses_index_past_devices(void **state)
{
	(void)state;
	errno = 0;
	assert_null(x.DeviceOpen(1));
	assert_int_equal(errno, ENODEV);
	setenv("FAKEXRT_DEVICES", "2", 1);
	xrtDeviceHandle dev = x.DeviceOpen(1);
	assert_non_null(dev);
	assert_int_equal(x.DeviceClose(dev), 0);
	setenv("FAKEXRT_DEVICES", "0", 1);
	assert_null(x.DeviceOpen(0));
	assert_int_equal(errno, ENODEV);
	setenv("FAKEXRT_DEVICES", "two", 1);
	assert_null(x.DeviceOpen(0));
	assert_int_equal(errno, EINVAL);
}

static void test_device_load_refuses_bad_images(void **state)
{
	(void)state;
	xrtDeviceHandle dev = x.DeviceOpen(0);
	char missing[PATH_MAX + 32];
	assert_non_null(dev);
	snprintf(missing, sizeof missing, "%s/none.xclbin", work_dir);
	assert_int_equal(x.DeviceLoadXclbinFile(dev, missing), -ENOENT);
	assert_int_equal(x.DeviceLoadXclbinFile(dev, NULL), -EINVAL);
	assert_int_equal(x.DeviceLoadXclbinFile(dev, write_image("nomagic", false, "",
								 LL_MANIFEST_TARGET_FAKEXRT)),
			 -EINVAL);
	assert_int_equal(x.DeviceLoadXclbinFile(dev, write_image("nomanifest", true, NULL,
								 LL_MANIFEST_TARGET_FAKEXRT)),
			 -ENOENT);
	assert_int_equal(x.DeviceLoadXclbinFile(dev, write_image("badmanifest", true,
								 "kernel x y\n",
								 LL_MANIFEST_TARGET_FAKEXRT)),
			 -EINVAL);
	assert_int_equal(x.DeviceLoadXclbinFile(dev, write_image("nothw", true, "",
								 LL_MANIFEST_TARGET_HW)),
			 -EINVAL);
	/* a manifest whose kernels the fake cannot run as the ABI says */
	const char *image = write_image("abi2", true, "", LL_MANIFEST_TARGET_FAKEXRT);
	char manifest[PATH_MAX + 16];
	assert_int_equal(ll_manifest_path(image, manifest, sizeof manifest), 0);
	FILE *f = fopen(manifest, "a");
	assert_non_null(f);
	fputs("kernel llk_extra a:bo\n", f);
	fclose(f);
	assert_int_equal(x.DeviceLoadXclbinFile(dev, image), 0);	/* extra kernels are fine */
	write_bytes(manifest, "format 1\nabi 2\n", 15);
	assert_int_equal(x.DeviceLoadXclbinFile(dev, image), -EINVAL);
	write_manifest(manifest, card_uuid, LL_MANIFEST_TARGET_FAKEXRT, "");
	f = fopen(manifest, "r+");
	assert_non_null(f);
	fputs("format 1\nabi 2\n", f);	/* overwrites "format 1\nabi 1\n" */
	fclose(f);
	assert_int_equal(x.DeviceLoadXclbinFile(dev, image), -EPROTO);
	assert_int_equal(x.DeviceClose(dev), 0);
}

static void test_kernel_open_needs_loaded_uuid_and_known_kernel(void **state)
{
	(void)state;
	xrtDeviceHandle dev = x.DeviceOpen(0);
	xuid_t uuid, other;
	assert_non_null(dev);
	assert_int_equal(x.DeviceGetXclbinUUID(dev, uuid), -EINVAL);	/* nothing loaded */
	assert_null(x.PLKernelOpen(dev, card_uuid, LLK_LEAVES_KERNEL));
	assert_int_equal(errno, EINVAL);

	/* with an extra kernel in the manifest that the fake has no code for */
	const char *image = write_image("extra", true, "kernel llk_extra a:bo\n",
					LL_MANIFEST_TARGET_FAKEXRT);
	assert_int_equal(x.DeviceLoadXclbinFile(dev, image), 0);
	assert_int_equal(x.DeviceGetXclbinUUID(dev, uuid), 0);
	assert_memory_equal(uuid, card_uuid, sizeof uuid);
	memcpy(other, uuid, sizeof other);
	other[15] ^= 1;
	assert_null(x.PLKernelOpen(dev, other, LLK_LEAVES_KERNEL));
	assert_int_equal(errno, EINVAL);
	assert_null(x.PLKernelOpen(dev, uuid, "llk_nope"));
	assert_int_equal(errno, ENOENT);
	assert_null(x.PLKernelOpen(dev, uuid, "llk_extra"));
	assert_int_equal(errno, ENOENT);
	assert_null(x.PLKernelOpen(dev, uuid, NULL));
	assert_null(x.PLKernelOpen(dev, NULL, LLK_LEAVES_KERNEL));
	xrtKernelHandle k = x.PLKernelOpen(dev, uuid, LLK_MERKLE_KERNEL);
	assert_non_null(k);
	assert_int_equal(x.KernelClose(k), 0);
	assert_int_equal(x.DeviceClose(dev), 0);
}

static void test_kernel_arg_group_id_is_zero_for_buffers_only(void **state)
{
	(void)state;
	struct card c = open_card(card_path);
	static const int leaves_groups[] = { 0, 0, -EINVAL, -EINVAL, 0, 0 };
	static const int merkle_groups[] = { 0, -EINVAL, -EINVAL, 0, 0 };
	for (int i = 0; i < 6; i++)
		assert_int_equal(x.KernelArgGroupId(c.leaves_k, i), leaves_groups[i]);
	for (int i = 0; i < 5; i++)
		assert_int_equal(x.KernelArgGroupId(c.merkle_k, i), merkle_groups[i]);
	assert_int_equal(x.KernelArgGroupId(c.leaves_k, 6), -EINVAL);
	assert_int_equal(x.KernelArgGroupId(c.leaves_k, -1), -EINVAL);
	close_card(&c);
}

static void test_bo_calls_check_bounds(void **state)
{
	(void)state;
	xrtDeviceHandle dev = x.DeviceOpen(0);
	uint8_t buf[65] = { 1 };
	assert_non_null(dev);
	assert_null(x.BOAlloc(dev, 0, 0, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(x.BOAlloc(dev, 64, 0, 1));	/* group 1 does not exist */
	assert_null(x.BOAlloc(dev, (size_t)1 << 40, 0, 0));
	assert_int_equal(errno, ENOMEM);

	xrtBufferHandle bo = x.BOAlloc(dev, 64, 0, 0);
	assert_non_null(bo);
	assert_int_equal(x.BOWrite(bo, buf, 64, 0), 0);
	assert_int_equal(x.BOWrite(bo, buf, 1, 63), 0);
	assert_int_equal(x.BOWrite(bo, buf, 0, 64), 0);
	assert_int_equal(x.BOWrite(bo, buf, 65, 0), -EINVAL);
	assert_int_equal(x.BOWrite(bo, buf, 2, 63), -EINVAL);
	assert_int_equal(x.BOWrite(bo, buf, 1, SIZE_MAX), -EINVAL);
	assert_int_equal(x.BOWrite(bo, buf, SIZE_MAX, 2), -EINVAL);
	assert_int_equal(x.BOWrite(bo, NULL, 1, 0), -EINVAL);
	assert_int_equal(x.BORead(bo, buf, 64, 1), -EINVAL);
	assert_int_equal(x.BORead(bo, buf, 63, 1), 0);
	assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_TO_DEVICE, 64, 0), 0);
	assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_TO_DEVICE, 1, 64), -EINVAL);
	assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_FROM_DEVICE, 65, 0), -EINVAL);
	assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_GMIO_TO_AIE, 64, 0), -EINVAL);
	assert_int_equal(x.BOFree(bo), 0);
	assert_int_equal(x.DeviceClose(dev), 0);
}

/* Host and device copies are apart: write, read back the host copy, sync round trip. */
static void test_bo_sync_copies_between_host_and_device(void **state)
{
	(void)state;
	xrtDeviceHandle dev = x.DeviceOpen(0);
	uint8_t in[100], out[100], zero[100] = { 0 };
	uint64_t seed = 8;
	test_fill_random(&seed, in, sizeof in);
	xrtBufferHandle bo = x.BOAlloc(dev, sizeof in, 0, 0);
	assert_non_null(bo);
	assert_int_equal(x.BORead(bo, out, sizeof out, 0), 0);
	assert_memory_equal(out, zero, sizeof out);	/* a new host copy is zeroed */
	assert_int_equal(x.BOWrite(bo, in, sizeof in, 0), 0);
	assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_TO_DEVICE, 50, 10), 0);
	assert_int_equal(x.BOWrite(bo, zero, sizeof zero, 0), 0);
	/* only bytes 10..59 went to the device; the rest there is still poison */
	assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_FROM_DEVICE, sizeof out, 0), 0);
	assert_int_equal(x.BORead(bo, out, sizeof out, 0), 0);
	assert_memory_equal(out + 10, in + 10, 50);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(out[i], 0xa5);
	assert_int_equal(x.BOFree(bo), 0);
	assert_int_equal(x.DeviceClose(dev), 0);
}

/* A host that forgets a sync gets wrong data, as on a card. */
static void test_run_without_sync_to_device_hashes_garbage(void **state)
{
	(void)state;
	struct job job = make_job(20, LLK_ALG_SHA256, 200, 0, 9);
	struct card c = open_card(card_path);
	struct outcome out = run_job(&c, &job, SKIP_DATA_TO_DEVICE);
	assert_int_equal(out.leaves_state, ERT_CMD_STATE_COMPLETED);
	assert_int_equal(out.leaves_info[LLK_INFO_STATUS], LLK_STATUS_OK);
	assert_memory_not_equal(out.leaves, job.want_leaves, (size_t)job.n * LLK_DIGEST_BYTES);
	assert_memory_not_equal(out.root, job.want_root, sizeof out.root);
	free(out.leaves);
	close_card(&c);
	free_job(&job);
}

static void test_run_without_sync_from_device_reads_stale_host_copy(void **state)
{
	(void)state;
	struct job job = make_job(20, LLK_ALG_SM3, 200, 0, 10);
	struct card c = open_card(card_path);
	struct outcome out = run_job(&c, &job, SKIP_LEAVES_FROM_DEVICE);
	uint8_t *zero = calloc(1, (size_t)job.n * LLK_DIGEST_BYTES);
	assert_non_null(zero);
	assert_memory_equal(out.leaves, zero, (size_t)job.n * LLK_DIGEST_BYTES);
	assert_memory_equal(out.root, job.want_root, sizeof out.root);	/* root was synced */
	free(zero);
	free(out.leaves);
	close_card(&c);
	free_job(&job);
}

/* Run llk_leaves with buffers of these sizes; returns how the run ended. */
static enum ert_cmd_state run_leaves_sized(const struct card *c, const struct job *job,
					   size_t offsets_bytes, size_t data_bytes,
					   size_t leaves_bytes, size_t info_bytes, uint32_t n)
{
	xrtBufferHandle offsets = x.BOAlloc(c->dev, offsets_bytes, 0, 0);
	xrtBufferHandle data = x.BOAlloc(c->dev, data_bytes, 0, 0);
	xrtBufferHandle leaves = x.BOAlloc(c->dev, leaves_bytes, 0, 0);
	xrtBufferHandle info = x.BOAlloc(c->dev, info_bytes, 0, 0);
	size_t copy = offsets_bytes < ((size_t)job->n + 1) * 4 ? offsets_bytes
							       : ((size_t)job->n + 1) * 4;
	assert_int_equal(x.BOWrite(offsets, job->offsets, copy, 0), 0);
	assert_int_equal(x.BOSync(offsets, XCL_BO_SYNC_BO_TO_DEVICE, offsets_bytes, 0), 0);
	xrtRunHandle run = x.KernelRun(c->leaves_k, offsets, data, n, job->alg, leaves, info);
	assert_non_null(run);
	enum ert_cmd_state st = x.RunWait(run);
	assert_int_equal(x.RunState(run), st);
	assert_int_equal(x.RunWaitFor(run, 10), st);
	assert_int_equal(x.RunClose(run), 0);
	xrtBufferHandle all[] = { offsets, data, leaves, info };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(x.BOFree(all[i]), 0);
	return st;
}

static void test_run_with_small_buffer_ends_in_error(void **state)
{
	(void)state;
	struct job job = make_job(40, LLK_ALG_SHA256, 100, 0, 11);
	struct card c = open_card(card_path);
	size_t ob = 41 * 4, db = job.data_bytes, lb = 40 * 32, ib = 16;
	assert_int_equal(run_leaves_sized(&c, &job, ob, db, lb, ib, 40), ERT_CMD_STATE_COMPLETED);
	assert_int_equal(run_leaves_sized(&c, &job, ob - 4, db, lb, ib, 40), ERT_CMD_STATE_ERROR);
	assert_int_equal(run_leaves_sized(&c, &job, ob, db - 1, lb, ib, 40), ERT_CMD_STATE_ERROR);
	assert_int_equal(run_leaves_sized(&c, &job, ob, db, lb - 1, ib, 40), ERT_CMD_STATE_ERROR);
	assert_int_equal(run_leaves_sized(&c, &job, ob, db, lb, ib - 4, 40), ERT_CMD_STATE_ERROR);
	/* a job the kernel refuses at once reads nothing, so small buffers are no error */
	assert_int_equal(run_leaves_sized(&c, &job, 4, 4, 4, ib, LLK_MAX_RECORDS + 1),
			 ERT_CMD_STATE_COMPLETED);
	close_card(&c);
	free_job(&job);
}

/* The kernel's own verdicts come back in info, through the fake unchanged. */
static void test_run_reports_bad_job_in_info(void **state)
{
	(void)state;
	struct job job = make_job(5, 3, 50, 0, 12);	/* alg 3: neither hash */
	struct card c = open_card(card_path);
	struct outcome out = run_job(&c, &job, SKIP_NOTHING);
	assert_int_equal(out.leaves_state, ERT_CMD_STATE_COMPLETED);
	assert_int_equal(out.leaves_info[LLK_INFO_STATUS], LLK_STATUS_BAD_ALG);
	assert_int_equal(out.merkle_info[LLK_INFO_STATUS], LLK_STATUS_BAD_ALG);
	assert_int_equal(out.leaves_info[LLK_INFO_RECORDS], 0);
	free(out.leaves);
	close_card(&c);
	free_job(&job);
}

static void test_fail_knob_fails_every_call(void **state)
{
	(void)state;
	setenv("FAKEXRT_FAIL", "xrtBOSync", 1);
	xrtDeviceHandle dev = x.DeviceOpen(0);
	xrtBufferHandle bo = x.BOAlloc(dev, 64, 0, 0);
	assert_non_null(bo);
	for (int i = 0; i < 3; i++)
		assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_TO_DEVICE, 64, 0), -EIO);
	assert_int_equal(errno, EIO);
	assert_int_equal(x.BOFree(bo), 0);
	assert_int_equal(x.DeviceClose(dev), 0);

	setenv("FAKEXRT_FAIL", "xrtDeviceOpen", 1);
	assert_null(x.DeviceOpen(0));
	assert_int_equal(errno, EIO);
}

/* @N counts that function's calls since the device was opened; a list takes several. */
static void test_fail_knob_fails_nth_call_only(void **state)
{
	(void)state;
	setenv("FAKEXRT_FAIL", "xrtBOSync@2,xrtKernelRun@1,xrtBOFree@1", 1);
	for (int round = 0; round < 2; round++) {	/* counts restart with each device */
		struct card c = open_card(card_path);
		xrtBufferHandle bo = x.BOAlloc(c.dev, 64, 0, 0);
		assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_TO_DEVICE, 64, 0), 0);
		assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_TO_DEVICE, 64, 0), -EIO);
		assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_TO_DEVICE, 64, 0), 0);
		assert_null(x.KernelRun(c.merkle_k, bo, 0u, LLK_ALG_SHA256, bo, bo));
		assert_int_equal(errno, EIO);
		xrtRunHandle run = x.KernelRun(c.merkle_k, bo, 0u, LLK_ALG_SHA256, bo, bo);
		assert_non_null(run);
		assert_int_equal(x.RunWait(run), ERT_CMD_STATE_COMPLETED);
		assert_int_equal(x.RunClose(run), 0);
		/* a failing free still frees (ASan would see a leak otherwise) */
		assert_int_equal(x.BOFree(bo), -EIO);
		close_card(&c);
	}
}

static void test_fail_knob_covers_every_function(void **state)
{
	(void)state;
	static const char *const names[] = {
		"xrtDeviceClose", "xrtDeviceLoadXclbinFile", "xrtDeviceGetXclbinUUID",
		"xrtPLKernelOpen", "xrtKernelClose", "xrtKernelArgGroupId", "xrtBOAlloc",
		"xrtBOFree", "xrtBOWrite", "xrtBORead", "xrtBOSync", "xrtKernelRun",
		"xrtRunWait", "xrtRunWaitFor", "xrtRunState", "xrtRunClose",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *fn = names[i];
		bool is = false;
		setenv("FAKEXRT_FAIL", fn, 1);
		xrtDeviceHandle dev = x.DeviceOpen(0);
		xuid_t uuid;
		uint8_t buf[16] = { 0 };
		assert_non_null(dev);
		is = strcmp(fn, "xrtDeviceLoadXclbinFile") == 0;
		assert_int_equal(x.DeviceLoadXclbinFile(dev, card_path), is ? -EIO : 0);
		if (is) {
			assert_int_equal(x.DeviceClose(dev), 0);
			continue;
		}
		is = strcmp(fn, "xrtDeviceGetXclbinUUID") == 0;
		assert_int_equal(x.DeviceGetXclbinUUID(dev, uuid), is ? -EIO : 0);
		xrtKernelHandle k = x.PLKernelOpen(dev, card_uuid, LLK_MERKLE_KERNEL);
		if (strcmp(fn, "xrtPLKernelOpen") == 0) {
			assert_null(k);
			assert_int_equal(x.DeviceClose(dev), 0);
			continue;
		}
		is = strcmp(fn, "xrtKernelArgGroupId") == 0;
		assert_int_equal(x.KernelArgGroupId(k, 0), is ? -EIO : 0);
		xrtBufferHandle bo = x.BOAlloc(dev, 64, 0, 0);
		if (strcmp(fn, "xrtBOAlloc") == 0) {
			assert_null(bo);
			x.KernelClose(k);
			assert_int_equal(x.DeviceClose(dev), 0);
			continue;
		}
		is = strcmp(fn, "xrtBOWrite") == 0;
		assert_int_equal(x.BOWrite(bo, buf, 16, 0), is ? -EIO : 0);
		is = strcmp(fn, "xrtBORead") == 0;
		assert_int_equal(x.BORead(bo, buf, 16, 0), is ? -EIO : 0);
		is = strcmp(fn, "xrtBOSync") == 0;
		assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_TO_DEVICE, 16, 0), is ? -EIO : 0);
		xrtRunHandle run = x.KernelRun(k, bo, 0u, LLK_ALG_SM3, bo, bo);
		if (strcmp(fn, "xrtKernelRun") == 0) {
			assert_null(run);
		} else {
			enum ert_cmd_state done = ERT_CMD_STATE_COMPLETED;
			enum ert_cmd_state abort = ERT_CMD_STATE_ABORT;
			is = strcmp(fn, "xrtRunWait") == 0;
			assert_int_equal(x.RunWait(run), is ? abort : done);
			is = strcmp(fn, "xrtRunWaitFor") == 0;
			assert_int_equal(x.RunWaitFor(run, 1), is ? abort : done);
			is = strcmp(fn, "xrtRunState") == 0;
			assert_int_equal(x.RunState(run), is ? abort : done);
			is = strcmp(fn, "xrtRunClose") == 0;
			assert_int_equal(x.RunClose(run), is ? -EIO : 0);
		}
		is = strcmp(fn, "xrtBOFree") == 0;
		assert_int_equal(x.BOFree(bo), is ? -EIO : 0);
		is = strcmp(fn, "xrtKernelClose") == 0;
		assert_int_equal(x.KernelClose(k), is ? -EIO : 0);
		is = strcmp(fn, "xrtDeviceClose") == 0;
		assert_int_equal(x.DeviceClose(dev), is ? -EIO : 0);
	}
}

static void test_bad_knob_refuses_device_open(void **state)
{
	(void)state;
	static const char *const bad[][2] = {
		{ "FAKEXRT_FAIL", "xrtBOSinc" },
		{ "FAKEXRT_FAIL", "xrtBOSync@0" },
		{ "FAKEXRT_FAIL", "xrtBOSync@x" },
		{ "FAKEXRT_FAIL", "xrtBOSync@-1" },
		{ "FAKEXRT_CORRUPT", "llk_leaf" },
		{ "FAKEXRT_HANG", "xrtBOSync" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		setenv(bad[i][0], bad[i][1], 1);
		errno = 0;
		assert_null(x.DeviceOpen(0));
		assert_int_equal(errno, EINVAL);
		unsetenv(bad[i][0]);
	}
}

/* One bit of leaf 0 flips; llk_merkle then folds the corrupted leaves, as on a card. */
static void test_corrupt_knob_flips_a_leaf_bit(void **state)
{
	(void)state;
	struct job job = make_job(30, LLK_ALG_SHA256, 100, 0, 13);
	setenv("FAKEXRT_CORRUPT", LLK_LEAVES_KERNEL, 1);
	struct card c = open_card(card_path);
	struct outcome out = run_job(&c, &job, SKIP_NOTHING);
	uint8_t root[LLK_DIGEST_BYTES];
	assert_int_equal(out.leaves[0], job.want_leaves[0] ^ 1);
	assert_memory_equal(out.leaves + 1, job.want_leaves + 1, job.n * LLK_DIGEST_BYTES - 1);
	assert_int_equal(ll_merkle_root(LL_HASH_SHA256, job.n, out.leaves, root), 0);
	assert_memory_equal(out.root, root, sizeof root);
	assert_memory_not_equal(out.root, job.want_root, sizeof root);
	free(out.leaves);
	close_card(&c);
	free_job(&job);
}

static void test_corrupt_knob_flips_nth_root_only(void **state)
{
	(void)state;
	struct job job = make_job(30, LLK_ALG_SM3, 100, 0, 14);
	setenv("FAKEXRT_CORRUPT", "llk_merkle@2", 1);
	struct card c = open_card(card_path);
	for (int run = 1; run <= 3; run++) {
		struct outcome out = run_job(&c, &job, SKIP_NOTHING);
		assert_memory_equal(out.leaves, job.want_leaves, job.n * LLK_DIGEST_BYTES);
		assert_int_equal(out.root[0], job.want_root[0] ^ (run == 2));
		assert_memory_equal(out.root + 1, job.want_root + 1, LLK_DIGEST_BYTES - 1);
		free(out.leaves);
	}
	close_card(&c);
	free_job(&job);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A hung run: waits time out (TIMEOUT), the state stays RUNNING, xrtRunWait gives up with ABORT. */
static void test_hang_knob_run_never_completes(void **state)
{
	(void)state;
	setenv("FAKEXRT_HANG", "llk_leaves@2", 1);
	struct card c = open_card(card_path);
	xrtBufferHandle bo = x.BOAlloc(c.dev, 64, 0, 0);
	uint32_t zero_offset = 0;
	assert_int_equal(x.BOWrite(bo, &zero_offset, 4, 0), 0);
	assert_int_equal(x.BOSync(bo, XCL_BO_SYNC_BO_TO_DEVICE, 64, 0), 0);

	xrtRunHandle first = x.KernelRun(c.leaves_k, bo, bo, 0u, LLK_ALG_SHA256, bo, bo);
	assert_int_equal(x.RunWait(first), ERT_CMD_STATE_COMPLETED);
	xrtRunHandle hung = x.KernelRun(c.leaves_k, bo, bo, 0u, LLK_ALG_SHA256, bo, bo);
	assert_non_null(hung);
	double t0 = now_seconds();
	assert_int_equal(x.RunWaitFor(hung, 100), ERT_CMD_STATE_TIMEOUT);
	double waited = now_seconds() - t0;
	assert_true(waited >= 0.095 && waited < 1.0);
	assert_int_equal(x.RunState(hung), ERT_CMD_STATE_RUNNING);
	assert_int_equal(x.RunWait(hung), ERT_CMD_STATE_ABORT);
	/* a long timeout is cut to 2 s, so a test never waits for ever */
	t0 = now_seconds();
	assert_int_equal(x.RunWaitFor(hung, 60000), ERT_CMD_STATE_TIMEOUT);
	waited = now_seconds() - t0;
	assert_true(waited >= 1.9 && waited < 5.0);
	assert_int_equal(x.RunClose(hung), 0);
	assert_int_equal(x.RunClose(first), 0);
	assert_int_equal(x.BOFree(bo), 0);
	close_card(&c);
}

/* NULL and handles of another kind are refused with the documented error, never a crash. */
static void test_bad_handles_are_refused(void **state)
{
	(void)state;
	struct card c = open_card(card_path);
	xrtBufferHandle bo = x.BOAlloc(c.dev, 64, 0, 0);
	xuid_t uuid;
	uint8_t buf[8] = { 0 };
	void *wrong[] = { NULL, c.leaves_k, bo, buf };
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		void *h = wrong[i];
		if (h != c.leaves_k) {
			assert_int_equal(x.KernelClose(h), -EINVAL);
			assert_int_equal(x.KernelArgGroupId(h, 0), -EINVAL);
			assert_null(x.KernelRun(h, bo, 0u, 1u, bo, bo));
			assert_int_equal(errno, EINVAL);
		}
		if (h != bo) {
			assert_int_equal(x.BOFree(h), -EINVAL);
			assert_int_equal(x.BOWrite(h, buf, 1, 0), -EINVAL);
			assert_int_equal(x.BORead(h, buf, 1, 0), -EINVAL);
			assert_int_equal(x.BOSync(h, XCL_BO_SYNC_BO_TO_DEVICE, 1, 0), -EINVAL);
		}
		assert_int_equal(x.DeviceClose(h), -EINVAL);
		assert_int_equal(x.DeviceLoadXclbinFile(h, card_path), -EINVAL);
		assert_int_equal(x.DeviceGetXclbinUUID(h, uuid), -EINVAL);
		assert_null(x.PLKernelOpen(h, card_uuid, LLK_LEAVES_KERNEL));
		assert_null(x.BOAlloc(h, 64, 0, 0));
		assert_int_equal(x.RunWait(h), ERT_CMD_STATE_ABORT);
		assert_int_equal(x.RunWaitFor(h, 1), ERT_CMD_STATE_ABORT);
		assert_int_equal(x.RunState(h), ERT_CMD_STATE_ABORT);
		assert_int_equal(x.RunClose(h), -EINVAL);
	}
	/* a buffer argument that is no buffer: no run */
	assert_null(x.KernelRun(c.merkle_k, c.merkle_k, 0u, 1u, bo, bo));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(x.DeviceGetXclbinUUID(c.dev, NULL), -EINVAL);
	assert_int_equal(x.BOFree(bo), 0);
	close_card(&c);
}

/* Buffers and runs outlive their device and kernel, as XRT's handles do. */
static void test_handles_close_in_any_order(void **state)
{
	(void)state;
	struct card c = open_card(card_path);
	xrtBufferHandle bo = x.BOAlloc(c.dev, 64, 0, 0);
	xrtRunHandle run = x.KernelRun(c.merkle_k, bo, 0u, LLK_ALG_SHA256, bo, bo);
	assert_non_null(run);
	assert_int_equal(x.DeviceClose(c.dev), 0);
	assert_null(x.BOAlloc(c.dev, 64, 0, 0));	/* the device handle is gone */
	assert_int_equal(x.KernelClose(c.leaves_k), 0);
	assert_int_equal(x.KernelClose(c.merkle_k), 0);
	assert_int_equal(x.BOWrite(bo, "abc", 3, 0), 0);
	assert_int_equal(x.RunWait(run), ERT_CMD_STATE_COMPLETED);
	assert_int_equal(x.BOFree(bo), 0);
	assert_int_equal(x.RunClose(run), 0);
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, clear_knobs, clear_knobs)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_run_matches_cpu_sha256),
		TEST(test_run_matches_cpu_sm3),
		TEST(test_run_matches_cpu_long_records_at_offset),
		TEST(test_run_empty_job_gives_empty_tree_head),
		TEST(test_load_built_image_runs),
		TEST(test_device_open_refuses_index_past_devices),
		TEST(test_device_load_refuses_bad_images),
		TEST(test_kernel_open_needs_loaded_uuid_and_known_kernel),
		TEST(test_kernel_arg_group_id_is_zero_for_buffers_only),
		TEST(test_bo_calls_check_bounds),
		TEST(test_bo_sync_copies_between_host_and_device),
		TEST(test_run_without_sync_to_device_hashes_garbage),
		TEST(test_run_without_sync_from_device_reads_stale_host_copy),
		TEST(test_run_with_small_buffer_ends_in_error),
		TEST(test_run_reports_bad_job_in_info),
		TEST(test_fail_knob_fails_every_call),
		TEST(test_fail_knob_fails_nth_call_only),
		TEST(test_fail_knob_covers_every_function),
		TEST(test_bad_knob_refuses_device_open),
		TEST(test_corrupt_knob_flips_a_leaf_bit),
		TEST(test_corrupt_knob_flips_nth_root_only),
		TEST(test_hang_knob_run_never_completes),
		TEST(test_bad_handles_are_refused),
		TEST(test_handles_close_in_any_order),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
