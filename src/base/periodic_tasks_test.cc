#include "base/periodic_tasks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

namespace sluice {
namespace {

using std::chrono::milliseconds;

// Polls (sleeping, not reading a clock) until pred holds or about `limit` has passed.
template <typename Pred>
bool Eventually(Pred pred, milliseconds limit = milliseconds(10'000)) {
  for (milliseconds waited{0}; waited < limit; waited += milliseconds(1)) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return pred();
}

// Runs tasks.Stop() on another thread; true if it returned within `limit`.
bool StopsWithin(PeriodicTasks& tasks, milliseconds limit) {
  auto done = std::async(std::launch::async, [&] { tasks.Stop(); });
  bool prompt = done.wait_for(limit) == std::future_status::ready;
  done.wait();
  return prompt;
}

TEST(PeriodicTasksTest, RunsEachTaskRepeatedly) {
  PeriodicTasks tasks;
  std::atomic<int> a{0}, b{0};
  tasks.Add("a", milliseconds(1), [&] {
    ++a;
    return Status::Ok();
  });
  tasks.Add("b", milliseconds(2), [&] {
    ++b;
    return Status::Ok();
  });
  EXPECT_TRUE(Eventually([&] { return a >= 3 && b >= 3; }));
  tasks.Stop();
  int after_stop = a.load();
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(a.load(), after_stop);  // nothing runs once Stop returned
}

TEST(PeriodicTasksTest, FirstRunWaitsOneInterval) {
  PeriodicTasks tasks;
  std::atomic<int> runs{0};
  tasks.Add("hourly", milliseconds(3'600'000), [&] {
    ++runs;
    return Status::Ok();
  });
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(runs.load(), 0);
  EXPECT_TRUE(StopsWithin(tasks, milliseconds(5000)));
  EXPECT_EQ(runs.load(), 0);
}

TEST(PeriodicTasksTest, StopDoesNotWaitOutTheInterval) {
  PeriodicTasks tasks;
  for (const char* name : {"a", "b", "c"}) tasks.Add(name, milliseconds(3'600'000), [] { return Status::Ok(); });
  EXPECT_TRUE(StopsWithin(tasks, milliseconds(5000)));
}

TEST(PeriodicTasksTest, StopWaitsForARunInProgress) {
  PeriodicTasks tasks;
  std::atomic<bool> started{false}, release{false}, finished{false};
  tasks.Add("slow", milliseconds(1), [&] {
    if (started.exchange(true)) return Status::Ok();
    while (!release) std::this_thread::sleep_for(milliseconds(1));
    finished = true;
    return Status::Ok();
  });
  ASSERT_TRUE(Eventually([&] { return started.load(); }));
  auto stop = std::async(std::launch::async, [&] { tasks.Stop(); });
  EXPECT_EQ(stop.wait_for(milliseconds(50)), std::future_status::timeout);
  release = true;
  stop.wait();
  EXPECT_TRUE(finished.load());
}

TEST(PeriodicTasksTest, FailingTaskIsLoggedAndKeepsRunning) {
  testing::internal::CaptureStderr();
  std::atomic<int> runs{0};
  {
    PeriodicTasks tasks;
    tasks.Add("flaky", milliseconds(1), [&] {
      ++runs;
      return Status(Errc::kIoError, "disk on fire");
    });
    EXPECT_TRUE(Eventually([&] { return runs >= 2; }));
  }  // the destructor stops
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("\"task\":\"flaky\""), std::string::npos) << err;
  EXPECT_NE(err.find("disk on fire"), std::string::npos) << err;
}

TEST(PeriodicTasksTest, AddAfterStopIsIgnoredAndStopIsIdempotent) {
  PeriodicTasks tasks;
  tasks.Stop();
  std::atomic<int> runs{0};
  tasks.Add("late", milliseconds(1), [&] {
    ++runs;
    return Status::Ok();
  });
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(runs.load(), 0);
  tasks.Stop();
}

}  // namespace
}  // namespace sluice
