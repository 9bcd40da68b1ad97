/* Unit suite for host/chain ll_ledger_log: a log grown block by block from stored
 * subtrees gives the same heads and proofs as ll_merkle over the whole leaf list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ll_ledger_log.h"
#include "ll_merkle.h"
#include "ll_test_util.h"

#define MAX_LEAVES 700

/* Nodes in memory, one array per level, as the store's `log` database holds them. */
struct mem_log {
	uint8_t node[11][MAX_LEAVES][32];
	uint8_t have[11][MAX_LEAVES];
	uint64_t reads;
};

static int mem_read(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
	struct mem_log *m = ctx;
	m->reads++;
	if (level > 10 || index >= MAX_LEAVES || !m->have[level][index])
		return -ENOENT;
	memcpy(out, m->node[level][index], 32);
	return 0;
}

/* Files the packed nodes of one append under their (level, index). */
static void mem_store(struct mem_log *m, uint64_t old_size, uint32_t n, const uint8_t *nodes)
{
	uint64_t new_size = old_size + n;
	size_t expect = 0;
	for (unsigned level = 0; level < 64; level++) {
		for (uint64_t j = old_size >> level; j < new_size >> level; j++) {
			size_t slot;
			assert_true(level <= 10 && j < MAX_LEAVES);
			assert_int_equal(ll_ledger_log_node_slot(old_size, n, level, j, &slot), 0);
			assert_int_equal(slot, expect);	/* packed: level by level, in order */
			expect++;
			assert_false(m->have[level][j]);	/* written once */
			memcpy(m->node[level][j], nodes + slot * 32, 32);
			m->have[level][j] = 1;
		}
	}
	assert_int_equal(expect, ll_ledger_log_append_nodes(old_size, n));
}

static void check_alg(enum ll_hash_alg alg)
{
	static struct mem_log m;
	struct ll_ledger_log_source src = { .read_node = mem_read, .ctx = &m };
	uint8_t leaves[MAX_LEAVES * 32];
	uint64_t seed = 99 + alg, size = 0;
	uint64_t heads_at[MAX_LEAVES];	/* sizes after each block */
	unsigned blocks = 0;

	struct ll_ledger_log_frontier f = { .size = 0 };
	memset(&m, 0, sizeof m);
	test_fill_random(&seed, leaves, sizeof leaves);
	while (size < MAX_LEAVES) {
		/* blocks of 0..40 leaves, some empty */
		uint32_t n = (uint32_t)(test_rand(&seed) % 41);
		if (n > MAX_LEAVES - size)
			n = (uint32_t)(MAX_LEAVES - size);
		uint8_t nodes[(2 * 40 + 10) * 32];
		uint8_t root[32], want[32];
		assert_true(ll_ledger_log_append_nodes(size, n) * 32 <= sizeof nodes);
		assert_int_equal(ll_ledger_log_append(alg, &f, leaves + size * 32, n, nodes, root),
				 0);
		mem_store(&m, size, n, nodes);
		/* the frontier kept in memory is the one the stored nodes give */
		struct ll_ledger_log_frontier loaded;
		assert_int_equal(ll_ledger_log_frontier_load(&src, size + n, &loaded), 0);
		assert_int_equal(f.size, size + n);
		assert_int_equal(f.count, loaded.count);
		for (unsigned k = 0; k < f.count; k++) {
			assert_int_equal(f.node[k].level, loaded.node[k].level);
			assert_int_equal(f.node[k].index, loaded.node[k].index);
			assert_memory_equal(f.node[k].hash, loaded.node[k].hash, 32);
		}
		size += n;
		assert_int_equal(ll_merkle_root(alg, size, leaves, want), 0);
		assert_memory_equal(root, want, 32);
		assert_int_equal(ll_ledger_log_root(alg, &src, size, root), 0);
		assert_memory_equal(root, want, 32);
		heads_at[blocks++] = size;
	}

	/* every inclusion proof against every 7th head, as ll_merkle makes it */
	uint8_t got[65 * 32], want[65 * 32], root[32];
	size_t got_n, want_n;
	for (unsigned b = 0; b < blocks; b += 7) {
		uint64_t at = heads_at[b];
		if (at == 0)
			continue;
		assert_int_equal(ll_merkle_root(alg, at, leaves, root), 0);
		for (uint64_t i = 0; i < at; i++) {
			m.reads = 0;
			assert_int_equal(ll_ledger_log_inclusion(alg, &src, i, at, got, &got_n), 0);
			/* O(log n): one read per proof node and one frontier */
			assert_true(m.reads <= 2 * 64);
			assert_int_equal(ll_merkle_inclusion_proof(alg, at, leaves, i, want,
								   &want_n), 0);
			assert_int_equal(got_n, want_n);
			assert_memory_equal(got, want, got_n * 32);
			assert_int_equal(ll_merkle_verify_inclusion(alg, i, at, leaves + i * 32,
								    got, got_n, root), 0);
		}
	}
	/* consistency between every pair of heads (a sample) */
	for (unsigned a = 0; a < blocks; a += 3) {
		for (unsigned b = a; b < blocks; b += 5) {
			uint64_t old = heads_at[a], now = heads_at[b];
			if (old == 0)
				continue;
			uint8_t old_root[32];
			assert_int_equal(ll_ledger_log_consistency(alg, &src, old, now, got, &got_n),
					 0);
			assert_int_equal(ll_merkle_consistency_proof(alg, now, leaves, old, want,
								     &want_n), 0);
			assert_int_equal(got_n, want_n);
			assert_memory_equal(got, want, got_n * 32);
			assert_int_equal(ll_merkle_root(alg, old, leaves, old_root), 0);
			assert_int_equal(ll_merkle_root(alg, now, leaves, root), 0);
			assert_int_equal(ll_merkle_verify_consistency(alg, old, now, old_root, root,
								      got, got_n), 0);
		}
	}
}

static void test_ledger_log_matches_merkle_sha256(void **state)
{
	(void)state;
	check_alg(LL_HASH_SHA256);
}

static void test_ledger_log_matches_merkle_sm3(void **state)
{
	(void)state;
	check_alg(LL_HASH_SM3);
}

static void test_ledger_log_rejects_bad_arguments(void **state)
{
	(void)state;
	static struct mem_log m;
	struct ll_ledger_log_source src = { .read_node = mem_read, .ctx = &m };
	uint8_t proof[65 * 32], root[32], leaf[32] = { 1 };
	uint8_t nodes[70 * 32];
	size_t n, slot;
	memset(&m, 0, sizeof m);
	struct ll_ledger_log_frontier f = { .size = 0 };
	assert_int_equal(ll_ledger_log_append(LL_HASH_SHA256, &f, leaf, 1, nodes, root), 0);
	mem_store(&m, 0, 1, nodes);
	/* a node another append made has no slot in this one */
	assert_int_equal(ll_ledger_log_node_slot(4, 4, 1, 1, &slot), -ENOENT);
	assert_int_equal(ll_ledger_log_node_slot(4, 4, 3, 0, &slot), 0);
	assert_int_equal(slot, 4 + 2 + 1);
	assert_int_equal(ll_ledger_log_inclusion(LL_HASH_SHA256, &src, 1, 1, proof, &n), -EINVAL);
	assert_int_equal(ll_ledger_log_consistency(LL_HASH_SHA256, &src, 0, 1, proof, &n), -EINVAL);
	assert_int_equal(ll_ledger_log_consistency(LL_HASH_SHA256, &src, 2, 1, proof, &n), -EINVAL);
	assert_int_equal(ll_ledger_log_append(7, &f, leaf, 1, nodes, root), -EINVAL);
	assert_int_equal(ll_ledger_log_append(LL_HASH_SM3, &f, NULL, 1, nodes, root), -EINVAL);
	assert_int_equal(ll_ledger_log_append(LL_HASH_SM3, NULL, leaf, 1, nodes, root), -EINVAL);
	/* a frontier that does not match its size is refused, not trusted */
	struct ll_ledger_log_frontier wrong = { .size = 3 };
	assert_int_equal(ll_ledger_log_append(LL_HASH_SM3, &wrong, leaf, 1, nodes, root), -EINVAL);
	assert_int_equal(wrong.size, 3);
	/* a node the source does not have is the source's error, not a crash */
	assert_int_equal(ll_ledger_log_root(LL_HASH_SHA256, &src, 2, root), -ENOENT);
	assert_int_equal(ll_ledger_log_inclusion(LL_HASH_SHA256, &src, 0, 3, proof, &n), -ENOENT);
	/* the empty log's head is H() */
	uint8_t empty[32];
	test_openssl_prefixed(LL_HASH_SM3, -1, leaf, 0, empty);
	assert_int_equal(ll_ledger_log_root(LL_HASH_SM3, &src, 0, root), 0);
	assert_memory_equal(root, empty, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ledger_log_matches_merkle_sha256),
		cmocka_unit_test(test_ledger_log_matches_merkle_sm3),
		cmocka_unit_test(test_ledger_log_rejects_bad_arguments),
	};
	return cmocka_run_group_tests_name("ll_ledger_log", tests, NULL, NULL);
}
