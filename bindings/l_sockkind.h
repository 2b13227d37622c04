/* l_sockkind.h - the per-kind metatables of sockets (see l_sockkind.c). */
#ifndef L_SOCKKIND_H
#define L_SOCKKIND_H

#include "../engine/sock.h"
#include "l_addr.h"
#include "l_common.h"

/* Whether 'mt' is the metatable of a socket: the class one or a kind's. */
int l_sockkind_is(const void *mt);

/* Registers the class metatable at 'mt' and the methods table at 'methods' (one
** call per Lua state, before any kind is made). [-0, +0, m] */
void l_sockkind_open(lua_State *L, int mt, int methods);

/* Gives the socket userdata at 'idx' the metatable of the kind of 's' (its fields as
** they are now). [-0, +0, m] */
void l_sockkind_set(lua_State *L, int idx, const lt_sock_t *s);

#endif
