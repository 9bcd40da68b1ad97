/* Unit suite for host/store: blocks go in whole or not at all, read back byte for
 * byte, the tip only moves forward, and a ledger has exactly one owner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <lmdb.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ll_ledger_log.h"
#include "ll_store.h"
#include "ll_time.h"
#include "ll_test_util.h"

#define CHAIN_ID 7

/* One block's bytes, generated from (salt, height) so any block can be rebuilt to compare. */
struct tblock {
	struct ll_store_block b;
	uint8_t hash[32];
	uint8_t *header, *body, *txids, *nodes;
};

static void tblock_make(struct tblock *t, uint64_t height, size_t body_len, uint32_t tx_count,
			uint64_t first_log_index, uint64_t salt)
{
	uint64_t seed = (salt ^ (height * 0x9e3779b97f4a7c15ULL)) | 1;
	size_t header_len = 120 + height % 7;

	memset(t, 0, sizeof *t);
	t->header = malloc(header_len);
	t->body = malloc(body_len ? body_len : 1);
	t->txids = malloc(tx_count ? (size_t)tx_count * 32 : 1);
	size_t node_count = ll_ledger_log_append_nodes(first_log_index, tx_count);
	t->nodes = malloc(node_count * 32 + 1);
	assert_non_null(t->nodes);
	assert_non_null(t->header);
	assert_non_null(t->body);
	assert_non_null(t->txids);
	test_fill_random(&seed, t->hash, sizeof t->hash);
	test_fill_random(&seed, t->header, header_len);
	test_fill_random(&seed, t->body, body_len);
	test_fill_random(&seed, t->txids, (size_t)tx_count * 32);
	/* the store keeps log nodes as given: level 0 is the txids, the rest any bytes */
	memcpy(t->nodes, t->txids, (size_t)tx_count * 32);
	test_fill_random(&seed, t->nodes + (size_t)tx_count * 32, (node_count - tx_count) * 32);
	t->b = (struct ll_store_block){
		.height = height, .hash = t->hash,
		.header = t->header, .header_len = header_len,
		.body = t->body, .body_len = body_len,
		.txids = t->txids, .tx_count = tx_count,
		.first_log_index = first_log_index,
		.log_nodes = t->nodes, .log_node_count = node_count,
	};
}

/* Log leaves before height h when block j holds j % 5 transactions. */
static uint64_t log_before_mod5(uint64_t h)
{
	uint64_t r = h % 5;
	return h / 5 * 10 + r * (r - (r > 0)) / 2;
}

static void tblock_free(struct tblock *t)
{
	free(t->header);
	free(t->body);
	free(t->txids);
	free(t->nodes);
}

/* Header, body and every tx location of t, as committed. */
static void assert_block_reads_back(ll_store_t *s, const struct tblock *t)
{
	uint8_t *got = NULL;
	size_t len = 0;
	struct ll_store_tx_location loc;

	assert_int_equal(ll_store_header(s, t->b.height, &got, &len), 0);
	assert_int_equal(len, t->b.header_len);
	assert_memory_equal(got, t->b.header, len);
	free(got);
	assert_int_equal(ll_store_body(s, t->b.height, &got, &len), 0);
	assert_int_equal(len, t->b.body_len);
	if (len)
		assert_memory_equal(got, t->b.body, len);
	free(got);
	for (uint32_t i = 0; i < t->b.tx_count; i++) {
		assert_int_equal(ll_store_tx(s, t->b.txids + (size_t)i * 32, &loc), 0);
		assert_int_equal(loc.height, t->b.height);
		assert_int_equal(loc.index, i);
		assert_int_equal(loc.log_index, t->b.first_log_index + i);
	}
}

/* Nothing of t is in the store: no header, no body, none of its txids. */
static void assert_block_absent(ll_store_t *s, const struct tblock *t)
{
	uint8_t *got = NULL;
	size_t len = 0;
	struct ll_store_tx_location loc;

	assert_int_equal(ll_store_header(s, t->b.height, &got, &len), -ENOENT);
	assert_int_equal(ll_store_body(s, t->b.height, &got, &len), -ENOENT);
	for (uint32_t i = 0; i < t->b.tx_count; i++)
		assert_int_equal(ll_store_tx(s, t->b.txids + (size_t)i * 32, &loc), -ENOENT);
}

static void assert_tip(ll_store_t *s, uint64_t want_height, const uint8_t *want_hash)
{
	uint64_t height = UINT64_MAX;
	uint8_t hash[32];

	assert_int_equal(ll_store_tip(s, &height, hash), 0);
	assert_int_equal(height, want_height);
	assert_memory_equal(hash, want_hash, sizeof hash);
}

/* Each test: a fresh /tmp directory, the ledger at <dir>/ledger (not yet created). */
struct fixture {
	char dir[64];
	char path[96];
	struct ll_store_cfg cfg;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/ll_store_test_XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof f->path, "%s/ledger", f->dir);
	f->cfg = (struct ll_store_cfg){
		.path = f->path, .chain_id = CHAIN_ID, .hash_alg = LL_HASH_SHA256,
		.sync = LL_STORE_SYNC_FULL,
	};
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

/* Commits blocks [from, to) of `salt` with a few txs each; the log index runs on. */
static void commit_range(ll_store_t *s, uint64_t from, uint64_t to, uint64_t salt)
{
	for (uint64_t h = from; h < to; h++) {
		struct tblock t;
		tblock_make(&t, h, 200 + h * 13, (uint32_t)(h % 5), log_before_mod5(h), salt);
		assert_int_equal(ll_store_commit(s, &t.b), 0);
		tblock_free(&t);
	}
}

static void assert_range_reads_back(ll_store_t *s, uint64_t from, uint64_t to, uint64_t salt)
{
	for (uint64_t h = from; h < to; h++) {
		struct tblock t;
		tblock_make(&t, h, 200 + h * 13, (uint32_t)(h % 5), log_before_mod5(h), salt);
		assert_block_reads_back(s, &t);
		if (h + 1 == to)
			assert_tip(s, h, t.hash);
		tblock_free(&t);
	}
}

static void test_open_creates_directory_and_reopen_keeps_tip(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	uint64_t height;
	uint8_t hash[32];
	struct stat st;
	char file[160];

	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	mode_t mask = umask(0);
	umask(mask);
	assert_int_equal(st.st_mode & 0777, 0750 & ~mask);
	snprintf(file, sizeof file, "%s/ledger.lock", f->path);
	assert_int_equal(access(file, F_OK), 0);
	snprintf(file, sizeof file, "%s/data.mdb", f->path);
	assert_int_equal(access(file, F_OK), 0);
	assert_int_equal(ll_store_tip(s, &height, hash), -ENOENT);

	commit_range(s, 0, 3, 1);
	ll_store_close(s);
	s = NULL;
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	assert_range_reads_back(s, 0, 3, 1);
	ll_store_close(s);
}

static void test_commit_genesis_and_blocks_read_back(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	const uint64_t n = 40;

	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	commit_range(s, 0, n, 2);
	assert_range_reads_back(s, 0, n, 2);

	/* an empty block is a block too */
	struct tblock t;
	tblock_make(&t, n, 0, 0, log_before_mod5(n), 2);
	assert_int_equal(ll_store_commit(s, &t.b), 0);
	assert_block_reads_back(s, &t);
	assert_tip(s, n, t.hash);
	tblock_free(&t);
	ll_store_close(s);
}

static void test_commit_rejects_height_gap_or_repeat(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	struct tblock t, genesis;
	uint64_t height;
	uint8_t hash[32];

	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	/* an empty ledger takes only height 0 */
	tblock_make(&t, 1, 100, 2, 0, 3);
	assert_int_equal(ll_store_commit(s, &t.b), -EINVAL);
	assert_int_equal(ll_store_tip(s, &height, hash), -ENOENT);
	assert_block_absent(s, &t);
	tblock_free(&t);

	tblock_make(&genesis, 0, 100, 1, 0, 3);
	assert_int_equal(ll_store_commit(s, &genesis.b), 0);
	/* the same height again, even with other contents */
	tblock_make(&t, 0, 50, 1, 1, 4);
	assert_int_equal(ll_store_commit(s, &t.b), -EINVAL);
	assert_int_equal(ll_store_tx(s, t.txids, &(struct ll_store_tx_location){ 0 }), -ENOENT);
	tblock_free(&t);
	/* a gap */
	tblock_make(&t, 2, 100, 2, 1, 3);
	assert_int_equal(ll_store_commit(s, &t.b), -EINVAL);
	assert_block_absent(s, &t);
	tblock_free(&t);
	t = (struct tblock){ 0 };
	tblock_make(&t, UINT64_MAX, 10, 0, 0, 3);
	assert_int_equal(ll_store_commit(s, &t.b), -EINVAL);
	tblock_free(&t);

	assert_tip(s, 0, genesis.hash);
	assert_block_reads_back(s, &genesis);
	tblock_free(&genesis);
	ll_store_close(s);
}

/* Replays are the replay window's to stop; the store finds a repeat where it came first. */
static void test_commit_repeated_txid_found_where_first_committed(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	struct tblock b0, b1, dup;
	struct ll_store_tx_location loc;

	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	tblock_make(&b0, 0, 64, 0, 0, 5);
	tblock_make(&b1, 1, 300, 4, 0, 5);
	assert_int_equal(ll_store_commit(s, &b0.b), 0);
	assert_int_equal(ll_store_commit(s, &b1.b), 0);

	/* block 2 repeats block 1's third tx in the middle of new ones, and its own
	 * fifth tx as its first */
	tblock_make(&dup, 2, 500, 5, 4, 6);
	memcpy(dup.txids + 2 * 32, b1.txids + 2 * 32, 32);
	memcpy(dup.txids + 4 * 32, dup.txids, 32);
	memcpy(dup.nodes, dup.txids, 5 * 32);
	assert_int_equal(ll_store_commit(s, &dup.b), 0);
	assert_tip(s, 2, dup.hash);
	assert_block_reads_back(s, &b1);
	assert_int_equal(ll_store_tx(s, dup.txids + 2 * 32, &loc), 0);
	assert_int_equal(loc.height, 1);
	assert_int_equal(loc.index, 2);
	assert_int_equal(ll_store_tx(s, dup.txids + 4 * 32, &loc), 0);
	assert_int_equal(loc.height, 2);
	assert_int_equal(loc.index, 0);
	assert_int_equal(loc.log_index, 4);
	for (uint32_t i = 1; i < 4; i += 2) {
		assert_int_equal(ll_store_tx(s, dup.txids + i * 32, &loc), 0);
		assert_int_equal(loc.height, 2);
		assert_int_equal(loc.index, i);
		assert_int_equal(loc.log_index, 4 + i);
	}
	tblock_free(&b0);
	tblock_free(&b1);
	tblock_free(&dup);
	ll_store_close(s);
}

static void create_ledger(struct fixture *f)
{
	ll_store_t *s = NULL;
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	commit_range(s, 0, 2, 7);
	ll_store_close(s);
}

static void test_open_rejects_other_chain_id(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;

	create_ledger(f);
	f->cfg.chain_id = CHAIN_ID + 2;
	assert_int_equal(ll_store_open(&f->cfg, &s), -EINVAL);
	assert_null(s);
	/* the refusal changed nothing: the right chain still opens */
	f->cfg.chain_id = CHAIN_ID;
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	assert_range_reads_back(s, 0, 2, 7);
	ll_store_close(s);
}

static void test_open_rejects_other_algorithm(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;

	create_ledger(f);
	f->cfg.hash_alg = LL_HASH_SM3;
	assert_int_equal(ll_store_open(&f->cfg, &s), -EINVAL);
	assert_null(s);
	f->cfg.hash_alg = LL_HASH_SHA256;
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	ll_store_close(s);
}

static void test_open_rejects_other_format_version(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	uint8_t version[4] = { LL_STORE_FORMAT_VERSION + 1, 0, 0, 0 };
	MDB_val k = { .mv_size = strlen("format_version"), .mv_data = "format_version" };
	MDB_val v = { .mv_size = sizeof version, .mv_data = version };

	create_ledger(f);
	/* a later release's ledger, written behind the store's back */
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, f->path, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);

	assert_int_equal(ll_store_open(&f->cfg, &s), -EINVAL);
	assert_null(s);
}

static void test_open_second_handle_busy(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL, *again = NULL;

	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	commit_range(s, 0, 2, 8);
	assert_int_equal(ll_store_open(&f->cfg, &again), -EBUSY);
	assert_null(again);
	/* the refused open disturbed nothing */
	assert_range_reads_back(s, 0, 2, 8);
	commit_range(s, 2, 3, 8);
	ll_store_close(s);
	/* closing releases the lock */
	assert_int_equal(ll_store_open(&f->cfg, &again), 0);
	assert_range_reads_back(again, 0, 3, 8);
	ll_store_close(again);
}

static void test_open_second_process_busy(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	int status = 0;

	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	commit_range(s, 0, 2, 9);
	pid_t pid = fork();
	if (pid == 0) {
		/* the child: its open's return code, as its exit status */
		ll_store_t *child = NULL;
		int rc = ll_store_open(&f->cfg, &child);
		_exit(rc == 0 ? 0 : (-rc & 0x7f));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EBUSY);
	assert_range_reads_back(s, 0, 2, 9);
	ll_store_close(s);
}

static void test_commit_grows_map(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	const uint64_t blocks = 40;	/* 40 x 512 KiB: 20 MiB through a 1 MiB map */

	f->cfg.map_bytes = 1 << 20;
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	for (uint64_t h = 0; h < blocks; h++) {
		struct tblock t;
		tblock_make(&t, h, 512 << 10, 64, h * 64, 10);
		assert_int_equal(ll_store_commit(s, &t.b), 0);
		tblock_free(&t);
	}
	for (uint64_t h = 0; h < blocks; h++) {
		struct tblock t;
		tblock_make(&t, h, 512 << 10, 64, h * 64, 10);
		assert_block_reads_back(s, &t);
		if (h + 1 == blocks)
			assert_tip(s, h, t.hash);
		tblock_free(&t);
	}
	ll_store_close(s);
}

static void test_commit_at_map_cap_enospc_then_resumes(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	struct tblock t;
	uint64_t h;

	f->cfg.map_bytes = 1 << 20;
	f->cfg.max_map_bytes = 2 << 20;
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	for (h = 0; h < 64; h++) {
		tblock_make(&t, h, 100 << 10, 16, h * 16, 11);
		int rc = ll_store_commit(s, &t.b);
		if (rc == -ENOSPC)
			break;
		assert_int_equal(rc, 0);
		tblock_free(&t);
	}
	/* the map did grow past 1 MiB, and then stopped at 2 MiB */
	assert_true(h > 10);
	assert_true(h < 64);
	const uint64_t refused = h;
	assert_block_absent(s, &t);
	assert_int_equal(ll_store_commit(s, &t.b), -ENOSPC);	/* and it stays refused */
	for (h = 0; h < refused; h++) {
		struct tblock old;
		tblock_make(&old, h, 100 << 10, 16, h * 16, 11);
		assert_block_reads_back(s, &old);
		if (h + 1 == refused)
			assert_tip(s, h, old.hash);
		tblock_free(&old);
	}
	ll_store_close(s);

	/* with room again, the same block goes in next and the chain runs on */
	s = NULL;
	f->cfg.max_map_bytes = 64 << 20;
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	assert_int_equal(ll_store_commit(s, &t.b), 0);
	assert_block_reads_back(s, &t);
	assert_tip(s, refused, t.hash);
	tblock_free(&t);
	tblock_make(&t, refused + 1, 100 << 10, 16, (refused + 1) * 16, 11);
	assert_int_equal(ll_store_commit(s, &t.b), 0);
	assert_tip(s, refused + 1, t.hash);
	tblock_free(&t);
	ll_store_close(s);
}

/* In a forked child cmocka's asserts would unwind into a copy of the suite: exit instead. */

static void child_block_reads_back(ll_store_t *s, const struct tblock *t)
{
	uint8_t *got = NULL;
	size_t len = 0;
	struct ll_store_tx_location loc;

	TEST_CHILD_CHECK(ll_store_header(s, t->b.height, &got, &len) == 0);
	TEST_CHILD_CHECK(len == t->b.header_len && memcmp(got, t->b.header, len) == 0);
	free(got);
	TEST_CHILD_CHECK(ll_store_body(s, t->b.height, &got, &len) == 0);
	TEST_CHILD_CHECK(len == t->b.body_len && memcmp(got, t->b.body, len) == 0);
	free(got);
	for (uint32_t i = 0; i < t->b.tx_count; i++) {
		TEST_CHILD_CHECK(ll_store_tx(s, t->b.txids + (size_t)i * 32, &loc) == 0);
		TEST_CHILD_CHECK(loc.height == t->b.height && loc.index == i);
	}
}

/* The disk-full scenario, run in a child with a small tmpfs over the test directory. */
static void disk_full_child(struct fixture *f)
{
	ll_store_t *s = NULL;
	struct tblock t;
	uint64_t h, height;
	uint8_t hash[32];
	size_t len;
	int rc = 0;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", f->dir, "tmpfs", 0, "size=640k") < 0)
		_exit(TEST_CHILD_SKIP);
	TEST_CHILD_CHECK(ll_store_open(&f->cfg, &s) == 0);
	for (h = 0; h < 100; h++) {
		tblock_make(&t, h, 32 << 10, 8, h * 8, 14);
		if ((rc = ll_store_commit(s, &t.b)) != 0)
			break;
		tblock_free(&t);
	}
	fprintf(stderr, "child: disk full at block %" PRIu64 ": %s\n", h, ll_strerror(rc));
	TEST_CHILD_CHECK(rc == -ENOSPC);
	TEST_CHILD_CHECK(h > 2);
	const uint64_t refused = h;
	for (int pass = 0; pass < 2; pass++) {
		/* nothing of the refused block, everything before it; again after reopen */
		TEST_CHILD_CHECK(ll_store_header(s, refused, &(uint8_t *){ NULL }, &len) == -ENOENT);
		TEST_CHILD_CHECK(ll_store_tx(s, t.txids, &(struct ll_store_tx_location){ 0 }) == -ENOENT);
		TEST_CHILD_CHECK(ll_store_tip(s, &height, hash) == 0 && height == refused - 1);
		for (h = 0; h < refused; h++) {
			struct tblock old;
			tblock_make(&old, h, 32 << 10, 8, h * 8, 14);
			child_block_reads_back(s, &old);
			if (h + 1 == refused)
				TEST_CHILD_CHECK(memcmp(hash, old.hash, 32) == 0);
			tblock_free(&old);
		}
		ll_store_close(s);
		s = NULL;
		TEST_CHILD_CHECK(ll_store_open(&f->cfg, &s) == 0);
	}
	/* space returns: the same block goes in next */
	TEST_CHILD_CHECK(mount("tmpfs", f->dir, "tmpfs", MS_REMOUNT, "size=8m") == 0);
	TEST_CHILD_CHECK(ll_store_commit(s, &t.b) == 0);
	child_block_reads_back(s, &t);
	TEST_CHILD_CHECK(ll_store_tip(s, &height, hash) == 0 && height == refused);
	ll_store_close(s);
	tblock_free(&t);
	_exit(0);
}

static void test_commit_disk_full_enospc_nothing_written(void **state)
{
	struct fixture *f = *state;
	pid_t pid = fork();
	if (pid == 0)
		disk_full_child(f);
	test_wait_child(pid);
}

static void test_commit_periodic_sync(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;

	f->cfg.sync = LL_STORE_SYNC_PERIODIC;
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	commit_range(s, 0, 10, 12);
	assert_int_equal(ll_store_sync(s), 0);
	commit_range(s, 10, 15, 12);
	assert_range_reads_back(s, 0, 15, 12);
	ll_store_close(s);	/* close syncs the rest */

	/* the durability mode is not part of the ledger's identity */
	f->cfg.sync = LL_STORE_SYNC_FULL;
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	assert_range_reads_back(s, 0, 15, 12);
	assert_int_equal(ll_store_sync(s), 0);
	ll_store_close(s);
}

static void test_close_null_is_noop(void **state)
{
	(void)state;
	ll_store_close(NULL);
}

static void test_open_rejects_invalid_cfg(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	struct ll_store_cfg cfg;
	struct stat st;

	assert_int_equal(ll_store_open(NULL, &s), -EINVAL);
	assert_int_equal(ll_store_open(&f->cfg, NULL), -EINVAL);
	cfg = f->cfg;
	cfg.path = NULL;
	assert_int_equal(ll_store_open(&cfg, &s), -EINVAL);
	cfg.path = "";
	assert_int_equal(ll_store_open(&cfg, &s), -EINVAL);
	cfg = f->cfg;
	cfg.hash_alg = 0;
	assert_int_equal(ll_store_open(&cfg, &s), -EINVAL);
	cfg.hash_alg = 3;
	assert_int_equal(ll_store_open(&cfg, &s), -EINVAL);
	cfg = f->cfg;
	cfg.sync = (enum ll_store_sync)7;
	assert_int_equal(ll_store_open(&cfg, &s), -EINVAL);
	cfg = f->cfg;
	cfg.map_bytes = 4 << 20;
	cfg.max_map_bytes = 2 << 20;
	assert_int_equal(ll_store_open(&cfg, &s), -EINVAL);
	assert_null(s);
	/* nothing was created for a refused configuration */
	assert_int_equal(stat(f->path, &st), -1);
}

static void test_calls_reject_null_arguments(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	struct tblock t;
	uint8_t hash[32], *out = NULL;
	uint64_t height;
	size_t len;
	struct ll_store_tx_location loc;

	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	tblock_make(&t, 0, 10, 1, 0, 13);
	assert_int_equal(ll_store_commit(NULL, &t.b), -EINVAL);
	assert_int_equal(ll_store_commit(s, NULL), -EINVAL);
	t.b.hash = NULL;
	assert_int_equal(ll_store_commit(s, &t.b), -EINVAL);
	t.b.hash = t.hash;
	t.b.txids = NULL;
	assert_int_equal(ll_store_commit(s, &t.b), -EINVAL);
	t.b.txids = t.txids;
	assert_int_equal(ll_store_tip(s, &height, hash), -ENOENT);
	assert_int_equal(ll_store_commit(s, &t.b), 0);

	assert_int_equal(ll_store_tip(NULL, &height, hash), -EINVAL);
	assert_int_equal(ll_store_tip(s, NULL, hash), -EINVAL);
	assert_int_equal(ll_store_header(NULL, 0, &out, &len), -EINVAL);
	assert_int_equal(ll_store_header(s, 0, NULL, &len), -EINVAL);
	assert_int_equal(ll_store_body(s, 0, &out, NULL), -EINVAL);
	assert_int_equal(ll_store_tx(s, NULL, &loc), -EINVAL);
	assert_int_equal(ll_store_tx(s, t.txids, NULL), -EINVAL);
	assert_int_equal(ll_store_sync(NULL), -EINVAL);
	/* absent is -ENOENT, not an error */
	assert_int_equal(ll_store_header(s, 1, &out, &len), -ENOENT);
	assert_int_equal(ll_store_body(s, 1, &out, &len), -ENOENT);
	assert_int_equal(ll_store_tx(s, hash, &loc), -ENOENT);
	tblock_free(&t);
	ll_store_close(s);
}

#define STORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* The ledger-wide log: nodes go in with their block, the size runs on, gaps are refused. */
static void test_commit_keeps_log_nodes_and_size(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	uint64_t size = 99;
	uint8_t hash[32];

	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	assert_int_equal(ll_store_log_size(s, &size), 0);
	assert_int_equal(size, 0);
	assert_int_equal(ll_store_log_node(s, 0, 0, hash), -ENOENT);

	/* two leaves make (0,0), (0,1) and (1,0), packed in that order; the store keeps
	 * the leaves and hashes (1,0) again from them when asked */
	struct tblock t;
	uint8_t leaves[4 * 32], want[32];
	tblock_make(&t, 0, 10, 2, 0, 21);
	assert_int_equal(t.b.log_node_count, 3);
	memcpy(leaves, t.txids, 2 * 32);
	assert_int_equal(ll_store_commit(s, &t.b), 0);
	assert_int_equal(ll_store_log_size(s, &size), 0);
	assert_int_equal(size, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ll_store_log_node(s, 0, (uint64_t)i, hash), 0);
		assert_memory_equal(hash, leaves + i * 32, 32);
	}
	assert_int_equal(ll_store_log_node(s, 1, 0, hash), 0);
	assert_int_equal(ll_hash_node(LL_HASH_SHA256, leaves, leaves + 32, want), 0);
	assert_memory_equal(hash, want, 32);
	assert_int_equal(ll_store_log_node(s, 1, 1, hash), -ENOENT);
	assert_int_equal(ll_store_log_node(s, 0, 2, hash), -ENOENT);
	assert_int_equal(ll_store_log_node(s, 64, 0, hash), -EINVAL);
	tblock_free(&t);

	/* a block that does not continue the log is refused, and leaves nothing */
	tblock_make(&t, 1, 10, 1, 3, 22);
	assert_int_equal(ll_store_commit(s, &t.b), -EINVAL);
	assert_block_absent(s, &t);
	tblock_free(&t);
	/* so is one with the wrong number of log nodes */
	tblock_make(&t, 1, 10, 2, 2, 22);
	t.b.log_node_count--;
	assert_int_equal(ll_store_commit(s, &t.b), -EINVAL);
	assert_block_absent(s, &t);
	assert_int_equal(ll_store_log_size(s, &size), 0);
	assert_int_equal(size, 2);
	t.b.log_node_count++;
	assert_int_equal(ll_store_commit(s, &t.b), 0);
	/* leaves 2, 3 make (0,2), (0,3), (1,1), (2,0) */
	assert_int_equal(t.b.log_node_count, 4);
	memcpy(leaves + 2 * 32, t.txids, 2 * 32);
	uint8_t l01[32], l23[32];
	assert_int_equal(ll_hash_node(LL_HASH_SHA256, leaves, leaves + 32, l01), 0);
	assert_int_equal(ll_hash_node(LL_HASH_SHA256, leaves + 64, leaves + 96, l23), 0);
	assert_int_equal(ll_hash_node(LL_HASH_SHA256, l01, l23, want), 0);
	assert_int_equal(ll_store_log_node(s, 2, 0, hash), 0);
	assert_memory_equal(hash, want, 32);
	assert_int_equal(ll_store_log_node(s, 0, 3, hash), 0);
	assert_memory_equal(hash, t.txids + 32, 32);
	tblock_free(&t);
	assert_int_equal(ll_store_log_size(s, &size), 0);
	assert_int_equal(size, 4);
	ll_store_close(s);
}

/* Many blocks: runs merge in the background, and every txid is still found exactly. */
static void test_txindex_runs_merge_and_lookups_stay_exact(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	struct ll_store_index_stats st;
	const uint64_t blocks = 400;

	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	uint64_t log = 0;
	for (uint64_t h = 0; h < blocks; h++) {
		struct tblock t;
		uint32_t n = (uint32_t)(h % 3 == 0 ? 0 : 1 + h % 150);
		tblock_make(&t, h, 100, n, log, 31);
		assert_int_equal(ll_store_commit(s, &t.b), 0);
		log += n;
		tblock_free(&t);
	}
	assert_int_equal(ll_store_index_stats(s, &st), 0);
	assert_int_equal(st.entries, log);
	assert_int_equal(st.log_size, log);
	/* 266 blocks with transactions made 266 runs; each merge landed folded 16 into 1 */
	assert_true(st.merges > 0);
	assert_int_equal(st.runs, 266 - 15 * st.merges);

	ll_store_close(s);
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	log = 0;
	for (uint64_t h = 0; h < blocks; h++) {
		struct tblock t;
		uint32_t n = (uint32_t)(h % 3 == 0 ? 0 : 1 + h % 150);
		tblock_make(&t, h, 100, n, log, 31);
		assert_block_reads_back(s, &t);
		log += n;
		tblock_free(&t);
	}
	uint8_t never[32] = { 0xee };
	assert_int_equal(ll_store_tx(s, never, &(struct ll_store_tx_location){ 0 }), -ENOENT);
	ll_store_close(s);
}

/*
 * Blocks of very different sizes: no run is left behind. Whenever merging has
 * caught up, no level holds 16 unfrozen runs (a run skipped by a merge would
 * stay there for good).
 */
static void test_txindex_mixed_blocks_leave_no_run_behind(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	struct ll_store_index_stats st;
	uint64_t log = 0, h = 0, made = 0;

	f->cfg.sync = LL_STORE_SYNC_PERIODIC;
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	for (; h < 200; h++) {
		/* 16 of the big ones are more than the small-merge slot takes */
		uint32_t n = h == 0 ? 0 : h % 3 == 0 ? 9000 : (uint32_t)(1 + h % 97);
		struct tblock t;
		tblock_make(&t, h, 64, n, log, 61);
		assert_int_equal(ll_store_commit(s, &t.b), 0);
		log += n;
		made += n > 0;
		tblock_free(&t);
	}
	/* empty blocks land what the merge threads work out, until they have caught up */
	uint64_t deadline = ll_time_mono_ns() + 60ull * 1000000000ull;
	do {
		struct tblock t;
		tblock_make(&t, h++, 64, 0, log, 61);
		assert_int_equal(ll_store_commit(s, &t.b), 0);
		tblock_free(&t);
		assert_int_equal(ll_store_index_stats(s, &st), 0);
	} while (st.widest_level >= 16 && ll_time_mono_ns() < deadline);
	assert_true(st.widest_level < 16);
	assert_int_equal(st.runs, made - 15 * st.merges);
	assert_int_equal(st.entries, log);
	ll_store_close(s);
}

/* Opens the ledger's LMDB environment directly, as a damaged or crashed ledger would be. */
static void raw_open(const char *path, MDB_env **env, MDB_txn **txn, MDB_dbi *meta,
		     MDB_dbi *txindex)
{
	assert_int_equal(mdb_env_create(env), 0);
	assert_int_equal(mdb_env_set_maxdbs(*env, 8), 0);
	assert_int_equal(mdb_env_set_mapsize(*env, 64 << 20), 0);
	assert_int_equal(mdb_env_open(*env, path, 0, 0640), 0);
	assert_int_equal(mdb_txn_begin(*env, NULL, 0, txn), 0);
	assert_int_equal(mdb_dbi_open(*txn, "meta", 0, meta), 0);
	assert_int_equal(mdb_dbi_open(*txn, "txindex", 0, txindex), 0);
}

/* Chunks of txindex run `id` left in the database. */
static size_t raw_run_chunks(const char *path, uint64_t id)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, txi;
	MDB_cursor *cur;
	uint8_t key[20] = { 0 };	/* run id, last prefix, chunk number */
	size_t count = 0;
	raw_open(path, &env, &txn, &meta, &txi);
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(id >> (56 - 8 * i));
	MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
	assert_int_equal(mdb_cursor_open(txn, txi, &cur), 0);
	int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && memcmp(k.mv_data, key, 8) == 0) {
		count++;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return count;
}

/* A merge cut short by a crash left chunks a txmout key names: recovery deletes them. */
static void test_txindex_merge_cut_short_is_deleted_at_open(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, txi;
	const uint64_t orphan = 1000000;

	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	commit_range(s, 0, 20, 41);
	ll_store_close(s);

	/* what a crash mid-merge leaves: output chunks no run names, and a txmout key */
	raw_open(f->path, &env, &txn, &meta, &txi);
	for (uint32_t c = 0; c < 3; c++) {
		uint8_t key[20] = { 0 }, val[14 * 5];
		for (int i = 0; i < 8; i++)
			key[i] = (uint8_t)(orphan >> (56 - 8 * i));
		memset(key + 8, 0x42 + (int)c, 8);
		memset(val, 0x42 + (int)c, sizeof val);
		MDB_val k = { .mv_size = sizeof key, .mv_data = key };
		MDB_val v = { .mv_size = sizeof val, .mv_data = val };
		assert_int_equal(mdb_put(txn, txi, &k, &v, 0), 0);
	}
	uint8_t out_key[14] = "txmout";	/* + the output run's id, big-endian */
	for (int i = 0; i < 8; i++)
		out_key[6 + i] = (uint8_t)(orphan >> (56 - 8 * i));
	MDB_val k = { .mv_size = sizeof out_key, .mv_data = out_key };
	MDB_val v = { .mv_size = 0, .mv_data = out_key };
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	assert_int_equal(raw_run_chunks(f->path, orphan), 3);

	/* the orphan is queued at open and gone a few blocks later (each block deletes
	 * a bounded number of chunks, a merge's replaced runs may come first) */
	struct ll_store_index_stats st;
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	assert_int_equal(ll_store_index_stats(s, &st), 0);
	assert_true(st.garbage_runs >= 1);
	commit_range(s, 20, 24, 41);
	ll_store_close(s);
	assert_int_equal(raw_run_chunks(f->path, orphan), 0);
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	assert_range_reads_back(s, 0, 24, 41);
	uint8_t txid[32];
	memset(txid, 0x42, 32);
	assert_int_equal(ll_store_tx(s, txid, &(struct ll_store_tx_location){ 0 }), -ENOENT);
	assert_int_equal(ll_store_index_stats(s, &st), 0);
	assert_int_equal(st.entries, st.log_size);
	ll_store_close(s);
}

static int count_client(void *ctx, const struct ll_store_client *c)
{
	uint8_t *seen = ctx;
	seen[c->id[0]]++;
	return 0;
}

static int stop_at_first(void *ctx, const struct ll_store_client *c)
{
	(void)c;
	(*(int *)ctx)++;
	return 7;
}

/* The registry: register, read back, replace, list, remove; and it survives a reopen. */
static void test_clients_register_list_remove(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	struct ll_store_client c = { .scheme = 1, .pub_len = 32, .rate = 500, .burst = 50 }, got;

	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	for (int i = 0; i < 3; i++) {
		memset(c.id, 0x10 * (i + 1), 32);
		memset(c.pub, 0xa0 + i, 32);
		c.rate = 100 * (uint64_t)(i + 1);
		assert_int_equal(ll_store_client_put(s, &c), 0);
	}
	ll_store_close(s);
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	memset(c.id, 0x20, 32);
	assert_int_equal(ll_store_client_get(s, c.id, &got), 0);
	assert_memory_equal(got.id, c.id, 32);
	assert_int_equal(got.scheme, 1);
	assert_false(got.trusted);
	assert_int_equal(got.pub_len, 32);
	assert_int_equal(got.pub[31], 0xa1);
	assert_int_equal(got.rate, 200);
	assert_int_equal(got.burst, 50);
	/* replaced in place: an SM2 key now */
	c.scheme = 2;
	c.pub_len = 64;
	memset(c.pub, 0x77, 64);
	assert_int_equal(ll_store_client_put(s, &c), 0);
	assert_int_equal(ll_store_client_get(s, c.id, &got), 0);
	assert_int_equal(got.scheme, 2);
	assert_int_equal(got.pub_len, 64);
	assert_int_equal(got.pub[63], 0x77);

	uint8_t seen[256] = { 0 };
	assert_int_equal(ll_store_client_list(s, count_client, seen), 0);
	assert_int_equal(seen[0x10] + seen[0x20] + seen[0x30], 3);
	int calls = 0;
	assert_int_equal(ll_store_client_list(s, stop_at_first, &calls), 7);
	assert_int_equal(calls, 1);
	/* a page from an id on: only the ids after it (0x10 < 0x20 < 0x30 lead each id) */
	uint8_t after[32];
	memset(after, 0x20, 32);
	memset(seen, 0, sizeof seen);
	assert_int_equal(ll_store_client_list_after(s, after, count_client, seen), 0);
	assert_int_equal(seen[0x10] + seen[0x20], 0);
	assert_int_equal(seen[0x30], 1);
	after[31] = 0x1f;	/* just below the 0x20 id: it comes first */
	memset(seen, 0, sizeof seen);
	assert_int_equal(ll_store_client_list_after(s, after, count_client, seen), 0);
	assert_int_equal(seen[0x10] + seen[0x20] + seen[0x30], 2);

	assert_int_equal(ll_store_client_del(s, c.id), 0);
	assert_int_equal(ll_store_client_get(s, c.id, &got), -ENOENT);
	assert_int_equal(ll_store_client_del(s, c.id), -ENOENT);
	memset(seen, 0, sizeof seen);
	assert_int_equal(ll_store_client_list(s, count_client, seen), 0);
	assert_int_equal(seen[0x10] + seen[0x20] + seen[0x30], 2);

	/* scheme 0 only for a trusted gateway; keys that do not fit are refused */
	c.scheme = 0;
	c.trusted = false;
	assert_int_equal(ll_store_client_put(s, &c), -EINVAL);
	c.trusted = true;
	c.pub_len = 0;
	assert_int_equal(ll_store_client_put(s, &c), 0);
	c.scheme = 3;
	assert_int_equal(ll_store_client_put(s, &c), -EINVAL);
	c.scheme = 1;
	c.pub_len = LL_STORE_CLIENT_KEY_MAX + 1;
	assert_int_equal(ll_store_client_put(s, &c), -EINVAL);
	ll_store_close(s);
}

/* A client's state moves only with the block that carries it, all or nothing. */
static void test_client_state_moves_with_its_block(void **state)
{
	struct fixture *f = *state;
	ll_store_t *s = NULL;
	uint8_t id[32], st[LL_STORE_CLIENT_STATE_MAX + 1], out[LL_STORE_CLIENT_STATE_MAX];
	size_t len;
	struct tblock t;

	memset(id, 0x42, 32);
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	assert_int_equal(ll_store_client_state(s, id, out, sizeof out, &len), -ENOENT);
	commit_range(s, 0, 2, 51);

	memset(st, 0x01, sizeof st);
	struct ll_store_client_state cs = { .id = id, .state = st, .len = 137 };
	tblock_make(&t, 2, 100, 2, log_before_mod5(2), 51);
	t.b.client_states = &cs;
	t.b.client_state_count = 1;
	assert_int_equal(ll_store_commit(s, &t.b), 0);
	tblock_free(&t);
	assert_int_equal(ll_store_client_state(s, id, out, sizeof out, &len), 0);
	assert_int_equal(len, 137);
	assert_memory_equal(out, st, 137);
	assert_int_equal(ll_store_client_state(s, id, out, 10, &len), -ENOSPC);

	/* unregistered, the client keeps its state: registered again, its old nonces
	 * are still replays */
	struct ll_store_client c = { .scheme = 1, .pub_len = 32 };
	memcpy(c.id, id, 32);
	assert_int_equal(ll_store_client_put(s, &c), 0);
	assert_int_equal(ll_store_client_del(s, id), 0);
	assert_int_equal(ll_store_client_get(s, id, &c), -ENOENT);
	assert_int_equal(ll_store_client_state(s, id, out, sizeof out, &len), 0);
	assert_int_equal(len, 137);
	assert_memory_equal(out, st, 137);

	/* a block refused for any reason leaves the state as it was */
	memset(st, 0x02, sizeof st);
	cs.len = LL_STORE_CLIENT_STATE_MAX + 1;
	tblock_make(&t, 3, 100, 3, log_before_mod5(3), 51);
	t.b.client_states = &cs;
	t.b.client_state_count = 1;
	assert_int_equal(ll_store_commit(s, &t.b), -EINVAL);
	assert_block_absent(s, &t);
	assert_int_equal(ll_store_client_state(s, id, out, sizeof out, &len), 0);
	assert_int_equal(out[0], 0x01);
	/* the same block with a state that fits goes in with it */
	cs.len = 200;
	assert_int_equal(ll_store_commit(s, &t.b), 0);
	tblock_free(&t);
	ll_store_close(s);
	assert_int_equal(ll_store_open(&f->cfg, &s), 0);
	assert_int_equal(ll_store_client_state(s, id, out, sizeof out, &len), 0);
	assert_int_equal(len, 200);
	assert_int_equal(out[199], 0x02);
	ll_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		STORE_TEST(test_open_creates_directory_and_reopen_keeps_tip),
		STORE_TEST(test_commit_genesis_and_blocks_read_back),
		STORE_TEST(test_commit_rejects_height_gap_or_repeat),
		STORE_TEST(test_commit_repeated_txid_found_where_first_committed),
		STORE_TEST(test_open_rejects_other_chain_id),
		STORE_TEST(test_open_rejects_other_algorithm),
		STORE_TEST(test_open_rejects_other_format_version),
		STORE_TEST(test_open_second_handle_busy),
		STORE_TEST(test_open_second_process_busy),
		STORE_TEST(test_commit_grows_map),
		STORE_TEST(test_commit_at_map_cap_enospc_then_resumes),
		STORE_TEST(test_commit_disk_full_enospc_nothing_written),
		STORE_TEST(test_commit_periodic_sync),
		STORE_TEST(test_close_null_is_noop),
		STORE_TEST(test_open_rejects_invalid_cfg),
		STORE_TEST(test_calls_reject_null_arguments),
		STORE_TEST(test_commit_keeps_log_nodes_and_size),
		STORE_TEST(test_txindex_runs_merge_and_lookups_stay_exact),
		STORE_TEST(test_txindex_merge_cut_short_is_deleted_at_open),
		STORE_TEST(test_txindex_mixed_blocks_leave_no_run_behind),
		STORE_TEST(test_clients_register_list_remove),
		STORE_TEST(test_client_state_moves_with_its_block),
	};
	return cmocka_run_group_tests_name("ll_store", tests, NULL, NULL);
}
