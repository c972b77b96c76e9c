//! Integration tests for `tamis train`.
