/* Open addressing on the key id's first 8 bytes, sized at open; staged windows
 * sit beside the kept ones, and a list of the touched entries makes staging,
 * encoding and settling cost what the block touched, not the book's size. */
#include "ll_replay_book.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ll_bytes.h"
#include "ll_store.h"

struct entry {
	bool used, staged;
	uint8_t id[32];
	struct ll_replay_window window;	/* kept */
	struct ll_replay_window next;	/* staged: window plus this block's nonces */
};

struct ll_replay_book {
	uint32_t slots, clients, max_clients;
	struct entry *table;
	uint32_t touched_count;
	struct entry **touched;		/* max_clients: entries staged since settle */
	struct ll_store_client_state *states;	/* max_clients */
	uint8_t *encoded;		/* max_clients * LL_REPLAY_STATE_BYTES */
};

int ll_replay_book_open(uint32_t max_clients, ll_replay_book_t **out)
{
	if (!out || max_clients == 0 || max_clients > (1u << 24))
		return -EINVAL;
	struct ll_replay_book *b = calloc(1, sizeof *b);
	if (!b)
		return -ENOMEM;
	b->max_clients = max_clients;
	for (b->slots = 2; b->slots < 2 * max_clients; b->slots *= 2)
		;
	b->table = calloc(b->slots, sizeof *b->table);
	b->touched = calloc(max_clients, sizeof *b->touched);
	b->states = calloc(max_clients, sizeof *b->states);
	b->encoded = malloc((size_t)max_clients * LL_REPLAY_STATE_BYTES);
	if (!b->table || !b->touched || !b->states || !b->encoded) {
		ll_replay_book_close(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

void ll_replay_book_close(ll_replay_book_t *b)
{
	if (!b)
		return;
	free(b->table);
	free(b->touched);
	free(b->states);
	free(b->encoded);
	free(b);
}

/* The entry holding id, or the empty one where it would go. */
static struct entry *slot_of(const ll_replay_book_t *b, const uint8_t *id)
{
	uint32_t i = ll_key_id_slot(id, b->slots);
	while (b->table[i].used && !ll_key_id_equal(b->table[i].id, id))
		i = (i + 1) & (b->slots - 1);
	return &b->table[i];
}

int ll_replay_book_add(ll_replay_book_t *b, const uint8_t id[32], const uint8_t *state,
		       size_t len)
{
	struct ll_replay_window w = { 0 };
	int rc;
	if (!b || !id)
		return -EINVAL;
	if (state && (rc = ll_replay_decode(state, len, &w)) < 0)
		return rc;
	struct entry *e = slot_of(b, id);
	if (!e->used) {
		if (b->clients == b->max_clients)
			return -ENOSPC;
		b->clients++;
		e->used = true;
		memcpy(e->id, id, 32);
	}
	e->window = w;
	return 0;
}

int ll_replay_book_check(const ll_replay_book_t *b, const uint8_t id[32], uint64_t nonce)
{
	const struct entry *e = slot_of(b, id);
	return e->used ? (int)ll_replay_check(&e->window, nonce) : -ENOENT;
}

int ll_replay_book_mark(ll_replay_book_t *b, const uint8_t id[32], uint64_t nonce)
{
	struct entry *e = slot_of(b, id);
	return e->used ? (int)ll_replay_mark(&e->window, nonce) : -ENOENT;
}

int ll_replay_book_stage(ll_replay_book_t *b, const uint8_t id[32], uint64_t nonce)
{
	struct entry *e = slot_of(b, id);
	if (!e->used)
		return -ENOENT;
	if (!e->staged) {
		if (b->touched_count == b->max_clients)
			return -ENOSPC;
		e->staged = true;
		e->next = e->window;
		b->touched[b->touched_count++] = e;
	}
	return (int)ll_replay_mark(&e->next, nonce);
}

int ll_replay_book_staged(ll_replay_book_t *b, const struct ll_store_client_state **states,
			  size_t *count)
{
	if (!b || !states || !count)
		return -EINVAL;
	for (uint32_t i = 0; i < b->touched_count; i++) {
		uint8_t *out = b->encoded + (size_t)i * LL_REPLAY_STATE_BYTES;
		ll_replay_encode(&b->touched[i]->next, out);
		b->states[i] = (struct ll_store_client_state){
			.id = b->touched[i]->id, .state = out, .len = LL_REPLAY_STATE_BYTES };
	}
	*states = b->states;
	*count = b->touched_count;
	return 0;
}

void ll_replay_book_settle(ll_replay_book_t *b, bool keep)
{
	for (uint32_t i = 0; i < b->touched_count; i++) {
		struct entry *e = b->touched[i];
		if (keep)
			e->window = e->next;
		e->staged = false;
	}
	b->touched_count = 0;
}
