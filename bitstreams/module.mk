# bitstreams: v++ link configs per Alveo card and `make xclbin` (see README.md);
# mkmanifest writes the manifest the host checks next to each xclbin it builds.

# mkmanifest reads the UUID out of the xclbin's header, so it needs XRT's xclbin.h.
define mkmanifest_rules
$(1)/obj/bitstreams/mkmanifest.o: CPPFLAGS += -I/usr/include/xrt

$(1)/bitstreams/mkmanifest: $(1)/obj/bitstreams/mkmanifest.o $(1)/lib/libledgerline.a
	@mkdir -p $$(@D)
	@echo "  LD [$(2)] $$@"
	$$(Q)$$(CC) $(3) -o $$@ $$^ $$(LDLIBS_LIB)
endef
$(eval $(call mkmanifest_rules,$(BUILD),rel,$(CFLAGS)))
$(eval $(call mkmanifest_rules,$(BUILD)/asan,asan,$(ASAN_FLAGS)))
EXTRA_ALL += $(BUILD)/bitstreams/mkmanifest
# for tests/integration/test_xclbin.sh against the ASan build
EXTRA_TEST += $(BUILD)/asan/bitstreams/mkmanifest

# make xclbin PLATFORM=u50|u55c|u250|u280 [TARGET=hw|hw_emu|sw_emu] [XCLBIN_MHZ=300]
# The card's Vitis platform is the platform= line of its config.
XCLBIN_PLATFORMS := u50 u55c u250 u280
XCLBIN_TARGETS := hw hw_emu sw_emu
TARGET ?= hw
XCLBIN_MHZ ?= 300
VPP ?= v++
XCLBIN_KERNELS := llk_leaves llk_merkle
XCLBIN_HLS_SRCS := $(filter-out hls/llk_model.c,$(wildcard hls/llk_*.c))
XCLBIN_OUT := $(BUILD)/xclbin/$(PLATFORM)/$(TARGET)
XCLBIN_CFG := bitstreams/$(PLATFORM).cfg

# Checked while the makefile is read, and only for `make xclbin`: so nothing is built
# before the answer, and `make all` and `make test` never look for Vitis.
ifneq ($(filter xclbin,$(MAKECMDGOALS)),)
ifeq ($(filter $(PLATFORM),$(XCLBIN_PLATFORMS)),)
$(error PLATFORM='$(PLATFORM)' is not one of: $(XCLBIN_PLATFORMS))
endif
ifeq ($(filter $(TARGET),$(XCLBIN_TARGETS)),)
$(error TARGET='$(TARGET)' is not one of: $(XCLBIN_TARGETS))
endif
ifeq ($(shell command -v $(VPP) 2>/dev/null),)
$(info make xclbin: '$(VPP)' (AMD Vitis) is not on PATH, so no xclbin can be built.)
$(info make xclbin: Vitis cannot be installed on this machine. Where it is: install Vitis)
$(info make xclbin: 2022.2 and the card's platform, then `source <Vitis>/settings64.sh`.)
$(info make xclbin: Without a card the host runs accel.backend = cpu or hlsemu, and the xrt)
$(info make xclbin: backend is tested on tests/fakexrt with $(BUILD)/fakexrt/ledgerline.xclbin.)
$(error v++ not found: Vitis is needed to build an xclbin)
endif
XCLBIN_PLATFORM_NAME := $(shell sed -n 's/^platform=//p' $(XCLBIN_CFG))
endif

.PHONY: xclbin
xclbin: $(XCLBIN_OUT)/ledgerline.manifest
	@echo "  xclbin $(XCLBIN_OUT)/ledgerline.xclbin and its manifest"

# One .xo per kernel; each compile gets every kernel source, -k picks the top function.
$(XCLBIN_OUT)/%.xo: $(XCLBIN_HLS_SRCS) $(wildcard hls/*.h)
	@mkdir -p $(@D)
	$(VPP) -c -t $(TARGET) --platform $(XCLBIN_PLATFORM_NAME) -k $* -I hls \
		--temp_dir $(XCLBIN_OUT)/tmp -o $@ $(XCLBIN_HLS_SRCS)

$(XCLBIN_OUT)/ledgerline.xclbin: $(patsubst %,$(XCLBIN_OUT)/%.xo,$(XCLBIN_KERNELS)) $(XCLBIN_CFG)
	$(VPP) -l -t $(TARGET) --config $(XCLBIN_CFG) --kernel_frequency $(XCLBIN_MHZ) \
		--temp_dir $(XCLBIN_OUT)/tmp -o $@ $(filter %.xo,$^)

$(XCLBIN_OUT)/ledgerline.manifest: $(XCLBIN_OUT)/ledgerline.xclbin $(BUILD)/bitstreams/mkmanifest
	$(BUILD)/bitstreams/mkmanifest --xclbin $< --platform $(XCLBIN_PLATFORM_NAME) \
		--target $(TARGET) --clock-mhz $(XCLBIN_MHZ)
