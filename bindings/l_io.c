/* l_io.c - trio.lowlevel.wait_readable / wait_writable / notify_closing on a socket
** or an integer fd. */
#include <errno.h>

#include "../engine/io.h"
#include "../engine/sock.h"
#include "l_common.h"
#include "l_socket.h"
#include "l_task.h"

/* The fd of the socket or integer at 1 (-1 for a closed socket); '*is_socket' tells
** which (may be NULL). */
static int getfd(lua_State *L, const char *fname, int *is_socket) {
  lt_sock_t *s = l_socket_test(L, 1);
  if (is_socket) *is_socket = s != NULL;
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

int l_io_wait(lua_State *L, int dir, const char *fname) {
  l_task_t *t = l_checkasync(L, fname);
  int is_socket;
  int fd = getfd(L, fname, &is_socket);
  if (fd < 0) return l_raisef(L, "ClosedResourceError", "%s: the socket is closed", fname);
  l_checkcancel(L, t);
  int r = is_socket ? lt_io_wait_sock(fd, dir, &t->task) : lt_io_wait(fd, dir, &t->task);
  if (r < 0) return l_raise(L, r, fname);
  if (r == 1) return l_schedpoint(L, t, 0);  /* a regular file: always ready */
  return l_park(L, t, lt_io_abort, LT_IO_DATA(fd, dir), dir, wait_k);
}

/* trio.lowlevel.wait_readable(sock_or_fd)  [-0, +0, e] */
static int l_io_wait_readable(lua_State *L) {
  return l_io_wait(L, LT_IO_READ, "trio.lowlevel.wait_readable");
}

/* trio.lowlevel.wait_writable(sock_or_fd)  [-0, +0, e] */
static int l_io_wait_writable(lua_State *L) {
  return l_io_wait(L, LT_IO_WRITE, "trio.lowlevel.wait_writable");
}

/* trio.lowlevel.notify_closing(sock_or_fd): wakes the fd's waiters with
** ClosedResourceError and releases its poll; the fd stays open.  [-0, +0, e] */
static int l_io_notify_closing(lua_State *L) {
  int fd = getfd(L, "trio.lowlevel.notify_closing", NULL);
  if (fd >= 0) lt_io_close(fd);
  return 0;
}

static const luaL_Reg io_funcs[] = {
    {"wait_readable", l_io_wait_readable},
    {"wait_writable", l_io_wait_writable},
    {"notify_closing", l_io_notify_closing},
    {NULL, NULL}};

void l_io_open(lua_State *L) { luaL_setfuncs(L, io_funcs, 0); }
