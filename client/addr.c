/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 "host:port" parsing and printing shared by the library and blmsg. */
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

int bl_client_addr_parse(const char *hostport, uint16_t default_port, bool allow_zero_port,
			 struct sockaddr_in *out)
{
	char host[256];
	const char *colon;
	size_t hlen;
	uint16_t port = default_port;
	struct addrinfo hints, *res = NULL;
	int rc;

	if (hostport == NULL || out == NULL)
		return -EINVAL;
	colon = strrchr(hostport, ':');
	if (colon != NULL) {
		rc = parse_port(colon + 1, allow_zero_port, &port);
		if (rc)
			return rc;
		hlen = (size_t)(colon - hostport);
	} else {
		if (default_port == 0)
			return -EINVAL;
		hlen = strlen(hostport);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, hostport, hlen);
	host[hlen] = '\0';

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
