"""Results: the data set, exports, tables (issue 6)."""
