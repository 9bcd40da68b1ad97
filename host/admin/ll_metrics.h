/* Metrics and health over HTTP on the management address, for Prometheus and
 * load balancers: GET /metrics (the text exposition format) and GET /healthz
 * (200 when healthy, 503 and why when not). libmicrohttpd serves them from a
 * thread of its own; the program only provides the two answers. */
#ifndef LL_METRICS_H
#define LL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct ll_metrics ll_metrics_t;

struct ll_metrics_cfg {
	const char *listen;		/* "a.b.c.d:port" */
	/* writes the metrics into f; on the HTTP thread */
	void (*metrics)(void *arg, FILE *f);
	/* true when healthy; why (why_len bytes) says what is not, or "ok" */
	bool (*health)(void *arg, char *why, size_t why_len);
	void *arg;
};

/*
 * ll_metrics_open - binds listen and starts serving. Returns 0, -EINVAL (bad
 * address), -EADDRINUSE, -errno; logged with the address.
 */
int ll_metrics_open(const struct ll_metrics_cfg *cfg, ll_metrics_t **out);

/* ll_metrics_close - stops serving and closes the socket. NULL is a no-op. */
void ll_metrics_close(ll_metrics_t *m);

/* ll_metrics_requests - requests answered so far (any status). */
uint64_t ll_metrics_requests(ll_metrics_t *m);

#endif /* LL_METRICS_H */
