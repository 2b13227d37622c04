/* l_task.h - binding-internal view of tasks and nurseries (shared by l_task.c,
** l_nursery.c, l_run.c). */
#ifndef L_TASK_H
#define L_TASK_H

#include <stdint.h>

#include "../engine/loop.h"
#include "../engine/scope.h"
#include "l_common.h"

#define TASK_MT "ltrio.Task"
#define NURSERY_MT "ltrio.Nursery"
#define SCOPE_MT "ltrio.CancelScope"
/* User values of a task: its thread (before it starts: its one argument, or a table of
** its arguments) and its function. Its nursery needs none: it stays anchored while open
** (l_pushanchored finds it); Nursery:start statuses live in a registry table. */
#define TASK_UV 2

typedef struct l_nursery_s l_nursery_t;

typedef struct {
  l_task_t base;
  l_nursery_t *nursery;   /* the nursery it belongs to; NULL for the main task */
  int ref;                /* registry reference anchoring the live task */
  /* memory its next step touches first, for l_task_prefetch: offsets from its
  ** lua_State (heap objects lie within 2 GiB of each other; 0: none) */
  int32_t hint[4];
  /* before the first step: the arguments for the first resume (a Lua stack holds
  ** fewer than 2^28); while it waits: its stack top, for l_yield_back */
  unsigned nargs : 28;
  unsigned proper_yield : 1;    /* the last yield came from an ltrio async call */
  unsigned has_exit_set : 1;    /* has an entry in the registry's EXIT_SETS (core.on_exit) */
  unsigned close_first_arg : 1; /* closes its function's first argument when it ends */
  unsigned carries_cancel : 1;  /* carries a dropped Cancelled with its error (l_nursery.c) */
} task_t;

void l_task_prefetch(lt_task_t *t, int ahead);

/* A new table with weak keys in registry field 'name'. */
void l_set_weak_keyed(lua_State *L, const char *name);

/* Cancels the scope whose userdata is at 'idx' for 'source' (LT_CANCEL_*); the first
** cancel also records 'reason' and the task 'by' (each may be NULL) for its Cancelled. */
void l_scope_cancel_for(lua_State *L, int idx, int source, const char *reason, l_task_t *by);

#define L_IS_MAIN(t) ((t)->nursery == NULL)

typedef struct {
  lt_scope_t s;
  int ref;                /* anchors the scope's owner (itself, or its nursery) while active */
  l_nursery_t *nursery;   /* the nursery this is the scope of, or NULL */
} scope_ud_t;

struct l_nursery_s {
  lt_scope_t *scope;      /* inside the nursery's CancelScope userdata (user value 2) */
  int nchildren;
  int pending_starts;
  int closed;
  int interrupted;        /* Ctrl-C arrived while the parent waited for children */
  int nerrors;            /* errors recorded so far */
  int errors_before_interrupt;  /* of those, how many came before the Ctrl-C */
  int saw_cancelled;      /* a child or the body ended by Cancelled */
  lt_task_t *waiter;      /* the parent, parked until nchildren == 0 */
  int orphaned;           /* its parent task ended without waiting: the last child closes it */
  l_nursery_t *holder;    /* orphaned: the nursery it counts as a child of (kept open), or NULL */
};

/* Pushes a new CancelScope userdata, not entered (l_scope.c).  [-0, +1, m] */
scope_ud_t *l_newscope(lua_State *L, double deadline, int shield);

/* Anchors the value at 'idx' in the registry while an engine structure points into
** it (an entered scope); returns the reference. May raise a memory error. */
int l_anchor(lua_State *L, int idx);
void l_unanchor(lua_State *L, int *ref);  /* and sets *ref to LUA_NOREF */
/* Records the start status at 'status' of the task at 'task' (Nursery:start). */
void l_set_start_status(lua_State *L, int task, int status);
/* Pushes the value anchored under 'ref'. */
void l_pushanchored(lua_State *L, int ref);

extern const void *l_task_mt;  /* the Task metatable (l_testudata) */

/* Pushes the userdata of a live task. */
void l_pushtask(lua_State *L, task_t *t);
/* At the end of a run: forgets the references of finished tasks and trims the
** pool of idle threads, so that memory returns to where it was. */
void l_task_run_ended(lua_State *L);
/* Leaves every scope task 'et' still has open inside 'base' (l_task.c). A nursery
** that still has children moves under 'base' and counts as a child of 'holder' (the
** nursery whose scope 'base' is, or NULL), which so stays open until it closes. */
void l_leave_scopes(lua_State *L, lt_task_t *et, lt_scope_t *base, l_nursery_t *holder);
/* 1 if task 't' carries a Cancelled with the error at 'err'; l_carried_clear forgets
** what it carries (l_nursery.c). */
int l_carries(lua_State *L, task_t *t, int err);
void l_carried_clear(lua_State *L, task_t *t);
/* Scope 's' of task 't', which catches a Cancelled, was left ('passing': with the error
** 't' carries): the carry ends if that error left it or was caught inside it. */
void l_carry_scope_caught(lua_State *L, task_t *t, const lt_scope_t *s, int passing);
/* The running task of the current step, or NULL. */
task_t *l_running(void);
/* Creates a task running fn (at index 'fn') with the 'nargs' values above it,
** attached to 'n' (NULL: main task under the run's root scope). Pops fn and args;
** pushes the task userdata. The task gets its coroutine at its first step, so a
** burst of start_soon reuses the threads of tasks that already finished. */
task_t *l_spawn(lua_State *L, l_nursery_t *n, int fn, int nargs);
/* Records a finished child in its nursery (error at 'err_idx' or 0). */
void l_nursery_child_done(lua_State *L, task_t *t, int err_idx);
/* Pushes {value, name, traceback} of the task where the error at 'err' was first
** raised in this run, or nil. */
void l_task_errinfo(lua_State *L, int err);
/* The task message handler (records tracebacks). */
int l_task_msgh(lua_State *L);

void l_task_open(lua_State *L);
void l_scope_open(lua_State *L);
void l_nursery_open(lua_State *L);
void l_run_open(lua_State *L);
void l_errors_open(lua_State *L);

#endif
