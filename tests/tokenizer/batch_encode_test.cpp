// parallel_for: every index exactly once on any thread count, and an exception thrown on a
// worker thread reaches the caller (it used to end the process through std::terminate).
#include "tests/catch.h"

#include <atomic>
#include <stdexcept>
#include <vector>

#include "tokenizer/batch_encode.h"

using roberta::tokenizer::parallel_for;

TEST_CASE("parallel_for covers every index once", "[tokenizer][threads]") {
  for (int threads : {1, 2, 4}) {
    std::vector<std::atomic<int>> seen(10007);
    parallel_for(seen.size(), threads, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) seen[i]++;
    });
    int wrong = 0;
    for (auto& count : seen) wrong += count.load() != 1;
    CHECK(wrong == 0);
  }
}

TEST_CASE("parallel_for: an exception on any thread reaches the caller, the others stop", "[tokenizer][threads]") {
  for (int threads : {1, 2, 4}) {
    std::atomic<size_t> done{0};
    CHECK_THROWS_WITH(parallel_for(100000, threads,
                                   [&](size_t begin, size_t end) {
                                     if (begin <= 5000 && 5000 < end) throw std::runtime_error("line 5001 is bad");
                                     done += end - begin;
                                   }),
                      "line 5001 is bad");
    CHECK(done.load() < 100000);  // the hand-out stopped
  }
}
