# dataplane/txgen: the packet generator. Signed frames for N clients over a UDP
# socket, a DPDK port (txgen_dp) or into a pcap, malformed frames and replays mixed in on request;
# `inspect` counts verdicts with the appliance's own parser and admission.
BINS += txgen
txgen_SRCS := dataplane/txgen/txgen.c dataplane/txgen/txgen_dp.c dataplane/dp/ll_dp.c
txgen_LDLIBS := $(LIBCRYPTO) $(DPDK_LIBS)
DPDK_OBJS_TXGEN := $(foreach d,$(BUILD) $(BUILD)/asan,$(d)/obj/dataplane/txgen/txgen_dp.o \
	$(d)/obj/dataplane/txgen/txgen.o)
$(DPDK_OBJS_TXGEN): CPPFLAGS += $(DPDK_CFLAGS)
INTEGRATION += tests/integration/test_txgen.sh tests/integration/test_lab.sh
