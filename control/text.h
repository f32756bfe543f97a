/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Text for a terminal or a log: user text (a name, a reason, a config
 * line, an error that echoes a request) may hold bytes a terminal takes
 * as commands (ESC starts a sequence that can move the cursor, rewrite the
 * title or hide what follows). Wherever beamctl's text output or the
 * daemon's log lines show such text, it goes through bl_text_escape first.
 * JSON output needs none of this: jansson escapes control characters.
 *
 * Escaped, each byte as \xNN (lower-case hex): the C0 controls (0x00..0x1f,
 * so tab and newline too), DEL (0x7f), the C1 controls U+0080..U+009F in
 * their UTF-8 form (two bytes, both shown), and every byte that is not
 * part of well-formed UTF-8. Other UTF-8 text (accents, CJK) passes as it
 * is, and so does a backslash.
 *
 * No DPDK, no state: any thread.
 */
#ifndef BL_CTL_TEXT_H
#define BL_CTL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Write s escaped into out (outlen bytes, always NUL-terminated when outlen
 * > 0; cut before an escape that does not fit whole). Returns the length
 * the whole escaped text needs, NUL excluded, as snprintf does.
 */
size_t bl_text_escape(const char *s, char *out, size_t outlen);

/* s escaped, in a new malloc'ed string (the caller frees it); NULL: out of memory. */
char *bl_text_escape_dup(const char *s);

/* Whether s has nothing to escape (bl_text_escape would copy it as is). */
bool bl_text_is_clean(const char *s);

#endif /* BL_CTL_TEXT_H */
