/* scope.c - cancel scopes: the scope tree, shielding, deadline registration.
** Effective cancellation is computed by walking up to the nearest shield (trees
** are shallow); cancelling walks down the subtree to abort parked tasks. */
#include "scope.h"

#include <errno.h>
#include <math.h>

#include "loop.h"

void lt_scope_init(lt_scope_t *s, double deadline, int shield) {
  s->parent = NULL;
  lt_list_init(&s->children);
  lt_list_init(&s->child_node);
  lt_list_init(&s->tasks);
  s->deadline = deadline;
  s->heap_index = -1;
  s->shield = shield != 0;
  s->cancel_called = 0;
  s->cancel_source = LT_CANCEL_NONE;
  s->cancelled_caught = 0;
  s->entered = 0;
  s->active = 0;
}

int lt_scope_cancelled(const lt_scope_t *s) {
  for (; s != NULL; s = s->parent) {
    if (s->cancel_called) return 1;
    if (s->shield) return 0;
  }
  return 0;
}

double lt_scope_effective_deadline(const lt_scope_t *s) {
  if (lt_scope_cancelled(s)) return -INFINITY;
  double d = INFINITY;
  for (; s != NULL; s = s->parent) {
    if (s->deadline < d) d = s->deadline;
    if (s->shield) break;
  }
  return d;
}

/* Aborts the wait of every task parked under 's', down to shielded subscopes. */
static void abort_subtree(lt_scope_t *s) {
  lt_list_t *n, *next;
  for (n = s->tasks.next; n != &s->tasks; n = next) {
    next = n->next;
    lt_task_t *t = lt_container_of(n, lt_task_t, scope_node);
    if (t->state == LT_TASK_PARKED) lt_task_abort(t, LT_ECANCELLED);
  }
  for (n = s->children.next; n != &s->children; n = next) {
    next = n->next;
    lt_scope_t *c = lt_container_of(n, lt_scope_t, child_node);
    if (!c->shield && !c->cancel_called) abort_subtree(c);
  }
}

/* Puts 's' in the heap, cancels it, or takes it out, as its deadline says. */
static void register_deadline(lt_scope_t *s) {
  lt_run_t *r = lt_run_current();
  if (r == NULL || !s->active || s->cancel_called) return;
  if (s->deadline <= lt_run_now(r)) {
    lt_scope_cancel(s, LT_CANCEL_DEADLINE);
  } else if (s->deadline < INFINITY) {
    lt_deadlines_update(&r->deadlines, s);  /* room was reserved; the timer is armed from the heap before blocking */
  } else {
    lt_deadlines_remove(&r->deadlines, s);
  }
}

static unsigned long long entries;  /* scopes entered so far */

unsigned long long lt_scope_entries(void) { return entries; }

static void activate(lt_scope_t *s, lt_scope_t *parent) {
  s->entry_order = ++entries;
  s->entered = 1;
  s->active = 1;
  s->parent = parent;
  if (parent != NULL) lt_list_push(&parent->children, &s->child_node);
  register_deadline(s);
}

/* 0 if registering 's' with its deadline cannot fail for lack of heap room. */
static int reserve_deadline(const lt_scope_t *s, double deadline) {
  lt_run_t *r = lt_run_current();
  if (r == NULL || s->cancel_called || s->heap_index >= 0 || deadline == INFINITY) return 0;
  return lt_deadlines_reserve(&r->deadlines);
}

int lt_scope_enter(lt_scope_t *s, lt_task_t *t) {
  if (s->entered) return LT_ERUNTIME;
  if (reserve_deadline(s, s->deadline) != 0) return -ENOMEM;
  activate(s, t->scope);
  lt_list_remove(&t->scope_node);
  lt_list_push(&s->tasks, &t->scope_node);
  t->scope = s;
  return 0;
}

void lt_scope_open(lt_scope_t *s, lt_scope_t *parent) { activate(s, parent); }

int lt_scope_close(lt_scope_t *s, int cancelled) {
  lt_scope_cancel_called(s);
  int visible_above = !s->shield && s->parent != NULL && lt_scope_cancelled(s->parent);
  int catches = lt_scope_cancelled(s) && !visible_above;
  if (cancelled && catches) s->cancelled_caught = 1;
  lt_run_t *r = lt_run_current();
  if (r != NULL) lt_deadlines_remove(&r->deadlines, s);
  lt_list_remove(&s->child_node);
  s->active = 0;
  s->parent = NULL;
  return catches;
}

int lt_scope_exit(lt_scope_t *s, lt_task_t *t, int cancelled) {
  lt_scope_t *parent = s->parent;
  int catches = lt_scope_close(s, cancelled);
  lt_list_remove(&t->scope_node);
  lt_list_push(&parent->tasks, &t->scope_node);
  t->scope = parent;
  return catches;
}

void lt_scope_reparent(lt_scope_t *s, lt_scope_t *parent) {
  lt_list_remove(&s->child_node);
  s->parent = parent;
  lt_list_push(&parent->children, &s->child_node);
  if (!s->shield && !s->cancel_called && lt_scope_cancelled(parent)) abort_subtree(s);
}

void lt_scope_interrupt_all(lt_scope_t *s) {
  lt_list_t *n, *next;
  for (n = s->tasks.next; n != &s->tasks; n = next) {
    next = n->next;
    lt_task_interrupt(lt_container_of(n, lt_task_t, scope_node));
  }
  for (n = s->children.next; n != &s->children; n = next) {
    next = n->next;
    lt_scope_interrupt_all(lt_container_of(n, lt_scope_t, child_node));
  }
}

void lt_scope_cancel(lt_scope_t *s, int source) {
  if (s->cancel_called) return;
  s->cancel_called = 1;
  s->cancel_source = (unsigned)source;
  lt_run_t *r = lt_run_current();
  if (r != NULL) lt_deadlines_remove(&r->deadlines, s);
  if (s->active) abort_subtree(s);
}

int lt_scope_set_deadline(lt_scope_t *s, double deadline) {
  if (s->active && reserve_deadline(s, deadline) != 0) return -ENOMEM;
  s->deadline = deadline;
  register_deadline(s);
  return 0;
}

void lt_scope_set_shield(lt_scope_t *s, int shield) {
  s->shield = shield != 0;
  if (s->active && !s->shield && lt_scope_cancelled(s)) abort_subtree(s);
}

int lt_scope_cancel_called(lt_scope_t *s) {
  if (!s->cancel_called) {
    lt_run_t *r = lt_run_current();
    if (r != NULL && (s->active || !s->entered) && s->deadline <= lt_run_now(r)) {
      if (s->active) {
        lt_scope_cancel(s, LT_CANCEL_DEADLINE);
      } else {
        s->cancel_called = 1;
        s->cancel_source = LT_CANCEL_DEADLINE;
      }
    }
  }
  return s->cancel_called;
}

lt_scope_t *lt_scope_cancelling(const lt_task_t *t) {
  lt_scope_t *found = NULL;
  for (lt_scope_t *s = t->scope; s != NULL; s = s->parent) {
    if (s->cancel_called) found = s;
    if (s->shield) break;
  }
  return found;
}
