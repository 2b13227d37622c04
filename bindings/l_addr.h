/* l_addr.h - what the socket binding files share: Lua address values <-> sockaddr,
** Buffers, the socket class name, and a scratch area for receiving. */
#ifndef L_ADDR_H
#define L_ADDR_H

#include <sys/socket.h>

#include <lauxlib.h>
#include <lua.h>

#define L_SOCKET_MT "ltrio.socket"
#define L_BUFFER_MT "ltrio.Buffer"
#define L_ADDRESS_MT "ltrio.address"

typedef struct {
  struct sockaddr_storage ss;
  socklen_t len;
} l_sockaddr_t;

/* The argument an address came from, for API.md §2's messages: "<fname>: bad argument
** #<n> '<param>' (...)", n counted from stack index 'arg' (without self for a method),
** where the caller received the address; it may have moved on the stack since. */
typedef struct {
  const char *fname;
  const char *param;
  int arg;
} l_addrarg_t;

/* Converts the address at 'i' for a socket of 'family' into 'sa'. Returns 1 when it
** is complete and numeric (IPv4/IPv6: a numeric host and an integer port; "" / nil
** mean the wildcard when 'local', else loopback; "<broadcast>" is 255.255.255.255);
** returns 0 when it must be resolved through getaddrinfo first (a host name or a
** port given as a string; an integer port is not range-checked then: the address
** resolver of ltrio/socket.lua does it once the name resolves). Raises TypeError (wrong
** type) or ValueError (wrong length, a value out of range, a NUL byte) naming the
** argument 'a', or OSError (path too long). [-0, +0, e] */
int l_addr_get(lua_State *L, int i, int family, int local, l_sockaddr_t *sa, const l_addrarg_t *a);

/* Pushes the Lua value of an address ({host, port}, {host, port, flowinfo,
** scope_id}, a path string, {pid, groups}, ...). [-0, +1, m] */
void l_addr_push(lua_State *L, const struct sockaddr *sa, socklen_t len);

/* Registers the address metatable (__tostring, __eq). [-0, +0, m] */
void l_addr_open(lua_State *L);

/* The bytes of a Buffer at 'i', or NULL if it is not one. [-0, +0, -] */
unsigned char *l_buffer_test(lua_State *L, int i, size_t *len);

/* A string or a Buffer at 'i' (TypeError otherwise). [-0, +0, e] */
const char *l_checkbytes(lua_State *L, int i, const char *fname, const char *param, size_t *len);

/* A process-wide scratch area of at least 'n' bytes (capped at L_SCRATCH_MAX; *n is
** lowered to the size given). Valid until the next call; never across a yield. */
#define L_SCRATCH_MAX (4u << 20)
char *l_scratch(lua_State *L, size_t *n);

#endif
