/* l_sockkind.c - the metatables of sockets, one per kind: family, type, proto and
** did_shutdown_SHUT_WR. A kind's __index is a table of those four fields whose own
** __index is the methods table (SocketType), so sock.family and sock:recv are table
** lookups, with no call per method lookup. A socket takes its kind's metatable once
** its fd is known, and the next kind's after shutdown(SHUT_WR). Kinds past MAX_KINDS,
** or with values too large for a key, keep the class metatable, whose __index
** function serves the same names. */

#include "l_sockkind.h"

#include <string.h>

#define MAX_KINDS 64
#define KINDS "ltrio.socket.kinds"      /* registry: kind key -> metatable */
#define METHODS "ltrio.socket.methods"  /* registry: SocketType */

static const void *class_mt;               /* the class metatable */
static const void *kind_mts[MAX_KINDS];    /* anchored in KINDS for the state's life */
static int n_kinds;

int l_sockkind_is(const void *mt) {
  if (mt == class_mt) return 1;
  for (int i = 0; i < n_kinds; i++)
    if (kind_mts[i] == mt) return 1;
  return 0;
}

void l_sockkind_open(lua_State *L, int mt, int methods) {
  mt = lua_absindex(L, mt);
  methods = lua_absindex(L, methods);
  class_mt = lua_topointer(L, mt);
  n_kinds = 0;
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, KINDS);
  lua_pushvalue(L, methods);
  lua_setfield(L, LUA_REGISTRYINDEX, METHODS);
}

/* The key of the kind of 's', or -1 when a field does not fit. */
static lua_Integer kind_key(const lt_sock_t *s) {
  if (s->family < 0 || s->family > 0xFFFF || s->type < 0 || s->type > 0xFFFF ||
      s->proto < 0 || s->proto > 0x7FFFFF)
    return -1;
  return ((lua_Integer)s->family << 40) | ((lua_Integer)s->type << 24) |
         ((lua_Integer)s->proto << 1) | (s->shut_wr ? 1 : 0);
}

/* Pushes a new metatable for the kind of 's': the class metatable's entries but
** __index, which becomes the table of fields. [-0, +1, m] */
static void push_kind_mt(lua_State *L, const lt_sock_t *s) {
  lua_newtable(L);
  luaL_getmetatable(L, L_SOCKET_MT);
  lua_pushnil(L);
  while (lua_next(L, -2)) {  /* [mt, class, key, value] */
    if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "__index") == 0) {
      lua_pop(L, 1);
      continue;
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -5);
  }
  lua_pop(L, 1);  /* the class metatable */
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, s->family);
  lua_setfield(L, -2, "family");
  lua_pushinteger(L, s->type);
  lua_setfield(L, -2, "type");
  lua_pushinteger(L, s->proto);
  lua_setfield(L, -2, "proto");
  lua_pushboolean(L, s->shut_wr);
  lua_setfield(L, -2, "did_shutdown_SHUT_WR");
  lua_createtable(L, 0, 1);  /* the fields' metatable: the methods behind them */
  lua_getfield(L, LUA_REGISTRYINDEX, METHODS);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_setfield(L, -2, "__index");
}

/* Pushes the metatable of the kind of 's', made on first use; the class metatable
** when the kind has no key or the table is full. [-0, +1, m] */
static void push_mt_of(lua_State *L, const lt_sock_t *s) {
  lua_Integer key = kind_key(s);
  if (key < 0) {
    luaL_getmetatable(L, L_SOCKET_MT);
    return;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, KINDS);
  if (lua_rawgeti(L, -1, key) == LUA_TNIL) {
    lua_pop(L, 1);
    if (n_kinds == MAX_KINDS) {
      luaL_getmetatable(L, L_SOCKET_MT);
    } else {
      push_kind_mt(L, s);
      lua_pushvalue(L, -1);
      lua_rawseti(L, -3, key);
      kind_mts[n_kinds++] = lua_topointer(L, -1);
    }
  }
  lua_remove(L, -2);  /* KINDS */
}

void l_sockkind_set(lua_State *L, int idx, const lt_sock_t *s) {
  idx = lua_absindex(L, idx);
  push_mt_of(L, s);
  lua_setmetatable(L, idx);
}
