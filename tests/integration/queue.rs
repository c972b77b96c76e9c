//! Integration tests for `tamis queue`.
