/* Helpers shared by the unit suites: vector files, hex, random bytes, and the
 * cross-check of every hash implementation against OpenSSL. Test code only. */
#ifndef LL_TEST_UTIL_H
#define LL_TEST_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ll_err.h"
#include "ll_hash.h"
#include "ll_job.h"

/* Opens tests/vectors/<name> (or $LL_VECTORS/<name>); fails the test if absent. */
static inline FILE *test_open_vector(const char *name)
{
	const char *dir = getenv("LL_VECTORS");
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/vectors", name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open vector file %s: %s", path, strerror(errno));
	return f;
}

/* Decodes hex (even length, no spaces) into out; returns the byte count or -1. */
static inline long test_hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t len = strlen(hex);
	if (len % 2 || len / 2 > cap)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (long)(len / 2);
}

/* xorshift64*: reproducible pseudo-random test data from a fixed seed. */
static inline uint64_t test_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static inline void test_fill_random(uint64_t *seed, uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(test_rand(seed) >> 56);
}

/* The longest message in the CAVP SHA-256 files (LongMsg: 51,200 bits), rounded up. */
#define TEST_CAVP_MAX_MSG (64 * 1024)

/*
 * Calls check(msg, len, md) for each Len/Msg/MD record of a NIST CAVP .rsp file
 * (tests/vectors/sha256/); returns the record count.
 */
static inline int test_for_each_cavp(const char *file,
				     void (*check)(const uint8_t *msg, size_t len, const uint8_t *md))
{
	FILE *f = test_open_vector(file);
	char *line = NULL;
	size_t cap = 0;
	long bits = -1;
	uint8_t *msg = malloc(TEST_CAVP_MAX_MSG);
	uint8_t md[32];
	long msg_len = -1;
	int records = 0;

	assert_non_null(msg);
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\r\n")] = 0;
		if (sscanf(line, "Len = %ld", &bits) == 1)
			continue;
		if (strncmp(line, "Msg = ", 6) == 0) {
			msg_len = test_hex_decode(line + 6, msg, TEST_CAVP_MAX_MSG);
			assert_true(msg_len >= 0);
			if (bits == 0)	/* CAVP writes "00" for the empty message */
				msg_len = 0;
			assert_int_equal(msg_len * 8, bits);
		} else if (strncmp(line, "MD = ", 5) == 0) {
			assert_int_equal(test_hex_decode(line + 5, md, sizeof md), 32);
			check(msg, (size_t)msg_len, md);
			records++;
		}
	}
	free(line);
	free(msg);
	fclose(f);
	return records;
}

/* OpenSSL's digest of prefix || data: the independent reference. */
static inline void test_openssl_prefixed(enum ll_hash_alg alg, int prefix,
					 const uint8_t *data, size_t len, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, alg == LL_HASH_SM3 ? EVP_sm3() : EVP_sha256(),
					   NULL), 1);
	if (prefix >= 0) {
		uint8_t p = (uint8_t)prefix;
		assert_int_equal(EVP_DigestUpdate(ctx, &p, 1), 1);
	}
	assert_int_equal(EVP_DigestUpdate(ctx, data, len), 1);
	unsigned outlen = 0;
	assert_int_equal(EVP_DigestFinal_ex(ctx, out, &outlen), 1);
	assert_int_equal(outlen, LL_HASH_DIGEST_BYTES);
	EVP_MD_CTX_free(ctx);
}

/* How many implementations (AUTO included) say they run here; at least 2. */
static inline int test_available_impls(enum ll_hash_alg alg)
{
	int count = 0;
	for (int impl = LL_HASH_IMPL_AUTO; impl < LL_HASH_IMPL_COUNT; impl++)
		count += ll_hash_impl_available(alg, impl) == 0;
	assert_true(count >= 2);
	return count;
}

/*
 * Every implementation of `alg` available here, against OpenSSL: one batch of
 * records of every length 0..max_len in a shuffled order (so lanes finish at
 * different blocks), as leaves and as interior nodes. Returns how many
 * implementations ran, so the caller can insist the fast ones did.
 */
static inline int test_all_impls_match_openssl(enum ll_hash_alg alg, uint32_t max_len)
{
	uint32_t n = max_len + 1;
	uint64_t seed = 0x1edce11e + alg;
	uint32_t *lens = malloc(n * sizeof *lens);
	uint32_t *offsets = malloc((n + 1) * sizeof *offsets);
	assert_non_null(lens);
	assert_non_null(offsets);
	for (uint32_t i = 0; i < n; i++)
		lens[i] = i;
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(test_rand(&seed) % (i + 1)), t = lens[i];
		lens[i] = lens[j];
		lens[j] = t;
	}
	offsets[0] = 0;
	for (uint32_t i = 0; i < n; i++)
		offsets[i + 1] = offsets[i] + lens[i];
	uint8_t *data = malloc(offsets[n] + 1);
	uint8_t *want = malloc((size_t)n * 32), *got = malloc((size_t)n * 32);
	assert_non_null(data);
	assert_non_null(want);
	assert_non_null(got);
	test_fill_random(&seed, data, offsets[n] + 1);
	for (uint32_t i = 0; i < n; i++)
		test_openssl_prefixed(alg, LL_HASH_LEAF_PREFIX, data + offsets[i], lens[i],
				      want + (size_t)i * 32);

	/* interior nodes: children are the leaf digests, pairwise */
	uint32_t nodes = n / 2;
	uint8_t *want_nodes = malloc((size_t)nodes * 32), *got_nodes = malloc((size_t)nodes * 32);
	assert_non_null(want_nodes);
	assert_non_null(got_nodes);
	for (uint32_t i = 0; i < nodes; i++)
		test_openssl_prefixed(alg, LL_HASH_NODE_PREFIX, want + (size_t)i * 64, 64,
				      want_nodes + (size_t)i * 32);

	int ran = 0;
	for (int impl = LL_HASH_IMPL_AUTO; impl < LL_HASH_IMPL_COUNT; impl++) {
		int rc = ll_hash_leaves(alg, impl, offsets, n, data, got);
		if (rc == -ENOTSUP)
			continue;
		assert_int_equal(rc, 0);
		if (memcmp(got, want, (size_t)n * 32) != 0)
			fail_msg("%s leaves on %s differ from OpenSSL", ll_hash_alg_name(alg),
				 ll_hash_impl_name(impl));
		assert_int_equal(ll_hash_nodes(alg, impl, want, nodes, got_nodes), 0);
		if (memcmp(got_nodes, want_nodes, (size_t)nodes * 32) != 0)
			fail_msg("%s nodes on %s differ from OpenSSL", ll_hash_alg_name(alg),
				 ll_hash_impl_name(impl));
		ran++;
	}
	free(want_nodes);
	free(got_nodes);
	free(data);
	free(want);
	free(got);
	free(lens);
	free(offsets);
	return ran;
}

/*
 * Batches of 1..17 records of about 100 bytes on every implementation against
 * the portable one: fewer records than lanes leaves lanes idle, and the results
 * must not change.
 */
static inline void test_small_batches_match_portable(enum ll_hash_alg alg)
{
	uint64_t seed = 42;
	uint8_t data[17 * 100];
	uint32_t offsets[18];
	uint8_t want[17 * 32], got[17 * 32];

	test_fill_random(&seed, data, sizeof data);
	for (uint32_t n = 1; n <= 17; n++) {
		for (uint32_t i = 0; i <= n; i++)
			offsets[i] = i * 100 - (i ? i % 3 : 0);
		assert_int_equal(ll_hash_leaves(alg, LL_HASH_IMPL_PORTABLE, offsets, n, data, want), 0);
		for (int impl = LL_HASH_IMPL_AUTO; impl < LL_HASH_IMPL_COUNT; impl++) {
			if (ll_hash_impl_available(alg, impl) < 0)
				continue;
			assert_int_equal(ll_hash_leaves(alg, impl, offsets, n, data, got), 0);
			if (memcmp(got, want, (size_t)n * 32) != 0)
				fail_msg("%s on %s differs from portable for %u records",
					 ll_hash_alg_name(alg), ll_hash_impl_name(impl), n);
		}
	}
}

/*
 * The one-shot ll_hash and the incremental API (fed in uneven pieces) against
 * OpenSSL on random messages of every length 0..max_len.
 */
static inline void test_one_shot_and_incremental_match_openssl(
	enum ll_hash_alg alg, uint32_t max_len,
	void (*incremental)(const uint8_t *msg, size_t len, const size_t *pieces,
			    size_t npieces, uint8_t *out))
{
	static const size_t pieces[] = { 1, 63, 64, 65, 3, 128, 7, 0 };
	uint64_t seed = 0x5eed + alg;
	uint8_t *msg = malloc(max_len + 1);
	uint8_t want[32], got[32];
	assert_non_null(msg);
	test_fill_random(&seed, msg, max_len + 1);
	for (uint32_t len = 0; len <= max_len; len++) {
		test_openssl_prefixed(alg, -1, msg, len, want);
		assert_int_equal(ll_hash(alg, msg, len, got), 0);
		if (memcmp(got, want, sizeof got) != 0)
			fail_msg("%s one-shot differs from OpenSSL at length %u",
				 ll_hash_alg_name(alg), len);
		incremental(msg, len, pieces + len % 7, LL_ARRAY_LEN(pieces) - len % 7, got);
		if (memcmp(got, want, sizeof got) != 0)
			fail_msg("%s incremental differs from OpenSSL at length %u",
				 ll_hash_alg_name(alg), len);
	}
	free(msg);
}

/*
 * Records pressed against unreadable pages, on every implementation: the last
 * record ends where a PROT_NONE page begins, and in a second layout the first
 * record starts right after one. Any read outside the records faults.
 */
static inline void test_batches_stay_inside_records(enum ll_hash_alg alg)
{
	const size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const uint32_t n = 40, max_len = 300;
	uint32_t offsets[41];
	uint8_t want[40 * 32], got[40 * 32];
	uint64_t seed = 7;

	for (uint32_t first_len = 0; first_len <= max_len; first_len += 13) {
		offsets[0] = 0;
		for (uint32_t i = 0; i < n; i++)
			offsets[i + 1] = offsets[i] + (i == 0 ? first_len :
						       (uint32_t)(test_rand(&seed) % (max_len + 1)));
		size_t total = offsets[n];
		size_t span = (total + page - 1) / page * page;
		uint8_t *map = mmap(NULL, span + 2 * page, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(map != MAP_FAILED);
		assert_int_equal(mprotect(map, page, PROT_NONE), 0);
		assert_int_equal(mprotect(map + page + span, page, PROT_NONE), 0);
		uint8_t *layouts[2] = { map + page + span - total, map + page };
		for (int l = 0; l < 2; l++) {
			uint8_t *data = layouts[l];
			test_fill_random(&seed, data, total);
			for (uint32_t i = 0; i < n; i++)
				test_openssl_prefixed(alg, LL_HASH_LEAF_PREFIX, data + offsets[i],
						      offsets[i + 1] - offsets[i], want + i * 32);
			for (int impl = LL_HASH_IMPL_AUTO; impl < LL_HASH_IMPL_COUNT; impl++) {
				if (ll_hash_impl_available(alg, impl) < 0)
					continue;
				/* the whole batch, and the edge record alone */
				assert_int_equal(ll_hash_leaves(alg, impl, offsets, n, data, got), 0);
				assert_memory_equal(got, want, sizeof want);
				const uint32_t *edge = l == 0 ? offsets + n - 1 : offsets;
				assert_int_equal(ll_hash_leaves(alg, impl, edge, 1, data, got), 0);
				assert_memory_equal(got, want + (l == 0 ? (n - 1) * 32 : 0), 32);
			}
		}
		munmap(map, span + 2 * page);
	}
}

/* True when /proc/cpuinfo's flags line lists `flag` (x86 Linux). */
static inline bool test_cpu_has(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char *line = NULL;
	size_t cap = 0;
	bool found = false;
	if (!f)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (char *tok = strtok(strchr(line, ':') + 1, " \n"); tok; tok = strtok(NULL, " \n"))
			found |= strcmp(tok, flag) == 0;
		break;
	}
	free(line);
	fclose(f);
	return found;
}

/* cpuid detection agrees with the kernel's view, and AUTO is a fast path where one exists. */
static inline void test_dispatch_follows_cpu(enum ll_hash_alg alg)
{
	bool avx2 = test_cpu_has("avx2");
	bool avx512 = test_cpu_has("avx512f") && test_cpu_has("avx512bw") &&
		      test_cpu_has("avx512vl");
	assert_int_equal(ll_hash_impl_available(alg, LL_HASH_IMPL_AVX2) == 0, avx2);
	assert_int_equal(ll_hash_impl_available(alg, LL_HASH_IMPL_AVX512) == 0, avx512);
	if (alg == LL_HASH_SHA256)
		assert_int_equal(ll_hash_impl_available(alg, LL_HASH_IMPL_SHANI) == 0,
				 test_cpu_has("sha_ni"));
	if (avx2)
		assert_int_not_equal(ll_hash_impl_best(alg), LL_HASH_IMPL_PORTABLE);
	if (avx512)
		assert_int_equal(ll_hash_impl_best(alg), LL_HASH_IMPL_AVX512);
}

/* NULL buffers with records to hash are refused, not dereferenced. */
static inline void test_batch_rejects_null_buffers(enum ll_hash_alg alg)
{
	uint32_t offsets[] = { 0, 4 };
	uint8_t data[4] = { 0 }, out[64];
	assert_int_equal(ll_hash_leaves(alg, LL_HASH_IMPL_AUTO, offsets, 1, NULL, out), -EINVAL);
	assert_int_equal(ll_hash_leaves(alg, LL_HASH_IMPL_AUTO, offsets, 1, data, NULL), -EINVAL);
	assert_int_equal(ll_hash_leaves(alg, LL_HASH_IMPL_AUTO, NULL, 1, data, out), -EINVAL);
	assert_int_equal(ll_hash_nodes(alg, LL_HASH_IMPL_AUTO, NULL, 1, out), -EINVAL);
	assert_int_equal(ll_hash_nodes(alg, LL_HASH_IMPL_AUTO, out, 1, NULL), -EINVAL);
	/* nothing to hash: nothing is read or written */
	assert_int_equal(ll_hash_nodes(alg, LL_HASH_IMPL_AUTO, NULL, 0, NULL), 0);
}

static inline int test_remove_entry(const char *path, const struct stat *st, int flag,
				    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* test_remove_tree - deletes dir and everything below it; 0 or -1. */
static inline int test_remove_tree(const char *dir)
{
	return nftw(dir, test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * tests/fakexrt as an Alveo card, for the xrt backend: this build variant's
 * libfakexrt.so, a probe root in which a PCI function is bound to xocl,
 * XILINX_XRT set, and a copy of the card image (whose header carries
 * TEST_FAKEXRT_UUID, as tests/fakexrt/module.mk writes it) with a manifest.
 */
struct test_fakexrt {
	char dir[64], library[PATH_MAX + 32], image[PATH_MAX + 48], xclbin[128], manifest[128];
};

#define TEST_FAKEXRT_UUID "4c4c2d66616b65787274000000000001"

/* test_fakexrt_manifest - the card image's manifest, with this abi and uuid (to test refusals). */
static inline void test_fakexrt_manifest(const struct test_fakexrt *r, unsigned abi,
					 const char *uuid)
{
	FILE *f = fopen(r->manifest, "w");
	assert_non_null(f);
	fprintf(f, "# made by a unit test\nformat 1\nabi %u\nplatform fakexrt\ntarget fakexrt\n"
		   "clock_mhz 300\nleaf_cores %d\nuuid %s\n"
		   "kernel llk_leaves offsets:bo data:bo n:u32 alg:u32 leaves:bo info:bo\n"
		   "kernel llk_merkle leaves:bo n:u32 alg:u32 root:bo info:bo\n",
		abi, LLK_LEAF_CORES, uuid);
	assert_int_equal(fclose(f), 0);
}

/* test_fakexrt_open - makes the rig in a new directory under /tmp. */
static inline void test_fakexrt_open(struct test_fakexrt *r)
{
	char exe[PATH_MAX], path[256];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	assert_true(n > 0);
	exe[n] = 0;
	*strrchr(exe, '/') = 0;		/* <variant>/tests */
	*strrchr(exe, '/') = 0;		/* <variant> */
	memset(r, 0, sizeof *r);
	snprintf(r->library, sizeof r->library, "%s/lib/libfakexrt.so", exe);
	/* the card image is the release build's */
	snprintf(r->image, sizeof r->image, "%s/fakexrt/ledgerline.xclbin", exe);
	if (access(r->image, R_OK) != 0)
		snprintf(r->image, sizeof r->image, "%s/../fakexrt/ledgerline.xclbin", exe);
	snprintf(r->dir, sizeof r->dir, "/tmp/test_fakexrt_rig.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	const char *parts[] = { "sys", "sys/bus", "sys/bus/pci", "sys/bus/pci/drivers",
				"sys/bus/pci/drivers/xocl", "sys/bus/pci/drivers/xocl/0000:65:00.1" };
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		snprintf(path, sizeof path, "%s/%s", r->dir, parts[i]);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	snprintf(r->xclbin, sizeof r->xclbin, "%s/ledgerline.xclbin", r->dir);
	snprintf(r->manifest, sizeof r->manifest, "%s/ledgerline.manifest", r->dir);
	char copy[sizeof r->image + sizeof r->xclbin + 16];
	snprintf(copy, sizeof copy, "cp '%s' '%s'", r->image, r->xclbin);
	assert_int_equal(system(copy), 0);
	test_fakexrt_manifest(r, LLK_ABI_VERSION, TEST_FAKEXRT_UUID);
	setenv("XILINX_XRT", r->dir, 1);
}

/* test_fakexrt_close - removes the rig and every fakexrt knob a test set. */
static inline void test_fakexrt_close(struct test_fakexrt *r)
{
	test_remove_tree(r->dir);
	unsetenv("FAKEXRT_FAIL");
	unsetenv("FAKEXRT_CORRUPT");
	unsetenv("FAKEXRT_HANG");
}

/*
 * A test that needs its own mount namespace (a small tmpfs to fill) runs in a
 * forked child: TEST_CHILD_CHECK fails the child with the line, the child exits
 * TEST_CHILD_SKIP when the namespace cannot be had, and test_wait_child turns
 * the child's exit into the test's result.
 */
#define TEST_CHILD_CHECK(cond)                                                    \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "child: line %d: %s\n", __LINE__, #cond); \
			_exit(1);                                                 \
		}                                                                 \
	} while (0)
#define TEST_CHILD_SKIP 77

static inline void test_wait_child(pid_t pid)
{
	int status = 0;
	assert_true(pid >= 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == TEST_CHILD_SKIP)
		skip();	/* no mount namespace here (needs CAP_SYS_ADMIN) */
	assert_int_equal(WEXITSTATUS(status), 0);
}

#endif /* LL_TEST_UTIL_H */
