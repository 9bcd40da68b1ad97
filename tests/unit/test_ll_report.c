/* Unit suite for host/ledgerlined ll_report: the commit latency histogram, the
 * JSON report's shape and sums, and the Prometheus text: every sample under a
 * family with HELP and TYPE, histogram buckets cumulative, labels escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ll_err.h"
#include "ll_report.h"

static void test_latency_buckets_and_quantiles(void **state)
{
	(void)state;
	struct ll_report_latency l = { 0 };
	assert_int_equal(ll_report_latency_quantile(&l, 0.5), 0);
	for (int i = 0; i < 98; i++)
		ll_report_latency_add(&l, 800000);		/* 0.8 ms: the 1 ms bucket */
	ll_report_latency_add(&l, 250000);			/* exactly on a bound: that bucket */
	ll_report_latency_add(&l, 9000000000ull);		/* 9 s: past the last bound */
	assert_int_equal(l.count, 100);
	assert_int_equal(l.buckets[0], 1);
	assert_int_equal(l.buckets[2], 98);
	assert_int_equal(l.buckets[LL_REPORT_LATENCY_BUCKETS - 1], 1);
	assert_true(l.sum_ns == 98 * 800000ull + 250000 + 9000000000ull);
	assert_int_equal(ll_report_latency_quantile(&l, 0.5), 1000);
	assert_int_equal(ll_report_latency_quantile(&l, 0.99), 1000);
	assert_true(ll_report_latency_quantile(&l, 1.0) == UINT64_MAX);
	assert_int_equal(ll_report_latency_quantile(&l, 0.0), 250);
}

static struct ll_report sample(void)
{
	struct ll_report r;
	memset(&r, 0, sizeof r);
	r.state = "paused";
	r.chain_id = 7;
	r.hash = "sm3";
	r.height = 42;
	r.tip_hash[0] = 0xab;
	r.clients = 3;
	r.rx_count = 2;
	for (unsigned i = 0; i < 2; i++) {
		r.rx[i].lcore = i + 1;
		r.rx[i].queue = i;
		r.rx[i].packets = 100 + i;
		r.rx[i].frames_admitted = 90;
		r.rx[i].records_admitted = 360;
		r.rx[i].dropped[LL_WIRE_BAD_MAGIC] = 1 + i;
		r.rx[i].dropped[LL_WIRE_REPLAY] = 5;
		r.rx[i].ring_used = 10 * i;
		r.rx[i].ring_capacity = 4096;
	}
	r.order_replays = 7;
	r.solo.records_committed = 720;
	r.solo.stalled = true;
	r.has_port = true;
	r.port_imissed = 9;
	r.xdp_count = 2;
	r.xdp_name[0] = "redirect";
	r.xdp_name[1] = "drop_other";
	r.xdp[0] = 200;
	r.xdp[1] = 4;
	snprintf(r.accel.backend, sizeof r.accel.backend, "cpu");
	snprintf(r.accel.requested, sizeof r.accel.requested, "auto");
	snprintf(r.accel.device, sizeof r.accel.device, "a \"quoted\\\" device\nname");
	r.accel.in_service = true;
	ll_report_latency_add(&r.commit_latency, 3000000);
	ll_report_latency_add(&r.commit_latency, 4000000);
	r.admin.open = 2;
	r.admin.too_long = 1;
	r.live_ingest = r.live_store = true;
	return r;
}

static void test_json_has_the_stats_file_shape(void **state)
{
	(void)state;
	struct ll_report r = sample();
	json_t *o = ll_report_json(&r);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "state")), "paused");
	assert_int_equal(json_integer_value(json_object_get(o, "height")), 42);
	json_t *chain = json_object_get(o, "chain");
	assert_string_equal(json_string_value(json_object_get(chain, "hash")), "sm3");
	assert_int_equal(strncmp(json_string_value(json_object_get(chain, "tip")), "ab00", 4), 0);
	/* sums over RX lcores; replays caught by the orderer count with the lcores' */
	json_t *rx = json_object_get(o, "rx");
	assert_int_equal(json_integer_value(json_object_get(rx, "packets")), 201);
	assert_int_equal(json_integer_value(json_object_get(rx, "records_admitted")), 720);
	json_t *dropped = json_object_get(o, "dropped");
	assert_int_equal(json_integer_value(json_object_get(dropped, "bad_magic")), 3);
	assert_int_equal(json_integer_value(json_object_get(dropped, "replay")), 17);
	assert_int_equal(json_object_size(dropped), LL_WIRE_VERDICT_COUNT - 1);
	json_t *lcores = json_object_get(o, "rx_lcores");
	assert_int_equal(json_array_size(lcores), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(lcores, 1), "ring_used")), 10);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "order"), "ring_used")), 10);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "order"), "ring_capacity")), 8192);
	assert_true(json_is_true(json_object_get(json_object_get(o, "solo"), "stalled")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "port"), "imissed")), 9);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "xdp"), "redirect")), 200);
	json_t *lat = json_object_get(o, "commit_latency");
	assert_int_equal(json_integer_value(json_object_get(lat, "count")), 2);
	assert_int_equal(json_integer_value(json_object_get(lat, "sum_us")), 7000);
	assert_int_equal(json_integer_value(json_object_get(lat, "p50_us")), 5000);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "admin"), "too_long")), 1);
	assert_true(json_is_false(json_object_get(json_object_get(o, "live"), "consensus")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "accel"), "device")),
			    "a \"quoted\\\" device\nname");
	json_decref(o);
	/* no port, no filter: their sections are absent, not zero */
	r.has_port = false;
	r.xdp_count = 0;
	o = ll_report_json(&r);
	assert_null(json_object_get(o, "port"));
	assert_null(json_object_get(o, "xdp"));
	json_decref(o);
}

/* Every line is a comment of HELP/TYPE, or `name[{labels}] value` under a TYPE'd family. */
static void test_prometheus_text_is_well_formed(void **state)
{
	(void)state;
	struct ll_report r = sample();
	char *text = NULL, family[128] = "";
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ll_report_prometheus(&r, f);
	fclose(f);
	int samples = 0, families = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char name[128], type[32];
		if (sscanf(line, "# TYPE %127s %31s", name, type) == 2) {
			snprintf(family, sizeof family, "%s", name);
			families++;
			continue;
		}
		if (strncmp(line, "# HELP ", 7) == 0)
			continue;
		assert_true(line[0] != '#');
		/* a histogram's series add _bucket, _sum and _count to its family's name */
		char sample_name[128];
		snprintf(sample_name, sizeof sample_name, "%.*s", (int)strcspn(line, "{ "), line);
		const char *suffix = strncmp(sample_name, family, strlen(family)) == 0 ?
					     sample_name + strlen(family) : NULL;
		if (!suffix || (*suffix && strcmp(suffix, "_bucket") && strcmp(suffix, "_sum") &&
				strcmp(suffix, "_count")))
			fail_msg("sample outside its family %s: %s", family, line);
		char *value = strrchr(line, ' ');
		assert_non_null(value);
		char *end;
		strtod(value + 1, &end);
		assert_true(*end == '\0');
		samples++;
	}
	assert_true(families > 40);
	assert_true(samples > families);
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	ll_report_prometheus(&r, f);
	fclose(f);
	assert_non_null(strstr(text, "ledgerline_info{chain_id=\"7\",hash=\"sm3\",state=\"paused\"} 1\n"));
	assert_non_null(strstr(text, "ledgerline_paused 1\n"));
	assert_non_null(strstr(text, "ledgerline_rx_frames_dropped_total{lcore=\"2\",queue=\"1\","
				     "reason=\"bad_magic\"} 2\n"));
	assert_non_null(strstr(text, "ledgerline_order_replays_total 7\n"));
	assert_non_null(strstr(text, "ledgerline_ring_used{ring=\"rx_to_order\",queue=\"1\"} 10\n"));
	assert_non_null(strstr(text, "ledgerline_store_stalled 1\n"));
	assert_non_null(strstr(text, "ledgerline_live{component=\"consensus\"} 0\n"));
	assert_non_null(strstr(text, "ledgerline_xdp_packets_total{verdict=\"drop_other\"} 4\n"));
	assert_non_null(strstr(text, "device=\"a \\\"quoted\\\\\\\" device\\nname\"} 1\n"));
	/* cumulative buckets: 3 ms and 4 ms both at or below 5 ms */
	assert_non_null(strstr(text, "ledgerline_commit_latency_seconds_bucket{le=\"0.0025\"} 0\n"));
	assert_non_null(strstr(text, "ledgerline_commit_latency_seconds_bucket{le=\"0.005\"} 2\n"));
	assert_non_null(strstr(text, "ledgerline_commit_latency_seconds_bucket{le=\"+Inf\"} 2\n"));
	assert_non_null(strstr(text, "ledgerline_commit_latency_seconds_sum 0.007000000\n"));
	assert_non_null(strstr(text, "ledgerline_commit_latency_seconds_count 2\n"));
	assert_non_null(strstr(text, "ledgerline_admin_errors_total{reason=\"too_long\"} 1\n"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latency_buckets_and_quantiles),
		cmocka_unit_test(test_json_has_the_stats_file_shape),
		cmocka_unit_test(test_prometheus_text_is_well_formed),
	};
	return cmocka_run_group_tests_name("ll_report", tests, NULL, NULL);
}
