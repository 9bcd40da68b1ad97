# host/bench: llbench, the benchmark harness behind `make bench`.
BINS += llbench
llbench_SRCS := host/bench/llbench.c host/bench/bench_hash.c
llbench_LDLIBS := $(LIBCRYPTO)
INTEGRATION += tests/integration/test_llbench.sh
