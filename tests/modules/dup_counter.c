/* SPDX-License-Identifier: BSD-3-Clause */
/* A module named like a built-in (counter): refused, the built-in stays. */
#include <beamline/behaviour.h>

static void msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m;
}

BL_BEHAVIOUR_MODULE("counter", "2.0", .handle_message = msg);
