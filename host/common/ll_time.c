/* Clocks: thin wrappers over clock_gettime so every module reads time the same way. */
#define _POSIX_C_SOURCE 200809L
#include "ll_time.h"

#include <time.h>

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ll_time_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t ll_time_wall_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}
