/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SDK functions a module calls that the router itself has inline
 * (bl_self, bl_state, bl_set_state, bl_msg_data, bl_msg_len) or has no
 * need of (the other bl_msg_* readers, bl_whereis). The rest of the SDK is
 * the router's own handler API (proc.c, link.c). The beamline executable
 * exports exactly the SDK's functions (sdk/beamline-behaviour.dynlist), so
 * a module resolves them against the running router.
 *
 * A name in parentheses is not expanded as the function-like macro that
 * maps it to the inline version inside the router.
 */
#include "actors/catalog.h"
#include "actors/registry.h"
#include "actors/sched.h"

uint64_t(bl_self)(const struct bl_ctx *c)
{
	return bl__self(c);
}

void *(bl_state)(const struct bl_ctx *c)
{
	return bl__state(c);
}

void(bl_set_state)(struct bl_ctx *c, void *state)
{
	bl__set_state(c, state);
}

uint16_t bl_msg_kind(const struct bl_msg *m)
{
	return m->type;
}

uint64_t bl_msg_src(const struct bl_msg *m)
{
	return m->src;
}

uint64_t bl_msg_key(const struct bl_msg *m)
{
	return m->key;
}

uint32_t(bl_msg_len)(const struct bl_msg *m)
{
	return bl__msg_len(m);
}

const uint8_t *(bl_msg_data)(const struct bl_msg *m)
{
	return bl__msg_data(m);
}

struct bl_reason bl_msg_reason(const struct bl_msg *m)
{
	if (m->type == BL_MSG_EXIT || m->type == BL_MSG_DOWN)
		return m->u.reason;
	return bl_reason_make(BL_EXIT_NORMAL);
}

bool bl_msg_from_net(const struct bl_msg *m)
{
	return (m->flags & BL_MSG_F_NET) != 0;
}

uint64_t bl_whereis(struct bl_ctx *c, const char *name)
{
	size_t n;

	if (name == NULL || c->s->registry == NULL)
		return BL_PID_NONE;
	n = strnlen(name, BL_NAME_MAX);
	if (n == 0 || n >= BL_NAME_MAX)
		return BL_PID_NONE;
	return bl_registry_whereis(c->s->registry, name, n + 1);
}
