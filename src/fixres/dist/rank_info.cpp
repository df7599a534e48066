#include "fixres/dist/rank_info.h"

#include <cerrno>
#include <cstdlib>
#include <limits>

namespace fixres::dist {

namespace {

/// Strict decimal integer ("3", not "3x", not ""), else DistConfigError naming `what`.
int parse_int(const std::string& text, const std::string& what) {
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE ||
      value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
    throw DistConfigError(what + ": expected an integer, got '" + text + "'");
  }
  return static_cast<int>(value);
}

/// One launcher's variable names for rank, world size and local rank.
struct LauncherVariables {
  const char* source;
  const char* rank;
  std::vector<const char*> world;  ///< first one set wins
  const char* local_rank;
};

const LauncherVariables kLaunchers[] = {
    {"torchrun", "RANK", {"WORLD_SIZE"}, "LOCAL_RANK"},
    {"SLURM", "SLURM_PROCID", {"SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"}, "SLURM_LOCALID"},
    {"Open MPI", "OMPI_COMM_WORLD_RANK", {"OMPI_COMM_WORLD_SIZE"}, "OMPI_COMM_WORLD_LOCAL_RANK"},
};

/// The first launcher whose rank and world variables are both set, filling `info`.
void read_launcher(const EnvLookup& env, RankInfo& info) {
  for (const LauncherVariables& launcher : kLaunchers) {
    const auto rank = env(launcher.rank);
    if (!rank) continue;
    for (const char* world_name : launcher.world) {
      const auto world = env(world_name);
      if (!world) continue;
      info.source = launcher.source;
      info.rank = parse_int(*rank, launcher.rank);
      info.world_size = parse_int(*world, world_name);
      info.local_rank = info.rank;
      if (const auto local = env(launcher.local_rank))
        info.local_rank = parse_int(*local, launcher.local_rank);
      return;
    }
  }
}

void parse_dist_url(const std::string& url, RankInfo& info) {
  const std::string tcp = "tcp://";
  const std::string file = "file://";
  if (url.rfind(tcp, 0) == 0) {
    const std::string rest = url.substr(tcp.size());
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      throw DistConfigError("--dist-url: expected tcp://HOST:PORT, got '" + url + "'");
    }
    info.rendezvous = Rendezvous::kTcp;
    info.master_addr = rest.substr(0, colon);
    // [::1]:port style IPv6 literals
    if (info.master_addr.size() > 2 && info.master_addr.front() == '[' &&
        info.master_addr.back() == ']') {
      info.master_addr = info.master_addr.substr(1, info.master_addr.size() - 2);
    }
    info.master_port = parse_int(rest.substr(colon + 1), "port of --dist-url '" + url + "'");
  } else if (url.rfind(file, 0) == 0) {
    info.rendezvous = Rendezvous::kFile;
    info.file_path = url.substr(file.size());
    if (info.file_path.empty())
      throw DistConfigError("--dist-url: expected file:///PATH, got '" + url + "'");
  } else {
    throw DistConfigError("--dist-url: expected env://, tcp://HOST:PORT or file:///PATH, got '" +
                          url + "'");
  }
}

/// MASTER_ADDR/MASTER_PORT style rendezvous from flags, environment and SLURM's node list.
void resolve_master(const DistOptions& options, const EnvLookup& env, RankInfo& info) {
  info.rendezvous = Rendezvous::kTcp;
  if (!options.master_addr.empty()) {
    info.master_addr = options.master_addr;
  } else if (const auto addr = env("MASTER_ADDR")) {
    info.master_addr = *addr;
  } else {
    for (const char* name : {"SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST", "SLURM_NODELIST"}) {
      const auto nodes = env(name);
      if (!nodes) continue;
      const auto hosts = expand_nodelist(*nodes);
      if (hosts.empty()) throw DistConfigError(std::string(name) + ": no host in '" + *nodes + "'");
      info.master_addr = hosts.front();
      break;
    }
  }
  if (info.master_addr.empty()) {
    throw DistConfigError("world size " + std::to_string(info.world_size) + " (from " +
                          info.source +
                          ") but no rendezvous address: set MASTER_ADDR (and MASTER_PORT), "
                          "--master-addr, or --dist-url tcp://HOST:PORT");
  }
  if (options.master_port >= 0) {
    info.master_port = options.master_port;
  } else if (const auto port = env("MASTER_PORT")) {
    info.master_port = parse_int(*port, "MASTER_PORT");
  } else {
    info.master_port = kDefaultMasterPort;
  }
}

/// Splits at commas that are not inside brackets.
std::vector<std::string> split_top_level(const std::string& text) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  for (char c : text) {
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (depth < 0) throw DistConfigError("SLURM node list: unbalanced ']' in '" + text + "'");
    if (c == ',' && depth == 0) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (depth != 0) throw DistConfigError("SLURM node list: unbalanced '[' in '" + text + "'");
  parts.push_back(current);
  return parts;
}

/// "01-04,07" → 01 02 03 04 07 (width of the lower bound kept).
std::vector<std::string> expand_ranges(const std::string& ranges, const std::string& nodelist) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= ranges.size()) {
    auto end = ranges.find(',', start);
    if (end == std::string::npos) end = ranges.size();
    const std::string item = ranges.substr(start, end - start);
    const auto dash = item.find('-');
    const std::string what = "SLURM node list '" + nodelist + "'";
    if (dash == std::string::npos) {
      parse_int(item, what);
      out.push_back(item);
    } else {
      const std::string low = item.substr(0, dash);
      const int first = parse_int(low, what);
      const int last = parse_int(item.substr(dash + 1), what);
      if (last < first) throw DistConfigError(what + ": empty range '" + item + "'");
      for (int i = first; i <= last; ++i) {
        std::string number = std::to_string(i);
        if (number.size() < low.size()) number.insert(0, low.size() - number.size(), '0');
        out.push_back(number);
      }
    }
    start = end + 1;
  }
  return out;
}

/// One host pattern, possibly with several bracket groups: "r[1-2]n[01-02]-ib".
void expand_pattern(const std::string& pattern, const std::string& nodelist,
                    std::vector<std::string>& out) {
  const auto open = pattern.find('[');
  if (open == std::string::npos) {
    out.push_back(pattern);
    return;
  }
  const auto close = pattern.find(']', open);
  const std::string prefix = pattern.substr(0, open);
  const std::string rest = pattern.substr(close + 1);
  for (const std::string& number :
       expand_ranges(pattern.substr(open + 1, close - open - 1), nodelist)) {
    expand_pattern(prefix + number + rest, nodelist, out);
  }
}

}  // namespace

std::string RankInfo::address() const {
  switch (rendezvous) {
    case Rendezvous::kTcp:
      return "tcp://" + master_addr + ":" + std::to_string(master_port);
    case Rendezvous::kFile:
      return "file://" + file_path;
    case Rendezvous::kNone:
      break;
  }
  return "";
}

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

std::vector<std::string> expand_nodelist(const std::string& nodelist) {
  std::vector<std::string> hosts;
  for (const std::string& part : split_top_level(nodelist)) {
    if (part.empty()) continue;
    expand_pattern(part, nodelist, hosts);
  }
  return hosts;
}

RankInfo resolve_rank_info(const DistOptions& options, const EnvLookup& env) {
  RankInfo info;
  read_launcher(env, info);

  // The seed's flags override field by field.
  if (options.num_tasks >= 0 || options.global_rank >= 0) info.source = "flags";
  if (options.num_tasks >= 0) info.world_size = options.num_tasks;
  if (options.global_rank >= 0) {
    info.rank = options.global_rank;
    info.local_rank = options.global_rank;
  }
  if (options.local_rank >= 0) info.local_rank = options.local_rank;

  if (info.world_size < 1) {
    throw DistConfigError("world size (from " + info.source + ") must be at least 1, got " +
                          std::to_string(info.world_size));
  }
  if (info.rank < 0 || info.rank >= info.world_size) {
    throw DistConfigError("rank (from " + info.source + ") must be in [0, " +
                          std::to_string(info.world_size) + "), got " + std::to_string(info.rank));
  }
  if (info.local_rank < 0) {
    throw DistConfigError("local rank (from " + info.source + ") must be >= 0, got " +
                          std::to_string(info.local_rank));
  }
  if (options.timeout_seconds <= 0) {
    throw DistConfigError("--dist-timeout must be a positive number of seconds, got " +
                          std::to_string(options.timeout_seconds));
  }
  if (!info.distributed()) return info;

  if (!options.dist_url.empty() && options.dist_url != "env://") {
    parse_dist_url(options.dist_url, info);
  } else {
    resolve_master(options, env, info);
  }
  if (info.rendezvous == Rendezvous::kTcp && (info.master_port < 1 || info.master_port > 65535)) {
    throw DistConfigError("rendezvous port must be in [1, 65535], got " +
                          std::to_string(info.master_port));
  }
  return info;
}

}  // namespace fixres::dist
