/* deadline.c - binary min-heap of scopes keyed by deadline; each scope records
** its slot so that a changed or cancelled scope is repositioned or removed in
** O(log n) (no lazy entries pile up). */
#include "deadline.h"

#include <errno.h>
#include <stdlib.h>

void lt_deadlines_init(lt_deadlines_t *h) {
  h->items = NULL;
  h->len = h->cap = 0;
}

void lt_deadlines_free(lt_deadlines_t *h) {
  for (int i = 0; i < h->len; i++) h->items[i]->heap_index = -1;
  free(h->items);
  lt_deadlines_init(h);
}

static void place(lt_deadlines_t *h, int i, lt_scope_t *s) {
  h->items[i] = s;
  s->heap_index = i;
}

static void sift_up(lt_deadlines_t *h, int i) {
  lt_scope_t *s = h->items[i];
  while (i > 0) {
    int parent = (i - 1) / 2;
    if (h->items[parent]->deadline <= s->deadline) break;
    place(h, i, h->items[parent]);
    i = parent;
  }
  place(h, i, s);
}

static void sift_down(lt_deadlines_t *h, int i) {
  lt_scope_t *s = h->items[i];
  for (;;) {
    int child = 2 * i + 1;
    if (child >= h->len) break;
    if (child + 1 < h->len && h->items[child + 1]->deadline < h->items[child]->deadline)
      child++;
    if (s->deadline <= h->items[child]->deadline) break;
    place(h, i, h->items[child]);
    i = child;
  }
  place(h, i, s);
}

int lt_deadlines_reserve(lt_deadlines_t *h) {
  if (h->len < h->cap) return 0;
  int cap = h->cap ? h->cap * 2 : 64;
  lt_scope_t **items = realloc(h->items, (size_t)cap * sizeof *items);
  if (items == NULL) return -ENOMEM;
  h->items = items;
  h->cap = cap;
  return 0;
}

int lt_deadlines_update(lt_deadlines_t *h, lt_scope_t *s) {
  if (s->heap_index < 0) {
    if (lt_deadlines_reserve(h) != 0) return -ENOMEM;
    place(h, h->len++, s);
    sift_up(h, s->heap_index);
  } else {
    sift_up(h, s->heap_index);
    sift_down(h, s->heap_index);
  }
  return 0;
}

void lt_deadlines_remove(lt_deadlines_t *h, lt_scope_t *s) {
  int i = s->heap_index;
  if (i < 0) return;
  s->heap_index = -1;
  lt_scope_t *last = h->items[--h->len];
  if (i == h->len) return;
  place(h, i, last);
  sift_up(h, i);
  sift_down(h, last->heap_index);
}

lt_scope_t *lt_deadlines_top(const lt_deadlines_t *h) {
  return h->len ? h->items[0] : NULL;
}
