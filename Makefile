# Makefile - builds the engine library, the Lua module ltrio.core, the pure-Lua facade
# and the host binary 'ltrio'; runs the specs plain, under ASan/UBSan and under valgrind.
#
#   make              build/ltrio and build/lua/ltrio/{core.so,*.lua}
#   make deps         installs the Debian packages the build and the specs need (as root)
#   make test         deps, build, every spec under spec/ (busted, Lua 5.4)
#   make sanitize     the specs against an ASan + UBSan build in build-asan/
#   make check        sanitize, then the specs under valgrind, then fuzz-check if defined
#   make demo         deps, build, scripts/demo.sh (or the nursery demo)
#   make install      PREFIX=/usr/local (DESTDIR honoured)
#   make clean
#
# Variables a caller may set: CC, CFLAGS (appended), LDFLAGS, BUILD, PREFIX, DESTDIR,
# SPECS (spec files or folders to run, default spec), BUSTED_ARGS (extra busted options),
# VALGRIND_SPECS (what 'make check' runs under valgrind), and those luarocks passes
# (LUA_INCDIR, LUA_LIBDIR, LIBFLAG, INST_LIBDIR, INST_LUADIR, INST_BINDIR).

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

VERSION    := 0.1.0
BUILD      ?= build
CC         ?= cc
PKG_CONFIG ?= pkg-config
LUA        ?= lua5.4
BUSTED     ?= /usr/bin/busted
LIBFLAG    ?= -shared
SPECS      ?= spec
BUSTED_ARGS ?=

# ---- flags -------------------------------------------------------------------------

# pkg-config runs once, when a recipe first needs the value, so that 'make deps' can
# install the .pc files in the same invocation that builds.
lazy = $(eval $(1) := $$(shell $(2)))$($(1))

UV_CFLAGS   = $(call lazy,UV_CFLAGS,$(PKG_CONFIG) --cflags libuv libidn2)
UV_LIBS     = $(call lazy,UV_LIBS,$(PKG_CONFIG) --libs libuv libidn2)
ifdef LUA_INCDIR
LUA_CFLAGS  := -I$(LUA_INCDIR)
else
LUA_CFLAGS  = $(call lazy,LUA_CFLAGS,$(PKG_CONFIG) --cflags lua5.4)
endif
LUA_LIBS    = $(call lazy,LUA_LIBS,$(PKG_CONFIG) --libs lua5.4 2>/dev/null || echo -L$(LUA_LIBDIR) -llua5.4 -lm -ldl)
# The host links liblua5.4.a when there is one (liblua5.4-dev ships it), as Debian's own
# lua5.4 interpreter does: calls into the VM are then direct, not through a shared
# library's PLT, and the VM's code sits beside the engine's (bench/README.md). C modules
# that scripts require still find every Lua symbol (-Wl,-E). HOST_LUA_LIBS overrides.
LUA_A_DIR   = $(or $(LUA_LIBDIR),$(call lazy,LUA_PC_LIBDIR,$(PKG_CONFIG) --variable=libdir lua5.4 2>/dev/null))
HOST_LUA_LIBS ?= $(if $(wildcard $(LUA_A_DIR)/liblua5.4.a),$(LUA_A_DIR)/liblua5.4.a -lm -ldl,$(LUA_LIBS))

WARN        := -Wall -Wextra -Werror
# Hidden by default: the Lua module exports luaopen_ltrio_core only, and its own calls
# between files are direct instead of going through its PLT.
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -fPIC -fvisibility=hidden -MMD -MP
SAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
ifdef SANITIZE
BASE_CFLAGS += $(SAN_FLAGS)
LDFLAGS     += $(SAN_FLAGS)
endif

# The engine sees no Lua header (DESIGN.md): it compiles without Lua's include path.
ENGINE_CFLAGS = $(BASE_CFLAGS) $(UV_CFLAGS) $(CFLAGS)
BIND_CFLAGS   = $(BASE_CFLAGS) $(LUA_CFLAGS) $(UV_CFLAGS) -DLTRIO_VERSION='"$(VERSION)"' $(CFLAGS)

# ---- sources (wildcards: new files are picked up without editing this file) ---------

ENGINE_SRC := $(sort $(wildcard engine/*.c))
BIND_SRC   := $(sort $(filter-out bindings/host.c,$(wildcard bindings/*.c)))
LUA_SRC    := $(sort $(wildcard bindings/ltrio/*.lua))

OBJ        := $(BUILD)/obj
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(OBJ)/%.o)
BIND_OBJ   := $(BIND_SRC:%.c=$(OBJ)/%.o)
HOST_OBJ   := $(OBJ)/bindings/host.o $(OBJ)/gen/embedded.o

ENGINE_LIB := $(BUILD)/libltrio_engine.a
CORE_SO    := $(BUILD)/lua/ltrio/core.so
LUA_OUT    := $(LUA_SRC:bindings/ltrio/%=$(BUILD)/lua/ltrio/%)
HOST       := $(BUILD)/ltrio
EMBEDDED_C := $(BUILD)/gen/embedded.c
FLAGS_TXT  := $(BUILD)/gen/flags.txt
ifeq ($(MAKECMDGOALS),install)
FLAGS_TXT  :=  # install copies what was built (luarocks installs with other variables)
endif

# ---- build ---------------------------------------------------------------------------

.PHONY: all lib module host
all: module host
lib: $(ENGINE_LIB)
module: $(CORE_SO) $(LUA_OUT)
host: $(HOST)

$(OBJ)/engine/%.o: engine/%.c $(FLAGS_TXT)
	@mkdir -p $(@D)
	$(CC) $(ENGINE_CFLAGS) -c $< -o $@

$(OBJ)/bindings/%.o: bindings/%.c $(FLAGS_TXT)
	@mkdir -p $(@D)
	$(CC) $(BIND_CFLAGS) -c $< -o $@

$(OBJ)/gen/%.o: $(BUILD)/gen/%.c $(FLAGS_TXT)
	@mkdir -p $(@D)
	$(CC) $(BIND_CFLAGS) -c $< -o $@

$(ENGINE_LIB): $(ENGINE_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

# The module is not linked with liblua: the interpreter that loads it provides Lua.
$(CORE_SO): $(BIND_OBJ) $(ENGINE_LIB) $(FLAGS_TXT)
	@mkdir -p $(@D)
	$(CC) $(LIBFLAG) $(LDFLAGS) -o $@ $(BIND_OBJ) $(ENGINE_LIB) $(UV_LIBS) -lpthread

$(BUILD)/lua/ltrio/%.lua: bindings/ltrio/%.lua
	@mkdir -p $(@D)
	cp $< $@

# The list of embedded files is part of the input: adding or removing a .lua file
# regenerates embedded.c even when no remaining file is newer.
$(EMBEDDED_C): $(LUA_SRC) tools/embed.lua $(BUILD)/gen/lua-files.txt
	@mkdir -p $(@D)
	$(LUA) tools/embed.lua $@ $(LUA_SRC)

$(BUILD)/gen/lua-files.txt: FORCE
	@mkdir -p $(@D)
	@echo '$(LUA_SRC)' | cmp -s - $@ || echo '$(LUA_SRC)' > $@
	@for f in $(BUILD)/lua/ltrio/*.lua; do \
	  case " $(LUA_OUT) " in *" $$f "*) ;; *) [ ! -e "$$f" ] || rm -f "$$f";; esac; done

# The compile and link flags are part of the input too: changing them (CFLAGS,
# SANITIZE, HOST_LUA_LIBS, ...) rebuilds what they went into.
# (make expands a whole recipe before running it: the directory is made by $(shell).)
$(FLAGS_TXT): FORCE
	$(shell mkdir -p $(@D))$(file >$@.new,$(ENGINE_CFLAGS) | $(BIND_CFLAGS) | $(LDFLAGS) | $(LIBFLAG) | $(HOST_LUA_LIBS) | $(UV_LIBS))
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi

# -Wl,-E exports liblua's symbols to C modules that scripts load with require.
$(HOST): $(HOST_OBJ) $(BIND_OBJ) $(ENGINE_LIB) $(FLAGS_TXT)
	@mkdir -p $(@D)
	$(CC) -Wl,-E $(LDFLAGS) -o $@ $(HOST_OBJ) $(BIND_OBJ) $(ENGINE_LIB) $(HOST_LUA_LIBS) $(UV_LIBS) -lpthread

.PHONY: FORCE
FORCE:

-include $(ENGINE_OBJ:.o=.d) $(BIND_OBJ:.o=.d) $(HOST_OBJ:.o=.d)

# ---- Debian packages -----------------------------------------------------------------

DEB_PKGS   := build-essential pkg-config lua5.4 liblua5.4-dev libuv1-dev libidn2-dev lua-busted luarocks
CHECK_PKGS := valgrind clang-14 libclang-rt-14-dev cppcheck

# $(call ensure_pkgs,list): apt-get installs whichever of 'list' is missing; one dpkg-query
# when nothing is (cheap enough to run before every 'make test').
define ensure_pkgs
	@if command -v dpkg-query >/dev/null; then \
	  have=$$(dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' $(1) 2>/dev/null | awk '$$1=="ii"{print $$2}'); \
	  missing=; for p in $(1); do grep -qx "$$p" <<<"$$have" || missing="$$missing $$p"; done; \
	  if [ -n "$$missing" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	    $$sudo apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q $$missing; \
	  fi; \
	else echo "deps: not a Debian system; install by hand: $(1)"; fi
endef

.PHONY: deps check-deps
deps:
	$(call ensure_pkgs,$(DEB_PKGS))
check-deps:
	$(call ensure_pkgs,$(DEB_PKGS) $(CHECK_PKGS))

# ---- specs ---------------------------------------------------------------------------

# tools/run-specs runs busted under Lua 5.4 against one build tree, exports LUA_PATH,
# LUA_CPATH and LTRIO_HOST for child processes, fails when a spec fails and ends with a
# plain "N passed, N failed, N skipped" line.
RUN_SPECS = LTRIO_BUILD=$(BUILD) LUA=$(LUA) BUSTED=$(BUSTED) tools/run-specs

.PHONY: test specs sanitize sanitize-build valgrind check demo lint
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory specs

# The specs against the current build, without the deps check.
specs:
	$(RUN_SPECS) $(BUSTED_ARGS) $(SPECS)

ASAN_BUILD ?= build-asan
ASAN_SO     = $(call lazy,ASAN_SO,$(CC) -print-file-name=libasan.so)
UBSAN_SO    = $(call lazy,UBSAN_SO,$(CC) -print-file-name=libubsan.so)

sanitize-build:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) SANITIZE=1 all

# lua5.4 is not instrumented: gcc's runtimes are preloaded into it. Leaks are valgrind's.
sanitize: deps
	@$(MAKE) --no-print-directory sanitize-build
	LD_PRELOAD=$(ASAN_SO):$(UBSAN_SO) \
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LTRIO_BUILD=$(ASAN_BUILD) LUA=$(LUA) BUSTED=$(BUSTED) tools/run-specs $(BUSTED_ARGS) $(SPECS)

# What runs under valgrind: every spec by default (a spec file takes 2-10 s under valgrind
# here, so the suite fits CI's time). VALGRIND_SPECS narrows it (files or folders).
VALGRIND_SPECS ?= $(SPECS)
VALGRIND_TIMEOUT ?= 1200
VALGRIND := valgrind -q --leak-check=full --show-leak-kinds=definite \
            --errors-for-leak-kinds=definite --error-exitcode=1 --keep-debuginfo=yes

valgrind: check-deps
	@$(MAKE) --no-print-directory all
	LTRIO_VALGRIND=1 LTRIO_SPEC_TIMEOUT=$(VALGRIND_TIMEOUT) LTRIO_WRAP="$(VALGRIND)" $(RUN_SPECS) $(BUSTED_ARGS) $(VALGRIND_SPECS)

# cppcheck over the engine and the bindings (no warning allowed), and every scheduler
# continuation guarded against foreign resumes (tools/check-continuations).
lint: check-deps
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
	  -D_GNU_SOURCE -DLLONG_MAX=9223372036854775807LL -Iengine $(LUA_CFLAGS) \
	  --suppress=missingIncludeSystem engine bindings
	tools/check-continuations

# Every part runs even when one fails, so that one CI run reports every finding.
check: check-deps
	@failed=; \
	$(MAKE) --no-print-directory lint || failed="$$failed lint"; \
	$(MAKE) --no-print-directory sanitize || failed="$$failed sanitize"; \
	$(MAKE) --no-print-directory valgrind || failed="$$failed valgrind"; \
	if [ -f fuzz/fuzz.mk ] && grep -Eq '^fuzz-check[[:space:]]*:' fuzz/fuzz.mk; then \
	  $(MAKE) --no-print-directory -C . fuzz-check || failed="$$failed fuzz-check"; \
	else echo "check: no fuzz-check target (fuzz/fuzz.mk)"; fi; \
	if [ -n "$$failed" ]; then echo "check: failed:$$failed"; exit 1; fi; \
	echo "check: lint, sanitize, valgrind and fuzz-check passed"

demo: deps
	@$(MAKE) --no-print-directory all
	@if [ -f scripts/demo.sh ]; then LTRIO_BUILD=$(BUILD) LTRIO_HOST=$(HOST) bash scripts/demo.sh; \
	else $(HOST) scripts/nursery_demo.lua; fi

# ---- install -------------------------------------------------------------------------

PREFIX      ?= /usr/local
DESTDIR     ?=
INST_BINDIR ?= $(PREFIX)/bin
INST_LIBDIR ?= $(PREFIX)/lib/lua/5.4
INST_LUADIR ?= $(PREFIX)/share/lua/5.4
INST_MANDIR ?= $(PREFIX)/share/man/man1

.PHONY: install uninstall clean
install: all
	install -d $(DESTDIR)$(INST_BINDIR) $(DESTDIR)$(INST_LIBDIR)/ltrio $(DESTDIR)$(INST_LUADIR)/ltrio
	install -m 755 $(HOST) $(DESTDIR)$(INST_BINDIR)/ltrio
	install -m 755 $(CORE_SO) $(DESTDIR)$(INST_LIBDIR)/ltrio/core.so
	install -m 644 $(LUA_OUT) $(DESTDIR)$(INST_LUADIR)/ltrio/
	if [ -z "$(NO_MAN)" ]; then install -d $(DESTDIR)$(INST_MANDIR) && \
	  install -m 644 docs/ltrio.1 $(DESTDIR)$(INST_MANDIR)/ltrio.1; fi

uninstall:
	rm -f $(DESTDIR)$(INST_BINDIR)/ltrio $(DESTDIR)$(INST_LIBDIR)/ltrio/core.so
	rm -f $(LUA_SRC:bindings/ltrio/%=$(DESTDIR)$(INST_LUADIR)/ltrio/%)
	rm -f $(DESTDIR)$(INST_MANDIR)/ltrio.1
	-rmdir $(DESTDIR)$(INST_LIBDIR)/ltrio $(DESTDIR)$(INST_LUADIR)/ltrio 2>/dev/null

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# ---- parts other files own: benchmarks and fuzzing -------------------------------------

-include bench/bench.mk
-include fuzz/fuzz.mk
