//! Output side: score lines (table, JSONL, CSV) and the review queue (CSV, JSONL, HTML). (stub)
