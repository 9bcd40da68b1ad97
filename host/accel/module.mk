# host/accel: the accelerator backends behind ll_accel.h (cpu, hlsemu, xrt) and
# ll_manifest, the reader of the manifest an xclbin ships with.
INCLUDE_DIRS += host/accel
LIB_SRCS += host/accel/ll_manifest.c host/accel/ll_accel.c host/accel/ll_accel_hlsemu.c \
	    host/accel/ll_accel_xrt.c
UNIT_TESTS += test_ll_manifest test_ll_accel
# the XRT headers (Debian's xrt.pc is broken) for the one object that calls XRT
$(BUILD)/obj/host/accel/ll_accel_xrt.o $(BUILD)/asan/obj/host/accel/ll_accel_xrt.o: \
	CPPFLAGS += -I/usr/include/xrt
INTEGRATION += tests/integration/test_accel.sh
# test_ll_accel and test_ll_solo drive the xrt backend over their variant's tests/fakexrt
$(BUILD)/tests/test_ll_accel $(BUILD)/tests/test_ll_solo: | $(BUILD)/lib/libfakexrt.so
$(BUILD)/asan/tests/test_ll_accel $(BUILD)/asan/tests/test_ll_solo: | $(BUILD)/asan/lib/libfakexrt.so
# the fuzzers compile every library source in one clang command
$(BUILD)/fuzz/%: CPPFLAGS += -I/usr/include/xrt
