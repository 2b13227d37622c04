/* l_run.c - trio.run: one run of the engine with the main task, the clock
** (system or MockClock), instruments, statistics, and what the host binary
** needs to report a failure or a Ctrl-C. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "l_task.h"

#define CLOCK_MT "ltrio.MockClock"
#define INSTRUMENTS "ltrio.instruments"  /* registry: array of instruments of the run */
#define FAILURE "ltrio.failure"          /* registry: {name, traceback} of the last failure */

typedef struct {
  lt_clock_t c;
} clock_ud_t;

void l_task_step(lt_task_t *t, void *ud);                /* l_task.c */
void l_task_reset_errinfo(lua_State *L);                  /* l_task.c */
long l_tasks_allocated(void);                             /* l_task.c */
int l_threads_pooled(void);                               /* l_task.c */

extern int l_instruments_active;
static lt_run_t run;
static clock_ud_t *active_clock;  /* the MockClock of the current run, if any */
static int host_mode;
static int main_nres;             /* values the main task left on the run's stack */
static int ending;                /* a run is between its loop's end and its return */

/* ---- instruments ---- */

/* instrument, hook name [, task]: looks the hook up and calls it as a method. */
static int call_hook(lua_State *L) {
  int has_task = !lua_isnone(L, 3);
  if (lua_getfield(L, 1, lua_tostring(L, 2)) == LUA_TNIL) return 0;
  lua_pushvalue(L, 1);
  if (has_task) lua_pushvalue(L, 3);
  lua_call(L, 1 + has_task, 0);  /* method(instrument [, task]) */
  return 0;
}

static int tostring_value(lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  return 1;
}

/* Calls 'hook' on every instrument of the run. As in Trio, an instrument that raises
** (in the method or while it is looked up) is reported on stderr and disabled for the
** rest of the run; the run itself goes on undisturbed. */
void l_instrument_call(lua_State *L, const char *hook, task_t *t) {
  int top = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, INSTRUMENTS);
  int n = (int)lua_rawlen(L, top + 1);
  for (int i = 1; i <= n; i++) {
    lua_pushcfunction(L, call_hook);
    lua_rawgeti(L, top + 1, i);
    lua_pushstring(L, hook);
    if (t != NULL) l_pushtask(L, t);
    if (lua_pcall(L, t != NULL ? 3 : 2, 0, 0) != LUA_OK) {
      lua_pushcfunction(L, tostring_value);
      lua_insert(L, -2);
      const char *msg = lua_pcall(L, 1, 1, 0) == LUA_OK ? lua_tostring(L, -1) : NULL;
      fprintf(stderr, "ltrio: an instrument raised in %s and has been disabled: %s\n", hook,
              msg ? msg : "(an error that tostring cannot show)");
      fflush(stderr);
      for (int j = i; j < n; j++) {  /* table.remove(instruments, i) */
        lua_rawgeti(L, top + 1, j + 1);
        lua_rawseti(L, top + 1, j);
      }
      lua_pushnil(L);
      lua_rawseti(L, top + 1, n--);
      i--;
    }
    lua_settop(L, top + 1);
  }
  l_instruments_active = n > 0;
  lua_settop(L, top);
}

/* ---- the main task ---- */

void l_main_finished(lua_State *L, lua_State *co, int nres) {
  luaL_checkstack(L, nres, "trio.run: too many results");
  lua_xmove(co, L, nres);  /* ok, results... onto run_body's frame */
  main_nres = nres;
  if (run.main->interrupt) run.interrupted_late = 1;  /* a Ctrl-C it ended before seeing */
  run.main = NULL;  /* its userdata may be collected now: current_root_task raises */
  run.stop = run.tasks_living == 0;  /* else tasks of a nursery orphaned by coroutine.close
                                     ** remain: the run ends with the last (l_task.c) */
}

static int run_body(lua_State *L) {  /* fn, args... */
  int nargs = lua_gettop(L) - 1;
  task_t *t = l_spawn(L, NULL, 1, nargs);
  run.main = &t->base.task;
  lua_pop(L, 1);
  int base = lua_gettop(L);
  lt_run_loop(&run);
  return lua_gettop(L) - base;
}

/* Records the name and traceback of the error at 'err' for core.failure_info. */
static void record_failure(lua_State *L, int err) {
  l_task_errinfo(L, err);
  lua_setfield(L, LUA_REGISTRYINDEX, FAILURE);
}

/* core.run(fname, clock, instruments, fn, ...) -> fn's results  [-0, +?, e] */
static int l_core_run(lua_State *L) {
  const char *fname = luaL_checkstring(L, 1);
  if (lt_run_current() != NULL || ending) {  /* ending: a __gc during another run's end */
    if (host_mode && strcmp(fname, "trio.run_with") == 0)  /* a clock or instruments are lost */
      return l_raisef(L, "RuntimeError",
                      "%s: the script already is the main task of a run, on the real clock and "
                      "without instruments; run it with lua5.4 to choose them", fname);
    if (host_mode)
      return l_raisef(L, "RuntimeError",
                      "%s: the script already is the main task of a run; call main() directly", fname);
    return l_raisef(L, "RuntimeError", "%s: cannot be called inside a run", fname);
  }
  lua_remove(L, 1);
  clock_ud_t *clock = lua_isnil(L, 1) ? NULL : luaL_checkudata(L, 1, CLOCK_MT);
  int ninstruments = lua_istable(L, 2) ? (int)lua_rawlen(L, 2) : 0;
  /* A copy (a failing instrument is removed from it) that lists each instrument once, as
  ** Trio adds an instrument already there only once. */
  lua_createtable(L, ninstruments, 0);
  int copied = 0;
  for (int i = 1; i <= ninstruments; i++) {
    lua_rawgeti(L, 2, i);
    int seen = 0;
    for (int j = 1; j <= copied && !seen; j++) {
      lua_rawgeti(L, -2, j);
      seen = lua_rawequal(L, -1, -2);
      lua_pop(L, 1);
    }
    if (seen) lua_pop(L, 1);
    else lua_rawseti(L, -2, ++copied);
  }
  l_instruments_active = copied > 0;
  lua_setfield(L, LUA_REGISTRYINDEX, INSTRUMENTS);
  l_task_reset_errinfo(L);
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, FAILURE);

  int err = lt_run_begin(&run, clock ? &clock->c : NULL, l_task_step, L);
  if (err) return l_raise(L, err, "trio.run");
  run.prefetch = l_task_prefetch;
  active_clock = clock;
  main_nres = 0;
  if (l_instruments_active) l_instrument_call(L, "before_run", NULL);
  lua_pushcfunction(L, run_body);
  lua_replace(L, 2);  /* run_body, fn, args... */
  lua_remove(L, 1);
  int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  ending = 1;
  int nres = main_nres, interrupted_late = run.interrupted_late;
  if (l_instruments_active) l_instrument_call(L, "after_run", NULL);
  if (clock) clock->c = run.clock;
  active_clock = NULL;
  lt_run_end(&run);
  l_instruments_active = 0;
  l_task_run_ended(L);
  if (status != LUA_OK) {  /* the engine itself failed */
    ending = 0;
    return lua_error(L);
  }
  int first = lua_gettop(L) - nres + 1;
  if (interrupted_late) {  /* Ctrl-C ended what was left after the main task: it wins */
    lua_settop(L, first - 1);
    lua_pushboolean(L, 0);
    l_newerror(L, "KeyboardInterrupt", "interrupted");
  }
  if (!lua_toboolean(L, first)) {
    record_failure(L, first + 1);
    lua_settop(L, first + 1);
    ending = 0;
    return lua_error(L);
  }
  ending = 0;
  return nres - 1;
}

/* core.failure_info() -> name, traceback of the error that ended the last run */
static int l_core_failure_info(lua_State *L) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, FAILURE) != LUA_TTABLE) return 0;
  lua_getfield(L, -1, "name");
  lua_getfield(L, -2, "traceback");
  return 2;
}

static int l_core_set_host(lua_State *L) {
  host_mode = lua_toboolean(L, 1);
  return 0;
}

/* ---- the clock ---- */

static clock_ud_t *checkclock(lua_State *L, int i, const char *fname) {
  clock_ud_t *c = l_testudata_named(L, i, CLOCK_MT);
  if (c == NULL) l_argerror(L, i, fname, "self", "MockClock");
  return c;
}

static lt_clock_t *clock_of(clock_ud_t *c) { return c == active_clock ? &run.clock : &c->c; }

static double check_rate(lua_State *L, int i, const char *fname) {
  double v = l_checknum(L, i, fname, "rate");
  if (!isfinite(v) || v < 0) l_argvalue(L, i, fname, "rate", "finite non-negative number expected");
  return v;
}

static double check_threshold(lua_State *L, int i, const char *fname) {
  double v = l_checknum(L, i, fname, "autojump_threshold");
  if (isnan(v) || v < 0) l_argvalue(L, i, fname, "autojump_threshold", "non-negative number expected");
  return v;
}

/* The value of option 'name' (on the stack top) of the options table, argument #1;
** 'finite' refuses math.huge too. */
static double check_option(lua_State *L, const char *fname, const char *name, int finite) {
  if (lua_type(L, -1) != LUA_TNUMBER)
    l_raisef(L, "TypeError", "%s: bad argument #1 'options' (%s must be a number, got %s)", fname, name,
             luaL_typename(L, -1));
  double v = lua_tonumber(L, -1);
  if (isnan(v) || v < 0 || (finite && isinf(v)))
    l_raisef(L, "ValueError", "%s: bad argument #1 'options' (%s must be a %snon-negative number, got %s)",
             fname, name, finite ? "finite " : "", isnan(v) ? "nan" : luaL_tolstring(L, -1, NULL));
  return v;
}

/* trio.testing.MockClock{rate = 0, autojump_threshold = math.huge}  [-0, +1, e] */
static int l_clock_new(lua_State *L) {
  const char *fname = "trio.testing.MockClock";
  double rate = 0, threshold = INFINITY;
  if (!lua_isnoneornil(L, 1)) {
    if (!lua_istable(L, 1)) return l_argerror(L, 1, fname, "options", "table");
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
      if (strcmp(k, "rate") == 0) rate = check_option(L, fname, "rate", 1);
      else if (strcmp(k, "autojump_threshold") == 0) threshold = check_option(L, fname, "autojump_threshold", 0);  /* math.huge: never jump */
      else
        return l_raisef(L, "TypeError", "%s: bad argument #1 'options' (unknown option '%s')", fname,
                        luaL_tolstring(L, -2, NULL));
      lua_pop(L, 1);
    }
  }
  clock_ud_t *c = lua_newuserdatauv(L, sizeof *c, 0);
  lt_clock_init_mock(&c->c, rate, threshold);
  luaL_setmetatable(L, CLOCK_MT);
  return 1;
}

/* clock:jump(seconds)  [-0, +0, e] */
static int l_clock_jump(lua_State *L) {
  clock_ud_t *c = checkclock(L, 1, "MockClock:jump");
  double s = l_checknum(L, 2, "MockClock:jump", "seconds");
  if (isnan(s)) return l_argvalue(L, 2, "MockClock:jump", "seconds", "number expected");
  if (s < 0) return l_argvalue(L, 2, "MockClock:jump", "seconds", "time can't go backwards");
  double now = c == active_clock ? lt_run_now(&run) : c->c.virt_base;
  if (!isfinite(now + s))
    return l_argvalue(L, 2, "MockClock:jump", "seconds", "the clock's time must stay finite");
  if (c == active_clock) lt_clock_jump(&run, s);
  else c->c.virt_base += s;
  return 0;
}

/* clock:current_time()  [-0, +1, -] */
static int l_clock_current_time(lua_State *L) {
  clock_ud_t *c = checkclock(L, 1, "MockClock:current_time");
  lt_clock_t *k = clock_of(c);
  lua_pushnumber(L, k->virt_base + (double)(uv_hrtime() - k->real_base) / 1e9 * k->rate);
  return 1;
}

static int l_clock__index(lua_State *L) {
  clock_ud_t *c = checkclock(L, 1, "MockClock.__index");
  const char *k = lua_tostring(L, 2);
  if (k && strcmp(k, "rate") == 0) lua_pushnumber(L, clock_of(c)->rate);
  else if (k && strcmp(k, "autojump_threshold") == 0) lua_pushnumber(L, clock_of(c)->autojump);
  else if (k && strcmp(k, "jump") == 0) lua_pushcfunction(L, l_clock_jump);
  else if (k && strcmp(k, "current_time") == 0) lua_pushcfunction(L, l_clock_current_time);
  else lua_pushnil(L);
  return 1;
}

static int l_clock__newindex(lua_State *L) {
  clock_ud_t *c = checkclock(L, 1, "MockClock.__newindex");
  const char *k = lua_tostring(L, 2);
  if (k && strcmp(k, "rate") == 0) lt_clock_set_rate(clock_of(c), check_rate(L, 3, "MockClock.rate"));
  else if (k && strcmp(k, "autojump_threshold") == 0)
    clock_of(c)->autojump = check_threshold(L, 3, "MockClock.autojump_threshold");
  else return l_raisef(L, "AttributeError", "MockClock has no writable field '%s'", luaL_tolstring(L, 2, NULL));
  return 0;
}

/* trio.current_time()  [-0, +1, e] */
static int l_core_current_time(lua_State *L) {
  lt_run_t *r = lt_run_current();
  if (r == NULL) return l_raisef(L, "RuntimeError", "trio.current_time: must be called inside trio.run");
  lua_pushnumber(L, lt_run_now(r));
  return 1;
}

/* ---- statistics ---- */

/* core.run_statistics() -> tasks_living, tasks_runnable, seconds_to_next_deadline */
static int l_core_run_statistics(lua_State *L) {
  lt_run_t *r = lt_run_current();
  if (r == NULL)
    return l_raisef(L, "RuntimeError", "trio.lowlevel.current_statistics: must be called inside trio.run");
  lua_Integer runnable = 0;
  for (lt_list_t *n = r->runq.next; n != &r->runq; n = n->next) runnable++;
  lt_scope_t *next = lt_deadlines_top(&r->deadlines);
  lua_pushinteger(L, r->tasks_living);
  lua_pushinteger(L, runnable);
  lua_pushnumber(L, next ? next->deadline - lt_run_now(r) : INFINITY);
  return 3;
}

/* core.task_statistics() -> tasks_allocated, threads_pooled */
static int l_core_task_statistics(lua_State *L) {
  lua_pushinteger(L, l_tasks_allocated());
  lua_pushinteger(L, l_threads_pooled());
  return 2;
}

/* core.current_root_task() */
static int l_core_current_root_task(lua_State *L) {
  if (lt_run_current() == NULL || run.main == NULL)
    return l_raisef(L, "RuntimeError", "trio.lowlevel.current_root_task: must be called inside trio.run");
  l_pushtask(L, lt_container_of(run.main, task_t, base.task));
  return 1;
}

/* ---- Ctrl-C ---- */

static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  l_raise(L, LT_EINTERRUPT, "KeyboardInterrupt");
}

/* Runs in the signal handler on a second Ctrl-C: stops the Lua code running now with
** the pending KeyboardInterrupt. Returns 1 if a task was running. */
static int second_interrupt(void) {
  l_task_t *t = l_current();
  if (t == NULL || t->L == NULL) return 0;
  lua_sethook(t->L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
  return 1;
}

static const luaL_Reg core_funcs[] = {
  {"run", l_core_run},
  {"failure_info", l_core_failure_info},
  {"set_host", l_core_set_host},
  {"MockClock", l_clock_new},
  {"current_time", l_core_current_time},
  {"run_statistics", l_core_run_statistics},
  {"task_statistics", l_core_task_statistics},
  {"current_root_task", l_core_current_root_task},
  {NULL, NULL}
};

static const luaL_Reg clock_meta[] = {
  {"__index", l_clock__index},
  {"__newindex", l_clock__newindex},
  {NULL, NULL}
};

void l_run_open(lua_State *L) {  /* core table on top */
  luaL_newmetatable(L, CLOCK_MT);
  luaL_setfuncs(L, clock_meta, 0);
  lua_pop(L, 1);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, INSTRUMENTS);
  luaL_setfuncs(L, core_funcs, 0);
  lt_run_set_interrupt_hook(second_interrupt);
}
