//! Integration tests for `tamis thread`.
