# dataplane/admit: the RX lcore's admission of parsed frames (clients, scheme,
# replay, rate, signature). No DPDK in it.
INCLUDE_DIRS += dataplane/admit
LIB_SRCS += dataplane/admit/ll_admit.c
UNIT_TESTS += test_ll_admit
