//! Training (native only).
