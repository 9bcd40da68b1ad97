/* llbench's harness: run a case until it has been timed long enough, and print
 * each figure beside its baseline as a table row or a JSON line. */
#ifndef LL_BENCH_H
#define LL_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ll_bench_opts {
	bool json;
	double min_seconds;	/* each trial runs at least this long */
	int trials;		/* the best trial counts: noise only ever slows a run */
	bool quick;		/* a smoke run: suites may also shrink their work */
};

/*
 * ll_bench_rate - calls fn(arg) until min_seconds have passed, `trials` times,
 * and returns the best rate in items per second, where each call does
 * items_per_call items.
 */
double ll_bench_rate(const struct ll_bench_opts *o, void (*fn)(void *arg), void *arg,
		     double items_per_call);

/*
 * ll_bench_rate_pair - the rates of two contenders, fn[0] and fn[1], each
 * called as ll_bench_rate does, with their trials alternating (and the page
 * cache flushed before each) so both see the same machine: on a shared host,
 * whatever runs second otherwise pays for the first one's writeback. Each fn
 * returns how many nanoseconds of its call count (making the next input before
 * starting its clock is left out), or 0 when it failed, which ends the run with
 * rates of 0. rate[i] is the best trial of fn[i], in items per second.
 */
void ll_bench_rate_pair(const struct ll_bench_opts *o, uint64_t (*const fn[2])(void *arg),
			void *const arg[2], double items_per_call, double rate[2]);

/*
 * ll_bench_report - prints one figure; baseline may be NULL (no ratio). In JSON
 * mode the line is {"suite":..,"case":..,"value":..,"unit":..,"baseline":..,
 * "baseline_value":..,"ratio":..} as ../shared/DESIGN.md "Benchmarks" says.
 */
void ll_bench_report(const struct ll_bench_opts *o, const char *suite, const char *name,
		     double value, const char *unit, const char *baseline,
		     double baseline_value);

/*
 * ll_bench_goal - in table mode, one "goal:" line saying whether ratio meets
 * bound (ratio <= bound when at_most, else ratio >= bound); nothing in JSON mode.
 */
void ll_bench_goal(const struct ll_bench_opts *o, const char *what, double ratio, double bound,
		   bool at_most);

/*
 * Other programs, for the suites that measure whole processes: ll_bench_tool
 * writes the path of a file built beside llbench (txgen, ledgerlined, ../bpf/...) into
 * out (room for cap); ll_bench_run runs argv to completion with stdout and
 * stderr to the file log (NULL: /dev/null) and returns its exit status, or
 * -errno; ll_bench_start starts it the same way and returns its pid, which
 * ll_bench_finish signals (0: none), waits for and returns the status of.
 */
int ll_bench_tool(const char *name, char *out, size_t cap);
int ll_bench_run(char *const argv[], const char *log);
int ll_bench_start(char *const argv[], const char *log);
int ll_bench_finish(int pid, int sig);

/* ll_bench_verify_rate - one core's signature verifications a second for scheme
 * (enum ll_sig_scheme) with the library AUTO picks, over distinct records of 8
 * keys (what the appliance verifies); 0 when it failed. */
double ll_bench_verify_rate(const struct ll_bench_opts *o, uint8_t scheme);

/* Suites. Each returns 0 or a negative errno. */
int ll_bench_hash(const struct ll_bench_opts *o);
int ll_bench_merkle(const struct ll_bench_opts *o);
int ll_bench_commit(const struct ll_bench_opts *o);
int ll_bench_accel(const struct ll_bench_opts *o);
int ll_bench_sig(const struct ll_bench_opts *o);
int ll_bench_ingest(const struct ll_bench_opts *o);
int ll_bench_e2e(const struct ll_bench_opts *o);

#endif /* LL_BENCH_H */
