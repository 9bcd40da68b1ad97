/* Unit suite for host/config ll_config: every type's parsing and refusals, the
 * error texts (they name the key, the value and what is allowed), INI files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ll_config.h"
#include "ll_err.h"

struct sample {
	uint32_t records;
	uint64_t big;
	bool fast;
	unsigned alg;
	char path[16];
	char listen[32];
	uint32_t mode;
	char lcores[16];
	char device[3100];
};

static const char *const algs[] = { "sha256", "sm3", NULL };

static int only_digits(const char *value, char *why, size_t why_len)
{
	if (strspn(value, "0123456789-,") == strlen(value))
		return 0;
	snprintf(why, why_len, "want CPU numbers like 0-3,8");
	return -EINVAL;
}

#define AT(f) offsetof(struct sample, f), sizeof(((struct sample *)0)->f)
static const struct ll_config_key keys[] = {
	{ "block.records", LL_CONFIG_UINT, AT(records), 1, 65536, NULL, "1000", true, "cut at", NULL, NULL },
	{ "block.big", LL_CONFIG_UINT, AT(big), 0, UINT64_MAX, NULL, "0", false, "big", NULL, NULL },
	{ "block.fast", LL_CONFIG_BOOL, AT(fast), 0, 0, NULL, "no", false, "fast", NULL, NULL },
	{ "ledger.hash", LL_CONFIG_CHOICE, AT(alg), 0, 0, algs, "sha256", false, "alg", NULL, NULL },
	{ "ledger.path", LL_CONFIG_STRING, AT(path), 0, 0, NULL, "/var/lib/ll", false, "p", NULL, NULL },
	{ "admin.listen", LL_CONFIG_ADDRESS, AT(listen), 0, 0, NULL, "", false, "tcp", NULL, NULL },
	{ "admin.mode", LL_CONFIG_OCTAL, AT(mode), 0, 0, NULL, "0660", false, "mode", NULL, NULL },
	{ "dp.lcores", LL_CONFIG_STRING, AT(lcores), 0, 0, NULL, "0-1", false, "cpus", only_digits, NULL },
	{ "dp.device", LL_CONFIG_STRING, AT(device), 0, 0, NULL, "", false, "port", NULL, NULL },
};
static const struct ll_config_table table = { keys, LL_ARRAY_LEN(keys) };

static struct sample defaults(void)
{
	struct sample s;
	char err[LL_CONFIG_ERR_MAX];
	memset(&s, 0xa5, sizeof s);
	assert_int_equal(ll_config_defaults(&table, &s, err, sizeof err), 0);
	return s;
}

static void test_defaults_fill_every_key(void **state)
{
	(void)state;
	struct sample s = defaults();
	assert_int_equal(s.records, 1000);
	assert_int_equal(s.big, 0);
	assert_false(s.fast);
	assert_int_equal(s.alg, 0);
	assert_string_equal(s.path, "/var/lib/ll");
	assert_string_equal(s.listen, "");
	assert_int_equal(s.mode, 0660);
	assert_string_equal(s.lcores, "0-1");
}

static void test_set_accepts_each_type(void **state)
{
	(void)state;
	struct sample s = defaults();
	char err[LL_CONFIG_ERR_MAX];
	assert_int_equal(ll_config_set(&table, &s, "block.records", "65536", err, sizeof err), 0);
	assert_int_equal(s.records, 65536);
	assert_int_equal(ll_config_set(&table, &s, "block.big", "18446744073709551615", err,
				       sizeof err), 0);
	assert_true(s.big == UINT64_MAX);
	assert_int_equal(ll_config_set(&table, &s, "block.fast", "on", err, sizeof err), 0);
	assert_true(s.fast);
	assert_int_equal(ll_config_set(&table, &s, "block.fast", "false", err, sizeof err), 0);
	assert_false(s.fast);
	assert_int_equal(ll_config_set(&table, &s, "ledger.hash", "sm3", err, sizeof err), 0);
	assert_int_equal(s.alg, 1);
	assert_int_equal(ll_config_set(&table, &s, "admin.listen", "10.0.0.1:7401", err,
				       sizeof err), 0);
	assert_string_equal(s.listen, "10.0.0.1:7401");
	assert_int_equal(ll_config_set(&table, &s, "admin.mode", "0600", err, sizeof err), 0);
	assert_int_equal(s.mode, 0600);
	assert_int_equal(ll_config_set(&table, &s, "ledger.path", "", err, sizeof err), 0);
	assert_string_equal(s.path, "");
}

/* Each bad value is refused with the key, the value and what is allowed; nothing stored. */
static void test_set_refuses_bad_values_naming_them(void **state)
{
	(void)state;
	static const struct {
		const char *key, *value, *says;
	} cases[] = {
		{ "block.records", "0", "block.records = 0: want a whole number from 1 to 65536" },
		{ "block.records", "65537", "want a whole number from 1 to 65536" },
		{ "block.records", "-1", "want a whole number" },
		{ "block.records", "12x", "block.records = 12x" },
		{ "block.records", "", "want a whole number" },
		{ "block.records", " 5", "want a whole number" },
		{ "block.big", "18446744073709551616", "want a whole number from 0 to" },
		{ "block.fast", "maybe", "block.fast = maybe: want yes or no" },
		{ "ledger.hash", "md5", "ledger.hash = md5: want sha256 or sm3" },
		{ "ledger.path", "/a/path/of/sixteen", "want text of at most 15 bytes" },
		{ "admin.listen", "10.0.0.1", "want an IPv4 address and port" },
		{ "admin.listen", "10.0.0.1:0", "want an IPv4 address and port" },
		{ "admin.listen", "10.0.0.1:65536", "want an IPv4 address and port" },
		{ "admin.listen", "host:80", "want an IPv4 address and port" },
		{ "admin.mode", "0800", "want a file mode in octal" },
		{ "admin.mode", "01777", "want a file mode in octal" },
		{ "dp.lcores", "all", "dp.lcores = all: want CPU numbers like 0-3,8" },
	};
	for (size_t i = 0; i < LL_ARRAY_LEN(cases); i++) {
		struct sample s = defaults(), before = s;
		char err[LL_CONFIG_ERR_MAX] = "";
		assert_int_equal(ll_config_set(&table, &s, cases[i].key, cases[i].value, err,
					       sizeof err), -EINVAL);
		if (!strstr(err, cases[i].says))
			fail_msg("%s = '%s': said '%s', not '%s'", cases[i].key, cases[i].value, err,
				 cases[i].says);
		assert_memory_equal(&s, &before, sizeof s);
	}
}

static void test_set_unknown_key_lists_the_section(void **state)
{
	(void)state;
	struct sample s = defaults();
	char err[LL_CONFIG_ERR_MAX];
	assert_int_equal(ll_config_set(&table, &s, "block.record", "5", err, sizeof err), -ENOENT);
	assert_string_equal(err, "unknown key 'block.record' (in [block]: records, big, fast)");
	assert_int_equal(ll_config_set(&table, &s, "nosuch", "5", err, sizeof err), -ENOENT);
	assert_string_equal(err, "unknown key 'nosuch'");
	assert_null(ll_config_find(&table, "block"));
	assert_non_null(ll_config_find(&table, "block.fast"));
}

static void test_get_writes_what_the_file_would_say(void **state)
{
	(void)state;
	struct sample s = defaults();
	char out[64], err[LL_CONFIG_ERR_MAX];
	const char *names[] = { "block.records", "block.big", "block.fast", "ledger.hash",
				"ledger.path", "admin.listen", "admin.mode", "dp.lcores" };
	const char *want[] = { "1000", "0", "no", "sha256", "/var/lib/ll", "", "0660", "0-1" };
	for (size_t i = 0; i < LL_ARRAY_LEN(names); i++) {
		assert_int_equal(ll_config_get(&table, &s, names[i], out, sizeof out), 0);
		assert_string_equal(out, want[i]);
		/* and it reads back as the same value */
		struct sample again = s;
		assert_int_equal(ll_config_set(&table, &again, names[i], out, err, sizeof err), 0);
		assert_memory_equal(&again, &s, sizeof s);
	}
	assert_int_equal(ll_config_get(&table, &s, "block.nope", out, sizeof out), -ENOENT);
	assert_int_equal(ll_config_get(&table, &s, "ledger.path", out, 4), -ENOSPC);
}

static void test_parse_string_reads_sections_and_comments(void **state)
{
	(void)state;
	struct sample s = defaults();
	char err[LL_CONFIG_ERR_MAX] = "";
	const char *text = "# a comment\n; another\n\n[block]\nrecords = 42\n  fast=yes\n"
			   "[ledger]\nhash = sm3\npath =\n[admin]\nlisten = 127.0.0.1:9\n";
	assert_int_equal(ll_config_parse_string(&table, &s, text, "t.conf", err, sizeof err), 0);
	assert_int_equal(s.records, 42);
	assert_true(s.fast);
	assert_int_equal(s.alg, 1);
	assert_string_equal(s.path, "");
	assert_string_equal(s.listen, "127.0.0.1:9");
	assert_int_equal(s.mode, 0660);		/* untouched: the default stays */
}

/* Each mistake in a file is refused, naming the file and line. */
static void test_parse_string_refuses_with_file_and_line(void **state)
{
	(void)state;
	static const struct {
		const char *text, *says;
	} cases[] = {
		{ "[block]\nrecords = 0\n", "t.conf:2: block.records = 0: want a whole number from 1 to 65536" },
		{ "records = 5\n", "t.conf:1: 'records' is outside any [section]" },
		{ "[block]\nrecord = 5\n", "t.conf:2: unknown key 'block.record' (in [block]: records, big, fast)" },
		{ "[blok]\nrecords = 5\n", "t.conf:2: unknown section [blok]" },
		{ "[block]\nrecords = 5\nrecords = 6\n", "t.conf:3: block.records is set twice" },
		{ "[block]\nrecords\n", "t.conf:2: not a 'key = value' line" },
		{ "[block\nrecords = 5\n", "t.conf:1: not a 'key = value' line" },
		{ "[block]\nrecords = 5 ; five\n", "t.conf:2: block.records = 5 ; five" },
		{ "[block]\nfast = yes\n[ledger]\nhash = sha1\n", "t.conf:4: ledger.hash = sha1: want sha256 or sm3" },
	};
	for (size_t i = 0; i < LL_ARRAY_LEN(cases); i++) {
		struct sample s = defaults();
		char err[LL_CONFIG_ERR_MAX] = "";
		assert_int_equal(ll_config_parse_string(&table, &s, cases[i].text, "t.conf", err,
							sizeof err), -EINVAL);
		if (strncmp(err, cases[i].says, strlen(cases[i].says)) != 0)
			fail_msg("case %zu: said '%s', not '%s'", i, err, cases[i].says);
	}
}

static void test_parse_file_reads_and_names_missing_file(void **state)
{
	(void)state;
	char path[] = "/tmp/test_ll_config.XXXXXX", err[LL_CONFIG_ERR_MAX];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	/* a long line (a DPDK device string can be) is read whole */
	char text[3200];
	int n = snprintf(text, sizeof text, "[ledger]\npath = /x\n[dp]\ndevice = %0*d\n", 3000, 7);
	assert_int_equal(write(fd, text, (size_t)n), n);
	close(fd);
	struct sample s = defaults();
	assert_int_equal(ll_config_parse_file(&table, &s, path, err, sizeof err), 0);
	assert_int_equal(strlen(s.device), 3000);
	assert_int_equal(s.device[2999], '7');
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("[ledger]\npath = /x\n[block]\nbig = 77\n", f);
	fclose(f);
	s = defaults();
	assert_int_equal(ll_config_parse_file(&table, &s, path, err, sizeof err), 0);
	assert_string_equal(s.path, "/x");
	assert_int_equal(s.big, 77);
	unlink(path);
	assert_int_equal(ll_config_parse_file(&table, &s, path, err, sizeof err), -ENOENT);
	assert_non_null(strstr(err, "No such file"));
	assert_non_null(strstr(err, path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_fill_every_key),
		cmocka_unit_test(test_set_accepts_each_type),
		cmocka_unit_test(test_set_refuses_bad_values_naming_them),
		cmocka_unit_test(test_set_unknown_key_lists_the_section),
		cmocka_unit_test(test_get_writes_what_the_file_would_say),
		cmocka_unit_test(test_parse_string_reads_sections_and_comments),
		cmocka_unit_test(test_parse_string_refuses_with_file_and_line),
		cmocka_unit_test(test_parse_file_reads_and_names_missing_file),
	};
	return cmocka_run_group_tests_name("ll_config", tests, NULL, NULL);
}
