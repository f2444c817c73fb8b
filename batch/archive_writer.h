// Packs a batch's output folder into archive.zip or archive.tar with
// libarchive: successful/, failed/ and metadata/, paths relative to the
// output folder. The archive is written to a temporary name and renamed, so
// a stopped run never leaves half an archive under the final name.
// Blocking disk I/O: call on the WorkerPool or after the event loop ended.
#pragma once

#include <filesystem>

#include "batch/batch_options.h"
#include "bot/core/result.h"

namespace picbot::batch {

// The archive's path for format (REQUIRES: not kNone): <output>/archive.zip or .tar.
std::filesystem::path archive_path(const std::filesystem::path& output, ArchiveFormat format);

// Writes the archive. "io" with libarchive's message on failure.
Status write_archive(const std::filesystem::path& output, ArchiveFormat format);

}  // namespace picbot::batch
