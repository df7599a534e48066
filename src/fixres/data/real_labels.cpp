#include "fixres/data/real_labels.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>

#include "fixres/data/image_folder.h"

namespace fixres::data {
namespace {

std::vector<std::vector<std::int64_t>> read_real_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DatasetError("--real-labels " + path + ": cannot read the file");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw DatasetError("--real-labels " + path + ": not JSON (" + e.what() + ")");
  }
  if (!j.is_array()) throw DatasetError("--real-labels " + path + ": expected a list (one list of labels per image)");
  std::vector<std::vector<std::int64_t>> labels;
  labels.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_array()) {
      throw DatasetError("--real-labels " + path + ": entry " + std::to_string(i) + " is not a list of labels");
    }
    std::vector<std::int64_t> row;
    for (const auto& v : j[i]) {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 0) {
        throw DatasetError("--real-labels " + path + ": entry " + std::to_string(i) + " holds " + v.dump() +
                           ", expected class indices");
      }
      row.push_back(v.get<std::int64_t>());
    }
    labels.push_back(std::move(row));
  }
  return labels;
}

}  // namespace

std::vector<std::vector<std::int64_t>> real_labels_for(const Dataset& dataset, const std::string& real_json) {
  const auto all = read_real_json(real_json);
  static const std::regex kName(R"(ILSVRC2012_val_(\d{8})\.[^/]*$)");
  std::vector<std::vector<std::int64_t>> per_item;
  per_item.reserve(static_cast<std::size_t>(dataset.size()));
  for (std::int64_t i = 0; i < dataset.size(); ++i) {
    const std::string name = dataset.item_name(i);
    std::smatch m;
    if (!std::regex_search(name, m, kName)) {
      throw DatasetError("--real-labels: " + name + " is not an ILSVRC2012_val_NNNNNNNN file (ReaL labels go by number)");
    }
    const long number = std::stol(m[1].str());
    if (number < 1 || static_cast<std::size_t>(number) > all.size()) {
      throw DatasetError("--real-labels " + real_json + ": holds " + std::to_string(all.size()) + " images, but " + name +
                         " is image " + std::to_string(number));
    }
    per_item.push_back(all[static_cast<std::size_t>(number - 1)]);
  }
  return per_item;
}

}  // namespace fixres::data
