// `fixres convert IN OUT [--strip-module]`: weights between .pth (legacy or zip in, zip out) and
// .safetensors; the output format follows OUT's extension. Between .pth files the whole tree is
// kept (epoch, optimizer, …); a .safetensors file holds only the weights. Torch-free.
#include <memory>
#include <string>

#include "fixres/cli/command.h"
#include "fixres/cli/output.h"
#include "fixres/io/checkpoint.h"
#include "fixres/io/safetensors.h"
#include "fixres/io/state_dict.h"

namespace fixres::cli {
namespace {

struct ConvertFlags {
  std::string input;
  std::string output;
  bool strip_module = false;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// As torch.nn.modules.utils.consume_prefix_in_state_dict_if_present: keys and the _metadata keys
// lose a leading 'module.' ('module' itself becomes '').
io::Value strip_module(const io::Value& dict) {
  io::Value out = io::Value::dict(dict.as_dict().ordered);
  for (const auto& [key, value] : dict.as_dict().items) {
    out.as_dict().add(key.is(io::Value::Kind::String) ? io::Value(io::strip_module_prefix(key.as_string())) : key, value);
  }
  for (const auto& [name, value] : dict.as_dict().attributes) {
    if (name != "_metadata" || !value.is(io::Value::Kind::Dict)) {
      out.as_dict().attributes.emplace_back(name, value);
      continue;
    }
    io::Value meta = io::Value::dict(value.as_dict().ordered);
    for (const auto& [key, entry] : value.as_dict().items) {
      std::string k = key.is(io::Value::Kind::String) ? key.as_string() : "";
      meta.as_dict().add(key.is(io::Value::Kind::String) ? io::Value(k == "module" ? "" : io::strip_module_prefix(k)) : key,
                         entry);
    }
    out.as_dict().attributes.emplace_back(name, meta);
  }
  return out;
}

void run(const ConvertFlags& flags) {
  const io::Checkpoint in = io::read_checkpoint(flags.input);
  std::string where;
  const io::Value* weights = &io::find_state_dict(in, flags.input, &where);
  if (ends_with(flags.output, ".safetensors")) {
    const io::StateDict tensors = io::to_state_dict(*weights, flags.strip_module, flags.input + " (" + where + ")");
    io::write_safetensors(flags.output, tensors, {{"format", "pt"}});
    print_line("wrote " + flags.output + " (safetensors, " + std::to_string(tensors.size()) + " tensors from " + where +
               " of " + io::format_name(in.format) + ")");
    if (weights != &in.root) {
      std::string dropped;
      for (const auto& [key, value] : in.root.as_dict().items) {
        if (&value != weights) dropped += (dropped.empty() ? "" : ", ") + key.summary();
      }
      if (!dropped.empty()) print_line("not kept (safetensors holds weights only): " + dropped);
    }
    return;
  }
  // .pth output: the same tree, with the weights' keys stripped on request.
  io::Value root = in.root;
  if (flags.strip_module) {
    if (weights == &in.root) {
      root = strip_module(in.root);
    } else {
      root = io::Value::dict(in.root.as_dict().ordered);
      for (const auto& [key, value] : in.root.as_dict().items) root.as_dict().add(key, &value == weights ? strip_module(value) : value);
      root.as_dict().attributes = in.root.as_dict().attributes;
    }
  }
  io::write_checkpoint(flags.output, root);
  print_line("wrote " + flags.output + " (zip .pth, from " + io::format_name(in.format) + ")");
}

}  // namespace

Command add_convert(CLI::App& root) {
  auto flags = std::make_shared<ConvertFlags>();
  CLI::App* app = root.add_subcommand(
      "convert", "Convert weights between .pth (legacy/zip) and .safetensors; OUT's extension picks the format");
  app->add_option("input", flags->input, "Checkpoint to read (.pth legacy or zip, .safetensors)")->required();
  app->add_option("output", flags->output, "File to write: *.safetensors, else a zip .pth that torch.load reads")->required();
  app->add_flag("--strip-module", flags->strip_module, "Remove DataParallel's leading 'module.' from weight names");
  return {app, [flags] { run(*flags); }};
}

}  // namespace fixres::cli
