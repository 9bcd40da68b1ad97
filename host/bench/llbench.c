/* llbench: LedgerLine's benchmarks. Every figure is measured beside its baseline
 * in the same run and printed with the ratio (`make bench` runs them all). */
#include "llbench.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ll_err.h"
#include "ll_time.h"

double ll_bench_rate(const struct ll_bench_opts *o, void (*fn)(void *arg), void *arg,
		     double items_per_call)
{
	double best = 0;
	fn(arg);	/* warm caches and lazily made state */
	for (int t = 0; t < o->trials; t++) {
		uint64_t start = ll_time_mono_ns(), now;
		uint64_t calls = 0;
		do {
			fn(arg);
			calls++;
			now = ll_time_mono_ns();
		} while ((double)(now - start) < o->min_seconds * 1e9);
		double rate = (double)calls * items_per_call * 1e9 / (double)(now - start);
		if (rate > best)
			best = rate;
	}
	return best;
}

/* One trial of fn: its rate in items per second, or 0 when it failed. */
static double timed_trial(const struct ll_bench_opts *o, uint64_t (*fn)(void *arg), void *arg,
			  double items_per_call)
{
	uint64_t timed = 0, calls = 0;
	do {
		uint64_t ns = fn(arg);
		if (ns == 0)
			return 0;
		timed += ns;
		calls++;
	} while ((double)timed < o->min_seconds * 1e9);
	return (double)calls * items_per_call * 1e9 / (double)timed;
}

void ll_bench_rate_pair(const struct ll_bench_opts *o, uint64_t (*const fn[2])(void *arg),
			void *const arg[2], double items_per_call, double rate[2])
{
	rate[0] = rate[1] = 0;
	for (int i = 0; i < 2; i++)
		if (fn[i](arg[i]) == 0)		/* warm up */
			return;
	for (int t = 0; t < o->trials; t++) {
		for (int i = 0; i < 2; i++) {
			sync();
			double r = timed_trial(o, fn[i], arg[i], items_per_call);
			if (r == 0) {
				rate[0] = rate[1] = 0;
				return;
			}
			if (r > rate[i])
				rate[i] = r;
		}
	}
}

void ll_bench_report(const struct ll_bench_opts *o, const char *suite, const char *name,
		     double value, const char *unit, const char *baseline,
		     double baseline_value)
{
	double ratio = baseline && baseline_value > 0 ? value / baseline_value : 0;
	if (o->json) {
		printf("{\"suite\":\"%s\",\"case\":\"%s\",\"value\":%.4g,\"unit\":\"%s\"",
		       suite, name, value, unit);
		if (baseline)
			printf(",\"baseline\":\"%s\",\"baseline_value\":%.4g,\"ratio\":%.3f",
			       baseline, baseline_value, ratio);
		printf("}\n");
	} else if (baseline) {
		printf("%-8s %-34s %12.4g %-9s vs %-18s %12.4g  x%.2f\n", suite, name, value,
		       unit, baseline, baseline_value, ratio);
	} else {
		printf("%-8s %-34s %12.4g %s\n", suite, name, value, unit);
	}
	fflush(stdout);
}

void ll_bench_goal(const struct ll_bench_opts *o, const char *what, double ratio, double bound,
		   bool at_most)
{
	if (o->json)
		return;
	bool met = at_most ? ratio <= bound : ratio >= bound;
	printf("  goal: %-52s %s %.2f: %s (%.2f)\n", what, at_most ? "<=" : ">=", bound,
	       met ? "met" : "MISSED", ratio);
	fflush(stdout);
}

int ll_bench_tool(const char *name, char *out, size_t cap)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	*slash = '\0';
	if ((size_t)snprintf(out, cap, "%s/%s", self, name) >= cap)
		return -ENAMETOOLONG;
	return access(out, F_OK) == 0 ? 0 : -ENOENT;
}

int ll_bench_start(char *const argv[], const char *log)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int ll_bench_finish(int pid, int sig)
{
	int status;
	if (sig)
		kill(pid, sig);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ll_bench_run(char *const argv[], const char *log)
{
	int pid = ll_bench_start(argv, log);
	return pid < 0 ? pid : ll_bench_finish(pid, 0);
}

static const struct {
	const char *name;
	int (*run)(const struct ll_bench_opts *o);
} suites[] = {
	{ "hash", ll_bench_hash },
	{ "merkle", ll_bench_merkle },
	{ "commit", ll_bench_commit },
	{ "accel", ll_bench_accel },
	{ "sig", ll_bench_sig },
	{ "ingest", ll_bench_ingest },
	{ "e2e", ll_bench_e2e },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: llbench SUITE|all [--json] [--quick] [--seconds S]\n"
		   "suites:");
	for (size_t i = 0; i < LL_ARRAY_LEN(suites); i++)
		fprintf(f, " %s", suites[i].name);
	fprintf(f, "\n  --json      one JSON object per figure, one a line\n"
		   "  --quick     short trials (a smoke run, figures are rough)\n"
		   "  --seconds S minimum length of each of the 3 trials (default 0.3)\n");
}

int main(int argc, char **argv)
{
	struct ll_bench_opts o = { .min_seconds = 0.3, .trials = 3 };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'q' },
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "jqs:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'q':
			o.min_seconds = 0.01;
			o.trials = 1;
			o.quick = true;
			break;
		case 's': {
			char *end;
			o.min_seconds = strtod(optarg, &end);
			if (end == optarg || *end || !(o.min_seconds > 0 && o.min_seconds <= 60)) {
				fprintf(stderr, "llbench: --seconds must be a number in (0, 60]\n");
				return 2;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	const char *want = argv[optind];
	bool found = false;
	for (size_t i = 0; i < LL_ARRAY_LEN(suites); i++) {
		if (strcmp(want, "all") != 0 && strcmp(want, suites[i].name) != 0)
			continue;
		found = true;
		int rc = suites[i].run(&o);
		if (rc < 0) {
			fprintf(stderr, "llbench: %s: %s\n", suites[i].name, ll_strerror(rc));
			return 1;
		}
	}
	if (!found) {
		fprintf(stderr, "llbench: unknown suite '%s'\n", want);
		usage(stderr);
		return 2;
	}
	return 0;
}
