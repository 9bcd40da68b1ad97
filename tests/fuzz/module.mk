# tests/fuzz: libFuzzer harnesses for parsers of outside input, built by clang
# from tests/fuzz/<name>.c and every library source; seeds in corpus/<name>/.
FUZZERS += fuzz_merkle_proof fuzz_wire
FUZZERS += fuzz_manifest
FUZZERS += fuzz_admin fuzz_config
