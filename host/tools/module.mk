# host/tools: offline tools for auditors. llmerkle builds, proves and verifies
# RFC 9162 tree heads and proofs from records or digests on stdin.
# llmerkle and llaudit share ll_tool_cli, their command-line machinery.
BINS += llmerkle
llmerkle_SRCS := host/tools/llmerkle.c host/tools/ll_tool_cli.c
# llstress is the crash driver: random records through the solo loop, each txid
# listed in a side file once durable; --check proves nothing listed was lost.
BINS += llstress
llstress_SRCS := host/tools/llstress.c
# llaudit is the auditor's offline look at a ledger directory: verify it all,
# show the tip or a block, prove a txid into its block and the ledger-wide log.
BINS += llaudit
llaudit_SRCS := host/tools/llaudit.c host/tools/ll_tool_cli.c
