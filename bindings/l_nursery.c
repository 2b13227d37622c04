/* l_nursery.c - the C half of nurseries: the child count, the parent's
** uncancellable wait, error recording, start_soon, and re-parenting a started
** task. The facade's trio.open_nursery and Nursery:start hold the logic that
** decides what to raise. */
#include <math.h>
#include <string.h>

#include "l_task.h"

static const void *nursery_mt;  /* the Nursery metatable */

static l_nursery_t *checknursery(lua_State *L, int i, const char *fname) {
  l_nursery_t *n = l_testudata(L, i, nursery_mt);
  if (n == NULL) l_argerror(L, i, fname, "self", "Nursery");
  return n;
}

/* Once the body has ended (the parent waits) and no child or start() is left, the
** nursery is closed to new arrivals at once, as Trio's: a task running before the
** parent resumes cannot start anything in it. */
static void wake_parent_if_done(l_nursery_t *n) {
  if (n->waiter != NULL && n->nchildren == 0 && n->pending_starts == 0) {
    lt_task_t *w = n->waiter;
    n->waiter = NULL;
    n->closed = 1;
    lt_task_reschedule(w, 0);
  }
}

static void done_check(lua_State *L, l_nursery_t *n);

/* The last child of an orphaned nursery is gone: its scope closes, and the nursery
** that held it open loses a child. */
static void close_orphan(lua_State *L, l_nursery_t *n) {
  scope_ud_t *s = lt_container_of(n->scope, scope_ud_t, s);
  l_nursery_t *holder = n->holder;
  n->holder = NULL;
  lt_scope_close(n->scope, 0);
  n->closed = 1;
  l_unanchor(L, &s->ref);
  if (holder != NULL) {
    holder->nchildren--;
    done_check(L, holder);
  }
}

/* After a child of 'n' (a task, or an orphaned nursery it holds) or a start() into it
** is gone: the parent waiting at its end resumes, or an orphaned nursery closes. */
static void done_check(lua_State *L, l_nursery_t *n) {
  if (!n->orphaned) wake_parent_if_done(n);
  else if (n->nchildren == 0 && n->pending_starts == 0) close_orphan(L, n);  /* see l_leave_scopes */
}

/* ---- carried Cancelled: a nursery that re-raises errors beside a Cancelled it
** cannot catch (an outer scope's) drops the Cancelled, but the task "carries" it with
** the error it raised, as Trio's group holds both. The first scope that catches a
** Cancelled when that error leaves it records cancelled_caught (CancelScope:run); a
** nursery that receives that error counts it as a Cancelled; trio.pcall does not catch
** it (Trio's `except Exception` does not catch such a group). A scope that catches and
** encloses the place where the carry began ends it however it is left (the error was
** caught inside: no Cancelled goes past it). The registry table at &carried_key maps a
** carrying task (light userdata) to {error, lt_scope_entries() when the carry began}. */
static const char carried_key = 0;

/* Pushes the carry entry of task 't' (it carries). */
static void push_carry(lua_State *L, task_t *t) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &carried_key);
  lua_rawgetp(L, -1, t);
  lua_remove(L, -2);
}

int l_carries(lua_State *L, task_t *t, int err) {
  if (!t->carries_cancel) return 0;
  err = lua_absindex(L, err);
  push_carry(L, t);
  lua_rawgeti(L, -1, 1);
  int same = lua_rawequal(L, -1, err);
  lua_pop(L, 2);
  return same;
}

/* Task 't' carries a Cancelled with the error at 'err' (0: carries none). */
static void set_carried(lua_State *L, task_t *t, int err) {
  if (err == 0 && !t->carries_cancel) return;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &carried_key);
  if (err != 0) {
    lua_createtable(L, 2, 0);
    lua_pushvalue(L, err);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, (lua_Integer)lt_scope_entries());
    lua_rawseti(L, -2, 2);
  } else {
    lua_pushnil(L);
  }
  lua_rawsetp(L, -2, t);
  lua_pop(L, 1);
  t->carries_cancel = err != 0;
}

void l_carried_clear(lua_State *L, task_t *t) { set_carried(L, t, 0); }

void l_carry_scope_caught(lua_State *L, task_t *t, const lt_scope_t *s, int passing) {
  if (!t->carries_cancel) return;
  if (!passing) {  /* the error was caught inside 's' if 's' encloses where the carry began */
    push_carry(L, t);
    lua_rawgeti(L, -1, 2);
    passing = s->entry_order <= (unsigned long long)lua_tointeger(L, -1);
    lua_pop(L, 2);
  }
  if (passing) set_carried(L, t, 0);
}

/* core.carry(err): the running task carries a Cancelled with err (which may be nil). */
static int l_core_carry(lua_State *L) {
  l_task_t *t = l_checktask(L, "core.carry");
  lua_settop(L, 1);
  set_carried(L, lt_container_of(t, task_t, base), 1);
  return 0;
}

/* Cancels the nursery's scope for the error at 'err' of task 'by' (a child, or the
** body when 'body' is set), saying so in the Cancelled its other tasks get. */
static void cancel_for_error(lua_State *L, l_nursery_t *n, int nidx, int err, task_t *by, int body) {
  if (n->scope->cancel_called) return;
  int interrupt = l_iserror(L, err, "KeyboardInterrupt");
  if (lua_type(L, err) == LUA_TTABLE) {
    lua_pushliteral(L, "type");
    lua_rawget(L, err);
  } else {
    lua_pushnil(L);
  }
  const char *who = body ? "the nursery's body" : "a child task";
  const char *reason = lua_type(L, -1) == LUA_TSTRING
                           ? lua_pushfstring(L, "%s raised %s", who, lua_tostring(L, -1))
                           : lua_pushfstring(L, "%s raised an error (a %s)", who, luaL_typename(L, err));
  lua_getiuservalue(L, nidx, 2);  /* the nursery's CancelScope */
  l_scope_cancel_for(L, -1, interrupt ? LT_CANCEL_INTERRUPT : LT_CANCEL_NURSERY, interrupt ? NULL : reason,
                     &by->base);
  lua_pop(L, 3);
}

/* Cancels the nursery, as Trio does for any error of a child, a Cancelled included (the
** body may not see the scope the child died of: a shield in between), and appends the
** error at 'err', raised by task 'by', to the nursery's list at 'nidx'; a Cancelled (or
** one carried with the error) is noted instead. */
static void record_error(lua_State *L, l_nursery_t *n, int nidx, int err, task_t *by, int body) {
  cancel_for_error(L, n, nidx, err, by, body);
  if (l_iserror(L, err, "Cancelled")) {
    n->saw_cancelled = 1;
    return;
  }
  if (l_carries(L, by, err)) {  /* the Cancelled reaches this nursery with the error */
    n->saw_cancelled = 1;
    set_carried(L, by, 0);
  }
  lua_getiuservalue(L, nidx, 1);  /* errors, with their count in 'n' (an error may be nil) */
  lua_Integer count = (lua_getfield(L, -1, "n"), lua_tointeger(L, -1)) + 1;
  lua_pop(L, 1);
  lua_pushinteger(L, count);
  lua_setfield(L, -2, "n");
  n->nerrors = (int)count;
  lua_pushvalue(L, err);
  lua_rawseti(L, -2, count);
  lua_pop(L, 1);
}

void l_nursery_child_done(lua_State *L, task_t *t, int err_idx) {
  l_nursery_t *n = t->nursery;
  if (err_idx && !n->orphaned) {  /* open, so anchored */
    l_pushanchored(L, lt_container_of(n->scope, scope_ud_t, s)->ref);
    record_error(L, n, lua_gettop(L), err_idx, t, 0);
    lua_pop(L, 1);
  }
  n->nchildren--;
  done_check(L, n);
}

/* core.nursery_open() -> nursery: enters the nursery's scope on the running task. */
static int l_core_nursery_open(lua_State *L) {
  l_task_t *t = l_checktask(L, "trio.open_nursery");
  l_nursery_t *n = lua_newuserdatauv(L, sizeof *n, 2);
  memset(n, 0, sizeof *n);
  luaL_setmetatable(L, NURSERY_MT);
  lua_newtable(L);
  lua_setiuservalue(L, -2, 1);
  scope_ud_t *s = l_newscope(L, INFINITY, 0);
  lua_setiuservalue(L, -2, 2);
  n->scope = &s->s;
  s->nursery = n;
  s->ref = l_anchor(L, -1);  /* the nursery (and so its scope) stays alive while open */
  lt_scope_enter(n->scope, &t->task);
  return 1;
}

/* core.nursery_record(nursery, err): the body ended with an error. */
static int l_core_nursery_record(lua_State *L) {
  l_nursery_t *n = checknursery(L, 1, "trio.open_nursery");
  l_task_t *t = l_checktask(L, "trio.open_nursery");
  record_error(L, n, 1, 2, lt_container_of(t, task_t, base), 1);
  return 0;
}

static int nursery_abort(lt_task_t *task, void *data, int err) {
  l_nursery_t *n = data;
  (void)task;
  if (err == LT_EINTERRUPT && !n->interrupted) {
    n->interrupted = 1;
    n->errors_before_interrupt = n->nerrors;
    lt_scope_cancel(n->scope, LT_CANCEL_INTERRUPT);
  }
  return 0;  /* the wait for children cannot be cancelled */
}

/* True if 'inner' is a scope opened inside 'outer' (not 'outer' itself). */
static int is_open_in(const lt_scope_t *outer, const lt_scope_t *inner) {
  if (inner == outer) return 0;
  for (; inner != NULL; inner = inner->parent)
    if (inner == outer) return 1;
  return 0;
}

static int nursery_wait_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, nursery_wait_k);
  (void)status, (void)ctx;
  l_nursery_t *n = lua_touserdata(L, 1);
  l_task_t *t = l_current();
  t->task.outcome = 0;
  if (is_open_in(n->scope, t->task.scope)) {  /* scopes inside the nursery's left open */
    l_leave_scopes(L, &t->task, n->scope, n);
    if (n->nchildren > 0) {  /* orphaned nurseries inside it: wait for them too */
      n->waiter = &t->task;
      return l_park(L, t, nursery_abort, n, 0, nursery_wait_k);
    }
  }
  if (n->interrupted) t->task.interrupt = 0;
  n->closed = 1;
  int caught = lt_scope_exit(n->scope, &t->task, n->saw_cancelled);
  if (caught) l_carry_scope_caught(L, lt_container_of(t, task_t, base), n->scope, 0);
  scope_ud_t *s = lt_container_of(n->scope, scope_ud_t, s);
  l_unanchor(L, &s->ref);
  lua_pushboolean(L, caught);
  if (n->interrupted) lua_pushinteger(L, n->errors_before_interrupt);
  else lua_pushboolean(L, 0);
  lua_pushboolean(L, n->saw_cancelled);
  lua_getiuservalue(L, 1, 1);
  return 4;
}

/* core.nursery_wait(nursery) -> caught, interrupted, saw_cancelled, errors
** ('interrupted': false, or how many of the errors came before the Ctrl-C)
** Waits (uncancellably) for every child, then leaves the nursery's scope. */
static int l_core_nursery_wait(lua_State *L) {
  l_nursery_t *n = checknursery(L, 1, "trio.open_nursery");
  l_task_t *t = l_checkasync(L, "trio.open_nursery");
  lua_settop(L, 1);
  if (n->nchildren > 0 || n->pending_starts > 0) {
    n->waiter = &t->task;
    return l_park(L, t, nursery_abort, n, 0, nursery_wait_k);
  }
  n->closed = 1;  /* nothing left: closed to new arrivals from now on */
  return l_yield(L, t, 0, nursery_wait_k);
}

/* nursery:start_soon(fn, ...)  [-0, +0, e] */
static int l_nursery_start_soon(lua_State *L) {
  const char *fname = "Nursery:start_soon";
  l_nursery_t *n = checknursery(L, 1, fname);
  if (lt_run_current() == NULL) return l_raisef(L, "RuntimeError", "%s: must be called inside trio.run", fname);
  if (n->closed) return l_raisef(L, "RuntimeError", "%s: the nursery is closed to new arrivals", fname);
  l_checkcallable(L, 2, fname, "fn");
  l_spawn(L, n, 2, lua_gettop(L) - 2);
  return 0;
}

/* core.start_soon_closing(nursery, fn, obj) -> boolean: nursery:start_soon(fn, obj)
** for a task that closes obj (its __close, as a to-be-closed variable would) when
** fn returns or fails, without a Lua frame of its own: serve_listeners' connection
** tasks. Returns false, doing nothing, for a duck-typed nursery or an object
** without __close (the caller then uses a Lua wrapper). */
static int l_core_start_soon_closing(lua_State *L) {
  if (l_testudata(L, 1, nursery_mt) == NULL || luaL_getmetafield(L, 3, "__close") == LUA_TNIL) {
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_settop(L, 3);
  l_nursery_start_soon(L);
  task_t *t = lua_touserdata(L, 2);  /* l_spawn left the task in fn's slot */
  t->close_first_arg = 1;
  lua_pushboolean(L, 1);
  return 1;
}

/* core.spawn_start(inner, status, fn, ...): a child of 'inner' that trio.started
** can move to status.target. */
static int l_core_spawn_start(lua_State *L) {
  l_nursery_t *n = checknursery(L, 1, "Nursery:start");
  l_checkcallable(L, 3, "Nursery:start", "fn");
  l_spawn(L, n, 3, lua_gettop(L) - 3);
  l_set_start_status(L, 3, 2);
  return 0;
}

/* core.nursery_pending(nursery, delta): counts start() calls that keep it open. */
static int l_core_nursery_pending(lua_State *L) {
  l_nursery_t *n = checknursery(L, 1, "Nursery:start");
  n->pending_starts += (int)luaL_checkinteger(L, 2);
  done_check(L, n);
  return 0;
}

/* core.nursery_closed(nursery) -> boolean */
static int l_core_nursery_closed(lua_State *L) {
  const char *fname = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "Nursery";
  lua_pushboolean(L, checknursery(L, 1, fname)->closed);
  return 1;
}

/* core.reparent(task, inner, target): moves a started task from the private
** nursery of start() into the target nursery, with every scope it entered. */
static int l_core_reparent(lua_State *L) {
  task_t *t = l_testudata(L, 1, l_task_mt);
  if (t == NULL) return l_argerror(L, 1, "trio.started", "task", "Task");
  l_nursery_t *inner = checknursery(L, 2, "trio.started");
  l_nursery_t *target = checknursery(L, 3, "trio.started");
  lt_task_t *et = &t->base.task;
  lt_scope_t *s = et->scope;
  if (s == inner->scope) {
    lt_list_remove(&et->scope_node);
    lt_list_push(&target->scope->tasks, &et->scope_node);
    et->scope = target->scope;
  } else {
    while (s->parent != inner->scope) s = s->parent;
    lt_scope_reparent(s, target->scope);
  }
  inner->nchildren--;
  target->nchildren++;
  t->nursery = target;
  done_check(L, inner);
  return 0;
}

static int l_nursery__index(lua_State *L) {
  checknursery(L, 1, "Nursery.__index");  /* a direct call may pass anything */
  const char *k = lua_tostring(L, 2);
  if (k && strcmp(k, "cancel_scope") == 0) {
    lua_getiuservalue(L, 1, 2);
    return 1;
  }
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  return 1;
}

static int l_nursery__newindex(lua_State *L) {
  return l_raisef(L, "AttributeError", "Nursery: field '%s' is read-only", luaL_tolstring(L, 2, NULL));
}

static const luaL_Reg nursery_methods[] = {
  {"start_soon", l_nursery_start_soon},
  {NULL, NULL}
};

static const luaL_Reg core_funcs[] = {
  {"nursery_open", l_core_nursery_open},
  {"nursery_record", l_core_nursery_record},
  {"nursery_wait", l_core_nursery_wait},
  {"nursery_pending", l_core_nursery_pending},
  {"nursery_closed", l_core_nursery_closed},
  {"spawn_start", l_core_spawn_start},
  {"start_soon_closing", l_core_start_soon_closing},
  {"reparent", l_core_reparent},
  {"carry", l_core_carry},
  {NULL, NULL}
};

void l_nursery_open(lua_State *L) {  /* core table on top */
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &carried_key);
  luaL_newmetatable(L, NURSERY_MT);
  nursery_mt = lua_topointer(L, -1);
  lua_newtable(L);
  luaL_setfuncs(L, nursery_methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -4, "Nursery_methods");
  lua_pushcclosure(L, l_nursery__index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, l_nursery__newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pop(L, 1);
  luaL_setfuncs(L, core_funcs, 0);
}
