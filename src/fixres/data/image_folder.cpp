#include "fixres/data/image_folder.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include "fixres/data/class_mapping.h"
#include "fixres/data/decode.h"

namespace fixres::data {
namespace {

struct DirListing {
  std::vector<std::string> dirs;
  std::vector<std::string> files;  // every non-directory entry, as os.walk reports them
};

// One readdir pass; symlinks and unknown entry types are resolved with stat (os.walk with
// followlinks=True treats a link to a folder as a folder).
DirListing list_dir(const std::string& path) {
  DirListing out;
  DIR* dir = ::opendir(path.c_str());
  if (!dir) throw DatasetError(path + ": cannot open folder: " + std::strerror(errno));
  while (dirent* e = ::readdir(dir)) {
    const char* name = e->d_name;
    if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
      struct stat st {};
      is_dir = ::stat((path + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    (is_dir ? out.dirs : out.files).emplace_back(name);
  }
  ::closedir(dir);
  return out;
}

// os.walk below `rel` (relative to root): (folder, files) pairs.
void walk(const std::string& root, const std::string& rel, std::vector<std::pair<std::string, std::vector<std::string>>>& out) {
  DirListing l = list_dir(root + "/" + rel);
  out.emplace_back(rel, std::move(l.files));
  for (const auto& d : l.dirs) walk(root, rel + "/" + d, out);
}

}  // namespace

bool ImageFolder::has_image_extension(const std::string& filename) {
  static const char* const kExtensions[] = {".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"};
  for (const char* ext : kExtensions) {
    const std::size_t n = std::strlen(ext);
    if (filename.size() < n) continue;
    const char* tail = filename.data() + filename.size() - n;
    bool match = true;
    for (std::size_t i = 0; i < n && match; ++i) match = std::tolower(static_cast<unsigned char>(tail[i])) == ext[i];
    if (match) return true;
  }
  return false;
}

std::vector<std::string> list_class_folders(const std::string& path) {
  std::vector<std::string> dirs = list_dir(path).dirs;
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

ImageFolder::ImageFolder(std::string root, const LabelOptions& labels) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  struct stat st {};
  if (::stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw DatasetError(root_ + ": dataset folder not found (expected one sub-folder per class)");
  }
  const std::vector<std::string> folders = list_class_folders(root_);
  if (folders.empty()) throw DatasetError(root_ + ": couldn't find any class folder");
  ClassMapping mapping = map_classes(root_, folders, labels);
  classes_ = std::move(mapping.classes);
  subset_ = std::move(mapping.subset);
  convention_ = std::move(mapping.convention);
  offsets_.push_back(0);
  std::vector<std::string> empty_classes;
  for (std::size_t c = 0; c < folders.size(); ++c) {
    std::vector<std::pair<std::string, std::vector<std::string>>> walked;
    walk(root_, folders[c], walked);
    // sorted(os.walk(...)): by folder path; files sorted by name within each folder.
    std::sort(walked.begin(), walked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const std::size_t before = labels_.size();
    for (auto& [folder, files] : walked) {
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        if (!has_image_extension(f)) continue;
        names_ += folder;
        names_ += '/';
        names_ += f;
        offsets_.push_back(names_.size());
        labels_.push_back(static_cast<std::int32_t>(mapping.folder_labels[c]));
      }
    }
    if (labels_.size() == before) empty_classes.push_back(folders[c]);
  }
  if (!empty_classes.empty()) {
    std::string list;
    for (const auto& c : empty_classes) list += (list.empty() ? "" : ", ") + c;
    throw DatasetError(root_ + ": found no valid image file for the classes " + list +
                       " (supported extensions: .jpg .jpeg .png .ppm .bmp .pgm .tif .tiff .webp)");
  }
}

void ImageFolder::check_index(std::int64_t index) const {
  if (index < 0 || index >= size()) {
    throw std::out_of_range("ImageFolder " + root_ + ": index " + std::to_string(index) + " out of range [0, " +
                            std::to_string(size()) + ")");
  }
}

std::int64_t ImageFolder::label(std::int64_t index) const {
  check_index(index);
  return labels_[static_cast<std::size_t>(index)];
}

std::string ImageFolder::relative_path(std::int64_t index) const {
  check_index(index);
  const auto i = static_cast<std::size_t>(index);
  return names_.substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
}

std::string ImageFolder::path(std::int64_t index) const { return root_ + "/" + relative_path(index); }

Image ImageFolder::load(std::int64_t index) const { return read_image(path(index)); }

DecodedRegion ImageFolder::load_region(std::int64_t index, const RegionRequest& want) const {
  return read_image_region(path(index), want);
}

std::string ImageFolder::describe() const {
  return "ImageFolder " + root_ + " (" + std::to_string(size()) + " images, " + std::to_string(classes_.size()) +
         " classes)";
}

}  // namespace fixres::data
