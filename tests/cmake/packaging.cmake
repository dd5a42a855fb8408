# Installs the freshly built package into a scratch prefix, then builds and runs a
# separate consumer project against it with find_package(mcp_htm CONFIG).
set(MCP_HTM_PKG_PREFIX ${CMAKE_BINARY_DIR}/package-test/prefix)
add_test(NAME package:install
  COMMAND ${CMAKE_COMMAND} --install ${CMAKE_BINARY_DIR} --prefix ${MCP_HTM_PKG_PREFIX})
set_tests_properties(package:install PROPERTIES FIXTURES_SETUP mcp_htm_package)
add_test(NAME package:find_package_consumer
  COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test
    ${CMAKE_CURRENT_SOURCE_DIR}/find_package ${CMAKE_BINARY_DIR}/package-test/consumer
    --build-generator ${CMAKE_GENERATOR}
    --build-options
      -DCMAKE_PREFIX_PATH=${MCP_HTM_PKG_PREFIX}
      -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
      "-DCMAKE_CXX_FLAGS=${CMAKE_CXX_FLAGS}"
      "-DCMAKE_EXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
      -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE}
    --test-command ${CMAKE_BINARY_DIR}/package-test/consumer/consumer)
set_tests_properties(package:find_package_consumer PROPERTIES
  FIXTURES_REQUIRED mcp_htm_package TIMEOUT 300)
