# Streamable HTTP tests that run the real `mcp-htm-server --http` binary (owned by the
# server area):
# - server:raw_http      raw HTTP/1.1 over node:net (no dependencies): every refusal (Origin,
#                        Host, session, version, size, JSON, Accept, Content-Type, method,
#                        second GET stream), slow clients, pipelining, chunked bodies,
#                        stateless mode, session limits, draining on SIGTERM.
# - server:http_e2e_sdk  the official MCP TypeScript SDK client (StreamableHTTPClientTransport)
#                        against the binary; skipped (exit code 77) until
#                        `npm ci --prefix tests/e2e` has installed it.
if(NOT (MCP_HTM_BUILD_EXAMPLES AND MCP_HTM_HTTP AND
        EXISTS ${PROJECT_SOURCE_DIR}/examples/CMakeLists.txt))
  return()  # no server binary, or one without --http
endif()

find_program(MCP_HTM_NODE NAMES node nodejs DOC "Node.js, for the MCP server end-to-end tests")
set(MCP_HTM_HTTP_E2E_DIR ${CMAKE_CURRENT_LIST_DIR}/../e2e)
cmake_path(NORMAL_PATH MCP_HTM_HTTP_E2E_DIR)

if(MCP_HTM_NODE)
  add_test(NAME server:raw_http
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_HTTP_E2E_DIR}/raw_http.mjs $<TARGET_FILE:mcp-htm-server>)
  add_test(NAME server:http_e2e_sdk
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_HTTP_E2E_DIR}/http_e2e.mjs $<TARGET_FILE:mcp-htm-server>)
else()
  # No Node.js: report both as skipped rather than silently dropping them.
  foreach(name IN ITEMS server:raw_http server:http_e2e_sdk)
    add_test(NAME ${name} COMMAND sh -c "echo 'SKIP: node not found'; exit 77")
  endforeach()
endif()
# Both bind ephemeral loopback ports only, so they may run in parallel with anything.
set_tests_properties(server:raw_http server:http_e2e_sdk PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS "server;e2e;http")
