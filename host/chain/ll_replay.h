/* The anti-replay window of ../shared/DESIGN.md ("Wire format"), as IPsec keeps one
 * (RFC 4303, 3.4.3): per client, the highest nonce seen and a bitmap of the window
 * below it. A record whose nonce was seen, or fell below the window, is a replay. */
#ifndef LL_REPLAY_H
#define LL_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LL_REPLAY_WINDOW	1024	/* nonces: highest and the 1,023 below it */
#define LL_REPLAY_STATE_BYTES	(1 + 8 + LL_REPLAY_WINDOW / 8)	/* as stored with the client */

struct ll_replay_window {
	bool any;			/* a nonce was seen: highest means something */
	uint64_t highest;
	/* a ring: bit n mod LL_REPLAY_WINDOW set = nonce n was seen, for the
	 * nonces in (highest - LL_REPLAY_WINDOW, highest] */
	uint64_t bits[LL_REPLAY_WINDOW / 64];
};

enum ll_replay_verdict {
	LL_REPLAY_NEW = 0,		/* never seen: admit it */
	LL_REPLAY_SEEN,			/* in the window, already seen */
	LL_REPLAY_TOO_OLD,		/* below the window: cannot tell, so refused */
};

/* ll_replay_check - what nonce would be, without recording it. */
enum ll_replay_verdict ll_replay_check(const struct ll_replay_window *w, uint64_t nonce);

/*
 * ll_replay_mark - records nonce when it is new (sliding the window up when it
 * is above the highest) and returns what ll_replay_check said.
 */
enum ll_replay_verdict ll_replay_mark(struct ll_replay_window *w, uint64_t nonce);

/*
 * ll_replay_encode / ll_replay_decode - the window as stored with its client
 * (u8 any, u64 LE highest, the ring bitmap as LE u64 words: bit n mod 1024 of
 * the 1,024 is nonce n). Decode returns 0, or -EINVAL for a wrong length or an
 * any byte other than 0 or 1.
 */
void ll_replay_encode(const struct ll_replay_window *w, uint8_t out[LL_REPLAY_STATE_BYTES]);
int ll_replay_decode(const uint8_t *in, size_t len, struct ll_replay_window *w);

#endif /* LL_REPLAY_H */
