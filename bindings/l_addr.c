/* l_addr.c - Lua address values <-> struct sockaddr, for every family the kernel has. */
#include "l_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "l_common.h"

/* ---- scratch area for receiving ---- */

static char scratch0[65536];
static char *scratch = scratch0;
static size_t scratch_len = sizeof scratch0;

char *l_scratch(lua_State *L, size_t *n) {
  if (*n > L_SCRATCH_MAX) *n = L_SCRATCH_MAX;
  if (*n > scratch_len) {
    char *p = malloc(L_SCRATCH_MAX);
    if (!p) l_raise(L, -ENOMEM, "socket");
    scratch = p;
    scratch_len = L_SCRATCH_MAX;
  }
  return scratch;
}

/* ---- Lua -> sockaddr ---- */

/* The length of the table at 'i' as a tuple: the highest non-nil index among t[1..5]
** (so {nil, 80} has 2), or its border when that is higher (6 or more: too long for any
** family). */
static int tuplelen(lua_State *L, int i) {
  lua_Unsigned len = lua_rawlen(L, i);
  if (len > 5) return len > INT_MAX ? INT_MAX : (int)len;
  int n = 0;
  for (int k = 1; k <= 5; k++) {
    if (lua_rawgeti(L, i, k) != LUA_TNIL) n = k;
    lua_pop(L, 1);
  }
  return n;
}

/* Reads an integer element t[k] into *v; 0 if it is not an integer-valued number
** (a numeric string is not one). */
static int intfield(lua_State *L, int i, int k, lua_Integer *v) {
  int isint = 0;
  *v = 0;
  if (lua_rawgeti(L, i, k) == LUA_TNUMBER) *v = lua_tointegerx(L, -1, &isint);
  lua_pop(L, 1);
  return isint;
}

/* Raises class 'cls' naming the address argument in API.md §2's format: "<fname>: bad
** argument #<n> '<param>' (<what>, got <...>)", where got shows element k of the table
** at 'i' (k 0: the value at 'i' itself) as l_argerror (TypeError) or l_argvalue
** (ValueError) shows an argument. Never returns. */
static int bad(lua_State *L, const char *cls, int i, int k, const l_addrarg_t *a, const char *what) {
  if (k > 0) {
    lua_rawgeti(L, i, k);
    i = lua_gettop(L);
  }
  int shown = strcmp(cls, "TypeError") != 0 || (lua_type(L, i) == LUA_TNUMBER && strstr(what, "integer"));
  return l_argfail(L, cls, a->arg, a->fname, a->param, what, shown ? l_describe(L, i) : luaL_typename(L, i));
}

/* A table of the wrong length 'n' for 'what' (ValueError). */
static int badlen(lua_State *L, int n, const l_addrarg_t *a, const char *what) {
  return l_argfail(L, "ValueError", a->arg, a->fname, a->param, what,
                   lua_pushfstring(L, "table of length %d", n));
}

/* An integer element t[k] in [lo, hi] (TypeError, ValueError otherwise); 'name' is the
** element's name in messages. */
static lua_Integer rangefield(lua_State *L, int i, int k, lua_Integer lo, lua_Integer hi, const char *name,
                              const l_addrarg_t *a) {
  lua_Integer v;
  if (!intfield(L, i, k, &v)) bad(L, "TypeError", i, k, a, lua_pushfstring(L, "integer %s expected", name));
  if (v < lo || v > hi)
    bad(L, "ValueError", i, k, a, lua_pushfstring(L, "%s between %I and %I expected", name, lo, hi));
  return v;
}

/* Host and port of an IPv4/IPv6 address table; returns 0 when resolution is needed. */
static int inet_get(lua_State *L, int i, int family, int local, l_sockaddr_t *sa,
                    const l_addrarg_t *a) {
  int n = tuplelen(L, i);
  if (family == AF_INET && n != 2) return badlen(L, n, a, "AF_INET address {host, port} expected");
  if (family == AF_INET6 && (n < 2 || n > 4))
    return badlen(L, n, a, "AF_INET6 address {host, port [, flowinfo [, scope_id]]} expected");
  size_t hlen = 0;
  int ht = lua_rawgeti(L, i, 1);
  const char *host = ht == LUA_TSTRING ? lua_tolstring(L, -1, &hlen) : NULL;
  lua_pop(L, 1);  /* the string stays anchored in the table */
  if (ht != LUA_TSTRING && ht != LUA_TNIL) return bad(L, "TypeError", i, 1, a, "string or nil host expected");
  if (host && strlen(host) != hlen) return bad(L, "ValueError", i, 1, a, "host without a NUL byte expected");
  lua_Integer port, flow = 0, scope = 0;
  int pt = lua_rawgeti(L, i, 2);
  lua_pop(L, 1);
  if (pt == LUA_TSTRING) return 0;  /* a service name or numeric string: getaddrinfo */
  if (!intfield(L, i, 2, &port)) return bad(L, "TypeError", i, 2, a, "integer port expected");
  if (family == AF_INET6) {
    if (n >= 3) flow = rangefield(L, i, 3, 0, 0xfffff, "flowinfo", a);
    if (n >= 4) scope = rangefield(L, i, 4, 0, 0xffffffffLL, "scope_id", a);
  }
  memset(&sa->ss, 0, sizeof sa->ss);
  if (family == AF_INET) {
    struct sockaddr_in *in = (struct sockaddr_in *)&sa->ss;
    in->sin_family = AF_INET;
    in->sin_port = htons((uint16_t)port);
    sa->len = sizeof *in;
    if (!host || !*host)
      in->sin_addr.s_addr = htonl(local ? INADDR_ANY : INADDR_LOOPBACK);
    else if (strcmp(host, "<broadcast>") == 0)
      in->sin_addr.s_addr = htonl(INADDR_BROADCAST);
    else if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
      return 0;  /* a name: the resolver checks the port after the lookup, as Python */
  } else {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa->ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    in6->sin6_flowinfo = htonl((uint32_t)flow);
    in6->sin6_scope_id = (uint32_t)scope;
    sa->len = sizeof *in6;
    if (!host || !*host)
      in6->sin6_addr = local ? in6addr_any : in6addr_loopback;
    else if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
      return 0;
  }
  if (port < 0 || port > 65535) return bad(L, "ValueError", i, 2, a, "port between 0 and 65535 expected");
  return 1;
}

static void unix_get(lua_State *L, int i, l_sockaddr_t *sa, const l_addrarg_t *a) {
  size_t len;
  const char *path = lua_tolstring(L, i, &len);
  struct sockaddr_un *un = (struct sockaddr_un *)&sa->ss;
  memset(un, 0, sizeof *un);
  un->sun_family = AF_UNIX;
  if (len >= sizeof un->sun_path + (len > 0 && path[0] == '\0'))
    l_raisef(L, "OSError", "%s: AF_UNIX path too long", a->fname);  /* as Python (errno nil) */
  memcpy(un->sun_path, path, len);
  sa->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
  if (len > 0 && path[0] != '\0') {  /* a filesystem path; an abstract one may hold NULs */
    if (memchr(path, '\0', len)) bad(L, "ValueError", i, 0, a, "AF_UNIX path without a NUL byte expected");
    sa->len++;  /* the terminating NUL of a filesystem path */
  }
}

static int packet_get(lua_State *L, int i, l_sockaddr_t *sa, const l_addrarg_t *a) {
  static const char shape[] = "AF_PACKET address {ifname, proto [, pkttype [, hatype [, addr]]]} expected";
  lua_Integer proto, pkttype = 0, hatype = 0;
  if (!lua_istable(L, i)) return bad(L, "TypeError", i, 0, a, shape);
  int n = tuplelen(L, i);
  if (n < 2 || n > 5) return badlen(L, n, a, shape);
  size_t iflen = 0;
  const char *ifname = lua_rawgeti(L, i, 1) == LUA_TSTRING ? lua_tolstring(L, -1, &iflen) : NULL;
  lua_pop(L, 1);  /* the string stays anchored in the table */
  if (!ifname) return bad(L, "TypeError", i, 1, a, "string ifname expected");
  if (strlen(ifname) != iflen) return bad(L, "ValueError", i, 1, a, "ifname without a NUL byte expected");
  proto = rangefield(L, i, 2, 0, 0xffff, "proto", a);
  if (n >= 3) pkttype = rangefield(L, i, 3, 0, 0xff, "pkttype", a);
  if (n >= 4) hatype = rangefield(L, i, 4, 0, 0xffff, "hatype", a);
  struct sockaddr_ll *ll = (struct sockaddr_ll *)&sa->ss;
  memset(ll, 0, sizeof *ll);
  ll->sll_family = AF_PACKET;
  ll->sll_protocol = htons((uint16_t)proto);
  ll->sll_pkttype = (unsigned char)pkttype;
  ll->sll_hatype = (unsigned short)hatype;
  if (n >= 5) {
    size_t alen;
    lua_rawgeti(L, i, 5);
    const char *addr = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &alen) : NULL;
    lua_pop(L, 1);  /* anchored in the table too */
    if (!addr) return bad(L, "TypeError", i, 5, a, "string addr expected");
    if (alen > sizeof ll->sll_addr) return bad(L, "ValueError", i, 5, a, "addr of at most 8 bytes expected");
    memcpy(ll->sll_addr, addr, alen);
    ll->sll_halen = (unsigned char)alen;
  }
  ll->sll_ifindex = (int)if_nametoindex(ifname);
  if (ll->sll_ifindex == 0) return l_raise(L, -errno, a->fname);
  sa->len = sizeof *ll;
  return 1;
}

int l_addr_get(lua_State *L, int i, int family, int local, l_sockaddr_t *sa, const l_addrarg_t *a) {
  switch (family) {
    case AF_INET:
    case AF_INET6:
      if (!lua_istable(L, i))
        return bad(L, "TypeError", i, 0, a, family == AF_INET ? "AF_INET address {host, port} expected"
                   : "AF_INET6 address {host, port [, flowinfo [, scope_id]]} expected");
      return inet_get(L, i, family, local, sa, a);
    case AF_UNIX:
      if (lua_type(L, i) != LUA_TSTRING) return bad(L, "TypeError", i, 0, a, "AF_UNIX address string expected");
      unix_get(L, i, sa, a);
      return 1;
    case AF_NETLINK: {
      static const char shape[] = "AF_NETLINK address {pid, groups} expected";
      if (!lua_istable(L, i)) return bad(L, "TypeError", i, 0, a, shape);
      int n = tuplelen(L, i);
      if (n != 2) return badlen(L, n, a, shape);
      lua_Integer pid = rangefield(L, i, 1, 0, 0xffffffffLL, "pid", a);
      lua_Integer groups = rangefield(L, i, 2, 0, 0xffffffffLL, "groups", a);
      struct sockaddr_nl *nl = (struct sockaddr_nl *)&sa->ss;
      memset(nl, 0, sizeof *nl);
      nl->nl_family = AF_NETLINK;
      nl->nl_pid = (uint32_t)pid;
      nl->nl_groups = (uint32_t)groups;
      sa->len = sizeof *nl;
      return 1;
    }
    case AF_PACKET:
      return packet_get(L, i, sa, a);
    default:
      return l_raisef(L, "ValueError", "%s: address family %d is not supported", a->fname, family);
  }
}

/* ---- sockaddr -> Lua ---- */

static void newaddr(lua_State *L, int narr) {
  lua_createtable(L, narr, 0);
  luaL_setmetatable(L, L_ADDRESS_MT);
}

void l_addr_push(lua_State *L, const struct sockaddr *sa, socklen_t len) {
  char host[INET6_ADDRSTRLEN];
  if (len < sizeof(sa_family_t)) {  /* unnamed (e.g. an unbound AF_UNIX peer) */
    lua_pushliteral(L, "");
    return;
  }
  switch (sa->sa_family) {
    case AF_INET: {
      const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
      inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
      newaddr(L, 2);
      lua_pushstring(L, host);
      lua_rawseti(L, -2, 1);
      lua_pushinteger(L, ntohs(in->sin_port));
      lua_rawseti(L, -2, 2);
      return;
    }
    case AF_INET6: {
      const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
      inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
      newaddr(L, 4);
      lua_pushstring(L, host);
      lua_rawseti(L, -2, 1);
      lua_pushinteger(L, ntohs(in6->sin6_port));
      lua_rawseti(L, -2, 2);
      lua_pushinteger(L, ntohl(in6->sin6_flowinfo));
      lua_rawseti(L, -2, 3);
      lua_pushinteger(L, in6->sin6_scope_id);
      lua_rawseti(L, -2, 4);
      return;
    }
    case AF_UNIX: {
      const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
      size_t n = len - offsetof(struct sockaddr_un, sun_path);
      if (n > sizeof un->sun_path) n = sizeof un->sun_path;
      if (n > 0 && un->sun_path[0] != '\0') n = strnlen(un->sun_path, n);
      lua_pushlstring(L, un->sun_path, n);
      return;
    }
    case AF_NETLINK: {
      const struct sockaddr_nl *nl = (const struct sockaddr_nl *)sa;
      newaddr(L, 2);
      lua_pushinteger(L, nl->nl_pid);
      lua_rawseti(L, -2, 1);
      lua_pushinteger(L, nl->nl_groups);
      lua_rawseti(L, -2, 2);
      return;
    }
    case AF_PACKET: {
      const struct sockaddr_ll *ll = (const struct sockaddr_ll *)sa;
      char ifname[IF_NAMESIZE] = "";
      if_indextoname((unsigned)ll->sll_ifindex, ifname);
      newaddr(L, 5);
      lua_pushstring(L, ifname);
      lua_rawseti(L, -2, 1);
      lua_pushinteger(L, ntohs(ll->sll_protocol));
      lua_rawseti(L, -2, 2);
      lua_pushinteger(L, ll->sll_pkttype);
      lua_rawseti(L, -2, 3);
      lua_pushinteger(L, ll->sll_hatype);
      lua_rawseti(L, -2, 4);
      lua_pushlstring(L, (const char *)ll->sll_addr,
                      ll->sll_halen <= sizeof ll->sll_addr ? ll->sll_halen : 0);
      lua_rawseti(L, -2, 5);
      return;
    }
    default:
      newaddr(L, 2);
      lua_pushinteger(L, sa->sa_family);
      lua_rawseti(L, -2, 1);
      lua_pushlstring(L, sa->sa_data, len - offsetof(struct sockaddr, sa_data));
      lua_rawseti(L, -2, 2);
      return;
  }
}

/* __tostring: "127.0.0.1:80", "[::1]:80": the first two elements, each as tostring
** gives it, joined by ':'. [-0, +1, m] */
static int l_address__tostring(lua_State *L) {
  if (!lua_istable(L, 1)) return luaL_tolstring(L, 1, NULL), 1;  /* a direct call */
  lua_settop(L, 1);
  lua_rawgeti(L, 1, 1);
  const char *host = luaL_tolstring(L, 2, NULL);
  lua_rawgeti(L, 1, 2);
  const char *port = luaL_tolstring(L, 4, NULL);
  int v6 = lua_type(L, 2) == LUA_TSTRING && strchr(host, ':') != NULL;
  lua_pushfstring(L, v6 ? "[%s]:%s" : "%s:%s", host, port);
  return 1;
}

/* __eq by value against any table of the same shape (missing flowinfo/scope_id = 0). */
static int l_address__eq(lua_State *L) {
  if (!lua_istable(L, 1) || !lua_istable(L, 2)) {
    lua_pushboolean(L, 0);
    return 1;
  }
  for (int k = 1; k <= 5; k++) {
    lua_rawgeti(L, 1, k);
    lua_rawgeti(L, 2, k);
    if (k >= 3) {  /* absent trailing numbers count as 0 */
      if (lua_isnil(L, -2)) { lua_pushinteger(L, 0); lua_replace(L, -3); }
      if (lua_isnil(L, -1)) { lua_pushinteger(L, 0); lua_replace(L, -2); }
    }
    int eq = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (!eq) {
      lua_pushboolean(L, 0);
      return 1;
    }
  }
  lua_pushboolean(L, 1);
  return 1;
}

void l_addr_open(lua_State *L) {
  if (luaL_newmetatable(L, L_ADDRESS_MT)) {
    lua_pushcfunction(L, l_address__tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, l_address__eq);
    lua_setfield(L, -2, "__eq");
  }
  lua_pop(L, 1);
}
