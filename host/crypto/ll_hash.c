/* Algorithm-generic entry points: names, which implementation runs where (cpuid),
 * and the one-shot, leaf-batch and node-batch calls for either algorithm. */
#include "ll_hash.h"

#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "ll_mb.h"
#include "ll_sha256.h"
#include "ll_sm3.h"

static struct ll_cpu_features cpu;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static uint64_t read_xcr0(void)
{
	uint32_t eax, edx;
	__asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return (uint64_t)edx << 32 | eax;
}

static void probe_cpu(void)
{
	unsigned eax, ebx, ecx, edx;
	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return;
	bool ssse3 = ecx & (1u << 9), sse41 = ecx & (1u << 19);
	bool osxsave = ecx & (1u << 27);
	uint64_t xcr0 = osxsave ? read_xcr0() : 0;
	bool os_ymm = (xcr0 & 0x6) == 0x6;	/* XMM and YMM state saved */
	bool os_zmm = os_ymm && (xcr0 & 0xe0) == 0xe0;	/* opmask, ZMM_Hi256, Hi16_ZMM */

	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
		return;
	cpu.shani = ssse3 && sse41 && (ebx & (1u << 29));
	cpu.avx2 = os_ymm && (ebx & (1u << 5));
	cpu.avx512 = os_zmm && (ebx & (1u << 16)) && (ebx & (1u << 30)) && (ebx & (1u << 31));
}

const struct ll_cpu_features *ll_cpu_features(void)
{
	pthread_once(&cpu_once, probe_cpu);
	return &cpu;
}

static const char *const impl_names[LL_HASH_IMPL_COUNT] = {
	[LL_HASH_IMPL_AUTO] = "auto",
	[LL_HASH_IMPL_PORTABLE] = "portable",
	[LL_HASH_IMPL_SHANI] = "sha-ni",
	[LL_HASH_IMPL_IPSECMB] = "ipsec-mb",
	[LL_HASH_IMPL_AVX2] = "avx2",
	[LL_HASH_IMPL_AVX512] = "avx512",
};

int ll_hash_alg_parse(const char *name, enum ll_hash_alg *out)
{
	if (name && strcmp(name, "sha256") == 0)
		*out = LL_HASH_SHA256;
	else if (name && strcmp(name, "sm3") == 0)
		*out = LL_HASH_SM3;
	else
		return -EINVAL;
	return 0;
}

const char *ll_hash_alg_name(enum ll_hash_alg alg)
{
	switch (alg) {
	case LL_HASH_SHA256:
		return "sha256";
	case LL_HASH_SM3:
		return "sm3";
	}
	return "?";
}

const char *ll_hash_impl_name(enum ll_hash_impl impl)
{
	return impl >= 0 && impl < LL_HASH_IMPL_COUNT ? impl_names[impl] : "?";
}

int ll_hash_impl_available(enum ll_hash_alg alg, enum ll_hash_impl impl)
{
	const struct ll_cpu_features *f = ll_cpu_features();
	bool ok;

	if (alg != LL_HASH_SHA256 && alg != LL_HASH_SM3)
		return -EINVAL;
	switch (impl) {
	case LL_HASH_IMPL_AUTO:
	case LL_HASH_IMPL_PORTABLE:
		ok = true;
		break;
	case LL_HASH_IMPL_SHANI:
		ok = alg == LL_HASH_SHA256 && f->shani;
		break;
	case LL_HASH_IMPL_IPSECMB:
		/* ipsec-mb's own dispatch needs at least SSE4.2-era CPUs; AVX2 is our bar. */
		ok = alg == LL_HASH_SHA256 && f->avx2;
		break;
	case LL_HASH_IMPL_AVX2:
		ok = f->avx2;
		break;
	case LL_HASH_IMPL_AVX512:
		ok = f->avx512;
		break;
	default:
		return -EINVAL;
	}
	return ok ? 0 : -ENOTSUP;
}

enum ll_hash_impl ll_hash_impl_best(enum ll_hash_alg alg)
{
	/*
	 * Fastest first, as llbench measures them (README "Benchmarks"): 16 AVX-512
	 * lanes beat two interleaved SHA-NI streams, which beat 8 AVX2 lanes.
	 * ipsec-mb is kept for comparison; our own lanes measured faster.
	 */
	static const enum ll_hash_impl order[] = {
		LL_HASH_IMPL_AVX512, LL_HASH_IMPL_SHANI, LL_HASH_IMPL_AVX2,
	};
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		if (ll_hash_impl_available(alg, order[i]) == 0)
			return order[i];
	return LL_HASH_IMPL_PORTABLE;
}

int ll_hash(enum ll_hash_alg alg, const void *data, size_t len, uint8_t *out)
{
	switch (alg) {
	case LL_HASH_SHA256:
		ll_sha256(data, len, out);
		return 0;
	case LL_HASH_SM3:
		ll_sm3(data, len, out);
		return 0;
	}
	return -EINVAL;
}

int ll_hash_leaves(enum ll_hash_alg alg, enum ll_hash_impl impl,
		   const uint32_t *offsets, uint32_t n, const uint8_t *data,
		   uint8_t *out)
{
	switch (alg) {
	case LL_HASH_SHA256:
		return ll_sha256_leaves(impl, offsets, n, data, out);
	case LL_HASH_SM3:
		return ll_sm3_leaves(impl, offsets, n, data, out);
	}
	return -EINVAL;
}

int ll_hash_nodes(enum ll_hash_alg alg, enum ll_hash_impl impl,
		  const uint8_t *children, uint32_t n, uint8_t *out)
{
	switch (alg) {
	case LL_HASH_SHA256:
		return ll_sha256_nodes(impl, children, n, out);
	case LL_HASH_SM3:
		return ll_sm3_nodes(impl, children, n, out);
	}
	return -EINVAL;
}

int ll_hash_node(enum ll_hash_alg alg, const uint8_t *left,
		 const uint8_t *right, uint8_t *out)
{
	uint8_t children[2 * LL_HASH_DIGEST_BYTES];
	memcpy(children, left, LL_HASH_DIGEST_BYTES);
	memcpy(children + LL_HASH_DIGEST_BYTES, right, LL_HASH_DIGEST_BYTES);
	return ll_hash_nodes(alg, LL_HASH_IMPL_AUTO, children, 1, out);
}
