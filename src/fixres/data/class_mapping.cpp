#include "fixres/data/class_mapping.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

#include "fixres/data/image_folder.h"
#include "fixres/data/imagenet_classes.h"

namespace fixres::data {
namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

ClassMapping sorted_mapping(const std::vector<std::string>& folders) {
  ClassMapping m;
  m.classes = folders;
  for (std::size_t i = 0; i < folders.size(); ++i) m.folder_labels.push_back(static_cast<std::int64_t>(i));
  m.convention = kSortedFolders;
  return m;
}

ClassMapping numeric_mapping(const std::string& root, const std::vector<std::string>& folders) {
  ClassMapping m;
  std::map<std::int64_t, std::string> seen;
  std::int64_t largest = 0;
  for (const auto& f : folders) {
    const std::int64_t value = std::stoll(f);
    const auto [it, fresh] = seen.emplace(value, f);
    if (!fresh) {
      throw DatasetError(root + ": class folders '" + it->second + "' and '" + f + "' are both class " +
                         std::to_string(value) + " (numeric folder names are labels by value)");
    }
    m.folder_labels.push_back(value);
    largest = std::max(largest, value);
  }
  for (std::int64_t i = 0; i <= largest; ++i) m.classes.push_back(std::to_string(i));
  m.convention = "numeric class folders, labels by value (--class-order sorted: by name)";
  return m;
}

/// The class map's names: the lines of FILE (blank lines ignored at the end), or the sorted
/// sub-folders of DIR.
std::vector<std::string> read_class_map(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::vector<std::string> names = list_class_folders(path);
    if (names.empty()) throw DatasetError("--class-map " + path + ": the folder has no sub-folders to name classes");
    return names;
  }
  std::ifstream in(path);
  if (!in) throw DatasetError("--class-map " + path + ": cannot read the file");
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    names.push_back(line);
  }
  while (!names.empty() && names.back().empty()) names.pop_back();
  if (names.empty()) throw DatasetError("--class-map " + path + ": no class names (one per line, line i = class i)");
  return names;
}

ClassMapping mapped(const std::string& root, const std::vector<std::string>& folders, const std::string& path) {
  ClassMapping m;
  m.classes = read_class_map(path);
  std::map<std::string, std::int64_t> index;
  for (std::size_t i = 0; i < m.classes.size(); ++i) {
    if (m.classes[i].empty()) throw DatasetError("--class-map " + path + ": line " + std::to_string(i + 1) + " is empty");
    if (!index.emplace(m.classes[i], static_cast<std::int64_t>(i)).second) {
      throw DatasetError("--class-map " + path + ": '" + m.classes[i] + "' names two classes (line " +
                         std::to_string(index[m.classes[i]] + 1) + " and " + std::to_string(i + 1) + ")");
    }
  }
  for (const auto& f : folders) {
    const auto it = index.find(f);
    if (it == index.end()) {
      throw DatasetError(root + ": class folder '" + f + "' is not in --class-map " + path + " (" +
                         std::to_string(m.classes.size()) + " classes)");
    }
    m.folder_labels.push_back(it->second);
  }
  m.convention = "--class-map " + path;
  return m;
}

/// Folders that are WordNet ids, fewer than ImageNet-1k's 1000 (ImageNet-A/-R): each gets its
/// ImageNet-1k label.
ClassMapping wnid_mapping(const std::string& root, const std::vector<std::string>& folders) {
  ClassMapping m;
  m.classes = imagenet1k_wnids();
  for (const auto& f : folders) {
    const std::int64_t label = imagenet1k_index(f);
    if (label < 0) {
      throw DatasetError(root + ": class folder '" + f + "' is a WordNet id outside ImageNet-1k's 1000 classes "
                         "(folders of WordNet ids are scored as a subset of ImageNet-1k; --class-order sorted "
                         "labels them by name instead, --class-map FILE by a list)");
    }
    m.folder_labels.push_back(label);
  }
  m.convention = "ImageNet-1k WordNet ids";
  return m;
}

/// Folders holding only some of the mapping's classes: top-k then ranks only theirs.
ClassMapping restricted_to_folders(ClassMapping m) {
  if (m.folder_labels.size() < m.classes.size()) {
    m.subset = m.folder_labels;
    std::sort(m.subset.begin(), m.subset.end());
    m.convention += " (" + std::to_string(m.folder_labels.size()) + " of " + std::to_string(m.classes.size()) +
                    " classes: top-k ranks only those)";
  }
  return m;
}

}  // namespace

ClassMapping map_classes(const std::string& root, const std::vector<std::string>& folders, const LabelOptions& options) {
  if (!options.class_map.empty()) return restricted_to_folders(mapped(root, folders, options.class_map));
  if (options.order == ClassOrder::Auto) {
    if (std::all_of(folders.begin(), folders.end(), all_digits)) return numeric_mapping(root, folders);
    if (options.imagenet_subsets && !folders.empty() && folders.size() < imagenet1k_wnids().size() &&
        std::all_of(folders.begin(), folders.end(), looks_like_wnid)) {
      return restricted_to_folders(wnid_mapping(root, folders));
    }
  }
  return sorted_mapping(folders);
}

}  // namespace fixres::data
