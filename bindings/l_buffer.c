/* l_buffer.c - trio.Buffer(n): a mutable byte buffer for the *_into methods. */
#include <string.h>

#include "l_addr.h"
#include "l_common.h"

/* A buffer owns its bytes (they follow the header in the same allocation) or, for a
** view, points into its root owner, which user value 1 keeps alive. */
typedef struct {
  unsigned char *p;
  size_t n;
} l_buffer_t;

unsigned char *l_buffer_test(lua_State *L, int i, size_t *len) {
  l_buffer_t *b = l_testudata_named(L, i, L_BUFFER_MT);
  if (!b) return NULL;
  *len = b->n;
  return b->p;
}

const char *l_checkbytes(lua_State *L, int i, const char *fname, const char *param, size_t *len) {
  const char *s = lua_type(L, i) == LUA_TSTRING ? lua_tolstring(L, i, len) : NULL;
  if (!s) s = (const char *)l_buffer_test(L, i, len);
  if (!s) l_argerror(L, i, fname, param, "string or Buffer");
  return s;
}

static l_buffer_t *checkbuf(lua_State *L, const char *fname) {
  l_buffer_t *b = l_testudata_named(L, 1, L_BUFFER_MT);
  if (!b) l_argerror(L, 1, fname, "self", "Buffer");
  return b;
}

/* trio.Buffer(n) [-0, +1, e] */
static int l_buffer_new(lua_State *L) {
  lua_Integer n = l_checksize(L, 1, "trio.Buffer", "n");
  l_buffer_t *b = lua_newuserdatauv(L, sizeof *b + (size_t)n, 1);
  b->p = (unsigned char *)(b + 1);
  b->n = (size_t)n;
  memset(b->p, 0, (size_t)n);
  luaL_setmetatable(L, L_BUFFER_MT);
  return 1;
}

/* string.sub's index normalisation: 1-based, negatives from the end, clamped. */
static void range(lua_State *L, size_t n, int ii, int ji, const char *fname, size_t *i, size_t *j) {
  lua_Integer a = lua_isnoneornil(L, ii) ? 1 : l_checkint(L, ii, fname, "i");
  lua_Integer z = lua_isnoneornil(L, ji) ? -1 : l_checkint(L, ji, fname, "j");
  lua_Integer len = (lua_Integer)n;
  if (a < 0) a = a < -len ? 1 : len + a + 1;
  else if (a == 0) a = 1;
  if (z < 0) z = z < -len ? 0 : len + z + 1;
  else if (z > len) z = len;
  *i = (size_t)a;
  *j = a > z ? (size_t)a - 1 : (size_t)z;
}

/* buf:tostring(i, j) [-0, +1, m] */
static int l_buffer_tostring(lua_State *L) {
  l_buffer_t *b = checkbuf(L, "Buffer:tostring");
  size_t i, j;
  range(L, b->n, 2, 3, "Buffer:tostring", &i, &j);
  lua_pushlstring(L, (const char *)b->p + i - 1, j - i + 1);
  return 1;
}

/* buf:fill(byte) [-0, +1, e]: returns the buffer */
static int l_buffer_fill(lua_State *L) {
  l_buffer_t *b = checkbuf(L, "Buffer:fill");
  lua_Integer v = l_checkint(L, 2, "Buffer:fill", "byte");
  if (v < 0 || v > 255) l_argvalue(L, 2, "Buffer:fill", "byte", "not in 0-255");
  memset(b->p, (int)v, b->n);
  lua_settop(L, 1);
  return 1;
}

/* buf:view(i [, j]) -> a Buffer sharing bytes i..j [-0, +1, m] */
static int l_buffer_view(lua_State *L) {
  l_buffer_t *b = checkbuf(L, "Buffer:view");
  if (lua_isnoneornil(L, 2)) l_argerror(L, 2, "Buffer:view", "i", "number");
  size_t i, j;
  range(L, b->n, 2, 3, "Buffer:view", &i, &j);
  l_buffer_t *v = lua_newuserdatauv(L, sizeof *v, 1);
  v->p = b->p + i - 1;
  v->n = j - i + 1;
  if (lua_getiuservalue(L, 1, 1) == LUA_TNIL) {  /* b is a root: anchor it */
    lua_pop(L, 1);
    lua_pushvalue(L, 1);
  }
  lua_setiuservalue(L, -2, 1);
  luaL_setmetatable(L, L_BUFFER_MT);
  return 1;
}

static int l_buffer__len(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)checkbuf(L, "Buffer:__len")->n);
  return 1;
}

static int l_buffer__tostring(lua_State *L) {
  lua_pushfstring(L, "ltrio.Buffer (%I bytes)", (lua_Integer)checkbuf(L, "Buffer")->n);
  return 1;
}

/* buf.k = v: a Buffer has no fields to set (its bytes change through recv_into and fill). */
static int l_buffer__newindex(lua_State *L) {
  return l_raisef(L, "AttributeError", "ltrio.Buffer has no field '%s' to set", luaL_tolstring(L, 2, NULL));
}

static const luaL_Reg buffer_methods[] = {
    {"tostring", l_buffer_tostring}, {"fill", l_buffer_fill}, {"view", l_buffer_view}, {NULL, NULL}};

static const luaL_Reg buffer_meta[] = {
    {"__len", l_buffer__len}, {"__tostring", l_buffer__tostring}, {"__newindex", l_buffer__newindex},
    {"__index", NULL}, {NULL, NULL}};

void l_buffer_open(lua_State *L) {
  luaL_newmetatable(L, L_BUFFER_MT);
  luaL_setfuncs(L, buffer_meta, 0);
  luaL_newlib(L, buffer_methods);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "ltrio.Buffer");
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  lua_pushcfunction(L, l_buffer_new);
  lua_setfield(L, -2, "Buffer");
}
