/* llbench e2e: transactions a second committed end to end by ledgerlined (RX
 * lcore, orderer, hash and commit threads on this machine's two cores), fed from
 * a pcap through DPDK's net_pcap as fast as the RX lcore reads it: frames of
 * 128-byte-payload records of one scheme from 8 clients, made by txgen. The
 * rate is read off the daemon's stats, from its first committed record to its
 * last, so start-up and the drain of a backlog are not counted against it.
 *   none     goal: 1,000,000 a second
 *   ed25519  goal: 0.9x one core's verify rate (one RX lcore verifies)
 *   sm2      the same
 * Then receipt latency: ledgerlined on net_af_xdp in a lab of its own (two
 * network namespaces, as scripts/lab.sh makes them; root only), txgen sending
 * Ed25519 frames with receipts at half the ed25519 rate just measured, and the
 * p50/p99/p999 from send to receipt that txgen reports. */
#include "llbench.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ll_err.h"
#include "ll_sig.h"
#include "ll_time.h"

struct e2e_case {
	const char *name, *scheme;
	uint8_t sig_scheme;		/* 0: none */
	unsigned records;		/* a frame */
	double per_second;		/* roughly what it runs at: sizes the input */
};

static const struct e2e_case cases[] = {
	{ "none", "none", 0, 8, 1.5e6 },
	{ "ed25519", "ed25519", LL_SIG_ED25519, 4, 25e3 },
	{ "sm2", "sm2", LL_SIG_SM2_SM3, 4, 4e3 },
};

/* The counters e2e needs from one stats snapshot. */
struct sample {
	uint64_t ns, committed, rx_packets;
};

static int read_sample(const char *path, struct sample *s)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *ns = strstr(buf, "\"mono_ns\":"), *c = strstr(buf, "\"records_committed\":");
	const char *rx = strstr(buf, "\"rx\":{\"packets\":");
	if (!ns || !c || !rx)
		return -EAGAIN;		/* caught between writes: read again */
	s->ns = strtoull(ns + 10, NULL, 10);
	s->committed = strtoull(c + 20, NULL, 10);
	s->rx_packets = strtoull(rx + 16, NULL, 10);
	return 0;
}

/* One run of the daemon over the case's pcap: committed records a second. */
static double run_daemon(const char *dir, const char *pcap, const char *clients)
{
	char ledgerlined[PATH_MAX], vdev[256], ledger[128], stats[128], log[128], prefix[32];
	char admin[128], audit[128];
	if (ll_bench_tool("ledgerlined", ledgerlined, sizeof ledgerlined) < 0)
		return 0;
	snprintf(admin, sizeof admin, "%s/admin.sock", dir);
	snprintf(audit, sizeof audit, "%s/audit.log", dir);
	snprintf(vdev, sizeof vdev, "net_pcap0,rx_pcap=%s,tx_pcap=/dev/null", pcap);
	snprintf(ledger, sizeof ledger, "%s/ledger", dir);
	snprintf(stats, sizeof stats, "%s/stats.json", dir);
	snprintf(log, sizeof log, "%s/daemon.log", dir);
	snprintf(prefix, sizeof prefix, "lle2e%d", (int)getpid());
	char *rm[] = { "rm", "-rf", ledger, stats, NULL };
	ll_bench_run(rm, NULL);
	char *argv[] = { ledgerlined, "-l", "0-1", "--no-huge", "-m", "1024", "--no-pci",
			 "--file-prefix", prefix, "--log-level", "error", "--vdev", vdev, "--",
			 "--ledger", ledger, "--clients", (char *)clients, "--stats", stats,
			 "--stats-ms", "10", "--sync", "periodic", "--block-records", "10000",
			 "--block-wait-us", "5000", "--ring-frames", "65536", "--rx-mbufs", "131072",
			 "--log-level", "warn", "--admin-socket", admin, "--audit-log", audit,
			 "--metrics-listen", "", NULL };
	int pid = ll_bench_start(argv, log);
	if (pid < 0)
		return 0;
	/* from the first sample with records committed to the last one that added any */
	struct sample s = { 0 }, first = { 0 }, last = { 0 };
	uint64_t quiet_since = ll_time_mono_ns(), give_up = quiet_since + 120 * 1000000000ull;
	while (ll_time_mono_ns() < give_up) {
		usleep(5000);
		if (read_sample(stats, &s) < 0)
			continue;
		if (s.committed > last.committed || s.rx_packets != last.rx_packets) {
			if (first.committed == 0 && s.committed > 0)
				first = s;
			if (s.committed > last.committed)
				last.ns = s.ns, last.committed = s.committed;
			last.rx_packets = s.rx_packets;
			quiet_since = ll_time_mono_ns();
		} else if (last.committed && ll_time_mono_ns() - quiet_since > 500000000ull) {
			break;	/* the pcap is read and everything it held committed */
		}
	}
	ll_bench_finish(pid, SIGTERM);
	if (last.committed <= first.committed || last.ns <= first.ns)
		return 0;
	return (double)(last.committed - first.committed) * 1e9 / (double)(last.ns - first.ns);
}

/* txgen makes 8 clients of the scheme, their registrations and the pcap. */
static int make_inputs(const char *dir, const struct e2e_case *c, uint64_t records,
		       char *pcap, char *clients)
{
	char txgen[PATH_MAX], keys[128], count[24], per_frame[16];
	if (ll_bench_tool("txgen", txgen, sizeof txgen) < 0)
		return -ENOENT;
	snprintf(keys, sizeof keys, "%s/keys", dir);
	snprintf(clients, 128, "%s/clients", dir);
	snprintf(pcap, 128, "%s/frames.pcap", dir);
	snprintf(count, sizeof count, "%" PRIu64, records / c->records);
	snprintf(per_frame, sizeof per_frame, "%u", c->records);
	char *keygen[] = { txgen, "keygen", "--keys", keys, "--clients", "8", "--scheme",
			   (char *)c->scheme, NULL };
	char *reg[] = { txgen, "clients", "--keys", keys, "--out", clients, NULL };
	char *frames[] = { txgen, "pcap", "--keys", keys, "--out", pcap, "--count", count,
			   "--records", per_frame, "--payload", "128", NULL };
	return ll_bench_run(keygen, NULL) || ll_bench_run(reg, NULL) ||
	       ll_bench_run(frames, NULL) ? -EIO : 0;
}

/* rel in the closest directory above llbench's that has it (build/, the tree). */
static int find_above(const char *rel, char *out, size_t cap)
{
	char up[64] = "";
	for (int level = 0; level < 4; level++) {
		char want[PATH_MAX];
		snprintf(want, sizeof want, "%s%s", up, rel);
		if (ll_bench_tool(want, out, cap) == 0)
			return 0;
		strcat(up, "../");
	}
	return -ENOENT;
}

/* The lab script of the source tree llbench was built in. */
static int lab(const char *verb)
{
	char path[PATH_MAX];
	int rc = find_above("scripts/lab.sh", path, sizeof path);
	if (rc < 0)
		return rc;
	setenv("LL_LAB_PREFIX", "llbench", 1);
	char *argv[] = { path, (char *)verb, NULL };
	return ll_bench_run(argv, NULL) == 0 ? 0 : -EIO;
}

/* p50, p99 and p999 of receipts at `tx_per_second`, in microseconds. */
static int receipt_latency(const char *dir, double tx_per_second, double seconds, double pct[3])
{
	char ledgerlined[PATH_MAX], txgen[PATH_MAX], bpf[PATH_MAX], vdev[PATH_MAX + 64];
	char keys[128], clients[128], ledger[128], stats[128], log[128], out[128], line[512];
	char rate[24], count[24], admin[128], audit[128];
	int rc;
	if ((rc = ll_bench_tool("ledgerlined", ledgerlined, sizeof ledgerlined)) < 0 ||
	    (rc = ll_bench_tool("txgen", txgen, sizeof txgen)) < 0 ||
	    (rc = find_above("bpf/ll_xdp_filter.o", bpf, sizeof bpf)) < 0)
		return rc;
	snprintf(vdev, sizeof vdev, "net_af_xdp0,iface=llbench-app0,xdp_prog=%s", bpf);
	snprintf(keys, sizeof keys, "%s/lat.keys", dir);
	snprintf(clients, sizeof clients, "%s/lat.clients", dir);
	snprintf(ledger, sizeof ledger, "%s/lat.ledger", dir);
	snprintf(stats, sizeof stats, "%s/lat.stats", dir);
	snprintf(log, sizeof log, "%s/lat.log", dir);
	snprintf(out, sizeof out, "%s/lat.out", dir);
	snprintf(admin, sizeof admin, "%s/lat.admin.sock", dir);
	snprintf(audit, sizeof audit, "%s/lat.audit.log", dir);
	/* 4 records a frame; enough frames for `seconds` at that rate */
	snprintf(rate, sizeof rate, "%.0f", tx_per_second / 4);
	snprintf(count, sizeof count, "%.0f", tx_per_second / 4 * seconds);
	char *keygen[] = { txgen, "keygen", "--keys", keys, "--clients", "8", NULL };
	char *reg[] = { txgen, "clients", "--keys", keys, "--out", clients, NULL };
	if (ll_bench_run(keygen, NULL) || ll_bench_run(reg, NULL) || (rc = lab("up")) < 0)
		return -EIO;
	char *daemon[] = { "ip", "netns", "exec", "llbench-app", ledgerlined, "-l", "0-1",
			   "--no-huge", "-m", "512", "--no-pci", "--file-prefix", "llbenchlat",
			   "--log-level", "error", "--vdev", vdev, "--", "--ledger", ledger,
			   "--clients", clients, "--stats", stats, "--log-level", "warn",
			   "--admin-socket", admin, "--audit-log", audit, "--metrics-listen", "",
			   NULL };
	char *send[] = { "ip", "netns", "exec", "llbench-cli", txgen, "send", "--keys", keys,
			 "--to", "10.77.0.1:7400", "--count", count, "--rate", rate, "--records",
			 "4", "--receipt", NULL };
	int pid = ll_bench_start(daemon, log);
	for (int i = 0; i < 100 && access(stats, R_OK) < 0; i++)
		usleep(100 * 1000);
	rc = access(stats, R_OK) < 0 ? -EIO : ll_bench_run(send, out) ? -EIO : 0;
	if (pid > 0)
		ll_bench_finish(pid, SIGTERM);
	lab("down");
	FILE *f = rc == 0 ? fopen(out, "r") : NULL;
	rc = -EIO;
	while (f && fgets(line, sizeof line, f)) {
		const char *p = strstr(line, "p50_us ");
		unsigned long long missing;
		const char *m = strstr(line, " missing ");
		if (p && m && sscanf(m, " missing %llu", &missing) == 1 &&
		    sscanf(p, "p50_us %lf p99_us %lf p999_us %lf", &pct[0], &pct[1], &pct[2]) == 3)
			rc = missing == 0 ? 0 : -EPROTO;	/* a loss is not a latency */
	}
	if (f)
		fclose(f);
	return rc;
}

int ll_bench_e2e(const struct ll_bench_opts *o)
{
	double ed25519_rate = 0;
	char dir[64] = "/tmp/llbench_e2e.XXXXXX", pcap[128], clients[128];
	int rc = 0;
	if (!mkdtemp(dir))
		return -errno;
	for (size_t i = 0; i < sizeof cases / sizeof *cases && rc == 0; i++) {
		const struct e2e_case *c = &cases[i];
		/* about 1.2 s of input a trial at --seconds 0.3, never under 5,000 records */
		uint64_t records = (uint64_t)(c->per_second * o->min_seconds * 4);
		if (records < 5000)
			records = 5000;
		if (records > 2000000)	/* 2 M records: a 300 MB pcap */
			records = 2000000;
		if ((rc = make_inputs(dir, c, records, pcap, clients)) < 0) {
			fprintf(stderr, "llbench: e2e: txgen could not make the %s pcap\n", c->name);
			break;
		}
		/* one core's verify rate, before and after the runs: the better of the two */
		double verify = c->sig_scheme ? ll_bench_verify_rate(o, c->sig_scheme) : 0;
		double best = 0;
		for (int t = 0; t < o->trials; t++) {
			double r = run_daemon(dir, pcap, clients);
			if (r > best)
				best = r;
		}
		if (best == 0) {
			fprintf(stderr, "llbench: e2e: %s: nothing committed (see %s/daemon.log)\n",
				c->name, dir);
			rc = -EIO;
			break;
		}
		char name[48];
		snprintf(name, sizeof name, "%s/128B", c->name);
		if (c->sig_scheme == 0) {
			ll_bench_report(o, "e2e", name, best, "tx/s", "goal", 1e6);
			ll_bench_goal(o, "e2e none: committed tx/s vs 1,000,000", best / 1e6, 1.0,
				      false);
			continue;
		}
		if (c->sig_scheme == LL_SIG_ED25519)
			ed25519_rate = best;
		double after = ll_bench_verify_rate(o, c->sig_scheme);
		if (after > verify)
			verify = after;
		ll_bench_report(o, "e2e", name, best, "tx/s", "verify-1-core", verify);
		char goal[80];
		snprintf(goal, sizeof goal, "e2e %s: vs one core's verify rate", c->name);
		ll_bench_goal(o, goal, verify > 0 ? best / verify : 0, 0.9, false);
	}
	double pct[3];
	int lat = rc == 0 && geteuid() == 0 ?
		receipt_latency(dir, ed25519_rate / 2, o->min_seconds < 1 ? 5 : 5 * o->min_seconds,
				pct) : -EPERM;
	if (lat == 0) {
		ll_bench_report(o, "e2e", "receipt-latency/p50", pct[0], "us", NULL, 0);
		ll_bench_report(o, "e2e", "receipt-latency/p99", pct[1], "us", NULL, 0);
		ll_bench_report(o, "e2e", "receipt-latency/p999", pct[2], "us", NULL, 0);
		if (!o->json)
			printf("  (Ed25519, 4 records a frame, at %.0f tx/s: half the e2e rate above, "
			       "over AF_XDP in a lab)\n", ed25519_rate / 2);
	} else if (rc == 0) {
		fprintf(stderr, "llbench: e2e: receipt latency not measured: %s\n",
			lat == -EPERM ? "needs root (network namespaces)" :
			lat == -EPROTO ? "receipts went missing at that rate" : ll_strerror(lat));
	}
	if (rc == 0) {
		char *rm[] = { "rm", "-rf", dir, NULL };
		ll_bench_run(rm, NULL);
	}
	return rc;
}
