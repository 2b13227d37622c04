/* task.h - tasks, parking and rescheduling: Trio's wait_task_rescheduled in C.
** A task is owned by its creator (the bindings embed it in a Lua userdata); the
** engine only links it into the run queue and into its innermost scope. */
#ifndef LT_TASK_H
#define LT_TASK_H

#include "errors.h"
#include "list.h"

typedef struct lt_task_s lt_task_t;
typedef struct lt_scope_s lt_scope_t;

/* Called when a parked task's scope becomes cancelled (or Ctrl-C arrives, err ==
** LT_EINTERRUPT). Returns 1 if the wait was abandoned: the engine then wakes the task
** with 'err'. Returns 0 to refuse: the owner of the wait must reschedule it later. The
** callback must undo its own registration (remove the task from its waiter slot). */
typedef int (*lt_abort_cb)(lt_task_t *task, void *data, int err);

enum { LT_TASK_NEW, LT_TASK_RUNNABLE, LT_TASK_RUNNING, LT_TASK_PARKED, LT_TASK_DONE };

struct lt_task_s {
  lt_list_t run_node;    /* in the run queue while RUNNABLE */
  lt_list_t scope_node;  /* in scope->tasks while the task lives */
  lt_list_t wait_node;   /* free for whoever parks the task (waiter lists) */
  lt_scope_t *scope;     /* innermost cancel scope; never NULL once started */
  lt_abort_cb abort_cb;  /* set while PARKED; NULL otherwise */
  void *abort_data;
  double wait_key;       /* free for whoever parks the task (e.g. a cushion) */
  int outcome;           /* 0 or an error code, given by lt_task_reschedule */
  unsigned char state;   /* LT_TASK_* */
  unsigned char interrupt; /* a Ctrl-C is pending for this task */
};

/* Makes 't' a task of the current run, attached to 'scope' (its nursery's scope,
** or the run's root scope), and schedules its first step. */
void lt_task_start(lt_task_t *t, lt_scope_t *scope);

/* Detaches a finished task from its scope; the run stops counting it. */
void lt_task_finish(lt_task_t *t);

/* Parks the running task 't'. If it is already effectively cancelled, 'cb' is tried
** at once (so the task may be runnable again when this returns). The bindings then
** yield the coroutine; the next step delivers t->outcome. */
void lt_task_park(lt_task_t *t, lt_abort_cb cb, void *data);

/* Makes a PARKED task runnable in the next batch with 'outcome' (0 or an error
** code); clears its abort callback. Never runs Lua; safe from any libuv callback. */
void lt_task_reschedule(lt_task_t *t, int outcome);

/* Schedule point: the running task 't' is runnable again in the next batch. The
** bindings yield right after. */
void lt_task_yield(lt_task_t *t);

/* 1 if the task's innermost scope is effectively cancelled, or a Ctrl-C is pending. */
int lt_task_cancelled(const lt_task_t *t);

/* LT_EINTERRUPT if a Ctrl-C is pending for 't' (and clears it), LT_ECANCELLED if its
** scope is effectively cancelled, else 0. The check of checkpoint_if_cancelled. */
int lt_task_check(lt_task_t *t);

/* Tries the abort callback of a parked task with 'err'; returns 1 if it was woken. */
int lt_task_abort(lt_task_t *t, int err);

/* Delivers a Ctrl-C to 't': a parked task whose wait can be abandoned is woken with
** LT_EINTERRUPT, any other gets it at its next checkpoint. */
void lt_task_interrupt(lt_task_t *t);

/* Abort callback that always succeeds (sleep_forever, checkpoints). */
int lt_abort_always(lt_task_t *task, void *data, int err);
/* Abort callback that always refuses (a nursery waiting for its children). */
int lt_abort_never(lt_task_t *task, void *data, int err);

#endif
