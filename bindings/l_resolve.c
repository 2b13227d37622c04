/* l_resolve.c - getaddrinfo / getnameinfo / getprotobyname bindings. The Lua facade
** (ltrio/socket.lua) orders them as Trio does: checkpoint_if_cancelled, IDNA, the
** numeric attempt, then the custom resolver or the thread pool. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/resolve.h"
#include "l_addr.h"
#include "l_common.h"

/* Pushes a gaierror for EAI code 'code' (sys_errno for EAI_SYSTEM). [-0, +1, m] */
static void pushgaierror(lua_State *L, int code, int sys_errno) {
  const char *text = code == EAI_SYSTEM && sys_errno ? strerror(sys_errno) : gai_strerror(code);
  const char *msg = lua_pushfstring(L, "[Errno %d] %s", code, text);
  l_newerror(L, "gaierror", msg);
  lua_pushinteger(L, code);
  lua_setfield(L, -2, "errno");
  lua_pushstring(L, text);
  lua_setfield(L, -2, "strerror");
  if (code == EAI_SYSTEM) {
    lua_pushinteger(L, sys_errno);
    lua_setfield(L, -2, "sys_errno");
  }
  lua_remove(L, -2);
}

static int raisegai(lua_State *L, int code, int sys_errno) {
  pushgaierror(L, code, sys_errno);
  return lua_error(L);
}

/* Host (1) and port (2): NULL or strings; 'pbuf' receives an integer port. */
static void hostport(lua_State *L, const char *fname, const char **host, const char **port,
                     char *pbuf, size_t plen) {
  *host = NULL;
  *port = NULL;
  if (!lua_isnoneornil(L, 1)) {
    if (lua_type(L, 1) != LUA_TSTRING) l_argerror(L, 1, fname, "host", "string or nil");
    *host = l_cstring(L, 1, fname, "host");
  }
  if (lua_type(L, 2) == LUA_TSTRING) {
    *port = l_cstring(L, 2, fname, "port");
  } else if (!lua_isnoneornil(L, 2)) {
    lua_Integer p = l_checkint(L, 2, fname, "port");
    snprintf(pbuf, plen, "%lld", (long long)p);
    *port = pbuf;
  }
}

static void hints(lua_State *L, const char *fname, struct addrinfo *h) {
  memset(h, 0, sizeof *h);
  h->ai_family = lua_isnoneornil(L, 3) ? 0 : l_checkcint(L, 3, fname, "family");
  h->ai_socktype = lua_isnoneornil(L, 4) ? 0 : l_checkcint(L, 4, fname, "type");
  h->ai_protocol = lua_isnoneornil(L, 5) ? 0 : l_checkcint(L, 5, fname, "proto");
  h->ai_flags = lua_isnoneornil(L, 6) ? 0 : l_checkcint(L, 6, fname, "flags");
}

/* Sets the value on the top as entry[i] and entry[name]; pops it. */
static void setboth(lua_State *L, int e, int i, const char *name) {
  lua_pushvalue(L, -1);
  lua_rawseti(L, e, i);
  lua_setfield(L, e, name);
}

/* Pushes the array of {family, type, proto, canonname, sockaddr} entries. [-0, +1, m] */
static void pushentries(lua_State *L, const struct addrinfo *res) {
  lua_newtable(L);
  int k = 0;
  for (const struct addrinfo *a = res; a; a = a->ai_next) {
    lua_createtable(L, 5, 5);
    int e = lua_gettop(L);
    lua_pushinteger(L, a->ai_family);
    setboth(L, e, 1, "family");
    lua_pushinteger(L, a->ai_socktype);
    setboth(L, e, 2, "type");
    lua_pushinteger(L, a->ai_protocol);
    setboth(L, e, 3, "proto");
    lua_pushstring(L, a->ai_canonname ? a->ai_canonname : "");
    setboth(L, e, 4, "canonname");
    l_addr_push(L, a->ai_addr, a->ai_addrlen);
    setboth(L, e, 5, "sockaddr");
    lua_rawseti(L, -2, ++k);
  }
}

/* core.idna(host [, fname, n]) -> host encoded with IDNA 2008 (ASCII names unchanged).
** Errors name trio.socket.getaddrinfo's 'host', or with 'fname' the address given as
** argument #n of that socket method (whose host l_addr_get has checked).  [-0, +1, e] */
static int l_resolve_idna(lua_State *L) {
  static const char gai[] = "trio.socket.getaddrinfo";
  static const char what[] = "host name that IDNA 2008 can encode expected";
  const char *fname = lua_isnoneornil(L, 2) ? NULL : lua_tostring(L, 2);
  if (lua_isnoneornil(L, 1)) {
    lua_pushnil(L);
    return 1;
  }
  if (lua_type(L, 1) != LUA_TSTRING) return l_argerror(L, 1, gai, "host", "string or nil");
  char *out;
  int r = lt_resolve_idna(l_cstring(L, 1, gai, "host"), &out);
  if (r == -EINVAL && fname != NULL)
    return l_raisef(L, "ValueError", "%s: bad argument #%d 'address' (%s, got %s)", fname,
                    (int)lua_tointeger(L, 3), what, l_describe(L, 1));
  if (r == -EINVAL) return l_argvalue(L, 1, gai, "host", what);
  if (r != 0) return l_raise(L, r, fname != NULL ? fname : gai);
  lua_pushstring(L, out);
  free(out);
  return 1;
}

/* core.getaddrinfo_numeric(host, port, family, type, proto, flags) -> entries, or nil
** when the host or port is not numeric (EAI_NONAME); other failures raise gaierror.
** Synchronous.  [-0, +1, e] */
static int l_resolve_getaddrinfo_numeric(lua_State *L) {
  const char *fname = "trio.socket.getaddrinfo", *host, *port;
  char pbuf[32];
  struct addrinfo h, *res = NULL;
  hostport(L, fname, &host, &port, pbuf, sizeof pbuf);
  hints(L, fname, &h);
  int r = lt_resolve_numeric(host, port, &h, &res);
  if (r == EAI_NONAME) {
    lua_pushnil(L);
    return 1;
  }
  if (r != 0) return raisegai(L, r, r == EAI_SYSTEM ? errno : 0);
  pushentries(L, res);
  freeaddrinfo(res);
  return 1;
}

/* The continuation of every thread lookup: ctx is the lookup. */
static int lookup_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, lookup_k);
  (void)status;
  lt_lookup_t *lk = (lt_lookup_t *)ctx;
  l_task_t *t = l_current();
  if (t->task.outcome) {  /* cancelled: the lookup was abandoned, its callback frees it */
    l_outcome(L, t, "trio.socket.getaddrinfo");
  }
  int code = lk->status, sys = lk->sys_errno, kind = lk->kind;
  if (code != 0) {
    lt_lookup_free(lk);
    if (kind == LT_LOOKUP_PROTO) return l_raisef(L, "OSError", "protocol not found");  /* Python's */
    return raisegai(L, code, sys);
  }
  switch (lk->kind) {
    case LT_LOOKUP_ADDRINFO:
      pushentries(L, lk->res);  /* a memory error here leaks the lookup, nothing worse */
      break;
    case LT_LOOKUP_NAMEINFO:
      lua_pushstring(L, lk->host);
      lua_pushstring(L, lk->serv);
      break;
    default:
      lua_pushinteger(L, lk->proto);
      break;
  }
  int n = lk->kind == LT_LOOKUP_NAMEINFO ? 2 : 1;
  lt_lookup_free(lk);
  return n;
}

/* core.getaddrinfo_thread(host, port, family, type, proto, flags) -> entries (async;
** no cancellation check: the facade made it)  [-0, +1, e] */
static int l_resolve_getaddrinfo_thread(lua_State *L) {
  const char *fname = "trio.socket.getaddrinfo", *host, *port;
  l_task_t *t = l_checkasync(L, fname);
  char pbuf[32];
  struct addrinfo h;
  hostport(L, fname, &host, &port, pbuf, sizeof pbuf);
  hints(L, fname, &h);
  lt_lookup_t *lk;
  int r = lt_resolve_getaddrinfo(&t->task, host, port, &h, &lk);
  if (r != 0) {  /* after a schedule point, as a lookup that failed in a thread */
    int sys;
    int code = lt_resolve_eai(r, &sys);
    pushgaierror(L, code, sys);
    return l_yield_raise(L, t);
  }
  return l_park(L, t, lt_resolve_abort, lk, (lua_KContext)lk, lookup_k);
}

/* The sockaddr of an IPv6 address table whose host carries a %scope suffix ("fe80::1%eth0"),
** which inet_pton refuses and getaddrinfo parses, as Python's getnameinfo does. The
** other fields are checked as any address's; a scope_id given in the table wins over
** the suffix. Returns 0 when the host is not such an address. */
static int scoped_get(lua_State *L, const char *host, l_sockaddr_t *sa, const char *fname) {
  if (!strchr(host, '%') || !strchr(host, ':')) return 0;
  lua_createtable(L, 4, 0);  /* the table with host "::", for the other fields' checks */
  lua_pushliteral(L, "::");
  lua_rawseti(L, -2, 1);
  lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
  for (lua_Integer k = 2; k <= n && k <= 4; k++) {
    lua_rawgeti(L, 1, k);
    lua_rawseti(L, -2, k);
  }
  const l_addrarg_t a = {fname, "sockaddr", 1};
  int ok = l_addr_get(L, lua_gettop(L), AF_INET6, 0, sa, &a);
  lua_pop(L, 1);
  struct addrinfo h, *res = NULL;
  memset(&h, 0, sizeof h);
  h.ai_family = AF_INET6;
  h.ai_socktype = SOCK_DGRAM;
  if (!ok || lt_resolve_numeric(host, NULL, &h, &res) != 0) return 0;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa->ss;
  const struct sockaddr_in6 *parsed = (const struct sockaddr_in6 *)res->ai_addr;
  in6->sin6_addr = parsed->sin6_addr;
  if (n < 4) in6->sin6_scope_id = parsed->sin6_scope_id;
  freeaddrinfo(res);
  return 1;
}

/* core.getnameinfo(sockaddr, flags) -> host, service (async)  [-0, +2, e] */
static int l_resolve_getnameinfo(lua_State *L) {
  const char *fname = "trio.socket.getnameinfo";
  l_task_t *t = l_checkasync(L, fname);
  if (!lua_istable(L, 1)) return l_argerror(L, 1, fname, "sockaddr", "table");
  int flags = l_checkcint(L, 2, fname, "flags");
  l_sockaddr_t sa;
  lua_rawgeti(L, 1, 1);
  const char *host = lua_tostring(L, -1);
  int family = host && strchr(host, ':') ? AF_INET6 : AF_INET;
  lua_pop(L, 1);
  if (!host) return l_argerror(L, 1, fname, "sockaddr", "{host, port}");
  const l_addrarg_t a = {fname, "sockaddr", 1};
  if (!l_addr_get(L, 1, family, 0, &sa, &a) && !scoped_get(L, host, &sa, fname)) {
    lua_rawgeti(L, 1, 2);
    int portstr = lua_type(L, -1) == LUA_TSTRING;
    lua_pop(L, 1);
    if (portstr)
      return l_raisef(L, "TypeError", "%s: bad argument #1 'sockaddr' (integer port expected, got string)", fname);
    l_checkcancel(L, t);  /* a host name: Trio's thread call checkpoints before it fails */
    pushgaierror(L, EAI_NONAME, 0);
    return l_yield_raise(L, t);
  }
  l_checkcancel(L, t);
  lt_lookup_t *lk;
  int r = lt_resolve_getnameinfo(&t->task, (struct sockaddr *)&sa.ss, flags, &lk);
  if (r != 0) {
    int sys;
    int code = lt_resolve_eai(r, &sys);
    return raisegai(L, code, sys);
  }
  return l_park(L, t, lt_resolve_abort, lk, (lua_KContext)lk, lookup_k);
}

/* core.getprotobyname(name) -> number (async)  [-0, +1, e] */
static int l_resolve_getprotobyname(lua_State *L) {
  const char *fname = "trio.socket.getprotobyname";
  l_task_t *t = l_checkasync(L, fname);
  const char *name = l_checkstr(L, 1, fname, "name", NULL);
  l_checkcancel(L, t);
  lt_lookup_t *lk;
  int r = lt_resolve_getprotobyname(&t->task, name, &lk);
  if (r != 0) {  /* after a schedule point, as a lookup that failed in a thread */
    if (r == -ENAMETOOLONG) l_newerror(L, "OSError", "protocol not found");
    else l_pusherror(L, r, fname);
    return l_yield_raise(L, t);
  }
  return l_park(L, t, lt_resolve_abort, lk, (lua_KContext)lk, lookup_k);
}

/* core.gaierror(code) -> a gaierror object, for the facade  [-0, +1, m] */
static int l_resolve_gaierror(lua_State *L) {
  pushgaierror(L, (int)luaL_optinteger(L, 1, EAI_NONAME), 0);
  return 1;
}

static const luaL_Reg resolve_funcs[] = {
    {"idna", l_resolve_idna},
    {"getaddrinfo_numeric", l_resolve_getaddrinfo_numeric},
    {"getaddrinfo_thread", l_resolve_getaddrinfo_thread},
    {"getnameinfo", l_resolve_getnameinfo},
    {"getprotobyname", l_resolve_getprotobyname},
    {"gaierror", l_resolve_gaierror},
    {NULL, NULL}};

void l_resolve_open(lua_State *L) { luaL_setfuncs(L, resolve_funcs, 0); }
