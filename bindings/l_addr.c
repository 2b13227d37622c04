/* l_addr.c - Lua address values <-> struct sockaddr, for every family the kernel has. */
#include "l_addr.h"

#include <arpa/inet.h>
#include <errno.h>
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

/* The highest non-nil index among t[1..5] of the table at 'i'. */
static int tuplelen(lua_State *L, int i) {
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

static const char *tname(lua_State *L, int i) { return luaL_typename(L, i); }

/* Host and port of an IPv4/IPv6 address table; returns 0 when resolution is needed. */
static int inet_get(lua_State *L, int i, int family, int local, l_sockaddr_t *sa,
                    const char *fname) {
  int n = tuplelen(L, i);
  if (family == AF_INET && n != 2)
    return l_raisef(L, "ValueError", "%s: address should be a {host, port} table", fname);
  if (family == AF_INET6 && (n < 2 || n > 4))
    return l_raisef(L, "ValueError",
                    "%s: address should be a {host, port, [flowinfo, [scope_id]]} table", fname);
  int ht = lua_rawgeti(L, i, 1);
  const char *host = ht == LUA_TSTRING ? l_cstring(L, -1, fname, "address host") : NULL;
  lua_pop(L, 1);  /* the string stays anchored in the table */
  if (ht != LUA_TSTRING && ht != LUA_TNIL)
    return l_raisef(L, "TypeError", "%s: address host must be a string or nil, got %s", fname,
                    lua_typename(L, ht));
  lua_Integer port, flow = 0, scope = 0;
  int pt = lua_rawgeti(L, i, 2);
  lua_pop(L, 1);
  if (pt == LUA_TSTRING) return 0;  /* a service name or numeric string: getaddrinfo */
  if (!intfield(L, i, 2, &port))
    return l_raisef(L, "TypeError", "%s: address port must be an integer, got %s", fname,
                    lua_typename(L, pt));
  if (family == AF_INET6) {
    if (n >= 3 && !intfield(L, i, 3, &flow))
      return l_raisef(L, "TypeError", "%s: address flowinfo must be an integer", fname);
    if (n >= 4 && !intfield(L, i, 4, &scope))
      return l_raisef(L, "TypeError", "%s: address scope_id must be an integer", fname);
    if (flow < 0 || flow > 0xfffff)
      return l_raisef(L, "ValueError", "%s: flowinfo must be 0-1048575", fname);
    if (scope < 0 || scope > 0xffffffffLL)
      return l_raisef(L, "ValueError", "%s: scope_id out of range", fname);
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
  if (port < 0 || port > 65535)
    return l_raisef(L, "ValueError", "%s: port must be 0-65535, got %I", fname, port);
  return 1;
}

static void unix_get(lua_State *L, int i, l_sockaddr_t *sa, const char *fname) {
  size_t len;
  const char *path = lua_tolstring(L, i, &len);
  struct sockaddr_un *un = (struct sockaddr_un *)&sa->ss;
  memset(un, 0, sizeof *un);
  un->sun_family = AF_UNIX;
  if (len >= sizeof un->sun_path + (len > 0 && path[0] == '\0'))
    l_raisef(L, "OSError", "%s: AF_UNIX path too long", fname);  /* as Python (errno nil) */
  memcpy(un->sun_path, path, len);
  sa->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
  if (len > 0 && path[0] != '\0') {
    if (memchr(path, '\0', len))
      l_raisef(L, "ValueError", "%s: embedded null byte in AF_UNIX path", fname);
    sa->len++;  /* the terminating NUL of a filesystem path */
  }
}

int l_addr_get(lua_State *L, int i, int family, int local, l_sockaddr_t *sa, const char *fname) {
  int t = lua_type(L, i);
  switch (family) {
    case AF_INET:
    case AF_INET6:
      if (t != LUA_TTABLE)
        return l_raisef(L, "TypeError", "%s: %s address must be a table, got %s", fname,
                        family == AF_INET ? "AF_INET" : "AF_INET6", tname(L, i));
      return inet_get(L, i, family, local, sa, fname);
    case AF_UNIX:
      if (t != LUA_TSTRING)
        return l_raisef(L, "TypeError", "%s: AF_UNIX address must be a string, got %s", fname,
                        tname(L, i));
      unix_get(L, i, sa, fname);
      return 1;
    case AF_NETLINK: {
      lua_Integer pid, groups;
      if (t != LUA_TTABLE)
        return l_raisef(L, "TypeError", "%s: AF_NETLINK address must be a table, got %s",
                        fname, tname(L, i));
      if (tuplelen(L, i) != 2)
        return l_raisef(L, "ValueError", "%s: address should be a {pid, groups} table", fname);
      if (!intfield(L, i, 1, &pid) || !intfield(L, i, 2, &groups))
        return l_raisef(L, "TypeError", "%s: AF_NETLINK pid and groups must be integers",
                        fname);
      struct sockaddr_nl *nl = (struct sockaddr_nl *)&sa->ss;
      memset(nl, 0, sizeof *nl);
      nl->nl_family = AF_NETLINK;
      nl->nl_pid = (uint32_t)pid;
      nl->nl_groups = (uint32_t)groups;
      sa->len = sizeof *nl;
      return 1;
    }
    case AF_PACKET: {
      lua_Integer proto = 0, pkttype = 0, hatype = 0;
      if (t != LUA_TTABLE)
        return l_raisef(L, "TypeError", "%s: AF_PACKET address must be a table, got %s",
                        fname, tname(L, i));
      int n = tuplelen(L, i);
      if (n < 2 || n > 5)
        return l_raisef(L, "ValueError",
                        "%s: address should be a {ifname, proto, [pkttype, [hatype, [addr]]]} table",
                        fname);
      lua_rawgeti(L, i, 1);
      size_t iflen = 0;
      const char *ifname = lua_tolstring(L, -1, &iflen);
      lua_pop(L, 1);
      if (!ifname || !intfield(L, i, 2, &proto) || (n >= 3 && !intfield(L, i, 3, &pkttype)) ||
          (n >= 4 && !intfield(L, i, 4, &hatype)))
        return l_raisef(L, "TypeError", "%s: bad AF_PACKET address", fname);
      if (strlen(ifname) != iflen)
        return l_raisef(L, "ValueError", "%s: AF_PACKET interface name contains a NUL byte", fname);
      if (proto < 0 || proto > 0xFFFF || pkttype < 0 || pkttype > 0xFF || hatype < 0 || hatype > 0xFFFF)
        return l_raisef(L, "ValueError",
                        "%s: AF_PACKET proto and hatype must be in 0..65535, pkttype in 0..255", fname);
      struct sockaddr_ll *ll = (struct sockaddr_ll *)&sa->ss;
      memset(ll, 0, sizeof *ll);
      ll->sll_family = AF_PACKET;
      ll->sll_ifindex = (int)if_nametoindex(ifname);
      if (ll->sll_ifindex == 0) l_raise(L, -errno, fname);
      ll->sll_protocol = htons((uint16_t)proto);
      ll->sll_pkttype = (unsigned char)pkttype;
      ll->sll_hatype = (unsigned short)hatype;
      if (n >= 5) {
        size_t alen;
        lua_rawgeti(L, i, 5);
        const char *a = lua_tolstring(L, -1, &alen);
        lua_pop(L, 1);
        if (!a || alen > sizeof ll->sll_addr)
          return l_raisef(L, "ValueError", "%s: bad AF_PACKET hardware address", fname);
        memcpy(ll->sll_addr, a, alen);
        ll->sll_halen = (unsigned char)alen;
      }
      sa->len = sizeof *ll;
      return 1;
    }
    default:
      return l_raisef(L, "ValueError", "%s: address family %d is not supported", fname, family);
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
