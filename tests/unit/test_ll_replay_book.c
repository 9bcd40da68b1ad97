/* ll_replay_book: windows per client, and staging that only sticks when kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "ll_replay_book.h"
#include "ll_store.h"

static void id_of(uint8_t n, uint8_t id[32])
{
	memset(id, n, 32);
}

static void test_book_marks_per_client(void **state)
{
	(void)state;
	ll_replay_book_t *b;
	uint8_t a[32], c[32], stranger[32];
	id_of(1, a), id_of(2, c), id_of(3, stranger);
	assert_int_equal(ll_replay_book_open(2, &b), 0);
	assert_int_equal(ll_replay_book_add(b, a, NULL, 0), 0);
	assert_int_equal(ll_replay_book_add(b, c, NULL, 0), 0);
	assert_int_equal(ll_replay_book_add(b, stranger, NULL, 0), -ENOSPC);
	assert_int_equal(ll_replay_book_mark(b, a, 5), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_book_check(b, a, 5), LL_REPLAY_SEEN);
	assert_int_equal(ll_replay_book_check(b, c, 5), LL_REPLAY_NEW);	/* its own window */
	assert_int_equal(ll_replay_book_mark(b, a, 5 + LL_REPLAY_WINDOW), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_book_check(b, a, 5), LL_REPLAY_TOO_OLD);
	assert_int_equal(ll_replay_book_check(b, stranger, 1), -ENOENT);
	assert_int_equal(ll_replay_book_mark(b, stranger, 1), -ENOENT);
	ll_replay_book_close(b);
}

/* Staged nonces show in the encoded states, and reach the window only when kept. */
static void test_book_stages_then_settles(void **state)
{
	(void)state;
	ll_replay_book_t *b;
	uint8_t a[32], c[32];
	const struct ll_store_client_state *st;
	size_t n;
	id_of(1, a), id_of(2, c);
	assert_int_equal(ll_replay_book_open(4, &b), 0);
	assert_int_equal(ll_replay_book_add(b, a, NULL, 0), 0);
	assert_int_equal(ll_replay_book_add(b, c, NULL, 0), 0);

	assert_int_equal(ll_replay_book_stage(b, a, 7), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_book_stage(b, a, 8), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_book_stage(b, a, 7), LL_REPLAY_SEEN);
	assert_int_equal(ll_replay_book_staged(b, &st, &n), 0);
	assert_int_equal(n, 1);	/* one client touched */
	assert_memory_equal(st[0].id, a, 32);
	struct ll_replay_window w;
	assert_int_equal(ll_replay_decode(st[0].state, st[0].len, &w), 0);
	assert_int_equal(ll_replay_check(&w, 7), LL_REPLAY_SEEN);
	assert_int_equal(ll_replay_check(&w, 8), LL_REPLAY_SEEN);
	ll_replay_book_settle(b, false);	/* the commit failed */
	assert_int_equal(ll_replay_book_check(b, a, 7), LL_REPLAY_NEW);

	assert_int_equal(ll_replay_book_stage(b, a, 7), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_book_stage(b, c, 1), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_book_staged(b, &st, &n), 0);
	assert_int_equal(n, 2);
	ll_replay_book_settle(b, true);
	assert_int_equal(ll_replay_book_check(b, a, 7), LL_REPLAY_SEEN);
	assert_int_equal(ll_replay_book_check(b, c, 1), LL_REPLAY_SEEN);
	assert_int_equal(ll_replay_book_staged(b, &st, &n), 0);
	assert_int_equal(n, 0);	/* settled: nothing staged */

	/* a stored state comes back as the window */
	uint8_t saved[LL_REPLAY_STATE_BYTES];
	ll_replay_encode(&(struct ll_replay_window){ .any = true, .highest = 3000 }, saved);
	assert_int_equal(ll_replay_book_add(b, a, saved, sizeof saved), 0);
	assert_int_equal(ll_replay_book_check(b, a, 7), LL_REPLAY_TOO_OLD);
	assert_int_equal(ll_replay_book_add(b, a, saved, sizeof saved - 1), -EINVAL);
	ll_replay_book_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_book_marks_per_client),
		cmocka_unit_test(test_book_stages_then_settles),
	};
	return cmocka_run_group_tests_name("ll_replay_book", tests, NULL, NULL);
}
