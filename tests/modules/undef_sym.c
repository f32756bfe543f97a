/* SPDX-License-Identifier: BSD-3-Clause */
/* A module calling a function the router does not export: refused at link time. */
#include <beamline/behaviour.h>

void bl_not_in_the_sdk(struct bl_ctx *c);

static void msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)m;
	bl_not_in_the_sdk(c);
}

BL_BEHAVIOUR_MODULE("undef", "1.0", .handle_message = msg);
