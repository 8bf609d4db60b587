"""Reproducible benchmarks at national scale (not tests): `bench.generate` fills PostgreSQL,
`bench.run` measures, `bench/run_all.sh` does both on a throwaway cluster. See
docs/performance.md."""
