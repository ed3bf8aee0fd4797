// The one torch-using file of the reliability tests: verifies a checkpoint exactly as a resume
// does (CheckpointReader::open with every file's size and CRC-32C checked).
#include "roberta/train/checkpoint.h"
#include "tests/reliability/harness.h"
#include "util/error.h"

namespace roberta::reliability {

std::string verify_checkpoint(const fs::path& dir) {
  try {
    CheckpointReader::open(dir.string(), /*verify_checksums=*/true);
    return "";
  } catch (const roberta::Error& e) {
    return e.what();
  }
}

}  // namespace roberta::reliability
