#include "fixres/core/demo_summary.h"

#include <cmath>
#include <stdexcept>

#include "fixres/core/demo.h"
#include "fixres/core/format.h"

namespace fixres::engine {
namespace {

/// A difference between two settings over the seeds (a − b, in points) with its standard error.
struct Difference {
  double a = 0.0, b = 0.0, mean = 0.0, se = 0.0;
  int seeds = 0;
  nlohmann::json json() const {
    return {{"a_mean", a}, {"b_mean", b}, {"difference", mean}, {"standard_error", se}, {"seeds", seeds}};
  }
};

Difference difference(const std::vector<double>& a, const std::vector<double>& b, std::int64_t images) {
  Difference d;
  d.seeds = static_cast<int>(a.size());
  std::vector<double> diffs;
  for (std::size_t i = 0; i < a.size(); ++i) diffs.push_back(a[i] - b[i]);
  d.a = mean_std(a).mean;
  d.b = mean_std(b).mean;
  const MeanStd m = mean_std(diffs);
  d.mean = m.mean;
  if (m.n >= 2) {
    d.se = m.std / std::sqrt(static_cast<double>(m.n));
  } else {
    const auto var = [images](double pct) {
      const double p = pct / 100.0;
      return p * (1.0 - p) / static_cast<double>(images > 0 ? images : 1);
    };
    d.se = 100.0 * std::sqrt(var(d.a) + var(d.b));
  }
  return d;
}

std::string pts(double v) { return format_number("%+.2f", v); }
std::string pct(double v) { return format_number("%.2f", v); }
std::string se_text(const Difference& d) {
  return "(" + pts(d.mean) + " points, standard error " + format_number("%.2f", d.se) + " over " +
         std::to_string(d.seeds) + (d.seeds == 1 ? " seed" : " seeds") + ")";
}

const DemoSummaryRow* row_at(const DemoSummary& s, int size) {
  for (const auto& r : s.rows) {
    if (r.size == size) return &r;
  }
  return nullptr;
}

/// Each seed's value at `size` (plain or fine-tuned; empty if any seed lacks it).
std::vector<double> per_seed(const std::vector<DemoSeedNumbers>& seeds, int size, bool finetuned) {
  std::vector<double> v;
  for (const auto& s : seeds) {
    for (const auto& r : s.rows) {
      if (r.size != size) continue;
      if (finetuned && !r.top1_finetuned) return {};
      v.push_back(finetuned ? *r.top1_finetuned : r.top1);
    }
  }
  return v;
}

DemoStatement first_finding(const DemoSummary& s, const std::vector<DemoSeedNumbers>& seeds, std::int64_t images) {
  DemoStatement st{"above_train_size_without_finetuning", false, {}, ""};
  const std::string S = std::to_string(s.train_size) + " px", B = std::to_string(s.best_size) + " px";
  if (!row_at(s, s.train_size)) {
    st.text = "Not shown: the train size " + S + " is not among the test sizes.";
    return st;
  }
  const Difference d = difference(per_seed(seeds, s.best_size, false), per_seed(seeds, s.train_size, false), images);
  st.evidence = d.json();
  st.evidence["best_size"] = s.best_size;
  st.evidence["train_size"] = s.train_size;
  st.holds = s.best_size > s.train_size && d.mean > 2.0 * d.se;
  if (st.holds) {
    st.text = "Without fine-tuning, testing at " + B + " beats testing at the train size " + S + ": " + pct(d.a) +
              " vs " + pct(d.b) + " " + se_text(d) + " — the paper's first finding.";
  } else if (s.best_size <= s.train_size) {
    st.text = "Not shown: without fine-tuning the best test size is " + B + ", not above the train size " + S + ".";
  } else {
    st.text = "Not shown: without fine-tuning " + B + " scores " + pct(d.a) + " vs " + pct(d.b) + " at the train size " +
              S + " " + se_text(d) + ", within twice the standard error.";
  }
  return st;
}

DemoStatement second_finding(const DemoSummary& s, const std::vector<DemoSeedNumbers>& seeds, std::int64_t images) {
  DemoStatement st{"finetuning_adds", false, {}, ""};
  if (!s.best_finetuned_size) {
    st.text = "Not shown: no size was fine-tuned.";
    return st;
  }
  const int F = *s.best_finetuned_size;
  const Difference d = difference(per_seed(seeds, F, true), per_seed(seeds, s.best_size, false), images);
  st.evidence = d.json();
  st.evidence["finetuned_size"] = F;
  st.evidence["best_plain_size"] = s.best_size;
  st.holds = d.mean > 2.0 * d.se;
  const std::string what = "FixRes fine-tuning at " + std::to_string(F) + " px: " + pct(d.a) + " vs " + pct(d.b) +
                           " for the best setting without it (" + std::to_string(s.best_size) + " px) " + se_text(d);
  st.text = st.holds ? what + " — fine-tuning adds on top." : "Not shown: " + what + ", within twice the standard error.";
  return st;
}

DemoStatement economic_claim(const DemoSummary& s, const std::vector<DemoSeedNumbers>& seeds, std::int64_t images) {
  DemoStatement st{"low_res_training_matches", false, {}, ""};
  const int T = s.claim_size;
  std::vector<double> trained;
  for (const auto& seed : seeds) {
    if (seed.train_at_test_top1) trained.push_back(*seed.train_at_test_top1);
  }
  const std::vector<double> tuned = per_seed(seeds, T, true);
  if (trained.size() != seeds.size() || tuned.size() != seeds.size()) {
    st.text = "Not shown: the network trained at " + std::to_string(T) + " px (or the fine-tuning at it) did not run.";
    return st;
  }
  const Difference d = difference(tuned, trained, images);
  const double ratio = static_cast<double>(s.train_size) * s.train_size / (static_cast<double>(T) * T);
  st.evidence = d.json();
  st.evidence["train_size"] = s.train_size;
  st.evidence["test_size"] = T;
  st.evidence["pixel_ratio"] = ratio;
  st.holds = d.mean >= -2.0 * d.se;
  const std::string what = "trained at " + std::to_string(s.train_size) + " px and FixRes-fine-tuned at " +
                           std::to_string(T) + " px: " + pct(d.a) + " vs " + pct(d.b) + " trained at " +
                           std::to_string(T) + " px " + se_text(d);
  const std::string cost = format_number("%.0f", 100.0 * ratio) + "% of the pixels per training image (" +
                           format_number("%.2f", 1.0 / ratio) + "x cheaper)";
  if (st.holds) {
    st.text = std::string(d.mean >= 0.0 ? "Beats" : "Matches (within twice the standard error)") + ": " + what +
              ", for " + cost + " — the paper's economic claim.";
  } else {
    st.text = "Not shown: " + what + "; low-resolution training (" + cost + ") falls short here.";
  }
  return st;
}

}  // namespace

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd m;
  m.n = static_cast<int>(values.size());
  if (values.empty()) return m;
  double sum = 0.0;
  for (double v : values) sum += v;
  m.mean = sum / m.n;
  if (m.n >= 2) {
    double ss = 0.0;
    for (double v : values) ss += (v - m.mean) * (v - m.mean);
    m.std = std::sqrt(ss / (m.n - 1));
  }
  return m;
}

std::vector<DemoSeedNumbers> demo_seed_numbers(const DemoResult& result) {
  std::vector<DemoSeedNumbers> seeds;
  for (const auto& run : result.runs) {
    DemoSeedNumbers n;
    n.seed = run.seed;
    for (const auto& row : run.rows) {
      DemoSeedRow r;
      r.size = row.size;
      r.top1 = row.plain.top1_percent();
      if (row.finetuned) r.top1_finetuned = row.finetuned->top1_percent();
      n.rows.push_back(r);
    }
    if (run.train_at_test && run.train_at_test->after) n.train_at_test_top1 = run.train_at_test->after->top1_percent();
    seeds.push_back(n);
  }
  return seeds;
}

std::string format_mean_std(const MeanStd& m) {
  return m.n >= 2 ? format_number("%.2f", m.mean) + " ± " + format_number("%.2f", m.std) : format_number("%.2f", m.mean);
}

DemoSummary summarize_demo(const std::vector<DemoSeedNumbers>& seeds, int train_size, int claim_size,
                           std::int64_t val_images) {
  if (seeds.empty()) throw std::invalid_argument("demo summary: no seeds");
  DemoSummary s;
  s.train_size = train_size;
  s.claim_size = claim_size;
  for (const auto& seed : seeds) {
    if (seed.rows.size() != seeds[0].rows.size()) throw std::invalid_argument("demo summary: the seeds' sizes differ");
    for (std::size_t i = 0; i < seed.rows.size(); ++i) {
      if (seed.rows[i].size != seeds[0].rows[i].size) throw std::invalid_argument("demo summary: the seeds' sizes differ");
    }
  }
  for (const auto& r : seeds[0].rows) {
    DemoSummaryRow row;
    row.size = r.size;
    row.top1 = mean_std(per_seed(seeds, r.size, false));
    const std::vector<double> tuned = per_seed(seeds, r.size, true);
    if (!tuned.empty()) row.top1_finetuned = mean_std(tuned);
    s.rows.push_back(row);
  }
  // Ties: the smaller size (the rows in increasing size first).
  const DemoSummaryRow* best = nullptr;
  const DemoSummaryRow* best_tuned = nullptr;
  for (const auto& row : s.rows) {
    if (!best || row.top1.mean > best->top1.mean || (row.top1.mean == best->top1.mean && row.size < best->size)) best = &row;
    if (row.top1_finetuned && (!best_tuned || row.top1_finetuned->mean > best_tuned->top1_finetuned->mean ||
                               (row.top1_finetuned->mean == best_tuned->top1_finetuned->mean && row.size < best_tuned->size))) {
      best_tuned = &row;
    }
  }
  s.best_size = best->size;
  if (best_tuned) s.best_finetuned_size = best_tuned->size;
  std::vector<double> trained;
  for (const auto& seed : seeds) {
    if (seed.train_at_test_top1) trained.push_back(*seed.train_at_test_top1);
  }
  if (!trained.empty()) s.train_at_test = mean_std(trained);
  s.statements = {first_finding(s, seeds, val_images), second_finding(s, seeds, val_images),
                  economic_claim(s, seeds, val_images)};
  return s;
}

}  // namespace fixres::engine
