"""Benchmarks: rakortek against the bare engine, and cycles at national and regency scale."""
