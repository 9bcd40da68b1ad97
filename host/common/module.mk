# host/common: logging, errors, clocks, hex, listening sockets.
INCLUDE_DIRS += host/common
LIB_SRCS += host/common/ll_log.c host/common/ll_err.c host/common/ll_time.c host/common/ll_hex.c host/common/ll_token_bucket.c host/common/ll_net.c
UNIT_TESTS += test_ll_common
