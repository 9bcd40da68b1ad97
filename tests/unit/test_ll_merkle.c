/* Unit suite for host/crypto Merkle trees: the RFC 6962 reference tree, the
 * transparency-dev probes, and SHA-256 and SM3 trees against a naive RFC 9162 model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdbool.h>

#include "ll_err.h"
#include "ll_merkle.h"
#include "ll_test_util.h"

#define D LL_HASH_DIGEST_BYTES
#define MAX_NODES LL_MERKLE_MAX_PROOF_NODES
#define SMALL_TREE 300		/* every tree size 1..SMALL_TREE is checked */
#define NAIVE_ALL 40		/* up to this size every proof is compared to the model */

static const enum ll_hash_alg algs[] = { LL_HASH_SHA256, LL_HASH_SM3 };

/* ---- the naive model: RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1 as written, on OpenSSL ---- */

static uint64_t split_point(uint64_t n)	/* largest power of two < n, n >= 2 */
{
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

static void naive_node(enum ll_hash_alg alg, const uint8_t *left, const uint8_t *right,
		       uint8_t *out)
{
	uint8_t buf[2 * D];
	memcpy(buf, left, D);
	memcpy(buf + D, right, D);
	test_openssl_prefixed(alg, LL_HASH_NODE_PREFIX, buf, sizeof buf, out);
}

static void naive_mth(enum ll_hash_alg alg, const uint8_t *leaves, uint64_t n, uint8_t *out)
{
	if (n == 0) {
		test_openssl_prefixed(alg, -1, (const uint8_t *)"", 0, out);
	} else if (n == 1) {
		memcpy(out, leaves, D);
	} else {
		uint64_t k = split_point(n);
		uint8_t left[D], right[D];
		naive_mth(alg, leaves, k, left);
		naive_mth(alg, leaves + k * D, n - k, right);
		naive_node(alg, left, right, out);
	}
}

static void naive_path(enum ll_hash_alg alg, const uint8_t *leaves, uint64_t n, uint64_t m,
		       uint8_t *proof, size_t *count)
{
	if (n == 1)
		return;
	uint64_t k = split_point(n);
	if (m < k) {
		naive_path(alg, leaves, k, m, proof, count);
		naive_mth(alg, leaves + k * D, n - k, proof + (*count)++ * D);
	} else {
		naive_path(alg, leaves + k * D, n - k, m - k, proof, count);
		naive_mth(alg, leaves, k, proof + (*count)++ * D);
	}
}

static void naive_subproof(enum ll_hash_alg alg, const uint8_t *leaves, uint64_t n, uint64_t m,
			   bool whole, uint8_t *proof, size_t *count)
{
	if (m == n) {
		if (!whole)
			naive_mth(alg, leaves, n, proof + (*count)++ * D);
		return;
	}
	uint64_t k = split_point(n);
	if (m <= k) {
		naive_subproof(alg, leaves, k, m, whole, proof, count);
		naive_mth(alg, leaves + k * D, n - k, proof + (*count)++ * D);
	} else {
		naive_subproof(alg, leaves + k * D, n - k, m - k, false, proof, count);
		naive_mth(alg, leaves, k, proof + (*count)++ * D);
	}
}

/* ---- helpers ---- */

static bool rc_is_rejection(int rc)
{
	return rc == -EINVAL || rc == -EBADMSG;
}

/* "-" is the empty string; returns the byte count, or -1 for bad hex. */
static long decode_field(const char *tok, uint8_t *out, size_t cap)
{
	if (strcmp(tok, "-") == 0)
		return 0;
	return test_hex_decode(tok, out, cap);
}

static char *next_token(char **save)
{
	char *tok = strtok_r(NULL, " \t\r\n", save);
	if (!tok)
		fail_msg("vector line ends early");
	return tok;
}

static uint64_t next_u64(char **save)
{
	char *tok = next_token(save), *end;
	errno = 0;
	unsigned long long v = strtoull(tok, &end, 10);
	if (errno || *end)
		fail_msg("bad number %s", tok);
	return v;
}

/* Reads a hash field that must be a digest. */
static void next_digest(char **save, uint8_t out[D])
{
	char *tok = next_token(save);
	if (decode_field(tok, out, D) != D)
		fail_msg("bad digest %s", tok);
}

/* ---- published vectors ---- */

struct ref_tree {
	uint8_t records[8][64];
	uint32_t record_len[8];
	uint8_t leaves[8 * D];
	int n;
};

/* Leaf hashes of the first n records through the batch API, as the appliance does. */
static void ref_leaves(const struct ref_tree *t, uint32_t n, uint8_t *leaves, uint8_t root[D])
{
	uint32_t offsets[9] = { 0 };
	uint8_t data[8 * 64];
	for (uint32_t i = 0; i < n; i++) {
		memcpy(data + offsets[i], t->records[i], t->record_len[i]);
		offsets[i + 1] = offsets[i] + t->record_len[i];
	}
	assert_int_equal(ll_merkle_root_records(LL_HASH_SHA256, offsets, n, data, leaves, root), 0);
}

/* Every line of rfc6962_sha256_8leaf.txt, generated and verified. */
static void test_merkle_rfc6962_reference_tree(void **state)
{
	(void)state;
	FILE *f = test_open_vector("merkle/rfc6962_sha256_8leaf.txt");
	struct ref_tree t = { .n = 0 };
	uint8_t roots[9][D];
	bool have_root[9] = { false };
	int seen_root = 0, seen_node = 0, seen_leafhash = 0, seen_nodehash = 0;
	int seen_incl = 0, seen_cons = 0;
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *kind = strtok_r(line, " \t\r\n", &save);
		if (!kind || kind[0] == '#')
			continue;
		if (strcmp(kind, "LEAF") == 0) {
			uint64_t i = next_u64(&save);
			assert_int_equal(i, t.n);
			assert_true(t.n < 8);
			long len =
			    decode_field(next_token(&save), t.records[i], sizeof t.records[i]);
			assert_true(len >= 0);
			t.record_len[i] = (uint32_t)len;
			t.n++;
		} else if (strcmp(kind, "ROOT") == 0) {
			uint64_t size = next_u64(&save);
			uint8_t want[D], got[D], leaves[8 * D];
			assert_true(size <= (uint64_t)t.n);
			next_digest(&save, want);
			ref_leaves(&t, (uint32_t)size, leaves, got);
			assert_memory_equal(got, want, D);
			assert_int_equal(ll_merkle_root(LL_HASH_SHA256, size, leaves, got), 0);
			assert_memory_equal(got, want, D);
			memcpy(roots[size], want, D);
			have_root[size] = true;
			seen_root++;
		} else if (strcmp(kind, "NODE") == 0) {
			uint64_t level = next_u64(&save), index = next_u64(&save);
			uint8_t want[D], got[D], leaves[8 * D], root[D];
			next_digest(&save, want);
			ref_leaves(&t, (uint32_t)t.n, leaves, root);
			uint64_t width = UINT64_C(1) << level;
			assert_true((index + 1) * width <= (uint64_t)t.n);
			assert_int_equal(ll_merkle_root(LL_HASH_SHA256, width,
							 leaves + index * width * D, got), 0);
			assert_memory_equal(got, want, D);
			seen_node++;
		} else if (strcmp(kind, "LEAFHASH") == 0) {
			uint8_t data[64], want[D], got[D], root[D];
			long len = decode_field(next_token(&save), data, sizeof data);
			assert_true(len >= 0);
			next_digest(&save, want);
			uint32_t offsets[2] = { 0, (uint32_t)len };
			assert_int_equal(ll_merkle_root_records(LL_HASH_SHA256, offsets, 1, data,
								got, root), 0);
			assert_memory_equal(got, want, D);
			assert_memory_equal(root, want, D);	/* a 1-leaf tree's head */
			seen_leafhash++;
		} else if (strcmp(kind, "NODEHASH") == 0) {
			/*
			 * The children here are short strings, not digests, so no tree
			 * API can take them: this checks the node encoding itself.
			 */
			uint8_t buf[1 + 128], want[D], got[D];
			buf[0] = LL_HASH_NODE_PREFIX;
			long l = decode_field(next_token(&save), buf + 1, 64);
			assert_true(l >= 0);
			long r = decode_field(next_token(&save), buf + 1 + l, 64);
			assert_true(r >= 0);
			next_digest(&save, want);
			assert_int_equal(ll_hash(LL_HASH_SHA256, buf, (size_t)(1 + l + r), got), 0);
			assert_memory_equal(got, want, D);
			seen_nodehash++;
		} else if (strcmp(kind, "INCLUSION") == 0) {
			uint64_t index = next_u64(&save), size = next_u64(&save);
			uint64_t nodes = next_u64(&save);
			uint8_t want[MAX_NODES * D], got[MAX_NODES * D], leaves[8 * D], root[D];
			size_t got_nodes = 0;
			assert_true(nodes <= MAX_NODES && size <= (uint64_t)t.n && have_root[size]);
			for (uint64_t i = 0; i < nodes; i++)
				next_digest(&save, want + i * D);
			ref_leaves(&t, (uint32_t)size, leaves, root);
			assert_int_equal(ll_merkle_inclusion_proof(LL_HASH_SHA256, size, leaves,
								   index, got, &got_nodes),
					 0);
			assert_int_equal(got_nodes, nodes);
			assert_memory_equal(got, want, nodes * D);
			assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SHA256, index, size,
								    leaves + index * D, want,
								    nodes, roots[size]), 0);
			seen_incl++;
		} else if (strcmp(kind, "CONSISTENCY") == 0) {
			uint64_t m = next_u64(&save), n = next_u64(&save), nodes = next_u64(&save);
			uint8_t want[MAX_NODES * D], got[MAX_NODES * D], leaves[8 * D], root[D];
			size_t got_nodes = 0;
			assert_true(nodes <= MAX_NODES && n <= (uint64_t)t.n);
			assert_true(have_root[m] && have_root[n]);
			for (uint64_t i = 0; i < nodes; i++)
				next_digest(&save, want + i * D);
			ref_leaves(&t, (uint32_t)n, leaves, root);
			assert_int_equal(ll_merkle_consistency_proof(LL_HASH_SHA256, n, leaves, m,
								     got, &got_nodes), 0);
			assert_int_equal(got_nodes, nodes);
			assert_memory_equal(got, want, nodes * D);
			assert_int_equal(ll_merkle_verify_consistency(
					     LL_HASH_SHA256, m, n, roots[m], roots[n], want, nodes),
					 0);
			seen_cons++;
		} else {
			fail_msg("unknown record %s", kind);
		}
	}
	free(line);
	fclose(f);
	assert_int_equal(t.n, 8);
	assert_int_equal(seen_root, 9);
	assert_int_equal(seen_node, 15);
	assert_int_equal(seen_leafhash, 2);
	assert_int_equal(seen_nodehash, 1);
	assert_int_equal(seen_incl, 5);
	assert_int_equal(seen_cons, 5);
}

/*
 * One probe line decoded. The API takes digests only, so a hash of any other
 * length is refused here, as llmerkle refuses it, before the verifier: -EINVAL.
 */
struct probe {
	bool inclusion, want_valid, odd_hash;
	uint64_t a, b;			/* leafIdx, treeSize | size1, size2 */
	uint8_t h1[D], h2[D];		/* leafHash, root | root1, root2 */
	uint8_t proof[(MAX_NODES + 2) * D];
	size_t nodes;
	long h1_len, h2_len;
	uint8_t h1_raw[64], h2_raw[64];
};

static void probe_parse(char *line, char **save, struct probe *p)
{
	char *kind = strtok_r(line, " \t\r\n", save);
	p->inclusion = strcmp(kind, "INCLUSION") == 0;
	if (!p->inclusion && strcmp(kind, "CONSISTENCY") != 0)
		fail_msg("unknown probe %s", kind);
	char *expect = next_token(save);
	p->want_valid = strcmp(expect, "valid") == 0;
	if (!p->want_valid && strcmp(expect, "invalid") != 0)
		fail_msg("bad expectation %s", expect);
	p->a = next_u64(save);
	p->b = next_u64(save);
	p->odd_hash = false;
	p->h1_len = decode_field(next_token(save), p->h1_raw, sizeof p->h1_raw);
	p->h2_len = decode_field(next_token(save), p->h2_raw, sizeof p->h2_raw);
	assert_true(p->h1_len >= 0 && p->h2_len >= 0);
	if (p->h1_len != D || p->h2_len != D)
		p->odd_hash = true;
	memcpy(p->h1, p->h1_raw, D);
	memcpy(p->h2, p->h2_raw, D);
	uint64_t nodes = next_u64(save);
	assert_true(nodes <= MAX_NODES + 2);
	p->nodes = nodes;
	for (uint64_t i = 0; i < nodes; i++) {
		uint8_t raw[64];
		long len = decode_field(next_token(save), raw, sizeof raw);
		assert_true(len >= 0);
		if (len != D)
			p->odd_hash = true;
		else
			memcpy(p->proof + i * D, raw, D);
	}
}

static int probe_verify(const struct probe *p)
{
	if (p->odd_hash)
		return -EINVAL;
	if (p->inclusion)
		return ll_merkle_verify_inclusion(LL_HASH_SHA256, p->a, p->b, p->h1, p->proof,
						  p->nodes, p->h2);
	return ll_merkle_verify_consistency(LL_HASH_SHA256, p->a, p->b, p->h1, p->h2, p->proof,
					    p->nodes);
}

/* Every transparency-dev probe: valid ones verify, invalid ones are refused. */
static void test_merkle_verify_transparency_dev_probes(void **state)
{
	(void)state;
	FILE *f = test_open_vector("merkle/transparency_dev_probes.txt");
	char *line = NULL, *save = NULL;
	size_t cap = 0;
	int probes = 0, valid = 0, odd_valid = 0, lineno = 0;
	struct probe *p = malloc(sizeof *p);
	assert_non_null(p);

	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		probe_parse(line, &save, p);
		int rc = probe_verify(p);
		if (p->want_valid && p->odd_hash) {
			/*
			 * "sizes are equal (one) and proof is empty" holds two equal
			 * 12-byte roots. A root here is a digest, so the shape is
			 * refused; the rule it probes (equal sizes, empty proof, equal
			 * roots) is checked with the roots as 32-byte values instead.
			 */
			assert_false(p->inclusion);
			assert_int_equal(rc, -EINVAL);
			assert_int_equal(p->h1_len, p->h2_len);
			assert_memory_equal(p->h1_raw, p->h2_raw, (size_t)p->h1_len);
			uint8_t r[D] = { 0 };
			memcpy(r, p->h1_raw, (size_t)p->h1_len);
			assert_int_equal(ll_merkle_verify_consistency(LL_HASH_SHA256, p->a, p->b, r,
								      r, p->proof, p->nodes),
					 0);
			odd_valid++;
		} else if (p->want_valid) {
			if (rc != 0)
				fail_msg("line %d: valid probe refused: %s", lineno,
					 ll_strerror(rc));
			valid++;
		} else if (!rc_is_rejection(rc)) {
			fail_msg("line %d: invalid probe gave %d", lineno, rc);
		}
		probes++;
	}
	free(line);
	free(p);
	fclose(f);
	assert_int_equal(probes, 196);
	assert_int_equal(odd_valid, 1);
	assert_int_equal(valid, 11);
}

/* ---- generated trees against the model ---- */

/* An exact return code, or a failure naming the case (printf-style arguments). */
#define CHECK_RC(expr, want, ...)                                           \
	do {                                                                \
		int rc_ = (expr);                                           \
		if (rc_ != (want)) {                                        \
			print_error("got %d, want %d\n", rc_, (want));      \
			fail_msg(__VA_ARGS__);                              \
		}                                                           \
	} while (0)

/* -EINVAL or -EBADMSG: either refusal will do. */
#define CHECK_REJECTED(expr, ...)                                           \
	do {                                                                \
		int rc_ = (expr);                                           \
		if (!rc_is_rejection(rc_)) {                                \
			print_error("got %d, want a refusal\n", rc_);       \
			fail_msg(__VA_ARGS__);                              \
		}                                                           \
	} while (0)

/* The audit path of one leaf: made, matched to the model, verified, and tampered with. */
static void check_inclusion(enum ll_hash_alg alg, const uint8_t *leaves, uint64_t n,
			    const uint8_t root[D], uint64_t index, bool against_model)
{
	const char *name = ll_hash_alg_name(alg);
	uint8_t proof[(MAX_NODES + 1) * D], want[MAX_NODES * D], leaf[D], bad_root[D];
	size_t nodes = 0, want_nodes = 0;

	CHECK_RC(ll_merkle_inclusion_proof(alg, n, leaves, index, proof, &nodes), 0,
		 "%s inclusion proof n=%" PRIu64 " index=%" PRIu64, name, n, index);
	if (against_model) {
		naive_path(alg, leaves, n, index, want, &want_nodes);
		if (nodes != want_nodes || memcmp(proof, want, nodes * D) != 0)
			fail_msg("%s n=%" PRIu64 " index=%" PRIu64
				 ": audit path differs from RFC 9162 PATH",
				 name, n, index);
	}
	memcpy(leaf, leaves + index * D, D);
	CHECK_RC(ll_merkle_verify_inclusion(alg, index, n, leaf, proof, nodes, root), 0,
		 "%s verify n=%" PRIu64 " index=%" PRIu64, name, n, index);

	for (size_t i = 0; i < nodes; i++) {
		proof[i * D + i % D] ^= (uint8_t)(1u << (i % 8));
		CHECK_RC(ll_merkle_verify_inclusion(alg, index, n, leaf, proof, nodes, root),
			 -EBADMSG, "%s n=%" PRIu64 " index=%" PRIu64 " node %zu flipped", name, n,
			 index, i);
		proof[i * D + i % D] ^= (uint8_t)(1u << (i % 8));
	}
	leaf[index % D] ^= 0x80;
	CHECK_RC(ll_merkle_verify_inclusion(alg, index, n, leaf, proof, nodes, root), -EBADMSG,
		 "%s n=%" PRIu64 " index=%" PRIu64 " leaf flipped", name, n, index);
	leaf[index % D] ^= 0x80;
	memcpy(bad_root, root, D);
	bad_root[D - 1] ^= 1;
	CHECK_RC(ll_merkle_verify_inclusion(alg, index, n, leaf, proof, nodes, bad_root), -EBADMSG,
		 "%s n=%" PRIu64 " index=%" PRIu64 " root flipped", name, n, index);

	const uint64_t other[] = { index - 1, index + 1, index ^ 2 };
	for (size_t i = 0; i < LL_ARRAY_LEN(other); i++)
		if (other[i] < n && other[i] != index)
			CHECK_REJECTED(
			    ll_merkle_verify_inclusion(alg, other[i], n, leaf, proof, nodes, root),
			    "%s n=%" PRIu64 " index=%" PRIu64 " as %" PRIu64, name, n, index,
			    other[i]);
	CHECK_RC(ll_merkle_verify_inclusion(alg, n, n, leaf, proof, nodes, root), -EINVAL,
		 "%s index == size %" PRIu64, name, n);
	CHECK_RC(ll_merkle_verify_inclusion(alg, index, 2 * n, leaf, proof, nodes, root), -EINVAL,
		 "%s n=%" PRIu64 " index=%" PRIu64 " size doubled", name, n, index);
	if (index < n / 2)
		CHECK_RC(ll_merkle_verify_inclusion(alg, index, n / 2, leaf, proof, nodes, root),
			 -EINVAL, "%s n=%" PRIu64 " index=%" PRIu64 " size halved", name, n, index);
	if (nodes > 0)
		CHECK_RC(ll_merkle_verify_inclusion(alg, index, n, leaf, proof, nodes - 1, root),
			 -EINVAL, "%s n=%" PRIu64 " index=%" PRIu64 " truncated", name, n, index);
	memcpy(proof + nodes * D, root, D);
	CHECK_RC(ll_merkle_verify_inclusion(alg, index, n, leaf, proof, nodes + 1, root), -EINVAL,
		 "%s n=%" PRIu64 " index=%" PRIu64 " trailing root", name, n, index);
}

/* The consistency proof from m to n: made, matched, verified, and tampered with. */
static void check_consistency(enum ll_hash_alg alg, const uint8_t *leaves, uint64_t n, uint64_t m,
			      const uint8_t old_root[D], const uint8_t new_root[D],
			      bool against_model)
{
	const char *name = ll_hash_alg_name(alg);
	uint8_t proof[(MAX_NODES + 1) * D], want[MAX_NODES * D], bad[D];
	size_t nodes = 0, want_nodes = 0;

	CHECK_RC(ll_merkle_consistency_proof(alg, n, leaves, m, proof, &nodes), 0,
		 "%s consistency proof %" PRIu64 " -> %" PRIu64, name, m, n);
	if (against_model) {
		naive_subproof(alg, leaves, n, m, true, want, &want_nodes);
		if (nodes != want_nodes || memcmp(proof, want, nodes * D) != 0)
			fail_msg("%s %" PRIu64 " -> %" PRIu64 ": proof differs from RFC 9162 PROOF",
				 name, m, n);
	}
	CHECK_RC(ll_merkle_verify_consistency(alg, m, n, old_root, new_root, proof, nodes), 0,
		 "%s verify %" PRIu64 " -> %" PRIu64, name, m, n);

	memcpy(proof + nodes * D, new_root, D);
	CHECK_RC(ll_merkle_verify_consistency(alg, m, n, old_root, new_root, proof, nodes + 1),
		 -EINVAL, "%s %" PRIu64 " -> %" PRIu64 " trailing root", name, m, n);
	memcpy(bad, new_root, D);
	bad[0] ^= 0x10;
	CHECK_RC(ll_merkle_verify_consistency(alg, m, n, old_root, bad, proof, nodes), -EBADMSG,
		 "%s %" PRIu64 " -> %" PRIu64 " new root flipped", name, m, n);
	memcpy(bad, old_root, D);
	bad[0] ^= 0x10;
	CHECK_RC(ll_merkle_verify_consistency(alg, m, n, bad, new_root, proof, nodes), -EBADMSG,
		 "%s %" PRIu64 " -> %" PRIu64 " old root flipped", name, m, n);
	if (m == n) {
		assert_int_equal(nodes, 0);
		return;
	}

	for (size_t i = 0; i < nodes; i++) {
		proof[i * D + i % D] ^= (uint8_t)(1u << (i % 8));
		CHECK_RC(ll_merkle_verify_consistency(alg, m, n, old_root, new_root, proof, nodes),
			 -EBADMSG, "%s %" PRIu64 " -> %" PRIu64 " node %zu flipped", name, m, n, i);
		proof[i * D + i % D] ^= (uint8_t)(1u << (i % 8));
	}
	CHECK_REJECTED(ll_merkle_verify_consistency(alg, m, n, new_root, old_root, proof, nodes),
		       "%s %" PRIu64 " -> %" PRIu64 " roots swapped", name, m, n);
	CHECK_RC(ll_merkle_verify_consistency(alg, m, n, old_root, new_root, proof, nodes - 1),
		 -EINVAL, "%s %" PRIu64 " -> %" PRIu64 " truncated", name, m, n);
	CHECK_RC(ll_merkle_verify_consistency(alg, m, n, old_root, new_root, proof, 0), -EINVAL,
		 "%s %" PRIu64 " -> %" PRIu64 " empty proof", name, m, n);
	/*
	 * Wrong sizes. Not n + 1: like an audit path, a consistency proof does not
	 * pin the new size by itself (1 -> 3 reads as a valid 1 -> 4), only
	 * together with a head that was signed for that size.
	 */
	const uint64_t sizes[][2] = {
		{ m - 1, n }, { m + 1, n }, { m ^ 2, n }, { m, 2 * n }, { m, n / 2 },
	};
	for (size_t i = 0; i < LL_ARRAY_LEN(sizes); i++)
		CHECK_REJECTED(ll_merkle_verify_consistency(alg, sizes[i][0], sizes[i][1], old_root,
							    new_root, proof, nodes),
			       "%s %" PRIu64 " -> %" PRIu64 " as %" PRIu64 " -> %" PRIu64, name, m,
			       n, sizes[i][0], sizes[i][1]);
}

/* Every tree of 1..SMALL_TREE leaves, every audit path, most consistency pairs. */
static void check_small_trees(enum ll_hash_alg alg)
{
	uint64_t seed = 0x6d65726b6c65 + alg;
	uint8_t *leaves = malloc(SMALL_TREE * D);
	uint8_t (*roots)[D] = malloc((SMALL_TREE + 1) * sizeof *roots);
	uint8_t got[D];
	assert_non_null(leaves);
	assert_non_null(roots);
	test_fill_random(&seed, leaves, SMALL_TREE * D);

	/* A prefix of the leaves is the smaller tree: one root per size serves all n. */
	for (uint64_t m = 0; m <= SMALL_TREE; m++) {
		naive_mth(alg, leaves, m, roots[m]);
		CHECK_RC(ll_merkle_root(alg, m, leaves, got), 0, "root of %" PRIu64, m);
		if (memcmp(got, roots[m], D) != 0)
			fail_msg("%s root of %" PRIu64 " leaves differs from MTH",
				 ll_hash_alg_name(alg), m);
	}
	for (uint64_t n = 1; n <= SMALL_TREE; n++) {
		for (uint64_t i = 0; i < n; i++)
			check_inclusion(alg, leaves, n, roots[n], i,
					n <= NAIVE_ALL || i == 0 || i == n / 2 || i == n - 1);
		for (uint64_t m = 1; m <= n; m++) {
			if (n > 100 && m > 2 && m % 13 && m != n / 2 && m < n - 1)
				continue;
			check_consistency(alg, leaves, n, m, roots[m], roots[n],
					  n <= NAIVE_ALL || m == 1 || m == n / 2 || m == n - 1);
		}
	}
	free(leaves);
	free(roots);
}

static void test_merkle_sha256_small_trees_match_model(void **state)
{
	(void)state;
	check_small_trees(LL_HASH_SHA256);
}

static void test_merkle_sm3_small_trees_match_model(void **state)
{
	(void)state;
	check_small_trees(LL_HASH_SM3);
}

/* Trees just past a power of two: the longest right edges, several batches per level. */
static void check_big_tree(enum ll_hash_alg alg, uint64_t n)
{
	uint64_t seed = n * 31 + alg;
	uint8_t *leaves = malloc(n * D);
	uint8_t root[D], want[D], old_root[D];
	assert_non_null(leaves);
	test_fill_random(&seed, leaves, n * D);
	naive_mth(alg, leaves, n, want);
	assert_int_equal(ll_merkle_root(alg, n, leaves, root), 0);
	assert_memory_equal(root, want, D);

	const uint64_t indices[] = { 0, 1, 4095, 4096, n / 2, n - 2, n - 1 };
	for (size_t i = 0; i < LL_ARRAY_LEN(indices); i++)
		check_inclusion(alg, leaves, n, root, indices[i], i == 0 || i == 3 || i == 6);
	for (int i = 0; i < 8; i++)
		check_inclusion(alg, leaves, n, root, test_rand(&seed) % n, false);

	const uint64_t olds[] = { n / 2, 1, 2, 3, 4096, 4097, n - 1, n };
	for (size_t i = 0; i < LL_ARRAY_LEN(olds) + 6; i++) {
		uint64_t m = i < LL_ARRAY_LEN(olds) ? olds[i] : 1 + test_rand(&seed) % n;
		assert_int_equal(ll_merkle_root(alg, m, leaves, old_root), 0);
		if (i == 0 || i == 6) {
			naive_mth(alg, leaves, m, want);
			assert_memory_equal(old_root, want, D);
		}
		check_consistency(alg, leaves, n, m, old_root, root, i == 0 || i == 4);
	}
	free(leaves);
}

static void test_merkle_big_trees_match_model(void **state)
{
	(void)state;
	for (size_t a = 0; a < LL_ARRAY_LEN(algs); a++) {
		check_big_tree(algs[a], 4097);
		check_big_tree(algs[a], 65537);
	}
}

/* The records API hashes leaves as RFC 6962 does and hands them back. */
static void test_merkle_root_records_matches_openssl_leaves(void **state)
{
	(void)state;
	const uint32_t sizes[] = { 0, 1, 2, 3, 17, 100 };
	uint64_t seed = 7;
	uint32_t offsets[101];
	uint8_t data[100 * 200], leaves[100 * D], want_leaves[100 * D], root[D], want[D];

	test_fill_random(&seed, data, sizeof data);
	for (size_t a = 0; a < LL_ARRAY_LEN(algs); a++) {
		for (size_t s = 0; s < LL_ARRAY_LEN(sizes); s++) {
			uint32_t n = sizes[s];
			offsets[0] = 0;
			for (uint32_t i = 0; i < n; i++) {
				offsets[i + 1] = offsets[i] + (uint32_t)(test_rand(&seed) % 200);
				test_openssl_prefixed(
				    algs[a], LL_HASH_LEAF_PREFIX, data + offsets[i],
				    offsets[i + 1] - offsets[i], want_leaves + i * D);
			}
			naive_mth(algs[a], want_leaves, n, want);
			memset(leaves, 0, sizeof leaves);
			assert_int_equal(ll_merkle_root_records(algs[a], offsets, n, data, leaves,
								root), 0);
			if (n)
				assert_memory_equal(leaves, want_leaves, (size_t)n * D);
			assert_memory_equal(root, want, D);
			memset(root, 0, D);
			assert_int_equal(
			    ll_merkle_root_records(algs[a], offsets, n, data, NULL, root), 0);
			assert_memory_equal(root, want, D);
		}
	}
}

/* ---- refusals: shapes that cannot be a tree or a proof ---- */

static void test_merkle_root_rejects_bad_input(void **state)
{
	(void)state;
	uint8_t leaves[2 * D] = { 0 }, root[D], empty[D];
	uint32_t offsets[] = { 0, 10, 5 };

	assert_int_equal(ll_merkle_root(0, 2, leaves, root), -EINVAL);
	assert_int_equal(ll_merkle_root(3, 2, leaves, root), -EINVAL);
	assert_int_equal(ll_merkle_root(LL_HASH_SHA256, 2, NULL, root), -EINVAL);
	assert_int_equal(ll_merkle_root(LL_HASH_SHA256, 2, leaves, NULL), -EINVAL);
	/* the empty tree needs no leaves */
	assert_int_equal(ll_merkle_root(LL_HASH_SM3, 0, NULL, root), 0);
	test_openssl_prefixed(LL_HASH_SM3, -1, (const uint8_t *)"", 0, empty);
	assert_memory_equal(root, empty, D);

	assert_int_equal(ll_merkle_root_records(LL_HASH_SHA256, offsets, 2, leaves, NULL, root),
			 -EINVAL);
	assert_int_equal(ll_merkle_root_records(LL_HASH_SHA256, NULL, 2, leaves, NULL, root),
			 -EINVAL);
	assert_int_equal(ll_merkle_root_records(LL_HASH_SHA256, offsets, 1, NULL, NULL, root),
			 -EINVAL);
	assert_int_equal(ll_merkle_root_records(7, offsets, 1, leaves, NULL, root), -EINVAL);
	assert_int_equal(ll_merkle_root_records(LL_HASH_SHA256, offsets, 1, leaves, NULL, NULL),
			 -EINVAL);
	assert_int_equal(ll_merkle_root_records(LL_HASH_SHA256, NULL, 0, NULL, NULL, root), 0);
}

/* A tree too big for memory is -ENOMEM, found before the leaves are touched. */
static void test_merkle_root_too_big_is_enomem(void **state)
{
	(void)state;
	uint8_t leaf[D] = { 0 }, root[D], proof[MAX_NODES * D];
	size_t nodes = 0;
	uint64_t n = UINT64_C(1) << 60;

	assert_int_equal(ll_merkle_root(LL_HASH_SHA256, n, leaf, root), -ENOMEM);
	assert_int_equal(ll_merkle_inclusion_proof(LL_HASH_SM3, n, leaf, 0, proof, &nodes),
			 -ENOMEM);
	assert_int_equal(ll_merkle_consistency_proof(LL_HASH_SM3, n, leaf, 1, proof, &nodes),
			 -ENOMEM);
}

static void test_merkle_proofs_reject_bad_input(void **state)
{
	(void)state;
	uint8_t leaves[4 * D] = { 0 }, proof[MAX_NODES * D];
	size_t nodes = 99;

	assert_int_equal(ll_merkle_inclusion_proof(LL_HASH_SHA256, 4, leaves, 4, proof, &nodes),
			 -EINVAL);
	assert_int_equal(ll_merkle_inclusion_proof(LL_HASH_SHA256, 0, leaves, 0, proof, &nodes),
			 -EINVAL);
	assert_int_equal(ll_merkle_inclusion_proof(LL_HASH_SHA256, 4, NULL, 0, proof, &nodes),
			 -EINVAL);
	assert_int_equal(ll_merkle_inclusion_proof(LL_HASH_SHA256, 4, leaves, 0, NULL, &nodes),
			 -EINVAL);
	assert_int_equal(ll_merkle_inclusion_proof(LL_HASH_SHA256, 4, leaves, 0, proof, NULL),
			 -EINVAL);
	assert_int_equal(ll_merkle_inclusion_proof(0, 4, leaves, 0, proof, &nodes), -EINVAL);
	assert_int_equal(nodes, 99);	/* untouched on error */

	assert_int_equal(ll_merkle_consistency_proof(LL_HASH_SM3, 4, leaves, 0, proof, &nodes),
			 -EINVAL);
	assert_int_equal(ll_merkle_consistency_proof(LL_HASH_SM3, 4, leaves, 5, proof, &nodes),
			 -EINVAL);
	assert_int_equal(ll_merkle_consistency_proof(LL_HASH_SM3, 0, leaves, 0, proof, &nodes),
			 -EINVAL);
	assert_int_equal(ll_merkle_consistency_proof(LL_HASH_SM3, 4, NULL, 2, proof, &nodes),
			 -EINVAL);
	assert_int_equal(ll_merkle_consistency_proof(LL_HASH_SM3, 4, leaves, 2, NULL, &nodes),
			 -EINVAL);
	assert_int_equal(ll_merkle_consistency_proof(LL_HASH_SM3, 4, leaves, 2, proof, NULL),
			 -EINVAL);
	assert_int_equal(ll_merkle_consistency_proof(9, 4, leaves, 2, proof, &nodes), -EINVAL);
	assert_int_equal(nodes, 99);
	assert_int_equal(ll_merkle_consistency_proof(LL_HASH_SM3, 4, leaves, 4, proof, &nodes), 0);
	assert_int_equal(nodes, 0);
}

static void test_merkle_verify_inclusion_rejects_bad_shapes(void **state)
{
	(void)state;
	uint8_t leaf[D] = { 1 }, root[D] = { 2 }, proof[3 * D] = { 0 };

	/* size 0, index past the end, the RFC's own sn == 0 case */
	assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SHA256, 0, 0, leaf, NULL, 0, root),
			 -EINVAL);
	assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SHA256, 5, 5, leaf, proof, 3, root),
			 -EINVAL);
	assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SHA256, UINT64_MAX, 5, leaf, proof, 3,
						    root), -EINVAL);
	/* index 4 of 5 has one node: any other count is the wrong shape */
	assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SHA256, 4, 5, leaf, proof, 0, root),
			 -EINVAL);
	assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SHA256, 4, 5, leaf, proof, 2, root),
			 -EINVAL);
	assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SHA256, 4, 5, leaf, proof, 1, root),
			 -EBADMSG);
	/* NULLs */
	assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SHA256, 4, 5, leaf, NULL, 1, root),
			 -EINVAL);
	assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SHA256, 4, 5, NULL, proof, 1, root),
			 -EINVAL);
	assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SHA256, 4, 5, leaf, proof, 1, NULL),
			 -EINVAL);
	assert_int_equal(ll_merkle_verify_inclusion(0, 4, 5, leaf, proof, 1, root), -EINVAL);
	/* a one-leaf tree: the leaf is the head, the proof empty (NULL is fine) */
	assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SM3, 0, 1, leaf, NULL, 0, leaf), 0);
	assert_int_equal(ll_merkle_verify_inclusion(LL_HASH_SM3, 0, 1, leaf, NULL, 0, root),
			 -EBADMSG);
}

static void test_merkle_verify_consistency_rejects_bad_shapes(void **state)
{
	(void)state;
	uint8_t a[D] = { 1 }, b[D] = { 2 }, empty[D], proof[3 * D] = { 0 };

	for (size_t i = 0; i < LL_ARRAY_LEN(algs); i++) {
		enum ll_hash_alg alg = algs[i];
		assert_int_equal(ll_hash(alg, "", 0, empty), 0);
		/* time travel */
		assert_int_equal(ll_merkle_verify_consistency(alg, 2, 1, a, b, NULL, 0), -EINVAL);
		assert_int_equal(ll_merkle_verify_consistency(alg, 1, 0, a, b, NULL, 0), -EINVAL);
		/* from the empty tree: nothing to prove, and its head is H() */
		assert_int_equal(ll_merkle_verify_consistency(alg, 0, 5, empty, b, proof, 1),
				 -EINVAL);
		assert_int_equal(ll_merkle_verify_consistency(alg, 0, 5, empty, b, NULL, 0), 0);
		assert_int_equal(ll_merkle_verify_consistency(alg, 0, 5, a, b, NULL, 0), -EBADMSG);
		assert_int_equal(ll_merkle_verify_consistency(alg, 0, 0, empty, empty, NULL, 0), 0);
		assert_int_equal(ll_merkle_verify_consistency(alg, 0, 0, a, a, NULL, 0), -EBADMSG);
		assert_int_equal(ll_merkle_verify_consistency(alg, 0, 0, empty, b, NULL, 0),
				 -EBADMSG);
		/* equal sizes: an empty proof and equal roots */
		assert_int_equal(ll_merkle_verify_consistency(alg, 3, 3, a, a, NULL, 0), 0);
		assert_int_equal(ll_merkle_verify_consistency(alg, 3, 3, a, b, NULL, 0), -EBADMSG);
		assert_int_equal(ll_merkle_verify_consistency(alg, 3, 3, a, a, proof, 1), -EINVAL);
		/* 6 -> 7 takes three nodes */
		assert_int_equal(ll_merkle_verify_consistency(alg, 6, 7, a, b, NULL, 0), -EINVAL);
		assert_int_equal(ll_merkle_verify_consistency(alg, 6, 7, a, b, proof, 2), -EINVAL);
		assert_int_equal(ll_merkle_verify_consistency(alg, 6, 7, a, b, proof, 3), -EBADMSG);
		/* NULLs */
		assert_int_equal(ll_merkle_verify_consistency(alg, 6, 7, a, b, NULL, 3), -EINVAL);
		assert_int_equal(ll_merkle_verify_consistency(alg, 6, 7, NULL, b, proof, 3),
				 -EINVAL);
		assert_int_equal(ll_merkle_verify_consistency(alg, 6, 7, a, NULL, proof, 3),
				 -EINVAL);
	}
	assert_int_equal(ll_merkle_verify_consistency(0, 6, 7, a, b, proof, 3), -EINVAL);
}

/*
 * Sizes near 2^64, where a path is 64 nodes and a consistency proof can be 65
 * (LL_MERKLE_MAX_PROOF_NODES): exactly one length is the right
 * shape, and it is checked against the hashes without overrunning anything.
 */
static void test_merkle_verify_huge_sizes_accept_one_length(void **state)
{
	(void)state;
	enum { MAX_TRY = MAX_NODES + 3 };
	uint8_t a[D] = { 1 }, b[D] = { 2 };
	uint8_t *proof = malloc(MAX_TRY * D);
	uint64_t seed = 99;
	assert_non_null(proof);
	test_fill_random(&seed, proof, MAX_TRY * D);

	const struct {
		uint64_t x, size;
		size_t want_nodes;
		bool inclusion;
	} cases[] = {
		{ 0, UINT64_MAX, 64, true },
		{ UINT64_MAX - 1, UINT64_MAX, 63, true },
		{ UINT64_C(1) << 63, UINT64_MAX, 64, true },
		{ (UINT64_C(1) << 63) + 1, UINT64_MAX, 65, false },
		{ UINT64_C(1) << 63, UINT64_MAX, 1, false },
		{ 1, UINT64_MAX, 64, false },
		{ UINT64_MAX - 1, UINT64_MAX, 64, false },
	};
	for (size_t c = 0; c < LL_ARRAY_LEN(cases); c++) {
		for (size_t nodes = 0; nodes <= MAX_TRY; nodes++) {
			/* Exact-size copies so ASan catches a read past proof_nodes. */
			uint8_t *exact = malloc(nodes * D + 1);
			assert_non_null(exact);
			memcpy(exact, proof, nodes * D);
			int rc =
			    cases[c].inclusion
				? ll_merkle_verify_inclusion(LL_HASH_SHA256, cases[c].x,
							     cases[c].size, a, exact, nodes, b)
				: ll_merkle_verify_consistency(LL_HASH_SM3, cases[c].x,
							       cases[c].size, a, b, exact, nodes);
			free(exact);
			int want = nodes == cases[c].want_nodes ? -EBADMSG : -EINVAL;
			if (rc != want)
				fail_msg("case %zu with %zu nodes: got %d, want %d", c, nodes, rc,
					 want);
		}
	}
	free(proof);
}

/* The data path's variant: exactly LL_MERKLE_ROOT_SCRATCH_BYTES of scratch, same roots. */
static void test_root_into_matches_root_in_exact_scratch(void **state)
{
	(void)state;
	uint64_t seed = 77;
	static uint8_t leaves[300 * 32];
	test_fill_random(&seed, leaves, sizeof leaves);
	for (uint64_t n = 0; n <= 300; n++) {
		uint8_t want[32], got[32];
		/* the heap's redzones (ASan build) catch a write past the room */
		uint8_t *scratch = malloc(LL_MERKLE_ROOT_SCRATCH_BYTES(n));
		assert_non_null(scratch);
		assert_int_equal(ll_merkle_root(LL_HASH_SM3, n, leaves, want), 0);
		assert_int_equal(ll_merkle_root_into(LL_HASH_SM3, n, leaves, scratch, got), 0);
		assert_memory_equal(got, want, 32);
		free(scratch);
	}
	uint8_t root[32];
	assert_int_equal(ll_merkle_root_into(LL_HASH_SHA256, 2, leaves, NULL, root), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_into_matches_root_in_exact_scratch),
		cmocka_unit_test(test_merkle_rfc6962_reference_tree),
		cmocka_unit_test(test_merkle_verify_transparency_dev_probes),
		cmocka_unit_test(test_merkle_root_records_matches_openssl_leaves),
		cmocka_unit_test(test_merkle_sha256_small_trees_match_model),
		cmocka_unit_test(test_merkle_sm3_small_trees_match_model),
		cmocka_unit_test(test_merkle_big_trees_match_model),
		cmocka_unit_test(test_merkle_root_rejects_bad_input),
		cmocka_unit_test(test_merkle_root_too_big_is_enomem),
		cmocka_unit_test(test_merkle_proofs_reject_bad_input),
		cmocka_unit_test(test_merkle_verify_inclusion_rejects_bad_shapes),
		cmocka_unit_test(test_merkle_verify_consistency_rejects_bad_shapes),
		cmocka_unit_test(test_merkle_verify_huge_sizes_accept_one_length),
	};
	return cmocka_run_group_tests_name("ll_merkle", tests, NULL, NULL);
}
