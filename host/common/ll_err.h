/* Error helpers: every public LedgerLine function returns 0 or a negative errno;
 * these turn such a code into words and keep the common checks short. */
#ifndef LL_ERR_H
#define LL_ERR_H

#include <stddef.h>

/* ll_strerror - text for a return code (0, or negative errno); never NULL, thread-safe. */
const char *ll_strerror(int rc);

/*
 * ll_errf - printf into a caller's error buffer (err_len bytes; NULL or 0 writes
 * nothing): the words that go with a -EINVAL from a parser or a check.
 */
void ll_errf(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Evaluate `expr` (an int return code) and return it from the caller when negative. */
#define LL_TRY(expr)                      \
	do {                              \
		int ll_try_rc_ = (expr);  \
		if (ll_try_rc_ < 0)       \
			return ll_try_rc_; \
	} while (0)

#define LL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif /* LL_ERR_H */
