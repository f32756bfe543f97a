/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket's file: its folder, a stale file of a dead daemon
 * told from a live one, the 0600 mode set before anyone can connect.
 * Control thread (bl_ctl_create).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/ctl_pvt.h"

static int make_parent_dir(const char *path)
{
	char *dir = strdup(path);
	char *slash;
	int rc = 0;

	if (dir == NULL)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			rc = -errno;
	}
	free(dir);
	return rc;
}

/* Is someone accepting on this path? 1 yes, 0 no (stale), -errno if unknown. */
static int socket_is_live(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	if (rc == 0 || errno == EAGAIN || errno == EINPROGRESS)
		rc = 1; /* accepted, or its backlog is full: alive either way */
	else if (errno == ECONNREFUSED || errno == ENOENT)
		rc = 0;
	else
		rc = -errno;
	close(fd);
	return rc;
}

static int bind_socket(int fd, const struct sockaddr_un *addr)
{
	struct stat st;
	int live;

	if (bind(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0)
		return 0;
	if (errno != EADDRINUSE)
		return -errno;
	if (lstat(addr->sun_path, &st) < 0)
		return errno == ENOENT ? -EAGAIN : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	live = socket_is_live(addr);
	if (live < 0)
		return live;
	if (live)
		return -EADDRINUSE;
	if (unlink(addr->sun_path) < 0 && errno != ENOENT)
		return -errno;
	if (bind(fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0)
		return -errno;
	return 0;
}

int bl__ctl_listen(const char *sock_path, int *lfd, dev_t *dev, ino_t *ino)
{
	struct sockaddr_un addr;
	struct stat st;
	int fd, rc;

	if (strlen(sock_path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	rc = make_parent_dir(sock_path);
	if (rc < 0)
		return rc;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, sock_path, strlen(sock_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* -EAGAIN: the file vanished between bind and lstat; one more try settles it. */
	rc = bind_socket(fd, &addr);
	if (rc == -EAGAIN)
		rc = bind_socket(fd, &addr);
	if (rc == -EAGAIN)
		rc = -EADDRINUSE;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	/* Nobody can connect before listen(), so the 0600 applies to every client. */
	if (chmod(sock_path, 0600) < 0 || stat(sock_path, &st) < 0 || listen(fd, 128) < 0) {
		rc = -errno;
		unlink(sock_path);
		close(fd);
		return rc;
	}
	*lfd = fd;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}
