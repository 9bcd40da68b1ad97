/* libFuzzer harness for the configuration parser with the appliance's own key
 * table: any text gives settings or an error naming a line, never a crash; the
 * settings it accepts, printed as a file (ledgerlined --print-config), read back
 * to the same settings. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ll_config.h"
#include "ll_settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ll_settings s, again;
	char err[LL_CONFIG_ERR_MAX];
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ll_settings_defaults(&s);
	int rc = ll_config_parse_string(ll_settings_table(), &s, text, "fuzz.conf", err, sizeof err);
	free(text);
	if (rc != 0) {
		if ((rc != -EINVAL && rc != -ENOMEM) || memchr(err, '\0', sizeof err) == NULL ||
		    strncmp(err, "fuzz.conf:", 10) != 0)
			abort();
		return 0;
	}
	char *printed = NULL;
	size_t printed_len = 0;
	FILE *f = open_memstream(&printed, &printed_len);
	if (!f)
		return 0;
	ll_settings_write(&s, f);
	fclose(f);
	ll_settings_defaults(&again);
	if (ll_config_parse_string(ll_settings_table(), &again, printed, "printed", err,
				   sizeof err) != 0 || memcmp(&s, &again, sizeof s) != 0)
		abort();
	free(printed);
	return 0;
}
