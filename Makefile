# LedgerLine: one non-recursive Makefile. Each module's module.mk adds its sources
# to LIB_SRCS (the ledgerline library), BINS (programs) or UNIT_TESTS (cmocka suites).
# Everything is built twice: build/ (release) and build/asan/ (ASan + UBSan, for tests).

BUILD      ?= build
CC         ?= gcc
FUZZ_CC    ?= clang
PKG_CONFIG ?= pkg-config
V          ?= 0
Q          := $(if $(filter 1,$(V)),,@)

WARN       := -Wall -Wextra -Werror
CFLAGS     ?= -O2 -g
CPPFLAGS   += -std=c11 -D_GNU_SOURCE -MMD -MP $(addprefix -I,$(INCLUDE_DIRS))
LIBCRYPTO  := $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null || echo -lcrypto)
CMOCKA     := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
# DPDK only for the objects that use it (see host/ledgerlined/module.mk)
DPDK_CFLAGS := $(shell $(PKG_CONFIG) --cflags libdpdk 2>/dev/null)
DPDK_LIBS   := $(shell $(PKG_CONFIG) --libs libdpdk 2>/dev/null)
# ipsec-mb ships no .pc file; Debian puts it in the default paths.
IPSECMB    := -lIPSec_MB
INIH       := $(shell $(PKG_CONFIG) --libs inih 2>/dev/null || echo -linih)
JANSSON    := $(shell $(PKG_CONFIG) --libs jansson 2>/dev/null || echo -ljansson)
MHD        := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
LDLIBS_LIB := $(IPSECMB) $(INIH) $(JANSSON) $(MHD) $(LIBCRYPTO) -lpthread

ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer

INCLUDE_DIRS :=
LIB_SRCS     :=
BINS         :=
UNIT_TESTS   :=
FUZZERS      :=
INTEGRATION  :=
# files beyond programs and suites: EXTRA_ALL for `all`, EXTRA_TEST also for `test`
EXTRA_ALL    :=
EXTRA_TEST   :=

.PHONY: all test unit unit-asan integration fuzz fuzz-run bench deps clean demo install
all:

include host/common/module.mk
include host/config/module.mk
include host/crypto/module.mk
include hls/module.mk
include host/chain/module.mk
include host/store/module.mk
include host/accel/module.mk
include host/admin/module.mk
include host/ctl/module.mk
include host/tools/module.mk
include host/bench/module.mk
include dataplane/wire/module.mk
include dataplane/admit/module.mk
include dataplane/txgen/module.mk
include host/ledgerlined/module.mk
include tests/unit/module.mk
include tests/fuzz/module.mk
include tests/integration/module.mk
include tests/fakexrt/module.mk
include bitstreams/module.mk
include contrib/module.mk

# variant_rules(name, dir, cflags): objects, the library and every program of a variant.
define variant_rules
$(2)/obj/%.o: %.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1)] $$<"
	$$(Q)$$(CC) $$(CPPFLAGS) $(3) $$(WARN) -c $$< -o $$@

$(2)/lib/libledgerline.a: $$(patsubst %.c,$(2)/obj/%.o,$$(LIB_SRCS))
	@mkdir -p $$(@D)
	@echo "  AR [$(1)] $$@"
	$$(Q)rm -f $$@ && ar rcs $$@ $$^

$(foreach b,$(BINS),
$(2)/bin/$(b): $$(patsubst %.c,$(2)/obj/%.o,$$($(b)_SRCS)) $(2)/lib/libledgerline.a
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC) $(3) -o $$@ $$^ $$($(b)_LDLIBS) $$(LDLIBS_LIB)
)

$(foreach t,$(UNIT_TESTS),
$(2)/tests/$(t): $(2)/obj/$(patsubst %.c,%.o,$(or $($(t)_SRC),tests/unit/$(t).c)) $(2)/lib/libledgerline.a
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC) $(3) -o $$@ $$^ $$(CMOCKA) $$(LIBCRYPTO) $$(LDLIBS_LIB)
)

-include $$(shell find $(2)/obj -name '*.d' 2>/dev/null)
endef

$(eval $(call variant_rules,rel,$(BUILD),$(CFLAGS)))
$(eval $(call variant_rules,asan,$(BUILD)/asan,$(ASAN_FLAGS)))

REL_BINS   := $(addprefix $(BUILD)/bin/,$(BINS))
REL_TESTS  := $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
ASAN_TESTS := $(addprefix $(BUILD)/asan/tests/,$(UNIT_TESTS))
ASAN_BINS  := $(addprefix $(BUILD)/asan/bin/,$(BINS))

all: $(REL_BINS) $(REL_TESTS) $(EXTRA_ALL)

deps:
	@scripts/deps.sh

# test: install what is missing, build, run every suite (release, then sanitized),
# the integration scripts against both builds, and each fuzzer briefly.
test: deps
	$(Q)$(MAKE) --no-print-directory all $(ASAN_TESTS) $(ASAN_BINS) $(EXTRA_TEST) fuzz
	$(Q)scripts/run-tests.sh "$(BUILD)" "$(UNIT_TESTS)" "$(INTEGRATION)" "$(FUZZERS)"

# demo: install, build, and run what exists end to end (scripts/demo.sh).
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh $(BUILD)/bin

# bench: llbench drives ledgerlined, txgen and the XDP filter for ingest and e2e
bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(BUILD)/bin/llbench all

# fuzz: libFuzzer targets, built with clang; the library sources go in directly.
fuzz: $(addprefix $(BUILD)/fuzz/,$(FUZZERS))

# Headers are listed so that a changed contract rebuilds the fuzzers too.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(wildcard host/*/*.h dataplane/*/*.h)
	@mkdir -p $(@D)
	@echo "  FUZZ $@"
	$(Q)$(FUZZ_CC) $(filter-out -MMD -MP,$(CPPFLAGS)) $(FUZZ_FLAGS) $(WARN) -o $@ \
		$(filter %.c,$^) $(LDLIBS_LIB)

# install: the appliance and its tools, the XDP filter, the man page, the
# example configuration (also as /etc/ledgerline/ledgerline.conf when there is
# none), the systemd unit and the contrib files. DESTDIR for packaging.
PREFIX ?= /usr
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
install: all
	install -D -m 0755 $(BUILD)/bin/ledgerlined $(DESTDIR)$(PREFIX)/sbin/ledgerlined
	install -D -m 0755 -t $(DESTDIR)$(PREFIX)/bin $(BUILD)/bin/ledgerctl \
		$(BUILD)/bin/txgen $(BUILD)/bin/llaudit $(BUILD)/bin/llmerkle
	install -D -m 0644 $(BPF_OBJ) $(DESTDIR)$(PREFIX)/lib/ledgerline/ll_xdp_filter.o
	install -D -m 0644 host/ctl/ledgerctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/ledgerctl.1
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/doc/ledgerline README.md \
		ledgerline.conf.example
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/ledgerline contrib/ledgerline.lua \
		contrib/grafana/ledgerline.json
	install -D -m 0644 contrib/ledgerlined.service $(DESTDIR)$(UNITDIR)/ledgerlined.service
	test -e $(DESTDIR)$(SYSCONFDIR)/ledgerline/ledgerline.conf || install -D -m 0640 \
		ledgerline.conf.example $(DESTDIR)$(SYSCONFDIR)/ledgerline/ledgerline.conf

clean:
	rm -rf $(BUILD)
