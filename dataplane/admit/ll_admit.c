/* The client table is open addressing on the key id's first 8 bytes, sized at
 * open: a lookup is a probe or two, and nothing is allocated per frame. */
#include "ll_admit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ll_bytes.h"
#include "ll_replay.h"
#include "ll_sig.h"
#include "ll_store.h"
#include "ll_token_bucket.h"

struct client {
	bool used;
	uint8_t id[32];
	uint8_t scheme;
	bool trusted;
	ll_sig_key_t *key;		/* NULL for scheme 0 */
	struct ll_token_bucket bucket;
	struct ll_replay_window window;	/* committed and in flight */
	uint32_t frame_records;		/* scratch: its records in the frame being checked */
};

struct ll_admit {
	uint32_t chain_id;
	uint32_t slots;			/* a power of two, at least twice max_clients */
	uint32_t clients, max_clients;
	struct client *table;
	struct ll_admit_stats stats;
	/* per frame: each record's client, and chain id || record to verify */
	struct client *owner[LL_WIRE_MAX_RECORDS];
	unsigned signed_records;	/* of the frame: none for a gateway's, so no verify loop */
	uint8_t msg[4 + UINT16_MAX];
};

int ll_admit_open(const struct ll_admit_cfg *cfg, ll_admit_t **out)
{
	if (!cfg || !out || cfg->max_clients == 0 || cfg->max_clients > (1u << 30))
		return -EINVAL;
	struct ll_admit *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->chain_id = cfg->chain_id;
	a->max_clients = cfg->max_clients;
	for (a->slots = 2; a->slots < 2 * cfg->max_clients; a->slots *= 2)
		;
	if (!(a->table = calloc(a->slots, sizeof *a->table))) {
		free(a);
		return -ENOMEM;
	}
	*out = a;
	return 0;
}

void ll_admit_close(ll_admit_t *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; i < a->slots; i++)
		ll_sig_key_close(a->table[i].key);
	free(a->table);
	free(a);
}

/* The slot holding id, or the empty one where it would go. */
static struct client *slot_of(const ll_admit_t *a, const uint8_t *id)
{
	uint32_t i = ll_key_id_slot(id, a->slots);
	while (a->table[i].used && !ll_key_id_equal(a->table[i].id, id))
		i = (i + 1) & (a->slots - 1);
	return &a->table[i];
}

int ll_admit_add_client(ll_admit_t *a, const struct ll_store_client *c, const uint8_t *state,
			size_t state_len, uint64_t now_ns)
{
	struct ll_replay_window window = { 0 };
	struct ll_token_bucket bucket;
	ll_sig_key_t *key = NULL;
	int rc;

	if (!a || !c || (c->scheme == LL_WIRE_SCHEME_NONE && !c->trusted))
		return -EINVAL;
	if (state && (rc = ll_replay_decode(state, state_len, &window)) < 0)
		return rc;
	if ((rc = ll_token_bucket_init(&bucket, c->rate, c->burst ? c->burst : c->rate,
				       now_ns)) < 0)
		return rc;
	struct client *slot = slot_of(a, c->id);
	if (!slot->used && a->clients == a->max_clients)
		return -ENOSPC;
	if (c->scheme != LL_WIRE_SCHEME_NONE &&
	    (rc = ll_sig_key_open(c->scheme, LL_SIG_IMPL_AUTO, c->pub, c->pub_len, &key)) < 0)
		return rc;
	if (slot->used)
		ll_sig_key_close(slot->key);
	else
		a->clients++;
	*slot = (struct client){ .used = true, .scheme = c->scheme, .trusted = c->trusted,
				 .key = key, .bucket = bucket, .window = window };
	memcpy(slot->id, c->id, 32);
	return 0;
}

int ll_admit_update_client(ll_admit_t *a, const struct ll_store_client *c, uint64_t now_ns)
{
	if (!a || !c || (c->scheme == LL_WIRE_SCHEME_NONE && !c->trusted))
		return -EINVAL;
	struct client *slot = slot_of(a, c->id);
	if (!slot->used)
		return -ENOENT;
	struct ll_token_bucket bucket;
	ll_sig_key_t *key = NULL;
	int rc = ll_token_bucket_init(&bucket, c->rate, c->burst ? c->burst : c->rate, now_ns);
	if (rc < 0 || (c->scheme != LL_WIRE_SCHEME_NONE &&
		       (rc = ll_sig_key_open(c->scheme, LL_SIG_IMPL_AUTO, c->pub, c->pub_len,
					     &key)) < 0))
		return rc;
	/* the window stays: it holds nonces in flight that the ledger does not have yet */
	ll_sig_key_close(slot->key);
	slot->scheme = c->scheme;
	slot->trusted = c->trusted;
	slot->key = key;
	slot->bucket = bucket;
	return 0;
}

int ll_admit_remove_client(ll_admit_t *a, const uint8_t id[32])
{
	if (!a || !id)
		return -EINVAL;
	struct client *slot = slot_of(a, id);
	if (!slot->used)
		return -ENOENT;
	ll_sig_key_close(slot->key);
	/* backward-shift deletion: each later entry of the run that may sit in the
	 * hole (its home is not cyclically between the hole and it) moves into it,
	 * so every lookup still finds its entry before an empty slot */
	uint32_t mask = a->slots - 1, hole = (uint32_t)(slot - a->table);
	for (uint32_t j = (hole + 1) & mask; a->table[j].used; j = (j + 1) & mask) {
		uint32_t home = ll_key_id_slot(a->table[j].id, a->slots);
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			a->table[hole] = a->table[j];
			hole = j;
		}
	}
	a->table[hole] = (struct client){ 0 };
	a->clients--;
	return 0;
}

static enum ll_wire_verdict drop(ll_admit_t *a, enum ll_wire_verdict v)
{
	a->stats.dropped[v]++;
	return v;
}

/* A gateway's frame: one client's records with rising nonces, so no nonce repeats in it. */
static bool one_client_rising(const struct ll_wire_frame *f)
{
	for (unsigned i = 1; i < f->count; i++)
		if (f->rec[i].nonce <= f->rec[i - 1].nonce ||
		    !ll_key_id_equal(f->rec[i].client, f->rec[0].client))
			return false;
	return true;
}

/* The sender of a record may send it in its scheme: its own, or none if trusted. */
static bool scheme_allowed(const struct client *c, uint8_t scheme)
{
	return scheme == c->scheme || (scheme == LL_WIRE_SCHEME_NONE && c->trusted);
}

/* The fast path: the client is looked up once and takes its tokens at once. */
static enum ll_wire_verdict check_one_client(ll_admit_t *a, const struct ll_wire_frame *f,
					     uint64_t now_ns)
{
	struct client *c = slot_of(a, f->rec[0].client);
	if (!c->used)
		return LL_WIRE_UNKNOWN_CLIENT;
	for (unsigned i = 0; i < f->count; i++) {
		if (!scheme_allowed(c, f->rec[i].scheme))
			return LL_WIRE_BAD_SIGNATURE;
		a->owner[i] = c;
		a->signed_records += f->rec[i].scheme != LL_WIRE_SCHEME_NONE;
	}
	/* rising nonces above the highest one seen are all new */
	for (unsigned i = 0; c->window.any && i < f->count && f->rec[i].nonce <= c->window.highest;
	     i++)
		if (ll_replay_check(&c->window, f->rec[i].nonce) != LL_REPLAY_NEW)
			return LL_WIRE_REPLAY;
	return ll_token_bucket_take(&c->bucket, f->count, now_ns) ? LL_WIRE_OK :
								      LL_WIRE_RATE_LIMITED;
}

/* Any other frame: each record's client, nonces checked pairwise, rates per client. */
static enum ll_wire_verdict check_mixed(ll_admit_t *a, const struct ll_wire_frame *f,
				       uint64_t now_ns)
{
	for (unsigned i = 0; i < f->count; i++) {
		const struct ll_wire_record *r = &f->rec[i];
		struct client *c = slot_of(a, r->client);
		if (!c->used)
			return LL_WIRE_UNKNOWN_CLIENT;
		if (!scheme_allowed(c, r->scheme))
			return LL_WIRE_BAD_SIGNATURE;
		a->signed_records += r->scheme != LL_WIRE_SCHEME_NONE;
		if (ll_replay_check(&c->window, r->nonce) != LL_REPLAY_NEW)
			return LL_WIRE_REPLAY;
		for (unsigned j = 0; j < i; j++)
			if (a->owner[j] == c && f->rec[j].nonce == r->nonce)
				return LL_WIRE_REPLAY;
		a->owner[i] = c;
	}
	/* each client's records against its rate, before any signature is checked */
	for (unsigned i = 0; i < f->count; i++)
		a->owner[i]->frame_records++;
	bool within = true;
	for (unsigned i = 0; i < f->count; i++) {
		struct client *c = a->owner[i];
		/* at its first record, all of them at once; none after one fails */
		if (within && c->frame_records)
			within = ll_token_bucket_take(&c->bucket, c->frame_records, now_ns);
		c->frame_records = 0;
	}
	return within ? LL_WIRE_OK : LL_WIRE_RATE_LIMITED;
}

enum ll_wire_verdict ll_admit_frame(ll_admit_t *a, const struct ll_wire_frame *f,
				    uint64_t now_ns)
{
	if (!a || !f || f->count == 0 || f->count > LL_WIRE_MAX_RECORDS)
		return LL_WIRE_BAD_LENGTH;
	if (f->chain_id != a->chain_id)
		return drop(a, LL_WIRE_CHAIN_MISMATCH);

	/* who sent each record, in the scheme they registered, no nonce twice, within rate */
	a->signed_records = 0;
	enum ll_wire_verdict v = one_client_rising(f) ? check_one_client(a, f, now_ns) :
							check_mixed(a, f, now_ns);
	if (v != LL_WIRE_OK)
		return drop(a, v);
	for (unsigned i = 0; a->signed_records && i < f->count; i++) {
		const struct ll_wire_record *r = &f->rec[i];
		if (r->scheme == LL_WIRE_SCHEME_NONE)
			continue;
		size_t rest;
		ll_wire_signed_bytes(a->chain_id, r, a->msg, &rest);
		memcpy(a->msg + 4, r->bytes, rest);
		if (ll_sig_verify(a->owner[i]->key, a->msg, 4 + rest, r->sig) != 0)
			return drop(a, LL_WIRE_BAD_SIGNATURE);
	}
	/* last first: a rising frame slides the window once, then sets bits below its top */
	for (unsigned i = f->count; i-- > 0;)
		ll_replay_mark(&a->owner[i]->window, f->rec[i].nonce);
	a->stats.frames_admitted++;
	a->stats.records_admitted += f->count;
	return LL_WIRE_OK;
}

void ll_admit_stats(const ll_admit_t *a, struct ll_admit_stats *out)
{
	*out = a->stats;
}
