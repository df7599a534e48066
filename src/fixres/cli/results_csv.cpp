#include "fixres/cli/results_csv.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "fixres/core/format.h"
#include "fixres/io/atomic_file.h"

namespace fixres::cli {
namespace {

const char* const kHeader =
    "model,top1,top1_err,top5,top5_err,param_count,img_size,crop_pct,interpolation,weights,resize_mode,resize_size,"
    "images,images_per_second";

/// A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180).
std::string field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string line(const ResultsRow& r) {
  using engine::format_number;
  const data::TestProtocol& p = r.protocol;
  std::ostringstream out;
  out << field(r.model) << ',' << format_number("%.4f", r.top1) << ',' << format_number("%.4f", 100.0 - r.top1) << ','
      << format_number("%.4f", r.top5) << ',' << format_number("%.4f", 100.0 - r.top5) << ','
      << format_number("%.2f", static_cast<double>(r.parameters) / 1e6) << ',' << r.img_size << ','
      << (p.resize_size > 0 ? std::string() : format_number("%g", p.crop_pct)) << ','
      << data::interpolation_name(p.interpolation) << ',' << field(r.weights) << ','
      << data::resize_mode_name(p.resize_mode) << ',' << p.resize_length(r.img_size) << ',' << r.images << ','
      << format_number("%.2f", r.images_per_second);
  return out.str();
}

}  // namespace

ResultsRow results_row(const std::string& model, const engine::TopkCounts& counts, int img_size,
                       const data::TestProtocol& protocol) {
  ResultsRow row;
  row.model = model;
  row.top1 = counts.top1_percent();
  row.top5 = counts.top5_percent();
  row.images = counts.images;
  row.img_size = img_size;
  row.protocol = protocol;
  return row;
}

ResultsRow results_row(const engine::InferenceRunReport& report, const std::string& weights) {
  ResultsRow row = results_row(report.architecture, report.counts, report.input_size, report.protocol);
  row.parameters = report.parameters;
  row.weights = weights;
  row.images_per_second = report.images_per_second;
  return row;
}

void append_results_csv(const std::string& path, const std::vector<ResultsRow>& rows) {
  if (path.empty()) return;
  std::string content;
  if (std::filesystem::exists(path)) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream all;
    all << in.rdbuf();
    content = all.str();
    const std::string header = content.substr(0, content.find('\n'));
    if (!content.empty() && header != kHeader) {
      throw std::runtime_error(path + ": exists with other columns ('" + header + "'); expected '" + kHeader +
                               "' (give another --results-file)");
    }
    if (!content.empty() && content.back() != '\n') content += '\n';
  }
  if (content.empty()) content = std::string(kHeader) + "\n";
  for (const ResultsRow& r : rows) content += line(r) + "\n";
  io::write_file_atomically(path, content);
}

}  // namespace fixres::cli
