/* addr_fuzz.c - libFuzzer harness for l_addr.c: Lua address values -> sockaddr for every
** family (l_addr_get) and sockaddr -> Lua values (l_addr_push), both under lua_pcall.
**
** Input: byte 0 chooses the direction and the family; the rest is either a Lua value
** (decoded by 'value' below) or the bytes of a sockaddr. A conversion may raise (an
** ltrio error object, never a plain string); one that succeeds must survive a round
** trip: pushing the sockaddr and reading it back gives the same bytes. */
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <lualib.h>

#include "../bindings/l_addr.h"
#include "../bindings/l_common.h"

int luaopen_ltrio_core(lua_State *L);

typedef struct {
  const uint8_t *p;
  size_t n;
} input_t;

static int byte(input_t *in) {
  if (in->n == 0) return 0;
  in->n--;
  return *in->p++;
}

static void bytes(input_t *in, void *out, size_t n) {
  memset(out, 0, n);
  if (n > in->n) n = in->n;
  memcpy(out, in->p, n);
  in->p += n;
  in->n -= n;
}

/* Pushes one Lua value decoded from 'in': nil, booleans, small and huge integers,
** floats (NaN and infinities included), strings, nested tables. */
static void value(lua_State *L, input_t *in, int depth) {
  int tag = byte(in);
  switch (tag % 9) {
    case 0: lua_pushnil(L); break;
    case 1: lua_pushboolean(L, tag & 0x10); break;
    case 2: lua_pushinteger(L, (lua_Integer)(int8_t)byte(in)); break;
    case 3: lua_pushinteger(L, (lua_Integer)((byte(in) << 8) | byte(in))); break;
    case 4: {
      int64_t v;
      bytes(in, &v, sizeof v);
      lua_pushinteger(L, (lua_Integer)v);
      break;
    }
    case 5: {
      double d;
      bytes(in, &d, sizeof d);
      lua_pushnumber(L, d);
      break;
    }
    case 6:
    case 7: {
      size_t len = (size_t)byte(in);
      if (len > in->n) len = in->n;
      lua_pushlstring(L, (const char *)in->p, len);
      in->p += len;
      in->n -= len;
      break;
    }
    default: {
      int n = depth < 2 ? byte(in) % 7 : 0;
      lua_createtable(L, n, 0);
      for (int k = 1; k <= n; k++) {
        value(L, in, depth + 1);
        lua_rawseti(L, -2, k);
      }
    }
  }
}

static const int families[] = {AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, AF_PACKET, AF_UNSPEC,
                               AF_BLUETOOTH};

/* get(value, family, local) -> the sockaddr bytes or false (must resolve) */
static int l_get(lua_State *L) {
  static const l_addrarg_t arg = {"fuzz:get", "address", 1};
  l_sockaddr_t sa;
  int family = (int)lua_tointeger(L, 2);
  if (!l_addr_get(L, 1, family, lua_toboolean(L, 3), &sa, &arg)) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (sa.len > sizeof sa.ss) abort();
  lua_pushlstring(L, (const char *)&sa.ss, sa.len);
  return 1;
}

/* push(bytes) -> the Lua value of the sockaddr in 'bytes' */
static int l_push(lua_State *L) {
  size_t len;
  const char *s = lua_tolstring(L, 1, &len);
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  if (len > sizeof ss) len = sizeof ss;
  memcpy(&ss, s, len);
  l_addr_push(L, (struct sockaddr *)&ss, (socklen_t)len);
  return 1;
}

static lua_State *state;

/* Runs f(args...) under lua_pcall; an error must be an ltrio error object. */
static int call(lua_State *L, lua_CFunction f, int nargs, int nres) {
  lua_pushcfunction(L, f);
  lua_insert(L, -nargs - 1);
  int st = lua_pcall(L, nargs, nres, 0);
  if (st == LUA_ERRMEM) return st;
  if (st != LUA_OK && !l_iserror(L, -1, "Error")) abort();  /* a plain string escaped */
  return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!state) {
    state = luaL_newstate();
    luaL_openlibs(state);
    luaL_requiref(state, "ltrio.core", luaopen_ltrio_core, 0);
    lua_pop(state, 1);
  }
  lua_State *L = state;
  input_t in = {data, size};
  int mode = byte(&in);
  int family = families[(mode >> 1) % (sizeof families / sizeof families[0])];
  int local = (mode >> 5) & 1;
  if ((mode & 1) == 0) {
    /* Lua value -> sockaddr, then back, then again: the bytes must not change. */
    value(L, &in, 0);
    lua_pushinteger(L, family);
    lua_pushboolean(L, local);
    if (call(L, l_get, 3, 1) == LUA_OK && lua_type(L, -1) == LUA_TSTRING) {
      size_t n1;
      const char *b1 = lua_tolstring(L, -1, &n1);
      lua_pushvalue(L, -1);
      if (call(L, l_push, 1, 1) == LUA_OK) {
        lua_pushinteger(L, family);
        lua_pushboolean(L, local);
        if (call(L, l_get, 3, 1) != LUA_OK) abort();  /* ltrio's own value must read back */
        size_t n2;
        const char *b2 = lua_tolstring(L, -1, &n2);
        if (family != AF_PACKET && (n1 != n2 || memcmp(b1, b2, n1) != 0)) abort();
      }
    }
  } else {
    /* sockaddr bytes (family forced to the chosen one unless mode says raw) -> Lua value,
    ** then its __tostring and __eq (against itself and a plain copy). */
    struct sockaddr_storage ss;
    size_t len = (size_t)byte(&in) % (sizeof ss + 1);
    bytes(&in, &ss, sizeof ss);
    if (!(mode & 0x40)) ss.ss_family = (sa_family_t)family;
    lua_pushlstring(L, (const char *)&ss, len);
    if (call(L, l_push, 1, 1) == LUA_OK) {
      luaL_tolstring(L, -1, NULL);
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      if (!lua_compare(L, -1, -2, LUA_OPEQ)) abort();
      lua_pop(L, 1);
    }
  }
  lua_settop(L, 0);
  lua_gc(L, LUA_GCSTEP, 0);
  return 0;
}
