// Test helper: world_size ranks as threads of this process, each with its own c10d
// communicator (TCPStore + ProcessGroupGloo on 127.0.0.1, a free port). Catch2 assertions
// are not thread-safe, so bodies record results and the test checks them afterwards.
#pragma once

#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "roberta/dist/c10d_communicator.h"
#include "roberta/dist/communicator.h"
#include "roberta/dist/launcher.h"

namespace roberta::test {

inline void run_ranks(int world_size, DistOptions options,
                      const std::function<void(Communicator&)>& body, bool final_barrier = true) {
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
        // As a trainer ends (the destructor would do it too, but silently).
        if (final_barrier) dynamic_cast<C10dCommunicator&>(*communicator).shutdown();
      } catch (...) {
        errors[static_cast<size_t>(r)] = std::current_exception();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // Every rank's error: the first rank's is often only the echo of another rank's failure.
  std::string messages;
  for (int r = 0; r < world_size; r++) {
    if (!errors[static_cast<size_t>(r)]) continue;
    try {
      std::rethrow_exception(errors[static_cast<size_t>(r)]);
    } catch (const std::exception& e) {
      messages += "rank " + std::to_string(r) + ": " + e.what() + "\n";
    }
  }
  if (!messages.empty()) throw std::runtime_error(messages);
}

}  // namespace roberta::test
