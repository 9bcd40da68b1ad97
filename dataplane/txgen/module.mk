# dataplane/txgen: the packet generator. Signed frames for N clients over a UDP
# socket or into a pcap, malformed frames and replays mixed in on request;
# `inspect` counts verdicts with the appliance's own parser and admission.
BINS += txgen
txgen_SRCS := dataplane/txgen/txgen.c
txgen_LDLIBS := $(LIBCRYPTO)
INTEGRATION += tests/integration/test_txgen.sh tests/integration/test_lab.sh
