// Progress-line formatting (see progress_line.h).
#include "roberta/train/progress_line.h"

#include <fmt/format.h>

#include <cmath>

namespace roberta {

std::string format_rate(double per_second) {
  if (!std::isfinite(per_second)) return "?";
  if (per_second < 1e3) return fmt::format("{:.0f}", per_second);
  if (per_second < 1e6) return fmt::format("{:.1f}k", per_second / 1e3);
  if (per_second < 1e9) return fmt::format("{:.2f}M", per_second / 1e6);
  return fmt::format("{:.2f}G", per_second / 1e9);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<int64_t>(std::llround(seconds));
  const int64_t days = total / 86400, hours = total / 3600 % 24, minutes = total / 60 % 60,
                secs = total % 60;
  if (total < 60) return fmt::format("{}s", secs);
  if (total < 3600) return fmt::format("{}m{:02d}s", minutes, secs);
  if (total < 86400) return fmt::format("{}h{:02d}m", hours, minutes);
  return fmt::format("{}d{:02d}h", days, hours);
}

namespace {

// Perplexity spans 1 .. 50265 (uniform over the vocabulary) and beyond when diverging.
std::string format_ppl(double ppl) {
  if (!std::isfinite(ppl)) return fmt::format("{}", ppl);
  if (ppl < 1e5) return fmt::format("{:.1f}", ppl);
  return fmt::format("{:.2e}", ppl);
}

}  // namespace

std::string format_progress_line(const ProgressFields& f) {
  const std::string ppl = f.show_ppl ? fmt::format(" | ppl {}", format_ppl(f.ppl)) : std::string();
  return fmt::format("step {}/{} | loss {:.3f}{} | lr {:.1e} | gnorm {:.2f} | {} tok/s | eta {}", f.step,
                     f.total_steps, f.loss, ppl, f.lr, f.grad_norm, format_rate(f.tokens_per_s),
                     format_duration(f.eta_seconds));
}

}  // namespace roberta
