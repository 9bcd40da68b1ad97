/* llbench hash and merkle: leaf hashes per second per core on every path against
 * OpenSSL EVP (one record at a time) and ipsec-mb; tree heads against EVP trees. */
#include "llbench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <openssl/evp.h>

#include "ll_hash.h"
#include "ll_merkle.h"

#define BATCH_RECORDS 4096

/* One batch of equal-size records, in both shapes the contenders want. */
struct batch {
	enum ll_hash_alg alg;
	enum ll_hash_impl impl;
	uint32_t n, size;
	uint32_t *offsets;
	uint8_t *data;		/* records back to back (the device ABI's blob) */
	uint8_t *prefixed;	/* 0x00 || record, back to back: the best case for baselines */
	uint8_t *out;
	EVP_MD_CTX *ctx;
	EVP_MD *md;
	IMB_MGR *mgr;
};

static int batch_make(struct batch *b, enum ll_hash_alg alg, uint32_t n, uint32_t size)
{
	memset(b, 0, sizeof *b);
	b->alg = alg;
	b->n = n;
	b->size = size;
	b->offsets = malloc((n + 1) * sizeof *b->offsets);
	b->data = malloc((size_t)n * size);
	b->prefixed = malloc((size_t)n * (size + 1));
	b->out = malloc((size_t)n * LL_HASH_DIGEST_BYTES);
	b->ctx = EVP_MD_CTX_new();
	b->md = EVP_MD_fetch(NULL, alg == LL_HASH_SM3 ? "SM3" : "SHA256", NULL);
	if (!b->offsets || !b->data || !b->prefixed || !b->out || !b->ctx || !b->md)
		return -ENOMEM;
	for (size_t i = 0; i < (size_t)n * size; i++)
		b->data[i] = (uint8_t)(i * 131 + 7);
	for (uint32_t i = 0; i <= n; i++)
		b->offsets[i] = i * size;
	for (uint32_t i = 0; i < n; i++) {
		b->prefixed[(size_t)i * (size + 1)] = LL_HASH_LEAF_PREFIX;
		memcpy(b->prefixed + (size_t)i * (size + 1) + 1, b->data + (size_t)i * size, size);
	}
	return 0;
}

static void batch_free(struct batch *b)
{
	free(b->offsets);
	free(b->data);
	free(b->prefixed);
	free(b->out);
	EVP_MD_CTX_free(b->ctx);
	EVP_MD_free(b->md);
	if (b->mgr)
		free_mb_mgr(b->mgr);
}

static void run_ll_leaves(void *arg)
{
	struct batch *b = arg;
	ll_hash_leaves(b->alg, b->impl, b->offsets, b->n, b->data, b->out);
}

/* What most projects call: EVP one record at a time, context and MD reused. */
static void run_openssl_evp(void *arg)
{
	struct batch *b = arg;
	for (uint32_t i = 0; i < b->n; i++) {
		unsigned len;
		EVP_DigestInit_ex2(b->ctx, b->md, NULL);
		EVP_DigestUpdate(b->ctx, b->prefixed + (size_t)i * (b->size + 1), b->size + 1);
		EVP_DigestFinal_ex(b->ctx, b->out + (size_t)i * 32, &len);
	}
}

/* ipsec-mb's multi-buffer job API, on contiguous prefixed messages. */
static void run_ipsecmb(void *arg)
{
	struct batch *b = arg;
	for (uint32_t i = 0; i < b->n; i++) {
		IMB_JOB *job = IMB_GET_NEXT_JOB(b->mgr);
		job->cipher_mode = IMB_CIPHER_NULL;
		job->cipher_direction = IMB_DIR_ENCRYPT;
		job->chain_order = IMB_ORDER_HASH_CIPHER;
		job->hash_alg = IMB_AUTH_SHA_256;
		job->src = b->prefixed + (size_t)i * (b->size + 1);
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = b->size + 1;
		job->auth_tag_output = b->out + (size_t)i * 32;
		job->auth_tag_output_len_in_bytes = 32;
		IMB_SUBMIT_JOB(b->mgr);
	}
	while (IMB_FLUSH_JOB(b->mgr))
		;
}

int ll_bench_hash(const struct ll_bench_opts *o)
{
	static const enum ll_hash_alg algs[] = { LL_HASH_SHA256, LL_HASH_SM3 };
	static const uint32_t sizes[] = { 64, 256, 1024 };
	char name[96];

	for (size_t a = 0; a < 2; a++) {
		enum ll_hash_alg alg = algs[a];
		const char *an = ll_hash_alg_name(alg);
		for (size_t s = 0; s < 3; s++) {
			struct batch b;
			int rc = batch_make(&b, alg, BATCH_RECORDS, sizes[s]);
			if (rc < 0) {
				batch_free(&b);
				return rc;
			}
			double evp = ll_bench_rate(o, run_openssl_evp, &b, b.n);
			double mb = 0;
			if (alg == LL_HASH_SHA256) {
				if (!(b.mgr = alloc_mb_mgr(0))) {
					batch_free(&b);
					return -ENOMEM;
				}
				init_mb_mgr_auto(b.mgr, NULL);
				mb = ll_bench_rate(o, run_ipsecmb, &b, b.n);
			}

			b.impl = ll_hash_impl_best(alg);
			double batch = ll_bench_rate(o, run_ll_leaves, &b, b.n);
			snprintf(name, sizeof name, "%s/batch/%uB", an, sizes[s]);
			ll_bench_report(o, "hash", name, batch, "leaves/s", "openssl-evp", evp);
			if (alg == LL_HASH_SHA256)
				ll_bench_report(o, "hash", name, batch, "leaves/s", "ipsec-mb", mb);
			if (sizes[s] == 256 && alg == LL_HASH_SM3)
				ll_bench_goal(o, "sm3 batch 256B vs openssl-evp", batch / evp, 3.0, false);
			if (sizes[s] == 256 && alg == LL_HASH_SHA256) {
				ll_bench_goal(o, "sha256 batch 256B vs openssl-evp", batch / evp, 1.5, false);
				ll_bench_goal(o, "sha256 batch 256B vs ipsec-mb", batch / mb, 0.95, false);
			}

			/* every implementation this CPU has, for the record */
			for (int impl = LL_HASH_IMPL_PORTABLE; impl < LL_HASH_IMPL_COUNT; impl++) {
				if (ll_hash_impl_available(alg, impl) < 0)
					continue;
				b.impl = impl;
				double r = ll_bench_rate(o, run_ll_leaves, &b, b.n);
				snprintf(name, sizeof name, "%s/%s/%uB", an, ll_hash_impl_name(impl),
					 sizes[s]);
				ll_bench_report(o, "hash", name, r, "leaves/s", "openssl-evp", evp);
			}
			batch_free(&b);
		}
	}
	return 0;
}

/* A tree of leaf hashes, and what building its head costs. */
struct tree {
	enum ll_hash_alg alg;
	uint64_t n;
	uint8_t *leaves;
	uint8_t *level;		/* scratch for the EVP baseline */
	uint8_t root[32];
	EVP_MD_CTX *ctx;
	EVP_MD *md;
};

static void run_merkle_root(void *arg)
{
	struct tree *t = arg;
	ll_merkle_root(t->alg, t->n, t->leaves, t->root);
}

/* The textbook tree: one EVP digest per node, level by level, odd node promoted. */
static void run_evp_root(void *arg)
{
	struct tree *t = arg;
	uint64_t width = t->n;
	const uint8_t *src = t->leaves;
	while (width > 1) {
		for (uint64_t i = 0; i + 1 < width; i += 2) {
			static const uint8_t node_prefix = LL_HASH_NODE_PREFIX;
			unsigned len;
			EVP_DigestInit_ex2(t->ctx, t->md, NULL);
			EVP_DigestUpdate(t->ctx, &node_prefix, 1);
			EVP_DigestUpdate(t->ctx, src + i * 32, 64);
			EVP_DigestFinal_ex(t->ctx, t->level + (i / 2) * 32, &len);
		}
		if (width & 1)
			memmove(t->level + (width / 2) * 32, src + (width - 1) * 32, 32);
		width = (width + 1) / 2;
		src = t->level;
	}
	memcpy(t->root, src, 32);
}

int ll_bench_merkle(const struct ll_bench_opts *o)
{
	static const enum ll_hash_alg algs[] = { LL_HASH_SHA256, LL_HASH_SM3 };
	static const uint32_t sizes[] = { 1024, 65536 };
	char name[96];

	for (size_t a = 0; a < 2; a++) {
		const char *an = ll_hash_alg_name(algs[a]);
		for (size_t s = 0; s < 2; s++) {
			struct batch b;
			struct tree t = { .alg = algs[a], .n = sizes[s] };
			int rc = batch_make(&b, algs[a], sizes[s], 256);
			t.leaves = b.out;
			t.level = malloc((size_t)sizes[s] * 32);
			t.ctx = b.ctx;
			t.md = b.md;
			if (rc == 0 && !t.level)
				rc = -ENOMEM;
			if (rc == 0)
				rc = ll_hash_leaves(algs[a], LL_HASH_IMPL_AUTO, b.offsets, b.n,
						    b.data, b.out);
			if (rc < 0) {
				free(t.level);
				batch_free(&b);
				return rc;
			}
			double evp = ll_bench_rate(o, run_evp_root, &t, 1);
			double roots = ll_bench_rate(o, run_merkle_root, &t, 1);
			snprintf(name, sizeof name, "%s/root/%u", an, sizes[s]);
			ll_bench_report(o, "merkle", name, roots, "roots/s", "openssl-evp-tree", evp);

			if (sizes[s] == 65536) {
				/* Interior nodes against the leaf hashing of 256-byte records
				 * (rewriting b.out with the same leaves). */
				b.impl = LL_HASH_IMPL_AUTO;
				double leaf_s = 1.0 / ll_bench_rate(o, run_ll_leaves, &b, 1);
				double node_s = 1.0 / roots;
				snprintf(name, sizeof name, "%s/internal-nodes/%u", an, sizes[s]);
				ll_bench_report(o, "merkle", name, node_s, "s", "leaf-hashing-256B",
						leaf_s);
				snprintf(name, sizeof name, "%s internal nodes / leaf hashing (65536)", an);
				ll_bench_goal(o, name, node_s / leaf_s, 1.0, true);
			}
			free(t.level);
			batch_free(&b);
		}
	}
	return 0;
}
