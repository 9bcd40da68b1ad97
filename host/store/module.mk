# host/store: the ledger's LMDB store (one environment, named databases, one
# write transaction per block). LMDB is linked into every program and test.
INCLUDE_DIRS += host/store
LIB_SRCS += host/store/ll_store.c host/store/ll_store_log.c host/store/ll_store_txindex.c host/store/ll_store_clients.c
UNIT_TESTS += test_ll_store
LDLIBS_LIB += $(shell $(PKG_CONFIG) --libs lmdb 2>/dev/null || echo -llmdb)
