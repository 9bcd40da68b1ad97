/* The HTTP side of the management plane. The listening socket is made here, so
 * a port in use is said plainly at start, then handed to libmicrohttpd, which
 * runs one polling thread with a cap on connections and an idle timeout. */
#include "ll_metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "ll_log.h"
#include "ll_net.h"

/* Room for many scrapers and probes; one address may not take it all (a slow
 * client holding connections would otherwise blind /healthz). */
#define MAX_CONNECTIONS 256
#define MAX_PER_ADDRESS 16
#define TIMEOUT_S 5

struct ll_metrics {
	struct ll_metrics_cfg cfg;
	struct MHD_Daemon *daemon;
	int fd;
	uint64_t requests;		/* atomic */
};

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, const char *type,
			      char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body,
								 MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	enum MHD_Result rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result text(struct MHD_Connection *conn, unsigned status, const char *what)
{
	char *body = strdup(what);
	return body ? answer(conn, status, "text/plain; charset=utf-8", body, strlen(body))
		    : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	ll_metrics_t *m = cls;
	(void)version, (void)upload, (void)req_cls;
	if (*upload_size)
		return MHD_NO;	/* nothing here takes a body */
	__atomic_add_fetch(&m->requests, 1, __ATOMIC_RELAXED);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	if (strcmp(url, "/metrics") == 0) {
		char *body = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&body, &len);
		if (!f)
			return MHD_NO;
		m->cfg.metrics(m->cfg.arg, f);
		if (fclose(f) != 0) {
			free(body);
			return MHD_NO;
		}
		return answer(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body,
			      len);
	}
	if (strcmp(url, "/healthz") == 0) {
		char why[256] = "ok", line[280];
		bool ok = m->cfg.health(m->cfg.arg, why, sizeof why);
		snprintf(line, sizeof line, "%s\n", why);
		return text(conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, line);
	}
	return text(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics or /healthz\n");
}

int ll_metrics_open(const struct ll_metrics_cfg *cfg, ll_metrics_t **out)
{
	if (!cfg || !out || !cfg->listen || !cfg->metrics || !cfg->health)
		return -EINVAL;
	ll_metrics_t *m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	int rc = ll_net_listen_tcp(cfg->listen, 64, &m->fd);
	if (rc < 0) {
		LL_ERROR("metrics", "listen on %s: %s", cfg->listen,
			 rc == -EINVAL ? "want a.b.c.d:port" : strerror(-rc));
		free(m);
		return rc;
	}
	m->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, NULL,
				     NULL, on_request, m, MHD_OPTION_LISTEN_SOCKET, m->fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
				     MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAX_PER_ADDRESS,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)TIMEOUT_S,
				     MHD_OPTION_END);
	if (!m->daemon) {
		LL_ERROR("metrics", "listen on %s: libmicrohttpd would not start", cfg->listen);
		close(m->fd);
		free(m);
		return -EIO;
	}
	LL_INFO("metrics", "serving /metrics and /healthz on http://%s", cfg->listen);
	*out = m;
	return 0;
}

void ll_metrics_close(ll_metrics_t *m)
{
	if (!m)
		return;
	/* quiesce hands the listening socket back, so it is closed here, once */
	MHD_socket fd = MHD_quiesce_daemon(m->daemon);
	MHD_stop_daemon(m->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	free(m);
}

uint64_t ll_metrics_requests(ll_metrics_t *m)
{
	return __atomic_load_n(&m->requests, __ATOMIC_RELAXED);
}
