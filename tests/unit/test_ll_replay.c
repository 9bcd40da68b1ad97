/* Unit suite for host/chain ll_replay: the window against a brute-force model of
 * every nonce ever seen, slides of every size, the edges, and its stored form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ll_replay.h"
#include "ll_test_util.h"

#define W LL_REPLAY_WINDOW

/* The model: every nonce seen so far, and the verdict the RFC's rules give. */
struct model {
	uint64_t seen[8192];
	size_t n;
	bool any;
	uint64_t highest;
};

static enum ll_replay_verdict model_verdict(const struct model *m, uint64_t nonce)
{
	if (m->any && nonce <= m->highest && m->highest - nonce >= W)
		return LL_REPLAY_TOO_OLD;
	for (size_t i = 0; i < m->n; i++)
		if (m->seen[i] == nonce)
			return LL_REPLAY_SEEN;
	return LL_REPLAY_NEW;
}

static void model_mark(struct model *m, uint64_t nonce)
{
	if (model_verdict(m, nonce) != LL_REPLAY_NEW)
		return;
	m->seen[m->n++] = nonce;
	if (!m->any || nonce > m->highest)
		m->highest = nonce;
	m->any = true;
}

static void test_window_matches_model(void **state)
{
	(void)state;
	uint64_t seed = 11;
	for (int round = 0; round < 4; round++) {
		struct ll_replay_window w = { 0 };
		struct model m = { 0 };
		uint64_t base = round == 3 ? UINT64_MAX - 5000 : (uint64_t)round * 1000;
		for (int step = 0; step < 4000; step++) {
			/* mostly near the top, now and then far above or far below */
			uint64_t r = test_rand(&seed), nonce;
			switch (r % 16) {
			case 0:
				nonce = m.highest + 1 + test_rand(&seed) % (3 * W);	/* a jump */
				break;
			case 1:
				nonce = base + test_rand(&seed) % 8;	/* old ones again */
				break;
			default:
				nonce = (m.any ? m.highest : base) - test_rand(&seed) % (W + 40) +
					test_rand(&seed) % 64;
			}
			if (round == 3 && nonce < base)
				nonce = base;	/* stay clear of wrapping below */
			enum ll_replay_verdict want = model_verdict(&m, nonce);
			assert_int_equal(ll_replay_check(&w, nonce), want);
			assert_int_equal(ll_replay_mark(&w, nonce), want);
			model_mark(&m, nonce);
			assert_int_equal(ll_replay_check(&w, nonce),
					 want == LL_REPLAY_TOO_OLD ? LL_REPLAY_TOO_OLD : LL_REPLAY_SEEN);
			if (m.n == LL_ARRAY_LEN(m.seen))
				break;
		}
	}
}

static void test_window_edges(void **state)
{
	(void)state;
	struct ll_replay_window w = { 0 };
	/* nonce 0 is a nonce like any other */
	assert_int_equal(ll_replay_mark(&w, 0), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_mark(&w, 0), LL_REPLAY_SEEN);
	/* the window's last slot, and the first one below it */
	assert_int_equal(ll_replay_mark(&w, W - 1), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_check(&w, 0), LL_REPLAY_SEEN);
	assert_int_equal(ll_replay_mark(&w, W), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_check(&w, 0), LL_REPLAY_TOO_OLD);
	assert_int_equal(ll_replay_check(&w, 1), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_check(&w, W - 1), LL_REPLAY_SEEN);
	/* slides of exactly a word, and of the whole window */
	assert_int_equal(ll_replay_mark(&w, W + 64), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_check(&w, W), LL_REPLAY_SEEN);
	assert_int_equal(ll_replay_check(&w, W - 1), LL_REPLAY_SEEN);
	assert_int_equal(ll_replay_mark(&w, 3 * W + 64), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_check(&w, W + 64), LL_REPLAY_TOO_OLD);
	assert_int_equal(ll_replay_check(&w, 2 * W + 65), LL_REPLAY_NEW);
	/* the top of the nonce space */
	assert_int_equal(ll_replay_mark(&w, UINT64_MAX), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_mark(&w, UINT64_MAX), LL_REPLAY_SEEN);
	assert_int_equal(ll_replay_mark(&w, UINT64_MAX - W + 1), LL_REPLAY_NEW);
	assert_int_equal(ll_replay_check(&w, UINT64_MAX - W), LL_REPLAY_TOO_OLD);
}

static void test_window_stored_form_round_trips(void **state)
{
	(void)state;
	struct ll_replay_window w = { 0 }, back;
	uint8_t buf[LL_REPLAY_STATE_BYTES], again[LL_REPLAY_STATE_BYTES];
	uint64_t seed = 3;
	for (int i = 0; i < 500; i++)
		ll_replay_mark(&w, 5000 + test_rand(&seed) % 2000);
	ll_replay_encode(&w, buf);
	assert_int_equal(ll_replay_decode(buf, sizeof buf, &back), 0);
	ll_replay_encode(&back, again);
	assert_memory_equal(again, buf, sizeof buf);
	for (uint64_t n = 4000; n < 8000; n++)
		assert_int_equal(ll_replay_check(&back, n), ll_replay_check(&w, n));
	assert_int_equal(ll_replay_decode(buf, sizeof buf - 1, &back), -EINVAL);
	buf[0] = 2;
	assert_int_equal(ll_replay_decode(buf, sizeof buf, &back), -EINVAL);
	/* the empty window is stored as such: any nonce is new after a restart */
	struct ll_replay_window empty = { 0 };
	ll_replay_encode(&empty, buf);
	assert_int_equal(ll_replay_decode(buf, sizeof buf, &back), 0);
	assert_int_equal(ll_replay_check(&back, 0), LL_REPLAY_NEW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_matches_model),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_window_stored_form_round_trips),
	};
	return cmocka_run_group_tests_name("ll_replay", tests, NULL, NULL);
}
