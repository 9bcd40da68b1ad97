/* llaudit: the auditor's offline look at a ledger directory. Verifies the whole
 * chain, shows the tip or a block, and proves a transaction's place in both trees. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ll_block.h"
#include "ll_bytes.h"
#include "ll_chain.h"
#include "ll_err.h"
#include "ll_hash.h"
#include "ll_hex.h"
#include "ll_merkle.h"
#include "ll_store.h"
#include "ll_tool_cli.h"

#define D LL_HASH_DIGEST_BYTES

/* Exit codes: all checked out, a check failed or nothing was found, a bad request. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = LL_TOOL_CLI_EXIT_USAGE,
};

const char ll_tool_cli_name[] = "llaudit";

static const char usage_text[] =
	"usage: llaudit COMMAND --ledger DIR [--chain-id N] [--alg sha256|sm3] [options]\n"
	"\n"
	"Reads the ledger at DIR offline (it must not be open elsewhere: no daemon).\n"
	"--chain-id (default 1) and --alg (default sha256) must be those it was made with.\n"
	"\n"
	"  verify                  recompute every block from genesis; prints\n"
	"                          \"ok: N blocks, M transactions, tip HASH\" (N counts\n"
	"                          genesis) or \"bad block at height H\"\n"
	"  tip                     the tip's hash and header fields, one \"key value\" a line\n"
	"  tx --txid HEX           where the transaction is, its record, its inclusion\n"
	"                          proof in its block (proof_node lines, leaf-to-root) and\n"
	"                          in the ledger-wide log as of the tip (log_proof_node),\n"
	"                          each checked here: \"record: ok\", \"proof: ok\",\n"
	"                          \"log_proof: ok\" (or BAD)\n"
	"  block --height H        the block's hash, header fields and txids\n"
	"  txs --txids FILE        every txid in FILE (hex, one a line: e.g. the ones a\n"
	"                          client was receipted for) is in the ledger, its record\n"
	"                          hashes to it and its block proof verifies; prints\n"
	"                          \"ok: N transactions\" or each one that is not\n"
	"  help                    this text\n"
	"\n"
	"Exit status: 0 ok; 1 the ledger or a proof does not verify, or the txid or\n"
	"height is not in the ledger; 2 a malformed request or an error opening or\n"
	"reading the ledger.\n";

enum command {
	CMD_VERIFY,
	CMD_TIP,
	CMD_TX,
	CMD_BLOCK,
	CMD_TXS,
};

enum opt_bit {
	OPT_LEDGER = 1 << 0,
	OPT_CHAIN_ID = 1 << 1,
	OPT_ALG = 1 << 2,
	OPT_TXID = 1 << 3,
	OPT_HEIGHT = 1 << 4,
	OPT_TXIDS = 1 << 5,
};

#define OPT_COMMON (OPT_LEDGER | OPT_CHAIN_ID | OPT_ALG)

static const struct ll_tool_cli_cmd commands[] = {
	{ "verify", CMD_VERIFY, OPT_LEDGER, OPT_COMMON },
	{ "tip", CMD_TIP, OPT_LEDGER, OPT_COMMON },
	{ "tx", CMD_TX, OPT_LEDGER | OPT_TXID, OPT_COMMON | OPT_TXID },
	{ "block", CMD_BLOCK, OPT_LEDGER | OPT_HEIGHT, OPT_COMMON | OPT_HEIGHT },
	{ "txs", CMD_TXS, OPT_LEDGER | OPT_TXIDS, OPT_COMMON | OPT_TXIDS },
};

static const struct option long_options[] = {
	{ "ledger", required_argument, NULL, OPT_LEDGER },
	{ "chain-id", required_argument, NULL, OPT_CHAIN_ID },
	{ "alg", required_argument, NULL, OPT_ALG },
	{ "txid", required_argument, NULL, OPT_TXID },
	{ "height", required_argument, NULL, OPT_HEIGHT },
	{ "txids", required_argument, NULL, OPT_TXIDS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct request {
	enum command cmd;
	const char *cmd_name;
	const char *ledger;
	uint64_t chain_id;
	enum ll_hash_alg alg;
	uint8_t txid[D];
	uint64_t height;
	const char *txids;	/* txs: the file */
	unsigned given;		/* OPT_ bits seen */
};

/* "key hex" on one line, the hex written in pieces so a long record needs no buffer. */
static void print_hex(const char *key, const uint8_t *p, size_t len)
{
	char piece[2 * 256];
	fputs(key, stdout);
	putchar(' ');
	while (len > 0) {
		size_t n = len < 256 ? len : 256;
		ll_hex_encode(p, n, piece);
		fwrite(piece, 1, 2 * n, stdout);
		p += n;
		len -= n;
	}
	putchar('\n');
}

static void print_u64(const char *key, uint64_t v)
{
	printf("%s %" PRIu64 "\n", key, v);
}

/* The block's hash, then every header field in the order of ll_block.h. */
static int print_header(const struct ll_block_header *h)
{
	uint8_t hash[D];
	int rc = ll_block_hash(h, hash);
	if (rc < 0)
		return ll_tool_cli_fail(EXIT_USAGE, "hash of the header at height %" PRIu64 ": %s",
					h->height, ll_strerror(rc));
	print_hex("hash", hash, D);
	print_u64("version", h->version);
	printf("hash_alg %s\n", ll_hash_alg_name((enum ll_hash_alg)h->hash_alg));
	print_u64("chain_id", h->chain_id);
	print_u64("height", h->height);
	print_u64("timestamp_ns", h->timestamp_ns);
	print_hex("prev_hash", h->prev_hash, D);
	print_hex("merkle_root", h->merkle_root, D);
	print_u64("tx_count", h->tx_count);
	print_u64("body_bytes", h->body_bytes);
	print_u64("log_size", h->log_size);
	print_hex("log_root", h->log_root, D);
	print_u64("proposer", h->proposer);
	print_u64("term", h->term);
	return 0;
}

/*
 * The store creates a ledger that is not there (and the chain writes its
 * genesis): an auditor given a wrong path must be told, not handed a new ledger.
 */
static int open_ledger(const struct request *q, ll_chain_t **chain)
{
	char mdb_path[PATH_MAX];
	struct stat st;
	struct ll_chain_cfg cfg = {
		.store = {
			.path = q->ledger,
			.chain_id = (uint32_t)q->chain_id,
			.hash_alg = (uint8_t)q->alg,
			.sync = LL_STORE_SYNC_FULL,
		},
	};

	if (snprintf(mdb_path, sizeof mdb_path, "%s/data.mdb", q->ledger) >=
	    (int)sizeof mdb_path)
		return ll_tool_cli_fail(EXIT_USAGE, "--ledger: path too long");
	if (stat(mdb_path, &st) < 0)
		return ll_tool_cli_fail(EXIT_USAGE, "no ledger at %s (%s: %s)", q->ledger, mdb_path,
					strerror(errno));
	int rc = ll_chain_open(&cfg, chain);
	if (rc == -EBUSY)
		return ll_tool_cli_fail(EXIT_USAGE, "%s is open in another process; stop it or "
					"audit a snapshot", q->ledger);
	if (rc == -EINVAL)
		return ll_tool_cli_fail(EXIT_USAGE, "cannot open %s as chain %" PRIu64 " with %s "
					"(the store says why above; see --chain-id and --alg)",
					q->ledger, q->chain_id, ll_hash_alg_name(q->alg));
	if (rc < 0)
		return ll_tool_cli_fail(EXIT_USAGE, "open %s: %s", q->ledger, ll_strerror(rc));
	return 0;
}

static int run_verify(ll_chain_t *chain)
{
	struct ll_block_header tip;
	uint64_t bad_height = 0;
	uint8_t hash[D];
	char hex[2 * D + 1];

	int rc = ll_chain_verify(chain, &bad_height);
	if (rc == -EBADMSG) {
		printf("bad block at height %" PRIu64 "\n", bad_height);
		return EXIT_FAILED;
	}
	if (rc < 0)
		return ll_tool_cli_fail(EXIT_USAGE, "verify: %s", ll_strerror(rc));
	ll_chain_tip(chain, &tip);
	if ((rc = ll_block_hash(&tip, hash)) < 0)
		return ll_tool_cli_fail(EXIT_USAGE, "hash of the tip: %s", ll_strerror(rc));
	ll_hex_encode(hash, D, hex);
	hex[2 * D] = '\0';
	/* heights run from 0, genesis included; the log holds every transaction */
	printf("ok: %" PRIu64 " blocks, %" PRIu64 " transactions, tip %s\n", tip.height + 1,
	       tip.log_size, hex);
	return EXIT_OK;
}

static int run_tip(ll_chain_t *chain)
{
	struct ll_block_header tip;
	ll_chain_tip(chain, &tip);
	return print_header(&tip);
}

/* "what: ok", or "what: BAD" with the reason on stderr. */
static bool report_check(const char *what, int rc, const char *why)
{
	printf("%s: %s\n", what, rc == 0 ? "ok" : "BAD");
	if (rc != 0)
		ll_tool_cli_fail(EXIT_FAILED, "%s: %s (%s)", what, why, ll_strerror(rc));
	return rc == 0;
}

/*
 * After a lookup succeeded, a part of the ledger that is missing or does not
 * decode is damage (exit 1), not a failure to read it (exit 2).
 */
static int read_error_code(int rc)
{
	return rc == -ENOENT || rc == -EBADMSG ? EXIT_FAILED : EXIT_USAGE;
}

/*
 * tx: the txindex says where the txid is; every claim it makes is then checked
 * here rather than trusted: the record hashes to the txid, the block proof leads
 * to the header's merkle_root, and the log proof to the tip's log_root.
 */
static int run_tx(ll_chain_t *chain, const struct request *q)
{
	struct ll_chain_tx tx;
	struct ll_block_header h, tip;
	uint8_t proof[LL_MERKLE_MAX_PROOF_NODES * D], log_proof[LL_MERKLE_MAX_PROOF_NODES * D];
	uint8_t leaf[D], root[D];
	size_t nodes = 0, log_nodes = 0;
	char hex[2 * D + 1];
	int code;

	int rc = ll_chain_tx(chain, q->txid, &tx);
	if (rc == -ENOENT) {
		ll_hex_encode(q->txid, D, hex);
		hex[2 * D] = '\0';
		return ll_tool_cli_fail(EXIT_FAILED, "txid %s is not in the ledger", hex);
	}
	if (rc < 0)
		return ll_tool_cli_fail(read_error_code(rc), "look up the txid: %s",
					ll_strerror(rc));

	ll_chain_tip(chain, &tip);
	if ((rc = ll_chain_block(chain, tx.height, &h, NULL, NULL)) < 0) {
		code = ll_tool_cli_fail(read_error_code(rc), "read the header at height %" PRIu64
					": %s", tx.height, ll_strerror(rc));
		goto out;
	}
	if ((rc = ll_chain_tx_proof(chain, q->txid, proof, &nodes)) < 0) {
		code = ll_tool_cli_fail(read_error_code(rc), "inclusion proof: %s",
					ll_strerror(rc));
		goto out;
	}
	if ((rc = ll_chain_log_proof(chain, q->txid, tip.height, log_proof, &log_nodes)) < 0) {
		code = ll_tool_cli_fail(read_error_code(rc), "log inclusion proof: %s",
					ll_strerror(rc));
		goto out;
	}

	print_hex("txid", q->txid, D);
	print_u64("height", tx.height);
	print_u64("index", tx.index);
	print_u64("log_index", tx.log_index);
	print_u64("record_len", tx.record_len);
	print_hex("record", tx.record, tx.record_len);
	print_u64("tx_count", h.tx_count);
	print_hex("merkle_root", h.merkle_root, D);
	for (size_t i = 0; i < nodes; i++)
		print_hex("proof_node", proof + i * D, D);
	print_u64("log_height", tip.height);
	print_u64("log_size", tip.log_size);
	print_hex("log_root", tip.log_root, D);
	for (size_t i = 0; i < log_nodes; i++)
		print_hex("log_proof_node", log_proof + i * D, D);

	uint32_t offsets[2] = { 0, tx.record_len };
	if ((rc = ll_merkle_root_records(q->alg, offsets, 1, tx.record, leaf, root)) < 0) {
		code = ll_tool_cli_fail(EXIT_USAGE, "hash the record: %s", ll_strerror(rc));
		goto out;
	}
	/* the block proof's leaf is the txid, so it alone cannot catch a changed record */
	bool ok = report_check("record", memcmp(leaf, q->txid, D) ? -EBADMSG : 0,
			       "H(0x00 || record) is not the txid");
	rc = ll_merkle_verify_inclusion(q->alg, tx.index, h.tx_count, q->txid, proof, nodes,
					h.merkle_root);
	ok &= report_check("proof", rc, "does not lead to the block's merkle_root");
	rc = ll_merkle_verify_inclusion(q->alg, tx.log_index, tip.log_size, q->txid, log_proof,
					log_nodes, tip.log_root);
	ok &= report_check("log_proof", rc, "does not lead to the tip's log_root");
	code = ok ? EXIT_OK : EXIT_FAILED;
out:
	free(tx.record);
	return code;
}

/*
 * block: the txids are recomputed from the records the body keeps, so a body
 * that no longer matches its header's tx_count or merkle_root is reported.
 */
static int run_block(ll_chain_t *chain, const struct request *q)
{
	struct ll_block_header h, tip;
	struct ll_block_body body;
	uint8_t *raw = NULL, *leaves = NULL, root[D];
	uint32_t *offsets = NULL;
	size_t raw_len = 0;
	int code;

	int rc = ll_chain_block(chain, q->height, &h, &raw, &raw_len);
	if (rc == -ENOENT) {
		ll_chain_tip(chain, &tip);
		return ll_tool_cli_fail(EXIT_FAILED,
					"no block at height %" PRIu64 " (the tip is %" PRIu64 ")",
					q->height, tip.height);
	}
	if (rc < 0)
		return ll_tool_cli_fail(read_error_code(rc), "read block %" PRIu64 ": %s",
					q->height, ll_strerror(rc));
	if ((code = print_header(&h)))
		goto out;
	if (ll_block_body_decode(raw, raw_len, &body) < 0) {
		code = ll_tool_cli_fail(EXIT_FAILED, "block %" PRIu64 ": the body does not decode",
					q->height);
		goto out;
	}
	/* the hash API wants the offsets as a plain array; the body's are unaligned LE */
	offsets = malloc(((size_t)body.n + 1) * sizeof *offsets);
	leaves = malloc((size_t)body.n * D + 1);
	if (!offsets || !leaves) {
		code = ll_tool_cli_fail(EXIT_USAGE, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i <= body.n; i++)
		offsets[i] = (uint32_t)ll_get_le(body.offsets_le + (size_t)i * 4, 4);
	rc = ll_merkle_root_records(q->alg, offsets, body.n, body.data, leaves, root);
	if (rc < 0) {
		code = ll_tool_cli_fail(EXIT_USAGE, "hash the records: %s", ll_strerror(rc));
		goto out;
	}
	for (uint32_t i = 0; i < body.n; i++)
		print_hex("txid", leaves + (size_t)i * D, D);
	if (body.n != h.tx_count)
		code = ll_tool_cli_fail(EXIT_FAILED, "block %" PRIu64 ": the body holds %" PRIu32
					" records, the header says %" PRIu32, q->height, body.n,
					h.tx_count);
	else if (memcmp(root, h.merkle_root, D) != 0)
		code = ll_tool_cli_fail(EXIT_FAILED, "block %" PRIu64 ": the records do not hash "
					"to merkle_root", q->height);
	else
		code = EXIT_OK;
out:
	free(leaves);
	free(offsets);
	free(raw);
	return code;
}

/* One txid of a txs list: 0 when it is in, hashes right and proves; else why not. */
static const char *check_one_tx(ll_chain_t *chain, enum ll_hash_alg alg, const uint8_t *txid)
{
	struct ll_chain_tx tx;
	struct ll_block_header h;
	uint8_t proof[LL_MERKLE_MAX_PROOF_NODES * D], leaf[D], root[D];
	size_t nodes;
	const char *why = NULL;
	if (ll_chain_tx(chain, txid, &tx) < 0)
		return "not in the ledger";
	uint32_t offsets[2] = { 0, tx.record_len };
	if (ll_chain_block(chain, tx.height, &h, NULL, NULL) < 0 ||
	    ll_chain_tx_proof(chain, txid, proof, &nodes) < 0)
		why = "its block or proof cannot be read";
	else if (ll_merkle_root_records(alg, offsets, 1, tx.record, leaf, root) < 0 ||
		 memcmp(leaf, txid, D))
		why = "its record does not hash to it";
	else if (ll_merkle_verify_inclusion(alg, tx.index, h.tx_count, txid, proof, nodes,
					    h.merkle_root) != 0)
		why = "its proof does not lead to the block's merkle_root";
	free(tx.record);
	return why;
}

static int run_txs(ll_chain_t *chain, const struct request *q)
{
	FILE *f = fopen(q->txids, "r");
	char line[256];
	uint64_t lineno = 0, good = 0, bad = 0;
	if (!f)
		return ll_tool_cli_fail(EXIT_USAGE, "%s: %s", q->txids, strerror(errno));
	while (fgets(line, sizeof line, f)) {
		uint8_t txid[D];
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0])
			continue;
		const char *why = strlen(line) != 2 * D || ll_hex_decode(line, 2 * D, txid) < 0 ?
			"not a txid" : check_one_tx(chain, q->alg, txid);
		if (why) {
			printf("%s:%" PRIu64 ": %s: %s\n", q->txids, lineno, line, why);
			bad++;
		} else {
			good++;
		}
	}
	fclose(f);
	if (bad)
		printf("BAD: %" PRIu64 " of %" PRIu64 " transactions\n", bad, good + bad);
	else
		printf("ok: %" PRIu64 " transactions\n", good);
	return bad ? EXIT_FAILED : EXIT_OK;
}

static int set_option(void *ctx, unsigned bit, const char *value)
{
	struct request *q = ctx;
	int rc;

	switch (bit) {
	case OPT_LEDGER:
		if (!*value)
			return ll_tool_cli_fail(EXIT_USAGE, "--ledger: empty path");
		q->ledger = value;
		return 0;
	case OPT_CHAIN_ID:
		if ((rc = ll_tool_cli_parse_u64("chain-id", value, &q->chain_id)))
			return rc;
		if (q->chain_id > UINT32_MAX)
			return ll_tool_cli_fail(EXIT_USAGE, "--chain-id: %s is past 2^32 - 1",
						value);
		return 0;
	case OPT_ALG:
		if (ll_hash_alg_parse(value, &q->alg) < 0)
			return ll_tool_cli_fail(EXIT_USAGE, "--alg: unknown algorithm '%s' "
						"(sha256 or sm3)", value);
		return 0;
	case OPT_TXID:
		if (strlen(value) != 2 * D || ll_hex_decode(value, 2 * D, q->txid) < 0)
			return ll_tool_cli_fail(EXIT_USAGE, "--txid: want %d hex characters, "
						"got '%s'", 2 * D, value);
		return 0;
	case OPT_HEIGHT:
		return ll_tool_cli_parse_u64("height", value, &q->height);
	case OPT_TXIDS:
		q->txids = value;
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

	*q = (struct request){ .chain_id = 1, .alg = LL_HASH_SHA256 };
	int rc = ll_tool_cli_parse(&cli, argc, argv, q, &cmd, &q->given);
	if (rc)
		return rc;
	q->cmd = cmd->cmd;
	q->cmd_name = cmd->name;
	return 0;
}

int main(int argc, char **argv)
{
	struct request q;
	ll_chain_t *chain = NULL;
	int rc;

	rc = parse_args(argc, argv, &q);
	if (rc < 0)
		return EXIT_OK;	/* --help */
	if (rc > 0)
		return rc;
	if ((rc = open_ledger(&q, &chain)))
		return rc;
	switch (q.cmd) {
	case CMD_VERIFY:
		rc = run_verify(chain);
		break;
	case CMD_TIP:
		rc = run_tip(chain);
		break;
	case CMD_TX:
		rc = run_tx(chain, &q);
		break;
	case CMD_BLOCK:
		rc = run_block(chain, &q);
		break;
	case CMD_TXS:
		rc = run_txs(chain, &q);
		break;
	}
	ll_chain_close(chain);
	/* a failed write of the report must not pass for a clean audit */
	if (fflush(stdout) != 0)
		return ll_tool_cli_fail(EXIT_USAGE, "stdout: %s", strerror(errno));
	return rc;
}
