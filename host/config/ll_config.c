/* Configuration against a key table: values are checked by type and range before
 * they are stored, so a program never starts on a value it did not expect. The
 * INI syntax is inih's, with its lenient corners (continuation lines, keys with
 * no value) turned off. */
#include "ll_config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <ini.h>

#include "ll_err.h"
#include "ll_net.h"

#define MAX_LINE 4096


const struct ll_config_key *ll_config_find(const struct ll_config_table *t, const char *name)
{
	for (size_t i = 0; t && name && i < t->count; i++)
		if (strcmp(t->keys[i].name, name) == 0)
			return &t->keys[i];
	return NULL;
}

void ll_config_describe(const struct ll_config_key *k, char *out, size_t cap)
{
	if (k->takes) {
		snprintf(out, cap, "%s", k->takes);
		return;
	}
	switch (k->type) {
	case LL_CONFIG_UINT:
		snprintf(out, cap, "a whole number from %" PRIu64 " to %" PRIu64, k->min, k->max);
		break;
	case LL_CONFIG_BOOL:
		snprintf(out, cap, "yes or no");
		break;
	case LL_CONFIG_CHOICE: {
		size_t len = 0, n = 0;
		while (k->choices[n])
			n++;
		out[0] = '\0';
		for (size_t i = 0; i < n && len < cap; i++)
			len += (size_t)snprintf(out + len, cap - len, "%s%s",
						i == 0 ? "" : i + 1 == n ? " or " : ", ",
						k->choices[i]);
		break;
	}
	case LL_CONFIG_STRING:
		snprintf(out, cap, "text of at most %zu bytes", k->size - 1);
		break;
	case LL_CONFIG_ADDRESS:
		snprintf(out, cap, "an IPv4 address and port (a.b.c.d:port), or nothing for off");
		break;
	case LL_CONFIG_OCTAL:
		snprintf(out, cap, "a file mode in octal, 0000 to 0777");
		break;
	}
}

/* A whole decimal number, nothing before or after it. */
static bool parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(s, yes[i]) == 0 || strcmp(s, no[i]) == 0) {
			*out = strcmp(s, yes[i]) == 0;
			return true;
		}
	}
	return false;
}

/* a.b.c.d:port with a port from 1 to 65535, or the empty string. */
static bool valid_address(const char *s)
{
	struct sockaddr_in sin;
	return !*s || ll_net_parse_ipv4(s, &sin) == 0;
}

static void store_uint(void *at, size_t size, uint64_t v)
{
	if (size == sizeof(uint64_t)) {
		uint64_t w = v;
		memcpy(at, &w, sizeof w);
	} else {
		uint32_t w = (uint32_t)v;
		memcpy(at, &w, sizeof w);
	}
}

static uint64_t load_uint(const void *at, size_t size)
{
	if (size == sizeof(uint64_t)) {
		uint64_t w;
		memcpy(&w, at, sizeof w);
		return w;
	}
	uint32_t w;
	memcpy(&w, at, sizeof w);
	return w;
}

/* Checks value for k and, when it is good, stores it at `at`. */
static int set_key(const struct ll_config_key *k, void *at, const char *value, char *err,
		   size_t err_len)
{
	char want[256], why[256] = "";
	uint64_t v;
	bool b;
	ll_config_describe(k, want, sizeof want);
	switch (k->type) {
	case LL_CONFIG_UINT:
		if (!parse_uint(value, &v) || v < k->min || v > k->max)
			goto bad;
		store_uint(at, k->size, v);
		return 0;
	case LL_CONFIG_OCTAL: {
		char *end;
		if (value[0] < '0' || value[0] > '7')
			goto bad;
		errno = 0;
		unsigned long mode = strtoul(value, &end, 8);
		if (errno || *end || mode > 0777)
			goto bad;
		store_uint(at, sizeof(uint32_t), mode);
		return 0;
	}
	case LL_CONFIG_BOOL:
		if (!parse_bool(value, &b))
			goto bad;
		memcpy(at, &b, sizeof b);
		return 0;
	case LL_CONFIG_CHOICE:
		for (unsigned i = 0; k->choices[i]; i++) {
			if (strcmp(value, k->choices[i]) == 0) {
				memcpy(at, &i, sizeof i);
				return 0;
			}
		}
		goto bad;
	case LL_CONFIG_ADDRESS:
		if (!valid_address(value))
			goto bad;
		__attribute__((fallthrough));	/* stored as text */
	case LL_CONFIG_STRING:
		if (strlen(value) >= k->size)
			goto bad;
		if (k->check && k->check(value, why, sizeof why) < 0) {
			ll_errf(err, err_len, "%s = %s: %s", k->name, value, why);
			return -EINVAL;
		}
		memcpy(at, value, strlen(value) + 1);
		return 0;
	}
bad:
	ll_errf(err, err_len, "%s = %s: want %s", k->name, value, want);
	return -EINVAL;
}

int ll_config_defaults(const struct ll_config_table *t, void *settings, char *err,
		       size_t err_len)
{
	for (size_t i = 0; i < t->count; i++) {
		const struct ll_config_key *k = &t->keys[i];
		int rc = set_key(k, (char *)settings + k->offset, k->def, err, err_len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* "unknown key 'x'", with the keys its section does have. */
static void unknown_key(const struct ll_config_table *t, const char *name, char *err,
			size_t err_len)
{
	const char *dot = strchr(name, '.');
	size_t section_len = dot ? (size_t)(dot - name) : 0, len;
	char known[384] = "";
	len = 0;
	for (size_t i = 0; dot && i < t->count && len < sizeof known; i++) {
		const char *kn = t->keys[i].name;
		if (strncmp(kn, name, section_len + 1) == 0)
			len += (size_t)snprintf(known + len, sizeof known - len, "%s%s",
						len ? ", " : "", kn + section_len + 1);
	}
	if (len)
		ll_errf(err, err_len, "unknown key '%s' (in [%.*s]: %s)", name, (int)section_len, name,
		    known);
	else
		ll_errf(err, err_len, "unknown key '%s'", name);
}

int ll_config_set(const struct ll_config_table *t, void *settings, const char *name,
		  const char *value, char *err, size_t err_len)
{
	const struct ll_config_key *k = ll_config_find(t, name);
	if (!k) {
		unknown_key(t, name ? name : "", err, err_len);
		return -ENOENT;
	}
	if (!value) {
		ll_errf(err, err_len, "%s: no value", name);
		return -EINVAL;
	}
	return set_key(k, (char *)settings + k->offset, value, err, err_len);
}

int ll_config_get(const struct ll_config_table *t, const void *settings, const char *name,
		  char *out, size_t cap)
{
	const struct ll_config_key *k = ll_config_find(t, name);
	if (!k)
		return -ENOENT;
	const char *at = (const char *)settings + k->offset;
	int n = 0;
	switch (k->type) {
	case LL_CONFIG_UINT:
		n = snprintf(out, cap, "%" PRIu64, load_uint(at, k->size));
		break;
	case LL_CONFIG_OCTAL:
		n = snprintf(out, cap, "%04" PRIo64, load_uint(at, sizeof(uint32_t)));
		break;
	case LL_CONFIG_BOOL: {
		bool b;
		memcpy(&b, at, sizeof b);
		n = snprintf(out, cap, "%s", b ? "yes" : "no");
		break;
	}
	case LL_CONFIG_CHOICE: {
		unsigned i;
		memcpy(&i, at, sizeof i);
		n = snprintf(out, cap, "%s", k->choices[i]);
		break;
	}
	case LL_CONFIG_STRING:
	case LL_CONFIG_ADDRESS:
		n = snprintf(out, cap, "%s", at);
		break;
	}
	return n < 0 || (size_t)n >= cap ? -ENOSPC : 0;
}

/* --- INI files --- */

struct parse {
	const struct ll_config_table *t;
	void *settings;
	bool *seen;			/* a key set twice is an error */
	char err[LL_CONFIG_ERR_MAX];
	int rc;
};

static int on_pair(void *user, const char *section, const char *key, const char *value)
{
	struct parse *p = user;
	char name[256];
	if (!section[0]) {
		ll_errf(p->err, sizeof p->err, "'%s' is outside any [section]", key);
		p->rc = -EINVAL;
		return 0;
	}
	snprintf(name, sizeof name, "%s.%s", section, key);
	const struct ll_config_key *k = ll_config_find(p->t, name);
	if (!k) {
		bool known_section = false;
		for (size_t i = 0; i < p->t->count; i++)
			known_section |= strncmp(p->t->keys[i].name, section, strlen(section)) == 0 &&
					 p->t->keys[i].name[strlen(section)] == '.';
		if (known_section)
			unknown_key(p->t, name, p->err, sizeof p->err);
		else
			ll_errf(p->err, sizeof p->err, "unknown section [%s]", section);
		p->rc = -EINVAL;
		return 0;
	}
	if (p->seen[k - p->t->keys]) {
		ll_errf(p->err, sizeof p->err, "%s is set twice", name);
		p->rc = -EINVAL;
		return 0;
	}
	p->seen[k - p->t->keys] = true;
	if ((p->rc = set_key(k, (char *)p->settings + k->offset, value, p->err, sizeof p->err)) < 0)
		return 0;
	return 1;
}

/* inih's options are process-wide: set the strict ones before each parse. */
static void strict_ini(void)
{
	ini_allow_multiline = false;
	ini_allow_no_value = false;
	ini_allow_inline_comments = false;
	ini_stop_on_first_error = true;
	/* a heap line that grows to MAX_LINE: DPDK device strings can be long */
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_initial_alloc = 256;
	ini_max_line = MAX_LINE;
}

static int finish(struct parse *p, int line, const char *origin, char *err, size_t err_len)
{
	free(p->seen);
	if (line == -2) {
		ll_errf(err, err_len, "%s: out of memory", origin);
		return -ENOMEM;
	}
	if (line == 0)
		return 0;
	if (p->rc == 0) {
		/* inih's own complaint: not `key = value`, a bad [section] line, too long */
		ll_errf(err, err_len, "%s:%d: not a 'key = value' line, a [section], or a comment "
				  "(lines are at most %d bytes)", origin, line, MAX_LINE - 1);
		return -EINVAL;
	}
	ll_errf(err, err_len, "%s:%d: %s", origin, line, p->err);
	return p->rc;
}

int ll_config_parse_string(const struct ll_config_table *t, void *settings, const char *text,
			   const char *origin, char *err, size_t err_len)
{
	struct parse p = { .t = t, .settings = settings };
	if (!t || !settings || !text)
		return -EINVAL;
	if (!(p.seen = calloc(t->count + 1, sizeof *p.seen)))
		return -ENOMEM;
	strict_ini();
	int line = ini_parse_string(text, on_pair, &p);
	return finish(&p, line, origin ? origin : "config", err, err_len);
}

int ll_config_parse_file(const struct ll_config_table *t, void *settings, const char *path,
			 char *err, size_t err_len)
{
	struct parse p = { .t = t, .settings = settings };
	if (!t || !settings || !path)
		return -EINVAL;
	FILE *f = fopen(path, "r");
	if (!f) {
		int rc = -errno;
		ll_errf(err, err_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (!(p.seen = calloc(t->count + 1, sizeof *p.seen))) {
		fclose(f);
		return -ENOMEM;
	}
	strict_ini();
	int line = ini_parse_file(f, on_pair, &p);
	fclose(f);
	return finish(&p, line, path, err, err_len);
}
