/* SPDX-License-Identifier: BSD-3-Clause */
/* A module whose schema has a default its own type refuses: refused at load. */
#include <beamline/behaviour.h>

struct bad_args {
	uint32_t n;
};

static const struct bl_field bad_fields[] = {
	BL_FIELD_RANGE(struct bad_args, n, BL_FIELD_U64, "500", 1, 10, "a default out of range"),
};

static void msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m;
}

BL_BEHAVIOUR_MODULE("badschema", "1.0", .handle_message = msg,
		    BL_SCHEMA(struct bad_args, bad_fields));
