/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Request-line reading for the control socket server (control/ctl.c): the
 * fast reader of route.batch "text" requests.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "control/ctl_pvt.h"

/*
 * The one request shape a route batch goes in, {"cmd":"route.batch","text":
 * "..."}, read without jansson's lexer, which takes a character at a time
 * (about 50 MB/s: the text of a million routes cost over a second of the
 * control thread). The string is unescaped here; any other shape, an escape
 * this does not take (\u) or a character JSON forbids in a string goes to
 * json_loadb as before, so what a request means never depends on the path.
 * NULL: not that shape (or out of memory), use json_loadb.
 */
json_t *bl__ctl_load_batch_text(const char *line, size_t len)
{
	static const char head[] = "{\"cmd\":\"route.batch\",\"text\":\"";
	const size_t hl = sizeof(head) - 1;
	const char *p, *end;
	json_t *req = NULL, *text;
	char *buf, *o;

	if (len < hl + 2 || memcmp(line, head, hl) != 0 || line[len - 2] != '"' ||
	    line[len - 1] != '}')
		return NULL;
	end = line + len - 2; /* the closing quote */
	buf = malloc((size_t)(end - (line + hl)) + 1);
	if (buf == NULL)
		return NULL;
	for (p = line + hl, o = buf; p < end;) {
		unsigned char ch = (unsigned char)*p;

		if (ch != '\\') {
			if (ch == '"' || ch < 0x20)
				goto out;
			*o++ = *p++;
			continue;
		}
		if (p + 1 >= end)
			goto out;
		switch (p[1]) {
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case '"':
		case '\\':
		case '/':
			*o++ = p[1];
			break;
		default:
			goto out;
		}
		p += 2;
	}
	text = json_stringn(buf, (size_t)(o - buf)); /* NULL if not UTF-8 */
	if (text == NULL)
		goto out;
	req = json_object();
	if (req == NULL || json_object_set_new(req, "cmd", json_string("route.batch")) != 0 ||
	    json_object_set_new(req, "text", text) != 0) {
		json_decref(req);
		req = NULL;
	}
out:
	free(buf);
	return req;
}
