/* l_core.c - luaopen_ltrio_core: builds the private C core table that the facade
** (bindings/ltrio/init.lua) turns into the public `trio` module. */
#include <dlfcn.h>
#include <stdlib.h>

#include "l_task.h"

/* Parts provided by other binding files when they are linked in. */
extern void l_socket_open(lua_State *L) __attribute__((weak));
extern void l_buffer_open(lua_State *L) __attribute__((weak));
extern void l_resolve_open(lua_State *L) __attribute__((weak));
extern void l_sockconst_open(lua_State *L) __attribute__((weak));
extern void l_io_open(lua_State *L) __attribute__((weak));
extern void l_fdstream_open(lua_State *L) __attribute__((weak));
extern void l_stream_open(lua_State *L) __attribute__((weak));

/* Keeps this shared object loaded after lua_close: the process-wide loop, fd table
** and pending lookups live in its static storage and outlive any Lua state. */
static void pin_library(void) {
  Dl_info info;
  if (dladdr((void *)pin_library, &info) && info.dli_fname != NULL)
    dlopen(info.dli_fname, RTLD_NOW | RTLD_NODELETE | RTLD_NOLOAD);
}

/* The module's one exported symbol (everything else is built with hidden visibility). */
__attribute__((visibility("default"))) int luaopen_ltrio_core(lua_State *L) {
  pin_library();
  setenv("UV_THREADPOOL_SIZE", "64", 0);  /* abandoned lookups must not starve new ones */
  if (lt_loop_uv() == NULL) return luaL_error(L, "ltrio: cannot create the event loop");
  lua_newtable(L);
  l_errors_open(L);
  l_task_open(L);
  l_scope_open(L);
  l_nursery_open(L);
  l_run_open(L);
  if (l_socket_open) l_socket_open(L);
  if (l_buffer_open) l_buffer_open(L);
  if (l_resolve_open) l_resolve_open(L);
  if (l_sockconst_open) l_sockconst_open(L);
  if (l_io_open) l_io_open(L);
  if (l_fdstream_open) l_fdstream_open(L);
  if (l_stream_open) l_stream_open(L);
  return 1;
}
