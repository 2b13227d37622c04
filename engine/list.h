/* list.h - intrusive circular doubly linked lists (no allocation per insert). */
#ifndef LT_LIST_H
#define LT_LIST_H

#include <stddef.h>

typedef struct lt_list_s {
  struct lt_list_s *next, *prev;
} lt_list_t;

#define lt_container_of(ptr, type, field) \
  ((type *)((char *)(ptr) - offsetof(type, field)))

static inline void lt_list_init(lt_list_t *l) { l->next = l->prev = l; }
static inline int lt_list_empty(const lt_list_t *l) { return l->next == l; }
/* A node that is in no list points at itself (after lt_list_init or lt_list_remove). */
static inline int lt_list_linked(const lt_list_t *n) { return n->next != n; }

static inline void lt_list_push(lt_list_t *head, lt_list_t *n) {  /* at the tail */
  n->prev = head->prev;
  n->next = head;
  head->prev->next = n;
  head->prev = n;
}

static inline void lt_list_remove(lt_list_t *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->next = n->prev = n;
}

/* Moves every node of 'from' to the end of 'to'; 'from' becomes empty. */
static inline void lt_list_splice(lt_list_t *to, lt_list_t *from) {
  if (lt_list_empty(from)) return;
  from->next->prev = to->prev;
  to->prev->next = from->next;
  from->prev->next = to;
  to->prev = from->prev;
  lt_list_init(from);
}

#endif
