/* l_errors.c - the error classes of API.md §2, the one converter from engine codes
** to error objects (l_raise), and ltrio's own argument checkers. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "l_common.h"

#define CLASSES "ltrio.classes"   /* registry: name -> class table */

static const struct { const char *name, *base; } class_list[] = {
  {"Error", NULL},
  {"Cancelled", "Error"},
  {"KeyboardInterrupt", "Error"},
  {"TooSlowError", "Error"},
  {"OSError", "Error"},
  {"gaierror", "OSError"},
  {"ClosedResourceError", "Error"},
  {"BusyResourceError", "Error"},
  {"BrokenResourceError", "Error"},
  {"EndOfChannel", "Error"},
  {"WouldBlock", "Error"},
  {"RuntimeError", "Error"},
  {"TypeError", "Error"},
  {"ValueError", "Error"},
  {"AttributeError", "Error"},
  {"ErrorGroup", "Error"},
  {NULL, NULL}
};

/* Pushes the class table named 'cls' (a RuntimeError class if unknown). */
static void push_class(lua_State *L, const char *cls) {
  lua_getfield(L, LUA_REGISTRYINDEX, CLASSES);
  if (lua_getfield(L, -1, cls) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_getfield(L, -1, "Error");
  }
  lua_remove(L, -2);
}

int l_newerror(lua_State *L, const char *cls, const char *msg) {
  lua_createtable(L, 0, 4);
  lua_pushstring(L, cls);
  lua_setfield(L, -2, "type");
  lua_pushstring(L, msg);
  lua_setfield(L, -2, "message");
  push_class(L, cls);
  lua_setmetatable(L, -2);
  return lua_gettop(L);
}

int l_raisef(lua_State *L, const char *cls, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *msg = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  l_newerror(L, cls, msg);
  return lua_error(L);
}

void l_pushoserror(lua_State *L, int err, const char *msg) {
  const char *text = strerror(-err);
  if (msg == NULL) msg = lua_pushfstring(L, "[Errno %d] %s", -err, text);
  else lua_pushstring(L, msg);
  l_newerror(L, "OSError", msg);
  lua_pushinteger(L, -err);
  lua_setfield(L, -2, "errno");
  lua_pushstring(L, text);
  lua_setfield(L, -2, "strerror");
  lua_remove(L, -2);  /* the message string */
}

void l_pusherror(lua_State *L, int err, const char *fname) {
  switch (err) {
    case LT_ECANCELLED: l_push_cancelled(L, l_current()); break;
    case LT_EINTERRUPT: l_newerror(L, "KeyboardInterrupt", "interrupted"); break;
    case LT_ECLOSED:
      l_newerror(L, "ClosedResourceError", lua_pushfstring(L, "%s: another task closed this fd", fname));
      break;
    case LT_EBUSY:
      l_newerror(L, "BusyResourceError",
                 lua_pushfstring(L, "%s: another task is already using this fd in the same direction", fname));
      break;
    case LT_EWOULDBLOCK: l_newerror(L, "WouldBlock", lua_pushfstring(L, "%s: would block", fname)); break;
    case LT_ERUNTIME: l_newerror(L, "RuntimeError", fname); break;
    default:
      if (err == -ENOMEM) {
        l_pushoserror(L, err, lua_pushfstring(L, "%s: out of memory", fname));
      } else if (err < 0 && err > -4096) {
        l_pushoserror(L, err, NULL);
      } else {
        l_newerror(L, "RuntimeError", lua_pushfstring(L, "%s: %s", fname, lt_strerror(err)));
      }
  }
}

int l_raise(lua_State *L, int err, const char *fname) {
  l_pusherror(L, err, fname);
  return lua_error(L);
}

int l_iserror(lua_State *L, int idx, const char *cls) {
  int found = 0;
  if (!lua_istable(L, idx) || !lua_getmetatable(L, idx)) return 0;
  push_class(L, cls);
  for (int depth = 0; depth < 16 && lua_istable(L, -2); depth++) {
    if (lua_rawequal(L, -1, -2)) { found = 1; break; }
    lua_pushliteral(L, "base");
    lua_rawget(L, -3);  /* raw: a user's metatable may have an __index that raises */
    lua_replace(L, -3);
  }
  lua_pop(L, 2);
  return found;
}

/* ---- argument checkers ---- */

void *l_testudata(lua_State *L, int i, const void *mt) {
  if (lua_type(L, i) != LUA_TUSERDATA) return NULL;  /* a light userdata may share the metatable */
  void *u = lua_touserdata(L, i);
  if (!lua_getmetatable(L, i)) return NULL;
  if (lua_topointer(L, -1) != mt) u = NULL;
  lua_pop(L, 1);
  return u;
}

void *l_testudata_named(lua_State *L, int i, const char *tname) {
  return lua_type(L, i) == LUA_TUSERDATA ? luaL_testudata(L, i, tname) : NULL;
}

static int argnum(const char *fname, int i) { return strchr(fname, ':') ? i - 1 : i; }

/* True for "Class.field" named after 'param': the value assigned to an object's field,
** which is no numbered argument. */
static int is_field(const char *fname, const char *param) {
  const char *dot = strrchr(fname, '.');
  return dot != NULL && !strchr(fname, ':') && strcmp(dot + 1, param) == 0;
}

/* The length of the valid UTF-8 sequence at s[0..len), or 0 if there is none (a stray
** continuation byte, a cut or overlong sequence, a surrogate, above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t len) {
  size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
  if (n == 0 || s[0] > 0xf4 || len < n) return 0;
  for (size_t k = 1; k < n; k++)
    if ((s[k] & 0xc0) != 0x80) return 0;
  if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
      (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
    return 0;
  return n;
}

const char *l_pushprintable(lua_State *L, const char *s, size_t len) {
  enum { SHOWN = 64 };
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  size_t end = len < SHOWN ? len : SHOWN;
  for (size_t k = 0; k < end; k++) {
    unsigned char c = (unsigned char)s[k];
    size_t seq = c >= 0x80 ? utf8_seq((const unsigned char *)s + k, len - k) : 0;
    if (seq > 0) {  /* a UTF-8 character, shown as it is */
      luaL_addlstring(&b, s + k, seq);
      k += seq - 1;
    } else if (c == '"' || c == '\\') {
      luaL_addchar(&b, '\\');
      luaL_addchar(&b, (char)c);
    } else if (c < 32 || c >= 127) {  /* also a byte that is no part of valid UTF-8 */
      char esc[8];
      /* \ddd is ambiguous before a digit: always three digits then */
      snprintf(esc, sizeof esc, (k + 1 < len && s[k + 1] >= '0' && s[k + 1] <= '9') ? "\\%03u" : "\\%u", c);
      luaL_addstring(&b, esc);
    } else {
      luaL_addchar(&b, (char)c);
    }
  }
  if (len > SHOWN) luaL_addstring(&b, "...");
  luaL_pushresult(&b);
  return lua_tostring(L, -1);
}

const char *l_describe(lua_State *L, int i) {
  if (lua_type(L, i) == LUA_TNUMBER && isnan(lua_tonumber(L, i))) return "nan";  /* not "-nan" */
  if (lua_type(L, i) == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, i, &len);
    return lua_pushfstring(L, "string \"%s\"", l_pushprintable(L, s, len));
  }
  if (lua_type(L, i) == LUA_TNUMBER || lua_type(L, i) == LUA_TBOOLEAN) return luaL_tolstring(L, i, NULL);
  return luaL_typename(L, i);
}

int l_argerror(lua_State *L, int i, const char *fname, const char *param, const char *expected) {
  const char *got = lua_isnoneornil(L, i) ? "no value" : luaL_typename(L, i);
  if (lua_type(L, i) == LUA_TNUMBER && strstr(expected, "integer")) got = l_describe(L, i);
  if (lua_isnil(L, i) && lua_gettop(L) >= i) got = "nil";
  if (argnum(fname, i) == 0)  /* a method's self: as Lua says it */
    return l_raisef(L, "TypeError", "%s: bad self (%s expected, got %s)", fname, expected, got);
  if (is_field(fname, param))
    return l_raisef(L, "TypeError", "%s: bad value (%s expected, got %s)", fname, expected, got);
  return l_raisef(L, "TypeError", "%s: bad argument #%d '%s' (%s expected, got %s)", fname,
                  argnum(fname, i), param, expected, got);
}

int l_argvalue(lua_State *L, int i, const char *fname, const char *param, const char *what) {
  if (is_field(fname, param))
    return l_raisef(L, "ValueError", "%s: bad value (%s, got %s)", fname, what, l_describe(L, i));
  return l_argfail(L, "ValueError", i, fname, param, what, l_describe(L, i));
}

int l_argfail(lua_State *L, const char *cls, int i, const char *fname, const char *param,
              const char *what, const char *got) {
  return l_raisef(L, cls, "%s: bad argument #%d '%s' (%s, got %s)", fname, argnum(fname, i), param,
                  what, got);
}

lua_Integer l_checkint(lua_State *L, int i, const char *fname, const char *param) {
  int isint;
  lua_Integer v = lua_tointegerx(L, i, &isint);
  if (!isint || lua_type(L, i) != LUA_TNUMBER) l_argerror(L, i, fname, param, "integer");
  return v;
}

int l_checkcint(lua_State *L, int i, const char *fname, const char *param) {
  lua_Integer v = l_checkint(L, i, fname, param);
  if (v < INT_MIN || v > INT_MAX) l_argvalue(L, i, fname, param, "a C int expected");
  return (int)v;
}

int l_checkfilefd(lua_State *L, int i, const char *fname, const char *param) {
  if (lua_type(L, i) == LUA_TNUMBER) return l_checkcint(L, i, fname, param);
  luaL_Stream *f = l_testudata_named(L, i, LUA_FILEHANDLE);
  if (!f) return l_argerror(L, i, fname, param, "file or integer fd");
  if (!f->closef)
    return l_raisef(L, "ValueError", "%s: bad argument #%d '%s' (open file expected, got closed file)",
                    fname, argnum(fname, i), param);
  return fileno(f->f);
}

lua_Integer l_optint(lua_State *L, int i, const char *fname, const char *param, lua_Integer def) {
  return lua_isnoneornil(L, i) ? def : l_checkint(L, i, fname, param);
}

lua_Integer l_checksize(lua_State *L, int i, const char *fname, const char *param) {
  lua_Integer v = l_checkint(L, i, fname, param);
  if (v < 0 || v > 0x7fffffff) l_argvalue(L, i, fname, param, "size between 0 and 2^31-1 expected");
  return v;
}

double l_checknum(lua_State *L, int i, const char *fname, const char *param) {
  if (lua_type(L, i) != LUA_TNUMBER) l_argerror(L, i, fname, param, "number");
  return lua_tonumber(L, i);
}

const char *l_checkstr(lua_State *L, int i, const char *fname, const char *param, size_t *len) {
  if (lua_type(L, i) != LUA_TSTRING) l_argerror(L, i, fname, param, "string");
  return len ? lua_tolstring(L, i, len) : l_cstring(L, i, fname, param);
}

const char *l_cstring(lua_State *L, int i, const char *fname, const char *param) {
  size_t len;
  const char *s = lua_tolstring(L, i, &len);
  if (s != NULL && strlen(s) != len) l_argvalue(L, i, fname, param, "string without a NUL byte expected");
  return s;
}

int l_optbool(lua_State *L, int i, const char *fname, const char *param, int def) {
  if (lua_isnoneornil(L, i)) return def;
  if (!lua_isboolean(L, i)) l_argerror(L, i, fname, param, "boolean");
  return lua_toboolean(L, i);
}

void l_checkcallable(lua_State *L, int i, const char *fname, const char *param) {
  if (lua_type(L, i) == LUA_TFUNCTION) return;
  if (luaL_getmetafield(L, i, "__call") != LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  l_argerror(L, i, fname, param, "function");
}

/* ---- Lua side: classes, iserror, error construction ---- */

/* "<type>: <message>"; a 'type' that is no string (a user may clear it) gives way to
** the name of the object's class, then to "Error".  [-0, +1, e] */
static int class_tostring(lua_State *L) {
  lua_settop(L, 1);
  lua_getfield(L, 1, "type");
  if (!lua_isstring(L, 2) && !(luaL_getmetafield(L, 1, "name") != LUA_TNIL && lua_isstring(L, -1)))
    lua_pushliteral(L, "Error");
  const char *type = lua_tostring(L, -1);
  lua_getfield(L, 1, "message");
  if (lua_isstring(L, -1) && lua_rawlen(L, -1) > 0)
    lua_pushfstring(L, "%s: %s", type, lua_tostring(L, -1));
  else
    lua_pushstring(L, type);
  return 1;
}

/* err .. x and x .. err: as a string would, the other side must be a string, a number
** or an error object. */
static int class_concat(lua_State *L) {  /* [-0, +1, e] */
  for (int i = 1; i <= 2; i++) {
    int t = lua_type(L, i);
    if (t != LUA_TSTRING && t != LUA_TNUMBER && !l_iserror(L, i, "Error"))
      return luaL_error(L, "attempt to concatenate a %s value", luaL_typename(L, i));
  }
  for (int i = 1; i <= 2; i++) luaL_tolstring(L, i, NULL);
  lua_concat(L, 2);
  return 1;
}

/* core.newerror(class_or_name, message) -> error object  [-0, +1, e] */
static int l_core_newerror(lua_State *L) {
  const char *cls = lua_isstring(L, 1) ? lua_tostring(L, 1) : NULL;
  if (cls == NULL) {
    lua_getfield(L, 1, "name");
    cls = lua_tostring(L, -1);
    if (cls == NULL) return l_argerror(L, 1, "trio.newerror", "class", "error class");
  }
  l_newerror(L, cls, luaL_optstring(L, 2, ""));
  return 1;
}

/* class(message) constructs an error object; Cancelled refuses.  [-0, +1, e] */
static int class_call(lua_State *L) {
  lua_settop(L, 2);  /* a message given as nil is one omitted */
  lua_getfield(L, 1, "name");
  const char *name = lua_tostring(L, -1);
  if (strcmp(name, "Cancelled") == 0)
    return l_raisef(L, "TypeError", "trio.Cancelled: Cancelled has no public constructor");
  const char *msg = lua_isnoneornil(L, 2) ? "" : luaL_tolstring(L, 2, NULL);
  l_newerror(L, name, msg);
  lua_pushvalue(L, 1);
  lua_setmetatable(L, -2);  /* the exact class (also for user subclasses) */
  return 1;
}

static void make_class(lua_State *L, const char *name, int base_idx) {
  lua_createtable(L, 0, 8);
  lua_pushstring(L, name);
  lua_setfield(L, -2, "name");
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, class_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushcfunction(L, class_concat);
  lua_setfield(L, -2, "__concat");
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  if (base_idx) {
    lua_pushvalue(L, base_idx);
    lua_setfield(L, -2, "base");
  }
  /* calling a class makes an instance */
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, class_call);
  lua_setfield(L, -2, "__call");
  if (base_idx) {
    lua_pushvalue(L, base_idx);
    lua_setfield(L, -2, "__index");
  }
  lua_setmetatable(L, -2);
}

/* core.newclass(name, base) -> class, registered by name  [-0, +1, e] */
static int l_core_newclass(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  make_class(L, name, lua_istable(L, 2) ? 2 : 0);
  lua_getfield(L, LUA_REGISTRYINDEX, CLASSES);
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
  return 1;
}

/* core.iserror(obj, class_or_name) -> boolean  [-0, +1, e] */
static int l_core_iserror(lua_State *L) {
  const char *name;
  if (lua_type(L, 2) == LUA_TSTRING) {
    name = lua_tostring(L, 2);
    lua_getfield(L, LUA_REGISTRYINDEX, CLASSES);
    if (lua_getfield(L, -1, name) != LUA_TTABLE)
      return l_raisef(L, "ValueError", "trio.iserror: bad argument #2 'class' (unknown error class '%s')", name);
  } else if (lua_istable(L, 2) && lua_getfield(L, 2, "name") == LUA_TSTRING) {
    name = lua_tostring(L, -1);
  } else {
    return l_argerror(L, 2, "trio.iserror", "class", "error class or name");
  }
  lua_pushboolean(L, l_iserror(L, 1, name));
  return 1;
}

/* core.iscallable(v) -> boolean: a function, or a value whose (raw) metatable has a
** __call; the one test behind every "function expected" of ltrio.  [-0, +1, -] */
static int l_core_iscallable(lua_State *L) {
  int yes = lua_type(L, 1) == LUA_TFUNCTION;
  if (!yes && luaL_getmetafield(L, 1, "__call") != LUA_TNIL) yes = 1;
  lua_pushboolean(L, yes);
  return 1;
}

/* core.printable(s) -> s as error messages show it (l_pushprintable) */
static int l_core_printable(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  l_pushprintable(L, s, len);
  return 1;
}

static const luaL_Reg core_funcs[] = {
    {"newerror", l_core_newerror}, {"newclass", l_core_newclass}, {"iserror", l_core_iserror},
    {"iscallable", l_core_iscallable}, {"printable", l_core_printable}, {NULL, NULL}};

void l_errors_open(lua_State *L) {  /* core table on top */
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, CLASSES);
  lua_newtable(L);  /* core.errors */
  lua_getfield(L, LUA_REGISTRYINDEX, CLASSES);
  for (int i = 0; class_list[i].name; i++) {
    int base = 0;
    if (class_list[i].base) {
      lua_getfield(L, -1, class_list[i].base);
      base = lua_gettop(L);
    }
    make_class(L, class_list[i].name, base);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3 - (base ? 1 : 0), class_list[i].name);
    lua_setfield(L, -3 - (base ? 1 : 0), class_list[i].name);
    if (base) lua_pop(L, 1);
  }
  lua_pop(L, 1);
  lua_setfield(L, -2, "errors");
  luaL_setfuncs(L, core_funcs, 0);
}
