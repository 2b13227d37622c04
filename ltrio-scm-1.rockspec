-- ltrio-scm-1.rockspec - 'luarocks --lua-version 5.4 make' builds through the Makefile and
-- installs ltrio/init.lua, the other ltrio/*.lua, ltrio/core.so and the ltrio binary.
rockspec_format = "3.0"
package = "ltrio"
version = "scm-1"

source = {
  url = "git+file://./ltrio",
}

description = {
  summary = "Trio's networking model (cancel scopes, nurseries, low-level sockets) for Lua 5.4 on libuv",
  detailed = [[
ltrio runs every task as a Lua coroutine on one libuv loop, with Python Trio's structured
concurrency: nurseries, cancel scopes with deadlines and shields, and a trio.socket
module over non-blocking file descriptors. It ships the module 'ltrio' and the 'ltrio'
binary, which runs a script as the main task of a run.
]],
  license = "MIT",
  labels = { "async", "networking", "libuv", "structured-concurrency" },
}

dependencies = {
  "lua >= 5.4, < 5.5",
}

external_dependencies = {
  LIBUV = { header = "uv.h" },
  LIBIDN2 = { header = "idn2.h" },
}

build = {
  type = "make",
  build_target = "all",
  build_variables = {
    LUA_INCDIR = "$(LUA_INCDIR)",
    CFLAGS = "$(CFLAGS)",
    LIBFLAG = "$(LIBFLAG)",
    LUA = "$(LUA)",
  },
  install_target = "install",
  install_variables = {
    INST_LIBDIR = "$(LIBDIR)",
    INST_LUADIR = "$(LUADIR)",
    INST_BINDIR = "$(BINDIR)",
    NO_MAN = "1",
  },
}
