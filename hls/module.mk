# hls: the FPGA kernels (see hls/README.md). The kernel sources also go into the
# library, so the hlsemu backend runs the very C that Vitis HLS synthesizes.
INCLUDE_DIRS += hls
LIB_SRCS += hls/llk_sha256.c hls/llk_sm3.c hls/llk_leaves.c hls/llk_merkle.c hls/llk_model.c
# Kernel loops carry labels for the synthesis reports; nothing jumps to them.
# The fuzzers compile every library source in one clang command, so they need it too.
$(BUILD)/obj/hls/%.o $(BUILD)/asan/obj/hls/%.o $(BUILD)/fuzz/%: WARN += -Wno-unused-label
# tb_llk: the kernels' C simulation, a cmocka suite like the unit tests.
UNIT_TESTS += tb_llk
tb_llk_SRC := hls/tb/tb_llk.c
# llk_model prints the cycle model's table in hls/README.md.
BINS += llk_model
llk_model_SRCS := hls/tb/llk_model_table.c
