# tests/unit: one cmocka suite per module; each module.mk names its suites in
# UNIT_TESTS, built from tests/unit/<name>.c (or <name>_SRC when set). ll_test_util.h is shared test code.
INCLUDE_DIRS += tests/unit
