# fuzz/fuzz.mk - libFuzzer harnesses (clang, -fsanitize=fuzzer,address,undefined) for
# the code that reads untrusted bytes or Lua values: address conversion (l_addr.c),
# ancillary data for sendmsg/recvmsg (through the Lua API), IDNA host names.
# Included by the top Makefile.
#
#   make fuzz          each harness for FUZZ_TIME seconds (default 60), new inputs kept in
#                      fuzz/out/<harness>/ (the checked-in seeds stay untouched)
#   make fuzz-check    a short pass over fuzz/corpus/<harness>/ (FUZZ_CHECK_TIME s each)
#   make fuzz-build    the harnesses only, in build-fuzz/
#
# The engine and the bindings are compiled again with clang into build-fuzz/ (never
# build/); liblua, libuv and libidn2 are the system's, not instrumented.

FUZZ_CC         ?= clang-14
FUZZ_BUILD      ?= build-fuzz
FUZZ_TIME       ?= 60
FUZZ_CHECK_TIME ?= 15
FUZZ_HARNESSES  := addr idna ancdata

FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  = -std=c11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror -MMD -MP $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
               $(LUA_CFLAGS) $(UV_CFLAGS) -DLTRIO_VERSION='"$(VERSION)"'
FUZZ_LIBS    = $(LUA_LIBS) $(UV_LIBS) -lpthread -ldl -lm

FUZZ_OBJDIR  := $(FUZZ_BUILD)/obj
FUZZ_LIBOBJ  := $(ENGINE_SRC:%.c=$(FUZZ_OBJDIR)/%.o) $(BIND_SRC:%.c=$(FUZZ_OBJDIR)/%.o)
FUZZ_BINS    := $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/%_fuzz)

# Options every run shares: no leak report from the never-closed Lua state of a
# harness, a bounded input size, a bounded RSS.
FUZZ_ASAN   := ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1 \
               UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FUZZ_FLAGS  := -max_len=512 -rss_limit_mb=1536 -timeout=10 -print_final_stats=0

.PHONY: fuzz fuzz-check fuzz-build
fuzz-build: $(FUZZ_BINS)

$(FUZZ_OBJDIR)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

# The harness finds the Lua facade (bindings/ltrio/*.lua) by this absolute path.
$(FUZZ_BUILD)/%_fuzz: fuzz/%_fuzz.c $(FUZZ_LIBOBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DLTRIO_SRCDIR='"$(CURDIR)"' -fsanitize=fuzzer \
	  -o $@ $< $(FUZZ_LIBOBJ) $(FUZZ_LIBS)

.SECONDARY: $(FUZZ_LIBOBJ)
-include $(FUZZ_LIBOBJ:.o=.d)

# A harness that finds nothing new for FUZZ_TIME seconds passes; a crash, a sanitizer
# report or a timeout fails and leaves the input as $(FUZZ_BUILD)/crash-<harness>-*.
fuzz: $(FUZZ_BINS)
	@set -e; for h in $(FUZZ_HARNESSES); do \
	  mkdir -p fuzz/out/$$h; \
	  echo "fuzz: $$h for $(FUZZ_TIME) s"; \
	  $(FUZZ_ASAN) $(FUZZ_BUILD)/$${h}_fuzz $(FUZZ_FLAGS) -max_total_time=$(FUZZ_TIME) \
	    -artifact_prefix=$(FUZZ_BUILD)/crash-$$h- fuzz/out/$$h fuzz/corpus/$$h; \
	done

# The checked-in corpus first (every seed must pass), then a short mutation pass from it.
fuzz-check: $(FUZZ_BINS)
	@set -e; for h in $(FUZZ_HARNESSES); do \
	  echo "fuzz-check: $$h: the corpus, then $(FUZZ_CHECK_TIME) s of mutations"; \
	  $(FUZZ_ASAN) $(FUZZ_BUILD)/$${h}_fuzz $(FUZZ_FLAGS) -runs=0 \
	    -artifact_prefix=$(FUZZ_BUILD)/crash-$$h- fuzz/corpus/$$h >$(FUZZ_BUILD)/$$h.log 2>&1 \
	    || { tail -n 40 $(FUZZ_BUILD)/$$h.log; exit 1; }; \
	  tmp=$$(mktemp -d); \
	  $(FUZZ_ASAN) $(FUZZ_BUILD)/$${h}_fuzz $(FUZZ_FLAGS) -max_total_time=$(FUZZ_CHECK_TIME) \
	    -artifact_prefix=$(FUZZ_BUILD)/crash-$$h- $$tmp fuzz/corpus/$$h >$(FUZZ_BUILD)/$$h.log 2>&1 \
	    || { rm -rf $$tmp; tail -n 40 $(FUZZ_BUILD)/$$h.log; exit 1; }; \
	  rm -rf $$tmp; tail -n 1 $(FUZZ_BUILD)/$$h.log; \
	done
