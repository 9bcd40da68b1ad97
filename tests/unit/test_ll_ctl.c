/* Unit suite for host/ctl ll_ctl: the client against the real admin server
 * (host/admin) over Unix and TCP sockets, and against a rogue one: replies,
 * refusals, deadlines, the reply bound, replies that are not JSON, idle
 * farewells; then the pure helpers: paths, rates, latency from bucket
 * differences, host:port and the formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ll_admin.h"
#include "ll_ctl.h"
#include "ll_err.h"
#include "ll_test_util.h"

/* --- the server's commands --- */

static int cmd_echo(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		    size_t err_len)
{
	(void)arg;
	const char *text = "";
	int rc = ll_admin_arg_string(req, "text", false, &text, err, err_len);
	if (rc < 0)
		return rc;
	json_object_set_new(reply, "text", json_string(text));
	return 0;
}

static int cmd_fail(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		    size_t err_len)
{
	(void)arg, (void)req, (void)reply;
	snprintf(err, err_len, "no such transaction");
	return -ENOENT;
}

static int cmd_slow(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		    size_t err_len)
{
	(void)arg, (void)req, (void)err, (void)err_len;
	usleep(400 * 1000);
	json_object_set_new(reply, "done", json_true());
	return 0;
}

/* a reply of 200,000 bytes: over a small max_reply_bytes */
static int cmd_big(void *arg, const struct ll_admin_request *req, json_t *reply, char *err,
		   size_t err_len)
{
	(void)arg, (void)req, (void)err, (void)err_len;
	char *text = malloc(200001);
	if (!text)
		return -ENOMEM;
	memset(text, 'x', 200000);
	text[200000] = '\0';
	json_object_set_new(reply, "text", json_string(text));
	free(text);
	return 0;
}

static const char *const echo_args[] = { "text", NULL };
static const struct ll_admin_command commands[] = {
	{ "echo", cmd_echo, echo_args, false, false, "says text back" },
	{ "fail", cmd_fail, NULL, false, false, "always fails" },
	{ "slow", cmd_slow, NULL, true, false, "takes 400 ms" },
	{ "big", cmd_big, NULL, false, false, "200 kB" },
};

#define TOKEN "correct horse battery staple"

struct rig {
	char dir[64], socket[96], tcp[32];
	ll_admin_t *admin;
};

static int rig_open(struct rig *r, uint32_t max_connections, uint32_t idle_ms)
{
	struct ll_admin_cfg cfg = {
		.socket_path = r->socket, .socket_mode = 0600, .max_connections = max_connections,
		.max_request_bytes = 1024, .idle_timeout_ms = idle_ms, .commands = commands,
		.command_count = LL_ARRAY_LEN(commands), .token = TOKEN, .tcp_listen = r->tcp,
	};
	for (int attempt = 0; attempt < 20; attempt++) {
		snprintf(r->tcp, sizeof r->tcp, "127.0.0.1:%d",
			 20000 + (getpid() * 13 + attempt * 131) % 30000);
		int rc = ll_admin_open(&cfg, &r->admin);
		if (rc != -EADDRINUSE)
			return rc;
	}
	return -EADDRINUSE;
}

static int setup(void **state)
{
	struct rig *r = calloc(1, sizeof *r);
	if (!r)
		return -1;
	snprintf(r->dir, sizeof r->dir, "/tmp/test_ll_ctl.XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	snprintf(r->socket, sizeof r->socket, "%s/admin.sock", r->dir);
	*state = r;
	return rig_open(r, 4, 5000) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct rig *r = *state;
	ll_admin_close(r->admin);
	test_remove_tree(r->dir);
	free(r);
	return 0;
}

static ll_ctl_t *open_unix(struct rig *r, uint32_t timeout_ms)
{
	struct ll_ctl_cfg cfg = { .socket_path = r->socket, .timeout_ms = timeout_ms };
	char err[LL_CTL_ERR_MAX];
	ll_ctl_t *c = NULL;
	int rc = ll_ctl_open(&cfg, &c, err, sizeof err);
	if (rc != 0)
		fail_msg("open: %s", err);
	return c;
}

static json_t *request(ll_ctl_t *c, const char *text, int *rc, char *err, size_t err_len)
{
	json_error_t jerr;
	json_t *req = json_loads(text, 0, &jerr), *reply = NULL;
	assert_non_null(req);
	*rc = ll_ctl_request(c, req, &reply, err, err_len);
	json_decref(req);
	return reply;
}

/* --- against the admin server --- */

static void test_request_gets_its_reply(void **state)
{
	struct rig *r = *state;
	ll_ctl_t *c = open_unix(r, 2000);
	char err[LL_CTL_ERR_MAX];
	int rc;
	for (int i = 0; i < 3; i++) {
		json_t *reply = request(c, "{\"cmd\":\"echo\",\"text\":\"hi\"}", &rc, err, sizeof err);
		assert_int_equal(rc, 0);
		assert_true(json_is_true(json_object_get(reply, "ok")));
		assert_string_equal(ll_ctl_str(reply, "text", ""), "hi");
		json_decref(reply);
	}
	assert_string_equal(ll_ctl_endpoint(c), r->socket);
	ll_ctl_close(c);
	ll_ctl_close(NULL);
}

static void test_refused_request_is_a_reply_not_an_error(void **state)
{
	struct rig *r = *state;
	ll_ctl_t *c = open_unix(r, 2000);
	char err[LL_CTL_ERR_MAX];
	int rc;
	json_t *reply = request(c, "{\"cmd\":\"fail\"}", &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_true(json_is_false(json_object_get(reply, "ok")));
	assert_int_equal(ll_ctl_refusal(reply), 0);
	assert_string_equal(ll_ctl_str(reply, "error", ""), "no such transaction");
	json_decref(reply);
	/* the connection goes on */
	reply = request(c, "{\"cmd\":\"nope\"}", &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_true(json_is_false(json_object_get(reply, "ok")));
	json_decref(reply);
	ll_ctl_close(c);
}

static void test_open_says_what_is_wrong(void **state)
{
	struct rig *r = *state;
	char err[LL_CTL_ERR_MAX], path[100];
	ll_ctl_t *c = NULL;
	snprintf(path, sizeof path, "%s/none.sock", r->dir);
	struct ll_ctl_cfg cfg = { .socket_path = path, .timeout_ms = 1000 };
	assert_int_equal(ll_ctl_open(&cfg, &c, err, sizeof err), -ENOENT);
	assert_null(c);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "is ledgerlined running?"));

	/* a socket file nobody listens on: refused, and said so */
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
	close(fd);
	assert_int_equal(ll_ctl_open(&cfg, &c, err, sizeof err), -ECONNREFUSED);
	assert_non_null(strstr(err, "Connection refused"));

	cfg.socket_path = NULL;
	assert_int_equal(ll_ctl_open(&cfg, &c, err, sizeof err), -EINVAL);
	cfg.tcp = r->tcp;
	assert_int_equal(ll_ctl_open(&cfg, &c, err, sizeof err), -EINVAL);	/* no token */
	assert_non_null(strstr(err, "token"));
	cfg.token = TOKEN;
	cfg.tcp = "127.0.0.1";
	assert_int_equal(ll_ctl_open(&cfg, &c, err, sizeof err), -EINVAL);
}

static void test_tcp_authenticates_first(void **state)
{
	struct rig *r = *state;
	char err[LL_CTL_ERR_MAX];
	ll_ctl_t *c = NULL;
	struct ll_ctl_cfg cfg = { .tcp = r->tcp, .token = TOKEN, .timeout_ms = 2000 };
	assert_int_equal(ll_ctl_open(&cfg, &c, err, sizeof err), 0);
	int rc;
	json_t *reply = request(c, "{\"cmd\":\"echo\",\"text\":\"over tcp\"}", &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_string_equal(ll_ctl_str(reply, "text", ""), "over tcp");
	json_decref(reply);
	ll_ctl_close(c);

	cfg.token = "not the token";
	c = NULL;
	assert_int_equal(ll_ctl_open(&cfg, &c, err, sizeof err), -EACCES);
	assert_null(c);
	assert_non_null(strstr(err, "auth failed"));
	assert_non_null(strstr(err, "--token-file"));
}

static void test_deadline_passes_as_etimedout(void **state)
{
	struct rig *r = *state;
	ll_ctl_t *c = open_unix(r, 100);
	char err[LL_CTL_ERR_MAX];
	int rc;
	json_t *reply = request(c, "{\"cmd\":\"slow\"}", &rc, err, sizeof err);
	assert_int_equal(rc, -ETIMEDOUT);
	assert_null(reply);
	assert_non_null(strstr(err, "--timeout"));
	/* out of step now: refused rather than reading the late reply as the next one */
	reply = request(c, "{\"cmd\":\"echo\"}", &rc, err, sizeof err);
	assert_int_equal(rc, -ECONNRESET);
	ll_ctl_close(c);
	usleep(450 * 1000);	/* the slow command ends before teardown */

	/* no limit: it waits */
	c = open_unix(r, 0);
	reply = request(c, "{\"cmd\":\"slow\"}", &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_true(json_is_true(json_object_get(reply, "done")));
	json_decref(reply);
	ll_ctl_set_timeout(c, 50);
	reply = request(c, "{\"cmd\":\"slow\"}", &rc, err, sizeof err);
	assert_int_equal(rc, -ETIMEDOUT);
	ll_ctl_close(c);
	usleep(450 * 1000);
}

static void test_reply_over_the_bound_is_refused(void **state)
{
	struct rig *r = *state;
	struct ll_ctl_cfg cfg = { .socket_path = r->socket, .timeout_ms = 2000,
				  .max_reply_bytes = 100000 };
	char err[LL_CTL_ERR_MAX];
	ll_ctl_t *c = NULL;
	int rc;
	assert_int_equal(ll_ctl_open(&cfg, &c, err, sizeof err), 0);
	json_t *reply = request(c, "{\"cmd\":\"big\"}", &rc, err, sizeof err);
	assert_int_equal(rc, -EMSGSIZE);
	assert_null(reply);
	assert_non_null(strstr(err, "longer than 100000 bytes"));
	ll_ctl_close(c);

	/* the default bound (64 MiB) takes it */
	c = open_unix(r, 2000);
	reply = request(c, "{\"cmd\":\"big\"}", &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(ll_ctl_str(reply, "text", "")), 200000);
	json_decref(reply);
	ll_ctl_close(c);
}

static void test_full_server_is_a_connection_refusal(void **state)
{
	struct rig *r = *state;
	ll_ctl_t *held[4], *c;
	char err[LL_CTL_ERR_MAX];
	int rc;
	for (int i = 0; i < 4; i++) {
		held[i] = open_unix(r, 2000);
		json_t *reply = request(held[i], "{\"cmd\":\"echo\"}", &rc, err, sizeof err);
		assert_int_equal(rc, 0);
		json_decref(reply);
	}
	c = open_unix(r, 2000);
	json_t *reply = request(c, "{\"cmd\":\"echo\"}", &rc, err, sizeof err);
	/* told, then closed: the words are the answer */
	assert_int_equal(rc, -EBUSY);
	assert_null(reply);
	assert_non_null(strstr(err, "too many admin connections"));
	ll_ctl_close(c);
	for (int i = 0; i < 4; i++)
		ll_ctl_close(held[i]);
}

static void test_idle_farewell_reads_as_closed(void **state)
{
	struct rig *r = *state;
	ll_admin_close(r->admin);
	assert_int_equal(rig_open(r, 4, 100), 0);
	ll_ctl_t *c = open_unix(r, 2000);
	char err[LL_CTL_ERR_MAX];
	int rc;
	usleep(400 * 1000);
	json_t *reply = request(c, "{\"cmd\":\"echo\"}", &rc, err, sizeof err);
	assert_int_equal(rc, -ECONNRESET);
	assert_null(reply);
	ll_ctl_close(c);
	/* and closing waits for it */
	c = open_unix(r, 2000);
	assert_int_equal(ll_ctl_wait_closed(c, err, sizeof err), 0);
	ll_ctl_close(c);
}

static void test_wait_closed_returns_when_the_server_goes(void **state)
{
	struct rig *r = *state;
	ll_ctl_t *c = open_unix(r, 100);
	char err[LL_CTL_ERR_MAX];
	assert_int_equal(ll_ctl_wait_closed(c, err, sizeof err), -ETIMEDOUT);
	ll_admin_close(r->admin);
	r->admin = NULL;
	assert_int_equal(ll_ctl_wait_closed(c, err, sizeof err), 0);
	ll_ctl_close(c);
}

static void test_exchange_takes_one_line(void **state)
{
	struct rig *r = *state;
	ll_ctl_t *c = open_unix(r, 2000);
	char err[LL_CTL_ERR_MAX], *reply = NULL;
	size_t len = 0;
	assert_int_equal(ll_ctl_exchange(c, "{\"cmd\":\"echo\"}\n{\"cmd\":\"echo\"}", 29, &reply, &len,
					 err, sizeof err), -EINVAL);
	const char *echo = "{\"cmd\":\"echo\",\"text\":\"x\"}";
	assert_int_equal(ll_ctl_exchange(c, echo, strlen(echo), &reply, &len, err, sizeof err), 0);
	assert_string_equal(reply, "{\"ok\":true,\"text\":\"x\"}");
	assert_int_equal(len, strlen(reply));
	free(reply);
	/* a line that is not JSON is the server's to answer */
	assert_int_equal(ll_ctl_exchange(c, "hello", 5, &reply, &len, err, sizeof err), 0);
	assert_non_null(strstr(reply, "invalid JSON"));
	free(reply);
	ll_ctl_close(c);
}

/* --- against a rogue server: one connection, one line of its choosing --- */

struct rogue {
	int listener;
	const char *says;	/* NULL: close without a word */
};

static void *rogue_main(void *arg)
{
	struct rogue *g = arg;
	int fd = accept(g->listener, NULL, NULL);
	char buf[256];
	if (fd < 0)
		return NULL;
	(void)!recv(fd, buf, sizeof buf, 0);
	if (g->says)
		(void)!send(fd, g->says, strlen(g->says), MSG_NOSIGNAL);
	close(fd);
	return NULL;
}

static int rogue_reply(struct rig *r, const char *says, char *err, size_t err_len)
{
	char path[100];
	snprintf(path, sizeof path, "%s/rogue.sock", r->dir);
	unlink(path);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	struct rogue g = { .listener = socket(AF_UNIX, SOCK_STREAM, 0), .says = says };
	assert_int_equal(bind(g.listener, (struct sockaddr *)&sun, sizeof sun), 0);
	assert_int_equal(listen(g.listener, 1), 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, rogue_main, &g), 0);
	struct ll_ctl_cfg cfg = { .socket_path = path, .timeout_ms = 2000 };
	ll_ctl_t *c = NULL;
	assert_int_equal(ll_ctl_open(&cfg, &c, err, err_len), 0);
	json_t *req = json_pack("{s:s}", "cmd", "status"), *reply = NULL;
	int rc = ll_ctl_request(c, req, &reply, err, err_len);
	json_decref(req);
	json_decref(reply);
	ll_ctl_close(c);
	pthread_join(t, NULL);
	close(g.listener);
	return rc;
}

static void test_rogue_replies_are_protocol_errors(void **state)
{
	struct rig *r = *state;
	char err[LL_CTL_ERR_MAX];
	assert_int_equal(rogue_reply(r, "hello\n", err, sizeof err), -EPROTO);
	assert_non_null(strstr(err, "not a JSON object"));
	assert_int_equal(rogue_reply(r, "[1,2]\n", err, sizeof err), -EPROTO);
	assert_int_equal(rogue_reply(r, "{\"ok\":\"yes\"}\n", err, sizeof err), -EPROTO);
	assert_int_equal(rogue_reply(r, "{\"ok\":true}\r\n", err, sizeof err), 0);
	assert_int_equal(rogue_reply(r, NULL, err, sizeof err), -ECONNRESET);
	assert_non_null(strstr(err, "closed the connection"));
	assert_int_equal(rogue_reply(r, "{\"ok\":tr", err, sizeof err), -ECONNRESET);
	assert_non_null(strstr(err, "in full"));
}

/* --- pure helpers --- */

static void test_refusal_knows_the_servers_words(void **state)
{
	(void)state;
	static const struct {
		const char *reply;
		int rc;
	} cases[] = {
		{ "{\"ok\":true}", 0 },
		{ "{\"ok\":false,\"error\":\"no such transaction\"}", 0 },
		{ "{\"ok\":false,\"error\":\"too many admin connections (64)\",\"closed\":true}", -EBUSY },
		{ "{\"ok\":false,\"error\":\"too many failed authentications: try again\",\"closed\":true}", -EBUSY },
		{ "{\"ok\":false,\"error\":\"idle too long: closed\",\"closed\":true}", -ECONNRESET },
		{ "{\"ok\":false,\"error\":\"auth failed\",\"closed\":true}", -EACCES },
		{ "{\"ok\":false,\"error\":\"authenticate first: ...\",\"closed\":true}", -EACCES },
		{ "{\"ok\":false,\"error\":\"request longer than 9 bytes: closed\",\"closed\":true}", 0 },
		/* the words alone are a command's error, not the server closing */
		{ "{\"ok\":false,\"error\":\"auth failed\"}", 0 },
		{ "{\"ok\":false}", 0 },
	};
	for (size_t i = 0; i < LL_ARRAY_LEN(cases); i++) {
		json_error_t jerr;
		json_t *r = json_loads(cases[i].reply, 0, &jerr);
		assert_int_equal(ll_ctl_refusal(r), cases[i].rc);
		json_decref(r);
	}
}

static void test_split_hostport(void **state)
{
	(void)state;
	char host[64], port[8];
	assert_int_equal(ll_ctl_split_hostport("10.0.0.1:7000", host, sizeof host, port,
					       sizeof port), 0);
	assert_string_equal(host, "10.0.0.1");
	assert_string_equal(port, "7000");
	assert_int_equal(ll_ctl_split_hostport("[::1]:65535", host, sizeof host, port,
					       sizeof port), 0);
	assert_string_equal(host, "::1");
	assert_string_equal(port, "65535");
	assert_int_equal(ll_ctl_split_hostport("mgmt.example:22", host, sizeof host, port,
					       sizeof port), 0);
	static const char *const bad[] = { "10.0.0.1", ":7000", "10.0.0.1:", "h:0", "h:65536",
					   "h:7x", "[::1]7000", "h:-1", "h:123456" };
	for (size_t i = 0; i < LL_ARRAY_LEN(bad); i++)
		assert_int_equal(ll_ctl_split_hostport(bad[i], host, sizeof host, port, sizeof port),
				 -EINVAL);
	assert_int_equal(ll_ctl_split_hostport("averylonghostname:1", host, 8, port, sizeof port),
			 -EINVAL);
	assert_int_equal(ll_ctl_split_hostport(NULL, host, sizeof host, port, sizeof port), -EINVAL);
}

static void test_paths_read_nested_values(void **state)
{
	(void)state;
	json_error_t jerr;
	json_t *o = json_loads("{\"solo\":{\"records_committed\":9200,\"stalled\":true},"
			       "\"list\":[{\"a\":1},{\"a\":2}],\"neg\":-5,\"s\":\"x\"}", 0, &jerr);
	assert_non_null(o);
	assert_int_equal(ll_ctl_u64(o, "solo.records_committed"), 9200);
	assert_int_equal(ll_ctl_u64(o, "solo.stalled"), 1);
	assert_int_equal(ll_ctl_u64(o, "list.1.a"), 2);
	assert_int_equal(ll_ctl_u64(o, "list.2.a"), 0);
	assert_int_equal(ll_ctl_u64(o, "neg"), 0);
	assert_int_equal(ll_ctl_u64(o, "s"), 0);
	assert_int_equal(ll_ctl_u64(o, "solo.nope"), 0);
	assert_int_equal(ll_ctl_u64(NULL, "solo"), 0);
	assert_string_equal(ll_ctl_str(o, "s", "d"), "x");
	assert_string_equal(ll_ctl_str(o, "neg", "d"), "d");
	assert_ptr_equal(ll_ctl_get(o, ""), o);
	assert_null(ll_ctl_get(o, "s.deeper"));
	json_decref(o);
}

static void test_rate_is_growth_a_second(void **state)
{
	(void)state;
	json_t *a = json_pack("{s:{s:I}}", "rx", "packets", (json_int_t)1000);
	json_t *b = json_pack("{s:{s:I}}", "rx", "packets", (json_int_t)3000);
	assert_true(ll_ctl_rate(a, b, "rx.packets", 2.0) == 1000.0);
	assert_true(ll_ctl_rate(b, a, "rx.packets", 2.0) == 0.0);	/* a restart */
	assert_true(ll_ctl_rate(a, b, "rx.packets", 0.0) == 0.0);
	assert_true(ll_ctl_rate(a, b, "rx.absent", 1.0) == 0.0);
	json_decref(a);
	json_decref(b);
}

/* A stats object whose commit_latency.buckets hold counts (the last is +Inf). */
static json_t *latency(const uint64_t *counts, size_t n)
{
	static const uint64_t bounds[] = { 250, 500, 1000, 2500 };
	json_t *buckets = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(buckets, json_pack("{s:o, s:I}", "le_us",
				      i < LL_ARRAY_LEN(bounds) ? json_integer((json_int_t)bounds[i]) :
				      json_string("+Inf"), "count", (json_int_t)counts[i]));
	return json_pack("{s:{s:o}}", "commit_latency", "buckets", buckets);
}

static void test_latency_quantile_from_bucket_differences(void **state)
{
	(void)state;
	const uint64_t c0[] = { 100, 0, 0, 0, 0 }, c1[] = { 100, 0, 98, 1, 1 };
	json_t *a = latency(c0, 5), *b = latency(c1, 5);
	uint64_t commits = 0;
	/* the 100 old fast commits are not in the interval: only the 100 since */
	assert_int_equal(ll_ctl_latency_quantile(a, b, 0.5, &commits), 1000);
	assert_int_equal(commits, 100);
	assert_int_equal(ll_ctl_latency_quantile(a, b, 0.99, NULL), 2500);
	assert_true(ll_ctl_latency_quantile(a, b, 1.0, NULL) == UINT64_MAX);
	assert_int_equal(ll_ctl_latency_quantile(a, b, 0.0, NULL), 1000);
	/* nothing in the interval */
	assert_int_equal(ll_ctl_latency_quantile(b, b, 0.5, &commits), 0);
	assert_int_equal(commits, 0);
	/* a restart (counts went back): the later snapshot alone */
	assert_int_equal(ll_ctl_latency_quantile(b, a, 0.5, &commits), 250);
	assert_int_equal(commits, 100);
	/* no buckets before: all of after */
	json_t *empty = json_object();
	assert_int_equal(ll_ctl_latency_quantile(empty, b, 0.5, &commits), 250);
	assert_int_equal(commits, 200);
	assert_int_equal(ll_ctl_latency_quantile(b, empty, 0.5, &commits), 0);
	json_decref(empty);
	json_decref(a);
	json_decref(b);
}

static void test_formats(void **state)
{
	(void)state;
	char b[48];
	assert_string_equal(ll_ctl_fmt_count(0, b, sizeof b), "0");
	assert_string_equal(ll_ctl_fmt_count(999, b, sizeof b), "999");
	assert_string_equal(ll_ctl_fmt_count(1000, b, sizeof b), "1,000");
	assert_string_equal(ll_ctl_fmt_count(1234567, b, sizeof b), "1,234,567");
	assert_string_equal(ll_ctl_fmt_count(UINT64_MAX, b, sizeof b), "18,446,744,073,709,551,615");
	assert_string_equal(ll_ctl_fmt_rate(0, b, sizeof b), "0");
	assert_string_equal(ll_ctl_fmt_rate(7.5, b, sizeof b), "7.5");
	assert_string_equal(ll_ctl_fmt_rate(1234.4, b, sizeof b), "1,234");
	assert_string_equal(ll_ctl_fmt_rate(12345, b, sizeof b), "12.3k");
	assert_string_equal(ll_ctl_fmt_rate(123456, b, sizeof b), "123k");
	assert_string_equal(ll_ctl_fmt_rate(4.56e6, b, sizeof b), "4.56M");
	assert_string_equal(ll_ctl_fmt_rate(2.5e9, b, sizeof b), "2.50G");
	assert_string_equal(ll_ctl_fmt_bytes(512, b, sizeof b), "512 B");
	assert_string_equal(ll_ctl_fmt_bytes(1536, b, sizeof b), "1.50 KiB");
	assert_string_equal(ll_ctl_fmt_bytes(11ull << 30, b, sizeof b), "11.0 GiB");
	assert_string_equal(ll_ctl_fmt_ms(250, b, sizeof b), "250 ms");
	assert_string_equal(ll_ctl_fmt_ms(12300, b, sizeof b), "12.3 s");
	assert_string_equal(ll_ctl_fmt_ms(245000, b, sizeof b), "4m 05s");
	assert_string_equal(ll_ctl_fmt_ms(3723000, b, sizeof b), "1h 02m 03s");
	assert_string_equal(ll_ctl_fmt_ms(273900000, b, sizeof b), "3d 04h 05m");
	assert_string_equal(ll_ctl_fmt_us(0, 0, b, sizeof b), "-");
	assert_string_equal(ll_ctl_fmt_us(250, 0, b, sizeof b), "250 us");
	assert_string_equal(ll_ctl_fmt_us(2500, 0, b, sizeof b), "2.5 ms");
	assert_string_equal(ll_ctl_fmt_us(1000000, 0, b, sizeof b), "1 s");
	assert_string_equal(ll_ctl_fmt_us(UINT64_MAX, 2500000, b, sizeof b), "> 2.5 s");
	/* a short buffer is cut, not overrun */
	char small[4];
	assert_string_equal(ll_ctl_fmt_count(1234567, small, sizeof small), "1,2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_gets_its_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_request_is_a_reply_not_an_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_says_what_is_wrong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_authenticates_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deadline_passes_as_etimedout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_over_the_bound_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_server_is_a_connection_refusal, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_idle_farewell_reads_as_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_closed_returns_when_the_server_goes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_exchange_takes_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rogue_replies_are_protocol_errors, setup, teardown),
		cmocka_unit_test(test_refusal_knows_the_servers_words),
		cmocka_unit_test(test_split_hostport),
		cmocka_unit_test(test_paths_read_nested_values),
		cmocka_unit_test(test_rate_is_growth_a_second),
		cmocka_unit_test(test_latency_quantile_from_bucket_differences),
		cmocka_unit_test(test_formats),
	};
	return cmocka_run_group_tests_name("ll_ctl", tests, NULL, NULL);
}
