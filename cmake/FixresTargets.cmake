# Helpers shared by every target of the project.

# All .cpp files directly under DIR (relative to the source root), sorted.
function(fixres_glob out dir)
  file(GLOB files CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/*.cpp)
  list(SORT files)
  if(NOT files)
    # A layer with no sources yet still forms a (empty) library.
    set(files ${PROJECT_SOURCE_DIR}/cmake/empty_layer.cpp)
  endif()
  set(${out} ${files} PARENT_SCOPE)
endfunction()

# Include path and warnings for a target of the torch-free core.
function(fixres_setup_target target)
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/src>
    $<INSTALL_INTERFACE:include>)
  target_compile_options(${target} PRIVATE ${FIXRES_WARNINGS})
endfunction()

# A target that uses LibTorch: links torch and shares one precompiled header.
function(fixres_setup_torch_target target)
  fixres_setup_target(${target})
  target_link_libraries(${target} PUBLIC ${TORCH_LIBRARIES})
  if(TARGET fixres_pch_host)
    target_precompile_headers(${target} REUSE_FROM fixres_pch_host)
  endif()
endfunction()

# One tiny object library owns the precompiled header; the others reuse it. GCC rejects a PCH
# built with other code-generation flags (-fPIC vs -fPIE), so the libraries (PIC) and the test
# programs (built without an explicit PIC flag: Debian's GCC makes PIE by default) each get one.
function(fixres_add_pch_host name pic)
  add_library(${name} OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch_host.cpp)
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ${pic})
  target_link_libraries(${name} PUBLIC ${TORCH_LIBRARIES})
  target_compile_options(${name} PRIVATE ${FIXRES_WARNINGS})
  target_precompile_headers(${name} PRIVATE <torch/torch.h>)
endfunction()
if(NOT TARGET fixres_pch_host)
  fixres_add_pch_host(fixres_pch_host ON)
endif()
