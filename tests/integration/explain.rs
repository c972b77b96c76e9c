//! Integration tests for `tamis explain`.
