//! Integration tests for `tamis score`.
