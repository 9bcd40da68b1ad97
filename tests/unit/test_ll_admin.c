/* Unit suite for host/admin ll_admin: requests and replies over real Unix and TCP
 * sockets, every kind of bad input answered or closed and counted, the
 * connection cap under 1,000 clients at once, slow commands beside fast ones,
 * the token, and the audit log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "ll_admin.h"
#include "ll_err.h"
#include "ll_test_util.h"

/* --- the commands under test --- */

static volatile int slow_running;

static int cmd_echo(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		    size_t err_len)
{
	(void)arg;
	const char *text = "";
	int rc = ll_admin_arg_string(req, "text", false, &text, err, err_len);
	if (rc < 0)
		return rc;
	json_object_set_new(reply, "text", json_string(text));
	json_object_set_new(reply, "who", json_string(req->who));
	return 0;
}

static int cmd_count(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		     size_t err_len)
{
	(void)arg;
	uint64_t n = 0;
	bool twice = false;
	int rc = ll_admin_arg_u64(req, "n", true, &n, err, err_len);
	if (rc < 0 || (rc = ll_admin_arg_bool(req, "twice", false, &twice, err, err_len)) < 0)
		return rc;
	json_object_set_new(reply, "n", json_integer((json_int_t)(twice ? 2 * n : n)));
	return 0;
}

static int cmd_fail(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		    size_t err_len)
{
	(void)arg, (void)req, (void)reply;
	snprintf(err, err_len, "the disk is on fire");
	return -EIO;
}

static int cmd_slow(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		    size_t err_len)
{
	(void)arg, (void)req, (void)err, (void)err_len;
	slow_running = 1;
	usleep(400 * 1000);
	slow_running = 0;
	json_object_set_new(reply, "done", json_true());
	return 0;
}

static const char *const echo_args[] = { "text", NULL };
static const char *const count_args[] = { "n", "twice", NULL };
static const struct ll_admin_command commands[] = {
	{ "echo", cmd_echo, echo_args, false, false, "says text back" },
	{ "count", cmd_count, count_args, false, true, "n, or twice n" },
	{ "fail", cmd_fail, NULL, false, true, "always fails" },
	{ "slow", cmd_slow, NULL, true, false, "takes 400 ms" },
};

/* --- the rig --- */

struct rig {
	char dir[64], socket[96], audit[96];
	char tcp[32];
	ll_admin_t *admin;
};

static int rig_open(struct rig *r, uint32_t max_connections, uint32_t idle_ms, bool tcp)
{
	struct ll_admin_cfg cfg = {
		.socket_path = r->socket, .socket_mode = 0660, .max_connections = max_connections,
		.max_request_bytes = 1024, .idle_timeout_ms = idle_ms, .audit_log = r->audit,
		.commands = commands, .command_count = LL_ARRAY_LEN(commands),
		.token = "correct horse battery staple",
	};
	/* a free TCP port on loopback: try a few from a pseudo-random start */
	for (int attempt = 0; attempt < 20; attempt++) {
		if (tcp) {
			snprintf(r->tcp, sizeof r->tcp, "127.0.0.1:%d",
				 20000 + (getpid() * 7 + attempt * 131) % 30000);
			cfg.tcp_listen = r->tcp;
		}
		int rc = ll_admin_open(&cfg, &r->admin);
		if (rc != -EADDRINUSE || !tcp)
			return rc;
	}
	return -EADDRINUSE;
}

static int setup(void **state)
{
	struct rig *r = calloc(1, sizeof *r);
	snprintf(r->dir, sizeof r->dir, "/tmp/test_ll_admin.XXXXXX");
	if (!r || !mkdtemp(r->dir))
		return -1;
	snprintf(r->socket, sizeof r->socket, "%s/run/admin.sock", r->dir);
	snprintf(r->audit, sizeof r->audit, "%s/audit.log", r->dir);
	*state = r;
	return rig_open(r, 8, 5000, false) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct rig *r = *state;
	ll_admin_close(r->admin);
	test_remove_tree(r->dir);
	free(r);
	return 0;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	return fd;
}

static int connect_tcp(const char *addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	const char *colon = strrchr(addr, ':');
	sin.sin_port = htons((uint16_t)atoi(colon + 1));
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	return fd;
}

static void send_text(int fd, const char *text)
{
	size_t len = strlen(text);
	assert_int_equal(send(fd, text, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* One reply line (up to 5 s), parsed; NULL when the server closed first. */
static json_t *read_reply(int fd)
{
	static char buf[1 << 16];
	size_t len = 0;
	while (len < sizeof buf - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		assert_true(poll(&p, 1, 5000) == 1);
		ssize_t n = recv(fd, buf + len, 1, 0);
		if (n <= 0)
			return NULL;
		if (buf[len] == '\n')
			break;
		len++;
	}
	json_error_t jerr;
	json_t *reply = json_loadb(buf, len, 0, &jerr);
	if (!reply)
		fail_msg("not JSON: %.*s", (int)len, buf);
	return reply;
}

/* True when the server closes fd (within 5 s) without another line (a reset, when
 * it closed with our bytes unread, counts). */
static bool closed_by_server(int fd)
{
	char c;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 5000) != 1)
		return false;
	return recv(fd, &c, 1, 0) <= 0;
}

static json_t *ask(int fd, const char *request)
{
	send_text(fd, request);
	return read_reply(fd);
}

/* A TCP connection that gave the rig's token and was let in. */
static int connect_tcp_authed(const struct rig *r)
{
	int fd = connect_tcp(r->tcp);
	json_t *reply = ask(fd, "{\"cmd\":\"auth\",\"token\":\"correct horse battery staple\"}\n");
	assert_non_null(reply);
	assert_true(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
	return fd;
}

/* The reply's error text, which must be a failure. */
static const char *error_of(json_t *reply)
{
	assert_non_null(reply);
	assert_true(json_is_false(json_object_get(reply, "ok")));
	const char *e = json_string_value(json_object_get(reply, "error"));
	assert_non_null(e);
	return e;
}

static struct ll_admin_stats stats_of(struct rig *r)
{
	struct ll_admin_stats s;
	ll_admin_stats(r->admin, &s);
	return s;
}

/* --- the tests --- */

static void test_request_gets_reply_with_ok_and_who(void **state)
{
	struct rig *r = *state;
	int fd = connect_unix(r->socket);
	json_t *reply = ask(fd, "{\"cmd\":\"echo\",\"text\":\"hello\"}\n");
	assert_non_null(reply);
	assert_true(json_is_true(json_object_get(reply, "ok")));
	assert_string_equal(json_string_value(json_object_get(reply, "text")), "hello");
	char who[64];
	snprintf(who, sizeof who, "unix uid=%u pid=%d", (unsigned)getuid(), (int)getpid());
	assert_string_equal(json_string_value(json_object_get(reply, "who")), who);
	json_decref(reply);
	/* the socket has the mode it was given */
	struct stat st;
	assert_int_equal(stat(r->socket, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	close(fd);
}

static void test_pipelined_requests_answer_in_order(void **state)
{
	struct rig *r = *state;
	int fd = connect_unix(r->socket);
	send_text(fd, "{\"cmd\":\"count\",\"n\":1}\n{\"cmd\":\"count\",\"n\":2}\r\n\n"
		      "{\"cmd\":\"count\",\"n\":3,\"twice\":true}\n");
	for (int want = 1; want <= 3; want++) {
		json_t *reply = read_reply(fd);
		assert_non_null(reply);
		assert_int_equal(json_integer_value(json_object_get(reply, "n")),
				 want == 3 ? 6 : want);
		json_decref(reply);
	}
	close(fd);
}

/* Bad input gets a clear error, is counted, and the connection stays usable. */
static void test_bad_requests_are_answered_and_counted(void **state)
{
	struct rig *r = *state;
	static const struct {
		const char *line, *says;
	} cases[] = {
		{ "{\"cmd\":\n", "invalid JSON" },
		{ "not json\n", "invalid JSON" },
		{ "[1,2]\n", "a request is a JSON object" },
		{ "{\"command\":\"echo\"}\n", "cmd: want a string" },
		{ "{\"cmd\":7}\n", "cmd: want a string" },
		{ "{\"cmd\":\"echo\",\"cmd\":\"fail\"}\n", "invalid JSON" },
		{ "{\"cmd\":\"frobnicate\"}\n", "unknown command 'frobnicate'" },
		{ "{\"cmd\":\"echo\",\"txet\":\"x\"}\n", "unknown argument 'txet' for echo (it takes: text)" },
		{ "{\"cmd\":\"fail\",\"x\":1}\n", "unknown argument 'x' for fail (it takes none)" },
		{ "{\"cmd\":\"count\"}\n", "n: required" },
		{ "{\"cmd\":\"count\",\"n\":\"5\"}\n", "n: want a whole number" },
		{ "{\"cmd\":\"count\",\"n\":-5}\n", "n: want a whole number" },
		{ "{\"cmd\":\"count\",\"n\":1.5}\n", "n: want a whole number" },
		{ "{\"cmd\":\"count\",\"n\":1,\"twice\":1}\n", "twice: want true or false" },
		{ "{\"cmd\":\"echo\",\"text\":[]}\n", "text: want a string" },
		{ "{\"cmd\":\"fail\"}\n", "the disk is on fire" },
	};
	int fd = connect_unix(r->socket);
	for (size_t i = 0; i < LL_ARRAY_LEN(cases); i++) {
		json_t *reply = ask(fd, cases[i].line);
		const char *e = error_of(reply);
		if (!strstr(e, cases[i].says))
			fail_msg("%s -> '%s', not '%s'", cases[i].line, e, cases[i].says);
		json_decref(reply);
	}
	json_t *reply = ask(fd, "{\"cmd\":\"fail\"}\n");
	assert_null(json_object_get(reply, "closed"));	/* a refusal that keeps the line */
	json_decref(reply);
	reply = ask(fd, "{\"cmd\":\"echo\",\"text\":\"still here\"}\n");
	assert_true(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
	struct ll_admin_stats s = stats_of(r);
	assert_int_equal(s.invalid_json, 6);
	assert_int_equal(s.unknown_command, 1);
	assert_int_equal(s.bad_arguments, 8);
	assert_int_equal(s.failed, 2);
	assert_int_equal(s.ok, 1);
	assert_int_equal(s.requests, LL_ARRAY_LEN(cases) + 2);
	close(fd);
}

static void test_too_long_line_is_refused_and_closed(void **state)
{
	struct rig *r = *state;
	int fd = connect_unix(r->socket);
	char line[3000];
	memset(line, 'x', sizeof line);	/* no newline: the server must not wait for one */
	assert_int_equal(send(fd, line, sizeof line, MSG_NOSIGNAL), (ssize_t)sizeof line);
	json_t *reply = read_reply(fd);
	assert_non_null(strstr(error_of(reply), "request longer than 1024 bytes"));
	assert_true(json_is_true(json_object_get(reply, "closed")));	/* its last words */
	json_decref(reply);
	assert_true(closed_by_server(fd));
	assert_int_equal(stats_of(r).too_long, 1);
	close(fd);
	/* a line of exactly the limit is fine */
	fd = connect_unix(r->socket);
	char ok[1026];
	int n = snprintf(ok, sizeof ok, "{\"cmd\":\"echo\",\"text\":\"%0*d\"}\n", 1024 - 24, 0);
	assert_int_equal(n, 1025);
	reply = ask(fd, ok);
	assert_true(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
	close(fd);
}

static void test_last_line_without_newline_is_answered_at_eof(void **state)
{
	struct rig *r = *state;
	int fd = connect_unix(r->socket);
	send_text(fd, "{\"cmd\":\"count\",\"n\":9}");
	shutdown(fd, SHUT_WR);
	json_t *reply = read_reply(fd);
	assert_int_equal(json_integer_value(json_object_get(reply, "n")), 9);
	json_decref(reply);
	assert_true(closed_by_server(fd));
	close(fd);
}

static void test_idle_client_is_closed(void **state)
{
	struct rig *r = *state;
	ll_admin_set_idle_timeout(r->admin, 300);
	int fd = connect_unix(r->socket);
	json_t *reply = read_reply(fd);	/* nothing sent: told, then closed */
	assert_non_null(strstr(error_of(reply), "idle too long"));
	assert_true(json_is_true(json_object_get(reply, "closed")));
	json_decref(reply);
	assert_true(closed_by_server(fd));
	assert_int_equal(stats_of(r).idle_closed, 1);
	close(fd);
}

/* 1,000 clients at once: the first 8 are served, the rest told and closed, and
 * the socket still answers after. */
static void test_thousand_connections_are_capped(void **state)
{
	struct rig *r = *state;
	struct rlimit rl = { 4096, 4096 };
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		skip();	/* not root: the test needs 1,000 descriptors */
	enum { N = 1000 };
	static int fds[N];
	int refused = 0, served = 0;
	for (int i = 0; i < N; i++)
		fds[i] = connect_unix(r->socket);
	for (int i = 0; i < N; i++) {
		/* a refused one may be closed already: its error line waits to be read */
		(void)!send(fds[i], "{\"cmd\":\"echo\"}\n", 15, MSG_NOSIGNAL);
		json_t *reply = read_reply(fds[i]);
		if (!reply) {
			refused++;	/* refused while the request was on its way */
		} else if (json_is_true(json_object_get(reply, "ok"))) {
			served++;
		} else {
			assert_non_null(strstr(error_of(reply), "too many admin connections (8)"));
			assert_true(json_is_true(json_object_get(reply, "closed")));
			refused++;
		}
		json_decref(reply);
	}
	assert_int_equal(served, 8);
	assert_int_equal(refused, N - 8);
	struct ll_admin_stats s = stats_of(r);
	assert_int_equal(s.refused_full, N - 8);
	assert_int_equal(s.open, 8);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	/* every slot comes back */
	for (int tries = 0; stats_of(r).open && tries < 100; tries++)
		usleep(10000);
	assert_int_equal(stats_of(r).open, 0);
	int fd = connect_unix(r->socket);
	json_t *reply = ask(fd, "{\"cmd\":\"echo\"}\n");
	assert_true(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
	close(fd);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A slow command runs on the worker: others are answered meanwhile; a second is busy. */
static void test_slow_command_does_not_block_others(void **state)
{
	struct rig *r = *state;
	int slow = connect_unix(r->socket), other = connect_unix(r->socket);
	uint64_t start = now_ms();
	send_text(slow, "{\"cmd\":\"slow\"}\n{\"cmd\":\"count\",\"n\":4}\n");
	while (!slow_running)
		usleep(1000);
	json_t *reply = ask(other, "{\"cmd\":\"echo\",\"text\":\"meanwhile\"}\n");
	assert_true(json_is_true(json_object_get(reply, "ok")));
	assert_true(now_ms() - start < 300);
	json_decref(reply);
	reply = ask(other, "{\"cmd\":\"slow\"}\n");
	assert_non_null(strstr(error_of(reply), "busy: slow is running"));
	json_decref(reply);
	/* the slow one's reply, then the request it sent behind it, in order */
	reply = read_reply(slow);
	assert_true(json_is_true(json_object_get(reply, "done")));
	json_decref(reply);
	reply = read_reply(slow);
	assert_int_equal(json_integer_value(json_object_get(reply, "n")), 4);
	json_decref(reply);
	assert_int_equal(stats_of(r).busy, 1);
	close(slow);
	close(other);
}

static void test_client_gone_during_slow_command(void **state)
{
	struct rig *r = *state;
	int fd = connect_unix(r->socket);
	send_text(fd, "{\"cmd\":\"slow\"}\n");
	while (!slow_running)
		usleep(1000);
	close(fd);
	usleep(600 * 1000);	/* the command ends with no one to answer */
	fd = connect_unix(r->socket);
	json_t *reply = ask(fd, "{\"cmd\":\"slow\"}\n");
	assert_true(json_is_true(json_object_get(reply, "done")));
	json_decref(reply);
	close(fd);
}

static void test_help_lists_commands(void **state)
{
	struct rig *r = *state;
	int fd = connect_unix(r->socket);
	json_t *reply = ask(fd, "{\"cmd\":\"help\"}\n");
	json_t *list = json_object_get(reply, "commands");
	assert_int_equal(json_array_size(list), LL_ARRAY_LEN(commands));
	json_t *count = json_array_get(list, 1);
	assert_string_equal(json_string_value(json_object_get(count, "name")), "count");
	assert_string_equal(json_string_value(json_array_get(json_object_get(count, "args"), 1)),
			    "twice");
	assert_true(json_is_true(json_object_get(count, "changes")));
	json_decref(reply);
	close(fd);
}

/* Commands that change things are written to the audit log: who, when, what, outcome. */
static void test_audit_log_has_changing_commands(void **state)
{
	struct rig *r = *state;
	int fd = connect_unix(r->socket);
	json_decref(ask(fd, "{\"cmd\":\"echo\",\"text\":\"not audited\"}\n"));
	json_decref(ask(fd, "{\"cmd\":\"count\",\"n\":5}\n"));
	json_decref(ask(fd, "{\"cmd\":\"fail\"}\n"));
	close(fd);
	json_error_t jerr;
	FILE *f = fopen(r->audit, "r");
	assert_non_null(f);
	char line[1024];
	char who[64];
	snprintf(who, sizeof who, "unix uid=%u pid=%d", (unsigned)getuid(), (int)getpid());
	const char *cmds[] = { "count", "fail" };
	for (int i = 0; i < 2; i++) {
		assert_non_null(fgets(line, sizeof line, f));
		json_t *a = json_loads(line, 0, &jerr);
		assert_non_null(a);
		assert_string_equal(json_string_value(json_object_get(a, "who")), who);
		const char *when = json_string_value(json_object_get(a, "time"));
		assert_non_null(when);
		assert_int_equal(strlen(when), strlen("2026-12-06T10:00:00.000Z"));
		json_t *req = json_object_get(a, "request");
		assert_string_equal(json_string_value(json_object_get(req, "cmd")), cmds[i]);
		assert_int_equal(json_is_true(json_object_get(a, "ok")), i == 0);
		if (i == 1)
			assert_string_equal(json_string_value(json_object_get(a, "error")),
					    "the disk is on fire");
		json_decref(a);
	}
	assert_null(fgets(line, sizeof line, f));
	fclose(f);
}

/* TCP: the token first; a wrong one is refused and closed; five in a second throttle. */
static void test_tcp_needs_the_token(void **state)
{
	struct rig *r = *state;
	ll_admin_close(r->admin);
	assert_int_equal(rig_open(r, 8, 5000, true), 0);

	int fd = connect_tcp(r->tcp);
	json_t *reply = ask(fd, "{\"cmd\":\"echo\"}\n");
	assert_non_null(strstr(error_of(reply), "authenticate first"));
	json_decref(reply);
	assert_true(closed_by_server(fd));
	close(fd);

	fd = connect_tcp_authed(r);
	reply = ask(fd, "{\"cmd\":\"echo\",\"text\":\"in\"}\n");
	assert_string_equal(json_string_value(json_object_get(reply, "text")), "in");
	assert_int_equal(strncmp(json_string_value(json_object_get(reply, "who")), "tcp 127.0.0.1:",
				 14), 0);
	json_decref(reply);
	close(fd);

	/* wrong tokens: with the request above that did not authenticate, five
	 * failures in a second */
	for (int i = 0; i < 3; i++) {
		fd = connect_tcp(r->tcp);
		reply = ask(fd, "{\"cmd\":\"auth\",\"token\":\"correct horse battery stapler\"}\n");
		assert_string_equal(error_of(reply), "auth failed");
		json_decref(reply);
		assert_true(closed_by_server(fd));
		close(fd);
	}
	fd = connect_tcp(r->tcp);
	reply = ask(fd, "{\"cmd\":\"auth\",\"token\":\"\"}\n");
	assert_string_equal(error_of(reply), "auth failed");
	json_decref(reply);
	close(fd);
	/* now even the right token waits for the second to pass */
	fd = connect_tcp(r->tcp);
	reply = read_reply(fd);
	assert_non_null(strstr(error_of(reply), "too many failed authentications"));
	json_decref(reply);
	close(fd);
	struct ll_admin_stats s = stats_of(r);
	assert_int_equal(s.auth_failed, 5);
	assert_int_equal(s.auth_throttled, 1);
	usleep(1100 * 1000);
	close(connect_tcp_authed(r));
	/* the Unix socket needs no token */
	fd = connect_unix(r->socket);
	reply = ask(fd, "{\"cmd\":\"echo\"}\n");
	assert_true(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
	close(fd);
}

/* A live socket is not taken over; a stale file (its process died) is replaced. */
static void test_open_refuses_live_socket_and_replaces_stale(void **state)
{
	struct rig *r = *state;
	ll_admin_t *second;
	struct ll_admin_cfg cfg = { .socket_path = r->socket, .socket_mode = 0600,
				    .max_connections = 1, .max_request_bytes = 64 };
	assert_int_equal(ll_admin_open(&cfg, &second), -EADDRINUSE);
	ll_admin_close(r->admin);
	r->admin = NULL;
	/* a socket file nobody listens on */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", r->socket);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	assert_int_equal(ll_admin_open(&cfg, &second), 0);
	ll_admin_close(second);
	assert_int_equal(access(r->socket, F_OK), -1);	/* close removes it */
	assert_int_equal(rig_open(r, 8, 5000, false), 0);
	struct ll_admin_cfg bad = cfg;
	bad.tcp_listen = "127.0.0.1:9";
	assert_int_equal(ll_admin_open(&bad, &second), -EINVAL);	/* TCP without a token */
}

/* Before its token a TCP client is answered nothing but about the token: garbage
 * closes it (counted toward the throttle), and dribbling bytes does not keep it
 * past the deadline. TCP gets half the slots, so the Unix socket stays open. */
static void test_tcp_before_the_token(void **state)
{
	struct rig *r = *state;
	ll_admin_close(r->admin);
	assert_int_equal(rig_open(r, 8, 400, true), 0);

	int fd = connect_tcp(r->tcp);
	json_t *reply = ask(fd, "not json\n");
	assert_non_null(strstr(error_of(reply), "authenticate first"));
	assert_true(json_is_true(json_object_get(reply, "closed")));
	json_decref(reply);
	assert_true(closed_by_server(fd));
	close(fd);
	assert_int_equal(stats_of(r).auth_failed, 1);

	/* a byte every 100 ms, never a line: closed at the deadline all the same */
	fd = connect_tcp(r->tcp);
	uint64_t start = now_ms();
	for (int k = 0; k < 20; k++) {
		if (send(fd, "x", 1, MSG_NOSIGNAL) != 1)
			break;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 100) == 1)
			break;
	}
	reply = read_reply(fd);
	assert_non_null(strstr(error_of(reply), "no token in time"));
	assert_true(now_ms() - start < 1500);
	json_decref(reply);
	close(fd);

	/* four TCP slots of eight: the fifth TCP client is refused, Unix still served */
	int held[4];
	for (int k = 0; k < 4; k++)
		held[k] = connect_tcp_authed(r);
	fd = connect_tcp(r->tcp);
	reply = read_reply(fd);
	assert_non_null(strstr(error_of(reply), "too many admin connections (4)"));
	json_decref(reply);
	close(fd);
	fd = connect_unix(r->socket);
	reply = ask(fd, "{\"cmd\":\"echo\"}\n");
	assert_true(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
	close(fd);
	for (int k = 0; k < 4; k++)
		close(held[k]);
}

/* Connections opened before a burst of wrong tokens get no more guesses than new ones. */
static void test_throttle_holds_for_open_connections(void **state)
{
	struct rig *r = *state;
	ll_admin_close(r->admin);
	assert_int_equal(rig_open(r, 16, 5000, true), 0);
	int fds[8];
	for (int k = 0; k < 8; k++)
		fds[k] = connect_tcp(r->tcp);
	usleep(100 * 1000);
	int failed = 0, throttled = 0;
	for (int k = 0; k < 8; k++) {
		json_t *reply = ask(fds[k], "{\"cmd\":\"auth\",\"token\":\"guess\"}\n");
		const char *e = error_of(reply);
		failed += !strcmp(e, "auth failed");
		throttled += strstr(e, "too many failed authentications") != NULL;
		json_decref(reply);
		close(fds[k]);
	}
	assert_int_equal(failed, 5);
	assert_int_equal(throttled, 3);
}

/* A client that never reads its replies is closed once they stop draining. */
static void test_client_that_does_not_read_is_closed(void **state)
{
	struct rig *r = *state;
	ll_admin_set_idle_timeout(r->admin, 300);
	int fd = connect_unix(r->socket);
	char line[1100];
	int n = snprintf(line, sizeof line, "{\"cmd\":\"echo\",\"text\":\"%0*d\"}\n", 1000, 0);
	/* 4 MB of replies, none read; the sends stop when the server stops reading */
	for (int k = 0; k < 4000; k++) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (poll(&p, 1, 2000) != 1 || send(fd, line, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	}
	for (int tries = 0; stats_of(r).slow_reader == 0 && tries < 300; tries++)
		usleep(10000);
	assert_int_equal(stats_of(r).slow_reader, 1);
	assert_int_equal(stats_of(r).open, 0);
	close(fd);
}

/* An error that quotes a client's bytes cut mid-character still gets its reply. */
static void test_error_text_that_is_not_utf8_is_answered(void **state)
{
	struct rig *r = *state;
	int fd = connect_unix(r->socket);
	char req[256] = "{\"cmd\":\"";
	for (int k = 0; k < 40; k++)
		strcat(req, "\xc3\xa9");	/* e-acute: the 64-byte quote cuts one in half */
	strcat(req, "\"}\n{\"cmd\":\"count\",\"n\":3}\n");
	send_text(fd, req);
	json_t *reply = read_reply(fd);
	assert_non_null(strstr(error_of(reply), "unknown command"));
	json_decref(reply);
	reply = read_reply(fd);
	assert_int_equal(json_integer_value(json_object_get(reply, "n")), 3);
	json_decref(reply);
	close(fd);
}

/* A changing command refused for its argument names is audited like any refusal. */
static void test_audit_has_refused_arguments(void **state)
{
	struct rig *r = *state;
	int fd = connect_unix(r->socket);
	json_decref(ask(fd, "{\"cmd\":\"count\",\"n\":1,\"bogus\":2}\n"));
	close(fd);
	char line[1024];
	FILE *f = fopen(r->audit, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	assert_non_null(strstr(line, "\"bogus\":2"));
	assert_non_null(strstr(line, "\"ok\":false"));
	assert_non_null(strstr(line, "unknown argument 'bogus' for count"));
}

/* A file that is not a socket at admin.socket (a typo) is not deleted. */
static void test_open_leaves_a_file_that_is_not_a_socket(void **state)
{
	struct rig *r = *state;
	char path[128];
	snprintf(path, sizeof path, "%s/precious", r->dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("keep me\n", f);
	fclose(f);
	ll_admin_t *other;
	struct ll_admin_cfg cfg = { .socket_path = path, .socket_mode = 0600,
				    .max_connections = 1, .max_request_bytes = 64 };
	assert_int_equal(ll_admin_open(&cfg, &other), -EEXIST);
	assert_int_equal(access(path, R_OK), 0);
}

static void test_parse_request_is_strict(void **state)
{
	(void)state;
	json_t *req;
	const char *cmd;
	char err[LL_ADMIN_ERR_MAX];
	assert_int_equal(ll_admin_parse_request("{\"cmd\":\"status\"}", 16, &req, &cmd, err,
						sizeof err), 0);
	assert_string_equal(cmd, "status");
	json_decref(req);
	/* len is the line: what follows it is not read */
	assert_int_equal(ll_admin_parse_request("{\"cmd\":\"status\"}garbage", 16, &req, &cmd,
						err, sizeof err), 0);
	json_decref(req);
	assert_int_equal(ll_admin_parse_request("{\"cmd\":\"status\"} x", 18, &req, &cmd, err,
						sizeof err), -EINVAL);
	assert_int_equal(ll_admin_parse_request("", 0, &req, &cmd, err, sizeof err), -EINVAL);
	assert_int_equal(ll_admin_parse_request("\"cmd\"", 5, &req, &cmd, err, sizeof err),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_request_is_strict),
		cmocka_unit_test_setup_teardown(test_request_gets_reply_with_ok_and_who, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_requests_answer_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests_are_answered_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long_line_is_refused_and_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_line_without_newline_is_answered_at_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_client_is_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thousand_connections_are_capped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_command_does_not_block_others, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_gone_during_slow_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_lists_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_log_has_changing_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_needs_the_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_live_socket_and_replaces_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_before_the_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_throttle_holds_for_open_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_that_does_not_read_is_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_text_that_is_not_utf8_is_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_has_refused_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_leaves_a_file_that_is_not_a_socket, setup, teardown),
	};
	return cmocka_run_group_tests_name("ll_admin", tests, NULL, NULL);
}
