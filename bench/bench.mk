# bench.mk - benchmark targets, included by the top Makefile (-include bench/bench.mk).
#   make bench        every server, every test, 3 repetitions: bench/results/latest.{md,svg}
#   make bench-quick  one repetition of a subset (under 2 minutes)
#   make bench-core   micro: checkpoints/s, spawn+join/s, memory per sleeping task
#   make bench-soak   SOAK_CONNS (10 000) echo connections for SOAK_SECS (60) after SOAK_WARM (10)
#                     against scripts/echo_server.lua
#   make bench-deps   installs the peers' Debian packages that are missing
BENCH_PKGS = valgrind clang libclang-rt-14-dev wrk gnuplot-nox nodejs lua-luv lua-cqueues \
             lua-socket python3-trio util-linux
SOAK_SECS ?= 60
SOAK_WARM ?= 10
SOAK_CONNS ?= 10000

.PHONY: bench bench-quick bench-core bench-soak bench-deps
bench: all
	bash bench/run.sh
	bash bench/core.sh

bench-quick: all
	bash bench/run.sh --quick

bench-core: all
	bash bench/core.sh

bench-soak: all
	SOAK_SECS=$(SOAK_SECS) SOAK_WARM=$(SOAK_WARM) SOAK_CONNS=$(SOAK_CONNS) bash bench/soak.sh

bench-deps:
	@missing=$$(for p in $(BENCH_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	else echo "bench-deps: every package is installed"; fi
