# c10d backends compiled into fixres_dist (included from the top-level CMakeLists.txt).
# Gloo: LibTorch's CPU/CUDA builds contain it; its headers come from LibTorch's include folder or
# from Debian's libgloo-dev. NCCL: when LibTorch was built with CUDA and nccl.h is found (a CUDA
# LibTorch zip or a pip PyTorch with its nvidia-nccl package; otherwise pass -DNCCL_INCLUDE_DIR=...).

find_path(FIXRES_GLOO_INCLUDE_DIR gloo/algorithm.h HINTS ${TORCH_INCLUDE_DIRS})
if(FIXRES_GLOO_INCLUDE_DIR)
  target_compile_definitions(fixres_dist PRIVATE FIXRES_WITH_GLOO)
  if(NOT FIXRES_GLOO_INCLUDE_DIR STREQUAL "/usr/include")
    target_include_directories(fixres_dist SYSTEM PRIVATE ${FIXRES_GLOO_INCLUDE_DIR})
  endif()
else()
  message(WARNING "fixres: gloo headers not found (Debian: apt-get install libgloo-dev); "
                  "distributed runs on CPU will not be available")
endif()

if(TORCH_CUDA_LIBRARIES OR TARGET torch_cuda)
  find_path(FIXRES_NCCL_INCLUDE_DIR nccl.h
            HINTS ${NCCL_INCLUDE_DIR} ${TORCH_INCLUDE_DIRS} ${CUDA_INCLUDE_DIRS} ENV NCCL_INCLUDE_DIR
                  ${TORCH_INSTALL_PREFIX}/../nvidia/nccl/include)
  if(FIXRES_NCCL_INCLUDE_DIR)
    message(STATUS "fixres: CUDA LibTorch, NCCL process groups enabled (${FIXRES_NCCL_INCLUDE_DIR})")
    target_compile_definitions(fixres_dist PRIVATE FIXRES_WITH_NCCL)
    target_include_directories(fixres_dist SYSTEM PRIVATE ${FIXRES_NCCL_INCLUDE_DIR})
  else()
    message(WARNING "fixres: CUDA LibTorch but nccl.h not found (set NCCL_INCLUDE_DIR); "
                    "GPU ranks will use Gloo")
  endif()
endif()
