/* ancdata_fuzz.c - libFuzzer harness for the ancillary data of socket:sendmsg and
** socket:recvmsg (packing the {level, type, data} array into a control buffer, and
** unpacking what the kernel returns), reached through the Lua API: a socketpair of
** a fuzzed type, sendmsg with a fuzzed ancdata array (wrong shapes included), then
** recvmsg with a fuzzed ancbufsize.
**
** Every error must be an ltrio error object; fds received through SCM_RIGHTS are
** closed by the script; afterwards no fd and no socket may be left open. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

int luaopen_ltrio_core(lua_State *L);

static const char script[] =
  "local trio, closefd, data = ...\n"
  "local S = trio.socket\n"
  "local pos = 1\n"
  "local function u8() local b = data:byte(pos) or 0; pos = pos + 1; return b end\n"
  "local function bytes(n) local s = data:sub(pos, pos + n - 1); pos = pos + n; return s end\n"
  "local function i32() local s = bytes(4); return (('<i4'):unpack(s .. ('\\0'):rep(4 - #s))) end\n"
  "local types = { S.SOCK_DGRAM, S.SOCK_STREAM, S.SOCK_SEQPACKET }\n"
  "local levels = { S.SOL_SOCKET, S.SOL_SOCKET, S.IPPROTO_IP, S.IPPROTO_IPV6, S.IPPROTO_TCP }\n"
  "local ctypes = { S.SCM_RIGHTS, S.SCM_CREDENTIALS, S.SCM_RIGHTS, 0 }\n"
  "local mode = u8()\n"
  "local stype = types[mode % 3 + 1]\n"
  "local anc = {}\n"
  "for k = 1, u8() % 6 do\n"
  "  local sel = u8()\n"
  "  local level = (sel & 7) < 5 and levels[(sel & 7) + 1] or i32()\n"
  "  local ctype = (sel >> 3 & 7) < 4 and ctypes[(sel >> 3 & 3) + 1] or i32()\n"
  "  local d = bytes(u8())\n"
  "  local shape = sel >> 6\n"
  "  if shape == 0 then anc[k] = { level, ctype, d }\n"
  "  elseif shape == 1 then local b = trio.Buffer(#d); b:fill(d:byte(1) or 0); anc[k] = { level, ctype, b }\n"
  "  elseif shape == 2 then anc[k] = { level, ctype, #d > 0 and #d or nil }\n"
  "  else anc[k] = ({ 'x', 1.5, true, {}, { level }, { ctype, level, d, d } })[#d % 6 + 1] end\n"
  "end\n"
  "local ancbufsize = (u8() << 4 | u8() & 15)\n"
  "local bufsize = u8()\n"
  "local passcred = mode & 8 ~= 0\n"
  "local function received(ancdata)\n"
  "  for _, m in ipairs(ancdata) do\n"
  "    assert(math.type(m[1]) == 'integer' and math.type(m[2]) == 'integer' and type(m[3]) == 'string')\n"
  "    if m[1] == S.SOL_SOCKET and m[2] == S.SCM_RIGHTS then\n"
  "      for i = 1, #m[3] - 3, 4 do closefd((('i4'):unpack(m[3], i))) end\n"
  "    end\n"
  "  end\n"
  "end\n"
  "trio.run(function()\n"
  "  local a, b = S.socketpair(S.AF_UNIX, stype)\n"
  "  if passcred then b:setsockopt(S.SOL_SOCKET, S.SO_PASSCRED, 1) end\n"
  "  trio.move_on_after(5, function()\n"
  "    local ok, err = trio.pcall(a.sendmsg, a, { 'x', data:sub(1, mode >> 4) }, anc, 0)\n"
  "    if not ok then assert(trio.iserror(err, 'Error'), tostring(err)); return end\n"
  "    local ok2, d, ancdata, flags = trio.pcall(b.recvmsg, b, bufsize, ancbufsize)\n"
  "    if not ok2 then assert(trio.iserror(d, 'Error'), tostring(d)); return end\n"
  "    assert(type(d) == 'string' and #d <= bufsize and math.type(flags) == 'integer')\n"
  "    received(ancdata)\n"
  "  end)\n"
  "  a:close(); b:close()\n"
  "end)\n"
  "assert(trio.lowlevel.engine_statistics().sockets_open == 0, 'a socket was left open')\n";

static lua_State *state;

static int l_closefd(lua_State *L) {
  close((int)luaL_checkinteger(L, 1));
  return 0;
}

static int lowest_free_fd(void) {
  int fd = dup(0);
  if (fd >= 0) close(fd);
  return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!state) {
    state = luaL_newstate();
    luaL_openlibs(state);
    lua_getglobal(state, "package");
    lua_pushstring(state, LTRIO_SRCDIR "/bindings/?.lua;" LTRIO_SRCDIR "/bindings/?/init.lua");
    lua_setfield(state, -2, "path");
    lua_getfield(state, -1, "preload");
    lua_pushcfunction(state, luaopen_ltrio_core);
    lua_setfield(state, -2, "ltrio.core");
    lua_pop(state, 2);
    if (luaL_loadbuffer(state, script, sizeof script - 1, "=ancdata_fuzz") != LUA_OK) abort();
    lua_setfield(state, LUA_REGISTRYINDEX, "ancdata_fuzz");
    lua_getglobal(state, "require");
    lua_pushliteral(state, "ltrio");
    if (lua_pcall(state, 1, 1, 0) != LUA_OK) {
      fprintf(stderr, "ancdata_fuzz: %s\n", lua_tostring(state, -1));
      abort();
    }
    lua_setfield(state, LUA_REGISTRYINDEX, "ancdata_fuzz.trio");
  }
  lua_State *L = state;
  int fd0 = lowest_free_fd();
  lua_getfield(L, LUA_REGISTRYINDEX, "ancdata_fuzz");
  lua_getfield(L, LUA_REGISTRYINDEX, "ancdata_fuzz.trio");
  lua_pushcfunction(L, l_closefd);
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 3, 0, 0) != LUA_OK) {
    fprintf(stderr, "ancdata_fuzz: %s\n", luaL_tolstring(L, -1, NULL));
    abort();
  }
  lua_gc(L, LUA_GCCOLLECT);
  if (lowest_free_fd() != fd0) {
    fprintf(stderr, "ancdata_fuzz: an fd was left open\n");
    abort();
  }
  return 0;
}
