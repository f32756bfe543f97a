/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Escaping user text for terminals and logs (control/text.h). One pass:
 * each position is either a run of well-formed UTF-8 that is no control
 * (copied) or one byte to show as \xNN.
 */
#include <stdlib.h>
#include <string.h>

#include "control/text.h"

/*
 * Length of the well-formed UTF-8 character at p that a terminal shows as
 * text (1..4), or 0 when the byte at p must be escaped: a control, DEL, a
 * C1 control, a stray continuation byte, a bad lead, an overlong form, a
 * surrogate or a code point above U+10FFFF.
 */
static size_t printable_len(const unsigned char *p)
{
	unsigned char c = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */

	if (c < 0x20 || c == 0x7f)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xc2)
		lo = 0xa0; /* U+0080..U+009F: the C1 controls */
	else if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

size_t bl_text_escape(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t need = 0, used = 0;
	bool full = outlen == 0;

	while (*p != '\0') {
		size_t n = printable_len(p);
		char esc[4];
		const char *piece = (const char *)p;
		size_t plen = n;

		if (n == 0) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[*p >> 4];
			esc[3] = hex[*p & 15];
			piece = esc;
			plen = 4;
			n = 1;
		}
		need += plen;
		if (!full && used + plen < outlen) {
			memcpy(out + used, piece, plen);
			used += plen;
		} else {
			full = true;
		}
		p += n;
	}
	if (outlen > 0)
		out[used] = '\0';
	return need;
}

char *bl_text_escape_dup(const char *s)
{
	size_t need = bl_text_escape(s, NULL, 0);
	char *out = malloc(need + 1);

	if (out != NULL)
		bl_text_escape(s, out, need + 1);
	return out;
}

bool bl_text_is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p != '\0') {
		size_t n = printable_len(p);

		if (n == 0)
			return false;
		p += n;
	}
	return true;
}
