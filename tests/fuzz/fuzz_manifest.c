/* libFuzzer harness for ll_manifest: any text gives 0 or -EINVAL without reading past
 * its end, and a manifest it accepts formats to text that parses back to the same text. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ll_manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[8192], again[8192];
	struct ll_manifest m, m2;
	char err[128];

	int rc = ll_manifest_parse((const char *)data, size, &m, err, sizeof err);
	if (rc == -EINVAL && memchr(err, '\0', sizeof err) == NULL)
		abort();
	if (rc != 0) {
		if (rc != -EINVAL)
			abort();
		return 0;
	}

	/* whatever the check says, it says it with -EPROTO and a message */
	rc = ll_manifest_check(&m, err, sizeof err);
	if (rc != 0 && rc != -EPROTO)
		abort();
	for (uint32_t k = 0; k < m.nkernels; k++)
		if (ll_manifest_kernel(&m, m.kernels[k].name) != &m.kernels[k])
			abort();

	/* the text form is canonical: format, parse, format gives the same bytes */
	int len = ll_manifest_format(&m, text, sizeof text);
	if (len <= 0 || ll_manifest_parse(text, (size_t)len, &m2, err, sizeof err) != 0)
		abort();
	if (ll_manifest_format(&m2, again, sizeof again) != len || memcmp(text, again, (size_t)len))
		abort();
	return 0;
}
