/* Unit suite for host/common: log levels, the rate limiter, error text, clocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>

#include "ll_err.h"
#include "ll_log.h"
#include "ll_time.h"

static void test_log_level_parse_accepts_names_only(void **state)
{
	(void)state;
	enum ll_log_level level = LL_LOG_INFO;
	assert_int_equal(ll_log_level_parse("debug", &level), 0);
	assert_int_equal(level, LL_LOG_DEBUG);
	assert_int_equal(ll_log_level_parse("error", &level), 0);
	assert_int_equal(level, LL_LOG_ERROR);
	assert_int_equal(ll_log_level_parse("loud", &level), -EINVAL);
	assert_int_equal(ll_log_level_parse(NULL, &level), -EINVAL);
	assert_int_equal(level, LL_LOG_ERROR);
}

static void test_log_set_level_filters(void **state)
{
	(void)state;
	ll_log_set_level(LL_LOG_WARN);
	assert_int_equal(ll_log_get_level(), LL_LOG_WARN);
	LL_DEBUG("test", "not printed %d", 1);
	LL_WARN("test", "printed once, as the suite expects");
	ll_log_set_level(LL_LOG_INFO);
}

static void test_ratelimit_allows_burst_then_counts(void **state)
{
	(void)state;
	struct ll_log_ratelimit rl = LL_LOG_RATELIMIT_INIT(1000, 2);
	uint64_t suppressed = 99;
	assert_true(ll_log_ratelimit_allow(&rl, 5000, &suppressed));
	assert_int_equal(suppressed, 0);
	assert_true(ll_log_ratelimit_allow(&rl, 5001, NULL));
	assert_false(ll_log_ratelimit_allow(&rl, 5002, NULL));
	assert_false(ll_log_ratelimit_allow(&rl, 5999, NULL));
	/* a new interval: allowed again, and told what was dropped */
	assert_true(ll_log_ratelimit_allow(&rl, 6000, &suppressed));
	assert_int_equal(suppressed, 2);
}

static void test_strerror_names_codes(void **state)
{
	(void)state;
	assert_string_equal(ll_strerror(0), "ok");
	assert_string_equal(ll_strerror(-EBADMSG), "verification failed");
	assert_string_equal(ll_strerror(-EINVAL), "Invalid argument");
}

static int try_twice(int first, int *calls)
{
	(*calls)++;
	LL_TRY(first);
	(*calls)++;
	return 0;
}

static void test_try_returns_on_error(void **state)
{
	(void)state;
	int calls = 0;
	assert_int_equal(try_twice(-ENOSPC, &calls), -ENOSPC);
	assert_int_equal(calls, 1);
	assert_int_equal(try_twice(0, &calls), 0);
	assert_int_equal(calls, 3);
}

static void test_time_mono_moves_forward(void **state)
{
	(void)state;
	uint64_t a = ll_time_mono_ns(), b = ll_time_mono_ns();
	assert_true(b >= a);
	/* after 2020-01-01 */
	assert_true(ll_time_wall_ns() > 1577836800ULL * 1000000000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_level_parse_accepts_names_only),
		cmocka_unit_test(test_log_set_level_filters),
		cmocka_unit_test(test_ratelimit_allows_burst_then_counts),
		cmocka_unit_test(test_strerror_names_codes),
		cmocka_unit_test(test_try_returns_on_error),
		cmocka_unit_test(test_time_mono_moves_forward),
	};
	return cmocka_run_group_tests_name("ll_common", tests, NULL, NULL);
}
