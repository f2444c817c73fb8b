// TaskBoard: the task states behind the fakes of asynchronous image APIs
// (DashScope, ModelScope). A submit creates a task with a fate; each poll of
// it answers "running" for the first running_polls polls (or for as long as
// the board is held), then the fate. Test-only.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace picbot::testing {

enum class TaskFate {
  kSucceeded,         // the image is ready
  kFailed,            // the task failed (an internal error upstream)
  kFailedModeration,  // the task failed: the output did not pass moderation
  kCanceled,          // canceled upstream (DashScope)
};

class TaskBoard {
 public:
  struct Poll {
    bool known = false;    // false: no such task
    bool running = false;  // still pending/running
    int polls = 0;         // polls of this task so far, this one included
    TaskFate fate = TaskFate::kSucceeded;
  };

  // Polls answered "running" before a task's fate (the first one "pending").
  void set_running_polls(int polls) {
    std::lock_guard lock(mutex_);
    running_polls_ = polls;
  }
  // The fate of the tasks created from now on.
  void set_fate(TaskFate fate) {
    std::lock_guard lock(mutex_);
    fate_ = fate;
  }
  // While held, every task answers "running".
  void hold(bool held) {
    std::lock_guard lock(mutex_);
    held_ = held;
  }

  // A new task's id.
  std::string create() {
    std::lock_guard lock(mutex_);
    const std::string id = "task-" + std::to_string(tasks_.size() + 1) + "-7f3c";
    tasks_[id] = Task{0, fate_};
    return id;
  }

  Poll poll(const std::string& id) {
    std::lock_guard lock(mutex_);
    ++poll_count_;
    const auto it = tasks_.find(id);
    if (it == tasks_.end()) return Poll{};
    Task& task = it->second;
    ++task.polls;
    return Poll{true, held_ || task.polls <= running_polls_, task.polls, task.fate};
  }

  std::size_t task_count() const {
    std::lock_guard lock(mutex_);
    return tasks_.size();
  }
  std::size_t poll_count() const {
    std::lock_guard lock(mutex_);
    return poll_count_;
  }

 private:
  struct Task {
    int polls = 0;
    TaskFate fate = TaskFate::kSucceeded;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Task> tasks_;
  int running_polls_ = 2;
  TaskFate fate_ = TaskFate::kSucceeded;
  bool held_ = false;
  std::size_t poll_count_ = 0;
};

}  // namespace picbot::testing
