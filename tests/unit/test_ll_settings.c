/* Unit suite for host/ledgerlined ll_settings: the key table's defaults, the
 * example configuration (it is the table printed, byte for byte), the EAL
 * command line made from [dataplane], and the cross-key checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ll_config.h"
#include "ll_err.h"
#include "ll_settings.h"

static void test_defaults_are_valid_and_documented(void **state)
{
	(void)state;
	const struct ll_config_table *t = ll_settings_table();
	struct ll_settings s;
	char err[LL_CONFIG_ERR_MAX] = "";
	assert_int_equal(ll_config_defaults(t, &s, err, sizeof err), 0);
	for (size_t i = 0; i < t->count; i++) {
		const struct ll_config_key *k = &t->keys[i];
		assert_non_null(strchr(k->name, '.'));
		assert_true(strlen(k->doc) > 10);
		assert_true(k->offset + k->size <= sizeof s);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(k->name, t->keys[j].name);
	}
	assert_int_equal(ll_settings_check(&s, err, sizeof err), 0);
}

/* The runtime tunables are exactly the ones the appliance applies while running. */
static void test_runtime_keys(void **state)
{
	(void)state;
	const char *want[] = { "ledger.sync_interval_ms", "block.max_wait_us", "accel.check_every",
			       "admin.idle_timeout_ms", "stats.interval_ms", "log.level" };
	const struct ll_config_table *t = ll_settings_table();
	size_t runtime = 0;
	for (size_t i = 0; i < t->count; i++)
		runtime += t->keys[i].runtime;
	assert_int_equal(runtime, LL_ARRAY_LEN(want));
	for (size_t i = 0; i < LL_ARRAY_LEN(want); i++)
		assert_true(ll_config_find(t, want[i])->runtime);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("%s: cannot open (run from the repository's root)", path);
	char *text = calloc(1, 1 << 16);
	size_t n = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

/* ledgerline.conf.example is what --print-config says of the defaults: it
 * cannot fall behind the table. */
static void test_example_is_the_table(void **state)
{
	(void)state;
	struct ll_settings s, parsed;
	char *printed = NULL, err[LL_CONFIG_ERR_MAX] = "";
	size_t len = 0;
	ll_settings_defaults(&s);
	FILE *f = open_memstream(&printed, &len);
	ll_settings_write(&s, f);
	fclose(f);
	char *example = read_all("ledgerline.conf.example");
	if (strcmp(example, printed) != 0)
		fail_msg("ledgerline.conf.example differs from the key table: regenerate it with "
			 "build/bin/ledgerlined --print-config > ledgerline.conf.example");
	ll_settings_defaults(&parsed);
	assert_int_equal(ll_config_parse_string(ll_settings_table(), &parsed, example, "example",
						err, sizeof err), 0);
	assert_memory_equal(&parsed, &s, sizeof s);
	/* every key is set in it, with its default and what it takes */
	const struct ll_config_table *t = ll_settings_table();
	for (size_t i = 0; i < t->count; i++) {
		char line[1200], want[256];
		const char *dot = strchr(t->keys[i].name, '.');
		snprintf(line, sizeof line, "\n%s = %s\n", dot + 1, t->keys[i].def);
		assert_non_null(strstr(example, line));
		ll_config_describe(&t->keys[i], want, sizeof want);
		assert_non_null(strstr(example, want));
	}
	free(example);
	free(printed);
}

static void test_eal_args_from_dataplane(void **state)
{
	(void)state;
	struct ll_settings s;
	char *argv[24], buf[512];
	ll_settings_defaults(&s);
	assert_int_equal(ll_settings_eal_args(&s, "ledgerlined", argv, 24, buf, sizeof buf), -EINVAL);
	snprintf(s.device, sizeof s.device, "net_af_xdp0,iface=eth1,xdp_prog=/x.o");
	snprintf(s.lcores, sizeof s.lcores, "2-3");
	s.hugepages = false;
	s.memory_mb = 256;
	int argc = ll_settings_eal_args(&s, "ledgerlined", argv, 24, buf, sizeof buf);
	const char *vdev[] = { "ledgerlined", "-l", "2-3", "-m", "256", "--file-prefix",
			       "ledgerline", "--no-huge", "--no-pci", "--vdev",
			       "net_af_xdp0,iface=eth1,xdp_prog=/x.o" };
	assert_int_equal(argc, LL_ARRAY_LEN(vdev));
	for (int i = 0; i < argc; i++)
		assert_string_equal(argv[i], vdev[i]);
	assert_null(argv[argc]);
	snprintf(s.device, sizeof s.device, "0000:3b:00.0");
	s.hugepages = true;
	argc = ll_settings_eal_args(&s, "ledgerlined", argv, 24, buf, sizeof buf);
	const char *pci[] = { "ledgerlined", "-l", "2-3", "-m", "256", "--file-prefix",
			      "ledgerline", "-a", "0000:3b:00.0" };
	assert_int_equal(argc, LL_ARRAY_LEN(pci));
	for (int i = 0; i < argc; i++)
		assert_string_equal(argv[i], pci[i]);
	assert_int_equal(ll_settings_eal_args(&s, "ledgerlined", argv, 24, buf, 20), -ENOSPC);
	assert_int_equal(ll_settings_eal_args(&s, "ledgerlined", argv, 4, buf, sizeof buf), -ENOSPC);
}

static void test_checks_across_keys(void **state)
{
	(void)state;
	struct ll_settings s;
	char err[LL_CONFIG_ERR_MAX] = "";
	const struct ll_config_table *t = ll_settings_table();
	ll_settings_defaults(&s);
	assert_int_equal(ll_config_set(t, &s, "admin.tcp_listen", "10.0.0.1:7401", err, sizeof err), 0);
	assert_int_equal(ll_config_set(t, &s, "admin.token_file", "", err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "want an absolute path"));
	s.admin_token_file[0] = '\0';
	assert_int_equal(ll_settings_check(&s, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "admin.token_file must name the token"));
	ll_settings_defaults(&s);
	assert_int_equal(ll_config_set(t, &s, "admin.tcp_listen", "127.0.0.1:9470", err, sizeof err), 0);
	assert_int_equal(ll_settings_check(&s, err, sizeof err), -EINVAL);
	assert_non_null(strstr(err, "both 127.0.0.1:9470"));
	/* the keys' own checks */
	assert_int_equal(ll_config_set(t, &s, "dataplane.lcores", "all", err, sizeof err), -EINVAL);
	assert_int_equal(ll_config_set(t, &s, "dataplane.file_prefix", "a/b", err, sizeof err), -EINVAL);
	assert_int_equal(ll_config_set(t, &s, "ledger.path", "relative", err, sizeof err), -EINVAL);
	assert_string_equal(err, "ledger.path = relative: want an absolute path (starting with /)");
	assert_int_equal(ll_config_set(t, &s, "stats.file", "", err, sizeof err), 0);
	assert_int_equal(ll_config_set(t, &s, "block.max_records", "65537", err, sizeof err), -EINVAL);
	assert_int_equal(ll_settings_hash_alg(&s), 1);	/* LL_HASH_SHA256 */
	assert_string_equal(ll_settings_accel_name(&s), "auto");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_valid_and_documented),
		cmocka_unit_test(test_runtime_keys),
		cmocka_unit_test(test_example_is_the_table),
		cmocka_unit_test(test_eal_args_from_dataplane),
		cmocka_unit_test(test_checks_across_keys),
	};
	return cmocka_run_group_tests_name("ll_settings", tests, NULL, NULL);
}
