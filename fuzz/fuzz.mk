# fuzz/fuzz.mk - builds and runs the libFuzzer harnesses of fuzz/;
# included by the top-level Makefile.
#
#   make fuzz-build     build every harness into build/fuzz/bin/
#   make fuzz           fuzz each harness for FUZZ_SECONDS, one at a time
#   make fuzz-check     replay each harness's seed corpus and regression
#                       inputs, then fuzz it for FUZZ_CHECK_RUNS inputs
#                       (tests/fuzz.bats does the same in `make check`)
#   make fuzz-list      print the harness names
#   make memcheck       one run of each program under valgrind
#                       (tests/valgrind.bats, also part of make check)
#
# Harnesses need clang and its libFuzzer runtime (Debian: clang,
# libclang-rt-14-dev; `sh scripts/install-deps.sh fuzz`).  Everything,
# the shared core included, is compiled again with clang under
# AddressSanitizer, UndefinedBehaviorSanitizer and libFuzzer's coverage,
# into build/fuzz/, so the normal builds are untouched.  The reader is
# compiled with a read chunk of 7 bytes, so that small inputs reach the
# code that grows its buffer.
#
# Adding a harness for shared code: write fuzz/fuzz_NAME.c, seed
# fuzz/corpus/NAME/, and add NAME to FUZZ_CORE.  Adding a program's model
# loader: add the program to FUZZ_LOADERS, set FUZZ_ARGUMENTS_program
# (MODEL is the fuzzed model, INPUT the file fuzz/inputs/program.tsv, and
# a word inputs/FILE the file fuzz/inputs/FILE), and seed
# fuzz/corpus/model_program/ with good models.  A further loader of the
# same program is an entry program.VARIANT, with its own arguments and
# corpus.  Either way, add its line to tests/fuzz.bats.  See fuzz/README
# for running and triage.

FUZZ_CC = clang
FUZZ_BUILD = build/fuzz
FUZZ_SANITIZERS = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -std=c99 -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
	$(FUZZ_SANITIZERS) -fsanitize=fuzzer-no-link
FUZZ_CPPFLAGS = $(CPPFLAGS) -DREAD_CHUNK=7 -Ifuzz
FUZZ_LDFLAGS = $(FUZZ_SANITIZERS) -fsanitize=fuzzer
FUZZ_SECONDS = 600
FUZZ_CHECK_RUNS = 2000

# Harnesses of the shared core, one fuzz/fuzz_NAME.c each.
FUZZ_CORE = tsv_reader field_list numeric_parse model_file

# Programs whose model loaders are fuzzed through main(), and how each
# is called to load a model: the entry pca-reduce.merge is pca-reduce
# reading a partial file with --merge, and so on.  Where a merge takes
# any number of partials, the fuzzed one is merged twice, around a good
# one, so that its sums can overflow.
# Models go to standard output, where the harness looks for NaN (and
# in a model, inf).
FUZZ_LOADERS = pca-reduce pca-reduce.merge cluster-sample kmeans-train \
	kmeans-train.merge entropy.merge kl-drift.gauss kl-drift.hist
FUZZ_ARGUMENTS_pca-reduce = -m MODEL INPUT
FUZZ_ARGUMENTS_pca-reduce.merge = --merge --standardize --variance 0.9 \
	-o - MODEL inputs/pca-reduce.partial MODEL
FUZZ_ARGUMENTS_cluster-sample = -m MODEL --per-cluster 2 -s 1 INPUT
FUZZ_ARGUMENTS_kmeans-train = --init MODEL --max-iterations 20 INPUT
FUZZ_ARGUMENTS_kmeans-train.merge = --init inputs/kmeans-train.model \
	--merge MODEL inputs/kmeans-train.partial MODEL
FUZZ_ARGUMENTS_entropy.merge = --merge --normalized --miller-madow \
	MODEL inputs/entropy.partial MODEL
# entropy echoes the group values (month, host) of the partials,
# which may be any text, "nan" too: its first two columns are names.
FUZZ_TEXT_COLUMNS_entropy.merge = 2
FUZZ_ARGUMENTS_kl-drift.gauss = --merge --symmetric \
	inputs/kl-drift.gauss MODEL
FUZZ_ARGUMENTS_kl-drift.hist = --merge --symmetric --js \
	inputs/kl-drift.hist MODEL

FUZZ_NAMES = $(FUZZ_CORE) $(addprefix model_,$(FUZZ_LOADERS))
FUZZ_HARNESSES = $(addprefix $(FUZZ_BUILD)/bin/fuzz_,$(FUZZ_NAMES))
FUZZ_COMMON_OBJECTS = $(COMMON_SOURCES:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_SUPPORT_OBJECT = $(FUZZ_BUILD)/fuzz/fuzz_support.o

.PHONY: fuzz fuzz-build fuzz-check fuzz-list memcheck

fuzz-build: $(FUZZ_HARNESSES)

fuzz: fuzz-build
	@for name in $(FUZZ_NAMES); do \
		sh scripts/fuzz.sh run $$name $(FUZZ_SECONDS) || exit 1; \
	done

fuzz-check: fuzz-build
	@for name in $(FUZZ_NAMES); do \
		sh scripts/fuzz.sh check $$name $(FUZZ_CHECK_RUNS) || exit 1; \
	done

fuzz-list:
	@echo $(FUZZ_NAMES)

memcheck: all
	BIN_DIR=$(CURDIR)/bin bats tests/valgrind.bats

$(FUZZ_BUILD)/libcommon.a: $(FUZZ_COMMON_OBJECTS)
	rm -f $@
	ar rcs $@ $(FUZZ_COMMON_OBJECTS)

$(FUZZ_BUILD)/common/%.o: common/%.c $(COMMON_HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz/%.o: fuzz/%.c fuzz/fuzz_support.h $(COMMON_HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

define fuzz_core_rule
$(FUZZ_BUILD)/bin/fuzz_$(1): $(FUZZ_BUILD)/fuzz/fuzz_$(1).o \
		$(FUZZ_SUPPORT_OBJECT) $(FUZZ_BUILD)/libcommon.a
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_LDFLAGS) -o $$@ $$(filter %.o,$$^) \
		$(FUZZ_BUILD)/libcommon.a $$(LDLIBS)
endef
$(foreach name,$(FUZZ_CORE),$(eval $(call fuzz_core_rule,$(name))))

# A loader harness: the program's objects with main renamed, and
# fuzz_model_loader.c compiled for that harness.  $(1) is the entry of
# FUZZ_LOADERS, $(2) the program (the entry without its .VARIANT).
define fuzz_program_rule
$(FUZZ_BUILD)/tools/$(1)/%.o: tools/$(1)/%.c $(COMMON_HEADERS)
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_CPPFLAGS) $$(FUZZ_CFLAGS) \
		-Dmain=fuzzed_program_main -c -o $$@ $$<
endef
$(foreach tool,$(sort $(basename $(FUZZ_LOADERS))), \
	$(eval $(call fuzz_program_rule,$(tool))))

define fuzz_loader_rule
$(FUZZ_BUILD)/fuzz/model_loader_$(1).o: fuzz/fuzz_model_loader.c \
		fuzz/fuzz_support.h fuzz/fuzz.mk
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_CPPFLAGS) $$(FUZZ_CFLAGS) \
		-DFUZZ_PROGRAM='"$(2)"' \
		-DFUZZ_ARGUMENTS='"$(FUZZ_ARGUMENTS_$(1))"' \
		-DFUZZ_INPUTS='"$(CURDIR)/fuzz/inputs"' \
		-DFUZZ_INPUT='"$(CURDIR)/fuzz/inputs/$(2).tsv"' \
		-DFUZZ_TEXT_COLUMNS=$(or $(FUZZ_TEXT_COLUMNS_$(1)),0) \
		-c -o $$@ $$<

$(FUZZ_BUILD)/bin/fuzz_model_$(1): \
		$(FUZZ_BUILD)/fuzz/model_loader_$(1).o \
		$(patsubst %.c,$(FUZZ_BUILD)/%.o,$(wildcard tools/$(2)/*.c)) \
		$(FUZZ_SUPPORT_OBJECT) $(FUZZ_BUILD)/libcommon.a
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(FUZZ_LDFLAGS) -o $$@ $$(filter %.o,$$^) \
		$(FUZZ_BUILD)/libcommon.a $$(LDLIBS)
endef
$(foreach loader,$(FUZZ_LOADERS), \
	$(eval $(call fuzz_loader_rule,$(loader),$(basename $(loader)))))
