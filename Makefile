# mkt -- one plain GNU Makefile, no configure.
#
#   make                 build bin/mkt and bin/mkt-*
#   make check           build, lint the man pages, run every test (TAP under
#                        prove), then the library/parser tests and the program
#                        tests again under AddressSanitizer + UBSan, then a
#                        short libFuzzer run when clang is available
#   make check-load      the tests beside two busy loops (started by the target
#                        and killed when it ends, whatever the outcome), in
#                        the plain and the sanitizer builds: every test once,
#                        and three times in all those whose source has a
#                        line `# load: 3` (shell) or `/* load: 3 */` (C unit
#                        test), or that LOAD3_LISTED names: those that talk
#                        over a socket or wait on another process
#   make torture         the crash tests with 1000 kills (MKT_TORTURE): the
#                        journal's and mkt-exec's
#   make bench           benchmarks against baselines run in the same command
#   make fuzz            build the libFuzzer harnesses (clang)
#   make install PREFIX=/usr/local DESTDIR=
#   make install-units  the systemd units alone (into UNITDIR)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
WWWDIR ?= $(PREFIX)/share/mkt/www
VERSION = 0.1.0

CC ?= cc
CFLAGS ?= -O2 -g
override CFLAGS := -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-sign-compare -D_GNU_SOURCE \
	-DMKT_VERSION='"$(VERSION)"' -Ilib $(CFLAGS)
LDLIBS = -lm

# A sanitizer build lives in its own directory: make SANITIZE=address,undefined
ifdef SANITIZE
B = build-san
override CFLAGS += -O1 -fno-omit-frame-pointer -fsanitize=$(SANITIZE) \
	-fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SANITIZE)
else
B = build
endif

# Libraries come from pkg-config; a missing one stops the build and names
# the Debian package that provides it.  (The offline programs need none.)
need_pkg = $(if $(shell pkg-config --exists $(1) && echo y),,$(error \
	pkg-config cannot find '$(1)': apt-get install $(2)))
$(call need_pkg,libwebsockets,libwebsockets-dev)
$(call need_pkg,libcurl,libcurl4-openssl-dev)
$(call need_pkg,openssl,libssl-dev)
$(call need_pkg,sqlite3,libsqlite3-dev)
$(call need_pkg,libzstd,libzstd-dev)
$(call need_pkg,libuv,libuv1-dev)
$(call need_pkg,libsystemd,libsystemd-dev)
$(call need_pkg,libnats,libnats-dev)
PKGS = libwebsockets libcurl openssl sqlite3 libzstd libuv libsystemd libnats
override CFLAGS += $(shell pkg-config --cflags $(PKGS))
LDLIBS += $(shell pkg-config --libs $(PKGS))

# libjq (for --filter programs) has no pkg-config file: its header is
# looked for with the compiler, and -ljq alone links it (libjq.so pulls
# in libonig itself).
ifeq ($(shell $(CC) -E -include jq.h -x c /dev/null >/dev/null 2>&1 && echo y),)
$(error jq.h not found: apt-get install libjq-dev)
endif
LDLIBS += -ljq

# The library, one directory per layer and one module per concern; a
# layer may include base/, itself and the layers lib/README names on its
# line (tests/0001-layers.sh checks it).
LIB_BASE = buf fixed json keymap timeutil fsutil qs
LIB_IO = in out sig loop db nats natspub natssub
LIB_EVENT = event tevent tbody instrument candle jqfilter
LIB_MARKET = book bands bookset sync
LIB_NET = lwsloop ws rest restxfer budget secret
# Each venue's directory, lib/venue/NAME/, whole.
LIB_VENUE = venue norm trade vinstr vlist $(sort $(patsubst lib/venue/%.c,%,\
	$(wildcard lib/venue/*/*.c)))
LIB_FEED = stream
LIB_STORE = zframe journal/index journal/keys journal/open journal/scan \
	journal/recover journal/append journal/maint journal/verify \
	journal/tail journal/query journal/show jreader history/tables \
	history/ingest history/query history/candles jhistory state state_batch state_fills \
	state_report state_risk state_reconcile state_strat jreplay
LIB_SIM = simmarket simgen simreplay simorders
LIB_TRADE = oms roundtrip limits risk reconcile
LIB_PROG = err run anchor tradekeys notify metrics
LIB_MODULES = $(LIB_BASE:%=base/%) $(LIB_IO:%=io/%) $(LIB_EVENT:%=event/%) \
	$(LIB_MARKET:%=market/%) $(LIB_NET:%=net/%) $(LIB_VENUE:%=venue/%) \
	$(LIB_FEED:%=feed/%) $(LIB_STORE:%=store/%) $(LIB_SIM:%=sim/%) \
	$(LIB_TRADE:%=trade/%) $(LIB_PROG:%=prog/%)
LIB_OBJ = $(LIB_MODULES:%=$(B)/lib/%.o)

# The programs: cmd/NAME.c, or the parts cmd/NAME/*.c of a larger one,
# -> bin/mkt-NAME; cmd/mkt.c -> bin/mkt.
PROGS = alert book candles depth diff exec feed journal reconcile replay report \
	risk serve sim
# Example strategies (contrib/strategy/strat-NAME.c -> bin/mkt-strat-NAME,
# each with strat.c, the loop they share).
CONTRIB_PROGS = strat-arb strat-tri strat-hedge
BINS = $(B)/bin/mkt $(PROGS:%=$(B)/bin/mkt-%) $(CONTRIB_PROGS:%=$(B)/bin/mkt-%)
prog_objs = $(patsubst cmd/%.c,$(B)/cmd/%.o,$(or $(wildcard cmd/$(1).c),\
	$(sort $(wildcard cmd/$(1)/*.c))))

# C unit tests: tests/unit/NAME.c, TAP on stdout.
UNIT = $(patsubst tests/unit/%.c,%,$(filter-out tests/unit/tap.c \
	tests/unit/tvt.c,$(wildcard tests/unit/*.c)))
UNIT_BINS = $(UNIT:%=$(B)/tests/%)

# Helpers the tests and benchmarks run (generators, a test producer).
TOOLS = $(patsubst tests/tools/%.c,%,$(wildcard tests/tools/*.c))
TOOL_BINS = $(TOOLS:%=$(B)/tools/%)

MAN = $(wildcard man/*.[157])

# The systemd units (systemd/README.md): they say /usr/local/bin, and
# make install writes $(BINDIR) there.
UNITS = $(wildcard systemd/*.service systemd/*.socket systemd/*.timer)

# The chart page (www/): its files and the one script of the npm package
# it pins (www/package.json, www/package-lock.json; npm ci installs
# exactly the lockfile's), assembled flat in $(B)/www, where an
# uninstalled mkt-serve finds them ($(B)/bin/../www).
WWW_SRC = index.html app.js style.css NOTICE
WWW_LIB = lightweight-charts.standalone.production.js
WWW_NPM = www/node_modules/lightweight-charts/dist/$(WWW_LIB)
WWW = $(WWW_SRC:%=$(B)/www/%) $(B)/www/$(WWW_LIB)

all: $(BINS) $(UNIT_BINS) $(TOOL_BINS) $(WWW)
ifndef SANITIZE
	@mkdir -p bin && for f in $(BINS); do ln -sf ../$$f bin/; done
endif

$(B)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/cmd/%.o: cmd/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/contrib/%.o: contrib/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(CONTRIB_PROGS:%=$(B)/bin/mkt-%): $(B)/bin/mkt-strat-%: \
    $(B)/contrib/strategy/strat-%.o \
    $(B)/contrib/strategy/strat.o $(B)/contrib/strategy/recover.o \
    $(B)/libmkt.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(WWW_NPM): www/package.json www/package-lock.json
	@command -v npm >/dev/null || { echo 'npm not found: apt-get install nodejs npm'; exit 1; }
	cd www && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

$(B)/www/$(WWW_LIB): $(WWW_NPM)
	@mkdir -p $(@D)
	cp $< $@

$(B)/www/%: www/%
	@mkdir -p $(@D)
	cp $< $@

$(B)/cmd/serve/www.o: override CFLAGS += -DMKT_WWW_DIR='"$(WWWDIR)"'

$(B)/libmkt.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/bin/mkt: $(B)/cmd/mkt.o $(B)/libmkt.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A program's objects depend on its name, the pattern's stem: known
# only in a second expansion of the prerequisites.
.SECONDEXPANSION:
$(B)/bin/mkt-%: $$(call prog_objs,%) $(B)/libmkt.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -MMD -MP -c -o $@ $<

$(B)/tests/%: $(B)/tests/%.o $(B)/tests/tap.o $(B)/tests/tvt.o $(B)/libmkt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tools/%: $(B)/tools/%.o $(B)/libmkt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Shell tests find the programs through MKT_BIN and the helpers through
# MKT_TOOLS; the sanitizer pass points both at build-san.  make check runs
# CHECK_JOBS tests at a time: every test must pass on a busy machine
# (make check-load), and two at a time keep both passes within half an
# hour on two cores.  check-load runs them one at a time beside its own
# busy loops.
PROVE = prove --exec '' --timer
CHECK_JOBS ?= 2
SHELL_TESTS = $(sort $(wildcard tests/[0-9]*.sh))

# The fuzz run comes first so that prove's summary closes the output.
check: all lint-man lint-tests
	$(MAKE) fuzz-check
	MKT_BIN=$(CURDIR)/build/bin MKT_TOOLS=$(CURDIR)/build/tools \
		$(PROVE) -j$(CHECK_JOBS) $(UNIT_BINS) $(SHELL_TESTS)
	$(MAKE) SANITIZE=address,undefined check-san

check-san: all
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	MKT_BIN=$(CURDIR)/build-san/bin MKT_TOOLS=$(CURDIR)/build-san/tools \
	MKT_SANITIZED=1 $(PROVE) -j$(CHECK_JOBS) $(UNIT_BINS) $(SHELL_TESTS)

# check-load: see the header.  A test that passes only on a quiet machine
# is a broken test; CI machines have 2 cores and are not always idle.
LOAD3_LISTED = tests/0400-sim.sh tests/0420-sim-replay.sh
LOAD3_SH = $(sort $(shell grep -l '^\# load: 3' $(SHELL_TESTS)) \
	$(LOAD3_LISTED))
LOAD3_UNIT = $(patsubst tests/unit/%.c,%,$(shell grep -l '^/\* load: 3' \
	tests/unit/*.c))
LOAD_SAN_ENV = ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	MKT_SANITIZED=1
# $(call load_pass,BUILD,ENV,UNITS,SCRIPTS): prove them against BUILD.
load_pass = echo "== check-load: $(1): $(3) ($(4))"; \
	env $(2) MKT_BIN=$(CURDIR)/$(1)/bin MKT_TOOLS=$(CURDIR)/$(1)/tools \
	$(PROVE) $(5:%=$(1)/tests/%) $(6) || st=1;

check-load: all
	$(MAKE) SANITIZE=address,undefined all
	@yes >/dev/null & y1=$$!; yes >/dev/null & y2=$$!; \
	trap 'kill $$y1 $$y2 2>/dev/null' EXIT; trap 'exit 1' HUP INT TERM; \
	st=0; \
	$(call load_pass,build,,every test,once,$(UNIT),$(SHELL_TESTS)) \
	for i in 2 3; do \
		$(call load_pass,build,,load: 3 tests,run $$i,$(LOAD3_UNIT),$(LOAD3_SH)) \
	done; \
	$(call load_pass,build-san,$(LOAD_SAN_ENV),every test,once,$(UNIT),$(SHELL_TESTS)) \
	for i in 2 3; do \
		$(call load_pass,build-san,$(LOAD_SAN_ENV),load: 3 tests,run $$i,$(LOAD3_UNIT),$(LOAD3_SH)) \
	done; \
	if [ $$st -ne 0 ]; then echo 'check-load: FAILED (see above)'; \
	else echo 'check-load: every pass succeeded'; fi; \
	exit $$st

# prove runs each test script itself: one that is not executable would
# fail the run only once its turn came.
lint-tests:
	@for f in $(SHELL_TESTS); do \
		[ -x "$$f" ] || { echo "$$f: not executable: chmod +x $$f"; exit 1; }; \
	done

lint-man:
	@command -v mandoc >/dev/null || { echo 'mandoc not found: apt-get install mandoc'; exit 1; }
	mandoc -Tlint -Wwarning $(MAN)

# libFuzzer harnesses: tests/fuzz/NAME.c, built with clang.
FUZZ = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/*.c))
FUZZ_CC = clang
FUZZ_CFLAGS = -std=gnu11 -g -O1 -D_GNU_SOURCE -DMKT_VERSION='"$(VERSION)"' \
	-Ilib -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	$(filter -Werror%,$(CFLAGS))
FUZZ_SECONDS ?= 10

# The library is compiled once for all the harnesses.
FUZZ_OBJS = $(LIB_MODULES:%=build-fuzz/obj/%.o)

fuzz: $(FUZZ:%=build-fuzz/%)

build-fuzz/obj/%.o: lib/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

build-fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

-include $(FUZZ_OBJS:.o=.d) $(FUZZ:%=build-fuzz/%.d)

# A short run of every harness on its seed corpus when clang is present;
# `make fuzz FUZZ_SECONDS=600` and run the binaries by hand for longer.
fuzz-check:
	@if command -v $(FUZZ_CC) >/dev/null; then \
		$(MAKE) -j$(CHECK_JOBS) fuzz && for f in $(FUZZ); do \
			mkdir -p build-fuzz/corpus-$$f && \
			echo "fuzz $$f: $(FUZZ_SECONDS)s" && \
			build-fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
				-artifact_prefix=build-fuzz/ \
				-print_final_stats=0 build-fuzz/corpus-$$f tests/fuzz/seed-$$f \
				2>build-fuzz/$$f.log || { tail -40 build-fuzz/$$f.log; exit 1; }; \
		done; \
	else echo 'clang not found: fuzzing skipped (apt-get install clang)'; fi

# mkt-journal and mkt-exec killed at random moments, 1000 times instead of
# check's 100.
MKT_TORTURE ?= 1000
torture: all
	MKT_TORTURE=$(MKT_TORTURE) MKT_BIN=$(CURDIR)/build/bin \
		MKT_TOOLS=$(CURDIR)/build/tools $(PROVE) tests/0710-journal-crash.sh \
		tests/0910-exec-kill.sh tests/1090-recovery.sh \
		tests/1301-nats-kill.sh tests/1302-nats-cluster.sh

# bench/run.sh runs bench/feed.sh, bench/journal.sh, bench/anchor.sh,
# bench/exec.sh, bench/risk.sh, bench/serve.sh and bench/nats.sh after
# its own; BENCH_FEED=0, BENCH_JOURNAL=0, BENCH_ANCHOR=0, BENCH_EXEC=0,
# BENCH_RISK=0, BENCH_SERVE=0 or BENCH_NATS=0 skips one,
# BENCH_DAYS scales the journal's minute-bands stream (7 days).
bench: all
	bench/run.sh

# mkt-exec alone: intent to signed request on the wire against mkt-sim
# (p50/p99 beside a minimal C client), intents/s through the paper venue
# (beside the library alone and mkt-book); see bench/exec.sh.
bench-exec: all
	bench/exec.sh

# mkt-risk alone, against the same checks in jq and Python.
bench-risk: all
	bench/risk.sh

# The journal alone: append, compression against zstd(1), replay, seeks,
# the history tables and bench/history.sh on the same stream.
bench-journal: all
	bench/journal.sh

# mkt-replay --from T --book against the plain seek, in the middle of a
# journal of BENCH_ANCHOR_GB (1) GB with mkt-book --checkpoint 1m.
bench-anchor: all
	bench/anchor.sh

# mkt-serve alone: /api/chart-data requests/s and p50/p99 over a 30-day
# history beside mkt-journal query (a process per request) and python3's
# http.server with sqlite3; peak RSS with 100 /api/stream clients.
bench-serve: all
	bench/serve.sh

# NATS JetStream alone: events/s from a publisher through nats-server
# into mkt-journal append -i nats://, and latency p50/p99 from producer
# to consumer, beside the same through pipes; see bench/nats.sh.
bench-nats: all
	bench/nats.sh

# mkt-journal's history tables against plain rows in SQLite and
# PostgreSQL 15 (when installed); BENCH_DAYS scales the stream (30).
bench-history: all
	bench/history.sh

# The event parser against libjq's jv, json-c, jansson and cJSON (those
# whose -dev packages are installed; the others are skipped and named).
bench-parsers: all
	bench/parsers/build.sh --run

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -d $(DESTDIR)$(WWWDIR)
	install -m 644 $(WWW) $(DESTDIR)$(WWWDIR)
	for m in $(MAN); do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s; done
	$(MAKE) install-units

# The units alone: no build (tests/1130-systemd-units.sh runs it).
install-units:
	install -d $(DESTDIR)$(UNITDIR)
	for u in $(UNITS); do \
		sed 's#/usr/local/bin/#$(BINDIR)/#g' $$u \
			>$(DESTDIR)$(UNITDIR)/$${u##*/} && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; done

clean:
	rm -rf build build-san build-fuzz bin

.PHONY: all check check-san check-load lint-man lint-tests fuzz fuzz-check torture bench \
	bench-journal bench-parsers bench-history bench-anchor bench-exec \
	bench-risk bench-serve bench-nats install install-units clean
.SECONDARY:

-include $(wildcard $(B)/*/*.d $(B)/*/*/*.d $(B)/*/*/*/*.d)
