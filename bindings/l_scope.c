/* l_scope.c - the CancelScope class: fields, cancel(), and the enter/exit pair
** that the facade's cs:run brackets around a protected call. */
#include <math.h>
#include <string.h>

#include "l_task.h"

static const void *scope_mt;  /* the CancelScope metatable, compared by identity */

/* Registry table with weak keys: a cancelled scope's userdata -> {reason = string?,
** task = string?}, what its first cancel() or its nursery said (Trio's Cancelled.reason
** and source_task). */
#define CANCEL_INFO "ltrio.cancel_info"

static scope_ud_t *checkscope(lua_State *L, int i, const char *fname) {
  scope_ud_t *s = l_testudata(L, i, scope_mt);
  if (s == NULL) l_argerror(L, i, fname, "self", "CancelScope");
  return s;
}

static double checkdeadline(lua_State *L, int i, const char *fname) {
  double d = l_checknum(L, i, fname, "deadline");
  if (isnan(d)) l_argvalue(L, i, fname, "deadline", "a number that is not NaN expected");
  return d;
}

/* Pushes a new, unentered scope.  [-0, +1, m] */
scope_ud_t *l_newscope(lua_State *L, double deadline, int shield) {
  scope_ud_t *s = lua_newuserdatauv(L, sizeof *s, 0);
  lt_scope_init(&s->s, deadline, shield);
  s->ref = LUA_NOREF;
  s->nursery = NULL;
  luaL_setmetatable(L, SCOPE_MT);
  return s;
}

/* trio.CancelScope{deadline = d, shield = b}  [-0, +1, e] */
static int l_scope_new(lua_State *L) {
  const char *fname = "trio.CancelScope";
  double deadline = INFINITY;
  int shield = 0;
  if (!lua_isnoneornil(L, 1)) {
    if (!lua_istable(L, 1)) return l_argerror(L, 1, fname, "options", "table");
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
      if (strcmp(k, "deadline") == 0) {
        if (lua_type(L, -1) != LUA_TNUMBER)
          return l_raisef(L, "TypeError", "%s: bad argument #1 'options' (deadline must be a number, got %s)",
                          fname, luaL_typename(L, -1));
        deadline = lua_tonumber(L, -1);
        if (isnan(deadline))
          return l_raisef(L, "ValueError", "%s: bad argument #1 'options' (deadline must not be NaN)", fname);
      } else if (strcmp(k, "shield") == 0) {
        if (!lua_isboolean(L, -1))
          return l_raisef(L, "TypeError", "%s: bad argument #1 'options' (shield must be a boolean, got %s)",
                          fname, luaL_typename(L, -1));
        shield = lua_toboolean(L, -1);
      } else {
        return l_raisef(L, "TypeError", "%s: bad argument #1 'options' (unknown option '%s')", fname,
                        luaL_tolstring(L, -2, NULL));
      }
      lua_pop(L, 1);
    }
  }
  l_newscope(L, deadline, shield);
  return 1;
}

void l_scope_cancel_for(lua_State *L, int idx, int source, const char *reason, l_task_t *by) {
  scope_ud_t *s = lua_touserdata(L, idx);
  if (s->s.cancel_called) return;  /* the first cancel says why */
  idx = lua_absindex(L, idx);
  if (reason != NULL || by != NULL) {
    lua_getfield(L, LUA_REGISTRYINDEX, CANCEL_INFO);
    lua_createtable(L, 0, 2);
    if (reason != NULL) {
      lua_pushstring(L, reason);
      lua_setfield(L, -2, "reason");
    }
    if (by != NULL) {
      l_pushtask(L, lt_container_of(by, task_t, base));
      luaL_tolstring(L, -1, NULL);
      lua_setfield(L, -3, "task");
      lua_pop(L, 1);
    }
    lua_pushvalue(L, idx);
    lua_insert(L, -2);
    lua_rawset(L, -3);
    lua_pop(L, 1);
  }
  lt_scope_cancel(&s->s, source);
}

/* The userdata of scope 's', an active scope of the run, or nothing (the root). */
static int push_active_scope(lua_State *L, lt_scope_t *s) {
  lt_run_t *r = lt_run_current();
  if (r == NULL || s == &r->root) return 0;
  scope_ud_t *u = lt_container_of(s, scope_ud_t, s);
  if (u->ref == LUA_NOREF) return 0;
  l_pushanchored(L, u->ref);         /* its owner: itself, or its nursery */
  if (u->nursery != NULL) {
    lua_getiuservalue(L, -1, 2);     /* a nursery's CancelScope */
    lua_remove(L, -2);
  }
  return 1;
}

static const char *const source_names[] = {"unknown", "explicit", "deadline", "nursery",
                                           "KeyboardInterrupt", "unknown"};

void l_push_cancelled(lua_State *L, const l_task_t *t) {
  lt_scope_t *s = t != NULL ? lt_scope_cancelling(&t->task) : NULL;
  const char *source = source_names[s != NULL ? s->cancel_source : LT_CANCEL_UNKNOWN];
  const char *reason = NULL, *task = NULL;
  int top = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, CANCEL_INFO);
  if (s != NULL && push_active_scope(L, s)) {
    lua_rawget(L, -2);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "reason");
      lua_getfield(L, -2, "task");
      reason = lua_tostring(L, -2);
      task = lua_tostring(L, -1);
    }
  }
  lua_pushfstring(L, "cancelled due to %s%s%s%s%s%s", source, reason ? " with reason '" : "",
                  reason ? reason : "", reason ? "'" : "", task ? " from task " : "", task ? task : "");
  l_newerror(L, "Cancelled", lua_tostring(L, -1));
  lua_pushstring(L, source);
  lua_setfield(L, -2, "source");
  if (reason != NULL) {
    lua_pushstring(L, reason);
    lua_setfield(L, -2, "reason");
  }
  if (task != NULL) {
    lua_pushstring(L, task);
    lua_setfield(L, -2, "source_task");
  }
  lua_replace(L, top + 1);
  lua_settop(L, top + 1);
}

/* cs:cancel(reason)  [-0, +0, e] */
static int l_scope_cancel(lua_State *L) {
  checkscope(L, 1, "CancelScope:cancel");
  const char *reason = NULL;
  if (!lua_isnoneornil(L, 2)) {
    if (lua_type(L, 2) != LUA_TSTRING) return l_argerror(L, 2, "CancelScope:cancel", "reason", "string or nil");
    reason = lua_tostring(L, 2);
  }
  l_scope_cancel_for(L, 1, LT_CANCEL_EXPLICIT, reason, l_current());
  return 0;
}

static const luaL_Reg scope_methods[] = {
  {"cancel", l_scope_cancel},
  {NULL, NULL}
};

static int l_scope__index(lua_State *L) {
  scope_ud_t *s = checkscope(L, 1, "CancelScope.__index");  /* a direct call may pass anything */
  const char *k = lua_tostring(L, 2);
  if (k == NULL) return 0;
  if (strcmp(k, "deadline") == 0) lua_pushnumber(L, s->s.deadline);
  else if (strcmp(k, "shield") == 0) lua_pushboolean(L, s->s.shield);
  else if (strcmp(k, "cancel_called") == 0) lua_pushboolean(L, lt_scope_cancel_called(&s->s));
  else if (strcmp(k, "cancelled_caught") == 0) lua_pushboolean(L, s->s.cancelled_caught);
  else {
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));  /* methods table */
  }
  return 1;
}

static int l_scope__newindex(lua_State *L) {
  scope_ud_t *s = checkscope(L, 1, "CancelScope.__newindex");
  const char *k = lua_tostring(L, 2);
  if (k && strcmp(k, "deadline") == 0) {
    int err = lt_scope_set_deadline(&s->s, checkdeadline(L, 3, "CancelScope.deadline"));
    if (err) return l_raise(L, err, "CancelScope.deadline");
  } else if (k && strcmp(k, "shield") == 0) {
    if (!lua_isboolean(L, 3))
      return l_argerror(L, 3, "CancelScope.shield", "shield", "boolean");
    lt_scope_set_shield(&s->s, lua_toboolean(L, 3));
  } else if (k && (strcmp(k, "cancel_called") == 0 || strcmp(k, "cancelled_caught") == 0)) {
    return l_raisef(L, "AttributeError", "CancelScope.%s is read-only", k);
  } else {
    return l_raisef(L, "AttributeError", "CancelScope has no field '%s'", luaL_tolstring(L, 2, NULL));
  }
  return 0;
}

static int l_scope__tostring(lua_State *L) {
  scope_ud_t *s = checkscope(L, 1, "CancelScope.__tostring");
  const char *state = s->s.active ? "active" : s->s.entered ? "exited" : "unbound";
  lua_pushfstring(L, "ltrio.CancelScope (%s%s)", state, s->s.cancel_called ? ", cancelled" : "");
  return 1;
}

/* core.scope_enter(cs)  [-0, +0, e] */
static int l_core_scope_enter(lua_State *L) {
  scope_ud_t *s = checkscope(L, 1, "CancelScope:run");
  l_task_t *t = l_checktask(L, "CancelScope:run");
  if (s->s.entered)
    return l_raisef(L, "RuntimeError", "CancelScope:run: a cancel scope may be entered only once");
  s->ref = l_anchor(L, 1);  /* before entering: may raise a memory error */
  int err = lt_scope_enter(&s->s, &t->task);
  if (err) {
    l_unanchor(L, &s->ref);
    return l_raise(L, err, "CancelScope:run");
  }
  return 0;
}

/* core.scope_exit(cs, cancelled [, err]) -> caught: 'err' is the error leaving the
** scope; one that carries a Cancelled (l_nursery.c) counts as one if the scope catches.
** [-0, +1, e] */
static int l_core_scope_exit(lua_State *L) {
  scope_ud_t *s = checkscope(L, 1, "CancelScope:run");
  l_task_t *t = l_checktask(L, "CancelScope:run");
  if (t->task.scope != &s->s)
    return l_raisef(L, "RuntimeError", "CancelScope:run: cancel scope stack corrupted");
  task_t *task = lt_container_of(t, task_t, base);
  int passing = lua_gettop(L) >= 3 && l_carries(L, task, 3);
  int caught = lt_scope_exit(&s->s, &t->task, lua_toboolean(L, 2) || passing);
  if (caught) l_carry_scope_caught(L, task, &s->s, passing);  /* the error goes on alone */
  l_unanchor(L, &s->ref);
  lua_pushboolean(L, caught);
  return 1;
}

/* core.scope_cancelled(cs) -> effectively cancelled (for trio.started) */
static int l_core_scope_cancelled(lua_State *L) {
  lua_pushboolean(L, lt_scope_cancelled(&checkscope(L, 1, "CancelScope")->s));
  return 1;
}

/* trio.current_effective_deadline()  [-0, +1, e] */
static int l_core_current_effective_deadline(lua_State *L) {
  l_task_t *t = l_current();
  if (lt_run_current() == NULL || t == NULL)
    return l_raisef(L, "RuntimeError", "trio.current_effective_deadline: must be called inside trio.run");
  lua_pushnumber(L, t->task.interrupt ? -INFINITY : lt_scope_effective_deadline(t->task.scope));
  return 1;
}

static const luaL_Reg scope_meta[] = {
    {"__newindex", l_scope__newindex}, {"__tostring", l_scope__tostring}, {NULL, NULL}};

/* core.cancelled_error() -> the Cancelled the running task would get now */
static int l_core_cancelled_error(lua_State *L) {
  l_push_cancelled(L, l_current());
  return 1;
}

static const luaL_Reg core_funcs[] = {
    {"CancelScope", l_scope_new},
    {"cancelled_error", l_core_cancelled_error},
    {"scope_enter", l_core_scope_enter},
    {"scope_exit", l_core_scope_exit},
    {"scope_cancelled", l_core_scope_cancelled},
    {"current_effective_deadline", l_core_current_effective_deadline},
    {NULL, NULL}};

void l_scope_open(lua_State *L) {  /* core table on top */
  l_set_weak_keyed(L, CANCEL_INFO);
  luaL_newmetatable(L, SCOPE_MT);
  scope_mt = lua_topointer(L, -1);
  lua_newtable(L);  /* methods, extended by the facade (run) */
  luaL_setfuncs(L, scope_methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -4, "CancelScope_methods");
  lua_pushcclosure(L, l_scope__index, 1);
  lua_setfield(L, -2, "__index");
  luaL_setfuncs(L, scope_meta, 0);
  lua_pop(L, 1);
  luaL_setfuncs(L, core_funcs, 0);
}
