/* The management plane's listening sockets: an IPv4 address and port as the
 * configuration writes them ("a.b.c.d:port"), checked and bound in one place. */
#ifndef LL_NET_H
#define LL_NET_H

struct sockaddr_in;

/*
 * ll_net_parse_ipv4 - "a.b.c.d:port" (port 1..65535, digits only) into *out.
 * Returns 0, or -EINVAL for anything else. Pure.
 */
int ll_net_parse_ipv4(const char *text, struct sockaddr_in *out);

/*
 * ll_net_listen_tcp - a non-blocking, close-on-exec TCP socket listening on
 * text (ll_net_parse_ipv4's form), with SO_REUSEADDR. Returns 0 with *fd;
 * -EINVAL for a bad address; -errno from socket, bind or listen
 * (-EADDRINUSE: the port is taken).
 */
int ll_net_listen_tcp(const char *text, int backlog, int *fd);

#endif /* LL_NET_H */
