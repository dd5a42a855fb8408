# The gateway's C++ tests: the MCP client and the gateway against a controllable
# upstream (tests/gateway/fault_server.cpp), a real child process of this build.
if(NOT MCP_HTM_GATEWAY)
  return()
endif()
add_executable(gateway_fault_server ${CMAKE_CURRENT_LIST_DIR}/../gateway/fault_server.cpp)
target_link_libraries(gateway_fault_server PRIVATE mcp::htm)
foreach(test_name IN ITEMS gateway_client_test gateway_test)
  set(source ${CMAKE_CURRENT_LIST_DIR}/../gateway/${test_name}.cpp)
  if(EXISTS ${source})
    add_executable(${test_name} ${source})
    target_link_libraries(${test_name} PRIVATE mcp::htm-gateway Catch2::Catch2WithMain)
    target_compile_definitions(${test_name} PRIVATE
      MCP_HTM_FAULT_SERVER="$<TARGET_FILE:gateway_fault_server>")
    add_dependencies(${test_name} gateway_fault_server)
    catch_discover_tests(${test_name} TEST_PREFIX "${test_name}:" PROPERTIES TIMEOUT 120)
  endif()
endforeach()
