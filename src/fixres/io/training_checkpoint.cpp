#include "fixres/io/training_checkpoint.h"

#include <algorithm>
#include <type_traits>

#include "fixres/io/checkpoint.h"
#include "fixres/io/io_error.h"
#include "fixres/io/state_dict.h"

namespace fixres::io {
namespace {

Value float_list(const std::vector<double>& values) {
  Value list = Value::list();
  for (double v : values) list.append(Value(v));
  return list;
}

// Field access that names the path of what is missing or mistyped.
class Reader {
 public:
  explicit Reader(const std::string& source) : source_(source) {}

  const Value& field(const Value& dict, const std::string& key, const std::string& path) const {
    if (!dict.is(Value::Kind::Dict)) throw IoError(source_, path + " is a " + dict.type_name() + ", expected a dict");
    const Value* v = dict.as_dict().find(key);
    if (v == nullptr) throw IoError(source_, "missing " + path + "['" + key + "']");
    return *v;
  }
  template <typename F>
  auto get(const Value& dict, const std::string& key, const std::string& path, F convert) const {
    const Value& v = field(dict, key, path);
    try {
      return convert(v);
    } catch (const std::runtime_error& e) {
      throw IoError(source_, path + "['" + key + "']: " + e.what());
    }
  }
  double number(const Value& d, const std::string& k, const std::string& p) const {
    return get(d, k, p, [](const Value& v) { return v.as_float(); });
  }
  std::int64_t integer(const Value& d, const std::string& k, const std::string& p) const {
    return get(d, k, p, [](const Value& v) { return v.as_int(); });
  }
  bool flag(const Value& d, const std::string& k, const std::string& p, bool fallback) const {
    const Value* v = d.as_dict().find(k);
    return v == nullptr || v->is_none() ? fallback : get(d, k, p, [](const Value& x) { return x.as_bool(); });
  }
  /// A param group's 'params': the parameter indices it holds.
  std::vector<std::int64_t> indices(const Value& d, const std::string& k, const std::string& p) const {
    return get(d, k, p, [](const Value& v) {
      std::vector<std::int64_t> out;
      for (const auto& item : v.items()) out.push_back(item.as_int());
      return out;
    });
  }
  std::vector<double> numbers(const Value& d, const std::string& k, const std::string& p) const {
    return get(d, k, p, [](const Value& v) {
      std::vector<double> out;
      for (const auto& item : v.items()) out.push_back(item.as_float());
      return out;
    });
  }

 private:
  const std::string& source_;
};

Value weights_value(const StateDict& weights, bool module_prefix) {
  Value dict = Value::dict(true);
  for (const auto& [name, tensor] : weights) dict.as_dict().add(module_prefix ? "module." + name : name, Value(tensor));
  return dict;
}

Value index_list(const std::vector<std::int64_t>& indices) {
  Value list = Value::list();
  for (auto i : indices) list.append(Value(i));
  return list;
}

/// An optimizer.state_dict(): {'state': …, 'param_groups': […]}.
Value optimizer_value(Value state, Value groups) {
  Value optimizer = Value::dict();
  optimizer.as_dict().add("state", std::move(state));
  optimizer.as_dict().add("param_groups", std::move(groups));
  return optimizer;
}

Value adamw_value(const AdamWState& a) {
  Value state = Value::dict();
  for (const auto& slot : a.slots) {
    Value entry = Value::dict();
    entry.as_dict().add("step", Value(slot.step));
    entry.as_dict().add("exp_avg", Value(slot.exp_avg));
    entry.as_dict().add("exp_avg_sq", Value(slot.exp_avg_sq));
    state.as_dict().add(Value(slot.index), entry);
  }
  Value groups = Value::list();
  for (const auto& g : a.groups) {
    Value group = Value::dict();
    Dict& d = group.as_dict();
    d.add("lr", Value(g.lr));
    d.add("betas", Value::tuple({Value(g.beta1), Value(g.beta2)}));
    d.add("eps", Value(g.eps));
    d.add("weight_decay", Value(g.weight_decay));
    d.add("amsgrad", Value(false));
    d.add("foreach", Value());
    d.add("maximize", Value(false));
    d.add("capturable", Value(false));
    if (g.initial_lr) d.add("initial_lr", Value(*g.initial_lr));
    d.add("params", index_list(g.params));
    groups.append(group);
  }
  return optimizer_value(state, groups);
}

/// optimizer['state'] (a dict keyed by parameter index) and optimizer['param_groups'] (a list), or
/// an IoError naming what is not.
std::pair<const Value*, const Value*> optimizer_parts(const Value& optimizer, const Reader& r, const std::string& source) {
  const Value& state = r.field(optimizer, "state", "optimizer");
  if (!state.is(Value::Kind::Dict)) throw IoError(source, "optimizer['state'] is a " + state.type_name() + ", expected a dict");
  for (const auto& item : state.as_dict().items) {
    if (!item.first.is(Value::Kind::Int)) {
      throw IoError(source, "optimizer['state'] key " + item.first.summary() + " is not a parameter index");
    }
  }
  const Value& groups = r.field(optimizer, "param_groups", "optimizer");
  if (!groups.is(Value::Kind::List)) throw IoError(source, "optimizer['param_groups'] is not a list");
  return {&state, &groups};
}

AdamWState adamw_from_value(const Value& optimizer, const std::string& source) {
  const Reader r(source);
  AdamWState a;
  const auto [state, groups] = optimizer_parts(optimizer, r, source);
  for (const auto& [key, entry] : state->as_dict().items) {
    const std::string path = "optimizer['state'][" + std::to_string(key.as_int()) + "]";
    AdamWSlot slot;
    slot.index = key.as_int();
    for (auto [name, target] : {std::pair{"step", &slot.step}, std::pair{"exp_avg", &slot.exp_avg},
                                std::pair{"exp_avg_sq", &slot.exp_avg_sq}}) {
      const Value& v = r.field(entry, name, path);
      if (!v.is(Value::Kind::Tensor)) throw IoError(source, path + "['" + name + "'] is a " + v.type_name());
      *target = v.as_tensor();
    }
    a.slots.push_back(std::move(slot));
  }
  std::sort(a.slots.begin(), a.slots.end(), [](const auto& x, const auto& y) { return x.index < y.index; });
  for (std::size_t i = 0; i < groups->items().size(); ++i) {
    const Value& g = groups->items()[i];
    const std::string path = "optimizer['param_groups'][" + std::to_string(i) + "]";
    AdamWGroup group;
    group.lr = r.number(g, "lr", path);
    const auto betas = r.numbers(g, "betas", path);
    if (betas.size() != 2) throw IoError(source, path + "['betas'] must hold two numbers");
    group.beta1 = betas[0];
    group.beta2 = betas[1];
    group.eps = r.number(g, "eps", path);
    group.weight_decay = r.number(g, "weight_decay", path);
    if (g.as_dict().find("initial_lr")) group.initial_lr = r.number(g, "initial_lr", path);
    group.params = r.indices(g, "params", path);
    a.groups.push_back(std::move(group));
  }
  return a;
}

/// The seed's SGD state_dict: momentum buffers by index (None with momentum 0), one param group.
SgdState sgd_from_value(const Value& optimizer, const std::string& source) {
  const Reader r(source);
  SgdState sgd;
  const auto [state, groups] = optimizer_parts(optimizer, r, source);
  for (const auto& [key, entry] : state->as_dict().items) {
    const std::string path = "optimizer['state'][" + std::to_string(key.as_int()) + "]";
    const Value& buffer = r.field(entry, "momentum_buffer", path);
    if (buffer.is_none()) continue;  // PyTorch leaves None when momentum is 0
    if (!buffer.is(Value::Kind::Tensor)) throw IoError(source, path + "['momentum_buffer'] is a " + buffer.type_name());
    sgd.momentum_buffers.emplace_back(key.as_int(), buffer.as_tensor());
  }
  std::sort(sgd.momentum_buffers.begin(), sgd.momentum_buffers.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < groups->items().size(); ++i) {
    const Value& g = groups->items()[i];
    const std::string path = "optimizer['param_groups'][" + std::to_string(i) + "]";
    SgdParamGroup group;
    group.hyper.for_each([&](const char* key, auto& value) {
      if constexpr (std::is_same_v<std::decay_t<decltype(value)>, bool>) {
        value = r.flag(g, key, path, false);
      } else {
        value = r.number(g, key, path);
      }
    });
    group.maximize = r.flag(g, "maximize", path, false);
    if (g.as_dict().find("initial_lr")) group.initial_lr = r.number(g, "initial_lr", path);
    group.params = r.indices(g, "params", path);
    sgd.param_groups.push_back(std::move(group));
  }
  return sgd;
}

/// Whether 'optimizer' is AdamW's state_dict (its param groups have 'betas').
bool is_adamw(const Value& optimizer) {
  const Value* groups = optimizer.is(Value::Kind::Dict) ? optimizer.as_dict().find("param_groups") : nullptr;
  return groups != nullptr && groups->is(Value::Kind::List) && !groups->items().empty() &&
         groups->items()[0].is(Value::Kind::Dict) && groups->items()[0].as_dict().find("betas") != nullptr;
}

}  // namespace

Value training_checkpoint_value(const TrainingCheckpoint& c, bool module_prefix) {
  Value model = weights_value(c.model, module_prefix);

  Value state = Value::dict();
  for (const auto& [index, buffer] : c.optimizer.momentum_buffers) {
    Value entry = Value::dict();
    entry.as_dict().add("momentum_buffer", Value(buffer));
    state.as_dict().add(Value(index), entry);
  }
  Value groups = Value::list();
  for (const auto& g : c.optimizer.param_groups) {
    Value group = Value::dict();
    Dict& d = group.as_dict();
    g.hyper.for_each([&d](const char* key, const auto& value) { d.add(key, Value(value)); });
    d.add("maximize", Value(g.maximize));
    d.add("foreach", Value());
    d.add("differentiable", Value(false));
    if (g.initial_lr) d.add("initial_lr", Value(*g.initial_lr));
    d.add("params", index_list(g.params));
    groups.append(group);
  }
  Value optimizer = optimizer_value(state, groups);

  const StepLrState& s = c.lr_scheduler;
  Value scheduler = Value::dict();
  Dict& sd = scheduler.as_dict();
  sd.add("step_size", Value(s.step_size));
  sd.add("gamma", Value(s.gamma));
  sd.add("base_lrs", float_list(s.base_lrs));
  sd.add("last_epoch", Value(s.last_epoch));
  sd.add("verbose", Value(false));
  sd.add("_step_count", Value(s.step_count));
  sd.add("_get_lr_called_within_step", Value(false));
  sd.add("_last_lr", float_list(s.last_lr));

  Value root = Value::dict();
  root.as_dict().add("epoch", Value(c.epoch));
  root.as_dict().add("accuracy", Value(c.accuracy));
  root.as_dict().add("model", model);
  if (c.model_ema) root.as_dict().add("model_ema", weights_value(*c.model_ema, module_prefix));
  root.as_dict().add("optimizer", c.adamw ? adamw_value(*c.adamw) : optimizer);
  root.as_dict().add("lr_scheduler", scheduler);
  return root;
}

TrainingCheckpoint training_checkpoint_from_value(const Value& root, const std::string& source) {
  const Reader r(source);
  TrainingCheckpoint c;
  c.epoch = r.integer(root, "epoch", "checkpoint");
  c.accuracy = r.number(root, "accuracy", "checkpoint");
  c.model = to_state_dict(r.field(root, "model", "checkpoint"), true, source + " ('model')");
  if (const Value* ema = root.as_dict().find("model_ema"); ema != nullptr && ema->is(Value::Kind::Dict)) {
    c.model_ema = to_state_dict(*ema, true, source + " ('model_ema')");
  }

  const Value& optimizer = r.field(root, "optimizer", "checkpoint");
  if (is_adamw(optimizer)) {
    c.adamw = adamw_from_value(optimizer, source);
  } else {
    c.optimizer = sgd_from_value(optimizer, source);
  }

  const Value& sched = r.field(root, "lr_scheduler", "checkpoint");
  c.lr_scheduler.step_size = r.integer(sched, "step_size", "lr_scheduler");
  c.lr_scheduler.gamma = r.number(sched, "gamma", "lr_scheduler");
  c.lr_scheduler.base_lrs = r.numbers(sched, "base_lrs", "lr_scheduler");
  c.lr_scheduler.last_epoch = r.integer(sched, "last_epoch", "lr_scheduler");
  c.lr_scheduler.step_count = r.integer(sched, "_step_count", "lr_scheduler");
  if (sched.as_dict().find("_last_lr")) c.lr_scheduler.last_lr = r.numbers(sched, "_last_lr", "lr_scheduler");
  return c;
}

void write_training_checkpoint(const std::string& path, const TrainingCheckpoint& checkpoint, bool module_prefix) {
  write_checkpoint(path, training_checkpoint_value(checkpoint, module_prefix));
}

TrainingCheckpoint read_training_checkpoint(const std::string& path) {
  return training_checkpoint_from_value(read_checkpoint(path).root, path);
}

}  // namespace fixres::io
