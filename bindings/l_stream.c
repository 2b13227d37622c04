/* l_stream.c - the hot SocketStream methods in C: receive_some and send_all on a
** stream over a real socket, with the checks and results of their Lua versions in
** streams.lua. Any other case (a bad self or argument, a socket from a custom
** factory, an empty send, a busy stream) is passed to the Lua version, which owns
** every error message.
**
** send_all releases the send conflict detector on every exit, as the to-be-closed
** guard of the Lua version does. */

#include "../engine/io.h"
#include "l_addr.h"
#include "l_socket.h"

#define MAX_SIZE 0x7FFFFFFF
#define DEFAULT_RECEIVE_SIZE 65536

/* Upvalues of both closures: the Lua version, and the key of the socket field (SOCKET
** in streams.lua; a key pushed as a value is found faster than a C string would be).
** Over a real socket, the send conflict detector is the socket's stream_sending flag. */
#define UV_LUA 1
#define UV_FIELD 2

static const void *stream_mt;  /* the SocketStream metatable */

/* The results of the Lua version, called in place of this function. */
static int fallback_k(lua_State *L, int status, lua_KContext ctx) {
  (void)status, (void)ctx;
  return lua_gettop(L);
}

static int fallback(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(UV_LUA));
  lua_insert(L, 1);
  lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, fallback_k);
  return fallback_k(L, LUA_OK, 0);
}

/* The real socket of self (1) if self is a SocketStream over one, else NULL. The
** field is checked, not trusted: a script can assign anything to it. On success the
** stack holds three more values, the socket at -2, for the caller to copy and drop
** with its lua_settop; on failure it is back to its 'nargs' values. */
static lt_sock_t *fast_self(lua_State *L, int nargs) {
  if (lua_type(L, 1) != LUA_TTABLE || !lua_getmetatable(L, 1)) return NULL;
  if (lua_topointer(L, -1) == stream_mt) {
    lua_pushvalue(L, lua_upvalueindex(UV_FIELD));
    lua_rawget(L, 1);
    lt_sock_t *s = l_socket_test_top(L);
    if (s != NULL) return s;
  }
  lua_settop(L, nargs);
  return NULL;
}

/* SocketStream:receive_some(max_bytes) -> string ("" at end of file)  [-0, +1, e] */
static int l_stream_receive_some(lua_State *L) {
  lua_Integer n = DEFAULT_RECEIVE_SIZE;
  int nargs = lua_gettop(L);
  lt_sock_t *s = fast_self(L, nargs);
  if (s == NULL) return fallback(L);
  if (nargs >= 2 && !lua_isnil(L, 2)) {
    n = lua_isinteger(L, 2) ? lua_tointeger(L, 2) : 0;
    if (n < 1 || n > MAX_SIZE) {
      lua_settop(L, nargs);
      return fallback(L);  /* converts or raises */
    }
  }
  l_task_t *t = l_checkasync(L, "SocketStream:receive_some");
  if (s->fd < 0) return l_socket_closed(L, t, "SocketStream:receive_some");
  lua_copy(L, -2, 1);
  lua_settop(L, 1);  /* [sock] */
  return l_socket_stream_recv(L, t, n);
}

/* ---- the send loop: one socket send per piece, as Trio's send_all calls
** socket.send until every byte is written. It runs in send_all's own frame, on the
** stack [self, data, sock], with the offset as the continuation context: no inner
** call, so a task blocked here keeps a small coroutine stack. Every exit releases
** the send conflict detector first. ---- */

/* The socket of the send loop's frame. */
static lt_sock_t *send_sock(lua_State *L) { return lua_touserdata(L, 3); }

static void release(lua_State *L) { send_sock(L)->stream_sending = 0; }

/* Raises engine error 'err' (not 0) after releasing the detector. */
static int release_raise(lua_State *L, int err, const char *fname) {
  release(L);
  return l_raise(L, err, fname);
}

/* The bytes of data (2), read again after each yield: a Buffer may shrink meanwhile. */
static const char *send_data(lua_State *L, size_t *len) {
  return l_checkbytes(L, 2, "SocketStream:send_all", "data", len);
}

static int send_try(lua_State *L, l_task_t *t, lt_sock_t *s, const char *p, size_t len,
                    size_t off, int waited);

/* A new socket send of the bytes of p[0..len) from 'off': checkpoint_if_cancelled,
** then the call. */
static int send_piece(lua_State *L, l_task_t *t, lt_sock_t *s, const char *p, size_t len,
                      size_t off) {
  if (s->shut_wr) {  /* Trio checks this first, without a checkpoint */
    release(L);
    l_raisef(L, "ClosedResourceError", "can't send data after sending EOF");
  }
  if (s->fd < 0) {
    release(L);
    return l_socket_closed(L, t, "SocketStream:send_all");
  }
  int err = lt_task_check(&t->task);
  if (err) {  /* checkpoint_if_cancelled: a schedule point, then the error */
    release(L);
    l_pusherror(L, err, "checkpoint");
    return l_yield_raise(L, t);
  }
  return send_try(L, t, s, p, len, off, 0);
}

/* After the schedule point of a send that did not wait, with bytes left: the next
** piece (send_try ends the loop if a Buffer shrank meanwhile). */
static int send_next_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, send_next_k);
  (void)status;
  size_t len;
  const char *p = send_data(L, &len);
  return send_piece(L, l_current(), send_sock(L), p, len, (size_t)ctx);
}

/* After the schedule point of the last piece. */
static int send_done_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, send_done_k);
  (void)status, (void)ctx;
  release(L);
  return 0;
}

/* After waiting for the socket to become writable. */
static int send_wait_k(lua_State *L, int status, lua_KContext ctx) {
  L_RESUMED_BY_SCHEDULER(L, ctx, send_wait_k);
  (void)status;
  l_task_t *t = l_current();
  int err = l_take_outcome(t);
  if (err) return release_raise(L, err, "socket:send");
  size_t len;
  const char *p = send_data(L, &len);
  return send_try(L, t, send_sock(L), p, len, (size_t)ctx, 1);
}

static int send_try(lua_State *L, l_task_t *t, lt_sock_t *s, const char *p, size_t len,
                    size_t off, int waited) {
  if (s->fd < 0) return release_raise(L, LT_ECLOSED, "socket:send");
  ssize_t r = off < len ? lt_sock_send(s->fd, p + off, len - off, 0) : 0;  /* a Buffer may shrink */
  if (r >= 0) {
    off += (size_t)r;
    if (!waited) return l_yield(L, t, (lua_KContext)off, off < len ? send_next_k : send_done_k);
    if (off < len) return send_piece(L, t, s, p, len, off);
    release(L);
    return 0;
  }
  if (r == -EAGAIN || r == -EWOULDBLOCK)
    return release_raise(L, l_socket_wait(L, t, s->fd, LT_IO_WRITE, (lua_KContext)off, send_wait_k),
                         "socket:send");
  release(L);
  return l_socket_stream_fail(L, t, (int)r, waited);
}

/* SocketStream:send_all(data): sends every byte of a string or Buffer.  [-0, +0, e] */
static int l_stream_send_all(lua_State *L) {
  int nargs = lua_gettop(L);
  lt_sock_t *s = nargs < 2 ? NULL : fast_self(L, nargs);
  if (s == NULL) return fallback(L);
  size_t len = 0;
  const char *p = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len)
                                                : (const char *)l_buffer_test(L, 2, &len);
  if (p == NULL || len == 0 || s->stream_sending) {  /* an empty send, a bad argument or a busy stream */
    lua_settop(L, nargs);
    return fallback(L);
  }
  l_task_t *t = l_checkasync(L, "SocketStream:send_all");
  lua_copy(L, -2, 3);
  lua_settop(L, 3);                         /* [self, data, sock] */
  s->stream_sending = 1;
  return send_piece(L, t, s, p, len, 0);
}

/* core.stream_methods(stream_mt, SOCKET, receive_some, send_all) -> receive_some,
** send_all: the C methods, each reading the socket from field SOCKET and falling
** back to the given Lua one. */
static int l_core_stream_methods(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TSTRING);
  luaL_checktype(L, 3, LUA_TFUNCTION);
  luaL_checktype(L, 4, LUA_TFUNCTION);
  stream_mt = lua_topointer(L, 1);
  lua_pushvalue(L, 3);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, l_stream_receive_some, 2);
  lua_pushvalue(L, 4);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, l_stream_send_all, 2);
  return 2;
}

/* Adds core.stream_methods to the core table on the top. [-0, +0, m] */
void l_stream_open(lua_State *L) {
  lua_pushcfunction(L, l_core_stream_methods);
  lua_setfield(L, -2, "stream_methods");
}
