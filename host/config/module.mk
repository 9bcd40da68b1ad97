# host/config: INI configuration read against a program's table of keys (inih).
INCLUDE_DIRS += host/config
LIB_SRCS += host/config/ll_config.c
UNIT_TESTS += test_ll_config
