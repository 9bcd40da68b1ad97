# host/bench: llbench, the benchmark harness behind `make bench`.
BINS += llbench
llbench_SRCS := host/bench/llbench.c host/bench/bench_hash.c host/bench/bench_commit.c host/bench/bench_sig.c
llbench_LDLIBS := $(LIBCRYPTO) $(shell $(PKG_CONFIG) --libs lmdb 2>/dev/null || echo -llmdb)
INTEGRATION += tests/integration/test_llbench.sh
