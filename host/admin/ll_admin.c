/* The admin socket's thread: one epoll loop over the listeners, the connections
 * and an eventfd the worker rings when a slow command is done. Every buffer is
 * bounded (a request line, a connection's unread replies, the connection count),
 * and whatever a client does wrong is answered or closed, and counted.
 *
 *   clients --unix/tcp--> [admin thread: read, parse, check, run] --reply--> clients
 *                                    | slow command        ^
 *                                    v                     | eventfd
 *                                 [worker thread] ---------+
 */
#include "ll_admin.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ll_log.h"
#include "ll_net.h"
#include "ll_time.h"

#define TAG_UNIX UINT64_MAX
#define TAG_TCP (UINT64_MAX - 1)
#define TAG_WAKE (UINT64_MAX - 2)
#define TICK_NS 100000000ull
#define IN_FIRST 4096
/* a connection's unread replies: past this it is not reading them, and is closed */
#define OUT_MAX (16u << 20)
/* all connections' unread replies together: past this the one adding is closed */
#define OUT_TOTAL_MAX (64u << 20)
/* TCP: this many failed tokens in a second stop TCP accepts for the rest of it */
#define AUTH_FAILS_PER_SECOND 5
/* TCP: the token must come this soon after connecting, whatever else arrives */
#define AUTH_DEADLINE_NS 5000000000ull
#define WHO_MAX 96

struct conn {
	int fd;				/* -1: a free slot */
	uint64_t gen;			/* which client the slot holds now */
	bool tcp, authed, awaiting, eof, closing;
	char who[WHO_MAX];
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off, out_cap;
	uint64_t last_ns;		/* the last byte in or out */
	uint64_t accepted_ns;
	uint32_t events;		/* what epoll watches now */
};

/* The one slow command in progress, handed between the two threads under lock. */
struct job {
	bool pending, done;
	uint32_t conn;
	uint64_t gen;
	const struct ll_admin_command *command;
	json_t *request, *reply;
	char who[WHO_MAX];
	char err[LL_ADMIN_ERR_MAX];
	int rc;
};

struct ll_admin {
	struct ll_admin_cfg cfg;
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint8_t token_digest[32];
	bool has_token;
	int epfd, unix_fd, tcp_fd, wake_fd, audit_fd;
	struct conn *conns;
	uint64_t next_gen;
	volatile bool stop;
	pthread_t thread, worker;
	bool thread_started, worker_started;
	uint32_t idle_timeout_ms;	/* atomic: set from any thread */
	uint64_t auth_window_ns;
	uint32_t auth_fails;
	bool listeners_paused;		/* out of descriptors: until the next tick */
	uint32_t tcp_open;		/* TCP connections: at most half the slots */
	size_t out_total;		/* unread reply bytes, all connections */

	pthread_mutex_t lock;		/* stats and job */
	pthread_cond_t cond;
	struct ll_admin_stats stats;
	struct job job;
};

static const struct ll_admin_command help_command = {
	"help", NULL, NULL, false, false, "the commands, their arguments and what they do"
};

/* --- parsing and arguments --- */

int ll_admin_parse_request(const char *line, size_t len, json_t **out, const char **cmd,
			   char *err, size_t err_len)
{
	json_error_t jerr;
	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		snprintf(err, err_len, "invalid JSON at column %d: %s", jerr.column, jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(req)) {
		json_decref(req);
		snprintf(err, err_len, "a request is a JSON object, e.g. {\"cmd\":\"status\"}");
		return -EINVAL;
	}
	json_t *c = json_object_get(req, "cmd");
	if (!json_is_string(c)) {
		json_decref(req);
		snprintf(err, err_len, "cmd: want a string, e.g. {\"cmd\":\"status\"}");
		return -EINVAL;
	}
	*out = req;
	*cmd = json_string_value(c);
	return 0;
}

static json_t *arg_of(const struct ll_admin_request *req, const char *name, bool required,
		      int *rc, char *err, size_t err_len)
{
	json_t *v = json_object_get(req->args, name);
	*rc = 0;
	if (!v) {
		*rc = required ? -EINVAL : 1;
		if (required)
			snprintf(err, err_len, "%s: required", name);
	}
	return v;
}

int ll_admin_arg_u64(const struct ll_admin_request *req, const char *name, bool required,
		     uint64_t *out, char *err, size_t err_len)
{
	int rc;
	json_t *v = arg_of(req, name, required, &rc, err, err_len);
	if (!v)
		return rc;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		snprintf(err, err_len, "%s: want a whole number", name);
		return -EINVAL;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

int ll_admin_arg_string(const struct ll_admin_request *req, const char *name, bool required,
			const char **out, char *err, size_t err_len)
{
	int rc;
	json_t *v = arg_of(req, name, required, &rc, err, err_len);
	if (!v)
		return rc;
	if (!json_is_string(v)) {
		snprintf(err, err_len, "%s: want a string", name);
		return -EINVAL;
	}
	*out = json_string_value(v);
	return 0;
}

int ll_admin_arg_bool(const struct ll_admin_request *req, const char *name, bool required,
		      bool *out, char *err, size_t err_len)
{
	int rc;
	json_t *v = arg_of(req, name, required, &rc, err, err_len);
	if (!v)
		return rc;
	if (!json_is_boolean(v)) {
		snprintf(err, err_len, "%s: want true or false", name);
		return -EINVAL;
	}
	*out = json_is_true(v);
	return 0;
}

/* Every argument the request names is one the command takes. */
static int check_arg_names(const struct ll_admin_command *c, const json_t *req, char *err,
			   size_t err_len)
{
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)req, key, value) {
		bool known = strcmp(key, "cmd") == 0;
		for (size_t i = 0; c->args && c->args[i] && !known; i++)
			known = strcmp(key, c->args[i]) == 0;
		if (!known) {
			size_t len = (size_t)snprintf(err, err_len, "unknown argument '%s' for %s (%s",
						      key, c->name, c->args && c->args[0] ?
						      "it takes:" : "it takes none");
			for (size_t i = 0; c->args && c->args[i] && len < err_len; i++)
				len += (size_t)snprintf(err + len, err_len - len, "%s%s",
							i ? ", " : " ", c->args[i]);
			if (len < err_len)
				snprintf(err + len, err_len - len, ")");
			return -EINVAL;
		}
	}
	return 0;
}

/* --- counters --- */

#define COUNT(a, field) do {                    \
		pthread_mutex_lock(&(a)->lock); \
		(a)->stats.field++;             \
		pthread_mutex_unlock(&(a)->lock); \
	} while (0)

void ll_admin_stats(ll_admin_t *a, struct ll_admin_stats *out)
{
	pthread_mutex_lock(&a->lock);
	*out = a->stats;
	pthread_mutex_unlock(&a->lock);
}

void ll_admin_set_idle_timeout(ll_admin_t *a, uint32_t ms)
{
	__atomic_store_n(&a->idle_timeout_ms, ms, __ATOMIC_RELAXED);
}

/*
 * Error text often quotes what a client sent, cut to fit a buffer, maybe in the
 * middle of a character: bytes that are not UTF-8 become '?', so the text is a
 * JSON string (jansson refuses anything else, and the reply would be lost).
 */
static void make_utf8(char *text)
{
	unsigned char *p = (unsigned char *)text;
	while (*p) {
		unsigned n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 :
			     (*p & 0xf8) == 0xf0 ? 3 : 4;
		bool good = n < 4 && !(n == 1 && *p < 0xc2) && !(n == 3 && *p > 0xf4);
		for (unsigned k = 1; good && k <= n; k++)
			good = (p[k] & 0xc0) == 0x80;
		/* no overlong three- or four-byte forms, surrogates or values past U+10FFFF */
		if (good && n == 2)
			good = !(*p == 0xe0 && p[1] < 0xa0) && !(*p == 0xed && p[1] >= 0xa0);
		if (good && n == 3)
			good = !(*p == 0xf0 && p[1] < 0x90) && !(*p == 0xf4 && p[1] >= 0x90);
		if (!good) {
			*p++ = '?';
			continue;
		}
		p += n + 1;
	}
}

/* --- the audit log --- */

static void audit(ll_admin_t *a, const char *who, const json_t *request, bool ok, const char *err)
{
	if (a->audit_fd < 0)
		return;
	char when[40];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof when - n, ".%03ldZ", ts.tv_nsec / 1000000);
	json_t *line = json_pack("{s:s, s:s, s:O, s:b}", "time", when, "who", who, "request",
				 request, "ok", ok);
	if (line && !ok) {
		char text[LL_ADMIN_ERR_MAX];
		snprintf(text, sizeof text, "%s", err && err[0] ? err : "failed");
		make_utf8(text);
		json_object_set_new(line, "error", json_string(text));
	}
	char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	json_decref(line);
	bool written = false;
	if (text) {
		size_t len = strlen(text);
		text[len] = '\n';	/* json_dumps leaves room: replaces the terminator */
		written = write(a->audit_fd, text, len + 1) == (ssize_t)(len + 1) &&
			  fdatasync(a->audit_fd) == 0;
		free(text);
	}
	if (!written) {
		static struct ll_log_ratelimit rl = LL_LOG_RATELIMIT_INIT(10000000000ull, 1);
		uint64_t more;
		COUNT(a, audit_errors);
		if (ll_log_ratelimit_allow(&rl, ll_time_mono_ns(), &more))
			LL_ERROR("admin", "audit log %s: %s (%" PRIu64 " more)", a->cfg.audit_log,
				 strerror(errno), more);
	}
}

/* --- connections --- */

static void watch(ll_admin_t *a, uint32_t i)
{
	struct conn *c = &a->conns[i];
	/* read only when a request can be taken: not waiting on the worker, not
	 * behind on replies, not closing */
	uint32_t events = 0;
	if (!c->awaiting && !c->eof && !c->closing && c->out_len - c->out_off < OUT_MAX / 2)
		events |= EPOLLIN;
	if (c->out_len > c->out_off)
		events |= EPOLLOUT;
	if (events == c->events)
		return;
	struct epoll_event ev = { .events = events, .data.u64 = i };
	epoll_ctl(a->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->events = events;
}

static void close_conn(ll_admin_t *a, uint32_t i)
{
	struct conn *c = &a->conns[i];
	if (c->fd < 0)
		return;
	epoll_ctl(a->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	a->tcp_open -= c->tcp;
	a->out_total -= c->out_len - c->out_off;
	free(c->in);
	free(c->out);
	*c = (struct conn){ .fd = -1 };
	pthread_mutex_lock(&a->lock);
	a->stats.open--;
	pthread_mutex_unlock(&a->lock);
}

/* Writes what it can of the connection's replies; closes it when it is done with. */
static void flush(ll_admin_t *a, uint32_t i)
{
	struct conn *c = &a->conns[i];
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			close_conn(a, i);
			return;
		}
		c->out_off += (size_t)n;
		a->out_total -= (size_t)n;
		c->last_ns = ll_time_mono_ns();
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if ((c->closing || (c->eof && !c->awaiting)) && c->out_len == 0) {
		close_conn(a, i);
		return;
	}
	watch(a, i);
}

/* Queues one reply line; a client that lets them pile up is closed. */
static void send_json(ll_admin_t *a, uint32_t i, const json_t *reply)
{
	struct conn *c = &a->conns[i];
	char *text = json_dumps(reply, JSON_COMPACT);
	if (!text) {
		c->closing = true;
		return;
	}
	size_t len = strlen(text), need = c->out_len + len + 1;
	if (need > OUT_MAX || a->out_total + len + 1 > OUT_TOTAL_MAX) {
		free(text);
		COUNT(a, slow_reader);
		close_conn(a, i);
		return;
	}
	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < need)
			cap *= 2;
		char *grown = realloc(c->out, cap);
		if (!grown) {
			free(text);
			close_conn(a, i);
			return;
		}
		c->out = grown;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, len);
	c->out[c->out_len + len] = '\n';
	c->out_len += len + 1;
	a->out_total += len + 1;
	free(text);
}

static void send_failure(ll_admin_t *a, uint32_t i, const char *err, bool closing)
{
	char text[LL_ADMIN_ERR_MAX];
	snprintf(text, sizeof text, "%s", err);
	make_utf8(text);
	json_t *reply = json_pack("{s:b, s:s}", "ok", 0, "error", text);
	if (reply && closing)
		json_object_set_new(reply, "closed", json_true());
	if (reply)
		send_json(a, i, reply);
	json_decref(reply);
	if (closing && a->conns[i].fd >= 0)
		a->conns[i].closing = true;
}

static void send_error(ll_admin_t *a, uint32_t i, const char *err)
{
	send_failure(a, i, err, false);
}

/* The last words to a connection the server closes: "closed": true says so. */
static void send_close(ll_admin_t *a, uint32_t i, const char *err)
{
	send_failure(a, i, err, true);
}

static void count_result(ll_admin_t *a, int rc)
{
	pthread_mutex_lock(&a->lock);
	if (rc == 0)
		a->stats.ok++;
	else if (rc == -EINVAL)
		a->stats.bad_arguments++;
	else
		a->stats.failed++;
	pthread_mutex_unlock(&a->lock);
}

/* A command's outcome as the reply line, and the audit line when it changes things. */
static void finish(ll_admin_t *a, uint32_t i, const struct ll_admin_command *cmd,
		   const char *who, const json_t *request, json_t *reply, int rc, const char *err)
{
	count_result(a, rc);
	if (cmd->changes)
		audit(a, who, request, rc == 0, err);
	if (i == UINT32_MAX)	/* the client left while it ran */
		return;
	if (rc == 0)
		send_json(a, i, reply);
	else
		send_error(a, i, err[0] ? err : "failed");
}

static json_t *help_reply(const ll_admin_t *a)
{
	json_t *list = json_array();
	for (size_t i = 0; i < a->cfg.command_count; i++) {
		const struct ll_admin_command *c = &a->cfg.commands[i];
		json_t *args = json_array();
		for (size_t j = 0; c->args && c->args[j]; j++)
			json_array_append_new(args, json_string(c->args[j]));
		json_array_append_new(list, json_pack("{s:s, s:o, s:s, s:b}", "name", c->name,
						      "args", args, "help", c->help ? c->help : "",
						      "changes", c->changes));
	}
	return json_pack("{s:b, s:o}", "ok", 1, "commands", list);
}

/* The token as a digest, so the comparison takes the same time whatever its length. */
static void token_digest(const char *token, size_t len, uint8_t out[32])
{
	EVP_Digest(token, len, out, NULL, EVP_sha256(), NULL);
}

/* TCP: the first request must carry the token. True when the connection may go on. */
static bool authenticate(ll_admin_t *a, uint32_t i, const json_t *req, const char *cmd)
{
	struct conn *c = &a->conns[i];
	const char *given = json_string_value(json_object_get(req, "token"));
	uint8_t digest[32];
	uint64_t now = ll_time_mono_ns();
	/* connections opened before a burst of failures get no more guesses than new ones */
	if (a->auth_fails >= AUTH_FAILS_PER_SECOND && now - a->auth_window_ns < 1000000000ull) {
		COUNT(a, auth_throttled);
		send_close(a, i, "too many failed authentications: try again in a second");
		return false;
	}
	if (!cmd || strcmp(cmd, "auth") != 0 || !given) {
		send_close(a, i, "authenticate first: {\"cmd\":\"auth\",\"token\":\"...\"}");
	} else {
		token_digest(given, strlen(given), digest);
		if (a->has_token && CRYPTO_memcmp(digest, a->token_digest, sizeof digest) == 0) {
			c->authed = true;
			json_t *ok = json_pack("{s:b}", "ok", 1);
			send_json(a, i, ok);
			json_decref(ok);
			COUNT(a, ok);
			return true;
		}
		send_close(a, i, "auth failed");
	}
	if (now - a->auth_window_ns >= 1000000000ull) {
		a->auth_window_ns = now;
		a->auth_fails = 0;
	}
	a->auth_fails++;
	COUNT(a, auth_failed);
	static struct ll_log_ratelimit rl = LL_LOG_RATELIMIT_INIT(10000000000ull, 3);
	uint64_t more;
	if (ll_log_ratelimit_allow(&rl, now, &more))
		LL_WARN("admin", "%s: failed authentication (%" PRIu64 " more not logged)", c->who,
			more);
	return false;
}

static const struct ll_admin_command *find_command(const ll_admin_t *a, const char *name)
{
	for (size_t i = 0; i < a->cfg.command_count; i++)
		if (strcmp(a->cfg.commands[i].name, name) == 0)
			return &a->cfg.commands[i];
	return strcmp(name, "help") == 0 ? &help_command : NULL;
}

/* One request line (without its newline). */
static void handle_line(ll_admin_t *a, uint32_t i, char *line, size_t len)
{
	struct conn *c = &a->conns[i];
	char err[LL_ADMIN_ERR_MAX] = "";
	json_t *req;
	const char *name;
	if (len && line[len - 1] == '\r')
		len--;
	if (len == 0)
		return;
	COUNT(a, requests);
	if (ll_admin_parse_request(line, len, &req, &name, err, sizeof err) < 0) {
		COUNT(a, invalid_json);
		/* before the token, nothing but the token is answered */
		if (c->tcp && !c->authed)
			authenticate(a, i, NULL, NULL);
		else
			send_error(a, i, err);
		return;
	}
	if (c->tcp && !c->authed) {
		authenticate(a, i, req, name);
		json_decref(req);
		return;
	}
	const struct ll_admin_command *cmd = find_command(a, name);
	if (!cmd) {
		COUNT(a, unknown_command);
		snprintf(err, sizeof err, "unknown command '%.64s' (\"help\" lists them)", name);
		send_error(a, i, err);
	} else if (check_arg_names(cmd, req, err, sizeof err) < 0) {
		finish(a, i, cmd, c->who, req, NULL, -EINVAL, err);
	} else if (cmd == &help_command) {
		json_t *reply = help_reply(a);
		count_result(a, 0);
		send_json(a, i, reply);
		json_decref(reply);
	} else if (cmd->slow) {
		pthread_mutex_lock(&a->lock);
		bool busy = a->job.pending || a->job.done;
		if (!busy) {
			a->job = (struct job){ .pending = true, .conn = i, .gen = c->gen,
					       .command = cmd, .request = json_incref(req) };
			snprintf(a->job.who, sizeof a->job.who, "%s", c->who);
			c->awaiting = true;
			pthread_cond_signal(&a->cond);
		} else {
			a->stats.busy++;
			snprintf(err, sizeof err, "busy: %s is running; try again when it is done",
				 a->job.command->name);
		}
		pthread_mutex_unlock(&a->lock);
		if (busy) {
			if (cmd->changes)
				audit(a, c->who, req, false, err);
			send_error(a, i, err);
		}
	} else {
		struct ll_admin_request r = { .cmd = name, .args = req, .who = c->who };
		json_t *reply = json_pack("{s:b}", "ok", 1);
		int rc = reply ? cmd->run(a->cfg.arg, &r, reply, err, sizeof err) : -ENOMEM;
		finish(a, i, cmd, c->who, req, reply, rc, err);
		json_decref(reply);
	}
	json_decref(req);
}

/* Takes every whole line in the buffer, stopping while a slow command runs. */
static void take_lines(ll_admin_t *a, uint32_t i)
{
	struct conn *c = &a->conns[i];
	size_t used = 0;
	while (c->fd >= 0 && !c->awaiting && !c->closing) {
		char *nl = memchr(c->in + used, '\n', c->in_len - used);
		/* at the end of input, a last line needs no newline */
		if (!nl && c->eof && c->in_len > used && c->in_len - used <= a->cfg.max_request_bytes)
			nl = c->in + c->in_len;
		if (!nl)
			break;
		size_t len = (size_t)(nl - (c->in + used));
		handle_line(a, i, c->in + used, len);
		used += len + (used + len < c->in_len);
	}
	if (c->fd < 0)
		return;
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	if (!c->awaiting && !c->closing && c->in_len > a->cfg.max_request_bytes) {
		char err[96];
		snprintf(err, sizeof err, "request longer than %u bytes: closed",
			 a->cfg.max_request_bytes);
		COUNT(a, too_long);
		send_close(a, i, err);
	}
	flush(a, i);
}

static void read_conn(ll_admin_t *a, uint32_t i)
{
	struct conn *c = &a->conns[i];
	/* room for the longest request, its newline, and one byte to see it is too long */
	size_t limit = (size_t)a->cfg.max_request_bytes + 2;
	if (c->in_cap - c->in_len < 1024 && c->in_cap < limit) {
		size_t cap = c->in_cap ? c->in_cap * 2 : IN_FIRST;
		if (cap > limit)
			cap = limit;
		char *grown = realloc(c->in, cap);
		if (!grown) {
			close_conn(a, i);
			return;
		}
		c->in = grown;
		c->in_cap = cap;
	}
	if (c->awaiting || c->in_len == c->in_cap)
		return;		/* not taking requests now (a full buffer was refused as too long) */
	ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		close_conn(a, i);
		return;
	}
	if (n == 0)
		c->eof = true;	/* answer what came, then close */
	c->in_len += (size_t)n;
	c->last_ns = ll_time_mono_ns();
	take_lines(a, i);
}

/* "unix uid=0 pid=42" or "tcp 10.0.0.2:40123": who did it, for the audit log. */
static void describe_peer(int fd, bool tcp, const struct sockaddr_in *sin, char *who,
			  size_t len)
{
	if (tcp) {
		char ip[INET_ADDRSTRLEN] = "?";
		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof ip);
		snprintf(who, len, "tcp %s:%u", ip, ntohs(sin->sin_port));
		return;
	}
	struct ucred cred;
	socklen_t cl = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0)
		snprintf(who, len, "unix uid=%u pid=%d", (unsigned)cred.uid, (int)cred.pid);
	else
		snprintf(who, len, "unix");
}

static void refuse(int fd, const char *why)
{
	char line[160];
	int n = snprintf(line, sizeof line, "{\"ok\":false,\"error\":\"%s\",\"closed\":true}\n",
			 why);
	(void)!send(fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static int add_fd(ll_admin_t *a, int fd, uint64_t tag, int op)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	return epoll_ctl(a->epfd, op, fd, &ev) < 0 ? -errno : 0;
}

static void accept_all(ll_admin_t *a, int listener, bool tcp)
{
	for (;;) {
		struct sockaddr_in sin = { 0 };
		socklen_t sl = sizeof sin;
		int fd = accept4(listener, tcp ? (struct sockaddr *)&sin : NULL, tcp ? &sl : NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
			/* out of descriptors: a level-triggered listener would spin this
			 * thread until one frees, so stop watching it until the next tick */
			struct epoll_event ev = { .events = 0, .data.u64 = tcp ? TAG_TCP : TAG_UNIX };
			epoll_ctl(a->epfd, EPOLL_CTL_MOD, listener, &ev);
			a->listeners_paused = true;
			static struct ll_log_ratelimit rl = LL_LOG_RATELIMIT_INIT(10000000000ull, 1);
			uint64_t more;
			if (ll_log_ratelimit_allow(&rl, ll_time_mono_ns(), &more))
				LL_WARN("admin", "out of file descriptors: accepts wait (%" PRIu64
					" more not logged)", more);
			return;
		}
		if (fd < 0)
			return;	/* EAGAIN: all taken */
		pthread_mutex_lock(&a->lock);
		a->stats.accepted++;
		bool full = a->stats.open >= a->cfg.max_connections;
		pthread_mutex_unlock(&a->lock);
		uint64_t now = ll_time_mono_ns();
		if (tcp && a->auth_fails >= AUTH_FAILS_PER_SECOND &&
		    now - a->auth_window_ns < 1000000000ull) {
			COUNT(a, auth_throttled);
			refuse(fd, "too many failed authentications: try again in a second");
			continue;
		}
		/* TCP gets half the slots: the Unix socket always has room for an operator */
		uint32_t tcp_max = a->cfg.max_connections > 1 ? a->cfg.max_connections / 2 : 1;
		if (full || (tcp && a->tcp_open >= tcp_max)) {
			char why[80];
			snprintf(why, sizeof why, "too many admin connections (%u)",
				 full ? a->cfg.max_connections : tcp_max);
			COUNT(a, refused_full);
			refuse(fd, why);
			continue;
		}
		uint32_t i = 0;
		while (a->conns[i].fd >= 0)
			i++;	/* open < max_connections: a slot is free */
		struct conn *c = &a->conns[i];
		*c = (struct conn){ .fd = fd, .gen = ++a->next_gen, .tcp = tcp, .last_ns = now,
				    .accepted_ns = now, .events = EPOLLIN };
		describe_peer(fd, tcp, &sin, c->who, sizeof c->who);
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i };
		if (epoll_ctl(a->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			c->fd = -1;
			continue;
		}
		a->tcp_open += tcp;
		pthread_mutex_lock(&a->lock);
		a->stats.open++;
		pthread_mutex_unlock(&a->lock);
	}
}

/* The worker finished a slow command: its reply goes to the client, if still there. */
static void job_done(ll_admin_t *a)
{
	uint64_t count;
	(void)!read(a->wake_fd, &count, sizeof count);
	pthread_mutex_lock(&a->lock);
	if (!a->job.done) {
		pthread_mutex_unlock(&a->lock);
		return;
	}
	struct job job = a->job;
	a->job = (struct job){ 0 };
	pthread_mutex_unlock(&a->lock);
	struct conn *c = &a->conns[job.conn];
	bool there = c->fd >= 0 && c->gen == job.gen;
	finish(a, there ? job.conn : UINT32_MAX, job.command, job.who, job.request, job.reply,
	       job.rc, job.err);
	json_decref(job.request);
	json_decref(job.reply);
	if (there) {
		c->awaiting = false;
		c->last_ns = ll_time_mono_ns();
		take_lines(a, job.conn);	/* what it sent while it waited */
	}
}

static void *worker_main(void *arg)
{
	ll_admin_t *a = arg;
	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (!a->stop && !a->job.pending)
			pthread_cond_wait(&a->cond, &a->lock);
		if (a->stop)
			break;
		struct ll_admin_request r = { .cmd = a->job.command->name, .args = a->job.request,
					      .who = a->job.who };
		const struct ll_admin_command *cmd = a->job.command;
		char err[LL_ADMIN_ERR_MAX] = "";
		pthread_mutex_unlock(&a->lock);
		json_t *reply = json_pack("{s:b}", "ok", 1);
		int rc = reply ? cmd->run(a->cfg.arg, &r, reply, err, sizeof err) : -ENOMEM;
		pthread_mutex_lock(&a->lock);
		a->job.pending = false;
		a->job.done = true;
		a->job.reply = reply;
		a->job.rc = rc;
		memcpy(a->job.err, err, sizeof err);
		uint64_t one = 1;
		(void)!write(a->wake_fd, &one, sizeof one);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* Connections that sent nothing for the idle timeout are told so and closed. */
/*
 * Connections that sent nothing for the idle timeout are told so and closed.
 * One whose replies do not drain for as long (it does not read them) is closed
 * at once: telling it would only add to what it does not read. A TCP connection
 * has from accept the idle timeout or AUTH_DEADLINE_NS, the shorter, to give
 * its token, whatever else it sends meanwhile.
 */
static void close_idle(ll_admin_t *a, uint64_t now)
{
	uint64_t idle_ns = __atomic_load_n(&a->idle_timeout_ms, __ATOMIC_RELAXED) * 1000000ull;
	for (uint32_t i = 0; i < a->cfg.max_connections; i++) {
		struct conn *c = &a->conns[i];
		if (c->fd < 0 || c->awaiting)
			continue;
		bool stuck = c->closing || c->out_len > c->out_off;
		if (stuck && now - c->last_ns >= idle_ns) {
			COUNT(a, slow_reader);
			close_conn(a, i);
		} else if (!stuck && c->tcp && !c->authed &&
			   now - c->accepted_ns >= (idle_ns < AUTH_DEADLINE_NS ? idle_ns :
						    AUTH_DEADLINE_NS)) {
			COUNT(a, idle_closed);
			send_close(a, i, "no token in time: closed");
			flush(a, i);
		} else if (!stuck && now - c->last_ns >= idle_ns) {
			COUNT(a, idle_closed);
			send_close(a, i, "idle too long: closed");
			flush(a, i);
		}
	}
}

static void *admin_main(void *arg)
{
	ll_admin_t *a = arg;
	struct epoll_event events[64];
	uint64_t last_tick = 0;
	while (!a->stop) {
		int n = epoll_wait(a->epfd, events, 64, 100);
		for (int e = 0; e < n; e++) {
			uint64_t tag = events[e].data.u64;
			if (tag == TAG_UNIX || tag == TAG_TCP) {
				accept_all(a, tag == TAG_UNIX ? a->unix_fd : a->tcp_fd, tag == TAG_TCP);
			} else if (tag == TAG_WAKE) {
				job_done(a);
			} else {
				uint32_t i = (uint32_t)tag;
				if (a->conns[i].fd < 0)
					continue;
				uint32_t ev = events[e].events;
				/* gone while its slow command runs: the reply is dropped */
				if ((ev & (EPOLLHUP | EPOLLERR)) && a->conns[i].awaiting) {
					close_conn(a, i);
					continue;
				}
				if (ev & EPOLLOUT)
					flush(a, i);
				if (a->conns[i].fd >= 0 && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)))
					read_conn(a, i);
			}
		}
		uint64_t now = ll_time_mono_ns();
		if (now - last_tick >= TICK_NS) {
			last_tick = now;
			if (a->listeners_paused) {
				a->listeners_paused = false;
				add_fd(a, a->unix_fd, TAG_UNIX, EPOLL_CTL_MOD);
				if (a->tcp_fd >= 0)
					add_fd(a, a->tcp_fd, TAG_TCP, EPOLL_CTL_MOD);
			}
			close_idle(a, now);
			if (a->cfg.tick)
				a->cfg.tick(a->cfg.arg, now);
		}
	}
	return NULL;
}

/* --- open and close --- */

/* The file's directory, when missing (/run is a tmpfs; /var/log/ledgerline is ours). */
static int make_parent(const char *path, mode_t mode)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, mode) < 0 && errno != EEXIST) {
		int rc = -errno;
		LL_ERROR("admin", "directory %s: %s", dir, strerror(errno));
		return rc;
	}
	return 0;
}

static int listen_unix(ll_admin_t *a)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = a->cfg.socket_path;
	if (strlen(path) >= sizeof sun.sun_path) {
		LL_ERROR("admin", "socket path %s: longer than %zu bytes", path,
			 sizeof sun.sun_path - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	snprintf(a->socket_path, sizeof a->socket_path, "%s", path);
	int rc = make_parent(path, 0755);
	if (rc < 0)
		return rc;
	struct stat st;
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		LL_ERROR("admin", "socket %s: a file that is not a socket is there: not replaced",
			 path);
		return -EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a socket file left by a process that died answers no one: replace it */
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 || errno == EAGAIN) {
		close(fd);
		LL_ERROR("admin", "socket %s: another process answers on it (is an appliance "
			 "running with this admin.socket?)", path);
		return -EADDRINUSE;
	}
	if (errno == ECONNREFUSED)
		unlink(path);
	mode_t old = umask(0777 & ~a->cfg.socket_mode);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc < 0 || chmod(path, a->cfg.socket_mode) < 0 || listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		LL_ERROR("admin", "socket %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if (a->cfg.socket_group && a->cfg.socket_group[0]) {
		struct group *g = getgrnam(a->cfg.socket_group);
		if (!g || chown(path, (uid_t)-1, g->gr_gid) < 0) {
			LL_ERROR("admin", "socket %s: group %s: %s", path, a->cfg.socket_group,
				 g ? strerror(errno) : "no such group");
			close(fd);
			unlink(path);
			return -EINVAL;
		}
	}
	a->unix_fd = fd;
	return 0;
}

static int listen_tcp(ll_admin_t *a)
{
	int rc = ll_net_listen_tcp(a->cfg.tcp_listen, SOMAXCONN, &a->tcp_fd);
	if (rc < 0)
		LL_ERROR("admin", "TCP %s: %s", a->cfg.tcp_listen,
			 rc == -EINVAL ? "want a.b.c.d:port" : strerror(-rc));
	return rc;
}

/* Room for max_connections descriptors beside the process's others: the soft
 * limit is raised toward the hard one, and a shortfall is said at start. */
static void raise_fd_limit(uint32_t max_connections)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)max_connections + 256;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < want)
		LL_WARN("admin", "admin.max_connections %u: the descriptor limit is %llu; past it, "
			"accepts wait", max_connections, (unsigned long long)rl.rlim_cur);
}

int ll_admin_open(const struct ll_admin_cfg *cfg, ll_admin_t **out)
{
	if (!cfg || !out || !cfg->socket_path || !cfg->socket_path[0] ||
	    cfg->max_connections == 0 || cfg->max_request_bytes == 0 ||
	    (cfg->command_count && !cfg->commands))
		return -EINVAL;
	bool tcp = cfg->tcp_listen && cfg->tcp_listen[0];
	if (tcp && (!cfg->token || !cfg->token[0]))
		return -EINVAL;
	ll_admin_t *a = calloc(1, sizeof *a);
	if (!a)
		return -ENOMEM;
	a->cfg = *cfg;
	a->epfd = a->unix_fd = a->tcp_fd = a->wake_fd = a->audit_fd = -1;
	a->idle_timeout_ms = cfg->idle_timeout_ms;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->cond, NULL);
	int rc = -ENOMEM;
	if (!(a->conns = calloc(cfg->max_connections, sizeof *a->conns)))
		goto err;
	for (uint32_t i = 0; i < cfg->max_connections; i++)
		a->conns[i].fd = -1;
	if (tcp) {
		token_digest(cfg->token, strlen(cfg->token), a->token_digest);
		a->has_token = true;
	}
	if (cfg->audit_log && cfg->audit_log[0] && (rc = make_parent(cfg->audit_log, 0750)) < 0)
		goto err;
	if (cfg->audit_log && cfg->audit_log[0] &&
	    (a->audit_fd = open(cfg->audit_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
				0640)) < 0) {
		rc = -errno;
		LL_ERROR("admin", "audit log %s: %s", cfg->audit_log, strerror(errno));
		goto err;
	}
	raise_fd_limit(cfg->max_connections);
	if ((a->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		rc = -errno;
		goto err;
	}
	if ((rc = listen_unix(a)) < 0 || (tcp && (rc = listen_tcp(a)) < 0) ||
	    (rc = add_fd(a, a->unix_fd, TAG_UNIX, EPOLL_CTL_ADD)) < 0 ||
	    (tcp && (rc = add_fd(a, a->tcp_fd, TAG_TCP, EPOLL_CTL_ADD)) < 0) ||
	    (rc = add_fd(a, a->wake_fd, TAG_WAKE, EPOLL_CTL_ADD)) < 0)
		goto err;
	if ((rc = -pthread_create(&a->worker, NULL, worker_main, a)) < 0)
		goto err;
	a->worker_started = true;
	if ((rc = -pthread_create(&a->thread, NULL, admin_main, a)) < 0)
		goto err;
	a->thread_started = true;
	LL_INFO("admin", "listening on %s%s%s", cfg->socket_path, tcp ? " and TCP " : "",
		tcp ? cfg->tcp_listen : "");
	*out = a;
	return 0;
err:
	ll_admin_close(a);
	return rc;
}

void ll_admin_close(ll_admin_t *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_signal(&a->cond);
	pthread_mutex_unlock(&a->lock);
	if (a->thread_started)
		pthread_join(a->thread, NULL);
	if (a->worker_started)
		pthread_join(a->worker, NULL);
	/* a slow command that ended after the admin thread did: counted and audited */
	if (a->job.done)
		finish(a, UINT32_MAX, a->job.command, a->job.who, a->job.request, a->job.reply,
		       a->job.rc, a->job.err);
	json_decref(a->job.request);
	json_decref(a->job.reply);
	for (uint32_t i = 0; a->conns && i < a->cfg.max_connections; i++)
		close_conn(a, i);
	free(a->conns);
	if (a->unix_fd >= 0) {
		close(a->unix_fd);
		unlink(a->socket_path);
	}
	if (a->tcp_fd >= 0)
		close(a->tcp_fd);
	if (a->wake_fd >= 0)
		close(a->wake_fd);
	if (a->epfd >= 0)
		close(a->epfd);
	if (a->audit_fd >= 0)
		close(a->audit_fd);
	pthread_cond_destroy(&a->cond);
	pthread_mutex_destroy(&a->lock);
	free(a);
}
