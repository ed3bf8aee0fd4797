// The sample plan of a single-segment format (FULL-SENTENCES, DOC-SENTENCES), kept beside the
// shards so that a start maps it instead of scanning every shard's sentence index:
// <dataset>/plans/<format>-<seq_len>.plan, written the first time a plan is built (by any rank:
// each writes a private temporary file and renames it, so concurrent writers are harmless).
//
// File (little-endian): a 64-byte PlanCacheHeader, the CRC-32C of each block of 1,024 records
// (padded to 8 bytes), then the 40-byte Sample records. Opening checks the header against the
// dataset (its identity: every shard's index CRC and counts), the format and seq_len, the file
// size and the CRC table's own CRC, and maps the records without reading them, so it costs the
// same for any corpus size; each block of records is checked the first time one is read. A file
// that does not match is ignored and rebuilt (it is derived data); a record block that fails its
// CRC later is an error naming the file, like a damaged shard block, never a wrong batch. A
// dataset directory that cannot be written to just rebuilds the plan at every start.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/formats/sample_plan.h"

namespace roberta::data {

std::string plan_cache_path(const Dataset& dataset, const FormatOptions& options);
// Maps the cached samples into `samples`, or returns false when there is no valid cache for
// this dataset and format.
bool read_plan_cache(const Dataset& dataset, const FormatOptions& options, Samples& samples);
// Best effort: returns false (and leaves nothing behind) when the file cannot be written.
bool write_plan_cache(const Dataset& dataset, const FormatOptions& options, const std::vector<Sample>& samples);

}  // namespace roberta::data
