# batch.mk - Make rules for the monthly batch, included by the Makefile.
#
#   make month MONTH=2026-11   run one month, and first every earlier
#                              month whose outputs are missing or stale
#   make months                run every month of DATA in order
#
# Variables: DATA, the data folder (one folder per month, each with
# metrics.tsv and optionally votes.tsv and predictions.tsv); OUT, the
# output folder (one folder per month); CONFIG, the configuration;
# SHARDS and SSHLOGIN, when given, override the configuration's shards
# and sshlogin (make months SHARDS=8 SSHLOGIN=8/host1,8/host2 runs the
# heavy steps as GNU parallel jobs on those hosts; see month.sh).  The
# defaults run the built-in simulated fleet, which fleet-simulate writes
# into demo-output/fleet the first time (seed FLEET_SEED).
#
# A month's target is its report.md, written last by scripts/month.sh;
# its prerequisites are the month's input files, the configuration, the
# batch scripts, the programs and the previous month's report.  So only
# what changed is redone: a changed votes.tsv reruns its month and the
# months after it, which depend on its state; nothing else.

DATA = demo-output/fleet
OUT = demo-output/batch
CONFIG = scripts/batch.conf
SHARDS =
SSHLOGIN =
FLEET_SEED = 7
BATCH_DEMO_DATA = demo-output/fleet
BATCH_SCRIPTS = scripts/month.sh scripts/batch-config.sh \
	scripts/batch-plots.sh scripts/batch-report.sh scripts/batch.conf \
	scripts/slack-messages.sh scripts/kmeans-sharded.sh
BATCH_PROGRAMS = $(addprefix $(BIN)/,pca-reduce kmeans-train \
	cluster-sample vote-labels entropy kl-drift f1-bootstrap shard-rows)
BATCH_MONTHS = $(sort $(patsubst $(DATA)/%/,%,$(wildcard $(DATA)/*/)))

.PHONY: month months batch-data

# One rule per month; batch_previous carries the month before it.
define batch_month_rule
$(OUT)/$(1)/report.md: $(wildcard $(addprefix $(DATA)/$(1)/,metrics.tsv \
		votes.tsv predictions.tsv)) $(CONFIG) $(BATCH_SCRIPTS) \
		$(BATCH_PROGRAMS) $(if $(2),$(OUT)/$(2)/report.md)
	BIN_DIR=$(CURDIR)/$(BIN) sh scripts/month.sh -c $(CONFIG) \
		$(if $(SHARDS),-n '$(SHARDS)') \
		$(if $(SSHLOGIN),-S '$(SSHLOGIN)') $(DATA) $(1) $(OUT)
endef
batch_previous :=
$(foreach month_name,$(BATCH_MONTHS),$(eval $(call \
	batch_month_rule,$(month_name),$(batch_previous)))$(eval \
	batch_previous := $(month_name)))

# The simulated fleet, when DATA is the demo's and is not there yet.
# Make splits names on blanks, so DATA, OUT and CONFIG must have none,
# nor may the month folders; scripts/month.sh takes any name.
batch-data: all
	@if [ $(words $(DATA)) -ne 1 ] || [ $(words $(OUT)) -ne 1 ] || \
	    [ $(words $(CONFIG)) -ne 1 ]; then \
		echo "make: DATA, OUT and CONFIG must have no blanks in" \
		    "them; run scripts/month.sh directly for such paths" >&2; \
		exit 2; fi
	@if [ "$(DATA)" = "$(BATCH_DEMO_DATA)" ] && \
	    [ ! -d "$(DATA)" ]; then \
		echo "$(BIN)/fleet-simulate -s $(FLEET_SEED) -o $(DATA)"; \
		$(BIN)/fleet-simulate -s $(FLEET_SEED) -o $(DATA); \
	fi
	@[ -d "$(DATA)" ] || { \
		echo "make: data folder $(DATA) does not exist" >&2; exit 1; }

# The month rules are made once the data folder exists (a second make,
# so that the list of months is read from it).
months: batch-data
	@if ls -d $(DATA)/*/ | grep -q '[[:space:]]'; then \
		echo "make months: a month folder of $(DATA) has a blank in" \
		    "its name; run scripts/month.sh directly" >&2; exit 2; fi
	@$(MAKE) --no-print-directory $(foreach month_name, \
		$(shell ls -d $(DATA)/*/ 2>/dev/null | \
		sed 's|/$$||; s|.*/||' | LC_ALL=C sort), \
		$(OUT)/$(month_name)/report.md)

month: batch-data
	@[ -n "$(MONTH)" ] || { \
		echo "make month: say which, as MONTH=YYYY-MM" >&2; exit 2; }
	@[ $(words $(MONTH)) -eq 1 ] || { \
		echo "make month: MONTH has a blank in it; run" \
		    "scripts/month.sh directly" >&2; exit 2; }
	@[ -f "$(DATA)/$(MONTH)/metrics.tsv" ] || { \
		echo "make month: $(DATA)/$(MONTH)/metrics.tsv: no such file" \
		    >&2; exit 1; }
	@$(MAKE) --no-print-directory $(OUT)/$(MONTH)/report.md
