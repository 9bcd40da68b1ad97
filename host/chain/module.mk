# host/chain: the block format and the ledger-wide log (RFC 9162 over every tx).
INCLUDE_DIRS += host/chain
LIB_SRCS += host/chain/ll_block.c host/chain/ll_ledger_log.c host/chain/ll_chain.c host/chain/ll_solo.c host/chain/ll_replay.c host/chain/ll_replay_book.c
UNIT_TESTS += test_ll_block test_ll_ledger_log test_ll_chain test_ll_solo test_ll_replay test_ll_replay_book
