# Makefile - builds, tests and installs the anomaly-pipeline toolchain.
#
# common/ becomes a static library, libcommon.a, that every program in
# tools/NAME/ links against; each program lands in bin/NAME.  A build
# with SANITIZE=1 goes to build/sanitize/bin instead, instrumented with
# AddressSanitizer and UndefinedBehaviorSanitizer; `make check` runs the
# whole test suite on both builds.  `make help` lists the targets.

VERSION = 1.0
CC = cc
CFLAGS = -std=c99 -O2 -g -Wall -Wextra
# GLib (its hash tables) is found through pkg-config, which Debian's
# libglib2.0-dev brings; cblas.h sits in the multiarch include folder
# that Debian's compilers search by themselves.
GLIB_CFLAGS = $(shell pkg-config --cflags glib-2.0 2>/dev/null)
GLIB_LIBS = $(shell pkg-config --libs glib-2.0 2>/dev/null || echo -lglib-2.0)
CPPFLAGS = -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-DPIPELINE_VERSION='"$(VERSION)"' -Icommon $(GLIB_CFLAGS)
LDFLAGS =
LDLIBS = -lcsv -llapacke -lopenblas -lm $(GLIB_LIBS)
PREFIX = /usr/local
MANPREFIX = $(PREFIX)/share/man
DESTDIR =
BATS_JOBS = 2

SANITIZE =
ifeq ($(SANITIZE),1)
BUILD = build/sanitize
CFLAGS += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
BUILD = build/release
endif
BIN = $(if $(filter 1,$(SANITIZE)),$(BUILD)/bin,bin)

TOOLS = $(notdir $(wildcard tools/*))
PROGRAMS = $(addprefix $(BIN)/,$(TOOLS))
COMMON_SOURCES = $(wildcard common/*.c)
COMMON_OBJECTS = $(COMMON_SOURCES:%.c=$(BUILD)/%.o)
COMMON_HEADERS = $(wildcard common/*.h)
MAN_PAGES = $(wildcard man/*.1)
SCRIPTS = $(wildcard scripts/*.sh) $(wildcard bench/*.sh) .ci/run

# Sanitizer reports exit with a status no test expects.
SANITIZER_ENV = ASAN_OPTIONS=exitcode=86:detect_leaks=1 \
	UBSAN_OPTIONS=exitcode=86:print_stacktrace=1:halt_on_error=1

.PHONY: all check test test-sanitize test-memory demo deps install \
	uninstall clean lint help

all: $(PROGRAMS)

$(BUILD)/libcommon.a: $(COMMON_OBJECTS)
	rm -f $@
	ar rcs $@ $(COMMON_OBJECTS)

$(BUILD)/%.o: %.c $(COMMON_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# One link rule per program, over the objects of its own directory.
define program_rule
$(BIN)/$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/$(1)/*.c)) \
		$(BUILD)/libcommon.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) $(BUILD)/libcommon.a \
		$$(LDLIBS)
endef
$(foreach tool,$(TOOLS),$(eval $(call program_rule,$(tool))))

deps:
	@sh scripts/install-deps.sh

check: deps
	$(MAKE) all
	$(MAKE) test
	$(MAKE) SANITIZE=1 all
	$(MAKE) test-sanitize

test: all
	BIN_DIR=$(CURDIR)/bin bats --jobs $(BATS_JOBS) tests

test-sanitize:
	$(MAKE) SANITIZE=1 all
	$(SANITIZER_ENV) BIN_DIR=$(CURDIR)/build/sanitize/bin \
		bats --jobs $(BATS_JOBS) tests

# Ten million rows through each streaming program: a minute or two, so
# not part of check.
test-memory: deps all
	BIN_DIR=$(CURDIR)/bin bats tests/slow

demo: deps
	$(MAKE) all
	sh scripts/demo.sh

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1
	cp $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	cp $(MAN_PAGES) $(DESTDIR)$(MANPREFIX)/man1/

uninstall:
	cd $(DESTDIR)$(PREFIX)/bin && rm -f $(TOOLS)
	cd $(DESTDIR)$(MANPREFIX)/man1 && rm -f $(notdir $(MAN_PAGES))

lint:
	@awk '{ width = 0; n = length($$0); \
		for (i = 1; i <= n; i++) \
			width = substr($$0, i, 1) == "\t" ? \
			    width + 8 - width % 8 : width + 1; \
		if (width > 80) { \
			print FILENAME ":" FNR ": longer than 80 columns"; \
			bad = 1 } } END { exit bad }' \
		common/*.[ch] tools/*/*.[ch] $(wildcard fuzz/*.c)
	mandoc -Tlint -Wwarning $(MAN_PAGES)
	shellcheck $(SCRIPTS)

clean:
	rm -rf bin build

# The monthly batch (make month, make months) and the fuzzing targets.
-include scripts/batch.mk
-include fuzz/fuzz.mk

help:
	@echo "targets:"
	@echo "  all           build every program into bin/"
	@echo "  check         install what is missing, build, run the tests,"
	@echo "                then run them again under ASan and UBSan"
	@echo "  test          run the tests on bin/ (no installing)"
	@echo "  test-sanitize build with SANITIZE=1 and run the tests on it"
	@echo "  test-memory   stream 10M rows through each streaming program"
	@echo "                and check peak memory is that of 1M rows (slow)"
	@echo "  memcheck      one run of each program under valgrind"
	@echo "  fuzz          fuzz each libFuzzer harness for FUZZ_SECONDS"
	@echo "  fuzz-check    replay the fuzzing corpora and regressions"
	@echo "  demo          install what is missing, build, run the demo"
	@echo "  deps          install the Debian packages the project needs"
	@echo "  install       copy programs and man pages under PREFIX"
	@echo "  uninstall     remove them again"
	@echo "  lint          80 columns, mandoc -Tlint, shellcheck"
	@echo "  clean         remove bin/ and build/"
	@echo "variables: CC CFLAGS LDLIBS PREFIX MANPREFIX DESTDIR SANITIZE=1"
