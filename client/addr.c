/* SPDX-License-Identifier: BSD-3-Clause */
/* "host:port" parsing and printing (IPv4, and either family) shared by the
 * library and blmsg. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "client/blmsg.h"

static int parse_port(const char *s, bool allow_zero, uint16_t *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v > 65535 || (v == 0 && !allow_zero))
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

/*
 * "HOST:PORT", or "HOST" with a default port: host (NUL-terminated, at most
 * size - 1 bytes) and port. With v6, also "[IPV6]:PORT", "[IPV6]", and a
 * bare IPv6 address (more than one colon: no port). 0 or -EINVAL.
 */
static int split_hostport(const char *hostport, uint16_t default_port, bool allow_zero_port,
			  bool v6, char *host, size_t size, uint16_t *port)
{
	const char *h = hostport, *colon;
	size_t hlen;
	int rc;

	*port = default_port;
	if (v6 && *h == '[') { /* [IPV6] or [IPV6]:PORT */
		const char *close = strchr(h, ']');

		if (close == NULL)
			return -EINVAL;
		if (close[1] == ':') {
			rc = parse_port(close + 2, allow_zero_port, port);
			if (rc)
				return rc;
		} else if (close[1] != '\0' || default_port == 0) {
			return -EINVAL;
		}
		h++;
		hlen = (size_t)(close - h);
	} else if (v6 && strchr(h, ':') != strrchr(h, ':')) { /* a bare IPv6 address */
		if (default_port == 0)
			return -EINVAL;
		hlen = strlen(h);
	} else if ((colon = strrchr(h, ':')) != NULL) {
		rc = parse_port(colon + 1, allow_zero_port, port);
		if (rc)
			return rc;
		hlen = (size_t)(colon - h);
	} else {
		if (default_port == 0)
			return -EINVAL;
		hlen = strlen(h);
	}
	if (hlen == 0 || hlen >= size)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	return 0;
}

int bl_client_addr_parse(const char *hostport, uint16_t default_port, bool allow_zero_port,
			 struct sockaddr_in *out)
{
	char host[256];
	uint16_t port;
	struct addrinfo hints, *res = NULL;
	int rc;

	if (hostport == NULL || out == NULL)
		return -EINVAL;
	rc = split_hostport(hostport, default_port, allow_zero_port, false, host, sizeof(host),
			    &port);
	if (rc)
		return rc;

	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons(port);
	if (inet_pton(AF_INET, host, &out->sin_addr) == 1)
		return 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || res == NULL)
		return -ENOENT;
	out->sin_addr = ((const struct sockaddr_in *)(const void *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

char *bl_client_addr_str(const struct sockaddr_in *a, char *buf, size_t size)
{
	char ip[INET_ADDRSTRLEN];

	if (inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip)) == NULL)
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, size, "%s:%u", ip, (unsigned int)ntohs(a->sin_port));
	return buf;
}

int bl_client_addr_parse_any(const char *hostport, uint16_t default_port, bool allow_zero_port,
			     struct sockaddr_storage *out, socklen_t *len)
{
	struct sockaddr_in6 *o6 = (struct sockaddr_in6 *)(void *)out;
	struct sockaddr_in *o4 = (struct sockaddr_in *)(void *)out;
	struct addrinfo hints, *res = NULL;
	char host[256];
	uint16_t port;
	int rc;

	if (hostport == NULL || out == NULL || len == NULL)
		return -EINVAL;
	rc = split_hostport(hostport, default_port, allow_zero_port, true, host, sizeof(host),
			    &port);
	if (rc)
		return rc;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET6, host, &o6->sin6_addr) == 1) {
		o6->sin6_family = AF_INET6;
		o6->sin6_port = htons(port);
		*len = sizeof(*o6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &o4->sin_addr) == 1) {
		o4->sin_family = AF_INET;
		o4->sin_port = htons(port);
		*len = sizeof(*o4);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || res == NULL || res->ai_addrlen > sizeof(*out))
		goto unresolved;
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*len = (socklen_t)res->ai_addrlen;
	if (out->ss_family == AF_INET6)
		o6->sin6_port = htons(port);
	else if (out->ss_family == AF_INET)
		o4->sin_port = htons(port);
	else
		goto unresolved;
	freeaddrinfo(res);
	return 0;
unresolved:
	if (res != NULL)
		freeaddrinfo(res);
	return -ENOENT;
}

char *bl_client_addr_str_any(const struct sockaddr *a, char *buf, size_t size)
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)(const void *)a;
	char ip[INET6_ADDRSTRLEN];

	if (a != NULL && a->sa_family == AF_INET)
		return bl_client_addr_str((const struct sockaddr_in *)(const void *)a, buf, size);
	if (a == NULL || a->sa_family != AF_INET6 ||
	    inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof(ip)) == NULL) {
		snprintf(buf, size, "?");
		return buf;
	}
	snprintf(buf, size, "[%s]:%u", ip, (unsigned int)ntohs(a6->sin6_port));
	return buf;
}
