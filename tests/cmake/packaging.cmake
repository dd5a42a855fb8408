# The ways a host application consumes mcp-htm, each a separate project built from
# scratch and run (tests/find_package/main.cpp: a typed tool through the manager, and
# the version CMake, <mcp/version.hpp> and serverInfo agree on):
#   package:find_package_consumer     find_package(mcp_htm) against `cmake --install`
#   package:header_only_consumer      find_package(mcp_htm COMPONENTS header-only), the same
#                                     main.cpp plus second_unit.cpp on mcp::htm-header-only
#   package:pkg_config_consumer       c++ $(pkg-config --cflags --libs mcp_htm), same prefix
#   package:add_subdirectory_consumer add_subdirectory of the source tree (builds the library)
#   package:deb                       cpack -G DEB, the package's fields, dpkg -x into a
#                                     scratch root, find_package consumer against it
# Every preset runs the first; the others cost a library build or a second consumer
# build each, and what they check does not depend on the compiler flags, so they run
# where MCP_HTM_CONSUMER_TESTS is ON: the dev preset (CI runs dev, dev-clang, asan, tsan).
if(NOT MCP_HTM_INSTALL)
  return()  # nothing to install (the fuzz preset)
endif()
option(MCP_HTM_CONSUMER_TESTS
       "Also test the add_subdirectory, pkg-config and .deb consumers (slow)" OFF)

set(MCP_HTM_PKG_DIR ${CMAKE_BINARY_DIR}/package-test)
set(MCP_HTM_PKG_PREFIX ${MCP_HTM_PKG_DIR}/prefix)
set(MCP_HTM_CONSUMER_OPTIONS
  -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
  "-DCMAKE_CXX_FLAGS=${CMAKE_CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
  -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE})

# A fresh prefix each run: files left by an older install cannot hide a missing one.
add_test(NAME package:clean
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${MCP_HTM_PKG_PREFIX} ${MCP_HTM_PKG_DIR}/consumer
          ${MCP_HTM_PKG_DIR}/header-only ${MCP_HTM_PKG_DIR}/header-only-no-valijson)
add_test(NAME package:install
  COMMAND ${CMAKE_COMMAND} --install ${CMAKE_BINARY_DIR} --prefix ${MCP_HTM_PKG_PREFIX})
set_tests_properties(package:clean PROPERTIES FIXTURES_SETUP mcp_htm_package_clean)
set_tests_properties(package:install PROPERTIES
  FIXTURES_SETUP mcp_htm_package FIXTURES_REQUIRED mcp_htm_package_clean)

add_test(NAME package:find_package_consumer
  COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test
    ${CMAKE_CURRENT_LIST_DIR}/../find_package ${MCP_HTM_PKG_DIR}/consumer
    --build-generator ${CMAKE_GENERATOR}
    --build-options -DCMAKE_PREFIX_PATH=${MCP_HTM_PKG_PREFIX} ${MCP_HTM_CONSUMER_OPTIONS}
    --test-command ${MCP_HTM_PKG_DIR}/consumer/consumer)
set_tests_properties(package:find_package_consumer PROPERTIES
  FIXTURES_REQUIRED mcp_htm_package TIMEOUT 300)

if(MCP_HTM_CONSUMER_TESTS)
  set(MCP_HTM_PKG_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/../packaging)
  add_test(NAME package:pkg_config_consumer
    COMMAND ${CMAKE_COMMAND}
      -DCXX=${CMAKE_CXX_COMPILER} "-DCXX_FLAGS=${CMAKE_CXX_FLAGS}"
      "-DLINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
      -DPKG_CONFIG_PATH=${MCP_HTM_PKG_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig
      -DSOURCE=${CMAKE_CURRENT_LIST_DIR}/../find_package/main.cpp
      -DWORK_DIR=${MCP_HTM_PKG_DIR}/pkg-config -DEXPECTED_VERSION=${PROJECT_VERSION}
      -P ${MCP_HTM_PKG_SCRIPTS}/pkg_config_consumer.cmake)
  set_tests_properties(package:pkg_config_consumer PROPERTIES
    FIXTURES_REQUIRED mcp_htm_package TIMEOUT 300)

  # The same host application against mcp::htm-header-only, with a second translation
  # unit: the whole implementation compiled twice, linked once.
  add_test(NAME package:header_only_consumer
    COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test
      ${CMAKE_CURRENT_LIST_DIR}/../find_package ${MCP_HTM_PKG_DIR}/header-only
      --build-generator ${CMAKE_GENERATOR}
      --build-options -DCMAKE_PREFIX_PATH=${MCP_HTM_PKG_PREFIX} -DMCP_HTM_CONSUMER_HEADER_ONLY=ON
        ${MCP_HTM_CONSUMER_OPTIONS}
      --test-command ${MCP_HTM_PKG_DIR}/header-only/consumer)
  set_tests_properties(package:header_only_consumer PROPERTIES
    FIXTURES_REQUIRED mcp_htm_package TIMEOUT 600)

  # Without valijson, asking for the component fails at configure time and says why
  # (the compiled library alone still configures: package:find_package_consumer).
  add_test(NAME package:header_only_needs_valijson
    COMMAND ${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR}/../find_package
      -B ${MCP_HTM_PKG_DIR}/header-only-no-valijson -G ${CMAKE_GENERATOR}
      -DCMAKE_PREFIX_PATH=${MCP_HTM_PKG_PREFIX} -DMCP_HTM_CONSUMER_HEADER_ONLY=ON
      -DCMAKE_DISABLE_FIND_PACKAGE_valijson=ON)
  set_tests_properties(package:header_only_needs_valijson PROPERTIES
    FIXTURES_REQUIRED mcp_htm_package
    PASS_REGULAR_EXPRESSION "mcp::htm-header-only needs valijson's CMake package")

  add_test(NAME package:add_subdirectory_consumer
    COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test
      ${CMAKE_CURRENT_LIST_DIR}/../add_subdirectory ${MCP_HTM_PKG_DIR}/subdirectory
      --build-generator ${CMAKE_GENERATOR}
      --build-options -DMCP_HTM_SOURCE_DIR=${PROJECT_SOURCE_DIR} ${MCP_HTM_CONSUMER_OPTIONS}
      --test-command ${MCP_HTM_PKG_DIR}/subdirectory/consumer)
  set_tests_properties(package:add_subdirectory_consumer PROPERTIES TIMEOUT 900)

  add_test(NAME package:deb
    COMMAND ${CMAKE_COMMAND}
      -DBUILD_DIR=${CMAKE_BINARY_DIR} -DWORK_DIR=${MCP_HTM_PKG_DIR}/deb
      -DCONSUMER_SOURCE=${CMAKE_CURRENT_LIST_DIR}/../find_package
      -DGENERATOR=${CMAKE_GENERATOR} -DCXX=${CMAKE_CXX_COMPILER}
      "-DCXX_FLAGS=${CMAKE_CXX_FLAGS}" "-DLINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
      -DBUILD_TYPE=${CMAKE_BUILD_TYPE} -DVERSION=${PROJECT_VERSION}
      -P ${MCP_HTM_PKG_SCRIPTS}/deb_consumer.cmake)
  set_tests_properties(package:deb PROPERTIES TIMEOUT 600)
endif()
