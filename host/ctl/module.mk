# host/ctl: ledgerctl, the operator's CLI over the admin socket (host/admin).
# ll_ctl (the connection, replies read by path, formats) is in the library so
# that its suite can link it.
INCLUDE_DIRS += host/ctl
LIB_SRCS += host/ctl/ll_ctl.c
UNIT_TESTS += test_ll_ctl
BINS += ledgerctl
ledgerctl_SRCS := host/ctl/ledgerctl.c
ledgerctl_LDLIBS := -lm
INTEGRATION += tests/integration/test_admin.sh
