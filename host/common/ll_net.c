/* Listening sockets for the admin socket's TCP side and /metrics. */
#include "ll_net.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int ll_net_parse_ipv4(const char *text, struct sockaddr_in *out)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = text ? strrchr(text, ':') : NULL;
	if (!colon || (size_t)(colon - text) >= sizeof host)
		return -EINVAL;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	const char *p = colon + 1;
	size_t digits = strspn(p, "0123456789");
	unsigned long port = 0;
	for (size_t i = 0; i < digits && i < 6; i++)
		port = port * 10 + (unsigned long)(p[i] - '0');
	*out = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (digits == 0 || digits > 5 || p[digits] || port < 1 || port > 65535 ||
	    inet_pton(AF_INET, host, &out->sin_addr) != 1)
		return -EINVAL;
	return 0;
}

int ll_net_listen_tcp(const char *text, int backlog, int *fd)
{
	struct sockaddr_in sin;
	int one = 1;
	if (ll_net_parse_ipv4(text, &sin) < 0)
		return -EINVAL;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(s, backlog) < 0) {
		int rc = -errno;
		close(s);
		return rc;
	}
	*fd = s;
	return 0;
}
