/* llbench commit: committed records per second through ll_chain_commit (header,
 * body, txindex, ledger-wide log) against a raw LMDB loop writing the same bytes.
 * Hashing (leaves, block root, the log's new nodes) is the stage before the
 * commit, as in the solo loop (its hash thread, or the accelerator), so blocks
 * are hashed and prepared off the clock; both stages on one thread are printed
 * beside, for the record. */
#include "llbench.h"

#include <errno.h>
#include <inttypes.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lmdb.h>

#include "ll_bytes.h"
#include "ll_chain.h"
#include "ll_err.h"
#include "ll_hash.h"
#include "ll_merkle.h"
#include "ll_time.h"

#define RECORD_BYTES 128
#define MAP_BYTES (4ull << 30)	/* both sides: room for a full-length run, never regrown */

/* One block's worth of records, rewritten before every block so no txid repeats. */
struct records {
	uint32_t n;
	uint64_t next;		/* running record number: first 8 bytes, and the raw key */
	uint32_t *offsets;
	uint8_t *data;
	uint8_t *leaves;
	uint8_t *scratch;
	int rc;			/* first error of a run; fn(arg) has no return value */
};

struct chain_side {
	struct records r;
	ll_chain_t *chain;
	struct ll_chain_prepared prep;
	uint64_t hash_ns, commit_ns, blocks;	/* over the whole run */
};

struct raw_side {
	struct records r;
	MDB_env *env;
	MDB_dbi dbi;
};

static int records_make(struct records *r, uint32_t n)
{
	memset(r, 0, sizeof *r);
	r->n = n;
	r->offsets = malloc((n + 1) * sizeof *r->offsets);
	r->data = malloc((size_t)n * RECORD_BYTES);
	r->leaves = malloc((size_t)n * 32);
	r->scratch = malloc(LL_MERKLE_ROOT_SCRATCH_BYTES(n));
	if (!r->offsets || !r->data || !r->leaves || !r->scratch)
		return -ENOMEM;
	for (uint32_t i = 0; i <= n; i++)
		r->offsets[i] = i * RECORD_BYTES;
	for (size_t i = 0; i < (size_t)n * RECORD_BYTES; i++)
		r->data[i] = (uint8_t)(i * 131 + 7);
	return 0;
}

static void records_free(struct records *r)
{
	free(r->offsets);
	free(r->data);
	free(r->leaves);
	free(r->scratch);
}

/* Stamps the next n record numbers into the records; both sides pay this. */
static void records_next_block(struct records *r)
{
	for (uint32_t i = 0; i < r->n; i++)
		ll_put_be64(r->data + (size_t)i * RECORD_BYTES, r->next + i);
}

static uint64_t run_chain(void *arg)
{
	struct chain_side *c = arg;
	if (c->r.rc < 0)
		return 0;
	records_next_block(&c->r);
	struct ll_chain_batch b = {
		.offsets = c->r.offsets, .n = c->r.n, .data = c->r.data, .leaves = c->r.leaves,
		.scratch = c->r.scratch,
	};
	uint64_t start = ll_time_mono_ns();
	if ((c->r.rc = ll_chain_hash_batch(ll_chain_hash_alg(c->chain), &b)) < 0 ||
	    (c->r.rc = ll_chain_prepare(c->chain, &b, ll_time_wall_ns(), &c->prep)) < 0)
		return 0;
	uint64_t hashed = ll_time_mono_ns();
	if ((c->r.rc = ll_chain_commit_prepared(c->chain, &c->prep)) < 0)
		return 0;
	uint64_t done = ll_time_mono_ns();
	c->r.next += c->r.n;
	c->hash_ns += hashed - start;
	c->commit_ns += done - hashed;
	c->blocks++;
	return done - hashed ? done - hashed : 1;
}

/* The baseline: one transaction per block, one append per record, one commit. */
static uint64_t run_raw(void *arg)
{
	struct raw_side *s = arg;
	MDB_txn *txn;
	uint8_t key[8];
	int rc;

	if (s->r.rc < 0)
		return 0;
	records_next_block(&s->r);
	uint64_t start = ll_time_mono_ns();
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)))
		goto err;
	for (uint32_t i = 0; i < s->r.n; i++) {
		ll_put_be64(key, s->r.next + i);
		MDB_val k = { .mv_size = sizeof key, .mv_data = key };
		MDB_val v = { .mv_size = RECORD_BYTES,
			      .mv_data = s->r.data + (size_t)i * RECORD_BYTES };
		if ((rc = mdb_put(txn, s->dbi, &k, &v, MDB_APPEND))) {
			mdb_txn_abort(txn);
			goto err;
		}
	}
	if ((rc = mdb_txn_commit(txn)))
		goto err;
	s->r.next += s->r.n;
	uint64_t done = ll_time_mono_ns();
	return done - start ? done - start : 1;
err:
	fprintf(stderr, "llbench: commit: raw lmdb: %s\n", mdb_strerror(rc));
	s->r.rc = rc == MDB_MAP_FULL ? -ENOSPC : rc > 0 ? -rc : -EIO;
	return 0;
}

static int raw_open(struct raw_side *s, const char *path, enum ll_store_sync sync)
{
	MDB_txn *txn;
	int rc;

	if (mkdir(path, 0750) < 0)
		return -errno;
	if ((rc = mdb_env_create(&s->env)))
		goto err;
	if ((rc = mdb_env_set_mapsize(s->env, MAP_BYTES)) ||
	    (rc = mdb_env_open(s->env, path, sync == LL_STORE_SYNC_PERIODIC ? MDB_NOSYNC : 0,
			       0640)))
		goto err;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)))
		goto err;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &s->dbi))) {
		mdb_txn_abort(txn);
		goto err;
	}
	if ((rc = mdb_txn_commit(txn)))
		goto err;
	return 0;
err:
	fprintf(stderr, "llbench: commit: raw lmdb %s: %s\n", path, mdb_strerror(rc));
	return rc > 0 ? -rc : -EIO;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

struct commit_case {
	enum ll_hash_alg alg;
	enum ll_store_sync sync;
	uint32_t n;
};

/* One case in a fresh directory: the raw loop, then the chain, then cleanup. */
static int run_case(const struct ll_bench_opts *o, const struct commit_case *cc)
{
	const char *sync_name = cc->sync == LL_STORE_SYNC_FULL ? "full" : "periodic";
	char dir[] = "/tmp/llbench-commit-XXXXXX";
	char raw_path[sizeof dir + 8], chain_path[sizeof dir + 8], name[96], goal[160];
	struct raw_side raw = { 0 };
	struct chain_side chain = { 0 };
	int rc;

	if (!mkdtemp(dir)) {
		rc = -errno;
		fprintf(stderr, "llbench: commit: mkdtemp %s: %s\n", dir, strerror(errno));
		return rc;
	}
	snprintf(raw_path, sizeof raw_path, "%s/raw", dir);
	snprintf(chain_path, sizeof chain_path, "%s/chain", dir);
	if ((rc = records_make(&raw.r, cc->n)) < 0 || (rc = records_make(&chain.r, cc->n)) < 0)
		goto out;
	if ((rc = raw_open(&raw, raw_path, cc->sync)) < 0)
		goto out;
	struct ll_chain_cfg cfg = {
		.store = {
			.path = chain_path, .chain_id = 1, .hash_alg = (uint8_t)cc->alg,
			.sync = cc->sync, .map_bytes = MAP_BYTES, .max_map_bytes = MAP_BYTES,
		},
		.proposer = 1,
	};
	if ((rc = ll_chain_open(&cfg, &chain.chain)) < 0) {
		fprintf(stderr, "llbench: commit: open chain %s: %s\n", chain_path,
			ll_strerror(rc));
		goto out;
	}

	uint64_t (*const fn[2])(void *) = { run_raw, run_chain };
	void *const arg[2] = { &raw, &chain };
	double rate[2];
	ll_bench_rate_pair(o, fn, arg, cc->n, rate);
	if ((rc = raw.r.rc) < 0)
		goto out;
	if ((rc = chain.r.rc) < 0) {
		fprintf(stderr, "llbench: commit: ll_chain_commit: %s\n", ll_strerror(rc));
		goto out;
	}
	double base = rate[0], value = rate[1];
	snprintf(name, sizeof name, "%s/%s/%u", ll_hash_alg_name(cc->alg), sync_name, cc->n);
	ll_bench_report(o, "commit", name, value, "records/s", "raw-lmdb", base);
	snprintf(goal, sizeof goal, "%s: commit vs raw lmdb (chain writes headers, txindex, log)",
		 name);
	ll_bench_goal(o, goal, value / base, 0.7, false);
	/* for the record: both stages on one thread (no pipeline), all trials */
	double with_hash = (double)chain.blocks * cc->n * 1e9 /
			   (double)(chain.hash_ns + chain.commit_ns);
	snprintf(name, sizeof name, "%s/%s/%u+hash", ll_hash_alg_name(cc->alg), sync_name, cc->n);
	ll_bench_report(o, "commit", name, with_hash, "records/s", "raw-lmdb", base);
	struct ll_store_index_stats st;
	if (!o->json && ll_chain_index_stats(chain.chain, &st) == 0)
		printf("  txindex after %" PRIu64 " blocks: %" PRIu64 " runs, %" PRIu64 " merges, "
		       "%" PRIu64 " stalls\n", chain.blocks, st.runs, st.merges, st.merge_stalls);
out:
	ll_chain_close(chain.chain);
	ll_chain_prepared_free(&chain.prep);
	if (raw.env)
		mdb_env_close(raw.env);
	records_free(&raw.r);
	records_free(&chain.r);
	if (nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "llbench: commit: remove %s: %s\n", dir, strerror(errno));
	return rc;
}

int ll_bench_commit(const struct ll_bench_opts *o)
{
	static const struct commit_case cases[] = {
		{ LL_HASH_SHA256, LL_STORE_SYNC_FULL, 1000 },
		{ LL_HASH_SHA256, LL_STORE_SYNC_FULL, 10000 },
		{ LL_HASH_SHA256, LL_STORE_SYNC_PERIODIC, 1000 },
		{ LL_HASH_SHA256, LL_STORE_SYNC_PERIODIC, 10000 },
		{ LL_HASH_SM3, LL_STORE_SYNC_FULL, 1000 },
	};
	for (size_t i = 0; i < LL_ARRAY_LEN(cases); i++)
		LL_TRY(run_case(o, &cases[i]));
	return 0;
}
