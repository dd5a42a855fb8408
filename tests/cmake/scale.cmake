# Scale-out test (issue 13): 3 `mcp-htm-server --http` nodes behind the real HAProxy and nginx
# of Debian 12, with the configs of deploy/, driven by the official SDK client
# (tests/scale/scale_test.mjs; docs/scale-out.md). Owned by the scale-out area.
# - scale:balancers  sticky sessions and round robin, kill -9 of a node mid-run, SIGTERM
#                    drain, progress through the proxy; for HAProxy and for nginx.
# - scale:docs       the configs shown in docs/scale-out.md are deploy/'s templates rendered.
# Registered when node, haproxy and nginx are found (scripts/install-deps.sh installs them);
# otherwise a test that reports itself skipped, so a missing balancer shows. Skipped (77)
# too until `npm ci --prefix tests/e2e` has installed the SDK client.
if(NOT (MCP_HTM_BUILD_EXAMPLES AND MCP_HTM_HTTP AND
        EXISTS ${PROJECT_SOURCE_DIR}/examples/CMakeLists.txt))
  return()  # no server binary, or one without --http
endif()

find_program(MCP_HTM_NODE NAMES node nodejs DOC "Node.js, for the MCP server end-to-end tests")
find_program(MCP_HTM_HAPROXY NAMES haproxy PATHS /usr/sbin /usr/local/sbin DOC "HAProxy, for the scale-out test")
find_program(MCP_HTM_NGINX NAMES nginx PATHS /usr/sbin /usr/local/sbin DOC "nginx, for the scale-out test")

# Every preset runs it: about 35-45 s with the dev, asan and tsan servers alike (the
# balancers and the client, not the server, take the time).
if(MCP_HTM_NODE AND MCP_HTM_HAPROXY AND MCP_HTM_NGINX)
  # /usr/sbin may not be on a user's PATH: the script runs what CMake found.
  add_test(NAME scale:balancers
    COMMAND ${CMAKE_COMMAND} -E env MCP_HTM_HAPROXY=${MCP_HTM_HAPROXY} MCP_HTM_NGINX=${MCP_HTM_NGINX}
            ${MCP_HTM_NODE} ${CMAKE_CURRENT_LIST_DIR}/../scale/scale_test.mjs
            $<TARGET_FILE:mcp-htm-server>)
else()
  add_test(NAME scale:balancers
    COMMAND sh -c "echo 'SKIP: needs node, haproxy and nginx (scripts/install-deps.sh)'; exit 77")
endif()
if(MCP_HTM_NODE)
  add_test(NAME scale:docs COMMAND ${MCP_HTM_NODE} ${CMAKE_CURRENT_LIST_DIR}/../scale/docs_check.mjs)
  set_tests_properties(scale:docs PROPERTIES TIMEOUT 60 LABELS "scale;docs")
endif()
# Loopback ports only (ephemeral, picked free), so it may run in parallel with anything; its
# waits all have deadlines (the script stops itself well inside the timeout).
set_tests_properties(scale:balancers PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 240 LABELS "server;e2e;http;scale")
