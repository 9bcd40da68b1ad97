/* libFuzzer harness for the admin request parser: any line gives a request or a
 * terminated error, never a crash; an accepted request's arguments read as their
 * helpers say, and it prints back to JSON that parses to an equal request. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ll_admin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *req;
	const char *cmd;
	char err[LL_ADMIN_ERR_MAX];
	int rc = ll_admin_parse_request((const char *)data, size, &req, &cmd, err, sizeof err);
	if (rc != 0) {
		if (rc != -EINVAL || memchr(err, '\0', sizeof err) == NULL)
			abort();
		return 0;
	}
	if (!json_is_object(req) || !cmd || strcmp(json_string_value(json_object_get(req, "cmd")), cmd))
		abort();

	/* each helper either takes the argument or refuses it with words */
	struct ll_admin_request r = { .cmd = cmd, .args = req, .who = "fuzz" };
	uint64_t u;
	const char *s;
	bool b;
	const char *names[] = { "height", "txid", "key", "value", "txids", "cmd" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		err[0] = '\0';
		if (((rc = ll_admin_arg_u64(&r, names[i], i % 2, &u, err, sizeof err)) < 0 && !err[0]) ||
		    rc > 1)
			abort();
		err[0] = '\0';
		if (((rc = ll_admin_arg_string(&r, names[i], i % 2, &s, err, sizeof err)) < 0 && !err[0]) ||
		    (rc == 0 && !s))
			abort();
		err[0] = '\0';
		if ((rc = ll_admin_arg_bool(&r, names[i], false, &b, err, sizeof err)) < 0 && !err[0])
			abort();
	}

	/* printed and read back, it is the same request */
	char *text = json_dumps(req, JSON_COMPACT);
	json_t *again;
	const char *cmd2;
	if (!text || ll_admin_parse_request(text, strlen(text), &again, &cmd2, err, sizeof err) != 0 ||
	    !json_equal(req, again))
		abort();
	free(text);
	json_decref(again);
	json_decref(req);
	return 0;
}
