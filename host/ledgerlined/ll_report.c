/* The report's renderings. Metric names follow Prometheus's conventions: a
 * ledgerline_ prefix, _total on counters, base units (seconds, bytes), one
 * family a name with HELP and TYPE, the same labels on every series of it. */
#include "ll_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ll_err.h"
#include "ll_hex.h"

static const uint64_t bounds_us[] = LL_REPORT_LATENCY_BOUNDS_US;

void ll_report_latency_add(struct ll_report_latency *l, uint64_t ns)
{
	unsigned b = 0;
	while (b < LL_ARRAY_LEN(bounds_us) && ns > bounds_us[b] * 1000)
		b++;
	l->buckets[b]++;
	l->sum_ns += ns;
	l->count++;
}

uint64_t ll_report_latency_quantile(const struct ll_report_latency *l, double q)
{
	uint64_t total = 0, seen = 0;
	for (unsigned b = 0; b < LL_REPORT_LATENCY_BUCKETS; b++)
		total += l->buckets[b];
	if (total == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)total + 0.999999);
	if (rank == 0)
		rank = 1;
	for (unsigned b = 0; b < LL_ARRAY_LEN(bounds_us); b++) {
		seen += l->buckets[b];
		if (seen >= rank)
			return bounds_us[b];
	}
	return UINT64_MAX;
}

/* --- JSON --- */

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *tip_hex(const uint8_t hash[32])
{
	char hex[65];
	ll_hex_encode(hash, 32, hex);
	hex[64] = '\0';
	return json_string(hex);
}

static json_t *rx_json(const struct ll_report *r, json_t **lcores, json_t **dropped)
{
	struct ll_report_rx sum = { 0 };
	*lcores = json_array();
	for (unsigned i = 0; i < r->rx_count; i++) {
		const struct ll_report_rx *q = &r->rx[i];
		sum.packets += q->packets, sum.bytes += q->bytes, sum.not_ingest += q->not_ingest;
		sum.frames_admitted += q->frames_admitted, sum.records_admitted += q->records_admitted;
		for (int v = 0; v < LL_WIRE_VERDICT_COUNT; v++)
			sum.dropped[v] += q->dropped[v];
		json_t *d = json_object();
		for (int v = 1; v < LL_WIRE_VERDICT_COUNT; v++)
			json_object_set_new(d, ll_wire_verdict_name((enum ll_wire_verdict)v),
					    u64(q->dropped[v]));
		json_array_append_new(*lcores, json_pack(
			"{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o}", "lcore",
			(json_int_t)q->lcore, "queue", (json_int_t)q->queue, "packets", u64(q->packets),
			"frames_admitted", u64(q->frames_admitted), "records_admitted",
			u64(q->records_admitted), "polls", u64(q->polls), "idle_polls",
			u64(q->idle_polls), "dropped", d, "ring_used", (json_int_t)q->ring_used,
			"ring_capacity", (json_int_t)q->ring_capacity, "not_ingest",
			u64(q->not_ingest)));
	}
	/* the orderer's replays count with the RX lcores': one reason, wherever caught */
	*dropped = json_object();
	for (int v = 1; v < LL_WIRE_VERDICT_COUNT; v++)
		json_object_set_new(*dropped, ll_wire_verdict_name((enum ll_wire_verdict)v),
				    u64(sum.dropped[v] + (v == LL_WIRE_REPLAY ? r->order_replays : 0)));
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "packets", u64(sum.packets), "bytes",
			 u64(sum.bytes), "not_ingest", u64(sum.not_ingest), "frames_admitted",
			 u64(sum.frames_admitted), "records_admitted", u64(sum.records_admitted));
}

static json_t *latency_json(const struct ll_report_latency *l)
{
	json_t *buckets = json_array();
	for (unsigned b = 0; b < LL_REPORT_LATENCY_BUCKETS; b++) {
		json_t *le = b < LL_ARRAY_LEN(bounds_us) ? u64(bounds_us[b]) : json_string("+Inf");
		json_array_append_new(buckets, json_pack("{s:o, s:o}", "le_us", le, "count",
							 u64(l->buckets[b])));
	}
	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "count", u64(l->count), "sum_us",
			 u64(l->sum_ns / 1000), "p50_us",
			 u64(ll_report_latency_quantile(l, 0.5)), "p99_us",
			 u64(ll_report_latency_quantile(l, 0.99)), "buckets", buckets);
}

static json_t *admin_json(const struct ll_admin_stats *s)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
			 " s:o, s:o}",
			 "accepted", u64(s->accepted), "open", u64(s->open), "requests",
			 u64(s->requests), "ok", u64(s->ok), "failed", u64(s->failed),
			 "refused_full", u64(s->refused_full), "too_long", u64(s->too_long),
			 "invalid_json", u64(s->invalid_json), "unknown_command",
			 u64(s->unknown_command), "bad_arguments", u64(s->bad_arguments),
			 "idle_closed", u64(s->idle_closed), "slow_reader", u64(s->slow_reader),
			 "auth_failed", u64(s->auth_failed), "auth_throttled",
			 u64(s->auth_throttled), "busy", u64(s->busy), "audit_errors",
			 u64(s->audit_errors));
}

json_t *ll_report_accel_json(const struct ll_accel_info *a)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "backend", a->backend, "requested", a->requested, "device", a->device,
			 "reason", a->reason, "in_service", a->in_service, "clock_mhz",
			 (json_int_t)a->clock_mhz, "jobs_in_flight", (json_int_t)a->jobs_in_flight,
			 "max_jobs_in_flight", (json_int_t)a->max_jobs_in_flight, "jobs",
			 u64(a->jobs), "records", u64(a->records), "checks", u64(a->checks),
			 "mismatches", u64(a->mismatches), "device_errors", u64(a->device_errors),
			 "cpu_jobs", u64(a->cpu_jobs));
}

json_t *ll_report_json(const struct ll_report *r)
{
	json_t *lcores, *dropped;
	json_t *rx = rx_json(r, &lcores, &dropped);
	unsigned ring_used = 0, ring_capacity = 0;
	for (unsigned i = 0; i < r->rx_count; i++)
		ring_used += r->rx[i].ring_used, ring_capacity += r->rx[i].ring_capacity;
	const struct ll_solo_stats *s = &r->solo;
	json_t *o = json_pack(
		"{s:o, s:s, s:o, s:o, s:{s:I, s:s, s:o}, s:o, s:o, s:o, s:o, s:o,"
		" s:{s:o, s:o, s:o, s:o, s:o, s:I, s:I},"
		" s:{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b},"
		" s:{s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I}}",
		"mono_ns", u64(r->mono_ns), "state", r->state, "uptime_ms", u64(r->uptime_ns / 1000000),
		"height", u64(r->height),
		"chain", "id", (json_int_t)r->chain_id, "hash", r->hash, "tip", tip_hex(r->tip_hash),
		"clients", u64(r->clients),
		"rx", rx, "dropped", dropped, "rx_lcores", lcores, "commit_latency",
		latency_json(&r->commit_latency),
		"order", "frames", u64(r->order_frames), "records", u64(r->order_records), "replays",
		u64(r->order_replays), "solo_full_waits", u64(r->order_solo_full_waits), "errors",
		u64(r->order_errors), "ring_used", (json_int_t)ring_used, "ring_capacity",
		(json_int_t)ring_capacity,
		"solo", "records_submitted", u64(s->records_submitted), "records_refused_full",
		u64(s->records_refused_full), "records_committed", u64(s->records_committed),
		"blocks_committed", u64(s->blocks_committed), "commit_retries",
		u64(s->commit_retries), "commit_failures", u64(s->commit_failures),
		"blocks_in_flight", u64(s->blocks_in_flight), "stalled", s->stalled,
		"receipts", "built", u64(r->receipts_built), "records", u64(r->receipts_records),
		"sent", u64(r->receipts_sent), "no_mbuf", u64(r->receipts_no_mbuf), "ring_full",
		u64(r->receipts_ring_full), "origin_lost", u64(r->receipts_origin_lost),
		"ring_used", (json_int_t)r->receipt_ring_used, "ring_capacity",
		(json_int_t)r->receipt_ring_capacity);
	if (!o)
		return NULL;
	if (r->has_port)
		json_object_set_new(o, "port", json_pack(
			"{s:o, s:o, s:o, s:o, s:o, s:o}", "ipackets", u64(r->port_ipackets),
			"imissed", u64(r->port_imissed), "ierrors", u64(r->port_ierrors), "rx_nombuf",
			u64(r->port_rx_nombuf), "opackets", u64(r->port_opackets), "oerrors",
			u64(r->port_oerrors)));
	if (r->xdp_count) {
		json_t *x = json_object();
		for (unsigned c = 0; c < r->xdp_count; c++)
			json_object_set_new(x, r->xdp_name[c], u64(r->xdp[c]));
		json_object_set_new(o, "xdp", x);
	}
	json_object_set_new(o, "accel", ll_report_accel_json(&r->accel));
	json_object_set_new(o, "mbufs_free", json_pack("{s:I, s:I}", "rx",
						       (json_int_t)r->mbufs_free_rx, "tx",
						       (json_int_t)r->mbufs_free_tx));
	json_object_set_new(o, "admin", admin_json(&r->admin));
	json_object_set_new(o, "live", json_pack("{s:b, s:b, s:b}", "ingest", r->live_ingest,
						 "consensus", r->live_consensus, "store",
						 r->live_store));
	return o;
}

/* --- Prometheus --- */

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	family(f, name, type, help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* A counter per RX queue: the field at `offset` of each ll_report_rx. */
static void per_queue(FILE *f, const struct ll_report *r, const char *name, const char *help,
		      size_t offset)
{
	family(f, name, "counter", help);
	for (unsigned i = 0; i < r->rx_count; i++) {
		uint64_t v;
		memcpy(&v, (const char *)&r->rx[i] + offset, sizeof v);
		fprintf(f, "%s{lcore=\"%u\",queue=\"%u\"} %" PRIu64 "\n", name, r->rx[i].lcore,
			r->rx[i].queue, v);
	}
}

static void latency(FILE *f, const struct ll_report_latency *l)
{
	const char *name = "ledgerline_commit_latency_seconds";
	family(f, name, "histogram",
	       "From a block's header being made to its transaction being durable.");
	uint64_t cumulative = 0;
	for (unsigned b = 0; b < LL_REPORT_LATENCY_BUCKETS; b++) {
		cumulative += l->buckets[b];
		if (b < LL_ARRAY_LEN(bounds_us))
			fprintf(f, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name,
				(double)bounds_us[b] / 1e6, cumulative);
		else
			fprintf(f, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cumulative);
	}
	fprintf(f, "%s_sum %.9f\n%s_count %" PRIu64 "\n", name, (double)l->sum_ns / 1e9, name,
		cumulative);
}

static void admin_metrics(FILE *f, const struct ll_admin_stats *s)
{
	one(f, "ledgerline_admin_connections", "gauge", "Admin connections open now.", s->open);
	one(f, "ledgerline_admin_connections_accepted_total", "counter",
	    "Admin connections accepted (refused ones included).", s->accepted);
	one(f, "ledgerline_admin_requests_total", "counter", "Admin request lines read.",
	    s->requests);
	family(f, "ledgerline_admin_errors_total", "counter",
	       "Admin requests and connections refused or closed, by reason.");
	const struct {
		const char *reason;
		uint64_t v;
	} e[] = {
		{ "failed", s->failed }, { "refused_full", s->refused_full },
		{ "too_long", s->too_long }, { "invalid_json", s->invalid_json },
		{ "unknown_command", s->unknown_command }, { "bad_arguments", s->bad_arguments },
		{ "idle_closed", s->idle_closed }, { "slow_reader", s->slow_reader },
		{ "auth_failed", s->auth_failed }, { "auth_throttled", s->auth_throttled },
		{ "busy", s->busy }, { "audit_errors", s->audit_errors },
	};
	for (size_t i = 0; i < LL_ARRAY_LEN(e); i++)
		fprintf(f, "ledgerline_admin_errors_total{reason=\"%s\"} %" PRIu64 "\n", e[i].reason,
			e[i].v);
}

void ll_report_prometheus(const struct ll_report *r, FILE *f)
{
	char tip[65];
	ll_hex_encode(r->tip_hash, 32, tip);
	tip[64] = '\0';
	family(f, "ledgerline_info", "gauge", "The appliance: chain, hash and state (value 1).");
	fprintf(f, "ledgerline_info{chain_id=\"%u\",hash=\"%s\",state=\"%s\"} 1\n", r->chain_id,
		r->hash, r->state);
	one(f, "ledgerline_uptime_seconds", "gauge", "Seconds since the appliance started.",
	    r->uptime_ns / 1000000000);
	one(f, "ledgerline_paused", "gauge", "1 while ingest is paused (ledgerctl pause).",
	    strcmp(r->state, "paused") == 0);
	one(f, "ledgerline_chain_height", "gauge", "The newest committed block's height.",
	    r->height);
	one(f, "ledgerline_clients", "gauge", "Clients registered.", r->clients);
	family(f, "ledgerline_live", "gauge", "1 when a component is live (what /healthz checks).");
	fprintf(f, "ledgerline_live{component=\"ingest\"} %d\n", r->live_ingest);
	fprintf(f, "ledgerline_live{component=\"consensus\"} %d\n", r->live_consensus);
	fprintf(f, "ledgerline_live{component=\"store\"} %d\n", r->live_store);

	per_queue(f, r, "ledgerline_rx_packets_total", "Packets an RX lcore took off its queue.",
		  offsetof(struct ll_report_rx, packets));
	per_queue(f, r, "ledgerline_rx_bytes_total", "Bytes of those packets.",
		  offsetof(struct ll_report_rx, bytes));
	per_queue(f, r, "ledgerline_rx_not_ingest_total",
		  "Packets that were not IPv4 UDP to the ingest port.",
		  offsetof(struct ll_report_rx, not_ingest));
	per_queue(f, r, "ledgerline_rx_frames_admitted_total", "Frames admitted by an RX lcore.",
		  offsetof(struct ll_report_rx, frames_admitted));
	per_queue(f, r, "ledgerline_rx_records_admitted_total", "Records admitted by an RX lcore.",
		  offsetof(struct ll_report_rx, records_admitted));
	per_queue(f, r, "ledgerline_rx_polls_total", "Polls of the RX queue.",
		  offsetof(struct ll_report_rx, polls));
	per_queue(f, r, "ledgerline_rx_idle_polls_total", "Polls that found nothing.",
		  offsetof(struct ll_report_rx, idle_polls));
	family(f, "ledgerline_rx_frames_dropped_total", "counter",
	       "Frames an RX lcore dropped whole, by reason (overload: backpressure).");
	for (unsigned i = 0; i < r->rx_count; i++)
		for (int v = 1; v < LL_WIRE_VERDICT_COUNT; v++)
			fprintf(f, "ledgerline_rx_frames_dropped_total{lcore=\"%u\",queue=\"%u\","
				   "reason=\"%s\"} %" PRIu64 "\n", r->rx[i].lcore, r->rx[i].queue,
				ll_wire_verdict_name((enum ll_wire_verdict)v), r->rx[i].dropped[v]);
	family(f, "ledgerline_ring_used", "gauge", "Entries waiting in a ring between stages.");
	for (unsigned i = 0; i < r->rx_count; i++)
		fprintf(f, "ledgerline_ring_used{ring=\"rx_to_order\",queue=\"%u\"} %u\n",
			r->rx[i].queue, r->rx[i].ring_used);
	fprintf(f, "ledgerline_ring_used{ring=\"receipts\",queue=\"0\"} %u\n", r->receipt_ring_used);
	family(f, "ledgerline_ring_capacity", "gauge", "The most a ring between stages holds.");
	for (unsigned i = 0; i < r->rx_count; i++)
		fprintf(f, "ledgerline_ring_capacity{ring=\"rx_to_order\",queue=\"%u\"} %u\n",
			r->rx[i].queue, r->rx[i].ring_capacity);
	fprintf(f, "ledgerline_ring_capacity{ring=\"receipts\",queue=\"0\"} %u\n",
		r->receipt_ring_capacity);

	one(f, "ledgerline_order_frames_total", "counter", "Frames the orderer took.",
	    r->order_frames);
	one(f, "ledgerline_order_records_total", "counter", "Records the orderer submitted.",
	    r->order_records);
	one(f, "ledgerline_order_replays_total", "counter",
	    "Frames the orderer dropped as replays (across RX lcores).", r->order_replays);
	one(f, "ledgerline_order_solo_full_waits_total", "counter",
	    "Times the orderer found the consensus loop full (backpressure).",
	    r->order_solo_full_waits);
	one(f, "ledgerline_order_errors_total", "counter", "Records the orderer could not submit.",
	    r->order_errors);

	const struct ll_solo_stats *s = &r->solo;
	one(f, "ledgerline_records_submitted_total", "counter", "Records into the consensus loop.",
	    s->records_submitted);
	one(f, "ledgerline_records_refused_full_total", "counter",
	    "Records the consensus loop refused as full (backpressure).", s->records_refused_full);
	one(f, "ledgerline_records_committed_total", "counter", "Records in durable blocks.",
	    s->records_committed);
	one(f, "ledgerline_blocks_committed_total", "counter", "Blocks committed.",
	    s->blocks_committed);
	one(f, "ledgerline_commit_retries_total", "counter",
	    "Block commits retried on a full disk.", s->commit_retries);
	one(f, "ledgerline_commit_failures_total", "counter",
	    "Blocks dropped by a commit error other than a full disk.", s->commit_failures);
	one(f, "ledgerline_blocks_in_flight", "gauge", "Blocks hashing or committing now.",
	    s->blocks_in_flight);
	one(f, "ledgerline_store_stalled", "gauge", "1 while ordering waits for disk space.",
	    s->stalled);
	latency(f, &r->commit_latency);

	one(f, "ledgerline_receipts_built_total", "counter", "Receipt datagrams built.",
	    r->receipts_built);
	one(f, "ledgerline_receipt_records_total", "counter", "Transactions in those receipts.",
	    r->receipts_records);
	one(f, "ledgerline_receipts_sent_total", "counter", "Receipt datagrams sent.",
	    r->receipts_sent);
	family(f, "ledgerline_receipts_dropped_total", "counter",
	       "Receipts not built or not queued, by reason.");
	fprintf(f, "ledgerline_receipts_dropped_total{reason=\"no_mbuf\"} %" PRIu64 "\n"
		   "ledgerline_receipts_dropped_total{reason=\"ring_full\"} %" PRIu64 "\n"
		   "ledgerline_receipts_dropped_total{reason=\"origin_lost\"} %" PRIu64 "\n",
		r->receipts_no_mbuf, r->receipts_ring_full, r->receipts_origin_lost);

	if (r->has_port) {
		one(f, "ledgerline_port_rx_packets_total", "counter", "The data port's packets in.",
		    r->port_ipackets);
		one(f, "ledgerline_port_rx_missed_total", "counter",
		    "Packets the data port dropped for want of room (backpressure).",
		    r->port_imissed);
		one(f, "ledgerline_port_rx_errors_total", "counter", "The data port's RX errors.",
		    r->port_ierrors);
		one(f, "ledgerline_port_rx_nombuf_total", "counter", "RX mbuf allocation failures.",
		    r->port_rx_nombuf);
		one(f, "ledgerline_port_tx_packets_total", "counter", "The data port's packets out.",
		    r->port_opackets);
		one(f, "ledgerline_port_tx_errors_total", "counter", "The data port's TX errors.",
		    r->port_oerrors);
	}
	if (r->xdp_count) {
		family(f, "ledgerline_xdp_packets_total", "counter",
		       "Packets the XDP filter passed, redirected or dropped, by verdict.");
		for (unsigned c = 0; c < r->xdp_count; c++)
			fprintf(f, "ledgerline_xdp_packets_total{verdict=\"%s\"} %" PRIu64 "\n",
				r->xdp_name[c], r->xdp[c]);
	}
	family(f, "ledgerline_mbufs_free", "gauge", "Free mbufs in a pool.");
	fprintf(f, "ledgerline_mbufs_free{pool=\"rx\"} %u\nledgerline_mbufs_free{pool=\"tx\"} %u\n",
		r->mbufs_free_rx, r->mbufs_free_tx);

	const struct ll_accel_info *a = &r->accel;
	family(f, "ledgerline_accel_info", "gauge", "The accelerator backend running (value 1).");
	fprintf(f, "ledgerline_accel_info{backend=\"%s\",requested=\"%s\",device=\"", a->backend,
		a->requested);
	label_value(f, a->device);
	fprintf(f, "\"} 1\n");
	one(f, "ledgerline_accel_in_service", "gauge",
	    "1 while a device (xrt, hlsemu) is in service; 0 on the cpu backend, or once the "
	    "device was taken out (then backend is cpu and requested is not).", a->in_service);
	one(f, "ledgerline_accel_jobs_in_flight", "gauge", "Accelerator jobs in flight.",
	    a->jobs_in_flight);
	one(f, "ledgerline_accel_jobs_total", "counter", "Accelerator jobs done.", a->jobs);
	one(f, "ledgerline_accel_records_total", "counter", "Records hashed by the accelerator.",
	    a->records);
	one(f, "ledgerline_accel_checks_total", "counter", "Device jobs recomputed on the CPU.",
	    a->checks);
	one(f, "ledgerline_accel_mismatches_total", "counter",
	    "Device results that differed from the CPU's.", a->mismatches);
	one(f, "ledgerline_accel_device_errors_total", "counter",
	    "Failed device calls and timed-out runs.", a->device_errors);
	one(f, "ledgerline_accel_cpu_jobs_total", "counter",
	    "Jobs done on the CPU after the device was taken out.", a->cpu_jobs);
	admin_metrics(f, &r->admin);
}
