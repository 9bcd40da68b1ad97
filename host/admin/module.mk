# host/admin: the admin socket (JSON lines over Unix and TCP, its own thread),
# used by ledgerlined; ledgerctl is its client.
INCLUDE_DIRS += host/admin
LIB_SRCS += host/admin/ll_admin.c host/admin/ll_metrics.c
UNIT_TESTS += test_ll_admin test_ll_metrics
