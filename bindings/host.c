/* host.c - the 'ltrio' binary: Lua 5.4's standalone interpreter (lua.c) whose script,
** -e chunks and -l modules run as the main task of one trio.run. The Lua parts of
** ltrio are embedded (package.preload), so 'require "ltrio"' never loads another copy. */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <uv.h>

#ifndef LTRIO_VERSION
#define LTRIO_VERSION "0.1.0"
#endif

/* The Lua sources of bindings/ltrio, generated into build/gen/embedded.c by
** tools/embed.lua; the array ends with an entry whose name is NULL. */
struct lt_embedded {
  const char *name;       /* module name: "ltrio" for init.lua, "ltrio.<file>" */
  const char *chunkname;  /* "@ltrio/<file>.lua" */
  const unsigned char *src;
  size_t len;
};
extern const struct lt_embedded lt_embedded[];

int luaopen_ltrio_core(lua_State *L);

static const char *progname = "ltrio";

/* Options seen by collectargs, as bits. */
enum { has_error = 1, has_i = 2, has_v = 4, has_e = 8, has_E = 16, has_h = 32 };

static void print_usage(FILE *f, const char *badoption) {
  if (badoption != NULL) {
    if (badoption[1] == 'e' || badoption[1] == 'l')
      fprintf(f, "%s: '%s' needs argument\n", progname, badoption);
    else
      fprintf(f, "%s: unrecognized option '%s'\n", progname, badoption);
  }
  fprintf(f,
    "usage: %s [options] [script [args]]\n"
    "Runs a Lua 5.4 script as the main task of an ltrio run: top-level code calls\n"
    "async functions (trio.sleep, sockets, nurseries) directly.\n"
    "Available options are:\n"
    "  -e stat       execute string 'stat'\n"
    "  -l mod        require library 'mod' into global 'mod'\n"
    "  -l g=mod      require library 'mod' into global 'g'\n"
    "  -v, --version show version information\n"
    "  -h, --help    show this help\n"
    "  -E            ignore environment variables\n"
    "  -W            turn warnings on\n"
    "  --            stop handling options\n"
    "  -             stop handling options and execute stdin\n",
    progname);
  fflush(f);
}

static void print_version(void) {
  printf("ltrio %s (%s, libuv %s)\n", LTRIO_VERSION, LUA_RELEASE, uv_version_string());
  fflush(stdout);
}

/* lua.c's collectargs, with --version, -h and --help. Returns the option bits;
** '*first' is the index of the script name (argc when there is none). On has_error,
** '*first' is the index of the offending option. */
static int collectargs(char **argv, int *first) {
  int args = 0;
  int i;
  for (i = 1; argv[i] != NULL; i++) {
    *first = i;
    if (argv[i][0] != '-')  /* not an option: the script */
      return args;
    if (strcmp(argv[i], "--version") == 0) {
      args |= has_v;
      continue;
    }
    if (strcmp(argv[i], "--help") == 0) {
      args |= has_h;
      continue;
    }
    switch (argv[i][1]) {
      case '-':  /* '--' */
        if (argv[i][2] != '\0')
          return args | has_error;
        *first = i + 1;
        return args;
      case '\0':  /* '-': the script is stdin */
        return args;
      case 'E':
        if (argv[i][2] != '\0')
          return args | has_error;
        args |= has_E;
        break;
      case 'W':
        if (argv[i][2] != '\0')
          return args | has_error;
        break;
      case 'h':
        if (argv[i][2] != '\0')
          return args | has_error;
        args |= has_h;
        break;
      case 'v':
        if (argv[i][2] != '\0')
          return args | has_error;
        args |= has_v;
        break;
      case 'e':
        args |= has_e;
        /* FALLTHROUGH */
      case 'l':  /* both need an argument */
        if (argv[i][2] == '\0') {
          i++;
          if (argv[i] == NULL || argv[i][0] == '-') {
            *first = i - 1;
            return args | has_error;
          }
        }
        break;
      default:  /* -i (no REPL here) and anything else */
        return args | has_error;
    }
  }
  *first = i;
  return args;
}

/* lua.c's createargtable: arg[0] is the script, arg[1..] its arguments, negative
** indices the interpreter and its options. */
static void createargtable(lua_State *L, char **argv, int argc, int script) {
  int i, narg;
  if (script == argc)
    script = 0;  /* no script name */
  narg = argc - (script + 1);
  lua_createtable(L, narg, script + 1);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - script);
  }
  lua_setglobal(L, "arg");
}

/* package.preload loader for one embedded file: [-n, +1, e]. Compiles the chunk on
** first require and calls it with require's arguments (name, ":preload:"). */
static int l_host_loadembedded(lua_State *L) {
  const struct lt_embedded *e = lua_touserdata(L, lua_upvalueindex(1));
  int nargs = lua_gettop(L);
  if (luaL_loadbufferx(L, (const char *)e->src, e->len, e->chunkname, "t") != LUA_OK)
    return lua_error(L);
  lua_insert(L, 1);  /* chunk below require's arguments */
  lua_call(L, nargs, 1);
  return 1;
}

/* Registers the embedded modules and ltrio.core in package.preload. [-0, +0, e] */
static void register_preload(lua_State *L) {
  const struct lt_embedded *e;
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for (e = lt_embedded; e->name != NULL; e++) {
    lua_pushlightuserdata(L, (void *)e);
    lua_pushcclosure(L, l_host_loadembedded, 1);
    lua_setfield(L, -2, e->name);
  }
  lua_pushcfunction(L, luaopen_ltrio_core);
  lua_setfield(L, -2, "ltrio.core");
  lua_pop(L, 1);
}

/* The driver runs in Lua so that the script's frames stay yieldable: it is called
** with (steps, script, sargs) and returns the run's results. Each step is
** {"l", global, module}, {"e", code, chunkname} or {"f", filename} (LUA_INIT=@file).
** 'script' is a file name, false for stdin, nil for none. A chunk that fails to
** compile makes main return false, msg (reported like lua.c, without a traceback). */
static const char driver[] =
  "local steps, script, sargs, call = ...\n"
  "local load, loadfile, require, unpack = load, loadfile, require, table.unpack\n"
  "local G = _G\n"
  "local function main()\n"
  "  for i = 1, #steps do\n"
  "    local s = steps[i]\n"
  "    if s[1] == 'l' then\n"
  "      local ok, m = pcall(require, s[3])\n"
  "      if not ok then error(m, 0) end\n"
  "      G[s[2]] = m\n"
  "    else\n"
  "      local f, err\n"
  "      if s[1] == 'f' then f, err = loadfile(s[2]) else f, err = load(s[2], s[3]) end\n"
  "      if not f then return false, err end\n"
  "      call(f)\n"
  "    end\n"
  "  end\n"
  "  if script ~= nil then\n"
  "    local f, err = loadfile(script or nil)\n"
  "    if not f then return false, err end\n"
  "    call(f, unpack(sargs, 1, sargs.n))\n"
  "  end\n"
  "  return true\n"
  "end\n"
  "local core = require 'ltrio.core'\n"
  "if core.set_host then core.set_host(true) end\n"
  "return require('ltrio').run(main)\n";

/* call(chunk, ...): calls a loaded chunk from C, so that a traceback shows it as the
** "main chunk" (as lua.c does) rather than as the driver's local; yieldable. */
static int call_chunk_k(lua_State *L, int status, lua_KContext ctx) {
  (void)status, (void)ctx;
  return lua_gettop(L);
}

static int l_call_chunk(lua_State *L) {
  lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, call_chunk_k);
  return call_chunk_k(L, LUA_OK, 0);
}

/* Writes a traceback to stderr without the host's own frames (the driver's "(host)"
** lines and its chunk caller), and with one "[C]: in ?" where several follow each other. */
static void print_traceback(const char *tb) {
  static const char caller[] = "\t[C]: in upvalue 'call'";
  int last_was_c = 0;
  while (*tb) {
    const char *end = strchr(tb, '\n');
    size_t len = end ? (size_t)(end - tb) : strlen(tb);
    int host = (len > 7 && memcmp(tb, "\t(host):", 8) == 0) ||
               (len == sizeof caller - 1 && memcmp(tb, caller, len) == 0);
    int c_entry = len == 11 && memcmp(tb, "\t[C]: in ?", 11) == 0;
    if (!host && !(c_entry && last_was_c)) fprintf(stderr, "%.*s\n", (int)len, tb);
    if (!host) last_was_c = c_entry;
    tb += len + (end != NULL);
  }
}

/* Pushes the steps table for LUA_INIT (unless -E), -l and -e, in order. */
static void push_steps(lua_State *L, char **argv, int script, int noenv) {
  int n = 0, i;
  lua_newtable(L);
  if (!noenv) {
    const char *name = "=LUA_INIT_5_4";
    const char *init = getenv("LUA_INIT_5_4");
    if (init == NULL) {
      name = "=LUA_INIT";
      init = getenv("LUA_INIT");
    }
    if (init != NULL) {
      lua_createtable(L, 3, 0);
      lua_pushstring(L, init[0] == '@' ? "f" : "e");
      lua_rawseti(L, -2, 1);
      lua_pushstring(L, init[0] == '@' ? init + 1 : init);
      lua_rawseti(L, -2, 2);
      lua_pushstring(L, name);
      lua_rawseti(L, -2, 3);
      lua_rawseti(L, -2, ++n);
    }
  }
  for (i = 1; i < script; i++) {
    char opt = argv[i][1];
    const char *extra;
    if (argv[i][0] != '-' || (opt != 'e' && opt != 'l'))
      continue;
    extra = argv[i] + 2;
    if (*extra == '\0')
      extra = argv[++i];
    lua_createtable(L, 3, 0);
    if (opt == 'e') {
      lua_pushliteral(L, "e");
      lua_rawseti(L, -2, 1);
      lua_pushstring(L, extra);
      lua_rawseti(L, -2, 2);
      lua_pushliteral(L, "=(command line)");
      lua_rawseti(L, -2, 3);
    } else {
      const char *eq = strchr(extra, '=');
      lua_pushliteral(L, "l");
      lua_rawseti(L, -2, 1);
      if (eq != NULL) {  /* -l g=mod */
        lua_pushlstring(L, extra, (size_t)(eq - extra));
        lua_rawseti(L, -2, 2);
        lua_pushstring(L, eq + 1);
      } else {
        lua_pushstring(L, extra);
        lua_rawseti(L, -2, 2);
        lua_pushstring(L, extra);
      }
      lua_rawseti(L, -2, 3);
    }
    lua_rawseti(L, -2, ++n);
  }
}

static int tolstring(lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  return 1;
}

/* Pushes the text of the value at 'idx': tostring's, as lua prints an error, or, when
** tostring fails (a __tostring that raises or returns no string), a line naming the
** type. Never raises but for memory. [-0, +1, m] */
static const char *describe(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  int t = lua_type(L, idx);
  if (t != LUA_TSTRING && t != LUA_TNUMBER) {
    if (luaL_getmetafield(L, idx, "__tostring") == LUA_TNIL)
      return lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, idx));
    lua_pop(L, 1);
  }
  lua_pushcfunction(L, tolstring);
  lua_pushvalue(L, idx);
  if (lua_pcall(L, 1, 1, 0) == LUA_OK && lua_type(L, -1) == LUA_TSTRING) return lua_tostring(L, -1);
  lua_pop(L, 1);
  return lua_pushfstring(L, "(a %s error that tostring cannot show)", luaL_typename(L, idx));
}

/* Prints 'ltrio: <msg>' for the error at the top. [-0, +0, m] */
static void print_error(lua_State *L) {
  fprintf(stderr, "%s: %s\n", progname, describe(L, -1));
  lua_pop(L, 1);
}

/* core.iserror(value at 'idx', name); false when the core is not loaded or fails. */
static int core_iserror(lua_State *L, int idx, const char *name) {
  int top = lua_gettop(L), yes = 0;
  idx = lua_absindex(L, idx);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  if (lua_getfield(L, -1, "ltrio.core") == LUA_TTABLE && lua_getfield(L, -1, "iserror") == LUA_TFUNCTION) {
    lua_pushvalue(L, idx);
    lua_pushstring(L, name);
    yes = lua_pcall(L, 2, 1, 0) == LUA_OK && lua_toboolean(L, -1);
  }
  lua_settop(L, top);
  return yes;
}

/* print_held_errors(err): prints the errors held in field 'errors' of err, one per line
** (open_tcp_stream's OSError holds one per connection attempt). An ErrorGroup's message
** lists them already: for it, each one that carries a traceback is printed with it, as
** Trio shows each child's. [-0, +0, e] */
static int l_print_held_errors(lua_State *L) {
  if (!core_iserror(L, 1, "Error")) return 0;
  int group = core_iserror(L, 1, "ErrorGroup");
  lua_pushliteral(L, "errors");
  if (lua_rawget(L, 1) != LUA_TTABLE) return 0;
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    if (!group) {
      fprintf(stderr, "  %s\n", describe(L, -1));
    } else if (lua_type(L, -1) == LUA_TTABLE) {
      lua_pushliteral(L, "traceback");
      if (lua_rawget(L, -2) == LUA_TSTRING) {  /* [err, errors, member, traceback] */
        const char *what = describe(L, 3);
        fprintf(stderr, "error %lld of %lld: %s\n", (long long)i, (long long)n, what);
        print_traceback(lua_tostring(L, 4));
      }
    }
    lua_settop(L, 2);
  }
  return 0;
}

/* Reports the error that ended the run: [-1, +0, m]; runs under lua_pcall. Returns
** true when the error is a KeyboardInterrupt (nothing printed then). */
static int l_host_report(lua_State *L) {
  lua_settop(L, 1);
  if (core_iserror(L, 1, "KeyboardInterrupt")) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushvalue(L, 1);
  print_error(L);
  lua_pushcfunction(L, l_print_held_errors);
  lua_pushvalue(L, 1);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
  /* the failing task's name and traceback, recorded by the core */
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_getfield(L, -1, "ltrio.core");  /* loaded by the driver */
  lua_getfield(L, -1, "failure_info");
  if (lua_isfunction(L, -1)) {
    lua_call(L, 0, 2);
    if (lua_type(L, -2) == LUA_TSTRING)
      fprintf(stderr, "task '%s'\n", lua_tostring(L, -2));
    if (lua_type(L, -1) == LUA_TSTRING)
      print_traceback(lua_tostring(L, -1));
  } else if (lua_type(L, 1) == LUA_TTABLE) {
    lua_pushliteral(L, "traceback");
    if (lua_rawget(L, 1) == LUA_TSTRING)
      print_traceback(lua_tostring(L, -1));
  }
  fflush(stderr);
  lua_pushboolean(L, 0);
  return 1;
}

/* Runs everything; returns the exit status: 0, 1, or 130 after Ctrl-C. */
static int run(lua_State *L, int argc, char **argv, int script, int args) {
  int status, i;
  if (args & has_E) {  /* as lua.c: package.path/cpath ignore LUA_PATH etc. */
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
  }
  luaL_openlibs(L);
  register_preload(L);
  createargtable(L, argv, argc, script);
  lua_gc(L, LUA_GCGEN, 0, 0);
  for (i = 1; i < script; i++)
    if (strcmp(argv[i], "-W") == 0)
      lua_warning(L, "@on", 0);

  if (luaL_loadbufferx(L, driver, sizeof driver - 1, "=(host)", "t") != LUA_OK) {
    print_error(L);
    return 1;
  }
  push_steps(L, argv, script, args & has_E);
  if (script < argc) {
    /* lua.c: "-" is stdin unless it follows "--" */
    if (strcmp(argv[script], "-") == 0 && strcmp(argv[script - 1], "--") != 0)
      lua_pushboolean(L, 0);
    else
      lua_pushstring(L, argv[script]);
    lua_createtable(L, argc - script - 1, 1);
    for (i = script + 1; i < argc; i++) {
      lua_pushstring(L, argv[i]);
      lua_rawseti(L, -2, i - script);
    }
    lua_pushinteger(L, argc - script - 1);
    lua_setfield(L, -2, "n");
  } else if (!(args & (has_e | has_v))) {  /* lua.c: no script, stdin not a terminal: run stdin */
    lua_pushboolean(L, 0);
    lua_createtable(L, 0, 1);
    lua_pushinteger(L, 0);
    lua_setfield(L, -2, "n");
  } else {
    lua_pushnil(L);
    lua_pushnil(L);
  }

  lua_pushcfunction(L, l_call_chunk);
  status = lua_pcall(L, 4, 2, 0);
  if (status == LUA_OK) {
    if (lua_toboolean(L, -2))
      return 0;
    print_error(L);  /* a chunk that did not compile */
    return 1;
  }
  lua_pushcfunction(L, l_host_report);
  lua_insert(L, -2);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    print_error(L);
    return 1;
  }
  return lua_toboolean(L, -1) ? 130 : 1;
}

int main(int argc, char **argv) {
  int script = argc;
  int args, status;
  lua_State *L;

  if (argv[0] == NULL || argc < 1) {
    print_usage(stderr, NULL);
    return 1;
  }
  args = collectargs(argv, &script);
  if (args & has_error) {
    print_usage(stderr, argv[script]);
    return 1;
  }
  if (args & has_h) {
    print_usage(stdout, NULL);
    return 0;
  }
  if (args & has_v)
    print_version();
  if (script == argc && !(args & has_e) && ((args & has_v) || isatty(STDIN_FILENO)))
    return (args & has_v) ? 0 : (print_usage(stderr, NULL), 1);  /* no interactive mode */

  signal(SIGPIPE, SIG_IGN);
  L = luaL_newstate();
  if (L == NULL) {
    fprintf(stderr, "%s: cannot create state: not enough memory\n", progname);
    return 1;
  }
  status = run(L, argc, argv, script, args);
  lua_close(L);  /* <close> variables and __gc run before exit */
  fflush(stdout);
  fflush(stderr);
  if (status == 130) {  /* Ctrl-C: die of SIGINT so the parent sees it */
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
  }
  return status;
}
