/* Unit suite for host/common: log levels, the rate limiter, error text, clocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>

#include "ll_bytes.h"
#include "ll_token_bucket.h"
#include "ll_err.h"
#include "ll_hex.h"
#include "ll_log.h"
#include "ll_net.h"
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

/* Runs fn with stderr sent to a temporary file; returns what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
	static char text[4096];
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	fn();
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	size_t got = fread(text, 1, sizeof text - 1, tmp);
	text[got] = '\0';
	fclose(tmp);
	return text;
}

static void log_at_warn(void)
{
	ll_log_set_level(LL_LOG_WARN);
	LL_DEBUG("store", "not printed %d", 1);
	LL_INFO("store", "not printed either");
	LL_WARN("store", "disk %d%% full", 91);
	LL_ERROR("crypto", "bad %s", "proof");
	ll_log((enum ll_log_level)-1, "x", "out of range: dropped");
	ll_log((enum ll_log_level)9, "x", "out of range: dropped");
	ll_log_set_level(LL_LOG_INFO);
}

static void test_log_set_level_filters(void **state)
{
	(void)state;
	assert_string_equal(capture_stderr(log_at_warn),
			    "warn store: disk 91% full\nerror crypto: bad proof\n");
}

static void log_oversized(void)
{
	char module[1500], body[3000];
	memset(module, 'm', sizeof module - 1);
	module[sizeof module - 1] = '\0';
	memset(body, 'b', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	LL_ERROR(module, "%s", body);	/* prefix alone is longer than the line */
	LL_ERROR("m", "%s", body);	/* body longer than the line */
}

static void test_log_cuts_long_lines(void **state)
{
	(void)state;
	const char *out = capture_stderr(log_oversized);
	/* two lines, each cut to 1022 characters plus its newline */
	assert_int_equal(strlen(out), 2 * 1023);
	assert_int_equal(out[1022], '\n');
	assert_int_equal(out[2045], '\n');
	assert_memory_equal(out + 1023, "error m: bbbb", 13);
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

static void test_hex_round_trips_and_rejects_bad_text(void **state)
{
	(void)state;
	const uint8_t bytes[] = { 0x00, 0x7f, 0xa5, 0xff };
	char text[9] = { 0 };
	uint8_t back[4];
	ll_hex_encode(bytes, sizeof bytes, text);
	assert_string_equal(text, "007fa5ff");
	assert_int_equal(ll_hex_decode("007FA5ff", 8, back), 0);
	assert_memory_equal(back, bytes, sizeof bytes);
	assert_int_equal(ll_hex_decode("007", 3, back), -EINVAL);
	assert_int_equal(ll_hex_decode("0g", 2, back), -EINVAL);
	assert_int_equal(ll_hex_decode(" 0", 2, back), -EINVAL);
	assert_int_equal(ll_hex_decode("", 0, back), 0);
}

static void test_bytes_orders_are_fixed(void **state)
{
	(void)state;
	uint8_t buf[8];
	static const uint8_t le[8] = { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };
	ll_put_le(buf, 0x0102030405060708ULL, 8);
	assert_memory_equal(buf, le, 8);
	assert_int_equal(ll_get_le(buf, 8), 0x0102030405060708ULL);
	assert_int_equal(ll_get_le(buf, 4), 0x05060708);
	ll_put_le(buf, 0xabcd, 2);
	assert_int_equal(buf[0], 0xcd);
	assert_int_equal(buf[1], 0xab);
	ll_put_be64(buf, 0x0102030405060708ULL);
	for (int i = 0; i < 8; i++)
		assert_int_equal(buf[i], i + 1);
	assert_int_equal(ll_get_be64(buf), 0x0102030405060708ULL);
}

static void test_token_bucket_admits_rate_and_burst(void **state)
{
	(void)state;
	struct ll_token_bucket b;
	const uint64_t s = 1000000000ULL;
	assert_int_equal(ll_token_bucket_init(&b, 100, 10, 5 * s), 0);
	/* a full bucket: the burst, then nothing */
	for (int i = 0; i < 10; i++)
		assert_true(ll_token_bucket_take(&b, 1, 5 * s));
	assert_false(ll_token_bucket_take(&b, 1, 5 * s));
	/* 100 a second: one token every 10 ms, exactly */
	assert_false(ll_token_bucket_take(&b, 1, 5 * s + 9999999));
	assert_true(ll_token_bucket_take(&b, 1, 5 * s + 10000000));
	assert_false(ll_token_bucket_take(&b, 1, 5 * s + 10000000));
	/* a long pause fills it to the burst, not beyond */
	assert_true(ll_token_bucket_take(&b, 10, 3600 * s));
	assert_false(ll_token_bucket_take(&b, 1, 3600 * s));
	assert_false(ll_token_bucket_take(&b, 11, 7200 * s));	/* more than a burst, ever */
	assert_true(ll_token_bucket_take(&b, 10, 7200 * s));
	/* a clock that stands still or steps back refills nothing */
	assert_false(ll_token_bucket_take(&b, 1, 7000 * s));
	/* over a second of steady demand: rate plus the burst it started with */
	assert_int_equal(ll_token_bucket_init(&b, 1000, 50, 0), 0);
	int got = 0;
	for (uint64_t t = 0; t <= s; t += 100000)	/* every 0.1 ms */
		got += ll_token_bucket_take(&b, 1, t);
	assert_int_equal(got, 1000 + 50);
	/* rate 0: no limit; bad settings refused */
	assert_int_equal(ll_token_bucket_init(&b, 0, 0, 0), 0);
	assert_true(ll_token_bucket_take(&b, 1000000, 0));
	assert_int_equal(ll_token_bucket_init(&b, 10, 0, 0), -EINVAL);
	assert_int_equal(ll_token_bucket_init(&b, LL_TOKEN_BUCKET_MAX + 1, 1, 0), -EINVAL);
	/* the largest settings do not overflow */
	assert_int_equal(ll_token_bucket_init(&b, LL_TOKEN_BUCKET_MAX, LL_TOKEN_BUCKET_MAX, 0), 0);
	assert_true(ll_token_bucket_take(&b, LL_TOKEN_BUCKET_MAX, 0));
	assert_false(ll_token_bucket_take(&b, 1, 0));
	assert_true(ll_token_bucket_take(&b, LL_TOKEN_BUCKET_MAX, UINT64_MAX));
}

/* The configuration's "a.b.c.d:port", and a listener on it that says when the port is taken. */
static void test_net_parses_and_listens(void **state)
{
	(void)state;
	struct sockaddr_in sin;
	assert_int_equal(ll_net_parse_ipv4("10.0.0.1:7401", &sin), 0);
	assert_int_equal(ntohs(sin.sin_port), 7401);
	assert_int_equal(ntohl(sin.sin_addr.s_addr), 0x0a000001);
	const char *bad[] = { "10.0.0.1", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536",
			      "10.0.0.1:80x", "10.0.0.1:+80", "host:80", ":80", "10.0.0.1:0080080" };
	for (size_t i = 0; i < LL_ARRAY_LEN(bad); i++)
		if (ll_net_parse_ipv4(bad[i], &sin) != -EINVAL)
			fail_msg("%s was taken", bad[i]);
	assert_int_equal(ll_net_parse_ipv4(NULL, &sin), -EINVAL);
	int fd = -1, again = -1;
	char addr[32];
	for (int attempt = 0; attempt < 20 && fd < 0; attempt++) {
		snprintf(addr, sizeof addr, "127.0.0.1:%d", 20000 + (getpid() * 11 + attempt * 131) % 30000);
		ll_net_listen_tcp(addr, 8, &fd);
	}
	assert_true(fd >= 0);
	assert_int_equal(ll_net_listen_tcp(addr, 8, &again), -EADDRINUSE);
	assert_int_equal(ll_net_listen_tcp("localhost:80", 8, &again), -EINVAL);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_bucket_admits_rate_and_burst),
		cmocka_unit_test(test_log_level_parse_accepts_names_only),
		cmocka_unit_test(test_log_set_level_filters),
		cmocka_unit_test(test_log_cuts_long_lines),
		cmocka_unit_test(test_ratelimit_allows_burst_then_counts),
		cmocka_unit_test(test_strerror_names_codes),
		cmocka_unit_test(test_try_returns_on_error),
		cmocka_unit_test(test_time_mono_moves_forward),
		cmocka_unit_test(test_hex_round_trips_and_rejects_bad_text),
		cmocka_unit_test(test_bytes_orders_are_fixed),
		cmocka_unit_test(test_net_parses_and_listens),
	};
	return cmocka_run_group_tests_name("ll_common", tests, NULL, NULL);
}
