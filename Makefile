# nettui: build, test, bench, install.  `make run` and `make test` are the
# README's two commands; both install missing Debian packages first.
#
# Sources are found by wildcard: add a .c file to a room (src/core, src/engine,
# src/export, src/ui) and it is built; add tests/unit/test_NAME.c and it becomes
# a cmocka binary run by `make test`; add tests/e2e/NN-name.sh and it runs after.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
BUILD   ?= build
SAN     ?=
PKGS     = ncursesw igraph cmocka nettle zlib libzstd libcurl

CFLAGS_BASE = -std=c11 -O2 -g -Wall -Wextra -Wshadow -Wno-unused-parameter \
              -D_GNU_SOURCE -Iinclude -pthread
ifneq ($(CI),)
CFLAGS_BASE += -Werror
endif
ifneq ($(WERROR),)
CFLAGS_BASE += -Werror
endif
ifneq ($(SAN),)
# float-cast-overflow: gcc leaves it out of "undefined" (clang has it); the
# fuzzers found two double->integer overflows that only it reports
CFLAGS_BASE += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow \
               -fno-sanitize-recover=undefined,float-cast-overflow
LDFLAGS_SAN  = -fsanitize=address,undefined
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS    += $(CFLAGS_BASE) $(PKG_CFLAGS)
LDLIBS     = $(PKG_LIBS) -lcsv -lm -pthread
LDFLAGS   += $(LDFLAGS_SAN)

LIB_SRC  = $(wildcard src/core/*.c src/engine/*.c src/export/*.c)
UI_SRC   = $(wildcard src/ui/*.c)
GEN_SRC  = $(wildcard src/gen/*.c)
TEST_SRC = $(wildcard tests/unit/test_*.c)

LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
UI_OBJ   = $(UI_SRC:%.c=$(BUILD)/%.o)
GEN_OBJ  = $(GEN_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/*.c))
TEST_BIN = $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
LIB_A    = $(BUILD)/libnettui.a

# Binaries land in the repo root for the default build, inside BUILD otherwise.
ifeq ($(BUILD),build)
BIN_DIR = .
else
BIN_DIR = $(BUILD)
endif
NETTUI     = $(BIN_DIR)/nettui
NETTUI_GEN = $(BIN_DIR)/nettui-gen

.PHONY: all deps deps-test test test-unit test-e2e test-san run bench fuzz install clean
all: $(NETTUI) $(if $(GEN_SRC),$(NETTUI_GEN))

$(BUILD)/%.o: %.c $(wildcard include/nettui/*.h src/*.h src/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(NETTUI): $(MAIN_OBJ) $(UI_OBJ) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(UI_OBJ) $(LIB_A) $(LDLIBS)

# nettui-gen shares no code with the engine it tests.
$(NETTUI_GEN): $(GEN_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ -lnettle -lm

$(BUILD)/tests/%: tests/unit/%.c $(LIB_A) $(UI_OBJ) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_A) $(LDFLAGS) $(LDLIBS)

# ---- packages -------------------------------------------------------------
DEB_BUILD = gcc make pkg-config libcsv-dev libigraph-dev libcmocka-dev libncurses-dev nettle-dev zlib1g-dev libzstd-dev libcurl4-openssl-dev
DEB_TEST  = tmux valgrind python3 python3-pandas python3-networkx clang libclang-rt-14-dev nfdump gzip zstd
deps:
	@DEBS="$(DEB_BUILD)" sh tests/install-debs.sh
deps-test:
	@DEBS="$(DEB_BUILD) $(DEB_TEST)" sh tests/install-debs.sh
# the ClickHouse tests and bench run a real server (tests/clickhouse/server.sh)
# and load it with curl; the client links libcurl
DEB_TEST += clickhouse-server curl libcurl4-openssl-dev

# ---- tests ----------------------------------------------------------------
test: deps-test
	$(MAKE) all
	$(MAKE) test-unit
	$(MAKE) test-e2e
	$(MAKE) test-san

test-unit: $(TEST_BIN)
	@sh tests/run-unit.sh $(TEST_BIN)

test-e2e: all
	@sh tests/run-e2e.sh

# The unit tests and the batch end-to-end tests again under ASan and UBSan.
test-san:
	$(MAKE) BUILD=build/san SAN=1 all test-unit
	NETTUI=build/san/nettui NETTUI_GEN=build/san/nettui-gen E2E_SAN=1 sh tests/run-e2e.sh

run: deps all
	@sh assets/sample.sh && ./nettui $${NETTUI_SAMPLE:-build/sample/sample.csv}

bench: deps all
	@sh tests/bench/bench.sh

fuzz:
	@sh tests/fuzz/fuzz.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 nettui $(DESTDIR)$(PREFIX)/bin/nettui
	[ ! -f nettui-gen ] || install -m 755 nettui-gen $(DESTDIR)$(PREFIX)/bin/nettui-gen
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf build nettui nettui-gen
