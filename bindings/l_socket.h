/* l_socket.h - what l_socket.c shares with the SocketStream fast paths (l_stream.c):
** the pieces of the async operation protocol. */
#ifndef L_SOCKET_H
#define L_SOCKET_H

#include "../engine/sock.h"
#include "l_common.h"

/* The socket at 'i' (an ltrio.socket userdata), or NULL for any other value. */
lt_sock_t *l_socket_test(lua_State *L, int i);
/* The same test of the value on the top, for the SocketStream fast paths: it may
** leave one value (the metatable) pushed above, which the caller drops with its
** next lua_settop. */
lt_sock_t *l_socket_test_top(lua_State *L);

/* Parks 't' until 'fd' is ready in 'dir' (LT_IO_READ/LT_IO_WRITE), then runs k(ctx);
** use as 'return'. Returns a negative code, having done nothing, only when the wait
** cannot start (LT_EBUSY: another task waits that way; -ENOMEM, -EBADF). */
int l_socket_wait(lua_State *L, l_task_t *t, int fd, int dir, lua_KContext ctx, lua_KFunction k);

/* trio.lowlevel.wait_readable / wait_writable (l_io.c) on the socket or integer fd at 1,
** for the direction 'dir'. Use as a return. */
int l_io_wait(lua_State *L, int dir, const char *fname);

/* socket:recv(n) for SocketStream:receive_some on the stack [sock]: checkpoint_if_
** cancelled, the recv, a wait only on EAGAIN, stream errors. Use as a return. */
int l_socket_stream_recv(lua_State *L, l_task_t *t, lua_Integer n);
/* An async call on a closed socket: checkpoint_if_cancelled, a schedule point, then
** ClosedResourceError "<fname>: the socket is closed". Use as 'return l_socket_closed(...)'. */
int l_socket_closed(lua_State *L, l_task_t *t, const char *fname);

/* Raises the stream error for a failed socket call ('err' a negative errno or an
** engine code), after a schedule point unless the call already waited. */
int l_socket_stream_fail(lua_State *L, l_task_t *t, int err, int waited);

#endif
