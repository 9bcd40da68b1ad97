/* Tokens are kept in billionths, so a refill of elapsed_ns * rate is exact. */
#include "ll_token_bucket.h"

#include <errno.h>

#define NANO 1000000000ULL

int ll_token_bucket_init(struct ll_token_bucket *b, uint64_t rate, uint64_t burst,
			 uint64_t now_ns)
{
	if (!b || rate > LL_TOKEN_BUCKET_MAX || burst > LL_TOKEN_BUCKET_MAX || (rate && !burst))
		return -EINVAL;
	*b = (struct ll_token_bucket){ .rate = rate, .burst = burst, .nano_tokens = burst * NANO,
				       .last_ns = now_ns };
	return 0;
}

bool ll_token_bucket_take(struct ll_token_bucket *b, uint64_t n, uint64_t now_ns)
{
	if (b->rate == 0)
		return true;
	uint64_t full = b->burst * NANO;
	if (now_ns > b->last_ns) {
		/* past the time to fill up, the bucket is full: no overflow either way */
		uint64_t elapsed = now_ns - b->last_ns;
		if (elapsed >= full / b->rate + 1)
			b->nano_tokens = full;
		else if ((b->nano_tokens += elapsed * b->rate) > full)
			b->nano_tokens = full;
		b->last_ns = now_ns;
	}
	if (n > b->burst || b->nano_tokens < n * NANO)
		return false;
	b->nano_tokens -= n * NANO;
	return true;
}
