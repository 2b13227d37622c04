/* alloc_driver.c - runs a Lua snippet in a state whose allocator fails on the Nth
** allocation, for N in a range: the snippet must end in a Lua error (or succeed),
** never crash or abort. Built and run by spec/alloc_spec.lua.
**
**   alloc_driver count FILE          prints the allocations of one full run of FILE
**   alloc_driver sweep FILE FROM TO STEP
**        one line per N: "N ok", "N memerr <msg>", "N error <type>: <msg>", "N other <what>";
**        then "done". package.path/cpath come from LUA_PATH/LUA_CPATH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

static long counter;   /* allocations left before the failing one; < 0: never fail */
static long allocs;    /* allocations made while counting */

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud, (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if (ptr == NULL || nsize > osize) {  /* a new block, or one that grows */
    allocs++;
    if (counter == 0) return NULL;
    if (counter > 0) counter--;
  }
  return realloc(ptr, nsize);
}

static int run_once(const char *file, long fail_at, char *out, size_t outlen) {
  counter = -1;
  lua_State *L = lua_newstate(failing_alloc, NULL);
  if (!L) return snprintf(out, outlen, "other newstate"), 0;
  luaL_openlibs(L);
  if (luaL_loadfile(L, file) != LUA_OK) {
    snprintf(out, outlen, "other load %s", lua_tostring(L, -1));
    lua_close(L);
    return 0;
  }
  allocs = 0;
  counter = fail_at;  /* from here on, the Nth allocation fails */
  int st = lua_pcall(L, 0, 0, 0);
  counter = -1;
  if (st == LUA_OK) {
    snprintf(out, outlen, "ok");
  } else if (st == LUA_ERRMEM) {
    snprintf(out, outlen, "memerr %s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
  } else if (lua_type(L, -1) == LUA_TTABLE) {
    lua_getfield(L, -1, "type");
    lua_getfield(L, -2, "message");
    snprintf(out, outlen, "error %s: %s", lua_tostring(L, -2) ? lua_tostring(L, -2) : "?",
             lua_tostring(L, -1) ? lua_tostring(L, -1) : "?");
    lua_pop(L, 2);
  } else if (lua_type(L, -1) == LUA_TSTRING) {
    snprintf(out, outlen, "%s %s", strstr(lua_tostring(L, -1), "not enough memory") ? "memerr" : "other",
             lua_tostring(L, -1));
  } else {
    snprintf(out, outlen, "other %s", luaL_typename(L, -1));
  }
  for (char *p = out; *p; p++) if (*p == '\n') *p = ' ';
  lua_close(L);
  return 1;
}

int main(int argc, char **argv) {
  char out[512];
  if (argc == 3 && strcmp(argv[1], "count") == 0) {
    run_once(argv[2], -1, out, sizeof out);
    printf("%ld %s\n", allocs, out);
    return 0;
  }
  if (argc == 6 && strcmp(argv[1], "sweep") == 0) {
    long from = atol(argv[3]), to = atol(argv[4]), step = atol(argv[5]);
    for (long n = from; n <= to; n += step) {
      run_once(argv[2], n, out, sizeof out);
      printf("%ld %s\n", n, out);
      fflush(stdout);
    }
    printf("done\n");
    return 0;
  }
  fprintf(stderr, "usage: alloc_driver count FILE | sweep FILE FROM TO STEP\n");
  return 2;
}
