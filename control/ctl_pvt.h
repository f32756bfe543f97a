/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What only the control socket server's own files (control/ctl*.c) share.
 */
#ifndef BL_CTL_PVT_H
#define BL_CTL_PVT_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#define BL_CTL_ERRMSG_LEN 512

/*
 * The one request shape a route batch goes in, {"cmd":"route.batch","text":
 * "..."}, read without jansson's lexer, which takes a character at a time
 * (about 50 MB/s: the text of a million routes cost over a second of the
 * control thread). The string is unescaped here; any other shape, an escape
 * this does not take (\u) or a character JSON forbids in a string goes to
 * json_loadb as before, so what a request means never depends on the path.
 * NULL: not that shape (or out of memory), use json_loadb.
 */
json_t *bl__ctl_load_batch_text(const char *line, size_t len);

/*
 * Create the listening socket at sock_path (ctl_socket.c): its folder made
 * (one level, 0755), a stale socket file replaced, a live one or a
 * non-socket refused, mode 0600, listening, non-blocking. Returns 0 with
 * *lfd and the file's identity (*dev, *ino), or -errno (ENAMETOOLONG,
 * EADDRINUSE, EEXIST, ENOMEM, or the failing call's).
 */
int bl__ctl_listen(const char *sock_path, int *lfd, dev_t *dev, ino_t *ino);

#endif /* BL_CTL_PVT_H */
