// Runs the Python scripts some tests use as independent oracles (botocore's
// signer, boto3 reading back what picbot uploaded). They need Debian's own
// python3 with its python3-botocore / python3-boto3 packages, which is
// /usr/bin/python3 even when another python3 comes first in PATH.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "bot/core/result.h"

namespace picbot::testing {

// /usr/bin/python3 when it exists, else "python3" (looked up in PATH).
std::string debian_python();

// True when debian_python() can import `module` (e.g. "botocore").
bool python_has_module(const std::string& module);

// Runs debian_python() with script and args; the script's merged output when
// it exits 0 before the deadline, else an error holding that output.
Result<std::string> run_python(const std::filesystem::path& script, const std::vector<std::string>& args,
                               std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace picbot::testing
