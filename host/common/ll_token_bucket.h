/* A token bucket: `rate` tokens a second, at most `burst` saved up. The admission
 * limit per client; integer arithmetic on the caller's clock, so it is exact and
 * testable. One writer (the client's RX lcore). */
#ifndef LL_TOKEN_BUCKET_H
#define LL_TOKEN_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

#define LL_TOKEN_BUCKET_MAX 1000000000ULL	/* rate and burst at most this */

struct ll_token_bucket {
	uint64_t rate;			/* tokens per second; 0: no limit */
	uint64_t burst;
	uint64_t nano_tokens;		/* tokens * 1e9 */
	uint64_t last_ns;
};

/*
 * ll_token_bucket_init - a full bucket at now_ns. Returns 0, or -EINVAL for a
 * rate or burst above LL_TOKEN_BUCKET_MAX, or a burst of 0 with a rate.
 */
int ll_token_bucket_init(struct ll_token_bucket *b, uint64_t rate, uint64_t burst,
			 uint64_t now_ns);

/*
 * ll_token_bucket_take - takes n tokens at now_ns (a clock that does not go
 * back): true when there were n, false (and nothing taken) when not.
 */
bool ll_token_bucket_take(struct ll_token_bucket *b, uint64_t n, uint64_t now_ns);

#endif /* LL_TOKEN_BUCKET_H */
