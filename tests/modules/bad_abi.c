/* SPDX-License-Identifier: BSD-3-Clause */
/* A module that says it was built for behaviour ABI 999: refused, never added. */
#include <beamline/behaviour.h>

static void msg(struct bl_ctx *c, const struct bl_msg *m)
{
	(void)c;
	(void)m;
}

__attribute__((visibility("default"))) const struct bl_module_desc bl_behaviour_module = {
	.abi = 999,
	.size = sizeof(struct bl_module_desc),
	.name = "future",
	.version = "9.0",
	.handle_message = msg,
};
