/* l_fdstream.c - the fd of an FdStream (a pipe, a tty, a socket: any pollable fd): a
** holder userdata owning a close-on-exec, non-blocking dup, and the reads and writes
** on it (core.fd_open / fd_read / fd_write / fd_close / fd_fileno), as Trio's FdStream
** uses os.read and os.write whatever the fd is. core.fd_nonblocking reads or sets an
** fd's O_NONBLOCK (the specs give FdStream a blocking socket with it).
**
** Two things Trio's FdStream does that a bare integer fd cannot:
** - a task woken for I/O re-reads the holder's fd before its next read or write, so
**   after close() it gets ClosedResourceError, never the fd number's next owner;
** - O_NONBLOCK belongs to the open file, which the dup shares with the caller's fd,
**   so the holder puts back the caller's setting before it closes the dup. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "../engine/io.h"
#include "../engine/sock.h"
#include "l_addr.h"
#include "l_common.h"
#include "l_task.h"

typedef struct {
  int fd;               /* the dup, -1 once closed */
  int was_nonblocking;  /* the open file's O_NONBLOCK before the holder set it */
} l_fdhold_t;

static const char fdhold_mt_key = 0;  /* registry key of the holder metatable */

static const char *const fdop_name[2] = {"FdStream:receive_some", "FdStream:send_all"};

static l_fdhold_t *checkhold(lua_State *L, int i, const char *fname) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &fdhold_mt_key);
  l_fdhold_t *h = l_testudata(L, i, lua_topointer(L, -1));
  lua_pop(L, 1);
  if (h == NULL) l_argerror(L, i, fname, "fd", "fd holder");
  return h;
}

/* Sets or clears O_NONBLOCK on the open file of 'fd'; returns the old setting (0 or 1)
** or a negative errno. */
static int set_nonblocking(int fd, int on) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return -errno;
  int want = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  if (want != fl && fcntl(fd, F_SETFL, want) < 0) return -errno;
  return (fl & O_NONBLOCK) != 0;
}

/* Wakes the fd's waiters (ClosedResourceError), restores O_NONBLOCK, closes the dup. */
static void hold_close(l_fdhold_t *h) {
  int fd = h->fd;
  if (fd < 0) return;
  h->fd = -1;
  lt_io_close(fd);
  set_nonblocking(fd, h->was_nonblocking);
  close(fd);
}

/* core.fd_open(fd or Lua file) -> holder of a close-on-exec, non-blocking dup  [-0, +1, e] */
static int l_fd_open(lua_State *L) {
  int fd = l_checkfilefd(L, 1, "trio.lowlevel.FdStream", "fd");
  if (fd < 0) return l_raise(L, -EBADF, "trio.lowlevel.FdStream");
  l_fdhold_t *h = lua_newuserdatauv(L, sizeof *h, 0);
  h->fd = -1;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &fdhold_mt_key);
  lua_setmetatable(L, -2);
  int d = lt_sock_dupfd(fd);
  if (d < 0) return l_raise(L, d, "trio.lowlevel.FdStream");
  int was = set_nonblocking(d, 1);
  if (was < 0) {
    close(d);
    return l_raise(L, was, "trio.lowlevel.FdStream");
  }
  h->fd = d;
  h->was_nonblocking = was;
  return 1;
}

/* core.fd_close(holder): idempotent. */
static int l_fd_close(lua_State *L) {
  hold_close(checkhold(L, 1, "FdStream:close"));
  return 0;
}

/* core.fd_fileno(holder) -> the fd, -1 once closed */
static int l_fd_fileno(lua_State *L) {
  lua_pushinteger(L, checkhold(L, 1, "FdStream:fileno")->fd);
  return 1;
}

static int fdop_step(lua_State *L, l_task_t *t, int dir, int waited);

static int fdop_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, fdop_k);
  (void)status;
  l_task_t *t = l_current();
  l_outcome(L, t, fdop_name[ctx]);
  return fdop_step(L, t, (int)ctx, 1);
}

/* Stack: [holder, n or data]. One read/write on the holder's current fd; waits only
** on EAGAIN. */
static int fdop_step(lua_State *L, l_task_t *t, int dir, int waited) {
  int fd = ((l_fdhold_t *)lua_touserdata(L, 1))->fd;
  ssize_t r;
  if (fd < 0) {  /* closed: EBADF, after a schedule point unless it waited already */
    if (waited) return l_raise(L, -EBADF, fdop_name[dir]);
    l_pusherror(L, -EBADF, fdop_name[dir]);
    return l_yield_raise(L, t);
  }
  if (dir == LT_IO_READ) {
    size_t n = (size_t)lua_tointeger(L, 2);
    char *buf = l_scratch(L, &n);
    r = read(fd, buf, n);
    if (r < 0) r = -errno;
    else lua_pushlstring(L, buf, (size_t)r);
  } else {
    size_t len;
    const char *p = l_checkbytes(L, 2, fdop_name[dir], "data", &len);
    r = lt_fd_write(fd, p, len);
    if (r >= 0) lua_pushinteger(L, r);
  }
  if (r >= 0) return waited ? 1 : l_schedpoint(L, t, 1);
  if (r == -EAGAIN) {
    int w = lt_io_wait(fd, dir, &t->task);
    if (w < 0) return l_raise(L, w, fdop_name[dir]);
    if (w == 1) return l_schedpoint(L, t, 0);  /* unreachable for a non-blocking fd */
    return l_park(L, t, lt_io_abort, LT_IO_DATA(fd, dir), dir, fdop_k);
  }
  return l_raise(L, (int)r, fdop_name[dir]);
}

/* core.fd_read(holder, n) -> string ("" at EOF), async  [-0, +1, e] */
static int l_fd_read(lua_State *L) {
  l_task_t *t = l_checkasync(L, fdop_name[0]);
  checkhold(L, 1, fdop_name[0]);
  l_checksize(L, 2, fdop_name[0], "max_bytes");
  lua_settop(L, 2);
  l_checkcancel(L, t);
  return fdop_step(L, t, LT_IO_READ, 0);
}

/* core.fd_write(holder, data) -> bytes written, async  [-0, +1, e] */
static int l_fd_write(lua_State *L) {
  l_task_t *t = l_checkasync(L, fdop_name[1]);
  size_t len;
  checkhold(L, 1, fdop_name[1]);
  l_checkbytes(L, 2, fdop_name[1], "data", &len);
  lua_settop(L, 2);
  l_checkcancel(L, t);
  return fdop_step(L, t, LT_IO_WRITE, 0);
}

/* core.fd_nonblocking(fd [, on]) -> the open file's O_NONBLOCK setting before the call;
** set to 'on' when it is given  [-0, +1, e] */
static int l_fd_nonblocking(lua_State *L) {
  int fd = l_checkcint(L, 1, "trio.lowlevel.FdStream", "fd");
  int r;
  if (lua_isnoneornil(L, 2)) {
    int fl = fcntl(fd, F_GETFL);
    r = fl < 0 ? -errno : (fl & O_NONBLOCK) != 0;
  } else {
    r = set_nonblocking(fd, lua_toboolean(L, 2));
  }
  if (r < 0) return l_raise(L, r, "trio.lowlevel.FdStream");
  lua_pushboolean(L, r);
  return 1;
}

/* A holder dropped without close(): the dup is closed (and O_NONBLOCK put back). */
static int l_fdhold__gc(lua_State *L) {
  hold_close(lua_touserdata(L, 1));
  return 0;
}

static const luaL_Reg fd_funcs[] = {
    {"fd_open", l_fd_open},   {"fd_read", l_fd_read},       {"fd_write", l_fd_write},
    {"fd_close", l_fd_close}, {"fd_fileno", l_fd_fileno},   {"fd_nonblocking", l_fd_nonblocking},
    {NULL, NULL}};

void l_fdstream_open(lua_State *L) {
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, l_fdhold__gc);
  lua_setfield(L, -2, "__gc");
  lua_pushliteral(L, "ltrio.fdholder");
  lua_setfield(L, -2, "__name");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &fdhold_mt_key);
  luaL_setfuncs(L, fd_funcs, 0);
}
