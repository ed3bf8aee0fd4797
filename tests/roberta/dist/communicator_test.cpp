// Collectives of two Gloo ranks on loopback against hand-computed values, and the
// single-process communicator.
#include <ATen/ATen.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>

#include "roberta/dist/single_process_communicator.h"
#include "rank_threads.h"

// After the torch headers: glog (via c10) defines its own CHECK.
#undef CHECK
#include "tests/catch.h"
#include "util/error.h"

using roberta::Communicator;
using roberta::DistOptions;
using roberta::test::run_ranks;

TEST_CASE("single process: collectives are the identity", "[dist]") {
  DistOptions options;
  roberta::DistEnvironment env;  // world size 1
  auto communicator = roberta::make_communicator(options, env);
  CHECK(communicator->backend() == "single");
  CHECK(communicator->rank() == 0);
  CHECK(communicator->world_size() == 1);
  CHECK(communicator->is_main());
  auto t = at::tensor({1.5, -2.0}, at::kDouble);
  communicator->all_reduce_sum(t);
  communicator->broadcast({t});
  communicator->barrier();
  CHECK(t[0].item<double>() == 1.5);
  CHECK(t[1].item<double>() == -2.0);
}

TEST_CASE("options are checked", "[dist]") {
  roberta::DistEnvironment env;
  DistOptions options;
  options.backend = "mpi";
  CHECK_THROWS_WITH(roberta::make_communicator(options, env), Catch::Matchers::ContainsSubstring("dist.backend") && Catch::Matchers::ContainsSubstring("mpi"));
  options.backend = "auto";
  options.bucket_mb = 0;
  CHECK_THROWS_WITH(roberta::make_communicator(options, env), Catch::Matchers::ContainsSubstring("dist.bucket_mb"));
}

TEST_CASE("two gloo ranks: broadcast from rank 0 and all_reduce_sum", "[dist]") {
  std::vector<std::vector<double>> broadcasted(2), reduced(2);
  std::vector<std::string> backends(2);
  DistOptions options;
  options.timeout_s = 30;
  run_ranks(2, options, [&](Communicator& communicator) {
    int r = communicator.rank();
    backends[r] = communicator.backend();
    auto a = at::full({3}, 10.0 * (r + 1), at::kDouble);  // rank 0: 10s, rank 1: 20s
    auto b = at::arange(4, at::kFloat).reshape({2, 2}) + r;
    communicator.broadcast({a, b});
    broadcasted[r] = {a[0].item<double>(), a[2].item<double>(), b[1][1].item<double>()};
    auto count = at::full({}, 3 + 4 * r, at::kLong);  // masked-token counts 3 and 7
    auto loss = at::tensor({0.25 * (r + 1), -1.0}, at::kFloat);
    communicator.all_reduce_sum({count, loss});
    communicator.barrier();
    reduced[r] = {static_cast<double>(count.item<int64_t>()), loss[0].item<double>(), loss[1].item<double>()};
  });
  for (int r = 0; r < 2; r++) {
    CHECK(backends[r] == "gloo");
    CHECK(broadcasted[r] == std::vector<double>{10.0, 10.0, 3.0});
    CHECK(reduced[r] == std::vector<double>{10.0, 0.75, -2.0});
  }
}

TEST_CASE("two gloo ranks: bucketed gradient all-reduce is the exact sum", "[dist]") {
  // Small integer-valued gradients of several shapes and dtypes: sums are exact in floating
  // point, so the check is equality. A tiny bucket forces many buckets.
  DistOptions options;
  options.bucket_mb = 64.0 / (1024 * 1024);  // 64 bytes
  options.overlap = false;
  std::vector<std::vector<at::Tensor>> grads(2);
  run_ranks(2, options, [&](Communicator& communicator) {
    int r = communicator.rank();
    std::vector<at::Tensor> params = {
        at::zeros({5, 3}, at::kFloat).requires_grad_(), at::zeros({7}, at::kFloat).requires_grad_(),
        at::zeros({2, 2, 2}, at::kDouble).requires_grad_(), at::zeros({40}, at::kFloat).requires_grad_()};
    for (size_t i = 0; i < params.size(); i++) {
      params[i].mutable_grad() = (at::arange(params[i].numel(), params[i].options().requires_grad(false)) * (r + 1) + 100.0 * static_cast<double>(i))
                                     .reshape(params[i].sizes());
    }
    params[0].mutable_grad() = params[0].grad().t().contiguous().t();  // a non-contiguous gradient
    communicator.all_reduce_gradients(params);
    for (auto& p : params) grads[r].push_back(p.grad().clone());
  });
  const int sizes[] = {15, 7, 8, 40};
  for (int r = 0; r < 2; r++) {
    for (int i = 0; i < 4; i++) {
      // sum over ranks of (k * (rank + 1) + 100 i) = 3 k + 200 i
      auto expected = (at::arange(sizes[i], at::kDouble) * 3 + 200 * i);
      CHECK(at::equal(grads[r][i].reshape({-1}).to(at::kDouble), expected));
    }
  }
}

namespace {

// Runs scenario in a forked child and returns what it wrote to the given fd. Tearing down a
// Gloo group after a timed-out collective can crash or disturb later groups in the process
// (a real rank exits after such an error anyway), so it happens in a child, and the
// scenario writes its result before the teardown.
std::string run_in_child(const std::function<void(int)>& scenario) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    try {
      scenario(fds[1]);
    } catch (...) {
    }
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fds[0], buffer, sizeof(buffer))) > 0) out.append(buffer, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  for (int i = 0; i < 1000 && waitpid(pid, &status, WNOHANG) == 0; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (waitpid(pid, &status, WNOHANG) == 0) {  // stuck in teardown: not what is tested
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  return out;
}

}  // namespace

TEST_CASE("a rank that stops responding makes the other's collective fail within dist.timeout_s", "[dist][slow]") {
  std::string out = run_in_child([](int fd) {
    DistOptions options;
    options.timeout_s = 2;
    std::atomic<bool> rank0_done{false};
    run_ranks(2, options, [&](Communicator& communicator) {
      std::string message;
      double elapsed = -1;
      if (communicator.rank() == 1) {
        // "hung": never joins the collective, leaves once rank 0 has given up
        while (!rank0_done) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        return;
      }
      auto start = std::chrono::steady_clock::now();
      try {
        communicator.all_reduce_sum(at::ones({4}));
      } catch (const roberta::Error& e) {
        message = e.what();
      }
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::string result = std::to_string(elapsed) + "\n" + message;
      ssize_t written = write(fd, result.data(), result.size());
      (void)written;
      close(fd);
      rank0_done = true;
    }, /*final_barrier=*/false);
  });
  REQUIRE(out.find('\n') != std::string::npos);
  INFO(out);
  double elapsed = std::stod(out.substr(0, out.find('\n')));
  std::string message = out.substr(out.find('\n') + 1);
  CHECK_THAT(message, Catch::Matchers::ContainsSubstring("all_reduce_sum") && Catch::Matchers::ContainsSubstring("rank 0 of 2") &&
                          Catch::Matchers::ContainsSubstring("timed out") && Catch::Matchers::ContainsSubstring("dist.timeout_s = 2"));
  CHECK(elapsed >= 1.5);
  CHECK(elapsed < 6.0);
}

TEST_CASE("rendezvous without the other ranks fails within dist.timeout_s", "[dist][slow]") {
  DistOptions options;
  options.timeout_s = 1;
  roberta::DistEnvironment env;
  env.world_size = 2;
  env.rank = 0;
  env.master_port = roberta::find_free_port();
  auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(roberta::make_communicator(options, env), Catch::Matchers::ContainsSubstring("rendezvous") && Catch::Matchers::ContainsSubstring("127.0.0.1"));
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(elapsed < 5.0);
}
