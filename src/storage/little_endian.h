#pragma once
// Fixed-width fields of the on-disk formats (segment, journal, manifest): little-endian, as the
// hosts sluice runs on store them, copied with memcpy so that fields need no alignment.
#include <cstring>

namespace sluice::storage {

template <typename T>
void PutFixed(char* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

template <typename T>
T GetFixed(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace sluice::storage
