/* The appliance: the data port's RX lcores, the orderer on the main lcore, the
 * solo loop and the ledger, wired together, with the management plane (the
 * admin socket and /metrics) beside them. RX lcores parse and admit frames;
 * the orderer makes the last replay check (one book for every lcore), submits
 * records to the solo loop and sends the receipts the commit thread builds for
 * durable blocks. Every hand-off is a bounded ring; a full one is counted. */
#ifndef LL_APPLIANCE_H
#define LL_APPLIANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ll_accel_info;
struct ll_report;
struct ll_settings;
struct ll_store_client;
typedef struct ll_appliance ll_appliance_t;
typedef struct ll_chain ll_chain_t;

/*
 * ll_appliance_open - opens the ledger, registers the clients file, loads every
 * client with its committed replay window, opens the port (after
 * ll_dp_eal_init), starts the solo loop, then the admin socket and /metrics.
 * token is the TCP admin token (NULL without admin.tcp_listen). Returns 0 or
 * -errno (logged).
 */
int ll_appliance_open(const struct ll_settings *s, const char *token, ll_appliance_t **out);

/*
 * ll_appliance_run - launches the RX lcores and runs the orderer on this (the
 * main) lcore until *stop or the admin socket's shutdown; then drains: stops
 * RX, orders what was admitted, commits it, sends its receipts. Returns 0 or
 * the solo loop's last error.
 */
int ll_appliance_run(ll_appliance_t *a, volatile bool *stop);

/* ll_appliance_close - closes the management plane, the port and the ledger. NULL is a no-op. */
void ll_appliance_close(ll_appliance_t *a);

/*
 * For the management plane; any thread, while the appliance is open.
 *
 * ll_appliance_report - every counter and gauge now.
 * ll_appliance_health - true when ingest, consensus and store are live; why
 *   names what is not ("ok" otherwise).
 * ll_appliance_chain - the ledger, for reads and proofs (ll_chain's reads are
 *   safe beside the commit thread).
 * ll_appliance_settings - the settings it runs with now.
 */
void ll_appliance_report(ll_appliance_t *a, struct ll_report *out);
bool ll_appliance_health(ll_appliance_t *a, char *why, size_t why_len);
ll_chain_t *ll_appliance_chain(ll_appliance_t *a);
void ll_appliance_settings(ll_appliance_t *a, struct ll_settings *out);
/* ll_appliance_accel_info - the accelerator's ll_accel_info. */
void ll_appliance_accel_info(ll_appliance_t *a, struct ll_accel_info *out);

/*
 * ll_appliance_pause - paused, the RX lcores stop taking packets off the port
 * (its queue fills, then drops: a NIC counts port.imissed; on net_af_xdp the
 * XDP filter's redirect count runs ahead of port.ipackets) while what was
 * admitted is still ordered, committed and receipted; resumed, they poll
 * again. Returns 0, or -ESHUTDOWN while stopping.
 */
int ll_appliance_pause(ll_appliance_t *a, bool paused);

/*
 * ll_appliance_client_put - registers c in the ledger (or replaces its
 * registration: key, scheme, rate) and in every RX lcore's table, returning once
 * they all have it. A client's replay window is kept across removal and
 * registration: what it sent before stays a replay. Returns 0; -EINVAL (err
 * says why: a key that does not decode, scheme 0 not trusted), -ENOSPC (the
 * tables are full), -ETIMEDOUT (an RX lcore did not answer in a second), -errno.
 */
int ll_appliance_client_put(ll_appliance_t *a, const struct ll_store_client *c, char *err,
			    size_t err_len);

/*
 * ll_appliance_client_remove - unregisters id: its frames are unknown_client
 * from then on; records already admitted are still committed. Returns 0,
 * -ENOENT, -ETIMEDOUT, -errno.
 */
int ll_appliance_client_remove(ll_appliance_t *a, const uint8_t id[32], char *err,
			       size_t err_len);

/*
 * ll_appliance_config_set - sets a runtime tunable (ll_settings' keys marked
 * runtime) and applies it at once. Returns 0; -ENOENT (unknown key), -EPERM
 * (not a runtime tunable: err says to restart), -EINVAL (bad value: err says
 * what is allowed).
 */
int ll_appliance_config_set(ll_appliance_t *a, const char *key, const char *value, char *err,
			    size_t err_len);

/* ll_appliance_request_stop - as SIGTERM: ll_appliance_run drains and returns. */
void ll_appliance_request_stop(ll_appliance_t *a);

#endif /* LL_APPLIANCE_H */
