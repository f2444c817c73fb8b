// main() for Google Benchmark programs whose code logs an info line per
// operation (the image store, one per save): warnings only, so stdout keeps
// nothing but the results (bench/run.sh reads them as JSON).
#include <benchmark/benchmark.h>

#include "bot/core/logging.h"

int main(int argc, char** argv) {
  picbot::log::set_level("warn");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
