/* task.c - parking and rescheduling tasks (Trio's wait_task_rescheduled). */
#include "task.h"

#include <assert.h>

#include "loop.h"
#include "scope.h"

void lt_task_start(lt_task_t *t, lt_scope_t *scope) {
  lt_run_t *r = lt_run_current();
  lt_list_init(&t->run_node);
  lt_list_init(&t->wait_node);
  lt_list_init(&t->scope_node);
  t->scope = scope;
  lt_list_push(&scope->tasks, &t->scope_node);
  t->abort_cb = NULL;
  t->abort_data = NULL;
  t->wait_key = 0;
  t->outcome = 0;
  t->interrupt = 0;
  t->state = LT_TASK_RUNNABLE;
  lt_list_push(&r->runq, &t->run_node);
  r->tasks_living++;
}

void lt_task_finish(lt_task_t *t) {
  lt_run_t *r = lt_run_current();
  lt_list_remove(&t->scope_node);
  lt_list_remove(&t->run_node);
  t->state = LT_TASK_DONE;
  t->scope = NULL;
  if (r != NULL) r->tasks_living--;
}

int lt_task_cancelled(const lt_task_t *t) {
  return t->interrupt || lt_scope_cancelled(t->scope);
}

int lt_task_check(lt_task_t *t) {
  lt_run_poll_interrupt();
  if (t->interrupt) {
    t->interrupt = 0;
    return LT_EINTERRUPT;
  }
  return lt_scope_cancelled(t->scope) ? LT_ECANCELLED : 0;
}

void lt_task_interrupt(lt_task_t *t) {
  if (t->state == LT_TASK_DONE) return;
  t->interrupt = 1;
  if (t->state == LT_TASK_PARKED && lt_task_abort(t, LT_EINTERRUPT)) t->interrupt = 0;
}

void lt_task_park(lt_task_t *t, lt_abort_cb cb, void *data) {
  t->state = LT_TASK_PARKED;
  t->abort_cb = cb;
  t->abort_data = data;
  if (t->interrupt) {
    if (lt_task_abort(t, LT_EINTERRUPT)) t->interrupt = 0;
  } else if (lt_scope_cancelled(t->scope)) {
    lt_task_abort(t, LT_ECANCELLED);
  }
}

void lt_task_reschedule(lt_task_t *t, int outcome) {
  assert(t->state == LT_TASK_PARKED);
  t->abort_cb = NULL;
  t->abort_data = NULL;
  t->outcome = outcome;
  t->state = LT_TASK_RUNNABLE;
  lt_list_push(&lt_run_current()->runq, &t->run_node);
}

void lt_task_yield(lt_task_t *t) {
  t->outcome = 0;
  t->state = LT_TASK_RUNNABLE;
  lt_list_push(&lt_run_current()->runq, &t->run_node);
}

int lt_task_abort(lt_task_t *t, int err) {
  if (t->state != LT_TASK_PARKED || t->abort_cb == NULL) return 0;
  if (!t->abort_cb(t, t->abort_data, err)) return 0;
  lt_task_reschedule(t, err);
  return 1;
}

int lt_abort_always(lt_task_t *task, void *data, int err) {
  (void)task, (void)data, (void)err;
  return 1;
}

int lt_abort_never(lt_task_t *task, void *data, int err) {
  (void)task, (void)data, (void)err;
  return 0;
}
