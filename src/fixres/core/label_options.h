#pragma once
/// How an evaluated folder's classes become label indices, and which extra label sets score it
/// (torch-free: the CLI binds --class-order, --class-map and --real-labels onto it).
///   - sorted: torchvision's ImageFolder, class i = the i-th folder name in byte order;
///   - numeric folders (ImageNet-V2's 0 … 999), detected unless --class-order sorted: the label is
///     the folder's integer value (sorted as strings, "10" would come before "2");
///   - --class-map FILE: line i names class i (a folder of folders also works: its sorted
///     sub-folder names, e.g. ImageNet's train/ for ImageNet-1k's 1000 wnids). The folders may be
///     a subset of the map's classes (ImageNet-A/-R's 200 of 1000): top-1/top-5 then rank only
///     the subset's classes, as those benchmarks score; extract keeps every column.
///   - without a class map, in evaluation: folders that are WordNet ids of ImageNet-1k (shipped
///     as data/imagenet1k_wnids.txt) are such a subset of its 1000 classes.

#include <string>

namespace fixres::data {

enum class ClassOrder { Auto, Sorted };

struct LabelOptions {
  ClassOrder order = ClassOrder::Auto;  ///< --class-order auto|sorted
  std::string class_map;                ///< --class-map FILE|DIR; empty: none
  /// --real-labels FILE: ImageNet-ReaL's real.json, a list (per ILSVRC2012_val_%08d image, in
  /// number order) of its correct labels; ReaL top-1/top-5 beside the usual ones.
  std::string real_labels;
  /// Evaluation (evaluate, extract, sweep): class folders that are all WordNet ids, fewer than
  /// 1000 (ImageNet-A/-R's 200), get their ImageNet-1k labels and are scored on those classes
  /// (unless --class-order sorted or --class-map). Training labels folders by name.
  bool imagenet_subsets = false;
};

}  // namespace fixres::data
