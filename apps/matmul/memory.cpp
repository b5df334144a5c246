#include "memory.hpp"

#include <fmt/core.h>

#include "tessera/core/error.hpp"
#include "tessera/core/log.hpp"
#include "tessera/core/meminfo.hpp"
#include "tessera/gpu/memory_info.hpp"

namespace matmul_app {

namespace linalg = tessera::linalg;
using tessera::meminfo::format_bytes;

MemoryPlan plan_memory(const linalg::SummaLayouts& L, std::size_t elem_size, const linalg::SummaOptions& opt,
                       bool direct, bool keep_c0) {
  const double es = static_cast<double>(elem_size);
  const double a = static_cast<double>(L.a.local_box().size()), b = static_cast<double>(L.b.local_box().size());
  const double c = static_cast<double>(L.c.local_box().size());
  const auto work = linalg::summa_workspace(L.a, L.b, L.c, elem_size, opt, direct);
  MemoryPlan p;
  p.blocks = es * (a + b + c + (keep_c0 ? c : 0.0));
  p.host = p.blocks + work.host_bytes + work.pinned_bytes;
  if (linalg::on_device(opt.backend)) p.device = es * (a + b + c) + work.device_bytes;
  return p;
}

void check_memory(const tessera::mpi::Environment& env, const MemoryPlan& plan, int device) {
  const auto& world = env.world();
  const auto& node = env.node();
  // Host: the ranks of this node share MemAvailable.
  const double need = node.sum(plan.host);
  const double avail = node.min(tessera::meminfo::available_host_bytes());
  const bool host_ok = avail < 0 || need <= avail;
  world.agree(host_ok,
              fmt::format("not enough memory on {}: the {} rank{} there need {} (each about {}: A, B, C blocks and "
                          "panel buffers) but only {} are available (MemAvailable); use more nodes or smaller sizes",
                          env.hostname(), node.size(), node.size() == 1 ? "" : "s", format_bytes(need),
                          format_bytes(plan.host), format_bytes(avail)));
  if (avail < 0) tessera::log::warn("cannot read MemAvailable from /proc/meminfo; memory not checked");
  if (device < 0) return;
  // Device: the ranks of this node that use the same device share its free memory.
  const auto sharing = node.split(device, node.rank());
  const double dneed = sharing.sum(plan.device);
  double dfree = 0;
  world.collective_check([&] { dfree = static_cast<double>(tessera::gpu::device_memory().free); });
  dfree = sharing.min(dfree);
  world.agree(dneed <= dfree,
              fmt::format("not enough device memory on GPU {} of {}: {} rank{} need {} (A, B, C blocks and panel "
                          "buffers) but only {} are free; use more GPUs or smaller sizes",
                          device, env.hostname(), sharing.size(), sharing.size() == 1 ? "" : "s", format_bytes(dneed),
                          format_bytes(dfree)));
}

}  // namespace matmul_app
