//! Clinical rule sets (IMWG, CTCAE v5, staging): pure functions, no I/O.
