//! Reply and quote links -> tree. (stub)
