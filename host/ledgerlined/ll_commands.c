/* The admin commands. Each checks its arguments (bad ones are -EINVAL with the
 * argument's name), asks the appliance or its ledger, and fills the reply;
 * hashes and keys travel as lowercase hex. Proofs are verified here before they
 * are handed out, so a damaged ledger is an error, not a wrong answer. */
#include "ll_commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ll_admin.h"
#include "ll_appliance.h"
#include "ll_block.h"
#include "ll_bytes.h"
#include "ll_chain.h"
#include "ll_config.h"
#include "ll_err.h"
#include "ll_hash.h"
#include "ll_hex.h"
#include "ll_merkle.h"
#include "ll_report.h"
#include "ll_settings.h"
#include "ll_sig.h"
#include "ll_store.h"
#include "ll_wire.h"

#define MAX_TXIDS 1000			/* block.get: txids a reply */
#define MAX_CLIENTS_LISTED 10000	/* clients.list: entries a reply */
#define D LL_HASH_DIGEST_BYTES

static json_t *hex(const uint8_t *bytes, size_t len)
{
	char *text = malloc(2 * len + 1);
	if (!text)
		return NULL;
	ll_hex_encode(bytes, len, text);
	text[2 * len] = '\0';
	json_t *s = json_string(text);
	free(text);
	return s;
}

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

/* A hex argument of exactly len bytes. */
static int arg_hex(const struct ll_admin_request *req, const char *name, bool required,
		   uint8_t *out, size_t len, char *err, size_t err_len)
{
	const char *text;
	int rc = ll_admin_arg_string(req, name, required, &text, err, err_len);
	if (rc != 0)
		return rc;
	if (strlen(text) != 2 * len || ll_hex_decode(text, 2 * len, out) < 0) {
		snprintf(err, err_len, "%s: want %zu hex digits", name, 2 * len);
		return -EINVAL;
	}
	return 0;
}

static const char *scheme_name(uint8_t scheme)
{
	return scheme == LL_WIRE_SCHEME_ED25519 ? "ed25519" :
	       scheme == LL_WIRE_SCHEME_SM2_SM3 ? "sm2" : "none";
}

static struct ll_report *report_of(ll_appliance_t *a)
{
	struct ll_report *r = malloc(sizeof *r);
	if (r)
		ll_appliance_report(a, r);
	return r;
}

/* --- what it is doing --- */

static int cmd_status(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		      size_t err_len)
{
	(void)req, (void)err, (void)err_len;
	struct ll_report *r = report_of(arg);
	if (!r)
		return -ENOMEM;
	json_object_set_new(reply, "state", json_string(r->state));
	json_object_set_new(reply, "version", json_string(LL_VERSION));
	json_object_set_new(reply, "mode", json_string("solo"));
	json_object_set_new(reply, "chain_id", u64(r->chain_id));
	json_object_set_new(reply, "hash", json_string(r->hash));
	json_object_set_new(reply, "height", u64(r->height));
	json_object_set_new(reply, "tip", hex(r->tip_hash, D));
	json_object_set_new(reply, "uptime_ms", u64(r->uptime_ns / 1000000));
	json_object_set_new(reply, "clients", u64(r->clients));
	json_object_set_new(reply, "rx_lcores", u64(r->rx_count));
	json_object_set_new(reply, "accel", json_string(r->accel.backend));
	json_object_set_new(reply, "records_committed", u64(r->solo.records_committed));
	json_object_set_new(reply, "blocks_committed", u64(r->solo.blocks_committed));
	json_object_set_new(reply, "live", json_pack("{s:b, s:b, s:b}", "ingest", r->live_ingest,
						     "consensus", r->live_consensus, "store",
						     r->live_store));
	free(r);
	return 0;
}

static int cmd_stats(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		     size_t err_len)
{
	(void)req, (void)err, (void)err_len;
	struct ll_report *r = report_of(arg);
	json_t *o = r ? ll_report_json(r) : NULL;
	free(r);
	if (!o)
		return -ENOMEM;
	json_object_set_new(reply, "stats", o);
	return 0;
}

static int cmd_accel_info(void *arg, const struct ll_admin_request *req, json_t *reply,
			  char *err, size_t err_len)
{
	(void)req, (void)err, (void)err_len;
	struct ll_accel_info info;
	ll_appliance_accel_info(arg, &info);
	json_t *o = ll_report_accel_json(&info);
	if (!o)
		return -ENOMEM;
	json_object_set_new(reply, "accel", o);
	return 0;
}

static int cmd_peers(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		     size_t err_len)
{
	(void)arg, (void)req, (void)err, (void)err_len;
	/* solo: this appliance alone orders; raft clusters list their members here */
	json_object_set_new(reply, "mode", json_string("solo"));
	json_object_set_new(reply, "node_id", u64(0));
	json_object_set_new(reply, "peers", json_array());
	return 0;
}

/* --- configuration --- */

static int cmd_config_get(void *arg, const struct ll_admin_request *req, json_t *reply,
			  char *err, size_t err_len)
{
	const struct ll_config_table *t = ll_settings_table();
	const char *key = NULL;
	char value[1100];
	int rc = ll_admin_arg_string(req, "key", false, &key, err, err_len);
	if (rc < 0)
		return rc;
	struct ll_settings *s = malloc(sizeof *s);
	if (!s)
		return -ENOMEM;
	ll_appliance_settings(arg, s);
	if (key) {
		const struct ll_config_key *k = ll_config_find(t, key);
		if (!k) {
			free(s);
			ll_config_set(t, &(struct ll_settings){ 0 }, key, "", err, err_len);
			return -ENOENT;
		}
		ll_config_get(t, s, key, value, sizeof value);
		if (ll_settings_eal_replaced(s, key))
			snprintf(value, sizeof value, "(replaced by the EAL options: %s)", s->eal_args);
		json_object_set_new(reply, "key", json_string(key));
		json_object_set_new(reply, "value", json_string(value));
		json_object_set_new(reply, "runtime", json_boolean(k->runtime));
		json_object_set_new(reply, "doc", json_string(k->doc));
	} else {
		json_t *all = json_object(), *runtime = json_array();
		for (size_t i = 0; i < t->count; i++) {
			ll_config_get(t, s, t->keys[i].name, value, sizeof value);
			if (ll_settings_eal_replaced(s, t->keys[i].name))
				snprintf(value, sizeof value, "(replaced by eal_args)");
			json_object_set_new(all, t->keys[i].name, json_string(value));
			if (t->keys[i].runtime)
				json_array_append_new(runtime, json_string(t->keys[i].name));
		}
		json_object_set_new(reply, "config", all);
		json_object_set_new(reply, "runtime", runtime);
		if (s->eal_args[0])
			json_object_set_new(reply, "eal_args", json_string(s->eal_args));
	}
	free(s);
	return 0;
}

static int cmd_config_set(void *arg, const struct ll_admin_request *req, json_t *reply,
			  char *err, size_t err_len)
{
	const char *key;
	char value[256], was[1100] = "";
	int rc = ll_admin_arg_string(req, "key", true, &key, err, err_len);
	if (rc < 0)
		return rc;
	/* the value as the file would say it: a string, a whole number or true/false */
	json_t *v = json_object_get(req->args, "value");
	if (json_is_string(v))
		snprintf(value, sizeof value, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(value, sizeof value, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(value, sizeof value, "%s", json_is_true(v) ? "yes" : "no");
	else {
		snprintf(err, err_len, "value: %s", v ? "want a string, a number or true/false" :
							"required");
		return -EINVAL;
	}
	struct ll_settings *s = malloc(sizeof *s);
	if (!s)
		return -ENOMEM;
	ll_appliance_settings(arg, s);
	ll_config_get(ll_settings_table(), s, key, was, sizeof was);
	if ((rc = ll_appliance_config_set(arg, key, value, err, err_len)) == 0) {
		ll_appliance_settings(arg, s);
		ll_config_get(ll_settings_table(), s, key, value, sizeof value);
		json_object_set_new(reply, "key", json_string(key));
		json_object_set_new(reply, "value", json_string(value));
		json_object_set_new(reply, "was", json_string(was));
	}
	free(s);
	/* a bad value is a bad argument; an unknown or fixed key a refusal */
	return rc == -ENOENT || rc == -EPERM ? -EPERM : rc;
}

/* --- levers --- */

static int cmd_pause(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		     size_t err_len)
{
	(void)req;
	int rc = ll_appliance_pause(arg, true);
	if (rc < 0) {
		snprintf(err, err_len, "the appliance is stopping");
		return rc;
	}
	json_object_set_new(reply, "state", json_string("paused"));
	return 0;
}

static int cmd_resume(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		      size_t err_len)
{
	(void)req;
	int rc = ll_appliance_pause(arg, false);
	if (rc < 0) {
		snprintf(err, err_len, "the appliance is stopping");
		return rc;
	}
	json_object_set_new(reply, "state", json_string("running"));
	return 0;
}

static int cmd_shutdown(void *arg, const struct ll_admin_request *req, json_t *reply,
			char *err, size_t err_len)
{
	(void)req, (void)err, (void)err_len;
	ll_appliance_request_stop(arg);
	json_object_set_new(reply, "state", json_string("stopping"));
	return 0;
}

/* --- the ledger --- */

static json_t *header_json(const struct ll_block_header *h)
{
	uint8_t hash[D];
	ll_block_hash(h, hash);
	return json_pack("{s:o, s:o, s:I, s:s, s:I, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:o}",
			 "height", u64(h->height), "hash", hex(hash, D), "version",
			 (json_int_t)h->version, "hash_alg",
			 h->hash_alg == LL_HASH_SM3 ? "sm3" : "sha256", "chain_id",
			 (json_int_t)h->chain_id, "timestamp_ns", u64(h->timestamp_ns),
			 "prev_hash", hex(h->prev_hash, D), "merkle_root",
			 hex(h->merkle_root, D), "tx_count", (json_int_t)h->tx_count,
			 "body_bytes", (json_int_t)h->body_bytes, "log_size", u64(h->log_size),
			 "log_root", hex(h->log_root, D), "proposer", u64(h->proposer), "term",
			 u64(h->term));
}

static int tip_height(ll_chain_t *chain, uint64_t *height)
{
	struct ll_block_header tip;
	int rc = ll_chain_tip(chain, &tip);
	if (rc == 0)
		*height = tip.height;
	return rc;
}

static int cmd_block_get(void *arg, const struct ll_admin_request *req, json_t *reply,
			 char *err, size_t err_len)
{
	ll_chain_t *chain = ll_appliance_chain(arg);
	uint64_t height = 0, from = 0, count = 100;
	bool txids = false;
	int rc;
	if ((rc = tip_height(chain, &height)) < 0 ||
	    (rc = ll_admin_arg_u64(req, "height", false, &height, err, err_len)) < 0 ||
	    (rc = ll_admin_arg_bool(req, "txids", false, &txids, err, err_len)) < 0 ||
	    (rc = ll_admin_arg_u64(req, "from", false, &from, err, err_len)) < 0 ||
	    (rc = ll_admin_arg_u64(req, "count", false, &count, err, err_len)) < 0)
		return rc;
	if (count > MAX_TXIDS) {
		snprintf(err, err_len, "count: at most %d txids a request (page with from)",
			 MAX_TXIDS);
		return -EINVAL;
	}
	struct ll_block_header h;
	uint8_t *body = NULL;
	size_t body_len = 0;
	if ((rc = ll_chain_block(chain, height, &h, txids ? &body : NULL, &body_len)) < 0) {
		snprintf(err, err_len, rc == -ENOENT ? "no block at height %llu" :
			 "block %llu: read failed", (unsigned long long)height);
		return rc;
	}
	json_object_set_new(reply, "block", header_json(&h));
	if (txids) {
		struct ll_block_body b;
		json_t *list = json_array();
		if ((rc = ll_block_body_decode(body, body_len, &b)) < 0) {
			free(body);
			json_decref(list);
			snprintf(err, err_len, "block %llu: its body does not decode (ledger damaged)",
				 (unsigned long long)height);
			return -EIO;
		}
		/* each txid is its record's leaf hash, H(0x00 || record) */
		for (uint64_t i = from; i < b.n && i < from + count; i++) {
			const uint8_t *rec;
			uint32_t offsets[2] = { 0 };
			uint8_t leaf[D];
			ll_block_body_record(&b, (uint32_t)i, &rec, &offsets[1]);
			ll_hash_leaves((enum ll_hash_alg)h.hash_alg, LL_HASH_IMPL_AUTO, offsets, 1, rec,
				       leaf);
			json_array_append_new(list, hex(leaf, D));
		}
		free(body);
		json_object_set_new(reply, "txids_from", u64(from));
		json_object_set_new(reply, "txids", list);
	}
	return 0;
}

static int cmd_tx_get(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		      size_t err_len)
{
	uint8_t txid[D];
	struct ll_chain_tx tx;
	int rc = arg_hex(req, "txid", true, txid, D, err, err_len);
	if (rc < 0)
		return rc;
	if ((rc = ll_chain_tx(ll_appliance_chain(arg), txid, &tx)) < 0) {
		snprintf(err, err_len, rc == -ENOENT ? "no such transaction" : "lookup failed: %s",
			 ll_strerror(rc));
		return rc;
	}
	json_object_set_new(reply, "txid", hex(txid, D));
	json_object_set_new(reply, "height", u64(tx.height));
	json_object_set_new(reply, "index", u64(tx.index));
	json_object_set_new(reply, "log_index", u64(tx.log_index));
	json_object_set_new(reply, "record_len", u64(tx.record_len));
	if (tx.record_len >= LL_WIRE_RECORD_HEADER_BYTES) {
		/* the record's header, as the wire format lays it out */
		const uint8_t *rec = tx.record;
		json_object_set_new(reply, "scheme",
				    json_string(scheme_name(rec[LL_WIRE_RECORD_SCHEME_AT])));
		json_object_set_new(reply, "flags", u64(rec[LL_WIRE_RECORD_FLAGS_AT]));
		json_object_set_new(reply, "nonce", u64(ll_get_le64(rec + LL_WIRE_RECORD_NONCE_AT)));
		json_object_set_new(reply, "client",
				    hex(rec + LL_WIRE_RECORD_CLIENT_AT, LL_WIRE_CLIENT_BYTES));
	}
	json_object_set_new(reply, "record", hex(tx.record, tx.record_len));
	free(tx.record);
	return 0;
}

static json_t *proof_json(const uint8_t *nodes, size_t count)
{
	json_t *list = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(list, hex(nodes + i * D, D));
	return list;
}

static int cmd_tx_proof(void *arg, const struct ll_admin_request *req, json_t *reply,
			char *err, size_t err_len)
{
	ll_chain_t *chain = ll_appliance_chain(arg);
	uint8_t txid[D], proof[LL_MERKLE_MAX_PROOF_NODES * D], log_proof[LL_MERKLE_MAX_PROOF_NODES * D];
	size_t nodes = 0, log_nodes = 0;
	uint64_t at = 0;
	struct ll_chain_tx tx;
	struct ll_block_header block, head;
	int rc;
	if ((rc = arg_hex(req, "txid", true, txid, D, err, err_len)) < 0 ||
	    (rc = tip_height(chain, &at)) < 0 ||
	    (rc = ll_admin_arg_u64(req, "height", false, &at, err, err_len)) < 0)
		return rc;
	if ((rc = ll_chain_tx(chain, txid, &tx)) < 0) {
		snprintf(err, err_len, rc == -ENOENT ? "no such transaction" : "lookup failed: %s",
			 ll_strerror(rc));
		return rc;
	}
	free(tx.record);
	if (at < tx.height) {
		snprintf(err, err_len, "height: the transaction is in block %llu, after %llu",
			 (unsigned long long)tx.height, (unsigned long long)at);
		return -EINVAL;
	}
	if ((rc = ll_chain_block(chain, tx.height, &block, NULL, NULL)) < 0 ||
	    (rc = ll_chain_block(chain, at, &head, NULL, NULL)) < 0 ||
	    (rc = ll_chain_tx_proof(chain, txid, proof, &nodes)) < 0 ||
	    (rc = ll_chain_log_proof(chain, txid, at, log_proof, &log_nodes)) < 0) {
		snprintf(err, err_len, "proof: %s", ll_strerror(rc));
		return rc;
	}
	/* handed out only once they check */
	if (ll_merkle_verify_inclusion(block.hash_alg, tx.index, block.tx_count, txid, proof, nodes,
				       block.merkle_root) != 0 ||
	    ll_merkle_verify_inclusion(head.hash_alg, tx.log_index, head.log_size, txid, log_proof,
				       log_nodes, head.log_root) != 0) {
		snprintf(err, err_len, "the ledger's proof does not verify: run chain.verify");
		return -EIO;
	}
	json_object_set_new(reply, "txid", hex(txid, D));
	json_object_set_new(reply, "block", json_pack("{s:o, s:I, s:I, s:o, s:o}", "height",
						      u64(tx.height), "index", (json_int_t)tx.index,
						      "size", (json_int_t)block.tx_count,
						      "merkle_root", hex(block.merkle_root, D),
						      "proof", proof_json(proof, nodes)));
	json_object_set_new(reply, "log", json_pack("{s:o, s:o, s:o, s:o, s:o}", "height", u64(at),
						    "index", u64(tx.log_index), "size",
						    u64(head.log_size), "root",
						    hex(head.log_root, D), "proof",
						    proof_json(log_proof, log_nodes)));
	json_object_set_new(reply, "verified", json_true());
	return 0;
}

static int cmd_chain_verify(void *arg, const struct ll_admin_request *req, json_t *reply,
			    char *err, size_t err_len)
{
	(void)req;
	ll_chain_t *chain = ll_appliance_chain(arg);
	struct ll_block_header tip;
	uint64_t bad = 0;
	int rc = ll_chain_verify(chain, &bad);
	if (rc == -EBADMSG) {
		snprintf(err, err_len, "block %llu does not verify: the ledger is damaged",
			 (unsigned long long)bad);
		return rc;
	}
	if (rc < 0 || (rc = ll_chain_tip(chain, &tip)) < 0) {
		snprintf(err, err_len, "verify: %s", ll_strerror(rc));
		return rc;
	}
	/* verified up to the tip it found; the tip may have moved on since */
	json_object_set_new(reply, "verified_to", u64(tip.height));
	json_object_set_new(reply, "transactions", u64(tip.log_size));
	return 0;
}

static int cmd_snapshot(void *arg, const struct ll_admin_request *req, json_t *reply,
			char *err, size_t err_len)
{
	const char *path;
	uint64_t height = 0;
	int rc = ll_admin_arg_string(req, "path", true, &path, err, err_len);
	if (rc < 0)
		return rc;
	if (path[0] != '/') {
		snprintf(err, err_len, "path: want an absolute path for the snapshot's directory");
		return -EINVAL;
	}
	tip_height(ll_appliance_chain(arg), &height);
	if ((rc = ll_chain_snapshot(ll_appliance_chain(arg), path)) < 0) {
		snprintf(err, err_len, "snapshot to %s: %s", path,
			 rc == -EEXIST ? "it exists already" : ll_strerror(rc));
		return rc;
	}
	json_object_set_new(reply, "path", json_string(path));
	json_object_set_new(reply, "height_at_least", u64(height));
	return 0;
}

/* --- clients --- */

struct listing {
	json_t *list;
	const uint8_t *after;
	uint64_t left;
	bool more;
};

static int list_one(void *ctx, const struct ll_store_client *c)
{
	struct listing *l = ctx;
	if (l->left == 0) {
		l->more = true;
		return 1;
	}
	l->left--;
	json_array_append_new(l->list, json_pack("{s:o, s:s, s:b, s:o, s:o, s:o}", "id",
						 hex(c->id, 32), "scheme", scheme_name(c->scheme),
						 "trusted", c->trusted, "key", hex(c->pub, c->pub_len),
						 "rate", u64(c->rate), "burst", u64(c->burst)));
	return 0;
}

static int cmd_clients_list(void *arg, const struct ll_admin_request *req, json_t *reply,
			    char *err, size_t err_len)
{
	uint8_t after[32];
	uint64_t count = 1000;
	struct listing l = { .list = json_array() };
	int rc = arg_hex(req, "after", false, after, 32, err, err_len);
	if (rc == 0)
		l.after = after;
	if (rc < 0 || (rc = ll_admin_arg_u64(req, "count", false, &count, err, err_len)) < 0) {
		json_decref(l.list);
		return rc;
	}
	if (count > MAX_CLIENTS_LISTED) {
		json_decref(l.list);
		snprintf(err, err_len, "count: at most %d a request (page with after)",
			 MAX_CLIENTS_LISTED);
		return -EINVAL;
	}
	l.left = count;
	rc = ll_store_client_list_after(ll_chain_store(ll_appliance_chain(arg)), l.after, list_one,
					&l);
	if (rc < 0) {
		json_decref(l.list);
		snprintf(err, err_len, "list: %s", ll_strerror(rc));
		return rc;
	}
	json_object_set_new(reply, "clients", l.list);
	json_object_set_new(reply, "more", json_boolean(l.more));
	return 0;
}

static int cmd_clients_add(void *arg, const struct ll_admin_request *req, json_t *reply,
			   char *err, size_t err_len)
{
	struct ll_store_client c = { 0 };
	const char *scheme, *key;
	bool trusted = false;
	uint64_t rate = 0, burst = 0;
	int rc;
	if ((rc = ll_admin_arg_string(req, "scheme", true, &scheme, err, err_len)) < 0 ||
	    (rc = ll_admin_arg_string(req, "key", true, &key, err, err_len)) < 0 ||
	    (rc = ll_admin_arg_bool(req, "trusted", false, &trusted, err, err_len)) < 0 ||
	    (rc = ll_admin_arg_u64(req, "rate", false, &rate, err, err_len)) < 0 ||
	    (rc = ll_admin_arg_u64(req, "burst", false, &burst, err, err_len)) < 0)
		return rc;
	if (!strcmp(scheme, "ed25519"))
		c.scheme = LL_WIRE_SCHEME_ED25519;
	else if (!strcmp(scheme, "sm2"))
		c.scheme = LL_WIRE_SCHEME_SM2_SM3;
	else if (!strcmp(scheme, "none"))
		c.scheme = LL_WIRE_SCHEME_NONE;
	else {
		snprintf(err, err_len, "scheme: want ed25519, sm2 or none");
		return -EINVAL;
	}
	/* scheme none names its gateway by an Ed25519 key */
	size_t want = c.scheme == LL_WIRE_SCHEME_SM2_SM3 ? LL_SIG_SM2_KEY_BYTES :
							 LL_SIG_ED25519_KEY_BYTES;
	if (strlen(key) != 2 * want || ll_hex_decode(key, 2 * want, c.pub) < 0) {
		snprintf(err, err_len, "key: want %zu hex digits (%s public key)", 2 * want,
			 c.scheme == LL_WIRE_SCHEME_SM2_SM3 ? "an SM2" : "an Ed25519");
		return -EINVAL;
	}
	if (c.scheme == LL_WIRE_SCHEME_NONE && !trusted) {
		snprintf(err, err_len, "trusted: scheme none is for trusted gateways only");
		return -EINVAL;
	}
	if (rate > (1ull << 32) || burst > (1ull << 32)) {
		snprintf(err, err_len, "rate, burst: at most 4294967296 records a second");
		return -EINVAL;
	}
	c.pub_len = (uint8_t)want;
	c.trusted = trusted;
	c.rate = rate;
	c.burst = burst ? burst : rate;
	ll_sig_key_id(c.scheme == LL_WIRE_SCHEME_SM2_SM3 ? LL_SIG_SM2_SM3 : LL_SIG_ED25519, c.pub,
		      c.pub_len, c.id);
	if ((rc = ll_appliance_client_put(arg, &c, err, err_len)) < 0)
		return rc == -EINVAL ? -EINVAL : rc;
	json_object_set_new(reply, "id", hex(c.id, 32));
	return 0;
}

static int cmd_clients_remove(void *arg, const struct ll_admin_request *req, json_t *reply,
			      char *err, size_t err_len)
{
	uint8_t id[32];
	int rc = arg_hex(req, "id", true, id, 32, err, err_len);
	if (rc < 0)
		return rc;
	if ((rc = ll_appliance_client_remove(arg, id, err, err_len)) < 0)
		return rc;
	json_object_set_new(reply, "id", hex(id, 32));
	return 0;
}

/* --- the table --- */

static const char *const key_arg[] = { "key", NULL };
static const char *const set_args[] = { "key", "value", NULL };
static const char *const block_args[] = { "height", "txids", "from", "count", NULL };
static const char *const txid_arg[] = { "txid", NULL };
static const char *const proof_args[] = { "txid", "height", NULL };
static const char *const path_arg[] = { "path", NULL };
static const char *const list_args[] = { "after", "count", NULL };
static const char *const add_args[] = { "scheme", "key", "trusted", "rate", "burst", NULL };
static const char *const id_arg[] = { "id", NULL };

static const struct ll_admin_command commands[] = {
	{ "status", cmd_status, NULL, false, false, "state, chain, height, uptime, liveness" },
	{ "stats", cmd_stats, NULL, false, false, "every counter, as the stats file has them" },
	{ "config.get", cmd_config_get, key_arg, false, false,
	  "the settings running now (all, or one key)" },
	{ "config.set", cmd_config_set, set_args, false, true,
	  "change a runtime tunable (config.get lists them)" },
	{ "pause", cmd_pause, NULL, false, true,
	  "stop taking packets; what was admitted still commits" },
	{ "resume", cmd_resume, NULL, false, true, "take packets again" },
	{ "block.get", cmd_block_get, block_args, false, false,
	  "a block's header (the tip's by default), and its txids with txids:true" },
	{ "tx.get", cmd_tx_get, txid_arg, false, false, "where a transaction is, and its record" },
	{ "tx.proof", cmd_tx_proof, proof_args, false, false,
	  "inclusion proofs in its block and in the ledger-wide log, verified" },
	{ "chain.verify", cmd_chain_verify, NULL, true, false,
	  "recompute every block from genesis (runs beside the data path)" },
	{ "snapshot", cmd_snapshot, path_arg, true, true,
	  "a consistent copy of the ledger into a new directory" },
	{ "clients.list", cmd_clients_list, list_args, false, false, "registered clients" },
	{ "clients.add", cmd_clients_add, add_args, false, true,
	  "register a client (or change one's key or rate)" },
	{ "clients.remove", cmd_clients_remove, id_arg, false, true, "unregister a client" },
	{ "accel.info", cmd_accel_info, NULL, false, false,
	  "the accelerator: backend, device, why, jobs, checks" },
	{ "peers", cmd_peers, NULL, false, false, "the consensus group (solo: none)" },
	{ "shutdown", cmd_shutdown, NULL, false, true,
	  "drain (commit what was admitted, send receipts) and exit 0" },
};

const struct ll_admin_command *ll_commands(size_t *count)
{
	*count = LL_ARRAY_LEN(commands);
	return commands;
}
