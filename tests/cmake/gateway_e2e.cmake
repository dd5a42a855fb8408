# mcp-htm-gateway driven from outside, as an MCP client and its users run it (Node):
# - gateway:e2e_sdk        the official TypeScript SDK client against the gateway, which
#                          mounts the reference npm servers (everything, filesystem, memory,
#                          memory again through npx), mcp-htm-server --flat and the fault
#                          server: lazy start, schemas passed through, calls, progress,
#                          cancellation, list_changed, --flat, nothing left after exit.
# - gateway:e2e_http       HTTP upstreams (mcp-htm-server --http, server-everything's
#                          streamableHttp): list, call, progress, cancellation, each
#                          upstream restarted (its session gone: a new one, the call sent
#                          once more).
# - gateway:faults         the fault server behind the gateway: crash mid-call, crash at
#                          start, exit or hang during initialize, hang, slow, garbage, the
#                          breaker, maxConcurrent, idle stop, no zombie or orphan.
# - bench:gateway_smoke    bench/gateway with tiny counts (no timing asserted).
# Each is skipped (exit code 77) until `npm ci` has installed its folder's packages
# (tests/gateway, bench/gateway); see scripts/test.sh.
if(NOT (MCP_HTM_GATEWAY AND MCP_HTM_BUILD_EXAMPLES AND
        EXISTS ${PROJECT_SOURCE_DIR}/examples/CMakeLists.txt))
  return()
endif()
find_program(MCP_HTM_NODE NAMES node nodejs DOC "Node.js, for the MCP server end-to-end tests")
if(NOT MCP_HTM_NODE)
  return()
endif()
set(MCP_HTM_GATEWAY_TESTS_DIR ${CMAKE_CURRENT_LIST_DIR}/../gateway)
cmake_path(NORMAL_PATH MCP_HTM_GATEWAY_TESTS_DIR)
set(MCP_HTM_GATEWAY_BENCH_DIR ${CMAKE_CURRENT_LIST_DIR}/../../bench/gateway)
cmake_path(NORMAL_PATH MCP_HTM_GATEWAY_BENCH_DIR)

set(gateway_binaries
    --gateway $<TARGET_FILE:mcp-htm-gateway> --server $<TARGET_FILE:mcp-htm-server>)
# gateway.cmake (included before this file: the modules are globbed in sorted order)
# defines the fault server.
if(TARGET gateway_fault_server)
  list(APPEND gateway_binaries --fault $<TARGET_FILE:gateway_fault_server>)
endif()

add_test(NAME gateway:e2e_sdk
  COMMAND ${MCP_HTM_NODE} ${MCP_HTM_GATEWAY_TESTS_DIR}/e2e_sdk.mjs ${gateway_binaries})
set_tests_properties(gateway:e2e_sdk PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 240 LABELS "gateway;e2e")

if(MCP_HTM_HTTP)
  add_test(NAME gateway:e2e_http
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_GATEWAY_TESTS_DIR}/e2e_http.mjs ${gateway_binaries})
  set_tests_properties(gateway:e2e_http PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS "gateway;e2e")
endif()

if(TARGET gateway_fault_server)
  add_test(NAME gateway:faults
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_GATEWAY_TESTS_DIR}/faults.mjs ${gateway_binaries})
  set_tests_properties(gateway:faults PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 180 LABELS "gateway;e2e")
endif()

if(EXISTS ${MCP_HTM_GATEWAY_BENCH_DIR}/bench.mjs)
  add_test(NAME bench:gateway_smoke
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_GATEWAY_BENCH_DIR}/bench.mjs ${gateway_binaries} --smoke)
  set_tests_properties(bench:gateway_smoke PROPERTIES
    SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS "bench;smoke")
endif()
