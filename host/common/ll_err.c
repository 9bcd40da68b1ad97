/* Error text: strerror for negative errno codes, with the meanings LedgerLine
 * gives to the codes it uses for its own conditions. */
#include "ll_err.h"

#include <stdarg.h>
#include <stdio.h>

#include <errno.h>
#include <string.h>

const char *ll_strerror(int rc)
{
	switch (rc) {
	case 0:
		return "ok";
	case -EBADMSG:
		return "verification failed";
	case -ENOTSUP:
		return "not supported on this machine";
	default:
		/* strerror is thread-safe in glibc for known codes. */
		return rc < 0 ? strerror(-rc) : "unknown positive code";
	}
}

void ll_errf(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;
	if (!err || err_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}
