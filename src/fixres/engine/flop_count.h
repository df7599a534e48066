#pragma once
/// The arithmetic cost of a network at a test size, as the sweep reports it: the multiply-adds of
/// every convolution and fully connected layer of one forward pass on a 1 x 3 x S x S image, times
/// two (so ResNet-50 at 224 is 8.18 GFLOPs: torchvision's "4.09 GFLOPS" counts multiply-adds).
/// Counted from the operators the forward pass really dispatches (aten::convolution, aten::linear or
/// the aten::addmm LibTorch runs for it, through a thread-local RecordFunction observer), so TF 'same' padding, groups, strides and
/// dilations are as run. Normalisation, activation, pooling and residual additions are not counted.

#include "fixres/engine/model_setup.h"

namespace fixres::engine {

/// GFLOPs (2 x multiply-adds, 1e9) of one `setup.model` forward pass at `size`.
double forward_gflops(const ModelSetup& setup, int size);

}  // namespace fixres::engine
