/* The admin socket's client: connect (Unix or TCP with the token), send a line,
 * read a line under a deadline and a bound; then what ledgerctl reads out of
 * the replies (dotted paths, rates, latency from bucket differences) and how it
 * writes numbers for people. */
#include "ll_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ll_err.h"

#define IN_FIRST 65536
#define ENDPOINT_MAX 160

struct ll_ctl {
	int fd;
	uint32_t timeout_ms;
	size_t max_reply;
	char endpoint[ENDPOINT_MAX];
	char *in;			/* what was read past the last reply line */
	size_t in_len, in_cap;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Milliseconds left to deadline for poll: -1 without one, 0 once past it. */
static int left_ms(uint64_t deadline)
{
	if (deadline == 0)
		return -1;
	uint64_t now = now_ms();
	if (now >= deadline)
		return 0;
	uint64_t left = deadline - now;
	return left > INT32_MAX ? INT32_MAX : (int)left;
}

static uint64_t deadline_of(uint32_t timeout_ms)
{
	return timeout_ms ? now_ms() + timeout_ms : 0;
}

static void fmt_seconds(uint32_t ms, char *buf, size_t len)
{
	if (ms % 1000)
		snprintf(buf, len, "%.1f s", ms / 1000.0);
	else
		snprintf(buf, len, "%u s", ms / 1000);
}

/* --- connecting --- */

int ll_ctl_split_hostport(const char *text, char *host, size_t host_len, char *port,
			  size_t port_len)
{
	const char *h = text, *colon;
	size_t hl;
	if (!text)
		return -EINVAL;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		h = text + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			return -EINVAL;
		hl = (size_t)(colon - text);
	}
	const char *p = colon + 1;
	size_t pl = strlen(p);
	if (hl == 0 || hl >= host_len || pl == 0 || pl >= port_len || strspn(p, "0123456789") != pl)
		return -EINVAL;
	long n = strtol(p, NULL, 10);
	if (pl > 5 || n < 1 || n > 65535)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memcpy(port, p, pl + 1);
	return 0;
}

/* A non-blocking connect finished by its deadline. */
static int connect_by(int fd, const struct sockaddr *sa, socklen_t sl, uint64_t deadline)
{
	for (;;) {
		if (connect(fd, sa, sl) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		/* a Unix socket's full backlog says EAGAIN: the listener is behind, retry */
		if (errno == EAGAIN && sa->sa_family == AF_UNIX) {
			if (left_ms(deadline) == 0)
				return -ETIMEDOUT;
			usleep(10000);
			continue;
		}
		if (errno != EINPROGRESS)
			return -errno;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int n;
		while ((n = poll(&p, 1, left_ms(deadline))) < 0 && errno == EINTR)
			;
		if (n == 0)
			return -ETIMEDOUT;
		int soerr = 0;
		socklen_t len = sizeof soerr;
		if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
			return -errno;
		return -soerr;
	}
}

static const char *unix_hint(int rc)
{
	switch (rc) {
	case -ENOENT:
		return "is ledgerlined running? -s PATH or $LEDGERLINE_SOCKET names another socket";
	case -ECONNREFUSED:
		return "nothing listens on it: ledgerlined stopped or died";
	case -EACCES:
	case -EPERM:
		return "run as root or as a member of the socket's group (admin.socket_group)";
	case -ENOTSOCK:
		return "that file is not a socket: -s PATH";
	default:
		return "is ledgerlined running?";
	}
}

static int open_unix(ll_ctl_t *c, const char *path, uint64_t deadline, char *err, size_t err_len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(c->endpoint, sizeof c->endpoint, "%s", path);
	if (strlen(path) >= sizeof sun.sun_path) {
		ll_errf(err, err_len, "cannot connect to %s: the path is longer than %zu bytes", path,
		    sizeof sun.sun_path - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		int rc = -errno;
		ll_errf(err, err_len, "socket: %s", strerror(errno));
		return rc;
	}
	int rc = connect_by(c->fd, (struct sockaddr *)&sun, sizeof sun, deadline);
	if (rc == -ETIMEDOUT)
		ll_errf(err, err_len, "cannot connect to %s: timed out (the appliance is busy or "
		    "stuck; --timeout SECONDS waits longer)", path);
	else if (rc < 0)
		ll_errf(err, err_len, "cannot connect to %s: %s (%s)", path, strerror(-rc),
		    unix_hint(rc));
	return rc;
}

static int open_tcp(ll_ctl_t *c, const char *text, uint64_t deadline, char *err, size_t err_len)
{
	char host[256], port[8];
	snprintf(c->endpoint, sizeof c->endpoint, "tcp %s", text);
	if (ll_ctl_split_hostport(text, host, sizeof host, port, sizeof port) < 0) {
		ll_errf(err, err_len, "--tcp %s: want HOST:PORT, e.g. 10.0.0.1:7000", text);
		return -EINVAL;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	int g = getaddrinfo(host, port, &hints, &res);
	if (g != 0) {
		ll_errf(err, err_len, "cannot connect to %s: %s", text, gai_strerror(g));
		return -EHOSTUNREACH;
	}
	int rc = -ECONNREFUSED;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			       ai->ai_protocol);
		if (c->fd < 0) {
			rc = -errno;
			continue;
		}
		if ((rc = connect_by(c->fd, ai->ai_addr, ai->ai_addrlen, deadline)) == 0)
			break;
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (rc == -ETIMEDOUT)
		ll_errf(err, err_len, "cannot connect to %s: timed out (a firewall, or the wrong "
		    "address? --timeout SECONDS waits longer)", text);
	else if (rc < 0)
		ll_errf(err, err_len, "cannot connect to %s: %s (is admin.tcp_listen set to it on the "
		    "appliance?)", text, strerror(-rc));
	return rc;
}

/* TCP: the token first; the appliance answers {"ok":true} or closes. */
static int authenticate(ll_ctl_t *c, const char *token, char *err, size_t err_len)
{
	json_t *req = json_pack("{s:s, s:s}", "cmd", "auth", "token", token), *reply = NULL;
	if (!req)
		return -ENOMEM;
	int rc = ll_ctl_request(c, req, &reply, err, err_len);
	json_decref(req);
	if (rc == 0 && !json_is_true(json_object_get(reply, "ok"))) {
		ll_errf(err, err_len, "%s: %s (check --token-file or $LEDGERLINE_TOKEN)", c->endpoint,
		    ll_ctl_str(reply, "error", "auth failed"));
		rc = -EACCES;
	} else if (rc == -EACCES) {
		size_t n = strlen(err);
		if (n < err_len)
			ll_errf(err + n, err_len - n, " (check --token-file or $LEDGERLINE_TOKEN)");
	}
	json_decref(reply);
	return rc;
}

int ll_ctl_open(const struct ll_ctl_cfg *cfg, ll_ctl_t **out, char *err, size_t err_len)
{
	bool tcp = cfg->tcp && cfg->tcp[0];
	if (!tcp && (!cfg->socket_path || !cfg->socket_path[0])) {
		ll_errf(err, err_len, "no socket: -s PATH or --tcp HOST:PORT");
		return -EINVAL;
	}
	if (tcp && (!cfg->token || !cfg->token[0])) {
		ll_errf(err, err_len, "--tcp %s: the token is required: --token-file FILE or "
		    "$LEDGERLINE_TOKEN", cfg->tcp);
		return -EINVAL;
	}
	ll_ctl_t *c = calloc(1, sizeof *c);
	if (!c) {
		ll_errf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	c->fd = -1;
	c->timeout_ms = cfg->timeout_ms;
	c->max_reply = cfg->max_reply_bytes ? cfg->max_reply_bytes : LL_CTL_MAX_REPLY_BYTES;
	uint64_t deadline = deadline_of(cfg->timeout_ms);
	int rc = tcp ? open_tcp(c, cfg->tcp, deadline, err, err_len) :
		       open_unix(c, cfg->socket_path, deadline, err, err_len);
	if (rc == 0 && tcp)
		rc = authenticate(c, cfg->token, err, err_len);
	if (rc < 0) {
		ll_ctl_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

void ll_ctl_close(ll_ctl_t *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c);
}

void ll_ctl_set_timeout(ll_ctl_t *c, uint32_t timeout_ms)
{
	c->timeout_ms = timeout_ms;
}

const char *ll_ctl_endpoint(const ll_ctl_t *c)
{
	return c->endpoint;
}

/* --- one exchange --- */

static int send_all(ll_ctl_t *c, const char *buf, size_t len, uint64_t deadline, char *err,
		    size_t err_len)
{
	while (len) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n, len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			int rc = errno == EPIPE ? -ECONNRESET : -errno;
			ll_errf(err, err_len, "%s: sending the request: %s (the appliance closed the "
			    "connection)", c->endpoint, strerror(errno));
			return rc;
		}
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };
		if (poll(&p, 1, left_ms(deadline)) == 0) {
			ll_errf(err, err_len, "%s: the appliance takes no request (timed out)",
			    c->endpoint);
			return -ETIMEDOUT;
		}
	}
	return 0;
}

/* Reads until a whole line is buffered; its length (without the newline) in *line_len. */
static int read_line(ll_ctl_t *c, uint64_t deadline, uint32_t timeout_ms, size_t *line_len,
		     char *err, size_t err_len)
{
	size_t scanned = 0;
	for (;;) {
		char *nl = c->in_len > scanned ? memchr(c->in + scanned, '\n', c->in_len - scanned) :
						  NULL;
		if (nl) {
			*line_len = (size_t)(nl - c->in);
			return 0;
		}
		scanned = c->in_len;
		if (c->in_len > c->max_reply) {
			ll_errf(err, err_len, "%s: the reply is longer than %zu bytes: refused",
			    c->endpoint, c->max_reply);
			return -EMSGSIZE;
		}
		if (c->in_cap - c->in_len < 4096) {
			/* room for the longest reply, its newline and a byte to see it is too long */
			size_t cap = c->in_cap ? c->in_cap * 2 : IN_FIRST, limit = c->max_reply + 2;
			if (cap > limit)
				cap = limit;
			if (cap <= c->in_len) {
				ll_errf(err, err_len, "%s: the reply is longer than %zu bytes: refused",
				    c->endpoint, c->max_reply);
				return -EMSGSIZE;
			}
			char *grown = realloc(c->in, cap);
			if (!grown) {
				ll_errf(err, err_len, "out of memory for the reply");
				return -ENOMEM;
			}
			c->in = grown;
			c->in_cap = cap;
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n == 0) {
			ll_errf(err, err_len, "%s: the appliance closed the connection before it replied%s",
			    c->endpoint, c->in_len ? " in full" : "");
			return -ECONNRESET;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			int rc = -errno;
			ll_errf(err, err_len, "%s: reading the reply: %s", c->endpoint, strerror(errno));
			return rc;
		}
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int r = poll(&p, 1, left_ms(deadline));
		if (r == 0) {
			char secs[32];
			fmt_seconds(timeout_ms, secs, sizeof secs);
			ll_errf(err, err_len, "%s: no reply within %s (--timeout SECONDS waits longer; "
			    "0: no limit)", c->endpoint, secs);
			return -ETIMEDOUT;
		}
		if (r < 0 && errno != EINTR) {
			int rc = -errno;
			ll_errf(err, err_len, "%s: poll: %s", c->endpoint, strerror(errno));
			return rc;
		}
	}
}

int ll_ctl_exchange(ll_ctl_t *c, const char *line, size_t len, char **reply, size_t *reply_len,
		    char *err, size_t err_len)
{
	if (memchr(line, '\n', len)) {
		ll_errf(err, err_len, "a request is one line: it may not hold a newline");
		return -EINVAL;
	}
	if (c->fd < 0) {
		ll_errf(err, err_len, "%s: the connection was closed", c->endpoint);
		return -ECONNRESET;
	}
	uint64_t deadline = deadline_of(c->timeout_ms);
	/*
	 * Replies answer requests one for one, so anything waiting now was said
	 * unasked: the server's last words as it closes the connection (too many
	 * connections, idle too long). They are this request's answer: it is not sent.
	 */
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	bool unasked = c->in_len || poll(&p, 1, 0) > 0;
	int rc = 0;
	if (!unasked) {
		char *out = malloc(len + 1);
		if (!out) {
			ll_errf(err, err_len, "out of memory");
			return -ENOMEM;
		}
		memcpy(out, line, len);
		out[len] = '\n';
		rc = send_all(c, out, len + 1, deadline, err, err_len);
		free(out);
		/* closed under us: its last words may still be there to read */
		if (rc == -ECONNRESET || rc == -EPIPE)
			unasked = true;
	}
	size_t n = 0;
	if (rc == 0 || unasked) {
		char why[LL_CTL_ERR_MAX];
		int read_rc = read_line(c, deadline, c->timeout_ms, &n, why, sizeof why);
		if (read_rc == 0) {
			rc = 0;		/* a line: the answer */
		} else if (rc == 0) {
			rc = read_rc;
			snprintf(err, err_len, "%s", why);
		}		/* else the send's error stands */
	}
	if (rc < 0 || unasked) {
		/* out of step, or closed by the server: no further exchange on it */
		close(c->fd);
		c->fd = -1;
	}
	if (rc < 0) {
		c->in_len = 0;
		return rc;
	}
	char *text = malloc(n + 1);
	if (!text) {
		ll_errf(err, err_len, "out of memory for the reply");
		return -ENOMEM;
	}
	memcpy(text, c->in, n);
	text[n] = '\0';
	if (n && text[n - 1] == '\r')
		text[--n] = '\0';
	size_t used = (size_t)((char *)memchr(c->in, '\n', c->in_len) - c->in) + 1;
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	*reply = text;
	*reply_len = n;
	return 0;
}

int ll_ctl_wait_closed(ll_ctl_t *c, char *err, size_t err_len)
{
	uint64_t deadline = deadline_of(c->timeout_ms);
	char drop[4096];
	while (c->fd >= 0) {
		ssize_t n = recv(c->fd, drop, sizeof drop, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			close(c->fd);
			c->fd = -1;
			break;
		}
		if (n > 0 || errno == EINTR)
			continue;
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		if (poll(&p, 1, left_ms(deadline)) == 0) {
			char secs[32];
			fmt_seconds(c->timeout_ms, secs, sizeof secs);
			ll_errf(err, err_len, "%s: still open after %s", c->endpoint, secs);
			return -ETIMEDOUT;
		}
	}
	c->in_len = 0;
	return 0;
}

int ll_ctl_refusal(const json_t *reply)
{
	static const struct {
		const char *prefix;
		int rc;
	} refusals[] = {
		/* host/admin/ll_admin.c's words for a connection it will not serve */
		{ "too many admin connections", -EBUSY },
		{ "too many failed authentications", -EBUSY },
		{ "idle too long", -ECONNRESET },
		{ "authenticate first", -EACCES },
		{ "auth failed", -EACCES },
	};
	if (json_is_true(json_object_get(reply, "ok")))
		return 0;
	/* the server marks the last reply before it closes ("closed": true); of
	 * those, the ones about the connection rather than a request are refusals
	 * (a request too long was answered: the appliance refused the request) */
	bool closed = json_is_true(json_object_get(reply, "closed"));
	const char *e = json_string_value(json_object_get(reply, "error"));
	for (size_t i = 0; closed && e && i < sizeof refusals / sizeof refusals[0]; i++)
		if (strncmp(e, refusals[i].prefix, strlen(refusals[i].prefix)) == 0)
			return refusals[i].rc;
	return 0;
}

int ll_ctl_request(ll_ctl_t *c, const json_t *request, json_t **reply, char *err, size_t err_len)
{
	char *line = json_dumps(request, JSON_COMPACT), *text = NULL;
	size_t len = 0;
	if (!line) {
		ll_errf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	int rc = ll_ctl_exchange(c, line, strlen(line), &text, &len, err, err_len);
	free(line);
	if (rc < 0)
		return rc;
	json_error_t jerr;
	json_t *r = json_loadb(text, len, 0, &jerr);
	if (!r || !json_is_object(r) || !json_is_boolean(json_object_get(r, "ok"))) {
		ll_errf(err, err_len, "%s: the reply is not a JSON object with \"ok\"%s%s: %.80s%s",
		    c->endpoint, r ? "" : ": ", r ? "" : jerr.text, text, len > 80 ? "..." : "");
		json_decref(r);
		free(text);
		return -EPROTO;
	}
	free(text);
	if ((rc = ll_ctl_refusal(r)) < 0) {
		ll_errf(err, err_len, "%s: %s", c->endpoint, ll_ctl_str(r, "error", "refused"));
		json_decref(r);
		return rc;
	}
	*reply = r;
	return 0;
}

/* --- reading replies --- */

json_t *ll_ctl_get(const json_t *o, const char *path)
{
	json_t *v = (json_t *)o;
	const char *p = path;
	while (v && *p) {
		size_t n = strcspn(p, ".");
		char key[128];
		if (n >= sizeof key)
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		if (json_is_array(v) && n && strspn(key, "0123456789") == n)
			v = json_array_get(v, strtoul(key, NULL, 10));
		else
			v = json_object_get(v, key);
		p += n + (p[n] == '.');
	}
	return v;
}

uint64_t ll_ctl_u64(const json_t *o, const char *path)
{
	json_t *v = ll_ctl_get(o, path);
	if (json_is_true(v))
		return 1;
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

const char *ll_ctl_str(const json_t *o, const char *path, const char *dflt)
{
	const char *s = json_string_value(ll_ctl_get(o, path));
	return s ? s : dflt;
}

double ll_ctl_rate(const json_t *before, const json_t *after, const char *path, double seconds)
{
	uint64_t a = ll_ctl_u64(before, path), b = ll_ctl_u64(after, path);
	if (seconds <= 0 || b < a)
		return 0;
	return (double)(b - a) / seconds;
}

uint64_t ll_ctl_latency_quantile(const json_t *before, const json_t *after, double q,
				 uint64_t *commits)
{
	json_t *b0 = ll_ctl_get(before, "commit_latency.buckets");
	json_t *b1 = ll_ctl_get(after, "commit_latency.buckets");
	size_t n = json_array_size(b1);
	uint64_t total = 0, seen = 0;
	/* the difference per bucket; a bucket that went back means a restart: all of after */
	bool restarted = json_array_size(b0) != n;
	for (size_t i = 0; i < n && !restarted; i++)
		restarted = ll_ctl_u64(json_array_get(b1, i), "count") <
			    ll_ctl_u64(json_array_get(b0, i), "count");
	for (size_t i = 0; i < n; i++)
		total += ll_ctl_u64(json_array_get(b1, i), "count") -
			 (restarted ? 0 : ll_ctl_u64(json_array_get(b0, i), "count"));
	if (commits)
		*commits = total;
	if (total == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)total + 0.999999);
	if (rank == 0)
		rank = 1;
	for (size_t i = 0; i < n; i++) {
		json_t *bucket = json_array_get(b1, i);
		seen += ll_ctl_u64(bucket, "count") -
			(restarted ? 0 : ll_ctl_u64(json_array_get(b0, i), "count"));
		if (seen >= rank)
			return json_is_integer(json_object_get(bucket, "le_us")) ?
			       ll_ctl_u64(bucket, "le_us") : UINT64_MAX;
	}
	return UINT64_MAX;
}

/* --- formats --- */

char *ll_ctl_fmt_count(uint64_t v, char *buf, size_t len)
{
	char digits[24], out[32];
	int n = snprintf(digits, sizeof digits, "%" PRIu64, v), o = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	snprintf(buf, len, "%s", out);
	return buf;
}

char *ll_ctl_fmt_rate(double v, char *buf, size_t len)
{
	if (v < 0.05)
		snprintf(buf, len, "0");
	else if (v < 10)
		snprintf(buf, len, "%.1f", v);
	else if (v < 10000)
		ll_ctl_fmt_count((uint64_t)(v + 0.5), buf, len);
	else if (v < 999500)
		snprintf(buf, len, "%.*fk", v < 99950 ? 1 : 0, v / 1e3);
	else if (v < 999.5e6)
		snprintf(buf, len, "%.*fM", v < 9.995e6 ? 2 : v < 99.95e6 ? 1 : 0, v / 1e6);
	else
		snprintf(buf, len, "%.2fG", v / 1e9);
	return buf;
}

char *ll_ctl_fmt_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	if (v < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", v);
		return buf;
	}
	double x = (double)v / 1024;
	unsigned u = 0;
	while (x >= 1024 && u + 1 < sizeof units / sizeof units[0])
		x /= 1024, u++;
	snprintf(buf, len, x < 10 ? "%.2f %s" : x < 100 ? "%.1f %s" : "%.0f %s", x, units[u]);
	return buf;
}

char *ll_ctl_fmt_ms(uint64_t ms, char *buf, size_t len)
{
	uint64_t s = ms / 1000;
	if (ms < 1000)
		snprintf(buf, len, "%" PRIu64 " ms", ms);
	else if (s < 60)
		snprintf(buf, len, "%.1f s", ms / 1000.0);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m %02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h %02" PRIu64 "m %02" PRIu64 "s", s / 3600,
			 s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d %02" PRIu64 "h %02" PRIu64 "m", s / 86400,
			 s / 3600 % 24, s / 60 % 60);
	return buf;
}

char *ll_ctl_fmt_us(uint64_t us, uint64_t last_us, char *buf, size_t len)
{
	char last[32];
	if (us == 0)
		snprintf(buf, len, "-");
	else if (us == UINT64_MAX)
		snprintf(buf, len, "> %s", ll_ctl_fmt_us(last_us ? last_us : 1, 0, last, sizeof last));
	else if (us < 1000)
		snprintf(buf, len, "%" PRIu64 " us", us);
	else if (us < 1000000)
		snprintf(buf, len, "%g ms", us / 1e3);
	else
		snprintf(buf, len, "%g s", us / 1e6);
	return buf;
}
