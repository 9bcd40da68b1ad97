/* The xclbin manifest: a strict line parser (outside input, so bounded and fuzzed),
 * its text form, and the check of its kernels against the device ABI in ll_job.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ll_err.h"
#include "ll_hex.h"
#include "ll_job.h"
#include "ll_manifest.h"

/* The kernels of ll_job.h as the manifest lists them: the C parameter names, which
 * v++ keeps as the xclbin's argument names, in order; pointers are buffers. */
static const struct ll_manifest_kernel abi_kernels[] = {
	{ LLK_LEAVES_KERNEL, 6,
	  { { "offsets", LL_MANIFEST_ARG_BO },
	    { "data", LL_MANIFEST_ARG_BO },
	    { "n", LL_MANIFEST_ARG_U32 },
	    { "alg", LL_MANIFEST_ARG_U32 },
	    { "leaves", LL_MANIFEST_ARG_BO },
	    { "info", LL_MANIFEST_ARG_BO } } },
	{ LLK_MERKLE_KERNEL, 5,
	  { { "leaves", LL_MANIFEST_ARG_BO },
	    { "n", LL_MANIFEST_ARG_U32 },
	    { "alg", LL_MANIFEST_ARG_U32 },
	    { "root", LL_MANIFEST_ARG_BO },
	    { "info", LL_MANIFEST_ARG_BO } } },
};
#define ABI_KERNELS (sizeof abi_kernels / sizeof abi_kernels[0])

static const char *const target_names[] = {
	[LL_MANIFEST_TARGET_HW] = "hw",
	[LL_MANIFEST_TARGET_HW_EMU] = "hw_emu",
	[LL_MANIFEST_TARGET_SW_EMU] = "sw_emu",
	[LL_MANIFEST_TARGET_FAKEXRT] = "fakexrt",
};
#define TARGET_SLOTS (sizeof target_names / sizeof target_names[0])

enum key { KEY_FORMAT, KEY_ABI, KEY_PLATFORM, KEY_TARGET, KEY_CLOCK_MHZ, KEY_LEAF_CORES,
	   KEY_UUID, KEY_KERNEL, KEY_COUNT };

static const char *const key_names[KEY_COUNT] = {
	"format", "abi", "platform", "target", "clock_mhz", "leaf_cores", "uuid", "kernel",
};

/* A token points into the caller's text: never NUL-terminated, always with its length. */
struct token {
	const char *p;
	size_t len;
};

/* "kernel", its name and its arguments; a line may hold more, which are only counted. */
#define MAX_TOKENS (2 + LL_MANIFEST_MAX_ARGS)

/* Tokens in messages are cut to this many characters, so a long one cannot hide the rest. */
#define QUOTE_MAX 40


static int quote_len(struct token t)
{
	return (int)(t.len < QUOTE_MAX ? t.len : QUOTE_MAX);
}

static bool token_is(struct token t, const char *word)
{
	return t.len == strlen(word) && memcmp(t.p, word, t.len) == 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Decimal digits only, no sign, at most UINT32_MAX. */
static bool parse_u32(struct token t, uint32_t *out)
{
	uint64_t value = 0;
	if (t.len == 0 || t.len > 10)
		return false;
	for (size_t i = 0; i < t.len; i++) {
		if (!is_digit(t.p[i]))
			return false;
		value = value * 10 + (uint64_t)(t.p[i] - '0');
	}
	if (value > UINT32_MAX)
		return false;
	*out = (uint32_t)value;
	return true;
}

/* A C identifier of 1..LL_MANIFEST_NAME_MAX characters, as v++ names kernels and arguments. */
static bool is_name(struct token t)
{
	if (t.len == 0 || t.len > LL_MANIFEST_NAME_MAX || !(is_alpha(t.p[0]) || t.p[0] == '_'))
		return false;
	for (size_t i = 1; i < t.len; i++)
		if (!(is_alpha(t.p[i]) || is_digit(t.p[i]) || t.p[i] == '_'))
			return false;
	return true;
}

/* A deployment name (xilinx_u50_gen3x16_xdma_5_202210_1) or a VBNV (xilinx:u50:...:5.0). */
static bool is_platform(struct token t)
{
	if (t.len == 0 || t.len > LL_MANIFEST_PLATFORM_MAX)
		return false;
	for (size_t i = 0; i < t.len; i++) {
		char c = t.p[i];
		if (!(is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == ':' || c == '-'))
			return false;
	}
	return true;
}

static void copy_token(char *dst, struct token t)
{
	memcpy(dst, t.p, t.len);
	dst[t.len] = '\0';
}

/*
 * Splits one line (comment already cut off) at spaces, tabs and CRs. Stores up to
 * MAX_TOKENS and returns how many there are in all.
 */
static size_t split(const char *line, size_t len, struct token *tok)
{
	size_t count = 0, i = 0;
	while (i < len) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			i++;
		if (count < MAX_TOKENS)
			tok[count] = (struct token){ line + start, i - start };
		count++;
	}
	return count;
}

/* The state of one parse: the struct being filled and where each key was seen. */
struct parser {
	struct ll_manifest m;
	unsigned seen_on[KEY_COUNT];	/* line of a key's first appearance, 0 if not yet */
	unsigned kernel_line[LL_MANIFEST_MAX_KERNELS];
	unsigned line;
	char *err;
	size_t err_len;
};

static int bad(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes "line N: <message>" to err and returns -EINVAL. */
static int bad(struct parser *ps, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ll_errf(ps->err, ps->err_len, "line %u: %s", ps->line, msg);
	return -EINVAL;
}

static int parse_number(struct parser *ps, const char *key, struct token value, uint32_t min,
			uint32_t max, uint32_t *out)
{
	if (!parse_u32(value, out))
		return bad(ps, "%s: '%.*s' is not a number", key, quote_len(value), value.p);
	if (*out < min || *out > max)
		return bad(ps, "%s: %u is outside %u..%u", key, *out, min, max);
	return 0;
}

static int parse_uuid(struct parser *ps, struct token value)
{
	if (value.len != 2 * LL_MANIFEST_UUID_BYTES ||
	    ll_hex_decode(value.p, value.len, ps->m.uuid) < 0)
		return bad(ps, "uuid: '%.*s' is not 32 hex digits", quote_len(value), value.p);
	return 0;
}

static int parse_target(struct parser *ps, struct token value)
{
	for (size_t t = 1; t < TARGET_SLOTS; t++) {
		if (token_is(value, target_names[t])) {
			ps->m.target = (enum ll_manifest_target)t;
			return 0;
		}
	}
	return bad(ps, "target: '%.*s' is not one of hw, hw_emu, sw_emu, fakexrt",
		   quote_len(value), value.p);
}

/* kernel NAME arg:kind ... (count tokens in all, the first MAX_TOKENS in tok) */
static int parse_kernel(struct parser *ps, const struct token *tok, size_t count)
{
	struct ll_manifest *m = &ps->m;
	if (count < 2)
		return bad(ps, "kernel: wants a name and its arguments");
	struct token name = tok[1];
	if (!is_name(name))
		return bad(ps, "kernel: '%.*s' is not a name (a C identifier of 1..%d characters)",
			   quote_len(name), name.p, LL_MANIFEST_NAME_MAX);
	for (uint32_t k = 0; k < m->nkernels; k++)
		if (token_is(name, m->kernels[k].name))
			return bad(ps, "kernel %.*s again (first on line %u)", (int)name.len,
				   name.p, ps->kernel_line[k]);
	if (m->nkernels == LL_MANIFEST_MAX_KERNELS)
		return bad(ps, "more than %d kernels", LL_MANIFEST_MAX_KERNELS);
	if (count - 2 > LL_MANIFEST_MAX_ARGS)
		return bad(ps, "kernel %.*s: %zu arguments, at most %d", (int)name.len, name.p,
			   count - 2, LL_MANIFEST_MAX_ARGS);

	struct ll_manifest_kernel *kernel = &m->kernels[m->nkernels];
	copy_token(kernel->name, name);
	kernel->nargs = 0;
	for (size_t i = 2; i < count; i++) {
		struct token arg = tok[i];
		const char *colon = memchr(arg.p, ':', arg.len);
		if (!colon)
			return bad(ps, "kernel %s: '%.*s' is not name:kind", kernel->name,
				   quote_len(arg), arg.p);
		struct token arg_name = { arg.p, (size_t)(colon - arg.p) };
		struct token kind = { colon + 1, arg.len - arg_name.len - 1 };
		if (!is_name(arg_name))
			return bad(ps, "kernel %s: '%.*s' is not an argument name", kernel->name,
				   quote_len(arg_name), arg_name.p);
		for (uint32_t a = 0; a < kernel->nargs; a++)
			if (token_is(arg_name, kernel->args[a].name))
				return bad(ps, "kernel %s: argument %s twice", kernel->name,
					   kernel->args[a].name);
		struct ll_manifest_arg *out = &kernel->args[kernel->nargs];
		if (token_is(kind, "bo"))
			out->kind = LL_MANIFEST_ARG_BO;
		else if (token_is(kind, "u32"))
			out->kind = LL_MANIFEST_ARG_U32;
		else
			return bad(ps, "kernel %s: argument %.*s has kind '%.*s', not bo or u32",
				   kernel->name, (int)arg_name.len, arg_name.p, quote_len(kind),
				   kind.p);
		copy_token(out->name, arg_name);
		kernel->nargs++;
	}
	ps->kernel_line[m->nkernels] = ps->line;
	m->nkernels++;
	return 0;
}

/* One line's facts, split into tokens; count >= 1. */
static int parse_fact(struct parser *ps, const struct token *tok, size_t count)
{
	struct ll_manifest *m = &ps->m;
	enum key key = KEY_COUNT;
	for (int k = 0; k < KEY_COUNT; k++)
		if (token_is(tok[0], key_names[k]))
			key = (enum key)k;
	if (key == KEY_COUNT)
		return bad(ps, "unknown key '%.*s'", quote_len(tok[0]), tok[0].p);

	/* format first, so that a later format may change everything after it */
	if (key != KEY_FORMAT && !ps->seen_on[KEY_FORMAT])
		return bad(ps, "'%s' before 'format' (the first fact must be 'format %d')",
			   key_names[key], LL_MANIFEST_FORMAT);
	if (key == KEY_KERNEL)
		return parse_kernel(ps, tok, count);

	if (ps->seen_on[key])
		return bad(ps, "'%s' again (first on line %u)", key_names[key], ps->seen_on[key]);
	if (count != 2)
		return bad(ps, "'%s' takes one value, not %zu", key_names[key], count - 1);
	ps->seen_on[key] = ps->line;

	struct token value = tok[1];
	switch (key) {
	case KEY_FORMAT:
		if (!parse_u32(value, &m->format) || m->format != LL_MANIFEST_FORMAT)
			return bad(ps, "format '%.*s' is not supported (this reader knows %d)",
				   quote_len(value), value.p, LL_MANIFEST_FORMAT);
		return 0;
	case KEY_ABI:
		return parse_number(ps, "abi", value, 0, UINT32_MAX, &m->abi);
	case KEY_PLATFORM:
		if (!is_platform(value))
			return bad(ps, "platform: '%.*s' is not 1..%d letters, digits or _.:-",
				   quote_len(value), value.p, LL_MANIFEST_PLATFORM_MAX);
		copy_token(m->platform, value);
		return 0;
	case KEY_TARGET:
		return parse_target(ps, value);
	case KEY_CLOCK_MHZ:
		return parse_number(ps, "clock_mhz", value, 1, LL_MANIFEST_MAX_CLOCK_MHZ,
				    &m->clock_mhz);
	case KEY_LEAF_CORES:
		return parse_number(ps, "leaf_cores", value, 1, LL_MANIFEST_MAX_LEAF_CORES,
				    &m->leaf_cores);
	case KEY_UUID:
		return parse_uuid(ps, value);
	default:
		return bad(ps, "internal: key %d", (int)key);
	}
}

int ll_manifest_parse(const char *text, size_t len, struct ll_manifest *out, char *err,
		      size_t err_len)
{
	/* on the stack, not static: parses may run on several threads at once */
	struct parser ps = { .err = err, .err_len = err_len };
	struct token tok[MAX_TOKENS];
	size_t pos = 0;
	int rc;

	if (!text && len > 0)
		return -EINVAL;
	while (pos < len) {
		const char *line = text + pos;
		const char *newline = memchr(line, '\n', len - pos);
		size_t line_len = newline ? (size_t)(newline - line) : len - pos;
		pos += line_len + (newline ? 1 : 0);
		ps.line++;

		/* a comment runs to the end of the line and may hold any bytes */
		const char *hash = memchr(line, '#', line_len);
		if (hash)
			line_len = (size_t)(hash - line);
		for (size_t i = 0; i < line_len; i++) {
			unsigned char c = (unsigned char)line[i];
			if ((c < 0x20 || c > 0x7e) && c != '\t' && c != '\r')
				return bad(&ps, "byte 0x%02x is not printable ASCII", c);
		}
		size_t count = split(line, line_len, tok);
		if (count > 0 && (rc = parse_fact(&ps, tok, count)) < 0)
			return rc;
	}
	for (int k = 0; k < KEY_COUNT; k++) {
		if (k != KEY_KERNEL && !ps.seen_on[k]) {
			ll_errf(err, err_len, "no '%s' line (every key but 'kernel' is required)",
			    key_names[k]);
			return -EINVAL;
		}
	}
	*out = ps.m;
	return 0;
}

int ll_manifest_read(const char *path, struct ll_manifest *out, char *err, size_t err_len)
{
	/* one byte more than allowed, to tell "exactly the cap" from "over it" */
	static const size_t cap = LL_MANIFEST_MAX_BYTES + 1;
	char *text = NULL, why[200] = "";
	size_t len = 0;
	int rc, fd;

	if (!path) {
		ll_errf(err, err_len, "manifest: no path");
		return -EINVAL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -errno;
		ll_errf(err, err_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (!(text = malloc(cap))) {
		rc = -ENOMEM;
		ll_errf(err, err_len, "%s: %s", path, strerror(ENOMEM));
		goto out_close;
	}
	while (len < cap) {
		ssize_t got = read(fd, text + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = -errno;
			ll_errf(err, err_len, "%s: %s", path, strerror(errno));
			goto out_free;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	if (len > LL_MANIFEST_MAX_BYTES) {
		rc = -EFBIG;
		ll_errf(err, err_len, "%s: larger than %d bytes", path, LL_MANIFEST_MAX_BYTES);
		goto out_free;
	}

	rc = ll_manifest_parse(text, len, out, why, sizeof why);
	if (rc < 0)
		ll_errf(err, err_len, "%s: %s", path, why);
out_free:
	free(text);
out_close:
	close(fd);
	return rc;
}

int ll_manifest_path(const char *xclbin, char *out, size_t cap)
{
	static const char suffix[] = ".xclbin", ext[] = ".manifest";
	if (!xclbin || !out || xclbin[0] == '\0')
		return -EINVAL;
	size_t len = strlen(xclbin), base = len;
	if (len > sizeof suffix - 1 && strcmp(xclbin + len - (sizeof suffix - 1), suffix) == 0)
		base = len - (sizeof suffix - 1);
	if (base + sizeof ext > cap)
		return -ENAMETOOLONG;
	memcpy(out, xclbin, base);
	memcpy(out + base, ext, sizeof ext);
	return 0;
}

const struct ll_manifest_kernel *ll_manifest_kernel(const struct ll_manifest *m,
						    const char *name)
{
	if (!m || !name)
		return NULL;
	for (uint32_t k = 0; k < m->nkernels && k < LL_MANIFEST_MAX_KERNELS; k++)
		if (strcmp(m->kernels[k].name, name) == 0)
			return &m->kernels[k];
	return NULL;
}

static bool kind_valid(enum ll_manifest_arg_kind kind)
{
	return kind == LL_MANIFEST_ARG_BO || kind == LL_MANIFEST_ARG_U32;
}

static const char *kind_name(enum ll_manifest_arg_kind kind)
{
	return kind == LL_MANIFEST_ARG_BO ? "bo" : kind == LL_MANIFEST_ARG_U32 ? "u32" : "?";
}

int ll_manifest_check(const struct ll_manifest *m, char *err, size_t err_len)
{
	if (!m) {
		ll_errf(err, err_len, "manifest: none");
		return -EINVAL;
	}
	if (m->format != LL_MANIFEST_FORMAT) {
		ll_errf(err, err_len, "format %u, this host reads format %d", m->format,
		    LL_MANIFEST_FORMAT);
		return -EPROTO;
	}
	if (m->abi != LLK_ABI_VERSION) {
		ll_errf(err, err_len, "abi %u, this host speaks abi %d", m->abi, LLK_ABI_VERSION);
		return -EPROTO;
	}
	for (size_t k = 0; k < ABI_KERNELS; k++) {
		const struct ll_manifest_kernel *want = &abi_kernels[k];
		const struct ll_manifest_kernel *have = ll_manifest_kernel(m, want->name);
		if (!have) {
			ll_errf(err, err_len, "no kernel %s", want->name);
			return -EPROTO;
		}
		if (have->nargs != want->nargs) {
			ll_errf(err, err_len, "kernel %s has %u arguments, the ABI %u", want->name,
			    have->nargs, want->nargs);
			return -EPROTO;
		}
		for (uint32_t a = 0; a < want->nargs; a++) {
			const struct ll_manifest_arg *h = &have->args[a], *w = &want->args[a];
			if (strcmp(h->name, w->name) != 0 || h->kind != w->kind) {
				ll_errf(err, err_len,
				    "kernel %s argument %u is %s:%s, the ABI says %s:%s",
				    want->name, a + 1, h->name, kind_name(h->kind), w->name,
				    kind_name(w->kind));
				return -EPROTO;
			}
		}
	}
	return 0;
}

static bool target_valid(enum ll_manifest_target target)
{
	return (size_t)target < TARGET_SLOTS && target_names[target];
}

const char *ll_manifest_target_name(enum ll_manifest_target target)
{
	return target_valid(target) ? target_names[target] : "?";
}

/* Appends to buf like snprintf; *used keeps counting past cap, so overflow shows at the end. */
static void put(char *buf, size_t cap, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(*used < cap ? buf + *used : NULL, *used < cap ? cap - *used : 0, fmt,
			  ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
}

int ll_manifest_format(const struct ll_manifest *m, char *buf, size_t cap)
{
	size_t used = 0;
	if (!m || (!buf && cap > 0) || m->nkernels > LL_MANIFEST_MAX_KERNELS ||
	    !target_valid(m->target))
		return -EINVAL;
	for (uint32_t k = 0; k < m->nkernels; k++) {
		if (m->kernels[k].nargs > LL_MANIFEST_MAX_ARGS)
			return -EINVAL;
		for (uint32_t a = 0; a < m->kernels[k].nargs; a++)
			if (!kind_valid(m->kernels[k].args[a].kind))
				return -EINVAL;
	}

	put(buf, cap, &used, "format %u\nabi %u\n", m->format, m->abi);
	put(buf, cap, &used, "platform %.*s\n", LL_MANIFEST_PLATFORM_MAX, m->platform);
	put(buf, cap, &used, "target %s\n", ll_manifest_target_name(m->target));
	put(buf, cap, &used, "clock_mhz %u\nleaf_cores %u\nuuid ", m->clock_mhz, m->leaf_cores);
	for (size_t i = 0; i < LL_MANIFEST_UUID_BYTES; i++)
		put(buf, cap, &used, "%02x", m->uuid[i]);
	put(buf, cap, &used, "\n");
	for (uint32_t k = 0; k < m->nkernels; k++) {
		const struct ll_manifest_kernel *kernel = &m->kernels[k];
		put(buf, cap, &used, "kernel %.*s", LL_MANIFEST_NAME_MAX, kernel->name);
		for (uint32_t a = 0; a < kernel->nargs; a++)
			put(buf, cap, &used, " %.*s:%s", LL_MANIFEST_NAME_MAX, kernel->args[a].name,
			    kind_name(kernel->args[a].kind));
		put(buf, cap, &used, "\n");
	}
	if (used >= cap)
		return -ENOSPC;
	return (int)used;
}

void ll_manifest_init_abi(struct ll_manifest *out)
{
	memset(out, 0, sizeof *out);
	out->format = LL_MANIFEST_FORMAT;
	out->abi = LLK_ABI_VERSION;
	out->leaf_cores = LLK_LEAF_CORES;
	out->nkernels = ABI_KERNELS;
	for (size_t k = 0; k < ABI_KERNELS; k++)
		out->kernels[k] = abi_kernels[k];
}
