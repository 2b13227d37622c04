/* resolve.c - name lookups on libuv's thread pool, abandoned on cancel. */
#include "resolve.h"

#include <errno.h>
#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "loop.h"

static long pending;

int lt_resolve_eai(int s, int *sys_errno) {
  *sys_errno = 0;
  switch (s) {
    case 0: return 0;
    case UV_EAI_ADDRFAMILY: return EAI_ADDRFAMILY;
    case UV_EAI_AGAIN: return EAI_AGAIN;
    case UV_EAI_BADFLAGS: return EAI_BADFLAGS;
    case UV_EAI_CANCELED: return EAI_CANCELED;
    case UV_EAI_FAIL: return EAI_FAIL;
    case UV_EAI_FAMILY: return EAI_FAMILY;
    case UV_EAI_MEMORY: return EAI_MEMORY;
    case UV_EAI_NODATA: return EAI_NODATA;
    case UV_EAI_NONAME: return EAI_NONAME;
    case UV_EAI_OVERFLOW: return EAI_OVERFLOW;
    case UV_EAI_SERVICE: return EAI_SERVICE;
    case UV_EAI_SOCKTYPE: return EAI_SOCKTYPE;
    case UV_EAI_BADHINTS: return EAI_BADFLAGS;
    case UV_EAI_PROTOCOL: return EAI_SOCKTYPE;
    default:
      *sys_errno = -s;
      return EAI_SYSTEM;
  }
}

int lt_resolve_numeric(const char *host, const char *serv, const struct addrinfo *hints,
                       struct addrinfo **res) {
  struct addrinfo h = *hints;
  h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
  return getaddrinfo(host, serv, &h, res);
}

static lt_lookup_t *newlookup(lt_task_t *t, int kind) {
  lt_lookup_t *lk = calloc(1, sizeof *lk);
  if (!lk) return NULL;
  lk->task = t;
  lk->kind = kind;
  return lk;
}

/* Common end of every lookup: wake the task, or free an abandoned lookup. */
static void finish(lt_lookup_t *lk, int uv_status) {
  pending--;
  lt_run_note_event();
  lk->status = lt_resolve_eai(uv_status, &lk->sys_errno);
  if (lk->task) {
    lt_task_t *t = lk->task;
    lk->task = NULL;
    lt_task_reschedule(t, 0);
  } else {
    lt_lookup_free(lk);
  }
}

static void gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  lt_lookup_t *lk = req->data;
  lk->res = res;
  finish(lk, status);
}

int lt_resolve_getaddrinfo(lt_task_t *t, const char *host, const char *serv,
                           const struct addrinfo *hints, lt_lookup_t **out) {
  /* An empty host name, or neither host nor service, is no name (glibc's answer);
  ** libuv would call them EINVAL. */
  if ((host && !*host) || (!host && !serv)) return UV_EAI_NONAME;
  uv_loop_t *loop = lt_loop_uv();
  lt_lookup_t *lk = loop ? newlookup(t, LT_LOOKUP_ADDRINFO) : NULL;
  if (!lk) return -ENOMEM;
  lk->req.gai.data = lk;
  int r = uv_getaddrinfo(loop, &lk->req.gai, gai_cb, host, serv, hints);
  if (r != 0) {
    free(lk);
    return r;
  }
  pending++;
  *out = lk;
  return 0;
}

static void gni_cb(uv_getnameinfo_t *req, int status, const char *host, const char *serv) {
  lt_lookup_t *lk = req->data;
  if (status == 0) {
    snprintf(lk->host, sizeof lk->host, "%s", host ? host : "");
    snprintf(lk->serv, sizeof lk->serv, "%s", serv ? serv : "");
  }
  finish(lk, status);
}

int lt_resolve_getnameinfo(lt_task_t *t, const struct sockaddr *addr, int flags,
                           lt_lookup_t **out) {
  uv_loop_t *loop = lt_loop_uv();
  lt_lookup_t *lk = loop ? newlookup(t, LT_LOOKUP_NAMEINFO) : NULL;
  if (!lk) return -ENOMEM;
  lk->req.gni.data = lk;
  int r = uv_getnameinfo(loop, &lk->req.gni, gni_cb, addr, flags);
  if (r != 0) {
    free(lk);
    return r;
  }
  pending++;
  *out = lk;
  return 0;
}

static void proto_work(uv_work_t *req) {  /* in a pool thread */
  lt_lookup_t *lk = req->data;
  struct protoent pe, *res = NULL;
  char buf[1024];
  int r = getprotobyname_r(lk->name, &pe, buf, sizeof buf, &res);
  lk->proto = (r == 0 && res) ? res->p_proto : -1;
}

static void proto_done(uv_work_t *req, int status) {
  lt_lookup_t *lk = req->data;
  finish(lk, status == 0 && lk->proto < 0 ? UV_EAI_NONAME : status);
}

int lt_resolve_getprotobyname(lt_task_t *t, const char *name, lt_lookup_t **out) {
  uv_loop_t *loop = lt_loop_uv();
  if (strlen(name) >= sizeof ((lt_lookup_t *)0)->name) return -ENAMETOOLONG;
  lt_lookup_t *lk = loop ? newlookup(t, LT_LOOKUP_PROTO) : NULL;
  if (!lk) return -ENOMEM;
  strcpy(lk->name, name);
  lk->req.work.data = lk;
  int r = uv_queue_work(loop, &lk->req.work, proto_work, proto_done);
  if (r != 0) {
    free(lk);
    return r;
  }
  pending++;
  *out = lk;
  return 0;
}

int lt_resolve_abort(lt_task_t *task, void *data, int err) {
  (void)task;
  (void)err;
  lt_lookup_t *lk = data;
  lk->task = NULL;  /* abandoned: the callback frees it */
  uv_cancel((uv_req_t *)&lk->req);  /* fails harmlessly once the thread has it */
  return 1;
}

void lt_lookup_free(lt_lookup_t *lk) {
  if (!lk) return;
  if (lk->res) uv_freeaddrinfo(lk->res);
  free(lk);
}

int lt_resolve_idna(const char *host, char **out) {
  const unsigned char *p = (const unsigned char *)host;
  while (*p && *p < 0x80) p++;
  if (!*p) {
    *out = strdup(host);
    return *out ? 0 : -ENOMEM;
  }
  char *enc = NULL;
  int r = idn2_to_ascii_8z(host, &enc, IDN2_NONTRANSITIONAL);
  if (r != IDN2_OK) return r == IDN2_MALLOC ? -ENOMEM : -EINVAL;
  *out = strdup(enc);
  idn2_free(enc);
  return *out ? 0 : -ENOMEM;
}

long lt_resolve_pending(void) {
  /* Outside a run nothing polls the loop: the lookups abandoned by a run that has ended
  ** are freed here once their threads have finished, so the count reaches 0. */
  if (pending > 0 && lt_run_current() == NULL) {
    lt_io_check_bare();
    uv_run(lt_loop_uv(), UV_RUN_NOWAIT);
  }
  return pending;
}
