#pragma once
// Hot-path recording: per-interval accumulators for a fixed list of metrics that are recorded
// together (one API call's metrics), without locks. Writers use a Scope, which pins the bank
// being written; the collector swaps banks and waits for the writers still in the old one, so
// every Add of one Scope lands in the same collection interval (a PutRecords call's
// TotalRecords and SuccessfulRecords are never split across two seconds).
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "metrics/stat_set.h"

namespace sluice::metrics {

class CounterSet {
 public:
  // `cells` metrics; histograms (for percentiles) are kept for cells whose flag is set and are
  // allocated on first use, so an idle set costs little.
  explicit CounterSet(std::vector<bool> histogram_cells);
  ~CounterSet();
  CounterSet(const CounterSet&) = delete;
  CounterSet& operator=(const CounterSet&) = delete;

  size_t size() const;

  class Scope {
   public:
    Scope(Scope&&) noexcept;
    ~Scope();
    // One sample of `value` for metric `cell`.
    void Add(size_t cell, int64_t value);

   private:
    friend class CounterSet;
    struct Bank;
    explicit Scope(Bank* bank) : bank_(bank) {}
    Bank* bank_;
  };
  Scope Begin();

  // Collector only (one thread at a time; never while the calling thread holds a Scope of this
  // set, which it would wait for): everything recorded since the previous Collect, one
  // StatSet per cell (empty where nothing was recorded). `scale` multiplies values as they are
  // converted (e.g. 0.001 for microseconds recorded, milliseconds reported).
  void Collect(const std::vector<double>& scale, std::vector<StatSet>* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::metrics
