/* Unit suite for host/chain ll_chain: blocks from batches, linked and logged;
 * reads and proofs (checked by ll_merkle and by the llmerkle tool); verify
 * finding a flipped body byte, a broken link and a missing txindex entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <limits.h>
#include <inttypes.h>
#include <lmdb.h>
#include <sys/wait.h>

#include "ll_chain.h"
#include "ll_merkle.h"
#include "ll_test_util.h"

#define BLOCKS 12
#define MAX_TX 40

struct fixture {
	char dir[64];
	struct ll_chain_cfg cfg;
	/* what was appended, to compare against */
	uint32_t n[BLOCKS + 1];
	uint8_t leaves[BLOCKS + 1][MAX_TX * 32];
	uint8_t data[BLOCKS + 1][MAX_TX * 64];
	uint32_t offsets[BLOCKS + 1][MAX_TX + 1];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/ll_chain_test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->cfg.store.path = f->dir;
	f->cfg.store.chain_id = 42;
	f->cfg.store.hash_alg = LL_HASH_SHA256;
	f->cfg.proposer = 1;
	f->cfg.genesis_time_ns = 1000;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = test_remove_tree(f->dir);
	free(f);
	return rc;
}

/* Appends BLOCKS batches of 0..MAX_TX random records; block 1 is empty. */
static void append_blocks(struct fixture *f, ll_chain_t *c)
{
	uint64_t seed = 3 + f->cfg.store.hash_alg;
	struct ll_block_header prev, h;
	uint8_t prev_hash[32];
	assert_int_equal(ll_chain_tip(c, &prev), 0);
	assert_int_equal(ll_block_hash(&prev, prev_hash), 0);
	for (uint64_t height = 1; height <= BLOCKS; height++) {
		uint32_t n = height == 1 ? 0 : 1 + (uint32_t)(test_rand(&seed) % MAX_TX);
		f->n[height] = n;
		f->offsets[height][0] = 0;
		for (uint32_t i = 0; i < n; i++)
			f->offsets[height][i + 1] = f->offsets[height][i] +
						    8 + (uint32_t)(test_rand(&seed) % 56);
		test_fill_random(&seed, f->data[height], sizeof f->data[height]);
		struct ll_chain_batch b = { .offsets = f->offsets[height], .n = n,
					    .data = f->data[height], .leaves = f->leaves[height] };
		assert_int_equal(ll_chain_append(c, &b, 1000 + height, &h), 0);
		assert_int_equal(h.height, height);
		assert_memory_equal(h.prev_hash, prev_hash, 32);
		assert_int_equal(h.log_size, prev.log_size + n);
		uint8_t root[32];
		assert_int_equal(ll_merkle_root_records(f->cfg.store.hash_alg, f->offsets[height], n,
							f->data[height], NULL, root), 0);
		assert_memory_equal(h.merkle_root, root, 32);
		prev = h;
		assert_int_equal(ll_block_hash(&h, prev_hash), 0);
	}
}

static void test_open_writes_genesis_and_reopen_keeps_tip(void **state)
{
	struct fixture *f = *state;
	ll_chain_t *c = NULL;
	struct ll_block_header tip, again;
	assert_int_equal(ll_chain_open(&f->cfg, &c), 0);
	assert_int_equal(ll_chain_tip(c, &tip), 0);
	assert_int_equal(tip.height, 0);
	assert_int_equal(tip.chain_id, 42);
	assert_int_equal(tip.timestamp_ns, 1000);
	append_blocks(f, c);
	assert_int_equal(ll_chain_tip(c, &tip), 0);
	ll_chain_close(c);
	assert_int_equal(ll_chain_open(&f->cfg, &c), 0);
	assert_int_equal(ll_chain_tip(c, &again), 0);
	assert_int_equal(again.height, BLOCKS);
	assert_memory_equal(&again.merkle_root, &tip.merkle_root, 32);
	assert_memory_equal(&again.log_root, &tip.log_root, 32);
	ll_chain_close(c);
}

static void check_reads_and_proofs(struct fixture *f)
{
	ll_chain_t *c = NULL;
	enum ll_hash_alg alg = f->cfg.store.hash_alg;
	assert_int_equal(ll_chain_open(&f->cfg, &c), 0);
	append_blocks(f, c);
	struct ll_block_header heads[BLOCKS + 1];
	for (uint64_t height = 0; height <= BLOCKS; height++)
		assert_int_equal(ll_chain_block(c, height, &heads[height], NULL, NULL), 0);

	uint64_t log_index = 0;
	for (uint64_t height = 1; height <= BLOCKS; height++) {
		for (uint32_t i = 0; i < f->n[height]; i++, log_index++) {
			const uint8_t *txid = f->leaves[height] + (size_t)i * 32;
			struct ll_chain_tx tx;
			assert_int_equal(ll_chain_tx(c, txid, &tx), 0);
			assert_int_equal(tx.height, height);
			assert_int_equal(tx.index, i);
			assert_int_equal(tx.log_index, log_index);
			assert_int_equal(tx.record_len, f->offsets[height][i + 1] - f->offsets[height][i]);
			assert_memory_equal(tx.record, f->data[height] + f->offsets[height][i],
					    tx.record_len);
			free(tx.record);

			uint8_t proof[65 * 32];
			size_t nodes;
			assert_int_equal(ll_chain_tx_proof(c, txid, proof, &nodes), 0);
			assert_int_equal(ll_merkle_verify_inclusion(alg, i, f->n[height], txid, proof,
								    nodes, heads[height].merkle_root), 0);
			/* against the log at this block and at every later one */
			for (uint64_t at = height; at <= BLOCKS; at += 3) {
				assert_int_equal(ll_chain_log_proof(c, txid, at, proof, &nodes), 0);
				assert_int_equal(ll_merkle_verify_inclusion(alg, log_index,
									    heads[at].log_size, txid,
									    proof, nodes,
									    heads[at].log_root), 0);
			}
			if (height > 1)
				assert_int_equal(ll_chain_log_proof(c, txid, height - 1, proof, &nodes),
						 -EINVAL);
		}
	}
	for (uint64_t from = 2; from <= BLOCKS; from++) {
		for (uint64_t to = from; to <= BLOCKS; to++) {
			uint8_t proof[65 * 32];
			size_t nodes;
			assert_int_equal(ll_chain_consistency(c, from, to, proof, &nodes), 0);
			assert_int_equal(ll_merkle_verify_consistency(alg, heads[from].log_size,
								      heads[to].log_size,
								      heads[from].log_root,
								      heads[to].log_root, proof,
								      nodes), 0);
		}
	}
	uint8_t proof[65 * 32];
	size_t nodes;
	/* the log is empty at heights 0 and 1 */
	assert_int_equal(ll_chain_consistency(c, 1, 5, proof, &nodes), -EINVAL);
	assert_int_equal(ll_chain_consistency(c, 5, 4, proof, &nodes), -EINVAL);
	uint8_t unknown[32] = { 0 };
	struct ll_chain_tx tx;
	assert_int_equal(ll_chain_tx(c, unknown, &tx), -ENOENT);
	uint64_t bad = 99;
	assert_int_equal(ll_chain_verify(c, &bad), 0);
	ll_chain_close(c);
}

static void test_reads_and_proofs_sha256(void **state)
{
	check_reads_and_proofs(*state);
}

static void test_reads_and_proofs_sm3(void **state)
{
	struct fixture *f = *state;
	f->cfg.store.hash_alg = LL_HASH_SM3;
	check_reads_and_proofs(f);
}

/* Replays are the replay window's to stop: the ledger takes the repeat, the
 * lookup finds the first, and verify accepts both. */
static void test_commit_repeated_record_found_where_first(void **state)
{
	struct fixture *f = *state;
	ll_chain_t *c = NULL;
	uint32_t offsets[] = { 0, 5 };
	uint8_t data[5] = "hello", leaves[32];
	struct ll_chain_batch b = { .offsets = offsets, .n = 1, .data = data, .leaves = leaves };
	struct ll_block_header tip;
	assert_int_equal(ll_chain_open(&f->cfg, &c), 0);
	assert_int_equal(ll_chain_append(c, &b, 1, NULL), 0);
	assert_int_equal(ll_chain_append(c, &b, 2, NULL), 0);
	assert_int_equal(ll_chain_tip(c, &tip), 0);
	assert_int_equal(tip.height, 2);
	struct ll_chain_tx tx;
	assert_int_equal(ll_chain_tx(c, leaves, &tx), 0);
	assert_int_equal(tx.height, 1);
	assert_int_equal(tx.log_index, 0);
	free(tx.record);
	uint64_t bad;
	assert_int_equal(ll_chain_verify(c, &bad), 0);
	ll_chain_close(c);
}

/* Blocks prepared ahead commit only in order; what never commits is prepared again. */
static void test_prepared_blocks_commit_in_order_or_stale(void **state)
{
	struct fixture *f = *state;
	ll_chain_t *c = NULL;
	uint32_t offsets[] = { 0, 5 };
	uint8_t data[3][5] = { "aaaaa", "bbbbb", "ccccc" }, leaves[3][32];
	struct ll_chain_batch b[3];
	struct ll_chain_prepared p[3] = { 0 };
	struct ll_block_header tip;
	uint64_t bad;

	assert_int_equal(ll_chain_open(&f->cfg, &c), 0);
	for (int i = 0; i < 3; i++) {
		b[i] = (struct ll_chain_batch){ .offsets = offsets, .n = 1, .data = data[i],
						.leaves = leaves[i] };
		assert_int_equal(ll_chain_hash_batch(f->cfg.store.hash_alg, &b[i]), 0);
	}
	/* A and B prepared ahead; B cannot go before A */
	assert_int_equal(ll_chain_prepare(c, &b[0], 10, &p[0]), 0);
	assert_int_equal(ll_chain_prepare(c, &b[1], 11, &p[1]), 0);
	assert_int_equal(p[1].header.height, 2);
	assert_memory_equal(p[1].header.prev_hash, p[0].hash, 32);
	assert_int_equal(ll_chain_commit_prepared(c, &p[1]), -ESTALE);
	assert_int_equal(ll_chain_commit(c, &b[2], 12, NULL), -EBUSY);
	assert_int_equal(ll_chain_commit_prepared(c, &p[0]), 0);
	/* A is in; say B is dropped: C, prepared on B, is stale until prepared again */
	assert_int_equal(ll_chain_prepare(c, &b[2], 12, &p[2]), 0);
	assert_int_equal(p[2].header.height, 3);
	ll_chain_unprepare(c);
	assert_int_equal(ll_chain_commit_prepared(c, &p[2]), -ESTALE);
	assert_int_equal(ll_chain_prepare(c, &b[2], 13, &p[2]), 0);
	assert_int_equal(p[2].header.height, 2);
	assert_int_equal(ll_chain_commit_prepared(c, &p[2]), 0);
	assert_int_equal(ll_chain_tip(c, &tip), 0);
	assert_int_equal(tip.height, 2);
	assert_int_equal(tip.log_size, 2);
	assert_int_equal(ll_chain_verify(c, &bad), 0);
	/* nothing waits now: the one-call commit works again */
	assert_int_equal(ll_chain_commit(c, &b[1], 14, &tip), 0);
	assert_int_equal(tip.height, 3);
	assert_int_equal(ll_chain_verify(c, &bad), 0);
	for (int i = 0; i < 3; i++)
		ll_chain_prepared_free(&p[i]);
	ll_chain_close(c);
}

/* Opens the ledger's LMDB environment directly, as an attacker or a bad disk would. */
static void raw_edit(const char *dir, const char *db_name, uint64_t height,
		     void (*edit)(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val))
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	/* headers are keyed by the height, bodies by height and piece (the first) */
	uint8_t key[12] = { 0 };
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(height >> (56 - 8 * i));
	MDB_val k = { .mv_size = strcmp(db_name, "bodies") ? 8 : 12, .mv_data = key }, v;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 64 << 20), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, db_name, 0, &dbi), 0);
	assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
	edit(txn, dbi, &k, &v);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void flip_last_byte(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val)
{
	uint8_t *copy = malloc(val->mv_size);
	assert_non_null(copy);
	memcpy(copy, val->mv_data, val->mv_size);
	copy[val->mv_size - 1] ^= 0x40;
	MDB_val nv = { .mv_size = val->mv_size, .mv_data = copy };
	assert_int_equal(mdb_put(txn, dbi, key, &nv, 0), 0);
	free(copy);
}

static void flip_prev_hash(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, MDB_val *val)
{
	uint8_t copy[LL_BLOCK_HEADER_BYTES];
	assert_int_equal(val->mv_size, sizeof copy);
	memcpy(copy, val->mv_data, sizeof copy);
	copy[24] ^= 0x01;	/* prev_hash */
	MDB_val nv = { .mv_size = sizeof copy, .mv_data = copy };
	assert_int_equal(mdb_put(txn, dbi, key, &nv, 0), 0);
}

static void expect_verify_bad_at(struct fixture *f, uint64_t want)
{
	ll_chain_t *c = NULL;
	uint64_t bad = 0;
	assert_int_equal(ll_chain_open(&f->cfg, &c), 0);
	assert_int_equal(ll_chain_verify(c, &bad), -EBADMSG);
	assert_int_equal(bad, want);
	ll_chain_close(c);
}

static void build_and_close(struct fixture *f)
{
	ll_chain_t *c = NULL;
	assert_int_equal(ll_chain_open(&f->cfg, &c), 0);
	append_blocks(f, c);
	uint64_t bad;
	assert_int_equal(ll_chain_verify(c, &bad), 0);
	ll_chain_close(c);
}

static void test_verify_finds_flipped_body_byte(void **state)
{
	struct fixture *f = *state;
	build_and_close(f);
	raw_edit(f->dir, "bodies", 7, flip_last_byte);
	expect_verify_bad_at(f, 7);
}

static void test_verify_finds_broken_link(void **state)
{
	struct fixture *f = *state;
	build_and_close(f);
	raw_edit(f->dir, "headers", 5, flip_prev_hash);
	expect_verify_bad_at(f, 5);
}

static void test_verify_finds_missing_txindex_entry(void **state)
{
	struct fixture *f = *state;
	build_and_close(f);
	/* drop block 9's txindex run: a recent block's run is a meta key "txrun" + its
	 * first log index, big-endian (see host/store/ll_store_txindex.c) */
	uint64_t first_log = 0;
	for (int h = 1; h < 9; h++)
		first_log += f->n[h];
	uint8_t key[13] = "txrun";
	for (int i = 0; i < 8; i++)
		key[5 + i] = (uint8_t)(first_log >> (56 - 8 * i));
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { .mv_size = sizeof key, .mv_data = key };
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_set_mapsize(env, 64 << 20), 0);
	assert_int_equal(mdb_env_open(env, f->dir, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	expect_verify_bad_at(f, 9);
}

/* The auditor's tool checks what the chain serves, without trusting it. */
static void check_with_llmerkle(struct fixture *f)
{
	char self[PATH_MAX], tool[PATH_MAX + 32], cmd[8192];
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	assert_true(len > 0);
	self[len] = '\0';
	*strrchr(self, '/') = '\0';	/* build[/asan]/tests */
	snprintf(tool, sizeof tool, "%s/../bin/llmerkle", self);
	if (access(tool, X_OK) != 0)
		fail_msg("%s not built", tool);

	ll_chain_t *c = NULL;
	assert_int_equal(ll_chain_open(&f->cfg, &c), 0);
	append_blocks(f, c);
	struct ll_block_header at;
	assert_int_equal(ll_chain_block(c, BLOCKS, &at, NULL, NULL), 0);
	const uint8_t *txid = f->leaves[4] + 32;	/* block 4, tx 1 */
	struct ll_chain_tx tx;
	assert_int_equal(ll_chain_tx(c, txid, &tx), 0);
	uint8_t proof[65 * 32];
	size_t nodes;
	assert_int_equal(ll_chain_log_proof(c, txid, BLOCKS, proof, &nodes), 0);

	char path[128];
	snprintf(path, sizeof path, "%s/proof.txt", f->dir);
	FILE *p = fopen(path, "w");
	assert_non_null(p);
	for (size_t i = 0; i < nodes * 32; i++)
		fprintf(p, "%02x%s", proof[i], i % 32 == 31 ? "\n" : "");
	fclose(p);
	char record[2 * 64 + 1] = "", root[65];
	for (uint32_t i = 0; i < tx.record_len; i++)
		sprintf(record + 2 * i, "%02x", tx.record[i]);
	for (int i = 0; i < 32; i++)
		sprintf(root + 2 * i, "%02x", at.log_root[i]);
	snprintf(cmd, sizeof cmd, "'%s' verify-inclusion --alg %s --index %" PRIu64 " --size %"
		 PRIu64 " --record '%s' --root %s < '%s' > /dev/null",
		 tool, ll_hash_alg_name(f->cfg.store.hash_alg), tx.log_index, at.log_size, record,
		 root, path);
	assert_int_equal(system(cmd), 0);
	/* and refuses the same proof against the previous head */
	root[0] = root[0] == '0' ? '1' : '0';
	snprintf(cmd, sizeof cmd, "'%s' verify-inclusion --alg %s --index %" PRIu64 " --size %"
		 PRIu64 " --record '%s' --root %s < '%s' 2> /dev/null",
		 tool, ll_hash_alg_name(f->cfg.store.hash_alg), tx.log_index, at.log_size, record,
		 root, path);
	assert_int_equal(WEXITSTATUS(system(cmd)), 1);
	free(tx.record);
	ll_chain_close(c);
}

static void test_log_proof_verifies_with_llmerkle_sha256(void **state)
{
	check_with_llmerkle(*state);
}

static void test_log_proof_verifies_with_llmerkle_sm3(void **state)
{
	struct fixture *f = *state;
	f->cfg.store.hash_alg = LL_HASH_SM3;
	check_with_llmerkle(f);
}

#define CHAIN_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CHAIN_TEST(test_open_writes_genesis_and_reopen_keeps_tip),
		CHAIN_TEST(test_reads_and_proofs_sha256),
		CHAIN_TEST(test_reads_and_proofs_sm3),
		CHAIN_TEST(test_commit_repeated_record_found_where_first),
		CHAIN_TEST(test_prepared_blocks_commit_in_order_or_stale),
		CHAIN_TEST(test_verify_finds_flipped_body_byte),
		CHAIN_TEST(test_verify_finds_broken_link),
		CHAIN_TEST(test_verify_finds_missing_txindex_entry),
		CHAIN_TEST(test_log_proof_verifies_with_llmerkle_sha256),
		CHAIN_TEST(test_log_proof_verifies_with_llmerkle_sm3),
	};
	return cmocka_run_group_tests_name("ll_chain", tests, NULL, NULL);
}
