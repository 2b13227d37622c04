/* l_socket.c - the ltrio.socket class: raw non-blocking sockets whose async methods
** follow Trio's protocol (checkpoint_if_cancelled, try the call, wait for readiness
** only on EAGAIN, yield once even on success). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "../engine/io.h"
#include "../engine/resolve.h"
#include "../engine/sock.h"
#include "l_addr.h"
#include "l_common.h"
#include "l_socket.h"
#include "l_sockkind.h"
#include "l_task.h"

/* registry: function(sock, addr, local, fname, n) -> addr, for the address given as
** argument #n of the method fname */
#define RESOLVER "ltrio.socket.resolve"
#define MAX_IOV 1024
#define ANC_MAX (1u << 20)  /* ancillary buffers beyond the kernel's optmem are useless */

typedef struct {
  lt_sock_t s;
} l_socket_t;

/* ---- checkers ---- */

/* The socket at 'i', or NULL: a userdata with the class metatable or a kind's. */
static l_socket_t *testsock(lua_State *L, int i) {
  if (lua_type(L, i) != LUA_TUSERDATA) return NULL;  /* see l_testudata_named */
  l_socket_t *u = lua_touserdata(L, i);
  if (!lua_getmetatable(L, i)) return NULL;
  if (!l_sockkind_is(lua_topointer(L, -1))) u = NULL;
  lua_pop(L, 1);
  return u;
}

static lt_sock_t *checksock(lua_State *L, int i, const char *fname) {
  l_socket_t *u = testsock(L, i);
  if (!u) l_argerror(L, i, fname, "self", "socket");
  return &u->s;
}


/* For sync methods: a closed socket is OSError EBADF. */
static lt_sock_t *livesock(lua_State *L, const char *fname) {
  lt_sock_t *s = checksock(L, 1, fname);
  if (s->fd < 0) l_raise(L, -EBADF, fname);
  return s;
}

/* Pushes a new, closed socket object (liolib's newprefile). [-0, +1, m] */
static lt_sock_t *newsock(lua_State *L) {
  l_socket_t *u = lua_newuserdatauv(L, sizeof *u, 0);
  lt_sock_init(&u->s);
  luaL_setmetatable(L, L_SOCKET_MT);
  return &u->s;
}

/* Replaces the optional integer at 'i' by its value (default 'def'); an integer stays,
** and so does a nil for a default 0 (lua_tointeger reads both right). */
static lua_Integer normint(lua_State *L, int i, const char *fname, const char *param, lua_Integer def) {
  if (lua_isnoneornil(L, i)) {
    if (lua_gettop(L) < i) lua_settop(L, i);
    if (def == 0) return 0;
  }
  lua_Integer v = lua_isnoneornil(L, i) ? def : l_checkcint(L, i, fname, param);
  if (!lua_isinteger(L, i)) {
    lua_pushinteger(L, v);
    lua_replace(L, i);
  }
  return v;
}

/* ---- yielding helpers ---- */

/* Async methods take a closed socket (checksock) and report it after the checkpoint,
** as Trio's do. */
int l_socket_closed(lua_State *L, l_task_t *t, const char *fname) {
  l_checkcancel(L, t);
  l_newerror(L, "ClosedResourceError", lua_pushfstring(L, "%s: the socket is closed", fname));
  lua_remove(L, -2);  /* the message */
  return l_yield_raise(L, t);
}

static int schedraise_err(lua_State *L, l_task_t *t, int err, const char *fname) {
  if (err < 0 && err > -4096) {
    l_pushoserror(L, err, NULL);
    return l_yield_raise(L, t);
  }
  return l_raise(L, err, fname);
}

int l_socket_wait(lua_State *L, l_task_t *t, int fd, int dir, lua_KContext ctx, lua_KFunction k) {
  int r = lt_io_wait_sock(fd, dir, &t->task);
  if (r < 0) return r;
  if (r == 1) return l_yield(L, t, ctx, k);  /* not pollable: always ready, retry after a schedule point */
  return l_park(L, t, lt_io_abort, LT_IO_DATA(fd, dir), ctx, k);
}

/* Waits until 'fd' is ready in 'dir', then runs k(ctx); raises if the wait cannot start. */
static int waitfd(lua_State *L, l_task_t *t, int fd, int dir, const char *fname,
                  lua_KContext ctx, lua_KFunction k) {
  return l_raise(L, l_socket_wait(L, t, fd, dir, ctx, k), fname);
}

/* ---- the generic async operation ---- */

/* A try function performs one system call with the arguments already normalised on
** the stack, pushes its results and returns how many, or returns -errno with
** nothing pushed. */
typedef int (*try_fn)(lua_State *L, lt_sock_t *s);

typedef struct {
  const char *fname;
  int dir;
  try_fn fn;
  int flags_at;   /* receives: the stack index of the flags, else 0 */
} op_t;

enum { OP_RECV, OP_RECV_INTO, OP_RECVFROM, OP_RECVFROM_INTO, OP_RECVMSG, OP_RECVMSG_INTO,
       OP_ACCEPT, OP_ACCEPT_BARE, OP_SEND, OP_SENDTO, OP_SENDMSG, OP_N };
static const op_t ops[OP_N];

static int op_step(lua_State *L, l_task_t *t, int id, int waited);

/* An operation id, or'ed with OP_STREAM when the caller is a SocketStream: system
** errors then become ClosedResourceError (EBADF, ENOTSOCK) or BrokenResourceError
** (any other errno, the OSError in field 'cause'), as Trio's stream error translation. */
#define OP_STREAM 0x100

/* Pushes the stream error for a negative errno. */
static void push_stream_error(lua_State *L, int err) {
  if (err == -EBADF || err == -ENOTSOCK) {
    l_newerror(L, "ClosedResourceError", "this socket was already closed");
    return;
  }
  l_pushoserror(L, err, NULL);
  int cause = lua_gettop(L);
  const char *msg = lua_pushfstring(L, "socket connection broken: %s", luaL_tolstring(L, cause, NULL));
  l_newerror(L, "BrokenResourceError", msg);
  lua_pushvalue(L, cause);
  lua_setfield(L, -2, "cause");
  lua_replace(L, cause);
  lua_settop(L, cause);
}

/* The name errors give: the stream method for a SocketStream's receive or send. */
static const char *op_fname(int ctx) {
  if (ctx & OP_STREAM) {
    if ((ctx & 0xff) == OP_RECV) return "SocketStream:receive_some";
    if ((ctx & 0xff) == OP_SEND) return "SocketStream:send_all";
  }
  return ops[ctx & 0xff].fname;
}

static int op_fail(lua_State *L, l_task_t *t, int ctx, int err, int waited) {
  const char *fname = op_fname(ctx);
  if (!(ctx & OP_STREAM) || err >= 0 || err <= -4096) {
    if (waited) return l_raise(L, err, fname);
    return schedraise_err(L, t, err, fname);
  }
  push_stream_error(L, err);
  return waited ? lua_error(L) : l_yield_raise(L, t);
}

static int op_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, op_k);
  (void)status;
  l_task_t *t = l_current();
  l_outcome(L, t, op_fname((int)ctx));
  return op_step(L, t, (int)ctx, 1);
}

/* 1 if the receive side of 'fd' is shut down (shutdown(SHUT_RD), or the peer's). */
static int read_shut_down(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLRDHUP};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLRDHUP);
}

/* EAGAIN from a receive or accept where a blocking call would not wait. A datagram
** socket or a Unix listener whose receive side is shut down polls readable for good yet
** fails with EAGAIN: waiting would spin (and freeze a MockClock); a blocking recv gives
** an end of file there, accept EINVAL. A receive of MSG_ERRQUEUE never blocks: its
** EAGAIN is the answer. Returns 0 when the caller should wait; else pushes what the
** blocking call gives and returns the count, or returns -errno to raise. The shutdown
** test runs only after a wake (waited), so the common EAGAIN costs no system call. */
static int op_eagain(lua_State *L, int id, int fd, int waited) {
  const op_t *op = &ops[id];
  if (op->dir != LT_IO_READ) return 0;
  if (op->flags_at && (lua_tointeger(L, op->flags_at) & MSG_ERRQUEUE)) return -EAGAIN;
  if (!waited || !read_shut_down(fd)) return 0;
  switch (id) {
    case OP_RECV: lua_pushliteral(L, ""); return 1;
    case OP_RECV_INTO: lua_pushinteger(L, 0); return 1;
    case OP_RECVFROM: lua_pushliteral(L, ""); lua_pushnil(L); return 2;  /* no sender */
    case OP_RECVFROM_INTO: lua_pushinteger(L, 0); lua_pushnil(L); return 2;
    case OP_RECVMSG: case OP_RECVMSG_INTO:  /* no data, ancillary data, flags or sender */
      if (id == OP_RECVMSG) lua_pushliteral(L, "");
      else lua_pushinteger(L, 0);
      lua_newtable(L);
      lua_pushinteger(L, 0);
      lua_pushnil(L);
      return 4;
    default: return -EINVAL;  /* accept */
  }
}

static int op_step(lua_State *L, l_task_t *t, int ctx, int waited) {
  const op_t *op = &ops[ctx & 0xff];
  lt_sock_t *s = &((l_socket_t *)lua_touserdata(L, 1))->s;
  if (s->fd < 0) return waited ? l_raise(L, LT_ECLOSED, op_fname(ctx)) : l_socket_closed(L, t, op_fname(ctx));
  int r = op->fn(L, s);
  if (r == -EAGAIN || r == -EWOULDBLOCK) {
    r = op_eagain(L, ctx & 0xff, s->fd, waited);
    if (r == 0) return waitfd(L, t, s->fd, op->dir, op_fname(ctx), ctx, op_k);
  }
  if (r >= 0) return waited ? r : l_schedpoint(L, t, r);
  return op_fail(L, t, ctx, r, waited);
}

/* checkpoint_if_cancelled, then the operation. */
static int op_start(lua_State *L, l_task_t *t, int id) {
  l_checkcancel(L, t);
  return op_step(L, t, id, 0);
}

int l_socket_stream_fail(lua_State *L, l_task_t *t, int err, int waited) {
  return op_fail(L, t, OP_SEND | OP_STREAM, err, waited);
}

int l_socket_stream_recv(lua_State *L, l_task_t *t, lua_Integer n) {
  lua_pushinteger(L, n);
  lua_pushinteger(L, 0);  /* flags */
  return op_start(L, t, OP_RECV | OP_STREAM);
}

/* ---- address resolution through Lua (non-numeric addresses) ---- */

static int resolved_k(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  int id = (int)(ctx & 0xff), idx = (int)(ctx >> 8);
  lua_replace(L, idx);  /* the resolved address replaces the given one */
  return op_start(L, l_current(), id);
}

/* Pushes the call resolver(sock, address at 'idx', local, fname, n), the address given
** as argument 'a' of a socket method (n: its number in messages, without self): 6
** values, for lua_callk(L, 5, 1, ...). */
static void push_resolve(lua_State *L, int idx, int local, const l_addrarg_t *a) {
  lua_getfield(L, LUA_REGISTRYINDEX, RESOLVER);
  lua_pushvalue(L, 1);
  lua_pushvalue(L, idx);
  lua_pushboolean(L, local);
  lua_pushstring(L, a->fname);
  lua_pushinteger(L, a->arg - 1);
}

/* Resolves the address at 'idx' (given as argument 'arg') unless it is numeric, then
** starts operation 'id'. */
static int with_address(lua_State *L, l_task_t *t, lt_sock_t *s, int idx, int arg, int local, int id) {
  l_sockaddr_t sa;
  const l_addrarg_t a = {ops[id].fname, "address", arg};
  if (l_addr_get(L, idx, s->family, local, &sa, &a)) return op_start(L, t, id);
  lua_KContext ctx = id | (idx << 8);
  push_resolve(L, idx, local, &a);
  lua_callk(L, 5, 1, ctx, resolved_k);
  return resolved_k(L, LUA_OK, ctx);
}

/* The numeric sockaddr of the (already resolved) address at 'idx'. */
static void getaddr(lua_State *L, int idx, lt_sock_t *s, l_sockaddr_t *sa, const char *fname) {
  const l_addrarg_t a = {fname, "address", idx};
  if (!l_addr_get(L, idx, s->family, 0, sa, &a))
    l_raisef(L, "ValueError", "%s: the resolver returned a non-numeric address", fname);
}

/* ---- receiving ---- */

/* The shared scratch buffer for a receive of 'n' bytes with 'flags'. With MSG_TRUNC the
** kernel may report more bytes than it copied (all of them on a stream socket): the
** buffer is zeroed then, so no earlier receive's bytes come back. */
static char *recv_buffer(lua_State *L, size_t *n, int flags) {
  char *buf = l_scratch(L, n);
  if (flags & MSG_TRUNC) memset(buf, 0, *n);
  return buf;
}

static int try_recv(lua_State *L, lt_sock_t *s) {
  size_t n = (size_t)lua_tointeger(L, 2);
  if (n == 0) {  /* Python's recv(0) returns b"" without a system call */
    lua_pushliteral(L, "");
    return 1;
  }
  int flags = (int)lua_tointeger(L, 3);
  char *buf = recv_buffer(L, &n, flags);
  ssize_t r = lt_sock_recv(s->fd, buf, n, flags);
  if (r < 0) return (int)r;
  lua_pushlstring(L, buf, (size_t)r < n ? (size_t)r : n);
  return 1;
}

/* recv and recvfrom: (bufsize, flags) checked, then operation 'id'. */
static int start_recv(lua_State *L, int id) {
  const char *fname = ops[id].fname;
  l_task_t *t = l_checkasync(L, fname);
  checksock(L, 1, fname);
  l_checksize(L, 2, fname, "bufsize");
  normint(L, 3, fname, "flags", 0);
  lua_settop(L, 3);
  return op_start(L, t, id);
}

/* sock:recv(n, flags) -> string  [-0, +1, e] */
static int l_socket_recv(lua_State *L) { return start_recv(L, OP_RECV); }

/* Checks buf (2) and nbytes (3): replaces 3 by the byte count to use. */
static void checkinto(lua_State *L, const char *fname) {
  size_t len;
  if (!l_buffer_test(L, 2, &len)) l_argerror(L, 2, fname, "buffer", "Buffer");
  lua_Integer n = lua_isnoneornil(L, 3) ? 0 : l_checksize(L, 3, fname, "nbytes");
  if (n == 0) n = (lua_Integer)len;
  if ((size_t)n > len) l_argvalue(L, 3, fname, "nbytes", "larger than the buffer");
  if (lua_gettop(L) < 3) lua_settop(L, 3);
  lua_pushinteger(L, n);
  lua_replace(L, 3);
}

static int try_recv_into(lua_State *L, lt_sock_t *s) {
  size_t len;
  unsigned char *p = l_buffer_test(L, 2, &len);
  size_t n = (size_t)lua_tointeger(L, 3);
  if (n == 0) {  /* an empty Buffer: 0 without a system call, as Python */
    lua_pushinteger(L, 0);
    return 1;
  }
  ssize_t r = lt_sock_recv(s->fd, p, n, (int)lua_tointeger(L, 4));
  if (r < 0) return (int)r;
  lua_pushinteger(L, r);  /* with MSG_TRUNC, the datagram's real length (as CPython) */
  return 1;
}

/* recv_into and recvfrom_into: (buf, nbytes, flags) checked, then operation 'id'. */
static int start_recv_into(lua_State *L, int id) {
  const char *fname = ops[id].fname;
  l_task_t *t = l_checkasync(L, fname);
  checksock(L, 1, fname);
  checkinto(L, fname);
  normint(L, 4, fname, "flags", 0);
  lua_settop(L, 4);
  return op_start(L, t, id);
}

/* sock:recv_into(buf, nbytes, flags) -> nbytes  [-0, +1, e] */
static int l_socket_recv_into(lua_State *L) { return start_recv_into(L, OP_RECV_INTO); }

/* Pushes an address received by the kernel (nil when there is none). */
static void pushaddr(lua_State *L, const l_sockaddr_t *sa) {
  if (sa->len == 0) lua_pushnil(L);
  else l_addr_push(L, (const struct sockaddr *)&sa->ss, sa->len);
}

static int try_recvfrom(lua_State *L, lt_sock_t *s) {
  size_t n = (size_t)lua_tointeger(L, 2);
  char *buf = recv_buffer(L, &n, (int)lua_tointeger(L, 3));
  l_sockaddr_t sa;
  sa.len = sizeof sa.ss;
  ssize_t r = lt_sock_recvfrom(s->fd, buf, n, (int)lua_tointeger(L, 3),
                               (struct sockaddr *)&sa.ss, &sa.len);
  if (r < 0) return (int)r;
  lua_pushlstring(L, buf, (size_t)r < n ? (size_t)r : n);
  pushaddr(L, &sa);
  return 2;
}

/* sock:recvfrom(n, flags) -> data, addr  [-0, +2, e] */
static int l_socket_recvfrom(lua_State *L) { return start_recv(L, OP_RECVFROM); }

static int try_recvfrom_into(lua_State *L, lt_sock_t *s) {
  size_t len;
  unsigned char *p = l_buffer_test(L, 2, &len);
  l_sockaddr_t sa;
  sa.len = sizeof sa.ss;
  lua_Integer n = lua_tointeger(L, 3);
  ssize_t r = lt_sock_recvfrom(s->fd, p, (size_t)n, (int)lua_tointeger(L, 4),
                               (struct sockaddr *)&sa.ss, &sa.len);
  if (r < 0) return (int)r;
  lua_pushinteger(L, r);  /* with MSG_TRUNC, the datagram's real length (as CPython) */
  pushaddr(L, &sa);
  return 2;
}

/* sock:recvfrom_into(buf, nbytes, flags) -> nbytes, addr  [-0, +2, e] */
static int l_socket_recvfrom_into(lua_State *L) { return start_recv_into(L, OP_RECVFROM_INTO); }

/* Pushes the array of {level, type, data} of a received message. */
static void pushancdata(lua_State *L, struct msghdr *msg) {
  lua_newtable(L);
  int k = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    size_t dlen = c->cmsg_len >= CMSG_LEN(0) ? c->cmsg_len - CMSG_LEN(0) : 0;
    lua_createtable(L, 3, 0);
    lua_pushinteger(L, c->cmsg_level);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, c->cmsg_type);
    lua_rawseti(L, -2, 2);
    lua_pushlstring(L, (const char *)CMSG_DATA(c), dlen);
    lua_rawseti(L, -2, 3);
    lua_rawseti(L, -2, ++k);
  }
}

/* A control buffer of 'n' bytes as a userdata at the top (freed by the GC). */
static void *ctlbuf(lua_State *L, size_t n) {
  void *p = lua_newuserdatauv(L, n ? n : 1, 0);
  memset(p, 0, n ? n : 1);
  return p;
}

/* Received fds past a truncated control buffer cannot leak: MSG_CMSG_CLOEXEC and
** the kernel's truncation closes what did not fit. */
static int finish_recvmsg(lua_State *L, struct msghdr *msg, l_sockaddr_t *sa) {
  sa->len = msg->msg_namelen;
  pushancdata(L, msg);
  lua_pushinteger(L, msg->msg_flags & ~MSG_CMSG_CLOEXEC);  /* ours, not the caller's */
  pushaddr(L, sa);
  return 3;
}

static int try_recvmsg(lua_State *L, lt_sock_t *s) {
  size_t n = (size_t)lua_tointeger(L, 2), anc = (size_t)lua_tointeger(L, 3);
  if (anc > ANC_MAX) anc = ANC_MAX;
  int base = lua_gettop(L);
  void *ctl = anc ? ctlbuf(L, anc) : NULL;  /* anchored on the stack until the end */
  char *buf = recv_buffer(L, &n, (int)lua_tointeger(L, 4));
  l_sockaddr_t sa;
  struct iovec iov = {buf, n};
  struct msghdr msg = {.msg_name = &sa.ss, .msg_namelen = sizeof sa.ss, .msg_iov = &iov,
                       .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = anc};
  ssize_t r = lt_sock_recvmsg(s->fd, &msg, (int)lua_tointeger(L, 4));
  if (r < 0) {
    lua_settop(L, base);
    return (int)r;
  }
  lua_pushlstring(L, buf, (size_t)r < n ? (size_t)r : n);
  int nres = 1 + finish_recvmsg(L, &msg, &sa);
  if (anc) lua_remove(L, base + 1);
  return nres;
}

/* sock:recvmsg(bufsize, ancbufsize, flags) -> data, ancdata, msg_flags, addr */
static int l_socket_recvmsg(lua_State *L) {
  l_task_t *t = l_checkasync(L, "socket:recvmsg");
  checksock(L, 1, "socket:recvmsg");
  l_checksize(L, 2, "socket:recvmsg", "bufsize");
  if (lua_isnoneornil(L, 3)) {
    if (lua_gettop(L) < 3) lua_settop(L, 3);
    lua_pushinteger(L, 0);
    lua_replace(L, 3);
  } else {
    l_checksize(L, 3, "socket:recvmsg", "ancbufsize");
  }
  normint(L, 4, "socket:recvmsg", "flags", 0);
  lua_settop(L, 4);
  return op_start(L, t, OP_RECVMSG);
}

/* Fills 'iov' from the array of Buffers (or strings, for sending) at 'i'. */
static int getiov(lua_State *L, int i, struct iovec *iov, int writable, const char *fname) {
  if (!lua_istable(L, i)) return l_argerror(L, i, fname, "buffers", "table");
  int n = (int)lua_rawlen(L, i);
  if (n > MAX_IOV) l_argvalue(L, i, fname, "buffers", "more than 1024 buffers");
  for (int k = 1; k <= n; k++) {
    size_t len;
    lua_rawgeti(L, i, k);
    const char *p = !writable && lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len)
                                                                : (const char *)l_buffer_test(L, -1, &len);
    if (!p) l_argerror(L, i, fname, "buffers", writable ? "array of Buffers" : "array of strings or Buffers");
    lua_pop(L, 1);  /* anchored by the table */
    iov[k - 1].iov_base = (void *)p;
    iov[k - 1].iov_len = len;
  }
  return n;
}

static int try_recvmsg_into(lua_State *L, lt_sock_t *s) {
  struct iovec iov[MAX_IOV];
  int n = getiov(L, 2, iov, 1, "socket:recvmsg_into");
  size_t anc = (size_t)lua_tointeger(L, 3);
  if (anc > ANC_MAX) anc = ANC_MAX;
  void *ctl = anc ? ctlbuf(L, anc) : NULL;
  l_sockaddr_t sa;
  struct msghdr msg = {.msg_name = &sa.ss, .msg_namelen = sizeof sa.ss, .msg_iov = iov,
                       .msg_iovlen = (size_t)n, .msg_control = ctl, .msg_controllen = anc};
  ssize_t r = lt_sock_recvmsg(s->fd, &msg, (int)lua_tointeger(L, 4));
  if (r < 0) {
    if (anc) lua_pop(L, 1);
    return (int)r;
  }
  int base = lua_gettop(L);
  lua_pushinteger(L, r);
  int nres = 1 + finish_recvmsg(L, &msg, &sa);
  if (anc) lua_remove(L, base);
  return nres;
}

/* sock:recvmsg_into(buffers, ancbufsize, flags) -> nbytes, ancdata, msg_flags, addr */
static int l_socket_recvmsg_into(lua_State *L) {
  l_task_t *t = l_checkasync(L, "socket:recvmsg_into");
  checksock(L, 1, "socket:recvmsg_into");
  struct iovec iov[MAX_IOV];
  getiov(L, 2, iov, 1, "socket:recvmsg_into");
  if (lua_isnoneornil(L, 3)) {
    if (lua_gettop(L) < 3) lua_settop(L, 3);
    lua_pushinteger(L, 0);
    lua_replace(L, 3);
  } else {
    l_checksize(L, 3, "socket:recvmsg_into", "ancbufsize");
  }
  normint(L, 4, "socket:recvmsg_into", "flags", 0);
  lua_settop(L, 4);
  return op_start(L, t, OP_RECVMSG_INTO);
}

/* One accept4; pushes the new socket, and its peer address when 'sa' is given. */
static int accept_into(lua_State *L, lt_sock_t *s, l_sockaddr_t *sa) {
  if (sa) sa->len = sizeof sa->ss;
  int fd = lt_sock_accept(s->fd, sa ? (struct sockaddr *)&sa->ss : NULL, sa ? &sa->len : NULL);
  if (fd < 0) return fd;
  lt_sock_t *c = newsock(L);
  lt_sock_own(c, fd, s->family, s->type, s->proto);
  l_sockkind_set(L, -1, c);
  if (!sa) return 1;
  pushaddr(L, sa);
  return 2;
}

static int try_accept(lua_State *L, lt_sock_t *s) {
  l_sockaddr_t sa;
  return accept_into(L, s, &sa);
}

static int try_accept_bare(lua_State *L, lt_sock_t *s) { return accept_into(L, s, NULL); }

/* accept and accept_bare: no argument beyond the socket, then operation 'id'. */
static int start_accept(lua_State *L, int id) {
  const char *fname = ops[id].fname;
  l_task_t *t = l_checkasync(L, fname);
  checksock(L, 1, fname);
  lua_settop(L, 1);
  return op_start(L, t, id);
}

/* sock:accept() -> sock, addr  [-0, +2, e] */
static int l_socket_accept(lua_State *L) { return start_accept(L, OP_ACCEPT); }

/* core.accept_bare(sock) -> sock: socket:accept without the peer address, for
** SocketListener:accept, which drops it (formatting it is most of accept's own work). */
static int l_core_accept_bare(lua_State *L) { return start_accept(L, OP_ACCEPT_BARE); }

/* ---- sending ---- */

static int try_send(lua_State *L, lt_sock_t *s) {
  size_t len;
  const char *p = l_checkbytes(L, 2, "socket:send", "data", &len);
  ssize_t r = lt_sock_send(s->fd, p, len, (int)lua_tointeger(L, 3));
  if (r < 0) return (int)r;
  lua_pushinteger(L, r);
  return 1;
}

lt_sock_t *l_socket_test(lua_State *L, int i) {
  l_socket_t *u = testsock(L, i);
  return u ? &u->s : NULL;
}

lt_sock_t *l_socket_test_top(lua_State *L) {
  if (lua_type(L, -1) != LUA_TUSERDATA) return NULL;  /* see l_testudata_named */
  l_socket_t *u = lua_touserdata(L, -1);
  if (!lua_getmetatable(L, -1) || !l_sockkind_is(lua_topointer(L, -1))) return NULL;
  return &u->s;
}

/* core.is_real_socket(v) -> boolean (not a fake from a custom socket factory) */
static int l_core_is_real_socket(lua_State *L) {
  lua_pushboolean(L, testsock(L, 1) != NULL);
  return 1;
}

/* core.stream_sending(sock [, flag]) -> flag: the send conflict detector of the
** SocketStream over a real socket, read (and set when 'flag' is given). */
static int l_core_stream_sending(lua_State *L) {
  lt_sock_t *s = checksock(L, 1, "SocketStream");
  if (lua_gettop(L) >= 2) s->stream_sending = lua_toboolean(L, 2) ? 1 : 0;
  lua_pushboolean(L, s->stream_sending);
  return 1;
}

/* sock:wait_writable(): trio.lowlevel.wait_writable on this socket  [-0, +0, e] */
static int l_socket_wait_writable(lua_State *L) {
  l_task_t *t = l_checkasync(L, "socket:wait_writable");
  lt_sock_t *s = checksock(L, 1, "socket:wait_writable");
  if (s->fd < 0) return l_socket_closed(L, t, "socket:wait_writable");
  lua_settop(L, 1);
  return l_io_wait(L, LT_IO_WRITE, "socket:wait_writable");
}

/* sock:send(data, flags) -> nbytes  [-0, +1, e] */
static int l_socket_send(lua_State *L) {
  l_task_t *t = l_checkasync(L, "socket:send");
  checksock(L, 1, "socket:send");
  size_t len;
  l_checkbytes(L, 2, "socket:send", "data", &len);
  normint(L, 3, "socket:send", "flags", 0);
  lua_settop(L, 3);
  return op_start(L, t, OP_SEND);
}

static int try_sendto(lua_State *L, lt_sock_t *s) {
  size_t len;
  const char *p = l_checkbytes(L, 2, "socket:sendto", "data", &len);
  l_sockaddr_t sa;
  getaddr(L, 4, s, &sa, "socket:sendto");
  ssize_t r = lt_sock_sendto(s->fd, p, len, (int)lua_tointeger(L, 3),
                             (struct sockaddr *)&sa.ss, sa.len);
  if (r < 0) return (int)r;
  lua_pushinteger(L, r);
  return 1;
}

/* sock:sendto(data, addr) or sock:sendto(data, flags, addr) -> nbytes  [-0, +1, e] */
static int l_socket_sendto(lua_State *L) {
  l_task_t *t = l_checkasync(L, "socket:sendto");
  lt_sock_t *s = checksock(L, 1, "socket:sendto");
  size_t len;
  l_checkbytes(L, 2, "socket:sendto", "data", &len);
  int top = lua_gettop(L);
  while (top > 3 && lua_isnil(L, top)) top--;
  lua_settop(L, top);
  int arg = top <= 3 ? 3 : 4;  /* where the address was given */
  if (top <= 3) {  /* sendto(data, addr): flags 0 */
    if (lua_isnoneornil(L, 3)) return l_argerror(L, 3, "socket:sendto", "address", "address");
    lua_settop(L, 3);
    lua_pushinteger(L, 0);
    lua_insert(L, 3);
  } else {
    normint(L, 3, "socket:sendto", "flags", 0);
    lua_settop(L, 4);
  }
  if (lua_isnil(L, 4)) return l_argerror(L, 3, "socket:sendto", "address", "address");
  return with_address(L, t, s, 4, arg, 0, OP_SENDTO);
}

/* Builds the control buffer of sendmsg from the array of {level, type, data} at 'i';
** leaves it as a userdata on the top (or pushes nothing and returns NULL). */
static void *getancdata(lua_State *L, int i, size_t *total, const char *fname) {
  *total = 0;
  if (lua_isnoneornil(L, i)) return NULL;
  if (!lua_istable(L, i)) l_argerror(L, i, fname, "ancdata", "table");
  int n = (int)lua_rawlen(L, i);
  for (int k = 1; k <= n; k++) {
    if (lua_rawgeti(L, i, k) != LUA_TTABLE) l_argerror(L, i, fname, "ancdata", "array of {level, type, data}");
    size_t dlen = 0;
    lua_rawgeti(L, -1, 3);
    if (!l_buffer_test(L, -1, &dlen) && (lua_type(L, -1) != LUA_TSTRING || !lua_tolstring(L, -1, &dlen)))
      l_argerror(L, i, fname, "ancdata", "array of {level, type, data}");
    *total += CMSG_SPACE(dlen);
    lua_pop(L, 2);
  }
  if (*total == 0) return NULL;
  unsigned char *buf = ctlbuf(L, *total);
  struct msghdr msg = {.msg_control = buf, .msg_controllen = *total};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  for (int k = 1; k <= n && c; k++, c = CMSG_NXTHDR(&msg, c)) {
    lua_Integer level, type;
    size_t dlen;
    lua_rawgeti(L, i, k);
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    int ok1, ok2;
    level = lua_tointegerx(L, -2, &ok1);
    type = lua_tointegerx(L, -1, &ok2);
    if (!ok1 || !ok2 || lua_type(L, -2) != LUA_TNUMBER || lua_type(L, -1) != LUA_TNUMBER ||
        level < INT_MIN || level > INT_MAX || type < INT_MIN || type > INT_MAX)
      l_argerror(L, i, fname, "ancdata", "array of {level, type, data} with C int level and type");
    lua_pop(L, 2);
    lua_rawgeti(L, -1, 3);
    const char *d = (const char *)l_buffer_test(L, -1, &dlen);
    if (!d) d = lua_tolstring(L, -1, &dlen);
    c->cmsg_level = (int)level;
    c->cmsg_type = (int)type;
    c->cmsg_len = CMSG_LEN(dlen);
    memcpy(CMSG_DATA(c), d, dlen);
    lua_pop(L, 2);
  }
  return buf;
}

static int try_sendmsg(lua_State *L, lt_sock_t *s) {
  struct iovec iov[MAX_IOV];
  int n = getiov(L, 2, iov, 0, "socket:sendmsg");
  size_t anclen;
  int top = lua_gettop(L);
  void *ctl = getancdata(L, 3, &anclen, "socket:sendmsg");
  l_sockaddr_t sa;
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n, .msg_control = ctl,
                       .msg_controllen = anclen};
  if (!lua_isnil(L, 5)) {
    getaddr(L, 5, s, &sa, "socket:sendmsg");
    msg.msg_name = &sa.ss;
    msg.msg_namelen = sa.len;
  }
  ssize_t r = lt_sock_sendmsg(s->fd, &msg, (int)lua_tointeger(L, 4));
  lua_settop(L, top);
  if (r < 0) return (int)r;
  lua_pushinteger(L, r);
  return 1;
}

/* sock:sendmsg(buffers, ancdata, flags, addr) -> nbytes  [-0, +1, e] */
static int l_socket_sendmsg(lua_State *L) {
  l_task_t *t = l_checkasync(L, "socket:sendmsg");
  lt_sock_t *s = checksock(L, 1, "socket:sendmsg");
  struct iovec iov[MAX_IOV];
  getiov(L, 2, iov, 0, "socket:sendmsg");
  size_t anclen;
  int top = lua_gettop(L);
  getancdata(L, 3, &anclen, "socket:sendmsg");  /* checks it */
  lua_settop(L, top);
  normint(L, 4, "socket:sendmsg", "flags", 0);
  lua_settop(L, 5);
  if (lua_isnil(L, 5)) return op_start(L, t, OP_SENDMSG);
  return with_address(L, t, s, 5, 5, 0, OP_SENDMSG);
}

static const op_t ops[OP_N] = {
    [OP_RECV] = {"socket:recv", LT_IO_READ, try_recv, 3},
    [OP_RECV_INTO] = {"socket:recv_into", LT_IO_READ, try_recv_into, 4},
    [OP_RECVFROM] = {"socket:recvfrom", LT_IO_READ, try_recvfrom, 3},
    [OP_RECVFROM_INTO] = {"socket:recvfrom_into", LT_IO_READ, try_recvfrom_into, 4},
    [OP_RECVMSG] = {"socket:recvmsg", LT_IO_READ, try_recvmsg, 4},
    [OP_RECVMSG_INTO] = {"socket:recvmsg_into", LT_IO_READ, try_recvmsg_into, 4},
    [OP_ACCEPT] = {"socket:accept", LT_IO_READ, try_accept, 0},
    [OP_ACCEPT_BARE] = {"socket:accept", LT_IO_READ, try_accept_bare, 0},
    [OP_SEND] = {"socket:send", LT_IO_WRITE, try_send, 0},
    [OP_SENDTO] = {"socket:sendto", LT_IO_WRITE, try_sendto, 0},
    [OP_SENDMSG] = {"socket:sendmsg", LT_IO_WRITE, try_sendmsg, 0},
};

/* ---- sendfile: chunks, checkpointing between them ---- */

/* Stack: [sock, file, offset, remaining (-1: to EOF), total, yielded] */
static int sendfile_step(lua_State *L, l_task_t *t);

static int sendfile_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, sendfile_k);
  (void)status;
  l_task_t *t = l_current();
  if (ctx == 1) l_outcome(L, t, "socket:sendfile");  /* woken from a wait */
  else l_checkcancel(L, t);                          /* between chunks */
  lua_pushboolean(L, 1);
  lua_replace(L, 6);
  return sendfile_step(L, t);
}

static int file_fd(lua_State *L, int i) { return l_checkfilefd(L, i, "socket:sendfile", "file"); }

static int sendfile_step(lua_State *L, l_task_t *t) {
  lt_sock_t *s = &((l_socket_t *)lua_touserdata(L, 1))->s;
  if (s->fd < 0)
    return lua_toboolean(L, 6) ? l_raise(L, LT_ECLOSED, "socket:sendfile")
                               : l_socket_closed(L, t, "socket:sendfile");
  int in = file_fd(L, 2);
  off_t off = (off_t)lua_tointeger(L, 3);
  lua_Integer remaining = lua_tointeger(L, 4), total = lua_tointeger(L, 5);
  size_t chunk = remaining < 0 || remaining > (1 << 30) ? (1u << 30) : (size_t)remaining;
  ssize_t r = chunk ? lt_sock_sendfile(s->fd, in, &off, chunk) : 0;
  if (r > 0) {
    total += r;
    if (remaining > 0) remaining -= r;
    lua_pushinteger(L, (lua_Integer)off);
    lua_replace(L, 3);
    lua_pushinteger(L, remaining);
    lua_replace(L, 4);
    lua_pushinteger(L, total);
    lua_replace(L, 5);
    if (remaining != 0) return l_yield(L, t, 2, sendfile_k);  /* more to send: a checkpoint between chunks */
  } else if (r == -EAGAIN) {
    return waitfd(L, t, s->fd, LT_IO_WRITE, "socket:sendfile", 1, sendfile_k);
  } else if (r < 0) {
    return l_raise(L, (int)r, "socket:sendfile");
  }
  lua_pushinteger(L, total);
  return lua_toboolean(L, 6) ? 1 : l_schedpoint(L, t, 1);
}

/* sock:sendfile(file, offset, count) -> bytes sent  [-0, +1, e] */
static int l_socket_sendfile(lua_State *L) {
  l_task_t *t = l_checkasync(L, "socket:sendfile");
  checksock(L, 1, "socket:sendfile");
  int in = file_fd(L, 2);
  lua_Integer off = lua_isnoneornil(L, 3) ? 0 : l_checkint(L, 3, "socket:sendfile", "offset");
  if (off < 0) l_argvalue(L, 3, "socket:sendfile", "offset", "negative");
  lua_Integer count = -1;
  if (!lua_isnoneornil(L, 4)) {
    count = l_checkint(L, 4, "socket:sendfile", "count");
    if (count < 0) l_argvalue(L, 4, "socket:sendfile", "count", "negative");
  }
  struct stat st;
  if (fstat(in, &st) != 0) l_raise(L, -errno, "socket:sendfile");
  if (S_ISREG(st.st_mode)) {
    if (count < 0) count = st.st_size > off ? st.st_size - off : 0;
  } else if (!S_ISBLK(st.st_mode)) {  /* sendfile(2) reads files only: a pipe is EINVAL or ESPIPE */
    return l_raisef(L, "ValueError", "socket:sendfile: bad argument #1 'file' (regular file expected, got %s)",
                    S_ISFIFO(st.st_mode) ? "a pipe" : S_ISSOCK(st.st_mode) ? "a socket"
                    : S_ISCHR(st.st_mode) ? "a character device" : "a directory");
  }
  lua_settop(L, 2);
  lua_pushinteger(L, off);
  lua_pushinteger(L, count);
  lua_pushinteger(L, 0);
  lua_pushboolean(L, 0);
  l_checkcancel(L, t);
  return sendfile_step(L, t);
}

/* ---- connect and bind ---- */

/* Pushes "Error connecting to <addr>: <strerror>" as an OSError. */
static void pushconnecterror(lua_State *L, int err) {
  lt_sock_t *s = &((l_socket_t *)lua_touserdata(L, 1))->s;
  l_sockaddr_t sa;
  getaddr(L, 2, s, &sa, "socket:connect");
  l_addr_push(L, (struct sockaddr *)&sa.ss, sa.len);
  size_t alen;
  const char *a = luaL_tolstring(L, -1, &alen);
  if (strlen(a) != alen) a = l_pushprintable(L, a, alen);  /* an abstract Unix name */
  const char *msg = lua_pushfstring(L, "Error connecting to %s: %s", a, strerror(-err));
  l_pushoserror(L, err, msg);
}

/* On Cancelled the socket is closed (a half-done connect cannot be reused). */
static void connect_cancelled(lua_State *L) {
  lt_sock_close(&((l_socket_t *)lua_touserdata(L, 1))->s);
}

static int connect_wait_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, connect_wait_k);
  (void)status, (void)ctx;
  l_task_t *t = l_current();
  lt_sock_t *s = &((l_socket_t *)lua_touserdata(L, 1))->s;
  int err = t->task.outcome;
  if (err == LT_ECANCELLED || err == LT_EINTERRUPT) connect_cancelled(L);
  l_outcome(L, t, "socket:connect");
  if (s->fd < 0) return l_raise(L, LT_ECLOSED, "socket:connect");
  int r = lt_sock_connect_result(s->fd);
  if (r != 0) {
    pushconnecterror(L, r);
    return lua_error(L);
  }
  return 0;
}

static int connect_start(lua_State *L, l_task_t *t) {
  lt_sock_t *s = &((l_socket_t *)lua_touserdata(L, 1))->s;
  int err = lt_task_check(&t->task);
  if (err) {  /* a connect cancelled before it starts closes the socket too */
    connect_cancelled(L);
    l_pusherror(L, err, "checkpoint");
    return l_yield_raise(L, t);
  }
  if (s->fd < 0) return l_raise(L, LT_ECLOSED, "socket:connect");
  l_sockaddr_t sa;
  getaddr(L, 2, s, &sa, "socket:connect");
  int r = lt_sock_connect(s->fd, (struct sockaddr *)&sa.ss, sa.len);
  if (r == 0) return l_schedpoint(L, t, 0);
  if (r == -EINPROGRESS || r == -EAGAIN)
    return waitfd(L, t, s->fd, LT_IO_WRITE, "socket:connect", 0, connect_wait_k);
  pushconnecterror(L, r);
  return l_yield_raise(L, t);
}

static int connect_resolved_k(lua_State *L, int status, lua_KContext ctx) {
  (void)ctx;
  if (status != LUA_OK && status != LUA_YIELD) {  /* resolution failed */
    if (l_iserror(L, -1, "Cancelled")) connect_cancelled(L);
    return lua_error(L);
  }
  lua_replace(L, 2);
  return connect_start(L, l_current());
}

/* sock:connect(addr)  [-0, +0, e] */
static int l_socket_connect(lua_State *L) {
  l_task_t *t = l_checkasync(L, "socket:connect");
  lt_sock_t *s = checksock(L, 1, "socket:connect");
  lua_settop(L, 2);
  if (s->fd < 0) return l_socket_closed(L, t, "socket:connect");
  l_sockaddr_t sa;
  const l_addrarg_t a = {"socket:connect", "address", 2};
  if (l_addr_get(L, 2, s->family, 0, &sa, &a)) return connect_start(L, t);
  push_resolve(L, 2, 0, &a);
  int status = lua_pcallk(L, 5, 1, 0, 0, connect_resolved_k);
  return connect_resolved_k(L, status, 0);
}

static int bind_start(lua_State *L, l_task_t *t) {
  l_checkcancel(L, t);
  lt_sock_t *s = &((l_socket_t *)lua_touserdata(L, 1))->s;
  if (s->fd < 0) return l_raise(L, LT_ECLOSED, "socket:bind");
  l_sockaddr_t sa;
  const l_addrarg_t a = {"socket:bind", "address", 2};
  if (!l_addr_get(L, 2, s->family, 1, &sa, &a))
    return l_raisef(L, "ValueError", "socket:bind: the resolver returned a non-numeric address");
  if (bind(s->fd, (struct sockaddr *)&sa.ss, sa.len) != 0) return schedraise_err(L, t, -errno, "socket:bind");
  return l_schedpoint(L, t, 0);
}

static int bind_resolved_k(lua_State *L, int status, lua_KContext ctx) {
  (void)status, (void)ctx;
  lua_replace(L, 2);
  return bind_start(L, l_current());
}

/* sock:bind(addr)  [-0, +0, e] */
static int l_socket_bind(lua_State *L) {
  l_task_t *t = l_checkasync(L, "socket:bind");
  lt_sock_t *s = checksock(L, 1, "socket:bind");
  lua_settop(L, 2);
  if (s->fd < 0) return l_socket_closed(L, t, "socket:bind");
  l_sockaddr_t sa;
  const l_addrarg_t a = {"socket:bind", "address", 2};
  if (l_addr_get(L, 2, s->family, 1, &sa, &a)) return bind_start(L, t);
  push_resolve(L, 2, 1, &a);
  lua_callk(L, 5, 1, 0, bind_resolved_k);
  return bind_resolved_k(L, LUA_OK, 0);
}

/* ---- synchronous methods ---- */

/* sock:close()  [-0, +0, -]: wakes waiters with ClosedResourceError; idempotent */
static int l_socket_close(lua_State *L) {
  lt_sock_close(checksock(L, 1, "socket:close"));
  return 0;
}

/* __gc: closes the fd, waking any task that waits on its bare number. */
static int l_socket__gc(lua_State *L) {
  l_socket_t *u = testsock(L, 1);  /* a direct call may pass anything */
  if (u) lt_sock_close(&u->s);
  return 0;
}

static int l_socket_detach(lua_State *L) {
  lua_pushinteger(L, lt_sock_detach(checksock(L, 1, "socket:detach")));
  return 1;
}

static int l_socket_fileno(lua_State *L) {
  lua_pushinteger(L, checksock(L, 1, "socket:fileno")->fd);
  return 1;
}

/* sock:dup() -> a new socket on a close-on-exec duplicate  [-0, +1, e] */
static int l_socket_dup(lua_State *L) {
  lt_sock_t *s = livesock(L, "socket:dup");
  lt_sock_t *d = newsock(L);
  int fd = lt_sock_dupfd(s->fd);
  if (fd < 0) return l_raise(L, fd, "socket:dup");
  lt_sock_own(d, fd, s->family, s->type, s->proto);
  l_sockkind_set(L, -1, d);
  return 1;
}

static int nameof(lua_State *L, int peer, const char *fname) {
  lt_sock_t *s = livesock(L, fname);
  l_sockaddr_t sa;
  sa.len = sizeof sa.ss;
  memset(&sa.ss, 0, sizeof sa.ss);
  int r = peer ? getpeername(s->fd, (struct sockaddr *)&sa.ss, &sa.len)
               : getsockname(s->fd, (struct sockaddr *)&sa.ss, &sa.len);
  if (r != 0) return l_raise(L, -errno, fname);
  if (sa.len < sizeof(sa_family_t)) {  /* unnamed AF_UNIX socket */
    sa.ss.ss_family = (sa_family_t)s->family;
    sa.len = sizeof(sa_family_t);
  }
  l_addr_push(L, (struct sockaddr *)&sa.ss, sa.len);
  return 1;
}

static int l_socket_getpeername(lua_State *L) { return nameof(L, 1, "socket:getpeername"); }
static int l_socket_getsockname(lua_State *L) { return nameof(L, 0, "socket:getsockname"); }

/* sock:getsockopt(level, opt [, buflen]) -> integer or string  [-0, +1, e]
** A buflen of nil or 0 gives an integer, as in Python. */
static int l_socket_getsockopt(lua_State *L) {
  const char *fname = "socket:getsockopt";
  lt_sock_t *s = livesock(L, fname);
  int level = l_checkcint(L, 2, fname, "level"), opt = l_checkcint(L, 3, fname, "optname");
  lua_Integer n = lua_isnoneornil(L, 4) ? 0 : l_checkint(L, 4, fname, "buflen");
  if (n == 0) {
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(s->fd, level, opt, &v, &len) != 0) return l_raise(L, -errno, fname);
    lua_pushinteger(L, v);
    return 1;
  }
  if (n < 0 || n > 1024) l_argvalue(L, 4, fname, "buflen", "buflen between 0 and 1024 expected");
  char buf[1024];
  socklen_t len = (socklen_t)n;
  if (getsockopt(s->fd, level, opt, buf, &len) != 0) return l_raise(L, -errno, fname);
  lua_pushlstring(L, buf, len);
  return 1;
}

/* sock:setsockopt(level, opt, value [, optlen])  [-0, +0, e] */
static int l_socket_setsockopt(lua_State *L) {
  const char *fname = "socket:setsockopt";
  lt_sock_t *s = livesock(L, fname);
  int level = l_checkcint(L, 2, fname, "level"), opt = l_checkcint(L, 3, fname, "optname");
  int r, v;
  if (!lua_isnoneornil(L, 5)) {
    if (!lua_isnil(L, 4)) return l_argfail(L, "TypeError", 4, fname, "value", "nil expected with optlen", luaL_typename(L, 4));
    lua_Integer n = l_checkint(L, 5, fname, "optlen");
    if (n < 0 || n > 0x7fffffff) l_argvalue(L, 5, fname, "optlen", "out of range");
    r = setsockopt(s->fd, level, opt, NULL, (socklen_t)n);
  } else if (lua_isboolean(L, 4)) {
    v = lua_toboolean(L, 4);
    r = setsockopt(s->fd, level, opt, &v, sizeof v);
  } else if (lua_type(L, 4) == LUA_TNUMBER) {
    v = l_checkcint(L, 4, fname, "value");
    r = setsockopt(s->fd, level, opt, &v, sizeof v);
  } else if (lua_type(L, 4) == LUA_TSTRING) {
    size_t len;
    const char *p = lua_tolstring(L, 4, &len);
    r = setsockopt(s->fd, level, opt, p, (socklen_t)len);
  } else {
    return l_argerror(L, 4, fname, "value", "integer, boolean or string");
  }
  if (r != 0) return l_raise(L, -errno, fname);
  return 0;
}

/* sock:listen(backlog)  [-0, +0, e] */
static int l_socket_listen(lua_State *L) {
  lt_sock_t *s = livesock(L, "socket:listen");
  lua_Integer b = lua_isnoneornil(L, 2) ? (SOMAXCONN < 128 ? SOMAXCONN : 128)
                                        : l_checkint(L, 2, "socket:listen", "backlog");
  if (b < 0) b = 0;
  if (b > 0x7fffffff) b = 0x7fffffff;
  if (listen(s->fd, (int)b) != 0) return l_raise(L, -errno, "socket:listen");
  return 0;
}

/* sock:shutdown(how)  [-0, +0, e] */
static int l_socket_shutdown(lua_State *L) {
  lt_sock_t *s = livesock(L, "socket:shutdown");
  int how = l_checkcint(L, 2, "socket:shutdown", "how");
  if (shutdown(s->fd, how) != 0) return l_raise(L, -errno, "socket:shutdown");
  if ((how == SHUT_WR || how == SHUT_RDWR) && !s->shut_wr) {
    s->shut_wr = 1;
    l_sockkind_set(L, 1, s);
  }
  return 0;
}

static int l_socket_is_readable(lua_State *L) {
  lt_sock_t *s = livesock(L, "socket:is_readable");
  int r = lt_sock_readable(s->fd);
  if (r < 0) return l_raise(L, r, "socket:is_readable");
  lua_pushboolean(L, r);
  return 1;
}

static int l_socket_get_inheritable(lua_State *L) {
  lt_sock_t *s = livesock(L, "socket:get_inheritable");
  int fl = fcntl(s->fd, F_GETFD);
  if (fl < 0) return l_raise(L, -errno, "socket:get_inheritable");
  lua_pushboolean(L, !(fl & FD_CLOEXEC));
  return 1;
}

static int l_socket_set_inheritable(lua_State *L) {
  lt_sock_t *s = livesock(L, "socket:set_inheritable");
  if (!lua_isboolean(L, 2)) return l_argerror(L, 2, "socket:set_inheritable", "inheritable", "boolean");
  int fl = fcntl(s->fd, F_GETFD);
  if (fl < 0) return l_raise(L, -errno, "socket:set_inheritable");
  fl = lua_toboolean(L, 2) ? fl & ~FD_CLOEXEC : fl | FD_CLOEXEC;
  if (fcntl(s->fd, F_SETFD, fl) != 0) return l_raise(L, -errno, "socket:set_inheritable");
  return 0;
}

/* __index: methods (upvalue 1), then the fields, then the methods again through
** their metatable, which turns intentionally absent names into AttributeError. */
static int l_socket__index_full(lua_State *L) {
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;  /* methods first */
  lua_pop(L, 1);
  lt_sock_t *s = checksock(L, 1, "socket.__index");  /* a direct call may pass anything */
  const char *k = lua_tostring(L, 2);
  if (k && lua_type(L, 2) == LUA_TSTRING) {
    if (strcmp(k, "family") == 0) { lua_pushinteger(L, s->family); return 1; }
    if (strcmp(k, "type") == 0) { lua_pushinteger(L, s->type); return 1; }
    if (strcmp(k, "proto") == 0) { lua_pushinteger(L, s->proto); return 1; }
    if (strcmp(k, "did_shutdown_SHUT_WR") == 0) { lua_pushboolean(L, s->shut_wr); return 1; }
  }
  lua_pushvalue(L, 2);
  lua_gettable(L, lua_upvalueindex(1));
  return 1;
}

static int l_socket__newindex(lua_State *L) {
  return l_raisef(L, "AttributeError", "ltrio.socket: cannot assign field '%s'", luaL_tolstring(L, 2, NULL));
}

static int l_socket__tostring(lua_State *L) {
  lt_sock_t *s = checksock(L, 1, "socket:__tostring");
  if (s->fd < 0) lua_pushliteral(L, "ltrio.socket (closed)");
  else lua_pushfstring(L, "ltrio.socket (fd %d)", s->fd);
  return 1;
}

/* __eq: sockets compare by identity (Lua calls it only for two distinct userdata, so
** it answers false then; a direct call with the same object gives true). */
static int l_socket__eq(lua_State *L) {
  lua_pushboolean(L, lua_rawequal(L, 1, 2));
  return 1;
}

/* ---- constructors ---- */

/* core.socket(family, type, proto, fileno) -> socket  [-0, +1, e] */
static int l_socket_new(lua_State *L) {
  const char *fname = "trio.socket.socket";
  int family = (int)normint(L, 1, fname, "family", AF_INET);
  int type = (int)normint(L, 2, fname, "type", SOCK_STREAM);
  int proto = (int)normint(L, 3, fname, "proto", 0);
  lt_sock_t *s = newsock(L);
  int r;
  if (!lua_isnoneornil(L, 4)) {
    lua_Integer fd = l_checkint(L, 4, fname, "fileno");
    if (fd < 0 || fd > 0x7fffffff) return l_raise(L, -EBADF, fname);
    r = lt_sock_adopt(s, (int)fd);
  } else {
    r = lt_sock_open(s, family, type, proto);
  }
  if (r != 0) return l_raise(L, r, fname);
  l_sockkind_set(L, -1, s);
  return 1;
}

/* core.socketpair(family, type, proto) -> a, b  [-0, +2, e] */
static int l_socket_pair(lua_State *L) {
  const char *fname = "trio.socket.socketpair";
  int family = (int)normint(L, 1, fname, "family", AF_UNIX);
  int type = (int)normint(L, 2, fname, "type", SOCK_STREAM);
  int proto = (int)normint(L, 3, fname, "proto", 0);
  lt_sock_t *a = newsock(L), *b = newsock(L);
  int r = lt_sock_pair(a, b, family, type, proto);
  if (r != 0) return l_raise(L, r, fname);
  l_sockkind_set(L, -2, a);
  l_sockkind_set(L, -1, b);
  return 2;
}

/* core.fromfd(fd, family, type, proto) -> socket on a CLOEXEC dup of fd  [-0, +1, e] */
static int l_socket_fromfd(lua_State *L) {
  const char *fname = "trio.socket.fromfd";
  lua_Integer fd = l_checkint(L, 1, fname, "fd");
  lt_sock_t *s = newsock(L);
  if (fd < 0 || fd > 0x7fffffff) return l_raise(L, -EBADF, fname);
  int d = lt_sock_dupfd((int)fd);
  if (d < 0) return l_raise(L, d, fname);
  int r = lt_sock_adopt(s, d);
  if (r != 0) {
    close(d);
    return l_raise(L, r, fname);
  }
  l_sockkind_set(L, -1, s);
  return 1;
}

/* core.set_address_resolver(fn): the Lua function that resolves non-numeric addresses. */
static int l_socket_set_resolver(lua_State *L) {
  lua_settop(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, RESOLVER);
  return 0;
}

/* core.io_statistics() -> table  [-0, +1, m] */
static int l_socket_io_statistics(lua_State *L) {
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, lt_sock_count());
  lua_setfield(L, -2, "sockets_open");
  lua_pushinteger(L, lt_io_handles());
  lua_setfield(L, -2, "io_handles");
  lua_pushinteger(L, lt_resolve_pending());
  lua_setfield(L, -2, "lookups_pending");
  lua_pushinteger(L, lt_io_waiting(LT_IO_READ));
  lua_setfield(L, -2, "tasks_waiting_read");
  lua_pushinteger(L, lt_io_waiting(LT_IO_WRITE));
  lua_setfield(L, -2, "tasks_waiting_write");
  lua_pushliteral(L, "epoll");
  lua_setfield(L, -2, "backend");
  return 1;
}

static const luaL_Reg socket_methods[] = {
    {"connect", l_socket_connect},         {"accept", l_socket_accept},
    {"bind", l_socket_bind},               {"recv", l_socket_recv},
    {"recv_into", l_socket_recv_into},     {"recvfrom", l_socket_recvfrom},
    {"recvfrom_into", l_socket_recvfrom_into}, {"recvmsg", l_socket_recvmsg},
    {"recvmsg_into", l_socket_recvmsg_into}, {"send", l_socket_send},
    {"sendto", l_socket_sendto},           {"sendmsg", l_socket_sendmsg},
    {"sendfile", l_socket_sendfile},       {"close", l_socket_close},
    {"detach", l_socket_detach},           {"fileno", l_socket_fileno},
    {"dup", l_socket_dup},                 {"getpeername", l_socket_getpeername},
    {"getsockname", l_socket_getsockname}, {"getsockopt", l_socket_getsockopt},
    {"setsockopt", l_socket_setsockopt},   {"listen", l_socket_listen},
    {"shutdown", l_socket_shutdown},       {"is_readable", l_socket_is_readable},
    {"wait_writable", l_socket_wait_writable},
    {"get_inheritable", l_socket_get_inheritable},
    {"set_inheritable", l_socket_set_inheritable},
    {NULL, NULL}};

static const luaL_Reg socket_meta[] = {
    {"__gc", l_socket__gc},         {"__close", l_socket_close},
    {"__tostring", l_socket__tostring}, {"__newindex", l_socket__newindex},
    {"__eq", l_socket__eq},
    {NULL, NULL}};

static const luaL_Reg socket_funcs[] = {
    {"socket", l_socket_new},       {"socketpair", l_socket_pair},
    {"fromfd", l_socket_fromfd},    {"set_address_resolver", l_socket_set_resolver},
    {"io_statistics", l_socket_io_statistics},
    {NULL, NULL}};

/* Adds core.SocketType (the methods table), the constructors and io_statistics to
** the core table on the top. [-0, +0, m] */
void l_socket_open(lua_State *L) {
  l_addr_open(L);
  luaL_newmetatable(L, L_SOCKET_MT);
  luaL_setfuncs(L, socket_meta, 0);
  lua_pushliteral(L, "ltrio.socket");
  lua_setfield(L, -2, "__name");
  luaL_newlib(L, socket_methods);          /* SocketType */
  l_sockkind_open(L, -2, -1);
  lua_pushvalue(L, -1);
  lua_pushcclosure(L, l_socket__index_full, 1);
  lua_setfield(L, -3, "__index");
  lua_setfield(L, -3, "SocketType");       /* core.SocketType */
  lua_pop(L, 1);                           /* the metatable */
  luaL_setfuncs(L, socket_funcs, 0);
  lua_pushcfunction(L, l_core_is_real_socket);
  lua_setfield(L, -2, "is_real_socket");
  lua_pushcfunction(L, l_core_stream_sending);
  lua_setfield(L, -2, "stream_sending");
  lua_pushcfunction(L, l_core_accept_bare);
  lua_setfield(L, -2, "accept_bare");
}
