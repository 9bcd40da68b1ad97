# host/tools: offline tools for auditors. llmerkle builds, proves and verifies
# RFC 9162 tree heads and proofs from records or digests on stdin.
BINS += llmerkle
llmerkle_SRCS := host/tools/llmerkle.c
