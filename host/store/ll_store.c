/* The ledger's LMDB store: one environment per ledger directory, guarded by an
 * exclusive flock, with every block committed in one write transaction. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <lmdb.h>

#include "ll_hash.h"
#include "ll_log.h"
#include "ll_store.h"
#include "ll_time.h"

#include "ll_bytes.h"
#include "ll_store_internal.h"

#define DEFAULT_MAP_BYTES	(64ULL << 20)
#define DEFAULT_MAX_MAP_BYTES	(1ULL << 40)
#define LOCK_FILE		"ledger.lock"

static const char *const db_names[LL_STORE_DB_COUNT] = {
	[LL_STORE_DB_META] = "meta", [LL_STORE_DB_HEADERS] = "headers",
	[LL_STORE_DB_BODIES] = "bodies", [LL_STORE_DB_TXINDEX] = "txindex",
	[LL_STORE_DB_LOG] = "log", [LL_STORE_DB_HEADS] = "heads",
	[LL_STORE_DB_CLIENTS] = "clients",
};

const char *ll_store_db_name(enum ll_store_db db)
{
	return db_names[db];
}

/* The one place LMDB's codes become -errno. */
int ll_store_mdb_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_MAP_FULL:
		return -ENOSPC;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_READERS_FULL:
		return -EAGAIN;
	case MDB_VERSION_MISMATCH:
	case MDB_INVALID:
		return -EINVAL;
	default:
		/* LMDB passes system errors (ENOSPC, EIO, ENOMEM...) through as is */
		return rc > 0 ? -rc : -EIO;
	}
}

int ll_store_meta_get(struct ll_store *s, MDB_txn *txn, const char *key, MDB_val *val)
{
	MDB_val k = { .mv_size = strlen(key), .mv_data = (void *)key };
	int rc = mdb_get(txn, s->dbi[LL_STORE_DB_META], &k, val);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc) {
		LL_ERROR("store", "%s: read meta %s: %s", s->path, key, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	return 0;
}

/* Returns 0, LL_STORE_RETRY_MAP_FULL or -errno (logged). */
int ll_store_meta_put(struct ll_store *s, MDB_txn *txn, const char *key, const void *data,
		    size_t len)
{
	MDB_val k = { .mv_size = strlen(key), .mv_data = (void *)key };
	MDB_val v = { .mv_size = len, .mv_data = (void *)data };
	int rc = mdb_put(txn, s->dbi[LL_STORE_DB_META], &k, &v, 0);
	if (rc == MDB_MAP_FULL)
		return LL_STORE_RETRY_MAP_FULL;
	if (rc) {
		LL_ERROR("store", "%s: write meta %s: %s", s->path, key, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	return 0;
}

int ll_store_meta_del(struct ll_store *s, MDB_txn *txn, const char *key)
{
	MDB_val k = { .mv_size = strlen(key), .mv_data = (void *)key };
	int rc = mdb_del(txn, s->dbi[LL_STORE_DB_META], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc == MDB_MAP_FULL)
		return LL_STORE_RETRY_MAP_FULL;
	if (rc) {
		LL_ERROR("store", "%s: delete meta %s: %s", s->path, key, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	return 0;
}

/* Doubles the map, up to the cap; call with no transaction open. */
static int grow_map(struct ll_store *s, const char *what)
{
	uint64_t old = s->map_bytes, want;
	MDB_envinfo info;
	int rc;

	if (old >= s->max_map_bytes) {
		uint64_t more;
		/* the caller retries while the disk stays full: one line, then counts */
		if (ll_log_ratelimit_allow(&s->full_log, ll_time_mono_ns(), &more))
			LL_ERROR("store", "%s: %s: map full at its cap of %" PRIu64 " bytes (%"
				 PRIu64 " more since the last message)", s->path, what,
				 s->max_map_bytes, more);
		return -ENOSPC;
	}
	want = old > s->max_map_bytes / 2 ? s->max_map_bytes : old * 2;
	pthread_rwlock_wrlock(&s->map_lock);
	rc = mdb_env_set_mapsize(s->env, (size_t)want);
	if (!rc)
		rc = mdb_env_info(s->env, &info);
	pthread_rwlock_unlock(&s->map_lock);
	if (rc) {
		LL_ERROR("store", "%s: grow map to %" PRIu64 " bytes: %s", s->path, want,
			 mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	s->map_bytes = info.me_mapsize;
	if (s->map_bytes <= old) {	/* cannot happen with LMDB 0.9; never loop on it */
		LL_ERROR("store", "%s: map did not grow past %" PRIu64 " bytes", s->path, old);
		return -ENOSPC;
	}
	LL_INFO("store", "%s: map grown from %" PRIu64 " to %" PRIu64 " bytes", s->path, old,
		s->map_bytes);
	return 0;
}

/*
 * LMDB 0.9 turns a short pwrite at commit into EIO, and a filling disk usually
 * shows up as one short write before the ENOSPC. When the filesystem has less
 * room than the transaction needed, that EIO was a full disk.
 */
static int commit_errno(struct ll_store *s, int rc, uint64_t need)
{
	struct statvfs vfs;

	if (rc == EIO && statvfs(s->path, &vfs) == 0 &&
	    (uint64_t)vfs.f_bavail * vfs.f_frsize < need)
		return -ENOSPC;
	return ll_store_mdb_errno(rc);
}

/*
 * Runs body(s, txn, arg) in one write transaction and commits it. When the map
 * fills (in the body or at commit) the transaction is dropped whole, the map
 * grows and the body runs again from the start. `need` is about what the
 * transaction writes, to tell a full disk from an I/O error. Returns 0 or
 * -errno (logged).
 */
int ll_store_write_txn(struct ll_store *s, int (*body)(struct ll_store *, MDB_txn *, void *),
		       void *arg, uint64_t need, const char *what)
{
	for (;;) {
		MDB_txn *txn;
		int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
		if (rc) {
			LL_ERROR("store", "%s: %s: begin: %s", s->path, what, mdb_strerror(rc));
			return ll_store_mdb_errno(rc);
		}
		rc = body(s, txn, arg);
		if (rc < 0) {
			mdb_txn_abort(txn);
			return rc;
		}
		if (rc == LL_STORE_RETRY_MAP_FULL) {
			mdb_txn_abort(txn);
		} else {
			/* mdb_txn_commit frees txn, on failure too, writing nothing */
			rc = mdb_txn_commit(txn);
			if (!rc)
				return 0;
			if (rc != MDB_MAP_FULL) {
				int err = commit_errno(s, rc, need);
				uint64_t more = 0;
				if (err != -ENOSPC ||
				    ll_log_ratelimit_allow(&s->full_log, ll_time_mono_ns(), &more))
					LL_ERROR("store", "%s: %s: commit: %s%s (%" PRIu64 " more since "
						 "the last message)", s->path, what, mdb_strerror(rc),
						 err == -ENOSPC && rc == EIO ? " (filesystem full)" : "",
						 more);
				return err;
			}
		}
		if ((rc = grow_map(s, what)) < 0)
			return rc;
	}
}

/* Opens every named database and checks (or, when new, records) the ledger's identity. */
static int init_body(struct ll_store *s, MDB_txn *txn, void *arg)
{
	uint8_t buf[4];
	MDB_val v;
	int rc, present = 0, wrong = 0;
	(void)arg;

	for (int i = 0; i < LL_STORE_DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->dbi[i]);
		if (rc == MDB_MAP_FULL)
			return LL_STORE_RETRY_MAP_FULL;
		if (rc) {
			LL_ERROR("store", "%s: open database %s: %s", s->path, db_names[i],
				 mdb_strerror(rc));
			return ll_store_mdb_errno(rc);
		}
	}

	const char *keys[] = { "format_version", "chain_id", "hash_alg" };
	const size_t sizes[] = { 4, 4, 1 };
	uint32_t found[3] = { 0 };
	for (int i = 0; i < 3; i++) {
		rc = ll_store_meta_get(s, txn, keys[i], &v);
		if (rc == -ENOENT)
			continue;
		if (rc < 0)
			return rc;
		if (v.mv_size != sizes[i]) {
			LL_ERROR("store", "%s: meta %s is %zu bytes, not %zu: ledger damaged",
				 s->path, keys[i], v.mv_size, sizes[i]);
			return -EIO;
		}
		found[i] = sizes[i] == 4 ? (uint32_t)ll_get_le(v.mv_data, 4) : *(const uint8_t *)v.mv_data;
		present++;
	}

	if (present == 0) {
		/* a new ledger: its identity goes in with the databases, in this txn */
		ll_put_le(buf, LL_STORE_FORMAT_VERSION, 4);
		if ((rc = ll_store_meta_put(s, txn, "format_version", buf, 4)))
			return rc;
		ll_put_le(buf, s->chain_id, 4);
		if ((rc = ll_store_meta_put(s, txn, "chain_id", buf, 4)))
			return rc;
		return ll_store_meta_put(s, txn, "hash_alg", &s->hash_alg, 1);
	}
	if (present != 3) {
		LL_ERROR("store", "%s: ledger metadata incomplete (%d of 3 identity keys)",
			 s->path, present);
		return -EIO;
	}
	if (found[0] != LL_STORE_FORMAT_VERSION) {
		LL_ERROR("store", "%s: ledger has format version %" PRIu32 ", not %d", s->path,
			 found[0], LL_STORE_FORMAT_VERSION);
		wrong = 1;
	}
	if (found[1] != s->chain_id) {
		LL_ERROR("store", "%s: ledger is for chain id %" PRIu32 ", not %" PRIu32, s->path,
			 found[1], s->chain_id);
		wrong = 1;
	}
	if (found[2] != s->hash_alg) {
		LL_ERROR("store", "%s: ledger uses hash algorithm %" PRIu32 ", not %u", s->path,
			 found[2], s->hash_alg);
		wrong = 1;
	}
	return wrong ? -EINVAL : ll_store_txindex_recover(s, txn);
}

static int check_cfg(const struct ll_store_cfg *cfg, ll_store_t **out)
{
	if (!cfg || !out || !cfg->path || !cfg->path[0]) {
		LL_ERROR("store", "open: no configuration, path or output handle");
		return -EINVAL;
	}
	if (cfg->hash_alg != LL_HASH_SHA256 && cfg->hash_alg != LL_HASH_SM3) {
		LL_ERROR("store", "%s: unknown hash algorithm %u", cfg->path, cfg->hash_alg);
		return -EINVAL;
	}
	if (cfg->sync != LL_STORE_SYNC_FULL && cfg->sync != LL_STORE_SYNC_PERIODIC) {
		LL_ERROR("store", "%s: unknown sync mode %d", cfg->path, (int)cfg->sync);
		return -EINVAL;
	}
	if (cfg->map_bytes && cfg->max_map_bytes && cfg->map_bytes > cfg->max_map_bytes) {
		LL_ERROR("store", "%s: map_bytes %" PRIu64 " above max_map_bytes %" PRIu64,
			 cfg->path, cfg->map_bytes, cfg->max_map_bytes);
		return -EINVAL;
	}
	if ((cfg->map_bytes > SIZE_MAX) || (cfg->max_map_bytes > SIZE_MAX)) {
		LL_ERROR("store", "%s: map size beyond the address space", cfg->path);
		return -EINVAL;
	}
	return 0;
}

/* Creates the directory when missing and takes the ledger's exclusive lock. */
static int lock_dir(struct ll_store *s)
{
	struct stat st;
	char lock_path[PATH_MAX];
	int rc;

	if (mkdir(s->path, 0750) < 0 && errno != EEXIST) {
		rc = -errno;
		LL_ERROR("store", "%s: create directory: %s", s->path, strerror(-rc));
		return rc;
	}
	if (stat(s->path, &st) < 0) {
		rc = -errno;
		LL_ERROR("store", "%s: stat: %s", s->path, strerror(-rc));
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		LL_ERROR("store", "%s: not a directory", s->path);
		return -ENOTDIR;
	}
	if (snprintf(lock_path, sizeof lock_path, "%s/%s", s->path, LOCK_FILE) >=
	    (int)sizeof lock_path) {
		LL_ERROR("store", "%s: path too long", s->path);
		return -ENAMETOOLONG;
	}
	s->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (s->lock_fd < 0) {
		rc = -errno;
		LL_ERROR("store", "%s: open %s: %s", s->path, LOCK_FILE, strerror(-rc));
		return rc;
	}
	/* flock, unlike LMDB's fcntl locks, also excludes a second handle in this process */
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (rc == -EBUSY)
			LL_ERROR("store", "%s: ledger already open by another process or handle "
				 "(%s is locked)", s->path, LOCK_FILE);
		else
			LL_ERROR("store", "%s: lock %s: %s", s->path, LOCK_FILE, strerror(-rc));
		close(s->lock_fd);
		s->lock_fd = -1;
		return rc;
	}
	return 0;
}

static int open_env(struct ll_store *s, const struct ll_store_cfg *cfg)
{
	unsigned flags = MDB_NOTLS;
	MDB_envinfo info;
	int rc;

	/* periodic: LMDB skips fsync at commit; ll_store_sync flushes */
	if (cfg->sync == LL_STORE_SYNC_PERIODIC)
		flags |= MDB_NOSYNC;
	if ((rc = mdb_env_create(&s->env))) {
		LL_ERROR("store", "%s: create environment: %s", s->path, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	if ((rc = mdb_env_set_maxdbs(s->env, LL_STORE_DB_COUNT)) ||
	    (rc = mdb_env_set_mapsize(s->env, (size_t)s->map_bytes)) ||
	    (rc = mdb_env_open(s->env, s->path, flags, 0640))) {
		LL_ERROR("store", "%s: open environment: %s", s->path, mdb_strerror(rc));
		goto err;
	}
	/* an existing ledger keeps at least the size it already fills */
	if ((rc = mdb_env_info(s->env, &info))) {
		LL_ERROR("store", "%s: environment info: %s", s->path, mdb_strerror(rc));
		goto err;
	}
	s->map_bytes = info.me_mapsize;
	MDB_stat st;
	if ((rc = mdb_env_stat(s->env, &st))) {
		LL_ERROR("store", "%s: environment stat: %s", s->path, mdb_strerror(rc));
		goto err;
	}
	/* an overflow page holds its value after a 16-byte page header */
	s->piece_bytes = st.ms_psize - 16;
	return 0;
err:
	mdb_env_close(s->env);
	s->env = NULL;
	return ll_store_mdb_errno(rc);
}

int ll_store_open(const struct ll_store_cfg *cfg, ll_store_t **out)
{
	struct ll_store *s;
	int rc;

	if ((rc = check_cfg(cfg, out)) < 0)
		goto err;
	rc = -ENOMEM;
	if (!(s = calloc(1, sizeof *s)))
		goto err;
	s->lock_fd = -1;
	s->full_log = (struct ll_log_ratelimit)LL_LOG_RATELIMIT_INIT(10000000000ULL, 1);
	s->chain_id = cfg->chain_id;
	s->hash_alg = cfg->hash_alg;
	s->max_map_bytes = cfg->max_map_bytes ? cfg->max_map_bytes : DEFAULT_MAX_MAP_BYTES;
	s->map_bytes = cfg->map_bytes ? cfg->map_bytes : DEFAULT_MAP_BYTES;
	if (s->map_bytes > s->max_map_bytes)	/* only the defaults can get here */
		s->map_bytes = s->max_map_bytes;
	if (!(s->path = strdup(cfg->path)))
		goto err_free;
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	/* a steady stream of readers must not starve the map's growth */
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	rc = -pthread_rwlock_init(&s->map_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (rc < 0)
		goto err_path;
	if ((rc = -pthread_mutex_init(&s->write_lock, NULL)) < 0)
		goto err_rwlock;
	if ((rc = lock_dir(s)) < 0)
		goto err_mutex;
	if ((rc = open_env(s, cfg)) < 0)
		goto err_unlock;
	if ((rc = ll_store_write_txn(s, init_body, NULL, 64 << 10, "initialise")) < 0)
		goto err_env;
	if ((rc = ll_store_txindex_open(s)) < 0)
		goto err_env;
	*out = s;
	return 0;

err_env:
	mdb_env_close(s->env);
err_unlock:
	close(s->lock_fd);
err_mutex:
	pthread_mutex_destroy(&s->write_lock);
err_rwlock:
	pthread_rwlock_destroy(&s->map_lock);
err_path:
	free(s->path);
err_free:
	free(s);
err:
	return rc;
}

void ll_store_close(ll_store_t *s)
{
	int rc;

	if (!s)
		return;
	ll_store_txindex_close(s);
	if ((rc = mdb_env_sync(s->env, 1)))
		LL_ERROR("store", "%s: sync at close: %s", s->path, mdb_strerror(rc));
	mdb_env_close(s->env);
	/* the lock goes last, so the next owner never sees a half-closed environment */
	close(s->lock_fd);
	pthread_mutex_destroy(&s->write_lock);
	pthread_rwlock_destroy(&s->map_lock);
	free(s->path);
	free(s);
}

int ll_store_snapshot(ll_store_t *s, const char *dest)
{
	int rc;

	if (!s || !dest)
		return -EINVAL;
	if (mkdir(dest, 0750) < 0) {
		rc = -errno;
		LL_ERROR("store", "%s: snapshot to %s: %s", s->path, dest, strerror(errno));
		return rc;
	}
	/* a reader for the copy's length: the map must not move under it */
	pthread_rwlock_rdlock(&s->map_lock);
	rc = mdb_env_copy2(s->env, dest, MDB_CP_COMPACT);
	pthread_rwlock_unlock(&s->map_lock);
	if (rc) {
		LL_ERROR("store", "%s: snapshot to %s: %s", s->path, dest, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	return 0;
}

int ll_store_sync(ll_store_t *s)
{
	int rc;

	if (!s)
		return -EINVAL;
	if ((rc = mdb_env_sync(s->env, 1))) {
		LL_ERROR("store", "%s: sync: %s", s->path, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	return 0;
}

int ll_store_begin_read(struct ll_store *s, MDB_txn **txn)
{
	int rc;

	pthread_rwlock_rdlock(&s->map_lock);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn))) {
		pthread_rwlock_unlock(&s->map_lock);
		LL_ERROR("store", "%s: begin read: %s", s->path, mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	return 0;
}

void ll_store_end_read(struct ll_store *s, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&s->map_lock);
}

/* The tip inside txn: -ENOENT on an empty ledger. */
static int read_tip(struct ll_store *s, MDB_txn *txn, uint64_t *height, uint8_t *hash)
{
	MDB_val h, v;
	int rc;

	if ((rc = ll_store_meta_get(s, txn, "tip_height", &h)) < 0)
		return rc;
	if ((rc = ll_store_meta_get(s, txn, "tip_hash", &v)) < 0) {
		if (rc == -ENOENT)
			LL_ERROR("store", "%s: tip height without tip hash", s->path);
		return rc == -ENOENT ? -EIO : rc;
	}
	if (h.mv_size != 8 || v.mv_size != 32) {
		LL_ERROR("store", "%s: tip is %zu + %zu bytes, not 8 + 32: ledger damaged",
			 s->path, h.mv_size, v.mv_size);
		return -EIO;
	}
	*height = ll_get_le(h.mv_data, 8);
	if (hash)
		memcpy(hash, v.mv_data, 32);
	return 0;
}

int ll_store_meta_get_u64(struct ll_store *s, MDB_txn *txn, const char *key, uint64_t *v,
			  uint64_t absent)
{
	MDB_val val;
	int rc = ll_store_meta_get(s, txn, key, &val);
	if (rc == -ENOENT) {
		*v = absent;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (val.mv_size != 8) {
		LL_ERROR("store", "%s: meta %s is %zu bytes, not 8: ledger damaged", s->path, key,
			 val.mv_size);
		return -EIO;
	}
	*v = ll_get_le(val.mv_data, 8);
	return 0;
}

int ll_store_meta_put_u64(struct ll_store *s, MDB_txn *txn, const char *key, uint64_t v)
{
	uint8_t buf[8];
	ll_put_le(buf, v, 8);
	return ll_store_meta_put(s, txn, key, buf, sizeof buf);
}

int ll_store_log_size(ll_store_t *s, uint64_t *size)
{
	MDB_txn *txn;
	int rc;

	if (!s || !size)
		return -EINVAL;
	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	rc = ll_store_meta_get_u64(s, txn, "log_size", size, 0);
	ll_store_end_read(s, txn);
	return rc;
}

int ll_store_tip(ll_store_t *s, uint64_t *height, uint8_t hash[32])
{
	MDB_txn *txn;
	int rc;

	if (!s || !height || !hash)
		return -EINVAL;
	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	rc = read_tip(s, txn, height, hash);
	ll_store_end_read(s, txn);
	return rc;
}

void ll_store_piece_key(uint8_t key[LL_STORE_PIECE_KEY_BYTES], uint64_t prefix, uint32_t piece)
{
	ll_put_be64(key, prefix);
	ll_put_be32(key + 8, piece);
}

int ll_store_put_pieces(struct ll_store *s, MDB_txn *txn, enum ll_store_db db, uint64_t prefix,
			uint32_t first, const uint8_t *data, size_t len, size_t piece_len,
			unsigned flags, uint64_t height)
{
	uint8_t key[LL_STORE_PIECE_KEY_BYTES];
	size_t at = 0;
	uint32_t piece = first;
	do {
		size_t n = len - at < piece_len ? len - at : piece_len;
		ll_store_piece_key(key, prefix, piece++);
		MDB_val k = { .mv_size = sizeof key, .mv_data = key };
		MDB_val v = { .mv_size = n, .mv_data = (void *)(data + at) };
		int rc = ll_store_put(s, txn, db, &k, &v, flags, height);
		if (rc)
			return rc;
		at += n;
	} while (at < len);
	return 0;
}

int ll_store_get_pieces(struct ll_store *s, MDB_txn *txn, enum ll_store_db db, uint64_t prefix,
			uint32_t first, uint8_t **out, size_t *len)
{
	uint8_t key[LL_STORE_PIECE_KEY_BYTES];
	MDB_cursor *cur;
	int rc;

	if ((rc = mdb_cursor_open(txn, s->dbi[db], &cur)))
		return ll_store_mdb_errno(rc);
	/* two walks: the size, then the bytes */
	size_t total = 0, pieces = 0;
	uint8_t *buf = NULL;
	for (int pass = 0; pass < 2; pass++) {
		size_t at = 0;
		ll_store_piece_key(key, prefix, first);
		MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		while (rc == 0 && k.mv_size == sizeof key && ll_get_be64(k.mv_data) == prefix) {
			if (pass == 0) {
				total += v.mv_size;
				pieces++;
			} else {
				memcpy(buf + at, v.mv_data, v.mv_size);
				at += v.mv_size;
			}
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
		}
		if (rc && rc != MDB_NOTFOUND) {
			LL_ERROR("store", "%s: read %s: %s", s->path, db_names[db], mdb_strerror(rc));
			rc = ll_store_mdb_errno(rc);
			break;
		}
		rc = 0;
		if (pass == 0 && (pieces == 0 || !(buf = malloc(total ? total : 1)))) {
			rc = pieces == 0 ? -ENOENT : -ENOMEM;
			break;
		}
	}
	mdb_cursor_close(cur);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = total;
	return 0;
}

int ll_store_put(struct ll_store *s, MDB_txn *txn, enum ll_store_db db, MDB_val *k,
			MDB_val *v, unsigned flags, uint64_t height)
{
	int rc = mdb_put(txn, s->dbi[db], k, v, flags);
	if (rc == MDB_MAP_FULL)
		return LL_STORE_RETRY_MAP_FULL;
	if (rc == MDB_KEYEXIST)
		return LL_STORE_KEY_EXISTS;
	if (rc) {
		LL_ERROR("store", "%s: block %" PRIu64 ": write %s: %s", s->path, height,
			 db_names[db], mdb_strerror(rc));
		return ll_store_mdb_errno(rc);
	}
	return 0;
}

static int commit_body(struct ll_store *s, MDB_txn *txn, void *arg)
{
	const struct ll_store_block *b = arg;
	uint8_t key[8];
	uint64_t tip_height;
	MDB_val k = { .mv_size = 8, .mv_data = key }, v;
	int rc;

	rc = read_tip(s, txn, &tip_height, NULL);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (rc == -ENOENT ? b->height != 0 : b->height != tip_height + 1) {
		if (rc == -ENOENT)
			LL_ERROR("store", "%s: block %" PRIu64 " on an empty ledger (want 0)",
				 s->path, b->height);
		else
			LL_ERROR("store", "%s: block %" PRIu64 " does not follow the tip %" PRIu64,
				 s->path, b->height, tip_height);
		return -EINVAL;
	}

	uint64_t log_size;
	if ((rc = ll_store_meta_get_u64(s, txn, "log_size", &log_size, 0)) < 0)
		return rc;
	if (b->first_log_index != log_size) {
		LL_ERROR("store", "%s: block %" PRIu64 " starts the log at %" PRIu64
			 ", but the log holds %" PRIu64, s->path, b->height, b->first_log_index,
			 log_size);
		return -EINVAL;
	}

	/* heights only grow, so every put is an append: no page splits mid-tree */
	ll_put_be64(key, b->height);
	v.mv_size = b->header_len;
	v.mv_data = (void *)b->header;
	rc = ll_store_put(s, txn, LL_STORE_DB_HEADERS, &k, &v, MDB_APPEND, b->height);
	if (rc == 0)
		rc = ll_store_put_pieces(s, txn, LL_STORE_DB_BODIES, b->height, 0, b->body,
					 b->body_len, s->piece_bytes, MDB_APPEND, b->height);
	if (rc == LL_STORE_KEY_EXISTS) {
		LL_ERROR("store", "%s: height %" PRIu64 " is already written above the tip: "
			 "ledger damaged", s->path, b->height);
		return -EIO;
	}
	if (rc)
		return rc;

	if ((rc = ll_store_log_put(s, txn, b->height, b->first_log_index, b->tx_count,
				   b->log_nodes, b->log_node_count)))
		return rc;
	if ((rc = ll_store_txindex_commit(s, txn, b->height, b->txids, b->tx_count,
					  b->first_log_index)))
		return rc;
	for (size_t i = 0; i < b->client_state_count; i++)
		if ((rc = ll_store_client_state_put(s, txn, &b->client_states[i], b->height)))
			return rc;

	if ((rc = ll_store_meta_put_u64(s, txn, "log_size", b->first_log_index + b->tx_count)) ||
	    (rc = ll_store_meta_put_u64(s, txn, "tip_height", b->height)))
		return rc;
	return ll_store_meta_put(s, txn, "tip_hash", b->hash, 32);
}

int ll_store_commit(ll_store_t *s, const struct ll_store_block *b)
{
	char what[48];
	uint64_t need;
	int rc;

	if (!s || !b || !b->hash || (!b->header && b->header_len) || (!b->body && b->body_len) ||
	    (!b->txids && b->tx_count) || (!b->log_nodes && b->log_node_count) ||
	    (!b->client_states && b->client_state_count))
		return -EINVAL;
	snprintf(what, sizeof what, "commit block %" PRIu64, b->height);
	pthread_mutex_lock(&s->write_lock);
	ll_store_txindex_prepare(s);
	/* the payload, its index entries, the most merge output it may land, and a
	 * margin for the trees' pages */
	need = (uint64_t)b->header_len + b->body_len + (uint64_t)b->tx_count * 48 +
	       (uint64_t)b->log_node_count * 32 + ll_store_txindex_need(s, b->tx_count) +
	       (1 << 20);
	rc = ll_store_write_txn(s, commit_body, (void *)b, need, what);
	if (rc == 0)
		ll_store_txindex_committed(s);
	pthread_mutex_unlock(&s->write_lock);
	return rc;
}

/* A malloc'd copy of dbi[key]; -ENOENT when absent. */
static int get_copy(struct ll_store *s, enum ll_store_db db, MDB_val *key, uint8_t **out,
		    size_t *len)
{
	MDB_txn *txn;
	MDB_val v;
	int rc;

	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	rc = mdb_get(txn, s->dbi[db], key, &v);
	if (rc == MDB_NOTFOUND) {
		rc = -ENOENT;
	} else if (rc) {
		LL_ERROR("store", "%s: read %s: %s", s->path, db_names[db], mdb_strerror(rc));
		rc = ll_store_mdb_errno(rc);
	} else if (!(*out = malloc(v.mv_size ? v.mv_size : 1))) {
		rc = -ENOMEM;
	} else {
		memcpy(*out, v.mv_data, v.mv_size);
		*len = v.mv_size;
	}
	ll_store_end_read(s, txn);
	return rc;
}

static int get_at_height(struct ll_store *s, enum ll_store_db db, uint64_t height, uint8_t **out,
			 size_t *len)
{
	uint8_t key[8];
	MDB_val k = { .mv_size = sizeof key, .mv_data = key };

	if (!s || !out || !len)
		return -EINVAL;
	ll_put_be64(key, height);
	return get_copy(s, db, &k, out, len);
}

int ll_store_header(ll_store_t *s, uint64_t height, uint8_t **out, size_t *len)
{
	return get_at_height(s, LL_STORE_DB_HEADERS, height, out, len);
}

int ll_store_body(ll_store_t *s, uint64_t height, uint8_t **out, size_t *len)
{
	MDB_txn *txn;
	int rc;

	if (!s || !out || !len)
		return -EINVAL;
	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	rc = ll_store_get_pieces(s, txn, LL_STORE_DB_BODIES, height, 0, out, len);
	ll_store_end_read(s, txn);
	return rc;
}

int ll_store_tx(ll_store_t *s, const uint8_t *txid, struct ll_store_tx_location *loc)
{
	MDB_txn *txn;
	uint64_t first;
	int rc;

	if (!s || !txid || !loc)
		return -EINVAL;
	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	rc = ll_store_txindex_lookup(s, txn, txid, &loc->log_index);
	if (rc == 0) {
		rc = ll_store_log_block(s, txn, loc->log_index, &loc->height, &first);
		if (rc == -ENOENT) {
			LL_ERROR("store", "%s: txindex names log index %" PRIu64 ", which the log "
				 "does not hold: ledger damaged", s->path, loc->log_index);
			rc = -EIO;
		}
		if (rc == 0)
			loc->index = (uint32_t)(loc->log_index - first);
	}
	ll_store_end_read(s, txn);
	return rc;
}
