# tests/fakexrt: libfakexrt.so, the XRT C API over the hls/ kernels (see README.md),
# built per variant for the programs that dlopen it, and a fake card image to load.
FAKEXRT_KERNEL_SRCS := $(filter-out hls/llk_model.c,$(wildcard hls/llk_*.c))
FAKEXRT_SRCS := tests/fakexrt/fakexrt.c host/accel/ll_manifest.c host/common/ll_hex.c \
	host/common/ll_err.c \
	$(FAKEXRT_KERNEL_SRCS)
# Only the xrt* functions leave the library: the XRT headers mark them visible.
FAKEXRT_CFLAGS := -fPIC -fvisibility=hidden -I/usr/include/xrt -Ihls -Ihost/accel -Ihost/common
FAKEXRT_WARN := -Wno-unused-label

# fakexrt_rules(variant, dir, cflags): position-independent objects and the library.
define fakexrt_rules
$(2)/fakexrt/pic/%.o: %.c
	@mkdir -p $$(@D)
	@echo "  CC [$(1) pic] $$<"
	$$(Q)$$(CC) $$(CPPFLAGS) $(3) $$(FAKEXRT_CFLAGS) $$(WARN) $$(FAKEXRT_WARN) -c $$< -o $$@

# a definition with no declaration in the XRT headers is a misspelt name: refuse it
$(2)/fakexrt/pic/tests/fakexrt/fakexrt.o: FAKEXRT_WARN += -Wmissing-prototypes

$(2)/lib/libfakexrt.so: $(patsubst %.c,$(2)/fakexrt/pic/%.o,$(FAKEXRT_SRCS))
	@mkdir -p $$(@D)
	@echo "  LD [$(1)] $$@"
	$$(Q)$$(CC) $(3) -shared -Wl,-z,defs -o $$@ $$^ -lpthread

-include $$(shell find $(2)/fakexrt -name '*.d' 2>/dev/null)
endef
$(eval $(call fakexrt_rules,rel,$(BUILD),$(CFLAGS)))
$(eval $(call fakexrt_rules,asan,$(BUILD)/asan,$(ASAN_FLAGS)))

# The card image: an xclbin header with a fixed UUID, and its manifest (target fakexrt).
FAKEXRT_CARD := $(BUILD)/fakexrt/ledgerline
FAKEXRT_UUID := 4c4c2d66616b65787274000000000001
$(FAKEXRT_CARD).xclbin $(FAKEXRT_CARD).manifest &: $(BUILD)/bitstreams/mkmanifest
	@mkdir -p $(@D)
	@echo "  GEN $(FAKEXRT_CARD).xclbin"
	$(Q)$< --xclbin $(FAKEXRT_CARD).xclbin --fake-uuid $(FAKEXRT_UUID) \
		--platform fakexrt --target fakexrt

EXTRA_ALL += $(BUILD)/lib/libfakexrt.so $(FAKEXRT_CARD).xclbin $(FAKEXRT_CARD).manifest
EXTRA_TEST += $(BUILD)/asan/lib/libfakexrt.so

# test_fakexrt dlopens its variant's libfakexrt.so and loads generated card images;
# it declares the XRT functions from the real headers, as the library does.
UNIT_TESTS += test_fakexrt
$(BUILD)/obj/tests/unit/test_fakexrt.o $(BUILD)/asan/obj/tests/unit/test_fakexrt.o: \
	CPPFLAGS += -I/usr/include/xrt
$(BUILD)/tests/test_fakexrt: | $(BUILD)/lib/libfakexrt.so $(FAKEXRT_CARD).xclbin
$(BUILD)/asan/tests/test_fakexrt: | $(BUILD)/asan/lib/libfakexrt.so $(FAKEXRT_CARD).xclbin
