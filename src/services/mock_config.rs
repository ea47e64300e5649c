//! AWS Step Functions Local MockConfigFile backend (`--mock-config FILE --test-case NAME`).
//! Owned by the interpreter work (issue 3).
