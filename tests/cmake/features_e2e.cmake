# The MCP surface beyond tools with the official TypeScript SDK client (owned by the
# server area): server:features_e2e_sdk runs tests/e2e/features_e2e.mjs against
# `mcp-htm-server --conformance` over stdio and over Streamable HTTP -- a resource read
# and a subscription update, a prompt with arguments, completions, a tool asking the
# client for a sample and an elicitation, a sampling request refused for a client
# without the capability. Skipped (exit code 77) until `npm ci --prefix tests/e2e`.
if(NOT (MCP_HTM_BUILD_EXAMPLES AND MCP_HTM_HTTP AND
        EXISTS ${PROJECT_SOURCE_DIR}/examples/CMakeLists.txt))
  return()  # the fixture needs the server binary built with --http
endif()

find_program(MCP_HTM_NODE NAMES node nodejs DOC "Node.js, for the MCP server end-to-end tests")
if(MCP_HTM_NODE)
  add_test(NAME server:features_e2e_sdk
    COMMAND ${MCP_HTM_NODE} ${CMAKE_CURRENT_LIST_DIR}/../e2e/features_e2e.mjs
            $<TARGET_FILE:mcp-htm-server>)
else()
  add_test(NAME server:features_e2e_sdk COMMAND sh -c "echo 'SKIP: node not found'; exit 77")
endif()
# Binds an ephemeral loopback port only; stdio servers are its own children.
set_tests_properties(server:features_e2e_sdk PROPERTIES
  SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS "server;e2e;http")
