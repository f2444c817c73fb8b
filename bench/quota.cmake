# quota_bench: reserve+commit throughput of the quota ledger (bot/quota).
picbot_benchmark(quota_bench SOURCES quota_bench.cpp DEPS picbot_quota)
