/* ledgerctl: the operator's CLI over the appliance's admin socket. One
 * subcommand a run, each one admin command (top: stats, again and again);
 * aligned text for people, --json for scripts, exit codes scripts can rely on. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ll_ctl.h"
#include "ll_settings.h"	/* LL_VERSION: ledgerctl is released with the appliance */
#include "ll_sig.h"

/* Exit codes, as --help and ledgerctl(1) document them. */
enum {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,	/* the appliance said ok:false */
	EXIT_USAGE = 2,		/* caught before anything was sent */
	EXIT_CONNECT = 3,	/* no conversation: socket, timeout, not JSON, auth */
};

#define DEFAULT_TIMEOUT_S 10.0
#define TXIDS_PAGE 1000		/* block.get's most txids a request */
#define CLIENTS_PAGE 1000	/* clients.list's page, well under its 10,000 */
#define HEX32 64

/* --- options --- */

enum opt_bit {
	O_TXIDS = 1 << 0,
	O_FROM = 1 << 1,
	O_COUNT = 1 << 2,
	O_HEIGHT = 1 << 3,
	O_AFTER = 1 << 4,
	O_SCHEME = 1 << 5,
	O_KEY = 1 << 6,
	O_TRUSTED = 1 << 7,
	O_RATE = 1 << 8,
	O_BURST = 1 << 9,
	O_INTERVAL = 1 << 10,
	O_WAIT = 1 << 11,
};

enum {
	OPT_TCP = 1000, OPT_TOKEN_FILE, OPT_JSON, OPT_TIMEOUT, OPT_VERSION,
	OPT_FIRST_BIT,	/* then one per opt_bit, in bit order */
};

static const char *const bit_names[] = {
	"--txids", "--from", "--count", "--height", "--after", "--scheme", "--key",
	"--trusted", "--rate", "--burst", "--interval", "--wait",
};

static const struct option long_opts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "tcp", required_argument, NULL, OPT_TCP },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "txids", no_argument, NULL, OPT_FIRST_BIT + 0 },
	{ "from", required_argument, NULL, OPT_FIRST_BIT + 1 },
	{ "count", required_argument, NULL, OPT_FIRST_BIT + 2 },
	{ "height", required_argument, NULL, OPT_FIRST_BIT + 3 },
	{ "after", required_argument, NULL, OPT_FIRST_BIT + 4 },
	{ "scheme", required_argument, NULL, OPT_FIRST_BIT + 5 },
	{ "key", required_argument, NULL, OPT_FIRST_BIT + 6 },
	{ "trusted", no_argument, NULL, OPT_FIRST_BIT + 7 },
	{ "rate", required_argument, NULL, OPT_FIRST_BIT + 8 },
	{ "burst", required_argument, NULL, OPT_FIRST_BIT + 9 },
	{ "interval", required_argument, NULL, OPT_FIRST_BIT + 10 },
	{ "wait", no_argument, NULL, OPT_FIRST_BIT + 11 },
	{ NULL, 0, NULL, 0 },
};

struct opts {
	const char *socket, *tcp, *token_file;
	bool json, help, version, timeout_given;
	double timeout_s;
	unsigned given;			/* opt_bit */
	uint64_t from, count, height, rate, burst;
	const char *after, *scheme, *key;
	double interval_s;
};

struct ctx;

/* One subcommand: its words, its arguments and options, what it does. */
struct sub {
	const char *name;		/* "status", "config get" */
	int min_args, max_args;		/* positional, after the name */
	unsigned allowed;		/* opt_bit */
	bool no_timeout;		/* may run long: no deadline unless --timeout */
	int (*run)(struct ctx *x, char **args, int nargs);
	const char *synopsis;		/* after "ledgerctl " */
	const char *summary;
	const char *help;
};

struct ctx {
	const struct opts *o;
	const struct sub *sub;
	struct ll_ctl_cfg cfg;
	ll_ctl_t *conn;
	char token[512];
	char err[LL_CTL_ERR_MAX];
};

/* --- messages --- */

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);		/* what was printed first shows first */
	fputs("ledgerctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* A usage error, with where to read more. */
static int usage_error(const struct sub *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int usage_error(const struct sub *s, const char *fmt, ...)
{
	va_list ap;
	fputs("ledgerctl: ", stderr);
	if (s)
		fprintf(stderr, "%s: ", s->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (s)
		fprintf(stderr, "\nusage: ledgerctl %s (ledgerctl help %s)\n", s->synopsis, s->name);
	else
		fprintf(stderr, " (ledgerctl --help)\n");
	return EXIT_USAGE;
}

/* --- argument checks, before anything is sent --- */

static bool parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 20)
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, NULL, 10);
	/* the admin protocol's numbers are JSON integers: signed 64-bit */
	if (errno || v > INT64_MAX)
		return false;
	*out = v;
	return true;
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < 0 || v > 86400.0 * 365)
		return false;
	*out = v;
	return true;
}

static bool is_hex(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, "0123456789abcdefABCDEF") == len;
}

/* --- text output: aligned "key: value" lines and tables --- */

#define LINES_MAX 64

struct lines {
	int n;
	char *key[LINES_MAX], *value[LINES_MAX];
};

static void line(struct lines *l, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void line(struct lines *l, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *v = NULL;
	if (l->n == LINES_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) < 0)
		v = NULL;
	va_end(ap);
	l->key[l->n] = strdup(key);
	l->value[l->n++] = v;
}

static void lines_print(struct lines *l)
{
	size_t width = 0;
	for (int i = 0; i < l->n; i++)
		if (l->key[i] && strlen(l->key[i]) > width)
			width = strlen(l->key[i]);
	for (int i = 0; i < l->n; i++) {
		const char *k = l->key[i] ? l->key[i] : "?";
		printf("%s:%*s %s\n", k, (int)(width - strlen(k)), "",
		       l->value[i] ? l->value[i] : "");
		free(l->key[i]);
		free(l->value[i]);
	}
	l->n = 0;
}

#define COLS_MAX 8

struct table {
	int cols, rows, cap;
	const char *head[COLS_MAX];
	bool right[COLS_MAX];		/* numbers: aligned right */
	char **cells;
};

static void table_row(struct table *t, ...)
{
	va_list ap;
	if (t->rows == t->cap) {
		int cap = t->cap ? 2 * t->cap : 16;
		char **grown = realloc(t->cells, (size_t)cap * (size_t)t->cols * sizeof *grown);
		if (!grown)
			return;
		t->cells = grown;
		t->cap = cap;
	}
	va_start(ap, t);
	for (int c = 0; c < t->cols; c++) {
		const char *v = va_arg(ap, const char *);
		t->cells[t->rows * t->cols + c] = strdup(v ? v : "");
	}
	va_end(ap);
	t->rows++;
}

/* Prints the table (a heading row, then the rows, columns two blanks apart) and empties it. */
static void table_print(struct table *t)
{
	size_t width[COLS_MAX];
	for (int c = 0; c < t->cols; c++) {
		width[c] = strlen(t->head[c]);
		for (int r = 0; r < t->rows; r++) {
			const char *v = t->cells[r * t->cols + c];
			if (v && strlen(v) > width[c])
				width[c] = strlen(v);
		}
	}
	for (int r = -1; r < t->rows; r++) {
		char row[1024];
		size_t n = 0;
		for (int c = 0; c < t->cols && n < sizeof row; c++) {
			const char *v = r < 0 ? t->head[c] : t->cells[r * t->cols + c];
			n += (size_t)snprintf(row + n, sizeof row - n, t->right[c] ? "%s%*s" : "%s%-*s",
					      c ? "  " : "", (int)width[c], v ? v : "");
		}
		/* no trailing blanks after an empty last column */
		n = strnlen(row, sizeof row);
		while (n && row[n - 1] == ' ')
			n--;
		printf("%.*s\n", (int)n, row);
	}
	for (int i = 0; i < t->rows * t->cols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->rows = t->cap = 0;
}

/* A counter for people: "1,234". The buffers rotate, so one printf may take several. */
static const char *num(uint64_t v)
{
	static char bufs[32][32];
	static unsigned next;
	char *b = bufs[next++ % 32];
	return ll_ctl_fmt_count(v, b, 32);
}

static const char *rate(double v)
{
	static char bufs[8][32];
	static unsigned next;
	char *b = bufs[next++ % 8];
	return ll_ctl_fmt_rate(v, b, 32);
}

static const char *yes_no(const json_t *o, const char *path)
{
	return json_is_true(ll_ctl_get(o, path)) ? "yes" : "no";
}

/* "name 12, other 3" of an object's non-zero counters, or "none". */
static void nonzero(const json_t *o, char *buf, size_t len)
{
	const char *key;
	json_t *v;
	size_t n = 0;
	buf[0] = '\0';
	json_object_foreach((json_t *)o, key, v) {
		if (!json_is_integer(v) || json_integer_value(v) == 0 || n >= len)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s %s", n ? ", " : "", key,
				      num((uint64_t)json_integer_value(v)));
	}
	if (!n)
		snprintf(buf, len, "none");
}

/* The reply for scripts: one line of JSON. */
static const char *accel_summary(const json_t *a, char *buf, size_t len);

static void print_json(const json_t *reply)
{
	char *text = json_dumps(reply, JSON_COMPACT | JSON_REAL_PRECISION(6));
	if (text) {
		puts(text);
		free(text);
	}
}

/* --- talking to the appliance --- */

static int connect_once(struct ctx *x)
{
	if (x->conn)
		return EXIT_OK;
	int rc = ll_ctl_open(&x->cfg, &x->conn, x->err, sizeof x->err);
	if (rc < 0)
		return fail(EXIT_CONNECT, "%s", x->err);
	return EXIT_OK;
}

/*
 * Sends req (taken) and sets *reply. Returns EXIT_OK for ok:true; EXIT_REFUSED
 * for ok:false (said on stderr; with --json the reply goes to stdout too, and
 * *reply is NULL); EXIT_CONNECT when there was no conversation (said).
 */
static int call(struct ctx *x, json_t *req, json_t **reply)
{
	*reply = NULL;
	if (!req)
		return fail(EXIT_CONNECT, "out of memory");
	int code = connect_once(x);
	if (code != EXIT_OK) {
		json_decref(req);
		return code;
	}
	json_t *r = NULL;
	int rc = ll_ctl_request(x->conn, req, &r, x->err, sizeof x->err);
	const char *cmd = json_string_value(json_object_get(req, "cmd"));
	if (rc < 0) {
		json_decref(req);
		if (rc == -EBUSY)
			return fail(EXIT_CONNECT, "%s (try again shortly)", x->err);
		return fail(EXIT_CONNECT, "%s", x->err);
	}
	if (!json_is_true(json_object_get(r, "ok"))) {
		if (x->o->json)
			print_json(r);
		fail(EXIT_REFUSED, "%s: %s", cmd ? cmd : "?", ll_ctl_str(r, "error", "failed"));
		json_decref(r);
		json_decref(req);
		return EXIT_REFUSED;
	}
	json_decref(req);
	*reply = r;
	return EXIT_OK;
}

/* The common case: one request; the reply as JSON, or through show. */
static int simple(struct ctx *x, json_t *req, void (*show)(const json_t *reply))
{
	json_t *r;
	int code = call(x, req, &r);
	if (code != EXIT_OK)
		return code;
	if (x->o->json)
		print_json(r);
	else
		show(r);
	json_decref(r);
	return EXIT_OK;
}

/* --- status, stats --- */

static void show_status(const json_t *r)
{
	struct lines l = { 0 };
	char up[48];
	line(&l, "state", "%s", ll_ctl_str(r, "state", "?"));
	line(&l, "version", "%s", ll_ctl_str(r, "version", "?"));
	line(&l, "mode", "%s", ll_ctl_str(r, "mode", "?"));
	line(&l, "chain", "%s (%s)", num(ll_ctl_u64(r, "chain_id")), ll_ctl_str(r, "hash", "?"));
	line(&l, "height", "%s", num(ll_ctl_u64(r, "height")));
	line(&l, "tip", "%s", ll_ctl_str(r, "tip", "?"));
	line(&l, "uptime", "%s", ll_ctl_fmt_ms(ll_ctl_u64(r, "uptime_ms"), up, sizeof up));
	line(&l, "clients", "%s", num(ll_ctl_u64(r, "clients")));
	line(&l, "rx lcores", "%s", num(ll_ctl_u64(r, "rx_lcores")));
	line(&l, "accel", "%s", ll_ctl_str(r, "accel", "?"));
	line(&l, "records committed", "%s", num(ll_ctl_u64(r, "records_committed")));
	line(&l, "blocks committed", "%s", num(ll_ctl_u64(r, "blocks_committed")));
	line(&l, "live", "ingest %s, consensus %s, store %s", yes_no(r, "live.ingest"),
	     yes_no(r, "live.consensus"), yes_no(r, "live.store"));
	lines_print(&l);
}

static int run_status(struct ctx *x, char **args, int nargs)
{
	(void)args, (void)nargs;
	return simple(x, json_pack("{s:s}", "cmd", "status"), show_status);
}

static void show_lcores(const json_t *lcores)
{
	struct table t = { .cols = 8, .head = { "LCORE", "QUEUE", "PACKETS", "FRAMES", "RECORDS",
						 "DROPPED", "RING", "IDLE POLLS" },
			   .right = { true, true, true, true, true, true, true, true } };
	size_t i;
	json_t *q;
	json_array_foreach(lcores, i, q) {
		uint64_t dropped = 0;
		const char *key;
		json_t *v;
		json_object_foreach(ll_ctl_get(q, "dropped"), key, v)
			dropped += ll_ctl_u64(v, "");
		char ring[64], idle[32];
		snprintf(ring, sizeof ring, "%s/%s", num(ll_ctl_u64(q, "ring_used")),
			 num(ll_ctl_u64(q, "ring_capacity")));
		uint64_t polls = ll_ctl_u64(q, "polls");
		snprintf(idle, sizeof idle, "%.0f%%",
			 polls ? 100.0 * (double)ll_ctl_u64(q, "idle_polls") / (double)polls : 0.0);
		table_row(&t, num(ll_ctl_u64(q, "lcore")), num(ll_ctl_u64(q, "queue")),
			  num(ll_ctl_u64(q, "packets")), num(ll_ctl_u64(q, "frames_admitted")),
			  num(ll_ctl_u64(q, "records_admitted")), num(dropped), ring, idle);
	}
	table_print(&t);
}

static void show_stats(const json_t *r)
{
	const json_t *s = ll_ctl_get(r, "stats");
	struct lines l = { 0 };
	char buf[1024], b2[48];
	line(&l, "state", "%s (live: ingest %s, consensus %s, store %s)",
	     ll_ctl_str(s, "state", "?"), yes_no(s, "live.ingest"), yes_no(s, "live.consensus"),
	     yes_no(s, "live.store"));
	line(&l, "height", "%s", num(ll_ctl_u64(s, "height")));
	line(&l, "chain", "%s (%s), tip %s", num(ll_ctl_u64(s, "chain.id")),
	     ll_ctl_str(s, "chain.hash", "?"), ll_ctl_str(s, "chain.tip", "?"));
	line(&l, "uptime", "%s", ll_ctl_fmt_ms(ll_ctl_u64(s, "uptime_ms"), b2, sizeof b2));
	line(&l, "clients", "%s", num(ll_ctl_u64(s, "clients")));
	line(&l, "rx", "%s packets (%s), %s not ingest", num(ll_ctl_u64(s, "rx.packets")),
	     ll_ctl_fmt_bytes(ll_ctl_u64(s, "rx.bytes"), b2, sizeof b2),
	     num(ll_ctl_u64(s, "rx.not_ingest")));
	line(&l, "admitted", "%s frames, %s records", num(ll_ctl_u64(s, "rx.frames_admitted")),
	     num(ll_ctl_u64(s, "rx.records_admitted")));
	nonzero(ll_ctl_get(s, "dropped"), buf, sizeof buf);
	line(&l, "dropped (frames)", "%s", buf);
	line(&l, "ordered", "%s frames, %s records, %s replays, %s errors",
	     num(ll_ctl_u64(s, "order.frames")), num(ll_ctl_u64(s, "order.records")),
	     num(ll_ctl_u64(s, "order.replays")), num(ll_ctl_u64(s, "order.errors")));
	line(&l, "committed", "%s records in %s blocks (%s submitted), %s in flight",
	     num(ll_ctl_u64(s, "solo.records_committed")),
	     num(ll_ctl_u64(s, "solo.blocks_committed")),
	     num(ll_ctl_u64(s, "solo.records_submitted")),
	     num(ll_ctl_u64(s, "solo.blocks_in_flight")));
	line(&l, "commit trouble", "%s retries, %s failures, stalled %s",
	     num(ll_ctl_u64(s, "solo.commit_retries")), num(ll_ctl_u64(s, "solo.commit_failures")),
	     yes_no(s, "solo.stalled"));
	line(&l, "backpressure", "overload %s, solo_full_waits %s, records_refused_full %s, "
	     "port imissed %s", num(ll_ctl_u64(s, "dropped.overload")),
	     num(ll_ctl_u64(s, "order.solo_full_waits")),
	     num(ll_ctl_u64(s, "solo.records_refused_full")), num(ll_ctl_u64(s, "port.imissed")));
	line(&l, "rings", "rx_to_order %s/%s, receipts %s/%s",
	     num(ll_ctl_u64(s, "order.ring_used")), num(ll_ctl_u64(s, "order.ring_capacity")),
	     num(ll_ctl_u64(s, "receipts.ring_used")), num(ll_ctl_u64(s, "receipts.ring_capacity")));
	uint64_t count = ll_ctl_u64(s, "commit_latency.count");
	char p50[32], p99[32], mean[32];
	line(&l, "commit latency", "%s commits, mean %s, p50 <= %s, p99 <= %s", num(count),
	     ll_ctl_fmt_us(count ? ll_ctl_u64(s, "commit_latency.sum_us") / count : 0, 0, mean,
			   sizeof mean),
	     ll_ctl_fmt_us(ll_ctl_u64(s, "commit_latency.p50_us"), 0, p50, sizeof p50),
	     ll_ctl_fmt_us(ll_ctl_u64(s, "commit_latency.p99_us"), 0, p99, sizeof p99));
	line(&l, "receipts", "%s built (%s records), %s sent; no_mbuf %s, ring_full %s, "
	     "origin_lost %s", num(ll_ctl_u64(s, "receipts.built")),
	     num(ll_ctl_u64(s, "receipts.records")), num(ll_ctl_u64(s, "receipts.sent")),
	     num(ll_ctl_u64(s, "receipts.no_mbuf")), num(ll_ctl_u64(s, "receipts.ring_full")),
	     num(ll_ctl_u64(s, "receipts.origin_lost")));
	if (ll_ctl_get(s, "port"))
		line(&l, "port", "in %s (missed %s, errors %s, no mbuf %s), out %s (errors %s)",
		     num(ll_ctl_u64(s, "port.ipackets")), num(ll_ctl_u64(s, "port.imissed")),
		     num(ll_ctl_u64(s, "port.ierrors")), num(ll_ctl_u64(s, "port.rx_nombuf")),
		     num(ll_ctl_u64(s, "port.opackets")), num(ll_ctl_u64(s, "port.oerrors")));
	if (ll_ctl_get(s, "xdp")) {
		nonzero(ll_ctl_get(s, "xdp"), buf, sizeof buf);
		line(&l, "xdp filter", "%s", buf);
	}
	char accel[96];
	line(&l, "accel", "%s (requested %s): %s jobs, %s records, %s checks, "
	     "%s mismatches, %s device errors, %s cpu jobs",
	     accel_summary(ll_ctl_get(s, "accel"), accel, sizeof accel),
	     ll_ctl_str(s, "accel.requested", "?"),
	     num(ll_ctl_u64(s, "accel.jobs")), num(ll_ctl_u64(s, "accel.records")),
	     num(ll_ctl_u64(s, "accel.checks")), num(ll_ctl_u64(s, "accel.mismatches")),
	     num(ll_ctl_u64(s, "accel.device_errors")), num(ll_ctl_u64(s, "accel.cpu_jobs")));
	line(&l, "mbufs free", "rx %s, tx %s", num(ll_ctl_u64(s, "mbufs_free.rx")),
	     num(ll_ctl_u64(s, "mbufs_free.tx")));
	line(&l, "admin", "%s accepted, %s open, %s requests (%s ok, %s failed)",
	     num(ll_ctl_u64(s, "admin.accepted")), num(ll_ctl_u64(s, "admin.open")),
	     num(ll_ctl_u64(s, "admin.requests")), num(ll_ctl_u64(s, "admin.ok")),
	     num(ll_ctl_u64(s, "admin.failed")));
	/* the admin counters that are not the totals above: refusals and closes, by reason */
	json_t *admin = json_deep_copy(ll_ctl_get(s, "admin"));
	static const char *const totals[] = { "accepted", "open", "requests", "ok", "failed" };
	for (size_t i = 0; admin && i < sizeof totals / sizeof totals[0]; i++)
		json_object_del(admin, totals[i]);
	nonzero(admin, buf, sizeof buf);
	json_decref(admin);
	line(&l, "admin refusals", "%s", buf);
	lines_print(&l);
	if (json_array_size(ll_ctl_get(s, "rx_lcores"))) {
		putchar('\n');
		show_lcores(ll_ctl_get(s, "rx_lcores"));
	}
}

static int run_stats(struct ctx *x, char **args, int nargs)
{
	(void)args, (void)nargs;
	return simple(x, json_pack("{s:s}", "cmd", "stats"), show_stats);
}

/* --- config --- */

static void show_config_get(const json_t *r)
{
	struct lines l = { 0 };
	if (ll_ctl_get(r, "key")) {
		line(&l, "key", "%s", ll_ctl_str(r, "key", ""));
		line(&l, "value", "%s", ll_ctl_str(r, "value", ""));
		line(&l, "runtime", "%s", json_is_true(ll_ctl_get(r, "runtime")) ?
		     "yes (ledgerctl config set changes it at once)" :
		     "no (change it in the file, and restart)");
		line(&l, "doc", "%s", ll_ctl_str(r, "doc", ""));
		lines_print(&l);
		return;
	}
	/* every key; the runtime tunables marked */
	const char *key;
	json_t *v;
	struct table t = { .cols = 3, .head = { "KEY", "VALUE", "RUNTIME" } };
	json_object_foreach(ll_ctl_get(r, "config"), key, v) {
		bool runtime = false;
		size_t i;
		json_t *k;
		json_array_foreach(ll_ctl_get(r, "runtime"), i, k)
			runtime |= json_is_string(k) && strcmp(json_string_value(k), key) == 0;
		table_row(&t, key, json_is_string(v) ? json_string_value(v) : "?",
			  runtime ? "yes" : "");
	}
	table_print(&t);
}

static int run_config_get(struct ctx *x, char **args, int nargs)
{
	json_t *req = json_pack("{s:s}", "cmd", "config.get");
	if (nargs == 1 && req)
		json_object_set_new(req, "key", json_string(args[0]));
	return simple(x, req, show_config_get);
}

static void show_config_set(const json_t *r)
{
	printf("%s: %s (was %s)\n", ll_ctl_str(r, "key", "?"), ll_ctl_str(r, "value", "?"),
	       ll_ctl_str(r, "was", "?"));
}

static int run_config_set(struct ctx *x, char **args, int nargs)
{
	(void)nargs;
	return simple(x, json_pack("{s:s, s:s, s:s}", "cmd", "config.set", "key", args[0], "value",
				   args[1]), show_config_set);
}

/* --- levers --- */

static void show_state(const json_t *r)
{
	printf("state: %s\n", ll_ctl_str(r, "state", "?"));
}

static int run_pause(struct ctx *x, char **args, int nargs)
{
	(void)args, (void)nargs;
	return simple(x, json_pack("{s:s}", "cmd", "pause"), show_state);
}

static int run_resume(struct ctx *x, char **args, int nargs)
{
	(void)args, (void)nargs;
	return simple(x, json_pack("{s:s}", "cmd", "resume"), show_state);
}

/*
 * shutdown --wait: the appliance closes every admin connection once it has
 * drained, and removes its socket; until then this connection stays open (an
 * idle one is closed with a farewell line: then reconnect and wait on).
 */
static int wait_gone(struct ctx *x)
{
	for (;;) {
		int rc = ll_ctl_wait_closed(x->conn, x->err, sizeof x->err);
		if (rc < 0)
			return fail(EXIT_CONNECT, "shutdown --wait: %s", x->err);
		ll_ctl_close(x->conn);
		x->conn = NULL;
		rc = ll_ctl_open(&x->cfg, &x->conn, x->err, sizeof x->err);
		if (rc == -ENOENT || rc == -ECONNREFUSED)
			return EXIT_OK;	/* gone: drained, and its socket closed */
		if (rc < 0)
			return fail(EXIT_CONNECT, "shutdown --wait: %s", x->err);
	}
}

static int run_shutdown(struct ctx *x, char **args, int nargs)
{
	(void)args, (void)nargs;
	json_t *r;
	int code = call(x, json_pack("{s:s}", "cmd", "shutdown"), &r);
	if (code != EXIT_OK)
		return code;
	if (x->o->given & O_WAIT) {
		code = wait_gone(x);
		if (code == EXIT_OK)
			json_object_set_new(r, "state", json_string("stopped"));
	}
	if (code == EXIT_OK) {
		if (x->o->json)
			print_json(r);
		else
			show_state(r);
	}
	json_decref(r);
	return code;
}

/* --- the ledger --- */

static void show_header(struct lines *l, const json_t *b)
{
	uint64_t ns = ll_ctl_u64(b, "timestamp_ns");
	time_t secs = (time_t)(ns / 1000000000u);
	struct tm tm;
	char when[64] = "?", b2[48];
	if (gmtime_r(&secs, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	line(l, "height", "%s", num(ll_ctl_u64(b, "height")));
	line(l, "hash", "%s", ll_ctl_str(b, "hash", "?"));
	line(l, "prev hash", "%s", ll_ctl_str(b, "prev_hash", "?"));
	line(l, "merkle root", "%s", ll_ctl_str(b, "merkle_root", "?"));
	line(l, "time", "%s.%09" PRIu64 "Z", when, ns % 1000000000u);
	line(l, "transactions", "%s (body %s)", num(ll_ctl_u64(b, "tx_count")),
	     ll_ctl_fmt_bytes(ll_ctl_u64(b, "body_bytes"), b2, sizeof b2));
	line(l, "log size", "%s", num(ll_ctl_u64(b, "log_size")));
	line(l, "log root", "%s", ll_ctl_str(b, "log_root", "?"));
	line(l, "hash alg", "%s", ll_ctl_str(b, "hash_alg", "?"));
	line(l, "chain", "%s", num(ll_ctl_u64(b, "chain_id")));
	line(l, "version", "%s", num(ll_ctl_u64(b, "version")));
	line(l, "proposer", "%s", num(ll_ctl_u64(b, "proposer")));
	line(l, "term", "%s", num(ll_ctl_u64(b, "term")));
}

static json_t *block_request(const json_t *height, bool txids, uint64_t from, uint64_t count)
{
	json_t *req = json_pack("{s:s}", "cmd", "block.get");
	if (req && height)
		json_object_set(req, "height", (json_t *)height);
	if (req && txids) {
		json_object_set_new(req, "txids", json_true());
		json_object_set_new(req, "from", json_integer((json_int_t)from));
		json_object_set_new(req, "count", json_integer((json_int_t)count));
	}
	return req;
}

/*
 * block: the header; with --txids, every txid asked for (all of them by
 * default), fetched a page at a time from the height the first page named,
 * so a tip that moves on between pages does not mix two blocks.
 */
static int run_block(struct ctx *x, char **args, int nargs)
{
	const struct opts *o = x->o;
	bool txids = o->given & O_TXIDS;
	uint64_t want = (o->given & O_COUNT) ? o->count : UINT64_MAX, from = o->from;
	json_t *height = NULL, *r;
	if (nargs == 1) {
		uint64_t h;
		if (!parse_u64(args[0], &h))
			return usage_error(x->sub, "HEIGHT %s: want a whole number", args[0]);
		height = json_integer((json_int_t)h);
	}
	uint64_t page = want < TXIDS_PAGE ? want : TXIDS_PAGE;
	int code = call(x, block_request(height, txids, from, page), &r);
	json_decref(height);
	if (code != EXIT_OK)
		return code;
	json_t *list = ll_ctl_get(r, "txids");
	uint64_t tx_count = ll_ctl_u64(r, "block.tx_count"), got = json_array_size(list);
	size_t last_page = got;
	height = json_incref(ll_ctl_get(r, "block.height"));
	while (txids && json_is_array(list) && got < want && from + got < tx_count &&
	       last_page > 0) {
		json_t *more;
		page = want - got < TXIDS_PAGE ? want - got : TXIDS_PAGE;
		if ((code = call(x, block_request(height, true, from + got, page), &more)) != EXIT_OK)
			break;
		json_t *next = ll_ctl_get(more, "txids");
		last_page = json_array_size(next);
		json_array_extend(list, next);
		json_decref(more);
		got += last_page;
	}
	json_decref(height);
	if (code != EXIT_OK) {
		json_decref(r);
		return code;
	}
	if (o->json) {
		print_json(r);
	} else {
		struct lines l = { 0 };
		show_header(&l, ll_ctl_get(r, "block"));
		if (txids)
			line(&l, "txids", "%s, from index %s:", num(json_array_size(list)), num(from));
		lines_print(&l);
		size_t i;
		json_t *t;
		json_array_foreach(list, i, t)
			puts(json_string_value(t) ? json_string_value(t) : "?");
	}
	json_decref(r);
	return EXIT_OK;
}

static void show_tx(const json_t *r)
{
	struct lines l = { 0 };
	line(&l, "txid", "%s", ll_ctl_str(r, "txid", "?"));
	line(&l, "height", "%s", num(ll_ctl_u64(r, "height")));
	line(&l, "index", "%s", num(ll_ctl_u64(r, "index")));
	line(&l, "log index", "%s", num(ll_ctl_u64(r, "log_index")));
	if (ll_ctl_get(r, "scheme")) {
		line(&l, "scheme", "%s", ll_ctl_str(r, "scheme", "?"));
		line(&l, "client", "%s", ll_ctl_str(r, "client", "?"));
		line(&l, "nonce", "%s", num(ll_ctl_u64(r, "nonce")));
		line(&l, "flags", "0x%02" PRIx64, ll_ctl_u64(r, "flags"));
	}
	line(&l, "record", "%s bytes:", num(ll_ctl_u64(r, "record_len")));
	lines_print(&l);
	puts(ll_ctl_str(r, "record", ""));
}

static int run_tx(struct ctx *x, char **args, int nargs)
{
	(void)nargs;
	if (!is_hex(args[0], HEX32))
		return usage_error(x->sub, "TXID %s: want %d hex digits", args[0], HEX32);
	return simple(x, json_pack("{s:s, s:s}", "cmd", "tx.get", "txid", args[0]), show_tx);
}

static void show_nodes(const json_t *list)
{
	size_t i;
	json_t *n;
	json_array_foreach(list, i, n)
		printf("  %s\n", json_string_value(n) ? json_string_value(n) : "?");
}

static void show_proof(const json_t *r)
{
	struct lines l = { 0 };
	line(&l, "txid", "%s", ll_ctl_str(r, "txid", "?"));
	line(&l, "verified", "%s", json_is_true(ll_ctl_get(r, "verified")) ?
	     "yes (by the appliance, before it answered)" : "no");
	line(&l, "block", "height %s, leaf %s of %s", num(ll_ctl_u64(r, "block.height")),
	     num(ll_ctl_u64(r, "block.index")), num(ll_ctl_u64(r, "block.size")));
	line(&l, "merkle root", "%s", ll_ctl_str(r, "block.merkle_root", "?"));
	line(&l, "block proof", "%s nodes, leaf to root:",
	     num(json_array_size(ll_ctl_get(r, "block.proof"))));
	lines_print(&l);
	show_nodes(ll_ctl_get(r, "block.proof"));
	line(&l, "log", "as of height %s, leaf %s of %s", num(ll_ctl_u64(r, "log.height")),
	     num(ll_ctl_u64(r, "log.index")), num(ll_ctl_u64(r, "log.size")));
	line(&l, "log root", "%s", ll_ctl_str(r, "log.root", "?"));
	line(&l, "log proof", "%s nodes, leaf to root:",
	     num(json_array_size(ll_ctl_get(r, "log.proof"))));
	lines_print(&l);
	show_nodes(ll_ctl_get(r, "log.proof"));
}

static int run_proof(struct ctx *x, char **args, int nargs)
{
	(void)nargs;
	if (!is_hex(args[0], HEX32))
		return usage_error(x->sub, "TXID %s: want %d hex digits", args[0], HEX32);
	json_t *req = json_pack("{s:s, s:s}", "cmd", "tx.proof", "txid", args[0]);
	if (req && (x->o->given & O_HEIGHT))
		json_object_set_new(req, "height", json_integer((json_int_t)x->o->height));
	return simple(x, req, show_proof);
}

static void show_verify(const json_t *r)
{
	struct lines l = { 0 };
	line(&l, "verified", "every block from genesis to height %s",
	     num(ll_ctl_u64(r, "verified_to")));
	line(&l, "transactions", "%s", num(ll_ctl_u64(r, "transactions")));
	lines_print(&l);
}

static int run_verify(struct ctx *x, char **args, int nargs)
{
	(void)args, (void)nargs;
	return simple(x, json_pack("{s:s}", "cmd", "chain.verify"), show_verify);
}

static void show_snapshot(const json_t *r)
{
	struct lines l = { 0 };
	line(&l, "snapshot", "%s", ll_ctl_str(r, "path", "?"));
	line(&l, "height", "%s or later", num(ll_ctl_u64(r, "height_at_least")));
	lines_print(&l);
}

static int run_snapshot(struct ctx *x, char **args, int nargs)
{
	(void)nargs;
	/* the appliance wants an absolute path: its working directory is not ours */
	char path[2 * PATH_MAX + 2], cwd[PATH_MAX];
	size_t len = strlen(args[0]);
	while (len > 1 && args[0][len - 1] == '/')
		len--;
	if (len == 0)
		return usage_error(x->sub, "DIR: want a directory name");
	if (args[0][0] == '/') {
		if (len >= PATH_MAX)
			return usage_error(x->sub, "DIR: too long");
		snprintf(path, sizeof path, "%.*s", (int)len, args[0]);
	} else {
		if (!getcwd(cwd, sizeof cwd))
			return fail(EXIT_USAGE, "snapshot: the working directory: %s", strerror(errno));
		if (strlen(cwd) + 1 + len >= PATH_MAX)
			return usage_error(x->sub, "DIR: too long");
		snprintf(path, sizeof path, "%s/%.*s", strcmp(cwd, "/") ? cwd : "", (int)len,
			 args[0]);
	}
	return simple(x, json_pack("{s:s, s:s}", "cmd", "snapshot", "path", path), show_snapshot);
}

/* --- clients --- */

/*
 * clients list: every client by default (pages of CLIENTS_PAGE, each after the
 * last id), or --count of them; "more" says whether any are left after.
 */
static int run_clients_list(struct ctx *x, char **args, int nargs)
{
	(void)args, (void)nargs;
	const struct opts *o = x->o;
	uint64_t want = (o->given & O_COUNT) ? o->count : UINT64_MAX, got = 0;
	char after[HEX32 + 1] = "";
	if (o->given & O_AFTER) {
		if (!is_hex(o->after, HEX32))
			return usage_error(x->sub, "--after %s: want a client id, %d hex digits",
					   o->after, HEX32);
		snprintf(after, sizeof after, "%s", o->after);
	}
	json_t *all = json_array();
	bool more = false;
	int code = EXIT_OK;
	do {
		uint64_t page = want - got < CLIENTS_PAGE ? want - got : CLIENTS_PAGE;
		json_t *req = json_pack("{s:s, s:I}", "cmd", "clients.list", "count",
					(json_int_t)page), *r;
		if (req && after[0])
			json_object_set_new(req, "after", json_string(after));
		if ((code = call(x, req, &r)) != EXIT_OK)
			break;
		json_t *list = ll_ctl_get(r, "clients");
		size_t n = json_array_size(list);
		more = json_is_true(ll_ctl_get(r, "more"));
		if (n)
			snprintf(after, sizeof after, "%s",
				 ll_ctl_str(json_array_get(list, n - 1), "id", ""));
		json_array_extend(all, list);
		json_decref(r);
		got += n;
		if (n == 0)
			break;
	} while (more && got < want);
	if (code != EXIT_OK) {
		json_decref(all);
		return code;
	}
	if (o->json) {
		json_t *r = json_pack("{s:b, s:o, s:b}", "ok", 1, "clients", all, "more", more);
		print_json(r);
		json_decref(r);
		return EXIT_OK;
	}
	struct table t = { .cols = 6, .head = { "ID", "SCHEME", "TRUSTED", "RATE/S", "BURST", "KEY" },
			   .right = { false, false, false, true, true, false } };
	size_t i;
	json_t *c;
	json_array_foreach(all, i, c) {
		char key[24];
		const char *k = ll_ctl_str(c, "key", "");
		snprintf(key, sizeof key, "%.16s%s", k, strlen(k) > 16 ? "..." : "");
		uint64_t rt = ll_ctl_u64(c, "rate");
		table_row(&t, ll_ctl_str(c, "id", "?"), ll_ctl_str(c, "scheme", "?"),
			  json_is_true(ll_ctl_get(c, "trusted")) ? "yes" : "no",
			  rt ? num(rt) : "no limit", rt ? num(ll_ctl_u64(c, "burst")) : "-", key);
	}
	if (t.rows)
		table_print(&t);
	printf("%s client%s%s\n", num(json_array_size(all)), json_array_size(all) == 1 ? "" : "s",
	       more ? "; more after the last: ledgerctl clients list --after ID" : "");
	json_decref(all);
	return EXIT_OK;
}

static void show_id(const json_t *r)
{
	printf("id: %s\n", ll_ctl_str(r, "id", "?"));
}

static int run_clients_add(struct ctx *x, char **args, int nargs)
{
	(void)args, (void)nargs;
	const struct opts *o = x->o;
	size_t key_bytes;
	if (!(o->given & O_SCHEME) || !(o->given & O_KEY))
		return usage_error(x->sub, "--scheme and --key are required");
	if (!strcmp(o->scheme, "ed25519") || !strcmp(o->scheme, "none"))
		key_bytes = LL_SIG_ED25519_KEY_BYTES;
	else if (!strcmp(o->scheme, "sm2"))
		key_bytes = LL_SIG_SM2_KEY_BYTES;
	else
		return usage_error(x->sub, "--scheme %s: want ed25519, sm2 or none", o->scheme);
	if (!is_hex(o->key, 2 * key_bytes))
		return usage_error(x->sub, "--key: want %zu hex digits (a %s public key)",
				   2 * key_bytes, strcmp(o->scheme, "sm2") ? "Ed25519" : "SM2");
	if (!strcmp(o->scheme, "none") && !(o->given & O_TRUSTED))
		return usage_error(x->sub, "--scheme none is for trusted gateways: add --trusted");
	json_t *req = json_pack("{s:s, s:s, s:s, s:b}", "cmd", "clients.add", "scheme", o->scheme,
				"key", o->key, "trusted", (o->given & O_TRUSTED) != 0);
	if (req && (o->given & O_RATE))
		json_object_set_new(req, "rate", json_integer((json_int_t)o->rate));
	if (req && (o->given & O_BURST))
		json_object_set_new(req, "burst", json_integer((json_int_t)o->burst));
	return simple(x, req, show_id);
}

static void show_removed(const json_t *r)
{
	printf("removed: %s\n", ll_ctl_str(r, "id", "?"));
}

static int run_clients_remove(struct ctx *x, char **args, int nargs)
{
	(void)nargs;
	if (!is_hex(args[0], HEX32))
		return usage_error(x->sub, "ID %s: want a client id, %d hex digits", args[0], HEX32);
	return simple(x, json_pack("{s:s, s:s}", "cmd", "clients.remove", "id", args[0]),
		      show_removed);
}

/* --- the accelerator and the group --- */

/* "xrt, in service", "cpu", or "cpu: the device was taken out of service". */
static const char *accel_summary(const json_t *a, char *buf, size_t len)
{
	const char *backend = ll_ctl_str(a, "backend", "?");
	if (strcmp(backend, "cpu") != 0)
		snprintf(buf, len, "%s, %s", backend,
			 json_is_true(json_object_get(a, "in_service")) ? "in service" :
									  "out of service");
	else if (strncmp(ll_ctl_str(a, "reason", ""), "taken out", 9) == 0)
		snprintf(buf, len, "cpu: the device was taken out of service");
	else
		snprintf(buf, len, "cpu");
	return buf;
}

static void show_accel(const json_t *r)
{
	const json_t *a = ll_ctl_get(r, "accel");
	struct lines l = { 0 };
	line(&l, "backend", "%s", ll_ctl_str(a, "backend", "?"));
	line(&l, "requested", "%s", ll_ctl_str(a, "requested", "?"));
	line(&l, "device", "%s", ll_ctl_str(a, "device", "?"));
	line(&l, "why", "%s", ll_ctl_str(a, "reason", ""));
	char summary[96];
	line(&l, "state", "%s", accel_summary(a, summary, sizeof summary));
	if (ll_ctl_u64(a, "clock_mhz"))
		line(&l, "clock", "%s MHz", num(ll_ctl_u64(a, "clock_mhz")));
	line(&l, "jobs in flight", "%s of at most %s", num(ll_ctl_u64(a, "jobs_in_flight")),
	     num(ll_ctl_u64(a, "max_jobs_in_flight")));
	line(&l, "jobs", "%s (%s records)", num(ll_ctl_u64(a, "jobs")),
	     num(ll_ctl_u64(a, "records")));
	line(&l, "checks", "%s recomputed on the CPU, %s mismatches", num(ll_ctl_u64(a, "checks")),
	     num(ll_ctl_u64(a, "mismatches")));
	line(&l, "device errors", "%s", num(ll_ctl_u64(a, "device_errors")));
	line(&l, "cpu jobs", "%s (after the device was taken out)", num(ll_ctl_u64(a, "cpu_jobs")));
	lines_print(&l);
}

static int run_accel(struct ctx *x, char **args, int nargs)
{
	(void)args, (void)nargs;
	return simple(x, json_pack("{s:s}", "cmd", "accel.info"), show_accel);
}

static void show_peers(const json_t *r)
{
	struct lines l = { 0 };
	json_t *peers = ll_ctl_get(r, "peers");
	line(&l, "mode", "%s", ll_ctl_str(r, "mode", "?"));
	line(&l, "node id", "%s", num(ll_ctl_u64(r, "node_id")));
	line(&l, "peers", "%s", json_array_size(peers) ? num(json_array_size(peers)) :
	     "none (solo: this appliance alone orders)");
	lines_print(&l);
	size_t i;
	json_t *p;
	json_array_foreach(peers, i, p) {
		char *text = json_dumps(p, JSON_COMPACT);
		printf("  %s\n", text ? text : "?");
		free(text);
	}
}

static int run_peers(struct ctx *x, char **args, int nargs)
{
	(void)args, (void)nargs;
	return simple(x, json_pack("{s:s}", "cmd", "peers"), show_peers);
}

/* --- raw --- */

static int run_raw(struct ctx *x, char **args, int nargs)
{
	char *text = NULL, *reply = NULL;
	size_t cap = 0, len, reply_len;
	if (nargs == 0 || strcmp(args[0], "-") == 0) {
		ssize_t n = getline(&text, &cap, stdin);
		if (n < 0) {
			free(text);
			return usage_error(x->sub, "nothing on standard input");
		}
		len = (size_t)n;
		if (len && text[len - 1] == '\n')
			text[--len] = '\0';
	} else {
		text = strdup(args[0]);
		len = text ? strlen(text) : 0;
	}
	if (!text)
		return fail(EXIT_CONNECT, "out of memory");
	if (memchr(text, '\n', len)) {
		free(text);
		return usage_error(x->sub, "a request is one line: JSON without newlines");
	}
	int code = connect_once(x);
	if (code != EXIT_OK) {
		free(text);
		return code;
	}
	int rc = ll_ctl_exchange(x->conn, text, len, &reply, &reply_len, x->err, sizeof x->err);
	free(text);
	if (rc < 0)
		return fail(EXIT_CONNECT, "%s", x->err);
	puts(reply);
	/* the exit code says what the reply did, as for every other command */
	json_error_t jerr;
	json_t *r = json_loadb(reply, reply_len, 0, &jerr);
	free(reply);
	if (!json_is_object(r) || !json_is_boolean(json_object_get(r, "ok")))
		code = fail(EXIT_CONNECT, "%s: the reply is not a JSON object with \"ok\"",
			    ll_ctl_endpoint(x->conn));
	else if (ll_ctl_refusal(r) < 0)
		code = fail(EXIT_CONNECT, "%s: the appliance refused the connection: %s",
			    ll_ctl_endpoint(x->conn), ll_ctl_str(r, "error", "?"));
	else if (!json_is_true(json_object_get(r, "ok")))
		code = EXIT_REFUSED;
	json_decref(r);
	return code;
}

/* --- top --- */

static volatile sig_atomic_t top_stop;
static struct termios saved_termios;
static bool termios_saved, ansi, watch_stdin;

static void on_stop(int sig)
{
	(void)sig;
	top_stop = 1;
}

static void terminal_restore(void)
{
	if (termios_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
		termios_saved = false;
	}
	if (ansi) {
		/* the cursor back; the last frame stays on the screen */
		fputs("\033[?25h", stdout);
		fflush(stdout);
		ansi = false;
	}
}

/* q without Enter, no echo; Ctrl-C still signals, and ends the loop cleanly. */
static void terminal_setup(bool out_tty)
{
	struct termios t;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_termios) == 0) {
		t = saved_termios;
		t.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
			termios_saved = watch_stdin = true;
	}
	if (out_tty) {
		fputs("\033[?25l", stdout);
		ansi = true;
	}
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: the wait between refreshes ends at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* a reader that went away (top | head) ends the loop, and the terminal is restored */
	signal(SIGPIPE, SIG_IGN);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits until deadline_ms (CLOCK_MONOTONIC) or q; false when it is time to stop. */
static bool top_wait(uint64_t deadline_ms)
{
	for (;;) {
		uint64_t now = mono_ms();
		if (top_stop)
			return false;
		if (now >= deadline_ms)
			return true;
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		int n = poll(&p, watch_stdin ? 1 : 0, (int)(deadline_ms - now));
		if (n > 0) {
			char c;
			ssize_t got = read(STDIN_FILENO, &c, 1);
			if (got == 1 && (c == 'q' || c == 'Q'))
				return false;
			if (got <= 0)
				watch_stdin = false;	/* hung up: wait on the clock alone */
		}
	}
}

/* stats, reconnecting once when the connection was closed as idle between refreshes. */
static int top_fetch(struct ctx *x, json_t **stats)
{
	for (int attempt = 0;; attempt++) {
		json_t *r = NULL;
		int code = connect_once(x);
		if (code != EXIT_OK)
			return code;
		json_t *req = json_pack("{s:s}", "cmd", "stats");
		int rc = ll_ctl_request(x->conn, req, &r, x->err, sizeof x->err);
		json_decref(req);
		if (rc == -ECONNRESET && attempt == 0) {
			ll_ctl_close(x->conn);
			x->conn = NULL;
			continue;
		}
		if (rc < 0)
			return fail(EXIT_CONNECT, "%s", x->err);
		if (!json_is_true(json_object_get(r, "ok"))) {
			fail(EXIT_REFUSED, "stats: %s", ll_ctl_str(r, "error", "failed"));
			json_decref(r);
			return EXIT_REFUSED;
		}
		*stats = json_incref(ll_ctl_get(r, "stats"));
		json_decref(r);
		return EXIT_OK;
	}
}

/* One row of a rate table: {"rate": per second, "total": the counter now}. */
static json_t *rate_row(const json_t *a, const json_t *b, const char *path, double dt)
{
	return json_pack("{s:f, s:I}", "rate", ll_ctl_rate(a, b, path, dt), "total",
			 (json_int_t)ll_ctl_u64(b, path));
}

/* The frame top shows, from two stats snapshots dt seconds apart: also --json's line. */
static json_t *top_frame(const json_t *a, const json_t *b, double dt)
{
	static const struct {
		const char *name, *path;
	} stages[] = {
		{ "rx_packets", "rx.packets" },
		{ "frames_admitted", "rx.frames_admitted" },
		{ "records_admitted", "rx.records_admitted" },
		{ "records_ordered", "order.records" },
		{ "records_committed", "solo.records_committed" },
		{ "blocks_committed", "solo.blocks_committed" },
		{ "receipts_sent", "receipts.sent" },
	}, pressure[] = {
		{ "overload_drops", "dropped.overload" },
		{ "solo_full_waits", "order.solo_full_waits" },
		{ "records_refused_full", "solo.records_refused_full" },
		{ "port_imissed", "port.imissed" },
	};
	json_t *rates = json_object(), *drops = json_object(), *bp = json_object();
	for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++)
		json_object_set_new(rates, stages[i].name, rate_row(a, b, stages[i].path, dt));
	const char *reason;
	json_t *v;
	json_object_foreach(ll_ctl_get(b, "dropped"), reason, v) {
		char path[96];
		snprintf(path, sizeof path, "dropped.%s", reason);
		json_object_set_new(drops, reason, rate_row(a, b, path, dt));
	}
	for (size_t i = 0; i < sizeof pressure / sizeof pressure[0]; i++)
		json_object_set_new(bp, pressure[i].name, rate_row(a, b, pressure[i].path, dt));
	uint64_t commits = 0;
	json_t *buckets = ll_ctl_get(b, "commit_latency.buckets");
	size_t nb = json_array_size(buckets);
	uint64_t last_bound = nb >= 2 ? ll_ctl_u64(json_array_get(buckets, nb - 2), "le_us") : 0;
	uint64_t p50 = ll_ctl_latency_quantile(a, b, 0.50, &commits);
	uint64_t p99 = ll_ctl_latency_quantile(a, b, 0.99, NULL);
	/* past the last bound is null in JSON ("> the last bound" in text) */
	json_t *p50j = p50 == UINT64_MAX ? json_null() : json_integer((json_int_t)p50);
	json_t *p99j = p99 == UINT64_MAX ? json_null() : json_integer((json_int_t)p99);
	return json_pack("{s:s, s:I, s:I, s:I, s:f, s:o, s:o, s:o,"
			 " s:{s:I, s:I, s:I, s:I}, s:I, s:{s:s, s:b, s:s},"
			 " s:{s:o, s:o, s:I, s:I}}",
			 "state", ll_ctl_str(b, "state", "?"),
			 "height", (json_int_t)ll_ctl_u64(b, "height"),
			 "uptime_ms", (json_int_t)ll_ctl_u64(b, "uptime_ms"),
			 "clients", (json_int_t)ll_ctl_u64(b, "clients"),
			 "interval_s", dt, "rates", rates, "drops", drops, "backpressure", bp,
			 "rings", "rx_to_order_used", (json_int_t)ll_ctl_u64(b, "order.ring_used"),
			 "rx_to_order_capacity", (json_int_t)ll_ctl_u64(b, "order.ring_capacity"),
			 "receipts_used", (json_int_t)ll_ctl_u64(b, "receipts.ring_used"),
			 "receipts_capacity", (json_int_t)ll_ctl_u64(b, "receipts.ring_capacity"),
			 "blocks_in_flight", (json_int_t)ll_ctl_u64(b, "solo.blocks_in_flight"),
			 "accel", "backend", ll_ctl_str(b, "accel.backend", "?"), "in_service",
			 json_is_true(ll_ctl_get(b, "accel.in_service")), "reason",
			 ll_ctl_str(b, "accel.reason", ""),
			 "commit_latency", "p50_us", p50j, "p99_us", p99j, "commits",
			 (json_int_t)commits, "last_bound_us", (json_int_t)last_bound);
}

static void rate_table(const char *title, const json_t *rows, bool nonzero_only, bool spaces)
{
	struct table t = { .cols = 3, .head = { title, "RATE/S", "TOTAL" },
			   .right = { false, true, true } };
	const char *name;
	json_t *row;
	json_object_foreach((json_t *)rows, name, row) {
		uint64_t total = ll_ctl_u64(row, "total");
		if (nonzero_only && total == 0)
			continue;
		char label[64];
		snprintf(label, sizeof label, "%s", name);
		for (char *c = label; spaces && *c; c++)
			*c = *c == '_' ? ' ' : *c;
		table_row(&t, label, rate(json_number_value(json_object_get(row, "rate"))),
			  num(total));
	}
	if (t.rows)
		table_print(&t);
	else
		printf("%s  none\n", title);
}

static void top_render(const struct ctx *x, const json_t *f)
{
	char when[32], up[48], p50[32], p99[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof when, "%H:%M:%S", localtime_r(&now, &tm));
	if (ansi)
		fputs("\033[H\033[2J", stdout);	/* home, clear */
	else
		putchar('\n');
	printf("ledgerctl top  %s  every %.1f s  %s%s\n", ll_ctl_endpoint(x->conn),
	       json_number_value(json_object_get(f, "interval_s")), when,
	       termios_saved ? "  (q quits)" : "");
	char accel[96];
	printf("state %s  height %s  uptime %s  clients %s  accel %s\n\n",
	       ll_ctl_str(f, "state", "?"), num(ll_ctl_u64(f, "height")),
	       ll_ctl_fmt_ms(ll_ctl_u64(f, "uptime_ms"), up, sizeof up), num(ll_ctl_u64(f, "clients")),
	       accel_summary(ll_ctl_get(f, "accel"), accel, sizeof accel));
	rate_table("STAGE", ll_ctl_get(f, "rates"), false, true);
	putchar('\n');
	rate_table("DROPS", ll_ctl_get(f, "drops"), true, false);
	putchar('\n');
	rate_table("BACKPRESSURE", ll_ctl_get(f, "backpressure"), false, false);
	putchar('\n');
	printf("rings           rx_to_order %s/%s  receipts %s/%s  blocks in flight %s\n",
	       num(ll_ctl_u64(f, "rings.rx_to_order_used")),
	       num(ll_ctl_u64(f, "rings.rx_to_order_capacity")),
	       num(ll_ctl_u64(f, "rings.receipts_used")), num(ll_ctl_u64(f, "rings.receipts_capacity")),
	       num(ll_ctl_u64(f, "blocks_in_flight")));
	uint64_t last = ll_ctl_u64(f, "commit_latency.last_bound_us");
	json_t *j50 = ll_ctl_get(f, "commit_latency.p50_us");
	json_t *j99 = ll_ctl_get(f, "commit_latency.p99_us");
	printf("commit latency  p50 <= %s  p99 <= %s  (%s commits in the interval)\n",
	       ll_ctl_fmt_us(json_is_null(j50) ? UINT64_MAX : ll_ctl_u64(f, "commit_latency.p50_us"),
			     last, p50, sizeof p50),
	       ll_ctl_fmt_us(json_is_null(j99) ? UINT64_MAX : ll_ctl_u64(f, "commit_latency.p99_us"),
			     last, p99, sizeof p99),
	       num(ll_ctl_u64(f, "commit_latency.commits")));
}

/* Seconds on the appliance's clock (its mono_ns), else on ours. */
static double mono_s(const json_t *stats)
{
	uint64_t ns = ll_ctl_u64(stats, "mono_ns");
	return ns ? (double)ns / 1e9 : (double)mono_ms() / 1e3;
}

static int run_top(struct ctx *x, char **args, int nargs)
{
	(void)args, (void)nargs;
	const struct opts *o = x->o;
	double interval = (o->given & O_INTERVAL) ? o->interval_s : 1.0;
	if (interval < 0.1)
		return usage_error(x->sub, "--interval: at least 0.1 seconds");
	if ((o->given & O_COUNT) && o->count == 0)
		return usage_error(x->sub, "--count: at least 1");
	json_t *before = NULL, *after = NULL;
	int code = top_fetch(x, &before);
	if (code != EXIT_OK)
		return code;
	terminal_setup(isatty(STDOUT_FILENO) && !o->json);
	if (ansi) {
		printf("\033[H\033[2Jledgerctl top  %s: the first rates in %.1f s\n",
		       ll_ctl_endpoint(x->conn), interval);
		fflush(stdout);
	}
	uint64_t next = mono_ms();
	for (uint64_t frames = 0; !(o->given & O_COUNT) || frames < o->count; frames++) {
		next += (uint64_t)(interval * 1000);
		if (!top_wait(next))
			break;
		if ((code = top_fetch(x, &after)) != EXIT_OK)
			break;
		json_t *f = top_frame(before, after, mono_s(after) - mono_s(before));
		if (o->json)
			print_json(f);
		else
			top_render(x, f);
		fflush(stdout);	/* an error stays set: ferror below */
		json_decref(f);
		json_decref(before);
		before = after;
		after = NULL;
		if (ferror(stdout))
			break;
	}
	json_decref(before);
	terminal_restore();
	return code;
}

/* --- the table of subcommands --- */

static int run_help(struct ctx *x, char **args, int nargs);

static const struct sub subs[] = {
	{ "status", 0, 0, 0, false, run_status, "status",
	  "state, chain, height, uptime, liveness",
	  "The appliance's state (running, paused, stopping), version, chain id and hash,\n"
	  "height and tip, uptime, clients, RX lcores, accelerator, what it committed,\n"
	  "and whether ingest, consensus and the store are live.\n" },
	{ "stats", 0, 0, 0, false, run_stats, "stats",
	  "every counter and gauge",
	  "Every counter and gauge, as the stats file has them: RX, drops by reason,\n"
	  "ordering, commits, commit latency, receipts, the port, the XDP filter, the\n"
	  "accelerator, mbufs, the admin socket's own counters; then one row per RX\n"
	  "lcore. --json gives the whole object (its shape is in the README).\n" },
	{ "config get", 0, 1, 0, false, run_config_get, "config get [KEY]",
	  "the settings in force (all, or one key)",
	  "Without KEY, every key and its value, runtime tunables marked; with KEY, its\n"
	  "value, whether it is a runtime tunable, and what it does. Exit 1 for an\n"
	  "unknown key.\n"
	  "Example: ledgerctl config get block.max_wait_us\n" },
	{ "config set", 2, 2, 0, false, run_config_set, "config set KEY VALUE",
	  "change a runtime tunable, at once",
	  "Sets a runtime tunable (config get lists them) and applies it at once;\n"
	  "VALUE is written as in the configuration file. Other keys are refused\n"
	  "(exit 1): change them in the file and restart. Written to the audit log.\n"
	  "Example: ledgerctl config set log.level debug\n" },
	{ "pause", 0, 0, 0, false, run_pause, "pause",
	  "stop taking packets; what was admitted still commits",
	  "The RX lcores stop taking packets off the port (its queue fills, then\n"
	  "drops: port imissed); what was admitted is still ordered, committed and\n"
	  "receipted. Written to the audit log.\n" },
	{ "resume", 0, 0, 0, false, run_resume, "resume",
	  "take packets again", "The RX lcores poll the port again. Written to the audit log.\n" },
	{ "block", 0, 1, O_TXIDS | O_FROM | O_COUNT, false, run_block,
	  "block [HEIGHT] [--txids] [--from N] [--count N]",
	  "a block's header (the tip's by default), and its txids",
	  "The header of the block at HEIGHT (default: the tip). With --txids, also its\n"
	  "transactions' ids (leaf hashes), one a line: all of them, or --count of\n"
	  "them from index --from (default 0); ledgerctl asks a page at a time.\n"
	  "Exit 1 when there is no block at HEIGHT.\n"
	  "  --txids     list the block's txids\n"
	  "  --from N    the first txid's index in the block\n"
	  "  --count N   at most N txids\n" },
	{ "tx", 1, 1, 0, false, run_tx, "tx TXID",
	  "where a transaction is, and its record",
	  "The block height and index of the transaction TXID (64 hex digits), its\n"
	  "place in the ledger-wide log, its record's header fields and the record.\n"
	  "Exit 1 when there is no such transaction.\n" },
	{ "proof", 1, 1, O_HEIGHT, false, run_proof, "proof TXID [--height H]",
	  "its inclusion proofs, verified by the appliance",
	  "TXID's inclusion proof in its block's Merkle tree, and in the ledger-wide\n"
	  "log as of the tip (or of block H): each checked by the appliance before it\n"
	  "answers. llaudit tx checks the same offline.\n"
	  "  --height H  the log proof as of block H (at least the transaction's)\n" },
	{ "verify", 0, 0, 0, true, run_verify, "verify",
	  "recompute every block from genesis",
	  "Recomputes every block from genesis beside the data path; exit 1 naming\n"
	  "the first bad block if the ledger is damaged. No deadline unless --timeout.\n" },
	{ "snapshot", 1, 1, 0, true, run_snapshot, "snapshot DIR",
	  "a consistent copy of the ledger into a new directory",
	  "A consistent copy of the ledger into DIR, which must not exist yet (a\n"
	  "relative DIR is taken from here). llaudit verify --ledger DIR checks it while\n"
	  "the appliance runs on. No deadline unless --timeout. Written to the audit log.\n" },
	{ "clients list", 0, 0, O_AFTER | O_COUNT, false, run_clients_list,
	  "clients list [--after ID] [--count N]",
	  "registered clients",
	  "Registered clients in id order: id, scheme, trusted, rate limit, burst, key\n"
	  "(the whole key with --json). All of them by default, a page at a time.\n"
	  "  --after ID  start after this client id\n"
	  "  --count N   at most N clients\n" },
	{ "clients add", 0, 0, O_SCHEME | O_KEY | O_TRUSTED | O_RATE | O_BURST, false,
	  run_clients_add,
	  "clients add --scheme ed25519|sm2|none --key HEX [--trusted] [--rate N] [--burst N]",
	  "register a client (or change one's key or rate)",
	  "Registers a client, in the ledger and in every RX lcore, and prints its id;\n"
	  "its frames are admitted from then on. The same key again changes its\n"
	  "registration. Written to the audit log.\n"
	  "  --scheme S  ed25519, sm2, or none (a trusted gateway, named by an Ed25519 key)\n"
	  "  --key HEX   the public key: 64 hex digits (Ed25519), 128 (SM2)\n"
	  "  --trusted   a trusted gateway (required with --scheme none)\n"
	  "  --rate N    at most N records a second (default 0: no limit)\n"
	  "  --burst N   the rate limit's burst (default: the rate)\n" },
	{ "clients remove", 1, 1, 0, false, run_clients_remove, "clients remove ID",
	  "unregister a client",
	  "Unregisters client ID (64 hex digits): its frames are dropped as\n"
	  "unknown_client from then on; what was admitted still commits. Written to\n"
	  "the audit log. Exit 1 when there is no such client.\n" },
	{ "accel", 0, 0, 0, false, run_accel, "accel",
	  "the accelerator: backend, device, jobs, checks",
	  "The backend hashing blocks (xrt, hlsemu, cpu), what was asked for and why\n"
	  "this one, the device, whether it is in service, jobs, CPU cross-checks and\n"
	  "mismatches, device errors.\n" },
	{ "peers", 0, 0, 0, false, run_peers, "peers",
	  "the consensus group (solo: none)",
	  "The consensus mode, this node's id and its peers (solo: none).\n" },
	{ "shutdown", 0, 0, O_WAIT, false, run_shutdown, "shutdown [--wait]",
	  "drain (commit what was admitted, send receipts), exit",
	  "The appliance stops taking packets, commits what it admitted, sends its\n"
	  "receipts and exits 0. Written to the audit log.\n"
	  "  --wait      return once it has drained and closed its socket (no\n"
	  "              deadline unless --timeout)\n" },
	{ "top", 0, 0, O_INTERVAL | O_COUNT, false, run_top, "top [--interval SECONDS] [--count N]",
	  "a live view: rates, drops, backpressure, rings, latency",
	  "A live view from stats, refreshed every interval: each stage's rate (RX\n"
	  "packets, frames and records admitted, records ordered and committed, blocks,\n"
	  "receipts), drops by reason, backpressure (overload drops, solo_full_waits,\n"
	  "records_refused_full, port imissed), ring occupancy, blocks in flight, the\n"
	  "accelerator, and commit latency p50/p99 over the interval. q or Ctrl-C\n"
	  "quits. Not on a terminal, plain text, a frame per interval; with --json,\n"
	  "one JSON object per interval.\n"
	  "  --interval SECONDS  between refreshes (default 1, at least 0.1)\n"
	  "  --count N           stop after N refreshes\n" },
	{ "raw", 0, 1, 0, false, run_raw, "raw JSON|-",
	  "send one request line as given; print the reply",
	  "Sends JSON (or one line read from standard input, with - or nothing) as\n"
	  "one request line, unchecked, and prints the reply line as it came. Exit 0\n"
	  "for ok:true, 1 for ok:false, 3 when there was no reply or it is not JSON.\n"
	  "Example: ledgerctl raw '{\"cmd\":\"help\"}'\n" },
	{ "help", 0, 2, 0, false, run_help, "help [COMMAND]",
	  "this text, or one command's", "Prints the usage, or COMMAND's.\n" },
};

#define N_SUBS (sizeof subs / sizeof subs[0])

static const char usage_head[] =
	"usage: ledgerctl [OPTIONS] COMMAND [ARGUMENTS]\n"
	"\n"
	"Runs a LedgerLine appliance (ledgerlined) over its admin socket.\n"
	"\n"
	"Commands:\n";

static const char usage_tail[] =
	"\n"
	"Options (before or after the command):\n"
	"  -s, --socket PATH    the admin Unix socket (default: $LEDGERLINE_SOCKET,\n"
	"                       else " LL_CTL_DEFAULT_SOCKET ")\n"
	"  --tcp HOST:PORT      over TCP instead (the appliance's admin.tcp_listen)\n"
	"  --token-file FILE    TCP's token, the file's first line (default:\n"
	"                       $LEDGERLINE_TOKEN, the token itself)\n"
	"  --json               the reply as one line of JSON, for scripts\n"
	"  --timeout SECONDS    wait at most this long for each reply (default 10;\n"
	"                       verify, snapshot, shutdown --wait: no limit); 0: no limit\n"
	"  -h, --help           this text; with a command, that command's\n"
	"  --version            ledgerctl's version\n"
	"\n"
	"Exit status:\n"
	"  0  done\n"
	"  1  the appliance refused or failed (ok:false: e.g. no such transaction, not\n"
	"     a runtime tunable, verify found a bad block)\n"
	"  2  usage: a bad command or argument, caught before anything was sent\n"
	"  3  cannot talk to the appliance: no socket, refused, timed out, a reply\n"
	"     that is not JSON, authentication failed\n"
	"\n"
	"ledgerctl help COMMAND, ledgerctl COMMAND --help: one command. See ledgerctl(1).\n";

static void usage(FILE *f)
{
	fputs(usage_head, f);
	for (size_t i = 0; i < N_SUBS; i++) {
		if (strlen(subs[i].synopsis) <= 26)
			fprintf(f, "  %-26s  %s\n", subs[i].synopsis, subs[i].summary);
		else
			fprintf(f, "  %s\n  %-26s  %s\n", subs[i].synopsis, "", subs[i].summary);
	}
	fputs(usage_tail, f);
}

static void sub_help(const struct sub *s, FILE *f)
{
	fprintf(f, "usage: ledgerctl %s\n\n%s", s->synopsis, s->help);
	fprintf(f, "\nThe global options (ledgerctl --help) work here too: -s PATH, --tcp,\n"
		   "--token-file, --json, --timeout. Exit: 0 done, 1 refused, 2 usage,\n"
		   "3 cannot talk to the appliance.\n");
}

/*
 * The subcommand named by words[0] (and words[1] for config and clients);
 * *used says how many words it took. NULL when none: *group is set when
 * words[0] is the first word of some ("config", "clients").
 */
static const struct sub *find_sub(char **words, int n, int *used, bool *group)
{
	*group = false;
	if (n == 0)
		return NULL;
	for (size_t i = 0; i < N_SUBS; i++) {
		const char *name = subs[i].name, *space = strchr(name, ' ');
		if (!space) {
			if (!strcmp(name, words[0])) {
				*used = 1;
				return &subs[i];
			}
			continue;
		}
		size_t first = (size_t)(space - name);
		if (strlen(words[0]) != first || strncmp(name, words[0], first))
			continue;
		*group = true;
		if (n >= 2 && !strcmp(space + 1, words[1])) {
			*used = 2;
			return &subs[i];
		}
	}
	return NULL;
}

/* Every subcommand of a group ("config"), as help or as a usage error. */
static int group_help(const char *word, FILE *f, bool as_error)
{
	if (as_error)
		fprintf(f, "ledgerctl: %s: want one of:\n", word);
	for (size_t i = 0; i < N_SUBS; i++)
		if (!strncmp(subs[i].name, word, strlen(word)) && subs[i].name[strlen(word)] == ' ')
			fprintf(f, "  ledgerctl %s\n", subs[i].synopsis);
	if (!as_error)
		fprintf(f, "ledgerctl help %s SUBCOMMAND: more on one.\n", word);
	return as_error ? EXIT_USAGE : EXIT_OK;
}

static int run_help(struct ctx *x, char **args, int nargs)
{
	(void)x;
	int used;
	bool group;
	if (nargs == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	const struct sub *s = find_sub(args, nargs, &used, &group);
	if (s && used == nargs) {
		sub_help(s, stdout);
		return EXIT_OK;
	}
	if (group && nargs == 1)
		return group_help(args[0], stdout, false);
	return usage_error(NULL, "help: no command '%s%s%s'", args[0], nargs > 1 ? " " : "",
			   nargs > 1 ? args[1] : "");
}

/* --- main --- */

static int read_token(struct ctx *x, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return fail(EXIT_USAGE, "--token-file %s: %s", path, strerror(errno));
	bool got = fgets(x->token, sizeof x->token, f) != NULL;
	fclose(f);
	if (got)
		x->token[strcspn(x->token, "\r\n")] = '\0';
	if (!got || !x->token[0])
		return fail(EXIT_USAGE, "--token-file %s: empty: want the token on its first line",
			    path);
	return EXIT_OK;
}

static int parse_options(int argc, char **argv, struct opts *o)
{
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:h", long_opts, NULL)) != -1) {
		const char *v = optarg;
		switch (c) {
		case 's':
			o->socket = v;
			break;
		case 'h':
			o->help = true;
			break;
		case OPT_TCP:
			o->tcp = v;
			break;
		case OPT_TOKEN_FILE:
			o->token_file = v;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_VERSION:
			o->version = true;
			break;
		case OPT_TIMEOUT:
			if (!parse_seconds(v, &o->timeout_s))
				return usage_error(NULL, "--timeout %s: want seconds, e.g. 10 or 0.5 "
						   "(0: no limit)", v);
			o->timeout_given = true;
			break;
		case ':':
			return usage_error(NULL, "%s: wants a value", argv[optind - 1]);
		case '?':
			if (optopt)
				return usage_error(NULL, "-%c: no such option", optopt);
			return usage_error(NULL, "%s: no such option", argv[optind - 1]);
		default: {
			unsigned bit = 1u << (c - OPT_FIRST_BIT);
			bool bad = false;
			o->given |= bit;
			switch (bit) {
			case O_FROM:
				bad = !parse_u64(v, &o->from);
				break;
			case O_COUNT:
				bad = !parse_u64(v, &o->count);
				break;
			case O_HEIGHT:
				bad = !parse_u64(v, &o->height);
				break;
			case O_RATE:
				bad = !parse_u64(v, &o->rate);
				break;
			case O_BURST:
				bad = !parse_u64(v, &o->burst);
				break;
			case O_AFTER:
				o->after = v;
				break;
			case O_SCHEME:
				o->scheme = v;
				break;
			case O_KEY:
				o->key = v;
				break;
			case O_INTERVAL:
				bad = !parse_seconds(v, &o->interval_s);
				break;
			default:
				break;
			}
			if (bad)
				return usage_error(NULL, "%s %s: want %s", bit_names[c - OPT_FIRST_BIT],
						   v, bit == O_INTERVAL ? "seconds, e.g. 1 or 0.5" :
						   "a whole number");
		}
		}
	}
	return EXIT_OK;
}

/* Where and how to talk: the socket or TCP and its token, and the deadline. */
static int configure(struct ctx *x)
{
	const struct opts *o = x->o;
	const char *env_socket = getenv("LEDGERLINE_SOCKET");
	x->cfg.socket_path = o->socket ? o->socket : env_socket && *env_socket ? env_socket :
						   LL_CTL_DEFAULT_SOCKET;
	x->cfg.tcp = o->tcp;
	if (o->tcp) {
		char host[256], port[8];
		const char *env_token = getenv("LEDGERLINE_TOKEN");
		if (ll_ctl_split_hostport(o->tcp, host, sizeof host, port, sizeof port) < 0)
			return usage_error(NULL, "--tcp %s: want HOST:PORT, e.g. 10.0.0.1:7000", o->tcp);
		if (o->token_file) {
			int code = read_token(x, o->token_file);
			if (code != EXIT_OK)
				return code;
		} else if (env_token && *env_token) {
			snprintf(x->token, sizeof x->token, "%s", env_token);
		} else {
			return usage_error(NULL, "--tcp needs the token: --token-file FILE or "
					   "$LEDGERLINE_TOKEN");
		}
		x->cfg.token = x->token;
	} else if (o->token_file) {
		return usage_error(NULL, "--token-file goes with --tcp");
	}
	bool unlimited = x->sub->no_timeout || (x->sub->run == run_shutdown && (o->given & O_WAIT));
	double t = o->timeout_given ? o->timeout_s : unlimited ? 0 : DEFAULT_TIMEOUT_S;
	x->cfg.timeout_ms = t > 0 && t < 0.001 ? 1 : (uint32_t)(t * 1000);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct opts o = { .timeout_s = DEFAULT_TIMEOUT_S };
	struct ctx x = { .o = &o };
	int code = parse_options(argc, argv, &o);
	if (code != EXIT_OK)
		return code;
	char **words = argv + optind;
	int nwords = argc - optind, used = 0;
	bool group;
	if (o.version) {
		printf("ledgerctl %s\n", LL_VERSION);
		return EXIT_OK;
	}
	if (nwords == 0) {
		usage(o.help ? stdout : stderr);
		return o.help ? EXIT_OK : EXIT_USAGE;
	}
	const struct sub *s = find_sub(words, nwords, &used, &group);
	if (!s && group)
		return group_help(words[0], o.help ? stdout : stderr, !o.help);
	if (!s)
		return usage_error(NULL, "no command '%s'", words[0]);
	x.sub = s;
	char **args = words + used;
	int nargs = nwords - used;
	if (s->run == run_help)
		return run_help(&x, args, nargs);
	if (o.help) {
		sub_help(s, stdout);
		return EXIT_OK;
	}
	if (nargs < s->min_args)
		return usage_error(s, "too few arguments");
	if (nargs > s->max_args)
		return usage_error(s, "unexpected argument '%s'", args[s->max_args]);
	unsigned extra = o.given & ~s->allowed;
	for (unsigned b = 0; extra && b < sizeof bit_names / sizeof bit_names[0]; b++)
		if (extra & (1u << b))
			return usage_error(s, "%s is not an option of %s", bit_names[b], s->name);
	if ((code = configure(&x)) != EXIT_OK)
		return code;
	code = s->run(&x, args, nargs);
	ll_ctl_close(x.conn);
	memset(x.token, 0, sizeof x.token);
	/* a reader that left early (top | head) is no failure; a full disk is */
	if ((fflush(stdout) != 0 || ferror(stdout)) && errno != EPIPE && code == EXIT_OK)
		code = fail(EXIT_REFUSED, "writing the output: %s", strerror(errno));
	return code;
}
