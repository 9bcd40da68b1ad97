/* Logging: one formatted line per call, written with a single write(2) so that
 * concurrent threads never interleave partial lines. */
#include "ll_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const level_names[] = { "error", "warn", "info", "debug" };

/* -1 until first use; then read from LL_LOG_LEVEL or set by ll_log_set_level.
 * Atomic: the admin socket changes it while every thread logs. */
static int current_level = -1;

int ll_log_level_parse(const char *name, enum ll_log_level *out)
{
	for (int i = 0; i <= LL_LOG_DEBUG; i++) {
		if (name && strcmp(name, level_names[i]) == 0) {
			*out = (enum ll_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void ll_log_set_level(enum ll_log_level level)
{
	__atomic_store_n(&current_level, (int)level, __ATOMIC_RELAXED);
}

enum ll_log_level ll_log_get_level(void)
{
	int level = __atomic_load_n(&current_level, __ATOMIC_RELAXED);
	if (level < 0) {
		enum ll_log_level from_env = LL_LOG_INFO;
		ll_log_level_parse(getenv("LL_LOG_LEVEL"), &from_env);
		/* the first caller decides; a level set meanwhile wins */
		int unset = -1;
		__atomic_compare_exchange_n(&current_level, &unset, (int)from_env, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		level = __atomic_load_n(&current_level, __ATOMIC_RELAXED);
	}
	return (enum ll_log_level)level;
}

void ll_log(enum ll_log_level level, const char *module, const char *fmt, ...)
{
	if (level < LL_LOG_ERROR || level > ll_log_get_level())
		return;

	/* A line longer than the buffer is cut, never overrun: keep room for '\n'. */
	char line[1024];
	const int room = (int)sizeof line - 1;
	int len = snprintf(line, (size_t)room, "%s %s: ", level_names[level], module);
	if (len < 0 || len >= room)
		len = room - 1;
	va_list ap;
	va_start(ap, fmt);
	int body = vsnprintf(line + len, (size_t)(room - len), fmt, ap);
	va_end(ap);
	if (body > 0)
		len += body;
	if (len > room - 1)
		len = room - 1;
	line[len++] = '\n';
	ssize_t ignored = write(STDERR_FILENO, line, (size_t)len);
	(void)ignored;
}

bool ll_log_ratelimit_allow(struct ll_log_ratelimit *rl, uint64_t now_ns,
			    uint64_t *suppressed_out)
{
	if (now_ns - rl->window_start_ns >= rl->interval_ns) {
		rl->window_start_ns = now_ns;
		rl->printed = 0;
	}
	if (rl->printed >= rl->burst) {
		rl->suppressed++;
		return false;
	}
	rl->printed++;
	if (suppressed_out)
		*suppressed_out = rl->suppressed;
	rl->suppressed = 0;
	return true;
}
