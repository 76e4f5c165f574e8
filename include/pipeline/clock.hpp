#pragma once
// clock: where time enters the executor. The real clock reads steady_clock and arms
// libuv timers on the run's loop; unit tests use a fake whose time moves only when
// the test says so, so retries, timeouts and "still running" are tested in
// milliseconds.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

struct uv_loop_s;

namespace pipeline {

using TimePoint = std::chrono::steady_clock::time_point;

// A one-shot timer. Destroying it stops it; its callback never runs afterwards.
class ClockTimer {
public:
  virtual ~ClockTimer() = default;
  // (Re)arms the timer: `fire` runs once, from the loop, `after` from now.
  virtual void start(std::chrono::milliseconds after, std::function<void()> fire) = 0;
  virtual void stop() = 0;
};

class Clock {
public:
  virtual ~Clock() = default;
  // Monotonic time, for durations and deadlines.
  virtual TimePoint now() const = 0;
  // Wall-clock time as milliseconds since the Unix epoch, for reports and logs.
  virtual std::int64_t wall_ms() const = 0;
  virtual std::unique_ptr<ClockTimer> make_timer() = 0;
};

// The real clock; its timers are libuv timers on `loop`, which must outlive them.
std::unique_ptr<Clock> make_uv_clock(uv_loop_s* loop);

}  // namespace pipeline
