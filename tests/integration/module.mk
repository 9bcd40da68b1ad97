# tests/integration: scripts run from the repo root as `script <bindir>` against
# build/bin and build/asan/bin; each prints "ok - ..." lines and a final tally.
INTEGRATION += tests/integration/test_llmerkle.sh
INTEGRATION += tests/integration/test_ledger_crash.sh
INTEGRATION += tests/integration/test_llaudit.sh
INTEGRATION += tests/integration/test_xclbin.sh
