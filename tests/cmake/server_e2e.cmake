# MCP server tests that run the real mcp-htm-server binary (owned by the server area):
# - server:raw_stdio          raw bad-input lines piped into the binary (Node, no dependencies)
# - server:e2e_sdk            the official MCP TypeScript SDK client against the binary
# - server:jsonrpc_sdk        JSON-RPC edges the SDK client must be able to read (an over-long
#                             call fails at once; errors without an id), bytes after the value,
#                             responses and notifications left unanswered, batches
# - server:progress_delivery  every progress notification of tools_dispatch_parallel reaches
#                             the SDK client's onprogress; none follows a cancellation
# The SDK tests are skipped (exit code 77) until `npm ci --prefix tests/e2e` has installed it.
if(NOT (MCP_HTM_BUILD_EXAMPLES AND EXISTS ${PROJECT_SOURCE_DIR}/examples/CMakeLists.txt))
  return()
endif()

find_program(MCP_HTM_NODE NAMES node nodejs DOC "Node.js, for the MCP server end-to-end tests")
set(MCP_HTM_E2E_DIR ${CMAKE_CURRENT_LIST_DIR}/../e2e)
cmake_path(NORMAL_PATH MCP_HTM_E2E_DIR)

set(_mcp_htm_server_e2e_tests server:raw_stdio server:e2e_sdk server:jsonrpc_sdk
                              server:progress_delivery)
if(MCP_HTM_NODE)
  add_test(NAME server:raw_stdio
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_E2E_DIR}/raw_stdio.mjs $<TARGET_FILE:mcp-htm-server>)
  add_test(NAME server:e2e_sdk
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_E2E_DIR}/e2e.mjs $<TARGET_FILE:mcp-htm-server>)
  add_test(NAME server:jsonrpc_sdk
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_E2E_DIR}/stdio_jsonrpc.mjs $<TARGET_FILE:mcp-htm-server>)
  add_test(NAME server:progress_delivery
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_E2E_DIR}/progress_delivery.mjs $<TARGET_FILE:mcp-htm-server>
            --batches 10 --check)
else()
  # No Node.js: report them as skipped rather than silently dropping them.
  foreach(name IN LISTS _mcp_htm_server_e2e_tests)
    add_test(NAME ${name} COMMAND sh -c "echo 'SKIP: node not found'; exit 77")
  endforeach()
endif()
set_tests_properties(${_mcp_htm_server_e2e_tests} PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS "server;e2e")
