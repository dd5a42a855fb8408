# MCP server tests that run the real mcp-htm-server binary (owned by the server area):
# - server:raw_stdio  raw bad-input lines piped into the binary (Node, no dependencies)
# - server:e2e_sdk    the official MCP TypeScript SDK client against the binary; skipped
#                     (exit code 77) until `npm ci --prefix tests/e2e` has installed it.
if(NOT (MCP_HTM_BUILD_EXAMPLES AND EXISTS ${PROJECT_SOURCE_DIR}/examples/CMakeLists.txt))
  return()
endif()

find_program(MCP_HTM_NODE NAMES node nodejs DOC "Node.js, for the MCP server end-to-end tests")
set(MCP_HTM_E2E_DIR ${CMAKE_CURRENT_LIST_DIR}/../e2e)
cmake_path(NORMAL_PATH MCP_HTM_E2E_DIR)

if(MCP_HTM_NODE)
  add_test(NAME server:raw_stdio
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_E2E_DIR}/raw_stdio.mjs $<TARGET_FILE:mcp-htm-server>)
  add_test(NAME server:e2e_sdk
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_E2E_DIR}/e2e.mjs $<TARGET_FILE:mcp-htm-server>)
else()
  # No Node.js: report both as skipped rather than silently dropping them.
  foreach(name IN ITEMS server:raw_stdio server:e2e_sdk)
    add_test(NAME ${name} COMMAND sh -c "echo 'SKIP: node not found'; exit 77")
  endforeach()
endif()
set_tests_properties(server:raw_stdio server:e2e_sdk PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS "server;e2e")
