/* A book of replay windows, one per client, keyed by the client's 32-byte key id.
 * The appliance keeps two: the orderer's (every nonce sent on to a block: the
 * last word on replays, whichever RX lcore a frame came in on) and the
 * committer's (nonces in durable blocks: what each block writes with its
 * clients, in its own transaction). Not thread-safe: one thread per book. */
#ifndef LL_REPLAY_BOOK_H
#define LL_REPLAY_BOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ll_replay.h"

struct ll_store_client_state;
typedef struct ll_replay_book ll_replay_book_t;

/* ll_replay_book_open - an empty book for up to max_clients. 0, -EINVAL, -ENOMEM. */
int ll_replay_book_open(uint32_t max_clients, ll_replay_book_t **out);

/* ll_replay_book_close - frees it. NULL is a no-op. */
void ll_replay_book_close(ll_replay_book_t *b);

/*
 * ll_replay_book_add - a client with its window as ll_replay_encode wrote it
 * (NULL: none seen yet); an existing client's window is replaced. Returns 0,
 * -EINVAL for a bad state, -ENOSPC when the book is full.
 */
int ll_replay_book_add(ll_replay_book_t *b, const uint8_t id[32], const uint8_t *state,
		       size_t len);

/*
 * ll_replay_book_check / ll_replay_book_mark - what nonce is for client id
 * (mark also records it); -ENOENT for a client the book does not hold.
 */
int ll_replay_book_check(const ll_replay_book_t *b, const uint8_t id[32], uint64_t nonce);
int ll_replay_book_mark(ll_replay_book_t *b, const uint8_t id[32], uint64_t nonce);

/*
 * Staging, for the committer: ll_replay_book_stage marks a block's nonces in
 * copies of the windows it touches; ll_replay_book_staged encodes those
 * copies for the block's transaction (valid until the next call on the book);
 * ll_replay_book_settle keeps them (the block committed) or throws them away.
 * stage returns what mark would; -ENOENT for an unknown client, -ENOSPC when a
 * block touches more clients than the book holds.
 */
int ll_replay_book_stage(ll_replay_book_t *b, const uint8_t id[32], uint64_t nonce);
int ll_replay_book_staged(ll_replay_book_t *b, const struct ll_store_client_state **states,
			  size_t *count);
void ll_replay_book_settle(ll_replay_book_t *b, bool keep);

#endif /* LL_REPLAY_BOOK_H */
