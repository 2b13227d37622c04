/* loop.h - the process's libuv loop and the run loop: batches of runnable tasks,
** I/O polling, deadline expiry, the clock (system or mock), idle detection for
** wait_all_tasks_blocked and autojump, and Ctrl-C delivery. One run at a time. */
#ifndef LT_LOOP_H
#define LT_LOOP_H

#include <stdint.h>
#include <uv.h>

#include "deadline.h"
#include "scope.h"
#include "task.h"

/* Runs one step of a runnable task (the bindings resume its coroutine). */
typedef void (*lt_step_cb)(lt_task_t *t, void *ud);

typedef struct {
  int mock;                 /* 0: system clock; 1: MockClock */
  double rate;              /* mock: virtual seconds per real second */
  double autojump;          /* mock: real seconds idle before jumping; INFINITY: never */
  double virt_base;         /* mock: virtual time at real_base */
  uint64_t real_base;       /* mock: uv_hrtime() when virt_base was taken */
} lt_clock_t;

typedef struct lt_run_s {
  lt_list_t runq;           /* RUNNABLE tasks, in order */
  lt_deadlines_t deadlines;
  lt_scope_t root;          /* the run's root scope */
  lt_clock_t clock;
  lt_list_t idle_waiters;   /* tasks in wait_all_tasks_blocked (wait_node, wait_key = cushion) */
  lt_task_t *main;          /* receives Ctrl-C */
  lt_step_cb step;
  void *step_ud;
  /* Optional: asks the bindings to prefetch the state of a task that runs 'ahead'
  ** (1 or 2) steps later in the current batch. */
  void (*prefetch)(lt_task_t *t, int ahead);
  int stop;                 /* set by the bindings when the main task is done */
  int interrupted_late;     /* Ctrl-C came after the main task ended (orphans still ran) */
  uint64_t events;          /* libuv callbacks seen; unchanged across a poll == idle */
  uint64_t last_poll;       /* uv_hrtime() of the last poll */
  int batches_since_poll;
  long tasks_living;
  long tasks_runnable;
} lt_run_t;

/* The process's loop, created on first use and reused by every run. NULL on failure. */
uv_loop_t *lt_loop_uv(void);

/* The active run, or NULL outside trio.run. */
lt_run_t *lt_run_current(void);

/* Starts a run with 'clock' (NULL: system clock). -EBUSY if one is active. */
int lt_run_begin(lt_run_t *r, const lt_clock_t *clock, lt_step_cb step, void *ud);
/* Runs batches until r->stop is set. Returns 0. */
int lt_run_loop(lt_run_t *r);
/* Ends the run; the loop stays for later runs. */
void lt_run_end(lt_run_t *r);

/* Current time on the run's clock (seconds). */
double lt_run_now(const lt_run_t *r);
/* Mock clock controls (-EINVAL if the run's clock is not a mock). */
void lt_clock_jump(lt_run_t *r, double seconds);
void lt_clock_set_rate(lt_clock_t *c, double rate);
void lt_clock_init_mock(lt_clock_t *c, double rate, double autojump);

/* Called by engine libuv callbacks so idle detection sees activity. */
void lt_run_note_event(void);

/* Parks 't' until every other task is blocked for 'cushion' real seconds. */
void lt_run_wait_idle(lt_run_t *r, lt_task_t *t, double cushion);

/* Async-signal-safe: records a Ctrl-C and wakes the loop. A second Ctrl-C before
** the first was delivered calls 'hook' (set by lt_run_set_interrupt_hook) from the
** signal handler, so the bindings can stop Lua code that never checkpoints; the hook
** returns 1 if it did, and the pending Ctrl-C is then the one it raises. */
void lt_run_interrupt(void);
void lt_run_set_interrupt_hook(int (*hook)(void));
/* Delivers a Ctrl-C that arrived but has not reached a task yet (the loop delivers it
** at its next turn): a checkpoint of the main task raises it at once, as Trio's. */
void lt_run_poll_interrupt(void);
/* Wakes the loop from another thread (async-signal-safe too). */
void lt_loop_wakeup(void);

#endif
