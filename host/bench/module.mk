# host/bench: llbench, the benchmark harness behind `make bench`.
BINS += llbench
# ingest drives an RX loop on a DPDK port in-process; e2e runs ledgerlined and txgen.
llbench_SRCS := host/bench/llbench.c host/bench/bench_hash.c host/bench/bench_commit.c \
	host/bench/bench_sig.c host/bench/bench_accel.c host/bench/bench_ingest.c host/bench/bench_e2e.c dataplane/dp/ll_dp.c
llbench_LDLIBS := $(LIBCRYPTO) $(shell $(PKG_CONFIG) --libs lmdb 2>/dev/null || echo -llmdb) \
	$(DPDK_LIBS)
INTEGRATION += tests/integration/test_llbench.sh
