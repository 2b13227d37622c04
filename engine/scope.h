/* scope.h - cancel scopes: the scope tree, shielding, deadline registration.
** A scope is owned by its creator. While active it is linked under its parent and
** holds the tasks whose innermost scope it is. */
#ifndef LT_SCOPE_H
#define LT_SCOPE_H

#include "list.h"
#include "task.h"

/* What cancelled a scope first (Trio's Cancelled.source). */
enum { LT_CANCEL_NONE, LT_CANCEL_EXPLICIT, LT_CANCEL_DEADLINE, LT_CANCEL_NURSERY, LT_CANCEL_INTERRUPT,
       LT_CANCEL_UNKNOWN };

struct lt_scope_s {
  lt_scope_t *parent;     /* enclosing scope while active, else NULL */
  lt_list_t children;     /* active scopes whose parent is this one */
  lt_list_t child_node;   /* in parent->children while active */
  lt_list_t tasks;        /* tasks whose innermost scope is this one */
  double deadline;        /* absolute time on the run's clock; INFINITY for none */
  int heap_index;         /* slot in the run's deadline heap, -1 when absent */
  unsigned shield : 1;
  unsigned cancel_called : 1;
  unsigned cancelled_caught : 1;
  unsigned entered : 1;   /* was ever entered (scopes are single use) */
  unsigned active : 1;    /* entered and not yet exited */
  unsigned cancel_source : 3;  /* LT_CANCEL_*: what cancelled it first */
  unsigned long long entry_order;  /* lt_scope_entries() when it was entered */
};

/* How many scopes have been entered so far (in the process): a scope of a task's
** chain entered at or before a given count was on the chain at that count. */
unsigned long long lt_scope_entries(void);

void lt_scope_init(lt_scope_t *s, double deadline, int shield);

/* Enters 's' on task 't' (s becomes t's innermost scope). LT_ERUNTIME if 's' was
** entered before, -ENOMEM if its deadline finds no room in the heap (nothing
** changed then). A deadline already past cancels it at once. Not a checkpoint. */
int lt_scope_enter(lt_scope_t *s, lt_task_t *t);

/* Enters 's' as the root scope of a run or as a nursery scope below 'parent' without
** moving any task into it (children are attached with lt_task_start). */
void lt_scope_open(lt_scope_t *s, lt_scope_t *parent);

/* Leaves 's' (t's innermost scope) and returns 1 if a Cancelled leaving it should be
** caught here: 's' is effectively cancelled and its parent's cancellation is not
** visible to it. Records cancelled_caught when 'cancelled' is set and it catches. */
int lt_scope_exit(lt_scope_t *s, lt_task_t *t, int cancelled);

/* Closes a scope opened with lt_scope_open (no task inside any more). Same result. */
int lt_scope_close(lt_scope_t *s, int cancelled);

/* Moves the open scope 's', with everything below it, under 'parent'; the tasks
** parked below it that the move puts under a cancellation are woken, as a cancel would. */
void lt_scope_reparent(lt_scope_t *s, lt_scope_t *parent);

/* Delivers a Ctrl-C to every task below 's', shields included (what the main task
** would get); for the tasks left once the main task has ended. */
void lt_scope_interrupt_all(lt_scope_t *s);

/* Cancels 's' for 'source' (LT_CANCEL_*, kept from the first call): every task parked
** under it (not behind a shield) gets its abort callback. Idempotent; never runs Lua. */
void lt_scope_cancel(lt_scope_t *s, int source);

/* The scope whose cancellation a Cancelled raised in 't' now comes from: the
** outermost cancelled scope of its chain that no shield hides. NULL if none. */
lt_scope_t *lt_scope_cancelling(const lt_task_t *t);

/* Changes take effect at once (an earlier deadline re-arms the timer; dropping the
** shield aborts waits that the outer cancellation now reaches). set_deadline returns
** 0, or -ENOMEM with the deadline unchanged. */
int lt_scope_set_deadline(lt_scope_t *s, double deadline);
void lt_scope_set_shield(lt_scope_t *s, int shield);

/* 1 if cancel_called here, or an ancestor is cancelled and no shield stands between. */
int lt_scope_cancelled(const lt_scope_t *s);

/* min of deadlines up to the nearest shield; -INFINITY when effectively cancelled. */
double lt_scope_effective_deadline(const lt_scope_t *s);

/* cancel_called, updated first from the deadline if the clock has passed it (while
** the scope is active or not yet entered, as Trio: an exited scope keeps its value). */
int lt_scope_cancel_called(lt_scope_t *s);

#endif
