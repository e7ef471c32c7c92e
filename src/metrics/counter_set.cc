// Two banks of cells; writers pin the active bank with an in-flight count, the collector flips
// the active bank and waits for the old bank's counts to drain before reading and resetting it.
// The pin is a Dekker-style handshake (writer: count++ then re-read active; collector: flip
// active then read count), so both sides use sequentially consistent operations.
#include "metrics/counter_set.h"

#include <cmath>
#include <limits>
#include <thread>

namespace sluice::metrics {
namespace {

// Histogram buckets use Sketch's keys. Integer samples of magnitude 1..2^63 have sketch indices
// 0..~2200; they live in lazily allocated pages of counters so a histogram that only ever sees
// values in a narrow range (latencies) allocates one or two pages.
constexpr int32_t kPageSize = 128;
constexpr int32_t kPages = 18;            // 18 × 128 = 2304 indices ≥ the index of 2^63
constexpr int32_t kSignOffset = 1 << 20;  // Sketch's key of a positive value is kSignOffset + index

struct Page {
  std::atomic<uint64_t> counts[kPageSize] = {};
};

struct Histogram {
  std::atomic<uint64_t> zero{0};
  std::atomic<Page*> pos[kPages] = {};
  std::atomic<Page*> neg[kPages] = {};

  ~Histogram() {
    for (int i = 0; i < kPages; ++i) {
      delete pos[i].load();
      delete neg[i].load();
    }
  }

  static std::atomic<uint64_t>* Slot(std::atomic<Page*>* pages, int32_t index) {
    const int32_t p = index / kPageSize;
    Page* page = pages[p].load(std::memory_order_acquire);
    if (page == nullptr) {
      auto* fresh = new Page();
      if (pages[p].compare_exchange_strong(page, fresh, std::memory_order_acq_rel)) {
        page = fresh;
      } else {
        delete fresh;  // another writer won; `page` holds its page
      }
    }
    return &page->counts[index % kPageSize];
  }

  void Add(int64_t value) {
    if (value == 0) {
      zero.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const int32_t key = Sketch::KeyOf(static_cast<double>(value));
    const int32_t index = (key > 0 ? key : -key) - kSignOffset;  // ≥ 0 for |value| ≥ 1
    Slot(key > 0 ? pos : neg, index)->fetch_add(1, std::memory_order_relaxed);
  }

  // Moves the counts into `out` (scaled) and zeroes them.
  void Drain(double scale, Sketch* out) {
    if (uint64_t z = zero.exchange(0, std::memory_order_relaxed)) out->AddKey(0, z);
    for (int sign = 0; sign < 2; ++sign) {
      std::atomic<Page*>* pages = sign == 0 ? pos : neg;
      for (int32_t p = 0; p < kPages; ++p) {
        Page* page = pages[p].load(std::memory_order_acquire);
        if (page == nullptr) continue;
        for (int32_t i = 0; i < kPageSize; ++i) {
          const uint64_t c = page->counts[i].exchange(0, std::memory_order_relaxed);
          if (c == 0) continue;
          const int32_t key = kSignOffset + p * kPageSize + i;
          const int32_t signed_key = sign == 0 ? key : -key;
          if (scale == 1.0) {
            out->AddKey(signed_key, c);  // same buckets: exact
          } else {
            out->Add(Sketch::ValueOfKey(signed_key) * scale, c);
          }
        }
      }
    }
  }
};

struct Cell {
  std::atomic<int64_t> count{0};
  std::atomic<int64_t> sum{0};
  std::atomic<int64_t> min{std::numeric_limits<int64_t>::max()};
  std::atomic<int64_t> max{std::numeric_limits<int64_t>::min()};
  std::unique_ptr<Histogram> hist;  // set at construction for histogram cells; never replaced
};

}  // namespace

// One stripe of one bank. Threads are spread over kStripes stripes so concurrent writers of a
// hot set (one stream's PutRecords on several I/O threads) mostly touch different cache lines;
// a stripe's cells are allocated when a thread first writes through it.
struct CounterSet::Scope::Bank {
  alignas(64) std::atomic<int64_t> writers{0};
  std::atomic<Cell*> cells{nullptr};
  size_t size = 0;
};

namespace {

constexpr int kStripes = 4;

int ThreadStripe() {
  static std::atomic<int> next{0};
  thread_local const int stripe = next.fetch_add(1, std::memory_order_relaxed) % kStripes;
  return stripe;
}

}  // namespace

struct CounterSet::Impl {
  Scope::Bank banks[2][kStripes];
  std::atomic<int> active{0};
  std::vector<bool> histogram_cells;

  ~Impl() {
    for (auto& bank : banks) {
      for (Scope::Bank& stripe : bank) delete[] stripe.cells.load();
    }
  }

  Cell* Cells(Scope::Bank* stripe) {
    Cell* cells = stripe->cells.load(std::memory_order_acquire);
    if (cells != nullptr) return cells;
    auto* fresh = new Cell[histogram_cells.size()];
    for (size_t i = 0; i < histogram_cells.size(); ++i) {
      if (histogram_cells[i]) fresh[i].hist = std::make_unique<Histogram>();
    }
    if (stripe->cells.compare_exchange_strong(cells, fresh, std::memory_order_acq_rel)) return fresh;
    delete[] fresh;  // another writer of this stripe won; `cells` holds its array
    return cells;
  }
};

CounterSet::CounterSet(std::vector<bool> histogram_cells) : impl_(std::make_unique<Impl>()) {
  for (auto& bank : impl_->banks) {
    for (Scope::Bank& stripe : bank) stripe.size = histogram_cells.size();
  }
  impl_->histogram_cells = std::move(histogram_cells);
}

CounterSet::~CounterSet() = default;

size_t CounterSet::size() const { return impl_->histogram_cells.size(); }

CounterSet::Scope CounterSet::Begin() {
  const int s = ThreadStripe();
  while (true) {
    const int b = impl_->active.load(std::memory_order_seq_cst);
    Scope::Bank* stripe = &impl_->banks[b][s];
    stripe->writers.fetch_add(1, std::memory_order_seq_cst);
    if (impl_->active.load(std::memory_order_seq_cst) == b) {
      impl_->Cells(stripe);  // allocated before the Scope's Adds (a no-op after the first use)
      return Scope(stripe);
    }
    // The collector flipped banks between our read and our pin: unpin and use the new bank.
    stripe->writers.fetch_sub(1, std::memory_order_release);
  }
}

CounterSet::Scope::Scope(Scope&& other) noexcept : bank_(other.bank_) { other.bank_ = nullptr; }

CounterSet::Scope::~Scope() {
  if (bank_ != nullptr) bank_->writers.fetch_sub(1, std::memory_order_release);
}

void CounterSet::Scope::Add(size_t cell, int64_t value) {
  if (bank_ == nullptr || cell >= bank_->size) return;
  Cell& c = bank_->cells.load(std::memory_order_relaxed)[cell];  // set by Begin on this thread or earlier
  c.count.fetch_add(1, std::memory_order_relaxed);
  c.sum.fetch_add(value, std::memory_order_relaxed);
  int64_t cur = c.min.load(std::memory_order_relaxed);
  while (value < cur && !c.min.compare_exchange_weak(cur, value, std::memory_order_relaxed)) {}
  cur = c.max.load(std::memory_order_relaxed);
  while (value > cur && !c.max.compare_exchange_weak(cur, value, std::memory_order_relaxed)) {}
  if (c.hist) c.hist->Add(value);
}

void CounterSet::Collect(const std::vector<double>& scale, std::vector<StatSet>* out) {
  const int old = impl_->active.load(std::memory_order_relaxed);  // only the collector writes it
  impl_->active.store(1 - old, std::memory_order_seq_cst);
  // Writers still in the old bank finish within one Scope (a handful of atomic adds).
  for (Scope::Bank& stripe : impl_->banks[old]) {
    while (stripe.writers.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  }
  std::atomic_thread_fence(std::memory_order_acquire);

  const size_t n = impl_->histogram_cells.size();
  out->clear();
  out->resize(n);
  for (Scope::Bank& stripe : impl_->banks[old]) {
    Cell* cells = stripe.cells.load(std::memory_order_acquire);
    if (cells == nullptr) continue;
    for (size_t i = 0; i < n; ++i) {
      Cell& c = cells[i];
      const int64_t count = c.count.exchange(0, std::memory_order_relaxed);
      const int64_t sum = c.sum.exchange(0, std::memory_order_relaxed);
      const int64_t mn = c.min.exchange(std::numeric_limits<int64_t>::max(), std::memory_order_relaxed);
      const int64_t mx = c.max.exchange(std::numeric_limits<int64_t>::min(), std::memory_order_relaxed);
      if (count == 0) continue;
      const double k = i < scale.size() ? scale[i] : 1.0;
      StatSet part;
      part.sample_count = static_cast<double>(count);
      part.sum = static_cast<double>(sum) * k;
      part.min = static_cast<double>(mn) * k;
      part.max = static_cast<double>(mx) * k;
      if (k < 0) std::swap(part.min, part.max);
      if (c.hist) c.hist->Drain(k, &part.sketch);
      (*out)[i].Merge(part);
    }
  }
}

}  // namespace sluice::metrics
