"""Benchmark providers the way vLLM measures itself: TTFT, ITL, TPOT, latency percentiles, throughput."""
