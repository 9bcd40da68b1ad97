/* llstress: the crash driver for the ledger. It feeds the solo loop random records
 * and lists each txid in a side file once its block is durable; --check proves
 * after a crash that the ledger verifies and holds every txid the side file names. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ll_block.h"
#include "ll_bytes.h"
#include "ll_chain.h"
#include "ll_err.h"
#include "ll_hash.h"
#include "ll_hex.h"
#include "ll_solo.h"
#include "ll_store.h"
#include "ll_time.h"

#define CHAIN_ID	   1
#define TXID_BYTES	   32
#define TXID_LINE_BYTES	   (2 * TXID_BYTES + 1)	/* hex and '\n' */
#define MIN_RECORD_BYTES   16
#define MAX_RECORD_BYTES   300

/* The loop's shape: small blocks, so a kill lands among many commits. */
#define SOLO_MAX_RECORDS	200
#define SOLO_MAX_BYTES		(64 * 1024)
#define SOLO_MAX_WAIT_US	2000
#define SOLO_BLOCKS_IN_FLIGHT	3

/* Exit codes: done (or the ledger checked out), a failure or loss, a bad request. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
};

static const char usage_text[] =
	"usage: llstress --dir DIR --side FILE [--alg sha256|sm3] [--seconds S] [--seed N]\n"
	"                [--rate R]\n"
	"       llstress --dir DIR --side FILE [--alg sha256|sm3] --check\n"
	"\n"
	"Without --check: opens the ledger at DIR (chain id 1, sync full), runs the solo\n"
	"loop over it and submits random records for S seconds (forever without\n"
	"--seconds; SIGINT or SIGTERM stops cleanly), at most R records a second with\n"
	"--rate. Each txid is appended to FILE, hex, one a line, and fsync'd once its\n"
	"block is on disk.\n"
	"\n"
	"--check: verifies the ledger from genesis and looks up every txid in FILE (a\n"
	"torn last line, left by a crash mid-write, is ignored).\n"
	"\n"
	"Exit status: 0 done or checked; 1 a failure (the ledger does not verify, a txid\n"
	"is missing, an I/O error); 2 a malformed request.\n";

struct options {
	const char *dir;
	const char *side;
	enum ll_hash_alg alg;
	double seconds;		/* 0: until a signal */
	uint64_t seed;
	bool seed_given;
	uint64_t rate;		/* records a second; 0: as fast as the loop takes them */
	bool check;
};

/* What the durable callback needs: it runs on the loop's commit thread. */
struct side_writer {
	int fd;
	char *line_buf;		/* SOLO_MAX_RECORDS lines */
	uint64_t txids_written;
	atomic_bool failed;	/* a write or fsync failed: main stops */
};

static volatile sig_atomic_t stop_requested;

static int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("llstress: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static int parse_u64(const char *what, const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-')
		return fail(EXIT_USAGE, "%s: not a number: '%s'", what, s);
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return fail(EXIT_USAGE, "%s: not a number: '%s'", what, s);
	*out = v;
	return 0;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || errno || *end || !isfinite(v) || v <= 0 || v > 1e9)
		return fail(EXIT_USAGE, "--seconds: want a positive number, got '%s'", s);
	*out = v;
	return 0;
}

/* 0 when parsed, EXIT_USAGE for a malformed request, -1 for --help (printed). */
static int parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_DIR = 256, OPT_SIDE, OPT_ALG, OPT_SECONDS, OPT_SEED, OPT_RATE, OPT_CHECK };
	static const struct option long_options[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "side", required_argument, NULL, OPT_SIDE },
		{ "alg", required_argument, NULL, OPT_ALG },
		{ "seconds", required_argument, NULL, OPT_SECONDS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "rate", required_argument, NULL, OPT_RATE },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool seconds_given = false, rate_given = false;
	int opt, rc;

	*o = (struct options){ .alg = LL_HASH_SHA256 };
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_DIR:
			o->dir = optarg;
			break;
		case OPT_SIDE:
			o->side = optarg;
			break;
		case OPT_ALG:
			if (ll_hash_alg_parse(optarg, &o->alg) < 0)
				return fail(EXIT_USAGE, "--alg: want sha256 or sm3, got '%s'",
					    optarg);
			break;
		case OPT_SECONDS:
			if ((rc = parse_seconds(optarg, &o->seconds)))
				return rc;
			seconds_given = true;
			break;
		case OPT_SEED:
			if ((rc = parse_u64("--seed", optarg, &o->seed)))
				return rc;
			o->seed_given = true;
			break;
		case OPT_RATE:
			if ((rc = parse_u64("--rate", optarg, &o->rate)))
				return rc;
			if (o->rate == 0 || o->rate > 100000000)
				return fail(EXIT_USAGE, "--rate: want 1..100000000, got '%s'",
					    optarg);
			rate_given = true;
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return -1;
		case ':':
			return fail(EXIT_USAGE, "%s needs a value", argv[optind - 1]);
		default:
			return fail(EXIT_USAGE, "unknown option '%s' (try --help)",
				    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!o->dir || !*o->dir)
		return fail(EXIT_USAGE, "--dir is required");
	if (!o->side || !*o->side)
		return fail(EXIT_USAGE, "--side is required");
	if (o->check && (seconds_given || o->seed_given || rate_given))
		return fail(EXIT_USAGE, "--check takes no --seconds, --seed or --rate");
	return 0;
}

static int open_chain(const struct options *o, ll_chain_t **chain)
{
	struct ll_chain_cfg cfg = {
		.store = {
			.path = o->dir,
			.chain_id = CHAIN_ID,
			.hash_alg = (uint8_t)o->alg,
			.sync = LL_STORE_SYNC_FULL,
		},
		.proposer = 1,
	};
	int rc = ll_chain_open(&cfg, chain);
	if (rc < 0)
		return fail(EXIT_FAILED, "open ledger %s: %s", o->dir, ll_strerror(rc));
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The durable callback: the block is on disk, so its txids may now be listed.
 * One write and one fsync per block; after a failure nothing more is written,
 * so the file stays a list of durable txids (a prefix of them, even).
 */
static void on_durable(void *arg, const struct ll_block_header *h, const uint8_t *txids,
		       const uint64_t *cookies, uint32_t n)
{
	struct side_writer *w = arg;
	(void)h;
	(void)cookies;
	if (n == 0 || atomic_load(&w->failed))
		return;
	for (uint32_t i = 0; i < n; i++) {
		char *line = w->line_buf + (size_t)i * TXID_LINE_BYTES;
		ll_hex_encode(txids + (size_t)i * TXID_BYTES, TXID_BYTES, line);
		line[2 * TXID_BYTES] = '\n';
	}
	int rc = write_all(w->fd, w->line_buf, (size_t)n * TXID_LINE_BYTES);
	if (rc == 0 && fsync(w->fd) < 0)
		rc = -errno;
	if (rc < 0) {
		fail(EXIT_FAILED, "side file: %s", ll_strerror(rc));
		atomic_store(&w->failed, true);
		return;
	}
	w->txids_written += n;
}

/*
 * Opens the side file for appending. A crash mid-write can leave a partial last
 * line: cut it off, or the next run's first txid would be glued onto it.
 */
static int open_side(const char *path, int *out)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || fstat(fd, &st) < 0)
		goto err;
	off_t keep = st.st_size;
	char c;
	while (keep > 0) {
		ssize_t n = pread(fd, &c, 1, keep - 1);
		if (n < 0)
			goto err;
		if (n == 1 && c == '\n')
			break;
		keep--;
	}
	if (keep != st.st_size) {
		fprintf(stderr, "llstress: %s: dropping a torn last line (%jd bytes)\n", path,
			(intmax_t)(st.st_size - keep));
		if (ftruncate(fd, keep) < 0 || fsync(fd) < 0)
			goto err;
	}
	*out = fd;
	return 0;
err:
	fail(EXIT_FAILED, "side file %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return EXIT_FAILED;
}

/* splitmix64: a small, seedable generator; the content only has to look random. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * One record: the tip height this run started from and a counter, then random
 * bytes. A run that commits anything moves the tip, so no later run can repeat a
 * committed record (and its txid) even with the same --seed.
 */
static uint32_t make_record(uint64_t *rng, uint64_t start_height, uint64_t counter,
			    uint8_t rec[MAX_RECORD_BYTES])
{
	uint32_t len = MIN_RECORD_BYTES +
		       (uint32_t)(next_random(rng) % (MAX_RECORD_BYTES - MIN_RECORD_BYTES + 1));
	ll_put_le(rec, start_height, 8);
	ll_put_le(rec + 8, counter, 8);
	for (uint32_t i = MIN_RECORD_BYTES; i < len; i += 8) {
		uint64_t r = next_random(rng);
		uint32_t k = len - i < 8 ? len - i : 8;
		memcpy(rec + i, &r, k);
	}
	return len;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int run_stress(const struct options *o)
{
	struct side_writer w = { .fd = -1 };
	struct ll_block_header tip;
	ll_chain_t *chain = NULL;
	ll_solo_t *solo = NULL;
	uint64_t submitted = 0;
	int rc, code = EXIT_FAILED;

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (!(w.line_buf = malloc((size_t)SOLO_MAX_RECORDS * TXID_LINE_BYTES)))
		return fail(EXIT_FAILED, "out of memory");
	if (open_side(o->side, &w.fd))
		goto out;
	if (open_chain(o, &chain))
		goto out;
	ll_chain_tip(chain, &tip);

	uint64_t rng = o->seed_given ? o->seed : ll_time_wall_ns() ^ ((uint64_t)getpid() << 32);
	struct ll_solo_cfg cfg = {
		.max_records = SOLO_MAX_RECORDS,
		.max_bytes = SOLO_MAX_BYTES,
		.max_wait_us = SOLO_MAX_WAIT_US,
		.blocks_in_flight = SOLO_BLOCKS_IN_FLIGHT,
		.durable = on_durable,
		.arg = &w,
	};
	if ((rc = ll_solo_start(chain, &cfg, &solo)) < 0) {
		fail(EXIT_FAILED, "start the solo loop: %s", ll_strerror(rc));
		goto out;
	}
	fprintf(stderr, "llstress: %s ledger at %s from height %" PRIu64 ", seed %" PRIu64 "\n",
		ll_hash_alg_name(o->alg), o->dir, tip.height, rng);

	uint64_t start_ns = ll_time_mono_ns();
	uint64_t deadline = o->seconds > 0 ? start_ns + (uint64_t)(o->seconds * 1e9) : UINT64_MAX;
	uint8_t rec[MAX_RECORD_BYTES];
	bool stopped_early = false;
	while (!stop_requested && ll_time_mono_ns() < deadline) {
		if (atomic_load(&w.failed)) {
			stopped_early = true;
			break;
		}
		if (o->rate) {
			/* paced: record k goes in no earlier than start + k / rate */
			uint64_t due = start_ns + (uint64_t)((double)submitted * 1e9 / (double)o->rate);
			uint64_t now = ll_time_mono_ns();
			if (now < due) {
				uint64_t wait = due - now;
				nanosleep(&(struct timespec){ .tv_sec = (time_t)(wait / 1000000000u),
							      .tv_nsec = (long)(wait % 1000000000u) },
					  NULL);
				continue;
			}
		}
		uint32_t len = make_record(&rng, tip.height, submitted, rec);
		while ((rc = ll_solo_submit(solo, rec, len, 0)) == -EAGAIN && !stop_requested)
			nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 }, NULL);
		if (rc == -EAGAIN)
			break;	/* a signal while the loop was full: this record never went in */
		if (rc < 0) {
			fail(EXIT_FAILED, "submit: %s", ll_strerror(rc));
			stopped_early = true;
			break;
		}
		submitted++;
	}

	rc = ll_solo_stop(solo, NULL);
	solo = NULL;
	if (rc < 0) {
		fail(EXIT_FAILED, "stop: %s", ll_strerror(rc));
		goto out;
	}
	ll_chain_tip(chain, &tip);
	printf("llstress: %" PRIu64 " records submitted, %" PRIu64 " txids durable, tip %" PRIu64
	       "\n", submitted, w.txids_written, tip.height);
	if (stopped_early || atomic_load(&w.failed))
		goto out;
	/* stop commits everything that was accepted: each record must be listed */
	if (w.txids_written != submitted) {
		fail(EXIT_FAILED, "%" PRIu64 " records submitted but %" PRIu64
		     " reported durable", submitted, w.txids_written);
		goto out;
	}
	code = EXIT_OK;
out:
	ll_solo_stop(solo, NULL);
	ll_chain_close(chain);
	if (w.fd >= 0)
		close(w.fd);
	free(w.line_buf);
	return code;
}

/*
 * --check: the ledger verifies from genesis, and every txid a complete line of
 * the side file names is in it. The side file's last line may be torn (no '\n'):
 * the writer died mid-write, so it proves nothing and is skipped.
 */
static int run_check(const struct options *o)
{
	struct ll_block_header tip;
	struct stat st;
	ll_chain_t *chain = NULL;
	FILE *side = NULL;
	char *line = NULL;
	size_t cap = 0;
	uint64_t bad_height = 0, checked = 0, line_no = 0;
	int rc, code = EXIT_FAILED;

	/* the store would create a missing ledger: a wrong path must not check out */
	if (stat(o->dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return fail(EXIT_FAILED, "no ledger directory at %s", o->dir);
	if (!(side = fopen(o->side, "r")))
		return fail(EXIT_FAILED, "side file %s: %s", o->side, strerror(errno));
	if (open_chain(o, &chain))
		goto out;
	ll_chain_tip(chain, &tip);
	if ((rc = ll_chain_verify(chain, &bad_height)) < 0) {
		if (rc == -EBADMSG)
			fail(EXIT_FAILED, "ledger does not verify at height %" PRIu64
			     " (tip %" PRIu64 ")", bad_height, tip.height);
		else
			fail(EXIT_FAILED, "verify: %s", ll_strerror(rc));
		goto out;
	}

	ssize_t len;
	while ((len = getline(&line, &cap, side)) > 0) {
		uint8_t txid[TXID_BYTES];
		struct ll_chain_tx tx;
		line_no++;
		if (line[len - 1] != '\n') {
			fprintf(stderr, "llstress: %s: ignoring a torn last line (%zd bytes)\n",
				o->side, len);
			break;
		}
		if (len != TXID_LINE_BYTES || ll_hex_decode(line, 2 * TXID_BYTES, txid) < 0) {
			fail(EXIT_FAILED, "%s:%" PRIu64 ": not a txid line", o->side, line_no);
			goto out;
		}
		rc = ll_chain_tx(chain, txid, &tx);
		if (rc == -ENOENT) {
			line[2 * TXID_BYTES] = '\0';
			fail(EXIT_FAILED, "%s:%" PRIu64 ": txid %s reported durable but not in the "
			     "ledger (tip %" PRIu64 ")", o->side, line_no, line, tip.height);
			goto out;
		}
		if (rc < 0) {
			fail(EXIT_FAILED, "look up txid at %s:%" PRIu64 ": %s", o->side, line_no,
			     ll_strerror(rc));
			goto out;
		}
		free(tx.record);
		checked++;
	}
	if (ferror(side)) {
		fail(EXIT_FAILED, "read %s: %s", o->side, strerror(errno));
		goto out;
	}
	printf("ok: %" PRIu64 " blocks, %" PRIu64 " txids checked\n", tip.height, checked);
	code = EXIT_OK;
out:
	free(line);
	ll_chain_close(chain);
	fclose(side);
	return code;
}

int main(int argc, char **argv)
{
	struct options o;
	int rc = parse_args(argc, argv, &o);
	if (rc < 0)
		return EXIT_OK;	/* --help */
	if (rc > 0)
		return rc;
	return o.check ? run_check(&o) : run_stress(&o);
}
