# dataplane/wire: the wire format (frames in, receipts out). No DPDK in it, so it
# is tested and fuzzed alone; the RX lcores and txgen build on it.
INCLUDE_DIRS += dataplane/wire
LIB_SRCS += dataplane/wire/ll_wire.c
UNIT_TESTS += test_ll_wire
