#pragma once
// ScanSegment and ScanResult (recovery's scan of a segment) live with the one frame reader.
#include "storage/frame_reader.h"  // IWYU pragma: export
