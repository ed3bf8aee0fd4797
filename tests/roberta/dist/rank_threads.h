// Test helper: world_size ranks as threads of this process, each with its own c10d
// communicator (TCPStore + ProcessGroupGloo on 127.0.0.1, a free port). Catch2 assertions
// are not thread-safe, so bodies record results and the test checks them afterwards.
#pragma once

#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "roberta/dist/communicator.h"
#include "roberta/dist/launcher.h"

namespace roberta::test {

inline void run_ranks(int world_size, DistOptions options,
                      const std::function<void(Communicator&)>& body) {
  options.backend = "gloo";
  int port = find_free_port();
  std::vector<std::exception_ptr> errors(static_cast<size_t>(world_size));
  std::vector<std::thread> threads;
  for (int r = 0; r < world_size; r++) {
    threads.emplace_back([&, r] {
      try {
        DistEnvironment env;
        env.rank = r;
        env.local_rank = r;
        env.world_size = world_size;
        env.master_port = port;
        env.source = "test";
        auto communicator = make_communicator(options, env);
        body(*communicator);
      } catch (...) {
        errors[static_cast<size_t>(r)] = std::current_exception();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace roberta::test
