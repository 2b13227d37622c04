/* l_common.h - what every binding file shares: error raising, argument checkers,
** and the async-call helpers (park + lua_yieldk continuation, schedule points). */
#ifndef L_COMMON_H
#define L_COMMON_H

#include <lauxlib.h>
#include <lua.h>

#include "../engine/errors.h"
#include "../engine/task.h"

/* ---- errors (l_errors.c) ---- */

/* Raises the API.md error object for engine code 'err' (0 is not allowed):
** negative errno -> OSError {errno, strerror, message "[Errno N] text"},
** LT_ECANCELLED -> Cancelled, LT_ECLOSED -> ClosedResourceError, LT_EBUSY ->
** BusyResourceError, LT_EINTERRUPT -> KeyboardInterrupt, LT_EWOULDBLOCK ->
** WouldBlock, -ENOMEM -> OSError ENOMEM ("<fname>: out of memory"). Never returns. */
int l_raise(lua_State *L, int err, const char *fname);
/* Pushes the error object l_raise would raise. */
void l_pusherror(lua_State *L, int err, const char *fname);

/* Raises an error of class 'cls' ("RuntimeError", "ValueError", ...) whose message
** is formatted like lua_pushfstring. Never returns. */
int l_raisef(lua_State *L, const char *cls, const char *fmt, ...);

/* Pushes a new error object of class 'cls' with message 'msg' (a table whose
** metatable is the class); returns its stack index (absolute). */
int l_newerror(lua_State *L, const char *cls, const char *msg);

/* Pushes OSError for a negative errno with a specific message (NULL: "[Errno N] text"). */
void l_pushoserror(lua_State *L, int err, const char *msg);

/* Raises TypeError "<fname>: bad argument #<i> '<param>' (<expected>, got <type>)". */
int l_argerror(lua_State *L, int i, const char *fname, const char *param, const char *expected);
/* The same message format with class ValueError and a free 'what' in place of the type. */
int l_argvalue(lua_State *L, int i, const char *fname, const char *param, const char *what);
/* Raises class 'cls' with the same message, "<fname>: bad argument #<n> '<param>' (<what>,
** got <got>)", n counted from stack index 'i' as above: for a part of an argument (a
** field of an address table), which the caller describes. */
int l_argfail(lua_State *L, const char *cls, int i, const char *fname, const char *param,
              const char *what, const char *got);
/* The value at 'i' as these messages show it after "got": a string quoted and escaped
** (l_pushprintable), a number or boolean as tostring shows it, else its type name.
** May push a string.  [-0, +(0|1), m] */
const char *l_describe(lua_State *L, int i);
/* The fd of the Lua file (io.open, io.popen) or C int at 'i'; raises for anything else
** or a closed file. */
int l_checkfilefd(lua_State *L, int i, const char *fname, const char *param);
/* Pushes s[0..len) for a message: control bytes, bytes outside valid UTF-8 sequences, '"'
** and '\\' escaped as in Lua source, at most 64 bytes then "...". Returns the pushed
** string.  [-0, +1, m] */
const char *l_pushprintable(lua_State *L, const char *s, size_t len);

/* The full userdata at 'i' if its metatable is 'mt' (compared by identity: no registry
** lookup by name, unlike luaL_testudata), else NULL. */
void *l_testudata(lua_State *L, int i, const void *mt);
/* luaL_testudata for full userdata only: debug.setmetatable can give every light
** userdata a class's metatable, and luaL_testudata would then take one for an object. */
void *l_testudata_named(lua_State *L, int i, const char *tname);

/* 1 if the value at 'idx' is an error object of class 'cls' or a subclass. */
int l_iserror(lua_State *L, int idx, const char *cls);

/* ---- argument checkers (l_errors.c); 'i' is the stack index; for methods the
** displayed number is i-1 (self does not count) when 'fname' contains ':' ---- */
lua_Integer l_checkint(lua_State *L, int i, const char *fname, const char *param);
lua_Integer l_optint(lua_State *L, int i, const char *fname, const char *param, lua_Integer def);
/* An integer that fits a C int (ValueError otherwise: C would truncate it). */
int l_checkcint(lua_State *L, int i, const char *fname, const char *param);
/* A size: integer 0..2^31-1 (larger: ValueError, negative: ValueError). */
lua_Integer l_checksize(lua_State *L, int i, const char *fname, const char *param);
double l_checknum(lua_State *L, int i, const char *fname, const char *param);
/* A string argument; with len NULL it goes to C as a C string, so a NUL byte inside
** it is a ValueError (C would silently cut the string there). */
const char *l_checkstr(lua_State *L, int i, const char *fname, const char *param, size_t *len);
/* The string at i as a C string: ValueError naming fname and param if it holds a NUL. */
const char *l_cstring(lua_State *L, int i, const char *fname, const char *param);
int l_optbool(lua_State *L, int i, const char *fname, const char *param, int def);
/* Checks that the value at 'i' is callable (function or __call); TypeError otherwise. */
void l_checkcallable(lua_State *L, int i, const char *fname, const char *param);

/* ---- tasks and async calls (l_task.c) ---- */

typedef struct l_task_s {
  lt_task_t task;        /* engine part (first: the engine's task pointer is this object's) */
  lua_State *L;          /* the coroutine running it, NULL once finished */
} l_task_t;

/* The task running now, or NULL outside a run / between steps. */
l_task_t *l_current(void);

/* Pushes the Cancelled error task 't' (may be NULL) gets now: its message and fields
** source, reason and source_task say what cancelled the scope it comes from. */
void l_push_cancelled(lua_State *L, const l_task_t *t);

/* A task's coroutine is reachable (coroutine.running), so other code may call
** coroutine.resume on it while it waits. Every continuation of a yield to the
** scheduler starts with L_RESUMED_BY_SCHEDULER: when something else resumed it,
** the coroutine yields straight back (the resumer gets true and a RuntimeError)
** and the task keeps waiting, untouched. `make lint` checks every continuation
** (tools/check-continuations). */
int l_resumed_elsewhere(lua_State *L);
int l_yield_back(lua_State *L, lua_KContext ctx, lua_KFunction k);
#define L_RESUMED_BY_SCHEDULER(L, ctx, k) \
  do { if (l_resumed_elsewhere(L)) return l_yield_back(L, ctx, k); } while (0)

/* The current task if 'L' is its own coroutine; otherwise raises RuntimeError
** "<fname>: <reason>" before any side effect (for calls that need the task, such as
** entering a scope, but do not yield). */
l_task_t *l_checktask(lua_State *L, const char *fname);

/* l_checktask, and 'L' must be able to yield (async calls). */
l_task_t *l_checkasync(lua_State *L, const char *fname);

/* checkpoint_if_cancelled: if Cancelled or KeyboardInterrupt is pending, a schedule
** point and then that error (as Trio's checkpoint: a cancelled call still lets the
** other tasks run); otherwise nothing. The calling function must be able to yield. */
void l_checkcancel(lua_State *L, l_task_t *t);

/* Parks 't' with 'cb' and yields; when the task is woken, 'k' runs with 'ctx'
** (call l_outcome there). Use as 'return l_park(...)'. */
int l_park(lua_State *L, l_task_t *t, lt_abort_cb cb, void *data,
           lua_KContext ctx, lua_KFunction k);

/* In a continuation: raises the error the task was woken with, if any. */
void l_outcome(lua_State *L, l_task_t *t, const char *fname);
/* The error the task was woken with (0 if none), cleared; for callers that must
** undo something before raising it. */
int l_take_outcome(l_task_t *t);

/* Schedule point: 't' runs again in the next batch, continuing in k(ctx) with the
** stack as it is. Use as 'return l_yield(L, t, ctx, k)'. */
int l_yield(lua_State *L, l_task_t *t, lua_KContext ctx, lua_KFunction k);

/* Schedule point after a call that did not block: the top 'nres' values are
** returned once the task runs again. Use as 'return l_schedpoint(L, t, nres)'. */
int l_schedpoint(lua_State *L, l_task_t *t, int nres);

/* Schedule point, then raises the value on the top (Trio's cancel_shielded_checkpoint
** before raising a fast-path error). Use as 'return l_yield_raise(L, t)'. */
int l_yield_raise(lua_State *L, l_task_t *t);

#endif
