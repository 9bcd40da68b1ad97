# host/ledgerlined: the appliance process, with the DPDK data port (dataplane/dp)
# and the XDP filter's loader-side helpers (dataplane/bpf). DPDK code stays out of
# libledgerline, so the fuzzers and the other programs never need it.
INCLUDE_DIRS += host/ledgerlined dataplane/dp dataplane/bpf
# the settings table and the report have no DPDK in them: the library's, for
# their suites and the config fuzzer
LIB_SRCS += host/ledgerlined/ll_settings.c host/ledgerlined/ll_report.c
UNIT_TESTS += test_ll_settings test_ll_report
BINS += ledgerlined
ledgerlined_SRCS := host/ledgerlined/ledgerlined.c host/ledgerlined/ll_appliance.c \
	host/ledgerlined/ll_commands.c dataplane/dp/ll_dp.c dataplane/bpf/ll_xdp.c
ledgerlined_LDLIBS := $(DPDK_LIBS) -lbpf $(LIBCRYPTO)
DPDK_OBJS := $(foreach d,$(BUILD) $(BUILD)/asan,$(patsubst %.c,$(d)/obj/%.o,\
	host/ledgerlined/ledgerlined.c host/ledgerlined/ll_appliance.c dataplane/dp/ll_dp.c \
	host/bench/bench_ingest.c))
$(DPDK_OBJS): CPPFLAGS += $(DPDK_CFLAGS)

# The XDP filter: BPF bytecode, loaded by net_af_xdp's xdp_prog= option.
BPF_OBJ := $(BUILD)/bpf/ll_xdp_filter.o
all: $(BPF_OBJ)
$(BPF_OBJ): dataplane/bpf/ll_xdp_filter.c dataplane/bpf/ll_xdp.h
	@mkdir -p $(@D)
	@echo "  BPF $@"
	$(Q)clang -O2 -g -target bpf -I/usr/include/$(shell gcc -dumpmachine) \
		-Idataplane/bpf -Wall -Wextra -Werror -c $< -o $@
INTEGRATION += tests/integration/test_appliance.sh
INTEGRATION += tests/integration/test_rx_lcores.sh
