/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stamp: the test suite's behaviour module, built against the SDK header
 * only (sdk/beamline/behaviour.h), with an argument of every type.
 *
 * Every `every`-th message goes on to `to` (a pid, or a name looked up per
 * message): as it is (mode forward) or copied with its key moved by
 * `offset` (mode copy). A message with key `stop` ends the process
 * normally; `label`, `tag`, `idle`, `limit` and `verbose` are read and
 * kept, and show in how it behaves only where said: the process exits
 * with an error once it has seen more than `limit` payload bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <beamline/behaviour.h>

struct stamp_args {
	struct bl_pid_arg to;
	uint32_t every;
	int64_t offset;
	uint64_t limit;
	uint32_t idle;
	uint64_t stop;
	uint8_t mode;
	bool verbose;
	char label[BL_NAME_MAX];
	char tag[16];
};

struct stamp_state {
	struct bl_pid_arg to;
	uint64_t seen, bytes, passed, stop, limit;
	int64_t offset;
	uint32_t every;
	uint8_t mode;
};

static const char *const modes[] = { "forward", "copy", NULL };

static const struct bl_field stamp_fields[] = {
	BL_FIELD(struct stamp_args, to, BL_FIELD_PID, BL_REQUIRED, "where messages go"),
	BL_FIELD_RANGE(struct stamp_args, every, BL_FIELD_U64, "1", 1, 1000,
		       "pass one message in every N"),
	BL_FIELD_RANGE(struct stamp_args, offset, BL_FIELD_I64, "0", -1000, 1000,
		       "added to the key of a copy"),
	BL_FIELD(struct stamp_args, limit, BL_FIELD_SIZE, "1G", "payload bytes before it quits"),
	BL_FIELD_RANGE(struct stamp_args, idle, BL_FIELD_DURATION, "0", 0, 3600000,
		       "receive timeout (0: none)"),
	BL_FIELD(struct stamp_args, stop, BL_FIELD_KEY, "0xffffffffffffffff",
		 "the key that ends it"),
	BL_FIELD_WORDS(struct stamp_args, mode, "forward", modes, "forward or copy"),
	BL_FIELD(struct stamp_args, verbose, BL_FIELD_BOOL, "false", "unused"),
	BL_FIELD(struct stamp_args, label, BL_FIELD_NAME, "stamp", "unused"),
	BL_FIELD(struct stamp_args, tag, BL_FIELD_STRING, "none", "unused"),
};

static int stamp_init(struct bl_ctx *c, void *arg)
{
	const struct stamp_args *a = arg;
	struct stamp_state *st = bl_alloc(c, sizeof(*st));

	if (st == NULL)
		return -ENOMEM;
	memset(st, 0, sizeof(*st));
	st->to = a->to;
	st->every = a->every;
	st->offset = a->offset;
	st->limit = a->limit;
	st->stop = a->stop;
	st->mode = a->mode;
	bl_set_state(c, st);
	if (a->idle != 0)
		bl_set_timeout(c, a->idle);
	return 0;
}

static void stamp_msg(struct bl_ctx *c, const struct bl_msg *m)
{
	struct stamp_state *st = bl_state(c);
	uint64_t to = st->to.pid;

	st->seen++;
	st->bytes += bl_msg_len(m);
	if (bl_msg_key(m) == st->stop) {
		bl_exit(c, bl_reason_make(BL_EXIT_NORMAL));
		return;
	}
	if (st->bytes > st->limit) {
		bl_exit(c, bl_reason_error(2, "stamp_limit"));
		return;
	}
	if (st->seen % st->every != 0)
		return;
	if (to == BL_PID_NONE)
		to = bl_whereis(c, st->to.name);
	if (to == BL_PID_NONE)
		return;
	if (st->mode == 0)
		(void)bl_forward(c, to, m);
	else
		(void)bl_send(c, to, bl_msg_key(m) + (uint64_t)st->offset, bl_msg_data(m),
			      bl_msg_len(m));
	st->passed++;
}

static void stamp_timeout(struct bl_ctx *c)
{
	bl_exit(c, bl_reason_error(1, "stamp_idle"));
}

static int stamp_check(const void *args, char *err, size_t errlen)
{
	const struct stamp_args *a = args;

	if (a->mode == 0 && a->offset != 0) {
		snprintf(err, errlen, "\"offset\" needs mode copy");
		return -EINVAL;
	}
	return 0;
}

BL_BEHAVIOUR_MODULE("stamp", "0.3.1", .summary = "passes every Nth message on (test module)",
		    .init = stamp_init, .handle_message = stamp_msg,
		    .handle_timeout = stamp_timeout, .check = stamp_check,
		    BL_SCHEMA(struct stamp_args, stamp_fields));
