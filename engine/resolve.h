/* resolve.h - name lookups: a synchronous numeric-only getaddrinfo, and
** getaddrinfo / getnameinfo / getprotobyname on libuv's thread pool. A lookup
** whose task is cancelled is abandoned: the task leaves at once, the request lives
** on and is freed by its callback, even if that runs after the run ended. IDNA 2008
** (UTS 46, non-transitional) through libidn2. Error codes are the platform's EAI_*. */
#ifndef LT_RESOLVE_H
#define LT_RESOLVE_H

#include <netdb.h>
#include <uv.h>

#include "task.h"

enum { LT_LOOKUP_ADDRINFO, LT_LOOKUP_NAMEINFO, LT_LOOKUP_PROTO };

typedef struct lt_lookup_s {
  union {
    uv_getaddrinfo_t gai;
    uv_getnameinfo_t gni;
    uv_work_t work;
  } req;
  lt_task_t *task;          /* the waiting task; NULL once abandoned */
  int kind;                 /* LT_LOOKUP_* */
  int status;               /* 0 or the platform's EAI_* code */
  int sys_errno;            /* the errno when status == EAI_SYSTEM */
  struct addrinfo *res;     /* ADDRINFO result, owned by the lookup */
  char host[NI_MAXHOST];    /* NAMEINFO results */
  char serv[NI_MAXSERV];
  char name[256];           /* PROTO: the name in; 'proto' out */
  int proto;
} lt_lookup_t;

/* getaddrinfo with AI_NUMERICHOST|AI_NUMERICSERV added, in this thread. Returns 0
** (and *res, freed with freeaddrinfo) or an EAI_* code (EAI_NONAME: not numeric). */
int lt_resolve_numeric(const char *host, const char *serv, const struct addrinfo *hints,
                       struct addrinfo **res);

/* Start a lookup for task 't'; on 0, *out is the lookup: park 't' with
** lt_resolve_abort and data *out (l_park), and when it is woken with outcome 0 read
** the result and lt_lookup_free it. On failure (-errno) nothing was started. */
int lt_resolve_getaddrinfo(lt_task_t *t, const char *host, const char *serv,
                           const struct addrinfo *hints, lt_lookup_t **out);
int lt_resolve_getnameinfo(lt_task_t *t, const struct sockaddr *addr, int flags,
                           lt_lookup_t **out);
int lt_resolve_getprotobyname(lt_task_t *t, const char *name, lt_lookup_t **out);

/* Abort callback: abandons the lookup (its callback frees it); returns 1. */
int lt_resolve_abort(lt_task_t *task, void *data, int err);

/* Frees a finished lookup that its task has read. */
void lt_lookup_free(lt_lookup_t *lk);

/* Encodes a UTF-8 host name with IDNA 2008 / UTS 46 non-transitional into a new
** string (free() it). ASCII names are copied unchanged. 0, -EINVAL, or -ENOMEM. */
int lt_resolve_idna(const char *host, char **out);

/* Maps a libuv status (UV_EAI_* or a negative errno) to the platform's EAI_* code;
** for EAI_SYSTEM, *sys_errno gets the errno. */
int lt_resolve_eai(int uv_status, int *sys_errno);

/* Lookups started and whose thread has not reported yet (abandoned ones included).
** Outside a run, first frees the abandoned lookups whose thread has finished. */
long lt_resolve_pending(void);

#endif
