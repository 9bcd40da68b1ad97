/* The manifest an xclbin ships with (X.xclbin -> X.manifest): the facts the host checks
 * before it touches XRT, above all that both kernels speak the device ABI of ll_job.h. */
#ifndef LL_MANIFEST_H
#define LL_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

/*
 * The text form, one fact a line; '#' starts a comment, blank lines are ignored,
 * tokens are separated by spaces or tabs, and an unknown key is refused:
 *
 *   format 1                                    first fact; this reader knows format 1
 *   abi 1                                       LLK_ABI_VERSION the kernels were built with
 *   platform xilinx_u50_gen3x16_xdma_5_202210_1 the Vitis platform (deployment name)
 *   target hw                                   hw | hw_emu | sw_emu | fakexrt
 *   clock_mhz 300                               kernel clock, 1..LL_MANIFEST_MAX_CLOCK_MHZ
 *   leaf_cores 8                                hash cores in llk_leaves
 *   uuid 0123456789abcdef0123456789abcdef       the xclbin's UUID, 32 hex digits
 *   kernel llk_leaves offsets:bo data:bo n:u32 alg:u32 leaves:bo info:bo
 *   kernel llk_merkle leaves:bo n:u32 alg:u32 root:bo info:bo
 *
 * Every key but `kernel` appears exactly once; `kernel` lines list a kernel's
 * arguments in the xclbin's order as name:kind. Names of kernels and arguments are
 * C identifiers; a platform is letters, digits and "_.:-".
 */
#define LL_MANIFEST_FORMAT		1
#define LL_MANIFEST_NAME_MAX		31	/* characters in a kernel or argument name */
#define LL_MANIFEST_PLATFORM_MAX	63	/* deployment names run to 37 characters */
#define LL_MANIFEST_MAX_KERNELS		4
#define LL_MANIFEST_MAX_ARGS		8
#define LL_MANIFEST_UUID_BYTES		16
#define LL_MANIFEST_MAX_CLOCK_MHZ	1000
#define LL_MANIFEST_MAX_LEAF_CORES	64
#define LL_MANIFEST_MAX_BYTES		(64 * 1024)	/* the most ll_manifest_read accepts */

enum ll_manifest_target {
	LL_MANIFEST_TARGET_HW = 1,	/* a card */
	LL_MANIFEST_TARGET_HW_EMU,	/* Vitis hardware emulation */
	LL_MANIFEST_TARGET_SW_EMU,	/* Vitis software emulation */
	LL_MANIFEST_TARGET_FAKEXRT,	/* tests/fakexrt: the kernels' C on the CPU */
};

enum ll_manifest_arg_kind {
	LL_MANIFEST_ARG_BO = 1,	/* a buffer object: an xrtBufferHandle to xrtKernelRun */
	LL_MANIFEST_ARG_U32,	/* a scalar: an unsigned int to xrtKernelRun */
};

struct ll_manifest_arg {
	char name[LL_MANIFEST_NAME_MAX + 1];
	enum ll_manifest_arg_kind kind;
};

struct ll_manifest_kernel {
	char name[LL_MANIFEST_NAME_MAX + 1];
	uint32_t nargs;
	struct ll_manifest_arg args[LL_MANIFEST_MAX_ARGS];	/* in the xclbin's order */
};

/* Plain data, about 1.3 KiB: it may live on the stack and be copied. */
struct ll_manifest {
	uint32_t format;
	uint32_t abi;
	char platform[LL_MANIFEST_PLATFORM_MAX + 1];
	enum ll_manifest_target target;
	uint32_t clock_mhz;
	uint32_t leaf_cores;
	uint8_t uuid[LL_MANIFEST_UUID_BYTES];
	uint32_t nkernels;
	struct ll_manifest_kernel kernels[LL_MANIFEST_MAX_KERNELS];
};

/*
 * ll_manifest_parse - reads len bytes of manifest text (no NUL needed; never reads
 * past len) into *out. Returns 0, or -EINVAL with a message in err naming the line
 * and what is wrong ("line 4: unknown key 'foo'"); *out is untouched on error.
 * err may be NULL (err_len 0). Checks the form only; ll_manifest_check checks the ABI.
 */
int ll_manifest_parse(const char *text, size_t len, struct ll_manifest *out, char *err,
		      size_t err_len);

/*
 * ll_manifest_read - ll_manifest_parse of the file at path. Returns 0; -ENOENT and
 * other open/read errors as -errno; -EFBIG for a file over LL_MANIFEST_MAX_BYTES;
 * -EINVAL for bad text. err says which file and what went wrong.
 */
int ll_manifest_read(const char *path, struct ll_manifest *out, char *err, size_t err_len);

/*
 * ll_manifest_path - the manifest's path for an xclbin: "X.xclbin" -> "X.manifest",
 * any other name gets ".manifest" appended. Returns 0, -EINVAL for an empty or NULL
 * name, -ENAMETOOLONG when the result and its NUL do not fit in cap.
 */
int ll_manifest_path(const char *xclbin, char *out, size_t cap);

/*
 * ll_manifest_check - whether m describes kernels this host can drive: the format
 * this reader knows, abi == LLK_ABI_VERSION, and kernels LLK_LEAVES_KERNEL and
 * LLK_MERKLE_KERNEL with exactly the ABI's argument names, kinds and order (other
 * kernels may be present). Returns 0, -EPROTO with what differs in err, -EINVAL for NULL.
 */
int ll_manifest_check(const struct ll_manifest *m, char *err, size_t err_len);

/* ll_manifest_kernel - the kernel called name in m, or NULL. */
const struct ll_manifest_kernel *ll_manifest_kernel(const struct ll_manifest *m,
						    const char *name);

/*
 * ll_manifest_format - the text form of m into buf (NUL-terminated), which
 * ll_manifest_parse reads back to the same struct. Returns the text's length
 * without the NUL, -ENOSPC when it does not fit in cap, -EINVAL for counts past
 * the limits or an unknown target or kind.
 */
int ll_manifest_format(const struct ll_manifest *m, char *buf, size_t cap);

/*
 * ll_manifest_init_abi - fills *out with what this host's ABI expects: the format,
 * abi, leaf_cores and both kernels with their arguments. platform, target,
 * clock_mhz and uuid are left empty for the caller (as the xclbin build knows them).
 */
void ll_manifest_init_abi(struct ll_manifest *out);

/* ll_manifest_target_name - "hw", "hw_emu", "sw_emu", "fakexrt", or "?" for others. */
const char *ll_manifest_target_name(enum ll_manifest_target target);

#endif /* LL_MANIFEST_H */
