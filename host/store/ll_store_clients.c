/* The `clients` database: 'c' || key id -> the registration; 's' || key id -> the
 * client's state (its anti-replay window), which only block transactions write. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ll_bytes.h"
#include "ll_log.h"
#include "ll_store.h"
#include "ll_store_internal.h"

#define KEY_BYTES 33
#define RECORD_VERSION 1
/* u8 version, u8 scheme, u8 trusted, u8 pub_len, pub, u64 rate, u64 burst */
#define RECORD_FIXED_BYTES (4 + 16)

static void client_key(uint8_t key[KEY_BYTES], char kind, const uint8_t *id)
{
	key[0] = (uint8_t)kind;
	memcpy(key + 1, id, 32);
}

static int put_body(struct ll_store *s, MDB_txn *txn, void *arg)
{
	const struct ll_store_client *c = arg;
	uint8_t key[KEY_BYTES], val[RECORD_FIXED_BYTES + LL_STORE_CLIENT_KEY_MAX];
	client_key(key, 'c', c->id);
	val[0] = RECORD_VERSION;
	val[1] = c->scheme;
	val[2] = c->trusted;
	val[3] = c->pub_len;
	memcpy(val + 4, c->pub, c->pub_len);
	ll_put_le(val + 4 + c->pub_len, c->rate, 8);
	ll_put_le(val + 12 + c->pub_len, c->burst, 8);
	MDB_val k = { .mv_size = sizeof key, .mv_data = key };
	MDB_val v = { .mv_size = RECORD_FIXED_BYTES + c->pub_len, .mv_data = val };
	int rc = mdb_put(txn, s->dbi[LL_STORE_DB_CLIENTS], &k, &v, 0);
	if (rc == MDB_MAP_FULL)
		return LL_STORE_RETRY_MAP_FULL;
	if (rc)
		LL_ERROR("store", "%s: register a client: %s", s->path, mdb_strerror(rc));
	return ll_store_mdb_errno(rc);
}

int ll_store_client_put(ll_store_t *s, const struct ll_store_client *c)
{
	if (!s || !c || c->pub_len > LL_STORE_CLIENT_KEY_MAX || c->scheme > 2 ||
	    (c->scheme == 0 && !c->trusted))
		return -EINVAL;
	pthread_mutex_lock(&s->write_lock);
	int rc = ll_store_write_txn(s, put_body, (void *)c, 64 << 10, "register a client");
	pthread_mutex_unlock(&s->write_lock);
	return rc;
}

static int decode_client(struct ll_store *s, const MDB_val *k, const MDB_val *v,
			 struct ll_store_client *c)
{
	const uint8_t *p = v->mv_data;
	if (k->mv_size != KEY_BYTES || v->mv_size < RECORD_FIXED_BYTES || p[0] != RECORD_VERSION ||
	    p[3] > LL_STORE_CLIENT_KEY_MAX || v->mv_size != RECORD_FIXED_BYTES + (size_t)p[3]) {
		LL_ERROR("store", "%s: a client record of %zu bytes: ledger damaged", s->path,
			 v->mv_size);
		return -EIO;
	}
	memset(c, 0, sizeof *c);
	memcpy(c->id, (const uint8_t *)k->mv_data + 1, 32);
	c->scheme = p[1];
	c->trusted = p[2] != 0;
	c->pub_len = p[3];
	memcpy(c->pub, p + 4, c->pub_len);
	c->rate = ll_get_le(p + 4 + c->pub_len, 8);
	c->burst = ll_get_le(p + 12 + c->pub_len, 8);
	return 0;
}

int ll_store_client_get(ll_store_t *s, const uint8_t id[32], struct ll_store_client *c)
{
	uint8_t key[KEY_BYTES];
	MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
	MDB_txn *txn;
	int rc;

	if (!s || !id || !c)
		return -EINVAL;
	client_key(key, 'c', id);
	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	rc = mdb_get(txn, s->dbi[LL_STORE_DB_CLIENTS], &k, &v);
	rc = rc == 0 ? decode_client(s, &k, &v, c) : ll_store_mdb_errno(rc);
	ll_store_end_read(s, txn);
	return rc;
}

/* The registration goes; the state ('s') stays, so nonces the client used
 * remain replays if it is registered again, across restarts too. */
static int del_body(struct ll_store *s, MDB_txn *txn, void *arg)
{
	uint8_t key[KEY_BYTES];
	MDB_val k = { .mv_size = sizeof key, .mv_data = key };
	client_key(key, 'c', arg);
	int rc = mdb_del(txn, s->dbi[LL_STORE_DB_CLIENTS], &k, NULL);
	if (rc == MDB_MAP_FULL)
		return LL_STORE_RETRY_MAP_FULL;
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	return rc ? ll_store_mdb_errno(rc) : 0;
}

int ll_store_client_del(ll_store_t *s, const uint8_t id[32])
{
	if (!s || !id)
		return -EINVAL;
	pthread_mutex_lock(&s->write_lock);
	int rc = ll_store_write_txn(s, del_body, (void *)id, 64 << 10, "remove a client");
	pthread_mutex_unlock(&s->write_lock);
	return rc;
}

int ll_store_client_list(ll_store_t *s, int (*fn)(void *ctx, const struct ll_store_client *c),
			 void *ctx)
{
	return ll_store_client_list_after(s, NULL, fn, ctx);
}

int ll_store_client_list_after(ll_store_t *s, const uint8_t *after,
			       int (*fn)(void *ctx, const struct ll_store_client *c), void *ctx)
{
	/* a cursor placed at 'c' || after: a page costs its own entries, not the ones before */
	uint8_t first[KEY_BYTES] = { 'c' };
	if (after)
		memcpy(first + 1, after, 32);
	MDB_val k = { .mv_size = after ? KEY_BYTES : 1, .mv_data = first }, v;
	MDB_cursor *cur;
	MDB_txn *txn;
	int rc;

	if (!s || !fn)
		return -EINVAL;
	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	if ((rc = mdb_cursor_open(txn, s->dbi[LL_STORE_DB_CLIENTS], &cur))) {
		ll_store_end_read(s, txn);
		return ll_store_mdb_errno(rc);
	}
	int out = 0;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && out == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct ll_store_client c;
		if (((const uint8_t *)k.mv_data)[0] != 'c')
			break;
		if (after && k.mv_size == KEY_BYTES && memcmp((const uint8_t *)k.mv_data + 1, after,
							      32) == 0)
			continue;
		if ((out = decode_client(s, &k, &v, &c)) == 0)
			out = fn(ctx, &c);
	}
	if (out == 0 && rc && rc != MDB_NOTFOUND)
		out = ll_store_mdb_errno(rc);
	mdb_cursor_close(cur);
	ll_store_end_read(s, txn);
	return out;
}

int ll_store_client_state_put(struct ll_store *s, MDB_txn *txn,
			      const struct ll_store_client_state *st, uint64_t height)
{
	uint8_t key[KEY_BYTES];
	if (!st->id || !st->state || st->len > LL_STORE_CLIENT_STATE_MAX) {
		LL_ERROR("store", "%s: block %" PRIu64 " refused: a client state of %zu bytes",
			 s->path, height, st->len);
		return -EINVAL;
	}
	client_key(key, 's', st->id);
	MDB_val k = { .mv_size = sizeof key, .mv_data = key };
	MDB_val v = { .mv_size = st->len, .mv_data = (void *)st->state };
	return ll_store_put(s, txn, LL_STORE_DB_CLIENTS, &k, &v, 0, height);
}

int ll_store_client_state(ll_store_t *s, const uint8_t id[32], uint8_t *out, size_t cap,
			  size_t *len)
{
	uint8_t key[KEY_BYTES];
	MDB_val k = { .mv_size = sizeof key, .mv_data = key }, v;
	MDB_txn *txn;
	int rc;

	if (!s || !id || !out || !len)
		return -EINVAL;
	client_key(key, 's', id);
	if ((rc = ll_store_begin_read(s, &txn)) < 0)
		return rc;
	rc = mdb_get(txn, s->dbi[LL_STORE_DB_CLIENTS], &k, &v);
	if (rc == 0 && v.mv_size > cap)
		rc = -ENOSPC;
	else if (rc == 0) {
		memcpy(out, v.mv_data, v.mv_size);
		*len = v.mv_size;
	} else {
		rc = ll_store_mdb_errno(rc);
	}
	ll_store_end_read(s, txn);
	return rc;
}
