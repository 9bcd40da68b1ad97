/* Unit suite for host/accel/ll_manifest: the parser's every refusal and its messages,
 * reading files, manifest paths, the ABI check, and the text form's round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ll_job.h"
#include "ll_manifest.h"

/* A good manifest; the tests change one line of it at a time. */
static const char good[] = "format 1\n"
			   "abi 1\n"
			   "platform xilinx_u50_gen3x16_xdma_5_202210_1\n"
			   "target hw\n"
			   "clock_mhz 300\n"
			   "leaf_cores 8\n"
			   "uuid 0123456789abcdef0123456789ABCDEF\n"
			   "kernel llk_leaves offsets:bo data:bo n:u32 alg:u32 leaves:bo info:bo\n"
			   "kernel llk_merkle leaves:bo n:u32 alg:u32 root:bo info:bo\n";

/* good with its line `line` (1-based) replaced by `with` (a whole line, "" drops it). */
static char *good_but(unsigned line, const char *with)
{
	static char text[4096];
	const char *p = good;
	size_t used = 0;
	for (unsigned n = 1; *p; n++) {
		const char *end = strchr(p, '\n') + 1;
		const char *src = n == line ? with : p;
		size_t len = n == line ? strlen(with) : (size_t)(end - p);
		assert_true(used + len < sizeof text);
		memcpy(text + used, src, len);
		used += len;
		p = end;
	}
	text[used] = '\0';
	return text;
}

static int parse_text(const char *text, struct ll_manifest *m, char *err, size_t err_len)
{
	return ll_manifest_parse(text, strlen(text), m, err, err_len);
}

/* The text must be refused, with a message containing `want`. */
static void assert_refused(const char *text, const char *want)
{
	struct ll_manifest m;
	char err[256] = "";
	int rc = parse_text(text, &m, err, sizeof err);
	if (rc != -EINVAL || !strstr(err, want))
		fail_msg("got %d '%s', wanted -EINVAL and '%s'", rc, err, want);
}

static void assert_manifests_equal(const struct ll_manifest *a, const struct ll_manifest *b)
{
	assert_int_equal(a->format, b->format);
	assert_int_equal(a->abi, b->abi);
	assert_string_equal(a->platform, b->platform);
	assert_int_equal(a->target, b->target);
	assert_int_equal(a->clock_mhz, b->clock_mhz);
	assert_int_equal(a->leaf_cores, b->leaf_cores);
	assert_memory_equal(a->uuid, b->uuid, sizeof a->uuid);
	assert_int_equal(a->nkernels, b->nkernels);
	for (uint32_t k = 0; k < a->nkernels; k++) {
		assert_string_equal(a->kernels[k].name, b->kernels[k].name);
		assert_int_equal(a->kernels[k].nargs, b->kernels[k].nargs);
		for (uint32_t i = 0; i < a->kernels[k].nargs; i++) {
			assert_string_equal(a->kernels[k].args[i].name, b->kernels[k].args[i].name);
			assert_int_equal(a->kernels[k].args[i].kind, b->kernels[k].args[i].kind);
		}
	}
}

static void test_parse_accepts_good_manifest(void **state)
{
	(void)state;
	static const uint8_t uuid[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
					  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	struct ll_manifest m;
	char err[128] = "";
	assert_int_equal(parse_text(good, &m, err, sizeof err), 0);
	assert_string_equal(err, "");
	assert_int_equal(m.format, 1);
	assert_int_equal(m.abi, 1);
	assert_string_equal(m.platform, "xilinx_u50_gen3x16_xdma_5_202210_1");
	assert_int_equal(m.target, LL_MANIFEST_TARGET_HW);
	assert_int_equal(m.clock_mhz, 300);
	assert_int_equal(m.leaf_cores, 8);
	assert_memory_equal(m.uuid, uuid, sizeof uuid);
	assert_int_equal(m.nkernels, 2);
	assert_string_equal(m.kernels[0].name, "llk_leaves");
	assert_int_equal(m.kernels[0].nargs, 6);
	assert_string_equal(m.kernels[0].args[2].name, "n");
	assert_int_equal(m.kernels[0].args[2].kind, LL_MANIFEST_ARG_U32);
	assert_string_equal(m.kernels[1].args[3].name, "root");
	assert_int_equal(m.kernels[1].args[3].kind, LL_MANIFEST_ARG_BO);
}

/* Comments (holding any bytes), blank lines, tabs, CRLF, and no newline at the end. */
static void test_parse_accepts_comments_blanks_and_crlf(void **state)
{
	(void)state;
	static const char text[] = "# built by make xclbin\r\n"
				   "\r\n"
				   "format 1   # first\r\n"
				   "\t abi\t1\n"
				   "   \n"
				   "platform fakexrt\n"
				   "target fakexrt  #\x01\xff\xc3\xa9 any bytes\n"
				   "clock_mhz 1\n"
				   "leaf_cores 64\n"
				   "uuid 00000000000000000000000000000000\n"
				   "kernel empty   # a kernel may take no arguments\n"
				   "kernel llk_merkle leaves:bo n:u32 alg:u32 root:bo info:bo";
	struct ll_manifest m;
	/* sizeof - 1: the text holds bytes strlen would be fine with, but be exact */
	assert_int_equal(ll_manifest_parse(text, sizeof text - 1, &m, NULL, 0), 0);
	assert_int_equal(m.target, LL_MANIFEST_TARGET_FAKEXRT);
	assert_int_equal(m.leaf_cores, 64);
	assert_int_equal(m.nkernels, 2);
	assert_int_equal(m.kernels[0].nargs, 0);
	assert_int_equal(m.kernels[1].nargs, 5);
}

static void test_parse_rejects_unknown_key(void **state)
{
	(void)state;
	struct ll_manifest m;
	char err[128];
	assert_int_equal(parse_text(good_but(4, "foo bar\n"), &m, err, sizeof err), -EINVAL);
	assert_string_equal(err, "line 4: unknown key 'foo'");
}

/* Each kind of malformed line, with the message it must give. */
static void test_parse_rejects_each_malformed_line(void **state)
{
	(void)state;
	static const struct {
		unsigned line;
		const char *with, *want;
	} cases[] = {
		{ 2, "abi\n", "line 2: 'abi' takes one value, not 0" },
		{ 2, "abi 1 2\n", "line 2: 'abi' takes one value, not 2" },
		{ 2, "abi x1\n", "line 2: abi: 'x1' is not a number" },
		{ 2, "abi -1\n", "line 2: abi: '-1' is not a number" },
		{ 2, "abi 4294967296\n", "line 2: abi: '4294967296' is not a number" },
		{ 2, "abi 12345678901\n", "is not a number" },
		{ 1, "format 2\n", "line 1: format '2' is not supported (this reader knows 1)" },
		{ 1, "# no format\n", "line 2: 'abi' before 'format'" },
		{ 3, "platform xilinx/u50\n", "line 3: platform: 'xilinx/u50' is not" },
		{ 3,
		  "platform "
		  "p123456789012345678901234567890123456789012345678901234567890123\n",
		  "line 3: platform: " },
		{ 4, "target fpga\n", "line 4: target: 'fpga' is not one of hw, hw_emu" },
		{ 4, "target HW\n", "line 4: target: 'HW'" },
		{ 5, "clock_mhz 0\n", "line 5: clock_mhz: 0 is outside 1..1000" },
		{ 5, "clock_mhz 1001\n", "line 5: clock_mhz: 1001 is outside 1..1000" },
		{ 6, "leaf_cores 0\n", "line 6: leaf_cores: 0 is outside 1..64" },
		{ 7, "uuid 0123\n", "line 7: uuid: '0123' is not 32 hex digits" },
		{ 7, "uuid 0123456789abcdef0123456789abcdeg\n", "line 7: uuid: " },
		{ 7, "uuid 01234567-89ab-cdef-0123-456789abcdef\n", "line 7: uuid: " },
		{ 8, "kernel\n", "line 8: kernel: wants a name and its arguments" },
		{ 8, "kernel 9llk n:u32\n", "line 8: kernel: '9llk' is not a name" },
		{ 8, "kernel k23456789012345678901234567890123 n:u32\n", "line 8: kernel: 'k234" },
		{ 9, "kernel llk_leaves n:u32\n",
		  "line 9: kernel llk_leaves again (first on line 8)" },
		{ 8, "kernel k a:u32 b:u32 c:u32 d:u32 e:u32 f:u32 g:u32 h:u32 i:u32\n",
		  "line 8: kernel k: 9 arguments, at most 8" },
		{ 8, "kernel k n\n", "line 8: kernel k: 'n' is not name:kind" },
		{ 8, "kernel k n:u64\n",
		  "line 8: kernel k: argument n has kind 'u64', not bo or u32" },
		{ 8, "kernel k n:\n", "line 8: kernel k: argument n has kind ''" },
		{ 8, "kernel k :bo\n", "line 8: kernel k: '' is not an argument name" },
		{ 8, "kernel k 1n:bo\n", "line 8: kernel k: '1n' is not an argument name" },
		{ 8, "kernel k n:u32 n:u32\n", "line 8: kernel k: argument n twice" },
		{ 8, "kernel k n:u32:bo\n", "line 8: kernel k: argument n has kind 'u32:bo'" },
		{ 3, "platform \x01x\n", "line 3: byte 0x01 is not printable ASCII" },
		{ 3, "platform \xc3\xa9\n", "line 3: byte 0xc3 is not printable ASCII" },
		{ 7, "", "no 'uuid' line" },
		{ 5, "", "no 'clock_mhz' line" },
		{ 4, "target hw\ntarget hw\n", "line 5: 'target' again (first on line 4)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_refused(good_but(cases[i].line, cases[i].with), cases[i].want);
}

static void test_parse_rejects_fifth_kernel(void **state)
{
	(void)state;
	char text[2048];
	snprintf(text, sizeof text, "%skernel a\nkernel b\nkernel c\n", good);
	assert_refused(text, "line 12: more than 4 kernels");
}

static void test_parse_rejects_empty_and_missing_format(void **state)
{
	(void)state;
	struct ll_manifest m;
	char err[128];
	assert_int_equal(ll_manifest_parse("", 0, &m, err, sizeof err), -EINVAL);
	assert_string_equal(err, "no 'format' line (every key but 'kernel' is required)");
	assert_int_equal(ll_manifest_parse(NULL, 0, &m, err, sizeof err), -EINVAL);
	assert_int_equal(ll_manifest_parse(NULL, 5, &m, err, sizeof err), -EINVAL);
}

/* A NUL inside the given length is a bad byte, not the end of the text. */
static void test_parse_rejects_nul_byte(void **state)
{
	(void)state;
	static const char text[] = "format 1\nabi\0 1\n";
	struct ll_manifest m;
	char err[128];
	assert_int_equal(ll_manifest_parse(text, sizeof text - 1, &m, err, sizeof err), -EINVAL);
	assert_string_equal(err, "line 2: byte 0x00 is not printable ASCII");
}

/* Cut anywhere, the text is refused or read only up to the cut (ASan sees any over-read). */
static void test_parse_stops_at_len(void **state)
{
	(void)state;
	size_t len = strlen(good);
	for (size_t cut = 0; cut < len; cut++) {
		char *copy = malloc(cut ? cut : 1);
		struct ll_manifest m;
		assert_non_null(copy);
		memcpy(copy, good, cut);
		int rc = ll_manifest_parse(copy, cut, &m, NULL, 0);
		/* only cuts from the end of the uuid on can leave a whole manifest */
		if (rc == 0)
			assert_true(cut + 1 >= (size_t)(strstr(good, "kernel") - good));
		else
			assert_int_equal(rc, -EINVAL);
		free(copy);
	}
}

static void test_parse_leaves_out_untouched_on_error(void **state)
{
	(void)state;
	struct ll_manifest m, before;
	memset(&m, 0x5a, sizeof m);
	before = m;
	assert_int_equal(parse_text(good_but(9, "kernel llk_merkle x:y\n"), &m, NULL, 0), -EINVAL);
	assert_memory_equal(&m, &before, sizeof m);
}

/* A short err buffer gets a cut, NUL-terminated message. */
static void test_parse_truncates_message_to_err_len(void **state)
{
	(void)state;
	struct ll_manifest m;
	char err[8];
	memset(err, 'x', sizeof err);
	assert_int_equal(parse_text(good_but(4, "foo\n"), &m, err, sizeof err), -EINVAL);
	assert_string_equal(err, "line 4:");
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void temp_path(char *path, size_t cap, const char *name)
{
	snprintf(path, cap, "/tmp/test_ll_manifest.%d.%s", (int)getpid(), name);
}

static void test_read_reads_file(void **state)
{
	(void)state;
	char path[256], err[256] = "";
	struct ll_manifest m;
	temp_path(path, sizeof path, "good.manifest");
	write_file(path, good, strlen(good));
	assert_int_equal(ll_manifest_read(path, &m, err, sizeof err), 0);
	assert_string_equal(m.kernels[1].name, "llk_merkle");
	unlink(path);
}

static void test_read_passes_up_open_errors(void **state)
{
	(void)state;
	char err[256];
	struct ll_manifest m;
	assert_int_equal(ll_manifest_read("/nonexistent/x.manifest", &m, err, sizeof err),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/x.manifest"));
	assert_int_equal(ll_manifest_read("/tmp", &m, err, sizeof err), -EISDIR);
	assert_int_equal(ll_manifest_read(NULL, &m, err, sizeof err), -EINVAL);
}

static void test_read_names_file_and_line_of_bad_text(void **state)
{
	(void)state;
	char path[256], err[512], want[300];
	struct ll_manifest m;
	temp_path(path, sizeof path, "bad.manifest");
	write_file(path, good_but(3, "platform a b\n"), strlen(good_but(3, "platform a b\n")));
	assert_int_equal(ll_manifest_read(path, &m, err, sizeof err), -EINVAL);
	snprintf(want, sizeof want, "%s: line 3: 'platform' takes one value, not 2", path);
	assert_string_equal(err, want);
	unlink(path);
}

/* Exactly LL_MANIFEST_MAX_BYTES is read; one byte more is refused before parsing. */
static void test_read_caps_file_size(void **state)
{
	(void)state;
	char path[256], err[256];
	struct ll_manifest m;
	size_t len = LL_MANIFEST_MAX_BYTES;
	char *text = malloc(len + 1);
	assert_non_null(text);
	memset(text, '\n', len + 1);
	memcpy(text, good, strlen(good));
	temp_path(path, sizeof path, "big.manifest");
	write_file(path, text, len);
	assert_int_equal(ll_manifest_read(path, &m, err, sizeof err), 0);
	write_file(path, text, len + 1);
	assert_int_equal(ll_manifest_read(path, &m, err, sizeof err), -EFBIG);
	assert_non_null(strstr(err, "larger than 65536 bytes"));
	unlink(path);
	free(text);
}

static void test_path_replaces_xclbin_suffix(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(ll_manifest_path("build/x/ledgerline.xclbin", out, sizeof out), 0);
	assert_string_equal(out, "build/x/ledgerline.manifest");
	assert_int_equal(ll_manifest_path("card.bin", out, sizeof out), 0);
	assert_string_equal(out, "card.bin.manifest");
	assert_int_equal(ll_manifest_path("a.xclbin.old", out, sizeof out), 0);
	assert_string_equal(out, "a.xclbin.old.manifest");
	assert_int_equal(ll_manifest_path(".xclbin", out, sizeof out), 0);
	assert_string_equal(out, ".xclbin.manifest");
}

static void test_path_refuses_small_buffer_and_empty_name(void **state)
{
	(void)state;
	char out[32];
	/* "ab.manifest" is 11 characters and its NUL */
	assert_int_equal(ll_manifest_path("ab.xclbin", out, 12), 0);
	assert_string_equal(out, "ab.manifest");
	assert_int_equal(ll_manifest_path("ab.xclbin", out, 11), -ENAMETOOLONG);
	assert_int_equal(ll_manifest_path("", out, sizeof out), -EINVAL);
	assert_int_equal(ll_manifest_path(NULL, out, sizeof out), -EINVAL);
	assert_int_equal(ll_manifest_path("a", NULL, 0), -EINVAL);
}

/* good, parsed, with line `line` replaced; must parse. */
static struct ll_manifest parsed(unsigned line, const char *with)
{
	struct ll_manifest m;
	char err[256] = "";
	if (parse_text(good_but(line, with), &m, err, sizeof err) != 0)
		fail_msg("does not parse: %s", err);
	return m;
}

static void assert_check_refuses(unsigned line, const char *with, const char *want)
{
	struct ll_manifest m = parsed(line, with);
	char err[256] = "";
	int rc = ll_manifest_check(&m, err, sizeof err);
	if (rc != -EPROTO || strcmp(err, want) != 0)
		fail_msg("got %d '%s', wanted -EPROTO and '%s'", rc, err, want);
}

static void test_check_accepts_abi_kernels(void **state)
{
	(void)state;
	struct ll_manifest m = parsed(0, "");
	assert_int_equal(ll_manifest_check(&m, NULL, 0), 0);
	/* other kernels beside them are fine */
	char text[2048];
	snprintf(text, sizeof text, "%skernel llk_extra a:bo\n", good);
	assert_int_equal(parse_text(text, &m, NULL, 0), 0);
	assert_int_equal(ll_manifest_check(&m, NULL, 0), 0);
}

static void test_check_rejects_abi_mismatch(void **state)
{
	(void)state;
	assert_check_refuses(2, "abi 2\n", "abi 2, this host speaks abi 1");
	assert_check_refuses(2, "abi 0\n", "abi 0, this host speaks abi 1");
}

static void test_check_rejects_missing_kernel(void **state)
{
	(void)state;
	assert_check_refuses(8, "", "no kernel llk_leaves");
	assert_check_refuses(9, "", "no kernel llk_merkle");
	assert_check_refuses(9, "kernel llk_merkel leaves:bo n:u32 alg:u32 root:bo info:bo\n",
			     "no kernel llk_merkle");
}

static void test_check_rejects_wrong_arg_order(void **state)
{
	(void)state;
	assert_check_refuses(8, "kernel llk_leaves offsets:bo data:bo alg:u32 n:u32 "
				"leaves:bo info:bo\n",
			     "kernel llk_leaves argument 3 is alg:u32, the ABI says n:u32");
	assert_check_refuses(9, "kernel llk_merkle leaves:bo n:u32 alg:u32 info:bo root:bo\n",
			     "kernel llk_merkle argument 4 is info:bo, the ABI says root:bo");
}

static void test_check_rejects_wrong_kind_name_or_count(void **state)
{
	(void)state;
	assert_check_refuses(9, "kernel llk_merkle leaves:bo n:bo alg:u32 root:bo info:bo\n",
			     "kernel llk_merkle argument 2 is n:bo, the ABI says n:u32");
	assert_check_refuses(9, "kernel llk_merkle leaves:bo count:u32 alg:u32 root:bo info:bo\n",
			     "kernel llk_merkle argument 2 is count:u32, the ABI says n:u32");
	assert_check_refuses(8, "kernel llk_leaves offsets:bo data:bo n:u32 alg:u32 leaves:bo\n",
			     "kernel llk_leaves has 5 arguments, the ABI 6");
	assert_check_refuses(9, "kernel llk_merkle leaves:bo n:u32 alg:u32 root:bo info:bo x:u32\n",
			     "kernel llk_merkle has 6 arguments, the ABI 5");
}

static void test_check_rejects_null_and_other_format(void **state)
{
	(void)state;
	struct ll_manifest m = parsed(0, "");
	assert_int_equal(ll_manifest_check(NULL, NULL, 0), -EINVAL);
	m.format = 2;
	assert_int_equal(ll_manifest_check(&m, NULL, 0), -EPROTO);
}

static void test_kernel_finds_by_name(void **state)
{
	(void)state;
	struct ll_manifest m = parsed(0, "");
	assert_ptr_equal(ll_manifest_kernel(&m, LLK_LEAVES_KERNEL), &m.kernels[0]);
	assert_ptr_equal(ll_manifest_kernel(&m, LLK_MERKLE_KERNEL), &m.kernels[1]);
	assert_null(ll_manifest_kernel(&m, "llk_leave"));
	assert_null(ll_manifest_kernel(&m, NULL));
	assert_null(ll_manifest_kernel(NULL, "llk_leaves"));
}

static void test_format_round_trips(void **state)
{
	(void)state;
	struct ll_manifest m = parsed(0, ""), again;
	char text[2048], err[128] = "";
	int len = ll_manifest_format(&m, text, sizeof text);
	assert_true(len > 0);
	assert_int_equal((size_t)len, strlen(text));
	assert_int_equal(parse_text(text, &again, err, sizeof err), 0);
	assert_manifests_equal(&m, &again);
	/* and the text is the canonical one: good, with the uuid in lowercase */
	assert_string_equal(text, good_but(7, "uuid 0123456789abcdef0123456789abcdef\n"));
}

static void test_format_reports_no_space(void **state)
{
	(void)state;
	struct ll_manifest m = parsed(0, "");
	char text[2048];
	int len = ll_manifest_format(&m, text, sizeof text);
	assert_true(len > 0);
	assert_int_equal(ll_manifest_format(&m, text, (size_t)len + 1), len);
	assert_int_equal(ll_manifest_format(&m, text, (size_t)len), -ENOSPC);
	assert_int_equal(ll_manifest_format(&m, NULL, 0), -ENOSPC);
}

static void test_format_rejects_what_cannot_be_written(void **state)
{
	(void)state;
	struct ll_manifest m = parsed(0, "");
	char text[2048];
	m.target = (enum ll_manifest_target)0;
	assert_int_equal(ll_manifest_format(&m, text, sizeof text), -EINVAL);
	m = parsed(0, "");
	m.kernels[1].args[0].kind = (enum ll_manifest_arg_kind)7;
	assert_int_equal(ll_manifest_format(&m, text, sizeof text), -EINVAL);
	m = parsed(0, "");
	m.nkernels = LL_MANIFEST_MAX_KERNELS + 1;
	assert_int_equal(ll_manifest_format(&m, text, sizeof text), -EINVAL);
}

/* What the build writes next to an xclbin: the ABI plus the build's facts. */
static void test_init_abi_passes_check_once_completed(void **state)
{
	(void)state;
	struct ll_manifest m, again;
	char text[2048], err[128] = "";
	ll_manifest_init_abi(&m);
	assert_int_equal(ll_manifest_check(&m, err, sizeof err), 0);
	assert_int_equal(m.leaf_cores, LLK_LEAF_CORES);
	/* the build fills in the rest, and then the text parses */
	assert_int_equal(ll_manifest_format(&m, text, sizeof text), -EINVAL);
	strcpy(m.platform, "fakexrt");
	m.target = LL_MANIFEST_TARGET_FAKEXRT;
	m.clock_mhz = 300;
	assert_true(ll_manifest_format(&m, text, sizeof text) > 0);
	assert_int_equal(parse_text(text, &again, err, sizeof err), 0);
	assert_manifests_equal(&m, &again);
}

static void test_target_name_names_each_target(void **state)
{
	(void)state;
	assert_string_equal(ll_manifest_target_name(LL_MANIFEST_TARGET_HW), "hw");
	assert_string_equal(ll_manifest_target_name(LL_MANIFEST_TARGET_HW_EMU), "hw_emu");
	assert_string_equal(ll_manifest_target_name(LL_MANIFEST_TARGET_SW_EMU), "sw_emu");
	assert_string_equal(ll_manifest_target_name(LL_MANIFEST_TARGET_FAKEXRT), "fakexrt");
	assert_string_equal(ll_manifest_target_name((enum ll_manifest_target)0), "?");
	assert_string_equal(ll_manifest_target_name((enum ll_manifest_target)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepts_good_manifest),
		cmocka_unit_test(test_parse_accepts_comments_blanks_and_crlf),
		cmocka_unit_test(test_parse_rejects_unknown_key),
		cmocka_unit_test(test_parse_rejects_each_malformed_line),
		cmocka_unit_test(test_parse_rejects_fifth_kernel),
		cmocka_unit_test(test_parse_rejects_empty_and_missing_format),
		cmocka_unit_test(test_parse_rejects_nul_byte),
		cmocka_unit_test(test_parse_stops_at_len),
		cmocka_unit_test(test_parse_leaves_out_untouched_on_error),
		cmocka_unit_test(test_parse_truncates_message_to_err_len),
		cmocka_unit_test(test_read_reads_file),
		cmocka_unit_test(test_read_passes_up_open_errors),
		cmocka_unit_test(test_read_names_file_and_line_of_bad_text),
		cmocka_unit_test(test_read_caps_file_size),
		cmocka_unit_test(test_path_replaces_xclbin_suffix),
		cmocka_unit_test(test_path_refuses_small_buffer_and_empty_name),
		cmocka_unit_test(test_check_accepts_abi_kernels),
		cmocka_unit_test(test_check_rejects_abi_mismatch),
		cmocka_unit_test(test_check_rejects_missing_kernel),
		cmocka_unit_test(test_check_rejects_wrong_arg_order),
		cmocka_unit_test(test_check_rejects_wrong_kind_name_or_count),
		cmocka_unit_test(test_check_rejects_null_and_other_format),
		cmocka_unit_test(test_kernel_finds_by_name),
		cmocka_unit_test(test_format_round_trips),
		cmocka_unit_test(test_format_reports_no_space),
		cmocka_unit_test(test_format_rejects_what_cannot_be_written),
		cmocka_unit_test(test_init_abi_passes_check_once_completed),
		cmocka_unit_test(test_target_name_names_each_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
