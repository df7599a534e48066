// Owns the precompiled header <torch/torch.h>; see cmake/FixresTargets.cmake.
