/* llmerkle: the auditor's offline Merkle tool. Tree heads, audit paths and
 * consistency proofs from hex records on stdin, and verification of both proofs. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "ll_err.h"
#include "ll_hash.h"
#include "ll_hex.h"
#include "ll_merkle.h"
#include "ll_tool_cli.h"

#define D LL_HASH_DIGEST_BYTES

/* Exit codes: the proof checked out, it did not, or the request was malformed. */
enum {
	EXIT_VERIFIED = 0,
	EXIT_REJECTED = 1,
	EXIT_USAGE = LL_TOOL_CLI_EXIT_USAGE,
};

const char ll_tool_cli_name[] = "llmerkle";

static const char usage_text[] =
	"usage: llmerkle COMMAND --alg sha256|sm3 [options]\n"
	"\n"
	"Records are hex, one per line on stdin (an empty line is an empty record).\n"
	"Proofs are hex digests, one per line, leaf-to-root order.\n"
	"\n"
	"  root                                   print the tree head of the records\n"
	"  leaf                                   print each record's leaf hash\n"
	"  inclusion --index I                    print the audit path of record I\n"
	"  consistency --old M                    print the proof from the first M records\n"
	"                                         to all of them\n"
	"  verify-inclusion --index I --size N (--leaf HEX | --record HEX) --root HEX\n"
	"                                         check the audit path on stdin\n"
	"  verify-consistency --old M --size N --old-root HEX --root HEX\n"
	"                                         check the consistency proof on stdin\n"
	"  help                                   this text\n"
	"\n"
	"Exit status: 0 done (verify: \"ok\"), 1 the proof does not verify,\n"
	"2 a malformed request or input.\n";

enum command {
	CMD_ROOT,
	CMD_LEAF,
	CMD_INCLUSION,
	CMD_CONSISTENCY,
	CMD_VERIFY_INCLUSION,
	CMD_VERIFY_CONSISTENCY,
};

enum opt_bit {
	OPT_ALG = 1 << 0,
	OPT_INDEX = 1 << 1,
	OPT_SIZE = 1 << 2,
	OPT_OLD = 1 << 3,
	OPT_LEAF = 1 << 4,
	OPT_RECORD = 1 << 5,
	OPT_ROOT = 1 << 6,
	OPT_OLD_ROOT = 1 << 7,
};

static const struct ll_tool_cli_cmd commands[] = {
	{ "root", CMD_ROOT, OPT_ALG, OPT_ALG },
	{ "leaf", CMD_LEAF, OPT_ALG, OPT_ALG },
	{ "inclusion", CMD_INCLUSION, OPT_ALG | OPT_INDEX, OPT_ALG | OPT_INDEX },
	{ "consistency", CMD_CONSISTENCY, OPT_ALG | OPT_OLD, OPT_ALG | OPT_OLD },
	{ "verify-inclusion", CMD_VERIFY_INCLUSION, OPT_ALG | OPT_INDEX | OPT_SIZE | OPT_ROOT,
	  OPT_ALG | OPT_INDEX | OPT_SIZE | OPT_ROOT | OPT_LEAF | OPT_RECORD },
	{ "verify-consistency", CMD_VERIFY_CONSISTENCY,
	  OPT_ALG | OPT_OLD | OPT_SIZE | OPT_OLD_ROOT | OPT_ROOT,
	  OPT_ALG | OPT_OLD | OPT_SIZE | OPT_OLD_ROOT | OPT_ROOT },
};

static const struct option long_options[] = {
	{ "alg", required_argument, NULL, OPT_ALG },
	{ "index", required_argument, NULL, OPT_INDEX },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "old", required_argument, NULL, OPT_OLD },
	{ "leaf", required_argument, NULL, OPT_LEAF },
	{ "record", required_argument, NULL, OPT_RECORD },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "old-root", required_argument, NULL, OPT_OLD_ROOT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Every error but a rejected proof is a malformed request. */
#define fail_usage(...) ll_tool_cli_fail(EXIT_USAGE, __VA_ARGS__)

struct request {
	enum command cmd;
	const char *cmd_name;
	enum ll_hash_alg alg;
	uint64_t index, size, old;
	uint8_t leaf[D], root[D], old_root[D];
	uint8_t *record;	/* --record, decoded */
	size_t record_len;
	unsigned given;		/* OPT_ bits seen */
};

/* The records on stdin, as the batch API wants them: offsets into one blob. */
struct records {
	uint8_t *data;
	size_t data_len, data_cap;
	uint32_t *offsets;	/* n + 1 entries */
	uint32_t n;
	size_t offsets_cap;
};

static int parse_digest(const char *what, const char *hex, uint8_t out[D])
{
	size_t len = strlen(hex);
	if (len != 2 * D)
		return fail_usage("%s: a digest is %d hex characters, got %zu", what, 2 * D, len);
	if (ll_hex_decode(hex, len, out) < 0)
		return fail_usage("%s: malformed hex", what);
	return 0;
}

static void print_hex(const uint8_t *p, size_t len)
{
	char line[2 * D + 2];
	ll_hex_encode(p, len, line);
	line[2 * len] = '\n';
	fwrite(line, 1, 2 * len + 1, stdout);
}

/* Strips the line end (LF or CRLF); returns the remaining length. */
static size_t chomp(char *line, ssize_t len)
{
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	return (size_t)len;
}

static void records_free(struct records *r)
{
	free(r->data);
	free(r->offsets);
}

static int records_read(FILE *in, struct records *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	uint64_t lineno = 0;
	int rc = EXIT_USAGE;

	memset(r, 0, sizeof *r);
	r->offsets_cap = 1024;
	r->data_cap = 4096;
	/* data is never NULL, not even for no records or only empty ones */
	r->offsets = malloc(r->offsets_cap * sizeof *r->offsets);
	r->data = malloc(r->data_cap);
	if (!r->offsets || !r->data)
		goto nomem;
	r->offsets[0] = 0;
	while ((got = getline(&line, &cap, in)) >= 0) {
		size_t len = chomp(line, got);
		lineno++;
		/* The device ABI: u32 offsets, u32 count. */
		if (r->n == UINT32_MAX - 1 || r->data_len + len / 2 > UINT32_MAX) {
			fail_usage("stdin: more records than one batch can hold");
			goto out;
		}
		if (r->data_len + len / 2 > r->data_cap) {
			size_t want = r->data_cap;
			while (want < r->data_len + len / 2)
				want *= 2;
			uint8_t *p = realloc(r->data, want);
			if (!p)
				goto nomem;
			r->data = p;
			r->data_cap = want;
		}
		if (ll_hex_decode(line, len, r->data + r->data_len) < 0) {
			fail_usage("stdin line %" PRIu64 ": malformed hex record", lineno);
			goto out;
		}
		r->data_len += len / 2;
		if (r->n + 2 > r->offsets_cap) {
			uint32_t *p = realloc(r->offsets, 2 * r->offsets_cap * sizeof *p);
			if (!p)
				goto nomem;
			r->offsets = p;
			r->offsets_cap *= 2;
		}
		r->offsets[++r->n] = (uint32_t)r->data_len;
	}
	/* getline also stops on ENOMEM, which is neither EOF nor a stream error. */
	if (ferror(in) || !feof(in)) {
		fail_usage("stdin: %s", strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	fail_usage("out of memory");
out:
	free(line);
	if (rc)
		records_free(r);
	return rc;
}

/*
 * A proof on stdin: one digest per line; blank lines are ignored. No tree needs
 * more than LL_MERKLE_MAX_PROOF_NODES, so a longer proof is refused (exit 1) as
 * soon as it shows, without reading the rest.
 */
static int proof_read(FILE *in, uint8_t **proof_out, size_t *nodes_out)
{
	char *line = NULL;
	size_t cap = 0, nodes = 0;
	ssize_t got;
	uint8_t *proof = malloc(LL_MERKLE_MAX_PROOF_NODES * D);
	uint64_t lineno = 0;
	int rc = EXIT_USAGE;

	if (!proof) {
		fail_usage("out of memory");
		goto out;
	}
	while ((got = getline(&line, &cap, in)) >= 0) {
		size_t len = chomp(line, got);
		lineno++;
		if (len == 0)
			continue;
		if (nodes == LL_MERKLE_MAX_PROOF_NODES) {
			rc = ll_tool_cli_fail(EXIT_REJECTED, "not verified: the proof has more "
					      "than %d nodes, more than any tree needs",
					      LL_MERKLE_MAX_PROOF_NODES);
			goto out;
		}
		char what[64];
		snprintf(what, sizeof what, "proof line %" PRIu64, lineno);
		if (parse_digest(what, line, proof + nodes * D))
			goto out;
		nodes++;
	}
	if (ferror(in) || !feof(in)) {
		fail_usage("stdin: %s", strerror(errno));
		goto out;
	}
	*proof_out = proof;
	*nodes_out = nodes;
	proof = NULL;
	rc = 0;
out:
	free(proof);
	free(line);
	return rc;
}

static int print_proof(const uint8_t *proof, size_t nodes)
{
	for (size_t i = 0; i < nodes; i++)
		print_hex(proof + i * D, D);
	return 0;
}

/* root, leaf, inclusion, consistency: the records on stdin, then one answer. */
static int run_generate(const struct request *q)
{
	struct records r;
	uint8_t *leaves = NULL, root[D], proof[LL_MERKLE_MAX_PROOF_NODES * D];
	size_t nodes = 0;
	int rc, exit_code = EXIT_USAGE;

	if ((rc = records_read(stdin, &r)))
		return rc;
	if (q->cmd == CMD_INCLUSION && q->index >= r.n) {
		fail_usage("--index %" PRIu64 " is past the end of %" PRIu32 " records", q->index,
			   r.n);
		goto out;
	}
	if (q->cmd == CMD_CONSISTENCY && (q->old == 0 || q->old > r.n)) {
		fail_usage("--old %" PRIu64 " must be 1..%" PRIu32 " (the number of records)",
			   q->old, r.n);
		goto out;
	}
	if (r.n && !(leaves = malloc((size_t)r.n * D))) {
		fail_usage("out of memory");
		goto out;
	}
	if ((rc = ll_merkle_root_records(q->alg, r.offsets, r.n, r.data, leaves, root)) < 0) {
		fail_usage("hashing the records: %s", ll_strerror(rc));
		goto out;
	}
	switch (q->cmd) {
	case CMD_ROOT:
		print_hex(root, D);
		break;
	case CMD_LEAF:
		print_proof(leaves, r.n);
		break;
	case CMD_INCLUSION:
		rc = ll_merkle_inclusion_proof(q->alg, r.n, leaves, q->index, proof, &nodes);
		break;
	case CMD_CONSISTENCY:
		rc = ll_merkle_consistency_proof(q->alg, r.n, leaves, q->old, proof, &nodes);
		break;
	default:
		break;
	}
	if (rc < 0) {
		fail_usage("%s: %s", q->cmd_name, ll_strerror(rc));
		goto out;
	}
	print_proof(proof, nodes);
	exit_code = fflush(stdout) == 0 ? 0 : fail_usage("stdout: %s", strerror(errno));
out:
	free(leaves);
	records_free(&r);
	return exit_code;
}

static int run_verify(const struct request *q)
{
	uint8_t *proof = NULL, leaf[D];
	size_t nodes = 0;
	int rc;

	if (q->cmd == CMD_VERIFY_INCLUSION) {
		if (q->size == 0 || q->index >= q->size)
			return fail_usage("--index %" PRIu64
					  " is past the end of a tree of size %" PRIu64,
					  q->index, q->size);
	} else if (q->old == 0 || q->old > q->size) {
		return fail_usage("--old %" PRIu64 " must be 1..%" PRIu64 " (--size)", q->old,
				  q->size);
	}
	if ((rc = proof_read(stdin, &proof, &nodes)))
		return rc;

	if (q->cmd == CMD_VERIFY_INCLUSION) {
		if (q->given & OPT_RECORD) {
			uint32_t offsets[2] = { 0, (uint32_t)q->record_len };
			uint8_t root[D];
			rc = ll_merkle_root_records(q->alg, offsets, 1, q->record, leaf, root);
			if (rc < 0) {
				free(proof);
				return fail_usage("hashing --record: %s", ll_strerror(rc));
			}
		} else {
			memcpy(leaf, q->leaf, D);
		}
		rc = ll_merkle_verify_inclusion(q->alg, q->index, q->size, leaf, proof, nodes,
						q->root);
	} else {
		rc = ll_merkle_verify_consistency(q->alg, q->old, q->size, q->old_root, q->root,
						  proof, nodes);
	}
	free(proof);

	switch (rc) {
	case 0:
		puts("ok");
		return fflush(stdout) == 0 ? EXIT_VERIFIED
					   : fail_usage("stdout: %s", strerror(errno));
	case -EINVAL:
		return ll_tool_cli_fail(EXIT_REJECTED, "%s: not verified: a proof for these "
					"sizes has a different number of nodes than the %zu "
					"given", q->cmd_name, nodes);
	case -EBADMSG:
		return ll_tool_cli_fail(EXIT_REJECTED, "%s: not verified: the proof does not "
					"lead to %s", q->cmd_name,
					q->cmd == CMD_VERIFY_INCLUSION ? "--root"
								       : "--old-root and --root");
	default:
		return fail_usage("%s: %s", q->cmd_name, ll_strerror(rc));
	}
}

static int set_option(void *ctx, unsigned bit, const char *value)
{
	struct request *q = ctx;

	switch (bit) {
	case OPT_ALG:
		if (ll_hash_alg_parse(value, &q->alg) < 0)
			return fail_usage("--alg: unknown algorithm '%s' (sha256 or sm3)", value);
		return 0;
	case OPT_INDEX:
		return ll_tool_cli_parse_u64("index", value, &q->index);
	case OPT_SIZE:
		return ll_tool_cli_parse_u64("size", value, &q->size);
	case OPT_OLD:
		return ll_tool_cli_parse_u64("old", value, &q->old);
	case OPT_LEAF:
		return parse_digest("--leaf", value, q->leaf);
	case OPT_ROOT:
		return parse_digest("--root", value, q->root);
	case OPT_OLD_ROOT:
		return parse_digest("--old-root", value, q->old_root);
	case OPT_RECORD:
		q->record_len = strlen(value) / 2;
		if (q->record_len > UINT32_MAX)
			return fail_usage("--record: too long");
		/* +1: an empty record still needs a valid data pointer */
		if (!(q->record = malloc(q->record_len + 1)))
			return fail_usage("out of memory");
		if (ll_hex_decode(value, strlen(value), q->record) < 0)
			return fail_usage("--record: malformed hex");
		return 0;
	}
	return 0;
}

static const struct ll_tool_cli cli = {
	.usage = usage_text,
	.cmds = commands,
	.n_cmds = LL_ARRAY_LEN(commands),
	.options = long_options,
	.set = set_option,
};

/* 0 when parsed, EXIT_USAGE for a malformed request, -1 when the usage was asked for. */
static int parse_args(int argc, char **argv, struct request *q)
{
	const struct ll_tool_cli_cmd *cmd;

	memset(q, 0, sizeof *q);
	int rc = ll_tool_cli_parse(&cli, argc, argv, q, &cmd, &q->given);
	if (rc)
		return rc;
	q->cmd = cmd->cmd;
	q->cmd_name = cmd->name;
	if (q->cmd == CMD_VERIFY_INCLUSION &&
	    !!(q->given & OPT_LEAF) == !!(q->given & OPT_RECORD))
		return fail_usage("verify-inclusion: give one of --leaf and --record");
	return 0;
}

int main(int argc, char **argv)
{
	struct request q;
	int rc = parse_args(argc, argv, &q);
	if (rc == 0)
		rc = (q.cmd == CMD_VERIFY_INCLUSION || q.cmd == CMD_VERIFY_CONSISTENCY) ?
			run_verify(&q) : run_generate(&q);
	else if (rc < 0)
		rc = 0;	/* --help */
	free(q.record);
	return rc;
}
