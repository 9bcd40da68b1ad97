/* Logging for every LedgerLine module: a level, the module's name, one line to stderr.
 * Never called per packet: hot paths count in stats and use ll_log_ratelimit. */
#ifndef LL_LOG_H
#define LL_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum ll_log_level {
	LL_LOG_ERROR = 0,
	LL_LOG_WARN = 1,
	LL_LOG_INFO = 2,
	LL_LOG_DEBUG = 3,
};

/*
 * ll_log_set_level - messages above `level` are dropped. Default LL_LOG_INFO, or
 * the LL_LOG_LEVEL environment variable (error|warn|info|debug) read on first use.
 * Any thread, any time (the admin socket's config.set log.level).
 */
void ll_log_set_level(enum ll_log_level level);
enum ll_log_level ll_log_get_level(void);

/* ll_log_level_parse - "error", "warn", "info", "debug" -> level; -EINVAL otherwise. */
int ll_log_level_parse(const char *name, enum ll_log_level *out);

/*
 * ll_log - writes "LEVEL module: message\n" to stderr in one write, so lines from
 * several threads never interleave. Thread-safe.
 */
void ll_log(enum ll_log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define LL_ERROR(mod, ...) ll_log(LL_LOG_ERROR, (mod), __VA_ARGS__)
#define LL_WARN(mod, ...)  ll_log(LL_LOG_WARN, (mod), __VA_ARGS__)
#define LL_INFO(mod, ...)  ll_log(LL_LOG_INFO, (mod), __VA_ARGS__)
#define LL_DEBUG(mod, ...) ll_log(LL_LOG_DEBUG, (mod), __VA_ARGS__)

/*
 * A rate limiter for messages that can repeat (a bad peer, a full disk): at most
 * `burst` messages per `interval_ns`; the rest are counted in `suppressed` so the
 * next allowed message can say how many were dropped. One per call site, owned
 * by one thread.
 */
struct ll_log_ratelimit {
	uint64_t interval_ns;
	uint32_t burst;
	uint32_t printed;	/* in the current interval */
	uint64_t window_start_ns;
	uint64_t suppressed;	/* since the last allowed message */
};

#define LL_LOG_RATELIMIT_INIT(interval_ns_, burst_) \
	{ .interval_ns = (interval_ns_), .burst = (burst_) }

/*
 * ll_log_ratelimit_allow - true when a message may be printed at `now_ns`. When it
 * returns true, *suppressed_out (if non-NULL) gets the count dropped since the
 * last allowed message, and the count restarts.
 */
bool ll_log_ratelimit_allow(struct ll_log_ratelimit *rl, uint64_t now_ns,
			    uint64_t *suppressed_out);

#endif /* LL_LOG_H */
