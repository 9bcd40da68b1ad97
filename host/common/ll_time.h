/* Time for LedgerLine: one monotonic clock in nanoseconds for intervals, one wall clock
 * for timestamps that leave the process (block headers, audit log). */
#ifndef LL_TIME_H
#define LL_TIME_H

#include <stdint.h>

/* ll_time_mono_ns - CLOCK_MONOTONIC in ns; for intervals and rate limits. */
uint64_t ll_time_mono_ns(void);

/* ll_time_wall_ns - CLOCK_REALTIME in ns since the Unix epoch. */
uint64_t ll_time_wall_ns(void);

#endif /* LL_TIME_H */
