/* l_task.c - tasks as Lua coroutines: spawning (with a pool of finished threads),
** the scheduler's step, the protected task body and its message handler, the
** async-call helpers of l_common.h, checkpoints and sleeps, and the generic
** park/unpark used by the Lua synchronisation primitives. */
#include <math.h>
#include <string.h>

#include "l_task.h"

#define REFS "ltrio.tasks"       /* registry: luaL_ref table anchoring live tasks */
#define EXIT_HOOK "ltrio.exit_hook"  /* registry: facade function(task, objects) */
#define START_STATUS "ltrio.start_status"  /* registry: task -> its Nursery:start status */
#define EXIT_SETS "ltrio.exit_sets"  /* registry: task -> objects to notify when it exits
                                     ** (weak keys; few tasks have one) */
#define POOL_KEEP 16             /* idle threads kept once a run has ended */
#define ERRINFO "ltrio.errinfo"  /* registry: error value -> {name, traceback} */
#define POOL_MAX 1024

static task_t *running;          /* the task being stepped */
static task_t *stepping;         /* the same, also while its instruments run (current_task) */
static int pool_n;               /* idle threads in the pool */
static int pool_ref = LUA_NOREF; /* registry slot of the pool (array of idle threads) */
static int task_mt_ref = LUA_NOREF;  /* registry slot of the Task metatable */
static long tasks_allocated;     /* spawned and not yet finished */

int l_instruments_active;        /* l_run.c: any instrument installed */
void l_instrument_call(lua_State *L, const char *hook, task_t *t);  /* l_run.c */
void l_main_finished(lua_State *L, lua_State *co, int nres);         /* l_run.c */

task_t *l_running(void) { return running; }
l_task_t *l_current(void) { return running ? &running->base : NULL; }

/* A task's coroutine keeps a pointer to its task in its extra space (lua_getextraspace). */
_Static_assert(LUA_EXTRASPACE >= sizeof(void *), "a thread's extra space holds a pointer");
static task_t **owner(lua_State *co) { return (task_t **)lua_getextraspace(co); }

int l_resumed_elsewhere(lua_State *L) { return running == NULL || running->base.L != L; }

int l_yield_back(lua_State *L, lua_KContext ctx, lua_KFunction k) {
  task_t *self = *owner(L);
  if (self != NULL) lua_settop(L, (int)self->nargs);  /* what the resumer passed goes */
  l_newerror(L, "RuntimeError",
             "coroutine.resume: the coroutine of a waiting task is resumed by the scheduler only");
  return lua_yieldk(L, 1, ctx, k);
}
long l_tasks_allocated(void) { return tasks_allocated; }
int l_threads_pooled(void) { return pool_n; }

static int refs_ref = LUA_NOREF;  /* registry slot of the REFS table */
const void *l_task_mt;            /* the Task metatable, compared by identity */

void l_pushtask(lua_State *L, task_t *t) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, refs_ref);
  lua_rawgeti(L, -1, t->ref);
  lua_remove(L, -2);
}

static int anchors_ref = LUA_NOREF;  /* registry slot of the table anchoring entered scopes */
static long anchors_live;            /* references in it */

int l_anchor(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_rawgeti(L, LUA_REGISTRYINDEX, anchors_ref);
  lua_pushvalue(L, idx);
  int ref = luaL_ref(L, -2);
  lua_pop(L, 1);
  anchors_live++;
  return ref;
}

void l_pushanchored(lua_State *L, int ref) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, anchors_ref);
  lua_rawgeti(L, -1, ref);
  lua_remove(L, -2);
}

void l_unanchor(lua_State *L, int *ref) {
  if (*ref == LUA_NOREF) return;
  lua_rawgeti(L, LUA_REGISTRYINDEX, anchors_ref);
  luaL_unref(L, -1, *ref);
  lua_pop(L, 1);
  *ref = LUA_NOREF;
  anchors_live--;
}

/* Leaves the scopes task 'et' entered inside 'base' that are still open (an error,
** such as running out of memory, broke the bracket that would have left them), so no
** engine list keeps pointing into memory the collector may free. A nursery that still
** has children is moved under 'base', cancelled, counted as a child of 'holder', and
** closed by its last child. */
void l_leave_scopes(lua_State *L, lt_task_t *et, lt_scope_t *base, l_nursery_t *holder) {
  while (et->scope != base && et->scope != NULL) {
    lt_scope_t *s = et->scope;
    scope_ud_t *u = lt_container_of(s, scope_ud_t, s);
    l_nursery_t *n = u->nursery;
    if (n != NULL && (n->nchildren > 0 || n->pending_starts > 0)) {
      lt_scope_t *parent = s->parent;
      lt_scope_reparent(s, base);
      lt_list_remove(&et->scope_node);
      lt_list_push(&parent->tasks, &et->scope_node);
      et->scope = parent;
      n->orphaned = 1;
      n->waiter = NULL;
      n->holder = holder;
      if (holder != NULL) holder->nchildren++;
      lt_scope_cancel(s, LT_CANCEL_UNKNOWN);
    } else {
      lt_scope_exit(s, et, 0);
      if (n != NULL) n->closed = 1;
      l_unanchor(L, &u->ref);
    }
  }
}

void l_task_run_ended(lua_State *L) {
  running = stepping = NULL;  /* a step left by an error must not outlive its run */
  if (tasks_allocated == 0) {  /* a fresh table: the old one's array part would stay grown */
    lua_newtable(L);
    lua_rawseti(L, LUA_REGISTRYINDEX, refs_ref);
  }
  if (anchors_live == 0) {  /* likewise for the anchors of many sleeps at once */
    lua_newtable(L);
    lua_rawseti(L, LUA_REGISTRYINDEX, anchors_ref);
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, pool_ref);
  while (pool_n > POOL_KEEP) {
    lua_pushnil(L);
    lua_rawseti(L, -2, pool_n--);
  }
  lua_pop(L, 1);
  if (pool_n == 0) {
    lua_newtable(L);
    lua_rawseti(L, LUA_REGISTRYINDEX, pool_ref);
  }
}

/* Pushes the task's name: "main" or "source:line" of its function (for a callable
** object, of its __call function). */
static void push_task_name(lua_State *L, task_t *t, int ud) {
  lua_Debug ar;
  if (L_IS_MAIN(t)) {
    lua_pushliteral(L, "main");
    return;
  }
  lua_getiuservalue(L, ud, 2);
  if (!lua_isfunction(L, -1) && lua_getmetatable(L, -1)) {
    lua_pushliteral(L, "__call");
    lua_rawget(L, -2);
    lua_replace(L, -3);
    lua_pop(L, 1);
  }
  if (lua_isfunction(L, -1)) {
    lua_getinfo(L, ">S", &ar);
    if (ar.linedefined < 0) lua_pushstring(L, ar.short_src);  /* a C function: "[C]" */
    else lua_pushfstring(L, "%s:%d", ar.short_src, ar.linedefined);
  } else {
    lua_pop(L, 1);
    lua_pushliteral(L, "?");
  }
}

/* ---- the protected body and its message handler ---- */

/* The ERRINFO key of the error at 'idx': the object itself, or for plain values
** (strings, numbers, nil) the one slot they share. [-0, +1, -] */
static void push_errinfo_key(lua_State *L, int idx) {
  if (lua_type(L, idx) == LUA_TTABLE || lua_type(L, idx) == LUA_TUSERDATA) lua_pushvalue(L, idx);
  else lua_pushliteral(L, "last plain error");
}

int l_task_msgh(lua_State *L) {  /* [-0, +1, m] */
  if (l_iserror(L, 1, "Cancelled")) return 1;
  luaL_traceback(L, L, NULL, 1);
  int tb = lua_gettop(L);
  if (l_iserror(L, 1, "Error")) {
    if (lua_getfield(L, 1, "traceback") == LUA_TNIL) {
      lua_pushvalue(L, tb);
      lua_setfield(L, 1, "traceback");
    }
    lua_pop(L, 1);
  }
  if (running == NULL) {
    lua_settop(L, 1);
    return 1;
  }
  /* where the error was first raised, for the host's report (l_task_errinfo) */
  lua_getfield(L, LUA_REGISTRYINDEX, ERRINFO);
  l_task_errinfo(L, 1);
  if (lua_isnil(L, -1)) {
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "value");
    l_pushtask(L, running);
    push_task_name(L, running, lua_gettop(L));
    lua_setfield(L, -3, "name");
    lua_pop(L, 1);
    lua_pushvalue(L, tb);
    lua_setfield(L, -2, "traceback");
    push_errinfo_key(L, 1);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  lua_settop(L, 1);
  return 1;
}

#define BODY_OK(status) ((status) == LUA_OK || (status) == LUA_YIELD)

/* After the close of a closing task: [obj, msgh, results...] or, when the close
** raised, [obj, msgh, results..., error], which replaces the body's outcome. */
static int task_closed_k(lua_State *L, int status, lua_KContext body_ok) {
  if (!BODY_OK(status)) {
    lua_copy(L, -1, 3);
    lua_settop(L, 3);
    body_ok = 0;
  }
  lua_pushboolean(L, (int)body_ok);
  lua_replace(L, 2);
  lua_remove(L, 1);
  return lua_gettop(L);
}

/* After the body: [msgh, results...] or [msgh, error]; with ctx set, the object to
** close sits below: its __close(obj, error or nil) runs protected, and may yield. */
static int task_main_k(lua_State *L, int status, lua_KContext closing) {
  if (closing) {
    int ok = BODY_OK(status);
    if (luaL_getmetafield(L, 1, "__close") == LUA_TNIL) return task_closed_k(L, LUA_OK, ok);
    lua_pushvalue(L, 1);
    if (ok) lua_pushnil(L);
    else lua_pushvalue(L, 3);
    return task_closed_k(L, lua_pcallk(L, 2, 0, 2, ok, task_closed_k), ok);
  }
  lua_pushboolean(L, BODY_OK(status));
  lua_replace(L, 1);  /* the message handler's slot becomes the success flag */
  return lua_gettop(L);
}

/* The coroutine's main function: runs fn(...) protected; returns ok, results...
** A task spawned by core.start_soon_closing keeps its first argument below. */
static int task_main(lua_State *L) {
  int n = lua_gettop(L);
  int closing = running->close_first_arg && n >= 2;
  lua_pushcfunction(L, l_task_msgh);
  lua_insert(L, 1);
  if (closing) {
    lua_pushvalue(L, 3);
    lua_insert(L, 1);
  }
  return task_main_k(L, lua_pcallk(L, n - 1, LUA_MULTRET, 1 + closing, closing, task_main_k), closing);
}

/* ---- spawning ---- */

task_t *l_spawn(lua_State *L, l_nursery_t *n, int fn, int nargs) {
  lt_run_t *r = lt_run_current();
  task_t *t = lua_newuserdatauv(L, sizeof *t, TASK_UV);
  memset(t, 0, sizeof *t);
  lua_rawgeti(L, LUA_REGISTRYINDEX, task_mt_ref);
  lua_setmetatable(L, -2);
  lua_pushvalue(L, fn);
  lua_setiuservalue(L, -2, 2);
  if (nargs > 0) {  /* the arguments wait in user value 1 until the first step: */
    if (nargs == 1) {  /* one argument as it is, */
      lua_pushvalue(L, fn + 1);
    } else {           /* several in a table */
      lua_createtable(L, nargs, 0);
      for (int i = 1; i <= nargs; i++) {
        lua_pushvalue(L, fn + i);
        lua_rawseti(L, -2, i);
      }
    }
    lua_setiuservalue(L, -2, 1);
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, refs_ref);
  lua_pushvalue(L, -2);
  t->ref = luaL_ref(L, -2);
  lua_pop(L, 1);
  t->nursery = n;
  t->nargs = nargs;
  lt_task_start(&t->base.task, n ? n->scope : &r->root);
  if (n) n->nchildren++;
  tasks_allocated++;
  lua_replace(L, fn);  /* the task userdata takes fn's slot */
  lua_settop(L, fn);
  if (l_instruments_active) l_instrument_call(L, "task_spawned", t);
  return t;
}

/* Gives a task its coroutine (from the pool when possible) loaded with the
** protected body, the function and its arguments; returns the resume count. */
static int attach_thread(lua_State *L, task_t *t) {
  lua_State *co;
  int nargs = t->nargs;
  if (!lua_checkstack(L, nargs + 4)) l_raise(L, -12 /* ENOMEM */, "start_soon");
  l_pushtask(L, t);
  if (nargs > 0) lua_getiuservalue(L, -1, 1);
  if (pool_n > 0) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, pool_ref);
    lua_rawgeti(L, -1, pool_n);
    lua_pushnil(L);
    lua_rawseti(L, -3, pool_n--);
    lua_remove(L, -2);
    co = lua_tothread(L, -1);
  } else {
    co = lua_newthread(L);
  }
  lua_setiuservalue(L, -2 - (nargs > 0), 1);
  if (!lua_checkstack(co, nargs + 3)) l_raise(L, -12 /* ENOMEM */, "start_soon");
  *owner(co) = t;
  lua_pushcfunction(co, task_main);
  lua_getiuservalue(L, -1 - (nargs > 0), 2);
  lua_xmove(L, co, 1);
  int args = lua_gettop(L);
  if (nargs == 1) lua_pushvalue(L, args);
  else for (int i = 1; i <= nargs; i++) lua_rawgeti(L, args, i);
  lua_xmove(L, co, nargs);
  lua_pop(L, 1 + (nargs > 0));
  t->base.L = co;
  t->nargs = 0;
  return nargs + 1;
}

/* ---- the scheduler's step ---- */

/* Runs when coroutine.yield returns into a task that called it directly: the
** error is raised there, inside any pcall around the yield. */
static void foreign_yield_hook(lua_State *L, lua_Debug *ar) {
  if (ar->event != LUA_HOOKRET) return;
  lua_sethook(L, NULL, 0, 0);
  l_raisef(L, "RuntimeError",
           "coroutine.yield: a task must not yield directly; call ltrio's async functions instead");
}

/* Calls the facade's exit hook with the objects registered on a finished task
** (locks it still holds). */
static void notify_exit(lua_State *L, task_t *t) {
  if (!t->has_exit_set) return;
  t->has_exit_set = 0;
  lua_getfield(L, LUA_REGISTRYINDEX, EXIT_SETS);
  l_pushtask(L, t);
  lua_pushvalue(L, -1);
  lua_rawget(L, -3);                 /* [sets, task, objects] */
  lua_pushvalue(L, -2);
  lua_pushnil(L);
  lua_rawset(L, -5);                 /* the entry goes */
  lua_getfield(L, LUA_REGISTRYINDEX, EXIT_HOOK);
  lua_insert(L, -3);                 /* [sets, hook, task, objects] */
  lua_pcall(L, 2, 0, 0);
  lua_pop(L, 1);
}

static void finish_task(lua_State *L, task_t *t, int status, int nres) {
  lua_State *co = t->base.L;
  if (status != LUA_OK) {  /* an error escaped the protected body (e.g. out of memory) */
    lua_pushboolean(co, 0);
    lua_insert(co, -2);
    nres = 2;
  }
  if (l_instruments_active) {
    l_instrument_call(L, "task_exited", t);  /* Trio's order */
    l_instrument_call(L, "after_task_step", t);
  }
  notify_exit(L, t);
  l_leave_scopes(L, &t->base.task, t->nursery ? t->nursery->scope : &lt_run_current()->root, t->nursery);
  lt_task_finish(&t->base.task);
  tasks_allocated--;
  if (L_IS_MAIN(t)) {
    l_main_finished(L, co, nres);
  } else {
    int ok = lua_toboolean(co, -nres);
    if (!ok) {
      lua_xmove(co, L, 1);
      l_nursery_child_done(L, t, lua_gettop(L));
      lua_pop(L, 1);
    } else {
      l_nursery_child_done(L, t, 0);
    }
    lt_run_t *r = lt_run_current();
    if (r->main == NULL && r->tasks_living == 0) r->stop = 1;  /* see l_main_finished */
  }
  l_carried_clear(L, t);
  /* recycle the thread, drop the task from the live set */
  *owner(co) = NULL;
  l_pushtask(L, t);
  if (status == LUA_OK && pool_n < POOL_MAX) {
    lua_settop(co, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, pool_ref);
    lua_getiuservalue(L, -2, 1);
    lua_rawseti(L, -2, ++pool_n);
    lua_pop(L, 1);
  } else {
    lua_resetthread(co);
  }
  lua_pushnil(L);
  lua_setiuservalue(L, -2, 1);
  lua_pop(L, 1);
  t->base.L = NULL;
  lua_rawgeti(L, LUA_REGISTRYINDEX, refs_ref);
  luaL_unref(L, -1, t->ref);
  lua_pop(L, 1);
  t->ref = LUA_NOREF;
}

/* The run loop's prefetch hook. With a thousand connections, the state a step
** touches first (the task, its lua_State, its CallInfos, the objects on top of its
** stack) has left the CPU cache since the task's last step; asking for it one or
** two steps ahead overlaps those misses with the current step. Two steps ahead:
** the task itself, whose fields say what to fetch one step ahead. A stale hint
** costs nothing: a prefetch never faults. */
static void prefetch_at(const void *base, intptr_t offset) {
  __builtin_prefetch((const void *)((uintptr_t)base + (uintptr_t)offset));
}

void l_task_prefetch(lt_task_t *et, int ahead) {
  task_t *t = lt_container_of(et, task_t, base.task);
  if (ahead == 2) {
    __builtin_prefetch(t);
    __builtin_prefetch((char *)t + 64);
    return;
  }
  const void *co = t->base.L;
  if (co == NULL) return;
  for (int i = 0; i < 4; i++) prefetch_at(co, 64 * i);  /* a lua_State: ~200 bytes */
  for (int i = 0; i < 4; i++)
    if (t->hint[i]) prefetch_at(co, t->hint[i]);
}

void l_task_step(lt_task_t *et, void *ud) {
  lua_State *L = ud;
  task_t *t = lt_container_of(et, task_t, base.task);
  int nres, nargs = 0;
  stepping = t;
  if (l_instruments_active) l_instrument_call(L, "before_task_step", t);
  if (t->base.L == NULL) nargs = attach_thread(L, t);
  lua_State *co = t->base.L;
  if (nargs == 0 && lua_status(co) != LUA_YIELD) {  /* coroutine.close ended it while it waited */
    lua_settop(co, 0);
    l_newerror(L, "RuntimeError", "the task's coroutine was closed (coroutine.close) while it waited");
    lua_xmove(L, co, 1);
    finish_task(L, t, LUA_ERRRUN, 1);
    stepping = NULL;
    return;
  }
  running = t;
  t->proper_yield = 0;
  int status = lua_resume(co, L, nargs, &nres);
  running = NULL;
  if (status == LUA_YIELD) {
    if (nres > 0) lua_pop(co, nres);  /* an ltrio yield passes nothing */
    if (!t->proper_yield) {
      lua_sethook(co, foreign_yield_hook, LUA_MASKRET, 0);
      lt_task_yield(et);
    }
    if (l_instruments_active) l_instrument_call(L, "after_task_step", t);
  } else {
    finish_task(L, t, status, nres);
  }
  stepping = NULL;
}

/* ---- async-call helpers (l_common.h) ---- */

l_task_t *l_checktask(lua_State *L, const char *fname) {
  if (lt_run_current() == NULL)
    l_raisef(L, "RuntimeError", "%s: must be called inside trio.run", fname);
  if (running == NULL)
    l_raisef(L, "RuntimeError", "%s: must be called from a task, not from an instrument or callback", fname);
  if (running->base.L != L)
    l_raisef(L, "RuntimeError",
             "%s: must be called from the task's own coroutine, not from a coroutine it created", fname);
  return &running->base;
}

l_task_t *l_checkasync(lua_State *L, const char *fname) {
  /* the common case first: a running task implies a run (l_task_step) */
  if (running != NULL && running->base.L == L && lua_isyieldable(L)) return &running->base;
  l_task_t *t = l_checktask(L, fname);
  if (!lua_isyieldable(L))
    l_raisef(L, "RuntimeError",
             "%s: cannot yield here: called from a C function (table.sort, string.gsub, require, a metamethod such as __gc or __tostring)",
             fname);
  return t;
}

void l_checkcancel(lua_State *L, l_task_t *t) {
  int err = lt_task_check(&t->task);
  if (err) {
    l_pusherror(L, err, "checkpoint");
    l_yield_raise(L, t);  /* a yield from C does not return */
  }
}

static void set_hint(task_t *t, int i, const void *p) {
  intptr_t d = (intptr_t)p - (intptr_t)t->base.L;
  t->hint[i] = p != NULL && d >= INT32_MIN && d <= INT32_MAX ? (int32_t)d : 0;
}

/* Every yield to the scheduler: marks it as ltrio's own (not a direct coroutine.yield),
** notes the stack top for l_yield_back, and the addresses its next step reads first
** (l_task_prefetch): the first and top values of the yielding C function's frame,
** and the CallInfos of that frame and of its caller (lua_Debug's i_ci, used as an
** address only). */
static int yield_to_scheduler(lua_State *L, l_task_t *t, lua_KContext ctx, lua_KFunction k) {
  task_t *tt = (task_t *)t;
  int top = lua_gettop(L);
  tt->proper_yield = 1;
  tt->nargs = (unsigned)top;
  lua_Debug ar;
  set_hint(tt, 0, top >= 1 ? lua_topointer(L, 1) : NULL);
  set_hint(tt, 1, top >= 2 ? lua_topointer(L, top) : NULL);
  set_hint(tt, 2, lua_getstack(L, 0, &ar) ? (const void *)ar.i_ci : NULL);
  set_hint(tt, 3, lua_getstack(L, 1, &ar) ? (const void *)ar.i_ci : NULL);
  return lua_yieldk(L, 0, ctx, k);
}

int l_park(lua_State *L, l_task_t *t, lt_abort_cb cb, void *data, lua_KContext ctx, lua_KFunction k) {
  lt_task_park(&t->task, cb, data);
  return yield_to_scheduler(L, t, ctx, k);
}

int l_take_outcome(l_task_t *t) {
  int err = t->task.outcome;
  t->task.outcome = 0;
  return err;
}

void l_outcome(lua_State *L, l_task_t *t, const char *fname) {
  int err = l_take_outcome(t);
  if (err) l_raise(L, err, fname);
}

static int return_ctx_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, return_ctx_k);
  (void)L, (void)status;
  return (int)ctx;
}

int l_yield(lua_State *L, l_task_t *t, lua_KContext ctx, lua_KFunction k) {
  lt_task_yield(&t->task);
  return yield_to_scheduler(L, t, ctx, k);
}

int l_schedpoint(lua_State *L, l_task_t *t, int nres) {
  return l_yield(L, t, nres, return_ctx_k);
}

static int raise_top_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, raise_top_k);
  (void)status, (void)ctx;
  return lua_error(L);  /* the error object waits on the top */
}

int l_yield_raise(lua_State *L, l_task_t *t) { return l_yield(L, t, 0, raise_top_k); }

/* ---- checkpoints and sleeping ---- */

static int checkpoint_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, checkpoint_k);
  (void)status, (void)ctx;
  int err = lt_task_check(&l_current()->task);  /* after the schedule point: no second one */
  if (err) l_raise(L, err, "checkpoint");
  return 0;
}

static int checkpoint(lua_State *L, l_task_t *t) { return l_yield(L, t, 0, checkpoint_k); }

/* trio.checkpoint()  [-0, +0, e] */
static int l_core_checkpoint(lua_State *L) {
  return checkpoint(L, l_checkasync(L, "trio.checkpoint"));
}

/* trio.checkpoint_if_cancelled()  [-0, +0, e] */
static int l_core_checkpoint_if_cancelled(lua_State *L) {
  l_checkcancel(L, l_checkasync(L, "trio.checkpoint_if_cancelled"));
  return 0;
}

/* trio.lowlevel.cancel_shielded_checkpoint()  [-0, +0, e] */
static int l_core_cancel_shielded_checkpoint(lua_State *L) {
  return l_schedpoint(L, l_checkasync(L, "trio.lowlevel.cancel_shielded_checkpoint"), 0);
}

static int sleep_forever_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, sleep_forever_k);
  (void)status, (void)ctx;
  l_outcome(L, l_current(), "trio.sleep_forever");
  return 0;
}

static int sleep_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, sleep_k);
  (void)status, (void)ctx;
  task_t *t = running;
  int err = l_take_outcome(&t->base);
  scope_ud_t *s = lua_touserdata(L, -1);
  int caught = lt_scope_exit(&s->s, &t->base.task, err == LT_ECANCELLED);
  l_unanchor(L, &s->ref);
  if (err && !(err == LT_ECANCELLED && caught)) l_raise(L, err, "trio.sleep");
  return 0;
}

static int sleep_until(lua_State *L, l_task_t *lt, double deadline) {
  if (deadline <= lt_run_now(lt_run_current())) return checkpoint(L, lt);
  if (deadline == INFINITY) return l_park(L, lt, lt_abort_always, NULL, 0, sleep_forever_k);
  /* the move_on_at scope, on this frame's stack until sleep_k, and anchored: should
  ** coroutine.close drop the stack meanwhile, l_leave_scopes still finds it alive */
  scope_ud_t *s = l_newscope(L, deadline, 0);
  s->ref = l_anchor(L, -1);
  int err = lt_scope_enter(&s->s, &lt->task);
  if (err) {
    l_unanchor(L, &s->ref);
    return l_raise(L, err, "trio.sleep");
  }
  return l_park(L, lt, lt_abort_always, NULL, 0, sleep_k);
}

/* trio.sleep(seconds)  [-0, +0, e] */
static int l_core_sleep(lua_State *L) {
  l_task_t *t = l_checkasync(L, "trio.sleep");
  double s = l_checknum(L, 1, "trio.sleep", "seconds");
  if (isnan(s) || s < 0) l_argvalue(L, 1, "trio.sleep", "seconds", "non-negative number expected");
  if (s == 0) return checkpoint(L, t);
  return sleep_until(L, t, lt_run_now(lt_run_current()) + s);
}

/* trio.sleep_until(deadline)  [-0, +0, e] */
static int l_core_sleep_until(lua_State *L) {
  l_task_t *t = l_checkasync(L, "trio.sleep_until");
  double d = l_checknum(L, 1, "trio.sleep_until", "deadline");
  if (isnan(d)) l_argvalue(L, 1, "trio.sleep_until", "deadline", "a number that is not NaN expected");
  return sleep_until(L, t, d);
}

/* trio.sleep_forever()  [-0, +0, e] */
static int l_core_sleep_forever(lua_State *L) {
  return l_park(L, l_checkasync(L, "trio.sleep_forever"), lt_abort_always, NULL, 0, sleep_forever_k);
}

static int wait_idle_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, wait_idle_k);
  (void)status, (void)ctx;
  l_outcome(L, l_current(), "trio.testing.wait_all_tasks_blocked");
  return 0;
}

/* trio.testing.wait_all_tasks_blocked(cushion)  [-0, +0, e] */
static int l_core_wait_all_tasks_blocked(lua_State *L) {
  const char *fname = "trio.testing.wait_all_tasks_blocked";
  l_task_t *t = l_checkasync(L, fname);
  double cushion = lua_isnoneornil(L, 1) ? 0.0 : l_checknum(L, 1, fname, "cushion");
  if (isnan(cushion) || cushion < 0) l_argvalue(L, 1, fname, "cushion", "non-negative number expected");
  l_checkcancel(L, t);
  lt_run_wait_idle(lt_run_current(), &t->task, cushion);
  return yield_to_scheduler(L, t, 0, wait_idle_k);
}

/* ---- park/unpark for the Lua primitives ---- */

/* The abort callback of core.park, whose data is the identity of the token. */
static int park_abort(lt_task_t *task, void *token, int err) {
  (void)task, (void)token, (void)err;
  return 1;
}

static int park_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, park_k);
  (void)status, (void)ctx;
  l_outcome(L, l_current(), "trio.lowlevel.park");
  return 0;
}

/* core.park(token): parks the current task until core.unpark(task, token); an
** abort always succeeds (raises Cancelled).  [-0, +0, e] */
static int l_core_park(lua_State *L) {
  l_task_t *t = l_checkasync(L, "trio.lowlevel.park");
  return l_park(L, t, park_abort, (void *)lua_topointer(L, 1), 0, park_k);
}

/* The task at 1 if it is parked on the token at 2 (trio.lowlevel.park), else NULL. */
static lt_task_t *parked_on(lua_State *L, const char *fname) {
  task_t *t = l_testudata(L, 1, l_task_mt);
  if (t == NULL) l_argerror(L, 1, fname, "task", "Task");
  lt_task_t *et = &t->base.task;
  const void *token = lua_topointer(L, 2);
  int ok = et->state == LT_TASK_PARKED && et->abort_cb == park_abort && token != NULL &&
           et->abort_data == token;
  return ok ? et : NULL;
}

/* core.unpark(task, token) -> boolean: wakes the task if it still waits on token. */
static int l_core_unpark(lua_State *L) {
  lt_task_t *et = parked_on(L, "trio.lowlevel.unpark");
  if (et) lt_task_reschedule(et, 0);
  lua_pushboolean(L, et != NULL);
  return 1;
}

/* core.parked(task, token) -> boolean: the task still waits on token (not woken,
** cancelled or ended since). */
static int l_core_parked(lua_State *L) {
  lua_pushboolean(L, parked_on(L, "core.parked") != NULL);
  return 1;
}

/* ---- task objects ---- */

/* trio.lowlevel.current_task()  [-0, +1, e] */
static int l_core_current_task(lua_State *L) {
  const char *fname = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : "trio.lowlevel.current_task";
  if (lt_run_current() == NULL)
    return l_raisef(L, "RuntimeError", "%s: must be called inside trio.run", fname);
  task_t *t = running ? running : stepping;  /* an instrument's hook sees its task, as Trio's */
  if (t == NULL)
    return l_raisef(L, "RuntimeError", "%s: no task is running", fname);
  l_pushtask(L, t);
  return 1;
}

static int l_task__index(lua_State *L) {
  task_t *t = l_testudata(L, 1, l_task_mt);  /* a direct call may pass anything */
  if (t == NULL) return l_argerror(L, 1, "Task.__index", "self", "Task");
  const char *k = lua_tostring(L, 2);
  if (k && strcmp(k, "name") == 0) {
    push_task_name(L, t, 1);
    return 1;
  }
  return 0;
}

static int l_task__newindex(lua_State *L) {
  return l_raisef(L, "AttributeError", "Task: field '%s' is read-only", luaL_tolstring(L, 2, NULL));
}

static int l_task__tostring(lua_State *L) {
  task_t *t = l_testudata(L, 1, l_task_mt);
  if (t == NULL) return l_argerror(L, 1, "Task.__tostring", "self", "Task");
  push_task_name(L, t, 1);
  lua_pushfstring(L, "ltrio.Task '%s'", lua_tostring(L, -1));
  return 1;
}

void l_set_start_status(lua_State *L, int task, int status) {
  task = lua_absindex(L, task);
  status = lua_absindex(L, status);
  lua_getfield(L, LUA_REGISTRYINDEX, START_STATUS);
  lua_pushvalue(L, task);
  lua_pushvalue(L, status);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

/* core.start_status() -> the start status of the running task, or nil. */
static int l_core_start_status(lua_State *L) {
  if (running == NULL) return l_raisef(L, "RuntimeError", "trio.started: must be called inside trio.run");
  lua_getfield(L, LUA_REGISTRYINDEX, START_STATUS);
  l_pushtask(L, running);
  lua_rawget(L, -2);
  return 1;
}

/* core.set_start_status(task, status) */
static int l_core_set_start_status(lua_State *L) {
  if (l_testudata(L, 1, l_task_mt) == NULL) return l_argerror(L, 1, "trio.started", "task", "Task");
  lua_settop(L, 2);
  l_set_start_status(L, 1, 2);
  return 0;
}

/* core.enter(fname): the start of an async call written in Lua: RuntimeError
** where it cannot run, then checkpoint_if_cancelled.  [-0, +0, e] */
static int l_core_enter(lua_State *L) {
  l_checkcancel(L, l_checkasync(L, luaL_checkstring(L, 1)));
  return 0;
}

/* core.checktask(fname): RuntimeError naming fname unless a task of a run is running. */
static int l_core_checktask(lua_State *L) {
  l_checktask(L, luaL_checkstring(L, 1));
  return 0;
}

/* core.checkasync(fname): only the RuntimeError part of core.enter. */
static int l_core_checkasync(lua_State *L) {
  l_checkasync(L, luaL_checkstring(L, 1));
  return 0;
}

/* core.on_exit(task, obj, flag): registers (flag true) or forgets obj among the
** objects the exit hook receives when 'task' finishes. */
static int l_core_on_exit(lua_State *L) {
  task_t *t = l_testudata(L, 1, l_task_mt);
  if (t == NULL) return l_argerror(L, 1, "trio.Lock", "task", "Task");
  lua_settop(L, 3);
  lua_getfield(L, LUA_REGISTRYINDEX, EXIT_SETS);
  lua_pushvalue(L, 1);
  if (lua_rawget(L, -2) != LUA_TTABLE) {
    if (!lua_toboolean(L, 3)) return 0;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);               /* sets[task] = objects */
    t->has_exit_set = 1;
  }
  lua_pushvalue(L, 2);
  lua_pushboolean(L, 1);
  if (!lua_toboolean(L, 3)) lua_pushnil(L), lua_replace(L, -2);
  lua_rawset(L, -3);
  return 0;
}

/* core.set_exit_hook(fn) */
static int l_core_set_exit_hook(lua_State *L) {
  lua_settop(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, EXIT_HOOK);
  return 0;
}

/* True if the error at 'idx' is a KeyboardInterrupt, or an ErrorGroup holding one at
** any depth (read raw, bounded). */
static int holds_interrupt(lua_State *L, int idx, int depth) {
  idx = lua_absindex(L, idx);
  if (l_iserror(L, idx, "KeyboardInterrupt")) return 1;
  if (depth >= 16 || !l_iserror(L, idx, "ErrorGroup")) return 0;
  lua_pushliteral(L, "errors");
  if (lua_rawget(L, idx) != LUA_TTABLE) {
    lua_pop(L, 1);
    return 0;
  }
  int found = 0;
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  for (lua_Integer i = 1; i <= n && !found; i++) {
    lua_rawgeti(L, -1, i);
    found = holds_interrupt(L, -1, depth + 1);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return found;
}

/* Forgets where the error at 'idx' was raised: it was handled, and the same value
** raised later (a string, say) is a new failure for the host's report. */
static void forget_errinfo(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  l_task_errinfo(L, idx);  /* its record, or nil (none, another plain value's, or no run yet) */
  int recorded = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (!recorded) return;
  lua_getfield(L, LUA_REGISTRYINDEX, ERRINFO);
  push_errinfo_key(L, idx);
  lua_pushnil(L);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

static int pcall_k(lua_State *L, int status, lua_KContext extra) {
  if (status != LUA_OK && status != LUA_YIELD) {
    if (l_iserror(L, -1, "Cancelled") || holds_interrupt(L, -1, 0)) return lua_error(L);
    if (running != NULL && running->base.L == L && l_carries(L, running, -1))
      return lua_error(L);  /* it carries a Cancelled: as a group holding one */
    forget_errinfo(L, -1);
    lua_pushboolean(L, 0);
    lua_pushvalue(L, -2);
    return 2;
  }
  return lua_gettop(L) - (int)extra;  /* true (inserted below f), then f's results */
}

/* trio.pcall(f, ...): pcall that lets Cancelled and KeyboardInterrupt (alone or in an
** ErrorGroup), and an error that carries a Cancelled, through. A C
** function (one frame, as luaB_pcall) so a task blocked inside it keeps a small stack. */
static int l_core_pcall(lua_State *L) {
  if (lua_gettop(L) < 1) return l_argerror(L, 1, "trio.pcall", "f", "value");
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  return pcall_k(L, lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, pcall_k), 0);
}

static const luaL_Reg core_funcs[] = {
  {"pcall", l_core_pcall},
  {"on_exit", l_core_on_exit},
  {"set_exit_hook", l_core_set_exit_hook},
  {"enter", l_core_enter},
  {"checkasync", l_core_checkasync},
  {"checktask", l_core_checktask},
  {"checkpoint", l_core_checkpoint},
  {"checkpoint_if_cancelled", l_core_checkpoint_if_cancelled},
  {"cancel_shielded_checkpoint", l_core_cancel_shielded_checkpoint},
  {"sleep", l_core_sleep},
  {"sleep_until", l_core_sleep_until},
  {"sleep_forever", l_core_sleep_forever},
  {"wait_all_tasks_blocked", l_core_wait_all_tasks_blocked},
  {"park", l_core_park},
  {"unpark", l_core_unpark},
  {"parked", l_core_parked},
  {"current_task", l_core_current_task},
  {"start_status", l_core_start_status},
  {"set_start_status", l_core_set_start_status},
  {"msgh", l_task_msgh},
  {NULL, NULL}
};

static const luaL_Reg task_meta[] = {
  {"__index", l_task__index},
  {"__newindex", l_task__newindex},
  {"__tostring", l_task__tostring},
  {NULL, NULL}
};

void l_set_weak_keyed(lua_State *L, const char *name) {
  lua_newtable(L);
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, name);
}

/* ERRINFO maps error objects (weakly: a caught error is not kept alive) to
** {value, name, traceback}; plain values share one slot, the last one raised. */
void l_task_reset_errinfo(lua_State *L) {
  l_set_weak_keyed(L, ERRINFO);
}

void l_task_errinfo(lua_State *L, int err) {
  err = lua_absindex(L, err);
  if (lua_getfield(L, LUA_REGISTRYINDEX, ERRINFO) != LUA_TTABLE) {  /* before any run */
    lua_pop(L, 1);
    lua_pushnil(L);
    return;
  }
  push_errinfo_key(L, err);
  if (lua_rawget(L, -2) == LUA_TTABLE) {  /* a plain value's slot may hold another one */
    lua_getfield(L, -1, "value");
    int same = lua_rawequal(L, -1, err);
    lua_pop(L, 1);
    if (!same) {
      lua_pop(L, 1);
      lua_pushnil(L);
    }
  }
  lua_remove(L, -2);
}

void l_task_open(lua_State *L) {
  luaL_newmetatable(L, TASK_MT);
  l_task_mt = lua_topointer(L, -1);
  luaL_setfuncs(L, task_meta, 0);
  lua_pop(L, 1);
  l_set_weak_keyed(L, EXIT_SETS);
  l_set_weak_keyed(L, START_STATUS);
  lua_newtable(L);
  pool_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  pool_n = 0;  /* a new state: the idle threads of an earlier (closed) state went with it */
  lua_newtable(L);
  refs_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_newtable(L);
  anchors_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  luaL_getmetatable(L, TASK_MT);
  task_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  l_task_reset_errinfo(L);
  luaL_setfuncs(L, core_funcs, 0);
}
