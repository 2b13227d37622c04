/* deadline.h - the run's min-heap of active, uncancelled scopes with finite deadlines. */
#ifndef LT_DEADLINE_H
#define LT_DEADLINE_H

#include "scope.h"

typedef struct {
  lt_scope_t **items;
  int len, cap;
} lt_deadlines_t;

void lt_deadlines_init(lt_deadlines_t *h);
void lt_deadlines_free(lt_deadlines_t *h);
/* Makes room for one more entry, so that the next insert cannot fail. 0 or -ENOMEM. */
int lt_deadlines_reserve(lt_deadlines_t *h);
/* Inserts or repositions 's' after its deadline changed. 0 or -ENOMEM. */
int lt_deadlines_update(lt_deadlines_t *h, lt_scope_t *s);
void lt_deadlines_remove(lt_deadlines_t *h, lt_scope_t *s);
/* The earliest entry, or NULL. */
lt_scope_t *lt_deadlines_top(const lt_deadlines_t *h);

#endif
