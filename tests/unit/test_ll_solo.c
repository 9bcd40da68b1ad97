/* Unit suite for host/chain ll_solo: the three cut rules, durable callbacks in
 * height order carrying the right txids, backpressure, periodic sync, restart;
 * run without an accelerator, then on each backend (xrt over tests/fakexrt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ll_accel.h"
#include "ll_chain.h"
#include "ll_solo.h"
#include "ll_time.h"
#include "ll_test_util.h"

#define MAX_BLOCKS 64

struct seen {
	pthread_mutex_t mu;
	unsigned blocks;
	uint64_t heights[MAX_BLOCKS];
	uint32_t counts[MAX_BLOCKS];
	uint8_t first_txid[MAX_BLOCKS][32];
	uint64_t first_cookie[MAX_BLOCKS];
	/* the states hook's: what it hands the block, and how each attempt ended */
	uint8_t client[32], state[4];
	struct ll_store_client_state st;
	unsigned states_done[2];
	volatile int hold;		/* the callback waits while set */
};

static void on_durable(void *arg, const struct ll_block_header *h, const uint8_t *txids,
		       const uint64_t *cookies, uint32_t n)
{
	struct seen *s = arg;
	while (s->hold)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	pthread_mutex_lock(&s->mu);
	if (s->blocks < MAX_BLOCKS) {
		s->heights[s->blocks] = h->height;
		s->counts[s->blocks] = n;
		if (n) {
			memcpy(s->first_txid[s->blocks], txids, 32);
			s->first_cookie[s->blocks] = cookies[0];
		}
		s->blocks++;
	}
	pthread_mutex_unlock(&s->mu);
}

/* The accelerator backend the group runs with: NULL for none (hashing in solo's thread). */
static const char *accel_backend;
static struct test_fakexrt card;	/* for "xrt": tests/fakexrt as the card */

static struct ll_accel_cfg accel_cfg(void)
{
	return (struct ll_accel_cfg){ .backend = accel_backend, .xclbin = card.xclbin,
				      .xrt_library = card.library, .probe_root = card.dir };
}

struct fixture {
	char dir[64];
	struct ll_chain_cfg cfg;
	ll_accel_t *accel;
	ll_chain_t *chain;
	struct seen seen;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/ll_solo_test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->cfg.store.path = f->dir;
	f->cfg.store.chain_id = 5;
	f->cfg.store.hash_alg = LL_HASH_SM3;
	pthread_mutex_init(&f->seen.mu, NULL);
	if (ll_chain_open(&f->cfg, &f->chain) < 0)
		return -1;
	struct ll_accel_cfg ac = accel_cfg();
	if (accel_backend && ll_accel_open(&ac, &f->accel) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	ll_accel_close(f->accel);
	ll_chain_close(f->chain);
	int rc = test_remove_tree(f->dir);
	free(f);
	return rc;
}

static struct ll_solo_cfg base_cfg(struct fixture *f)
{
	return (struct ll_solo_cfg){ .max_records = 100, .max_bytes = 1 << 20,
				     .max_wait_us = 10 * 1000 * 1000, .blocks_in_flight = 3,
				     .accel = f->accel, .durable = on_durable, .arg = &f->seen };
}

/* Record i: 40 bytes, unique. */
static void record(uint32_t i, uint8_t rec[40])
{
	memset(rec, 0x5a, 40);
	memcpy(rec, &i, sizeof i);
}

static void submit_all(ll_solo_t *s, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++) {
		uint8_t rec[40];
		record(i, rec);
		int rc;
		while ((rc = ll_solo_submit(s, rec, sizeof rec, i)) == -EAGAIN)
			nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
		assert_int_equal(rc, 0);
	}
}

static void assert_chain_verifies(struct fixture *f, uint64_t want_height)
{
	struct ll_block_header tip;
	uint64_t bad;
	assert_int_equal(ll_chain_verify(f->chain, &bad), 0);
	assert_int_equal(ll_chain_tip(f->chain, &tip), 0);
	assert_int_equal(tip.height, want_height);
}

static void test_solo_cuts_on_max_records(void **state)
{
	struct fixture *f = *state;
	struct ll_solo_cfg cfg = base_cfg(f);
	ll_solo_t *s;
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), 0);
	submit_all(s, 0, 250);
	assert_int_equal(ll_solo_stop(s, NULL), 0);	/* stop cuts the last 50 */
	assert_int_equal(f->seen.blocks, 3);
	uint32_t want[] = { 100, 100, 50 };
	for (unsigned b = 0; b < 3; b++) {
		assert_int_equal(f->seen.heights[b], b + 1);
		assert_int_equal(f->seen.counts[b], want[b]);
		/* the first txid of each block is the leaf of record 100 * b */
		uint8_t rec[40], leaf[32];
		record(100 * b, rec);
		test_openssl_prefixed(LL_HASH_SM3, 0x00, rec, sizeof rec, leaf);
		assert_memory_equal(f->seen.first_txid[b], leaf, 32);
		assert_int_equal(f->seen.first_cookie[b], 100 * b);	/* submitted with it */
	}
	assert_chain_verifies(f, 3);
}

/* The states hook: each block writes one client's state, its first record's
 * first 4 bytes; the hook refuses the block that starts with record 150. */
static int on_states(void *arg, const uint32_t *offsets, const uint8_t *data, uint32_t n,
		     const struct ll_store_client_state **states, size_t *count)
{
	struct seen *s = arg;
	uint32_t first;
	assert_true(n > 0 && offsets[0] == 0 && offsets[1] == 40);
	memcpy(&first, data, sizeof first);
	if (first == 150)
		return -EPROTO;
	memcpy(s->state, data, 4);
	memset(s->client, 0xc1, 32);
	s->st = (struct ll_store_client_state){ .id = s->client, .state = s->state, .len = 4 };
	*states = &s->st;
	*count = 1;
	return 0;
}

static void on_states_done(void *arg, bool committed)
{
	struct seen *s = arg;
	s->states_done[committed]++;
}

static void test_solo_states_go_with_their_block(void **state)
{
	struct fixture *f = *state;
	struct ll_solo_cfg cfg = base_cfg(f);
	cfg.max_records = 50;
	cfg.states = on_states;
	cfg.states_done = on_states_done;
	ll_solo_t *s;
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), 0);
	submit_all(s, 0, 200);	/* blocks start at records 0, 50, 100, 150 */
	assert_int_equal(ll_solo_stop(s, NULL), -EPROTO);	/* the last error */
	assert_int_equal(f->seen.blocks, 3);
	assert_int_equal(f->seen.states_done[1], 3);
	assert_int_equal(f->seen.states_done[0], 1);
	uint8_t got[8], id[32];
	size_t len;
	memset(id, 0xc1, 32);
	assert_int_equal(ll_store_client_state(ll_chain_store(f->chain), id, got, sizeof got, &len), 0);
	assert_int_equal(len, 4);
	uint32_t first;
	memcpy(&first, got, 4);
	assert_int_equal(first, 100);	/* the last block that committed */
	assert_chain_verifies(f, 3);
}

static void test_solo_cuts_on_max_bytes(void **state)
{
	struct fixture *f = *state;
	struct ll_solo_cfg cfg = base_cfg(f);
	cfg.max_bytes = 400;	/* ten 40-byte records */
	ll_solo_t *s;
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), 0);
	uint8_t big[401] = { 0 };
	assert_int_equal(ll_solo_submit(s, big, sizeof big, 0), -EMSGSIZE);
	submit_all(s, 0, 35);
	assert_int_equal(ll_solo_stop(s, NULL), 0);
	assert_int_equal(f->seen.blocks, 4);
	assert_int_equal(f->seen.counts[0], 10);
	assert_int_equal(f->seen.counts[3], 5);
	assert_chain_verifies(f, 4);
}

static void test_solo_cuts_on_age(void **state)
{
	struct fixture *f = *state;
	struct ll_solo_cfg cfg = base_cfg(f);
	cfg.max_wait_us = 20 * 1000;
	ll_solo_t *s;
	struct ll_solo_stats st;
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), 0);
	submit_all(s, 0, 5);
	/* well past max_wait_us, with no more records: the block must be out */
	for (int i = 0; i < 200; i++) {
		ll_solo_stats(s, &st);
		if (st.blocks_committed == 1)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	assert_int_equal(st.blocks_committed, 1);
	assert_int_equal(st.records_committed, 5);
	assert_int_equal(f->seen.counts[0], 5);
	assert_int_equal(ll_solo_stop(s, NULL), 0);
	assert_int_equal(f->seen.blocks, 1);
}

/* Durable callbacks held back: the ring fills and submit says -EAGAIN, counted. */
static void test_solo_backpressure_when_full(void **state)
{
	struct fixture *f = *state;
	struct ll_solo_cfg cfg = base_cfg(f);
	cfg.max_records = 1;
	cfg.blocks_in_flight = 2;
	ll_solo_t *s;
	struct ll_solo_stats st;
	uint8_t rec[40];
	f->seen.hold = 1;
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), 0);
	int refused = 0;
	for (uint32_t i = 0; i < 50 && !refused; i++) {
		record(i, rec);
		int rc = ll_solo_submit(s, rec, sizeof rec, 0);
		assert_true(rc == 0 || rc == -EAGAIN);
		refused = rc == -EAGAIN;
		nanosleep(&(struct timespec){ .tv_nsec = 2 * 1000 * 1000 }, NULL);
	}
	assert_true(refused);
	ll_solo_stats(s, &st);
	assert_true(st.records_refused_full >= 1);
	assert_true(st.blocks_in_flight <= 2);
	f->seen.hold = 0;
	assert_int_equal(ll_solo_stop(s, NULL), 0);
	assert_int_equal(f->seen.blocks, st.records_submitted);
	assert_chain_verifies(f, st.records_submitted);
}

/* A batch goes in under one lock up to the bound, in order; the rest later. */
static void test_solo_submit_many_stops_at_the_bound(void **state)
{
	struct fixture *f = *state;
	struct ll_solo_cfg cfg = base_cfg(f);
	cfg.max_records = 10;
	cfg.blocks_in_flight = 2;
	ll_solo_t *s;
	uint8_t recs[30][40];
	struct ll_solo_record batch[30];
	uint32_t taken;
	for (uint32_t i = 0; i < 30; i++) {
		record(i, recs[i]);
		batch[i] = (struct ll_solo_record){ .bytes = recs[i], .len = 40, .cookie = i };
	}
	f->seen.hold = 1;	/* the first durable block holds the commit thread */
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), 0);
	assert_int_equal(ll_solo_submit_many(s, batch, 30, &taken), -EAGAIN);
	assert_int_equal(taken, 20);	/* two blocks of ten: the bound */
	f->seen.hold = 0;
	uint32_t more = 0;
	int rc;
	while ((rc = ll_solo_submit_many(s, batch + 20, 10, &more)) == -EAGAIN && more == 0)
		nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
	assert_int_equal(rc, 0);
	assert_int_equal(more, 10);
	assert_int_equal(ll_solo_stop(s, NULL), 0);
	assert_int_equal(f->seen.blocks, 3);
	for (unsigned b = 0; b < 3; b++)
		assert_int_equal(f->seen.first_cookie[b], 10 * b);
	assert_chain_verifies(f, 3);
}

static void test_solo_periodic_sync_reports_every_block(void **state)
{
	struct fixture *f = *state;
	struct ll_solo_cfg cfg = base_cfg(f);
	cfg.max_records = 7;
	cfg.periodic_sync = true;
	cfg.sync_interval_ms = 50;
	ll_solo_t *s;
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), 0);
	submit_all(s, 0, 70);
	assert_int_equal(ll_solo_stop(s, NULL), 0);
	assert_int_equal(f->seen.blocks, 10);
	for (unsigned b = 0; b < 10; b++)
		assert_int_equal(f->seen.heights[b], b + 1);
	assert_chain_verifies(f, 10);
}

/* A restarted loop continues from the tip. */
static void test_solo_restart_continues_from_tip(void **state)
{
	struct fixture *f = *state;
	struct ll_solo_cfg cfg = base_cfg(f);
	ll_solo_t *s;
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), 0);
	submit_all(s, 0, 150);
	assert_int_equal(ll_solo_stop(s, NULL), 0);
	ll_chain_close(f->chain);
	assert_int_equal(ll_chain_open(&f->cfg, &f->chain), 0);
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), 0);
	submit_all(s, 150, 220);
	assert_int_equal(ll_solo_stop(s, NULL), 0);
	assert_int_equal(f->seen.blocks, 3);
	assert_int_equal(f->seen.heights[2], 3);
	assert_chain_verifies(f, 3);
}

/* An online snapshot while the loop commits opens as a ledger and verifies. */
static void test_snapshot_while_committing_verifies(void **state)
{
	struct fixture *f = *state;
	struct ll_solo_cfg cfg = base_cfg(f);
	cfg.max_records = 10;
	ll_solo_t *s;
	char copy[96];
	snprintf(copy, sizeof copy, "%s/snapshot", f->dir);
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), 0);
	submit_all(s, 0, 300);
	struct ll_solo_stats st = { 0 };
	while (st.blocks_committed < 5) {
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
		ll_solo_stats(s, &st);
	}
	assert_int_equal(ll_chain_snapshot(f->chain, copy), 0);
	submit_all(s, 300, 600);
	assert_int_equal(ll_solo_stop(s, NULL), 0);
	assert_int_equal(ll_chain_snapshot(f->chain, copy), -EEXIST);

	struct ll_chain_cfg copy_cfg = f->cfg;
	copy_cfg.store.path = copy;
	ll_chain_t *c;
	struct ll_block_header tip;
	uint64_t bad;
	assert_int_equal(ll_chain_open(&copy_cfg, &c), 0);
	assert_int_equal(ll_chain_verify(c, &bad), 0);
	assert_int_equal(ll_chain_tip(c, &tip), 0);
	/* somewhere between the blocks committed before the copy and all of them */
	assert_true(tip.height >= 5 && tip.height <= 60);
	ll_chain_close(c);
	assert_chain_verifies(f, 60);
}

static void test_solo_start_rejects_bad_cfg(void **state)
{
	struct fixture *f = *state;
	ll_solo_t *s;
	struct ll_solo_cfg cfg = base_cfg(f);
	cfg.max_records = 0;
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), -EINVAL);
	cfg = base_cfg(f);
	cfg.blocks_in_flight = 1;
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), -EINVAL);
	cfg.blocks_in_flight = 9;
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), -EINVAL);
	cfg = base_cfg(f);
	cfg.periodic_sync = true;
	assert_int_equal(ll_solo_start(f->chain, &cfg, &s), -EINVAL);
	assert_int_equal(ll_solo_stop(NULL, NULL), 0);
}


/*
 * The loop on a disk that fills, in a child with a 1 MiB tmpfs over `dir`:
 * ordering stalls and says so, ingest is refused (-EAGAIN), nothing durable is
 * lost, and once space returns every accepted record is committed.
 */
static void disk_full_child(struct fixture *f, const char *dir)
{
	char path[160];
	struct ll_solo_stats st;
	ll_chain_t *chain;
	ll_solo_t *s;
	uint8_t rec[1000];
	uint32_t accepted = 0, i = 0;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", dir, "tmpfs", 0, "size=1m") < 0)
		_exit(TEST_CHILD_SKIP);
	snprintf(path, sizeof path, "%s/ledger", dir);
	struct ll_chain_cfg cfg = f->cfg;
	cfg.store.path = path;
	TEST_CHILD_CHECK(ll_chain_open(&cfg, &chain) == 0);
	struct ll_solo_cfg scfg = base_cfg(f);
	scfg.max_records = 20;
	/* the child's own accelerator (threads do not come across a fork) */
	struct ll_accel_cfg ac = accel_cfg();
	if (accel_backend)
		TEST_CHILD_CHECK(ll_accel_open(&ac, &scfg.accel) == 0);
	TEST_CHILD_CHECK(ll_solo_start(chain, &scfg, &s) == 0);

	/* fill until the loop stalls and refuses */
	uint64_t deadline = ll_time_mono_ns() + 20 * 1000000000ull;
	int refused = 0;
	for (; !refused && ll_time_mono_ns() < deadline; i++) {
		memset(rec, (int)i, sizeof rec);
		memcpy(rec, &i, sizeof i);
		int rc = ll_solo_submit(s, rec, sizeof rec, 0);
		TEST_CHILD_CHECK(rc == 0 || rc == -EAGAIN);
		if (rc == 0)
			accepted++;
		ll_solo_stats(s, &st);
		refused = rc == -EAGAIN && st.stalled;
		if (rc == -EAGAIN)
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	TEST_CHILD_CHECK(refused);
	ll_solo_stats(s, &st);
	TEST_CHILD_CHECK(st.commit_retries > 0 && st.records_refused_full > 0);
	TEST_CHILD_CHECK(st.blocks_committed > 0 && st.commit_failures == 0);
	/* stalled, not dropping: the retries go on and no block is given up
	 * (a retry may still squeeze a block into space a failed write left) */
	uint64_t retries = st.commit_retries;
	nanosleep(&(struct timespec){ .tv_nsec = 300 * 1000000 }, NULL);
	ll_solo_stats(s, &st);
	TEST_CHILD_CHECK(st.commit_retries > retries && st.commit_failures == 0);
	fprintf(stderr, "child: stalled after %" PRIu64 " blocks, %u records accepted\n",
		st.blocks_committed, accepted);

	/* space returns: the stalled blocks go in, then everything after them */
	TEST_CHILD_CHECK(mount("tmpfs", dir, "tmpfs", MS_REMOUNT, "size=64m") == 0);
	for (uint32_t more = 0; more < 100; more++, i++) {
		memset(rec, (int)i, sizeof rec);
		memcpy(rec, &i, sizeof i);
		int rc;
		while ((rc = ll_solo_submit(s, rec, sizeof rec, 0)) == -EAGAIN)
			nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
		TEST_CHILD_CHECK(rc == 0);
		accepted++;
	}
	TEST_CHILD_CHECK(ll_solo_stop(s, NULL) == 0);
	ll_accel_close(scfg.accel);
	uint64_t bad;
	struct ll_block_header tip;
	TEST_CHILD_CHECK(ll_chain_verify(chain, &bad) == 0);
	TEST_CHILD_CHECK(ll_chain_tip(chain, &tip) == 0 && tip.log_size == accepted);
	TEST_CHILD_CHECK(f->seen.blocks == tip.height || f->seen.blocks == MAX_BLOCKS);
	for (unsigned b = 0; b < f->seen.blocks; b++) {
		struct ll_chain_tx tx;
		TEST_CHILD_CHECK(f->seen.heights[b] == b + 1);
		TEST_CHILD_CHECK(ll_chain_tx(chain, f->seen.first_txid[b], &tx) == 0);
		TEST_CHILD_CHECK(tx.height == b + 1 && tx.index == 0);
		free(tx.record);
	}
	ll_chain_close(chain);
	_exit(0);
}

static void test_solo_disk_full_stalls_then_resumes(void **state)
{
	struct fixture *f = *state;
	char dir[96];

	snprintf(dir, sizeof dir, "%s/full", f->dir);
	assert_int_equal(mkdir(dir, 0750), 0);
	/* no accelerator worker across the fork: a lock it held would stay held in the child */
	ll_accel_close(f->accel);
	f->accel = NULL;
	pid_t pid = fork();
	if (pid == 0)
		disk_full_child(f, dir);
	test_wait_child(pid);
}

#define SOLO_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		SOLO_TEST(test_solo_cuts_on_max_records),
		SOLO_TEST(test_solo_states_go_with_their_block),
		SOLO_TEST(test_solo_cuts_on_max_bytes),
		SOLO_TEST(test_solo_cuts_on_age),
		SOLO_TEST(test_solo_backpressure_when_full),
		SOLO_TEST(test_solo_submit_many_stops_at_the_bound),
		SOLO_TEST(test_solo_periodic_sync_reports_every_block),
		SOLO_TEST(test_solo_restart_continues_from_tip),
		SOLO_TEST(test_snapshot_while_committing_verifies),
		SOLO_TEST(test_solo_start_rejects_bad_cfg),
		SOLO_TEST(test_solo_disk_full_stalls_then_resumes),
	};
	/* the ledger's tests on each way a block can be hashed */
	int failed = cmocka_run_group_tests_name("ll_solo", tests, NULL, NULL);
	accel_backend = "cpu";
	failed += cmocka_run_group_tests_name("ll_solo, accel cpu", tests, NULL, NULL);
	accel_backend = "hlsemu";
	failed += cmocka_run_group_tests_name("ll_solo, accel hlsemu", tests, NULL, NULL);
	accel_backend = "xrt";
	test_fakexrt_open(&card);
	failed += cmocka_run_group_tests_name("ll_solo, accel xrt on fakexrt", tests, NULL, NULL);
	test_fakexrt_close(&card);
	return failed;
}
