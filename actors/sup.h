/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Supervisors: trees of processes that restart their children.
 *
 * A supervisor is a process (bl_supervisor_behaviour) on the control
 * thread's scheduler: a bl_sched created in the same bl_sched_set as the
 * workers' schedulers, with the main lcore's id, run by the control thread
 * with bl_sched_run from its loop. It traps exits. Its children live on
 * worker lcores or on the control scheduler; each is linked to it, so their
 * exit signals reach it through the runtime's rings. A child may itself be a
 * supervisor (always on the control scheduler): a tree.
 *
 * Building a tree (plain structs, from C or from parsed config lines):
 *
 *	struct bl_sup_spec root, sub;
 *	struct bl_sup_child_spec ch;
 *
 *	bl_sup_spec_init(&sub, "feeds", BL_SUP_ONE_FOR_ONE, 3, 5000);
 *	bl_sup_child_spec_init(&ch, "count", bl_catalog_behaviour(cat, "counter"));
 *	bl_sup_child_set_name(&ch, "counter.a");   // registered, moved on restart
 *	ch.lcore = BL_SUP_LCORE_ANY;
 *	bl_sup_spec_add(&sub, &ch);                  // copies ch and its arg blob
 *	bl_sup_spec_init(&root, "root", BL_SUP_ONE_FOR_ALL, 1, 1000);
 *	bl_sup_child_spec_sup(&ch, "feeds", &sub);   // a nested supervisor child
 *	bl_sup_spec_add(&root, &ch);                 // deep-copies sub
 *	uint64_t pid = bl_sup_start(ctl, &root);     // copies root: fini both after
 *	bl_sup_spec_fini(&sub);
 *	bl_sup_spec_fini(&root);
 *
 * Semantics (as in OTP):
 *  - strategies one_for_one (restart the child that exited), one_for_all
 *    (stop all running children in reverse start order, start them again in
 *    order), rest_for_one (the same for the child and those started after
 *    it). Children stopped on purpose (bl_sup_child_stop) or not restarted
 *    stay stopped in a group restart.
 *  - restart types: permanent (always restarted), transient (only after an
 *    abnormal exit: not normal, not shutdown), temporary (never).
 *  - intensity: more than `intensity` restarts within `period_ms` and the
 *    supervisor stops all its children and exits with reason shutdown,
 *    detail BL_SUP_DETAIL_INTENSITY, text "reached_max_restart_intensity";
 *    its own supervisor then applies its strategy (escalation).
 *  - a failed start during a restart counts as an exit of that child with
 *    reason error (errno, "start failed"), so it is retried (at the
 *    supervisor's next message to itself: the control loop runs between
 *    two attempts) within the intensity and escalates past it.
 *  - stopping a child: exit signal shutdown, then BL_EXIT_KILL if it has not
 *    exited after shutdown_ms (a timer on the control scheduler, never a
 *    busy wait). Stopping a tree stops children in reverse start order, one
 *    at a time; a nested supervisor stops its own children first.
 *  - names: a child with a name is registered in the control scheduler's
 *    registry (bl_sched_config.registry) at start; a restart rebinds the
 *    name to the new pid (bl_registry_set), so routes naming it keep
 *    working; a child that is not restarted loses its name.
 *  - crash records (crash.h): when a child exits abnormally and the tree has
 *    a crash log, the supervisor names the record with the child's
 *    registered name, or its id when it has none.
 *
 * Threads: every function here is for the control thread, the owner of the
 * control scheduler (`ctl`), between two passes of bl_sched_run (never from
 * a handler). Functions that start children may block on a worker's command
 * ring (bl_sched_spawn_on: the worker must be running its loop); bl_sup_stop
 * blocks until the tree is gone. Nothing else blocks.
 */
#ifndef BL_ACTORS_SUP_H
#define BL_ACTORS_SUP_H

#include <stdbool.h>
#include <stdint.h>

#include "actors/crash.h"
#include "actors/proc.h"
#include "actors/registry.h"
#include "actors/sched.h"

#ifdef __cplusplus
extern "C" {
#endif

enum bl_sup_strategy {
	BL_SUP_ONE_FOR_ONE = 0,
	BL_SUP_ONE_FOR_ALL,
	BL_SUP_REST_FOR_ONE,
	BL_SUP_STRATEGY_MAX
};

enum bl_sup_restart {
	BL_SUP_PERMANENT = 0,
	BL_SUP_TRANSIENT,
	BL_SUP_TEMPORARY,
	BL_SUP_RESTART_MAX
};

enum bl_sup_child_state {
	BL_SUP_CHILD_STOPPED = 0,
	BL_SUP_CHILD_RUNNING,
	BL_SUP_CHILD_STOPPING, /* shutdown sent, waiting for its exit */
	BL_SUP_CHILD_STATE_MAX
};

/* Stable names (CLI, config): "one_for_one", "permanent", "running", ... */
extern const char *const bl_sup_strategy_names[BL_SUP_STRATEGY_MAX];
extern const char *const bl_sup_restart_names[BL_SUP_RESTART_MAX];
extern const char *const bl_sup_child_state_names[BL_SUP_CHILD_STATE_MAX];

#define BL_SUP_LCORE_ANY	   UINT32_MAX	     /* the worker with the fewest processes */
#define BL_SUP_SHUTDOWN_BRUTAL	   UINT32_MAX	     /* kill at once */
#define BL_SUP_SHUTDOWN_INFINITY   (UINT32_MAX - 1u) /* wait for the exit however long */
#define BL_SUP_SHUTDOWN_DEFAULT_MS 5000u	     /* shutdown_ms 0, worker child */
#define BL_SUP_SHUTDOWN_MAX_MS	   (1u << 30)	     /* larger finite values are refused */
#define BL_SUP_PERIOD_DEFAULT_MS   5000u	     /* period_ms 0 */
#define BL_SUP_ARG_MAX		   4096u	     /* argument blob bytes */
#define BL_SUP_CHILDREN_MAX	   1024u	     /* children per supervisor */
#define BL_SUP_INTENSITY_MAX	   1024u	     /* restarts per period */
#define BL_SUP_DEPTH_MAX	   8u		     /* nesting levels below a root */
#define BL_SUP_SPAWN_TIMEOUT_MS	   2000u	     /* wait for a worker to spawn */
#define BL_SUP_DETAIL_INTENSITY	   1u		     /* reason detail of a give-up */
#define BL_SUP_INTENSITY_TEXT	   "reached_max_restart_intensity"

struct bl_sup_spec;

/*
 * One child. Either a worker (beh set) or a nested supervisor (sup set).
 * Fill with bl_sup_child_spec_init / _sup, then adjust fields.
 */
struct bl_sup_child_spec {
	char id[BL_NAME_MAX];		/* unique in its supervisor; names it in the CLI */
	char name[BL_NAME_MAX];		/* registered name, or "" for none */
	const struct bl_behaviour *beh; /* worker behaviour, or NULL with sup */
	const void *arg;		/* init argument blob: copied by bl_sup_spec_add */
	uint32_t arg_len;		/* 0: init gets NULL */
	uint32_t lcore;			/* lcore id, or BL_SUP_LCORE_ANY (ignored for sup) */
	uint32_t restart;		/* enum bl_sup_restart */
	uint32_t shutdown_ms;		/* 0: default (workers 5000, supervisors infinity) */
	struct bl_spawn_opts opts;	/* link_to is ignored: the supervisor links */
	struct bl_sup_spec *sup;	/* nested supervisor spec, or NULL */
};

/*
 * A supervisor. children is owned by the spec (bl_sup_spec_add appends deep
 * copies; bl_sup_spec_fini frees them).
 */
struct bl_sup_spec {
	char id[BL_NAME_MAX];
	uint32_t strategy;  /* enum bl_sup_strategy */
	uint32_t intensity; /* max restarts in period_ms (0: none allowed) */
	uint32_t period_ms; /* 0: BL_SUP_PERIOD_DEFAULT_MS */
	uint32_t n_children;
	uint32_t cap;
	struct bl_sup_child_spec *children;
	struct bl_crash_log *log; /* crash log to annotate; NULL: the parent's (or none) */
};

/*
 * Set up an empty spec. Any thread (no shared state). Returns 0, or -EINVAL
 * (bad id: 1..31 printable characters; strategy; intensity above
 * BL_SUP_INTENSITY_MAX).
 */
int bl_sup_spec_init(struct bl_sup_spec *spec, const char *id, uint32_t strategy,
		     uint32_t intensity, uint32_t period_ms);

/* A worker child: id, behaviour; permanent, lcore any, default shutdown, no arg. */
int bl_sup_child_spec_init(struct bl_sup_child_spec *c, const char *id,
			   const struct bl_behaviour *beh);

/* A nested supervisor child (permanent, shutdown infinity); sup is not copied yet. */
int bl_sup_child_spec_sup(struct bl_sup_child_spec *c, const char *id, struct bl_sup_spec *sup);

/* Set the registered name (-EINVAL if not 1..31 printable characters). */
int bl_sup_child_set_name(struct bl_sup_child_spec *c, const char *name);

/*
 * Append a copy of child (its arg blob and nested spec deep-copied: the
 * caller keeps its own). Pointers inside the arg blob are copied as they
 * are: what they point to must outlive the tree. Returns 0, -EINVAL (bad or
 * inconsistent field, the message-less behaviour, nesting deeper than
 * BL_SUP_DEPTH_MAX), -EEXIST (id or name already in spec), -ENOSPC
 * (BL_SUP_CHILDREN_MAX), -ENOMEM. On error spec is unchanged.
 */
int bl_sup_spec_add(struct bl_sup_spec *spec, const struct bl_sup_child_spec *child);

/* Free what the spec owns (children, blobs, nested specs). */
void bl_sup_spec_fini(struct bl_sup_spec *spec);

/* Argument of bl_supervisor_behaviour: the spec (copied at init) and its parent. */
struct bl_sup_arg {
	const struct bl_sup_spec *spec;
	uint64_t parent; /* the supervising supervisor, or BL_PID_NONE for a root */
};

extern const struct bl_behaviour bl_supervisor_behaviour;

/*
 * Start a tree on ctl: the root supervisor and, in spec order, every child
 * (nested supervisors start theirs). Copies spec. Control thread; blocks
 * while workers spawn. Returns the root's pid, or BL_PID_NONE with errno
 * (EINVAL for a bad spec or names without a registry, ENODEV for a child
 * lcore without a scheduler, or the error of the first child that failed:
 * then everything already started is killed).
 */
uint64_t bl_sup_start(struct bl_sched *ctl, const struct bl_sup_spec *spec);

/*
 * Ask supervisor sup to stop its children (reverse start order, each with
 * its shutdown timeout) and then exit with reason shutdown. Returns at once;
 * bl_sched_run(ctl) drives it. Control thread. 0, -ESRCH (not a supervisor
 * on ctl).
 */
int bl_sup_stop_begin(struct bl_sched *ctl, uint64_t sup);

/*
 * Stop a tree cleanly and wait until the root has exited, running ctl
 * meanwhile (blocking; workers must be running). After timeout_ms of real
 * time (0: no limit) every process still in the tree is killed and
 * -ETIMEDOUT returned. Control thread. 0, -ESRCH, -ETIMEDOUT.
 */
int bl_sup_stop(struct bl_sched *ctl, uint64_t root, unsigned timeout_ms);

/*
 * One child by id, anywhere in the tree under root (the first match, depth
 * first; keep ids unique in a tree for the CLI). Control thread.
 *  start:   start a stopped child (blocks while a worker spawns). 0,
 *	     -EALREADY (running or stopping), spawn errors.
 *  stop:    begin stopping a running child (shutdown, then kill after its
 *	     timeout); it stays stopped and loses its name. 0, -ESRCH (not
 *	     running).
 *  restart: stop it if running, then start it again; its name moves. 0.
 * All: -ENOENT (no such id), -EBUSY (the supervisor is in the middle of a
 * restart or shutdown: try again after a few passes), -ESRCH (no tree).
 */
int bl_sup_child_start(struct bl_sched *ctl, uint64_t root, const char *id);
int bl_sup_child_stop(struct bl_sched *ctl, uint64_t root, const char *id);
int bl_sup_child_restart(struct bl_sched *ctl, uint64_t root, const char *id);

/* The pid of child id under root now, or BL_PID_NONE. Control thread. */
uint64_t bl_sup_whereis(struct bl_sched *ctl, uint64_t root, const char *id);

/* One node of a tree, for `beamctl sup`. */
struct bl_sup_node {
	uint32_t depth; /* 0: the root */
	bool is_sup;
	char id[BL_NAME_MAX];
	char name[BL_NAME_MAX]; /* registered name or "" */
	uint64_t pid;		/* BL_PID_NONE when not running */
	uint64_t parent;	/* supervising pid; BL_PID_NONE for the root */
	const char *behaviour;	/* static name */
	uint32_t lcore;		/* where it runs, or the spec's (maybe BL_SUP_LCORE_ANY) */
	uint32_t restart;	/* enum bl_sup_restart */
	uint32_t restarts;	/* restarts so far */
	uint32_t strategy;	/* enum bl_sup_strategy, supervisors only */
	uint32_t state;		/* enum bl_sup_child_state */
};

/*
 * Walk the tree under root depth first (a supervisor before its children,
 * children in start order), calling cb per node until it returns non-zero.
 * A nested supervisor that is not running shows its spec's children, not
 * running. Control thread. Returns the number of nodes visited, or -ESRCH.
 */
int bl_sup_walk(struct bl_sched *ctl, uint64_t root,
		int (*cb)(const struct bl_sup_node *n, void *arg), void *arg);

/* bl_sup_walk into an array: up to max nodes; *n gets the count written. */
int bl_sup_tree(struct bl_sched *ctl, uint64_t root, struct bl_sup_node *out, unsigned max,
		unsigned *n);

#ifdef __cplusplus
}
#endif

#endif /* BL_ACTORS_SUP_H */
