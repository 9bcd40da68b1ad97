/* ll_ctl: the admin socket's client side, as ledgerctl uses it. A connection
 * (Unix, or TCP with the token), one request line out and one reply line in
 * under a deadline and a size bound, and the reading and formatting of replies. */
#ifndef LL_CTL_H
#define LL_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_t;
typedef struct ll_ctl ll_ctl_t;

#define LL_CTL_DEFAULT_SOCKET "/run/ledgerline/admin.sock"
/* the longest reply line taken (a block's txids, a page of clients); longer is refused */
#define LL_CTL_MAX_REPLY_BYTES (64u << 20)
#define LL_CTL_ERR_MAX 512

struct ll_ctl_cfg {
	const char *socket_path;	/* the Unix socket, used when tcp is NULL or "" */
	const char *tcp;		/* "host:port" or "[v6]:port", or NULL */
	const char *token;		/* required with tcp: sent first, {"cmd":"auth",...} */
	uint32_t timeout_ms;		/* connecting, and each exchange; 0: no limit */
	size_t max_reply_bytes;		/* 0: LL_CTL_MAX_REPLY_BYTES */
};

/*
 * ll_ctl_open - connects (and, over TCP, authenticates). Returns 0 with *out;
 * or -errno with err saying what is wrong and what to try: the connect's own
 * error (-ENOENT, -ECONNREFUSED, -EACCES...), -ETIMEDOUT, -EINVAL (a malformed
 * host:port, TCP without a token), -EHOSTUNREACH (the host does not resolve),
 * -EACCES also for a token the appliance refused. Any thread; the handle is
 * one thread's at a time.
 */
int ll_ctl_open(const struct ll_ctl_cfg *cfg, ll_ctl_t **out, char *err, size_t err_len);

/* ll_ctl_close - closes the connection. NULL is a no-op. */
void ll_ctl_close(ll_ctl_t *c);

/* ll_ctl_set_timeout - the deadline for the exchanges from now on; 0: no limit. */
void ll_ctl_set_timeout(ll_ctl_t *c, uint32_t timeout_ms);

/* ll_ctl_endpoint - what the connection is to ("/run/ledgerline/admin.sock",
 * "tcp 10.0.0.1:7000"), for messages. */
const char *ll_ctl_endpoint(const ll_ctl_t *c);

/*
 * ll_ctl_exchange - sends line (len bytes, no newline in it) and a newline,
 * and reads one reply line. Returns 0 with *reply (NUL-terminated, newline
 * removed, *reply_len bytes; the caller frees it); or -ETIMEDOUT, -EMSGSIZE (a
 * reply longer than max_reply_bytes), -ECONNRESET (closed without a reply),
 * -EINVAL (a newline in line), -errno; err says which, naming the endpoint.
 * A line the server sent unasked (its last words as it closes the connection:
 * too many connections, idle too long) is the reply: line is then not sent,
 * and the handle takes no more exchanges (ll_ctl_refusal tells such replies).
 * After an error too the handle takes no more: the stream is out of step.
 */
int ll_ctl_exchange(ll_ctl_t *c, const char *line, size_t len, char **reply, size_t *reply_len,
		    char *err, size_t err_len);

/*
 * ll_ctl_request - request as one line, its reply parsed. Returns 0 with *reply
 * (a JSON object with "ok"; the caller json_decref's it), also when ok is
 * false; the errors of ll_ctl_exchange; -EPROTO when the reply is not a JSON
 * object with a boolean "ok"; and ll_ctl_refusal's code when the appliance
 * refused the connection rather than the request.
 */
int ll_ctl_request(ll_ctl_t *c, const struct json_t *request, struct json_t **reply, char *err,
		   size_t err_len);

/*
 * ll_ctl_wait_closed - waits, within the timeout, until the appliance closes
 * the connection (what it says meanwhile is read and dropped). Returns 0 once
 * closed (the handle takes no more exchanges), or -ETIMEDOUT, -errno.
 */
int ll_ctl_wait_closed(ll_ctl_t *c, char *err, size_t err_len);

/*
 * ll_ctl_refusal - 0 when reply answers the request; else the admin server
 * refused or closed the connection itself (its reply says "closed": true):
 * -EBUSY (too many connections, too many failed tokens: try again),
 * -ECONNRESET (closed as idle), -EACCES (not authenticated). Pure.
 */
int ll_ctl_refusal(const struct json_t *reply);

/*
 * ll_ctl_split_hostport - "host:port" or "[v6 address]:port" into its parts.
 * Returns 0, or -EINVAL (no port, an empty host, a port that is not 1..65535,
 * a part too long for its buffer). Pure.
 */
int ll_ctl_split_hostport(const char *text, char *host, size_t host_len, char *port,
			  size_t port_len);

/* --- reading replies: dotted paths ("solo.records_committed") into objects --- */

/* ll_ctl_get - the value at path in o (borrowed), or NULL. */
struct json_t *ll_ctl_get(const struct json_t *o, const char *path);

/* ll_ctl_u64 - the whole number at path; 0 when absent, negative or not a number. */
uint64_t ll_ctl_u64(const struct json_t *o, const char *path);

/* ll_ctl_str - the string at path, or dflt. */
const char *ll_ctl_str(const struct json_t *o, const char *path, const char *dflt);

/*
 * ll_ctl_rate - the counter at path's growth a second between two stats
 * snapshots seconds apart; 0 when it went back (the appliance restarted) or
 * seconds is not positive.
 */
double ll_ctl_rate(const struct json_t *before, const struct json_t *after, const char *path,
		   double seconds);

/*
 * ll_ctl_latency_quantile - quantile q (0..1) of the commits between two
 * stats snapshots, from the difference of their commit_latency.buckets (each
 * {"le_us": bound or "+Inf", "count": n, not cumulative}): the upper bound in
 * microseconds of the bucket it falls in; 0 when nothing committed between
 * them; UINT64_MAX when past the last bound. *commits (may be NULL) is how
 * many committed between them. A snapshot without buckets counts as none.
 */
uint64_t ll_ctl_latency_quantile(const struct json_t *before, const struct json_t *after,
				 double q, uint64_t *commits);

/* --- formats for people; each returns buf --- */

/* ll_ctl_fmt_count - 1234567 as "1,234,567". */
char *ll_ctl_fmt_count(uint64_t v, char *buf, size_t len);

/* ll_ctl_fmt_rate - a rate: "0", "7.5", "1,234", "12.3k", "4.56M" (k is 1000). */
char *ll_ctl_fmt_rate(double v, char *buf, size_t len);

/* ll_ctl_fmt_bytes - "512 B", "1.5 KiB", "11.4 GiB". */
char *ll_ctl_fmt_bytes(uint64_t v, char *buf, size_t len);

/* ll_ctl_fmt_ms - a duration: "250 ms", "12.3 s", "4m 05s", "1h 02m 03s", "3d 04h 05m". */
char *ll_ctl_fmt_ms(uint64_t ms, char *buf, size_t len);

/* ll_ctl_fmt_us - a latency bound: "250 us", "2.5 ms", "1 s"; UINT64_MAX is "> 2.5 s"
 * (last_us, the last bound), 0 is "-". */
char *ll_ctl_fmt_us(uint64_t us, uint64_t last_us, char *buf, size_t len);

#endif /* LL_CTL_H */
