// `fixres inspect FILE`: a checkpoint's tensors (name, dtype, shape, element count) and its other
// fields (epoch, accuracy, optimizer, …), for legacy/zip .pth and .safetensors. Torch-free: never
// loads libtorch. `fixres inspect --architecture X [--manifest]` describes a network instead.
#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "fixres/core/format.h"
#include "fixres/cli/command.h"
#include "fixres/cli/engine_loader.h"
#include "fixres/cli/options.h"
#include "fixres/cli/output.h"
#include "fixres/io/checkpoint.h"
#include "fixres/io/io_error.h"
#include "fixres/io/state_dict.h"

namespace fixres::cli {
namespace {

struct InspectFlags {
  std::string file;
  std::string architecture;
  std::string efficientnet_model;
  bool manifest = false;
  std::string json_path;
};

std::string pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

void inspect_file(const InspectFlags& flags) {
  const io::Checkpoint checkpoint = io::read_checkpoint(flags.file);
  std::string where;
  const io::Value* weights = nullptr;
  try {
    weights = &io::find_state_dict(checkpoint.root, &where);
  } catch (const std::runtime_error&) {
    // Not a dict: only "other" fields to show.
  }

  struct Row {
    std::string name, dtype, shape;
    std::int64_t count;
  };
  std::vector<Row> rows;
  std::vector<std::pair<std::string, std::string>> others;  // (name, summary)
  std::int64_t total = 0;
  if (weights != nullptr) {
    for (const auto& [key, value] : weights->as_dict().items) {
      const std::string name = key.is(io::Value::Kind::String) ? key.as_string() : key.summary();
      if (!value.is(io::Value::Kind::Tensor)) {
        others.emplace_back(name, value.summary());
        continue;
      }
      const io::RawTensor& t = value.as_tensor();
      rows.push_back({name, io::dtype_name(t.dtype), t.shape.empty() ? "scalar" : io::shape_string(t.shape), t.numel()});
      total += t.numel();
    }
  }
  if (weights != &checkpoint.root) {
    if (checkpoint.root.is(io::Value::Kind::Dict)) {
      for (const auto& [key, value] : checkpoint.root.as_dict().items) {
        if (&value == weights) continue;
        others.emplace_back(key.is(io::Value::Kind::String) ? key.as_string() : key.summary(), value.summary());
      }
    } else {
      others.emplace_back("(top level)", checkpoint.root.summary());
    }
  }

  print_line(flags.file + ": " + io::format_name(checkpoint.format));
  if (weights != nullptr) {
    print_line("tensors under " + where + ": " + std::to_string(rows.size()) + " (" + std::to_string(total) +
               " elements)");
  }
  std::size_t w_name = 4, w_dtype = 5, w_shape = 5;
  for (const auto& r : rows) {
    w_name = std::max(w_name, r.name.size());
    w_dtype = std::max(w_dtype, r.dtype.size());
    w_shape = std::max(w_shape, r.shape.size());
  }
  if (!rows.empty()) print_line(pad("name", w_name) + "  " + pad("dtype", w_dtype) + "  " + pad("shape", w_shape) + "  elements");
  for (const auto& r : rows) {
    print_line(pad(r.name, w_name) + "  " + pad(r.dtype, w_dtype) + "  " + pad(r.shape, w_shape) + "  " +
               std::to_string(r.count));
  }
  for (const auto& [name, summary] : others) print_line(name + ": " + summary);

  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& r : rows) tensors.push_back({{"name", r.name}, {"dtype", r.dtype}, {"shape", r.shape}, {"elements", r.count}});
  nlohmann::json other = nlohmann::json::object();
  for (const auto& [name, summary] : others) other[name] = summary;
  write_json(flags.json_path, {{"file", flags.file},
                               {"format", io::format_name(checkpoint.format)},
                               {"weights", where},
                               {"elements", total},
                               {"tensors", tensors},
                               {"other", other}});
}

std::string millions(std::int64_t count) { return engine::format_number("%.1fM", static_cast<double>(count) / 1e6); }

// --architecture X [--EfficientNet-models M] [--manifest]: the network built by libfixres.so
// (shapes only). With --manifest, only the manifest lines, so that they can be diffed.
void inspect_architecture(const InspectFlags& flags) {
  const models::ArchitectureInfo info =
      engine_api().describe_architecture(flags.architecture, flags.efficientnet_model);
  if (flags.manifest) {
    std::string text = models::format_manifest(info.manifest);
    if (!text.empty()) text.pop_back();  // print_line adds the last newline
    print_line(text);
  } else {
    print_line(info.architecture + ": " + info.description);
    print_line("parameters: " + std::to_string(info.parameters) + " (" + millions(info.parameters) + ") in " +
               std::to_string(info.parameter_tensors) + " tensors; buffers: " + std::to_string(info.buffer_tensors) +
               " tensors, " + std::to_string(info.buffer_elements) + " elements");
    print_line("embedding: " + std::to_string(info.embedding_dim) + ", classes: " + std::to_string(info.num_classes));
    print_line("sizes: trained at " + std::to_string(info.train_size) + ", FixRes test size " +
               std::to_string(info.test_size));
    print_line("normalisation: mean " + engine::format_triplet(info.mean) + " std " + engine::format_triplet(info.std) +
               "; test transform: " + info.test_transform + " (reference pipeline's filter: " + info.interpolation +
               ")");
  }
  nlohmann::json manifest = nlohmann::json::array();
  for (const auto& e : info.manifest) {
    manifest.push_back({{"name", e.name}, {"shape", e.shape}, {"dtype", e.dtype}, {"buffer", e.buffer}});
  }
  write_json(flags.json_path, {{"architecture", info.architecture},
                               {"description", info.description},
                               {"parameters", info.parameters},
                               {"parameter_tensors", info.parameter_tensors},
                               {"buffer_tensors", info.buffer_tensors},
                               {"buffer_elements", info.buffer_elements},
                               {"embedding_dim", info.embedding_dim},
                               {"num_classes", info.num_classes},
                               {"train_size", info.train_size},
                               {"test_size", info.test_size},
                               {"mean", info.mean},
                               {"std", info.std},
                               {"interpolation", info.interpolation},
                               {"test_transform", info.test_transform},
                               {"manifest", manifest}});
}

}  // namespace

Command add_inspect(CLI::App& root) {
  auto flags = std::make_shared<InspectFlags>();
  CLI::App* app = root.add_subcommand(
      "inspect", "A checkpoint's entries (.pth legacy/zip, .safetensors), or an architecture's manifest");
  app->add_option("file", flags->file, "Checkpoint to list: tensors (name, dtype, shape, elements) and other fields");
  app->add_option("--architecture", flags->architecture, "Describe this architecture instead of a file");
  app->add_option("--EfficientNet-models", flags->efficientnet_model, "EfficientNet variant (timm name)");
  app->add_flag("--manifest", flags->manifest, "With --architecture: one 'name<TAB>shape' line per state-dict entry");
  add_json_flag(*app, flags->json_path);
  return {app, [flags] {
            if (flags->file.empty() == flags->architecture.empty()) {
              throw UsageError("inspect: give either a FILE or --architecture NAME");
            }
            if (flags->manifest && flags->architecture.empty()) throw UsageError("inspect: --manifest needs --architecture");
            if (!flags->file.empty()) inspect_file(*flags);
            else inspect_architecture(*flags);
          }};
}

}  // namespace fixres::cli
