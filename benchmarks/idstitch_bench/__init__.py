"""The modules of benchmarks/bench.py (see its docstring for what the benchmark does)."""
