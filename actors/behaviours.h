/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in behaviours.
 *
 *  counter  counts messages and payload bytes per key (a bounded table in
 *           its heap; keys past the bound are counted together as "other").
 *  relay    passes every message on, by reference, to a pid or to the pid a
 *           registered name has at that moment (looked up per message).
 *  forward  hands every message to the scheduler's transmit callback with a
 *           fixed destination token (the dataplane's next hop).
 *  fault    counts messages; crashes on its poison key (fault drills).
 *  echo     sends every message back: to the network source through the
 *           transmit callback (messages flagged BL_MSG_F_NET), or to the
 *           sending process.
 *
 * Arguments are read at spawn (init) and copied; the caller may free them
 * after bl_proc_spawn returns. Every argument struct is plain bytes (no
 * pointers), so a supervisor can keep a copy and restart from it.
 */
#ifndef BL_ACTORS_BEHAVIOURS_H
#define BL_ACTORS_BEHAVIOURS_H

#include <stdint.h>

#include "actors/proc.h"
#include "actors/registry.h"
#include "sdk/beamline/behaviour.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const struct bl_behaviour bl_counter_behaviour;
extern const struct bl_behaviour bl_relay_behaviour;
extern const struct bl_behaviour bl_forward_behaviour;
extern const struct bl_behaviour bl_echo_behaviour;
/*
 * fault: counts what it gets and crashes (reason error "poison_message") on
 * a message with its poison key. For fault drills: watch a supervisor
 * restart it, read the crash report.
 */
extern const struct bl_behaviour bl_fault_behaviour;

struct bl_fault_args {
	uint64_t poison_key;
};

/* Messages a fault process has handled (owner; state from bl_proc_state). */
uint64_t bl_fault_seen(const void *state);

/*
 * ratelimit: a token bucket (rate a second, burst) per key, per source or
 * one for all, then on to a target (a pid, or a name looked up per
 * message); over the limit dropped and counted, or queued up to `queue`
 * (actors/ratelimit.c). info: passed, limited, queued, waiting, failed,
 * buckets.
 */
extern const struct bl_behaviour bl_ratelimit_behaviour;
extern const struct bl_module_desc bl_ratelimit_desc;

enum { BL_RL_PER_KEY = 0, BL_RL_PER_SOURCE, BL_RL_PER_ALL };

struct bl_ratelimit_args {
	struct bl_pid_arg to; /* target: a pid, or a name looked up per message */
	uint32_t rate;	      /* tokens a second (> 0) */
	uint32_t burst;	      /* bucket size [rate] */
	uint32_t queue;	      /* messages kept waiting for a token; 0: drop */
	uint32_t max_keys;    /* buckets [1024], at most 65536; more share one */
	uint8_t per;	      /* BL_RL_PER_* */
};

/*
 * breaker: a circuit breaker in front of a target (actors/breaker.c):
 * closed, open after `failures` within `window_ms` (messages to the
 * fallback, or dropped: breaker_open), half-open after `cooldown_ms` with
 * one probe. Mode forward: failures are the target's crashes; mode call:
 * each message is a call, failures are timeouts and noproc, and a message
 * that was a call gets the reply. info: the state, passed, fallback,
 * dropped, failures, opened, half_opened, closed.
 */
extern const struct bl_behaviour bl_breaker_behaviour;
extern const struct bl_module_desc bl_breaker_desc;

enum { BL_BREAKER_FORWARD = 0, BL_BREAKER_CALL };
enum { BL_BREAKER_CLOSED = 0, BL_BREAKER_OPEN, BL_BREAKER_HALF_OPEN };

struct bl_breaker_args {
	struct bl_pid_arg to;	    /* a pid, or a name looked up per message (a restart's pid) */
	char fallback[BL_NAME_MAX]; /* a name, while open; "": drop */
	uint32_t failures;	    /* [5], at most 64 */
	uint32_t window_ms;	    /* [10000] */
	uint32_t cooldown_ms;	    /* [5000] */
	uint32_t probe_ms;	    /* forward mode: the probe holds this long [1000] */
	uint32_t call_timeout_ms;   /* call mode [1000] */
	uint8_t mode;		    /* BL_BREAKER_FORWARD or BL_BREAKER_CALL */
};

/* A breaker's state (BL_BREAKER_*), from its process state. */
int bl_breaker_state(const void *state);

/*
 * ets_counter: counts messages per key in a shared table (a uint64_t set
 * by message key), created by the first ets_counter of its name, public
 * by default, so others count into it and any process reads it
 * (actors/ets_counter.c). Calls are answered with the key's count. info:
 * counted, refused, inherited, table_id.
 */
extern const struct bl_behaviour bl_ets_counter_behaviour;
extern const struct bl_module_desc bl_ets_counter_desc;

enum { BL_ETS_COUNTER_PUBLIC = 0, BL_ETS_COUNTER_PROTECTED };

struct bl_ets_counter_args {
	char table[BL_NAME_MAX];
	char heir[BL_NAME_MAX]; /* a registered name, or "" */
	uint32_t max_entries;	/* [16384] */
	uint8_t access;		/* BL_ETS_COUNTER_* */
};

/*
 * batch: collects up to `max` messages or `wait_ms`, then sends them on to
 * the target as one message: key = how many, payload = each message as a
 * BL_BATCH_HDR-byte header (key u64, length u32, zero u32, little-endian)
 * and its bytes, at most BL_BATCH_BYTES_MAX in all (actors/batch.c).
 * info: batches, msgs, held, failed.
 */
extern const struct bl_behaviour bl_batch_behaviour;
extern const struct bl_module_desc bl_batch_desc;

/*
 * remote: stands here for a process another node exports under a global
 * name (docs/cluster.md, "Global names"): every data message it gets goes
 * to that node as a named message (wire kind 2, flags = `index`, the name's
 * index there), key and payload as they came (actors/remote.c). The
 * cluster code spawns one per remote global name and registers it under
 * the name, so a route or a process reaches the name as it would a local
 * process. The node's MAC is resolved by ARP. info: sent, failed.
 */
extern const struct bl_module_desc bl_remote_desc;

struct bl_remote_args {
	uint64_t dest; /* the node's next hop, a transmit destination (the host hook's) */
	uint16_t port;
	uint16_t udp;
	uint16_t index; /* the name's index on its node */
	uint16_t reply; /* this stand-in's own index here, for answers; 1023: none */
	bool fanout;	/* a group's member for that node: what came from a node stays */
	char ip[16];
};

#define BL_BATCH_HDR	   16u
#define BL_BATCH_BYTES_MAX 2000u /* fits one mbuf of the default pool */

struct bl_batch_args {
	struct bl_pid_arg to;
	uint32_t max;	  /* [32], 1..1024 */
	uint32_t wait_ms; /* [1] */
};

/* Walk a batch's messages: from *off (0 first), the next one's key and
 * bytes; false after the last or at a malformed header. */
bool bl_batch_next(const uint8_t *batch, uint32_t len, uint32_t *off, uint64_t *key,
		   const uint8_t **data, uint32_t *dlen);

struct bl_counter_args {
	uint32_t max_keys; /* distinct keys counted one by one [64], at most 65536 */
	uint32_t rate;	   /* handle at most this many a second, sleeping between; 0: no limit */
};

struct bl_relay_args {
	uint64_t to_pid;	   /* target pid, or BL_PID_NONE to use to_name */
	char to_name[BL_NAME_MAX]; /* registered name, looked up in the sched's registry */
};

struct bl_forward_args {
	uint64_t dest; /* destination token for the transmit callback */
	/* What spawn reads (the schema); the router's host hook turns them
	 * into dest (a next hop) before init. init reads dest only. */
	uint16_t port;
	uint16_t udp;
	char mac[18];
	char ip[16];
};

/*
 * Their descriptors, as a module's (sdk/beamline/behaviour.h): name,
 * version, callbacks, argument schema. NULL-terminated; the catalog
 * (actors/catalog.h) adds them all at creation.
 */
extern const struct bl_module_desc *const bl_builtin_descs[];

/* Counter state access (owner; state from bl_proc_state). */
int bl_counter_get(const void *state, uint64_t key, uint64_t *msgs, uint64_t *bytes);
void bl_counter_totals(const void *state, uint64_t *msgs, uint64_t *bytes, uint64_t *other_msgs);

/* Relay statistics (owner; state from bl_proc_state). */
void bl_relay_stats(const void *state, uint64_t *relayed, uint64_t *failed);

/* A behaviour's info callback: its figures v (n of them) into kv, at most
 * max; returns how many went. */
static inline unsigned bl__info_put(struct bl_info_kv *kv, unsigned max, const struct bl_info_kv *v,
				    unsigned n)
{
	unsigned i;

	for (i = 0; i < max && i < n; i++)
		kv[i] = v[i];
	return i;
}

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_BEHAVIOURS_H */
