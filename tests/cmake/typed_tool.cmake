# Typed tools a user gets wrong must not compile, and must say what to do: each case of
# tests/typed_tool/unsupported.cpp is a unit of its own (not in the default build) that
# a test builds with the preset's compiler and flags, expecting its static_assert
# message. Case 0, the same code done right, is part of the default build.
# The messages depend on the compiler, not on sanitizers: the presets without sanitizers
# (dev: GCC, dev-clang: Clang) run the cases, asan and tsan do not spend the builds.
if(CMAKE_CXX_FLAGS MATCHES "-fsanitize")
  return()
endif()
set(MCP_HTM_TYPED_CASES
  "1|unsupported field type. Supported: bool, integers"
  "2|a map field needs std::string keys"
  "3|or, for a typed tool, one struct declared with MCP_HTM_FIELDS"
  "4|mcp::pattern and mcp::format apply to std::string fields only"
  "5|this enum has no names"
  "6|a typed tool returns a struct declared with MCP_HTM_FIELDS, std::string or mcp::Json")
set(MCP_HTM_TYPED_SOURCE ${CMAKE_CURRENT_LIST_DIR}/../typed_tool/unsupported.cpp)
add_library(mcp_htm_typed_case_0 OBJECT ${MCP_HTM_TYPED_SOURCE})
target_compile_definitions(mcp_htm_typed_case_0 PRIVATE CASE=0)
target_link_libraries(mcp_htm_typed_case_0 PRIVATE mcp::htm)
foreach(entry IN LISTS MCP_HTM_TYPED_CASES)
  string(FIND "${entry}" "|" bar)
  string(SUBSTRING "${entry}" 0 ${bar} case)
  math(EXPR after "${bar} + 1")
  string(SUBSTRING "${entry}" ${after} -1 expect)
  string(REGEX REPLACE "([][.*+?^$()|\\\\])" "\\\\\\1" expect_regex "${expect}")
  add_library(mcp_htm_typed_case_${case} OBJECT EXCLUDE_FROM_ALL ${MCP_HTM_TYPED_SOURCE})
  target_compile_definitions(mcp_htm_typed_case_${case} PRIVATE CASE=${case})
  target_link_libraries(mcp_htm_typed_case_${case} PRIVATE mcp::htm)
  add_test(NAME typed_tool:static_assert_case_${case}
    COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target mcp_htm_typed_case_${case})
  # One build of the tree at a time: two ninjas in one build directory race on its log.
  set_tests_properties(typed_tool:static_assert_case_${case} PROPERTIES
    PASS_REGULAR_EXPRESSION "${expect_regex}" TIMEOUT 300 RESOURCE_LOCK mcp_htm_build_tree)
endforeach()
