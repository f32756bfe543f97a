/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What only the control socket server's own files (control/ctl*.c) share.
 */
#ifndef BL_CTL_PVT_H
#define BL_CTL_PVT_H

#include <stddef.h>

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

#endif /* BL_CTL_PVT_H */
