# `cmake --install BUILD --prefix P` lays out P/bin/fixres, P/lib/libfixres.so (where the CLI looks
# for it), P/include/fixres/**/*.h and P/lib/cmake/fixres/ (find_package(fixres), imported target
# fixres::fixres). examples/ builds against that package (examples/check_installed_package.sh).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(FIXRES_INSTALL_LIBDIR lib)
set(FIXRES_INSTALL_INCLUDEDIR include)
set(FIXRES_INSTALL_CMAKEDIR lib/cmake/fixres)

install(TARGETS fixres LIBRARY DESTINATION ${FIXRES_INSTALL_LIBDIR})
install(TARGETS fixres_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/fixres DESTINATION ${FIXRES_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/fixresConfig.cmake.in
  ${PROJECT_BINARY_DIR}/fixresConfig.cmake
  INSTALL_DESTINATION ${FIXRES_INSTALL_CMAKEDIR}
  PATH_VARS FIXRES_INSTALL_LIBDIR FIXRES_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/fixresConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/fixresConfig.cmake ${PROJECT_BINARY_DIR}/fixresConfigVersion.cmake
        DESTINATION ${FIXRES_INSTALL_CMAKEDIR})

if(FIXRES_BUILD_TESTS)
  # Installs into the build tree, builds examples/ against the package, runs it once.
  add_test(NAME example_against_installed_package
           COMMAND bash ${PROJECT_SOURCE_DIR}/examples/check_installed_package.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(example_against_installed_package PROPERTIES TIMEOUT 900 LABELS install)
endif()
