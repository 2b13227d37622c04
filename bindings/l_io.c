/* l_io.c - trio.lowlevel.wait_readable / wait_writable / notify_closing on a socket
** or an integer fd. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "../engine/io.h"
#include "../engine/sock.h"
#include "l_addr.h"
#include "l_common.h"
#include "l_socket.h"
#include "l_task.h"

/* The fd of the socket or integer at 1 (-1 for a closed socket). */
static int getfd(lua_State *L, const char *fname) {
  lt_sock_t *s = l_socket_test(L, 1);
  if (s) return s->fd;
  if (lua_type(L, 1) != LUA_TNUMBER) return l_argerror(L, 1, fname, "sock_or_fd", "socket or integer fd");
  lua_Integer fd = l_checkint(L, 1, fname, "sock_or_fd");
  if (fd < 0 || fd > 0x7fffffff) return l_raise(L, -EBADF, fname);
  return (int)fd;
}

static int wait_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, wait_k);
  (void)status;
  if (lua_type(L, 1) == LUA_TNUMBER) lt_io_release_idle((int)lua_tointeger(L, 1));  /* a bare fd */
  l_outcome(L, l_current(), ctx ? "trio.lowlevel.wait_writable" : "trio.lowlevel.wait_readable");
  return 0;
}

static int wait_dir(lua_State *L, int dir, const char *fname) {
  l_task_t *t = l_checkasync(L, fname);
  int fd = getfd(L, fname);
  if (fd < 0) return l_raisef(L, "ClosedResourceError", "%s: the socket is closed", fname);
  l_checkcancel(L, t);
  int r = lt_io_wait(fd, dir, &t->task);
  if (r < 0) return l_raise(L, r, fname);
  if (r == 1) return l_schedpoint(L, t, 0);  /* a regular file: always ready */
  return l_park(L, t, lt_io_abort, LT_IO_DATA(fd, dir), dir, wait_k);
}

/* trio.lowlevel.wait_readable(sock_or_fd)  [-0, +0, e] */
static int l_io_wait_readable(lua_State *L) {
  return wait_dir(L, LT_IO_READ, "trio.lowlevel.wait_readable");
}

/* trio.lowlevel.wait_writable(sock_or_fd)  [-0, +0, e] */
static int l_io_wait_writable(lua_State *L) {
  return wait_dir(L, LT_IO_WRITE, "trio.lowlevel.wait_writable");
}

/* trio.lowlevel.notify_closing(sock_or_fd): wakes the fd's waiters with
** ClosedResourceError and releases its poll; the fd stays open.  [-0, +0, e] */
static int l_io_notify_closing(lua_State *L) {
  int fd = getfd(L, "trio.lowlevel.notify_closing");
  if (fd >= 0) lt_io_close(fd);
  return 0;
}

/* ---- bare-fd primitives for FdStream: core.fd_dup / fd_read / fd_write / fd_close ---- */

static const char *const fdop_name[2] = {"FdStream:receive_some", "FdStream:send_all"};

static int fdop_step(lua_State *L, l_task_t *t, int dir, int waited);

static int fdop_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, fdop_k);
  (void)status;
  l_task_t *t = l_current();
  l_outcome(L, t, fdop_name[ctx]);
  return fdop_step(L, t, (int)ctx, 1);
}

/* Stack: [fd, n or data]. One read/write; waits only on EAGAIN. */
static int fdop_step(lua_State *L, l_task_t *t, int dir, int waited) {
  int fd = (int)lua_tointeger(L, 1);
  ssize_t r;
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

/* core.fd_read(fd, n) -> string ("" at EOF), async  [-0, +1, e] */
static int l_io_fd_read(lua_State *L) {
  l_task_t *t = l_checkasync(L, fdop_name[0]);
  l_checkint(L, 1, fdop_name[0], "fd");
  l_checksize(L, 2, fdop_name[0], "max_bytes");
  lua_settop(L, 2);
  l_checkcancel(L, t);
  return fdop_step(L, t, LT_IO_READ, 0);
}

/* core.fd_write(fd, data) -> bytes written, async  [-0, +1, e] */
static int l_io_fd_write(lua_State *L) {
  l_task_t *t = l_checkasync(L, fdop_name[1]);
  size_t len;
  l_checkint(L, 1, fdop_name[1], "fd");
  l_checkbytes(L, 2, fdop_name[1], "data", &len);
  lua_settop(L, 2);
  l_checkcancel(L, t);
  return fdop_step(L, t, LT_IO_WRITE, 0);
}

/* core.fd_dup(fd) -> a close-on-exec, non-blocking duplicate  [-0, +1, e] */
static int l_io_fd_dup(lua_State *L) {
  lua_Integer fd = l_checkint(L, 1, "trio.lowlevel.FdStream", "fd");
  if (fd < 0 || fd > 0x7fffffff) return l_raise(L, -EBADF, "trio.lowlevel.FdStream");
  int d = lt_sock_dupfd((int)fd);
  if (d < 0) return l_raise(L, d, "trio.lowlevel.FdStream");
  int fl = fcntl(d, F_GETFL);
  if (fl < 0 || fcntl(d, F_SETFL, fl | O_NONBLOCK) < 0) {
    int e = -errno;
    close(d);
    return l_raise(L, e, "trio.lowlevel.FdStream");
  }
  lua_pushinteger(L, d);
  return 1;
}

/* core.fd_close(fd): wakes its waiters (ClosedResourceError), then closes it. */
static int l_io_fd_close(lua_State *L) {
  lua_Integer fd = l_checkint(L, 1, "FdStream:close", "fd");
  if (fd >= 0 && fd <= 0x7fffffff) {
    lt_io_close((int)fd);
    close((int)fd);
  }
  return 0;
}

static const luaL_Reg io_funcs[] = {
    {"fd_read", l_io_fd_read},
    {"fd_write", l_io_fd_write},
    {"fd_dup", l_io_fd_dup},
    {"fd_close", l_io_fd_close},
    {"wait_readable", l_io_wait_readable},
    {"wait_writable", l_io_wait_writable},
    {"notify_closing", l_io_notify_closing},
    {NULL, NULL}};

void l_io_open(lua_State *L) { luaL_setfuncs(L, io_funcs, 0); }
