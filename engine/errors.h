/* errors.h - engine result codes: 0, a negative errno, or one of the LT_E* codes below.
** The LT_E* codes sit far below any errno so the two never collide. */
#ifndef LT_ERRORS_H
#define LT_ERRORS_H

enum {
  LT_ECANCELLED = -20001,  /* the task's cancel scope was cancelled (Cancelled) */
  LT_ECLOSED = -20002,     /* the resource was closed, maybe while we waited (ClosedResourceError) */
  LT_EBUSY = -20003,       /* another task already waits in this direction (BusyResourceError) */
  LT_EINTERRUPT = -20004,  /* Ctrl-C delivered to the main task (KeyboardInterrupt) */
  LT_EGAI = -20005,        /* name resolution failed; the EAI_* code travels separately */
  LT_EWOULDBLOCK = -20006, /* a *_nowait call could not proceed (WouldBlock) */
  LT_ERUNTIME = -20007     /* misuse (RuntimeError) */
};

/* A short constant description of 'err' (strerror for errnos). */
const char *lt_strerror(int err);

#endif
