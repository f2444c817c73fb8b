# quota_bench: reserve+commit throughput of the drawing-quota store.
picbot_benchmark(quota_bench SOURCES quota_bench.cpp DEPS gemini_quota)
