/* Unit suite for host/admin ll_metrics: /metrics and /healthz over a real HTTP
 * socket on loopback, the status codes, and refusals at open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "ll_err.h"
#include "ll_metrics.h"

static bool healthy = true;
static int scrapes;

static void write_metrics(void *arg, FILE *f)
{
	(void)arg;
	scrapes++;
	fprintf(f, "# HELP x_total A test.\n# TYPE x_total counter\nx_total %d\n", scrapes);
}

static bool health(void *arg, char *why, size_t why_len)
{
	(void)arg;
	if (!healthy)
		snprintf(why, why_len, "store: stalled");
	return healthy;
}

struct rig {
	char listen[32];
	ll_metrics_t *m;
	int port;
};

static int setup(void **state)
{
	static struct rig r;
	struct ll_metrics_cfg cfg = { .metrics = write_metrics, .health = health };
	for (int attempt = 0; attempt < 20; attempt++) {
		r.port = 20000 + (getpid() * 13 + attempt * 137) % 30000;
		snprintf(r.listen, sizeof r.listen, "127.0.0.1:%d", r.port);
		cfg.listen = r.listen;
		if (ll_metrics_open(&cfg, &r.m) == 0) {
			*state = &r;
			return 0;
		}
	}
	return -1;
}

static int teardown(void **state)
{
	struct rig *r = *state;
	ll_metrics_close(r->m);
	return 0;
}

/* The whole response to one request: "HTTP/1.1 200 OK\r\n...". */
static char *http(int port, const char *request)
{
	static char buf[8192];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(send(fd, request, strlen(request), 0), (ssize_t)strlen(request));
	size_t len = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		assert_int_equal(poll(&p, 1, 5000), 1);
		ssize_t n = recv(fd, buf + len, sizeof buf - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

/* The status code of a response (libmicrohttpd answers HTTP/1.1 to either version). */
static int status_of(const char *resp)
{
	int status = 0;
	if (sscanf(resp, "HTTP/1.%*d %d ", &status) != 1)
		fail_msg("not an HTTP response: %.40s", resp);
	return status;
}

static void test_metrics_are_served_fresh(void **state)
{
	struct rig *r = *state;
	int before = scrapes;
	char *resp = http(r->port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_int_equal(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17), 0);
	assert_non_null(strstr(resp, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	char want[128];
	snprintf(want, sizeof want, "\r\n\r\n# HELP x_total A test.\n# TYPE x_total counter\nx_total %d\n",
		 before + 1);
	assert_non_null(strstr(resp, want));
	resp = http(r->port, "GET /metrics HTTP/1.0\r\n\r\n");
	snprintf(want, sizeof want, "x_total %d\n", before + 2);
	assert_non_null(strstr(resp, want));
	assert_true(ll_metrics_requests(r->m) >= 2);
}

static void test_healthz_says_why(void **state)
{
	struct rig *r = *state;
	healthy = true;
	char *resp = http(r->port, "GET /healthz HTTP/1.0\r\n\r\n");
	assert_int_equal(status_of(resp), 200);
	assert_non_null(strstr(resp, "\r\n\r\nok\n"));
	healthy = false;
	resp = http(r->port, "GET /healthz HTTP/1.0\r\n\r\n");
	assert_int_equal(status_of(resp), 503);
	assert_non_null(strstr(resp, "\r\n\r\nstore: stalled\n"));
	healthy = true;
}

static void test_other_paths_and_methods_are_refused(void **state)
{
	struct rig *r = *state;
	char *resp = http(r->port, "GET / HTTP/1.0\r\n\r\n");
	assert_int_equal(status_of(resp), 404);
	resp = http(r->port, "DELETE /metrics HTTP/1.0\r\n\r\n");
	assert_int_equal(status_of(resp), 405);
	/* not HTTP at all: refused (400) or closed, and the server goes on */
	resp = http(r->port, "GARBAGE\r\n\r\n");
	assert_true(resp[0] == '\0' || status_of(resp) == 400);
	resp = http(r->port, "GET /healthz HTTP/1.0\r\n\r\n");
	assert_int_equal(status_of(resp), 200);
}

/* Slow clients from one address cannot take every connection: with 40 of them
 * open and idle (more than the 32 a server once took in all), /healthz still
 * answers another address (past its cap, that address's new ones are refused). */
static void test_slow_clients_do_not_blind_health(void **state)
{
	struct rig *r = *state;
	int held[40], n = 0;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)r->port) };
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	for (; n < 40; n++) {
		held[n] = socket(AF_INET, SOCK_STREAM, 0);
		assert_int_equal(connect(held[n], (struct sockaddr *)&sin, sizeof sin), 0);
		(void)!send(held[n], "GET /metr", 9, MSG_NOSIGNAL);	/* and nothing more */
	}
	usleep(200 * 1000);	/* all accepted (or refused) by now */
	/* another loopback address is another client */
	struct sockaddr_in other = sin;
	inet_pton(AF_INET, "127.0.0.2", &other.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in src = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.2", &src.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof src), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	const char *req = "GET /healthz HTTP/1.0\r\n\r\n";
	assert_int_equal(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	char buf[512];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 3000), 1);
	ssize_t got = recv(fd, buf, sizeof buf - 1, 0);
	assert_true(got > 0);
	buf[got] = '\0';
	assert_int_equal(status_of(buf), 200);
	close(fd);
	for (int k = 0; k < n; k++)
		close(held[k]);
}

static void test_open_refuses_bad_and_busy_addresses(void **state)
{
	struct rig *r = *state;
	ll_metrics_t *m;
	struct ll_metrics_cfg cfg = { .listen = r->listen, .metrics = write_metrics,
				      .health = health };
	assert_int_equal(ll_metrics_open(&cfg, &m), -EADDRINUSE);
	cfg.listen = "localhost:80";
	assert_int_equal(ll_metrics_open(&cfg, &m), -EINVAL);
	cfg.listen = "127.0.0.1";
	assert_int_equal(ll_metrics_open(&cfg, &m), -EINVAL);
	/* closed, the port is free again */
	ll_metrics_close(r->m);
	cfg.listen = r->listen;
	assert_int_equal(ll_metrics_open(&cfg, &r->m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_are_served_fresh),
		cmocka_unit_test(test_healthz_says_why),
		cmocka_unit_test(test_other_paths_and_methods_are_refused),
		cmocka_unit_test(test_slow_clients_do_not_blind_health),
		cmocka_unit_test(test_open_refuses_bad_and_busy_addresses),
	};
	return cmocka_run_group_tests_name("ll_metrics", tests, setup, teardown);
}
