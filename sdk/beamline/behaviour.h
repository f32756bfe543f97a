/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * beamline behaviour SDK: the one header a behaviour module is written
 * against (docs/behaviours.md walks through one).
 *
 * A behaviour is a set of callbacks that processes run. A module is a
 * shared object (cc -shared -fPIC) that declares exactly one behaviour with
 * BL_BEHAVIOUR_MODULE: its name, version, callbacks and argument schema.
 * The router loads it on its control thread (`beamline --load PATH`, a
 * `load PATH` config line, `beamctl load PATH`), checks the descriptor, and
 * adds the behaviour to its catalog next to the built-in ones, which are
 * declared with the very same descriptor. `spawn NAME ARG VALUE...` and
 * `sup child SUP ID NAME ARG VALUE...` read the arguments against the
 * schema and hand the callbacks' init a filled argument struct.
 *
 * Threads: every callback runs on the lcore of its process, one callback of
 * one process at a time; callbacks must not block (no sleeping, no I/O that
 * may wait, no locks held across callbacks). `check` alone runs on the
 * control thread, when a spawn or a child spec is read. The bl_* functions
 * below may be called only from inside a callback, with the ctx it got.
 *
 * Memory: a process allocates from its own heap (bl_alloc), which is freed
 * whole when it exits; the state pointer (bl_set_state) usually points into
 * it. A module keeps no global mutable state: many processes, on many
 * lcores, run the same code at once.
 *
 * Upgrading (`beamctl upgrade PATH`) loads a new version of a loaded
 * behaviour next to the running one: each process moves to it at its next
 * turn, through the new version's code_change, and new spawns run it. At
 * most two versions live at once; the old one's code is closed once no
 * process runs it and a grace period has passed.
 *
 * Unloading (`beamctl unload NAME`) is refused while a process runs the
 * behaviour or a supervisor's child spec names it. Strings a module hands
 * the router must outlive the call: a reason's text (bl_reason_error) must
 * be a string literal; the crash log copies it, so a module may be unloaded
 * after its processes crashed.
 *
 * ABI: BL_BEHAVIOUR_ABI names the layout of the descriptor and of the types
 * here, and the set of functions. A router refuses a module whose
 * descriptor carries another number ("built for behaviour ABI N"). Only
 * this header is public: a module never sees the router's structs.
 * Additions keep the number: a function, a message kind or a type that no
 * older module can have used (the shared tables, bl_ets_*, came so); a
 * module that calls them does not load into a router without them
 * (dlopen names the missing symbol).
 */
#ifndef BEAMLINE_BEHAVIOUR_H
#define BEAMLINE_BEHAVIOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BL_BEHAVIOUR_ABI 1u

/* Names (behaviours, processes, argument words): 1..31 printable ASCII, no blanks. */
#define BL_NAME_MAX 32u /* bytes with the terminating NUL */
/* Bytes of an argument struct at most. */
#define BL_ARGS_MAX 256u
/* "No such process" as a pid. */
#define BL_PID_NONE UINT64_C(0)

/* The runtime's handle on the running process: valid during one callback. */
struct bl_ctx;
/* A message, read with the bl_msg_* functions; valid during one callback. */
struct bl_msg;

/* Why a process exited. */
enum bl_exit_code {
	BL_EXIT_NORMAL = 0,
	BL_EXIT_SHUTDOWN,
	BL_EXIT_KILLED,
	BL_EXIT_HEAP_LIMIT,
	BL_EXIT_MAILBOX_OVERFLOW,
	BL_EXIT_NOPROC,		/* link or monitor of a process that was already gone */
	BL_EXIT_ERROR,		/* the handler's own: detail + static text */
	BL_EXIT_KILL,		/* untrappable exit signal; the victim exits with killed */
	BL_EXIT_UPGRADE_FAILED, /* its new version's code_change refused its state */
	BL_EXIT_CODE_MAX
};

struct bl_reason {
	uint16_t code;	  /* enum bl_exit_code */
	uint16_t detail;  /* the handler's own code for BL_EXIT_ERROR */
	const char *text; /* static string for BL_EXIT_ERROR, or NULL */
};

static inline struct bl_reason bl_reason_make(uint16_t code)
{
	struct bl_reason r;

	r.code = code;
	r.detail = 0;
	r.text = NULL;
	return r;
}

/* A handler's own error: detail is its code, text a string literal. */
static inline struct bl_reason bl_reason_error(uint16_t detail, const char *text)
{
	struct bl_reason r;

	r.code = BL_EXIT_ERROR;
	r.detail = detail;
	r.text = text;
	return r;
}

/* What a message is (bl_msg_type). */
enum bl_msg_type {
	BL_MSG_DATA = 0,    /* payload from a packet or a process */
	BL_MSG_EXIT,	    /* trapped exit signal from a linked process */
	BL_MSG_DOWN,	    /* a monitored process went down */
	BL_MSG_FRAME,	    /* the messages of one wire frame (built-ins' handle_frame only) */
	BL_MSG_CALL,	    /* data that owes a reply (bl_reply), to handle_message */
	BL_MSG_REPLY,	    /* internal: reaches handle_reply as a struct bl_reply */
	BL_MSG_CALL_FAILED, /* internal: likewise */
	/* A shared table is now this process's (ETS-TRANSFER), to handle_message:
	 * bl_msg_key is the table's id, bl_msg_src its previous owner, the data
	 * the heir data or the give-away's gift (at most BL_ETS_GIFT_MAX bytes). */
	BL_MSG_ETS_TRANSFER,
};

/* How a call ended (struct bl_reply.status). */
enum bl_call_status {
	BL_CALL_OK = 0,	 /* the callee replied: m is the reply */
	BL_CALL_TIMEOUT, /* no reply in timeout_ms (never sooner; at most 1 ms after); a late one is
			    dropped (late_reply) */
	BL_CALL_NOPROC,	 /* the callee was gone, or went before replying: reason says why */
	BL_CALL_STATUS_MAX
};

/* What handle_reply gets: valid during the callback only. */
struct bl_reply {
	uint64_t ref;		 /* what bl_call returned */
	uint64_t from;		 /* the callee (the replier for BL_CALL_OK) */
	uint32_t status;	 /* enum bl_call_status */
	struct bl_reason reason; /* BL_CALL_NOPROC: the callee's exit reason */
	const struct bl_msg *m;	 /* BL_CALL_OK: the reply (bl_msg_key, bl_msg_data); else NULL */
};

/* One figure of a behaviour's own, for `info` (its info callback). */
struct bl_info_kv {
	const char *name; /* static */
	uint64_t value;
};

/* ---- the argument schema ---- */

/*
 * Types of an argument and how each is stored in the argument struct:
 *  U64       unsigned integer of `size` bytes (1, 2, 4, 8), in min..max
 *            (both 0: the width's range). Given as an integer.
 *  I64       signed integer of `size` bytes, min..max read as int64_t.
 *  STRING    char[size], NUL-terminated: at most size-1 bytes (max, if
 *            set, lowers that), at least min.
 *  NAME      char[size >= BL_NAME_MAX]: a name (the rule above).
 *  PID       struct bl_pid_arg: a pid <L.S.G>, or a registered name kept
 *            as a name (pid BL_PID_NONE) to look up when needed (bl_whereis).
 *  DURATION  unsigned integer of `size` bytes, in milliseconds: an integer
 *            (ms) or a number with a unit ms, s, m or h ("250ms", "2s").
 *  SIZE      unsigned integer of `size` bytes, in bytes: an integer or a
 *            number with k, M or G (powers of 1024: "64k", "2M").
 *  BOOL      bool: true or false (also yes/no, on/off, 1/0).
 *  ENUM      unsigned integer of `size` bytes: the index of one of `words`.
 *  KEY       uint64_t message key: an integer, or a decimal or 0x-hex string.
 * A field is required (dflt NULL) or has a default, written as text the
 * way an operator would type it ("64", "2s", "drop"); the router checks
 * every default when it loads the module.
 */
enum bl_field_type {
	BL_FIELD_U64 = 1,
	BL_FIELD_I64,
	BL_FIELD_STRING,
	BL_FIELD_NAME,
	BL_FIELD_PID,
	BL_FIELD_DURATION,
	BL_FIELD_SIZE,
	BL_FIELD_BOOL,
	BL_FIELD_ENUM,
	BL_FIELD_KEY,
	BL_FIELD_TYPE_MAX
};

struct bl_pid_arg {
	uint64_t pid;		/* the pid, or BL_PID_NONE when a name was given */
	char name[BL_NAME_MAX]; /* the name given, or "" */
};

struct bl_field {
	const char *name; /* the ARG word */
	uint32_t type;	  /* enum bl_field_type */
	uint32_t offset;  /* of the value in the argument struct */
	uint32_t size;	  /* bytes of the value there */
	uint32_t pad;
	const char *dflt;	  /* default as text, or NULL: required */
	uint64_t min, max;	  /* range (integers) or length (strings); 0, 0: any */
	const char *const *words; /* ENUM: its words, NULL-terminated */
	const char *help;	  /* a few words for `beamctl behaviours`, or NULL */
};

/* A field of argument struct st, member m (its name is the member's). */
#define BL_FIELD(st, m, type_, dflt_, help_)                                                       \
	{                                                                                          \
		.name = #m, .type = (type_), .offset = (uint32_t)offsetof(st, m),                  \
		.size = (uint32_t)sizeof(((st *)0)->m), .dflt = (dflt_), .help = (help_)           \
	}
/* The same with a range (integers, durations, sizes) or a length (strings). */
#define BL_FIELD_RANGE(st, m, type_, dflt_, min_, max_, help_)                                     \
	{                                                                                          \
		.name = #m, .type = (type_), .offset = (uint32_t)offsetof(st, m),                  \
		.size = (uint32_t)sizeof(((st *)0)->m), .dflt = (dflt_), .min = (min_),            \
		.max = (max_), .help = (help_)                                                     \
	}
/* An enum field: words is a NULL-terminated array of the words. */
#define BL_FIELD_WORDS(st, m, dflt_, words_, help_)                                                \
	{                                                                                          \
		.name = #m, .type = BL_FIELD_ENUM, .offset = (uint32_t)offsetof(st, m),            \
		.size = (uint32_t)sizeof(((st *)0)->m), .dflt = (dflt_), .words = (words_),        \
		.help = (help_)                                                                    \
	}
/* dflt of a field that must be given. */
#define BL_REQUIRED ((const char *)0)

/* ---- the descriptor ---- */

/* flags */
#define BL_BEHAVIOUR_F_TRANSMITS 0x1u /* sends on the wire: never on the control lcore */

/*
 * A behaviour. Every callback but handle_message may be NULL.
 *  init:	    at spawn, on the process's lcore: args points to the filled
 *		    argument struct (args_size bytes; NULL when args_size is 0),
 *		    read it and copy what you keep: it is gone after init.
 *		    Return 0, or -errno to refuse (the spawn fails).
 *  handle_message: a BL_MSG_DATA message, or a BL_MSG_CALL (answer it
 *		    with bl_reply).
 *  handle_timeout: the receive timeout set with bl_set_timeout expired.
 *  handle_exit:    a BL_MSG_EXIT (a linked process exited; bl_msg_src,
 *		    bl_msg_reason) or BL_MSG_DOWN (a monitored one; bl_msg_key
 *		    is the monitor reference).
 *  terminate:	    the process is exiting with reason; it may still send.
 *  handle_frame:   built-ins only (a module's must be NULL in ABI 1).
 *  handle_reply:   the answer to a bl_call of this process (a reply, or
 *		    the call's end: timeout, noproc). Without it answers are
 *		    dropped and counted (unhandled_reply).
 *  info:	    the behaviour's own figures for `info`: at most max
 *		    name/value pairs from its state, on its lcore.
 *  check:	    optional, on the control thread: the argument struct was
 *		    filled (every field valid on its own); refuse a combination
 *		    with -EINVAL and a one-line message in err.
 *  code_change:    optional, a live upgrade (`beamctl upgrade PATH`): a
 *		    process that ran version old_version of this behaviour
 *		    runs this version from its next turn on, and this is the
 *		    first thing of that turn, on its lcore, before any message
 *		    (a process never changes code inside a handler). bl_state
 *		    is still old_state, in the old version's layout: migrate
 *		    it (bl_alloc a new one, bl_set_state, bl_free the old) or
 *		    keep it. Return 0, or -errno (or bl_exit) to refuse: the
 *		    process then exits with reason upgrade_failed, without
 *		    terminate, and its supervisor restarts it on this version.
 *		    Without code_change the state is kept as it is. Anything
 *		    of the old version the state points to (its string
 *		    literals, its functions) is still loaded during the call,
 *		    never after.
 */
struct bl_module_desc {
	uint32_t abi;  /* BL_BEHAVIOUR_ABI */
	uint32_t size; /* sizeof(struct bl_module_desc) */
	const char *name;
	const char *version; /* 1..31 printable characters, e.g. "1.2.0" */
	const char *summary; /* one line for `beamctl behaviours`, or NULL */
	uint32_t flags;	     /* BL_BEHAVIOUR_F_* */
	uint32_t args_size;  /* bytes of the argument struct, at most BL_ARGS_MAX */
	const struct bl_field *fields;
	uint32_t n_fields;
	uint32_t pad;
	int (*init)(struct bl_ctx *c, void *args);
	void (*handle_message)(struct bl_ctx *c, const struct bl_msg *m);
	void (*handle_timeout)(struct bl_ctx *c);
	void (*handle_exit)(struct bl_ctx *c, const struct bl_msg *m);
	void (*terminate)(struct bl_ctx *c, struct bl_reason reason);
	void (*handle_frame)(struct bl_ctx *c, const struct bl_msg *f);
	int (*check)(const void *args, char *err, size_t errlen);
	void (*handle_reply)(struct bl_ctx *c, const struct bl_reply *r);
	unsigned (*info)(const void *state, struct bl_info_kv *kv, unsigned max);
	int (*code_change)(struct bl_ctx *c, void *old_state, const char *old_version);
};

/* The symbol the router looks for in a module. */
#define BL_MODULE_SYMBOL "bl_behaviour_module"

/* The schema of argument struct st, fields an array of struct bl_field. */
#define BL_SCHEMA(st, fields_)                                                                     \
	.args_size = (uint32_t)sizeof(st), .fields = (fields_),                                    \
	.n_fields = (uint32_t)(sizeof(fields_) / sizeof((fields_)[0]))

/* A descriptor in a variable of its own (the router's built-ins). */
#define BL_BEHAVIOUR_DESC(var, name_, version_, ...)                                               \
	const struct bl_module_desc var = { .abi = BL_BEHAVIOUR_ABI,                               \
					    .size = (uint32_t)sizeof(struct bl_module_desc),       \
					    .name = (name_),                                       \
					    .version = (version_),                                 \
					    __VA_ARGS__ }

/*
 * Declare the module's behaviour, once per module, at file scope:
 *
 *	BL_BEHAVIOUR_MODULE("meter", "1.0.0", .init = meter_init,
 *			    .handle_message = meter_msg,
 *			    BL_SCHEMA(struct meter_args, meter_fields));
 */
#define BL_BEHAVIOUR_MODULE(name_, version_, ...)                                                  \
	extern __attribute__((visibility("default")))                                              \
	const struct bl_module_desc bl_behaviour_module;                                           \
	BL_BEHAVIOUR_DESC(bl_behaviour_module, name_, version_, __VA_ARGS__)

/* ---- what a callback may call: only with its own ctx, never blocking ---- */

/* The calling process's pid; its state pointer; set it. */
uint64_t bl_self(const struct bl_ctx *c);
void *bl_state(const struct bl_ctx *c);
void bl_set_state(struct bl_ctx *c, void *state);

/*
 * Heap memory of the calling process, freed whole when it exits. On
 * exceeding its heap limit bl_alloc returns NULL and the process exits with
 * heap_limit when the callback returns: cope with NULL and return.
 */
void *bl_alloc(struct bl_ctx *c, size_t size);
void bl_free(struct bl_ctx *c, void *p, size_t size);
/* Memory gone when the current callback has returned. */
void *bl_scratch(struct bl_ctx *c, size_t size);

/* A message: its type (enum bl_msg_type), sender pid (or a network source), key, payload. */
uint16_t bl_msg_kind(const struct bl_msg *m);
uint64_t bl_msg_src(const struct bl_msg *m);
uint64_t bl_msg_key(const struct bl_msg *m);
uint32_t bl_msg_len(const struct bl_msg *m);
/* The payload's bytes (bl_msg_len of them), valid during the callback. */
const uint8_t *bl_msg_data(const struct bl_msg *m);
/* The exit reason of a BL_MSG_EXIT or BL_MSG_DOWN. */
struct bl_reason bl_msg_reason(const struct bl_msg *m);
/* Whether the message came from the network (its src is no pid). */
bool bl_msg_from_net(const struct bl_msg *m);

/*
 * Send len bytes to process dst with key (any length: large payloads travel
 * in a buffer). 0 if handed on, or -errno when dropped (the drop is counted).
 */
int bl_send(struct bl_ctx *c, uint64_t dst, uint64_t key, const void *data, uint32_t len);
/* Pass message m on to dst with its key, by reference when it holds one. */
int bl_forward(struct bl_ctx *c, uint64_t dst, const struct bl_msg *m);
/*
 * Deliver len bytes (at most 64) to dst with key after ms milliseconds.
 * Returns a handle for bl_timer_cancel (never 0), or 0 with errno ENOSPC
 * (the lcore's timer pool is full) or EINVAL.
 */
uint64_t bl_send_after(struct bl_ctx *c, uint64_t dst, uint64_t key, const void *data, uint32_t len,
		       uint32_t ms);
/*
 * Cancel a timer of the calling process (a handle from bl_send_after or
 * bl_set_timeout): 1 when it was cancelled before it fired, 0 when it had
 * fired already (or was cancelled or replaced), -EINVAL for a handle that
 * is no timer of this process. Erlang: erlang:cancel_timer/1.
 */
int bl_timer_cancel(struct bl_ctx *c, uint64_t handle);

#define BL_CALL_INFINITY UINT32_MAX /* a call with no timeout */

/*
 * Send len bytes to `to` as a call, owing a reply, as gen_server:call but
 * without waiting: returns the call's reference (never 0) at once, and the
 * answer comes to handle_reply with it: the reply; BL_CALL_TIMEOUT after
 * timeout_ms (BL_CALL_INFINITY: never; a later reply is dropped, counted
 * late_reply); BL_CALL_NOPROC at once when `to` is gone, or when it exits
 * before replying (an implicit monitor). Any lcore. Returns 0 with errno
 * set when the call could not be made: EINVAL (bad argument, timeout_ms
 * above INT32_MAX), EDEADLK (a call to oneself), ENOSPC (the lcore's timer
 * pool is full), ENOBUFS / EMSGSIZE / ESRCH (the request could not be
 * handed on; counted under its reason).
 */
uint64_t bl_call(struct bl_ctx *c, uint64_t to, uint64_t key, const void *data, uint32_t len,
		 uint32_t timeout_ms);
/*
 * Answer call message `call` (bl_msg_kind BL_MSG_CALL, in handle_message)
 * with key and len bytes. 0, -EINVAL when `call` is no call, or the send's
 * -errno. A second answer to one call reaches the caller as a late one.
 */
int bl_reply(struct bl_ctx *c, const struct bl_msg *call, uint64_t key, const void *data,
	     uint32_t len);
/* The pid a name is registered to now, or BL_PID_NONE. */
uint64_t bl_whereis(struct bl_ctx *c, const char *name);

/* Exit after this callback with reason. */
void bl_exit(struct bl_ctx *c, struct bl_reason reason);
/* An exit signal to pid (Erlang exit/2); BL_EXIT_KILL is untrappable. 0 or -errno. */
int bl_exit_signal(struct bl_ctx *c, uint64_t pid, struct bl_reason reason);
/* Links (both ways) and monitors (one way, by reference: 0 and errno on error). */
int bl_link(struct bl_ctx *c, uint64_t pid);
int bl_unlink(struct bl_ctx *c, uint64_t pid);
uint64_t bl_monitor(struct bl_ctx *c, uint64_t pid);
int bl_demonitor(struct bl_ctx *c, uint64_t ref);
/* Receive exits of linked processes as BL_MSG_EXIT messages instead of dying. */
void bl_trap_exit(struct bl_ctx *c, bool on);
/* handle_timeout after ms without a message (each message restarts it); 0
 * clears it. Returns a handle for bl_timer_cancel (0 when ms is 0). */
uint64_t bl_set_timeout(struct bl_ctx *c, uint32_t ms);
/* Give back every heap chunk not in use after this callback. */
void bl_hibernate(struct bl_ctx *c);
/* Sleep: the turn ends after this callback and the process is not run again
 * for ms (1..INT32_MAX); its mail waits, and with mailbox policy block its
 * senders are held back (Erlang's timer:sleep). Exit signals still reach
 * it. 0, -EINVAL, or -ENOSPC (the lcore's timer entries are all in use). */
int bl_sleep(struct bl_ctx *c, uint32_t ms);

/* ---- shared tables (ETS) ---- */

/*
 * A shared table is a named set of (key, value) entries owned by a
 * process and read by any process on any lcore without a lock, as Erlang's
 * ETS (docs/processes.md, "Shared tables"). Keys are 1..BL_ETS_KEY_MAX
 * bytes, values 0..BL_ETS_VALUE_MAX bytes, both copied into the table.
 *
 * A table is named by its id (what bl_ets_new returns, never 0) or looked
 * up by name (bl_ets_whereis). An id goes stale when its table is deleted:
 * every call then returns -EBADF, never touches freed memory. A process
 * may keep an id in its state; it must not keep a value's pointer past the
 * callback (bl_ets_lookup_each).
 *
 * Readers never wait: lookups walk the table under RCU (QSBR: the lcore's
 * loop announces quiescent states between callbacks). An entry replaced or
 * deleted is freed once every lcore has passed one, so a reader sees the
 * old value or the new one, whole. Writers on a protected or private table
 * are its owner alone, without a lock; a public table's writers take one
 * of 16 short spin locks (by key), held for the list update only.
 *
 * The table goes with its owner (after terminate) unless it names an
 * heir: the heir then owns it and gets a BL_MSG_ETS_TRANSFER message; an
 * heir that is gone by then takes the table with it.
 */
#define BL_ETS_KEY_MAX	       64u
#define BL_ETS_VALUE_MAX       4096u
#define BL_ETS_GIFT_MAX	       64u /* heir data / give-away bytes at most */
#define BL_ETS_ENTRIES_DEFAULT 16384u
#define BL_ETS_ENTRIES_MAX     (1u << 22)
#define BL_ETS_BYTES_DEFAULT   (UINT64_C(16) << 20)

enum bl_ets_type {
	BL_ETS_SET = 0, /* one value per key: an insert replaces it */
	BL_ETS_BAG,	/* several distinct values per key, in insertion order */
	BL_ETS_TYPE_MAX
};

enum bl_ets_access {
	BL_ETS_PROTECTED = 0, /* the owner writes, every process reads */
	BL_ETS_PUBLIC,	      /* every process reads and writes */
	BL_ETS_PRIVATE,	      /* the owner alone reads and writes */
	BL_ETS_ACCESS_MAX
};

/* How beamctl reads and shows keys and values (struct bl_ets_opts.flags). */
#define BL_ETS_F_KEY_U64   0x1u /* every key is a uint64_t (8 bytes, host order) */
#define BL_ETS_F_VALUE_U64 0x2u /* every value is a uint64_t */

/* bl_ets_new's options; all zero: a protected set with the default bounds. */
struct bl_ets_opts {
	uint32_t type;	       /* enum bl_ets_type */
	uint32_t access;       /* enum bl_ets_access */
	uint32_t flags;	       /* BL_ETS_F_* */
	uint32_t max_entries;  /* 0: BL_ETS_ENTRIES_DEFAULT; at most BL_ETS_ENTRIES_MAX */
	uint64_t max_bytes;    /* of its entries (keys, values, 40 bytes each); 0: default */
	uint64_t heir;	       /* inherits the table when the owner exits; BL_PID_NONE: none */
	const void *heir_data; /* handed to the heir with it (copied), or NULL */
	uint32_t heir_len;     /* at most BL_ETS_GIFT_MAX */
	uint32_t pad;
};

/* What bl_ets_info tells; figures of a moment. */
struct bl_ets_info {
	char name[BL_NAME_MAX];
	uint64_t id;
	uint64_t owner; /* BL_PID_NONE while it passes to an heir */
	uint64_t heir;
	uint32_t type, access, flags, max_entries;
	uint64_t max_bytes;
	uint64_t entries;
	uint64_t bytes;	  /* of its entries: what max_bytes bounds */
	uint64_t memory;  /* all it holds: entries, buckets, the table itself */
	uint64_t refused; /* writes refused by the bounds */
};

/*
 * Create a table named name (the name rule above; unique among the
 * router's tables), owned by the calling process. opts may be NULL.
 * Returns its id, or 0 with errno: EINVAL (bad name or option, an heir
 * that is the caller), EEXIST (the name is taken), ENOSPC (the router's
 * table limit), ENOMEM, ENOTSUP (a scheduler without tables).
 */
uint64_t bl_ets_new(struct bl_ctx *c, const char *name, const struct bl_ets_opts *opts);
/* The id of the table named name now, or 0. */
uint64_t bl_ets_whereis(struct bl_ctx *c, const char *name);

/*
 * Insert (key, value). A set replaces the key's value; a bag adds the value
 * to the key's, unless that very value is there already. Returns 0 (written),
 * 1 (a bag had it already), or -errno: EBADF (no such table), EACCES (not
 * the owner of a table that is not public, or the table is passing to an
 * heir), EINVAL (bad length, NULL), ENOSPC (max_entries), EDQUOT
 * (max_bytes; both counted as refused), ENOMEM.
 */
int bl_ets_insert(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len,
		  const void *value, uint32_t value_len);

/*
 * Copy the key's value (a bag: its first) into buf, at most cap bytes.
 * Returns the value's whole length (more than cap: cut), or -ENOENT (no such
 * key), -EBADF, -EACCES (a private table of another process), -EINVAL.
 */
int bl_ets_lookup(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len, void *buf,
		  uint32_t cap);

/*
 * Call fn for each value of the key (a set: at most one), in order, until
 * it returns non-zero. value is valid during that call only. Returns how
 * many values fn was given, or -EBADF, -EACCES, -EINVAL.
 */
typedef int (*bl_ets_value_fn)(void *arg, const void *value, uint32_t len);
int bl_ets_lookup_each(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len,
		       bl_ets_value_fn fn, void *arg);

/*
 * Add incr to the key's value, a uint64_t (modulo 2^64), as one write:
 * concurrent writers of a public table lose no increment. A missing key
 * starts at 0. *out (may be NULL) gets the new value. A set only: -EINVAL
 * on a bag, or when the key's value is not 8 bytes; else as bl_ets_insert.
 */
int bl_ets_update_counter(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len,
			  int64_t incr, uint64_t *out);

/* Delete the key (every value of it). Returns how many entries went, or -errno. */
int bl_ets_delete(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len);
/* Delete one (key, value) entry. Returns 1, 0 (none such), or -errno. */
int bl_ets_delete_object(struct bl_ctx *c, uint64_t tab, const void *key, uint32_t key_len,
			 const void *value, uint32_t value_len);

/*
 * Delete the table: the owner only (-EACCES), whatever its access. Its
 * entries are freed after a grace period; readers in the middle of a
 * lookup finish it. 0 or -errno.
 */
int bl_ets_delete_table(struct bl_ctx *c, uint64_t tab);

/*
 * Give the table to process pid now (Erlang ets:give_away): the owner only;
 * it gets a BL_MSG_ETS_TRANSFER with len bytes (at most BL_ETS_GIFT_MAX).
 * Until pid's lcore has taken it, nobody writes a protected table. A pid
 * found gone on this lcore: -ESRCH and nothing changes; one on another
 * lcore found gone there takes the table with it. 0 or -errno.
 */
int bl_ets_give_away(struct bl_ctx *c, uint64_t tab, uint64_t pid, const void *data, uint32_t len);

/* Set or clear (BL_PID_NONE) the heir: the owner only. 0 or -errno. */
int bl_ets_set_heir(struct bl_ctx *c, uint64_t tab, uint64_t heir, const void *data, uint32_t len);

/* The table's figures (any table, private too). 0, -EBADF, -EINVAL. */
int bl_ets_info(struct bl_ctx *c, uint64_t tab, struct bl_ets_info *out);

#ifdef __cplusplus
}
#endif

#endif /* BEAMLINE_BEHAVIOUR_H */
